//! The server's clock: `now()` is a starting instant plus the real time elapsed since the
//! server started, plus any simulated jump (`POST /admin/clock`).
//!
//! For: a sandbox that runs at a date the seed regulations were in force (`--as-of`) and tests
//! that need an overdue step without waiting. Not for: the engine (it never reads a clock; the
//! server passes `now` with every command) nor the store's own bookkeeping.

use jiff::{SignedDuration, Timestamp};
use std::sync::Mutex;
use std::time::Instant;

/// A clock that starts at an instant and runs forward in real time.
#[derive(Debug)]
pub struct Clock {
    start: Timestamp,
    started: Instant,
    /// Simulated jumps so far.
    offset: Mutex<SignedDuration>,
}

impl Clock {
    /// Starts at `as_of`, or at the real current instant when `None`.
    pub fn new(as_of: Option<Timestamp>) -> Clock {
        Clock {
            start: as_of.unwrap_or_else(Timestamp::now),
            started: Instant::now(),
            offset: Mutex::new(SignedDuration::ZERO),
        }
    }

    /// The server's current instant.
    pub fn now(&self) -> Timestamp {
        let elapsed = SignedDuration::try_from(self.started.elapsed()).unwrap_or_default();
        let offset = *self.offset.lock().unwrap_or_else(|e| e.into_inner());
        self.start
            .checked_add(elapsed)
            .and_then(|t| t.checked_add(offset))
            .unwrap_or(Timestamp::MAX)
    }

    /// Jumps forward (or back, for a negative duration); returns the new instant.
    pub fn advance(&self, by: SignedDuration) -> Timestamp {
        {
            let mut o = self.offset.lock().unwrap_or_else(|e| e.into_inner());
            *o = o.checked_add(by).unwrap_or(*o);
        }
        self.now()
    }

    /// The total simulated jump so far.
    pub fn offset(&self) -> SignedDuration {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_at_as_of_and_jumps() {
        let t0: Timestamp = "2019-12-02T03:00:00Z".parse().unwrap();
        let c = Clock::new(Some(t0));
        let now = c.now();
        assert!(now >= t0 && now < t0 + SignedDuration::from_secs(5));
        let later = c.advance(SignedDuration::from_mins(90));
        assert!(later >= t0 + SignedDuration::from_mins(90));
        assert_eq!(c.offset(), SignedDuration::from_mins(90));
    }
}

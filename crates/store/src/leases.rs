//! Leases and outbox claims of one process (the SQLite store's): background jobs taken by one
//! holder at a time, outbox entries handed to one dispatcher at a time, each until its lease
//! runs out. In memory, because an embedded store has one process: a restart ends every
//! holder, and with them their leases.
//!
//! Not for: several processes (the PostgreSQL store keeps both in its tables).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
pub(crate) struct Leases {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    jobs: HashMap<String, (String, Instant)>,
    outbox: HashMap<i64, (String, Instant)>,
}

impl Leases {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Take or renew `job` for `holder` (see `Store::lease`).
    pub fn lease(&self, job: &str, holder: &str, ttl: Duration) -> bool {
        let now = Instant::now();
        let mut s = self.state();
        match s.jobs.get(job) {
            Some((h, until)) if h != holder && *until > now => false,
            _ => {
                s.jobs
                    .insert(job.to_string(), (holder.to_string(), now + ttl));
                true
            }
        }
    }

    /// Outbox entries claimed by others whose lease has not run out.
    pub fn claimed_by_others(&self, holder: &str) -> usize {
        let now = Instant::now();
        self.state()
            .outbox
            .values()
            .filter(|(h, until)| h != holder && *until > now)
            .count()
    }

    /// Of `ids` (oldest first), claim for `holder` up to `limit` that nobody else holds.
    pub fn claim(&self, holder: &str, ids: &[i64], limit: usize, ttl: Duration) -> Vec<i64> {
        let now = Instant::now();
        let mut s = self.state();
        let mut out = vec![];
        for id in ids {
            if out.len() >= limit {
                break;
            }
            let free = match s.outbox.get(id) {
                Some((h, until)) => h == holder || *until <= now,
                None => true,
            };
            if free {
                s.outbox.insert(*id, (holder.to_string(), now + ttl));
                out.push(*id);
            }
        }
        out
    }

    /// Published entries need no claim any more.
    pub fn published(&self, ids: &[i64]) {
        let mut s = self.state();
        for id in ids {
            s.outbox.remove(id);
        }
    }

    pub fn release(&self, holder: &str) {
        let mut s = self.state();
        s.jobs.retain(|_, (h, _)| h != holder);
        s.outbox.retain(|_, (h, _)| h != holder);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_until_the_lease_runs_out() {
        let l = Leases::default();
        let ttl = Duration::from_millis(50);
        assert!(l.lease("sweep", "a", ttl));
        assert!(!l.lease("sweep", "b", ttl), "a holds it");
        assert!(l.lease("sweep", "a", ttl), "a renews");
        std::thread::sleep(Duration::from_millis(80));
        assert!(l.lease("sweep", "b", ttl), "a's lease ran out");
        l.release("b");
        assert!(l.lease("sweep", "a", ttl), "b gave it up");
    }

    #[test]
    fn claims_are_disjoint() {
        let l = Leases::default();
        let ttl = Duration::from_secs(60);
        assert_eq!(l.claim("a", &[1, 2, 3], 2, ttl), vec![1, 2]);
        assert_eq!(l.claim("b", &[1, 2, 3], 2, ttl), vec![3]);
        assert_eq!(l.claimed_by_others("b"), 2);
        l.published(&[1]);
        l.release("a");
        assert_eq!(l.claim("b", &[2, 3], 5, ttl), vec![2, 3]);
    }
}

//! Legal time over the Kazakhstan calendar: the [`LegalTime`] the engine runs on in production.
//!
//! Reading chosen for step durations counted in days: the day the file reaches the step is its
//! first day, as the day of acceptance is for the service term (the texts make the actions add
//! up to the term on that reading: e.g. 002 R3, 30+5 min + 4 working days + 15+15 min within 5
//! working days); the last day ends at the close of working hours. Minutes and hours count only
//! working time. Service terms follow the regulation's own counting rule (the day of acceptance
//! is counted unless the text says it is not).

use crate::LegalTime;
use calendar::{Calendar, CountingRules, Schedule, Term};
use jiff::Timestamp;
use regulation::{Duration, Unit};

/// The calendar and working hours deadlines are counted in.
pub struct KzTime {
    pub calendar: &'static Calendar,
    pub schedule: Schedule,
}

impl KzTime {
    pub fn new() -> KzTime {
        let calendar = Calendar::kz();
        KzTime {
            schedule: calendar.default_schedule().clone(),
            calendar,
        }
    }

    fn term(&self, start: Timestamp, d: Duration, counted: bool) -> Timestamp {
        let rules = CountingRules {
            acceptance_day_counted: counted,
            ..CountingRules::default()
        };
        Term::new(d, rules)
            .due(start, self.calendar, &self.schedule)
            .map(|due| due.at)
            .unwrap_or(Timestamp::MAX)
    }
}

impl Default for KzTime {
    fn default() -> Self {
        KzTime::new()
    }
}

impl LegalTime for KzTime {
    fn step_due(&self, start: Timestamp, d: Duration) -> Timestamp {
        self.term(start, d, true)
    }

    fn term_due(
        &self,
        accepted: Timestamp,
        d: Duration,
        acceptance_day_counted: bool,
    ) -> Timestamp {
        self.term(accepted, d, acceptance_day_counted)
    }

    fn before(&self, due: Timestamp, d: Duration) -> Timestamp {
        match d.unit {
            Unit::Seconds | Unit::Minutes | Unit::Hours => {
                let secs = match d.unit {
                    Unit::Seconds => 1,
                    Unit::Minutes => 60,
                    _ => 3600,
                } * i64::from(d.value);
                due.checked_sub(jiff::SignedDuration::from_secs(secs))
                    .unwrap_or(Timestamp::MIN)
            }
            _ => calendar::deliver_before(due, d.value).unwrap_or(Timestamp::MIN),
        }
    }

    fn after(&self, t: Timestamp, d: Duration) -> Timestamp {
        match d.unit {
            // A storage period in months runs to the same date and hour.
            Unit::Months => {
                let z = t.to_zoned_datetime(self.calendar.time_zone().clone());
                z.date()
                    .checked_add(jiff::Span::new().months(i64::from(d.value)))
                    .ok()
                    .and_then(|day| {
                        day.to_datetime(z.time())
                            .to_zoned_datetime(self.calendar.time_zone().clone())
                            .ok()
                    })
                    .map(|z| z.timestamp())
                    .unwrap_or(Timestamp::MAX)
            }
            _ => self.step_due(t, d),
        }
    }

    fn local_date(&self, t: Timestamp) -> jiff::civil::Date {
        t.to_zoned_datetime(self.calendar.time_zone().clone())
            .date()
    }
}

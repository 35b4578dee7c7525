//! Legal time over the Kazakhstan calendar: the [`LegalTime`] the engine runs on in production.
//!
//! Reading chosen for step durations counted in days: the day the file reaches the step is its
//! first day, as the day of acceptance is for the service term (the texts make the actions add
//! up to the term on that reading: e.g. 002 R3, 30+5 min + 4 working days + 15+15 min within 5
//! working days); the last day ends at the close of working hours. Minutes and hours count only
//! working time. A file reaching a step outside working hours, like an application accepted
//! then, counts from the next working opening. When an application counts as accepted is the
//! channel's rule (`calendar::acceptance`, `calendars/schedules.toml`; docs/legal-time.md). Service terms follow the regulation's own counting rule (the day of acceptance
//! is counted unless the text says it is not).

use crate::LegalTime;
use calendar::{Acceptance, Calendar, CountingRules, Intake, Schedule, Schedules, Term};
use jiff::Timestamp;
use regulation::{ChannelId, Duration, Unit};

/// The calendar and working hours deadlines are counted in.
pub struct KzTime {
    pub calendar: &'static Calendar,
    /// The hours terms and steps are counted in: the provider's default office hours.
    pub schedule: Schedule,
    /// The hours of each place of intake (`calendars/schedules.toml`).
    pub schedules: Schedules,
}

impl KzTime {
    pub fn new() -> KzTime {
        KzTime::with_schedules(Schedules::kz().clone())
    }

    /// Legal time with other working hours of the places of intake.
    pub fn with_schedules(schedules: Schedules) -> KzTime {
        KzTime {
            calendar: Calendar::kz(),
            schedule: schedules.office("").clone(),
            schedules,
        }
    }

    /// How `channel` takes applications, and the hours of the place.
    fn intake(
        &self,
        channel: ChannelId,
        provider: &str,
        centre: Option<&str>,
    ) -> (Intake, &Schedule) {
        match channel {
            ChannelId::Office | ChannelId::Intermediary => {
                (Intake::Counter, self.schedules.office(provider))
            }
            ChannelId::StateCorporation => (Intake::Counter, self.schedules.centre(centre)),
            // Registered by the provider: its office hours decide the next working day.
            ChannelId::Portal => (Intake::AroundTheClock, self.schedules.office(provider)),
        }
    }

    /// `moves`: a file that reaches a step outside working hours starts counting at the next
    /// working opening (its first day is the next working day). A service term does not move:
    /// its start is the acceptance instant the channel's rule already gave (a centre open till
    /// 20:00 accepts at 18:31, and that day is the acceptance day).
    fn term(&self, start: Timestamp, d: Duration, counted: bool, moves: bool) -> Timestamp {
        let rules = CountingRules {
            acceptance_day_counted: counted,
            after_hours_acceptance_moves: moves,
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
        self.term(start, d, true, true)
    }

    fn term_due(
        &self,
        accepted: Timestamp,
        d: Duration,
        acceptance_day_counted: bool,
    ) -> Timestamp {
        self.term(accepted, d, acceptance_day_counted, false)
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
            // A тәулік is 24 hours back from the term's end; landing outside working hours
            // (due Monday 18:30: Sunday 18:30), the provider must have delivered by the last
            // working moment before it (Friday 18:30).
            _ => calendar::deliver_before(due, d.value)
                .and_then(|t| self.calendar.latest_working_instant(t, &self.schedule))
                .unwrap_or(Timestamp::MIN),
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

    fn accept(
        &self,
        channel: ChannelId,
        provider: &str,
        centre: Option<&str>,
        at: Timestamp,
    ) -> Acceptance {
        let (intake, schedule) = self.intake(channel, provider, centre);
        // No working time within ten years (a schedule of no hours): taken at once rather
        // than never; the schedules file refuses such a schedule anyway.
        self.calendar
            .accept(intake, schedule, at)
            .unwrap_or(Acceptance::Now(at))
    }

    fn hours(&self, channel: ChannelId, provider: &str, centre: Option<&str>) -> String {
        self.intake(channel, provider, centre).1.to_string()
    }
}

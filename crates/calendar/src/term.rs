//! Terms of state services: from the instant an application was accepted and a duration
//! ("10 working days", "30 minutes", "1 month") to the instant the term expires, under the
//! counting rules a regulation states ("the day of acceptance is not counted"), and the
//! "deliver the result not later than one day before the term" deadline.
//!
//! Pure: the acceptance instant is an input, never a clock read. Not for: which durations a
//! regulation sets (the `regulation` crate), SLA status or escalation (the `engine`).

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::error::TimeError;
use crate::schedule::Schedule;

/// The unit of a duration, as regulations write it (the one definition: `regulation`
/// re-exports it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// Seconds (see [`ClockUnits`] for how they are counted).
    Seconds,
    /// Minutes.
    Minutes,
    /// Hours.
    Hours,
    /// Working days of the calendar ("жұмыс күні", "рабочих дней").
    WorkingDays,
    /// Calendar days ("күнтізбелік күн", "календарных дней").
    CalendarDays,
    /// "N days" with no qualifier. Counted as **calendar days**: Kazakh legal texts qualify
    /// working days explicitly when they mean them, so an unqualified "күн/дней" is read as
    /// calendar days; it is also the earlier, stricter deadline for the provider, which is the
    /// safe reading for the applicant. Kept a separate unit so that the reading can change in
    /// one place if a ruling says otherwise.
    DaysUnspecified,
    /// Months (same-numbered day, or the month's last day).
    Months,
}

impl Unit {
    /// Every unit, in declaration order.
    pub const ALL: [Unit; 7] = [
        Unit::Seconds,
        Unit::Minutes,
        Unit::Hours,
        Unit::WorkingDays,
        Unit::CalendarDays,
        Unit::DaysUnspecified,
        Unit::Months,
    ];

    /// The name used in data files (`working_days`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Seconds => "seconds",
            Unit::Minutes => "minutes",
            Unit::Hours => "hours",
            Unit::WorkingDays => "working_days",
            Unit::CalendarDays => "calendar_days",
            Unit::DaysUnspecified => "days_unspecified",
            Unit::Months => "months",
        }
    }
}

impl std::fmt::Display for Unit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Unit {
    type Err = String;

    fn from_str(s: &str) -> Result<Unit, String> {
        Unit::ALL
            .into_iter()
            .find(|u| u.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Unit::ALL.iter().map(|u| u.as_str()).collect();
                format!("unknown unit {s:?}: must be one of {}", names.join("|"))
            })
    }
}

/// A duration with its unit, e.g. `{ value = 10, unit = "working_days" }`; displayed in words,
/// "10 working days".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Duration {
    /// How many units.
    pub value: u32,
    /// Which unit.
    pub unit: Unit,
}

impl Duration {
    /// A duration of `value` `unit`s.
    pub fn new(value: u32, unit: Unit) -> Duration {
        Duration { value, unit }
    }
}

impl std::fmt::Display for Duration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.value, self.unit.as_str().replace('_', " "))
    }
}

/// How seconds, minutes and hours are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockUnits {
    /// Only time inside the schedule's working hours on working days counts ("30 minutes"
    /// at a counter are 30 working minutes). The default.
    #[default]
    WorkingTime,
    /// Elapsed time, around the clock ("24 hours").
    Elapsed,
}

/// How a term is counted. `Default`: the acceptance day counts, a last day off moves to the
/// next working day, clock units count working time, acceptance time is taken as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CountingRules {
    /// `false` for "the day of acceptance is not counted in the term" (a per-service sentence
    /// for applications at the State Corporation): the term starts the next day. `true`
    /// (default): the acceptance day is day 1 ("a term starts with the day of the event",
    /// old Law on administrative procedures art. 12-1) — for working days, the first working
    /// day on or after acceptance is day 1.
    pub acceptance_day_counted: bool,
    /// For calendar-day, unspecified-day and month terms: a last day that is a day off moves
    /// to the next working day. Default `true` (the usual CIS rule; no Kazakh text for state
    /// services was found, so it is a flag, \[U\]).
    pub last_day_off_moves_forward: bool,
    /// How seconds, minutes and hours are counted.
    pub clock_units: ClockUnits,
    /// Whether an application accepted outside working time (after hours, on a day off) is
    /// taken as accepted at the start of the next working period. Default `false`; the rule
    /// is recalled from post-2020 Rules but was not found in a text (\[U\]).
    pub after_hours_acceptance_moves: bool,
}

impl Default for CountingRules {
    fn default() -> Self {
        CountingRules {
            acceptance_day_counted: true,
            last_day_off_moves_forward: true,
            clock_units: ClockUnits::WorkingTime,
            after_hours_acceptance_moves: false,
        }
    }
}

/// The computed end of a term, with what it was computed from (for explanations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// The instant the term expires.
    pub at: Timestamp,
    /// The instant counting started from (acceptance, or the next working period when
    /// `after_hours_acceptance_moves` applied).
    pub counted_from: Timestamp,
    /// For day and month units: the first day of the term.
    pub first_day: Option<Date>,
    /// For day and month units: the last day of the term (after any move).
    pub last_day: Option<Date>,
    /// When the last day fell on a day off and moved: the day it fell on.
    pub moved_from: Option<Date>,
}

/// A term: a duration and the rules to count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Term {
    /// The duration.
    pub duration: Duration,
    /// The counting rules.
    #[serde(default)]
    pub rules: CountingRules,
}

impl Term {
    /// A term of `duration` counted by `rules`.
    pub fn new(duration: Duration, rules: CountingRules) -> Term {
        Term { duration, rules }
    }

    /// When the term of an application accepted at `accepted_at` expires.
    ///
    /// * seconds / minutes / hours: `accepted_at` plus that much working time (or elapsed
    ///   time, see [`ClockUnits`]).
    /// * working days: the end of working hours (under `schedule`, in the calendar's time
    ///   zone) of the last working day of the term.
    /// * calendar days, unspecified days, months: the end of working hours of the last day;
    ///   a last day off moves to the next working day (see [`CountingRules`]).
    /// * a value of 0: due at once (`accepted_at`, after any after-hours move).
    ///
    /// Example: 10 working days, acceptance day not counted, accepted Friday 2025-03-07
    /// (8 March is Saturday, so Monday 10 March is off; 21–25 March is Nauryz): the term
    /// runs 11–20 and 26–27 March and expires on 2025-03-27 at 18:30 Almaty time.
    pub fn due(
        &self,
        accepted_at: Timestamp,
        calendar: &Calendar,
        schedule: &Schedule,
    ) -> Result<Due, TimeError> {
        let r = &self.rules;
        let from = if r.after_hours_acceptance_moves
            && !calendar.is_working_time(accepted_at, schedule)?
        {
            calendar.next_working_instant(accepted_at, schedule)?
        } else {
            accepted_at
        };
        let n = self.duration.value;
        let mut due = Due {
            at: from,
            counted_from: from,
            first_day: None,
            last_day: None,
            moved_from: None,
        };
        if n == 0 {
            return Ok(due);
        }
        let clock = |secs: u64| -> Result<Timestamp, TimeError> {
            match r.clock_units {
                ClockUnits::WorkingTime => calendar.add_working_seconds(from, secs, schedule),
                ClockUnits::Elapsed => {
                    let s = i64::try_from(secs)
                        .map_err(|_| TimeError::OutOfRange(format!("{secs} s")))?;
                    Ok(from.checked_add(SignedDuration::from_secs(s))?)
                }
            }
        };
        let n64 = u64::from(n);
        let d0 = from.to_zoned_datetime(calendar.time_zone().clone()).date();
        let (first, last_raw) = match self.duration.unit {
            Unit::Seconds => {
                due.at = clock(n64)?;
                return Ok(due);
            }
            Unit::Minutes => {
                due.at = clock(n64 * 60)?;
                return Ok(due);
            }
            Unit::Hours => {
                due.at = clock(n64 * 3600)?;
                return Ok(due);
            }
            Unit::WorkingDays => {
                if r.acceptance_day_counted {
                    let first = calendar.working_day_on_or_after(d0)?;
                    (first, calendar.add_working_days(first, n - 1)?)
                } else {
                    (
                        calendar.next_working_day(d0)?,
                        calendar.add_working_days(d0, n)?,
                    )
                }
            }
            Unit::CalendarDays | Unit::DaysUnspecified => {
                let n = i32::try_from(n).map_err(|_| TimeError::OutOfRange(format!("{n} days")))?;
                if r.acceptance_day_counted {
                    (d0, calendar.add_calendar_days(d0, n - 1)?)
                } else {
                    (d0.tomorrow()?, calendar.add_calendar_days(d0, n)?)
                }
            }
            Unit::Months => {
                let n =
                    i32::try_from(n).map_err(|_| TimeError::OutOfRange(format!("{n} months")))?;
                let end = calendar.add_months(d0, n)?;
                if r.acceptance_day_counted {
                    (d0, end.yesterday()?)
                } else {
                    (d0.tomorrow()?, end)
                }
            }
        };
        let last = if r.last_day_off_moves_forward && !calendar.is_working_day(last_raw) {
            due.moved_from = Some(last_raw);
            calendar.next_working_day(last_raw)?
        } else {
            last_raw
        };
        due.first_day = Some(first);
        due.last_day = Some(last);
        due.at = calendar.end_of_working_day(last, schedule)?;
        Ok(due)
    }
}

/// "Deliver the result to the State Corporation not later than `days` day(s) before the
/// term expires": `due` minus `days` × 24 hours (a тәулік/сутки is 24 hours).
///
/// This is the legal instant; it may fall outside working hours (due Monday 18:30 gives
/// Sunday 18:30). [`Calendar::latest_working_instant`] turns it into the last moment within
/// working hours (Friday 18:30 there).
pub fn deliver_before(due: Timestamp, days: u32) -> Result<Timestamp, TimeError> {
    Ok(due.checked_sub(SignedDuration::from_hours(24 * i64::from(days)))?)
}

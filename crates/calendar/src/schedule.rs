//! Working hours ([`Schedule`]) and counting time inside them: "30 working minutes after
//! acceptance", the end of a working day, the latest working moment before a deadline.
//!
//! A schedule belongs to a provider (data, usually read from TOML); the calendar decides
//! which days are working days, the schedule decides the hours of those days. Time is counted
//! only inside the schedule's intervals on the calendar's working days, in the calendar's
//! time zone. Not for: which days are working days (`calendar.rs`), legal term rules
//! (`term.rs`), shift work, or the shortened pre-holiday day (Kazakhstan has none to model
//! for a five-day week [U]).

use jiff::civil::{Date, DateTime, Weekday};
use jiff::{SignedDuration, Timestamp};
use serde::Deserialize;

use crate::calendar::{Calendar, DayKind};
use crate::error::{CalendarError, TimeError};

/// How many days counting may scan without finding a minute of working time before it gives
/// up with [`TimeError::NoWorkingTime`].
const MAX_IDLE_DAYS: u32 = 3660;

const DAY_SECONDS: u32 = 86_400;

/// A stretch of working time within one day, `[start, end)`, in seconds after midnight of
/// the calendar's time zone. `end` may be 24:00.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    start: u32,
    end: u32,
}

impl Interval {
    /// An interval from `start` to `end` given as (hour, minute); `end` may be (24, 0).
    pub fn new(start: (u8, u8), end: (u8, u8)) -> Result<Interval, CalendarError> {
        let secs = |(h, m): (u8, u8)| -> Option<u32> {
            let s = u32::from(h) * 3600 + u32::from(m) * 60;
            (m < 60 && s <= DAY_SECONDS).then_some(s)
        };
        let text = format!("{:02}:{:02}-{:02}:{:02}", start.0, start.1, end.0, end.1);
        match (secs(start), secs(end)) {
            (Some(s), Some(e)) if s < e && s < DAY_SECONDS => Ok(Interval { start: s, end: e }),
            _ => Err(CalendarError::invalid(
                "interval",
                "must be \"HH:MM-HH:MM\" with the start before the end, within 00:00-24:00",
                text,
            )),
        }
    }

    /// Seconds after midnight at which the interval starts.
    pub fn start_seconds(&self) -> u32 {
        self.start
    }

    /// Seconds after midnight at which the interval ends (86 400 = 24:00).
    pub fn end_seconds(&self) -> u32 {
        self.end
    }

    /// Length of the interval.
    pub fn len(&self) -> SignedDuration {
        SignedDuration::from_secs(i64::from(self.end - self.start))
    }

    /// Always false: an interval has a start before its end.
    pub fn is_empty(&self) -> bool {
        false
    }

    fn parse(field: &str, s: &str) -> Result<Interval, CalendarError> {
        let rule = "must be \"HH:MM-HH:MM\" with the start before the end, within 00:00-24:00";
        let bad = || CalendarError::invalid(field, rule, format!("\"{s}\""));
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let hm = |t: &str| -> Option<(u8, u8)> {
            let (h, m) = t.trim().split_once(':')?;
            if h.len() != 2 || m.len() != 2 {
                return None;
            }
            Some((h.parse().ok()?, m.parse().ok()?))
        };
        let (start, end) = (hm(a).ok_or_else(bad)?, hm(b).ok_or_else(bad)?);
        Interval::new(start, end).map_err(|_| bad())
    }
}

impl std::fmt::Display for Interval {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hm = |s: u32| (s / 3600, (s % 3600) / 60);
        let (a, b) = (hm(self.start), hm(self.end));
        write!(f, "{:02}:{:02}-{:02}:{:02}", a.0, a.1, b.0, b.1)
    }
}

/// The working hours of a provider, weekday by weekday.
///
/// [`Schedule::standard`] (also `Default`) is Monday–Friday 09:00–13:00 and 14:30–18:30
/// (lunch 13:00–14:30): 8 hours a day, 40 a week, the hours a typical Standard of a state
/// service gives ("9.00–18.30, перерыв 13.00–14.30"). A weekend day that a decree makes a
/// working day is worked with [`Schedule::decreed_working_day`] hours (standard: the same).
///
/// In TOML (`Schedule::from_toml_str`, or a `[default_schedule]` table in a calendar file):
/// ```toml
/// monday = ["09:00-13:00", "14:30-18:30"]
/// # ... tuesday .. sunday; a missing day has no working hours
/// decreed_working_day = ["09:00-13:00", "14:30-18:30"]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawSchedule")]
pub struct Schedule {
    /// Indexed by `Weekday::to_monday_zero_offset`.
    days: [Vec<Interval>; 7],
    decreed: Vec<Interval>,
}

/// The schedule as written in TOML.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSchedule {
    #[serde(default)]
    monday: Vec<String>,
    #[serde(default)]
    tuesday: Vec<String>,
    #[serde(default)]
    wednesday: Vec<String>,
    #[serde(default)]
    thursday: Vec<String>,
    #[serde(default)]
    friday: Vec<String>,
    #[serde(default)]
    saturday: Vec<String>,
    #[serde(default)]
    sunday: Vec<String>,
    decreed_working_day: Option<Vec<String>>,
}

impl TryFrom<RawSchedule> for Schedule {
    type Error = CalendarError;

    fn try_from(raw: RawSchedule) -> Result<Schedule, CalendarError> {
        let parse = |name: &str, list: &[String]| -> Result<Vec<Interval>, CalendarError> {
            list.iter()
                .enumerate()
                .map(|(i, s)| Interval::parse(&format!("{name}[{i}]"), s))
                .collect()
        };
        let days = [
            parse("monday", &raw.monday)?,
            parse("tuesday", &raw.tuesday)?,
            parse("wednesday", &raw.wednesday)?,
            parse("thursday", &raw.thursday)?,
            parse("friday", &raw.friday)?,
            parse("saturday", &raw.saturday)?,
            parse("sunday", &raw.sunday)?,
        ];
        let decreed = match raw.decreed_working_day {
            Some(list) => parse("decreed_working_day", &list)?,
            None => Schedule::standard().decreed,
        };
        Schedule::new(days, decreed)
    }
}

fn standard_day() -> Vec<Interval> {
    vec![
        Interval {
            start: 9 * 3600,
            end: 13 * 3600,
        },
        Interval {
            start: 14 * 3600 + 1800,
            end: 18 * 3600 + 1800,
        },
    ]
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::standard()
    }
}

impl Schedule {
    /// Monday–Friday 09:00–13:00 and 14:30–18:30; no hours on Saturday and Sunday; a weekend
    /// day made working by decree gets the same hours as a weekday.
    pub fn standard() -> Schedule {
        let d = standard_day;
        Schedule {
            days: [d(), d(), d(), d(), d(), Vec::new(), Vec::new()],
            decreed: d(),
        }
    }

    /// A schedule from intervals per weekday (Monday first) and the hours of a weekend day
    /// made working by decree. Intervals of a day must be in order and must not overlap.
    pub fn new(
        days: [Vec<Interval>; 7],
        decreed_working_day: Vec<Interval>,
    ) -> Result<Schedule, CalendarError> {
        const NAMES: [&str; 7] = [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
        ];
        let check = |name: &str, list: &[Interval]| -> Result<(), CalendarError> {
            for (i, w) in list.windows(2).enumerate() {
                if w[1].start < w[0].end {
                    return Err(CalendarError::invalid(
                        format!("{name}[{}]", i + 1),
                        "must start after the previous interval of the day ends",
                        format!("{} after {}", w[1], w[0]),
                    ));
                }
            }
            Ok(())
        };
        for (name, list) in NAMES.iter().zip(days.iter()) {
            check(name, list)?;
        }
        check("decreed_working_day", &decreed_working_day)?;
        Ok(Schedule {
            days,
            decreed: decreed_working_day,
        })
    }

    /// Reads a schedule from TOML (see the type's documentation for the shape).
    pub fn from_toml_str(text: &str) -> Result<Schedule, CalendarError> {
        let raw: RawSchedule = toml::from_str(text)?;
        Schedule::try_from(raw)
    }

    /// Seconds of working time in an ordinary week (no holiday, no decree).
    pub(crate) fn weekly_seconds(&self) -> i64 {
        self.days
            .iter()
            .flatten()
            .map(|i| i64::from(i.end) - i64::from(i.start))
            .sum()
    }

    /// At most how many seconds of working time a week holds: each weekday's hours, or a
    /// decreed working day's when more (holidays only take time away).
    fn week_seconds_at_most(&self) -> i64 {
        let day = |list: &[Interval]| -> i64 {
            list.iter()
                .map(|i| i64::from(i.end) - i64::from(i.start))
                .sum()
        };
        let decreed = day(&self.decreed);
        self.days.iter().map(|d| day(d).max(decreed)).sum()
    }

    /// The week in words, consecutive days with the same hours grouped, with the weekday
    /// names given (Monday first): `"Mon-Fri 09:00-13:00, 14:30-18:30; Sat 09:00-20:00"`.
    pub fn describe(&self, names: [&str; 7]) -> String {
        let mut parts: Vec<String> = vec![];
        let mut i = 0;
        while i < 7 {
            let mut j = i;
            while j + 1 < 7 && self.days[j + 1] == self.days[i] {
                j += 1;
            }
            if !self.days[i].is_empty() {
                let days = if i == j {
                    names[i].to_string()
                } else {
                    format!("{}-{}", names[i], names[j])
                };
                let hours: Vec<String> = self.days[i].iter().map(|x| x.to_string()).collect();
                parts.push(format!("{days} {}", hours.join(", ")));
            }
            i = j + 1;
        }
        parts.join("; ")
    }

    /// The intervals of a weekday.
    pub fn intervals(&self, weekday: Weekday) -> &[Interval] {
        &self.days[weekday.to_monday_zero_offset() as usize]
    }

    /// The intervals of a weekend day made a working day by decree.
    pub fn decreed_working_day(&self) -> &[Interval] {
        &self.decreed
    }
}

/// Absolute working periods of one day.
fn periods(
    cal: &Calendar,
    date: Date,
    list: &[Interval],
) -> Result<Vec<(Timestamp, Timestamp)>, TimeError> {
    let midnight = DateTime::from(date);
    let at = |secs: u32| -> Result<Timestamp, TimeError> {
        let dt = midnight.checked_add(SignedDuration::from_secs(i64::from(secs)))?;
        Ok(dt.to_zoned_datetime(cal.time_zone().clone())?.timestamp())
    };
    list.iter()
        .map(|i| Ok((at(i.start)?, at(i.end)?)))
        .collect()
}

impl Calendar {
    /// The working intervals of `date` under `schedule`: none on a holiday, a day given
    /// off for a holiday or by decree; the weekday's intervals on a working day and on a
    /// weekly day off (a five-day schedule gives Saturday and Sunday none; a centre open on
    /// Saturdays gives Saturday its hours); the schedule's `decreed_working_day` intervals
    /// on a weekend day that a decree makes a working day.
    pub fn working_intervals<'s>(&self, date: Date, schedule: &'s Schedule) -> &'s [Interval] {
        match self.day_kind(date) {
            DayKind::TransferredWorkingDay { .. } if self.is_weekend(date.weekday()) => {
                schedule.decreed_working_day()
            }
            k if k.is_working() => schedule.intervals(date.weekday()),
            // A weekly day off that is no holiday: worked only by a schedule that gives the
            // weekday hours (State Corporation centres open on Saturdays).
            DayKind::Weekend => schedule.intervals(date.weekday()),
            _ => &[],
        }
    }

    /// The working periods of `date` as instants.
    pub fn working_periods(
        &self,
        date: Date,
        schedule: &Schedule,
    ) -> Result<Vec<(Timestamp, Timestamp)>, TimeError> {
        periods(self, date, self.working_intervals(date, schedule))
    }

    fn local_date(&self, at: Timestamp) -> Date {
        at.to_zoned_datetime(self.time_zone().clone()).date()
    }

    /// Whether `at` falls inside working time (`[start, end)` of an interval of a working day).
    pub fn is_working_time(&self, at: Timestamp, schedule: &Schedule) -> Result<bool, TimeError> {
        let date = self.local_date(at);
        Ok(self
            .working_periods(date, schedule)?
            .iter()
            .any(|&(s, e)| s <= at && at < e))
    }

    /// The instant `seconds` of working time after `start`: only time inside `schedule`'s
    /// intervals on the calendar's working days counts. `start` outside working time counts
    /// from the next working period. When the count ends exactly at the end of an interval,
    /// that end is the answer (18:30, not the next morning). Zero seconds give `start`.
    pub fn add_working_seconds(
        &self,
        start: Timestamp,
        seconds: u64,
        schedule: &Schedule,
    ) -> Result<Timestamp, TimeError> {
        if seconds == 0 {
            return Ok(start);
        }
        let mut remaining = SignedDuration::from_secs(
            i64::try_from(seconds).map_err(|_| TimeError::OutOfRange(format!("{seconds} s")))?,
        );
        let mut date = self.local_date(start);
        // An amount more than the schedule's weeks can hold before the end of the dates jiff
        // represents (year 9999) is refused at once: walking there day by day took seconds
        // (found by fuzzing: 4e9 working seconds under a schedule of minutes a week).
        let week = schedule.week_seconds_at_most();
        if week > 0 {
            let days_left = date.until(Date::MAX)?.get_days();
            let capacity = (i64::from(days_left) / 7 + 1).saturating_mul(week);
            if remaining.as_secs() > capacity {
                return Err(TimeError::OutOfRange(format!(
                    "{seconds} s of working time end after year 9999"
                )));
            }
        }
        let mut idle = 0u32;
        loop {
            let mut any = false;
            for (s, e) in self.working_periods(date, schedule)? {
                if e <= start {
                    continue;
                }
                any = true;
                let from = s.max(start);
                let available = e.duration_since(from);
                if remaining <= available {
                    return Ok(from.checked_add(remaining)?);
                }
                remaining -= available;
            }
            idle = if any { 0 } else { idle + 1 };
            if idle > MAX_IDLE_DAYS {
                return Err(TimeError::NoWorkingTime);
            }
            date = date.tomorrow()?;
        }
    }

    /// [`add_working_seconds`](Self::add_working_seconds) with minutes.
    pub fn add_working_minutes(
        &self,
        start: Timestamp,
        minutes: u64,
        schedule: &Schedule,
    ) -> Result<Timestamp, TimeError> {
        let s = minutes
            .checked_mul(60)
            .ok_or_else(|| TimeError::OutOfRange(format!("{minutes} min")))?;
        self.add_working_seconds(start, s, schedule)
    }

    /// [`add_working_seconds`](Self::add_working_seconds) with hours.
    pub fn add_working_hours(
        &self,
        start: Timestamp,
        hours: u64,
        schedule: &Schedule,
    ) -> Result<Timestamp, TimeError> {
        let s = hours
            .checked_mul(3600)
            .ok_or_else(|| TimeError::OutOfRange(format!("{hours} h")))?;
        self.add_working_seconds(start, s, schedule)
    }

    /// The end of working hours of `date`: the end of its last interval under `schedule`.
    /// When the schedule gives the day no hours (a day off, or a day the provider does not
    /// work), the end of the day (24:00 local) is returned.
    pub fn end_of_working_day(
        &self,
        date: Date,
        schedule: &Schedule,
    ) -> Result<Timestamp, TimeError> {
        match self.working_periods(date, schedule)?.last() {
            Some(&(_, e)) => Ok(e),
            None => Ok(periods(
                self,
                date,
                &[Interval {
                    start: 0,
                    end: DAY_SECONDS,
                }],
            )?[0]
                .1),
        }
    }

    /// The earliest instant at or after `at` inside working time.
    pub fn next_working_instant(
        &self,
        at: Timestamp,
        schedule: &Schedule,
    ) -> Result<Timestamp, TimeError> {
        let mut date = self.local_date(at);
        for _ in 0..=MAX_IDLE_DAYS {
            for (s, e) in self.working_periods(date, schedule)? {
                if at < e {
                    return Ok(s.max(at));
                }
            }
            date = date.tomorrow()?;
        }
        Err(TimeError::NoWorkingTime)
    }

    /// The latest instant at or before `at` that is inside working time or at the end of a
    /// working period (18:30 counts). Used to turn a legal deadline that falls outside working
    /// hours ("not later than one day before", landing on a Sunday) into the last moment a
    /// provider can act.
    pub fn latest_working_instant(
        &self,
        at: Timestamp,
        schedule: &Schedule,
    ) -> Result<Timestamp, TimeError> {
        let mut date = self.local_date(at);
        for _ in 0..=MAX_IDLE_DAYS {
            for (s, e) in self.working_periods(date, schedule)?.into_iter().rev() {
                if s <= at {
                    return Ok(e.min(at));
                }
            }
            date = date.yesterday()?;
        }
        Err(TimeError::NoWorkingTime)
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]))
    }
}

//! [`Calendar`]: which days are working days in Kazakhstan, why ([`DayKind`]), and date
//! arithmetic over them (working days, calendar days, months).
//!
//! The calendar is computed once from data ([`crate::data`]): holidays of each year, the
//! weekend rule (Law No. 267 art. 5), then the decrees transferring days off. Everything here
//! is pure: no clock, no IO after loading. Not for: hours of the day (`schedule.rs`), legal
//! terms (`term.rs`), or six-day weeks and shift work (not modelled).

use std::collections::BTreeMap;
use std::ops::RangeInclusive;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};

use crate::data::{self, CalendarData, DayStatus, Decree, Holiday, KnownDifference, Transfer};
use crate::error::{CalendarError, TimeError};
use crate::schedule::Schedule;

/// The embedded Kazakhstan calendar file.
pub const KZ_TOML: &str = include_str!("../../../calendars/kz.toml");

/// Years after `confirmed_until` that are precomputed from the fixed rules.
const LOOKAHEAD_YEARS: i16 = 50;

/// What a date is, and why. Borrowed from the calendar, for explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind<'a> {
    /// An ordinary working day.
    Working,
    /// A weekly day off (Saturday, Sunday).
    Weekend,
    /// A holiday or a religious day off on its own date.
    Holiday(&'a Holiday),
    /// The working day given off because `holiday` fell on a weekend day `of`
    /// (Law No. 267 art. 5).
    MovedHoliday {
        /// The holiday.
        holiday: &'a Holiday,
        /// The weekend date it fell on.
        of: Date,
    },
    /// A working day made a day off by a decree.
    TransferredDayOff {
        /// The act.
        decree: &'a Decree,
        /// The transfer (its `working_day` is worked instead).
        transfer: &'a Transfer,
    },
    /// A day off (usually a Saturday or Sunday) made a working day by a decree.
    TransferredWorkingDay {
        /// The act.
        decree: &'a Decree,
        /// The transfer (its `day_off` is given instead).
        transfer: &'a Transfer,
    },
}

impl DayKind<'_> {
    /// Whether the day is a working day.
    pub fn is_working(&self) -> bool {
        matches!(
            self,
            DayKind::Working | DayKind::TransferredWorkingDay { .. }
        )
    }
}

impl std::fmt::Display for DayKind<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DayKind::Working => write!(f, "working day"),
            DayKind::Weekend => write!(f, "weekend"),
            DayKind::Holiday(h) => write!(f, "day off: {}", h.name.en),
            DayKind::MovedHoliday { holiday, of } => write!(
                f,
                "day off for {} of {of}, which fell on a weekend (Law No. 267 art. 5)",
                holiday.name.en
            ),
            DayKind::TransferredDayOff { decree, transfer } => write!(
                f,
                "day off transferred from {} by {decree}",
                transfer.working_day
            ),
            DayKind::TransferredWorkingDay { decree, transfer } => write!(
                f,
                "working day, its day off transferred to {} by {decree}",
                transfer.day_off
            ),
        }
    }
}

/// How late an act was against its deadline: see [`Calendar::lateness`].
///
/// `late` is kept apart from the count: an act done after its due instant but still on the
/// due day (or only on days off after it) is late by 0 working days, and still late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Lateness {
    /// Done after the due instant.
    pub late: bool,
    /// Working days after the due instant's local date, up to and including the local date
    /// of the act (0 when not late).
    pub working_days: u32,
    /// The act was done on the due instant's own local date.
    pub same_day: bool,
}

/// A non-ordinary day, by index into the calendar's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entry {
    Holiday(usize),
    Moved { holiday: usize, of: Date },
    DecreeOff { decree: usize, transfer: usize },
    DecreeWorking { decree: usize, transfer: usize },
}

/// Days off and holidays by date.
type Entries = BTreeMap<Date, Entry>;
/// The last far year looked up, with its entries (see `Calendar::far`).
type FarYear = Arc<Mutex<Option<(i16, Arc<Entries>)>>>;

/// Legal days of a country: holidays, the weekend rule and decreed transfers, with date
/// arithmetic over them. Build with [`Calendar::kz`] (embedded `calendars/kz.toml`),
/// [`Calendar::from_toml_str`] or [`Calendar::from_path`].
///
/// Dates far outside the file's years (more than 50 years after `confirmed_until`, or before
/// `confirmed_from - 1`) are answered from the fixed rules computed on the fly.
#[derive(Debug, Clone)]
pub struct Calendar {
    data: CalendarData,
    tz: TimeZone,
    weekend: [bool; 7],
    table_years: RangeInclusive<i16>,
    table: BTreeMap<Date, Entry>,
    /// The last year answered from the fixed rules outside `table_years`, with its entries:
    /// counting across such years asked for two years' holidays per day (found by fuzzing:
    /// a century of working time past the table took seconds).
    far: FarYear,
}

impl Calendar {
    /// The Kazakhstan calendar embedded in the crate (`calendars/kz.toml`), built once.
    ///
    /// # Panics
    /// Never in a released crate: the embedded file is checked by the crate's tests.
    pub fn kz() -> &'static Calendar {
        static KZ: OnceLock<Calendar> = OnceLock::new();
        KZ.get_or_init(|| {
            Calendar::from_toml_str(KZ_TOML).expect("embedded calendars/kz.toml is valid")
        })
    }

    /// Builds a calendar from the text of a calendar file. Errors name the field and the rule.
    pub fn from_toml_str(text: &str) -> Result<Calendar, CalendarError> {
        let data = data::parse(text)?;
        Calendar::from_data(data)
    }

    /// Builds a calendar from a calendar file on disk.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Calendar, CalendarError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| CalendarError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Calendar::from_toml_str(&text)
    }

    fn from_data(data: CalendarData) -> Result<Calendar, CalendarError> {
        let tz = TimeZone::get(&data.time_zone).map_err(|e| {
            CalendarError::invalid(
                "calendar.time_zone",
                format!("must name a zone of the bundled tz database ({e})"),
                &data.time_zone,
            )
        })?;
        let mut weekend = [false; 7];
        for w in &data.weekend {
            weekend[w.to_monday_zero_offset() as usize] = true;
        }
        let table_years = (data.confirmed_from - 1)..=(data.confirmed_until + LOOKAHEAD_YEARS);
        let mut cal = Calendar {
            table: BTreeMap::new(),
            data,
            tz,
            weekend,
            table_years: table_years.clone(),
            far: Arc::default(),
        };
        cal.table = cal.rule_entries(table_years.clone());
        cal.apply_decrees()?;
        cal.check_known_differences()?;
        Ok(cal)
    }

    /// Holidays and weekend-rule days off for `years` (no decrees).
    fn rule_entries(&self, years: RangeInclusive<i16>) -> BTreeMap<Date, Entry> {
        let mut table = BTreeMap::new();
        for year in years.clone() {
            for (i, h) in self.data.holidays.iter().enumerate() {
                for d in h.dates_in(year) {
                    // Two holidays on one date: the first listed names the day.
                    table.entry(d).or_insert(Entry::Holiday(i));
                }
            }
        }
        let rule = &self.data.weekend_rule;
        let on_weekend: Vec<(Date, usize)> = table
            .iter()
            .filter_map(|(&d, e)| match *e {
                Entry::Holiday(i)
                    if d.year() >= rule.since
                        && rule.applies_to.contains(&self.data.holidays[i].kind)
                        && self.is_weekend(d.weekday()) =>
                {
                    Some((d, i))
                }
                _ => None,
            })
            .collect();
        // In date order, so that consecutive holidays push each other further.
        for (of, holiday) in on_weekend {
            let mut d = of;
            while let Ok(next) = d.tomorrow() {
                d = next;
                if !self.is_weekend(d.weekday()) && !table.contains_key(&d) {
                    table.insert(d, Entry::Moved { holiday, of });
                    break;
                }
            }
        }
        table
    }

    fn apply_decrees(&mut self) -> Result<(), CalendarError> {
        for (i, decree) in self.data.decrees.iter().enumerate() {
            for (j, t) in decree.transfers.iter().enumerate() {
                let at = |f: &str| format!("decrees[{i}].transfers[{j}].{f}");
                for (name, d) in [("day_off", t.day_off), ("working_day", t.working_day)] {
                    if !self.table_years.contains(&d.year()) {
                        return Err(CalendarError::invalid(
                            at(name),
                            format!(
                                "must fall in the calendar's years {}..={} (confirmed_from - 1 ..)",
                                self.table_years.start(),
                                self.table_years.end()
                            ),
                            d,
                        ));
                    }
                }
                // The day off must be a working day under the rules.
                if self.is_weekend(t.day_off.weekday()) || self.table.contains_key(&t.day_off) {
                    return Err(CalendarError::invalid(
                        at("day_off"),
                        "must be a working day before the transfer (a weekday that is no holiday)",
                        format!("{} ({:?})", t.day_off, t.day_off.weekday()),
                    ));
                }
                // The working day must be a day off under the rules, but not a holiday itself.
                let ok = match self.table.get(&t.working_day) {
                    None => self.is_weekend(t.working_day.weekday()),
                    Some(Entry::Moved { .. }) => true,
                    Some(_) => false,
                };
                if !ok {
                    return Err(CalendarError::invalid(
                        at("working_day"),
                        "must be a day off before the transfer (a weekend day or a day given for a weekend holiday), not a holiday",
                        format!("{} ({:?})", t.working_day, t.working_day.weekday()),
                    ));
                }
                self.table.insert(
                    t.day_off,
                    Entry::DecreeOff {
                        decree: i,
                        transfer: j,
                    },
                );
                self.table.insert(
                    t.working_day,
                    Entry::DecreeWorking {
                        decree: i,
                        transfer: j,
                    },
                );
            }
        }
        Ok(())
    }

    fn check_known_differences(&self) -> Result<(), CalendarError> {
        for (i, k) in self.data.known_differences.iter().enumerate() {
            let ours = if self.is_working_day(k.date) {
                DayStatus::Working
            } else {
                DayStatus::DayOff
            };
            if ours != k.ours {
                return Err(CalendarError::invalid(
                    format!("known_differences[{i}].ours"),
                    "must agree with what this calendar computes for the date",
                    format!(
                        "{:?} on {} (computed: {:?}, {})",
                        k.ours,
                        k.date,
                        ours,
                        self.day_kind(k.date)
                    ),
                ));
            }
        }
        Ok(())
    }

    fn entry(&self, date: Date) -> Option<Entry> {
        if self.table_years.contains(&date.year()) {
            self.table.get(&date).copied()
        } else {
            let y = date.year();
            let entries = {
                let mut far = self.far.lock().unwrap_or_else(|e| e.into_inner());
                match &*far {
                    Some((year, entries)) if *year == y => entries.clone(),
                    _ => {
                        let years = y.saturating_sub(1).max(-9999)..=y;
                        let entries = Arc::new(self.rule_entries(years));
                        *far = Some((y, entries.clone()));
                        entries
                    }
                }
            };
            entries.get(&date).copied()
        }
    }

    pub(crate) fn is_weekend(&self, w: Weekday) -> bool {
        self.weekend[w.to_monday_zero_offset() as usize]
    }

    // -----------------------------------------------------------------------------------
    // Data.
    // -----------------------------------------------------------------------------------

    /// Identifier of the calendar (`kz`).
    pub fn id(&self) -> &str {
        &self.data.id
    }

    /// Human name of the calendar.
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// The calendar's time zone (Asia/Almaty for `kz`), from the tz database bundled in the
    /// binary: it does not depend on the machine's zoneinfo.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// Holidays and days off, as in the file.
    pub fn holidays(&self) -> &[Holiday] {
        &self.data.holidays
    }

    /// Decrees transferring days off, as in the file.
    pub fn decrees(&self) -> &[Decree] {
        &self.data.decrees
    }

    /// Known differences with PyPI `holidays`, as in the file.
    pub fn known_differences(&self) -> &[KnownDifference] {
        &self.data.known_differences
    }

    /// The whole checked file.
    pub fn data(&self) -> &CalendarData {
        &self.data
    }

    /// Working hours the calendar proposes when a provider gives none.
    pub fn default_schedule(&self) -> &Schedule {
        &self.data.default_schedule
    }

    /// Years for which every decree and moveable day off is in the data.
    pub fn confirmed_years(&self) -> RangeInclusive<i16> {
        self.data.confirmed_from..=self.data.confirmed_until
    }

    /// Whether `date` falls in a year whose decrees and moveable days are all known. Outside,
    /// answers come from the fixed rules alone (no decree, no Kurban Ait).
    pub fn is_confirmed(&self, date: Date) -> bool {
        self.confirmed_years().contains(&date.year())
    }

    // -----------------------------------------------------------------------------------
    // Days.
    // -----------------------------------------------------------------------------------

    /// What `date` is, and why.
    pub fn day_kind(&self, date: Date) -> DayKind<'_> {
        let d = &self.data;
        match self.entry(date) {
            None if self.is_weekend(date.weekday()) => DayKind::Weekend,
            None => DayKind::Working,
            Some(Entry::Holiday(i)) => DayKind::Holiday(&d.holidays[i]),
            Some(Entry::Moved { holiday, of }) => DayKind::MovedHoliday {
                holiday: &d.holidays[holiday],
                of,
            },
            Some(Entry::DecreeOff { decree, transfer }) => DayKind::TransferredDayOff {
                decree: &d.decrees[decree],
                transfer: &d.decrees[decree].transfers[transfer],
            },
            Some(Entry::DecreeWorking { decree, transfer }) => DayKind::TransferredWorkingDay {
                decree: &d.decrees[decree],
                transfer: &d.decrees[decree].transfers[transfer],
            },
        }
    }

    /// Whether `date` is a working day (five-day week).
    pub fn is_working_day(&self, date: Date) -> bool {
        self.day_kind(date).is_working()
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: Date) -> Result<Date, TimeError> {
        let mut d = date.tomorrow()?;
        while !self.is_working_day(d) {
            d = d.tomorrow()?;
        }
        Ok(d)
    }

    /// `date` itself when it is a working day, else the next working day.
    pub fn working_day_on_or_after(&self, date: Date) -> Result<Date, TimeError> {
        if self.is_working_day(date) {
            Ok(date)
        } else {
            self.next_working_day(date)
        }
    }

    /// The `n`-th working day after `date`: `date` itself is never counted, whatever it is.
    ///
    /// * `n >= 1`: the result is a working day, and `add_working_days(add_working_days(d, n), m)
    ///   == add_working_days(d, n + m)`.
    /// * `n == 0`: `date` itself when it is a working day, else the next working day
    ///   ([`working_day_on_or_after`](Self::working_day_on_or_after)). So the result is
    ///   always a working day, but on a day off `add(add(d, 0), m) == add(d, m + 1)`, not
    ///   `add(d, m)`: composition holds only for `n, m >= 1`.
    ///
    /// Example: Thursday 2025-03-20 + 1 working day = Wednesday 2025-03-26 (Nauryz 21–23
    /// March 2025 with 24 and 25 March given for the weekend days).
    pub fn add_working_days(&self, date: Date, n: u32) -> Result<Date, TimeError> {
        if n == 0 {
            return self.working_day_on_or_after(date);
        }
        let mut d = date;
        for _ in 0..n {
            d = self.next_working_day(d)?;
        }
        Ok(d)
    }

    /// The number of working days `d` with `start < d <= end` (0 when `end <= start`).
    /// For `n >= 1`: `count_working_days(d, add_working_days(d, n)) == n`.
    pub fn count_working_days(&self, start: Date, end: Date) -> Result<u32, TimeError> {
        let mut n = 0;
        let mut d = start;
        while d < end {
            d = d.tomorrow()?;
            if self.is_working_day(d) {
                n += 1;
            }
        }
        Ok(n)
    }

    /// How late an act done at `done` was against the deadline `due`, in the calendar's
    /// time zone: not late when `done <= due`; otherwise late by the number of working days
    /// `d` with `local(due) < d <= local(done)`.
    ///
    /// Example: due Friday 2019-12-13 18:30, done Wednesday 2019-12-18 in Almaty: late by 1
    /// working day (14–15 December a weekend, 16–17 December Independence Day).
    pub fn lateness(&self, due: Timestamp, done: Timestamp) -> Result<Lateness, TimeError> {
        if done <= due {
            return Ok(Lateness::default());
        }
        let day = |t: Timestamp| t.to_zoned_datetime(self.tz.clone()).date();
        let (from, to) = (day(due), day(done));
        Ok(Lateness {
            late: true,
            working_days: self.count_working_days(from, to)?,
            same_day: from == to,
        })
    }

    /// `date` plus `n` calendar days (`n` may be negative). Days off are not skipped: rolling
    /// a last day off forward is a term rule (see [`crate::term`]).
    pub fn add_calendar_days(&self, date: Date, n: i32) -> Result<Date, TimeError> {
        // `n.days()` panics past jiff's ±7,304,484 days: a term of that many days (a
        // regulation's `value` is any u32) is out of range, not a crash (found by fuzzing).
        Ok(date.checked_add(Span::new().try_days(n)?)?)
    }

    /// `date` plus `n` months (`n` may be negative). When the target month is shorter, the
    /// result is its last day: 2024-01-31 + 1 month = 2024-02-29 (civil-law rule for terms
    /// in months: the term ends on the same-numbered day, or the month's last day).
    pub fn add_months(&self, date: Date, n: i32) -> Result<Date, TimeError> {
        // `n.months()` panics past ±239,976 months (found by fuzzing).
        Ok(date.checked_add(Span::new().try_months(n)?)?)
    }
}

#[cfg(test)]
mod lateness_tests {
    use super::*;

    /// An Almaty wall-clock instant (UTC+6 until March 2024).
    fn almaty(s: &str) -> Timestamp {
        s.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned_datetime(Calendar::kz().time_zone().clone())
            .unwrap()
            .timestamp()
    }

    fn late(due: &str, done: &str) -> Lateness {
        Calendar::kz().lateness(almaty(due), almaty(done)).unwrap()
    }

    fn by(working_days: u32, same_day: bool) -> Lateness {
        Lateness {
            late: true,
            working_days,
            same_day,
        }
    }

    #[test]
    fn on_time_is_not_late() {
        let on_time = Lateness::default();
        assert_eq!(late("2019-12-13T18:30", "2019-12-13T18:30"), on_time);
        assert_eq!(late("2019-12-13T18:30", "2019-12-02T09:00"), on_time);
        // A deadline beyond any date (a term that could not be computed) is never missed.
        assert_eq!(
            Calendar::kz()
                .lateness(Timestamp::MAX, almaty("2019-12-13T18:30"))
                .unwrap(),
            on_time
        );
    }

    #[test]
    fn later_on_the_due_day_is_late_by_zero_working_days() {
        assert_eq!(late("2019-12-13T18:30", "2019-12-13T18:30:01"), by(0, true));
        assert_eq!(late("2019-12-13T18:30", "2019-12-13T23:59"), by(0, true));
    }

    #[test]
    fn independence_day_16_and_17_december() {
        // Friday 13 December 2019; 14–15 a weekend, 16–17 Independence Day.
        for done in ["2019-12-14T10:00", "2019-12-16T10:00", "2019-12-17T23:00"] {
            assert_eq!(late("2019-12-13T18:30", done), by(0, false), "{done}");
        }
        assert_eq!(late("2019-12-13T18:30", "2019-12-18T09:00"), by(1, false));
        assert_eq!(late("2019-12-13T18:30", "2019-12-20T17:00"), by(3, false));
        // The date is Almaty's: 19:00 UTC on the 13th is already Saturday the 14th there.
        let utc: Timestamp = "2019-12-13T19:00:00Z".parse().unwrap();
        assert_eq!(
            Calendar::kz()
                .lateness(almaty("2019-12-13T18:30"), utc)
                .unwrap(),
            by(0, false)
        );
    }

    #[test]
    fn nauryz_2025_with_its_days_given_for_the_weekend() {
        // Thursday 20 March 2025; 21–23 Nauryz (22–23 a weekend, so 24–25 off too).
        assert_eq!(late("2025-03-20T18:30", "2025-03-25T12:00"), by(0, false));
        assert_eq!(late("2025-03-20T18:30", "2025-03-26T09:00"), by(1, false));
        assert_eq!(late("2025-03-20T18:30", "2025-03-27T09:00"), by(2, false));
    }

    #[test]
    fn a_decreed_transfer_2020() {
        // Tuesday 31 December 2019; 1–2 January holidays, Friday 3 January off by decree,
        // Sunday 5 January worked instead, Monday 6 January a working day.
        assert_eq!(late("2019-12-31T18:30", "2020-01-03T12:00"), by(0, false));
        assert_eq!(late("2019-12-31T18:30", "2020-01-05T12:00"), by(1, false));
        assert_eq!(late("2019-12-31T18:30", "2020-01-06T12:00"), by(2, false));
    }
}

//! The calendar file format (`calendars/*.toml`) and the checked data it becomes: holidays,
//! the weekend rule, decrees transferring days off, known differences with other sources.
//!
//! This module only reads and checks data that can be checked field by field. Rules that
//! need the whole calendar (a decree's day off must be a working day, a known difference
//! must agree with the computed calendar) are checked when the [`Calendar`](crate::Calendar)
//! is built. Not for: computing days (see `calendar.rs`) or working hours (`schedule.rs`).

use std::collections::BTreeSet;

use jiff::civil::{Date, Weekday};
use serde::Deserialize;

use crate::error::CalendarError;
use crate::schedule::{RawSchedule, Schedule};

/// The only version of the file format this crate reads.
pub const SCHEMA_VERSION: u32 = 1;

/// Years a calendar may cover. Narrow on purpose: a calendar of legal days is about the
/// present and the recent past.
const YEAR_LIMITS: (i16, i16) = (1900, 2200);

/// A name in the three languages of the project.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Names {
    /// Kazakh.
    pub kk: String,
    /// Russian.
    pub ru: String,
    /// English.
    pub en: String,
}

/// What kind of day a holiday is in law; decides whether the weekend rule applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// National holiday (Law No. 267 art. 1): non-working.
    National,
    /// State holiday (Law No. 267 art. 1): non-working.
    State,
    /// A day off that is not a holiday (Labour Code art. 84 p. 5: 7 January, first day of
    /// Kurban Ait). In Kazakhstan the weekend rule does not apply to it.
    Religious,
}

/// A month and day, the date of a fixed holiday in every year it is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MonthDay {
    /// 1..=12
    pub month: i8,
    /// 1..=31, valid for the month in every year (29 February is refused).
    pub day: i8,
}

impl std::fmt::Display for MonthDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}-{:02}", self.month, self.day)
    }
}

/// One year's date of a moveable day off, with the source that gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveableDate {
    /// The date in that year.
    pub date: Date,
    /// Where the date comes from.
    pub source: String,
}

/// When a holiday falls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HolidayDates {
    /// The same month-days every year.
    Fixed(Vec<MonthDay>),
    /// One date per year, listed year by year (Kurban Ait). Years not listed are unknown.
    Moveable(Vec<MoveableDate>),
}

/// A holiday or a day off that is not a working day by law.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    /// Stable identifier, e.g. `nauryz`.
    pub id: String,
    /// National, state or religious day off.
    pub kind: HolidayKind,
    /// Names in kk, ru, en.
    pub name: Names,
    /// First year in force, inclusive; `None`: always (as far as this calendar goes).
    pub from: Option<i16>,
    /// Last year in force, inclusive; `None`: still in force.
    pub until: Option<i16>,
    /// Its dates.
    pub dates: HolidayDates,
    /// Where the rule comes from.
    pub source: String,
}

impl Holiday {
    /// Whether the holiday is in force in `year`.
    pub fn in_force(&self, year: i16) -> bool {
        self.from.is_none_or(|f| year >= f) && self.until.is_none_or(|u| year <= u)
    }

    /// Its dates in `year` (empty when not in force or, for a moveable day, not known).
    pub fn dates_in(&self, year: i16) -> Vec<Date> {
        if !self.in_force(year) {
            return Vec::new();
        }
        match &self.dates {
            HolidayDates::Fixed(days) => days
                .iter()
                .filter_map(|md| Date::new(year, md.month, md.day).ok())
                .collect(),
            HolidayDates::Moveable(list) => list
                .iter()
                .filter(|m| m.date.year() == year)
                .map(|m| m.date)
                .collect(),
        }
    }
}

/// Law No. 267 art. 5: a holiday on a weekend gives the next working day off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekendRule {
    /// Kinds of holiday the rule applies to (in Kazakhstan: national and state, not religious).
    pub applies_to: Vec<HolidayKind>,
    /// First year the rule applies.
    pub since: i16,
    /// Where the rule comes from.
    pub source: String,
}

/// Who signed a transfer of days off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Issuer {
    /// Government decree (постановление Правительства), Labour Code art. 85 p. 3.
    Government,
    /// Order of the Minister of Labour and Social Protection (приказ), used from 2024.
    MinisterOfLabour,
}

/// One transfer: a day off becomes a working day and a working day becomes a day off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The day that is worked instead (usually a Saturday or Sunday).
    #[serde(deserialize_with = "de_date")]
    pub working_day: Date,
    /// The working day that becomes a day off.
    #[serde(deserialize_with = "de_date")]
    pub day_off: Date,
}

/// An act (Government decree or ministerial order) transferring days off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decree {
    /// adilet.zan.kz document code, e.g. `P2300000326`.
    pub id: String,
    /// Who signed it.
    pub issuer: Issuer,
    /// Its number.
    pub number: String,
    /// Date of signing, when confirmed.
    pub date: Option<Date>,
    /// Why `date` (or another detail) is not confirmed.
    pub unconfirmed: Option<String>,
    /// Its title.
    pub title: String,
    /// Where its content was read.
    pub source: String,
    /// The transfers it makes.
    pub transfers: Vec<Transfer>,
}

impl std::fmt::Display for Decree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.issuer {
            Issuer::Government => "Government decree",
            Issuer::MinisterOfLabour => "order of the Minister of Labour",
        };
        write!(f, "{what} No. {}", self.number)?;
        if let Some(d) = self.date {
            write!(f, " of {d}")?;
        }
        write!(f, " ({})", self.id)
    }
}

/// Working or not: the answer compared with other sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayStatus {
    /// A working day.
    Working,
    /// Not a working day.
    DayOff,
}

/// A day on which another source (PyPI `holidays`) disagrees with this calendar, with the
/// source that proves this calendar right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDifference {
    /// The day.
    pub date: Date,
    /// What this calendar says.
    pub ours: DayStatus,
    /// Why the other source is wrong.
    pub reason: String,
    /// The proof.
    pub source: String,
}

/// A checked calendar file.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarData {
    /// Short identifier, e.g. `kz`.
    pub id: String,
    /// Human name.
    pub name: String,
    /// IANA time zone name, e.g. `Asia/Almaty`.
    pub time_zone: String,
    /// Days of the week that are days off.
    pub weekend: Vec<Weekday>,
    /// First year whose decrees and moveable days are all in the file.
    pub confirmed_from: i16,
    /// Last such year.
    pub confirmed_until: i16,
    /// Legal basis of the calendar as a whole.
    pub source: String,
    /// The weekend rule.
    pub weekend_rule: WeekendRule,
    /// Holidays and days off.
    pub holidays: Vec<Holiday>,
    /// Transfers of days off.
    pub decrees: Vec<Decree>,
    /// Known differences with PyPI `holidays`.
    pub known_differences: Vec<KnownDifference>,
    /// Working hours proposed when a provider gives none.
    pub default_schedule: Schedule,
}

// ---------------------------------------------------------------------------------------
// Raw shape of the file.
// ---------------------------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    schema: u32,
    calendar: RawCalendar,
    weekend_rule: RawWeekendRule,
    default_schedule: Option<RawSchedule>,
    #[serde(default)]
    holidays: Vec<RawHoliday>,
    #[serde(default)]
    decrees: Vec<RawDecree>,
    #[serde(default)]
    known_differences: Vec<RawKnownDifference>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    id: String,
    name: String,
    time_zone: String,
    weekend: Vec<RawWeekday>,
    confirmed_from: i16,
    confirmed_until: i16,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeekendRule {
    applies_to: Vec<HolidayKind>,
    since: i16,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHoliday {
    id: String,
    kind: HolidayKind,
    name: Names,
    from: Option<i16>,
    until: Option<i16>,
    dates: Option<Vec<String>>,
    on: Option<Vec<RawMoveable>>,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMoveable {
    #[serde(deserialize_with = "de_date")]
    date: Date,
    source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDecree {
    id: String,
    issuer: Issuer,
    number: String,
    #[serde(default, deserialize_with = "de_opt_date")]
    date: Option<Date>,
    unconfirmed: Option<String>,
    title: String,
    source: String,
    transfers: Vec<Transfer>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKnownDifference {
    #[serde(deserialize_with = "de_date")]
    date: Date,
    ours: DayStatus,
    reason: String,
    source: String,
}

/// Weekday names as written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum RawWeekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl From<RawWeekday> for Weekday {
    fn from(w: RawWeekday) -> Weekday {
        match w {
            RawWeekday::Monday => Weekday::Monday,
            RawWeekday::Tuesday => Weekday::Tuesday,
            RawWeekday::Wednesday => Weekday::Wednesday,
            RawWeekday::Thursday => Weekday::Thursday,
            RawWeekday::Friday => Weekday::Friday,
            RawWeekday::Saturday => Weekday::Saturday,
            RawWeekday::Sunday => Weekday::Sunday,
        }
    }
}

/// Reads a TOML local date (`2024-05-08`, unquoted) into a jiff date.
pub(crate) fn de_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    let dt = toml::value::Datetime::deserialize(d)?;
    toml_date(&dt).map_err(serde::de::Error::custom)
}

fn de_opt_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
    de_date(d).map(Some)
}

fn toml_date(dt: &toml::value::Datetime) -> Result<Date, String> {
    match (dt.date, dt.time, dt.offset) {
        (Some(date), None, None) => {
            let year =
                i16::try_from(date.year).map_err(|_| format!("year out of range in {dt}"))?;
            let month = i8::try_from(date.month).map_err(|_| format!("bad month in {dt}"))?;
            let day = i8::try_from(date.day).map_err(|_| format!("bad day in {dt}"))?;
            Date::new(year, month, day).map_err(|e| format!("{dt} is not a date: {e}"))
        }
        _ => Err(format!(
            "expected a local date like 2024-05-08 (no time, no offset), found {dt}"
        )),
    }
}

// ---------------------------------------------------------------------------------------
// Checks field by field.
// ---------------------------------------------------------------------------------------

fn non_empty(field: String, value: String) -> Result<String, CalendarError> {
    if value.trim().is_empty() {
        Err(CalendarError::invalid(field, "must not be empty", "\"\""))
    } else {
        Ok(value)
    }
}

fn year_in_limits(field: String, year: i16) -> Result<i16, CalendarError> {
    let (lo, hi) = YEAR_LIMITS;
    if (lo..=hi).contains(&year) {
        Ok(year)
    } else {
        Err(CalendarError::invalid(
            field,
            format!("must be a year in {lo}..={hi}"),
            year,
        ))
    }
}

fn parse_month_day(field: String, s: &str) -> Result<MonthDay, CalendarError> {
    let rule = "must be \"MM-DD\", a day that exists every year (29 February is refused)";
    let bad = || CalendarError::invalid(field.clone(), rule, format!("\"{s}\""));
    let (m, d) = s.split_once('-').ok_or_else(bad)?;
    if m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let month: i8 = m.parse().map_err(|_| bad())?;
    let day: i8 = d.parse().map_err(|_| bad())?;
    // 2001 is not a leap year: 02-29 fails here, as it should.
    Date::new(2001, month, day).map_err(|_| bad())?;
    Ok(MonthDay { month, day })
}

/// Parses and checks a calendar file (everything that does not need the computed calendar).
pub(crate) fn parse(text: &str) -> Result<CalendarData, CalendarError> {
    let raw: RawFile = toml::from_str(text)?;
    if raw.schema != SCHEMA_VERSION {
        return Err(CalendarError::invalid(
            "schema",
            format!("must be {SCHEMA_VERSION} (the only version this crate reads)"),
            raw.schema,
        ));
    }

    // [calendar]
    let c = raw.calendar;
    let id = non_empty("calendar.id".into(), c.id)?;
    let name = non_empty("calendar.name".into(), c.name)?;
    let time_zone = non_empty("calendar.time_zone".into(), c.time_zone)?;
    let source = non_empty("calendar.source".into(), c.source)?;
    let mut weekend: Vec<Weekday> = Vec::new();
    for (i, w) in c.weekend.iter().enumerate() {
        let w = Weekday::from(*w);
        if weekend.contains(&w) {
            return Err(CalendarError::invalid(
                format!("calendar.weekend[{i}]"),
                "must not repeat a day",
                format!("{w:?}"),
            ));
        }
        weekend.push(w);
    }
    if weekend.len() >= 7 {
        return Err(CalendarError::invalid(
            "calendar.weekend",
            "must leave at least one working day in the week",
            format!("{} days", weekend.len()),
        ));
    }
    let confirmed_from = year_in_limits("calendar.confirmed_from".into(), c.confirmed_from)?;
    let confirmed_until = year_in_limits("calendar.confirmed_until".into(), c.confirmed_until)?;
    if confirmed_from > confirmed_until {
        return Err(CalendarError::invalid(
            "calendar.confirmed_until",
            "must not be before calendar.confirmed_from",
            format!("{confirmed_until} < {confirmed_from}"),
        ));
    }

    // [weekend_rule]
    let wr = raw.weekend_rule;
    let weekend_rule = WeekendRule {
        applies_to: wr.applies_to,
        since: year_in_limits("weekend_rule.since".into(), wr.since)?,
        source: non_empty("weekend_rule.source".into(), wr.source)?,
    };

    // [default_schedule]
    let default_schedule = match raw.default_schedule {
        Some(s) => Schedule::try_from(s).map_err(|e| prefix_field(e, "default_schedule."))?,
        None => Schedule::standard(),
    };

    // [[holidays]]
    let mut holidays = Vec::new();
    let mut ids = BTreeSet::new();
    for (i, h) in raw.holidays.into_iter().enumerate() {
        let at = |f: &str| format!("holidays[{i}].{f}");
        let id = non_empty(at("id"), h.id)?;
        if !ids.insert(id.clone()) {
            return Err(CalendarError::invalid(at("id"), "must be unique", &id));
        }
        let from = h.from.map(|y| year_in_limits(at("from"), y)).transpose()?;
        let until = h
            .until
            .map(|y| year_in_limits(at("until"), y))
            .transpose()?;
        if let (Some(f), Some(u)) = (from, until)
            && f > u
        {
            return Err(CalendarError::invalid(
                at("until"),
                "must not be before `from`",
                format!("{u} < {f}"),
            ));
        }
        let dates = match (h.dates, h.on) {
            (Some(_), Some(_)) | (None, None) => {
                return Err(CalendarError::invalid(
                    at("dates"),
                    "must be given, or else [[holidays.on]] entries, but not both",
                    &id,
                ));
            }
            (Some(list), None) => {
                if list.is_empty() {
                    return Err(CalendarError::invalid(
                        at("dates"),
                        "must not be empty",
                        &id,
                    ));
                }
                let mut days = Vec::new();
                for (j, s) in list.iter().enumerate() {
                    days.push(parse_month_day(at(&format!("dates[{j}]")), s)?);
                }
                HolidayDates::Fixed(days)
            }
            (None, Some(on)) => {
                let mut years = BTreeSet::new();
                let mut list = Vec::new();
                for (j, m) in on.into_iter().enumerate() {
                    let f = at(&format!("on[{j}].date"));
                    let y = m.date.year();
                    if from.is_some_and(|fy| y < fy) || until.is_some_and(|uy| y > uy) {
                        return Err(CalendarError::invalid(
                            f,
                            "must fall within the holiday's `from`..`until` years",
                            m.date,
                        ));
                    }
                    if !years.insert(y) {
                        return Err(CalendarError::invalid(
                            f,
                            "must be the only date of its year",
                            m.date,
                        ));
                    }
                    list.push(MoveableDate {
                        date: m.date,
                        source: non_empty(at(&format!("on[{j}].source")), m.source)?,
                    });
                }
                HolidayDates::Moveable(list)
            }
        };
        holidays.push(Holiday {
            id,
            kind: h.kind,
            name: Names {
                kk: non_empty(at("name.kk"), h.name.kk)?,
                ru: non_empty(at("name.ru"), h.name.ru)?,
                en: non_empty(at("name.en"), h.name.en)?,
            },
            from,
            until,
            dates,
            source: non_empty(at("source"), h.source)?,
        });
    }

    // [[decrees]]
    let mut decrees = Vec::new();
    let mut ids = BTreeSet::new();
    let mut touched = BTreeSet::new();
    for (i, d) in raw.decrees.into_iter().enumerate() {
        let at = |f: &str| format!("decrees[{i}].{f}");
        let id = non_empty(at("id"), d.id)?;
        if !ids.insert(id.clone()) {
            return Err(CalendarError::invalid(at("id"), "must be unique", &id));
        }
        let unconfirmed = match d.unconfirmed {
            Some(u) => Some(non_empty(at("unconfirmed"), u)?),
            None => None,
        };
        if d.date.is_none() && unconfirmed.is_none() {
            return Err(CalendarError::invalid(
                at("date"),
                "must be given, or else `unconfirmed` must say why it is not",
                &id,
            ));
        }
        if d.transfers.is_empty() {
            return Err(CalendarError::invalid(
                at("transfers"),
                "must list at least one transfer",
                &id,
            ));
        }
        for (j, t) in d.transfers.iter().enumerate() {
            for (name, date) in [("working_day", t.working_day), ("day_off", t.day_off)] {
                if !touched.insert(date) {
                    return Err(CalendarError::invalid(
                        at(&format!("transfers[{j}].{name}")),
                        "must not be touched by another transfer",
                        date,
                    ));
                }
            }
        }
        decrees.push(Decree {
            id,
            issuer: d.issuer,
            number: non_empty(at("number"), d.number)?,
            date: d.date,
            unconfirmed,
            title: non_empty(at("title"), d.title)?,
            source: non_empty(at("source"), d.source)?,
            transfers: d.transfers,
        });
    }

    // [[known_differences]]
    let mut known_differences = Vec::new();
    let mut dates = BTreeSet::new();
    for (i, k) in raw.known_differences.into_iter().enumerate() {
        let at = |f: &str| format!("known_differences[{i}].{f}");
        if !dates.insert(k.date) {
            return Err(CalendarError::invalid(at("date"), "must be unique", k.date));
        }
        known_differences.push(KnownDifference {
            date: k.date,
            ours: k.ours,
            reason: non_empty(at("reason"), k.reason)?,
            source: non_empty(at("source"), k.source)?,
        });
    }

    Ok(CalendarData {
        id,
        name,
        time_zone,
        weekend,
        confirmed_from,
        confirmed_until,
        source,
        weekend_rule,
        holidays,
        decrees,
        known_differences,
        default_schedule,
    })
}

/// Prefixes the field of an `Invalid` error (for tables nested in a larger file).
pub(crate) fn prefix_field(e: CalendarError, prefix: &str) -> CalendarError {
    match e {
        CalendarError::Invalid { field, rule, found } => CalendarError::Invalid {
            field: format!("{prefix}{field}"),
            rule,
            found,
        },
        other => other,
    }
}

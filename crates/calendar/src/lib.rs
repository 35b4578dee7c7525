//! Legal time for Kazakhstan: which days are working days, and when a term of a state
//! service expires.
//!
//! * [`Calendar`] — holidays, the weekend rule and decreed transfers of days off, as data
//!   (`calendars/kz.toml`, embedded: [`Calendar::kz`]); `is_working_day`, `day_kind`
//!   (with the reason), `add_working_days`, `add_calendar_days`, `add_months`, and
//!   `lateness`: how many working days after its deadline an act was done.
//! * [`Schedule`] — working hours of a provider; `Calendar::add_working_minutes` and friends
//!   count only time inside them on working days, in Asia/Almaty time.
//! * [`Schedules`], [`Intake`], [`Calendar::accept`] — when an application counts as
//!   accepted: counters take applications within their hours, the portal around the clock
//!   with registration at the next working opening (`calendars/schedules.toml`).
//! * [`Term`] — from the instant an application was accepted, a [`Duration`] and
//!   [`CountingRules`] ("the day of acceptance is not counted") to the [`Due`] instant;
//!   [`deliver_before`] for "deliver the result one day before the term".
//!
//! Everything is pure: time comes in as arguments, nothing reads a clock, nothing does IO
//! after loading a file. The time zone database is bundled into the binary (jiff's
//! `tzdb-bundle-always`), so answers do not depend on the machine's zoneinfo; Asia/Almaty is
//! UTC+6 until 29 February 2024 and UTC+5 from 1 March 2024.
//!
//! Not for: what a regulation's terms are (the `regulation` crate), SLA states (the
//! `engine`), six-day weeks, shift work, regional days off.

pub mod acceptance;
mod calendar;
pub mod data;
mod error;
mod schedule;
pub mod term;

pub use acceptance::{Acceptance, Intake, SCHEDULES_TOML, Schedules};
pub use calendar::{Calendar, DayKind, KZ_TOML, Lateness};
pub use data::{
    CalendarData, DayStatus, Decree, Holiday, HolidayDates, HolidayKind, Issuer, KnownDifference,
    MonthDay, MoveableDate, Names, Transfer, WeekendRule,
};
pub use error::{CalendarError, TimeError};
pub use schedule::{Interval, Schedule};
pub use term::{ClockUnits, CountingRules, Due, Duration, Term, Unit, deliver_before};

/// Re-exported so that callers name the same date and time types.
pub use jiff;

/// The Asia/Almaty time zone from the bundled tz database (the zone of [`Calendar::kz`]).
pub fn almaty() -> jiff::tz::TimeZone {
    Calendar::kz().time_zone().clone()
}

#[cfg(test)]
mod tests;

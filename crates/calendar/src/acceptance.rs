//! When an application counts as accepted. Each channel takes applications by its own rule
//! ([`Intake`]) and working hours ([`Schedules`], data: `calendars/schedules.toml`):
//!
//! * a counter (the provider's office, a State Corporation centre, an intermediary's office)
//!   takes a paper application only within its working hours; outside them it is closed
//!   ([`Acceptance::Closed`] with the next opening), and an application staff enter late is
//!   taken in at that opening;
//! * the portal takes requests around the clock; one sent after working hours, on a day off
//!   or a holiday is registered at the next working opening of the provider, and the term
//!   counts from there (the Standards' schedule paragraph; `docs/legal-time.md`).
//!
//! Pure: instants come in as arguments. Not for: the terms themselves (`term.rs`).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::error::{CalendarError, TimeError};
use crate::schedule::Schedule;

/// The working hours file embedded in the crate.
pub const SCHEDULES_TOML: &str = include_str!("../../../calendars/schedules.toml");

/// How a place of intake takes applications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intake {
    /// Only within working hours (a person at a counter takes the paper).
    Counter,
    /// Around the clock; outside working hours the request is registered at the next
    /// working opening.
    AroundTheClock,
}

/// When an application handed in at an instant counts as accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptance {
    /// Within working hours: accepted at the instant it was handed in.
    Now(Timestamp),
    /// Outside working hours through an around-the-clock channel: registered at `at`, the
    /// next working opening.
    Registered {
        /// The next working opening.
        at: Timestamp,
    },
    /// Outside working hours at a counter: it is closed and opens next at `next_opening`.
    Closed {
        /// The next working opening.
        next_opening: Timestamp,
    },
}

impl Acceptance {
    /// The acceptance instant: the instant itself, the registration, or (for a counter
    /// whose staff enter the application late) the next opening.
    pub fn instant(&self) -> Timestamp {
        match *self {
            Acceptance::Now(t) => t,
            Acceptance::Registered { at } => at,
            Acceptance::Closed { next_opening } => next_opening,
        }
    }
}

impl Calendar {
    /// When an application handed in at `at` to a place with `intake` rule and `schedule`
    /// counts as accepted. An instant exactly at the end of a working period is outside it
    /// (18:30 is closed), one at its start inside (09:00 is open).
    pub fn accept(
        &self,
        intake: Intake,
        schedule: &Schedule,
        at: Timestamp,
    ) -> Result<Acceptance, TimeError> {
        if self.is_working_time(at, schedule)? {
            return Ok(Acceptance::Now(at));
        }
        let next = self.next_working_instant(at, schedule)?;
        Ok(match intake {
            Intake::Counter => Acceptance::Closed { next_opening: next },
            Intake::AroundTheClock => Acceptance::Registered { at: next },
        })
    }
}

/// The working hours of the places that take applications: the provider's office (one
/// default, and an organisation's own where it has one), and the State Corporation's
/// centres (one default, and a centre's own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedules {
    office: Schedule,
    state_corporation: Schedule,
    centres: BTreeMap<String, Schedule>,
    organisations: BTreeMap<String, Schedule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedules {
    office: Schedule,
    state_corporation: Schedule,
    #[serde(default)]
    centres: BTreeMap<String, Schedule>,
    #[serde(default)]
    organisations: BTreeMap<String, Schedule>,
}

impl Schedules {
    /// The schedules embedded in the crate (`calendars/schedules.toml`), read once.
    ///
    /// # Panics
    /// Never in a released crate: the embedded file is checked by the crate's tests.
    pub fn kz() -> &'static Schedules {
        static S: OnceLock<Schedules> = OnceLock::new();
        S.get_or_init(|| {
            Schedules::from_toml_str(SCHEDULES_TOML).expect("embedded calendars/schedules.toml")
        })
    }

    /// Reads schedules from TOML: tables `office`, `state_corporation`, and optional
    /// `centres.<id>` and `organisations.<id>`, each a [`Schedule`]. A schedule with no
    /// working time in the week is refused: nothing could ever be accepted there.
    pub fn from_toml_str(text: &str) -> Result<Schedules, CalendarError> {
        let raw: RawSchedules = toml::from_str(text)?;
        let all = [
            ("office", &raw.office),
            ("state_corporation", &raw.state_corporation),
        ]
        .into_iter()
        .map(|(k, s)| (k.to_string(), s))
        .chain(raw.centres.iter().map(|(k, s)| (format!("centres.{k}"), s)))
        .chain(
            raw.organisations
                .iter()
                .map(|(k, s)| (format!("organisations.{k}"), s)),
        );
        for (field, s) in all {
            if s.weekly_seconds() == 0 {
                return Err(CalendarError::invalid(
                    field,
                    "must give some working hours in the week",
                    "no intervals",
                ));
            }
        }
        Ok(Schedules {
            office: raw.office,
            state_corporation: raw.state_corporation,
            centres: raw.centres,
            organisations: raw.organisations,
        })
    }

    /// The office hours of the provider organisation `org` (its own, else the default).
    pub fn office(&self, org: &str) -> &Schedule {
        self.organisations.get(org).unwrap_or(&self.office)
    }

    /// The hours of State Corporation centre `centre` (its own, else the default; `None`:
    /// the default).
    pub fn centre(&self, centre: Option<&str>) -> &Schedule {
        centre
            .and_then(|c| self.centres.get(c))
            .unwrap_or(&self.state_corporation)
    }

    /// The ids of the centres with hours of their own.
    pub fn centres(&self) -> impl Iterator<Item = &str> {
        self.centres.keys().map(String::as_str)
    }
}

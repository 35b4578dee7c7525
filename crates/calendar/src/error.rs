//! Errors of this crate: [`CalendarError`] for data that cannot become a calendar or a
//! schedule, [`TimeError`] for arithmetic that cannot be answered.
//!
//! Not for: HTTP problem details or user-facing wording; callers map these into their own
//! errors (the server turns them into RFC 9457 problems).

use std::path::PathBuf;

/// Calendar or schedule data that cannot be used. Every variant names the field at fault and
/// the rule it breaks, so that an operator can fix the file without reading code.
#[derive(Debug, thiserror::Error)]
pub enum CalendarError {
    /// The text is not TOML of the expected shape (unknown key, wrong type, missing field).
    /// The message of the TOML parser names the key and the line.
    #[error("calendar data: {0}")]
    Toml(#[from] toml::de::Error),

    /// The TOML is well-formed but a value breaks a rule of the calendar.
    #[error("calendar data: `{field}` {rule} (found: {found})")]
    Invalid {
        /// Path of the offending value, e.g. `decrees[3].transfers[0].day_off`.
        field: String,
        /// The rule broken, phrased to follow the field name: "must be a weekday …".
        rule: String,
        /// The value found.
        found: String,
    },

    /// The file could not be read.
    #[error("cannot read calendar file {path}: {source}")]
    Io {
        /// The path given.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl CalendarError {
    pub(crate) fn invalid(
        field: impl Into<String>,
        rule: impl Into<String>,
        found: impl std::fmt::Display,
    ) -> Self {
        CalendarError::Invalid {
            field: field.into(),
            rule: rule.into(),
            found: found.to_string(),
        }
    }
}

/// Time arithmetic that has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// The result would leave the range of dates jiff supports (years -9999..=9999).
    #[error("date/time arithmetic out of range: {0}")]
    OutOfRange(String),

    /// The schedule gives no working time on any working day for years: counting working
    /// time can never finish.
    #[error("the schedule has no working time on the calendar's working days")]
    NoWorkingTime,
}

impl From<jiff::Error> for TimeError {
    fn from(e: jiff::Error) -> Self {
        TimeError::OutOfRange(e.to_string())
    }
}

//! The State Corporation e-queue: 15-minute slots per centre on the working days of the
//! Kazakh calendar (`calendar::Calendar::kz()` and its default schedule), for the next
//! [`DAYS_AHEAD`] working days from the server clock, one visitor per slot. A citizen books a
//! slot to collect the result of their own application that is awaiting issue at the State
//! Corporation; one active booking per application; bookings can be cancelled; the desk sees
//! the day's bookings.
//!
//! No double booking: `sc_bookings` has a partial UNIQUE index on the slot (and another on the
//! application) over active bookings, and a booking is inserted in a transaction — the second
//! of two concurrent bookings of a slot fails on the index and answers 409
//! `equeue.slot_taken`.

use crate::AppState;
use crate::accounts::{Account, Kind, ts};
use crate::catalogue::Titles;
use crate::problem::Problem;
use axum::http::StatusCode;
use engine::{STATE_CORPORATION, Status};
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use utoipa::ToSchema;

/// How many working days ahead slots are offered.
pub const DAYS_AHEAD: u32 = 10;
/// Slot length, minutes.
pub const SLOT_MINUTES: i64 = 15;

/// The State Corporation's service centres with an e-queue.
pub const CENTRES: &[(&str, &str, &str, &str)] = &[
    (
        "sc-almaty-bostandyk",
        "Алматы қ., Бостандық ауданы ХҚКО",
        "ЦОН Бостандыкского района г. Алматы",
        "Almaty, Bostandyk district service centre",
    ),
    (
        "sc-almaty-medeu",
        "Алматы қ., Медеу ауданы ХҚКО",
        "ЦОН Медеуского района г. Алматы",
        "Almaty, Medeu district service centre",
    ),
];

/// A State Corporation centre.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Centre {
    pub id: String,
    pub name: Titles,
}

pub fn centres() -> Vec<Centre> {
    CENTRES
        .iter()
        .map(|(id, kk, ru, en)| Centre {
            id: id.to_string(),
            name: Titles {
                kk: kk.to_string(),
                ru: ru.to_string(),
                en: en.to_string(),
            },
        })
        .collect()
}

pub fn centre_name(id: &str, l: crate::i18n::Lang) -> String {
    centres()
        .into_iter()
        .find(|c| c.id == id)
        .map(|c| c.name.get(l).to_string())
        .unwrap_or_else(|| id.to_string())
}

/// A slot of the e-queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Slot {
    pub id: i64,
    pub centre: String,
    #[schema(value_type = String)]
    pub start: Timestamp,
    pub capacity: i64,
    /// Whether it is free to book.
    pub available: bool,
}

/// A booking of a slot to collect an application's result.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Booking {
    pub id: i64,
    pub slot: i64,
    pub centre: String,
    #[schema(value_type = String)]
    pub start: Timestamp,
    pub application: String,
    pub created_at: String,
    /// The applicant (the desk's view).
    pub applicant_name: Option<String>,
    pub applicant_iin: Option<String>,
}

fn calendar() -> &'static calendar::Calendar {
    calendar::Calendar::kz()
}

fn local_date(t: Timestamp) -> Date {
    t.to_zoned_datetime(calendar().time_zone().clone()).date()
}

/// The working days slots are offered on: today (if working) and on, [`DAYS_AHEAD`] of them.
pub fn working_days(now: Timestamp) -> Vec<Date> {
    let cal = calendar();
    let mut out = vec![];
    let Ok(mut d) = cal.working_day_on_or_after(local_date(now)) else {
        return out;
    };
    for _ in 0..DAYS_AHEAD {
        out.push(d);
        match cal.next_working_day(d) {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    out
}

/// The slot start instants of a working day under the default schedule.
pub fn day_starts(date: Date) -> Vec<Timestamp> {
    let cal = calendar();
    let mut out = vec![];
    for (s, e) in cal
        .working_periods(date, cal.default_schedule())
        .unwrap_or_default()
    {
        let mut t = s;
        let step = jiff::SignedDuration::from_mins(SLOT_MINUTES);
        while let Ok(end) = t.checked_add(step) {
            if end > e {
                break;
            }
            out.push(t);
            t = end;
        }
    }
    out
}

/// Makes sure the slots of the coming working days exist (idempotent).
pub fn ensure_slots(st: &AppState) -> Result<(), Problem> {
    let days = working_days(st.now());
    let mut db = st.accounts.db();
    let tx = db.transaction()?;
    {
        let mut ins = tx.prepare_cached(
            "INSERT OR IGNORE INTO sc_slots (centre, start, capacity) VALUES (?1, ?2, 1)",
        )?;
        for d in days {
            for t in day_starts(d) {
                for (c, ..) in CENTRES {
                    ins.execute(params![c, ts(t)])?;
                }
            }
        }
    }
    tx.commit()?;
    Ok(())
}

fn parse_day(field: &str, day: &str) -> Result<Date, Problem> {
    day.trim()
        .parse::<Date>()
        .map_err(|_| Problem::invalid(field, "date", format!("`{field}` is a date, YYYY-MM-DD")))
}

/// `[start, end)` of a local day as `ts` strings.
fn day_bounds(d: Date) -> Result<(String, String), Problem> {
    let tz = calendar().time_zone().clone();
    let start = d
        .to_zoned_datetime(tz.clone())
        .map_err(Problem::internal)?
        .timestamp();
    let next = d.tomorrow().map_err(Problem::internal)?;
    let end = next
        .to_zoned_datetime(tz)
        .map_err(Problem::internal)?
        .timestamp();
    Ok((ts(start), ts(end)))
}

fn check_centre(centre: &str) -> Result<(), Problem> {
    if CENTRES.iter().any(|(c, ..)| *c == centre) {
        Ok(())
    } else {
        Err(Problem::invalid(
            "centre",
            "equeue.centre_unknown",
            format!("no State Corporation centre `{centre}`"),
        ))
    }
}

/// Future slots (of a centre, of a day), with whether each is free.
pub fn slots(st: &AppState, centre: Option<&str>, day: Option<&str>) -> Result<Vec<Slot>, Problem> {
    if let Some(c) = centre {
        check_centre(c)?;
    }
    let (from, to) = match day {
        Some(d) => day_bounds(parse_day("date", d)?)?,
        None => (String::new(), "~".to_string()),
    };
    ensure_slots(st)?;
    let now = ts(st.now());
    let last = working_days(st.now())
        .last()
        .and_then(|d| day_bounds(*d).ok())
        .map(|b| b.1)
        .unwrap_or_default();
    let db = st.accounts.db();
    let mut q = db.prepare_cached(
        "SELECT s.id, s.centre, s.start, s.capacity,
                (SELECT COUNT(*) FROM sc_bookings b WHERE b.slot = s.id AND b.cancelled_at IS NULL)
         FROM sc_slots s
         WHERE s.start > ?1 AND s.start < ?2 AND s.start >= ?3 AND s.start < ?4
           AND (?5 IS NULL OR s.centre = ?5)
         ORDER BY s.start, s.centre",
    )?;
    let rows = q
        .query_map(params![now, last, from, to, centre], |r| {
            let start: String = r.get(2)?;
            let cap: i64 = r.get(3)?;
            let taken: i64 = r.get(4)?;
            Ok(Slot {
                id: r.get(0)?,
                centre: r.get(1)?,
                start: start.parse().unwrap_or_default(),
                capacity: cap,
                available: taken < cap,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn conflict(rule: &str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::CONFLICT, rule, detail)
}

/// The application `id` if `acc` is its applicant and its result awaits issue at the State
/// Corporation.
fn bookable(st: &AppState, acc: &Account, id: &str) -> Result<engine::Application, Problem> {
    let app = crate::ops::load_visible(st, acc, id)?;
    if acc.kind != Kind::Citizen || acc.iin.as_deref() != Some(app.applicant_iin.as_str()) {
        return Err(Problem::forbidden(
            "equeue.not_applicant",
            "only the applicant books a time to collect the result",
        ));
    }
    let at_sc = st
        .ctx
        .plan(&app.regulation, app.version, app.channel)
        .and_then(|p| p.sc_issue_index())
        .is_some();
    if app.status != Status::AwaitingIssue || !at_sc {
        return Err(conflict(
            "equeue.not_awaiting_issue",
            "the result of this application is not awaiting issue at the State Corporation",
        ));
    }
    Ok(app)
}

/// Books `slot` for collecting the result of `id`.
pub fn book(st: &AppState, acc: &Account, id: &str, slot: i64) -> Result<Booking, Problem> {
    let app = bookable(st, acc, id)?;
    ensure_slots(st)?;
    let now = st.now();
    {
        let mut db = st.accounts.db();
        let tx = db.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let start: Option<String> = tx
            .query_row("SELECT start FROM sc_slots WHERE id = ?1", [slot], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(start) = start else {
            return Err(Problem::invalid(
                "slot",
                "equeue.slot_unknown",
                format!("no slot {slot}"),
            ));
        };
        if start <= ts(now) {
            return Err(Problem::invalid(
                "slot",
                "equeue.slot_past",
                "this slot has already begun",
            ));
        }
        let r = tx.execute(
            "INSERT INTO sc_bookings (slot, application, account, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![slot, app.id, acc.id, ts(now)],
        );
        match r {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                let mine: bool = tx.query_row(
                    "SELECT COUNT(*) > 0 FROM sc_bookings WHERE application = ?1 AND cancelled_at IS NULL",
                    [&app.id],
                    |r| r.get(0),
                )?;
                return Err(if mine {
                    conflict(
                        "equeue.already_booked",
                        "this application already has a booking: cancel it to choose another time",
                    )
                    .field("application")
                } else {
                    conflict("equeue.slot_taken", "this slot is already booked").field("slot")
                });
            }
            Err(e) => return Err(e.into()),
        }
        tx.commit()?;
    }
    active_booking(st, &app.id)?.ok_or_else(|| Problem::internal("the booking vanished"))
}

/// Cancels the active booking of `id` (its applicant, or the State Corporation's operator).
pub fn cancel(st: &AppState, acc: &Account, id: &str) -> Result<(), Problem> {
    let app = crate::ops::load_visible(st, acc, id)?;
    let applicant =
        acc.kind == Kind::Citizen && acc.iin.as_deref() == Some(app.applicant_iin.as_str());
    let operator = acc.kind == Kind::Staff
        && acc.org.as_deref() == Some(STATE_CORPORATION)
        && acc.has_role("state_corporation_operator");
    if !applicant && !operator {
        return Err(Problem::forbidden(
            "equeue.not_applicant",
            "only the applicant cancels a booking",
        ));
    }
    let n = st.accounts.db().execute(
        "UPDATE sc_bookings SET cancelled_at = ?1 WHERE application = ?2 AND cancelled_at IS NULL",
        params![ts(st.now()), app.id],
    )?;
    if n == 0 {
        return Err(Problem::not_found("active booking of this application"));
    }
    Ok(())
}

const BOOKING_SELECT: &str = "SELECT b.id, b.slot, s.centre, s.start, b.application, b.created_at, i.applicant_name, i.applicant_iin
     FROM sc_bookings b JOIN sc_slots s ON s.id = b.slot LEFT JOIN app_index i ON i.id = b.application
     WHERE b.cancelled_at IS NULL";

fn booking_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Booking> {
    let start: String = r.get(3)?;
    Ok(Booking {
        id: r.get(0)?,
        slot: r.get(1)?,
        centre: r.get(2)?,
        start: start.parse().unwrap_or_default(),
        application: r.get(4)?,
        created_at: r.get(5)?,
        applicant_name: r.get(6)?,
        applicant_iin: r.get(7)?,
    })
}

/// The application's active booking (check access first).
pub fn active_booking(st: &AppState, id: &str) -> Result<Option<Booking>, Problem> {
    let db = st.accounts.db();
    Ok(db
        .query_row(
            &format!("{BOOKING_SELECT} AND b.application = ?1"),
            [id],
            booking_row,
        )
        .optional()?)
}

/// The desk's bookings of a day (default today), optionally of one centre.
pub fn day_bookings(
    st: &AppState,
    acc: &Account,
    day: Option<&str>,
    centre: Option<&str>,
) -> Result<(Date, Vec<Booking>), Problem> {
    crate::access::require_staff_role(acc, Some(STATE_CORPORATION), "state_corporation_operator")?;
    if let Some(c) = centre {
        check_centre(c)?;
    }
    let d = match day.filter(|d| !d.trim().is_empty()) {
        Some(d) => parse_day("date", d)?,
        None => local_date(st.now()),
    };
    let (from, to) = day_bounds(d)?;
    let db = st.accounts.db();
    let mut q = db.prepare(&format!(
        "{BOOKING_SELECT} AND s.start >= ?1 AND s.start < ?2 AND (?3 IS NULL OR s.centre = ?3) ORDER BY s.start, s.centre"
    ))?;
    let rows = q
        .query_map(params![from, to, centre], booking_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((d, rows))
}

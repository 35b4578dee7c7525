//! The State Corporation e-queue: 15-minute slots per centre within the centre's hours
//! (`calendars/schedules.toml`: Mon-Sat 09:00-20:00 unless a centre has its own) on the days of
//! the Kazakh calendar, for the next [`DAYS_AHEAD`] days a centre works from the server clock,
//! one visitor per slot. A citizen books a slot to collect the result of their own application that is awaiting issue at the State
//! Corporation; one active booking per application; bookings can be cancelled; the desk sees
//! the day's bookings.
//!
//! No double booking: the store keeps one active booking per slot and per application
//! (`Record::Book`); the second of two concurrent bookings of a slot is refused with 409
//! `equeue.slot_taken` and writes nothing.

use crate::AppState;
use crate::accounts::{Account, Kind, ts};
use crate::catalogue::Titles;
use crate::problem::Problem;
use axum::http::StatusCode;
use engine::{STATE_CORPORATION, Status};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use store::Record;
use store::records::BookingRow;
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

/// A centre's working hours (`calendars/schedules.toml`: Saturdays too).
fn hours(centre: &str) -> &'static calendar::Schedule {
    calendar::Schedules::kz().centre(Some(centre))
}

/// The days slots are offered on: today (if a centre works) and on, [`DAYS_AHEAD`] days on
/// which at least one centre works (a centre's Saturday is one).
pub fn working_days(now: Timestamp) -> Vec<Date> {
    let cal = calendar();
    let mut out = vec![];
    let mut d = local_date(now);
    // A year without an open day ends the search (no centre has hours).
    for _ in 0..366 {
        if out.len() as u32 >= DAYS_AHEAD {
            break;
        }
        if CENTRES
            .iter()
            .any(|(c, ..)| !cal.working_intervals(d, hours(c)).is_empty())
        {
            out.push(d);
        }
        match d.tomorrow() {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    out
}

/// The slot start instants of `date` at `centre`, under the centre's hours.
pub fn day_starts(centre: &str, date: Date) -> Vec<Timestamp> {
    let cal = calendar();
    let mut out = vec![];
    for (s, e) in cal.working_periods(date, hours(centre)).unwrap_or_default() {
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

/// Makes sure the slots of the offered days exist.
pub fn ensure_slots(st: &AppState) -> Result<(), Problem> {
    let days = working_days(st.now());
    // Slots are made a day at a time as the clock moves: nothing to do when the last is there.
    if let Some((from, to)) = days.last().and_then(|d| day_bounds(*d).ok())
        && !st.store.slots(None, from, to)?.is_empty()
    {
        return Ok(());
    }
    let action =
        store::Action::new(st.now()).records(CENTRES.iter().map(|(c, ..)| Record::Slots {
            centre: c.to_string(),
            starts: days.iter().flat_map(|d| day_starts(c, *d)).collect(),
        }));
    st.store.act(action)?;
    Ok(())
}

/// The first day a date may name: before any regulation here was in force.
const FIRST_DAY: Date = jiff::civil::date(2000, 1, 1);

/// A date parameter, within [`FIRST_DAY`] and a year after `now` (anything past that is no
/// e-queue day, and the calendar's arithmetic ends at 9999-12-31).
fn parse_day(field: &str, day: &str, now: Timestamp) -> Result<Date, Problem> {
    // As people write it here (03.12.2019), or ISO (2019-12-03) for links and the API.
    let day = day.trim();
    let iso = match day.split('.').collect::<Vec<_>>()[..] {
        [d, m, y] if d.len() <= 2 && m.len() <= 2 && y.len() == 4 => format!("{y}-{m:0>2}-{d:0>2}"),
        _ => day.to_string(),
    };
    let d = iso.parse::<Date>().map_err(|_| {
        Problem::invalid(
            field,
            "date",
            format!("`{field}` is a date, DD.MM.YYYY or YYYY-MM-DD"),
        )
    })?;
    let last = local_date(now)
        .checked_add(jiff::Span::new().years(1))
        .unwrap_or(Date::MAX);
    if d < FIRST_DAY || d > last {
        let mut p = Problem::invalid(
            field,
            "date.range",
            format!("`{field}` must be a date from {FIRST_DAY} to {last}"),
        );
        p.status = StatusCode::BAD_REQUEST.as_u16();
        return Err(p);
    }
    Ok(d)
}

fn day_bounds(d: Date) -> Result<(Timestamp, Timestamp), Problem> {
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
    Ok((start, end))
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

/// Free and taken slots still ahead (of one day, or of every offered day).
pub fn slots(st: &AppState, centre: Option<&str>, day: Option<&str>) -> Result<Vec<Slot>, Problem> {
    if let Some(c) = centre {
        check_centre(c)?;
    }
    let now = st.now();
    let Some(last) = working_days(now)
        .last()
        .and_then(|d| day_bounds(*d).ok())
        .map(|b| b.1)
    else {
        return Ok(vec![]);
    };
    let (from, to) = match day {
        Some(d) => day_bounds(parse_day("date", d, now)?)?,
        None => (now, last),
    };
    ensure_slots(st)?;
    let (from, to) = (from.max(now), to.min(last));
    if from >= to {
        return Ok(vec![]);
    }
    Ok(st
        .store
        .slots(centre, from, to)?
        .into_iter()
        .filter(|s| s.start > now)
        .map(|s| Slot {
            id: s.id,
            centre: s.centre,
            start: s.start,
            capacity: s.capacity,
            available: s.taken < s.capacity,
        })
        .collect())
}

fn conflict(rule: &str, detail: impl Into<String>) -> Problem {
    Problem::new(StatusCode::CONFLICT, rule, detail)
}

fn bookable(st: &AppState, acc: &Account, id: &str) -> Result<engine::Application, Problem> {
    let app = crate::access::visible(acc, st.store.application(id)?)?;
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

/// Books `slot` for collecting the result of application `id` (its applicant only).
pub fn book(st: &AppState, acc: &Account, id: &str, slot: i64) -> Result<Booking, Problem> {
    let app = bookable(st, acc, id)?;
    ensure_slots(st)?;
    let now = st.now();
    let starts = st
        .store
        .slots(None, now, Timestamp::MAX)?
        .into_iter()
        .any(|s| s.id == slot);
    if !starts {
        let known = st
            .store
            .slots(None, Timestamp::MIN, Timestamp::MAX)?
            .into_iter()
            .any(|s| s.id == slot);
        return Err(if known {
            Problem::invalid("slot", "equeue.slot_past", "this slot has already begun")
        } else {
            Problem::invalid("slot", "equeue.slot_unknown", format!("no slot {slot}"))
        });
    }
    st.store.act(store::Action::new(now).record(Record::Book {
        slot,
        application: app.id.clone(),
        account: acc.id,
        at: now,
    }))?;
    active_booking(st, &app.id)?.ok_or_else(|| Problem::internal("the booking vanished"))
}

/// Cancels the active booking of application `id` (its applicant or a State Corporation
/// operator).
pub fn cancel(st: &AppState, acc: &Account, id: &str) -> Result<(), Problem> {
    let app = crate::access::visible(acc, st.store.application(id)?)?;
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
    let o = st
        .store
        .act(store::Action::new(st.now()).record(Record::CancelBooking {
            application: app.id.clone(),
            at: st.now(),
        }))?;
    if o.written.first() == Some(&store::Written::Count(0)) {
        return Err(Problem::not_found("active booking of this application"));
    }
    Ok(())
}

fn booking_of(st: &AppState, b: BookingRow) -> Result<Booking, Problem> {
    let row = st.store.list_row(&b.application)?;
    Ok(Booking {
        id: b.id,
        slot: b.slot,
        centre: b.centre,
        start: b.start,
        created_at: ts(b.created_at),
        applicant_name: row.as_ref().map(|r| r.applicant_name.clone()),
        applicant_iin: row.map(|r| r.applicant_iin),
        application: b.application,
    })
}

/// The active booking of application `id` (check access first).
pub fn active_booking(st: &AppState, id: &str) -> Result<Option<Booking>, Problem> {
    st.store.booking(id)?.map(|b| booking_of(st, b)).transpose()
}

/// The bookings of a day (default today) at a centre or all: the desk's list.
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
        Some(d) => parse_day("date", d, st.now())?,
        None => local_date(st.now()),
    };
    let (from, to) = day_bounds(d)?;
    let rows = st
        .store
        .bookings(centre, from, to)?
        .into_iter()
        .map(|b| booking_of(st, b))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((d, rows))
}

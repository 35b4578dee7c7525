//! Deadlines and SLA status: is an application on time, at risk or overdue at an instant, and
//! which step and role answer for it; once done, how late a step or the result was. Pure
//! computation over the application state.

use crate::{Application, Closure, Ctx, Status};
pub use calendar::Lateness;
use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sla {
    OnTime,
    AtRisk,
    Overdue,
}

crate::names!(Sla {
    OnTime => "on_time",
    AtRisk => "at_risk",
    Overdue => "overdue",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaReport {
    pub status: Sla,
    /// The step (plan index) and role responsible now.
    pub step: Option<usize>,
    pub role: Option<String>,
    pub step_due: Option<Timestamp>,
    pub term_due: Option<Timestamp>,
    /// Which deadline the status is about: `step`, `term` or `deliver_to_state_corporation`.
    pub reason: &'static str,
}

/// A step is at risk once 80% of its legal time has passed; the whole service is at risk when
/// the State Corporation delivery deadline has passed but the term has not.
const AT_RISK_SHARE: f64 = 0.8;

/// What the SLA status depends on: an open application's deadlines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// The result waits at the State Corporation for the applicant (the term is met).
    pub waiting: bool,
    pub submitted_at: Timestamp,
    pub step_started: Timestamp,
    pub step_due: Option<Timestamp>,
    pub term_due: Option<Timestamp>,
    pub deliver_due: Option<Timestamp>,
}

impl Input {
    pub fn of(app: &Application) -> Input {
        Input {
            waiting: app.status == Status::AwaitingIssue,
            submitted_at: app.submitted_at,
            step_started: app.step_started,
            step_due: app.step_due,
            term_due: app.term_due,
            deliver_due: app.deliver_due,
        }
    }
}

/// The instant from which a share of a window has passed, as [`status`] compares it: whole
/// seconds since `start`, at least `share × total`.
fn share_reached(start: Timestamp, end: Timestamp) -> Option<Timestamp> {
    let total = (end.as_second() - start.as_second()) as f64;
    if total <= 0.0 {
        return None;
    }
    let used = (AT_RISK_SHARE * total).ceil() as i64;
    Timestamp::from_second(start.as_second() + used).ok()
}

/// The SLA status of an open application at `at`, and which deadline it is about (`step`,
/// `term` or `deliver_to_state_corporation`).
pub fn status(i: &Input, at: Timestamp) -> (Sla, &'static str) {
    if let Some(t) = i.term_due
        && at > t
        && !i.waiting
    {
        return (Sla::Overdue, "term");
    }
    if let Some(d) = i.step_due {
        if at > d {
            return (Sla::Overdue, "step");
        }
        if share_reached(i.step_started, d).is_some_and(|r| at >= r) {
            return (Sla::AtRisk, "step");
        }
    }
    if let Some(d) = i.deliver_due
        && at > d
        && !i.waiting
    {
        return (Sla::AtRisk, "deliver_to_state_corporation");
    }
    if let Some(t) = i.term_due
        && !i.waiting
        && share_reached(i.submitted_at, t).is_some_and(|r| at >= r)
    {
        return (Sla::AtRisk, "term");
    }
    (Sla::OnTime, "step")
}

/// The earliest instant at which [`status`] may say anything but on time (None: never). Lists
/// index it so that monitoring reads only the applications past it.
pub fn watch_from(i: &Input) -> Option<Timestamp> {
    let mut c: Vec<Timestamp> = vec![];
    if let Some(d) = i.step_due {
        c.push(share_reached(i.step_started, d).unwrap_or(d).min(d));
    }
    if !i.waiting {
        if let Some(t) = i.term_due {
            c.push(share_reached(i.submitted_at, t).unwrap_or(t).min(t));
        }
        if let Some(d) = i.deliver_due {
            c.push(d);
        }
    }
    c.into_iter().min()
}

pub fn sla(app: &Application, at: Timestamp, ctx: &Ctx) -> Option<SlaReport> {
    if app.status == Status::Closed {
        return None;
    }
    let plan = ctx.plan(&app.regulation, app.version, app.channel)?;
    let step = plan.step(app.step);
    let (status, reason) = status(&Input::of(app), at);
    Some(SlaReport {
        status,
        step: step.map(|s| s.index),
        role: step.map(|s| ctx.step_role(app, s)),
        step_due: app.step_due,
        term_due: app.term_due,
        reason,
    })
}

/// How late an act done at `done` was against `due` (None: on time, or no deadline), in
/// working days of the Kazakhstan calendar — the one [`crate::time::KzTime`] counts every
/// deadline on.
pub fn late(due: Option<Timestamp>, done: Timestamp) -> Option<Lateness> {
    let due = due?;
    if done <= due {
        return None;
    }
    // Only a date past the calendar's range fails to count: late, by an unknown count.
    Some(
        calendar::Calendar::kz()
            .lateness(due, done)
            .unwrap_or(Lateness {
                late: true,
                working_days: u32::MAX,
                same_day: false,
            }),
    )
}

/// When the result (or the motivated refusal) was issued, as the service term judges it:
/// when it reached the State Corporation to wait for the applicant (the term is met there, as
/// [`status`] says), else when the application closed with it. None before that, and for an
/// application that ended without one (documents not accepted, a portal notice).
pub fn result_at(app: &Application) -> Option<Timestamp> {
    match app.closure {
        Some(Closure::Issued | Closure::RefusalIssued) => app.ready_at.or(app.closed_at),
        Some(Closure::AcceptanceRefused | Closure::RefusalNotice) => None,
        None => app.ready_at,
    }
}

/// How late the result was issued against the service term (None: on time, not yet, or no
/// term).
pub fn result_late(app: &Application) -> Option<Lateness> {
    late(app.term_due, result_at(app)?)
}

//! What a citizen sees of an application: the statuses egov.kz shows (submitted, accepted, in
//! progress, result ready, issued, refused, returned), each with its legal due date and a late
//! mark — derived from the engine's state and the plan, never from the regulation's steps.
//!
//! Rules, in order (`status_of`):
//! - closed: issued; or refused — a refusal letter (motivated refusal), a receipt on refusal to
//!   accept, or a notice of refusal — naming who refused (the organisation that did the step;
//!   the portal only when the portal did);
//! - unclaimed and back with the provider: returned (the State Corporation may re-request it);
//! - waiting at the State Corporation's desk, or, on a channel that ends at the provider's
//!   counter, at a person's step after the result was signed: result ready;
//! - not past the acceptance: submitted (a portal request before its registration instant),
//!   accepted (the acceptance done and no one else has acted since);
//! - otherwise in progress.
//!
//! Due dates: the service term's for every status but result ready (the storage period's end
//! at the State Corporation, or the re-request's due) and returned (none). Late: an open
//! application past its term is late by the working days so far; a result (or refusal) is
//! judged where the term is met (`engine::sla::result_at`).
//!
//! Not for: staff, who keep the full timeline and journal (`ops::timeline`).

use crate::AppState;
use crate::ops::{Late, first_person_step};
use engine::{Application, Closure, Event, Outcome, Plan, Status};
use jiff::Timestamp;
use regulation::ChannelId;
use serde::Serialize;
use utoipa::ToSchema;

/// A citizen's status of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CitizenStatus {
    Submitted,
    Accepted,
    InProgress,
    ResultReady,
    Issued,
    Refused,
    Returned,
}

impl CitizenStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CitizenStatus::Submitted => "submitted",
            CitizenStatus::Accepted => "accepted",
            CitizenStatus::InProgress => "in_progress",
            CitizenStatus::ResultReady => "result_ready",
            CitizenStatus::Issued => "issued",
            CitizenStatus::Refused => "refused",
            CitizenStatus::Returned => "returned",
        }
    }
}

/// What a refusal gave the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RefusalKind {
    /// A motivated refusal: the refusal letter.
    RefusalLetter,
    /// Documents not accepted: the receipt on refusal to accept.
    RefusalToAccept,
    /// A notice of refusal (a condition checked on the way failed).
    Notice,
}

impl RefusalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RefusalKind::RefusalLetter => "refusal_letter",
            RefusalKind::RefusalToAccept => "refusal_to_accept",
            RefusalKind::Notice => "notice",
        }
    }
}

/// One status an application had, as the citizen sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatusEntry {
    pub status: CitizenStatus,
    /// Since when.
    #[schema(value_type = String)]
    pub at: Timestamp,
    /// Its legal due date (see the module's rules); none where the law gives none.
    #[schema(value_type = Option<String>)]
    pub due: Option<Timestamp>,
    /// Late against the service term, by how many working days.
    pub late: Option<Late>,
    /// A refusal: what the applicant was given.
    pub refusal: Option<RefusalKind>,
    /// A refusal: the organisation that refused (an id; `portal` only when the portal did).
    pub refused_by: Option<String>,
    /// A ready result that is a refusal letter.
    pub is_refusal: bool,
    /// The application's status now.
    pub current: bool,
}

/// The status of `app` on `plan` (the module's rules), with the refusal's kind.
pub fn status_of(app: &Application, plan: &Plan) -> (CitizenStatus, Option<RefusalKind>) {
    match (app.status, app.closure) {
        (Status::Closed, Some(Closure::Issued)) => return (CitizenStatus::Issued, None),
        (Status::Closed, Some(Closure::RefusalIssued)) => {
            return (CitizenStatus::Refused, Some(RefusalKind::RefusalLetter));
        }
        (Status::Closed, Some(Closure::AcceptanceRefused)) => {
            return (CitizenStatus::Refused, Some(RefusalKind::RefusalToAccept));
        }
        (Status::Closed, _) => return (CitizenStatus::Refused, Some(RefusalKind::Notice)),
        (Status::ReturnedToProvider, _) => return (CitizenStatus::Returned, None),
        (Status::AwaitingIssue, _) => return (CitizenStatus::ResultReady, None),
        (Status::InProgress, _) => {}
    }
    (open_status(plan, app.step), None)
}

/// An open application's status at plan step `step` (in progress at the provider's).
pub fn open_status(plan: &Plan, step: usize) -> CitizenStatus {
    let here = plan.step(step);
    // A channel that ends at a counter of its own (the office): the result waits there once
    // signed, until a person hands it out.
    if plan.channel != ChannelId::StateCorporation
        && let Some(signed) = plan.steps.iter().rposition(|s| s.signs_result)
        && step > signed
        && here.is_none_or(|s| !s.automatic)
    {
        return CitizenStatus::ResultReady;
    }
    let Some(first) = first_person_step(plan) else {
        return CitizenStatus::InProgress;
    };
    if plan.channel == ChannelId::Portal {
        // The portal's own steps register the request; then the provider's person takes it.
        return if step < first.index {
            CitizenStatus::Submitted
        } else if step == first.index {
            CitizenStatus::Accepted
        } else {
            CitizenStatus::InProgress
        };
    }
    // At a counter the first person's step is the acceptance.
    let after = plan.next(first.index).map(|s| s.index);
    if step <= first.index {
        CitizenStatus::Submitted
    } else if Some(step) == after {
        CitizenStatus::Accepted
    } else {
        CitizenStatus::InProgress
    }
}

/// The due date of `status` for `app` (see the module's rules); `ready` is when the result
/// reached the desk, `rerequest_due` a re-request's due.
fn due_of(
    st: &AppState,
    app: &Application,
    plan: &Plan,
    status: CitizenStatus,
    ready: Option<Timestamp>,
    rerequest_due: Option<Timestamp>,
) -> Option<Timestamp> {
    match status {
        CitizenStatus::ResultReady => rerequest_due.or_else(|| {
            let keep = plan.unclaimed_keep?;
            Some(st.ctx.time.after(ready?, keep))
        }),
        CitizenStatus::Returned => None,
        _ => app.term_due,
    }
}

/// The status history of `app` from its journal: one entry each time the status changed,
/// oldest first, the last one current.
pub fn history(
    st: &AppState,
    app: &Application,
    events: &[Event],
    now: Timestamp,
) -> Vec<StatusEntry> {
    let Some(plan) = st
        .ctx
        .plan(&app.regulation, app.version, app.channel)
        .cloned()
    else {
        return vec![];
    };
    let mut out: Vec<StatusEntry> = vec![];
    let mut state: Option<Application> = None;
    let mut rerequest_due = None;
    // Who did the last step (the refuser, when it refused).
    let mut last_by: Option<String> = None;
    for e in events {
        state = engine::apply(state, e, &st.ctx);
        let Some(s) = state.as_ref() else { continue };
        let at = match e {
            Event::Submitted { at, .. }
            | Event::StepCompleted { at, .. }
            | Event::Closed { at, .. }
            | Event::ReturnedToProvider { at, .. }
            | Event::ReRequested { at, .. }
            | Event::RequestRefused { at, .. }
            | Event::ResultSigned { at, .. }
            | Event::Assigned { at, .. } => *at,
        };
        match e {
            Event::StepCompleted { by, outcome, .. } => {
                last_by = Some(by.org.clone());
                match outcome {
                    // The refusal letter is signed and issued like a result, by the provider.
                    Outcome::MotivatedRefusal { .. } => last_by = Some(app.provider.clone()),
                    // The application closes with it: its status is the closure's.
                    Outcome::RefuseAcceptance { .. } | Outcome::Fail { .. } => continue,
                    Outcome::Done => {}
                }
            }
            Event::ReRequested { due, .. } => rerequest_due = Some(*due),
            Event::RequestRefused { .. } => last_by = Some(engine::PORTAL.into()),
            _ => {}
        }
        let (status, refusal) = status_of(s, &plan);
        // A portal request counts as accepted at its registration instant (the next working
        // opening when sent outside working hours), not before.
        let at = if status == CitizenStatus::Accepted && app.channel == ChannelId::Portal {
            if s.accepted() > now {
                continue;
            }
            at.max(s.accepted())
        } else {
            at
        };
        if out.last().is_some_and(|l| l.status == status) {
            continue;
        }
        if status != CitizenStatus::ResultReady {
            rerequest_due = None;
        }
        let ready = s.ready_at.or(Some(at));
        let late = match status {
            CitizenStatus::Issued | CitizenStatus::ResultReady => {
                Late::of(s.term_due, engine::sla::result_at(s).or(Some(at)))
            }
            CitizenStatus::Refused => match refusal {
                Some(RefusalKind::RefusalToAccept) => None,
                _ => Late::of(s.term_due, engine::sla::result_at(s).or(Some(at))),
            },
            _ => None,
        };
        out.push(StatusEntry {
            status,
            at,
            due: due_of(st, s, &plan, status, ready, rerequest_due),
            late,
            refusal,
            refused_by: refusal.and(last_by.clone()),
            is_refusal: status == CitizenStatus::ResultReady && s.refusal_grounds.is_some(),
            current: false,
        });
    }
    if let Some(last) = out.last_mut() {
        last.current = true;
        // Still open past the term: late by the working days so far.
        if matches!(
            last.status,
            CitizenStatus::Submitted | CitizenStatus::Accepted | CitizenStatus::InProgress
        ) {
            last.late = Late::of(app.term_due, Some(now));
        }
    }
    out
}

/// The current status of a list row or summary (no journal read): its name, its due date
/// and its refusal's kind.
pub fn current_of(
    st: &AppState,
    s: &crate::ops::Summary,
    ready_at: Option<Timestamp>,
) -> (CitizenStatus, Option<Timestamp>, Option<RefusalKind>) {
    let Some(plan) = st.ctx.plan(
        &s.regulation,
        s.version,
        s.channel.parse().unwrap_or(ChannelId::Office),
    ) else {
        return (CitizenStatus::InProgress, s.term_due, None);
    };
    let (status, refusal) = match (s.status.as_str(), s.closure.as_deref()) {
        (_, Some("issued")) => (CitizenStatus::Issued, None),
        (_, Some("refusal_issued")) => (CitizenStatus::Refused, Some(RefusalKind::RefusalLetter)),
        (_, Some("acceptance_refused")) => {
            (CitizenStatus::Refused, Some(RefusalKind::RefusalToAccept))
        }
        (_, Some(_)) => (CitizenStatus::Refused, Some(RefusalKind::Notice)),
        ("returned_to_provider", _) => (CitizenStatus::Returned, None),
        ("awaiting_issue", _) => (CitizenStatus::ResultReady, None),
        _ => (open_status(plan, s.step), None),
    };
    let due = match status {
        CitizenStatus::ResultReady => match (ready_at, plan.unclaimed_keep) {
            (Some(r), Some(keep)) => Some(st.ctx.time.after(r, keep)),
            _ => s.step_due.filter(|_| s.status == "awaiting_issue"),
        },
        CitizenStatus::Returned => None,
        _ => s.term_due,
    };
    (status, due, refusal)
}

/// One entry of a citizen's notifications list: a status change or a comment to them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Notice {
    pub application: String,
    #[schema(value_type = String)]
    pub at: Timestamp,
    /// A status change (with its refusal's kind and who refused) ...
    pub status: Option<StatusEntry>,
    /// ... or a comment an official made to the applicant ...
    pub comment: Option<String>,
    /// ... or a referral the preschool queue issued to the application's child.
    pub referral: Option<crate::preschool::ReferralView>,
}

/// The notifications of `apps` (a citizen's applications): every status change and every
/// public comment, newest first, at most `limit`. Read from each application's journal and
/// notes.
pub fn notices(
    st: &AppState,
    apps: &[String],
    now: Timestamp,
    limit: usize,
) -> Result<Vec<Notice>, crate::Problem> {
    let mut out = vec![];
    for id in apps {
        let Some(app) = st.store.application(id)? else {
            continue;
        };
        let events = st.store.events(id)?;
        for e in history(st, &app, &events, now) {
            out.push(Notice {
                application: id.clone(),
                at: e.at,
                status: Some(e),
                comment: None,
                referral: None,
            });
        }
        for n in st.accounts.notes(id)? {
            let Some(at) = crate::accounts::parse_ts(&n.at).filter(|_| n.public) else {
                continue;
            };
            out.push(Notice {
                application: id.clone(),
                at,
                status: None,
                comment: Some(n.note),
                referral: None,
            });
        }
        if let Some(c) = crate::preschool::child_view(st, id) {
            for r in c.referrals {
                out.push(Notice {
                    application: id.clone(),
                    at: r.issued_at,
                    status: None,
                    comment: None,
                    referral: Some(r),
                });
            }
        }
    }
    // Newest first; at one instant the comment after the status it came with.
    out.sort_by(|a, b| {
        b.at.cmp(&a.at)
            .then(b.comment.is_some().cmp(&a.comment.is_some()))
    });
    out.truncate(limit);
    Ok(out)
}

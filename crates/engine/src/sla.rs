//! Deadlines and SLA status: is an application on time, at risk or overdue at an instant, and
//! which step and role answer for it. Pure computation over the application state.

use crate::{Application, Ctx, Status};
use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sla {
    OnTime,
    AtRisk,
    Overdue,
}

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

pub fn sla(app: &Application, at: Timestamp, ctx: &Ctx) -> Option<SlaReport> {
    if app.status == Status::Closed {
        return None;
    }
    let plan = ctx.plan(&app.regulation, app.version, app.channel)?;
    let step = plan.step(app.step);
    let base = SlaReport {
        status: Sla::OnTime,
        step: step.map(|s| s.index),
        role: step.map(|s| s.role.clone()),
        step_due: app.step_due,
        term_due: app.term_due,
        reason: "step",
    };
    // Waiting for the applicant at the State Corporation is not the provider's delay.
    let waiting = matches!(app.status, Status::AwaitingIssue);
    if let Some(t) = app.term_due {
        if at > t && !waiting {
            return Some(SlaReport {
                status: Sla::Overdue,
                reason: "term",
                ..base
            });
        }
    }
    if let Some(d) = app.step_due {
        if at > d {
            return Some(SlaReport {
                status: Sla::Overdue,
                ..base
            });
        }
        let total = (d.as_second() - app.step_started.as_second()) as f64;
        let used = (at.as_second() - app.step_started.as_second()) as f64;
        if total > 0.0 && used >= AT_RISK_SHARE * total {
            return Some(SlaReport {
                status: Sla::AtRisk,
                ..base
            });
        }
    }
    if let Some(d) = app.deliver_due {
        if at > d && !waiting {
            return Some(SlaReport {
                status: Sla::AtRisk,
                reason: "deliver_to_state_corporation",
                ..base
            });
        }
    }
    if let Some(t) = app.term_due {
        let total = (t.as_second() - app.submitted_at.as_second()) as f64;
        let used = (at.as_second() - app.submitted_at.as_second()) as f64;
        if !waiting && total > 0.0 && used >= AT_RISK_SHARE * total {
            return Some(SlaReport {
                status: Sla::AtRisk,
                reason: "term",
                ..base
            });
        }
    }
    Some(base)
}

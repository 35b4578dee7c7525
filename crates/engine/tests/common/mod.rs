//! Shared test helpers: a plain clock and a driver that walks an application through its plan.
#![allow(dead_code)]

use engine::*;
use jiff::{Timestamp, ToSpan};
use regulation::{Duration, Unit};

/// Days as 24 hours, months as 30 days: enough to test rules that do not depend on the calendar.
pub struct Plain;
impl LegalTime for Plain {
    fn step_due(&self, start: Timestamp, d: Duration) -> Timestamp {
        self.after(start, d)
    }
    fn term_due(&self, accepted: Timestamp, d: Duration, counted: bool) -> Timestamp {
        let t = self.after(accepted, d);
        if counted { t } else { t + 24.hours() }
    }
    fn before(&self, due: Timestamp, d: Duration) -> Timestamp {
        due - (self.after(due, d) - due)
    }
    fn after(&self, t: Timestamp, d: Duration) -> Timestamp {
        let v = d.value as i64;
        match d.unit {
            Unit::Seconds => t + v.seconds(),
            Unit::Minutes => t + v.minutes(),
            Unit::Hours => t + v.hours(),
            Unit::Months => t + (30 * 24 * v).hours(),
            _ => t + (24 * v).hours(),
        }
    }
    fn local_date(&self, t: Timestamp) -> jiff::civil::Date {
        (t + 6.hours())
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date()
    }
}

/// The actor who may complete `step` of `app`.
pub fn actor_for(app: &Application, step: &PlanStep) -> Actor {
    let org = match step.party {
        Party::Provider | Party::Intermediary => app.provider.clone(),
        Party::StateCorporation => STATE_CORPORATION.to_string(),
        Party::Portal => PORTAL.to_string(),
    };
    Actor {
        role: step.role.clone(),
        org,
    }
}

/// Complete every step on the normal path, each at the instant `at(step)` gives; returns the
/// state after each command.
pub fn walk(
    ctx: &Ctx,
    mut app: Application,
    mut at: impl FnMut(&Application, &PlanStep) -> Timestamp,
) -> Vec<Application> {
    let plan = ctx
        .plan(&app.regulation, app.version, app.channel)
        .unwrap()
        .clone();
    let mut states = vec![];
    for _ in 0..plan.steps.len() + 1 {
        if app.status == Status::Closed {
            break;
        }
        let step = plan.step(app.step).unwrap();
        let cmd = Command::Complete {
            application: app.id.clone(),
            step: app.step,
            actor: actor_for(&app, step),
            outcome: Outcome::Done,
            presented: Some(Presented::IdentityDocument),
        };
        let now = at(&app, step);
        let events = decide(Some(&app), &cmd, now, ctx)
            .unwrap_or_else(|e| panic!("{} step {}: {e}", app.id, app.step));
        for e in &events {
            app = apply(Some(app), e, ctx).unwrap();
        }
        states.push(app.clone());
    }
    states
}

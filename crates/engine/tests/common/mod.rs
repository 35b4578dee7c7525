//! Shared test helpers: the plain clock (testkit's) and a driver that walks an application
//! through its plan.
#![allow(dead_code, unused_imports)]

use engine::*;
use jiff::Timestamp;

pub use testkit::Plain;

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

//! Who may see and do what, on role × organisation × application — checked before the engine
//! is asked (the engine checks role and organisation again; this layer answers 404 for what a
//! person may not even know exists and 403 for what they see but may not do).
//!
//! Rules: a citizen sees only applications with their IIN; staff see their organisation's
//! applications (a provider's: those it provides; the State Corporation's: those submitted
//! through it); monitors and admins see all but act on no step. Only staff of the organisation
//! that holds the current step, holding its role, may complete it; a step the head gave to a
//! named executor, only that executor (or the head, in their place). Not for: authentication
//! (`auth`) or the engine's own rules (step order, branches, identity at issue).

use crate::accounts::{Account, Kind};
use crate::problem::Problem;
use engine::{Application, Ctx, Party, PlanStep, STATE_CORPORATION};
use regulation::ChannelId;

/// The organisation that holds a step of `app`.
pub fn org_for(app: &Application, party: Party) -> String {
    engine::holder_org(app, party)
}

/// Whether `acc` may know that `app` exists.
pub fn can_see(acc: &Account, app: &Application) -> bool {
    match acc.kind {
        Kind::Citizen => acc.iin.as_deref() == Some(app.applicant_iin.as_str()),
        Kind::Staff => match acc.org.as_deref() {
            Some(STATE_CORPORATION) => app.channel == ChannelId::StateCorporation,
            Some(org) => org == app.provider,
            None => false,
        },
        Kind::Monitor | Kind::Admin => true,
    }
}

/// 404 unless `acc` may see `app`.
pub fn visible(acc: &Account, app: Option<Application>) -> Result<Application, Problem> {
    match app {
        Some(a) if can_see(acc, &a) => Ok(a),
        _ => Err(Problem::not_found("such application")),
    }
}

/// The current step of `app`, if `acc` may complete it; else 403 naming the rule.
/// Call after [`visible`].
pub fn may_act<'c>(
    acc: &Account,
    app: &Application,
    ctx: &'c Ctx,
) -> Result<&'c PlanStep, Problem> {
    if acc.kind != Kind::Staff {
        return Err(Problem::forbidden(
            "forbidden.not_staff",
            "only the staff holding the current step act on an application",
        ));
    }
    let plan = ctx
        .plan(&app.regulation, app.version, app.channel)
        .ok_or_else(|| Problem::internal("the application's plan is missing"))?;
    let step = plan.step(app.step).ok_or_else(|| {
        Problem::new(
            axum::http::StatusCode::CONFLICT,
            "application_closed",
            "the application has no current step",
        )
    })?;
    let org = org_for(app, step.party);
    if acc.org.as_deref() != Some(org.as_str()) {
        return Err(Problem::forbidden(
            "forbidden.organisation",
            format!("the current step is held by `{org}`, not by your organisation"),
        ));
    }
    // A step the head gave to a named executor is theirs, or the head's to do in their place.
    if let (Some(by), Some(person)) = (step.assigned_by, app.assignee.as_ref()) {
        let head = plan.step(by).is_some_and(|h| acc.has_role(&h.role));
        if head {
            return Ok(step);
        }
        if acc.login != person.login {
            return Err(Problem::forbidden(
                "forbidden.assignee",
                format!("the head gave this step to {}", person.name),
            ));
        }
    }
    // The signing step is the organisation's signing role's where it configures one.
    let role = ctx.step_role(app, step);
    if !acc.has_role(&role) {
        return Err(Problem::forbidden(
            "forbidden.role",
            format!("the current step belongs to the role `{role}`, which you do not hold"),
        ));
    }
    Ok(step)
}

/// 403 unless `acc` is staff of `org` holding `role`.
pub fn require_staff_role(acc: &Account, org: Option<&str>, role: &str) -> Result<(), Problem> {
    if acc.kind != Kind::Staff {
        return Err(Problem::forbidden("forbidden.not_staff", "staff only"));
    }
    if let Some(org) = org
        && acc.org.as_deref() != Some(org)
    {
        return Err(Problem::forbidden(
            "forbidden.organisation",
            format!("only staff of `{org}` do this"),
        ));
    }
    if !acc.has_role(role) {
        return Err(Problem::forbidden(
            "forbidden.role",
            format!("this needs the role `{role}`"),
        ));
    }
    Ok(())
}

/// 403 unless `acc` may read monitoring (monitors, admins, and staff for their organisation).
pub fn require_monitoring(acc: &Account) -> Result<(), Problem> {
    match acc.kind {
        Kind::Monitor | Kind::Admin | Kind::Staff => Ok(()),
        Kind::Citizen => Err(Problem::forbidden(
            "forbidden.monitoring",
            "monitoring is for monitors, admins and staff",
        )),
    }
}

pub fn require_admin(acc: &Account) -> Result<(), Problem> {
    if acc.kind == Kind::Admin {
        Ok(())
    } else {
        Err(Problem::forbidden("forbidden.admin", "admins only"))
    }
}

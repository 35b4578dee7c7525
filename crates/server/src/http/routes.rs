//! Every route with its access rule, as data: who may call it at all (an account's kind) and
//! how (a page's session cookie, an API session, a bearer token's scope).
//!
//! The [`Viewer`](crate::auth::Viewer) extractor enforces this coarse rule before any body is
//! read, so a caller the table refuses gets 401/403 (a page: the login redirect or the error
//! page) and never reaches the handler. What depends on the application itself — who may see
//! it (404 otherwise), who holds its current step — is the handler's (`app::access`); the
//! table names it so the security suite knows what to expect. `tests/security_suite.rs` walks
//! this table against the router (the OpenAPI document lists every route: all are `routes!`)
//! for every kind of caller. Not for: the rules themselves (`app::access`).

use crate::accounts::{Account, Kind};
use crate::auth::{Via, Viewer};
use crate::problem::Problem;
use engine::STATE_CORPORATION;

const SC_OPERATOR: &str = "state_corporation_operator";

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not.
    Public,
    /// Any account (what it sees is its own).
    Account,
    Citizen,
    /// Staff of any organisation (role and organisation checked by the use case).
    Staff,
    /// Staff of the State Corporation.
    StateCorporation,
    /// The State Corporation's operators (staff of it holding `state_corporation_operator`).
    ScOperator,
    /// Staff taking a paper application in: the use case requires the role of the first
    /// step of the regulation's flow for that channel (the office clerk, the operator).
    Intake,
    /// Monitors, admins and staff (for their organisation).
    Monitoring,
    /// Monitors and admins.
    Metrics,
    Admin,
    /// Whoever may see the application in the path (its applicant, its organisation's staff,
    /// monitors, admins); anyone else with an account gets 404.
    Application,
    /// The applicant of the application in the path (for a booking also the State
    /// Corporation's operator, of an application submitted there).
    Applicant,
    /// Staff holding the current step of the application in the path.
    Holder,
    /// Staff of an organisation that keeps a district's preschool queue (the deployment's
    /// `--queue-district`; the use case checks the organisation).
    QueueStaff,
}

/// How a route may be called.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// A browser page: the session cookie (bearer tokens are for the API); anonymous callers
    /// are sent to log in.
    Page,
    /// The API, by a session only (tokens cannot make tokens or change passwords).
    Session,
    /// The API, by a session or a token with this scope.
    Scope(&'static str),
    /// By anything (public routes).
    Any,
}

#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub how: How,
}

const fn r(method: &'static str, path: &'static str, access: Access, how: How) -> Route {
    Route {
        method,
        path,
        access,
        how,
    }
}

use Access::*;
use How::{Any, Page, Scope, Session};

/// Every route the server answers (the router's routes are exactly these: a test checks).
#[rustfmt::skip]
pub const ROUTES: &[Route] = &[
    // ---- API ----
    r("GET", "/openapi.json", Public, Any),
    r("GET", "/healthz", Public, Any),
    r("GET", "/health", Public, Any),
    r("GET", "/ready", Public, Any),
    r("GET", "/metrics", Metrics, Scope("metrics")),
    r("POST", "/api/auth/register", Public, Any),
    r("POST", "/api/auth/login", Public, Any),
    r("POST", "/api/auth/logout", Public, Any),
    r("POST", "/api/account/password", Account, Session),
    r("GET", "/api/me", Account, Any),
    r("GET", "/api/tokens", Account, Scope("tokens")),
    r("POST", "/api/tokens", Account, Session),
    r("DELETE", "/api/tokens/{id}", Account, Scope("tokens")),
    r("GET", "/api/orgs", Public, Any),
    r("GET", "/api/services", Public, Any),
    r("GET", "/api/services/{id}", Public, Any),
    r("GET", "/api/services/{id}/diagram.svg", Public, Any),
    r("GET", "/api/applications", Account, Scope("read")),
    r("POST", "/api/applications", Citizen, Scope("submit")),
    r("POST", "/api/applications/request-bytes", Citizen, Scope("submit")),
    r("GET", "/api/applications/{id}", Application, Scope("read")),
    r("POST", "/api/applications/{id}/actions", Holder, Scope("act")),
    r("GET", "/api/applications/{id}/uploads", Application, Scope("read")),
    r("GET", "/api/applications/{id}/uploads/{n}", Application, Scope("read")),
    r("POST", "/api/applications/{id}/booking", Applicant, Scope("submit")),
    r("DELETE", "/api/applications/{id}/booking", Applicant, Scope("submit")),
    r("GET", "/api/documents/{application}/{file}", Application, Scope("read")),
    r("POST", "/api/office/applications", Intake, Scope("submit")),
    r("POST", "/api/sc/applications", Intake, Scope("submit")),
    r("GET", "/api/sc/slots", Account, Scope("read")),
    r("GET", "/api/sc/bookings", ScOperator, Scope("read")),
    r("GET", "/api/sc/unclaimed", ScOperator, Scope("read")),
    r("POST", "/api/sc/unclaimed/return", ScOperator, Scope("act")),
    r("POST", "/api/sc/applications/{id}/rerequest", ScOperator, Scope("act")),
    // `?application=`: who may see it; without it, every notification: admins only.
    r("GET", "/api/notifications", Application, Scope("read")),
    r("GET", "/api/monitoring/sla", Monitoring, Scope("monitor")),
    r("POST", "/admin/clock", Admin, Scope("admin")),
    r("PUT", "/api/orgs/{id}/signing-role", Admin, Scope("admin")),
    // The preschool queue: public lines; places by the district's staff; referrals by their
    // applicant (or the district's staff, to enrol): the use case checks whose.
    r("GET", "/api/queue/{district}", Public, Any),
    r("POST", "/api/queue/places", QueueStaff, Scope("act")),
    r("POST", "/api/queue/referrals/{id}", Account, Scope("act")),
    // Document verification: for anyone holding a printout (a page or JSON by `Accept`).
    r("GET", "/verify", Public, Any),
    r("POST", "/verify", Public, Any),
    r("GET", "/verify/{code}", Public, Any),
    // ---- pages ----
    r("GET", "/", Public, Any),
    r("GET", "/static/ncalayer.js", Public, Any),
    r("GET", "/login", Public, Any),
    r("POST", "/login", Public, Any),
    r("GET", "/register", Public, Any),
    r("POST", "/register", Public, Any),
    r("POST", "/logout", Public, Any),
    r("GET", "/account/password", Account, Page),
    r("POST", "/account/password", Account, Page),
    r("GET", "/services", Public, Any),
    r("GET", "/services/{id}", Public, Any),
    r("POST", "/services/{id}/apply", Citizen, Page),
    r("GET", "/services/{id}/request.json", Citizen, Page),
    r("GET", "/cabinet", Account, Page),
    r("GET", "/applications/{id}", Application, Page),
    r("POST", "/applications/{id}/act", Holder, Page),
    // The copies of the result the head signs (JSON for the page's script, a PDF for another tool).
    r("POST", "/applications/{id}/to-sign", Holder, Page),
    r("POST", "/applications/{id}/to-sign.pdf", Holder, Page),
    // The result as the head will sign it, marked as a draft: for those who may act on it.
    r("GET", "/applications/{id}/preview.pdf", Holder, Page),
    r("GET", "/applications/{id}/booking", Application, Page),
    r("POST", "/applications/{id}/booking", Applicant, Page),
    r("POST", "/applications/{id}/booking/cancel", Applicant, Page),
    r("POST", "/applications/{id}/rerequest", ScOperator, Page),
    r("GET", "/work", Staff, Page),
    r("POST", "/work/intake", Intake, Page),
    r("GET", "/sc", StateCorporation, Page),
    r("GET", "/sc/lookup", StateCorporation, Page),
    r("POST", "/sc/intake", Intake, Page),
    r("POST", "/sc/return", ScOperator, Page),
    r("GET", "/sc/bookings", ScOperator, Page),
    r("GET", "/monitoring", Monitoring, Page),
    r("GET", "/admin", Admin, Page),
    r("POST", "/admin/clock/form", Admin, Page),
    r("GET", "/queue", Public, Any),
    r("GET", "/queue/{district}", Public, Any),
    r("POST", "/queue/referrals/{id}/{act}", Account, Page),
    r("POST", "/queue/children/{id}/category", QueueStaff, Page),
    r("GET", "/work/queue", QueueStaff, Page),
    r("POST", "/work/queue/places", QueueStaff, Page),
    r("GET", "/tokens", Account, Page),
    r("POST", "/tokens", Account, Page),
    r("POST", "/tokens/{id}/revoke", Account, Page),
];

/// The route `path` (as matched: `/applications/{id}`) answers for `method` (HEAD as GET).
pub fn find(method: &str, path: &str) -> Option<&'static Route> {
    let method = if method == "HEAD" { "GET" } else { method };
    ROUTES.iter().find(|r| r.method == method && r.path == path)
}

impl Access {
    /// Whether an account of this kind may call a route with this rule at all.
    pub fn admits_kind(self, acc: &Account) -> Result<(), Problem> {
        let sc = acc.kind == Kind::Staff && acc.org.as_deref() == Some(STATE_CORPORATION);
        let ok = match self {
            // Who may do what to an application is the handler's: 404 for one the caller may
            // not know exists comes before 403 (`app::access`).
            Public | Account | Application | Applicant | Holder => true,
            Citizen => acc.kind == Kind::Citizen,
            Staff | Intake | QueueStaff => acc.kind == Kind::Staff,
            StateCorporation => sc,
            ScOperator => sc && acc.has_role(SC_OPERATOR),
            Monitoring => acc.kind != Kind::Citizen,
            Metrics => matches!(acc.kind, Kind::Monitor | Kind::Admin),
            Admin => acc.kind == Kind::Admin,
        };
        if ok {
            return Ok(());
        }
        // The same rule names (and so messages) as `app::access`.
        Err(match self {
            Citizen => Problem::forbidden("forbidden.not_citizen", "citizens only"),
            Staff | Intake | QueueStaff => Problem::forbidden("forbidden.not_staff", "staff only"),
            ScOperator if sc => Problem::forbidden(
                "forbidden.role",
                format!("this needs the role `{SC_OPERATOR}`"),
            ),
            StateCorporation | ScOperator => {
                Problem::forbidden("forbidden.organisation", "State Corporation staff only")
            }
            Monitoring => Problem::forbidden(
                "forbidden.monitoring",
                "monitoring is for monitors, admins and staff",
            ),
            Metrics => Problem::forbidden(
                "forbidden.metrics",
                "metrics are for admin and monitoring accounts",
            ),
            _ => Problem::forbidden("forbidden.admin", "admins only"),
        })
    }
}

impl Route {
    /// The coarse check: an account if the route needs one, the right way in, its kind.
    pub fn admit(&self, v: &Viewer) -> Result<(), Problem> {
        if self.access == Public {
            return Ok(());
        }
        let acc = v.require()?;
        match (self.how, &v.via) {
            (Page | Session, Via::Token { .. }) => {
                return Err(Problem::forbidden(
                    "token.session_only",
                    "this needs a logged-in session, not an API token",
                ));
            }
            (Scope(s), Via::Token { .. }) => {
                v.require_scope(s)?;
            }
            _ => {}
        }
        self.access.admits_kind(acc)
    }
}

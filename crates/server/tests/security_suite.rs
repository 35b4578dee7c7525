//! The security suite, run by `cargo test` in CI:
//! - the authorisation matrix generated from the route table (`server::routes::ROUTES`):
//!   every route × every kind of caller (anonymous, the applicant, another citizen, every
//!   staff account, monitor, admin, tokens with and without the route's scope) is answered
//!   as the table declares; and the table lists exactly the router's routes;
//! - security headers on every answer of that walk (and HSTS, `Secure` cookies over https);
//! - no password, session, token or CSRF secret in a trace-level log;
//! - registration's IIN and name checks, the change-password link, https cookies.
//!
//! Which application a caller may see or act on, in depth, is `authz.rs`'s.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use serde_json::json;
use server::accounts::{Account, Kind};
use server::routes::{Access, How, ROUTES, Route};
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex};

// ---- the route table is the router ------------------------------------------------------

#[test]
fn the_route_table_lists_exactly_the_routers_routes() {
    // Every route is a `routes!` (a test below keeps it so), so the OpenAPI document lists
    // exactly what the router serves.
    let doc = serde_json::to_value(server::openapi()).unwrap();
    let mut served = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in ["get", "post", "put", "patch", "delete"] {
            if item.get(m).is_some() {
                served.insert((m.to_uppercase(), path.clone()));
            }
        }
    }
    let table: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(table.len(), ROUTES.len(), "a route is in the table twice");
    let missing: Vec<_> = served.difference(&table).collect();
    let stale: Vec<_> = table.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "routes without an access rule in server::routes::ROUTES: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "ROUTES lists routes the router does not serve: {stale:?}"
    );
}

#[test]
fn every_route_is_declared_through_routes_macro() {
    // A plain `.route(…)`, `.nest(…)` or `.fallback(…)` would serve a path the OpenAPI
    // document, and so the test above, does not see.
    let src = testkit::repo_root().join("crates/server/src");
    let mut stack = vec![src];
    let mut found = vec![];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                for (i, line) in text.lines().enumerate() {
                    if [
                        ".route(",
                        ".nest(",
                        ".nest_service(",
                        ".fallback(",
                        ".route_service(",
                    ]
                    .iter()
                    .any(|pat| line.contains(pat))
                    {
                        found.push(format!("{}:{}: {}", p.display(), i + 1, line.trim()));
                    }
                }
            }
        }
    }
    assert!(found.is_empty(), "routes outside `routes!`: {found:#?}");
}

// ---- the matrix ---------------------------------------------------------------------------

struct Caller {
    name: String,
    account: Option<Account>,
    password: &'static str,
    who: Who,
}

/// The application the `{id}` routes are called on: submitted on the portal by CITIZEN to
/// PROVIDER; its current step is held by (`holder_org`, `holder_role`).
struct Fixture {
    id: String,
    holder_org: String,
    holder_role: String,
}

/// What the table's rule says of `acc` on the fixture (the handler's part included).
fn admitted(route: &Route, acc: Option<&Account>, f: &Fixture) -> bool {
    let access = route.access;
    let sc = route.path.starts_with("/sc") || route.path.starts_with("/api/sc");
    let Some(a) = acc else {
        return access == Access::Public;
    };
    let staff_of = |org: &str| a.kind == Kind::Staff && a.org.as_deref() == Some(org);
    match access {
        Access::Public | Access::Account => true,
        Access::Citizen => a.kind == Kind::Citizen,
        Access::Staff => a.kind == Kind::Staff,
        Access::StateCorporation => staff_of("state_corporation"),
        Access::ScOperator => {
            staff_of("state_corporation") && a.has_role("state_corporation_operator")
        }
        // The first step's role of a regulation: the clerk at an office, the operator at the
        // State Corporation's desk.
        Access::Intake if sc => {
            staff_of("state_corporation") && a.has_role("state_corporation_operator")
        }
        Access::Intake => {
            a.kind == Kind::Staff && !staff_of("state_corporation") && a.has_role("office_clerk")
        }
        Access::Monitoring => a.kind != Kind::Citizen,
        Access::Metrics => matches!(a.kind, Kind::Monitor | Kind::Admin),
        Access::Admin => a.kind == Kind::Admin,
        Access::Application => {
            matches!(a.kind, Kind::Monitor | Kind::Admin)
                || staff_of(PROVIDER)
                || a.iin.as_deref() == Some(CITIZEN)
        }
        Access::Applicant => a.kind == Kind::Citizen && a.iin.as_deref() == Some(CITIZEN),
        Access::Holder => staff_of(&f.holder_org) && a.has_role(&f.holder_role),
        // The demo's providers of the queue's service keep a district's queue each.
        Access::QueueStaff => staff_of("district_leb-1") || staff_of("local_akim-1"),
    }
}

fn concrete(path: &str, f: &Fixture) -> String {
    let tokens = path.starts_with("/api/tokens") || path.starts_with("/tokens");
    path.replace("{id}", if tokens { "999999" } else { "ID" })
        .replace(
            "/services/ID",
            &format!("/services/{REG}"), // a service, not an application
        )
        .replace("ID", &f.id)
        .replace("{application}", &f.id)
        .replace("{n}", "0")
        .replace("{file}", "receipt.pdf")
        .replace("{code}", "no-such-code")
        + &if path == "/api/notifications" {
            format!("?application={}", f.id)
        } else {
            String::new()
        }
}

/// A request body that passes the extractors, so the answer is the access rule's (a body
/// refused by them is 422 whoever asks): (name, value) pairs, form fields for pages and JSON
/// for the API. None of them changes anything.
fn fields(route: &Route) -> Vec<(&'static str, serde_json::Value)> {
    let p = route.path;
    if p.ends_with("/actions") || p.ends_with("/act") || p.contains("/to-sign") {
        // Not the current step: the holder gets 409.
        vec![("step", json!(999)), ("outcome", json!("done"))]
    } else if p.ends_with("/booking") && route.method == "POST" {
        vec![("slot", json!(999_999))]
    } else if p.ends_with("/office/applications") || p == "/work/intake" {
        vec![
            ("regulation", json!(REG)),
            ("applicant_iin", json!("not-an-iin")),
            ("applicant_name", json!("Айгүл Омарова")),
        ]
    } else if p == "/api/sc/applications" || p == "/sc/intake" {
        vec![
            ("regulation", json!(REG)),
            ("provider", json!(PROVIDER)),
            ("applicant_iin", json!("not-an-iin")),
            ("applicant_name", json!("Айгүл Омарова")),
        ]
    } else {
        vec![]
    }
}

/// Calls `route` as `who` (a bearer token when `bearer`): pages as a browser (forms carry
/// the CSRF token), the API with an empty JSON body.
async fn call(t: &TestApp, route: &Route, uri: &str, who: &Who, page: bool) -> Resp {
    let mut b = Request::builder().method(route.method).uri(uri);
    if let Some(c) = &who.cookie {
        b = b.header(header::COOKIE, c);
    }
    if let Some(tk) = &who.bearer {
        b = b.header(header::AUTHORIZATION, format!("Bearer {tk}"));
    }
    let body = if page {
        b = b.header(header::ACCEPT, "text/html");
        if route.method == "POST" {
            b = b.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            let mut body = format!("csrf={}", who.csrf.clone().unwrap_or_default());
            for (k, v) in fields(route) {
                let v = v.as_str().map_or_else(|| v.to_string(), String::from);
                body.push_str(&format!("&{k}={}", enc(&v)));
            }
            body
        } else {
            String::new()
        }
    } else {
        if let Some(c) = &who.csrf {
            b = b.header("x-csrf-token", c);
        }
        if route.method == "GET" || route.method == "DELETE" {
            String::new()
        } else {
            b = b.header(header::CONTENT_TYPE, "application/json");
            let body: serde_json::Map<String, serde_json::Value> = fields(route)
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect();
            serde_json::Value::Object(body).to_string()
        }
    };
    t.send(b.body(Body::from(body)).unwrap()).await
}

fn refused(r: &Resp) -> bool {
    matches!(r.status.as_u16(), 401 | 403 | 404)
        || (r.status.is_redirection() && r.location().starts_with("/login"))
}

fn let_in(route: &Route, r: &Resp) -> bool {
    // A login form with no password is answered 401: wrong credentials, not access.
    let login = route.path == "/login" && r.status == StatusCode::UNAUTHORIZED;
    let to_login = r.status.is_redirection() && r.location().starts_with("/login");
    login || !(matches!(r.status.as_u16(), 401 | 403) || to_login)
}

/// Security headers every answer carries; `authed`: the caller was logged in.
/// Notes in `failures` an answer `r` that differs from what the route table declares.
fn check_answer(failures: &mut Vec<String>, route: &Route, what: &str, r: &Resp, want: bool) {
    if want && !let_in(route, r) || !want && !refused(r) {
        failures.push(format!(
            "{what}: {} (declared {:?} {:?}: {})",
            r.status,
            route.access,
            route.how,
            if want { "allowed" } else { "refused" },
        ));
    }
}

fn check_headers(r: &Resp, what: &str, authed: bool, https: bool) {
    let h = |n: &str| {
        r.headers
            .get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(h("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(h("x-frame-options"), "DENY", "{what}");
    assert!(!h("referrer-policy").is_empty(), "{what}");
    let csp = h("content-security-policy");
    assert!(
        csp.contains("frame-ancestors 'none'"),
        "{what}: CSP {csp:?}"
    );
    assert!(
        !csp.contains("unsafe-eval") && !csp.contains("script-src 'self' 'unsafe-inline'"),
        "{what}: {csp}"
    );
    if r.content_type().starts_with("text/html") {
        // The pages run no script at all.
        assert!(csp.contains("script-src 'none'"), "{what}: {csp}");
        let body = r.text();
        assert!(!body.contains("<script"), "{what}: a page with a script");
    } else {
        assert!(csp.contains("default-src 'none'"), "{what}: {csp}");
    }
    if authed {
        assert_eq!(
            h("cache-control"),
            "no-store",
            "{what}: a personal answer cached"
        );
    }
    let hsts = h("strict-transport-security");
    assert_eq!(!hsts.is_empty(), https, "{what}: HSTS {hsts:?}");
    if https {
        for c in r.headers.get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            assert!(c.contains("; Secure"), "{what}: cookie without Secure: {c}");
        }
    }
}

async fn callers(t: &TestApp) -> Vec<Caller> {
    // Anonymous, with the pre-login CSRF token a browser holds.
    let csrf = "ab".repeat(32);
    let mut out = vec![Caller {
        name: "anonymous".into(),
        account: None,
        password: "",
        who: Who {
            cookie: Some(format!("qz_csrf={csrf}")),
            csrf: Some(csrf),
            bearer: None,
        },
    }];
    let mut accounts = t.state.accounts.list().unwrap();
    accounts.sort_by(|a, b| a.login.cmp(&b.login));
    for a in accounts {
        let keep = match a.kind {
            Kind::Citizen => [CITIZEN, OTHER_CITIZEN].contains(&a.login.as_str()),
            // Every staff account of the fixture's provider and the State Corporation, and
            // one other provider's clerk.
            Kind::Staff => {
                let org = a.org.as_deref().unwrap_or("");
                org == PROVIDER
                    || org == "state_corporation"
                    || a.login == format!("{OTHER_PROVIDER}.office_clerk")
            }
            Kind::Monitor | Kind::Admin => true,
        };
        if !keep {
            continue;
        }
        let password = match a.kind {
            Kind::Citizen => CITIZEN_PW,
            Kind::Staff => STAFF_PW,
            Kind::Monitor => MONITOR_PW,
            Kind::Admin => ADMIN_PW,
        };
        let who = t.login(&a.login, password).await;
        out.push(Caller {
            name: a.login.clone(),
            account: Some(a),
            password,
            who,
        });
    }
    out
}

/// The scopes `a` may hold.
fn scopes_of(a: &Account) -> Vec<&'static str> {
    server::auth::SCOPES
        .iter()
        .copied()
        .filter(|s| match *s {
            "admin" => a.kind == Kind::Admin,
            "metrics" => matches!(a.kind, Kind::Admin | Kind::Monitor),
            _ => true,
        })
        .collect()
}

/// A token of `c` with `scopes` (cached).
async fn token(
    t: &TestApp,
    cache: &mut HashMap<(String, Vec<&'static str>), String>,
    c: &Caller,
    scopes: Vec<&'static str>,
) -> String {
    let key = (c.name.clone(), scopes.clone());
    if let Some(tk) = cache.get(&key) {
        return tk.clone();
    }
    let r = t
        .post(
            "/api/tokens",
            &c.who,
            &json!({"name": "matrix", "scopes": scopes}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}: {}", c.name, r.text());
    let tk = r.json()["token"].as_str().unwrap().to_string();
    cache.insert(key, tk.clone());
    tk
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorisation_matrix_over_the_route_table() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let id = t.apply_portal(&me, REG, PROVIDER).await;
    let (_, holder_role, holder_org) = t.current(&id).await.expect("an open application");
    let f = Fixture {
        id,
        holder_org,
        holder_role,
    };
    let mut callers = callers(&t).await;
    assert!(callers.len() >= 8, "too few callers: {}", callers.len());
    let mut tokens = HashMap::new();
    let mut failures = vec![];
    // Logging out ends the caller's session: those routes go last.
    let mut routes: Vec<&Route> = ROUTES.iter().collect();
    routes.sort_by_key(|r| r.path.contains("logout"));
    for route in routes {
        let uri = concrete(route.path, &f);
        let page = route.how == How::Page
            || (route.access == Access::Public && !route.path.starts_with("/api"));
        for c in &mut callers {
            if route.path.contains("logout") && c.account.is_some() {
                c.who = t.login(&c.name, c.password).await;
            }
            let what = format!("{} {uri} as {}", route.method, c.name);
            let r = call(&t, route, &uri, &c.who, page).await;
            check_headers(&r, &what, c.account.is_some(), false);
            let want = admitted(route, c.account.as_ref(), &f);
            check_answer(&mut failures, route, &what, &r, want);
        }
        // Tokens: of an account the rule admits, with and without the route's scope.
        let Some(owner) = callers
            .iter()
            .find(|c| admitted(route, c.account.as_ref(), &f) && c.account.is_some())
        else {
            continue;
        };
        let all = scopes_of(owner.account.as_ref().unwrap());
        let cases: Vec<(Vec<&'static str>, bool)> = match route.how {
            How::Scope(s) => vec![
                (vec![s], true),
                (all.iter().copied().filter(|x| *x != s).collect(), false),
            ],
            How::Page | How::Session => vec![(all.clone(), false)],
            How::Any => vec![(vec!["read"], true)],
        };
        for (scopes, want) in cases {
            let tk = token(&t, &mut tokens, owner, scopes.clone()).await;
            let who = Who::with_bearer(tk);
            let what = format!(
                "{} {uri} as {}'s token {scopes:?}",
                route.method, owner.name
            );
            let r = call(&t, route, &uri, &who, page).await;
            check_headers(&r, &what, true, false);
            check_answer(&mut failures, route, &what, &r, want);
        }
    }
    assert!(
        failures.is_empty(),
        "{} answers differ from the route table:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---- headers --------------------------------------------------------------------------------

#[tokio::test]
async fn https_adds_hsts_and_secure_cookies() {
    let t = TestApp::with_options(t0(), |o| o.public_url = Some("https://qyzmet.test".into()));
    // Anonymous: the CSRF and language cookies.
    let r = t.get_html("/?lang=ru", &Who::default()).await;
    check_headers(&r, "GET /", false, true);
    let cookies: Vec<_> = r
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|c| c.to_str().unwrap().to_string())
        .collect();
    assert!(
        cookies.iter().any(|c| c.starts_with("qz_csrf=")),
        "{cookies:?}"
    );
    assert!(
        cookies.iter().any(|c| c.starts_with("qz_lang=ru")),
        "{cookies:?}"
    );
    // The session cookie, and its deletion.
    let r = t.login_api(CITIZEN, CITIZEN_PW).await;
    assert_eq!(r.status, StatusCode::OK);
    check_headers(&r, "POST /api/auth/login", true, true);
    let who = t.citizen().await;
    let r = t.post("/api/auth/logout", &who, &json!({})).await;
    check_headers(&r, "POST /api/auth/logout", true, true);
    // An unknown path (the router's fallback) too.
    let r = t.get("/no/such/page", &Who::default()).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    check_headers(&r, "GET /no/such/page", false, true);

    // Plain http: no HSTS, no Secure.
    let t = TestApp::new();
    let r = t.get_html("/?lang=kk", &Who::default()).await;
    check_headers(&r, "GET / over http", false, false);
    for c in r.headers.get_all(header::SET_COOKIE) {
        assert!(!c.to_str().unwrap().contains("Secure"));
    }
}

// ---- secrets never in logs ---------------------------------------------------------------

/// Everything logged by this test binary, at trace level, into one file.
fn capture_logs() -> std::path::PathBuf {
    static FILE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    FILE.get_or_init(|| {
        let path =
            std::env::temp_dir().join(format!("qyzmet-security-suite-{}.log", std::process::id()));
        let file = Arc::new(Mutex::new(std::fs::File::create(&path).unwrap()));
        let writer = move || LogWriter(file.clone());
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(writer)
            .init();
        path
    })
    .clone()
}

struct LogWriter(Arc<Mutex<std::fs::File>>);

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap().flush()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_the_log() {
    let log = capture_logs();
    let t = TestApp::new();
    let mut secrets: Vec<(String, String)> = vec![];
    let mut keep = |what: &str, s: &str| secrets.push((what.into(), s.to_string()));

    // Registration (a new IIN), by the API and the form.
    let iin = identity::Iin::from_parts("1990-05-17".parse().unwrap(), identity::Sex::Female, 4242)
        .unwrap()
        .as_str()
        .to_string();
    let reg_pw = "Reg1stration-Secret-ab12";
    keep("registration password", reg_pw);
    let r = t
        .post(
            "/api/auth/register",
            &Who::default(),
            &json!({"iin": iin, "name": "Сәуле Тестова", "password": reg_pw}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.text());
    let page = t.get_html("/register", &Who::default()).await;
    let pre_csrf = hidden(&page.text(), "csrf").unwrap();
    keep("pre-login CSRF token", &pre_csrf);
    let csrf_cookie = format!("qz_csrf={pre_csrf}");
    let form_pw = "Form-Registration-Secret-cd34";
    keep("form registration password", form_pw);
    let iin2 = identity::Iin::from_parts("1988-03-09".parse().unwrap(), identity::Sex::Male, 4243)
        .unwrap()
        .as_str()
        .to_string();
    let r = t
        .form(
            "/register",
            Some(&csrf_cookie),
            &[
                ("csrf", &pre_csrf),
                ("iin", &iin2),
                ("name", "Бауыржан Тестов"),
                ("password", form_pw),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text());

    // Logins: wrong passwords, then right ones (API and form).
    let wrong = "Wrong-Password-Secret-ef56";
    keep("wrong password", wrong);
    let r = t.login_api(&iin, wrong).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = t
        .form(
            "/login",
            Some(&csrf_cookie),
            &[("csrf", &pre_csrf), ("login", &iin2), ("password", wrong)],
        )
        .await;
    assert!(!r.status.is_success() || r.text().contains("error"));
    let who = t.login(&iin, reg_pw).await;
    let session = who.cookie.clone().unwrap();
    keep("session secret", session.trim_start_matches("qz_session="));
    keep("session CSRF token", who.csrf.as_deref().unwrap());
    let r = t
        .form(
            "/login",
            Some(&csrf_cookie),
            &[("csrf", &pre_csrf), ("login", &iin2), ("password", form_pw)],
        )
        .await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.text());
    for c in r.set_cookies() {
        if let Some(s) = c.strip_prefix("qz_session=") {
            keep("form session secret", s);
        }
    }

    // Password change (API), and the new password in a login.
    let new_pw = "New-Password-Secret-gh78";
    keep("new password", new_pw);
    let r = t
        .post(
            "/api/account/password",
            &who,
            &json!({"current_password": reg_pw, "new_password": new_pw}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    let r = t
        .post(
            "/api/account/password",
            &who,
            &json!({"current_password": wrong, "new_password": "Another-Secret-ij90"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    keep("refused new password", "Another-Secret-ij90");
    let who = t.login(&iin, new_pw).await;
    keep(
        "second session secret",
        who.cookie
            .as_deref()
            .unwrap()
            .trim_start_matches("qz_session="),
    );
    keep("second session CSRF token", who.csrf.as_deref().unwrap());

    // An API token: created, used, used revoked and unknown.
    let r = t
        .post(
            "/api/tokens",
            &who,
            &json!({"name": "logs", "scopes": ["read", "submit", "tokens"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let secret = r.json()["token"].as_str().unwrap().to_string();
    let token_id = r.json()["id"].clone();
    keep("API token", &secret);
    let bearer = Who::with_bearer(secret.clone());
    assert_eq!(
        t.get("/api/applications", &bearer).await.status,
        StatusCode::OK
    );
    assert_eq!(t.get("/api/me", &bearer).await.status, StatusCode::OK);
    let r = t.delete(&format!("/api/tokens/{token_id}"), &bearer).await;
    assert!(r.status.is_success(), "{}", r.text());
    assert_eq!(
        t.get("/api/applications", &bearer).await.status,
        StatusCode::UNAUTHORIZED
    );
    let forged = "f0rged-token-secret-0123456789abcdef";
    keep("unknown token", forged);
    let r = t.get("/api/me", &Who::with_bearer(forged)).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // A token made on the page.
    let r = t
        .form(
            "/tokens",
            who.cookie.as_deref(),
            &[
                ("csrf", who.csrf.as_deref().unwrap()),
                ("name", "page"),
                ("scopes", "read"),
            ],
        )
        .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.text());
    let body = r.text();
    let page_token = body
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_' && c != '-')
        .filter(|w| w.len() >= 32 && !secrets.iter().any(|(_, s)| s == w))
        .max_by_key(|w| w.len())
        .expect("the new token on the page")
        .to_string();
    secrets.push(("page token".into(), page_token));

    // A stale CSRF token on a form post, and a session cookie that is not one.
    let r = t
        .form(
            "/account/password",
            who.cookie.as_deref(),
            &[
                ("csrf", "stale-csrf-0123456789"),
                ("current_password", new_pw),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    secrets.push(("stale CSRF".into(), "stale-csrf-0123456789".into()));
    let r = t
        .get(
            "/api/me",
            &Who::with_cookie("qz_session=not-a-session-secret-42"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    secrets.push(("bad session".into(), "not-a-session-secret-42".into()));

    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("request") && text.contains("/api/auth/login"),
        "the log captured nothing: {} bytes",
        text.len()
    );
    let leaks: Vec<_> = secrets
        .iter()
        .filter(|(_, s)| text.contains(s.as_str()))
        .map(|(w, _)| w)
        .collect();
    assert!(
        leaks.is_empty(),
        "secrets in the log ({}): {leaks:?}",
        log.display()
    );
}

// ---- registration, navigation ------------------------------------------------------------

/// Registers `iin` named `name` through the API (with a long enough password).
async fn register(t: &TestApp, iin: &str, name: &str, headers: &[(&str, &str)]) -> Resp {
    t.post_with(
        "/api/auth/register",
        &Who::default(),
        &json!({"iin": iin, "name": name, "password": "long-enough-1"}),
        headers,
    )
    .await
}

#[tokio::test]
async fn registration_checks_the_iin_on_the_server_clock_and_the_name() {
    let t = TestApp::new(); // the clock: 2 December 2019
    let born = |date: &str| {
        identity::Iin::from_parts(date.parse().unwrap(), identity::Sex::Male, 17).unwrap()
    };
    let r = register(&t, born("2020-06-01").as_str(), "Тест", &[]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("\"iin\""), "{}", r.text());
    // Born before the server's today: accepted.
    let r = register(&t, born("2019-06-01").as_str(), "Тест", &[]).await;
    assert!(r.status.is_success(), "{}", r.text());

    for (name, rule) in [
        ("Ерлан\u{202E}вотаМ", "name.forbidden_character"),
        ("Ерлан\nБолатұлы", "name.forbidden_character"),
        (&*"Ә".repeat(201), "name.too_long"),
    ] {
        let r = register(&t, CITIZEN, name, &[("accept-language", "ru")]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let p = r.json();
        let e = &p["errors"][0];
        assert_eq!(e["field"], "name", "{p}");
        assert_eq!(e["rule"], rule, "{p}");
        // The message names the field in the reader's words, not by its id.
        let detail = e["detail"].as_str().unwrap();
        assert!(!detail.contains("name"), "{detail}");
        assert!(detail.contains("Ф.И.О.") || detail.chars().any(|c| ('а'..='я').contains(&c)));
    }
}

#[tokio::test]
async fn logged_in_pages_link_the_password_page() {
    let t = TestApp::new();
    let anon = t.get_html("/services", &Who::default()).await;
    assert!(!anon.text().contains(r#"href="/account/password""#));
    let me = t.citizen().await;
    for lang in ["kk", "ru", "en"] {
        let r = t.get_html(&format!("/services?lang={lang}"), &me).await;
        let body = r.text();
        let i = body.find(r#"href="/account/password""#).expect("the link");
        let link = &body[i..i + body[i..].find("</a>").unwrap()];
        let text = &link[link.find('>').unwrap() + 1..];
        assert!(!text.trim().is_empty(), "{link}");
        if lang != "en" {
            assert!(
                !text.chars().any(|c| c.is_ascii_alphabetic()),
                "English on a {lang} page: {link}"
            );
        }
    }
    // And the link leads to the page.
    let r = t.get_html("/account/password", &me).await;
    assert_eq!(r.status, StatusCode::OK);
}

// The same tests on the PostgreSQL store (each on a fresh schema).
// The route-table tests above are plain `#[test]`s over the code: no store.
crate::on_postgres!(
    authorisation_matrix_over_the_route_table,
    https_adds_hsts_and_secure_cookies,
    secrets_never_reach_the_log,
    registration_checks_the_iin_on_the_server_clock_and_the_name,
    logged_in_pages_link_the_password_page,
);

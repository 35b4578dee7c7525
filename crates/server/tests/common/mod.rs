//! Test harness: a server state over a temporary directory with the real catalogue and demo
//! data (cheap password hashing), and helpers that drive the router in-process with
//! `tower::ServiceExt::oneshot` — JSON API calls with a session (cookie + CSRF header) or a
//! bearer token, and browser-like form posts.
#![allow(dead_code)]

pub mod keys;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use server::{AppState, Config, Options, PasswordCost};
use std::path::PathBuf;
use tower::ServiceExt;

pub const STAFF_PW: &str = server::demo::STAFF_PASSWORD;
pub const CITIZEN_PW: &str = server::demo::CITIZEN_PASSWORD;
pub const ADMIN_PW: &str = server::demo::ADMIN_PASSWORD;
pub const MONITOR_PW: &str = server::demo::MONITOR_PASSWORD;
pub const CITIZEN: &str = "100515500003";
pub const OTHER_CITIZEN: &str = "000229600004";
/// A regulation with office, State Corporation and portal channels, in force in Dec 2019.
pub const REG: &str = "ekr-free-meals-tvet";
pub const PROVIDER: &str = "tvet_organisation-1";
pub const OTHER_PROVIDER: &str = "district_leb-1";

pub use testkit::{TempDir, regulations_dir};

pub struct TestApp {
    pub state: AppState,
    pub router: axum::Router,
    _dir: TempDir,
    /// The PostgreSQL schema of a test on that store (dropped last, after the store).
    _schema: Option<testkit::pg::Schema>,
}

thread_local! {
    /// The store the `TestApp`s of this thread's test use (see [`on_postgres!`]).
    static ON_PG: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread's test runs on PostgreSQL.
pub fn on_pg() -> bool {
    ON_PG.with(|c| c.get())
}

/// Run `test` (a `#[tokio::test]`'s function: it builds its own runtime on this thread) with
/// every `TestApp` on a fresh PostgreSQL schema. PostgreSQL missing: fails under CI, else
/// says so and returns.
pub fn run_on_postgres(name: &str, test: fn()) {
    if !testkit::pg::available() {
        return;
    }
    eprintln!("server test `{name}` on PostgreSQL");
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            ON_PG.with(|c| c.set(false));
        }
    }
    ON_PG.with(|c| c.set(true));
    let _reset = Reset;
    test();
}

/// The store a server of this thread's test opens: the embedded one (in its data directory),
/// or on PostgreSQL a fresh schema, whose guard must outlive the server.
pub fn database() -> (server::Database, Option<testkit::pg::Schema>) {
    match on_pg().then(testkit::pg::Schema::fresh) {
        Some(s) => (
            server::Database::Postgres {
                url: testkit::pg::url(),
                schema: s.name().to_string(),
            },
            Some(s),
        ),
        None => (server::Database::Embedded, None),
    }
}

/// The named tests of this file, once more on PostgreSQL: `on_postgres!(a, b)` makes
/// `on_postgres::a` and `on_postgres::b`.
#[macro_export]
macro_rules! on_postgres {
    ($($name:ident),* $(,)?) => {
        mod on_postgres {
            $(
                #[test]
                fn $name() {
                    $crate::common::run_on_postgres(stringify!($name), super::$name);
                }
            )*
        }
    };
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
    /// Cookies the response sets, as `name=value`.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or("").to_string())
            .collect()
    }
    pub fn content_type(&self) -> String {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

/// Who calls: nobody, a session (cookie + CSRF token), or a bearer token.
#[derive(Clone, Debug, Default)]
pub struct Who {
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl Who {
    /// A caller with only a bearer token.
    pub fn with_bearer(token: impl Into<String>) -> Who {
        Who {
            bearer: Some(token.into()),
            ..Who::default()
        }
    }

    /// A caller with only a `Cookie` header.
    pub fn with_cookie(cookie: impl Into<String>) -> Who {
        Who {
            cookie: Some(cookie.into()),
            ..Who::default()
        }
    }
}

/// 2019-12-03 09:00 in Almaty, a Tuesday and a working day (Monday 2 December 2019 was off:
/// First President's Day fell on Sunday 1st): the seed regulations are in force and the
/// offices open.
/// The endpoints that submit an application (their bodies get sample data, see `with_data`).
const SUBMISSIONS: [&str; 4] = [
    "/api/applications",
    "/api/applications/request-bytes",
    "/api/office/applications",
    "/api/sc/applications",
];

pub fn t0() -> jiff::Timestamp {
    "2019-12-03T03:00:00Z".parse().unwrap()
}

impl TestApp {
    pub fn new() -> TestApp {
        TestApp::with(t0(), None)
    }

    /// A server whose clock starts at `as_of`, optionally logging SMS to a file.
    pub fn with(as_of: jiff::Timestamp, sms_log: Option<PathBuf>) -> TestApp {
        TestApp::with_options(as_of, |o| o.sms_log = sms_log)
    }

    /// A server with the test options changed by `f`.
    pub fn with_options(as_of: jiff::Timestamp, f: impl FnOnce(&mut Options)) -> TestApp {
        TestApp::with_setup(as_of, |_| {}, f)
    }

    /// A server with the configuration changed by `c` (say, not a demo server) and the test
    /// options by `f`.
    pub fn with_setup(
        as_of: jiff::Timestamp,
        c: impl FnOnce(&mut Config),
        f: impl FnOnce(&mut Options),
    ) -> TestApp {
        let dir = testkit::tempdir("server-test");
        let (database, schema) = database();
        let mut config = Config {
            data_dir: dir.path().to_path_buf(),
            database,
            listen: "127.0.0.1:0".parse().unwrap(),
            regulations_dir: Some(regulations_dir()),
            as_of: Some(as_of),
            demo: true,
        };
        let mut options = Options {
            password_cost: PasswordCost::Test,
            background_tasks: false,
            public_url: Some("http://qyzmet.test".into()),
            sms_log: None,
            trust_proxy: false,
            ncalayer_url: None,
            trust: Default::default(),
            queue: Default::default(),
        };
        c(&mut config);
        f(&mut options);
        let state = AppState::open_with(config, options).expect("server state");
        server::demo::seed(&state.accounts, &state.ctx, PasswordCost::Test).expect("demo data");
        TestApp {
            router: server::app(state.clone()),
            state,
            _dir: dir,
            _schema: schema,
        }
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), 64 << 20)
            .await
            .unwrap()
            .to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    fn builder(method: &str, uri: &str, who: &Who) -> axum::http::request::Builder {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(c) = &who.cookie {
            b = b.header(header::COOKIE, c);
        }
        if let Some(t) = &who.bearer {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(c) = &who.csrf {
            b = b.header("x-csrf-token", c);
        }
        b
    }

    pub async fn get(&self, uri: &str, who: &Who) -> Resp {
        self.send(Self::builder("GET", uri, who).body(Body::empty()).unwrap())
            .await
    }

    pub async fn get_html(&self, uri: &str, who: &Who) -> Resp {
        self.send(
            Self::builder("GET", uri, who)
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    pub async fn post(&self, uri: &str, who: &Who, body: &Value) -> Resp {
        self.post_with(uri, who, body, &[]).await
    }

    pub async fn post_with(
        &self,
        uri: &str,
        who: &Who,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut b =
            Self::builder("POST", uri, who).header(header::CONTENT_TYPE, "application/json");
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let body = if SUBMISSIONS.contains(&uri) {
            self.with_data(body)
        } else {
            body.clone()
        };
        self.send(b.body(Body::from(body.to_string())).unwrap())
            .await
    }

    /// `body` (a submission) with valid sample data for its regulation when it carries none:
    /// tests about something else than the application's data need not spell it out (tests
    /// about the data send `"data"` themselves).
    /// Repeated applications for the same person are confirmed (`confirm_duplicate`) unless
    /// the body says otherwise: tests about duplicates send it themselves.
    pub fn with_data(&self, body: &Value) -> Value {
        let mut b = body.clone();
        if b.get("regulation").is_some()
            && b.get("confirm_duplicate").is_none()
            && let Some(o) = b.as_object_mut()
        {
            o.insert("confirm_duplicate".into(), json!(true));
        }
        if b.get("data").is_none()
            && let Some(reg) = b.get("regulation").and_then(Value::as_str)
        {
            let data = self.state.ctx.sample_data(reg, self.state.now(), 0);
            if !data.is_empty() {
                b["data"] = serde_json::to_value(data).unwrap();
            }
        }
        b
    }

    pub async fn put(&self, uri: &str, who: &Who, body: &Value) -> Resp {
        let b = Self::builder("PUT", uri, who).header(header::CONTENT_TYPE, "application/json");
        self.send(b.body(Body::from(body.to_string())).unwrap())
            .await
    }

    pub async fn delete(&self, uri: &str, who: &Who) -> Resp {
        self.send(
            Self::builder("DELETE", uri, who)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// A form that submits an application (`/work/intake`, `/sc/intake`,
    /// `/services/{id}/apply`) with valid sample `data.*` fields when it carries none.
    fn form_with_data<'a>(
        &self,
        uri: &str,
        fields: &[(&'a str, &'a str)],
    ) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let reg = if uri == "/work/intake" || uri == "/sc/intake" {
            fields
                .iter()
                .find(|(k, _)| *k == "regulation")
                .map(|(_, v)| v.to_string())
        } else {
            uri.split('?')
                .next()
                .and_then(|u| u.strip_prefix("/services/"))
                .and_then(|r| r.strip_suffix("/apply"))
                .map(str::to_string)
        };
        let has_data = fields.iter().any(|(k, _)| k.starts_with("data."));
        if reg.is_some() && !fields.iter().any(|(k, _)| *k == "confirm_duplicate") {
            out.push(("confirm_duplicate".into(), "yes".into()));
        }
        if let (Some(reg), false) = (reg, has_data) {
            for (k, v) in self.state.ctx.sample_data(&reg, self.state.now(), 0) {
                out.push((format!("data.{k}"), v.items().join(",")));
            }
        }
        out
    }

    /// A browser form post (urlencoded), with the session cookie only.
    pub async fn form(&self, uri: &str, cookie: Option<&str>, fields: &[(&str, &str)]) -> Resp {
        let fields = self.form_with_data(uri, fields);
        let body: String = fields
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut b = Request::builder()
            .method("POST")
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html");
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.send(b.body(Body::from(body)).unwrap()).await
    }

    /// A browser `multipart/form-data` post (text fields and files), with the session cookie.
    pub async fn multipart(
        &self,
        uri: &str,
        cookie: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, &[u8])],
    ) -> Resp {
        let boundary = "----qyzmet-test-boundary-7d1f";
        let fields = self.form_with_data(uri, fields);
        let mut body: Vec<u8> = vec![];
        for (k, v) in &fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        for (k, name, data) in files {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(data);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let req = Request::builder()
            .method("POST")
            .uri(uri)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .header(header::ACCEPT, "text/html")
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// The API login's answer for `login` with `password`.
    pub async fn login_api(&self, login: &str, password: &str) -> Resp {
        self.post(
            "/api/auth/login",
            &Who::default(),
            &json!({"login": login, "password": password}),
        )
        .await
    }

    /// Logs in through the API: a session with its CSRF token.
    pub async fn login(&self, login: &str, password: &str) -> Who {
        let r = self.login_api(login, password).await;
        assert_eq!(r.status, StatusCode::OK, "login {login}: {}", r.text());
        let cookie = r
            .set_cookies()
            .into_iter()
            .find(|c| c.starts_with("qz_session="))
            .expect("session cookie");
        Who {
            cookie: Some(cookie),
            csrf: r.json()["csrf"].as_str().map(String::from),
            bearer: None,
        }
    }

    pub async fn citizen(&self) -> Who {
        self.login(CITIZEN, CITIZEN_PW).await
    }

    pub async fn staff(&self, org: &str, role: &str) -> Who {
        self.login(&format!("{org}.{role}"), STAFF_PW).await
    }

    /// A CMS signature (base64) of `iin`'s key from the server's development CA over `bytes`,
    /// as an outside signing tool would make it.
    pub fn sign_bytes(&self, iin: &str, bytes: &[u8]) -> String {
        let now = self.state.now();
        let iin = identity::Iin::parse(iin).unwrap();
        let (key, cert) = self
            .state
            .pki
            .citizen_key(&iin, "Тест Тестұлы", now)
            .unwrap();
        sign_with(&key, &cert, bytes, now)
    }

    /// `body` (a portal application) with the signature of `iin` over its canonical bytes
    /// for the idempotency `key`.
    pub fn signed(&self, iin: &str, body: &Value, key: &str) -> Value {
        let body = &self.with_data(body);
        let req: server::ops::PortalSubmission = serde_json::from_value(body.clone()).unwrap();
        let sig = self.sign_bytes(iin, &req.request_bytes(iin, key));
        let mut b = body.clone();
        b["signature"] = json!(sig);
        b
    }

    /// Submits a signed portal application as `who` (a citizen with IIN `iin`).
    pub async fn submit_signed(&self, who: &Who, iin: &str, body: &Value, key: &str) -> Resp {
        let body = self.signed(iin, body, key);
        self.post_with("/api/applications", who, &body, &[("Idempotency-Key", key)])
            .await
    }

    /// Submits a portal application as the demo citizen `who` (CITIZEN), signed; returns its id.
    pub async fn apply_portal(&self, who: &Who, regulation: &str, provider: &str) -> String {
        self.apply_portal_as(who, CITIZEN, regulation, provider)
            .await
    }

    /// Submits a portal application as `who` with IIN `iin`, signed; returns its id.
    pub async fn apply_portal_as(
        &self,
        who: &Who,
        iin: &str,
        regulation: &str,
        provider: &str,
    ) -> String {
        let key = format!(
            "k-{}",
            server::accounts::hex(&server::accounts::random_bytes::<6>())
        );
        let r = self
            .submit_signed(
                who,
                iin,
                &json!({"regulation": regulation, "provider": provider}),
                &key,
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()["id"].as_str().unwrap().to_string()
    }

    /// An office (paper) application for `iin` named `name`, entered by `clerk`.
    pub async fn office_post(&self, clerk: &Who, iin: &str, name: &str) -> Resp {
        self.post(
            "/api/office/applications",
            clerk,
            &json!({"regulation": REG, "applicant_iin": iin, "applicant_name": name}),
        )
        .await
    }

    /// Enters an office application for CITIZEN as `clerk`; returns its id.
    pub async fn open_office(&self, clerk: &Who) -> String {
        let r = self.office_post(clerk, CITIZEN, "Әлібек Сейітов").await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()["id"].as_str().unwrap().to_string()
    }

    /// Posts the login form with the anonymous `cookie` and its `csrf` token.
    pub async fn login_form(
        &self,
        cookie: &str,
        csrf: &str,
        login: &str,
        password: &str,
        next: &str,
    ) -> Resp {
        self.form(
            "/login",
            Some(cookie),
            &[
                ("csrf", csrf),
                ("login", login),
                ("password", password),
                ("next", next),
            ],
        )
        .await
    }

    pub async fn app(&self, who: &Who, id: &str) -> Value {
        let r = self.get(&format!("/api/applications/{id}"), who).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        r.json()
    }

    /// Completes the current step of `id` as `who` with `body` extras; returns the response.
    /// Where the step hands the file to an executor and `extra` names none, the first one
    /// offered (`<org>.executor`) is named.
    pub async fn act(&self, who: &Who, id: &str, step: u64, extra: Value) -> Resp {
        let mut body = json!({"step": step, "outcome": "done"});
        if extra.get("executor").is_none() {
            let d = self
                .get(&format!("/api/applications/{id}"), who)
                .await
                .json();
            if let Some(first) = d["current"]["executors"].get(0) {
                body["executor"] = first["login"].clone();
            }
        }
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        self.post(&format!("/api/applications/{id}/actions"), who, &body)
            .await
    }

    /// The current step of `id` (as the monitor sees it): (index, role, holder org).
    pub async fn current(&self, id: &str) -> Option<(u64, String, String)> {
        let admin = self.login("admin", ADMIN_PW).await;
        let d = self.app(&admin, id).await;
        let c = &d["current"];
        if c.is_null() {
            return None;
        }
        Some((
            c["step"].as_u64().unwrap(),
            c["role"].as_str().unwrap().to_string(),
            c["holder"].as_str().unwrap().to_string(),
        ))
    }

    /// Journal events of `id`, straight from the store.
    pub fn events(&self, id: &str) -> Vec<store::Event> {
        self.state.store.events(id).unwrap()
    }
}

/// GETs a form page anonymously: (the `qz_csrf` cookie, the form's CSRF token).
pub async fn anonymous_form(t: &TestApp, path: &str) -> (String, String) {
    let page = t.get_html(path, &Who::default()).await;
    assert_eq!(page.status, StatusCode::OK);
    let cookie = page
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("qz_csrf="))
        .expect("csrf cookie");
    let token = hidden(&page.text(), "csrf").expect("csrf field");
    assert_eq!(
        cookie,
        format!("qz_csrf={token}"),
        "double submit: cookie and field match"
    );
    (cookie, token)
}

/// A citizen certificate holder with IIN `iin`.
pub fn citizen_holder(iin: &str) -> identity::pki::Holder {
    identity::pki::Holder::Citizen {
        iin: identity::Iin::parse(iin).unwrap(),
        surname: "СЕЙІТОВ".into(),
        given_name: "ӘЛІБЕК".into(),
        patronymic: None,
    }
}

/// A CMS signature (base64) by `key`/`cert` over `bytes`, claiming signingTime `at`.
pub fn sign_with(
    key: &identity::keys::PrivateKey,
    cert: &identity::x509_cert::Certificate,
    bytes: &[u8],
    at: jiff::Timestamp,
) -> String {
    let cms = identity::ecp::sign_cms(
        bytes,
        key,
        cert,
        &identity::ecp::SignOptions {
            signing_time: Some(at),
            ..Default::default()
        },
    )
    .unwrap();
    server::signing::base64_encode(&cms)
}

pub fn enc(s: &str) -> String {
    server::html::url_enc(s)
}

/// The value of a hidden input `name` in an HTML page.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let pat = format!(r#"name="{name}" value=""#);
    let i = html.find(&pat)? + pat.len();
    let j = html[i..].find('"')? + i;
    Some(html[i..j].to_string())
}

//! The server-rendered web UI in Kazakh, Russian and English: the citizen portal (catalogue,
//! application form generated from the regulation, status timeline, personal cabinet), the
//! staff workstation (inbox per role with due instants and SLA colour, acting on the current
//! step, office intake), the State Corporation desk, monitoring, and admin pages.
//!
//! Works without JavaScript: plain forms, POST → redirect → GET, every form with a CSRF token.
//! Pages are `maud` templates (escaped by construction) built from the components in `html`;
//! their texts are Fluent messages (`crate::i18n`).
//! Each action calls the same `ops` function as its API endpoint. Not for: JSON (see `api`).

pub mod appform;
mod charts;
mod desk;
mod extras;
mod journal;
mod lists;
mod monitor;
mod portal;
mod queue;

use crate::AppState;
use crate::accounts::Kind;
use crate::auth::{self, Viewer};
use crate::html::{self, Input, page};
use crate::i18n::{Lang, Messages};
use crate::problem::{FieldError, Problem};
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use monitor::sla_csv;
pub use portal::{verify_form_page, verify_page, verify_upload_page};

/// The pages, described in the OpenAPI document under the `ui` tag.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(home))
        .routes(routes!(login_page, login_submit))
        .routes(routes!(register_page, register_submit))
        .routes(routes!(logout))
        .routes(routes!(password_page, password_submit))
        .routes(routes!(ncalayer_js))
        .merge(portal::router())
        .merge(desk::router())
        .merge(extras::router())
        .merge(monitor::router())
        .merge(queue::router())
}

/// Form fields as sent (a field may repeat).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(transparent)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
    pub fn opt(&self, name: &str) -> Option<String> {
        Some(self.get(name).trim().to_string()).filter(|s| !s.is_empty())
    }
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

/// A form post as sent: `application/x-www-form-urlencoded`, or `multipart/form-data` (for a
/// file input), its text fields in `fields` and its files in `files`.
pub struct AnyForm {
    pub fields: Fields,
    pub files: Vec<crate::signing::Part>,
}

impl axum::extract::FromRequest<AppState> for AnyForm {
    type Rejection = Response;

    async fn from_request(req: axum::extract::Request, st: &AppState) -> Result<Self, Response> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        if ct.to_ascii_lowercase().starts_with("multipart/form-data") {
            let body = axum::body::Bytes::from_request(req, st)
                .await
                .map_err(IntoResponse::into_response)?;
            let parts =
                crate::signing::parse_multipart(&ct, body, crate::signing::MultipartLimits::FORM)
                    .await
                    .map_err(IntoResponse::into_response)?
                    .unwrap_or_default();
            let (files, text): (Vec<_>, Vec<_>) =
                parts.into_iter().partition(|p| p.filename.is_some());
            Ok(AnyForm {
                fields: Fields(
                    text.into_iter()
                        .map(|p| (p.name, String::from_utf8_lossy(&p.data).into_owned()))
                        .collect(),
                ),
                files,
            })
        } else {
            let Form(fields) = Form::<Fields>::from_request(req, st)
                .await
                .map_err(IntoResponse::into_response)?;
            Ok(AnyForm {
                fields,
                files: vec![],
            })
        }
    }
}

/// The path and query of the request (for language links and `next=`).
pub fn here(uri: &Uri) -> String {
    uri.path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into())
}

pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// A page telling what went wrong, with the problem's status.
pub fn error_page(v: &Viewer, here: &str, p: &Problem) -> Response {
    let l = v.lang;
    if p.status == 401 {
        return see_other(&format!("/login?next={}", html::url_enc(here)));
    }
    // The rule's own words, else a detail already in the page's language, else what the
    // status means: never a rule key or the API's English detail.
    let detail = l
        .t_in_opt("problem", &p.rule)
        .or_else(|| html::in_language(l, &p.detail).then_some(p.detail.as_str()))
        .unwrap_or_else(|| html::status_words(l, p.status));
    let fields: Vec<&FieldError> = p
        .errors
        .iter()
        .filter(|e| e.rule != p.rule || html::in_language(l, &e.detail))
        .collect();
    let body = html! {
        div.error-summary role="alert" {
            p { (detail) }
            @if !fields.is_empty() {
                ul { @for e in fields { li { (html::field_detail(l, e)) } } }
            }
        }
        p { a href="/" { (l.t("nav-home")) } " · " a href="/services" { (l.t("nav-services")) } }
    };
    html::html(p.status_code(), page(v, here, l.t("problem-title"), body))
}

/// A page answered instead of the one asked for (an error page, a redirect to login).
pub struct PageErr(Box<Response>);

impl From<Response> for PageErr {
    fn from(r: Response) -> PageErr {
        PageErr(Box::new(r))
    }
}

impl IntoResponse for PageErr {
    fn into_response(self) -> Response {
        *self.0
    }
}

/// `Result<T, Problem>` → `Result<T, PageErr>` with an HTML error page.
pub trait OrPage<T> {
    fn or_page(self, v: &Viewer, here: &str) -> Result<T, PageErr>;
}

impl<T> OrPage<T> for Result<T, Problem> {
    fn or_page(self, v: &Viewer, here: &str) -> Result<T, PageErr> {
        self.map_err(|p| error_page(v, here, &p).into())
    }
}

/// The account, or a redirect to the login page.
pub fn logged_in<'v>(v: &'v Viewer, here: &str) -> Result<&'v crate::accounts::Account, PageErr> {
    v.account
        .as_ref()
        .ok_or_else(|| see_other(&format!("/login?next={}", html::url_enc(here))).into())
}

/// A success banner for `?done=key` after a redirect.
pub fn banner(l: Lang, uri: &Uri) -> Markup {
    let done = uri
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("done="))
        .unwrap_or("");
    html! {
        @if DONE.contains(&done) {
            div.banner role="status" { p { (l.t_in("done", done)) } }
        }
    }
}

/// The `?done=` banners there are (`done-*` messages).
pub(crate) const DONE: [&str; 14] = [
    "queue",
    "places_declared",
    "booked",
    "booking_cancelled",
    "submitted",
    "acted",
    "intake",
    "registered",
    "returned",
    "clock",
    "token_revoked",
    "logged_in",
    "registration",
    "password_changed",
];

type Page = Result<Response, PageErr>;

fn ok(v: &Viewer, here: &str, title: &str, body: Markup) -> Page {
    Ok(html::html(StatusCode::OK, page(v, here, title, body)))
}

/// The signing pages' script: NCALayer on the signer's computer signs, the form is posted.
#[utoipa::path(get, path = "/static/ncalayer.js", tag = "ui", responses((status = 200, content_type = "text/javascript", body = String)))]
async fn ncalayer_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        html::NCALAYER_JS,
    )
        .into_response()
}

// ---- home --------------------------------------------------------------------------------

/// Home page.
#[utoipa::path(get, path = "/", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn home(State(st): State<AppState>, v: Viewer, uri: Uri) -> Response {
    let l = v.lang;
    let h = here(&uri);
    let links: Vec<(&str, &str)> = match v.kind() {
        None => vec![
            ("/services", l.t("home-portal")),
            ("/login", l.t("nav-login")),
            ("/register", l.t("nav-register")),
        ],
        Some(Kind::Citizen) => vec![
            ("/services", l.t("home-portal")),
            ("/cabinet", l.t("nav-cabinet")),
        ],
        Some(Kind::Staff) => vec![
            ("/work", l.t("nav-work")),
            ("/sc", l.t("nav-sc")),
            ("/monitoring", l.t("nav-monitoring")),
        ],
        Some(Kind::Monitor) => vec![("/monitoring", l.t("nav-monitoring"))],
        Some(Kind::Admin) => vec![
            ("/monitoring", l.t("nav-monitoring")),
            ("/admin", l.t("nav-admin")),
        ],
    };
    let body = html! {
        (banner(l, &uri))
        p.caption { (l.t("home-intro")) }
        form method="get" action="/services" role="search" {
            div.form-group {
                label for="f-q" { (l.t("services-search")) }
                input type="search" id="f-q" name="q";
            }
            button type="submit" { (l.t("services-search_button")) }
        }
        ul { @for (href, text) in links { li { a href=(href) { (text) } } } }
        p.hint { (l.t("home-clock")) ": " (html::local(st.now())) }
    };
    html::html(StatusCode::OK, page(&v, &h, l.t("home-title"), body))
}

// ---- login, registration -----------------------------------------------------------------

#[derive(Debug, Deserialize)]
struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after login: one leading '/', never "//" or "/\\" (another
/// host to a browser), no backslash, whitespace or control character (a browser drops a TAB,
/// and a newline cannot go in a `Location`).
fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| {
        n.starts_with('/')
            && !n.starts_with("//")
            && !n.contains('\\')
            && !n.chars().any(|c| c.is_control() || c.is_whitespace())
    })
    .unwrap_or("/")
    .to_string()
}

fn login_form(v: &Viewer, next: &str, login: &str, errors: &[FieldError]) -> Markup {
    let l = v.lang;
    html! {
        (html::error_summary(l, errors))
        form method="post" action="/login" novalidate {
            (html::csrf_input(v))
            (html::hidden("next", next))
            (Input::text("login", l.t("login-login"))
                .value(login)
                .hint(l.t("login-login_hint"))
                .errors(errors)
                .autocomplete("username")
                .no_spellcheck())
            (Input::new("password", "password", l.t("login-password"))
                .errors(errors)
                .autocomplete("current-password"))
            button type="submit" { (l.t("login-submit")) }
        }
        p { (l.t("login-no_account")) " " a href="/register" { (l.t("nav-register")) } }
    }
}

/// Login form.
#[utoipa::path(get, path = "/login", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn login_page(v: Viewer, uri: Uri, Query(q): Query<NextQuery>) -> Response {
    let h = here(&uri);
    let next = safe_next(q.next.as_deref());
    let body = html! { (banner(v.lang, &uri)) (login_form(&v, &next, "", &[])) };
    html::html(StatusCode::OK, page(&v, &h, v.lang.t("login-title"), body))
}

/// Log in (form post).
#[utoipa::path(post, path = "/login", tag = "ui", responses((status = 303), (status = 401, content_type = "text/html", body = String)))]
async fn login_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Response {
    let h = here(&uri);
    let l = v.lang;
    if let Err(p) = v.check_csrf(Some(f.get("csrf"))) {
        return error_page(&v, &h, &p);
    }
    let next = safe_next(Some(f.get("next")));
    let (login, pw) = (
        f.get("login").trim().to_string(),
        f.get("password").to_string(),
    );
    match auth::login(&st, login.clone(), pw, v.source.clone(), l).await {
        Ok((a, token, _)) => {
            let to = if a.must_change {
                auth::PASSWORD_PAGE
            } else {
                &next
            };
            let mut res = see_other(to);
            res.headers_mut()
                .append(header::SET_COOKIE, auth::session_cookie(&st, &token));
            res
        }
        Err(p) => {
            let errors = html::localise(
                l,
                vec![FieldError {
                    field: "password".into(),
                    rule: p.rule.clone(),
                    detail: p.detail.clone(),
                }],
            );
            let mut res = html::html(
                p.status_code(),
                page(
                    &v,
                    &h,
                    l.t("login-title"),
                    login_form(&v, &next, &login, &errors),
                ),
            );
            if let Some(s) = p.retry_after {
                res.headers_mut()
                    .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(s));
            }
            res
        }
    }
}

fn register_form(v: &Viewer, f: &Fields, errors: &[FieldError]) -> Markup {
    let l = v.lang;
    let password_hint = l.t("password-new_hint");
    html! {
        (html::error_summary(l, errors))
        form method="post" action="/register" novalidate {
            (html::csrf_input(v))
            (Input::text("iin", l.t("register-iin"))
                .value(f.get("iin"))
                .hint(l.t("register-iin_hint"))
                .errors(errors)
                .numeric(12)
                .autocomplete("off"))
            (Input::text("name", l.t("register-name"))
                .value(f.get("name"))
                .errors(errors)
                .autocomplete("name"))
            (Input::new("tel", "phone", l.t("register-phone"))
                .value(f.get("phone"))
                .hint(l.t("register-phone_hint"))
                .errors(errors)
                .autocomplete("tel"))
            (Input::new("password", "password", l.t("register-password"))
                .hint(password_hint)
                .errors(errors)
                .autocomplete("new-password"))
            button type="submit" { (l.t("register-submit")) }
        }
    }
}

/// Citizen registration form.
#[utoipa::path(get, path = "/register", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn register_page(v: Viewer, uri: Uri) -> Response {
    let h = here(&uri);
    html::html(
        StatusCode::OK,
        page(
            &v,
            &h,
            v.lang.t("register-title"),
            register_form(&v, &Fields::default(), &[]),
        ),
    )
}

/// Register (form post); logs the new citizen in.
#[utoipa::path(post, path = "/register", tag = "ui", responses((status = 303), (status = 422, content_type = "text/html", body = String)))]
async fn register_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Response {
    let h = here(&uri);
    let l = v.lang;
    if let Err(p) = v.check_csrf(Some(f.get("csrf"))) {
        return error_page(&v, &h, &p);
    }
    let r = auth::Registration {
        iin: f.get("iin").trim().to_string(),
        name: f.get("name").to_string(),
        password: f.get("password").to_string(),
        phone: f.opt("phone"),
    };
    // The same answer whether the IIN had an account or not: to the login page.
    match auth::register(&st, r, l).await {
        Ok(()) => see_other("/login?done=registration&next=%2Fcabinet"),
        Err(p) => {
            let errors = if p.errors.is_empty() {
                vec![FieldError {
                    field: p.field.clone().unwrap_or_else(|| "iin".into()),
                    rule: p.rule.clone(),
                    detail: p.detail.clone(),
                }]
            } else {
                p.errors.clone()
            };
            let errors = html::localise(l, errors);
            html::html(
                p.status_code(),
                page(
                    &v,
                    &h,
                    l.t("register-title"),
                    register_form(&v, &f, &errors),
                ),
            )
        }
    }
}

// ---- password change ---------------------------------------------------------------------

fn password_form(v: &Viewer, errors: &[FieldError]) -> Markup {
    let l = v.lang;
    let must = v.account.as_ref().is_some_and(|a| a.must_change);
    html! {
        @if must { div.banner role="status" { p { (l.t("password-must_change")) } } }
        (html::error_summary(l, errors))
        form method="post" action=(auth::PASSWORD_PAGE) novalidate {
            (html::csrf_input(v))
            (Input::new("password", "current_password", l.t("password-current"))
                .errors(errors)
                .autocomplete("current-password"))
            (Input::new("password", "new_password", l.t("password-new"))
                .hint(l.t("password-new_hint"))
                .errors(errors)
                .autocomplete("new-password"))
            button type="submit" { (l.t("password-submit")) }
        }
    }
}

/// Change-password form (where an account with a one-time password is sent).
#[utoipa::path(get, path = "/account/password", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn password_page(v: Viewer, uri: Uri) -> Page {
    let h = here(&uri);
    logged_in(&v, &h)?;
    ok(&v, &h, v.lang.t("password-title"), password_form(&v, &[]))
}

/// Change the password (form post).
#[utoipa::path(post, path = "/account/password", tag = "ui", responses((status = 303), (status = 422, content_type = "text/html", body = String)))]
async fn password_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    logged_in(&v, &h)?;
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    let c = auth::PasswordChange {
        current_password: f.get("current_password").to_string(),
        new_password: f.get("new_password").to_string(),
    };
    match auth::change_password(&st, &v, c).await {
        Ok(()) => Ok(see_other("/?done=password_changed")),
        Err(p) if p.status == 422 || p.status == 429 => {
            let errors = if p.errors.is_empty() {
                vec![FieldError {
                    field: "current_password".into(),
                    rule: p.rule.clone(),
                    detail: p.detail.clone(),
                }]
            } else {
                p.errors.clone()
            };
            let errors = html::localise(l, errors);
            Ok(html::html(
                p.status_code(),
                page(&v, &h, l.t("password-title"), password_form(&v, &errors)),
            ))
        }
        Err(p) => Err(error_page(&v, &h, &p).into()),
    }
}

/// Log out (form post).
#[utoipa::path(post, path = "/logout", tag = "ui", operation_id = "logout_page", responses((status = 303)))]
async fn logout(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Response {
    if let Err(p) = v.check_csrf(Some(f.get("csrf"))) {
        return error_page(&v, &here(&uri), &p);
    }
    if let auth::Via::Session { token } = &v.via {
        let _ = st.accounts.end_session(token);
    }
    let mut res = see_other("/");
    res.headers_mut()
        .append(header::SET_COOKIE, auth::clear_session_cookie(&st));
    res
}

//! Who is asking: session cookies, API tokens, CSRF tokens and the request's language.
//!
//! For: the [`Viewer`] extractor every handler takes (account, how it authenticated, language,
//! the CSRF token its forms must carry) and the cookie middleware (`qz_csrf` for forms before
//! login, `qz_lang` when `?lang=` is given). Sessions are HttpOnly SameSite=Lax cookies; a
//! request authenticated by a cookie must carry the CSRF token (form field `csrf` or header
//! `X-CSRF-Token`); a bearer-token request needs none but is limited to its scopes. Every
//! authenticated response is `Cache-Control: no-store`. An account that must change its
//! password reaches only the change-password page (and logout) until it does.
//! The client's source (for login throttling) is the peer address, or the last
//! `X-Forwarded-For` hop when the server is told it runs behind a proxy (`trust_proxy`).
//! Not for: what a person may do to an application (`access`).

use crate::AppState;
use crate::accounts::{Account, Kind, new_secret};
use crate::i18n::{Lang, Messages};
use crate::problem::Problem;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use std::net::{IpAddr, SocketAddr};

pub const SESSION_COOKIE: &str = "qz_session";
pub const CSRF_COOKIE: &str = "qz_csrf";
pub const LANG_COOKIE: &str = "qz_lang";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// API token scopes. `tokens`: list and revoke its owner's tokens; `metrics`: `/metrics`.
pub const SCOPES: [&str; 7] = [
    "read", "submit", "act", "monitor", "admin", "tokens", "metrics",
];

/// Where an account that must change its password may still go.
pub const PASSWORD_PAGE: &str = "/account/password";
const MUST_CHANGE_ALLOWED: [&str; 5] = [
    PASSWORD_PAGE,
    "/api/account/password",
    "/logout",
    "/api/auth/logout",
    "/api/me",
];

/// The value of cookie `name`.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value; `max_age` 0 deletes; `secure` for an https deployment.
pub fn set_cookie(
    name: &str,
    value: &str,
    http_only: bool,
    max_age: Option<i64>,
    secure: bool,
) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; SameSite=Lax");
    if http_only {
        s.push_str("; HttpOnly");
    }
    if secure {
        s.push_str("; Secure");
    }
    if let Some(a) = max_age {
        s.push_str(&format!("; Max-Age={a}"));
    }
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The pre-login CSRF token put on the request by [`cookies_layer`].
#[derive(Clone)]
struct PreCsrf(String);

/// The language chosen by `?lang=` on this request.
#[derive(Clone, Copy)]
struct QueryLang(Lang);

fn query_param<'a>(query: Option<&'a str>, name: &str) -> Option<&'a str> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Gives every visitor a CSRF cookie for the forms before login, remembers `?lang=`, and
/// counts requests.
pub async fn cookies_layer(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let existing = cookie(req.headers(), CSRF_COOKIE)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(String::from);
    let fresh = existing.is_none();
    let csrf = existing.unwrap_or_else(new_secret);
    req.extensions_mut().insert(PreCsrf(csrf.clone()));
    let lang = query_param(req.uri().query(), "lang").and_then(Lang::parse);
    if let Some(l) = lang {
        req.extensions_mut().insert(QueryLang(l));
    }
    state.metrics.http_request();
    let authed = cookie(req.headers(), SESSION_COOKIE).is_some()
        || req.headers().contains_key(header::AUTHORIZATION);
    let mut res = next.run(req).await;
    let opens_session = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(SESSION_COOKIE.as_bytes()));
    let h = res.headers_mut();
    if authed || opens_session {
        // Personal pages and answers must not outlive the session in a shared cache or history.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    if state.https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    // The pages need no script at all; styles are inline, diagrams are inline SVG. Anything
    // else (JSON, PDF, the SVG diagrams opened on their own) may load nothing and run nothing.
    // A signing page runs one script of ours (`/static/ncalayer.js`, no inline code), which
    // talks to NCALayer on the signer's computer and to this server.
    let signing = html
        && res
            .extensions()
            .get::<super::html::SigningScript>()
            .is_some();
    let csp = if signing {
        HeaderValue::from_str(&format!(
            "default-src 'self'; script-src 'self'; connect-src 'self' {}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            state.ncalayer_origin()
        ))
        .ok()
    } else {
        None
    };
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        csp.unwrap_or(HeaderValue::from_static(if html {
            "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        } else {
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        })),
    );
    if fresh {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(CSRF_COOKIE, &csrf, true, None, state.https()),
        );
    }
    if let Some(l) = lang {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(
                LANG_COOKIE,
                l.code(),
                false,
                Some(365 * 24 * 3600),
                state.https(),
            ),
        );
    }
    res
}

/// How a request authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Anonymous,
    Session { token: String },
    Token { scopes: Vec<String> },
}

/// The person behind a request (if any), its language and the CSRF token its forms carry.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub account: Option<Account>,
    pub via: Via,
    pub lang: Lang,
    /// The CSRF token forms of this page must carry.
    pub csrf: String,
    /// `X-CSRF-Token` header, if sent.
    csrf_header: Option<String>,
    /// Whether the client prefers HTML (a browser) over JSON.
    pub wants_html: bool,
    /// The client's address (IPv6: its /64), for login throttling.
    pub source: String,
}

/// The client's address: the last `X-Forwarded-For` hop (what our proxy saw) when
/// `trust_proxy`, else the peer's; "unknown" in-process. IPv6 is cut to its /64, which one
/// client usually holds whole.
pub fn client_source(parts: &Parts, trust_proxy: bool) -> String {
    let forwarded = trust_proxy
        .then(|| parts.headers.get_all("x-forwarded-for").iter().next_back())
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse::<IpAddr>().ok());
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    match forwarded.or(peer) {
        Some(IpAddr::V6(a)) if a.to_ipv4_mapped().is_none() => {
            let s = a.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Some(IpAddr::V6(a)) => a
            .to_ipv4_mapped()
            .map_or_else(String::new, |v| v.to_string()),
        Some(ip) => ip.to_string(),
        None => "unknown".into(),
    }
}

fn eq_ct(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl Viewer {
    /// The account, or 401.
    pub fn require(&self) -> Result<&Account, Problem> {
        self.account.as_ref().ok_or_else(Problem::unauthorized)
    }

    /// The account, if its bearer token has `scope` (sessions have every scope).
    pub fn require_scope(&self, scope: &str) -> Result<&Account, Problem> {
        let a = self.require()?;
        if let Via::Token { scopes } = &self.via
            && !scopes.iter().any(|s| s == scope)
        {
            return Err(Problem::forbidden(
                "token.scope",
                format!("this API token lacks the `{scope}` scope"),
            ));
        }
        Ok(a)
    }

    /// Checks the CSRF token of a state-changing request authenticated by cookie (or of an
    /// anonymous form). Bearer-token requests carry none.
    pub fn check_csrf(&self, form_token: Option<&str>) -> Result<(), Problem> {
        if matches!(self.via, Via::Token { .. }) {
            return Ok(());
        }
        let sent = form_token.or(self.csrf_header.as_deref()).unwrap_or("");
        if !sent.is_empty() && eq_ct(sent, &self.csrf) {
            Ok(())
        } else {
            Err(Problem::forbidden(
                "csrf",
                "the form's CSRF token is missing or stale: reload the page and try again",
            ))
        }
    }

    pub fn kind(&self) -> Option<Kind> {
        self.account.as_ref().map(|a| a.kind)
    }

    /// The account, for managing its API tokens: a session, or a token with the `tokens`
    /// scope (a `submit` token must not see or revoke its siblings).
    pub fn require_token_admin(&self) -> Result<&Account, Problem> {
        if matches!(self.via, Via::Token { .. }) {
            return self.require_scope("tokens");
        }
        self.require()
    }

    /// Who may read `/metrics`: an admin or monitor, by session or by a token with the
    /// `metrics` scope (Prometheus sends it as a bearer token).
    pub fn require_metrics(&self) -> Result<&Account, Problem> {
        let a = self.require()?;
        if !matches!(a.kind, Kind::Admin | Kind::Monitor) {
            return Err(Problem::forbidden(
                "forbidden.metrics",
                "metrics are for admin and monitoring accounts",
            ));
        }
        if matches!(self.via, Via::Token { .. }) {
            return self.require_scope("metrics");
        }
        Ok(a)
    }

    /// The session's secret, for what only a logged-in person may do (not a token).
    pub fn require_session(&self) -> Result<(&Account, &str), Problem> {
        let a = self.require()?;
        match &self.via {
            Via::Session { token } => Ok((a, token)),
            _ => Err(Problem::forbidden(
                "auth.session_only",
                "this needs a logged-in session, not an API token",
            )),
        }
    }
}

/// An account with a one-time password is sent to change it: pages by a redirect, the API
/// with 403 `password.must_change`.
fn must_change_password(wants_html: bool) -> Response {
    if wants_html {
        return Redirect::to(PASSWORD_PAGE).into_response();
    }
    Problem::forbidden(
        "password.must_change",
        format!("this account must change its one-time password first: {PASSWORD_PAGE}"),
    )
    .into_response()
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Response> {
        let v = Viewer::from_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if v.account.as_ref().is_some_and(|a| a.must_change)
            && !MUST_CHANGE_ALLOWED.contains(&parts.uri.path())
        {
            return Err(must_change_password(v.wants_html));
        }
        // The route table's coarse rule, before the handler reads any body.
        if let Some(matched) = parts.extensions.get::<axum::extract::MatchedPath>() {
            let Some(route) = crate::routes::find(parts.method.as_str(), matched.as_str()) else {
                // Fail closed: the security suite keeps the table complete.
                return Err(Problem::internal(format!(
                    "route {} {} is missing from the route table",
                    parts.method,
                    matched.as_str()
                ))
                .into_response());
            };
            if let Err(p) = route.admit(&v) {
                return Err(match route.how {
                    crate::routes::How::Page => {
                        let here = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                        crate::ui::error_page(&v, here, &p)
                    }
                    _ => p.into_response(),
                });
            }
        }
        Ok(v)
    }
}

impl Viewer {
    async fn from_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Problem> {
        let headers = &parts.headers;
        let lang = parts
            .extensions
            .get::<QueryLang>()
            .map(|q| q.0)
            .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::parse))
            .or_else(|| {
                headers
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(Lang::from_accept_language)
            })
            .unwrap_or_default();
        let pre = parts
            .extensions
            .get::<PreCsrf>()
            .map(|p| p.0.clone())
            .unwrap_or_default();
        let wants_html = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"));
        let csrf_header = headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let mut viewer = Viewer {
            account: None,
            via: Via::Anonymous,
            lang,
            csrf: pre,
            csrf_header,
            wants_html,
            source: client_source(parts, state.options.trust_proxy),
        };
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|s| s.trim().to_string());
        if let Some(secret) = bearer {
            match state.accounts.token(&secret)? {
                Some((account, scopes)) => {
                    crate::logging::record_account(&account.login);
                    viewer.account = Some(account);
                    viewer.via = Via::Token { scopes };
                    return Ok(viewer);
                }
                None => {
                    return Err(Problem::new(
                        axum::http::StatusCode::UNAUTHORIZED,
                        "token.invalid",
                        "the bearer token is unknown or revoked",
                    ));
                }
            }
        }
        if let Some(token) = cookie(headers, SESSION_COOKIE)
            && let Some((account, csrf)) = state.accounts.session(token)?
        {
            crate::logging::record_account(&account.login);
            viewer.account = Some(account);
            viewer.via = Via::Session {
                token: token.to_string(),
            };
            viewer.csrf = csrf;
        }
        Ok(viewer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; qz_lang=ru; b=2"),
        );
        assert_eq!(cookie(&h, LANG_COOKIE), Some("ru"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn constant_time_compare() {
        assert!(eq_ct("abc", "abc"));
        assert!(!eq_ct("abc", "abd"));
        assert!(!eq_ct("abc", "ab"));
    }
}

// ---- registration, login, passwords: shared by the API and the pages ---------------------

use crate::accounts::{LoginError, MAX_PASSWORD, NewAccount};
use crate::ops::blocking;
use crate::problem::FieldError;

/// Registration of a citizen.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct Registration {
    pub iin: String,
    pub name: String,
    pub password: String,
    #[serde(default)]
    pub phone: Option<String>,
}

/// Minimum password length.
pub const MIN_PASSWORD: usize = 8;

/// The password policy, checked before any hashing: at least [`MIN_PASSWORD`] characters,
/// not only whitespace, at most [`MAX_PASSWORD`].
pub fn check_password(field: &str, pw: &str, lang: Lang) -> Option<FieldError> {
    let n = pw.chars().count();
    let (rule, detail) = if n > MAX_PASSWORD {
        (
            "password.too_long",
            lang.t_count("form-password_too_long", MAX_PASSWORD as u64),
        )
    } else if n < MIN_PASSWORD {
        (
            "password.length",
            lang.t_count("form-password_length", MIN_PASSWORD as u64),
        )
    } else if pw.chars().all(char::is_whitespace) {
        ("password.blank", lang.t("form-password_blank").to_string())
    } else {
        return None;
    };
    Some(FieldError {
        field: field.into(),
        rule: rule.into(),
        detail,
    })
}

/// A password-hashing permit, or 503 with `Retry-After` when every one stays taken.
async fn permit(st: &AppState, lang: Lang) -> Result<crate::accounts::Permit, Problem> {
    st.accounts.gate.permit().await.ok_or_else(|| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "auth.busy",
            lang.t("login-busy"),
        )
        .retry_after(1)
    })
}

/// Validates a registration and creates the citizen account if the IIN has none. The answer
/// is the same whether it had one or not (both hash the password), so registration does not
/// tell who has an account; the person then logs in.
pub async fn register(st: &AppState, r: Registration, lang: Lang) -> Result<(), Problem> {
    let mut errors = vec![];
    // The server's clock, not the host's: a sandbox runs at `--as-of`.
    if let Err(e) = crate::ops::check_account_iin(st, "iin", &r.iin, lang) {
        errors.push(e);
    }
    if r.name.trim().is_empty() {
        errors.push(FieldError {
            field: "name".into(),
            rule: "required".into(),
            detail: lang.t("form-required").into(),
        });
    } else if let Err(e) = crate::ops::check_name_as("name", lang.t("register-name"), &r.name, lang)
    {
        errors.push(e);
    }
    errors.extend(check_password("password", &r.password, lang));
    if let Some(p) = r.phone.as_deref().filter(|p| !p.trim().is_empty()) {
        let digits = p.chars().filter(|c| c.is_ascii_digit()).count();
        if !(10..=12).contains(&digits)
            || p.chars()
                .any(|c| !(c.is_ascii_digit() || "+ -()".contains(c)))
        {
            errors.push(FieldError {
                field: "phone".into(),
                rule: "phone.format".into(),
                detail: lang.t("form-phone_format").into(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(Problem::fields(errors));
    }
    let permit = permit(st, lang).await?;
    let st = st.clone();
    blocking(move || {
        let hash = st
            .accounts
            .hash(&r.password, &permit)
            .map_err(Problem::internal)?;
        drop(permit);
        let iin = r.iin.trim();
        match st.accounts.create(
            &NewAccount {
                login: iin,
                kind: Kind::Citizen,
                iin: Some(iin),
                name: r.name.trim(),
                org: None,
                roles: &[],
                phone: r.phone.as_deref().map(str::trim).filter(|p| !p.is_empty()),
            },
            &hash,
        ) {
            Ok(_) | Err(store::StoreError::Conflict { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    })
    .await
}

/// The problem of a failed login or password check.
fn login_problem(e: LoginError, lang: Lang) -> Problem {
    match e {
        LoginError::BadCredentials => Problem::new(
            StatusCode::UNAUTHORIZED,
            "auth.bad_credentials",
            lang.t("login-bad_credentials"),
        )
        .field("password"),
        LoginError::Locked { until } => {
            let wait = (until - jiff::Timestamp::now()).as_secs().max(1) as u64;
            Problem::new(
                StatusCode::TOO_MANY_REQUESTS,
                "auth.locked",
                lang.t_args(
                    "login-locked",
                    &[(
                        "until",
                        until
                            .to_zoned_datetime(calendar::almaty())
                            .strftime("%H:%M")
                            .to_string()
                            .into(),
                    )],
                ),
            )
            .retry_after(wait)
        }
    }
}

/// Checks credentials from `source` and opens a session: (account, session secret, CSRF
/// token). Waits for a password permit (503 when there is none soon); argon2 runs on the
/// blocking pool.
pub async fn login(
    st: &AppState,
    login: String,
    password: String,
    source: String,
    lang: Lang,
) -> Result<(Account, String, String), Problem> {
    if password.chars().count() > MAX_PASSWORD {
        // No account has such a password: refused before any hashing.
        return Err(login_problem(LoginError::BadCredentials, lang));
    }
    let permit = permit(st, lang).await?;
    let st = st.clone();
    blocking(
        move || match st.accounts.login(&login, &password, &source, permit)? {
            Ok(a) => {
                crate::logging::record_account(&a.login);
                let (token, csrf) = st.accounts.create_session(a.id)?;
                Ok((a, token, csrf))
            }
            Err(e) => Err(login_problem(e, lang)),
        },
    )
    .await
}

/// A password change: the current password and the new one.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// Changes the password of the session's account (the current one checked, counted like a
/// login); its other sessions end. Fields at fault: `current_password`, `new_password`.
pub async fn change_password(st: &AppState, v: &Viewer, c: PasswordChange) -> Result<(), Problem> {
    let lang = v.lang;
    let (account, session) = v.require_session()?;
    let mut errors: Vec<FieldError> = check_password("new_password", &c.new_password, lang)
        .into_iter()
        .collect();
    if errors.is_empty() && c.new_password == c.current_password {
        errors.push(FieldError {
            field: "new_password".into(),
            rule: "password.unchanged".into(),
            detail: lang.t("form-password_unchanged").into(),
        });
    }
    if c.current_password.is_empty() || c.current_password.chars().count() > MAX_PASSWORD {
        errors.insert(
            0,
            FieldError {
                field: "current_password".into(),
                rule: "password.wrong".into(),
                detail: lang.t("password-wrong").into(),
            },
        );
    }
    if !errors.is_empty() {
        return Err(Problem::fields(errors));
    }
    let permit = permit(st, lang).await?;
    let (st, account, session, source) = (
        st.clone(),
        account.clone(),
        session.to_string(),
        v.source.clone(),
    );
    blocking(move || {
        match st.accounts.change_password(
            &account,
            &c.current_password,
            &c.new_password,
            &source,
            Some(&session),
            permit,
        )? {
            Ok(()) => Ok(()),
            Err(LoginError::BadCredentials) => Err(Problem::invalid(
                "current_password",
                "password.wrong",
                lang.t("password-wrong"),
            )),
            Err(e) => Err(login_problem(e, lang)),
        }
    })
    .await
}

/// The session cookie for `token` (`Secure` when the public URL is https).
pub fn session_cookie(st: &AppState, token: &str) -> HeaderValue {
    set_cookie(
        SESSION_COOKIE,
        token,
        true,
        Some(crate::accounts::SESSION_HOURS * 3600),
        st.https(),
    )
}

pub fn clear_session_cookie(st: &AppState) -> HeaderValue {
    set_cookie(SESSION_COOKIE, "", true, Some(0), st.https())
}

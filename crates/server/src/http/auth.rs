//! Who is asking: session cookies, API tokens, CSRF tokens and the request's language.
//!
//! For: the [`Viewer`] extractor every handler takes (account, how it authenticated, language,
//! the CSRF token its forms must carry) and the cookie middleware (`qz_csrf` for forms before
//! login, `qz_lang` when `?lang=` is given). Sessions are HttpOnly SameSite=Lax cookies; a
//! request authenticated by a cookie must carry the CSRF token (form field `csrf` or header
//! `X-CSRF-Token`); a bearer-token request needs none but is limited to its scopes.
//! Not for: what a person may do to an application (`access`).

use crate::AppState;
use crate::accounts::{Account, Kind, new_secret};
use crate::i18n::{Lang, Messages};
use crate::problem::Problem;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

pub const SESSION_COOKIE: &str = "qz_session";
pub const CSRF_COOKIE: &str = "qz_csrf";
pub const LANG_COOKIE: &str = "qz_lang";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// API token scopes.
pub const SCOPES: [&str; 5] = ["read", "submit", "act", "monitor", "admin"];

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

/// A `Set-Cookie` value; `max_age` 0 deletes.
pub fn set_cookie(name: &str, value: &str, http_only: bool, max_age: Option<i64>) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; SameSite=Lax");
    if http_only {
        s.push_str("; HttpOnly");
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
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        // The pages need no script at all; styles are inline, diagrams are inline SVG.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        );
    }
    if fresh {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(CSRF_COOKIE, &csrf, true, None),
        );
    }
    if let Some(l) = lang {
        res.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(LANG_COOKIE, l.code(), false, Some(365 * 24 * 3600)),
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
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Viewer, Problem> {
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

// ---- registration and login, shared by the API and the pages ------------------------------

use crate::accounts::{LoginError, NewAccount, hash_password};
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

/// Validates and creates a citizen account (blocking: hashes the password).
pub fn register(st: &AppState, r: &Registration, lang: Lang) -> Result<Account, Problem> {
    let mut errors = vec![];
    if let Err(e) = crate::ops::check_iin("iin", &r.iin, lang) {
        errors.push(e);
    }
    if r.name.trim().is_empty() {
        errors.push(FieldError {
            field: "name".into(),
            rule: "required".into(),
            detail: lang.t("form-required").into(),
        });
    }
    if r.password.chars().count() < MIN_PASSWORD {
        errors.push(FieldError {
            field: "password".into(),
            rule: "password.length".into(),
            detail: lang.t_count("form-password_length", MIN_PASSWORD as u64),
        });
    }
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
    let iin = r.iin.trim();
    if st.accounts.by_login(iin)?.is_some() {
        return Err(Problem::new(
            axum::http::StatusCode::CONFLICT,
            "iin.taken",
            lang.t("form-iin_taken"),
        )
        .field("iin"));
    }
    let hash = hash_password(&r.password, st.accounts.cost()).map_err(Problem::internal)?;
    st.accounts
        .create(
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
        )
        .map_err(|e| match e {
            store::StoreError::Conflict { .. } => Problem::new(
                axum::http::StatusCode::CONFLICT,
                "iin.taken",
                lang.t("form-iin_taken"),
            )
            .field("iin"),
            e => e.into(),
        })
}

/// Checks credentials and opens a session: (account, session secret, CSRF token). Blocking.
pub fn login(
    st: &AppState,
    login: &str,
    password: &str,
    lang: Lang,
) -> Result<(Account, String, String), Problem> {
    match st.accounts.login(login, password)? {
        Ok(a) => {
            crate::logging::record_account(&a.login);
            let (token, csrf) = st.accounts.create_session(a.id)?;
            Ok((a, token, csrf))
        }
        Err(LoginError::BadCredentials) => Err(Problem::new(
            axum::http::StatusCode::UNAUTHORIZED,
            "auth.bad_credentials",
            lang.t("login-bad_credentials"),
        )
        .field("password")),
        Err(LoginError::Locked { until }) => Err(Problem::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
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
        )),
    }
}

/// The session cookie for `token` (`Secure` when the public URL is https).
pub fn session_cookie(st: &AppState, token: &str) -> HeaderValue {
    let mut v = format!(
        "{SESSION_COOKIE}={token}; Path=/; SameSite=Lax; HttpOnly; Max-Age={}",
        crate::accounts::SESSION_HOURS * 3600
    );
    if st.public_url.starts_with("https://") {
        v.push_str("; Secure");
    }
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub fn clear_session_cookie() -> HeaderValue {
    set_cookie(SESSION_COOKIE, "", true, Some(0))
}

//! One span per HTTP request, so that every event a request causes — authentication, store
//! commands, errors — carries its method, path, request id, account and application.
//!
//! For: the request id (a sane `X-Request-Id` from the client is kept, else one is made; either
//! way it is echoed on the response), the span's fields, one event per finished request, and
//! every 5xx logged at error level with its cause. Not for: installing a subscriber (the binary
//! does, in human or JSON form) or counting (`metrics`).
//!
//! Secrets never enter the log: no header, cookie, query string or body is recorded, only the
//! path; the account is named by its login. Code inside a request adds to the span with
//! [`record_account`] and [`record_application`].

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Why a response is a 5xx: put on it by `Problem::into_response`, logged by [`request_span`].
#[derive(Debug, Clone)]
pub struct Cause {
    pub rule: String,
    pub detail: String,
}

/// Names the authenticated account on the current request's span.
pub fn record_account(login: &str) {
    tracing::Span::current().record("account", login);
}

/// Names the application the current request concerns (when its path does not).
pub fn record_application(id: &str) {
    tracing::Span::current().record("application", id);
}

/// A client's request id is kept only if short and plain, so it cannot forge log lines.
fn sane_request_id(v: &str) -> bool {
    (1..=128).contains(&v.len())
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(&b))
}

/// The application id in `path` where its route (`matched`) has `applications/{id}` or
/// `{application}`.
fn application_in_path(matched: &str, path: &str) -> Option<String> {
    let route: Vec<&str> = matched.split('/').collect();
    let actual: Vec<&str> = path.split('/').collect();
    if route.len() != actual.len() {
        return None;
    }
    (1..route.len())
        .find(|&i| {
            route[i] == "{application}"
                || (route[i - 1] == "applications" && route[i].starts_with('{'))
        })
        .map(|i| actual[i].to_string())
}

/// The middleware: wraps the rest of the stack in the request's span.
pub async fn request_span(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| sane_request_id(v))
        .map(String::from)
        .unwrap_or_else(|| crate::accounts::hex(&crate::accounts::random_bytes::<8>()));
    let path = req.uri().path().to_string();
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        path = %path,
        request_id = %id,
        account = tracing::field::Empty,
        application = tracing::field::Empty,
    );
    if let Some(app) = req
        .extensions()
        .get::<MatchedPath>()
        .and_then(|m| application_in_path(m.as_str(), &path))
    {
        span.record("application", app.as_str());
    }
    let started = Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    span.in_scope(|| {
        let status = res.status().as_u16();
        let ms = started.elapsed().as_millis() as u64;
        if res.status().is_server_error() {
            match res.extensions().get::<Cause>() {
                Some(c) => {
                    tracing::error!(status, ms, rule = %c.rule, cause = %c.detail, "request failed")
                }
                None => tracing::error!(status, ms, "request failed"),
            }
        } else {
            tracing::info!(status, ms, "request");
        }
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID_HEADER, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_from_clients_must_be_plain() {
        assert!(sane_request_id("req-42.a_b:c"));
        assert!(!sane_request_id(""));
        assert!(!sane_request_id("a b"));
        assert!(!sane_request_id("x\n{\"level\":\"ERROR\"}"));
        assert!(!sane_request_id(&"a".repeat(129)));
    }

    #[test]
    fn application_ids_come_from_application_routes() {
        let f = application_in_path;
        assert_eq!(
            f("/api/applications/{id}/act", "/api/applications/Q1/act").as_deref(),
            Some("Q1")
        );
        assert_eq!(
            f("/applications/{id}", "/applications/Q2").as_deref(),
            Some("Q2")
        );
        assert_eq!(
            f(
                "/api/documents/{application}/{file}",
                "/api/documents/Q3/r.pdf"
            )
            .as_deref(),
            Some("Q3")
        );
        assert_eq!(f("/api/services/{id}", "/api/services/x"), None);
        assert_eq!(f("/api/applications", "/api/applications"), None);
    }
}

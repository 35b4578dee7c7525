//! Every error the HTTP API answers, as one type: an RFC 9457 problem (`application/problem+json`)
//! naming the rule broken and, where there is one, the field.
//!
//! For: turning engine `Rejection`s, store errors, authorisation refusals and bad input into
//! responses in one place, so handlers just use `?`. Not for: HTML error pages (the UI renders
//! a [`Problem`] itself, see `ui::error_page`).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use store::{Rejection, StoreError};
use utoipa::ToSchema;

/// An RFC 9457 problem detail. `type` (`/problems/{rule}`) and `title` (the status's reason
/// phrase) are derived when it is written out, which keeps the error type small.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// The rule broken, machine-readable.
    pub rule: String,
    /// The request field at fault, where there is one.
    pub field: Option<String>,
    /// Further field errors of the same request.
    pub errors: Vec<FieldError>,
    /// Seconds to wait before trying again (`Retry-After`: a lock, a busy server).
    pub retry_after: Option<u64>,
}

/// The problem as written out (and described in the OpenAPI document as `Problem`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Problem)]
pub struct ProblemWire<'a> {
    /// A URI reference naming the problem type: `/problems/{rule}`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short, human-readable summary of the problem type.
    pub title: &'a str,
    pub status: u16,
    pub detail: &'a str,
    /// The rule broken, machine-readable: an engine rejection (`wrong_step`), an input rule
    /// (`iin.check_digit`, `required`) or an access rule (`forbidden.role`).
    pub rule: &'a str,
    /// The request field at fault, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<&'a str>,
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    pub errors: &'a [FieldError],
}

impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        ProblemWire {
            kind: format!("/problems/{}", self.rule),
            title: self.status_code().canonical_reason().unwrap_or("Error"),
            status: self.status,
            detail: &self.detail,
            rule: &self.rule,
            field: self.field.as_deref(),
            errors: &self.errors,
        }
        .serialize(s)
    }
}

impl utoipa::PartialSchema for Problem {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <ProblemWire<'static> as utoipa::PartialSchema>::schema()
    }
}

impl ToSchema for Problem {
    fn name() -> std::borrow::Cow<'static, str> {
        "Problem".into()
    }
}

/// One field that broke one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub rule: String,
    pub detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, rule: &str, detail: impl Into<String>) -> Problem {
        Problem {
            status: status.as_u16(),
            detail: detail.into(),
            rule: rule.to_string(),
            field: None,
            errors: vec![],
            retry_after: None,
        }
    }

    pub fn retry_after(mut self, secs: u64) -> Problem {
        self.retry_after = Some(secs.max(1));
        self
    }

    pub fn field(mut self, field: &str) -> Problem {
        self.field = Some(field.to_string());
        self
    }

    /// 422: `field` breaks `rule`.
    pub fn invalid(field: &str, rule: &str, detail: impl Into<String>) -> Problem {
        let detail = detail.into();
        let mut p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, rule, detail.clone());
        p.field = Some(field.to_string());
        p.errors.push(FieldError {
            field: field.to_string(),
            rule: rule.to_string(),
            detail,
        });
        p
    }

    /// 422 with several field errors; the first one is the problem's own field and rule.
    pub fn fields(errors: Vec<FieldError>) -> Problem {
        let first = errors.first().cloned().unwrap_or(FieldError {
            field: String::new(),
            rule: "invalid".into(),
            detail: String::new(),
        });
        let mut p = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, &first.rule, first.detail);
        p.field = Some(first.field);
        p.errors = errors;
        p
    }

    pub fn not_found(what: &str) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not_found", format!("no {what}"))
    }

    pub fn forbidden(rule: &str, detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, rule, detail)
    }

    pub fn unauthorized() -> Problem {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "auth.required",
            "log in, or send `Authorization: Bearer <token>`",
        )
    }

    pub fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn internal(e: impl std::fmt::Display) -> Problem {
        tracing::error!("internal error: {e}");
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
    }
}

/// The rule name of a rejection: its serde `error` tag (`wrong_step`, `invalid`, ...).
pub fn rejection_rule(r: &Rejection) -> String {
    serde_json::to_value(r)
        .ok()
        .and_then(|v| v["error"].as_str().map(String::from))
        .unwrap_or_else(|| "rejected".into())
}

impl From<Rejection> for Problem {
    fn from(r: Rejection) -> Problem {
        use Rejection::*;
        let (status, field) = match &r {
            UnknownRegulation { .. }
            | RegulationNotYetInForce { .. }
            | RegulationRepealed { .. } => (StatusCode::UNPROCESSABLE_ENTITY, Some("regulation")),
            ChannelNotAccepted { .. } => (StatusCode::UNPROCESSABLE_ENTITY, Some("channel")),
            AlreadyExists { .. } => (StatusCode::CONFLICT, Some("application")),
            NoSuchApplication { .. } => (StatusCode::NOT_FOUND, None),
            ApplicationClosed { .. }
            | NotAwaitingIssue
            | StoragePeriodNotOver { .. }
            | NotReturned => (StatusCode::CONFLICT, None),
            WrongStep { .. } => (StatusCode::CONFLICT, Some("step")),
            SignatureRequired { .. } => (StatusCode::CONFLICT, None),
            NotASigningStep { .. } => (StatusCode::UNPROCESSABLE_ENTITY, Some("step")),
            WrongRole { .. } | WrongOrganisation { .. } => (StatusCode::FORBIDDEN, None),
            NoSuchBranch { .. } => (StatusCode::UNPROCESSABLE_ENTITY, Some("outcome")),
            IdentityRequired { .. } => (StatusCode::UNPROCESSABLE_ENTITY, Some("presented")),
            OutsideWorkingHours { .. } => (StatusCode::UNPROCESSABLE_ENTITY, Some("late_entry")),
            InvalidApplication { errors } => {
                let mut p = Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_application",
                    r.to_string(),
                );
                p.field = errors.first().map(|e| format!("data.{}", e.field));
                p.errors = errors
                    .iter()
                    .map(|e| FieldError {
                        field: format!("data.{}", e.field),
                        rule: format!("application.{}", e.rule.key()),
                        detail: e.to_string(),
                    })
                    .collect();
                return p;
            }
            Invalid { field, .. } => {
                let mut p = Problem::invalid(field, "invalid", r.to_string());
                if let Invalid { rule, .. } = &r {
                    p.errors[0].detail = rule.clone();
                }
                return p;
            }
        };
        let rule = rejection_rule(&r);
        let mut p = Problem::new(status, &rule, r.to_string());
        if let Some(f) = field {
            p.field = Some(f.to_string());
            if status == StatusCode::UNPROCESSABLE_ENTITY {
                p.errors.push(FieldError {
                    field: f.to_string(),
                    rule: rule.clone(),
                    detail: r.to_string(),
                });
            }
        }
        p
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        match e {
            StoreError::Rejected(r) => r.into(),
            StoreError::Db(m) => {
                tracing::error!("store: {m}");
                Problem::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "store.unavailable",
                    "the store is unavailable; nothing was changed, try again",
                )
            }
            StoreError::Closed => Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "store.closed",
                "the store is shutting down; nothing was changed",
            ),
            StoreError::Engine(m) => Problem::internal(format!("engine failure: {m}")),
            // The queue's rule is a sentence; the key names the field for clients and pages.
            StoreError::Queue { field, rule } => {
                Problem::new(StatusCode::CONFLICT, &format!("queue.{field}"), rule).field(&field)
            }
            StoreError::Conflict { rule, detail } => {
                let field = match rule.as_str() {
                    "equeue.slot_taken" | "equeue.slot_unknown" => Some("slot"),
                    "equeue.already_booked" => Some("application"),
                    "account.login_taken" => Some("login"),
                    "account.iin_taken" => Some("iin"),
                    "cursor.invalid" => Some("cursor"),
                    _ => None,
                };
                let status = match rule.as_str() {
                    "equeue.slot_unknown" | "cursor.invalid" => StatusCode::UNPROCESSABLE_ENTITY,
                    _ => StatusCode::CONFLICT,
                };
                let p = Problem::new(status, &rule, detail);
                match field {
                    Some(f) => p.field(f),
                    None => p,
                }
            }
        }
    }
}

impl From<tokio::task::JoinError> for Problem {
    fn from(e: tokio::task::JoinError) -> Problem {
        Problem::internal(e)
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status_code();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut res = (status, body).into_response();
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if status.is_server_error() {
            res.extensions_mut().insert(crate::logging::Cause {
                rule: self.rule.clone(),
                detail: self.detail.clone(),
            });
        }
        if let Some(s) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"qyzmet\""),
            );
        }
        res
    }
}

/// The field a serde error message names (``missing field `step` `` → `step`).
pub fn serde_field(msg: &str) -> Option<String> {
    let start = msg.find('`')? + 1;
    let end = start + msg[start..].find('`')?;
    Some(msg[start..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejections_name_rule_and_field() {
        let p: Problem = Rejection::WrongStep { current: 2, got: 1 }.into();
        assert_eq!(
            (p.status, p.rule.as_str(), p.field.as_deref()),
            (409, "wrong_step", Some("step"))
        );
        let p: Problem = Rejection::Invalid {
            field: "grounds".into(),
            rule: "a refusal must state its grounds".into(),
        }
        .into();
        assert_eq!((p.status, p.field.as_deref()), (422, Some("grounds")));
        assert_eq!(p.errors[0].detail, "a refusal must state its grounds");
        let p: Problem = StoreError::Db("disk I/O".into()).into();
        assert_eq!(p.status, 503);
        assert!(
            !p.detail.contains("disk"),
            "internal details stay in the log"
        );
    }

    #[test]
    fn serde_fields() {
        assert_eq!(
            serde_field("missing field `step` at line 1").as_deref(),
            Some("step")
        );
        assert_eq!(serde_field("expected value"), None);
    }
}

//! The JSON API: every action of the pages is also a call here. Bodies are JSON; errors are
//! RFC 9457 problems naming the field and the rule; lists are paginated (`?limit&cursor`);
//! the OpenAPI 3.1 document at `/openapi.json` is generated from these handlers' annotations
//! (utoipa), so a route cannot be served without being described.
//!
//! Authentication: the session cookie (then the `X-CSRF-Token` header is required on POST) or
//! `Authorization: Bearer <token>` (scoped: `read`, `submit`, `act`, `monitor`, `admin`).
//! Not for: HTML (see `ui`), domain rules (see `ops`, `access`, the engine).

use crate::AppState;
use crate::access;
use crate::accounts::{Account, NotificationRow, Org, TokenInfo};
use crate::auth::{self, Registration, SCOPES, Via, Viewer};
use crate::catalogue::{self, Service, ServiceDetail};
use crate::i18n::Messages;
use crate::monitoring;
use crate::ops::{
    self, ActionRequest, BatchItem, Detail, Intake, PortalSubmission, Submitted, Summary, blocking,
};
use crate::problem::Problem;
use axum::Json;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use regulation::ChannelId;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "qyzmet",
        description = "Kazakhstan state-service regulations run as data: catalogue, applications through the portal, office and State Corporation channels, officials' steps, SLA monitoring, documents.",
        license(name = "MIT")
    ),
    components(schemas(Problem, crate::problem::FieldError)),
    modifiers(&Security),
    tags(
        (name = "auth", description = "Accounts, sessions and API tokens"),
        (name = "catalogue", description = "Services (regulations)"),
        (name = "applications", description = "Applications and their steps"),
        (name = "state_corporation", description = "The State Corporation desk"),
        (name = "monitoring", description = "SLA monitoring and metrics"),
        (name = "documents", description = "Receipts and results as PDF; verification"),
        (name = "admin", description = "Sandbox administration"),
        (name = "queue", description = "The preschool queue: lines, places, referrals"),
    )
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(auth::SESSION_COOKIE))),
        );
    }
}

/// The API routes with their OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(register))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .routes(routes!(list_orgs))
        .routes(routes!(list_services))
        .routes(routes!(get_service))
        .routes(routes!(service_diagram))
        .routes(with_body_limit(routes!(
            list_applications,
            submit_application
        )))
        .routes(with_body_limit(routes!(request_bytes)))
        .routes(routes!(list_uploads))
        .routes(routes!(download_upload))
        .routes(routes!(sc_slots))
        .routes(routes!(book_slot, cancel_booking))
        .routes(routes!(sc_bookings))
        .routes(routes!(get_application))
        .routes(routes!(act_on_application))
        .routes(routes!(office_intake))
        .routes(routes!(sc_intake))
        .routes(routes!(sc_unclaimed))
        .routes(routes!(sc_return_unclaimed))
        .routes(routes!(sc_rerequest))
        .routes(routes!(notifications))
        .routes(routes!(monitoring_sla))
        .routes(routes!(document_pdf))
        .routes(routes!(verify_document))
        .routes(routes!(verify_form, verify_upload))
        .routes(routes!(admin_clock))
        .routes(routes!(set_org_signing_role))
        .routes(routes!(queue_district))
        .routes(routes!(queue_places))
        .routes(routes!(queue_referral))
        .routes(routes!(metrics))
        .routes(routes!(healthz))
        .routes(routes!(health))
        .routes(routes!(ready))
        .routes(routes!(openapi_json))
}

/// Raises the request body limit of routes that take document uploads.
pub fn with_body_limit<S: Clone + Send + Sync + 'static>(
    r: utoipa_axum::router::UtoipaMethodRouter<S>,
) -> utoipa_axum::router::UtoipaMethodRouter<S> {
    let (schemas, paths, method) = r;
    (
        schemas,
        paths,
        method.layer(axum::extract::DefaultBodyLimit::max(
            crate::uploads::BODY_LIMIT,
        )),
    )
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "monitoring", responses((status = 200, content_type = "application/json", body = Object)))]
async fn openapi_json() -> Response {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(|| crate::openapi().to_json().unwrap_or_default());
    ([(header::CONTENT_TYPE, "application/json")], doc.clone()).into_response()
}

// ---- plumbing ----------------------------------------------------------------------------

/// A JSON body whose errors are problems naming the field.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        if !json {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "content_type",
                "send the body as `Content-Type: application/json`",
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "body", e.to_string()))?;
        parse_json(&bytes).map(Body)
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = inner.to_string();
        let (field, rule) = if msg.starts_with("missing field") {
            let f = crate::problem::serde_field(&msg).unwrap_or_default();
            let field = if path == "." {
                f
            } else {
                format!("{path}.{f}")
            };
            (field, "required")
        } else if inner.is_syntax() || inner.is_eof() {
            ("(body)".to_string(), "json.syntax")
        } else if msg.starts_with("unknown variant") {
            (path, "enum")
        } else {
            (path, "type")
        };
        Problem::invalid(&field, rule, msg)
    })?;
    // One JSON value and nothing after it but whitespace: a body is one document.
    de.end().map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "json.trailing",
            format!("the body has more after its JSON value: {e}"),
        )
        .field("(body)")
    })?;
    Ok(value)
}

/// `?limit&cursor`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// At most this many items (1–200, default 50).
    pub limit: Option<usize>,
    /// Where the previous page ended (its `next_cursor`).
    pub cursor: Option<String>,
}

fn paginate<T>(items: Vec<T>, q: &PageQuery) -> Result<(Vec<T>, Option<String>), Problem> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(Problem::invalid(
            "limit",
            "range",
            "`limit` is between 1 and 200",
        ));
    }
    let start = match q.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => 0,
        Some(c) => c
            .strip_prefix("o")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                Problem::invalid(
                    "cursor",
                    "cursor",
                    "`cursor` is a `next_cursor` from a previous page",
                )
            })?,
    };
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(limit).collect();
    let next = (start + limit < total).then(|| format!("o{}", start + limit));
    Ok((page, next))
}

/// A page of services.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServicePage {
    pub items: Vec<Service>,
    pub next_cursor: Option<String>,
}

/// A page of applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationPage {
    pub items: Vec<Summary>,
    pub next_cursor: Option<String>,
}

fn created<T: Serialize>(v: T) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

/// A session-authenticated state change must carry `X-CSRF-Token`.
fn csrf(v: &Viewer) -> Result<(), Problem> {
    match v.via {
        Via::Session { .. } => v.check_csrf(None),
        _ => Ok(()),
    }
}

// ---- auth --------------------------------------------------------------------------------

/// A logged-in account and the CSRF token its session's state changes carry.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub account: Account,
    /// Send as `X-CSRF-Token` with state-changing requests authenticated by the session cookie.
    pub csrf: Option<String>,
}

/// What a registration answers, whether or not the IIN already had an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    /// What to do next (log in with the IIN and password).
    pub detail: String,
}

/// Register a citizen (IIN + password), then log in. The answer is the same whether the IIN
/// had an account or not, so it does not tell who has one.
#[utoipa::path(post, path = "/api/auth/register", tag = "auth", request_body = Registration,
    responses((status = 202, body = Registered),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn register(
    State(st): State<AppState>,
    v: Viewer,
    Body(r): Body<Registration>,
) -> Result<Response, Problem> {
    auth::register(&st, r, v.lang).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Registered {
            detail: v.lang.t("register-sent").into(),
        }),
    )
        .into_response())
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct LoginRequest {
    /// A citizen's IIN, or a staff login.
    pub login: String,
    pub password: String,
}

/// Log in; sets the session cookie. Five failures in a row from one address lock the account
/// for that address a while (429 with `Retry-After`); 503 with `Retry-After` when too many
/// passwords are being checked at once.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = Me), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 429, body = Problem, content_type = "application/problem+json"),
              (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn login(
    State(st): State<AppState>,
    v: Viewer,
    Body(r): Body<LoginRequest>,
) -> Result<Response, Problem> {
    let (account, token, csrf) =
        auth::login(&st, r.login, r.password, v.source.clone(), v.lang).await?;
    let mut res = Json(Me {
        account,
        csrf: Some(csrf),
    })
    .into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, auth::session_cookie(&st, &token));
    Ok(res)
}

/// End the session.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", responses((status = 204)))]
async fn logout(State(st): State<AppState>, v: Viewer) -> Result<Response, Problem> {
    if let Via::Session { token } = &v.via {
        csrf(&v)?;
        st.accounts.end_session(token)?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .append(header::SET_COOKIE, auth::clear_session_cookie(&st));
    Ok(res)
}

/// Change your password (the current one is required); your other sessions end. An account
/// with a one-time password can do nothing else until it does this.
#[utoipa::path(post, path = "/api/account/password", tag = "auth", request_body = auth::PasswordChange,
    responses((status = 204), (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 429, body = Problem, content_type = "application/problem+json")))]
async fn change_password(
    State(st): State<AppState>,
    v: Viewer,
    Body(c): Body<auth::PasswordChange>,
) -> Result<StatusCode, Problem> {
    v.require_session()?;
    csrf(&v)?;
    auth::change_password(&st, &v, c).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who is logged in.
#[utoipa::path(get, path = "/api/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn me(v: Viewer) -> Result<Json<Me>, Problem> {
    let a = v.require()?.clone();
    let csrf = matches!(v.via, Via::Session { .. }).then(|| v.csrf.clone());
    Ok(Json(Me { account: a, csrf }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct NewToken {
    pub name: String,
    /// Any of `read`, `submit`, `act`, `monitor`, `admin`, `tokens` (list and revoke your
    /// tokens), `metrics` (`/metrics`; admin and monitoring accounts).
    pub scopes: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    pub id: i64,
    /// The secret: shown once. Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub scopes: Vec<String>,
}

/// Your API tokens (never their secrets): from a session, or a token with the `tokens` scope.
#[utoipa::path(get, path = "/api/tokens", tag = "auth", responses((status = 200, body = Vec<TokenInfo>)))]
async fn list_tokens(
    State(st): State<AppState>,
    v: Viewer,
) -> Result<Json<Vec<TokenInfo>>, Problem> {
    let a = v.require_token_admin()?;
    Ok(Json(st.accounts.tokens(a.id)?))
}

/// Create an API token for an integrator (log in with a session to do this).
#[utoipa::path(post, path = "/api/tokens", tag = "auth", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn create_token(
    State(st): State<AppState>,
    v: Viewer,
    Body(t): Body<NewToken>,
) -> Result<Response, Problem> {
    let a = v.require()?;
    if !matches!(v.via, Via::Session { .. }) {
        return Err(Problem::forbidden(
            "token.session_only",
            "tokens are created from a logged-in session",
        ));
    }
    csrf(&v)?;
    let (id, token, scopes) = create_token_for(&st, a, &t.name, &t.scopes)?;
    Ok(created(CreatedToken { id, token, scopes }))
}

/// Validates scopes and creates a token.
pub fn create_token_for(
    st: &AppState,
    a: &Account,
    name: &str,
    scopes: &[String],
) -> Result<(i64, String, Vec<String>), Problem> {
    if name.trim().is_empty() {
        return Err(Problem::invalid("name", "required", "`name` is required"));
    }
    if scopes.is_empty() {
        return Err(Problem::invalid(
            "scopes",
            "required",
            "give at least one scope",
        ));
    }
    for s in scopes {
        if !SCOPES.contains(&s.as_str()) {
            return Err(Problem::invalid(
                "scopes",
                "scope.unknown",
                format!("unknown scope `{s}`: one of {}", SCOPES.join(", ")),
            ));
        }
        if s == "admin" && a.kind != crate::accounts::Kind::Admin {
            return Err(Problem::forbidden(
                "forbidden.admin",
                "only admins hold the `admin` scope",
            ));
        }
        if s == "metrics"
            && !matches!(
                a.kind,
                crate::accounts::Kind::Admin | crate::accounts::Kind::Monitor
            )
        {
            return Err(Problem::forbidden(
                "forbidden.metrics",
                "only admin and monitoring accounts hold the `metrics` scope",
            ));
        }
    }
    let (id, token) = st.accounts.create_token(a.id, name.trim(), scopes)?;
    Ok((id, token, scopes.to_vec()))
}

/// Revoke one of your API tokens: from a session, or a token with the `tokens` scope.
#[utoipa::path(delete, path = "/api/tokens/{id}", tag = "auth", params(("id" = i64, Path, description = "token id")),
    responses((status = 204), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn revoke_token(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<i64>,
) -> Result<StatusCode, Problem> {
    let a = v.require_token_admin()?;
    csrf(&v)?;
    if st.accounts.revoke_token(a.id, id)? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found("such live token of yours"))
    }
}

// ---- catalogue ---------------------------------------------------------------------------

/// Providers and the State Corporation.
#[utoipa::path(get, path = "/api/orgs", tag = "catalogue", responses((status = 200, body = Vec<Org>)))]
async fn list_orgs(State(st): State<AppState>) -> Result<Json<Vec<Org>>, Problem> {
    Ok(Json(st.accounts.orgs()?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceQuery {
    /// Words to find in the id or a title (any language).
    pub q: Option<String>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
}

/// The service catalogue.
#[utoipa::path(get, path = "/api/services", tag = "catalogue", params(ServiceQuery),
    responses((status = 200, body = ServicePage)))]
async fn list_services(
    State(st): State<AppState>,
    Query(q): Query<ServiceQuery>,
) -> Result<Json<ServicePage>, Problem> {
    let orgs = st.accounts.orgs()?;
    let now = st.now();
    let all: Vec<Service> = catalogue::current_versions(&st.ctx, now)
        .into_iter()
        .map(|r| catalogue::service(&st.ctx, r, &orgs, now))
        .filter(|s| q.q.as_deref().is_none_or(|q| catalogue::matches(s, q)))
        .collect();
    let (items, next_cursor) = paginate(
        all,
        &PageQuery {
            limit: q.limit,
            cursor: q.cursor,
        },
    )?;
    Ok(Json(ServicePage { items, next_cursor }))
}

/// One service with its steps per channel.
#[utoipa::path(get, path = "/api/services/{id}", tag = "catalogue", params(("id" = String, Path)),
    responses((status = 200, body = ServiceDetail), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_service(
    State(st): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ServiceDetail>, Problem> {
    let now = st.now();
    let reg = catalogue::regulation(&st.ctx, &id, now)
        .ok_or_else(|| Problem::not_found("such service"))?;
    Ok(Json(catalogue::detail(
        &st.ctx,
        reg,
        &st.accounts.orgs()?,
        now,
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiagramQuery {
    /// The flow (channel) to draw; default the first.
    pub flow: Option<String>,
    /// The language of the drawing's words: `kk`, `ru` or `en` (default).
    pub lang: Option<String>,
}

/// The process diagram of a service's flow (SVG).
#[utoipa::path(get, path = "/api/services/{id}/diagram.svg", tag = "catalogue", params(("id" = String, Path), DiagramQuery),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn service_diagram(
    State(st): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<DiagramQuery>,
) -> Result<Response, Problem> {
    let reg = catalogue::regulation(&st.ctx, &id, st.now())
        .ok_or_else(|| Problem::not_found("such service"))?;
    let flow = q
        .flow
        .or_else(|| reg.flows.keys().next().cloned())
        .unwrap_or_default();
    let lang = match q.lang.as_deref() {
        Some("kk") => crate::i18n::Lang::Kk,
        Some("ru") => crate::i18n::Lang::Ru,
        _ => crate::i18n::Lang::En,
    };
    let svg =
        diagram::flow_svg_in(reg, &flow, lang).ok_or_else(|| Problem::not_found("such flow"))?;
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
        svg,
    )
        .into_response())
}

// ---- applications ------------------------------------------------------------------------

fn idempotency_key(h: &HeaderMap) -> Option<String> {
    h.get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && s.len() <= 200)
}

/// Apply on the portal (citizens). The `Idempotency-Key` header is required: a retry with the
/// same key returns the first result. The body's `signature` is the citizen's CMS signature
/// over the canonical request bytes (see `PortalSubmission`; `POST
/// /api/applications/request-bytes` gives them). A refused signature answers 422 with the
/// refusal's code as `rule` (`ecp.expired`, `ecp.not_yet_valid`, `ecp.revoked`,
/// `ecp.unknown_issuer`, `ecp.iin_mismatch`, `ecp.bad_signature`, `ecp.key_usage`, ...) and
/// the portal's refusal in the request's language; nothing of the request is stored but the
/// refusal code, its SHA-256 and the time. `documents` carries the uploads (base64; at most
/// 10 PDF/JPEG/PNG files of at most 5 MiB, checked by content): a bad file answers 422 with
/// `field` `documents[i]` and `rule` `documents.too_large` / `documents.type` /
/// `documents.too_many`, and nothing is stored; their SHA-256 are in the signed bytes.
#[utoipa::path(post, path = "/api/applications", tag = "applications", request_body = PortalSubmission,
    params(("Idempotency-Key" = String, Header, description = "client key; retries return the first result")),
    responses((status = 201, body = Submitted), (status = 200, description = "replayed", body = Submitted),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn submit_application(
    State(st): State<AppState>,
    v: Viewer,
    headers: HeaderMap,
    Body(req): Body<PortalSubmission>,
) -> Result<Response, Problem> {
    let acc = v.require_scope("submit")?.clone();
    csrf(&v)?;
    let key = idempotency_key(&headers).ok_or_else(|| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "idempotency_key.required",
            "send an `Idempotency-Key` header (any unique string up to 200 characters)",
        )
        .field("Idempotency-Key")
    })?;
    let s = st.clone();
    let lang = v.lang;
    let out = blocking(move || ops::submit_portal(&s, &acc, &req, &key, None, None, lang)).await?;
    Ok(if out.replayed {
        Json(out).into_response()
    } else {
        created(out)
    })
}

/// The bytes a portal request's signature must cover.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestBytes {
    /// The canonical request bytes (UTF-8 JSON text): sign exactly these.
    pub request: String,
    /// Their SHA-256, hex.
    pub sha256: String,
    /// The same bytes, base64 (what NCALayer's `basics.sign` takes).
    pub base64: String,
}

/// The canonical request bytes of a portal application (for the citizen's signing tool):
/// send the body and `Idempotency-Key` you will submit with; `signature` is ignored.
#[utoipa::path(post, path = "/api/applications/request-bytes", tag = "applications", request_body = PortalSubmission,
    params(("Idempotency-Key" = String, Header, description = "the key the submission will carry")),
    responses((status = 200, body = RequestBytes),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn request_bytes(
    v: Viewer,
    headers: HeaderMap,
    Body(req): Body<PortalSubmission>,
) -> Result<Json<RequestBytes>, Problem> {
    let acc = v.require_scope("submit")?;
    if acc.kind != crate::accounts::Kind::Citizen {
        return Err(Problem::forbidden(
            "forbidden.not_citizen",
            "only citizens apply on the portal",
        ));
    }
    let key = idempotency_key(&headers).ok_or_else(|| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "idempotency_key.required",
            "send the `Idempotency-Key` header the submission will carry",
        )
        .field("Idempotency-Key")
    })?;
    let bytes = req.request_bytes(acc.iin.as_deref().unwrap_or_default(), &key);
    Ok(Json(RequestBytes {
        request: String::from_utf8_lossy(&bytes).into_owned(),
        sha256: documents::content_hash(&bytes),
        base64: crate::signing::base64_encode(&bytes),
    }))
}

/// The documents uploaded with an application (whoever may see the application).
#[utoipa::path(get, path = "/api/applications/{id}/uploads", tag = "applications", params(("id" = String, Path)),
    responses((status = 200, body = Vec<crate::uploads::UploadInfo>), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn list_uploads(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Json<Vec<crate::uploads::UploadInfo>>, Problem> {
    let acc = v.require_scope("read")?.clone();
    Ok(Json(
        blocking(move || {
            ops::load_visible(&st, &acc, &id)?;
            crate::uploads::list(&st, &id)
        })
        .await?,
    ))
}

/// Download one uploaded document (`n` from the list), as it was uploaded.
#[utoipa::path(get, path = "/api/applications/{id}/uploads/{n}", tag = "applications",
    params(("id" = String, Path), ("n" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn download_upload(
    State(st): State<AppState>,
    v: Viewer,
    Path((id, n)): Path<(String, i64)>,
) -> Result<Response, Problem> {
    let acc = v.require_scope("read")?.clone();
    let (info, data) = blocking(move || {
        ops::load_visible(&st, &acc, &id)?;
        crate::uploads::get(&st, &id, n)?.ok_or_else(|| Problem::not_found("such document"))
    })
    .await?;
    let name: String = info
        .filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, info.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        data,
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlotQuery {
    /// A centre id (see `centres` in the answer); default all.
    pub centre: Option<String>,
    /// A day in Almaty, `YYYY-MM-DD`; default the coming days the centres work.
    pub date: Option<String>,
}

/// The State Corporation centres and their free and taken e-queue slots.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlotList {
    pub centres: Vec<crate::equeue::Centre>,
    pub slots: Vec<crate::equeue::Slot>,
}

/// The State Corporation e-queue: 15-minute slots per centre within each centre's hours
/// (Mon-Sat 09:00-20:00 unless it has its own) on the coming days it works, one visitor each.
#[utoipa::path(get, path = "/api/sc/slots", tag = "state_corporation", params(SlotQuery),
    responses((status = 200, body = SlotList), (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn sc_slots(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<SlotQuery>,
) -> Result<Json<SlotList>, Problem> {
    v.require_scope("read")?;
    let slots =
        blocking(move || crate::equeue::slots(&st, q.centre.as_deref(), q.date.as_deref())).await?;
    Ok(Json(SlotList {
        centres: crate::equeue::centres(),
        slots,
    }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct BookingRequest {
    /// The slot id (see `GET /api/sc/slots`).
    pub slot: i64,
}

/// Book a State Corporation e-queue slot to collect the result of your application awaiting
/// issue there. One active booking per application; a slot taken meanwhile answers 409
/// `equeue.slot_taken`, a second booking 409 `equeue.already_booked`, an application not
/// awaiting issue at the State Corporation 409 `equeue.not_awaiting_issue`.
#[utoipa::path(post, path = "/api/applications/{id}/booking", tag = "state_corporation", params(("id" = String, Path)),
    request_body = BookingRequest,
    responses((status = 201, body = crate::equeue::Booking),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn book_slot(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Body(req): Body<BookingRequest>,
) -> Result<Response, Problem> {
    let acc = v.require_scope("submit")?.clone();
    csrf(&v)?;
    let b = blocking(move || crate::equeue::book(&st, &acc, &id, req.slot)).await?;
    Ok(created(b))
}

/// Cancel the application's e-queue booking.
#[utoipa::path(delete, path = "/api/applications/{id}/booking", tag = "state_corporation", params(("id" = String, Path)),
    responses((status = 204),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn cancel_booking(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<StatusCode, Problem> {
    let acc = v.require_scope("submit")?.clone();
    csrf(&v)?;
    blocking(move || crate::equeue::cancel(&st, &acc, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The desk's e-queue bookings of a day (default today in Almaty).
#[utoipa::path(get, path = "/api/sc/bookings", tag = "state_corporation", params(SlotQuery),
    responses((status = 200, body = Vec<crate::equeue::Booking>),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn sc_bookings(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<SlotQuery>,
) -> Result<Json<Vec<crate::equeue::Booking>>, Problem> {
    let acc = v.require_scope("read")?.clone();
    Ok(Json(
        blocking(move || {
            crate::equeue::day_bookings(&st, &acc, q.date.as_deref(), q.centre.as_deref())
                .map(|(_, b)| b)
        })
        .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Staff: `inbox` (steps your roles hold now; default) or `all` (your organisation's).
    pub scope: Option<String>,
    /// Search: an IIN, an application id, a receipt number, or the start of the applicant's
    /// name (then no paging).
    pub q: Option<String>,
    /// Only this service (regulation id).
    pub regulation: Option<String>,
    /// Only applications whose current step is this plan index.
    pub step: Option<usize>,
    /// `on_time`, `at_risk` or `overdue` at the server clock (open applications).
    pub sla: Option<String>,
    /// `open` or `closed` (the inbox: open).
    pub status: Option<String>,
    /// Submitted on or after (`2019-12-02`, `02.12.2019` or an instant).
    pub from: Option<String>,
    /// Submitted before.
    pub to: Option<String>,
    /// `step_due` (the inbox's default), `term_due`, `newest` (otherwise the default), `oldest`.
    pub sort: Option<String>,
    /// At most this many items (1–500, default 50).
    pub limit: Option<usize>,
    /// Where the previous page ended (its `next_cursor`).
    pub cursor: Option<String>,
    /// Staff: `1` — only the applications whose current step the head gave to you.
    pub mine: Option<String>,
    /// `1` — only the overdue ones (as `sla=overdue`).
    pub late: Option<String>,
}

/// Your applications (citizens), your inbox or your organisation's (staff), all (monitors):
/// filtered, sorted and paged by keyset (a page costs the same however many there are).
#[utoipa::path(get, path = "/api/applications", tag = "applications", params(ListQuery),
    responses((status = 200, body = ApplicationPage), (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn list_applications(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Json<ApplicationPage>, Problem> {
    let acc = v.require_scope("read")?.clone();
    let p = ops::ListParams {
        scope: q.scope,
        q: q.q,
        regulation: q.regulation,
        step: q.step,
        sla: q.sla,
        status: q.status,
        from: q.from,
        to: q.to,
        sort: q.sort,
        limit: q.limit,
        cursor: q.cursor,
        mine: q.mine,
        late: q.late,
    };
    let s = st.clone();
    let page = blocking(move || ops::list_page(&s, &acc, &p)).await?;
    Ok(Json(ApplicationPage {
        items: page.items,
        next_cursor: page.next_cursor,
    }))
}

/// An application: state, timeline (plan steps with legal due instants and holders), events,
/// notes, documents, and what you may do on its current step.
#[utoipa::path(get, path = "/api/applications/{id}", tag = "applications", params(("id" = String, Path)),
    responses((status = 200, body = Detail), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn get_application(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Json<Detail>, Problem> {
    let acc = v.require_scope("read")?.clone();
    let lang = v.lang;
    let s = st.clone();
    Ok(Json(
        blocking(move || {
            let app = ops::load_visible(&s, &acc, &id)?;
            ops::detail(&s, &acc, &app, lang)
        })
        .await?,
    ))
}

/// Complete the current step (staff holding its role at its organisation).
#[utoipa::path(post, path = "/api/applications/{id}/actions", tag = "applications", params(("id" = String, Path)),
    request_body = ActionRequest,
    responses((status = 200, body = Detail),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn act_on_application(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Body(req): Body<ActionRequest>,
) -> Result<Json<Detail>, Problem> {
    let acc = v.require_scope("act")?.clone();
    csrf(&v)?;
    let lang = v.lang;
    let s = st.clone();
    Ok(Json(
        blocking(move || {
            let app = ops::act(&s, &acc, &id, &req, lang)?;
            ops::detail(&s, &acc, &app, lang)
        })
        .await?,
    ))
}

/// The office clerk registers a paper application for a citizen (channel `office`) and
/// accepts it or refuses to accept it (receipt on refusal with grounds).
#[utoipa::path(post, path = "/api/office/applications", tag = "applications", request_body = Intake,
    params(("Idempotency-Key" = Option<String>, Header, description = "optional client key")),
    responses((status = 201, body = Submitted),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn office_intake(
    State(st): State<AppState>,
    v: Viewer,
    headers: HeaderMap,
    Body(req): Body<Intake>,
) -> Result<Response, Problem> {
    intake(st, v, headers, req, ChannelId::Office).await
}

/// The State Corporation operator takes an application in (channel `state_corporation`);
/// the answer carries the receipt number its barcode encodes.
#[utoipa::path(post, path = "/api/sc/applications", tag = "state_corporation", request_body = Intake,
    params(("Idempotency-Key" = Option<String>, Header, description = "optional client key")),
    responses((status = 201, body = Submitted),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn sc_intake(
    State(st): State<AppState>,
    v: Viewer,
    headers: HeaderMap,
    Body(req): Body<Intake>,
) -> Result<Response, Problem> {
    intake(st, v, headers, req, ChannelId::StateCorporation).await
}

async fn intake(
    st: AppState,
    v: Viewer,
    headers: HeaderMap,
    req: Intake,
    channel: ChannelId,
) -> Result<Response, Problem> {
    let acc = v.require_scope("submit")?.clone();
    csrf(&v)?;
    let key = idempotency_key(&headers);
    let lang = v.lang;
    let out = blocking(move || ops::intake(&st, &acc, channel, &req, key.as_deref(), lang)).await?;
    Ok(if out.replayed {
        Json(out).into_response()
    } else {
        created(out)
    })
}

/// Results waiting at the State Corporation longer than their storage period.
#[utoipa::path(get, path = "/api/sc/unclaimed", tag = "state_corporation",
    responses((status = 200, body = Vec<Summary>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn sc_unclaimed(
    State(st): State<AppState>,
    v: Viewer,
) -> Result<Json<Vec<Summary>>, Problem> {
    let acc = v.require_scope("read")?.clone();
    Ok(Json(blocking(move || ops::unclaimed(&st, &acc)).await?))
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
pub struct ReturnRequest {
    /// Which applications; omit for every unclaimed one.
    #[serde(default)]
    pub applications: Option<Vec<String>>,
}

/// Return unclaimed results to their providers, in one batch.
#[utoipa::path(post, path = "/api/sc/unclaimed/return", tag = "state_corporation", request_body = ReturnRequest,
    responses((status = 200, body = Vec<BatchItem>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn sc_return_unclaimed(
    State(st): State<AppState>,
    v: Viewer,
    Body(req): Body<ReturnRequest>,
) -> Result<Json<Vec<BatchItem>>, Problem> {
    let acc = v.require_scope("act")?.clone();
    csrf(&v)?;
    Ok(Json(
        blocking(move || ops::return_unclaimed(&st, &acc, req.applications)).await?,
    ))
}

/// Ask the provider for a result returned as unclaimed (the applicant came for it).
#[utoipa::path(post, path = "/api/sc/applications/{id}/rerequest", tag = "state_corporation", params(("id" = String, Path)),
    responses((status = 200, body = Detail),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn sc_rerequest(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
) -> Result<Json<Detail>, Problem> {
    let acc = v.require_scope("act")?.clone();
    csrf(&v)?;
    let lang = v.lang;
    Ok(Json(
        blocking(move || {
            let app = ops::rerequest(&st, &acc, &id)?;
            ops::detail(&st, &acc, &app, lang)
        })
        .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    pub application: Option<String>,
}

/// The notifications log (of one application you may see; all of them for admins).
#[utoipa::path(get, path = "/api/notifications", tag = "applications", params(NotificationQuery),
    responses((status = 200, body = Vec<NotificationRow>), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn notifications(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<NotificationQuery>,
) -> Result<Json<Vec<NotificationRow>>, Problem> {
    let acc = v.require_scope("read")?.clone();
    Ok(Json(
        blocking(move || match q.application {
            Some(id) => {
                ops::load_visible(&st, &acc, &id)?;
                Ok(st.accounts.notifications(Some(&id))?)
            }
            None => {
                access::require_admin(&acc)?;
                Ok(st.accounts.notifications(None)?)
            }
        })
        .await?,
    ))
}

// ---- monitoring --------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlaQuery {
    /// Applications submitted from (a date in Almaty or an instant).
    pub from: Option<String>,
    /// ... up to (exclusive).
    pub to: Option<String>,
    /// `json` (default) or `csv`: in Kazakh or Russian (`lang`, the `qz_lang` cookie or
    /// `Accept-Language`) with headers and names in that language; with `lang=en`, the
    /// machine-readable columns (field names, ids).
    pub format: Option<String>,
}

/// SLA compliance per service, provider, step and role; time per step against its legal
/// duration; overdue and at-risk applications now.
#[utoipa::path(get, path = "/api/monitoring/sla", tag = "monitoring", params(SlaQuery),
    responses((status = 200, body = monitoring::Report), (status = 200, content_type = "text/csv", body = String),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn monitoring_sla(
    State(st): State<AppState>,
    v: Viewer,
    Query(q): Query<SlaQuery>,
) -> Result<Response, Problem> {
    let acc = v.require_scope("monitor")?.clone();
    let csv = match q.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(_) => {
            return Err(Problem::invalid(
                "format",
                "enum",
                "`format` is `json` or `csv`",
            ));
        }
    };
    let s = st.clone();
    let r =
        blocking(move || monitoring::report(&s, &acc, q.from.as_deref(), q.to.as_deref())).await?;
    Ok(if csv {
        // Kazakh and Russian readers get names and their own headers; English is the
        // machine-readable form (field names, ids) integrations read.
        let body = match v.lang {
            crate::i18n::Lang::En => monitoring::csv(&r),
            l => crate::ui::sla_csv(&st, l, &r),
        };
        (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"sla.csv\"",
                ),
            ],
            body,
        )
            .into_response()
    } else {
        Json(r).into_response()
    })
}

/// Prometheus metrics: for admin and monitoring accounts, by session or by an API token with
/// the `metrics` scope (scrape with `authorization: credentials`). Not public: the counts
/// describe the service's load and the accounts' activity.
#[utoipa::path(get, path = "/metrics", tag = "monitoring",
    responses((status = 200, content_type = "text/plain", body = String),
              (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn metrics(State(st): State<AppState>, v: Viewer) -> Result<Response, Problem> {
    v.require_metrics()?;
    let text = blocking(move || Ok(crate::metrics::render(&st))).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

/// Liveness: the process answers (always 200), with the store's state for whoever looks —
/// a store that cannot write needs an operator, not a restart loop.
#[utoipa::path(get, path = "/healthz", tag = "monitoring",
    responses((status = 200, body = Object, description = "`{status, store: {state, writable, detail}}`")))]
async fn healthz(State(st): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "store": st.store.health() }))
}

/// Liveness, as the operations guide names it: the same answer as `/healthz`, plus this
/// node's name among the nodes sharing the store.
#[utoipa::path(get, path = "/health", tag = "monitoring",
    responses((status = 200, body = Object, description = "`{status, node, store: {state, writable, detail}}`")))]
async fn health(State(st): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "node": st.node, "store": st.store.health() }))
}

/// Readiness: 503 while the store cannot write (its file gone or replaced, read-only, disk
/// full, writer stopped; on PostgreSQL also a lost connection or a server that is not a
/// read-write primary), so a load balancer sends no more writes here.
#[utoipa::path(get, path = "/ready", tag = "monitoring", responses(
    (status = 200, body = Object, description = "`{ready: true, store}`"),
    (status = 503, body = Object, description = "`{ready: false, store: {state, writable, detail}}`")))]
async fn ready(State(st): State<AppState>) -> Response {
    // The probe may ask the database: off the async threads.
    let store = st.store.clone();
    let h = tokio::task::spawn_blocking(move || store.probe())
        .await
        .unwrap_or_else(|e| store::Health::new(store::HealthState::IoError, e.to_string()));
    let status = if h.writable {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(serde_json::json!({ "ready": h.writable, "store": h })),
    )
        .into_response()
}

// ---- documents ---------------------------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocQuery {
    /// `kk` (default) or `ru`.
    pub lang: Option<String>,
}

/// The application's receipt (`receipt.pdf`) or result (`result.pdf`) as PDF.
#[utoipa::path(get, path = "/api/documents/{application}/{file}", tag = "documents",
    params(("application" = String, Path), ("file" = String, Path, description = "`receipt.pdf` or `result.pdf`"), DocQuery),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 503, body = Problem, content_type = "application/problem+json")))]
async fn document_pdf(
    State(st): State<AppState>,
    v: Viewer,
    Path((id, file)): Path<(String, String)>,
    Query(q): Query<DocQuery>,
) -> Result<Response, Problem> {
    let acc = v.require_scope("read")?.clone();
    let which = file
        .strip_suffix(".pdf")
        .filter(|w| *w == "receipt" || *w == "result")
        .ok_or_else(|| Problem::not_found("such document: ask for `receipt.pdf` or `result.pdf`"))?
        .to_string();
    let lang = match q.lang.as_deref() {
        None | Some("kk") => documents::Lang::Kk,
        Some("ru") => documents::Lang::Ru,
        Some(_) => {
            return Err(Problem::invalid(
                "lang",
                "enum",
                "documents are printed in `kk` or `ru`",
            ));
        }
    };
    let name = format!("{id}-{which}-{}.pdf", lang.code());
    let pdf = blocking(move || {
        let app = ops::load_visible(&st, &acc, &id)?;
        crate::docs::render(&st, &app, &which, lang)
    })
    .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

/// Checks the document with this verification code (the QR code leads here; HTML for
/// browsers): renders it again, compares its SHA-256 with the one the journal recorded with
/// the provider's signature on that copy (`ResultSigned.sha256`, or `ru.sha256` for the
/// Russian copy) and verifies the CMS signature against
/// the trusted CA (chain, validity when the journal recorded the signature, key usage, the
/// provider's BIN, revocation). `status` is
/// `valid`, `invalid` or `unsigned` (a receipt, or the Russian copy of a result signed before
/// both copies were). Each copy of a result, Kazakh and Russian, carries its own signature.
#[utoipa::path(get, path = "/verify/{code}", tag = "documents", params(("code" = String, Path)),
    responses((status = 200, body = crate::signing::DocumentCheck), (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn verify_document(
    State(st): State<AppState>,
    v: Viewer,
    Path(code): Path<String>,
) -> Result<Response, Problem> {
    let lang = v.lang;
    let s = st.clone();
    let c = code.clone();
    let check = blocking(move || crate::signing::check_code(&s, &c, lang)).await?;
    if v.wants_html {
        return Ok(crate::ui::verify_page(&st, &v, &code, check.as_ref()));
    }
    check
        .map(|d| Json(d).into_response())
        .ok_or_else(|| Problem::not_found("document with this verification code"))
}

/// The form to check a PDF (HTML).
#[utoipa::path(get, path = "/verify", tag = "documents",
    responses((status = 200, content_type = "text/html", body = String)))]
async fn verify_form(v: Viewer) -> Response {
    crate::ui::verify_form_page(&v)
}

/// Checks a presented PDF: upload it as the raw body (`Content-Type: application/pdf`) or as
/// the `file` field of `multipart/form-data`. It is confirmed when its SHA-256 is that of a
/// document issued here and, for a signed one, the journal's CMS signature verifies over
/// exactly these bytes; any change (one byte) answers 422 `verify.unknown_document`.
#[utoipa::path(post, path = "/verify", tag = "documents",
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 200, body = crate::signing::DocumentCheck),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn verify_upload(
    State(st): State<AppState>,
    v: Viewer,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let lang = v.lang;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .to_string();
    let parts =
        crate::signing::parse_multipart(&ct, body.clone(), crate::signing::MultipartLimits::VERIFY)
            .await;
    let pdf = match parts {
        Ok(Some(parts)) => parts
            .into_iter()
            .find(|p| p.name == "file" || p.filename.is_some())
            .map(|p| p.data)
            .unwrap_or_default(),
        Ok(None) => body.to_vec(),
        Err(p) if v.wants_html => return Ok(crate::ui::verify_upload_page(&st, &v, Err(p))),
        Err(p) => return Err(p),
    };
    let s = st.clone();
    let r = blocking(move || crate::signing::check_upload(&s, &pdf, lang)).await;
    if v.wants_html {
        return Ok(crate::ui::verify_upload_page(&st, &v, r));
    }
    r.map(|d| Json(d).into_response())
}

// ---- admin -------------------------------------------------------------------------------

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ClockJump {
    /// Minutes to move the server clock forward (negative: back).
    pub advance_minutes: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClockState {
    #[schema(value_type = String)]
    pub now: jiff::Timestamp,
    pub offset_minutes: i64,
}

/// Simulate a clock jump (admins, in a sandbox: `--demo` or `--as-of`).
#[utoipa::path(post, path = "/admin/clock", tag = "admin", request_body = ClockJump,
    responses((status = 200, body = ClockState), (status = 403, body = Problem, content_type = "application/problem+json")))]
async fn admin_clock(
    State(st): State<AppState>,
    v: Viewer,
    Body(j): Body<ClockJump>,
) -> Result<Json<ClockState>, Problem> {
    let acc = v.require_scope("admin")?;
    access::require_admin(acc)?;
    csrf(&v)?;
    clock_jump(&st, j.advance_minutes).map(Json)
}

/// Who signs an organisation's results.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct SigningRoleRequest {
    /// A role of the provider's people in the regulations it provides (e.g. `executor` for a
    /// deputy given signing authority); null: the role the regulations name (the head, the
    /// akim).
    pub role: Option<String>,
}

/// Give the signature of an organisation's results (the authorised person's ЭЦП) to another
/// role, or back to the regulations' own (admins). Files already waiting at a signing step move
/// to the new role's inbox.
#[utoipa::path(put, path = "/api/orgs/{id}/signing-role", tag = "admin", params(("id" = String, Path)),
    request_body = SigningRoleRequest,
    responses((status = 200, body = Org),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn set_org_signing_role(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<String>,
    Body(req): Body<SigningRoleRequest>,
) -> Result<Json<Org>, Problem> {
    let acc = v.require_scope("admin")?;
    access::require_admin(acc)?;
    csrf(&v)?;
    Ok(Json(
        blocking(move || crate::signing::set_signing_role(&st, &id, req.role.as_deref())).await?,
    ))
}

pub fn clock_jump(st: &AppState, minutes: i64) -> Result<ClockState, Problem> {
    if !st.clock_adjustable() {
        return Err(Problem::forbidden(
            "clock.fixed",
            "the clock moves only in a sandbox (--demo or --as-of)",
        ));
    }
    if minutes.abs() > 60 * 24 * 366 {
        return Err(Problem::invalid(
            "advance_minutes",
            "range",
            "at most a year at a time",
        ));
    }
    let now = st.clock.advance(jiff::SignedDuration::from_mins(minutes));
    Ok(ClockState {
        now,
        offset_minutes: st.clock.offset().as_secs() / 60,
    })
}

/// A district's preschool queue: each age group's line in order (registration numbers,
/// tiers, dates of application; never names or IINs) and the referrals issued with the rule
/// that chose each child.
#[utoipa::path(get, path = "/api/queue/{district}", tag = "queue", params(("district" = String, Path)),
    responses((status = 200, body = crate::preschool::DistrictView),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn queue_district(
    State(st): State<AppState>,
    Path(district): Path<String>,
) -> Result<Json<crate::preschool::DistrictView>, Problem> {
    crate::preschool::district_view(&st, &district)
        .map(Json)
        .ok_or_else(|| Problem::not_found("district"))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PlacesRequest {
    /// A preschool organisation of your district (the rules' id).
    pub organisation: String,
    /// The age group (the rules' id, e.g. `y3`).
    pub group: String,
    /// The group's language: `kk` or `ru`.
    pub language: String,
    /// How many places, 1 to 10,000.
    pub count: u32,
}

/// Declare free places of a preschool organisation of your district (staff of the district's
/// education department): referrals go at once to the first children who can take them, in
/// the same transaction. Answers the queue's events (places declared, referrals issued).
#[utoipa::path(post, path = "/api/queue/places", tag = "queue",
    request_body = PlacesRequest,
    responses((status = 201, body = Vec<Object>),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json")))]
async fn queue_places(
    State(st): State<AppState>,
    v: Viewer,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let acc = v.require_scope("act")?.clone();
    csrf(&v)?;
    // Whose district, before what is asked: staff of an organisation keeping no queue learn
    // nothing more.
    crate::preschool::staff_district(&st, &acc)?;
    let req: PlacesRequest = parse_json(&body)?;
    let events = blocking(move || {
        crate::preschool::declare(
            &st,
            &acc,
            &req.organisation,
            &req.group,
            &req.language,
            req.count,
        )
    })
    .await?;
    Ok(created(events))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ReferralRequest {
    /// `accept`, `decline`, `extend` (the applicant) or `enrol` (the district's staff).
    #[schema(value_type = String)]
    pub act: crate::preschool::ReferralAct,
}

/// Accept, decline or extend a referral (its child's applicant), or confirm the enrolment (the
/// district's staff). Answers the queue's events it caused.
#[utoipa::path(post, path = "/api/queue/referrals/{id}", tag = "queue", params(("id" = u64, Path)),
    request_body = ReferralRequest,
    responses((status = 200, body = Vec<Object>),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
async fn queue_referral(
    State(st): State<AppState>,
    v: Viewer,
    Path(id): Path<u64>,
    Body(req): Body<ReferralRequest>,
) -> Result<Json<Vec<queue::Event>>, Problem> {
    let acc = v.require_scope("act")?.clone();
    csrf(&v)?;
    Ok(Json(
        blocking(move || crate::preschool::referral(&st, &acc, id, req.act)).await?,
    ))
}

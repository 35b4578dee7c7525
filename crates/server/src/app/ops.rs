//! What people do, once for the API and the pages alike: submit on the portal, register a
//! paper application at the office, take one in at the State Corporation, complete a step,
//! return unclaimed results — and the views of an application (summary, timeline).
//!
//! For: the sequence check access → build one [`store::Action`] (the engine commands, the
//! automatic steps that follow them, and every record that goes with them: notes, uploaded
//! files, issued documents) → `store.act`, which writes all of it in one transaction or
//! nothing. Every function here is blocking (the store acknowledges after a durable commit):
//! handlers call them through [`blocking`]. Not for: HTTP parsing or rendering (`api`, `ui`),
//! deciding outcomes (`engine`).

use crate::AppState;
use crate::access::{self, org_for};
use crate::accounts::{Account, Kind, Note, ts};
use crate::catalogue::{self, party_str};
use crate::i18n::{Lang, Messages};
use crate::problem::{FieldError, Problem};
use engine::sla::SlaReport;
use engine::{
    Actor, Application, Command, Event, Outcome, Plan, Presented, STATE_CORPORATION, Status,
};
use jiff::Timestamp;
use regulation::ChannelId;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

/// Runs blocking work (store, argon2) off the async workers.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    // The request's span follows the work, so what it logs is attributed to the request.
    let span = tracing::Span::current();
    tokio::task::spawn_blocking(move || span.in_scope(f)).await?
}

fn command_kind(cmd: &Command) -> &'static str {
    match cmd {
        Command::Submit { .. } => "submit",
        Command::Complete { .. } => "complete",
        Command::ReturnUnclaimed { .. } => "return_unclaimed",
        Command::ReRequest { .. } => "rerequest",
        Command::SignResult { .. } => "sign_result",
        Command::Assign { .. } => "assign",
        Command::RefuseRequest { .. } => "refuse_request",
    }
}

/// Runs one user action (see [`store::Action`]): all of it is written, or nothing. Counts
/// its first command (what the user did) and its rejection for `/metrics`.
pub fn act_on(st: &AppState, action: store::Action) -> Result<store::ActionOutcome, Problem> {
    let kind = action
        .ops
        .iter()
        .find_map(|o| match o {
            store::Op::Command(c) => Some(command_kind(c)),
            _ => None,
        })
        .unwrap_or("record");
    let r = st.store.act(action);
    observe(st, kind, &r, |o| o.application.as_ref());
    r.map_err(Problem::from)
}

/// Logs a command's result (inside the request's span, naming the application on it) and
/// counts it for `/metrics`.
fn observe<T>(
    st: &AppState,
    kind: &str,
    r: &Result<T, store::StoreError>,
    application: impl Fn(&T) -> Option<&Application>,
) {
    match r {
        Ok(o) => {
            match application(o) {
                Some(a) => {
                    crate::logging::record_application(&a.id);
                    tracing::info!(command = kind, status = ?a.status, "command");
                }
                None => tracing::info!(command = kind, "command"),
            }
            st.metrics.command(kind, None)
        }
        Err(store::StoreError::Rejected(rej)) => {
            let rule = crate::problem::rejection_rule(rej);
            tracing::info!(command = kind, rule, "command rejected");
            st.metrics.command(kind, Some(&rule))
        }
        Err(store::StoreError::Conflict { rule, .. }) => {
            tracing::info!(command = kind, rule, "command conflicts");
            st.metrics.command(kind, Some(rule))
        }
        Err(e) => {
            tracing::error!(command = kind, "command failed: {e}");
            st.metrics.command(kind, Some("store_error"))
        }
    }
}

/// The application an action left (every action here touches one).
fn acted(o: &store::ActionOutcome) -> Result<Application, Problem> {
    o.application
        .clone()
        .ok_or_else(|| Problem::internal("the action touched no application"))
}

/// Executes a command at the server's clock, counting it and its rejection for `/metrics`.
pub fn execute(st: &AppState, cmd: Command) -> Result<store::Outcome, Problem> {
    execute_at(st, cmd, st.now())
}

/// [`execute`] at a given instant (a signature is recorded at the instant it was made).
pub fn execute_at(st: &AppState, cmd: Command, now: Timestamp) -> Result<store::Outcome, Problem> {
    let kind = command_kind(&cmd);
    let r = st.store.execute(cmd, now);
    observe(st, kind, &r, |o| Some(&o.application));
    r.map_err(Problem::from)
}

fn new_id(st: &AppState) -> String {
    let day = st.ctx.time.local_date(st.now());
    format!(
        "Q{}-{}",
        day.strftime("%Y%m%d"),
        crate::accounts::hex(&crate::accounts::random_bytes::<5>())
    )
}

fn required(field: &str, v: &str, errors: &mut Vec<FieldError>) {
    if v.trim().is_empty() {
        errors.push(FieldError {
            field: field.into(),
            rule: "required".into(),
            detail: format!("`{field}` is required"),
        });
    }
}

/// Validates an IIN (12 digits, birth date, century/sex digit, check digit, a birth date
/// not after the real today), naming the rule. Prefer [`check_iin_at`] with the server's
/// clock where the state is at hand.
pub fn check_iin(field: &str, iin: &str, lang: Lang) -> Result<(), FieldError> {
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .tomorrow()
        .unwrap_or(jiff::civil::Date::MAX);
    check_iin_at(field, iin, today, lang)
}

/// As [`check_iin`], the birth date not after `today` (the server's clock: an IIN is
/// well-formed without one, so `identity` cannot tell a birth date in the future).
pub fn check_iin_at(
    field: &str,
    iin: &str,
    today: jiff::civil::Date,
    lang: Lang,
) -> Result<(), FieldError> {
    identity::Iin::parse(iin.trim())
        .and_then(|i| i.check_born_by(today))
        .map_err(|e| FieldError {
            field: field.into(),
            rule: e.rule().into(),
            detail: e.message(lang),
        })
}

/// As [`check_iin_at`] at the server's clock, except that with `--test-identities` NCA's
/// test IINs (12 digits keeping no IIN rule, e.g. 123456789011) pass too.
pub fn check_account_iin(
    st: &AppState,
    field: &str,
    iin: &str,
    lang: Lang,
) -> Result<(), FieldError> {
    let today = st.ctx.time.local_date(st.now());
    let checked = check_iin_at(field, iin, today, lang);
    if checked.is_err()
        && st.pki.test_identities()
        && identity::Iin::parse_test_identity(iin.trim()).is_ok()
    {
        return Ok(());
    }
    checked
}

/// The longest name accepted, in characters (the longest real names are far shorter).
pub const MAX_NAME_CHARS: usize = 200;

/// Validates a name (a person's, an organisation's): at most [`MAX_NAME_CHARS`]
/// characters, no control characters (NUL, line breaks) and no bidirectional formatting
/// characters (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), which make a name
/// display as other text on every page and document it appears on.
pub fn check_name(field: &str, v: &str, lang: Lang) -> Result<(), FieldError> {
    check_name_as(field, field, v, lang)
}

/// As [`check_name`], its messages naming the field by `label` (the form's own words, so a
/// Kazakh or Russian page shows no field id).
pub fn check_name_as(field: &str, label: &str, v: &str, lang: Lang) -> Result<(), FieldError> {
    let chars = v.chars().count();
    if chars > MAX_NAME_CHARS {
        return Err(FieldError {
            field: field.into(),
            rule: "name.too_long".into(),
            detail: lang.t_args(
                "field-too_long",
                &[
                    ("field", label.into()),
                    ("max", MAX_NAME_CHARS.into()),
                    ("found", chars.into()),
                ],
            ),
        });
    }
    let bidi = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
    if let Some(c) = v.chars().find(|c| c.is_control() || bidi(*c)) {
        return Err(FieldError {
            field: field.into(),
            rule: "name.forbidden_character".into(),
            detail: lang.t_args(
                "field-forbidden_character",
                &[
                    ("field", label.into()),
                    ("char", format!("U+{:04X}", c as u32).into()),
                ],
            ),
        });
    }
    Ok(())
}

fn fail(errors: Vec<FieldError>) -> Result<(), Problem> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Problem::fields(errors))
    }
}

// ---- requests ----------------------------------------------------------------------------

/// A citizen's application on the portal, signed with the citizen's ЭЦП.
///
/// `signature` is a CMS (PKCS#7) SignedData — as NCALayer's `basics.sign` or
/// `openssl cms -sign -binary` make it: base64 or PEM, detached or attached — over the
/// **canonical request bytes**: the UTF-8 JSON object
/// `{"applicant_iin":…,"documents":[…],"idempotency_key":…,"phone":…,"provider":…,"purpose":"qyzmet/portal-application/v1","regulation":…}`
/// with its keys in this (ascending) order, no whitespace, strings escaped as JSON requires
/// (RFC 8785 canonical JSON); `applicant_iin` is the logged-in citizen's IIN, `documents`
/// the lowercase hex SHA-256 of each uploaded file's bytes, sorted ascending (present only
/// when documents are sent), `idempotency_key` the `Idempotency-Key` header (trimmed),
/// `phone` present only when sent; values exactly as sent.
///
/// `documents`: at most 10 files, each at most 5 MiB, PDF, JPEG or PNG as recognised by its
/// first bytes (a `.pdf`/`.jpg`/`.jpeg`/`.png` extension must agree); a bad file answers 422
/// naming `documents[i]` and the rule (`documents.too_large`, `documents.type`,
/// `documents.too_many`) and nothing of the submission is stored. `POST /api/applications/request-bytes` returns
/// them. The signer's certificate must chain to the trusted CA, be valid when the
/// server receives the request (the CMS signingTime is the signer's word), be an individual's
/// signing certificate (nonRepudiation), not be revoked and carry the applicant's IIN; otherwise the request is
/// refused (422, `rule` = the refusal's code such as `ecp.expired`, the portal's message in
/// the request's language) and only its refusal code, request hash and time are kept.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct PortalSubmission {
    /// Regulation id (see `GET /api/services`).
    pub regulation: String,
    /// The providing organisation's id (see the service's `providers[].organisations`).
    pub provider: String,
    /// Phone for status SMS (optional).
    #[serde(default)]
    pub phone: Option<String>,
    /// The CMS signature over the canonical request bytes (base64 or PEM).
    #[serde(default)]
    pub signature: Option<String>,
    /// The regulation's required documents, uploaded (base64).
    #[serde(default)]
    pub documents: Vec<crate::uploads::DocumentUpload>,
    /// The application's data: the service's fields (`GET /api/services/{id}`, `application`),
    /// dates as dd.mm.yyyy or yyyy-mm-dd, several choices as a list. Signed as sent.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub data: engine::FormData,
    /// The applicant confirms a repeated application: without it, an open application of
    /// the same service for the same person answers 409 `application.duplicate`. Not signed.
    #[serde(default)]
    pub confirm_duplicate: bool,
}

impl PortalSubmission {
    /// The exact bytes the signature covers (see the type's description).
    pub fn request_bytes(&self, applicant_iin: &str, key: &str) -> Vec<u8> {
        self.request_bytes_with(
            applicant_iin,
            key,
            &crate::uploads::hashes_of(&self.documents),
        )
    }

    /// The bytes the signature covers with these documents' SHA-256 (the portal form's
    /// uploads kept for its signing step).
    pub fn request_bytes_with(
        &self,
        applicant_iin: &str,
        key: &str,
        documents: &[String],
    ) -> Vec<u8> {
        crate::signing::request_bytes(
            applicant_iin,
            key,
            &self.regulation,
            &self.provider,
            self.phone.as_deref(),
            documents,
            &self.data,
        )
    }
}

/// Accept the documents, or refuse to accept them (a receipt on refusal with grounds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    #[default]
    Accept,
    Refuse,
}

/// A paper application registered at the office or taken in at the State Corporation.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct Intake {
    pub regulation: String,
    pub applicant_iin: String,
    pub applicant_name: String,
    /// State Corporation only: the providing organisation's id.
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub decision: Decision,
    /// Required when refusing: why the documents are not accepted.
    #[serde(default)]
    pub grounds: Option<String>,
    /// Staff enter, outside the counter's working hours, an application they took in: it is
    /// recorded as taken in at the next working opening (both instants are kept). Without
    /// it, an application outside working hours is refused (`outside_working_hours`).
    #[serde(default)]
    pub late_entry: bool,
    /// State Corporation only: the centre that takes it in (its hours apply; see
    /// `GET /api/equeue/centres`). None: the State Corporation's default hours.
    #[serde(default)]
    pub centre: Option<String>,
    /// The application's data, as for a portal submission.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub data: engine::FormData,
    /// Staff confirm a repeated application (see [`PortalSubmission::confirm_duplicate`]).
    #[serde(default)]
    pub confirm_duplicate: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Done,
    RefuseAcceptance,
    MotivatedRefusal,
    Fail,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PresentedKind {
    IdentityDocument,
    NotarisedPowerOfAttorney,
}

/// Complete the current step.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct ActionRequest {
    /// Plan index of the step you are completing (the application's current step).
    pub step: usize,
    pub outcome: OutcomeKind,
    /// Grounds of a refusal, or the reason of a failed portal condition.
    #[serde(default)]
    pub grounds: Option<String>,
    /// At an issuing step of the State Corporation: what the person collecting showed.
    #[serde(default)]
    pub presented: Option<PresentedKind>,
    /// The official's note (the head's resolution, the executor's check), kept with the step:
    /// internal, never shown to the applicant.
    #[serde(default)]
    pub note: Option<String>,
    /// A comment to the applicant: shown on their page and sent with the notification.
    #[serde(default)]
    pub comment: Option<String>,
    /// At the step where the head hands the file over (`current.executors` is not empty): the
    /// login of the executor named, one of `current.executors`. Required there.
    #[serde(default)]
    pub executor: Option<String>,
    /// A motivated refusal: the regulation's grounds chosen, by `current.refusal_grounds[].id`.
    /// Required (one or more) where the regulation lists grounds for the application's
    /// channel; `grounds` is then an optional comment. Where it lists none, `grounds` states them.
    #[serde(default)]
    pub refusal_grounds: Vec<usize>,
    /// At a signing step (`current.signs_result`): the signer's ЭЦП on both copies of the
    /// result, as the page's `to-sign` answer gave them. Absent: refused
    /// (`signature.required`), except on demo servers, where the organisation's demo key
    /// held by the server signs, as `{"demo_key": true}` asks.
    #[serde(default)]
    pub signature: Option<ResultSignatureRequest>,
}

/// The signatures on a result: a CMS SignedData over each copy (base64, or PEM), made over the
/// bytes prepared for `signed_at`; or, on demo servers, the organisation's demo key.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct ResultSignatureRequest {
    /// The instant the copies are dated (`signed_at` of the bytes prepared to sign), RFC 3339.
    #[serde(default)]
    pub signed_at: Option<String>,
    /// Over the Kazakh original.
    #[serde(default)]
    pub kk: Option<String>,
    /// Over the Russian copy.
    #[serde(default)]
    pub ru: Option<String>,
    /// Sign with the organisation's demo key the server holds (demo servers only).
    #[serde(default)]
    pub demo_key: bool,
}

impl ResultSignatureRequest {
    /// What it asks, each missing or malformed part named.
    pub fn signing(&self, lang: Lang) -> Result<crate::signing::ResultSigning, Problem> {
        use crate::signing::ResultSigning;
        if self.demo_key {
            return Ok(ResultSigning::DemoKey);
        }
        let mut errors = vec![];
        let mut part = |field: &str, v: &Option<String>| {
            let v = v.as_deref().map(str::trim).unwrap_or("");
            if v.is_empty() {
                errors.push(FieldError {
                    field: field.into(),
                    rule: "signature.required".into(),
                    detail: lang.t("sign-result_required").into(),
                });
            }
            v.as_bytes().to_vec()
        };
        let kk = part("signature.kk", &self.kk);
        let ru = part("signature.ru", &self.ru);
        let signed_at = self
            .signed_at
            .as_deref()
            .and_then(|t| t.trim().parse::<Timestamp>().ok());
        if signed_at.is_none() {
            errors.push(FieldError {
                field: "signature.signed_at".into(),
                rule: "rfc3339".into(),
                detail: "the instant the copies were prepared (RFC 3339) is required".into(),
            });
        }
        match (errors.is_empty(), signed_at) {
            (true, Some(signed_at)) => Ok(ResultSigning::Cms { signed_at, kk, ru }),
            _ => Err(Problem::fields(errors)),
        }
    }
}

// ---- views -------------------------------------------------------------------------------

/// One application in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Summary {
    pub id: String,
    pub regulation: String,
    pub version: u32,
    pub title: catalogue::Titles,
    pub channel: String,
    pub provider: String,
    pub applicant_iin: String,
    pub applicant_name: String,
    /// `in_progress`, `awaiting_issue`, `returned_to_provider`, `closed`.
    pub status: String,
    /// How it closed: `issued`, `refusal_issued`, `acceptance_refused`, `refusal_notice`.
    pub closure: Option<String>,
    pub step: usize,
    /// The role that holds the file now, and its organisation.
    pub role: Option<String>,
    pub holder: Option<String>,
    #[schema(value_type = Option<String>)]
    pub step_due: Option<Timestamp>,
    #[schema(value_type = Option<String>)]
    pub term_due: Option<Timestamp>,
    /// `on_time`, `at_risk`, `overdue` (open applications).
    pub sla: Option<String>,
    #[schema(value_type = String)]
    pub submitted_at: Timestamp,
    pub receipt: Option<String>,
    /// Present when the result (or the motivated refusal) was issued after the service term:
    /// by how many working days. Judged where the term is met — when the result reached the
    /// State Corporation for the applicant to collect, else when it was issued.
    pub late: Option<Late>,
    /// The status a citizen sees (`submitted`, `accepted`, `in_progress`, `result_ready`,
    /// `issued`, `refused`, `returned`; see `statuses`).
    pub citizen_status: crate::statuses::CitizenStatus,
    /// Its legal due date: the service term's; for `result_ready` the storage period's end.
    #[schema(value_type = Option<String>)]
    pub citizen_status_due: Option<Timestamp>,
    /// A refusal: `refusal_letter`, `refusal_to_accept` or `notice`.
    pub refusal_kind: Option<crate::statuses::RefusalKind>,
}

/// An act done after its deadline: how late, in working days of the Kazakhstan calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Late {
    /// Working days after the deadline's date (Asia/Almaty) up to and including the date of
    /// the act: 0 when it was done later on the deadline's own day, or only on days off after
    /// it — late all the same.
    pub working_days: u32,
    /// Done on the deadline's own date.
    pub same_day: bool,
    /// The deadline.
    #[schema(value_type = String)]
    pub due: Timestamp,
    /// When it was done.
    #[schema(value_type = String)]
    pub at: Timestamp,
}

impl Late {
    /// The lateness of an act done at `at` against `due` (None: on time, or no deadline).
    pub fn of(due: Option<Timestamp>, at: Option<Timestamp>) -> Option<Late> {
        let (due, at) = (due?, at?);
        engine::sla::late(Some(due), at).map(|l| Late {
            working_days: l.working_days,
            same_day: l.same_day,
            due,
            at,
        })
    }
}

/// A step of the application's plan as it went.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimelineStep {
    pub index: usize,
    pub flow: String,
    pub n: u32,
    pub role: String,
    pub role_name: String,
    pub party: String,
    /// The organisation that holds the step.
    pub holder: String,
    pub duration: Option<String>,
    pub text: String,
    /// `done`, `current`, `pending`, `not_reached` or `failure_only`.
    pub state: String,
    #[schema(value_type = Option<String>)]
    pub started_at: Option<Timestamp>,
    /// The legal due instant of the step.
    #[schema(value_type = Option<String>)]
    pub due: Option<Timestamp>,
    #[schema(value_type = Option<String>)]
    pub completed_at: Option<Timestamp>,
    pub outcome: Option<String>,
    pub on_time: Option<bool>,
    /// Present when the step was completed after its due instant: by how many working days.
    pub late: Option<Late>,
}

/// The current step, and what the viewer may do on it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Current {
    pub step: usize,
    pub role: String,
    pub holder: String,
    #[schema(value_type = Option<String>)]
    pub due: Option<Timestamp>,
    /// Outcomes the regulation allows here.
    pub outcomes: Vec<String>,
    /// Whether issuing here needs `presented`.
    pub needs_presented: bool,
    /// Whether the viewer may complete it.
    pub can_act: bool,
    /// The result is signed here (`GET /applications/{id}/preview.pdf` shows it first).
    pub signs_result: bool,
    /// The person named for this step by the head, if any: only they (or the head) act on it.
    pub assignee: Option<Person>,
    /// At the step where the head hands the file over: the executors to choose from (the
    /// request's `executor`); empty for citizens.
    pub executors: Vec<Person>,
    /// Where the service may be refused here: the regulation's grounds to choose from.
    pub refusal_grounds: Vec<GroundChoice>,
}

/// A member of staff as others see them: login and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Person {
    pub login: String,
    pub name: String,
}

impl From<&engine::Assignee> for Person {
    fn from(a: &engine::Assignee) -> Person {
        Person {
            login: a.login.clone(),
            name: a.name.clone(),
        }
    }
}

/// One of the regulation's grounds of a motivated refusal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroundChoice {
    /// What `refusal_grounds` names it by: its position in the regulation's list.
    pub id: usize,
    /// The ground in the request's language.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentLink {
    /// `receipt` or `result`.
    pub kind: String,
    /// The document's kind in the documents crate (`acceptance_receipt`, `certificate`, ...).
    pub doc_kind: String,
    pub url_kk: String,
    pub url_ru: String,
    /// The provider's ЭЦП is on the Kazakh original (`url_kk`).
    pub signed: bool,
    /// The verification page of the signed original.
    pub verify_url: Option<String>,
    /// The provider's ЭЦП is on the Russian copy (`url_ru`) too: results signed since both
    /// copies are.
    pub signed_ru: bool,
    /// The verification page of the signed Russian copy.
    pub verify_url_ru: Option<String>,
}

/// An application with its timeline, events and documents.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Detail {
    #[serde(flatten)]
    pub summary: Summary,
    pub provider_name: catalogue::Titles,
    pub sla_report: Option<SlaView>,
    pub current: Option<Current>,
    /// The statuses a citizen sees, oldest first, the last one current.
    pub statuses: Vec<crate::statuses::StatusEntry>,
    /// The plan's steps as they went (staff only: empty for the applicant).
    pub timeline: Vec<TimelineStep>,
    /// The journal's events, as the engine wrote them (staff only: empty for the applicant).
    #[schema(value_type = Vec<Object>)]
    pub events: Vec<serde_json::Value>,
    /// Officials' notes; the applicant sees only the comments made public to them.
    pub notes: Vec<Note>,
    pub documents: Vec<DocumentLink>,
    pub refusal_grounds: Option<String>,
    /// The documents the applicant uploaded with a portal application.
    pub uploads: Vec<crate::uploads::UploadInfo>,
    /// The applicant's active State Corporation e-queue booking to collect the result.
    pub booking: Option<crate::equeue::Booking>,
    /// The child's place in the preschool queue (the queue's service only).
    pub queue: Option<crate::preschool::ChildView>,
    /// The legal acceptance instant the term counts from: `submitted_at` within working
    /// hours; outside them the portal's registration at the next working opening, or the
    /// opening a counter's late entry is recorded at.
    #[schema(value_type = String)]
    pub accepted_at: Timestamp,
    /// Staff entered it outside the counter's working hours.
    pub late_entry: bool,
    /// The State Corporation centre that took it in, if named.
    pub centre: Option<String>,
    /// The application's data (the service's fields), as accepted.
    #[schema(value_type = Object)]
    pub data: engine::FormData,
    /// The executor the head named (kept after their step, for the record).
    pub assignee: Option<Person>,
    /// The regulation's grounds a motivated refusal named, in the request's language.
    pub listed_grounds: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SlaView {
    pub status: String,
    pub reason: String,
    pub role: Option<String>,
    #[schema(value_type = Option<String>)]
    pub step_due: Option<Timestamp>,
    #[schema(value_type = Option<String>)]
    pub term_due: Option<Timestamp>,
}

fn sla_view(r: &SlaReport) -> SlaView {
    SlaView {
        status: r.status.as_str().into(),
        reason: r.reason.into(),
        role: r.role.clone(),
        step_due: r.step_due,
        term_due: r.term_due,
    }
}

fn titles_of(st: &AppState, app: &Application) -> catalogue::Titles {
    titles_by(st, &app.regulation, app.version)
}

pub fn plan_of(st: &AppState, app: &Application) -> Result<Arc<Plan>, Problem> {
    st.ctx
        .plan(&app.regulation, app.version, app.channel)
        .cloned()
        .ok_or_else(|| Problem::internal("the application's plan is missing"))
}

pub fn summary(st: &AppState, app: &Application, now: Timestamp) -> Summary {
    let plan = st.ctx.plan(&app.regulation, app.version, app.channel);
    let step = plan.and_then(|p| p.step(app.step));
    let open = app.status != Status::Closed;
    let name = app.applicant_name.clone();
    Summary {
        id: app.id.clone(),
        regulation: app.regulation.clone(),
        version: app.version,
        title: titles_of(st, app),
        channel: app.channel.as_str().into(),
        provider: app.provider.clone(),
        applicant_iin: app.applicant_iin.clone(),
        applicant_name: name,
        status: app.status.as_str().into(),
        closure: app.closure.map(|c| c.as_str().into()),
        step: app.step,
        role: step.filter(|_| open).map(|s| st.ctx.step_role(app, s)),
        holder: step.filter(|_| open).map(|s| org_for(app, s.party)),
        step_due: app.step_due,
        term_due: app.term_due,
        sla: engine::sla::sla(app, now, &st.ctx).map(|r| r.status.as_str().into()),
        submitted_at: app.submitted_at,
        receipt: app.receipt.clone(),
        late: Late::of(app.term_due, engine::sla::result_at(app)),
        citizen_status: crate::statuses::CitizenStatus::InProgress,
        citizen_status_due: None,
        refusal_kind: None,
    }
    .with_citizen_status(st, app.ready_at)
}

impl Summary {
    /// Fills the citizen's status from the summary's own fields (`ready_at`: when the result
    /// reached the State Corporation's desk).
    fn with_citizen_status(mut self, st: &AppState, ready_at: Option<Timestamp>) -> Summary {
        let (status, due, refusal) = crate::statuses::current_of(st, &self, ready_at);
        self.citizen_status = status;
        self.citizen_status_due = due;
        self.refusal_kind = refusal;
        self
    }
}

fn outcome_str(o: &Outcome) -> &'static str {
    match o {
        Outcome::Done => "done",
        Outcome::RefuseAcceptance { .. } => "refuse_acceptance",
        Outcome::MotivatedRefusal { .. } => "motivated_refusal",
        Outcome::Fail { .. } => "fail",
    }
}

/// The plan's steps as the events walked them.
pub fn timeline(
    st: &AppState,
    app: &Application,
    events: &[Event],
    lang: Lang,
) -> Result<Vec<TimelineStep>, Problem> {
    let plan = plan_of(st, app)?;
    let reg = st
        .ctx
        .regulations()
        .iter()
        .find(|r| r.id == app.regulation && r.version == app.version)
        .cloned();
    struct Done {
        start: Timestamp,
        due: Option<Timestamp>,
        at: Timestamp,
        outcome: String,
    }
    let mut done: std::collections::HashMap<usize, Done> = Default::default();
    let mut cur: Option<(usize, Timestamp, Option<Timestamp>)> = None;
    for e in events {
        match e {
            Event::Submitted { at, step_due, .. } => cur = Some((0, *at, *step_due)),
            Event::StepCompleted {
                step,
                at,
                outcome,
                next_due,
                ..
            } => {
                let (start, due) = match cur {
                    Some((i, s, d)) if i == *step => (s, d),
                    _ => (*at, None),
                };
                done.insert(
                    *step,
                    Done {
                        start,
                        due,
                        at: *at,
                        outcome: outcome_str(outcome).into(),
                    },
                );
                let refusing = matches!(outcome, Outcome::MotivatedRefusal { .. });
                cur = plan
                    .next_after(*step, refusing)
                    .map(|n| (n.index, *at, *next_due));
            }
            Event::Closed { .. } => cur = None,
            Event::ReturnedToProvider { .. } => {}
            Event::ReRequested { at, due, .. } => cur = Some((app.step, *at, Some(*due))),
            Event::ResultSigned { .. } | Event::Assigned { .. } => {}
            Event::RequestRefused { .. } => cur = None,
        }
    }
    let closed = app.status == Status::Closed;
    Ok(plan
        .steps
        .iter()
        .map(|s| {
            let d = done.get(&s.index);
            let is_cur = !closed && s.index == app.step && d.is_none();
            let state = if d.is_some() {
                "done"
            } else if is_cur {
                "current"
            } else if s.only_on_failure {
                "failure_only"
            } else if closed || s.index < app.step {
                "not_reached"
            } else {
                "pending"
            };
            let text = match lang {
                Lang::En => s.text_en.clone(),
                _ => reg
                    .as_deref()
                    .and_then(|r| catalogue::step_text(r, &s.flow, s.n, lang))
                    .unwrap_or_else(|| s.text_en.clone()),
            };
            let role = st.ctx.step_role(app, s);
            TimelineStep {
                index: s.index,
                flow: s.flow.clone(),
                n: s.n,
                role_name: catalogue::role_name(reg.as_deref(), &role, lang),
                role,
                party: party_str(s.party).into(),
                holder: org_for(app, s.party),
                duration: s.duration.map(|d| d.to_string()),
                text,
                state: state.into(),
                started_at: d.map(|d| d.start).or(if is_cur {
                    Some(app.step_started)
                } else {
                    None
                }),
                due: d
                    .and_then(|d| d.due)
                    .or(if is_cur { app.step_due } else { None }),
                completed_at: d.map(|d| d.at),
                outcome: d.map(|d| d.outcome.clone()),
                on_time: d.and_then(|d| d.due.map(|due| d.at <= due)),
                late: d.and_then(|d| Late::of(d.due, Some(d.at))),
            }
        })
        .collect())
}

fn current(st: &AppState, acc: &Account, app: &Application, lang: Lang) -> Option<Current> {
    if app.status == Status::Closed || app.status == Status::ReturnedToProvider {
        return None;
    }
    let plan = st.ctx.plan(&app.regulation, app.version, app.channel)?;
    let s = plan.step(app.step)?;
    let mut outcomes = vec!["done".to_string()];
    if s.refuse_acceptance.is_some() {
        outcomes.push("refuse_acceptance".into());
    }
    if s.motivated_refusal.is_some() {
        outcomes.push("motivated_refusal".into());
    }
    if s.refusal_notice.is_some() {
        outcomes.push("fail".into());
    }
    Some(Current {
        step: s.index,
        role: st.ctx.step_role(app, s),
        holder: org_for(app, s.party),
        due: app.step_due,
        outcomes,
        needs_presented: plan.sc_issue_index() == Some(s.index)
            && app.status == Status::AwaitingIssue
            && !plan.issue_requires.is_empty(),
        can_act: access::may_act(acc, app, &st.ctx).is_ok(),
        signs_result: s.signs_result,
        assignee: s.assigned_by.and(app.assignee.as_ref()).map(Person::from),
        executors: match s.assigns.and_then(|i| plan.step(i)) {
            // Staff's and officials' to see (the API's clients choose from it), never a citizen's.
            Some(to) if acc.kind != Kind::Citizen => {
                executors(st, &app.provider, &to.role).unwrap_or_default()
            }
            _ => vec![],
        },
        refusal_grounds: if s.motivated_refusal.is_some() {
            ground_choices(st, app, lang)
        } else {
            vec![]
        },
    })
}

/// The staff of `org` holding `role`, as the head chooses among them (by name).
pub fn executors(st: &AppState, org: &str, role: &str) -> Result<Vec<Person>, Problem> {
    let mut out: Vec<Person> = st
        .accounts
        .list()?
        .into_iter()
        .filter(|a| a.kind == Kind::Staff && a.org.as_deref() == Some(org) && a.has_role(role))
        .map(|a| Person {
            login: a.login,
            name: a.name,
        })
        .collect();
    out.sort_by(|a, b| a.login.cmp(&b.login));
    Ok(out)
}

/// The regulation's grounds of a motivated refusal for `app`'s channel, in `lang`.
pub fn ground_choices(st: &AppState, app: &Application, lang: Lang) -> Vec<GroundChoice> {
    let Some(reg) = st
        .ctx
        .regulations()
        .iter()
        .find(|r| r.id == app.regulation && r.version == app.version)
    else {
        return vec![];
    };
    (0..reg.refusal_grounds.len())
        .filter(|i| engine::refusal_ground_applies(reg, *i, app.channel))
        .map(|i| GroundChoice {
            id: i,
            text: catalogue::ground_text(reg.refusal_grounds[i].get_ref(), lang),
        })
        .collect()
}

/// The documents an application has: the receipt given at intake (or on refusal to accept)
/// and the result (or refusal, or portal notice) once closed.
pub fn document_links(st: &AppState, app: &Application) -> Vec<DocumentLink> {
    let mut out = vec![];
    let link = |kind: &str, doc: documents::DocKind| DocumentLink {
        kind: kind.into(),
        doc_kind: doc.code().into(),
        url_kk: format!("/api/documents/{}/{kind}.pdf?lang=kk", app.id),
        url_ru: format!("/api/documents/{}/{kind}.pdf?lang=ru", app.id),
        signed: false,
        verify_url: None,
        signed_ru: false,
        verify_url_ru: None,
    };
    if let Some(k) = crate::docs::receipt_kind(app) {
        out.push(link("receipt", k));
    }
    if let Some(k) = crate::docs::result_kind(st, app) {
        let mut l = link("result", k);
        if let Some(sig) = app
            .signature
            .as_ref()
            .filter(|s| app.document.as_deref() == Some(s.document.as_str()))
        {
            let verify = |sha: &str| {
                st.accounts
                    .document_by_hash(sha)
                    .ok()
                    .flatten()
                    .map(|d| format!("/verify/{}", d.code))
            };
            l.signed = true;
            l.verify_url = verify(&sig.sha256);
            if let Some(ru) = &sig.ru {
                l.signed_ru = true;
                l.verify_url_ru = verify(&ru.sha256);
            }
        }
        out.push(l);
    }
    out
}

pub fn detail(
    st: &AppState,
    acc: &Account,
    app: &Application,
    lang: Lang,
) -> Result<Detail, Problem> {
    let now = st.now();
    let events = st.store.events(&app.id)?;
    // The applicant sees statuses and public comments; the steps, the journal and the
    // officials' internal notes are the staff's.
    let citizen = acc.kind == Kind::Citizen;
    let timeline = if citizen {
        vec![]
    } else {
        timeline(st, app, &events, lang)?
    };
    let statuses = crate::statuses::history(st, app, &events, now);
    let provider_name = st
        .accounts
        .org(&app.provider)?
        .map(|o| catalogue::Titles {
            kk: o.name_kk,
            ru: o.name_ru,
            en: o.name_en,
        })
        .unwrap_or_else(|| catalogue::Titles {
            kk: app.provider.clone(),
            ru: app.provider.clone(),
            en: app.provider.clone(),
        });
    Ok(Detail {
        summary: summary(st, app, now),
        provider_name,
        sla_report: engine::sla::sla(app, now, &st.ctx).map(|r| sla_view(&r)),
        current: current(st, acc, app, lang),
        statuses,
        timeline,
        events: if citizen {
            vec![]
        } else {
            events
                .iter()
                .map(|e| serde_json::to_value(e).unwrap_or_default())
                .collect()
        },
        notes: st
            .accounts
            .notes(&app.id)?
            .into_iter()
            .filter(|n| !citizen || n.public)
            .collect(),
        documents: document_links(st, app),
        refusal_grounds: app.refusal_grounds.clone(),
        uploads: crate::uploads::list(st, &app.id)?,
        booking: crate::equeue::active_booking(st, &app.id)?,
        queue: crate::preschool::child_view(st, &app.id),
        accepted_at: app.accepted(),
        late_entry: app.reception.late_entry,
        centre: app.reception.centre.clone(),
        data: app.data.clone(),
        assignee: app.assignee.as_ref().map(Person::from),
        listed_grounds: {
            let all = ground_choices(st, app, lang);
            app.listed_grounds
                .iter()
                .filter_map(|i| all.iter().find(|g| g.id == *i).map(|g| g.text.clone()))
                .collect()
        },
    })
}

/// The application `id` if `acc` may see it (404 otherwise).
pub fn load_visible(st: &AppState, acc: &Account, id: &str) -> Result<Application, Problem> {
    access::visible(acc, st.store.application(id)?)
}

/// A list request: the filters and page of the inbox, the cabinet and staff lists.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListParams {
    /// Staff: `inbox` (steps your roles hold now; default) or `all` (your organisation's).
    pub scope: Option<String>,
    /// Search: an IIN, an application id, a receipt number, or the start of a name.
    pub q: Option<String>,
    pub regulation: Option<String>,
    pub step: Option<usize>,
    /// `on_time`, `at_risk` or `overdue` (open applications).
    pub sla: Option<String>,
    /// `open` or `closed`.
    pub status: Option<String>,
    /// Submitted on or after this date (`2019-12-02` or `02.12.2019`) or instant.
    pub from: Option<String>,
    /// Submitted before this date or instant.
    pub to: Option<String>,
    /// `step_due` (default for the inbox), `term_due`, `newest` (default otherwise), `oldest`.
    pub sort: Option<String>,
    /// 1–500, default 50.
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    /// Staff: `1` — only the applications whose current step the head gave to you.
    pub mine: Option<String>,
    /// `1` — only the overdue ones (as `sla=overdue`).
    pub late: Option<String>,
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListPage {
    pub items: Vec<Summary>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

/// What part of the applications `acc` may see.
pub fn scope_of(acc: &Account) -> Option<store::Scope> {
    match acc.kind {
        Kind::Citizen => Some(store::Scope::Applicant(acc.iin.clone()?)),
        Kind::Staff => match acc.org.as_deref()? {
            STATE_CORPORATION => Some(store::Scope::StateCorporation),
            org => Some(store::Scope::Provider(org.to_string())),
        },
        Kind::Monitor | Kind::Admin => Some(store::Scope::All),
    }
}

fn enum_error(field: &str, allowed: &str) -> Problem {
    Problem::invalid(field, "enum", format!("`{field}` is one of {allowed}"))
}

/// A `from`/`to` bound: a date (Almaty, start of day) or an instant.
pub fn parse_bound(s: &str) -> Option<Timestamp> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    let d: jiff::civil::Date = s.parse().ok()?;
    d.to_zoned_datetime(calendar::almaty())
        .ok()
        .map(|z| z.timestamp())
}

/// A date bound: `YYYY-MM-DD`, `DD.MM.YYYY` (as people write it here) or an instant.
pub fn parse_date_bound(field: &str, v: Option<&str>) -> Result<Option<Timestamp>, Problem> {
    let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let iso = match v.split('.').collect::<Vec<_>>()[..] {
        [d, m, y] if d.len() <= 2 && m.len() <= 2 && y.len() == 4 => {
            format!("{y}-{m:0>2}-{d:0>2}")
        }
        _ => v.to_string(),
    };
    parse_bound(&iso).map(Some).ok_or_else(|| {
        Problem::invalid(
            field,
            "date",
            format!("`{field}` is a date (02.12.2019 or 2019-12-02) or an instant"),
        )
    })
}

/// A page of the applications `acc` sees: a citizen's own; staff's inbox (`scope = inbox`,
/// the steps their roles hold now) or their organisation's; everything for monitors and
/// admins — filtered, sorted and paged by the store's list rows (or found by `q`).
pub fn list_page(st: &AppState, acc: &Account, p: &ListParams) -> Result<ListPage, Problem> {
    let now = st.now();
    let Some(scope) = scope_of(acc) else {
        return Ok(ListPage {
            items: vec![],
            next_cursor: None,
        });
    };
    let inbox = acc.kind == Kind::Staff && p.scope.as_deref().unwrap_or("inbox") == "inbox";
    if let Some(sc) = p.scope.as_deref()
        && sc != "inbox"
        && sc != "all"
    {
        return Err(enum_error("scope", "`inbox`, `all`"));
    }
    let limit = p.limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(Problem::invalid(
            "limit",
            "range",
            "`limit` is between 1 and 500",
        ));
    }
    if let Some(q) = p.q.as_deref().filter(|q| !q.trim().is_empty()) {
        let rows = st.store.search(&scope, q, limit)?;
        return Ok(ListPage {
            items: rows.iter().map(|r| summary_of_row(st, r, now)).collect(),
            next_cursor: None,
        });
    }
    let late = p.late.as_deref().is_some_and(|l| !l.is_empty() && l != "0");
    let sla = match p.sla.as_deref().filter(|s| !s.is_empty()) {
        None if late => Some(store::views::SlaFilter::Overdue),
        None => None,
        Some("on_time") => Some(store::views::SlaFilter::OnTime),
        Some("at_risk") => Some(store::views::SlaFilter::AtRisk),
        Some("overdue") => Some(store::views::SlaFilter::Overdue),
        Some(_) => return Err(enum_error("sla", "`on_time`, `at_risk`, `overdue`")),
    };
    let open = match p.status.as_deref().filter(|s| !s.is_empty()) {
        None => inbox.then_some(true),
        Some("open") => Some(true),
        Some("closed") => Some(false),
        Some(_) => return Err(enum_error("status", "`open`, `closed`")),
    };
    let sort = match p.sort.as_deref().filter(|s| !s.is_empty()) {
        None if inbox => store::views::Sort::StepDue,
        None => store::views::Sort::Newest,
        Some("step_due") => store::views::Sort::StepDue,
        Some("term_due") => store::views::Sort::TermDue,
        Some("newest") => store::views::Sort::Newest,
        Some("oldest") => store::views::Sort::Oldest,
        Some(_) => {
            return Err(enum_error(
                "sort",
                "`step_due`, `term_due`, `newest`, `oldest`",
            ));
        }
    };
    let q = store::ListQuery {
        scope: Some(scope),
        holder: inbox.then(|| (acc.org.clone().unwrap_or_default(), acc.roles.clone())),
        regulation: p.regulation.clone().filter(|r| !r.is_empty()),
        channel: None,
        step: p.step,
        open,
        sla,
        from: parse_date_bound("from", p.from.as_deref())?,
        to: parse_date_bound("to", p.to.as_deref())?,
        sort,
        limit,
        cursor: p.cursor.clone().filter(|c| !c.is_empty()),
        now: Some(now),
        assignee: p
            .mine
            .as_deref()
            .is_some_and(|m| !m.is_empty() && m != "0")
            .then(|| acc.login.clone()),
    };
    let page = st.store.list(&q)?;
    Ok(ListPage {
        items: page
            .rows
            .iter()
            .map(|r| summary_of_row(st, r, now))
            .collect(),
        next_cursor: page.next,
    })
}

/// The first page (50) of what `acc` sees in `scope` (see [`list_page`]).
pub fn list(st: &AppState, acc: &Account, scope: &str) -> Result<Vec<Summary>, Problem> {
    Ok(list_page(
        st,
        acc,
        &ListParams {
            scope: Some(scope.to_string()),
            ..ListParams::default()
        },
    )?
    .items)
}

fn titles_by(st: &AppState, regulation: &str, version: u32) -> catalogue::Titles {
    st.ctx
        .regulations()
        .iter()
        .find(|r| r.id == regulation && r.version == version)
        .map(|r| {
            let t = r.title.get_ref();
            catalogue::Titles {
                kk: t.kk.clone(),
                ru: t.ru.clone(),
                en: t.en.clone(),
            }
        })
        .unwrap_or_else(|| catalogue::Titles {
            kk: regulation.to_string(),
            ru: regulation.to_string(),
            en: regulation.to_string(),
        })
}

/// A list row as a summary (no application state is read).
pub fn summary_of_row(st: &AppState, r: &store::ListRow, now: Timestamp) -> Summary {
    Summary {
        id: r.id.clone(),
        regulation: r.regulation.clone(),
        version: r.version,
        title: titles_by(st, &r.regulation, r.version),
        channel: r.channel.clone(),
        provider: r.provider.clone(),
        applicant_iin: r.applicant_iin.clone(),
        applicant_name: r.applicant_name.clone(),
        status: r.status.clone(),
        closure: r.closure.clone(),
        step: r.step,
        role: r.holder_role.clone(),
        holder: r.holder_org.clone(),
        step_due: r.step_due,
        term_due: r.term_due,
        sla: r.sla(now).map(|s| s.as_str().into()),
        submitted_at: r.submitted_at,
        receipt: r.receipt.clone(),
        late: Late::of(r.term_due, r.result_at),
        citizen_status: crate::statuses::CitizenStatus::InProgress,
        citizen_status_due: None,
        refusal_kind: None,
    }
    .with_citizen_status(st, r.result_at.filter(|_| r.closure.is_none()))
}

// ---- commands ----------------------------------------------------------------------------

/// The first step of a plan that a person completes (automatic steps before it run by
/// themselves): who takes an application in.
pub fn first_person_step(plan: &Plan) -> Option<&engine::PlanStep> {
    let mut s = plan.step(0)?;
    while s.automatic {
        s = plan.next(s.index)?;
    }
    Some(s)
}

/// The result of a submission.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Submitted {
    pub id: String,
    /// True when the idempotency key matched an earlier submission: nothing new was created.
    pub replayed: bool,
    /// The State Corporation's receipt number (its barcode encodes it).
    pub receipt: Option<String>,
    pub status: String,
    pub closure: Option<String>,
    #[schema(value_type = Option<String>)]
    pub term_due: Option<Timestamp>,
    pub url: String,
}

impl Submitted {
    fn of(app: &Application, replayed: bool) -> Submitted {
        Submitted {
            id: app.id.clone(),
            replayed,
            receipt: app.receipt.clone(),
            status: app.status.as_str().into(),
            closure: app.closure.map(|c| c.as_str().into()),
            term_due: app.term_due,
            url: format!("/api/applications/{}", app.id),
        }
    }
}

fn provider_for(
    st: &AppState,
    reg: &regulation::Regulation,
    provider: &str,
) -> Result<crate::accounts::Org, Problem> {
    let orgs = st.accounts.orgs()?;
    let Some(org) = orgs.iter().find(|o| o.id == provider.trim()) else {
        return Err(Problem::invalid(
            "provider",
            "provider.unknown",
            format!("no organisation `{provider}`"),
        ));
    };
    if !catalogue::providers_of(reg, &orgs)
        .iter()
        .any(|o| o.id == org.id)
    {
        return Err(Problem::invalid(
            "provider",
            "provider.type",
            format!("`{}` does not provide `{}`", org.id, reg.id),
        ));
    }
    Ok(org.clone())
}

fn regulation_for<'c>(st: &'c AppState, id: &str) -> Result<&'c regulation::Regulation, Problem> {
    catalogue::regulation(&st.ctx, id.trim(), st.now()).ok_or_else(|| {
        Problem::invalid(
            "regulation",
            "regulation.unknown",
            format!("no regulation `{id}` in the catalogue"),
        )
    })
}

fn scoped_key(acc: &Account, key: &str) -> String {
    format!("account-{}:{}", acc.id, key.trim())
}

/// The person an application is for: the value of the service's beneficiary IIN field
/// (`kind = "iin"`, `about = "beneficiary"`), when it declares one and it is given.
pub fn beneficiary_iin(reg: &regulation::Regulation, data: &engine::FormData) -> Option<String> {
    let form = reg.application.as_ref()?.get_ref();
    form.fields
        .iter()
        .map(|f| f.get_ref())
        .filter(|f| {
            f.kind == regulation::form::FieldKind::Iin
                && f.about == regulation::form::About::Beneficiary
        })
        .find_map(|f| data.get(&f.id))
        .and_then(|v| v.items().first().map(|s| s.trim().to_string()))
        .filter(|s| !s.is_empty())
}

/// An open application of the same service for the same person: the same beneficiary IIN
/// where the service has one (among the applicant's own applications and those the
/// beneficiary made themself), else the same applicant. Read from the list rows by
/// applicant IIN (indexed), then each candidate's data. The application made with
/// idempotency key `key` (a retry of this very request) is not a duplicate.
pub fn duplicate_of(
    st: &AppState,
    reg: &regulation::Regulation,
    applicant_iin: &str,
    data: &engine::FormData,
    key: Option<&str>,
) -> Result<Option<String>, Problem> {
    let beneficiary = beneficiary_iin(reg, data);
    let mut applicants = vec![applicant_iin.trim().to_string()];
    if let Some(b) = beneficiary.as_ref().filter(|b| **b != applicants[0]) {
        applicants.push(b.clone());
    }
    let mut found = None;
    for iin in applicants {
        let q = store::ListQuery {
            scope: Some(store::Scope::Applicant(iin)),
            holder: None,
            regulation: Some(reg.id.clone()),
            channel: None,
            step: None,
            open: Some(true),
            sla: None,
            from: None,
            to: None,
            sort: store::views::Sort::Newest,
            limit: 100,
            cursor: None,
            now: None,
            assignee: None,
        };
        for row in st.store.list(&q)?.rows {
            let Some(app) = st.store.application(&row.id)? else {
                continue;
            };
            if key.is_some_and(|k| app.key == k) {
                // A retry of the request that made it: the store replays it.
                return Ok(None);
            }
            if found.is_some() {
                continue;
            }
            let Some(b) = beneficiary.as_deref() else {
                if row.applicant_iin == applicant_iin.trim() {
                    found = Some(row.id);
                }
                continue;
            };
            let same = st
                .ctx
                .regulations()
                .iter()
                .find(|r| r.id == app.regulation && r.version == app.version)
                .and_then(|r| beneficiary_iin(r, &app.data));
            if same.as_deref() == Some(b) {
                found = Some(row.id);
            }
        }
    }
    Ok(found)
}

/// 409 `application.duplicate` naming the open application, unless confirmed.
fn check_duplicate(
    st: &AppState,
    reg: &regulation::Regulation,
    applicant_iin: &str,
    data: &engine::FormData,
    key: Option<&str>,
    confirmed: bool,
    lang: Lang,
) -> Result<(), Problem> {
    if confirmed {
        return Ok(());
    }
    match duplicate_of(st, reg, applicant_iin, data, key)? {
        None => Ok(()),
        Some(id) => {
            let detail = lang.t_args("duplicate-text", &[("id", id.as_str().into())]);
            let mut p = Problem::new(
                axum::http::StatusCode::CONFLICT,
                "application.duplicate",
                detail.clone(),
            );
            p.field = Some("confirm_duplicate".into());
            p.errors.push(FieldError {
                field: "confirm_duplicate".into(),
                rule: "application.duplicate".into(),
                detail,
            });
            Err(p)
        }
    }
}

/// Checks a portal application before it is signed: a citizen, the service and the provider.
pub fn check_portal<'c>(
    st: &'c AppState,
    acc: &Account,
    req: &PortalSubmission,
) -> Result<(&'c regulation::Regulation, crate::accounts::Org), Problem> {
    if acc.kind != Kind::Citizen {
        return Err(Problem::forbidden(
            "forbidden.not_citizen",
            "only citizens apply on the portal; staff register paper applications",
        ));
    }
    let mut errors = vec![];
    required("regulation", &req.regulation, &mut errors);
    required("provider", &req.provider, &mut errors);
    fail(errors)?;
    let reg = regulation_for(st, &req.regulation)?;
    let org = provider_for(st, reg, &req.provider)?;
    check_data(st, reg, &req.data)?;
    Ok((reg, org))
}

/// The application's data checked as the engine will check it on submission (so a form
/// shows its errors before the signing step).
pub fn check_data(
    st: &AppState,
    reg: &regulation::Regulation,
    data: &engine::FormData,
) -> Result<engine::FormData, Problem> {
    let Some(form) = &reg.application else {
        return Ok(data.clone());
    };
    let today = st.now().to_zoned_datetime(calendar::almaty()).date();
    engine::form::validate(form.get_ref(), &[], data, today)
        .map_err(|errors| Problem::from(engine::Rejection::InvalidApplication { errors }))
}

/// A citizen applies on the portal; `key` is the client's idempotency key. The request must
/// carry the citizen's signature over its canonical bytes ([`PortalSubmission`]); a refused
/// signature stores nothing but its journal entry (`Event::RequestRefused`).
pub fn submit_portal(
    st: &AppState,
    acc: &Account,
    req: &PortalSubmission,
    key: &str,
    signature: Option<crate::signing::RequestSignature>,
    uploads: Option<Vec<crate::uploads::Upload>>,
    lang: Lang,
) -> Result<Submitted, Problem> {
    let (reg, org) = check_portal(st, acc, req)?;
    check_duplicate(
        st,
        reg,
        acc.iin.as_deref().unwrap_or_default(),
        &req.data,
        Some(&scoped_key(acc, key)),
        req.confirm_duplicate,
        lang,
    )?;
    let uploads = match uploads {
        Some(u) => u,
        None => crate::uploads::decode(&req.documents)?,
    };
    let files = crate::uploads::check(uploads)?;
    let hashes: Vec<String> = files.iter().map(|f| f.sha256.clone()).collect();
    let signature = signature
        .or_else(|| {
            req.signature
                .as_ref()
                .filter(|s| !s.trim().is_empty())
                .map(|s| crate::signing::RequestSignature::Cms(s.trim().as_bytes().to_vec()))
        })
        .ok_or_else(|| {
            Problem::invalid(
                "signature",
                "signature.required",
                lang.t("sign-required").to_string(),
            )
        })?;
    let bytes = req.request_bytes_with(acc.iin.as_deref().unwrap_or_default(), key, &hashes);
    let verified =
        crate::signing::verify_request(st, acc, &req.regulation, &bytes, &signature, lang)?;
    // One action: the application, its files, the portal's automatic steps, and the form's
    // drafts forgotten — a crash leaves all of it or none.
    let id = new_id(st);
    let now = st.now();
    // The queue's service: the child enters the queue with the submission, in its action.
    let enter = crate::preschool::entry_for(st, &id, &reg.id, &org.id, &req.data, lang)?;
    let action = store::Action::new(now)
        .command(Command::Submit {
            application: id.clone(),
            regulation: reg.id.clone(),
            channel: ChannelId::Portal,
            provider: org.id.clone(),
            applicant_iin: acc.iin.clone().unwrap_or_default(),
            applicant_name: acc.name.clone(),
            key: scoped_key(acc, key),
            // The accepted ЭЦП is evidence: journalled with the submission.
            signature: Some(crate::signing::applicant_signature(&bytes, &verified)),
            reception: Default::default(),
            data: req.data.clone(),
        })
        .records(crate::uploads::link_records(&id, &files, now))
        .record(crate::uploads::clear_drafts_record(acc, key))
        .advance(id.clone());
    let action = match enter {
        Some(c) => action.queue(c),
        None => action,
    };
    let o = act_on(st, action)?;
    Ok(Submitted::of(&acted(&o)?, o.replayed))
}

/// Staff take a paper application in (office: the provider's first step; State Corporation:
/// the operator's acceptance) and accept or refuse to accept it at once.
pub fn intake(
    st: &AppState,
    acc: &Account,
    channel: ChannelId,
    req: &Intake,
    key: Option<&str>,
    lang: Lang,
) -> Result<Submitted, Problem> {
    if acc.kind != Kind::Staff {
        return Err(Problem::forbidden("forbidden.not_staff", "staff only"));
    }
    let mut errors = vec![];
    required("regulation", &req.regulation, &mut errors);
    required("applicant_name", &req.applicant_name, &mut errors);
    if let Err(e) = check_name("applicant_name", &req.applicant_name, lang) {
        errors.push(e);
    }
    if let Err(e) = check_account_iin(st, "applicant_iin", &req.applicant_iin, lang) {
        errors.push(e);
    }
    if channel == ChannelId::StateCorporation {
        required(
            "provider",
            req.provider.as_deref().unwrap_or(""),
            &mut errors,
        );
    }
    if req.decision == Decision::Refuse {
        required("grounds", req.grounds.as_deref().unwrap_or(""), &mut errors);
    }
    if let Some(c) = req.centre.as_deref().filter(|c| !c.is_empty()) {
        if channel != ChannelId::StateCorporation {
            errors.push(FieldError {
                field: "centre".into(),
                rule: "invalid".into(),
                detail: "only the State Corporation takes applications in at a centre".into(),
            });
        } else if !crate::equeue::CENTRES.iter().any(|(id, ..)| *id == c) {
            errors.push(FieldError {
                field: "centre".into(),
                rule: "equeue.centre_unknown".into(),
                detail: format!("no State Corporation centre `{c}`"),
            });
        }
    }
    // Who may take it in: the role of the plan's first step, at the right organisation.
    let reg = regulation_for(st, &req.regulation);
    let plan = reg
        .as_ref()
        .ok()
        .and_then(|r| st.ctx.plan(&r.id, r.version, channel));
    if let Some(p) = plan
        && let Some(first) = first_person_step(p)
    {
        let org = match channel {
            ChannelId::StateCorporation => Some(STATE_CORPORATION),
            _ => None,
        };
        access::require_staff_role(acc, org, &first.role)?;
    } else if channel == ChannelId::StateCorporation {
        access::require_staff_role(acc, Some(STATE_CORPORATION), "state_corporation_operator")?;
    } else {
        access::require_staff_role(acc, None, "office_clerk")?;
    }
    if channel != ChannelId::StateCorporation && acc.org.as_deref() == Some(STATE_CORPORATION) {
        return Err(Problem::forbidden(
            "forbidden.organisation",
            "the State Corporation takes applications in at its own desk",
        ));
    }
    fail(errors)?;
    let reg = reg?;
    let Some(plan) = plan else {
        return Err(Problem::invalid(
            "regulation",
            "channel_not_accepted",
            format!(
                "`{}` takes no applications through `{}`",
                reg.id,
                channel.as_str()
            ),
        ));
    };
    let provider = match channel {
        ChannelId::StateCorporation => {
            provider_for(st, reg, req.provider.as_deref().unwrap_or(""))?
        }
        _ => provider_for(st, reg, acc.org.as_deref().unwrap_or("")).map_err(|mut p| {
            p.field = Some("regulation".into());
            p.detail = format!("your organisation does not provide `{}`", reg.id);
            p
        })?,
    };
    let key = key
        .map(|k| scoped_key(acc, k))
        .unwrap_or_else(|| format!("intake-{}", new_id(st)));
    // The step the person takes it in at: the plan's first person's step (the automatic ones
    // before it run in the same action).
    let Some(first) = first_person_step(plan) else {
        return Err(Problem::internal("the plan has no person's step"));
    };
    let outcome = match req.decision {
        Decision::Accept => Outcome::Done,
        Decision::Refuse => Outcome::RefuseAcceptance {
            grounds: req.grounds.clone().unwrap_or_default(),
        },
    };
    let org = match channel {
        ChannelId::StateCorporation => STATE_CORPORATION.to_string(),
        _ => provider.id.clone(),
    };
    let (noted, text) = match req.decision {
        Decision::Accept => ("done", ""),
        Decision::Refuse => ("refuse_acceptance", req.grounds.as_deref().unwrap_or("")),
    };
    let id = new_id(st);
    let now = st.now();
    let reception = engine::Reception {
        centre: req.centre.clone().filter(|c| !c.is_empty()),
        late_entry: req.late_entry,
    };
    // The engine refuses the same; checked here to say it in the user's language.
    if let engine::Acceptance::Closed { next_opening } =
        st.ctx
            .time
            .accept(channel, &provider.id, reception.centre.as_deref(), now)
        && !reception.late_entry
    {
        return Err(outside_hours(
            channel,
            &provider.id,
            &reception,
            next_opening,
            lang,
        ));
    }
    check_duplicate(
        st,
        reg,
        &req.applicant_iin,
        &req.data,
        Some(&key),
        req.confirm_duplicate,
        lang,
    )?;
    let action = store::Action::new(now)
        .command(Command::Submit {
            application: id.clone(),
            regulation: reg.id.clone(),
            channel,
            provider: provider.id.clone(),
            applicant_iin: req.applicant_iin.trim().to_string(),
            applicant_name: req.applicant_name.trim().to_string(),
            key,
            signature: None,
            reception,
            data: req.data.clone(),
        })
        .advance(id.clone())
        .command(Command::Complete {
            application: id.clone(),
            step: first.index,
            actor: Actor {
                role: first.role.clone(),
                org,
            },
            outcome,
            presented: None,
        })
        .record(note_of(acc, first.index, noted, text, now).record(&id, now))
        .advance(id.clone());
    // Taken in: the queue's service puts the child in the queue in the same action.
    let action = match req.decision {
        Decision::Accept => {
            match crate::preschool::entry_for(st, &id, &reg.id, &provider.id, &req.data, lang)? {
                Some(c) => action.queue(c),
                None => action,
            }
        }
        Decision::Refuse => action,
    };
    let o = act_on(st, action)?;
    Ok(Submitted::of(&acted(&o)?, o.replayed))
}

/// The refusal of an application handed to a closed counter, in the user's language: the
/// place's hours and its next opening.
fn outside_hours(
    channel: ChannelId,
    provider: &str,
    reception: &engine::Reception,
    next_opening: Timestamp,
    lang: Lang,
) -> Problem {
    let (place, schedule) = match channel {
        ChannelId::StateCorporation => (
            "state_corporation",
            calendar::Schedules::kz().centre(reception.centre.as_deref()),
        ),
        _ => ("office", calendar::Schedules::kz().office(provider)),
    };
    let detail = lang.t_in_args(
        "problem-outside_working_hours",
        place,
        &[
            ("hours", crate::i18n::schedule_words(lang, schedule).into()),
            ("next", crate::http::html::local(next_opening).into()),
        ],
    );
    let mut p = Problem::new(
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "outside_working_hours",
        detail.clone(),
    );
    p.field = Some("late_entry".into());
    p.errors.push(FieldError {
        field: "late_entry".into(),
        rule: "outside_working_hours".into(),
        detail,
    });
    p
}

/// The note that records who did a step, and why (the documents name the signer from it).
fn note_of(acc: &Account, step: usize, outcome: &str, text: &str, at: Timestamp) -> Note {
    Note {
        step,
        login: acc.login.clone(),
        name: acc.name.clone(),
        outcome: outcome.into(),
        note: text.trim().into(),
        at: ts(at),
        public: false,
    }
}

/// Staff complete the current step of `id`.
pub fn act(
    st: &AppState,
    acc: &Account,
    id: &str,
    req: &ActionRequest,
    lang: Lang,
) -> Result<Application, Problem> {
    let app = load_visible(st, acc, id)?;
    if app.status == Status::Closed {
        return Err(engine::Rejection::ApplicationClosed {
            application: app.id.clone(),
        }
        .into());
    }
    let step = access::may_act(acc, &app, &st.ctx)?;
    let outcome = outcome_of(st, &app, step, req, lang)?;
    let actor = Actor {
        role: st.ctx.step_role(&app, step),
        org: acc.org.clone().unwrap_or_default(),
    };
    // A request for a step the application has left (a retry of an acknowledged action, or
    // someone acted first) is the engine's to answer: replayed by its key, or `wrong_step`.
    let current = req.step == app.step;
    let assign = if current {
        assignment(st, &app, step, req.executor.as_deref(), &actor, lang)?
    } else {
        None
    };
    let complete = Command::Complete {
        application: app.id.clone(),
        step: req.step,
        actor: actor.clone(),
        outcome: outcome.clone(),
        presented: req.presented.map(|p| match p {
            PresentedKind::IdentityDocument => Presented::IdentityDocument,
            PresentedKind::NotarisedPowerOfAttorney => Presented::NotarisedPowerOfAttorney,
        }),
    };
    let now = st.now();
    let mut action = store::Action::new(now);
    if step.signs_result {
        // The head's step: the result is signed first.
        completion_allowed_once_signed(st, &app, step.index, &actor, &complete, now)?;
        let signing = match &req.signature {
            Some(s) => s.signing(lang)?,
            // API clients of demo servers written before signatures came from the signer.
            None if st.config.demo => crate::signing::ResultSigning::DemoKey,
            None => {
                return Err(Problem::invalid(
                    "signature",
                    "signature.required",
                    lang.t("sign-result_required"),
                ));
            }
        };
        let (sign, documents) =
            crate::signing::sign_result(st, &app, step, &actor, &outcome, &signing, now, lang)?;
        action = action.command(sign);
        for d in documents {
            action = action.record(d);
        }
    }
    let text = [req.note.as_deref(), req.grounds.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" — ");
    // Every action is noted with who did it (the documents name the signer from here).
    let noted = serde_json::to_value(req.outcome)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    if let Some(a) = assign {
        action = action.command(a);
    }
    let mut action = action
        .command(complete)
        .record(note_of(acc, req.step, &noted, &text, now).record(&app.id, now));
    if let Some(c) = req
        .comment
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        check_comment(c, lang)?;
        let mut comment = note_of(acc, req.step, "comment", c, now);
        comment.public = true;
        action = action.record(comment.record(&app.id, now));
    }
    // A refusal ends the application: its child leaves the queue in the same action.
    if !matches!(outcome, Outcome::Done)
        && let Some(w) = crate::preschool::withdraw_for(st, &app.id)
    {
        action = action.queue(w);
    }
    acted(&act_on(st, action.advance(app.id.clone()))?)
}

/// The outcome `req` asks of `step`, its refusal grounds checked.
fn outcome_of(
    st: &AppState,
    app: &Application,
    step: &engine::PlanStep,
    req: &ActionRequest,
    lang: Lang,
) -> Result<Outcome, Problem> {
    let grounds = req.grounds.clone().unwrap_or_default();
    let mut listed = req.refusal_grounds.clone();
    listed.sort_unstable();
    listed.dedup();
    // Where the step gives no refusal the engine says so (`no_such_branch`), not this check.
    let refusable = req.step == app.step
        && (step.motivated_refusal.is_some() || step.motivated_refusal_goto.is_some());
    if req.outcome == OutcomeKind::MotivatedRefusal && refusable {
        check_refusal(st, app, &listed, lang)?;
    } else if !listed.is_empty() {
        return Err(Problem::invalid(
            "refusal_grounds",
            "refusal_grounds.not_refusing",
            "grounds are chosen only for a motivated refusal",
        ));
    }
    Ok(match req.outcome {
        OutcomeKind::Done => Outcome::Done,
        OutcomeKind::RefuseAcceptance => Outcome::RefuseAcceptance { grounds },
        OutcomeKind::MotivatedRefusal => Outcome::MotivatedRefusal { grounds, listed },
        OutcomeKind::Fail => Outcome::Fail { reason: grounds },
    })
}

/// Whatever the engine would refuse of completing the head's step (a stale step, a refusal
/// without grounds) is refused before anything is signed: the completion is tried on a copy
/// of the application that carries a placeholder signature.
fn completion_allowed_once_signed(
    st: &AppState,
    app: &Application,
    step: usize,
    actor: &Actor,
    complete: &Command,
    now: Timestamp,
) -> Result<(), Problem> {
    let mut signed = app.clone();
    signed.signature = Some(engine::ResultSignature {
        step,
        by: actor.clone(),
        at: now,
        document: String::new(),
        sha256: String::new(),
        cms: String::new(),
        ru: None,
    });
    engine::decide(Some(&signed), complete, now, &st.ctx)?;
    Ok(())
}

/// The result the current signing step of `id` would issue with `req`'s outcome, in both
/// languages, dated `at` (a page's earlier instant, checked as a signature's would be) or
/// now: the exact bytes the signer signs, then posts with the action
/// (`ResultSignatureRequest`, `signed_at` = [`crate::signing::Prepared::at`]). Only for the
/// staff who hold the step; what the engine would refuse of the completion is refused here.
pub fn result_to_sign(
    st: &AppState,
    acc: &Account,
    id: &str,
    req: &ActionRequest,
    at: Option<Timestamp>,
    lang: Lang,
) -> Result<crate::signing::Prepared, Problem> {
    let app = load_visible(st, acc, id)?;
    if app.status == Status::Closed {
        return Err(engine::Rejection::ApplicationClosed {
            application: app.id.clone(),
        }
        .into());
    }
    let step = access::may_act(acc, &app, &st.ctx)?;
    if req.step != app.step {
        return Err(engine::Rejection::WrongStep {
            current: app.step,
            got: req.step,
        }
        .into());
    }
    if !step.signs_result {
        return Err(engine::Rejection::NotASigningStep { step: step.index }.into());
    }
    let outcome = outcome_of(st, &app, step, req, lang)?;
    let actor = Actor {
        role: st.ctx.step_role(&app, step),
        org: acc.org.clone().unwrap_or_default(),
    };
    let now = st.now();
    let complete = Command::Complete {
        application: app.id.clone(),
        step: req.step,
        actor: actor.clone(),
        outcome: outcome.clone(),
        presented: None,
    };
    completion_allowed_once_signed(st, &app, step.index, &actor, &complete, now)?;
    let at = match at {
        Some(at) => crate::signing::check_signed_at(&app, at, now, lang)?,
        None => now,
    };
    crate::signing::prepare_result(st, &app, &actor, &outcome, at)
}

/// The longest comment to the applicant, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// A comment to the applicant: at most [`MAX_COMMENT_CHARS`], no control characters but
/// line breaks.
fn check_comment(c: &str, lang: Lang) -> Result<(), Problem> {
    let chars = c.chars().count();
    if chars > MAX_COMMENT_CHARS {
        return Err(Problem::invalid(
            "comment",
            "comment.too_long",
            lang.t_args(
                "field-too_long",
                &[
                    ("field", lang.t("act-public_comment").into()),
                    ("max", MAX_COMMENT_CHARS.into()),
                    ("found", chars.into()),
                ],
            ),
        ));
    }
    if let Some(ch) = c
        .chars()
        .find(|ch| ch.is_control() && !matches!(ch, '\n' | '\r' | '\t'))
    {
        return Err(Problem::invalid(
            "comment",
            "comment.forbidden_character",
            lang.t_args(
                "field-forbidden_character",
                &[
                    ("field", lang.t("act-public_comment").into()),
                    ("char", format!("U+{:04X}", ch as u32).into()),
                ],
            ),
        ));
    }
    Ok(())
}

/// A motivated refusal's grounds: where the regulation lists grounds for the application's
/// channel, one or more of them (the text is a comment); where it lists none, the text.
fn check_refusal(
    st: &AppState,
    app: &Application,
    listed: &[usize],
    lang: Lang,
) -> Result<(), Problem> {
    let choices = ground_choices(st, app, lang);
    if let Some(bad) = listed.iter().find(|i| !choices.iter().any(|g| g.id == **i)) {
        return Err(Problem::invalid(
            "refusal_grounds",
            "refusal_grounds.unknown",
            format!("{bad} is not one of this regulation's grounds of a motivated refusal here"),
        ));
    }
    if !choices.is_empty() && listed.is_empty() {
        return Err(Problem::invalid(
            "refusal_grounds",
            "refusal_grounds.required",
            lang.t("problem-refusal_grounds-required"),
        ));
    }
    Ok(())
}

/// The `Assign` command of the step where the head hands the file over: the executor named
/// must be staff of the provider holding the executor's role. None where the step assigns
/// nobody (naming one there is an error).
fn assignment(
    st: &AppState,
    app: &Application,
    step: &engine::PlanStep,
    executor: Option<&str>,
    actor: &Actor,
    lang: Lang,
) -> Result<Option<Command>, Problem> {
    let executor = executor.map(str::trim).filter(|e| !e.is_empty());
    let plan = plan_of(st, app)?;
    let Some(to) = step.assigns.and_then(|i| plan.step(i)) else {
        return match executor {
            None => Ok(None),
            Some(_) => Err(Problem::invalid(
                "executor",
                "executor.not_assigning",
                "this step hands the file to nobody: `executor` is given only where the head names one",
            )),
        };
    };
    let Some(login) = executor else {
        return Err(Problem::invalid(
            "executor",
            "executor.required",
            lang.t("problem-executor-required"),
        ));
    };
    let Some(person) = executors(st, &app.provider, &to.role)?
        .into_iter()
        .find(|a| a.login == login)
    else {
        return Err(Problem::invalid(
            "executor",
            "executor.unknown",
            lang.t("problem-executor-unknown"),
        ));
    };
    Ok(Some(Command::Assign {
        application: app.id.clone(),
        step: step.index,
        actor: actor.clone(),
        assignee: engine::Assignee {
            login: person.login,
            name: person.name,
        },
    }))
}

/// Results waiting at the State Corporation longer than their storage period.
pub fn unclaimed(st: &AppState, acc: &Account) -> Result<Vec<Summary>, Problem> {
    access::require_staff_role(acc, Some(STATE_CORPORATION), "state_corporation_operator")?;
    let now = st.now();
    Ok(st
        .store
        .open_applications()?
        .into_iter()
        .filter(|a| a.status == Status::AwaitingIssue && a.channel == ChannelId::StateCorporation)
        .filter(|a| {
            let Some(plan) = st.ctx.plan(&a.regulation, a.version, a.channel) else {
                return false;
            };
            match (a.ready_at, plan.unclaimed_keep) {
                (Some(ready), Some(keep)) => st.ctx.time.after(ready, keep) <= now,
                _ => false,
            }
        })
        .map(|a| summary(st, &a, now))
        .collect())
}

/// The applicant asks for a result that was returned to the provider: the State Corporation
/// requests it back.
pub fn rerequest(st: &AppState, acc: &Account, id: &str) -> Result<Application, Problem> {
    let app = load_visible(st, acc, id)?;
    access::require_staff_role(acc, Some(STATE_CORPORATION), "state_corporation_operator")?;
    Ok(execute(
        st,
        Command::ReRequest {
            application: app.id,
            actor: Actor {
                role: "state_corporation_operator".into(),
                org: STATE_CORPORATION.into(),
            },
        },
    )?
    .application)
}

/// One application's answer in a batch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchItem {
    pub id: String,
    pub ok: bool,
    pub problem: Option<Problem>,
}

/// Returns unclaimed results to their providers: the ids given, or every one due.
pub fn return_unclaimed(
    st: &AppState,
    acc: &Account,
    ids: Option<Vec<String>>,
) -> Result<Vec<BatchItem>, Problem> {
    access::require_staff_role(acc, Some(STATE_CORPORATION), "state_corporation_operator")?;
    let ids = match ids {
        Some(ids) => ids,
        None => unclaimed(st, acc)?.into_iter().map(|s| s.id).collect(),
    };
    let mut out = vec![];
    for id in ids {
        let r = load_visible(st, acc, &id).and_then(|_| {
            execute(
                st,
                Command::ReturnUnclaimed {
                    application: id.clone(),
                    actor: Actor {
                        role: "state_corporation_operator".into(),
                        org: STATE_CORPORATION.into(),
                    },
                },
            )
        });
        out.push(match r {
            Ok(_) => BatchItem {
                id,
                ok: true,
                problem: None,
            },
            Err(p) => BatchItem {
                id,
                ok: false,
                problem: Some(p),
            },
        });
    }
    Ok(out)
}

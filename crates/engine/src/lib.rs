//! The application engine: a pure core that decides what a command does to an application.
//!
//! `decide(state, command, now, ctx) -> Result<Vec<Event>, Rejection>` and `apply(state, event)`.
//! It never reads a clock or a database: time comes in as `now`, legal time arithmetic through
//! [`LegalTime`], regulations through [`Ctx`]. Not for: storage, HTTP, signatures.
//!
//! An application pins the regulation version in force at submission and walks its channel's
//! [`Plan`] step by step; only the role of the current step, of the right party, may complete it.

pub mod form;
pub mod plan;
pub mod sla;
pub mod time;

pub use form::{FieldError, FieldRule, FormData, FormValue};
use jiff::Timestamp;
pub use plan::{Party, Plan, PlanStep};

/// `as_str`, `ALL` and `FromStr` of a status-like enum, with the names its serde form uses
/// (snake_case): the one spelling of these values in the store, the API and the pages.
macro_rules! names {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The value's name, as stored and serialised.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;

            fn from_str(s: &str) -> Result<$ty, String> {
                $ty::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| format!("unknown {} {s:?}", stringify!($ty)))
            }
        }
    };
}
pub(crate) use names;
use regulation::{ChannelId, Duration, IssueRequirement, Regulation, StatusState};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Legal time: the calendar behind every deadline.
pub trait LegalTime: Send + Sync {
    /// When a step that starts at `start` and lasts `d` is due (minutes and hours count only
    /// within working hours; day units are counted on the calendar).
    fn step_due(&self, start: Timestamp, d: Duration) -> Timestamp;
    /// When a service term `d` that runs from `accepted` ends.
    fn term_due(&self, accepted: Timestamp, d: Duration, acceptance_day_counted: bool)
    -> Timestamp;
    /// `d` before `due` (the State Corporation delivery rule).
    fn before(&self, due: Timestamp, d: Duration) -> Timestamp;
    /// `d` after `t`, for storage periods and re-requests.
    fn after(&self, t: Timestamp, d: Duration) -> Timestamp;
    /// The civil date of an instant where the service is provided (Asia/Almaty).
    fn local_date(&self, t: Timestamp) -> jiff::civil::Date;
    /// When an application handed in at `at` through `channel` to `provider` (at State
    /// Corporation centre `centre`) counts as accepted. Default: at once, whatever the hour.
    fn accept(
        &self,
        channel: ChannelId,
        provider: &str,
        centre: Option<&str>,
        at: Timestamp,
    ) -> Acceptance {
        let _ = (channel, provider, centre);
        Acceptance::Now(at)
    }
    /// The working hours of the place `channel` takes applications at, in words for a
    /// refusal ("Mon-Fri 09:00-13:00, 14:30-18:30"). Default: none given.
    fn hours(&self, channel: ChannelId, provider: &str, centre: Option<&str>) -> String {
        let _ = (channel, provider, centre);
        String::new()
    }
}

pub use calendar::Acceptance;

/// Where and how a paper application was handed in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reception {
    /// The State Corporation centre that took it in (its hours apply); none: the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub centre: Option<String>,
    /// Staff enter, outside the counter's working hours, an application they took in: it is
    /// recorded as taken in at the next working opening (both instants are kept) instead of
    /// being refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub late_entry: bool,
}

impl Reception {
    fn is_default(&self) -> bool {
        *self == Reception::default()
    }
}

/// The regulations the engine runs, compiled into plans.
pub struct Ctx {
    regulations: Vec<Arc<Regulation>>,
    plans: HashMap<(String, u32, ChannelId), Arc<Plan>>,
    pub time: Arc<dyn LegalTime>,
    /// Deployment policy: a signing step (`signs_result`) may be completed only after the
    /// result's signature is recorded (`Command::SignResult`). Off where no keys are set up.
    pub require_signatures: bool,
    /// Deployment policy of a test PKI (NCA RK's test keys): an applicant's IIN need only be
    /// 12 digits, as NCA's test IIN123456789011 keeps no IIN rule. Never in production.
    pub accept_test_identities: bool,
    /// Organisation id -> the role that signs its results, where the organisation gives the
    /// authorised person's signature to another role than the one the regulation names (see
    /// [`Ctx::step_role`]). Organisation data: the store loads it and keeps it current.
    signers: RwLock<HashMap<String, String>>,
}

impl Ctx {
    pub fn new(regulations: Vec<Regulation>, time: Arc<dyn LegalTime>) -> Ctx {
        let mut plans = HashMap::new();
        for r in &regulations {
            for c in r.channel_ids() {
                if let Ok(p) = Plan::compile(r, c) {
                    plans.insert((r.id.clone(), r.version, c), Arc::new(p));
                }
            }
        }
        Ctx {
            regulations: regulations.into_iter().map(Arc::new).collect(),
            plans,
            time,
            require_signatures: false,
            accept_test_identities: false,
            signers: RwLock::new(HashMap::new()),
        }
    }

    /// The role that signs results for `org`, where the organisation configures one.
    pub fn signer(&self, org: &str) -> Option<String> {
        self.signers_read().get(org).cloned()
    }

    /// Sets (`Some`) or clears (`None`) the role that signs results for `org`; returns the one
    /// it replaces.
    pub fn set_signer(&self, org: &str, role: Option<&str>) -> Option<String> {
        let mut m = self.signers.write().unwrap_or_else(|p| p.into_inner());
        match role {
            Some(r) => m.insert(org.to_string(), r.to_string()),
            None => m.remove(org),
        }
    }

    /// Replaces every organisation's signing role at once (organisation id -> role).
    pub fn set_signers(&self, signers: HashMap<String, String>) {
        *self.signers.write().unwrap_or_else(|p| p.into_inner()) = signers;
    }

    fn signers_read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<String, String>> {
        self.signers.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The role that does `step` of `app`: for the step where the result is signed
    /// (`signs_result`), the signing role of the organisation holding the file when it
    /// configures one (the text says only "the provider's authorised person", whom the
    /// regulation's role names by default); otherwise the role the regulation names.
    pub fn step_role(&self, app: &Application, step: &PlanStep) -> String {
        if step.signs_result
            && let Some(r) = self.signers_read().get(&holder_org(app, step.party))
        {
            return r.clone();
        }
        step.role.clone()
    }

    /// Every compiled plan (each regulation version and channel).
    pub fn plans(&self) -> impl Iterator<Item = &Arc<Plan>> {
        self.plans.values()
    }

    pub fn regulations(&self) -> &[Arc<Regulation>] {
        &self.regulations
    }

    pub fn plan(&self, id: &str, version: u32, channel: ChannelId) -> Option<&Arc<Plan>> {
        self.plans.get(&(id.to_string(), version, channel))
    }

    /// The version of `id` in force at `at`: approved on or before that day and not yet
    /// repealed. The texts give no exact entry-into-force dates (they run from publication),
    /// so the act's date and the repealing act's date bound the period.
    /// Valid application data for regulation `id` in force at `at` ([`form::sample`]); empty
    /// when there is no such regulation or it declares no form.
    pub fn sample_data(&self, id: &str, at: Timestamp, seed: u32) -> FormData {
        self.in_force(id, at)
            .map(|r| form::sample_for(r, at, seed))
            .unwrap_or_default()
    }

    pub fn in_force(&self, id: &str, at: Timestamp) -> Result<&Regulation, Rejection> {
        let day = self.time.local_date(at).to_string();
        let mut versions: Vec<&Regulation> = self
            .regulations
            .iter()
            .map(|r| r.as_ref())
            .filter(|r| r.id == id)
            .collect();
        if versions.is_empty() {
            return Err(Rejection::UnknownRegulation {
                regulation: id.to_string(),
            });
        }
        versions.sort_by_key(|r| std::cmp::Reverse(r.version));
        let started: Vec<&Regulation> = versions
            .into_iter()
            .filter(|r| r.act.get_ref().date.as_str() <= day.as_str())
            .collect();
        let Some(latest) = started.first() else {
            return Err(Rejection::RegulationNotYetInForce {
                regulation: id.to_string(),
                at: day,
            });
        };
        let st = latest.status.get_ref();
        let repealed = st.state == StatusState::Repealed
            && st.repealed_on.as_deref().is_none_or(|d| d <= day.as_str());
        if repealed {
            return Err(Rejection::RegulationRepealed {
                regulation: id.to_string(),
                version: latest.version,
                repealed_by: st.repealed_by.clone().unwrap_or_default(),
            });
        }
        Ok(latest)
    }
}

/// Who acts: a role, working for an organisation (a provider's id, or the State Corporation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub role: String,
    pub org: String,
}

/// A named person the head hands the file to (an executor of the organisation): the account's
/// login, which the server checks, and the name printed on pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignee {
    pub login: String,
    pub name: String,
}

/// The organisation id of the State Corporation's staff.
pub const STATE_CORPORATION: &str = "state_corporation";
/// The organisation id of the portal and e-government systems.
pub const PORTAL: &str = "portal";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presented {
    IdentityDocument,
    NotarisedPowerOfAttorney,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The step is done; the file goes on.
    Done,
    /// Documents not accepted (incomplete package, expired documents): the application ends with
    /// a receipt on refusal to accept.
    RefuseAcceptance { grounds: String },
    /// The service is refused on grounds: the refusal is prepared here and goes on to be signed
    /// and issued like a result. `grounds` is the official's text; `listed` the regulation's
    /// own grounds chosen (positions in its `[[refusal_grounds]]`, 0-based, each a
    /// `motivated_refusal` ground of the application's channel). One of them must be given.
    MotivatedRefusal {
        grounds: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        listed: Vec<usize>,
    },
    /// A portal condition failed: the application ends with a refusal notice.
    Fail { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    Submit {
        application: String,
        regulation: String,
        channel: ChannelId,
        provider: String,
        applicant_iin: String,
        /// The applicant's name as given (searchable; empty when not given).
        #[serde(default, skip_serializing_if = "String::is_empty")]
        applicant_name: String,
        /// The client's idempotency key: a retry with the same key returns the first result.
        key: String,
        /// The applicant's accepted ЭЦП on a portal request, journalled with the submission.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<ApplicantSignature>,
        /// Where a paper application was handed in, and whether staff enter it late.
        #[serde(default, skip_serializing_if = "Reception::is_default")]
        reception: Reception,
        /// The application's data (`[application]` fields of the regulation).
        #[serde(default, skip_serializing_if = "FormData::is_empty")]
        data: FormData,
    },
    Complete {
        application: String,
        /// Plan index of the step the actor believes is current (optimistic concurrency).
        step: usize,
        actor: Actor,
        #[serde(flatten)]
        outcome: Outcome,
        /// What the person collecting the result showed, for an issuing step.
        presented: Option<Presented>,
    },
    /// The provider's authorised person signs the result at a signing step: the document's
    /// SHA-256 and the CMS SignedData (base64) go into the journal. The shell makes and checks
    /// the signature; the engine records who signed what, when, at which step.
    SignResult {
        application: String,
        step: usize,
        actor: Actor,
        document: String,
        sha256: String,
        cms: String,
        /// The Russian copy's own PDF and signature; absent where only the Kazakh original
        /// was signed (entries written before both copies were), so those keep their bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ru: Option<SignedCopy>,
        /// The instant the signed documents are dated, when the signer prepared them before
        /// this command (the head signs in the browser, then posts): between the step's start
        /// and now. `None`: now. It is the journal's `ResultSigned.at`, so the documents
        /// render again byte for byte.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signed_at: Option<Timestamp>,
    },
    /// A portal request refused before it became an application (its ЭЦП signature is not
    /// authentic): journalled under `refused-<sha256 of the request>` with the refusal's code,
    /// and nothing else. Refusing the same bytes again is the same entry (AlreadyExists).
    RefuseRequest {
        /// Must be `refused-<request_sha256>`.
        application: String,
        regulation: String,
        channel: ChannelId,
        applicant_iin: String,
        code: String,
        request_sha256: String,
    },
    /// The head names the person who does the next steps (the executor), at the step where
    /// the head hands the file over ([`PlanStep::assigns`]); sent with that step's `Complete`
    /// in one action.
    Assign {
        application: String,
        step: usize,
        actor: Actor,
        assignee: Assignee,
    },
    /// Unclaimed result after the storage period: the State Corporation returns it to the provider.
    ReturnUnclaimed { application: String, actor: Actor },
    /// The applicant asks for a returned result: the provider sends it back to the State Corporation.
    ReRequest { application: String, actor: Actor },
}

impl Command {
    pub fn application(&self) -> &str {
        match self {
            Command::Submit { application, .. }
            | Command::Complete { application, .. }
            | Command::SignResult { application, .. }
            | Command::Assign { application, .. }
            | Command::RefuseRequest { application, .. }
            | Command::ReturnUnclaimed { application, .. }
            | Command::ReRequest { application, .. } => application,
        }
    }
}

// Events live briefly between decide and the journal: one submission's size is no cost.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Submitted {
        application: String,
        regulation: String,
        version: u32,
        channel: ChannelId,
        provider: String,
        applicant_iin: String,
        /// Absent in entries written before names were journalled.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        applicant_name: String,
        key: String,
        at: Timestamp,
        /// Acceptance receipt number (its barcode encodes it) where the channel gives one.
        receipt: Option<String>,
        term_due: Option<Timestamp>,
        deliver_due: Option<Timestamp>,
        step_due: Option<Timestamp>,
        /// The applicant's signature (portal); absent before it was journalled, and for paper
        /// applications, so older entries serialise, and so hash, as they were written.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<ApplicantSignature>,
        /// The legal acceptance instant the term counts from, when it is not `at` (outside
        /// working hours: the portal's registration, or a counter's late entry). Absent:
        /// accepted at `at`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        accepted_at: Option<Timestamp>,
        #[serde(default, skip_serializing_if = "Reception::is_default")]
        reception: Reception,
        /// The application's data as accepted (normalised); absent in entries written before
        /// applications carried data, so they hash as they were written.
        #[serde(default, skip_serializing_if = "FormData::is_empty")]
        data: FormData,
    },
    StepCompleted {
        step: usize,
        by: Actor,
        at: Timestamp,
        #[serde(flatten)]
        outcome: Outcome,
        presented: Option<Presented>,
        /// Due instant of the next step, if any.
        next_due: Option<Timestamp>,
    },
    /// The application ended: granted, refused, not accepted, or refused by a portal notice.
    Closed {
        at: Timestamp,
        outcome: Closure,
        document: Option<String>,
    },
    ReturnedToProvider {
        at: Timestamp,
        by: Actor,
    },
    ReRequested {
        at: Timestamp,
        by: Actor,
        due: Timestamp,
    },
    /// A portal request refused (signature not authentic): the only trace it leaves.
    RequestRefused {
        application: String,
        regulation: String,
        version: u32,
        channel: ChannelId,
        applicant_iin: String,
        at: Timestamp,
        code: String,
        request_sha256: String,
    },
    ResultSigned {
        step: usize,
        by: Actor,
        at: Timestamp,
        document: String,
        sha256: String,
        cms: String,
        /// The Russian copy's own PDF and signature; absent where only the Kazakh original
        /// was signed (entries written before both copies were), so those keep their bytes.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ru: Option<SignedCopy>,
    },
    /// The head named the person who does the next steps.
    Assigned {
        step: usize,
        by: Actor,
        at: Timestamp,
        assignee: Assignee,
    },
}

/// The applicant's ЭЦП on a portal request as the server accepted it: the exact bytes signed,
/// their SHA-256 and the CMS, so the acceptance can be checked again from the journal alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicantSignature {
    /// The canonical request bytes (UTF-8 JSON) the CMS covers.
    pub request: String,
    /// SHA-256 of `request`, lowercase hex.
    pub request_sha256: String,
    /// The CMS SignedData, DER in standard base64.
    pub cms: String,
}

/// A signature recorded on the result: on its Kazakh original (`sha256`, `cms`) and, where
/// both copies were signed, on its Russian copy (`ru`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultSignature {
    pub step: usize,
    pub by: Actor,
    pub at: Timestamp,
    pub document: String,
    pub sha256: String,
    pub cms: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ru: Option<SignedCopy>,
}

/// One language copy of a signed result: the SHA-256 of its PDF (lowercase hex) and the CMS
/// SignedData over it (DER, base64).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedCopy {
    pub sha256: String,
    pub cms: String,
}

impl ResultSignature {
    /// The hash and CMS of the copy in `lang` (`kk` or `ru`), if that copy was signed.
    pub fn copy(&self, lang: &str) -> Option<SignedCopy> {
        match lang {
            "ru" => self.ru.clone(),
            _ => Some(SignedCopy {
                sha256: self.sha256.clone(),
                cms: self.cms.clone(),
            }),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Closure {
    Issued,
    RefusalIssued,
    AcceptanceRefused,
    RefusalNotice,
}

names!(Closure {
    Issued => "issued",
    RefusalIssued => "refusal_issued",
    AcceptanceRefused => "acceptance_refused",
    RefusalNotice => "refusal_notice",
});

/// Why a command was not accepted; each names the rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum Rejection {
    #[error("no regulation `{regulation}` in the catalogue")]
    UnknownRegulation { regulation: String },
    #[error("regulation `{regulation}` was not yet in force on {at}")]
    RegulationNotYetInForce { regulation: String, at: String },
    #[error("regulation `{regulation}` v{version} is repealed ({repealed_by})")]
    RegulationRepealed {
        regulation: String,
        version: u32,
        repealed_by: String,
    },
    #[error("regulation `{regulation}` does not accept applications through `{channel}`")]
    ChannelNotAccepted { regulation: String, channel: String },
    #[error("application `{application}` already exists")]
    AlreadyExists { application: String },
    #[error("no application `{application}`")]
    NoSuchApplication { application: String },
    #[error("application `{application}` is closed")]
    ApplicationClosed { application: String },
    #[error(
        "step {got} is not the current step; the application is at step {current} (someone else acted first)"
    )]
    WrongStep { current: usize, got: usize },
    #[error("step {step} belongs to role `{expected}`, not `{got}`")]
    WrongRole {
        step: usize,
        expected: String,
        got: String,
    },
    #[error("step {step} is done by `{expected}`, not by `{got}`")]
    WrongOrganisation {
        step: usize,
        expected: String,
        got: String,
    },
    #[error("step {step} cannot {what}: the regulation gives no such branch here")]
    NoSuchBranch { step: usize, what: String },
    #[error("issuing the result needs {required}")]
    IdentityRequired { required: String },
    #[error("the result is not waiting at the State Corporation")]
    NotAwaitingIssue,
    #[error("the result may be returned to the provider only after {until}")]
    StoragePeriodNotOver { until: Timestamp },
    #[error("the result was not returned to the provider")]
    NotReturned,
    #[error("step {step} is where the result is signed: record the signature first")]
    SignatureRequired { step: usize },
    #[error("step {step} is not where the result is signed")]
    NotASigningStep { step: usize },
    #[error("field `{field}`: {rule}")]
    Invalid { field: String, rule: String },
    #[error("the application's data is not valid: {}", errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    InvalidApplication { errors: Vec<FieldError> },
    #[error(
        "the `{channel}` counter takes applications only during its working hours ({hours}); it opens next at {} (Almaty time): staff who took the application in may enter it late, to be recorded as taken in then",
        almaty_minute(next_opening)
    )]
    OutsideWorkingHours {
        channel: String,
        hours: String,
        next_opening: Timestamp,
    },
}

/// An instant as Almaty civil time to the minute, for messages.
fn almaty_minute(t: &Timestamp) -> String {
    t.to_zoned_datetime(calendar::almaty())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    InProgress,
    /// The result waits at the State Corporation for the applicant.
    AwaitingIssue,
    /// Unclaimed: back with the provider for storage.
    ReturnedToProvider,
    Closed,
}

names!(Status {
    InProgress => "in_progress",
    AwaitingIssue => "awaiting_issue",
    ReturnedToProvider => "returned_to_provider",
    Closed => "closed",
});

/// An application as the events made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: String,
    pub regulation: String,
    pub version: u32,
    pub channel: ChannelId,
    pub provider: String,
    pub applicant_iin: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub applicant_name: String,
    pub key: String,
    /// When the application was handed in (the command's instant).
    pub submitted_at: Timestamp,
    /// The legal acceptance instant, when not `submitted_at` (see [`Application::accepted`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Reception::is_default")]
    pub reception: Reception,
    pub receipt: Option<String>,
    pub term_due: Option<Timestamp>,
    pub deliver_due: Option<Timestamp>,
    pub status: Status,
    /// Plan index of the current step.
    pub step: usize,
    pub step_started: Timestamp,
    pub step_due: Option<Timestamp>,
    /// Grounds of a motivated refusal prepared on the way.
    pub refusal_grounds: Option<String>,
    /// When the result reached the State Corporation.
    pub ready_at: Option<Timestamp>,
    pub closure: Option<Closure>,
    pub closed_at: Option<Timestamp>,
    pub document: Option<String>,
    /// The provider's signature on the result, once recorded.
    #[serde(default)]
    pub signature: Option<ResultSignature>,
    /// The application's data (the beneficiary, the category, ...), as accepted.
    #[serde(default, skip_serializing_if = "FormData::is_empty")]
    pub data: FormData,
    /// The regulation's grounds a motivated refusal names (see [`Outcome::MotivatedRefusal`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub listed_grounds: Vec<usize>,
    /// The person the head handed the file to (the executor), once named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<Assignee>,
    /// Events applied so far: the version for optimistic concurrency.
    pub seq: u64,
}

impl Application {
    /// The legal acceptance instant: the term counts from it.
    pub fn accepted(&self) -> Timestamp {
        self.accepted_at.unwrap_or(self.submitted_at)
    }
}

/// The organisation that holds a step of `app` done by `party`: the provider (an
/// intermediary acts for it), the State Corporation, or the portal.
pub fn holder_org(app: &Application, party: Party) -> String {
    match party {
        Party::Provider | Party::Intermediary => app.provider.clone(),
        Party::StateCorporation => STATE_CORPORATION.to_string(),
        Party::Portal => PORTAL.to_string(),
    }
}

/// The command that completes the application's current step when that step runs by itself
/// (see [`PlanStep::automatic`]): the portal's and information systems' steps. `None` when a
/// person must act, the application is closed or its plan is gone.
pub fn automatic_step(app: &Application, ctx: &Ctx) -> Option<Command> {
    if app.status == Status::Closed || app.status == Status::ReturnedToProvider {
        return None;
    }
    let plan = ctx.plan(&app.regulation, app.version, app.channel)?;
    let s = plan.step(app.step)?;
    if !s.automatic {
        return None;
    }
    Some(Command::Complete {
        application: app.id.clone(),
        step: app.step,
        actor: Actor {
            role: s.role.clone(),
            org: holder_org(app, s.party),
        },
        outcome: Outcome::Done,
        presented: None,
    })
}

/// Decide what `command` does to `state` (None: no application with that id yet) at `now`.
pub fn decide(
    state: Option<&Application>,
    command: &Command,
    now: Timestamp,
    ctx: &Ctx,
) -> Result<Vec<Event>, Rejection> {
    match command {
        Command::Submit {
            application,
            regulation,
            channel,
            provider,
            applicant_iin,
            applicant_name,
            key,
            signature,
            reception,
            data,
        } => {
            if state.is_some() {
                return Err(Rejection::AlreadyExists {
                    application: application.clone(),
                });
            }
            let well_formed = if ctx.accept_test_identities {
                identity::Iin::parse_test_identity(applicant_iin).map(|_| ())
            } else {
                identity::iin::check_form(applicant_iin)
            };
            if well_formed.is_err() {
                return Err(Rejection::Invalid {
                    field: "applicant_iin".into(),
                    rule: "an IIN is 12 digits with a valid check digit".into(),
                });
            }
            for (field, v) in [
                ("application", application),
                ("provider", provider),
                ("key", key),
            ] {
                if v.trim().is_empty() {
                    return Err(Rejection::Invalid {
                        field: field.into(),
                        rule: "must not be empty".into(),
                    });
                }
            }
            let reg = ctx.in_force(regulation, now)?;
            let plan = ctx.plan(&reg.id, reg.version, *channel).ok_or_else(|| {
                Rejection::ChannelNotAccepted {
                    regulation: reg.id.clone(),
                    channel: channel.as_str().into(),
                }
            })?;
            if reception.centre.is_some() && *channel != ChannelId::StateCorporation {
                return Err(Rejection::Invalid {
                    field: "reception.centre".into(),
                    rule: "only an application to the State Corporation names its centre".into(),
                });
            }
            let data = match &reg.application {
                Some(form) => {
                    let today = now.to_zoned_datetime(calendar::almaty()).date();
                    form::validate(form.get_ref(), &[], data, today)
                        .map_err(|errors| Rejection::InvalidApplication { errors })?
                }
                None => data.clone(),
            };
            let centre = reception.centre.as_deref();
            let accepted = match ctx.time.accept(*channel, provider, centre, now) {
                Acceptance::Closed { next_opening } if !reception.late_entry => {
                    return Err(Rejection::OutsideWorkingHours {
                        channel: channel.as_str().into(),
                        hours: ctx.time.hours(*channel, provider, centre),
                        next_opening,
                    });
                }
                a => a.instant(),
            };
            let term_due = plan.term.as_ref().map(|t| {
                ctx.time
                    .term_due(accepted, t.duration, t.acceptance_day_counted)
            });
            let deliver_due = match (&plan.term, term_due) {
                (
                    Some(TermRuleRef {
                        deliver_before: Some(d),
                        ..
                    }),
                    Some(due),
                ) => Some(ctx.time.before(due, *d)),
                _ => None,
            };
            let receipt =
                (*channel == ChannelId::StateCorporation).then(|| receipt_number(application));
            let step_due = plan
                .steps
                .first()
                .and_then(|s| s.duration)
                .map(|d| ctx.time.step_due(accepted, d));
            Ok(vec![Event::Submitted {
                application: application.clone(),
                regulation: reg.id.clone(),
                version: reg.version,
                channel: *channel,
                provider: provider.clone(),
                applicant_iin: applicant_iin.clone(),
                applicant_name: applicant_name.trim().to_string(),
                key: key.clone(),
                at: now,
                receipt,
                term_due,
                deliver_due,
                step_due,
                signature: signature.clone(),
                accepted_at: (accepted != now).then_some(accepted),
                reception: reception.clone(),
                data,
            }])
        }
        Command::Complete {
            application,
            step,
            actor,
            outcome,
            presented,
        } => {
            let app = open(state, application)?;
            let plan = plan_of(app, ctx)?;
            let s = authorise(app, plan, *step, actor, ctx)?;
            if ctx.require_signatures
                && s.signs_result
                && app.signature.as_ref().is_none_or(|sig| sig.step != s.index)
            {
                return Err(Rejection::SignatureRequired { step: s.index });
            }
            let close = |outcome: Closure, document: Option<String>| Event::Closed {
                at: now,
                outcome,
                document,
            };
            let completed = |next_due: Option<Timestamp>| Event::StepCompleted {
                step: *step,
                by: actor.clone(),
                at: now,
                outcome: outcome.clone(),
                presented: *presented,
                next_due,
            };
            match outcome {
                Outcome::RefuseAcceptance { grounds } => {
                    let receipt = s
                        .refuse_acceptance
                        .clone()
                        .ok_or_else(|| no_branch(*step, "refuse acceptance"))?;
                    non_empty(grounds)?;
                    Ok(vec![
                        completed(None),
                        close(Closure::AcceptanceRefused, Some(receipt)),
                    ])
                }
                Outcome::Fail { reason } => {
                    let notice = s
                        .refusal_notice
                        .clone()
                        .ok_or_else(|| no_branch(*step, "fail"))?;
                    non_empty(reason)?;
                    Ok(vec![
                        completed(None),
                        close(Closure::RefusalNotice, Some(notice)),
                    ])
                }
                Outcome::MotivatedRefusal { grounds, listed } => {
                    if s.motivated_refusal.is_none() {
                        return Err(no_branch(*step, "refuse the service"));
                    }
                    let reg = ctx
                        .regulations()
                        .iter()
                        .find(|r| r.id == app.regulation && r.version == app.version);
                    for i in listed {
                        if reg.is_none_or(|r| !refusal_ground_applies(r, *i, app.channel)) {
                            return Err(Rejection::Invalid {
                                field: "refusal_grounds".into(),
                                rule: format!(
                                    "{i} is not one of the regulation's grounds of a motivated refusal here"
                                ),
                            });
                        }
                    }
                    if listed.is_empty() {
                        non_empty(grounds)?;
                    }
                    proceed(app, plan, s, now, ctx, *presented, true)
                        .map(|rest| [vec![completed(rest.0)], rest.1].concat())
                }
                Outcome::Done => proceed(app, plan, s, now, ctx, *presented, false)
                    .map(|rest| [vec![completed(rest.0)], rest.1].concat()),
            }
        }
        Command::RefuseRequest {
            application,
            regulation,
            channel,
            applicant_iin,
            code,
            request_sha256,
        } => {
            if state.is_some() {
                return Err(Rejection::AlreadyExists {
                    application: application.clone(),
                });
            }
            if request_sha256.len() != 64 || !request_sha256.bytes().all(|b| b.is_ascii_hexdigit())
            {
                return Err(Rejection::Invalid {
                    field: "request_sha256".into(),
                    rule: "64 hexadecimal digits".into(),
                });
            }
            if *application != format!("refused-{}", request_sha256.to_ascii_lowercase()) {
                return Err(Rejection::Invalid {
                    field: "application".into(),
                    rule: "a refused request is journalled as refused-<request_sha256>".into(),
                });
            }
            non_empty_field("code", code)?;
            let reg = ctx.in_force(regulation, now)?;
            Ok(vec![Event::RequestRefused {
                application: application.clone(),
                regulation: reg.id.clone(),
                version: reg.version,
                channel: *channel,
                applicant_iin: applicant_iin.clone(),
                at: now,
                code: code.clone(),
                request_sha256: request_sha256.to_ascii_lowercase(),
            }])
        }
        Command::SignResult {
            application,
            step,
            actor,
            document,
            sha256,
            cms,
            ru,
            signed_at,
        } => {
            let app = open(state, application)?;
            let plan = plan_of(app, ctx)?;
            let s = authorise(app, plan, *step, actor, ctx)?;
            if !s.signs_result {
                return Err(Rejection::NotASigningStep { step: *step });
            }
            let at = signed_at.unwrap_or(now);
            // A document dated before its step began, or in the future, is not this step's.
            if at > now || at < app.step_started {
                return Err(Rejection::Invalid {
                    field: "signed_at".into(),
                    rule: "between the step's start and now".into(),
                });
            }
            let hex = |field: &str, v: &str| {
                if v.len() != 64 || !v.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(Rejection::Invalid {
                        field: field.into(),
                        rule: "64 hexadecimal digits".into(),
                    });
                }
                Ok(())
            };
            hex("sha256", sha256)?;
            non_empty_field("cms", cms)?;
            non_empty_field("document", document)?;
            if let Some(c) = ru {
                hex("ru.sha256", &c.sha256)?;
                non_empty_field("ru.cms", &c.cms)?;
            }
            Ok(vec![Event::ResultSigned {
                step: *step,
                by: actor.clone(),
                at,
                document: document.clone(),
                sha256: sha256.to_ascii_lowercase(),
                cms: cms.clone(),
                ru: ru.as_ref().map(|c| SignedCopy {
                    sha256: c.sha256.to_ascii_lowercase(),
                    cms: c.cms.clone(),
                }),
            }])
        }
        Command::Assign {
            application,
            step,
            actor,
            assignee,
        } => {
            let app = open(state, application)?;
            let plan = plan_of(app, ctx)?;
            let s = authorise(app, plan, *step, actor, ctx)?;
            if s.assigns.is_none() {
                return Err(Rejection::Invalid {
                    field: "executor".into(),
                    rule: "this step hands the file to nobody".into(),
                });
            }
            non_empty_field("executor", &assignee.login)?;
            non_empty_field("executor.name", &assignee.name)?;
            Ok(vec![Event::Assigned {
                step: *step,
                by: actor.clone(),
                at: now,
                assignee: assignee.clone(),
            }])
        }
        Command::ReturnUnclaimed { application, actor } => {
            let app = open(state, application)?;
            let plan = plan_of(app, ctx)?;
            if actor.org != STATE_CORPORATION {
                return Err(Rejection::WrongOrganisation {
                    step: app.step,
                    expected: STATE_CORPORATION.into(),
                    got: actor.org.clone(),
                });
            }
            let (Status::AwaitingIssue, Some(ready), Some(keep)) =
                (app.status, app.ready_at, plan.unclaimed_keep)
            else {
                return Err(Rejection::NotAwaitingIssue);
            };
            let until = ctx.time.after(ready, keep);
            if now < until {
                return Err(Rejection::StoragePeriodNotOver { until });
            }
            Ok(vec![Event::ReturnedToProvider {
                at: now,
                by: actor.clone(),
            }])
        }
        Command::ReRequest { application, actor } => {
            let app = open(state, application)?;
            let plan = plan_of(app, ctx)?;
            if app.status != Status::ReturnedToProvider {
                return Err(Rejection::NotReturned);
            }
            if actor.org != STATE_CORPORATION {
                return Err(Rejection::WrongOrganisation {
                    step: app.step,
                    expected: STATE_CORPORATION.into(),
                    got: actor.org.clone(),
                });
            }
            let within = plan.rerequest.unwrap_or(Duration {
                value: 1,
                unit: regulation::Unit::WorkingDays,
            });
            Ok(vec![Event::ReRequested {
                at: now,
                by: actor.clone(),
                due: ctx.time.after(now, within),
            }])
        }
    }
}

type TermRuleRef = plan::TermRule;

/// The current step, if `step` is it and `actor` holds its role (as [`Ctx::step_role`] resolves
/// it) for the party holding the file.
fn authorise<'p>(
    app: &Application,
    plan: &'p Plan,
    step: usize,
    actor: &Actor,
    ctx: &Ctx,
) -> Result<&'p PlanStep, Rejection> {
    if app.status == Status::ReturnedToProvider {
        return Err(Rejection::NotAwaitingIssue);
    }
    if step != app.step {
        return Err(Rejection::WrongStep {
            current: app.step,
            got: step,
        });
    }
    let s = plan.step(app.step).ok_or(Rejection::ApplicationClosed {
        application: app.id.clone(),
    })?;
    let role = ctx.step_role(app, s);
    if role != actor.role {
        return Err(Rejection::WrongRole {
            step,
            expected: role,
            got: actor.role.clone(),
        });
    }
    let org = match s.party {
        Party::Provider | Party::Intermediary => app.provider.as_str(),
        Party::StateCorporation => STATE_CORPORATION,
        Party::Portal => PORTAL,
    };
    if actor.org != org {
        return Err(Rejection::WrongOrganisation {
            step,
            expected: org.into(),
            got: actor.org.clone(),
        });
    }
    Ok(s)
}

/// Whether the regulation's ground `i` (its position in `[[refusal_grounds]]`) is a ground of
/// a motivated refusal for applications through `channel` (no channels named: every one).
pub fn refusal_ground_applies(reg: &Regulation, i: usize, channel: ChannelId) -> bool {
    reg.refusal_grounds.get(i).is_some_and(|g| {
        let g = g.get_ref();
        g.kind == regulation::GroundKind::MotivatedRefusal
            && (g.channels.is_empty() || g.channels.contains(&channel))
    })
}

fn non_empty_field(field: &str, v: &str) -> Result<(), Rejection> {
    if v.trim().is_empty() {
        return Err(Rejection::Invalid {
            field: field.into(),
            rule: "must not be empty".into(),
        });
    }
    Ok(())
}

/// The file goes on from step `s`: the next step's due instant, and the closing event when `s`
/// was the last step. An issuing step at the State Corporation needs the person identified.
fn proceed(
    app: &Application,
    plan: &Plan,
    s: &PlanStep,
    now: Timestamp,
    ctx: &Ctx,
    presented: Option<Presented>,
    refusing: bool,
) -> Result<(Option<Timestamp>, Vec<Event>), Rejection> {
    let issuing_at_sc =
        plan.sc_issue_index() == Some(s.index) && app.status == Status::AwaitingIssue;
    if issuing_at_sc && !plan.issue_requires.is_empty() {
        let shows = plan.issue_requires.iter().any(|r| {
            matches!(
                (r, presented),
                (
                    IssueRequirement::IdentityDocument,
                    Some(Presented::IdentityDocument)
                ) | (
                    IssueRequirement::NotarisedPowerOfAttorney,
                    Some(Presented::NotarisedPowerOfAttorney)
                )
            )
        });
        if !shows {
            return Err(Rejection::IdentityRequired {
                required: "the applicant's identity document or a representative's notarised power of attorney".into(),
            });
        }
    }
    let next = plan.next_after(s.index, refusing);
    let next_due = next
        .and_then(|n| n.duration)
        .map(|d| ctx.time.step_due(now, d));
    if next.is_some() {
        return Ok((next_due, vec![]));
    }
    let (closure, document) = if refusing || app.refusal_grounds.is_some() {
        (Closure::RefusalIssued, plan.refusal.clone())
    } else {
        (Closure::Issued, plan.result.clone())
    };
    Ok((
        None,
        vec![Event::Closed {
            at: now,
            outcome: closure,
            document,
        }],
    ))
}

fn no_branch(step: usize, what: &str) -> Rejection {
    Rejection::NoSuchBranch {
        step,
        what: what.into(),
    }
}

fn non_empty(s: &str) -> Result<(), Rejection> {
    if s.trim().is_empty() {
        Err(Rejection::Invalid {
            field: "grounds".into(),
            rule: "a refusal must state its grounds".into(),
        })
    } else {
        Ok(())
    }
}

fn open<'a>(state: Option<&'a Application>, id: &str) -> Result<&'a Application, Rejection> {
    let app = state.ok_or_else(|| Rejection::NoSuchApplication {
        application: id.into(),
    })?;
    if app.status == Status::Closed {
        return Err(Rejection::ApplicationClosed {
            application: id.into(),
        });
    }
    Ok(app)
}

fn plan_of<'c>(app: &Application, ctx: &'c Ctx) -> Result<&'c Arc<Plan>, Rejection> {
    ctx.plan(&app.regulation, app.version, app.channel)
        .ok_or_else(|| Rejection::UnknownRegulation {
            regulation: format!("{} v{}", app.regulation, app.version),
        })
}

/// The State Corporation's acceptance receipt number: derived from the application id so the
/// engine stays pure; the barcode encodes it.
pub fn receipt_number(application: &str) -> String {
    // FNV-1a, printed as 12 digits: stable across runs and platforms.
    let mut h: u64 = 0xcbf29ce484222325;
    for b in application.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    format!("{:012}", h % 1_000_000_000_000)
}

/// Fold one event into the state. Events are facts: apply never fails.
pub fn apply(state: Option<Application>, event: &Event, plans: &Ctx) -> Option<Application> {
    match event {
        Event::Submitted {
            application,
            regulation,
            version,
            channel,
            provider,
            applicant_iin,
            applicant_name,
            key,
            at,
            receipt,
            term_due,
            deliver_due,
            step_due,
            accepted_at,
            reception,
            data,
            ..
        } => Some(Application {
            id: application.clone(),
            regulation: regulation.clone(),
            version: *version,
            channel: *channel,
            provider: provider.clone(),
            applicant_iin: applicant_iin.clone(),
            applicant_name: applicant_name.clone(),
            key: key.clone(),
            submitted_at: *at,
            accepted_at: *accepted_at,
            reception: reception.clone(),
            receipt: receipt.clone(),
            term_due: *term_due,
            deliver_due: *deliver_due,
            status: Status::InProgress,
            step: 0,
            step_started: *at,
            step_due: *step_due,
            refusal_grounds: None,
            ready_at: None,
            closure: None,
            closed_at: None,
            document: None,
            signature: None,
            data: data.clone(),
            listed_grounds: vec![],
            assignee: None,
            seq: 1,
        }),
        Event::StepCompleted {
            at,
            outcome,
            next_due,
            ..
        } => {
            let mut app = state?;
            app.seq += 1;
            let refusing = matches!(outcome, Outcome::MotivatedRefusal { .. });
            if let Outcome::MotivatedRefusal { grounds, listed } = outcome {
                app.refusal_grounds = Some(grounds.clone());
                app.listed_grounds = listed.clone();
            }
            let plan = plans.plan(&app.regulation, app.version, app.channel);
            app.step = plan
                .and_then(|p| p.next_after(app.step, refusing))
                .map(|n| n.index)
                .unwrap_or(app.step + 1);
            app.step_started = *at;
            app.step_due = *next_due;
            if plan.and_then(|p| p.sc_issue_index()) == Some(app.step)
                && app.status == Status::InProgress
            {
                app.status = Status::AwaitingIssue;
                app.ready_at = Some(*at);
            }
            Some(app)
        }
        Event::Closed {
            at,
            outcome,
            document,
        } => {
            let mut app = state?;
            app.seq += 1;
            app.status = Status::Closed;
            app.closure = Some(*outcome);
            app.closed_at = Some(*at);
            app.document = document.clone();
            app.step_due = None;
            Some(app)
        }
        Event::ReturnedToProvider { at, .. } => {
            let mut app = state?;
            app.seq += 1;
            app.status = Status::ReturnedToProvider;
            app.step_started = *at;
            app.step_due = None;
            Some(app)
        }
        Event::RequestRefused {
            application,
            regulation,
            version,
            channel,
            applicant_iin,
            at,
            code,
            request_sha256,
        } => Some(Application {
            id: application.clone(),
            regulation: regulation.clone(),
            version: *version,
            channel: *channel,
            provider: String::new(),
            applicant_iin: applicant_iin.clone(),
            applicant_name: String::new(),
            key: request_sha256.clone(),
            submitted_at: *at,
            accepted_at: None,
            reception: Reception::default(),
            receipt: None,
            term_due: None,
            deliver_due: None,
            status: Status::Closed,
            step: 0,
            step_started: *at,
            step_due: None,
            refusal_grounds: Some(code.clone()),
            ready_at: None,
            closure: Some(Closure::RefusalNotice),
            closed_at: Some(*at),
            document: None,
            signature: None,
            data: FormData::new(),
            listed_grounds: vec![],
            assignee: None,
            seq: 1,
        }),
        Event::ResultSigned {
            step,
            by,
            at,
            document,
            sha256,
            cms,
            ru,
        } => {
            let mut app = state?;
            app.seq += 1;
            app.signature = Some(ResultSignature {
                step: *step,
                by: by.clone(),
                at: *at,
                document: document.clone(),
                sha256: sha256.clone(),
                cms: cms.clone(),
                ru: ru.clone(),
            });
            Some(app)
        }
        Event::Assigned { assignee, .. } => {
            let mut app = state?;
            app.seq += 1;
            app.assignee = Some(assignee.clone());
            Some(app)
        }
        Event::ReRequested { at, due, .. } => {
            let mut app = state?;
            app.seq += 1;
            app.status = Status::AwaitingIssue;
            app.step_started = *at;
            app.step_due = Some(*due);
            Some(app)
        }
    }
}

#[cfg(test)]
mod names_tests {
    use super::sla::Sla;
    use super::{Closure, Status};

    fn same_as_serde<T: serde::Serialize + std::str::FromStr + PartialEq + std::fmt::Debug>(
        all: &[T],
        as_str: impl Fn(&T) -> &'static str,
    ) where
        T::Err: std::fmt::Debug,
    {
        for v in all {
            assert_eq!(serde_json::to_value(v).unwrap(), as_str(v), "{v:?}");
            assert_eq!(&as_str(v).parse::<T>().unwrap(), v);
        }
        assert!("no_such".parse::<T>().is_err());
    }

    #[test]
    fn names_are_the_serde_names_and_parse_back() {
        same_as_serde(Status::ALL, |s| s.as_str());
        same_as_serde(Closure::ALL, |c| c.as_str());
        same_as_serde(Sla::ALL, |s| s.as_str());
    }
}

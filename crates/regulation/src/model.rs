//! The regulation model: what one regulation version says, as typed data.
//!
//! This is the shape of `regulations/*.toml` (see `docs/regulation-format.md`). It holds facts
//! and their sources only; consistency rules live in [`crate::lint`], not here.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use toml::Spanned;

/// A reference into the seed text: `L119`, `L119-L129`, `L119-L129, L190`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct SourceRef {
    /// Inclusive line ranges, 1-based.
    pub ranges: Vec<(u32, u32)>,
}

impl SourceRef {
    pub fn parse(s: &str) -> Result<SourceRef, String> {
        let mut ranges = Vec::new();
        for part in s.split(',') {
            let part = part.trim();
            if part.is_empty() {
                return Err(format!("empty line reference in `{s}`"));
            }
            let (a, b) = match part.split_once('-') {
                Some((a, b)) => (a.trim(), b.trim()),
                None => (part, part),
            };
            let a = parse_line(a).ok_or_else(|| bad_ref(s))?;
            let b = parse_line(b).ok_or_else(|| bad_ref(s))?;
            if b < a {
                return Err(format!("line range `{part}` runs backwards"));
            }
            ranges.push((a, b));
        }
        Ok(SourceRef { ranges })
    }

    pub fn first_line(&self) -> u32 {
        self.ranges.first().map(|r| r.0).unwrap_or(0)
    }

    pub fn last_line(&self) -> u32 {
        self.ranges.iter().map(|r| r.1).max().unwrap_or(0)
    }
}

fn parse_line(s: &str) -> Option<u32> {
    let n: u32 = s.strip_prefix('L')?.parse().ok()?;
    (n > 0).then_some(n)
}

fn bad_ref(s: &str) -> String {
    format!("source `{s}` must be line references like `L119`, `L119-L129` or `L119-L129, L190`")
}

impl fmt::Display for SourceRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .ranges
            .iter()
            .map(|&(a, b)| {
                if a == b {
                    format!("L{a}")
                } else {
                    format!("L{a}-L{b}")
                }
            })
            .collect();
        f.write_str(&parts.join(", "))
    }
}

impl From<SourceRef> for String {
    fn from(s: SourceRef) -> String {
        s.to_string()
    }
}

impl<'de> Deserialize<'de> for SourceRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SourceRef::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Legal durations and their units are `calendar`'s, which counts them.
pub use calendar::{Duration, Unit};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Regulation {
    pub schema: u32,
    pub id: String,
    pub version: u32,
    pub region: String,
    /// The region's name in Kazakh and Russian, as pages show it.
    pub region_kk: Option<String>,
    pub region_ru: Option<String>,
    #[serde(default)]
    pub service_form: Vec<ServiceForm>,
    pub service_form_source: Option<SourceRef>,
    #[serde(default)]
    pub result_form: Vec<ResultForm>,
    pub result_form_source: Option<SourceRef>,
    pub source: Spanned<SeedSource>,
    pub title: Spanned<Title>,
    pub act: Spanned<Act>,
    pub status: Spanned<Status>,
    pub standard: Option<Spanned<Standard>>,
    #[serde(default)]
    pub providers: Vec<Spanned<Provider>>,
    #[serde(default)]
    pub channels: Vec<Spanned<ChannelDecl>>,
    #[serde(default)]
    pub roles: Vec<Spanned<Role>>,
    #[serde(default)]
    pub flows: BTreeMap<String, Spanned<Flow>>,
    #[serde(default)]
    pub terms: BTreeMap<String, Spanned<Term>>,
    pub state_corporation: Option<Spanned<ScRules>>,
    #[serde(default)]
    pub results: Vec<Spanned<ResultDoc>>,
    #[serde(default)]
    pub refusal_grounds: Vec<Spanned<RefusalGround>>,
    #[serde(default)]
    pub annotations: Vec<Spanned<Annotation>>,
    /// What the application carries (fields, documents); see `form.rs`.
    pub application: Option<Spanned<crate::form::ApplicationForm>>,
    /// Cost, recipients, appeal route and waits; see `passport.rs`.
    pub passport: Option<Spanned<crate::passport::Passport>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServiceForm {
    Paper,
    ElectronicPartly,
    FullyAutomated,
    Electronic,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultForm {
    Electronic,
    Paper,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSource {
    pub seed: String,
    pub part: u32,
    pub lines: SourceRef,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Title {
    pub kk: String,
    pub ru: String,
    pub en: String,
    pub source: SourceRef,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Act {
    pub issuer: String,
    pub kind: String,
    pub number: String,
    pub date: String,
    pub registration_number: Option<String>,
    pub registration_date: Option<String>,
    pub amends: Option<String>,
    pub effective: Option<String>,
    pub source: SourceRef,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusState {
    InForce,
    Repealed,
    Unknown,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Status {
    pub state: StatusState,
    pub repealed_by: Option<String>,
    pub repealed_on: Option<String>,
    pub source: SourceRef,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Standard {
    pub title_kk: Option<String>,
    pub approved_by: String,
    #[serde(default)]
    pub amended_by: Vec<String>,
    pub source: SourceRef,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    pub id: String,
    pub kk: String,
    pub ru: Option<String>,
    pub en: String,
    pub source: SourceRef,
}

/// Channels through which applications are accepted and results issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelId {
    Office,
    StateCorporation,
    Portal,
    /// An intake point that forwards to the provider (e.g. a rural akim's office).
    Intermediary,
}

impl ChannelId {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelId::Office => "office",
            ChannelId::StateCorporation => "state_corporation",
            ChannelId::Portal => "portal",
            ChannelId::Intermediary => "intermediary",
        }
    }

    pub const ALL: [ChannelId; 4] = [
        ChannelId::Office,
        ChannelId::StateCorporation,
        ChannelId::Portal,
        ChannelId::Intermediary,
    ];
}

impl std::str::FromStr for ChannelId {
    type Err = String;
    fn from_str(s: &str) -> Result<ChannelId, String> {
        ChannelId::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| format!("no channel `{s}`"))
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelDecl {
    pub id: ChannelId,
    pub accepts: bool,
    pub issues: bool,
    pub note: Option<String>,
    pub source: SourceRef,
}

/// Whose staff or system performs a role: who holds the file at that step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Party {
    Provider,
    StateCorporation,
    /// The portal and the e-government systems behind it, and the applicant at the portal.
    Portal,
    /// An intake office that forwards to the provider.
    Intermediary,
}

/// The party of the canonical role ids; other roles must say theirs (`party = ...`).
pub fn canonical_party(role: &str) -> Option<Party> {
    Some(match role {
        "office_clerk" | "head" | "executor" | "akim" | "specialist" => Party::Provider,
        "state_corporation_operator" | "collection_sector" | "courier" => Party::StateCorporation,
        "portal" | "applicant" | "gateway" | "regional_gateway" | "individuals_db"
        | "monitoring_system" => Party::Portal,
        "intermediary_clerk" => Party::Intermediary,
        _ => return None,
    })
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub id: String,
    pub kk: String,
    pub ru: Option<String>,
    pub en: String,
    #[serde(default)]
    pub alt_kk: Vec<String>,
    /// Whose staff or system the role is; needed for roles beyond the canonical ones.
    pub party: Option<Party>,
    /// A person, or an information system whose steps run by themselves.
    #[serde(default)]
    pub kind: RoleKind,
    pub source: SourceRef,
}

/// Whether a role is held by people or is an information system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleKind {
    #[default]
    Person,
    System,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    pub channel: ChannelId,
    pub source: SourceRef,
    #[serde(default)]
    pub steps: Vec<Spanned<Step>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Action,
    Process,
    Condition,
    /// The State Corporation hands the file to the provider, who runs the named flow.
    ProviderFlow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Credentials,
    CertificateValidity,
    CertificateNotRevoked,
    IinMatch,
    DocumentsComplete,
    Grounds,
    DataInIndividualsDb,
    OperatorCredentials,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub n: u32,
    pub kind: StepKind,
    pub label: Option<String>,
    pub role: Option<String>,
    pub flow: Option<String>,
    pub text_kk: Option<String>,
    pub text_ru: Option<String>,
    pub text_en: String,
    pub input: Option<String>,
    pub output: Option<String>,
    pub duration: Option<Duration>,
    #[serde(default)]
    pub produces: Vec<String>,
    /// The provider's authorised person signs the result here (on the portal: with ЭЦП).
    #[serde(default)]
    pub signs_result: bool,
    #[serde(default)]
    pub checks: Vec<Check>,
    #[serde(default)]
    pub branches: Vec<Spanned<Branch>>,
    #[serde(default)]
    pub alternatives: Vec<Spanned<Alternative>>,
    pub source: SourceRef,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BranchKind {
    RefuseAcceptance,
    MotivatedRefusal,
    Result,
    RefusalNotice,
    Stop,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Branch {
    pub kind: BranchKind,
    pub result: Option<String>,
    pub condition_en: Option<String>,
    pub goto: Option<u32>,
    pub source: SourceRef,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AltField {
    Duration,
    Role,
    Text,
    Unit,
    Other,
}

/// A reading the text also supports but that was not chosen (a contradiction in the text).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    pub field: AltField,
    pub duration: Option<Duration>,
    pub role: Option<String>,
    pub text_en: Option<String>,
    pub source: SourceRef,
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DurationWithSource {
    pub value: u32,
    pub unit: Unit,
    pub source: SourceRef,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TermAlternative {
    pub value: u32,
    pub unit: Unit,
    pub source: SourceRef,
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub value: u32,
    pub unit: Unit,
    pub from_en: Option<String>,
    /// `Some(false)` only where the text says the day of acceptance is not counted.
    pub acceptance_day_counted: Option<bool>,
    pub acceptance_day_source: Option<SourceRef>,
    pub deliver_before_term: Option<DurationWithSource>,
    #[serde(default)]
    pub alternatives: Vec<Spanned<TermAlternative>>,
    pub source: SourceRef,
}

impl Term {
    pub fn duration(&self) -> Duration {
        Duration {
            value: self.value,
            unit: self.unit,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IssueRequirement {
    IdentityDocument,
    NotarisedPowerOfAttorney,
    AcceptanceReceipt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnclaimedThen {
    ReturnToProvider,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Unclaimed {
    pub keep: Duration,
    pub then: UnclaimedThen,
    pub rerequest: Option<Duration>,
    pub source: SourceRef,
}

/// The State Corporation's own rules, only where the text gives them.
///
/// The texts put the "electronic queue" (электрондық кезек) on two different moments: handing
/// in the application ("қабылдау ... электрондық кезек тәртібімен") or collecting the result
/// ("нәтижесін алу электрондық кезек күту тәртібімен"); each has its own flag.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ScRules {
    /// Applications are accepted in the order of the electronic queue.
    pub e_queue_acceptance: Option<bool>,
    /// Results are collected in the order of the electronic queue.
    pub e_queue_issue: Option<bool>,
    /// The electronic queue above can be booked through the portal.
    pub e_queue_bookable_via_portal: Option<bool>,
    /// Retired: it said neither acceptance nor issue. Always `None`: a file that still has it
    /// gets an error naming the two fields that replace it.
    #[serde(default, skip_serializing)]
    pub e_queue: Option<RetiredEQueue>,
    pub expedited: Option<bool>,
    #[serde(default)]
    pub issue_requires: Vec<IssueRequirement>,
    pub unclaimed: Option<Unclaimed>,
    pub source: SourceRef,
}

impl ScRules {
    /// Whether results are collected in the order of the electronic queue.
    pub fn e_queue_issue(&self) -> bool {
        self.e_queue_issue == Some(true)
    }

    /// Whether applications are accepted in the order of the electronic queue.
    pub fn e_queue_acceptance(&self) -> bool {
        self.e_queue_acceptance == Some(true)
    }
}

/// The value of the retired `e_queue` key, which no file may hold: reading one is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetiredEQueue {}

impl<'de> Deserialize<'de> for RetiredEQueue {
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(serde::de::Error::custom(
            "`e_queue` is retired: say what the electronic queue serves, \
             `e_queue_acceptance = true` (applications are accepted in its order) or \
             `e_queue_issue = true` (results are collected in its order)",
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    Result,
    Refusal,
    Receipt,
    Notice,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ResultDoc {
    pub id: String,
    pub kind: ResultKind,
    pub name_kk: Option<String>,
    pub name_ru: Option<String>,
    pub name_en: String,
    pub form: Option<String>,
    #[serde(default)]
    pub barcode: bool,
    #[serde(default)]
    pub channels: Vec<ChannelId>,
    pub source: SourceRef,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroundKind {
    RefuseAcceptance,
    MotivatedRefusal,
    Portal,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RefusalGround {
    /// A stable id, for grounds an official picks from the list (`motivated_refusal`).
    pub id: Option<String>,
    pub kind: GroundKind,
    pub text_kk: Option<String>,
    pub text_ru: Option<String>,
    pub text_en: String,
    pub reference: Option<String>,
    #[serde(default)]
    pub channels: Vec<ChannelId>,
    /// Seed lines; a ground the text only refers to ("para 10 of the Standard") and the
    /// Standard enumerates cites `standard` instead.
    pub source: Option<SourceRef>,
    pub standard: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationKind {
    Contradiction,
    Garbled,
    DraftingError,
    Missing,
    Note,
}

impl AnnotationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AnnotationKind::Contradiction => "contradiction",
            AnnotationKind::Garbled => "garbled",
            AnnotationKind::DraftingError => "drafting_error",
            AnnotationKind::Missing => "missing",
            AnnotationKind::Note => "note",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Annotation {
    pub kind: AnnotationKind,
    pub about: String,
    pub text_en: String,
    pub chosen: Option<String>,
    pub source: SourceRef,
}

impl Regulation {
    /// Channel ids in the order the text declares them.
    pub fn channel_ids(&self) -> Vec<ChannelId> {
        self.channels.iter().map(|c| c.get_ref().id).collect()
    }

    pub fn channel(&self, id: ChannelId) -> Option<&ChannelDecl> {
        self.channels
            .iter()
            .map(|c| c.get_ref())
            .find(|c| c.id == id)
    }

    pub fn term(&self, channel: ChannelId) -> Option<&Term> {
        self.terms.get(channel.as_str()).map(|t| t.get_ref())
    }

    /// The flow that serves applications arriving through `channel`.
    pub fn flow_for(&self, channel: ChannelId) -> Option<(&str, &Flow)> {
        if let Some(f) = self.flows.get(channel.as_str())
            && f.get_ref().channel == channel
        {
            return Some((channel.as_str(), f.get_ref()));
        }
        self.flows
            .iter()
            .find(|(_, f)| f.get_ref().channel == channel)
            .map(|(k, f)| (k.as_str(), f.get_ref()))
    }

    /// Whether `role` is declared an information system (`kind = "system"` in `[[roles]]`):
    /// the one place that says so.
    pub fn is_system_role(&self, role: &str) -> bool {
        self.roles
            .iter()
            .map(|r| r.get_ref())
            .any(|r| r.id == role && r.kind == RoleKind::System)
    }

    /// The party of a role: as declared, else the canonical one.
    pub fn party_of(&self, role: &str) -> Option<Party> {
        let decl = self
            .roles
            .iter()
            .map(|r| r.get_ref())
            .find(|r| r.id == role);
        decl.and_then(|r| r.party).or_else(|| canonical_party(role))
    }

    /// The region's name in `lang` (the English name where a file gives none).
    pub fn region_in(&self, lang: crate::Lang) -> &str {
        let l = match lang {
            crate::Lang::Kk => self.region_kk.as_deref(),
            crate::Lang::Ru => self.region_ru.as_deref(),
            crate::Lang::En => None,
        };
        l.unwrap_or(&self.region)
    }

    /// A step of a flow by its number in the text.
    pub fn step(&self, flow: &str, n: u32) -> Option<&Step> {
        self.flows
            .get(flow)?
            .get_ref()
            .steps
            .iter()
            .map(|s| s.get_ref())
            .find(|s| s.n == n)
    }

    pub fn result(&self, id: &str) -> Option<&ResultDoc> {
        self.results
            .iter()
            .map(|r| r.get_ref())
            .find(|r| r.id == id)
    }
}

/// Picks the text for `lang` from Kazakh, Russian and English variants: the language's own,
/// else Kazakh (the text's language), else English.
pub fn pick<'a>(
    lang: crate::Lang,
    kk: Option<&'a str>,
    ru: Option<&'a str>,
    en: &'a str,
) -> &'a str {
    match lang {
        crate::Lang::Kk => kk.unwrap_or(en),
        crate::Lang::Ru => ru.or(kk).unwrap_or(en),
        crate::Lang::En => en,
    }
}

impl Step {
    /// The step's text in `lang`.
    pub fn text(&self, lang: crate::Lang) -> &str {
        pick(
            lang,
            self.text_kk.as_deref(),
            self.text_ru.as_deref(),
            &self.text_en,
        )
    }
}

impl Role {
    /// The role's name in `lang`.
    pub fn name(&self, lang: crate::Lang) -> &str {
        pick(lang, Some(&self.kk), self.ru.as_deref(), &self.en)
    }
}

impl Provider {
    /// The provider type's name in `lang`.
    pub fn name(&self, lang: crate::Lang) -> &str {
        pick(lang, Some(&self.kk), self.ru.as_deref(), &self.en)
    }
}

impl ResultDoc {
    /// The document's name in `lang`.
    pub fn name(&self, lang: crate::Lang) -> &str {
        pick(
            lang,
            self.name_kk.as_deref(),
            self.name_ru.as_deref(),
            &self.name_en,
        )
    }
}

impl RefusalGround {
    /// The ground's text in `lang`.
    pub fn text(&self, lang: crate::Lang) -> &str {
        pick(
            lang,
            self.text_kk.as_deref(),
            self.text_ru.as_deref(),
            &self.text_en,
        )
    }
}

//! The service catalogue as the API and the pages show it: each regulation's titles, channels,
//! terms, provider types with the organisations that provide it, and its steps.
//!
//! For: read-only views built from the engine's regulations (`Ctx`). Not for: lint or export
//! (the `regulation` crate), or deciding which version applies to an application (the engine
//! pins the version in force at submission).

use crate::accounts::Org;
use crate::i18n::{Lang, Messages};
use engine::Ctx;
use jiff::Timestamp;
use regulation::{ChannelId, Party, Regulation};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Titles {
    pub kk: String,
    pub ru: String,
    pub en: String,
}

impl Titles {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Kk => &self.kk,
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChannelInfo {
    /// `office`, `state_corporation`, `portal` or `intermediary`.
    pub id: String,
    pub accepts: bool,
    pub issues: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TermInfo {
    pub channel: String,
    pub value: u32,
    /// `working_days`, `calendar_days`, `minutes`, ...
    pub unit: String,
    pub acceptance_day_counted: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderInfo {
    /// The regulation's provider type id.
    pub id: String,
    pub kk: String,
    pub ru: String,
    pub en: String,
    /// Organisations of this type that provide the service here.
    pub organisations: Vec<OrgRef>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgRef {
    pub id: String,
    pub name: Titles,
}

/// One service of the catalogue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Service {
    pub id: String,
    pub version: u32,
    pub title: Titles,
    /// The region's English name.
    pub region: String,
    /// The region's name in each language.
    pub region_name: Titles,
    pub channels: Vec<ChannelInfo>,
    pub terms: Vec<TermInfo>,
    pub providers: Vec<ProviderInfo>,
    /// Whether applications are accepted at the server's current instant.
    pub in_force: bool,
    pub act_date: String,
    pub repealed_on: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StepInfo {
    /// Plan index: what `POST /api/applications/{id}/actions` names as `step`.
    pub index: usize,
    pub flow: String,
    pub n: u32,
    pub kind: String,
    pub role: String,
    /// `provider`, `state_corporation`, `portal` or `intermediary`.
    pub party: String,
    /// The legal duration (`15 minutes`), if the text gives one.
    pub duration: Option<String>,
    pub text_en: String,
    pub text_kk: Option<String>,
    pub text_ru: Option<String>,
    pub only_on_failure: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanInfo {
    pub channel: String,
    pub steps: Vec<StepInfo>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceDetail {
    #[serde(flatten)]
    pub service: Service,
    /// The ordered steps an application walks, per channel.
    pub plans: Vec<PlanInfo>,
    pub flows: Vec<String>,
    /// The service passport: results, recipients, cost, documents, refusal grounds, appeal.
    pub passport: PassportInfo,
}

/// A text in each language (English where the regulation has it, else Russian).
fn texts(kk: &str, ru: &str, en: &str) -> Titles {
    Titles {
        kk: kk.into(),
        ru: ru.into(),
        en: en.into(),
    }
}

fn each_lang(f: impl Fn(Lang) -> String) -> Titles {
    Titles {
        kk: f(Lang::Kk),
        ru: f(Lang::Ru),
        en: f(Lang::En),
    }
}

/// A duration with its unit (`working_days`, `minutes`, ...).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DurationInfo {
    pub value: u32,
    pub unit: String,
}

impl From<regulation::Duration> for DurationInfo {
    fn from(d: regulation::Duration) -> Self {
        DurationInfo {
            value: d.value,
            unit: d.unit.as_str().into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PassportResult {
    pub id: String,
    pub name: Titles,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PassportDocument {
    pub id: String,
    pub name: Titles,
    /// What it proves.
    pub proves: Titles,
    /// Channels where it is asked for (empty: every accepting channel).
    pub channels: Vec<String>,
    /// Obtained from state information systems, not asked from the applicant.
    pub from_state_systems: bool,
    /// Asked only for some answers (a category's proof).
    pub conditional: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PassportGround {
    /// Position in the regulation's `[[refusal_grounds]]` (what a refusal names).
    pub index: usize,
    /// `motivated_refusal` or `refuse_acceptance`.
    pub kind: String,
    pub text: Titles,
    /// Its legal source in words (`подпункт 1) пункта 10 Стандарта`).
    pub legal_source: Titles,
    /// Channels it applies to (empty: all).
    pub channels: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PassportAppeal {
    /// `provider`, `authorised_body` or `court`.
    pub to: String,
    pub text: Titles,
    /// The term of consideration from the complaint's registration.
    pub term: Option<DurationInfo>,
    pub law: Option<Titles>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PassportWaiting {
    /// `submission` or `result`.
    pub what: String,
    pub channel: String,
    pub max: DurationInfo,
}

/// The service passport (issue 11): what the service gives, to whom, for what, with which
/// documents, on what grounds it is refused, and how to appeal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PassportInfo {
    /// The results proper (not receipts, notices or refusals).
    pub results: Vec<PassportResult>,
    /// `paper`, `electronic`.
    pub result_form: Vec<String>,
    pub recipients: Option<Titles>,
    pub free: Option<bool>,
    pub cost: Option<Titles>,
    pub documents: Vec<PassportDocument>,
    pub refusal_grounds: Vec<PassportGround>,
    pub acceptance_refusal_grounds: Vec<PassportGround>,
    pub appeal: Vec<PassportAppeal>,
    pub waiting: Vec<PassportWaiting>,
}

/// A legal reference in words in `lang`: `para 10(1)` / `para 9 of the Standard` / `App. 2`
/// → «Стандарттың 10-тармағының 1) тармақшасы» / «подпункт 1) пункта 10 Стандарта».
pub fn legal_ref(s: &str, lang: Lang) -> Option<String> {
    let s = s.trim().trim_end_matches(" of the Standard").trim();
    if let Some(n) = s.strip_prefix("App. ") {
        return Some(lang.t_args("passport-ref_app", &[("app", n.to_string().into())]));
    }
    let rest = s.strip_prefix("para ")?;
    let (para, sub) = match rest.split_once('(') {
        Some((p, sub)) => (p, Some(sub.trim_end_matches(')'))),
        None => (rest, None),
    };
    if para.is_empty() || !para.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some(match sub {
        Some(sub) => lang.t_args(
            "passport-ref_subpara",
            &[
                ("para", para.to_string().into()),
                ("sub", sub.to_string().into()),
            ],
        ),
        None => lang.t_args("passport-ref_para", &[("para", para.to_string().into())]),
    })
}

/// The ground's legal source in words: the Standard's paragraph it cites, else the
/// regulation's own text.
fn ground_source(g: &regulation::RefusalGround, lang: Lang) -> String {
    g.standard
        .as_deref()
        .and_then(|s| legal_ref(s, lang))
        .or_else(|| g.reference.as_deref().and_then(|s| legal_ref(s, lang)))
        .unwrap_or_else(|| lang.t("passport-ref_regulation").to_string())
}

/// One step of the appeal route as a sentence in `lang`, for letters: to whom, the complaint's
/// term from its registration, and the law that sets it.
pub fn appeal_line(a: &regulation::Appeal, lang: Lang) -> String {
    let mut out = a.text(lang).to_string();
    if let Some(c) = out.chars().next() {
        out = c.to_uppercase().chain(out.chars().skip(1)).collect();
    }
    if let Some(t) = a.term {
        let term = lang.t_in_args("unit", t.unit.as_str(), &[("count", t.value.into())]);
        out.push_str(": ");
        out.push_str(&lang.t_args("passport-appeal_term", &[("term", term.into())]));
    }
    if let Some(law) = a.law(lang) {
        out.push_str(&format!(" ({law})"));
    }
    out.push('.');
    out
}

pub fn passport(reg: &Regulation) -> PassportInfo {
    let p = reg.passport.as_ref().map(|p| p.get_ref());
    let grounds = |kind: regulation::GroundKind| -> Vec<PassportGround> {
        reg.refusal_grounds
            .iter()
            .enumerate()
            .map(|(i, g)| (i, g.get_ref()))
            .filter(|(_, g)| g.kind == kind)
            .map(|(i, g)| PassportGround {
                index: i,
                kind: serde_json::to_value(g.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
                text: each_lang(|l| ground_text(g, l)),
                legal_source: each_lang(|l| ground_source(g, l)),
                channels: g.channels.iter().map(|c| c.as_str().into()).collect(),
            })
            .collect()
    };
    PassportInfo {
        results: reg
            .results
            .iter()
            .map(|r| r.get_ref())
            .filter(|r| r.kind == regulation::ResultKind::Result)
            .map(|r| PassportResult {
                id: r.id.clone(),
                name: each_lang(|l| r.name(l).to_string()),
            })
            .collect(),
        result_form: reg
            .result_form
            .iter()
            .filter_map(|f| serde_json::to_value(f).ok())
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        recipients: p.map(|p| {
            let r = p.recipients.get_ref();
            texts(&r.kk, &r.ru, &r.ru)
        }),
        free: p.map(|p| p.cost.get_ref().free),
        cost: p.map(|p| {
            let c = p.cost.get_ref();
            texts(&c.kk, &c.ru, &c.ru)
        }),
        documents: reg
            .application
            .as_ref()
            .map(|a| {
                a.get_ref()
                    .documents
                    .iter()
                    .map(|d| d.get_ref())
                    .map(|d| PassportDocument {
                        id: d.id.clone(),
                        name: texts(&d.kk, &d.ru, &d.ru),
                        proves: texts(&d.proves_kk, &d.proves_ru, &d.proves_ru),
                        channels: d.channels.iter().map(|c| c.as_str().into()).collect(),
                        from_state_systems: d.from_state_systems,
                        conditional: d.when.is_some(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        refusal_grounds: grounds(regulation::GroundKind::MotivatedRefusal),
        acceptance_refusal_grounds: grounds(regulation::GroundKind::RefuseAcceptance),
        appeal: p
            .map(|p| {
                p.appeal
                    .iter()
                    .map(|a| a.get_ref())
                    .map(|a| PassportAppeal {
                        to: a.to.as_str().into(),
                        text: texts(&a.kk, &a.ru, &a.ru),
                        term: a.term.map(DurationInfo::from),
                        law: match (&a.law_kk, &a.law_ru) {
                            (Some(kk), Some(ru)) => Some(texts(kk, ru, ru)),
                            _ => None,
                        },
                    })
                    .collect()
            })
            .unwrap_or_default(),
        waiting: p
            .map(|p| {
                p.waiting
                    .iter()
                    .map(|w| w.get_ref())
                    .map(|w| PassportWaiting {
                        what: w.what.as_str().into(),
                        channel: w.channel.as_str().into(),
                        max: w.max.into(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

pub fn party_str(p: Party) -> &'static str {
    match p {
        Party::Provider => "provider",
        Party::StateCorporation => "state_corporation",
        Party::Portal => "portal",
        Party::Intermediary => "intermediary",
    }
}

pub fn channel_from(s: &str) -> Option<ChannelId> {
    Some(match s {
        "office" => ChannelId::Office,
        "state_corporation" => ChannelId::StateCorporation,
        "portal" => ChannelId::Portal,
        "intermediary" => ChannelId::Intermediary,
        _ => return None,
    })
}

/// The version of each regulation id shown in the catalogue: the one in force at `now`, else
/// the newest.
pub fn current_versions(ctx: &Ctx, now: Timestamp) -> Vec<&Regulation> {
    let mut ids: Vec<&str> = ctx.regulations().iter().map(|r| r.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .filter_map(|id| {
            ctx.in_force(id, now).ok().or_else(|| {
                ctx.regulations()
                    .iter()
                    .filter(|r| r.id == id)
                    .max_by_key(|r| r.version)
                    .map(|r| r.as_ref())
            })
        })
        .collect()
}

pub fn regulation<'c>(ctx: &'c Ctx, id: &str, now: Timestamp) -> Option<&'c Regulation> {
    current_versions(ctx, now).into_iter().find(|r| r.id == id)
}

/// Organisations that may provide `reg`: providers whose type the regulation names.
pub fn providers_of<'o>(reg: &Regulation, orgs: &'o [Org]) -> Vec<&'o Org> {
    orgs.iter()
        .filter(|o| {
            o.provider_type
                .as_deref()
                .is_some_and(|t| reg.providers.iter().any(|p| p.get_ref().id == t))
        })
        .collect()
}

pub fn service(ctx: &Ctx, reg: &Regulation, orgs: &[Org], now: Timestamp) -> Service {
    let t = reg.title.get_ref();
    Service {
        id: reg.id.clone(),
        version: reg.version,
        title: Titles {
            kk: t.kk.clone(),
            ru: t.ru.clone(),
            en: t.en.clone(),
        },
        region: reg.region.clone(),
        region_name: Titles {
            kk: reg.region_in(Lang::Kk).to_string(),
            ru: reg.region_in(Lang::Ru).to_string(),
            en: reg.region.clone(),
        },
        channels: reg
            .channels
            .iter()
            .map(|c| c.get_ref())
            .map(|c| ChannelInfo {
                id: c.id.as_str().into(),
                accepts: c.accepts,
                issues: c.issues,
            })
            .collect(),
        terms: reg
            .terms
            .iter()
            .map(|(ch, term)| {
                let term = term.get_ref();
                TermInfo {
                    channel: ch.clone(),
                    value: term.value,
                    unit: term.unit.as_str().into(),
                    acceptance_day_counted: term.acceptance_day_counted.unwrap_or(true),
                }
            })
            .collect(),
        providers: reg
            .providers
            .iter()
            .map(|p| p.get_ref())
            .map(|p| ProviderInfo {
                id: p.id.clone(),
                kk: p.kk.clone(),
                ru: p.name(Lang::Ru).to_string(),
                en: p.en.clone(),
                organisations: orgs
                    .iter()
                    .filter(|o| o.provider_type.as_deref() == Some(p.id.as_str()))
                    .map(|o| OrgRef {
                        id: o.id.clone(),
                        name: Titles {
                            kk: o.name_kk.clone(),
                            ru: o.name_ru.clone(),
                            en: o.name_en.clone(),
                        },
                    })
                    .collect(),
            })
            .collect(),
        in_force: ctx.in_force(&reg.id, now).is_ok(),
        act_date: reg.act.get_ref().date.clone(),
        repealed_on: reg.status.get_ref().repealed_on.clone(),
    }
}

pub fn detail(ctx: &Ctx, reg: &Regulation, orgs: &[Org], now: Timestamp) -> ServiceDetail {
    let plans = reg
        .channel_ids()
        .into_iter()
        .filter_map(|c| ctx.plan(&reg.id, reg.version, c))
        .map(|p| PlanInfo {
            channel: p.channel.as_str().into(),
            steps: p
                .steps
                .iter()
                .map(|s| StepInfo {
                    index: s.index,
                    flow: s.flow.clone(),
                    n: s.n,
                    kind: serde_json::to_value(s.kind)
                        .ok()
                        .and_then(|v| v.as_str().map(String::from))
                        .unwrap_or_default(),
                    role: s.role.clone(),
                    party: party_str(s.party).into(),
                    duration: s.duration.map(|d| d.to_string()),
                    text_en: s.text_en.clone(),
                    text_kk: reg.step(&s.flow, s.n).and_then(|x| x.text_kk.clone()),
                    text_ru: reg.step(&s.flow, s.n).and_then(|x| x.text_ru.clone()),
                    only_on_failure: s.only_on_failure,
                })
                .collect(),
        })
        .collect();
    ServiceDetail {
        service: service(ctx, reg, orgs, now),
        plans,
        flows: reg.flows.keys().cloned().collect(),
        passport: passport(reg),
    }
}

/// A step's text in `lang` (the regulation's own words; English only for English).
pub fn step_text(reg: &Regulation, flow: &str, n: u32, lang: Lang) -> Option<String> {
    reg.step(flow, n).map(|s| s.text(lang).to_string())
}

impl StepInfo {
    /// The step's text in `lang`.
    pub fn text(&self, lang: Lang) -> &str {
        regulation::pick(
            lang,
            self.text_kk.as_deref(),
            self.text_ru.as_deref(),
            &self.text_en,
        )
    }
}

impl ProviderInfo {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::Kk => &self.kk,
            Lang::Ru => &self.ru,
            Lang::En => &self.en,
        }
    }
}

/// A role's name in `lang`: the interface's name for the canonical roles, else the
/// regulation's own; the interface's word for "employee" where neither knows the role (an id
/// is never shown).
pub fn role_name(reg: Option<&Regulation>, role: &str, lang: Lang) -> String {
    if let Some(t) = lang.t_in_opt("role", role) {
        return t.to_string();
    }
    reg.and_then(|r| r.roles.iter().map(|x| x.get_ref()).find(|x| x.id == role))
        .map(|r| r.name(lang).to_string())
        .unwrap_or_else(|| match lang {
            Lang::En => role.to_string(),
            _ => lang.t("role-unknown").to_string(),
        })
}

/// A refusal ground's text in `lang`. The regulations give grounds in English with their legal
/// reference; a Kazakh or Russian page shows the reference in its own words ("para 10 of the
/// Standard" → "the grounds of para 10 of the state service standard"), never the English.
pub fn ground_text(g: &regulation::RefusalGround, lang: Lang) -> String {
    if lang == Lang::En {
        return g.text_en.clone();
    }
    let own = match lang {
        Lang::Ru => g.text_ru.as_deref(),
        _ => g.text_kk.as_deref(),
    };
    if let Some(t) = own.filter(|t| !t.trim().is_empty()) {
        return t.to_string();
    }
    let reference = g.reference.as_deref().unwrap_or("");
    let para = reference
        .strip_prefix("para ")
        .and_then(|r| r.split_whitespace().next())
        .filter(|n| n.chars().all(|c| c.is_ascii_digit()));
    match para {
        Some(n) => lang.t_args("ground-standard_para", &[("para", n.to_string().into())]),
        None => lang.t("ground-standard").to_string(),
    }
}

/// Matches a search query against a service's id and titles (case-insensitive, every word).
pub fn matches(s: &Service, q: &str) -> bool {
    let hay = format!("{} {} {} {}", s.id, s.title.kk, s.title.ru, s.title.en).to_lowercase();
    q.split_whitespace()
        .all(|w| hay.contains(&w.to_lowercase()))
}

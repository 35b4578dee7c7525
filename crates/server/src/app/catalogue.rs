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

//! The preschool queue as people use it: a child enters the queue with the service's
//! application (one action with the submission), the applicant sees the queue number and why
//! it changed and accepts or declines a referral, the district's education department declares
//! free places and confirms enrolment, and anyone sees each district's line without names or
//! IINs. Every change is one store action (`Op::Queue`), journalled with what it caused.
//!
//! The region's rules are data (`queues/<region>.toml`, built in: Astana); which provider
//! organisation keeps which district's queue is the deployment's (`--queue-district ORG=ID`).

use crate::accounts::{Account, Kind};
use crate::i18n::{Lang, Messages};
use crate::problem::Problem;
use crate::{AppState, Inner};
use engine::{Application, FormData};
use jiff::Timestamp;
use queue::{Command, Entry, Event, Queue, Rules};

/// The built-in rules (Astana).
pub const BUILT_IN: &str = include_str!("../../../../queues/astana.toml");

/// How the server's queue is configured.
#[derive(Debug, Clone, Default)]
pub struct QueueConfig {
    /// A rules file; None: the built-in one.
    pub rules: Option<std::path::PathBuf>,
    /// Provider organisation → district id of the rules.
    pub districts: Vec<(String, String)>,
}

impl QueueConfig {
    /// The rules, checked.
    pub fn load_rules(&self) -> anyhow::Result<Rules> {
        let text = match &self.rules {
            Some(p) => std::fs::read_to_string(p)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?,
            None => BUILT_IN.to_string(),
        };
        let rules = Rules::from_toml_str(&text).map_err(|e| anyhow::anyhow!("{e}"))?;
        for (org, d) in &self.districts {
            if !rules.districts.iter().any(|x| &x.id == d) {
                anyhow::bail!("--queue-district {org}={d}: `{d}` is not a district of the rules");
            }
        }
        Ok(rules)
    }
}

/// Attach the queue to the store (its journal replayed).
pub fn attach(store: &dyn store::Store, rules: Rules) -> anyhow::Result<()> {
    store
        .attach_queue(Queue::new(rules, calendar::Calendar::kz().clone()))
        .map_err(|e| anyhow::anyhow!("cannot load the preschool queue: {e}"))
}

fn read<R>(st: &Inner, f: impl FnOnce(&Queue) -> R) -> Option<R> {
    st.store.queue().read(f)
}

/// The district whose queue `org` keeps.
pub fn district_of<'a>(st: &'a Inner, org: &str) -> Option<&'a str> {
    st.options
        .queue
        .districts
        .iter()
        .find(|(o, _)| o == org)
        .map(|(_, d)| d.as_str())
}

/// Whether applications of `regulation` put children in the queue.
pub fn feeds_queue(st: &Inner, regulation: &str) -> bool {
    read(st, |q| {
        q.rules()
            .service
            .as_ref()
            .is_some_and(|s| s.regulation == regulation)
    })
    .unwrap_or(false)
}

fn one<'a>(data: &'a FormData, field: &str) -> &'a str {
    data.get(field)
        .and_then(|v| v.items().first().copied())
        .unwrap_or("")
}

/// The queue command that enters the child of a new application of the queue's service, or
/// None for other services.
pub fn entry_for(
    st: &Inner,
    application: &str,
    regulation: &str,
    provider: &str,
    data: &FormData,
    lang: Lang,
) -> Result<Option<Command>, Problem> {
    let Some(link) = read(st, |q| q.rules().service.clone()).flatten() else {
        return Ok(None);
    };
    if link.regulation != regulation {
        return Ok(None);
    }
    let Some(district) = district_of(st, provider) else {
        return Err(Problem::invalid(
            "provider",
            "queue.district",
            lang.t("problem-queue-district"),
        ));
    };
    let birth = engine::form::parse_date(one(data, &link.birth_date)).ok_or_else(|| {
        Problem::invalid(
            &link.birth_date,
            "queue.birth_date",
            lang.t("problem-queue-birth_date"),
        )
    })?;
    let category = one(data, &link.category).to_string();
    // The category's proving document is handed in with the application (para 9): its date
    // is taken as the day of application, our reading where the form has no date of it.
    let proof = read(st, |q| {
        q.rules()
            .category(&category)
            .and_then(|c| c.proof_valid_days)
    })
    .flatten()
    .map(|_| st.clock.now().to_zoned_datetime(calendar::almaty()).date());
    let language = link
        .language
        .as_deref()
        .map(|f| one(data, f).to_string())
        .filter(|s| !s.is_empty());
    Ok(Some(Command::Enter(Entry {
        child: application.to_string(),
        iin: one(data, &link.child_iin).to_string(),
        birth_date: birth,
        district: district.to_string(),
        category,
        proof_date: proof,
        language,
        preferred: vec![],
    })))
}

/// The command that takes the child of a refused application out of the line, when it waits.
pub fn withdraw_for(st: &Inner, application: &str) -> Option<Command> {
    read(st, |q| {
        q.child(application).and_then(|c| {
            matches!(
                c.status,
                queue::Status::Waiting | queue::Status::StopListed { .. }
            )
            .then(|| Command::Withdraw {
                child: application.to_string(),
            })
        })
    })
    .flatten()
}

/// The child's queue number at `at` (for the service's notification): the last change of it
/// up to then.
pub fn number_at(st: &Inner, child: &str, at: Timestamp) -> Option<u32> {
    read(st, |q| {
        q.history(child)
            .iter()
            .rev()
            .find(|c| c.at <= at)
            .map(|c| c.number)
    })
    .flatten()
}

/// What time did to the queue up to now, journalled (the background sweep).
pub fn advance(st: &AppState) -> Result<usize, Problem> {
    if !st.store.queue().attached() {
        return Ok(0);
    }
    let o = st
        .store
        .act(store::Action {
            now: st.now(),
            ops: vec![store::Op::QueueAdvance],
        })
        .map_err(Problem::from)?;
    Ok(o.queue_events.len())
}

/// The district whose places staff of `acc` may declare: their organisation's.
pub fn staff_district(st: &Inner, acc: &Account) -> Result<String, Problem> {
    if acc.kind != Kind::Staff {
        return Err(Problem::forbidden("forbidden.not_staff", "staff only"));
    }
    acc.org
        .as_deref()
        .and_then(|o| district_of(st, o))
        .map(str::to_string)
        .ok_or_else(|| {
            Problem::forbidden(
                "forbidden.queue_district",
                "your organisation keeps no preschool queue",
            )
        })
}

/// Staff declare free places of an organisation of their district.
pub fn declare(
    st: &AppState,
    acc: &Account,
    organisation: &str,
    group: &str,
    language: &str,
    count: u32,
) -> Result<Vec<Event>, Problem> {
    let district = staff_district(st, acc)?;
    let in_district = read(st, |q| {
        q.rules()
            .organisation(organisation)
            .is_some_and(|o| o.district == district)
    })
    .unwrap_or(false);
    if !in_district {
        return Err(Problem::invalid(
            "organisation",
            "queue.organisation",
            "must be a preschool organisation of your district",
        ));
    }
    let o = crate::ops::act_on(
        st,
        store::Action::new(st.now()).queue(Command::DeclarePlaces {
            organisation: organisation.into(),
            group: group.into(),
            language: language.into(),
            count,
        }),
    )?;
    Ok(o.queue_events)
}

/// What a person does with a referral.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ReferralAct {
    /// The applicant accepts it.
    Accept,
    /// The applicant declines it.
    Decline,
    /// The applicant asks for the longer enrolment term.
    Extend,
    /// The district's staff confirm the child is enrolled.
    Enrol,
}

/// Accept, decline, extend (the applicant) or enrol (the district's staff) a referral.
pub fn referral(
    st: &AppState,
    acc: &Account,
    id: u64,
    act: ReferralAct,
) -> Result<Vec<Event>, Problem> {
    let r = read(st, |q| {
        q.referral(id)
            .map(|r| (r.child.clone(), r.organisation.clone()))
    })
    .flatten()
    .ok_or_else(|| Problem::not_found("referral"))?;
    let (child, org) = r;
    match act {
        ReferralAct::Enrol => {
            let district = staff_district(st, acc)?;
            let ours = read(st, |q| {
                q.rules()
                    .organisation(&org)
                    .is_some_and(|o| o.district == district)
            })
            .unwrap_or(false);
            if !ours {
                return Err(Problem::not_found("referral"));
            }
        }
        _ => {
            // The applicant of the child's application only; others do not learn it exists.
            let app = st.store.application(&child).map_err(Problem::from)?;
            let own = acc.kind == Kind::Citizen
                && app
                    .as_ref()
                    .is_some_and(|a| Some(a.applicant_iin.as_str()) == acc.iin.as_deref());
            if !own {
                return Err(Problem::not_found("referral"));
            }
        }
    }
    let cmd = match act {
        ReferralAct::Accept => Command::Accept { referral: id },
        ReferralAct::Decline => Command::Decline { referral: id },
        ReferralAct::Extend => Command::Extend { referral: id },
        ReferralAct::Enrol => Command::Enrol { referral: id },
    };
    let o = crate::ops::act_on(st, store::Action::new(st.now()).queue(cmd))?;
    Ok(o.queue_events)
}

/// A change of the child's number, as the applicant sees it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NumberChangeView {
    #[schema(value_type = String)]
    pub at: Timestamp,
    pub number: u32,
    /// Why: `joined` (the child entered or someone entered ahead), `left` (someone ahead left:
    /// got a place, withdrew, aged out), `moved` (a category changed), `turn` (a referral
    /// moved the priority : general turn), `year` (a new preschool year).
    pub why: String,
    /// The change was the child's own (entered, category changed).
    pub own: bool,
}

/// A referral as its applicant or the district's staff see it.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ReferralView {
    pub id: u64,
    pub child: String,
    pub organisation: String,
    pub group: String,
    pub language: String,
    /// `issued`, `accepted`, `enrolled`, `declined`, `lapsed`.
    pub state: String,
    #[schema(value_type = String)]
    pub issued_at: Timestamp,
    #[schema(value_type = String)]
    pub accept_by: Timestamp,
    #[schema(value_type = Option<String>)]
    pub enrol_by: Option<Timestamp>,
    /// The rule that chose the child: `extraordinary`, or `ratio:<turn>:<given>`.
    pub rule: String,
    /// The child's queue number when chosen.
    pub rank: u32,
    /// The child's registration number (anonymous, public).
    pub number: u64,
}

/// The child's place in the queue, for the applicant's page and the API.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ChildView {
    /// The queue number now (None: not in a line: referred, enrolled, withdrawn, aged out).
    pub number: Option<u32>,
    /// The registration number: anonymous, shown on the public page.
    pub registration: u64,
    pub district: String,
    pub group: Option<String>,
    pub category: String,
    /// `waiting`, `stop_listed`, `referred`, `enrolled`, `withdrawn`, `aged_out`.
    pub status: String,
    #[schema(value_type = Option<String>)]
    pub stop_until: Option<Timestamp>,
    pub history: Vec<NumberChangeView>,
    pub referrals: Vec<ReferralView>,
}

fn state_word(s: queue::ReferralState) -> &'static str {
    match s {
        queue::ReferralState::Issued => "issued",
        queue::ReferralState::Accepted => "accepted",
        queue::ReferralState::Enrolled => "enrolled",
        queue::ReferralState::Declined => "declined",
        queue::ReferralState::Lapsed => "lapsed",
    }
}

fn tier_word(t: queue::Tier) -> &'static str {
    match t {
        queue::Tier::Extraordinary => "extraordinary",
        queue::Tier::Priority => "priority",
        queue::Tier::General => "general",
    }
}

fn rule_word(c: queue::Choice) -> String {
    match c {
        queue::Choice::Extraordinary => "extraordinary".into(),
        queue::Choice::Ratio { slot, given } => {
            format!("ratio:{}:{}", tier_word(slot), tier_word(given))
        }
    }
}

fn referral_view(q: &Queue, r: &queue::Referral) -> ReferralView {
    ReferralView {
        id: r.id,
        child: r.child.clone(),
        organisation: r.organisation.clone(),
        group: r.group.clone(),
        language: r.language.clone(),
        state: state_word(r.state).into(),
        issued_at: r.issued_at,
        accept_by: r.accept_by,
        enrol_by: r.enrol_by,
        rule: rule_word(r.choice),
        rank: r.rank,
        number: q.child(&r.child).map_or(0, |c| c.number),
    }
}

/// The child of application `id` in the queue (None: the application put no child there).
pub fn child_view(st: &Inner, id: &str) -> Option<ChildView> {
    read(st, |q| {
        let c = q.child(id)?;
        let (status, stop_until) = match c.status {
            queue::Status::Waiting => ("waiting", None),
            queue::Status::StopListed { until } => ("stop_listed", Some(until)),
            queue::Status::Referred { .. } => ("referred", None),
            queue::Status::Enrolled { .. } => ("enrolled", None),
            queue::Status::Withdrawn => ("withdrawn", None),
            queue::Status::AgedOut => ("aged_out", None),
        };
        let history = q
            .history(id)
            .into_iter()
            .map(|h| {
                let (why, own) = match h.change {
                    queue::Change::Joined { number, .. } => ("joined", number == c.number),
                    queue::Change::Left { .. } => ("left", false),
                    queue::Change::Moved { number, .. } => ("moved", number == c.number),
                    queue::Change::Turn => ("turn", false),
                    queue::Change::YearBegan => ("year", false),
                };
                NumberChangeView {
                    at: h.at,
                    number: h.number,
                    why: why.into(),
                    own,
                }
            })
            .collect();
        let referrals = q
            .referrals()
            .iter()
            .filter(|r| r.child == id)
            .map(|r| referral_view(q, r))
            .collect();
        Some(ChildView {
            number: q.number(id),
            registration: c.number,
            district: c.entry.district.clone(),
            group: q.group(id),
            category: c.entry.category.clone(),
            status: status.into(),
            stop_until,
            history,
            referrals,
        })
    })
    .flatten()
}

/// One position of a public line.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PositionView {
    pub rank: u32,
    /// Registration number (anonymous).
    pub number: u64,
    pub tier: String,
    #[schema(value_type = String)]
    pub applied_at: Timestamp,
    #[schema(value_type = Option<String>)]
    pub stop_until: Option<Timestamp>,
}

/// A district's public view: its lines per age group and the referrals issued.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct DistrictView {
    pub district: String,
    pub lines: Vec<(String, Vec<PositionView>)>,
    /// Newest first.
    pub referrals: Vec<ReferralView>,
    /// Places declared and waiting for a child who can take them.
    pub open_places: usize,
}

/// The district's lines and referrals (None: no such district or no queue).
pub fn district_view(st: &Inner, district: &str) -> Option<DistrictView> {
    read(st, |q| {
        q.rules().districts.iter().find(|d| d.id == district)?;
        let mut lines = vec![];
        for g in &q.rules().age_groups {
            let line = q.line(district, &g.id);
            if line.is_empty() {
                continue;
            }
            lines.push((
                g.id.clone(),
                line.into_iter()
                    .map(|p| PositionView {
                        rank: p.rank,
                        number: p.number,
                        tier: tier_word(p.tier).into(),
                        applied_at: p.applied_at,
                        stop_until: p.stop_until,
                    })
                    .collect(),
            ));
        }
        let mut referrals: Vec<ReferralView> = q
            .referrals()
            .iter()
            .filter(|r| {
                q.rules()
                    .organisation(&r.organisation)
                    .is_some_and(|o| o.district == district)
            })
            .map(|r| referral_view(q, r))
            .collect();
        referrals.reverse();
        Some(DistrictView {
            district: district.into(),
            lines,
            referrals,
            open_places: q.open_places(),
        })
    })
    .flatten()
}

/// Names of the rules' things in a language (district, organisation, group, category).
pub fn name(st: &Inner, what: &str, id: &str, lang: Lang) -> String {
    read(st, |q| {
        let r = q.rules();
        let pick = |kk: &str, ru: &str| {
            if lang == Lang::Kk {
                kk.to_string()
            } else {
                ru.to_string()
            }
        };
        match what {
            "district" => r
                .districts
                .iter()
                .find(|d| d.id == id)
                .map(|d| pick(&d.kk, &d.ru)),
            "organisation" => r.organisation(id).map(|o| pick(&o.kk, &o.ru)),
            "group" => r
                .age_groups
                .iter()
                .find(|g| g.id == id)
                .map(|g| pick(&g.kk, &g.ru)),
            "category" => r.category(id).map(|c| pick(&c.kk, &c.ru)),
            _ => None,
        }
    })
    .flatten()
    .unwrap_or_else(|| id.to_string())
}

/// The districts (id, name) and the organisations of one (id, name, languages).
pub fn districts(st: &Inner, lang: Lang) -> Vec<(String, String)> {
    read(st, |q| {
        q.rules()
            .districts
            .iter()
            .map(|d| {
                (
                    d.id.clone(),
                    if lang == Lang::Kk {
                        d.kk.clone()
                    } else {
                        d.ru.clone()
                    },
                )
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The organisations of a district: (id, name, languages).
pub fn organisations(st: &Inner, district: &str, lang: Lang) -> Vec<(String, String, Vec<String>)> {
    read(st, |q| {
        q.rules()
            .organisations
            .iter()
            .filter(|o| o.district == district)
            .map(|o| {
                (
                    o.id.clone(),
                    if lang == Lang::Kk {
                        o.kk.clone()
                    } else {
                        o.ru.clone()
                    },
                    o.languages.clone(),
                )
            })
            .collect()
    })
    .unwrap_or_default()
}

/// The age groups: (id, name).
pub fn groups(st: &Inner, lang: Lang) -> Vec<(String, String)> {
    read(st, |q| {
        q.rules()
            .age_groups
            .iter()
            .map(|g| {
                (
                    g.id.clone(),
                    if lang == Lang::Kk {
                        g.kk.clone()
                    } else {
                        g.ru.clone()
                    },
                )
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Whether an application is the queue's (its child is in it).
pub fn has_child(st: &Inner, app: &Application) -> bool {
    read(st, |q| q.child(&app.id).is_some()).unwrap_or(false)
}

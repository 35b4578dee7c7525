//! Read models derived from the journal and kept in the same transaction as the events that
//! change them: one list row per application (inbox, cabinet, search) and the monitoring
//! aggregates (counts and duration histograms per day, service, channel, provider, step and
//! role). Both can be rebuilt from the journal alone ([`crate::Store::rebuild_views`]).
//!
//! For: the pure part — what an application's list row is ([`list_row`]) and how one event
//! changes the aggregates ([`deltas`]) — and the query types. The SQLite store applies them;
//! a rebuild folds the journal through the same functions, so the two cannot drift.
//! Not for: access rules (callers pass a [`Scope`]) or rendering.

use engine::sla::{self, Sla};
use engine::{Application, Ctx, Event, Status};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Minutes histogram buckets: upper bounds. Fine where officials' steps mostly fall (under a
/// day), coarser beyond; the last bucket takes everything longer.
pub const BUCKETS: &[f64] = &[
    1.0,
    2.0,
    3.0,
    5.0,
    10.0,
    15.0,
    20.0,
    30.0,
    45.0,
    60.0,
    90.0,
    120.0,
    180.0,
    240.0,
    360.0,
    480.0,
    720.0,
    1440.0,
    2160.0,
    2880.0,
    4320.0,
    5760.0,
    7200.0,
    10080.0,
    14400.0,
    20160.0,
    30240.0,
    43200.0,
    64800.0,
    86400.0,
    129600.0,
    f64::INFINITY,
];

/// The `day` of the monitoring aggregates' all-time totals: one more row per key beside the
/// days, so that a report without a period reads as few rows at 10 million applications as at
/// 10. Sorts before every date, so a `from` bound excludes it.
pub const ALL_TIME: &str = "*";

/// The bucket of a duration in minutes.
pub fn bucket(minutes: f64) -> usize {
    BUCKETS
        .iter()
        .position(|b| minutes <= *b)
        .unwrap_or(BUCKETS.len() - 1)
}

/// The 90th percentile of a histogram: the upper bound of the bucket holding the
/// ⌈0.9·n⌉-th smallest value (the last finite bound for the open bucket).
pub fn p90(hist: &[u64]) -> f64 {
    let n: u64 = hist.iter().sum();
    if n == 0 {
        return 0.0;
    }
    let rank = (0.9 * n as f64).ceil() as u64;
    let mut seen = 0;
    for (i, c) in hist.iter().enumerate() {
        seen += c;
        if seen >= rank.max(1) {
            let b = BUCKETS[i.min(BUCKETS.len() - 1)];
            return if b.is_finite() {
                b
            } else {
                BUCKETS[BUCKETS.len() - 2]
            };
        }
    }
    0.0
}

/// One application as lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListRow {
    pub id: String,
    pub regulation: String,
    pub version: u32,
    pub channel: String,
    pub provider: String,
    pub applicant_iin: String,
    pub applicant_name: String,
    pub receipt: Option<String>,
    /// `in_progress`, `awaiting_issue`, `returned_to_provider`, `closed`.
    pub status: String,
    pub closure: Option<String>,
    pub step: usize,
    /// Who holds the file now (None once closed): organisation and role.
    pub holder_org: Option<String>,
    pub holder_role: Option<String>,
    /// The current step runs by itself (nobody's work to measure).
    pub automatic: bool,
    pub step_started: Timestamp,
    pub step_due: Option<Timestamp>,
    pub term_due: Option<Timestamp>,
    pub deliver_due: Option<Timestamp>,
    pub submitted_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub updated_at: Timestamp,
    /// From this instant on the application may be at risk or overdue (an index for
    /// monitoring; the exact status comes from `engine::sla::status`).
    pub watch_at: Option<Timestamp>,
    /// When the result (or refusal) was issued, as the term judges it (`engine::sla::result_at`).
    pub result_at: Option<Timestamp>,
    /// Working days the result was late by (`engine::sla::result_late`); None when it was on
    /// time or is not issued yet.
    pub late_days: Option<u32>,
    /// The login of the person the head named for the current step (the executor), while
    /// that step is theirs.
    #[serde(default)]
    pub assignee: Option<String>,
}

impl ListRow {
    /// The SLA status at `now` (None once closed), exactly as `engine::sla` says.
    pub fn sla(&self, now: Timestamp) -> Option<Sla> {
        (self.status != "closed").then(|| sla::status(&self.sla_input(), now).0)
    }

    /// How late the result was issued against the term (None: on time or not yet), exactly
    /// as `engine::sla::result_late` judges the application.
    pub fn late(&self) -> Option<sla::Lateness> {
        sla::late(self.term_due, self.result_at?)
    }

    pub fn sla_input(&self) -> sla::Input {
        sla::Input {
            waiting: self.status == "awaiting_issue",
            submitted_at: self.submitted_at,
            step_started: self.step_started,
            step_due: self.step_due,
            term_due: self.term_due,
            deliver_due: self.deliver_due,
        }
    }
}

/// The list row of `app` as of `updated_at`.
pub fn list_row(app: &Application, ctx: &Ctx, updated_at: Timestamp) -> ListRow {
    let step = ctx
        .plan(&app.regulation, app.version, app.channel)
        .and_then(|p| p.step(app.step));
    let open = app.status != Status::Closed;
    let (holder_org, holder_role) = match (open, step) {
        (true, Some(s)) => (
            Some(engine::holder_org(app, s.party)),
            Some(ctx.step_role(app, s)),
        ),
        // A plan no longer in the catalogue: the file stays with its provider.
        (true, None) => (Some(app.provider.clone()), Some(String::new())),
        (false, _) => (None, None),
    };
    let mut row = ListRow {
        id: app.id.clone(),
        regulation: app.regulation.clone(),
        version: app.version,
        channel: app.channel.as_str().to_string(),
        provider: app.provider.clone(),
        applicant_iin: app.applicant_iin.clone(),
        applicant_name: app.applicant_name.clone(),
        receipt: app.receipt.clone(),
        status: app.status.as_str().to_string(),
        closure: app.closure.map(|c| c.as_str().to_string()),
        step: app.step,
        holder_org,
        holder_role,
        automatic: step.is_some_and(|s| s.automatic),
        step_started: app.step_started,
        step_due: app.step_due,
        term_due: app.term_due,
        deliver_due: app.deliver_due,
        submitted_at: app.submitted_at,
        closed_at: app.closed_at,
        updated_at,
        watch_at: None,
        result_at: sla::result_at(app),
        late_days: sla::result_late(app).map(|l| l.working_days),
        assignee: assignee_of(app, ctx),
    };
    if open {
        row.watch_at = sla::watch_from(&row.sla_input());
    }
    row
}

/// The login of the person named for `app`'s current step, while it is theirs (open, and the
/// step is one the head's assignment covers).
pub fn assignee_of(app: &Application, ctx: &Ctx) -> Option<String> {
    let step = ctx
        .plan(&app.regulation, app.version, app.channel)?
        .step(app.step)?;
    (app.status != Status::Closed && step.assigned_by.is_some())
        .then(|| app.assignee.as_ref().map(|a| a.login.clone()))
        .flatten()
}

/// A key for name search: lower case (Cyrillic included), single spaces.
pub fn name_key(name: &str) -> String {
    name.split_whitespace()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Who is asking: what part of the applications they may see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// Monitors and admins.
    All,
    /// Staff of a provider: its applications.
    Provider(String),
    /// Staff of the State Corporation: applications taken in there.
    StateCorporation,
    /// A citizen: their own.
    Applicant(String),
}

/// The order of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Earliest step deadline first (the inbox's default).
    #[default]
    StepDue,
    /// Earliest service term first.
    TermDue,
    /// Newest submission first.
    Newest,
    /// Oldest submission first.
    Oldest,
}

/// The SLA filter of a list (open applications at `now`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaFilter {
    OnTime,
    AtRisk,
    Overdue,
}

/// A page request over the list rows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListQuery {
    pub scope: Option<Scope>,
    /// The inbox: applications whose current step `holder_org` holds with one of these roles.
    pub holder: Option<(String, Vec<String>)>,
    pub regulation: Option<String>,
    pub channel: Option<String>,
    pub step: Option<usize>,
    /// Open only (true), closed only (false), or both.
    pub open: Option<bool>,
    pub sla: Option<SlaFilter>,
    /// Submitted in `[from, to)`.
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    pub sort: Sort,
    /// 1..=500 (default 50).
    pub limit: usize,
    /// The `next` of the previous page.
    pub cursor: Option<String>,
    /// The instant SLA filters are judged at.
    pub now: Option<Timestamp>,
    /// Only the applications whose current step is this person's (by login; see
    /// [`ListRow::assignee`]).
    pub assignee: Option<String>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub rows: Vec<ListRow>,
    /// The cursor of the next page, if there is one.
    pub next: Option<String>,
}

/// What a search text looks like, and so where it is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchKey {
    /// 12 digits: an IIN, or a State Corporation receipt number (`engine::receipt_number`
    /// gives 12 digits too), so both are looked up.
    Iin(String),
    /// An application id (`Q…`) or a State Corporation receipt number.
    IdOrReceipt(String),
    /// The start of an applicant's name (any word order as typed).
    Name(String),
}

impl SearchKey {
    pub fn parse(text: &str) -> Option<SearchKey> {
        let t = text.trim();
        if t.is_empty() {
            return None;
        }
        if t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()) {
            return Some(SearchKey::Iin(t.to_string()));
        }
        if t.chars().any(|c| c.is_ascii_digit()) && !t.contains(' ') {
            return Some(SearchKey::IdOrReceipt(t.to_string()));
        }
        Some(SearchKey::Name(name_key(t)))
    }
}

/// Aggregate key of a step measurement.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StepKey {
    /// Almaty date of the application's submission (`YYYY-MM-DD`).
    pub day: String,
    pub regulation: String,
    pub channel: String,
    pub provider: String,
    pub step: usize,
    pub role: String,
}

/// Aggregate key of per-application counts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AppKey {
    pub day: String,
    pub regulation: String,
    pub channel: String,
    pub provider: String,
}

/// How one event changes the monitoring aggregates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Delta {
    /// A person's step completed.
    Step {
        key: StepKey,
        /// Had a legal due instant (so it is measured) and met it.
        measured: bool,
        on_time: bool,
        /// Whole seconds from the step's start to its completion, and to its due instant.
        seconds: i64,
        legal_seconds: Option<i64>,
    },
    /// Applications submitted, closed (with the service term met or missed), open; results
    /// issued after the term, and by how many working days in all.
    App {
        key: AppKey,
        submitted: i64,
        open: i64,
        term_measured: i64,
        term_on_time: i64,
        #[serde(default)]
        results_late: i64,
        #[serde(default)]
        results_late_days: i64,
    },
}

fn seconds(a: Timestamp, b: Timestamp) -> i64 {
    b.as_second() - a.as_second()
}

/// The Almaty date of an instant, as `YYYY-MM-DD`.
pub fn day_of(ctx: &Ctx, at: Timestamp) -> String {
    ctx.time.local_date(at).to_string()
}

/// How `event` (applied to `before`, giving `after`) changes the aggregates.
pub fn deltas(
    before: Option<&Application>,
    event: &Event,
    after: &Application,
    ctx: &Ctx,
) -> Vec<Delta> {
    let app_key = || AppKey {
        day: day_of(ctx, after.submitted_at),
        regulation: after.regulation.clone(),
        channel: after.channel.as_str().to_string(),
        provider: after.provider.clone(),
    };
    // The result counts as late once, by the event that issued it: the arrival at the State
    // Corporation, or the closure.
    let late = match (before.and_then(sla::result_late), sla::result_late(after)) {
        (None, Some(l)) => Some(l),
        _ => None,
    };
    let app = |submitted: i64, open: i64, term_measured: i64, term_on_time: i64| Delta::App {
        key: app_key(),
        submitted,
        open,
        term_measured,
        term_on_time,
        results_late: late.is_some() as i64,
        results_late_days: late.map_or(0, |l| i64::from(l.working_days)),
    };
    let mut out = vec![];
    match event {
        Event::Submitted { .. } => out.push(app(1, 1, 0, 0)),
        Event::StepCompleted { step, at, by, .. } => {
            out.extend(step_delta(before, *step, *at, &by.role, ctx))
        }
        Event::Closed { at, .. } => {
            let (measured, on_time) = match after.term_due {
                Some(t) => (1, (*at <= t) as i64),
                None => (0, 0),
            };
            out.push(app(0, -1, measured, on_time));
        }
        _ => {}
    }
    if late.is_some() && !out.iter().any(|d| matches!(d, Delta::App { .. })) {
        out.push(app(0, 0, 0, 0));
    }
    out
}

/// A person's step `step` of `before`, completed at `at`.
fn step_delta(
    before: Option<&Application>,
    step: usize,
    at: Timestamp,
    by_role: &str,
    ctx: &Ctx,
) -> Option<Delta> {
    let b = before.filter(|b| b.step == step)?;
    // Only a person's step is measured.
    ctx.plan(&b.regulation, b.version, b.channel)
        .and_then(|p| p.step(step))
        .filter(|s| !s.automatic)?;
    Some(Delta::Step {
        key: StepKey {
            day: day_of(ctx, b.submitted_at),
            regulation: b.regulation.clone(),
            channel: b.channel.as_str().to_string(),
            provider: b.provider.clone(),
            step,
            // Who did it: at a signing step the organisation's signing role may differ from
            // the regulation's, and the journal says which it was.
            role: by_role.to_string(),
        },
        measured: b.step_due.is_some(),
        on_time: b.step_due.is_some_and(|d| at <= d),
        seconds: seconds(b.step_started, at),
        legal_seconds: b.step_due.map(|d| seconds(b.step_started, d)),
    })
}

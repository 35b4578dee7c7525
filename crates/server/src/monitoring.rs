//! SLA monitoring: how often each step was completed within its legal time, per service,
//! provider, step and role; average and 90th-percentile time per step against the legal
//! duration; the open applications overdue or at risk now — as data and CSV (the page's SVG
//! charts are drawn in `ui::charts`).
//!
//! For: reading the journal (events of every application the viewer may see) and the engine's
//! SLA status at the server clock. Not for: deciding deadlines (the engine computed each due
//! instant when the step started; they are read back from the events).

use crate::accounts::Account;
use crate::ops::{self, Summary};
use crate::problem::Problem;
use crate::{AppState, access};
use engine::sla::Sla;
use engine::{Application, Event};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;
use utoipa::ToSchema;

/// Compliance of one group (a service, a provider or a role).
#[derive(Debug, Clone, Serialize, ToSchema, Default)]
pub struct Compliance {
    pub key: String,
    /// Deadlines measured: steps completed with a legal due instant or open past it, and (per
    /// service and provider) service terms met or missed.
    pub measured: u64,
    pub on_time: u64,
    /// `on_time / measured`, 0–1 (1 when nothing was measured).
    pub compliance: f64,
}

/// Time per step against its legal duration.
#[derive(Debug, Clone, Serialize, ToSchema, Default)]
pub struct StepStats {
    pub regulation: String,
    pub channel: String,
    pub step: usize,
    pub flow: String,
    pub n: u32,
    pub role: String,
    pub legal_duration: Option<String>,
    pub measured: u64,
    pub on_time: u64,
    pub compliance: f64,
    pub completed: u64,
    /// Minutes from the step's start to its completion.
    pub avg_minutes: f64,
    pub p90_minutes: f64,
    /// Average minutes from the step's start to its legal due instant.
    pub legal_minutes: Option<f64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    #[schema(value_type = String)]
    pub at: Timestamp,
    pub from: Option<String>,
    pub to: Option<String>,
    pub applications: u64,
    pub by_service: Vec<Compliance>,
    pub by_provider: Vec<Compliance>,
    pub by_role: Vec<Compliance>,
    pub by_step: Vec<StepStats>,
    pub open_on_time: u64,
    pub open_at_risk: u64,
    pub open_overdue: u64,
    pub overdue: Vec<Summary>,
    pub at_risk: Vec<Summary>,
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

fn pct(on: u64, n: u64) -> f64 {
    if n == 0 { 1.0 } else { on as f64 / n as f64 }
}

fn p90(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let rank = ((0.9 * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

fn minutes(a: Timestamp, b: Timestamp) -> f64 {
    (b.as_second() - a.as_second()) as f64 / 60.0
}

/// Every application `acc` may see, submitted within `[from, to)`.
fn applications(
    st: &AppState,
    acc: &Account,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
) -> Result<Vec<Application>, Problem> {
    let mut seen = HashSet::new();
    let mut out = vec![];
    let ids = st
        .accounts
        .all_indexed()?
        .into_iter()
        .map(|e| e.id)
        .chain(st.store.open_applications()?.into_iter().map(|a| a.id));
    for id in ids {
        if !seen.insert(id.clone()) {
            continue;
        }
        let Some(a) = st.store.application(&id)? else {
            continue;
        };
        if !access::can_see(acc, &a) {
            continue;
        }
        if from.is_some_and(|f| a.submitted_at < f) || to.is_some_and(|t| a.submitted_at >= t) {
            continue;
        }
        out.push(a);
    }
    Ok(out)
}

#[derive(Default)]
struct Acc {
    measured: u64,
    on_time: u64,
}

pub fn report(
    st: &AppState,
    acc: &Account,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Report, Problem> {
    access::require_monitoring(acc)?;
    let bound = |field: &str, v: Option<&str>| -> Result<Option<Timestamp>, Problem> {
        match v.filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => parse_bound(s).map(Some).ok_or_else(|| {
                Problem::invalid(
                    field,
                    "date",
                    format!(
                        "`{field}` is a date (2019-12-02) or an instant (2019-12-02T04:00:00Z)"
                    ),
                )
            }),
        }
    };
    let (f, t) = (bound("from", from)?, bound("to", to)?);
    let now = st.now();
    let apps = applications(st, acc, f, t)?;
    let mut service: BTreeMap<String, Acc> = BTreeMap::new();
    let mut provider: BTreeMap<String, Acc> = BTreeMap::new();
    let mut role: BTreeMap<String, Acc> = BTreeMap::new();
    struct StepAcc {
        stats: StepStats,
        times: Vec<f64>,
        legal: Vec<f64>,
    }
    let mut steps: BTreeMap<(String, String, usize), StepAcc> = BTreeMap::new();
    let (mut overdue, mut at_risk, mut on_time_open) = (vec![], vec![], 0u64);
    for app in &apps {
        let Some(plan) = st.ctx.plan(&app.regulation, app.version, app.channel) else {
            continue;
        };
        let events = st.store.events(&app.id)?;
        // (step, started, due) of the step in progress while walking the events.
        let mut cur: Option<(usize, Timestamp, Option<Timestamp>)> = None;
        let mut record =
            |step: usize, start: Timestamp, due: Option<Timestamp>, end: Option<Timestamp>| {
                // Automatic steps (the portal, information systems) are nobody's work to measure.
                let Some(s) = plan.step(step).filter(|s| !ops::is_automatic(s)) else {
                    return;
                };
                let late_open = end.is_none() && due.is_some_and(|d| now > d);
                let measured = (end.is_some() && due.is_some()) || late_open;
                let ok = matches!((end, due), (Some(e), Some(d)) if e <= d);
                let key = (
                    app.regulation.clone(),
                    app.channel.as_str().to_string(),
                    step,
                );
                let e = steps.entry(key).or_insert_with(|| StepAcc {
                    stats: StepStats {
                        regulation: app.regulation.clone(),
                        channel: app.channel.as_str().into(),
                        step,
                        flow: s.flow.clone(),
                        n: s.n,
                        role: s.role.clone(),
                        legal_duration: s.duration.map(|d| d.to_string()),
                        ..Default::default()
                    },
                    times: vec![],
                    legal: vec![],
                });
                if let Some(end) = end {
                    e.stats.completed += 1;
                    e.times.push(minutes(start, end));
                    if let Some(d) = due {
                        e.legal.push(minutes(start, d));
                    }
                }
                if measured {
                    e.stats.measured += 1;
                    e.stats.on_time += ok as u64;
                    for (map, k) in [
                        (&mut service, app.regulation.clone()),
                        (&mut provider, app.provider.clone()),
                        (&mut role, s.role.clone()),
                    ] {
                        let a = map.entry(k).or_default();
                        a.measured += 1;
                        a.on_time += ok as u64;
                    }
                }
            };
        for e in &events {
            match e {
                Event::Submitted { at, step_due, .. } => cur = Some((0, *at, *step_due)),
                Event::StepCompleted {
                    step, at, next_due, ..
                } => {
                    if let Some((i, s, d)) = cur
                        && i == *step
                    {
                        record(i, s, d, Some(*at));
                    }
                    cur = plan.next(*step).map(|n| (n.index, *at, *next_due));
                }
                Event::Closed { .. } => cur = None,
                Event::ReturnedToProvider { .. } => cur = None,
                Event::ReRequested { at, due, .. } => cur = Some((app.step, *at, Some(*due))),
                Event::ResultSigned { .. } => {}
                Event::RequestRefused { .. } => cur = None,
            }
        }
        if let Some((i, s, d)) = cur
            && app.status != engine::Status::Closed
        {
            record(i, s, d, None);
        }
        // The service term: met when closed by it; missed when closed later or still open
        // past it (waiting at the State Corporation for the applicant does not count).
        if let Some(term) = app.term_due {
            let verdict = match (app.closed_at, app.status) {
                (Some(c), _) => Some(c <= term),
                (None, engine::Status::InProgress) if now > term => Some(false),
                _ => None,
            };
            if let Some(ok) = verdict {
                for (map, k) in [
                    (&mut service, &app.regulation),
                    (&mut provider, &app.provider),
                ] {
                    let a = map.entry(k.clone()).or_default();
                    a.measured += 1;
                    a.on_time += ok as u64;
                }
            }
        }
        if let Some(r) = engine::sla::sla(app, now, &st.ctx) {
            match r.status {
                Sla::Overdue => overdue.push(ops::summary(st, app, now)),
                Sla::AtRisk => at_risk.push(ops::summary(st, app, now)),
                Sla::OnTime => on_time_open += 1,
            }
        }
    }
    let finish = |m: BTreeMap<String, Acc>| -> Vec<Compliance> {
        m.into_iter()
            .map(|(key, a)| Compliance {
                key,
                measured: a.measured,
                on_time: a.on_time,
                compliance: pct(a.on_time, a.measured),
            })
            .collect()
    };
    let by_step = steps
        .into_values()
        .map(|mut s| {
            let n = s.times.len().max(1) as f64;
            s.stats.avg_minutes = s.times.iter().sum::<f64>() / n;
            s.stats.p90_minutes = p90(&mut s.times);
            s.stats.legal_minutes =
                (!s.legal.is_empty()).then(|| s.legal.iter().sum::<f64>() / s.legal.len() as f64);
            s.stats.compliance = pct(s.stats.on_time, s.stats.measured);
            s.stats
        })
        .collect();
    Ok(Report {
        at: now,
        from: from.map(String::from),
        to: to.map(String::from),
        applications: apps.len() as u64,
        by_service: finish(service),
        by_provider: finish(provider),
        by_role: finish(role),
        by_step,
        open_on_time: on_time_open,
        open_at_risk: at_risk.len() as u64,
        open_overdue: overdue.len() as u64,
        overdue,
        at_risk,
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The report as CSV: one row per group and per step.
pub fn csv(r: &Report) -> String {
    let mut out = String::from(
        "group,key,regulation,channel,step,role,legal_duration,measured,on_time,compliance,completed,avg_minutes,p90_minutes,legal_minutes\n",
    );
    for (group, rows) in [
        ("service", &r.by_service),
        ("provider", &r.by_provider),
        ("role", &r.by_role),
    ] {
        for c in rows {
            let _ = writeln!(
                out,
                "{group},{},,,,,,{},{},{:.4},,,,",
                csv_field(&c.key),
                c.measured,
                c.on_time,
                c.compliance
            );
        }
    }
    for s in &r.by_step {
        let _ = writeln!(
            out,
            "step,{}/{}/{},{},{},{},{},{},{},{},{:.4},{},{:.1},{:.1},{}",
            csv_field(&s.regulation),
            s.channel,
            s.step,
            csv_field(&s.regulation),
            s.channel,
            s.step,
            csv_field(&s.role),
            csv_field(s.legal_duration.as_deref().unwrap_or("")),
            s.measured,
            s.on_time,
            s.compliance,
            s.completed,
            s.avg_minutes,
            s.p90_minutes,
            s.legal_minutes
                .map(|m| format!("{m:.1}"))
                .unwrap_or_default()
        );
    }
    for (kind, list) in [("overdue", &r.overdue), ("at_risk", &r.at_risk)] {
        for a in list {
            let _ = writeln!(
                out,
                "{kind},{},{},{},{},{},,,,,,,,",
                csv_field(&a.id),
                csv_field(&a.regulation),
                a.channel,
                a.step,
                csv_field(a.role.as_deref().unwrap_or(""))
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_and_bounds() {
        let mut v = vec![5.0, 1.0, 3.0, 2.0, 4.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(p90(&mut v), 9.0);
        assert_eq!(p90(&mut []), 0.0);
        assert_eq!(
            parse_bound("2019-12-02"),
            Some("2019-12-01T18:00:00Z".parse().unwrap())
        );
        assert!(parse_bound("yesterday").is_none());
    }
}

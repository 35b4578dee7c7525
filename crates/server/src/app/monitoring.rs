//! SLA monitoring: how often each step was completed within its legal time, per service,
//! provider, step and role; average and 90th-percentile time per step against the legal
//! duration; the open applications overdue or at risk now — as data and CSV (the page's SVG
//! charts are drawn in `ui::charts`).
//!
//! For: the report from the store's monitoring aggregates (kept in the transaction of every
//! command, so it costs the same at 10 applications and at 10 million) plus the open
//! applications past their watch instant (judged by the engine's SLA rules at the server
//! clock); and the same report by a full scan of the journal ([`report_full_scan`]), the
//! reference the aggregates are tested and benchmarked against. Not for: deciding deadlines
//! (the engine computed each due instant when the step started).
//!
//! Definitions: a step is measured when it had a legal due instant and was completed, or is
//! open past it (not waiting with the provider after a return); the service term is measured
//! when the application closed, or is in progress past its term. A result is late when it was
//! issued after the term (`engine::sla::result_late`: judged where the term is met, at the
//! State Corporation's desk or at the closure), by the working days after the term's date up
//! to the issue's; a step is completed late after its due instant. The period is the Almaty
//! day of submission. p90 is the upper bound of the duration bucket (`store::views::BUCKETS`)
//! that holds the 90th percentile.

use crate::accounts::Account;
use crate::ops::{self, Summary};
use crate::problem::Problem;
use crate::{AppState, access};
use engine::sla::Sla;
use engine::{Application, Event};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::BTreeMap;
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
    /// Done after the deadline: per service and provider, results issued after the term; per
    /// role, steps completed after their due instant.
    pub late: u64,
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
    /// Completed after the step's due instant.
    pub late: u64,
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
    /// Results (and refusals) issued after the term, and the working days they were late by
    /// in all.
    pub results_late: u64,
    pub results_late_days: u64,
    /// The applications whose result was issued late, newest first (at most 100; each with
    /// its `late`).
    pub late: Vec<Summary>,
}

pub use crate::ops::parse_bound;

fn pct(on: u64, n: u64) -> f64 {
    if n == 0 { 1.0 } else { on as f64 / n as f64 }
}

/// Most applications listed as overdue or at risk (the counts are exact).
pub const LISTED: usize = 100;

#[derive(Default)]
struct Acc {
    measured: u64,
    on_time: u64,
    late: u64,
}

/// Per (regulation, channel, step): the step's stats, its histogram, the seconds taken, the
/// legal seconds and how many had a legal duration.
type StepTally = (StepStats, Vec<u64>, i64, i64, u64);

/// What both reports add up: compliance per service, provider and role; time per step.
#[derive(Default)]
struct Tally {
    applications: u64,
    open: i64,
    service: BTreeMap<String, Acc>,
    provider: BTreeMap<String, Acc>,
    role: BTreeMap<String, Acc>,
    steps: BTreeMap<(String, String, usize), StepTally>,
    results_late: u64,
    results_late_days: u64,
}

impl Tally {
    fn measure(&mut self, regulation: &str, provider: &str, role: Option<&str>, ok: bool, n: u64) {
        let mut keys = vec![
            (&mut self.service, regulation.to_string()),
            (&mut self.provider, provider.to_string()),
        ];
        if let Some(r) = role {
            keys.push((&mut self.role, r.to_string()));
        }
        for (map, k) in keys {
            let a = map.entry(k).or_default();
            a.measured += n;
            a.on_time += if ok { n } else { 0 };
        }
    }

    /// `n` results of a service and provider issued late, by `days` working days in all.
    fn late_results(&mut self, regulation: &str, provider: &str, n: u64, days: u64) {
        if n == 0 {
            return;
        }
        self.results_late += n;
        self.results_late_days += days;
        for (map, k) in [
            (&mut self.service, regulation),
            (&mut self.provider, provider),
        ] {
            map.entry(k.to_string()).or_default().late += n;
        }
    }

    fn step(
        &mut self,
        st: &AppState,
        regulation: &str,
        version: u32,
        channel: &str,
        step: usize,
    ) -> &mut StepTally {
        self.steps
            .entry((regulation.to_string(), channel.to_string(), step))
            .or_insert_with(|| {
                let s = channel
                    .parse::<regulation::ChannelId>()
                    .ok()
                    .and_then(|c| st.ctx.plan(regulation, version, c))
                    .and_then(|p| p.step(step).cloned());
                (
                    StepStats {
                        regulation: regulation.to_string(),
                        channel: channel.to_string(),
                        step,
                        flow: s.as_ref().map(|s| s.flow.clone()).unwrap_or_default(),
                        n: s.as_ref().map(|s| s.n).unwrap_or_default(),
                        role: s.as_ref().map(|s| s.role.clone()).unwrap_or_default(),
                        legal_duration: s.and_then(|s| s.duration.map(|d| d.to_string())),
                        ..Default::default()
                    },
                    vec![0; store::views::BUCKETS.len()],
                    0,
                    0,
                    0,
                )
            })
    }

    /// An open application past its watch instant: a late open step and a missed term count.
    fn open_row(&mut self, st: &AppState, r: &store::ListRow, now: Timestamp) {
        let returned = r.status == "returned_to_provider";
        if !returned && !r.automatic && r.step_due.is_some_and(|d| now > d) {
            let role = r.holder_role.clone().unwrap_or_default();
            let e = self.step(st, &r.regulation, r.version, &r.channel, r.step);
            e.0.measured += 1;
            self.measure(&r.regulation, &r.provider, Some(&role), false, 1);
        }
        if r.status == "in_progress" && r.term_due.is_some_and(|t| now > t) {
            self.measure(&r.regulation, &r.provider, None, false, 1);
        }
    }

    fn finish(
        self,
        st: &AppState,
        at: Timestamp,
        from: Option<&str>,
        to: Option<&str>,
        watched: &[store::ListRow],
        late: &[store::ListRow],
    ) -> Report {
        let finish = |m: BTreeMap<String, Acc>| -> Vec<Compliance> {
            m.into_iter()
                .map(|(key, a)| Compliance {
                    key,
                    measured: a.measured,
                    on_time: a.on_time,
                    compliance: pct(a.on_time, a.measured),
                    late: a.late,
                })
                .collect()
        };
        let by_step = self
            .steps
            .into_values()
            .map(|(mut s, hist, secs, legal_secs, legal_n)| {
                let n = s.completed.max(1) as f64;
                s.avg_minutes = secs as f64 / 60.0 / n;
                s.p90_minutes = store::views::p90(&hist);
                s.legal_minutes = (legal_n > 0).then(|| legal_secs as f64 / 60.0 / legal_n as f64);
                s.compliance = pct(s.on_time, s.measured);
                s
            })
            .collect();
        let (mut overdue, mut at_risk) = (vec![], vec![]);
        let (mut n_over, mut n_risk) = (0u64, 0u64);
        for r in watched {
            match r.sla(at) {
                Some(Sla::Overdue) => {
                    n_over += 1;
                    if overdue.len() < LISTED {
                        overdue.push(ops::summary_of_row(st, r, at));
                    }
                }
                Some(Sla::AtRisk) => {
                    n_risk += 1;
                    if at_risk.len() < LISTED {
                        at_risk.push(ops::summary_of_row(st, r, at));
                    }
                }
                _ => {}
            }
        }
        Report {
            at,
            from: from.map(String::from),
            to: to.map(String::from),
            applications: self.applications,
            by_service: finish(self.service),
            by_provider: finish(self.provider),
            by_role: finish(self.role),
            by_step,
            open_on_time: (self.open.max(0) as u64).saturating_sub(n_over + n_risk),
            open_at_risk: n_risk,
            open_overdue: n_over,
            overdue,
            at_risk,
            results_late: self.results_late,
            results_late_days: self.results_late_days,
            late: late
                .iter()
                .take(LISTED)
                .map(|r| ops::summary_of_row(st, r, at))
                .collect(),
        }
    }
}

/// The report's period as Almaty days `[from, to)` and as instants (start of those days).
type Period = (
    Option<String>,
    Option<String>,
    Option<Timestamp>,
    Option<Timestamp>,
);

fn period(st: &AppState, from: Option<&str>, to: Option<&str>) -> Result<Period, Problem> {
    let f = ops::parse_date_bound("from", from)?;
    let t = ops::parse_date_bound("to", to)?;
    let day = |x: Timestamp| store::views::day_of(&st.ctx, x);
    // An instant bound counts its whole day: the aggregates are kept per day of submission.
    let start = |d: &str| parse_bound(d);
    let fd = f.map(day);
    let td = t.map(|x| {
        let d = day(x);
        if start(&d) == Some(x) {
            d
        } else {
            // `to` inside a day keeps that day.
            jiff::civil::Date::strptime("%Y-%m-%d", &d)
                .ok()
                .and_then(|d| d.tomorrow().ok())
                .map(|d| d.to_string())
                .unwrap_or(d)
        }
    });
    let fi = fd.as_deref().and_then(start);
    let ti = td.as_deref().and_then(start);
    Ok((fd, td, fi, ti))
}

/// The monitoring report for `acc` over applications submitted `from`–`to` (dates; the
/// `to` day excluded), from the store's aggregates.
pub fn report(
    st: &AppState,
    acc: &Account,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Report, Problem> {
    access::require_monitoring(acc)?;
    let (fd, td, fi, ti) = period(st, from, to)?;
    let now = st.now();
    let Some(scope) = ops::scope_of(acc) else {
        return Ok(Tally::default().finish(st, now, from, to, &[], &[]));
    };
    let agg = st.store.aggregates(&scope, fd.as_deref(), td.as_deref())?;
    let watched = st.store.watched(&scope, fi, ti, now)?;
    let late = st.store.late_results(&scope, fi, ti, LISTED)?;
    let mut t = Tally::default();
    for a in &agg.apps {
        t.applications += a.submitted;
        t.open += a.open;
        t.late_results(
            &a.regulation,
            &a.provider,
            a.results_late,
            a.results_late_days,
        );
        if a.term_measured > 0 {
            let (m, ok) = (a.term_measured, a.term_on_time);
            t.measure(&a.regulation, &a.provider, None, true, ok);
            t.measure(&a.regulation, &a.provider, None, false, m - ok);
        }
    }
    for s in &agg.steps {
        let version = st
            .ctx
            .regulations()
            .iter()
            .filter(|r| r.id == s.regulation)
            .map(|r| r.version)
            .max()
            .unwrap_or(1);
        let e = t.step(st, &s.regulation, version, &s.channel, s.step);
        e.0.completed += s.completed;
        e.0.measured += s.measured;
        e.0.on_time += s.on_time;
        e.0.late += s.measured - s.on_time;
        for (h, n) in e.1.iter_mut().zip(&s.hist) {
            *h += n;
        }
        e.2 += s.seconds_sum;
        e.3 += s.legal_seconds_sum;
        e.4 += s.legal_n;
        t.measure(&s.regulation, &s.provider, Some(&s.role), true, s.on_time);
        t.measure(
            &s.regulation,
            &s.provider,
            Some(&s.role),
            false,
            s.measured - s.on_time,
        );
        t.role.entry(s.role.clone()).or_default().late += s.measured - s.on_time;
    }
    for r in &watched {
        t.open_row(st, r, now);
    }
    Ok(t.finish(st, now, from, to, &watched, &late))
}

/// The same report by reading every application's events: the reference for tests and the
/// benchmark (its cost grows with the number of applications).
pub fn report_full_scan(
    st: &AppState,
    acc: &Account,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Report, Problem> {
    access::require_monitoring(acc)?;
    let (_, _, fi, ti) = period(st, from, to)?;
    let now = st.now();
    let Some(scope) = ops::scope_of(acc) else {
        return Ok(Tally::default().finish(st, now, from, to, &[], &[]));
    };
    let mut t = Tally::default();
    let mut watched = vec![];
    let mut late = vec![];
    let mut q = store::ListQuery {
        scope: Some(scope),
        from: fi,
        to: ti,
        sort: store::views::Sort::Oldest,
        limit: 500,
        ..Default::default()
    };
    loop {
        let page = st.store.list(&q)?;
        for r in &page.rows {
            let Some(app) = st.store.application(&r.id)? else {
                continue;
            };
            let events = st.store.events(&app.id)?;
            tally_events(st, &mut t, &app, &events);
            if engine::sla::result_late(&app).is_some() {
                late.push(r.clone());
            }
            if app.status != engine::Status::Closed {
                t.open += 1;
                // Judged from the state; listed as the stored row shows it (to the millisecond).
                let row = store::views::list_row(&app, &st.ctx, now);
                if row.watch_at.is_some_and(|w| w <= now) {
                    t.open_row(st, &row, now);
                    watched.push(r.clone());
                }
            }
        }
        match page.next {
            Some(n) => q.cursor = Some(n),
            None => break,
        }
    }
    watched.sort_by(|a, b| (a.watch_at, &a.id).cmp(&(b.watch_at, &b.id)));
    late.sort_by(|a, b| (b.submitted_at, &b.id).cmp(&(a.submitted_at, &a.id)));
    Ok(t.finish(st, now, from, to, &watched, &late))
}

/// One application's completed steps and closed term, walked from its events.
fn tally_events(st: &AppState, t: &mut Tally, app: &Application, events: &[Event]) {
    let Some(plan) = st.ctx.plan(&app.regulation, app.version, app.channel) else {
        return;
    };
    t.applications += 1;
    // The state before each event tells when the completed step started and was due.
    let mut before: Option<Application> = None;
    for e in events {
        if let (Event::StepCompleted { step, at, by, .. }, Some(b)) = (e, &before)
            && b.step == *step
            && plan.step(*step).is_some_and(|s| !s.automatic)
        {
            let (start, due) = (b.step_started, b.step_due);
            let secs = at.as_second() - start.as_second();
            let ok = due.is_some_and(|d| *at <= d);
            let e = t.step(
                st,
                &app.regulation,
                app.version,
                app.channel.as_str(),
                *step,
            );
            e.0.completed += 1;
            e.1[store::views::bucket(secs as f64 / 60.0)] += 1;
            e.2 += secs;
            if let Some(d) = due {
                e.0.measured += 1;
                e.0.on_time += ok as u64;
                e.0.late += !ok as u64;
                e.3 += d.as_second() - start.as_second();
                e.4 += 1;
                t.measure(&app.regulation, &app.provider, Some(&by.role), ok, 1);
                t.role.entry(by.role.clone()).or_default().late += !ok as u64;
            }
        }
        before = engine::apply(before, e, &st.ctx);
    }
    if let (Some(c), Some(term)) = (app.closed_at, app.term_due) {
        t.measure(&app.regulation, &app.provider, None, c <= term, 1);
    }
    if let Some(l) = engine::sla::result_late(app) {
        t.late_results(&app.regulation, &app.provider, 1, u64::from(l.working_days));
    }
}

/// The columns of [`csv`].
/// A row of the CSV: what a row does not concern stays empty.
#[derive(Default, Serialize)]
struct CsvRow {
    group: String,
    key: String,
    regulation: String,
    channel: String,
    step: Option<usize>,
    role: String,
    legal_duration: String,
    measured: Option<u64>,
    on_time: Option<u64>,
    compliance: Option<String>,
    completed: Option<u64>,
    avg_minutes: Option<String>,
    p90_minutes: Option<String>,
    legal_minutes: Option<String>,
    late: Option<u64>,
    working_days_late: Option<u64>,
}

/// The report as CSV: a row per group (service, provider, role: `late` counts late results,
/// or for roles late completions), per step (`late`: completions after the due instant), the
/// total of late results (`results_late`, with their working days), and a row per listed
/// application overdue, at risk, or issued late (`late`, with its working days).
pub fn csv(r: &Report) -> String {
    let mut rows: Vec<CsvRow> = vec![];
    for (group, list) in [
        ("service", &r.by_service),
        ("provider", &r.by_provider),
        ("role", &r.by_role),
    ] {
        rows.extend(list.iter().map(|c| CsvRow {
            group: group.into(),
            key: c.key.clone(),
            measured: Some(c.measured),
            on_time: Some(c.on_time),
            compliance: Some(format!("{:.4}", c.compliance)),
            late: Some(c.late),
            ..Default::default()
        }));
    }
    rows.extend(r.by_step.iter().map(|x| CsvRow {
        group: "step".into(),
        key: format!("{}/{}/{}", x.regulation, x.channel, x.step),
        regulation: x.regulation.clone(),
        channel: x.channel.clone(),
        step: Some(x.step),
        role: x.role.clone(),
        legal_duration: x.legal_duration.clone().unwrap_or_default(),
        measured: Some(x.measured),
        on_time: Some(x.on_time),
        compliance: Some(format!("{:.4}", x.compliance)),
        completed: Some(x.completed),
        avg_minutes: Some(format!("{:.1}", x.avg_minutes)),
        p90_minutes: Some(format!("{:.1}", x.p90_minutes)),
        legal_minutes: x.legal_minutes.map(|m| format!("{m:.1}")),
        late: Some(x.late),
        ..Default::default()
    }));
    rows.push(CsvRow {
        group: "results_late".into(),
        key: "all".into(),
        late: Some(r.results_late),
        working_days_late: Some(r.results_late_days),
        ..Default::default()
    });
    for (kind, list) in [
        ("overdue", &r.overdue),
        ("at_risk", &r.at_risk),
        ("late", &r.late),
    ] {
        rows.extend(list.iter().map(|a| CsvRow {
            group: kind.into(),
            key: a.id.clone(),
            regulation: a.regulation.clone(),
            channel: a.channel.clone(),
            step: Some(a.step),
            role: a.role.clone().unwrap_or_default(),
            late: a.late.map(|_| 1),
            working_days_late: a.late.map(|l| u64::from(l.working_days)),
            ..Default::default()
        }));
    }
    // The header comes from the first row's field names (the `results_late` row is always
    // there).
    let mut w = csv::Writer::from_writer(vec![]);
    for row in &rows {
        // Into memory: nothing can fail but running out of it.
        let _ = w.serialize(row);
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_and_bounds() {
        // Ten durations of 1..=10 minutes: the 9th smallest (9 min) falls in the 10-minute bucket.
        let mut h = vec![0u64; store::views::BUCKETS.len()];
        for m in 1..=10 {
            h[store::views::bucket(m as f64)] += 1;
        }
        assert_eq!(store::views::p90(&h), 10.0);
        assert_eq!(store::views::p90(&[]), 0.0);
        assert_eq!(
            parse_bound("2019-12-02"),
            Some("2019-12-01T18:00:00Z".parse().unwrap())
        );
        assert!(parse_bound("yesterday").is_none());
    }
}

//! `qyzmet bench server`: the server's read side and intake over a large, realistic store.
//!
//! Bulk-loads N applications (default 1,000,000) into a fresh data directory through the store
//! — every regulation of the catalogue, every channel each one has, the demo organisations —
//! running real engine commands: submissions spread over up to 250 working days of each
//! regulation's period in force, each step completed by its role at the organisation holding
//! the file (automatic steps as `engine::automatic_step` gives them), mostly on time, some
//! late; acceptance refused, motivated refusals and portal refusal notices where the plan has
//! those branches; some files left stuck at a step (overdue at the bench's clock), some
//! results never collected; the newest still in progress. Then, over that data in the same
//! run, with the server state opened as `qyzmet serve` opens it, it measures the monitoring
//! report from the aggregates against the full-scan reference (and checks that both say the
//! same), inbox pages, filtered pages, search, HTTP intake under a load generator (`oha`) at a
//! fixed rate and at saturation, and the peak memory. Prints a table with the targets, and
//! JSON with `--json`.
//!
//! Not for: correctness (the tests do that) or the engine's write throughput alone
//! (`bench engine`). Results are not signed during the bulk load (no `ResultSigned`
//! events): the loader's engine context does not require signatures.

use crate::apps;
use anyhow::{Context, Result, anyhow, bail};
use engine::{Actor, Application, Command, Ctx, Outcome, Plan, Presented, Status};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use jiff::civil::Date;
use regulation::ChannelId;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use store::{SqliteStore, Store};

pub struct Options {
    pub n: usize,
    /// The catalogue.
    /// The catalogue (None: the built-in one).
    pub regulations: Option<PathBuf>,
    /// Data directory (must not hold a store yet); default: a temporary one, removed after.
    pub data: Option<PathBuf>,
    /// Keep the data directory.
    pub keep: bool,
    /// Measure over the store an earlier run loaded and kept in `data` (no new load).
    pub reuse: bool,
    /// Loader threads (each keeps `chunk` applications moving).
    pub threads: usize,
    pub chunk: usize,
    /// Repetitions of each read measurement.
    pub reps: usize,
    /// Seconds of the fixed-rate HTTP run (the saturation run takes half as long).
    pub http_seconds: u64,
    pub http_rate: u32,
    /// Skip the HTTP load (no load generator needed).
    pub no_http: bool,
    /// Skip the full-scan reference (minutes at 1,000,000): no ratio, reports not compared.
    pub no_scan: bool,
    /// The `oha` binary (default: `oha` on PATH or in ~/.cargo/bin).
    pub oha: Option<PathBuf>,
    pub json: bool,
}

/// Targets of issue 8.
const REPORT_TARGET_MS: f64 = 200.0;
const LIST_TARGET_MS: f64 = 50.0;
const SEARCH_TARGET_MS: f64 = 20.0;
const HTTP_P99_TARGET_MS: f64 = 50.0;
const HTTP_SATURATION_TARGET: f64 = 1000.0;
const MEMORY_TARGET_MB: f64 = 1024.0;

/// Submissions end before this day (the ekr regulations are repealed on it).
const END: &str = "2020-03-10";
/// Working days of submissions per regulation (fewer where its period in force is shorter).
const WINDOW_DAYS: usize = 250;

// ---- the mix --------------------------------------------------------------------------------

/// splitmix64: a small deterministic generator, one per application.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f() < p
    }
}

/// A valid IIN for person `p` (birth date, century and sex digit, serial, check digit:
/// `shared/spec/kz-facts.md` §1.3).
fn iin_of(p: usize) -> String {
    let date = p % 20160;
    let year = 1950 + date % 60;
    let month = 1 + (date / 60) % 12;
    let day = 1 + date / 720;
    let female = (p / 20160) % 2 == 1;
    let century = match (year < 2000, female) {
        (true, false) => 3,
        (true, true) => 4,
        (false, false) => 5,
        (false, true) => 6,
    };
    let mut serial = p / 40320;
    loop {
        let s = format!(
            "{:02}{month:02}{day:02}{century}{:04}",
            year % 100,
            serial % 10000
        );
        let d: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
        let sum = |w: &dyn Fn(usize) -> u32| (0..11).map(|i| d[i] * w(i)).sum::<u32>() % 11;
        let mut k = sum(&|i| i as u32 + 1);
        if k == 10 {
            k = sum(&|i| ((i as u32 + 2) % 11) + 1);
        }
        if k < 10 {
            return format!("{s}{k}");
        }
        serial += 5000;
    }
}

const SURNAMES: [&str; 16] = [
    "Ахметов",
    "Омарова",
    "Сейітов",
    "Жұмабаев",
    "Иванова",
    "Нұрланов",
    "Қасымова",
    "Петров",
    "Смағұлов",
    "Байжанова",
    "Ким",
    "Серікбаев",
    "Әбенова",
    "Кузнецов",
    "Тоқтаров",
    "Мұратова",
];
const GIVEN: [&str; 12] = [
    "Әлібек",
    "Айгүл",
    "Ерлан",
    "Гүлнар",
    "Данияр",
    "Мадина",
    "Нұржан",
    "Светлана",
    "Асхат",
    "Жанар",
    "Бекзат",
    "Ольга",
];

fn name_of(p: usize) -> String {
    format!(
        "{} {}",
        SURNAMES[p % SURNAMES.len()],
        GIVEN[(p / SURNAMES.len()) % GIVEN.len()]
    )
}

/// One regulation × channel the applications are spread over.
struct Lane {
    regulation: String,
    channel: ChannelId,
    /// Demo organisations providing it.
    orgs: Vec<String>,
    /// Working days of its submission window, oldest first.
    days: Vec<Date>,
    /// Valid application data (the same for every application of the lane: the benchmark
    /// measures the engine and the store, not the form).
    data: engine::FormData,
}

fn almaty(d: Date, minutes: i64) -> Result<Timestamp> {
    let t = d
        .at((minutes / 60) as i8, (minutes % 60) as i8, 0, 0)
        .to_zoned_datetime(calendar::almaty())?
        .timestamp();
    Ok(t)
}

fn local(t: Timestamp) -> jiff::civil::DateTime {
    t.to_zoned_datetime(calendar::almaty()).datetime()
}

fn secs(t: i64) -> Timestamp {
    Timestamp::from_second(t).unwrap_or(Timestamp::MAX)
}

/// The lanes: every regulation (its newest version) × every channel it has a plan for, each
/// with its demo providers and the working days it takes submissions on; and the bench's
/// clock (the evening of the last submission day).
fn lanes(ctx: &Ctx, orgs: &[server::accounts::Org]) -> Result<(Vec<Lane>, Timestamp)> {
    let cal = calendar::Calendar::kz();
    let end: Date = END.parse()?;
    let mut last_day = end.yesterday()?;
    while !cal.is_working_day(last_day) {
        last_day = last_day.yesterday()?;
    }
    let clock = almaty(last_day, 20 * 60)?;
    let mut newest: BTreeMap<&str, &regulation::Regulation> = BTreeMap::new();
    for r in ctx.regulations() {
        let e = newest.entry(r.id.as_str()).or_insert(r);
        if r.version > e.version {
            *e = r;
        }
    }
    let mut out = vec![];
    for (id, reg) in newest {
        // The working days it is in force on, newest first, up to WINDOW_DAYS.
        let in_force = |d: Date| -> bool {
            almaty(d, 12 * 60)
                .ok()
                .is_some_and(|t| ctx.in_force(id, t).is_ok_and(|r| r.version == reg.version))
        };
        let mut d = last_day;
        let mut days = vec![];
        let mut seen_in_force = false;
        for _ in 0..(365 * 12) {
            if cal.is_working_day(d) {
                if in_force(d) {
                    seen_in_force = true;
                    days.push(d);
                    if days.len() == WINDOW_DAYS {
                        break;
                    }
                } else if seen_in_force {
                    break;
                }
            }
            d = d.yesterday()?;
        }
        if days.is_empty() {
            continue;
        }
        days.reverse();
        let providers: Vec<String> = server::catalogue::providers_of(reg, orgs)
            .iter()
            .map(|o| o.id.clone())
            .collect();
        if providers.is_empty() {
            bail!("no demo organisation provides `{id}`");
        }
        for channel in reg.channel_ids() {
            if ctx.plan(id, reg.version, channel).is_some() {
                out.push(Lane {
                    regulation: id.to_string(),
                    channel,
                    orgs: providers.clone(),
                    days: days.clone(),
                    data: days
                        .first()
                        .and_then(|d| almaty(*d, 600).ok())
                        .map(|t| engine::form::sample_for(reg, t, 0))
                        .unwrap_or_default(),
                });
            }
        }
    }
    Ok((out, clock))
}

/// Shares of each lane: every regulation the same; within it, channels by how people apply
/// (portal first, then the State Corporation, then the office, an intermediary least).
fn lane_of(lanes: &[Lane], rng: &mut Rng) -> usize {
    let regs: Vec<&str> = {
        let mut v: Vec<&str> = lanes.iter().map(|l| l.regulation.as_str()).collect();
        v.dedup();
        v
    };
    let reg = regs[rng.below(regs.len())];
    let of_reg: Vec<usize> = (0..lanes.len())
        .filter(|&i| lanes[i].regulation == reg)
        .collect();
    let weight = |c: ChannelId| match c {
        ChannelId::Portal => 5,
        ChannelId::StateCorporation => 3,
        ChannelId::Office => 2,
        ChannelId::Intermediary => 1,
    };
    let total: usize = of_reg.iter().map(|&i| weight(lanes[i].channel)).sum();
    let mut x = rng.below(total);
    for &i in &of_reg {
        let w = weight(lanes[i].channel);
        if x < w {
            return i;
        }
        x -= w;
    }
    of_reg[0]
}

/// One application being walked.
struct Sim {
    index: usize,
    rng: Rng,
    /// The instant of its last command.
    t: Timestamp,
    app: Option<Application>,
    person_steps: usize,
    /// Left at this many person steps (a file stuck on someone's desk).
    stuck_after: Option<usize>,
    /// The applicant never comes for the result.
    unclaimed: bool,
}

/// Moves `t` into working hours (Mon–Fri 09:00–18:30 on working days) if it is outside.
fn working(t: Timestamp, rng: &mut Rng) -> Timestamp {
    let cal = calendar::Calendar::kz();
    let l = local(t);
    let mins = l.hour() as i64 * 60 + l.minute() as i64;
    if cal.is_working_day(l.date()) && (540..1110).contains(&mins) {
        return t;
    }
    let day = if cal.is_working_day(l.date()) && mins < 540 {
        l.date()
    } else {
        match cal.next_working_day(l.date()) {
            Ok(d) => d,
            Err(_) => return t,
        }
    };
    almaty(day, 540 + rng.below(120) as i64).unwrap_or(t)
}

impl Sim {
    /// The submission: lane, provider, applicant and instant from the application's index
    /// (index order is roughly submission order).
    fn submit(index: usize, n: usize, lanes: &[Lane]) -> Result<(Sim, Command, Timestamp)> {
        let mut rng = Rng::new(index as u64);
        let lane = &lanes[lane_of(lanes, &mut rng)];
        let f = (index as f64 + rng.f()) / n.max(1) as f64;
        let day = lane.days[((f * lane.days.len() as f64) as usize).min(lane.days.len() - 1)];
        // Within office hours (09:00-13:00, 14:30-18:30): counters take applications then.
        let minute = rng.below(480) as i64;
        let at = almaty(day, 540 + minute + if minute >= 240 { 90 } else { 0 })?;
        // About three applications per person.
        let person = rng.below((n / 3).max(10));
        let id = format!("Q{}-{:010x}", day.strftime("%Y%m%d"), index);
        let cmd = Command::Submit {
            application: id.clone(),
            regulation: lane.regulation.clone(),
            channel: lane.channel,
            provider: lane.orgs[rng.below(lane.orgs.len())].clone(),
            applicant_iin: iin_of(person),
            applicant_name: name_of(person),
            key: format!("bench-{id}"),
            signature: None,
            reception: Default::default(),
            data: lane.data.clone(),
        };
        let stuck_after = rng.chance(0.015).then(|| rng.below(4));
        let unclaimed = rng.chance(0.02);
        Ok((
            Sim {
                index,
                rng,
                t: at,
                app: None,
                person_steps: 0,
                stuck_after,
                unclaimed,
            },
            cmd,
            at,
        ))
    }

    /// The next command and its instant, or None when the walk ends here (closed, stuck,
    /// uncollected, or its next act would come after the clock).
    fn next(&mut self, ctx: &Ctx, clock: Timestamp) -> Option<(Command, Timestamp)> {
        let app = self.app.as_ref()?;
        if matches!(app.status, Status::Closed | Status::ReturnedToProvider) {
            return None;
        }
        if let Some(cmd) = engine::automatic_step(app, ctx) {
            return Some((cmd, self.t));
        }
        let plan: &Arc<Plan> = ctx.plan(&app.regulation, app.version, app.channel)?;
        let s = plan.step(app.step)?;
        if self.stuck_after == Some(self.person_steps) {
            return None;
        }
        let waiting = app.status == Status::AwaitingIssue;
        if waiting && self.unclaimed {
            return None;
        }
        let rng = &mut self.rng;
        let start = app.step_started.as_second().max(self.t.as_second());
        let t = if self.person_steps == 0
            && matches!(app.channel, ChannelId::Office | ChannelId::StateCorporation)
        {
            // Taken in at the desk: accepted while the applicant waits.
            start + 60 + rng.below(600) as i64
        } else if waiting {
            // The applicant comes for the result within a fortnight.
            start + 3600 + rng.below(14 * 86400) as i64
        } else if let Some(due) = app.step_due {
            let span = (due.as_second() - start).max(600) as f64;
            let frac = if rng.chance(0.07) {
                1.05 + 0.6 * rng.f()
            } else {
                0.05 + 0.85 * rng.f()
            };
            start + (span * frac) as i64
        } else {
            start + 300 + rng.below(3 * 86400) as i64
        };
        let mut t = working(secs(t), rng);
        if t <= self.t {
            t = secs(self.t.as_second() + 1);
        }
        if t > clock {
            return None;
        }
        let outcome = if s.refuse_acceptance.is_some() && rng.chance(0.03) {
            Outcome::RefuseAcceptance {
                grounds: "incomplete package of documents".into(),
            }
        } else if s.motivated_refusal.is_some() && app.refusal_grounds.is_none() && rng.chance(0.10)
        {
            Outcome::MotivatedRefusal {
                grounds: "the applicant is not in an eligible category".into(),
                listed: vec![],
            }
        } else if s.refusal_notice.is_some() && rng.chance(0.02) {
            Outcome::Fail {
                reason: "the data in the information system do not confirm the right".into(),
            }
        } else {
            Outcome::Done
        };
        self.person_steps += 1;
        Some((
            Command::Complete {
                application: app.id.clone(),
                step: app.step,
                actor: Actor {
                    role: s.role.clone(),
                    org: engine::holder_org(app, s.party),
                },
                outcome,
                presented: waiting.then_some(Presented::IdentityDocument),
            },
            t,
        ))
    }
}

/// Open applications of one holder: how many, and how many per regulation.
type Holder = (u64, BTreeMap<String, u64>);

/// What the load left, counted as each application's walk ended.
#[derive(Default, serde::Serialize, serde::Deserialize)]
struct Tally {
    applications: u64,
    commands: u64,
    rejected: u64,
    first_rejection: Option<String>,
    status: BTreeMap<String, u64>,
    open_overdue: u64,
    open_at_risk: u64,
    /// Open applications per (holder organisation, role): (count, per regulation).
    #[serde(with = "pairs")]
    holders: HashMap<(String, String), Holder>,
    lanes: BTreeMap<String, u64>,
    /// The State Corporation application nearest the middle: (distance, id, receipt, IIN).
    sample: Option<(usize, String, String, String)>,
}

impl Tally {
    fn end(&mut self, sim: &Sim, ctx: &Ctx, clock: Timestamp, n: usize) {
        let Some(app) = &sim.app else { return };
        self.applications += 1;
        *self
            .lanes
            .entry(format!("{} {}", app.regulation, app.channel.as_str()))
            .or_default() += 1;
        let key = match (app.status, app.closure) {
            (Status::Closed, Some(c)) => format!("closed: {}", c.as_str()),
            (s, _) => s.as_str().to_string(),
        };
        *self.status.entry(key).or_default() += 1;
        if app.status != Status::Closed {
            let row = store::views::list_row(app, ctx, clock);
            match row.sla(clock) {
                Some(engine::sla::Sla::Overdue) => self.open_overdue += 1,
                Some(engine::sla::Sla::AtRisk) => self.open_at_risk += 1,
                _ => {}
            }
            if let (Some(org), Some(role)) = (row.holder_org, row.holder_role) {
                let h = self.holders.entry((org, role)).or_default();
                h.0 += 1;
                *h.1.entry(app.regulation.clone()).or_default() += 1;
            }
        }
        if let Some(receipt) = &app.receipt {
            let d = sim.index.abs_diff(n / 2);
            if self.sample.as_ref().is_none_or(|s| d < s.0) {
                self.sample = Some((
                    d,
                    app.id.clone(),
                    receipt.clone(),
                    app.applicant_iin.clone(),
                ));
            }
        }
    }

    fn merge(&mut self, o: Tally) {
        self.applications += o.applications;
        self.commands += o.commands;
        self.rejected += o.rejected;
        if self.first_rejection.is_none() {
            self.first_rejection = o.first_rejection;
        }
        for (k, v) in o.status {
            *self.status.entry(k).or_default() += v;
        }
        self.open_overdue += o.open_overdue;
        self.open_at_risk += o.open_at_risk;
        for (k, (c, regs)) in o.holders {
            let h = self.holders.entry(k).or_default();
            h.0 += c;
            for (r, n) in regs {
                *h.1.entry(r).or_default() += n;
            }
        }
        for (k, v) in o.lanes {
            *self.lanes.entry(k).or_default() += v;
        }
        if let Some(s) = o.sample
            && self.sample.as_ref().is_none_or(|m| s.0 < m.0)
        {
            self.sample = Some(s);
        }
    }
}

/// JSON keys are strings: the holders map is kept as a list of entries.
mod pairs {
    use super::Holder;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::HashMap;

    type Map = HashMap<(String, String), Holder>;

    pub fn serialize<S: Serializer>(m: &Map, s: S) -> Result<S::Ok, S::Error> {
        let v: Vec<(&(String, String), &Holder)> = m.iter().collect();
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Map, D::Error> {
        Ok(Vec::<((String, String), Holder)>::deserialize(d)?
            .into_iter()
            .collect())
    }
}

/// What a load left, kept beside its store so that `--reuse` can measure it again.
#[derive(serde::Serialize, serde::Deserialize)]
struct Loaded {
    tally: Tally,
    seconds: f64,
    transactions: u64,
    largest_batch: u64,
    /// The bench's clock and the header's counts.
    #[serde(default)]
    clock: Option<Timestamp>,
    #[serde(default)]
    header: String,
    #[serde(default)]
    load_line: String,
    #[serde(default)]
    regulations: usize,
    #[serde(default)]
    store_mb: f64,
    #[serde(default)]
    load_after: String,
}

/// The file beside the store that `--reuse` reads.
const LOADED: &str = "bench-load.json";

/// Walks applications `chunk` at a time: each wave queues the next command of every walk
/// still going as one `execute_many` (the writer group-commits waves of all threads).
fn load(
    store: Arc<SqliteStore>,
    ctx: Arc<Ctx>,
    lanes: Arc<Vec<Lane>>,
    clock: Timestamp,
    opts: &Options,
) -> Result<Loaded> {
    let n = opts.n;
    let bar = ProgressBar::new(n as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} applications {per_sec} {msg} eta {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let commands = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let chunk = opts.chunk.max(1);
    let workers: Vec<_> = (0..opts.threads.max(1))
        .map(|_| {
            let (store, ctx, lanes, next, bar, commands) = (
                store.clone(),
                ctx.clone(),
                lanes.clone(),
                next.clone(),
                bar.clone(),
                commands.clone(),
            );
            std::thread::spawn(move || -> Result<Tally> {
                let mut tally = Tally::default();
                loop {
                    let first = next.fetch_add(chunk, Ordering::Relaxed);
                    if first >= n {
                        return Ok(tally);
                    }
                    let mut sims = vec![];
                    let mut wave = vec![];
                    for i in first..(first + chunk).min(n) {
                        let (sim, cmd, at) = Sim::submit(i, n, &lanes)?;
                        wave.push((sims.len(), cmd, at));
                        sims.push(sim);
                    }
                    while !wave.is_empty() {
                        let (who, cmds): (Vec<usize>, Vec<(Command, Timestamp)>) =
                            wave.drain(..).map(|(w, c, t)| (w, (c, t))).unzip();
                        let times: Vec<Timestamp> = cmds.iter().map(|c| c.1).collect();
                        let results = store.execute_many(cmds);
                        commands.fetch_add(results.len(), Ordering::Relaxed);
                        tally.commands += results.len() as u64;
                        for ((w, t), r) in who.into_iter().zip(times).zip(results) {
                            let sim = &mut sims[w];
                            match r {
                                Ok(o) => {
                                    sim.app = Some(o.application);
                                    sim.t = t;
                                    if let Some((cmd, at)) = sim.next(&ctx, clock) {
                                        wave.push((w, cmd, at));
                                        continue;
                                    }
                                }
                                Err(e) => {
                                    tally.rejected += 1;
                                    if tally.first_rejection.is_none() {
                                        tally.first_rejection =
                                            Some(format!("application #{}: {e}", sim.index));
                                    }
                                }
                            }
                            tally.end(sim, &ctx, clock, n);
                            bar.inc(1);
                        }
                    }
                    let secs = started.elapsed().as_secs_f64().max(1e-9);
                    bar.set_message(format!(
                        "{:.0} commands/s",
                        commands.load(Ordering::Relaxed) as f64 / secs
                    ));
                }
            })
        })
        .collect();
    let mut tally = Tally::default();
    for w in workers {
        tally.merge(
            w.join()
                .map_err(|_| anyhow!("a loader thread panicked"))??,
        );
    }
    let seconds = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    let stats = store.stats();
    Ok(Loaded {
        tally,
        seconds,
        transactions: stats.transactions,
        largest_batch: stats.largest_batch,
        clock: Some(clock),
        header: String::new(),
        load_line: String::new(),
        regulations: 0,
        store_mb: 0.0,
        load_after: String::new(),
    })
}

// ---- measuring --------------------------------------------------------------------------------

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Latencies in milliseconds of `reps` runs of `f` after one warm-up run.
fn time<T>(reps: usize, mut f: impl FnMut() -> Result<T>) -> Result<(Vec<f64>, T)> {
    let mut last = f()?;
    let mut ms = Vec::with_capacity(reps);
    for _ in 0..reps.max(1) {
        let t0 = Instant::now();
        last = f()?;
        ms.push(t0.elapsed().as_secs_f64() * 1e3);
    }
    ms.sort_by(f64::total_cmp);
    Ok((ms, last))
}

/// One line of the table.
struct Figure {
    key: &'static str,
    what: String,
    p50_ms: f64,
    p99_ms: f64,
    runs: usize,
    target: String,
    met: Option<bool>,
    note: String,
}

impl Figure {
    fn latency(key: &'static str, what: String, ms: &[f64], target_ms: f64, note: String) -> Self {
        let p99 = percentile(ms, 0.99);
        Figure {
            key,
            what,
            p50_ms: percentile(ms, 0.5),
            p99_ms: p99,
            runs: ms.len(),
            target: format!("p99 < {target_ms} ms"),
            met: Some(p99 < target_ms),
            note,
        }
    }
    fn json(&self) -> Value {
        json!({
            "key": self.key,
            "what": self.what,
            "p50_ms": finite(self.p50_ms),
            "p99_ms": finite(self.p99_ms),
            "runs": self.runs,
            "target": self.target,
            "met": self.met,
            "note": self.note,
        })
    }
}

fn finite(x: f64) -> Value {
    if x.is_finite() { json!(x) } else { Value::Null }
}

fn problem(p: server::Problem) -> anyhow::Error {
    anyhow!("{} ({})", p.detail, p.rule)
}

/// The kernel's high-water mark of this process's resident memory (VmHWM), in MB.
fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn dir_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn account(st: &server::AppState, login: &str) -> Result<server::accounts::Account> {
    st.accounts
        .by_login(login)
        .map_err(|e| anyhow!("{e}"))?
        .with_context(|| format!("no account `{login}`"))
}

/// Without the instant it was made at (the server clock runs on between two reports).
fn comparable(r: &server::monitoring::Report) -> Result<Value> {
    let mut v = serde_json::to_value(r)?;
    v["at"] = Value::Null;
    Ok(v)
}

// ---- HTTP -----------------------------------------------------------------------------------

pub(crate) fn find_oha(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join("oha"))
        .find(|p| p.is_file())
}

/// What one `oha` run measured.
pub(crate) struct HttpRun {
    pub rate: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub requests: u64,
    pub ok: u64,
    pub statuses: Value,
}

pub(crate) fn oha(
    bin: &Path,
    url: &str,
    token: &str,
    body: &str,
    seconds: u64,
    rate: Option<u32>,
    connections: u32,
) -> Result<HttpRun> {
    let mut cmd = std::process::Command::new(bin);
    cmd.args(["--no-tui", "--output-format", "json", "-m", "POST"])
        .args(["-z", &format!("{seconds}s")])
        .args(["-c", &connections.to_string()])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["-T", "application/json", "-d", body]);
    if let Some(q) = rate {
        cmd.args(["-q", &q.to_string(), "--latency-correction"]);
    }
    cmd.arg(url);
    let out = cmd
        .output()
        .with_context(|| format!("running {}", bin.display()))?;
    if !out.status.success() {
        bail!(
            "oha failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let v: Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "oha's output is not JSON: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })?;
    let statuses = v["statusCodeDistribution"].clone();
    let ok = statuses["201"].as_u64().unwrap_or(0);
    let requests = statuses
        .as_object()
        .map(|m| m.values().filter_map(Value::as_u64).sum())
        .unwrap_or(0);
    let total_s = v["summary"]["total"].as_f64().unwrap_or(f64::NAN);
    let lat = &v["latencyPercentiles"];
    Ok(HttpRun {
        rate: ok as f64 / total_s,
        p50_ms: lat["p50"].as_f64().unwrap_or(f64::NAN) * 1e3,
        p99_ms: lat["p99"].as_f64().unwrap_or(f64::NAN) * 1e3,
        requests,
        ok,
        statuses,
    })
}

// ---- the run --------------------------------------------------------------------------------

pub fn run(opts: Options, out: &mut impl Write) -> Result<()> {
    let load_before = loadavg();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (data, temporary) = match &opts.data {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("qyzmet-bench-server-{}", std::process::id())),
            true,
        ),
    };
    if opts.reuse {
        if !data.join(LOADED).exists() {
            bail!(
                "{} holds no earlier load ({LOADED}): run once with --data DIR --keep",
                data.display()
            );
        }
    } else if data.join("qyzmet.db").exists() {
        bail!(
            "{} already holds a store: the benchmark loads a fresh one (or measure it again with --reuse)",
            data.display()
        );
    }
    std::fs::create_dir_all(&data).with_context(|| format!("cannot create {}", data.display()))?;
    let result = measure_all(&opts, &data, cores, &load_before, out);
    if temporary && !opts.keep {
        let _ = std::fs::remove_dir_all(&data);
    } else {
        eprintln!("data kept in {}", data.display());
    }
    result
}

fn load_fresh(
    opts: &Options,
    data: &Path,
    cores: usize,
    load_before: &str,
    out: &mut impl Write,
) -> Result<Loaded> {
    // Demo organisations and accounts (cheap password hashing), then the bulk load.
    let t0 = Instant::now();
    let demo = server::demo::demo_data_with(
        data,
        &server::Database::Embedded,
        opts.regulations.as_deref(),
        server::PasswordCost::Test,
    )?;
    let seed_s = t0.elapsed().as_secs_f64();
    let ctx = apps::context(opts.regulations.as_deref())?;
    let (lanes, clock) = lanes(&ctx, &demo.organisations)?;
    let regulations = {
        let mut r: Vec<&str> = lanes.iter().map(|l| l.regulation.as_str()).collect();
        r.dedup();
        r.len()
    };
    let header = format!(
        "qyzmet server bench: {} applications over {} regulations × {} channels ({} lanes), up to {WINDOW_DAYS} working days each; clock {} ({}); {} demo organisations, {} accounts (seeded in {seed_s:.1} s); data {}",
        opts.n,
        regulations,
        lanes
            .iter()
            .map(|l| l.channel)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        lanes.len(),
        clock,
        local(clock),
        demo.organisations.len(),
        demo.accounts.len(),
        data.display()
    );
    writeln!(out, "{header}")?;
    let db = data.join("qyzmet.db");
    let store = Arc::new(
        SqliteStore::open_with(
            &db,
            ctx.clone(),
            store::Options {
                max_batch: 2048,
                queue: 65536,
                ..store::Options::default()
            },
        )
        .map_err(|e| anyhow!("cannot open the store {}: {e}", db.display()))?,
    );
    let mut loaded = load(store.clone(), ctx.clone(), Arc::new(lanes), clock, opts)?;
    let load_after = loadavg();
    drop(store); // waits for the writer
    let tally = &loaded.tally;
    let db_mb = dir_size(data) as f64 / 1048576.0;
    let apps_s = tally.applications as f64 / loaded.seconds;
    let cmds_s = tally.commands as f64 / loaded.seconds;
    let load_line = format!(
        "load: {} applications, {} commands in {:.1} s — {:.0} applications/s, {:.0} commands/s ({} transactions, largest {}); {} rejected; store {:.0} MB; load average {load_before} → {load_after} on {cores} cores",
        tally.applications,
        tally.commands,
        loaded.seconds,
        apps_s,
        cmds_s,
        loaded.transactions,
        loaded.largest_batch,
        tally.rejected,
        db_mb
    );
    writeln!(out, "{load_line}")?;
    if let Some(r) = &tally.first_rejection {
        writeln!(out, "first rejection: {r}")?;
    }
    loaded.header = header;
    loaded.load_line = load_line;
    loaded.regulations = regulations;
    loaded.store_mb = db_mb;
    loaded.load_after = load_after;
    Ok(loaded)
}

fn measure_all(
    opts: &Options,
    data: &Path,
    cores: usize,
    load_before: &str,
    out: &mut impl Write,
) -> Result<()> {
    let loaded = if opts.reuse {
        let text = std::fs::read_to_string(data.join(LOADED))?;
        let loaded: Loaded = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a saved load", data.join(LOADED).display()))?;
        writeln!(out, "{} (measured again: --reuse)", loaded.header)?;
        writeln!(out, "{} (the earlier run)", loaded.load_line)?;
        loaded
    } else {
        let loaded = load_fresh(opts, data, cores, load_before, out)?;
        std::fs::write(data.join(LOADED), serde_json::to_vec(&loaded)?)?;
        loaded
    };
    let tally = &loaded.tally;
    let clock = loaded.clock.context("the saved load has no clock")?;
    let (regulations, db_mb, load_after) = (
        loaded.regulations,
        loaded.store_mb,
        loaded.load_after.clone(),
    );
    let apps_s = tally.applications as f64 / loaded.seconds;
    let cmds_s = tally.commands as f64 / loaded.seconds;
    writeln!(
        out,
        "states at the clock: {}; open overdue {}, at risk {}",
        tally
            .status
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", "),
        tally.open_overdue,
        tally.open_at_risk
    )?;

    // The server state as `qyzmet serve` opens it, its clock just after the last submission.
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let t0 = Instant::now();
    let st = server::AppState::open_with(
        server::Config {
            data_dir: data.to_path_buf(),
            database: server::Database::Embedded,
            listen: addr,
            regulations_dir: opts.regulations.clone(),
            as_of: Some(clock),
            demo: false,
        },
        server::Options {
            password_cost: server::PasswordCost::Test,
            ..server::Options::default()
        },
    )?;
    let open_ms = t0.elapsed().as_secs_f64() * 1e3;
    let mut figures: Vec<Figure> = vec![];
    let reps = opts.reps.max(1);

    // Monitoring: the aggregates against the full scan.
    let monitor = account(&st, "monitor")?;
    let (ms, agg) = time(reps, || {
        server::monitoring::report(&st, &monitor, None, None).map_err(problem)
    })?;
    let report_p50 = percentile(&ms, 0.5);
    figures.push(Figure::latency(
        "monitoring_report",
        "monitoring report, all time (aggregates)".into(),
        &ms,
        REPORT_TARGET_MS,
        format!(
            "{} applications, {} overdue, {} at risk",
            agg.applications, agg.open_overdue, agg.open_at_risk
        ),
    ));
    let mut scan_ms = vec![];
    let mut scan = None;
    while scan_ms.len() < 5 && !opts.no_scan {
        let t0 = Instant::now();
        scan =
            Some(server::monitoring::report_full_scan(&st, &monitor, None, None).map_err(problem)?);
        scan_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        // A few runs where it is quick; one where it is slow.
        if scan_ms.iter().sum::<f64>() > 3_000.0 {
            break;
        }
    }
    scan_ms.sort_by(f64::total_cmp);
    let reports_equal = match &scan {
        Some(scan) => {
            let agg_after =
                server::monitoring::report(&st, &monitor, None, None).map_err(problem)?;
            let scan_v = comparable(scan)?;
            comparable(&agg)? == scan_v || comparable(&agg_after)? == scan_v
        }
        None => true,
    };
    let scan_p50 = percentile(&scan_ms, 0.5);
    let ratio = scan_p50 / report_p50;
    if !opts.no_scan {
        figures.push(Figure {
            key: "monitoring_full_scan",
            what: "monitoring report, all time (full scan, reference)".into(),
            p50_ms: scan_p50,
            p99_ms: percentile(&scan_ms, 0.99),
            runs: scan_ms.len(),
            target: "—".into(),
            met: None,
            note: format!(
                "{ratio:.0}× the aggregates; reports {}",
                if reports_equal { "equal" } else { "DIFFER" }
            ),
        });
    }

    // Inboxes: the busiest role anywhere, and a district head.
    let mut holders: Vec<(&(String, String), &Holder)> = tally
        .holders
        .iter()
        .filter(|((org, role), _)| {
            st.accounts
                .by_login(&format!("{org}.{role}"))
                .ok()
                .flatten()
                .is_some()
        })
        .collect();
    holders.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    let busiest = holders.first().map(|h| (h.0.clone(), h.1.clone()));
    let head = holders
        .iter()
        .find(|((org, role), _)| org.starts_with("district") && role.contains("head"))
        .or_else(|| holders.iter().find(|((_, role), _)| role.contains("head")))
        .map(|h| (h.0.clone(), h.1.clone()));
    let inbox = server::ops::ListParams::default();
    for (key, label, h) in [
        ("inbox_busiest", "busiest role", &busiest),
        ("inbox_head", "district head", &head),
    ] {
        let Some(((org, role), (open, regs))) = h else {
            continue;
        };
        let acc = account(&st, &format!("{org}.{role}"))?;
        let (ms, page) = time(reps * 4, || {
            server::ops::list_page(&st, &acc, &inbox).map_err(problem)
        })?;
        figures.push(Figure::latency(
            key,
            format!("inbox first page, {label} ({org}.{role})"),
            &ms,
            LIST_TARGET_MS,
            format!("{} rows of {open} open", page.items.len()),
        ));
        // The same person filters: their busiest regulation, overdue only; the head also
        // across the whole organisation.
        let reg = regs
            .iter()
            .max_by_key(|(r, n)| (**n, std::cmp::Reverse((*r).clone())))
            .map(|(r, _)| r.clone());
        let scope = if key == "inbox_head" { "all" } else { "inbox" };
        let p = server::ops::ListParams {
            scope: Some(scope.into()),
            regulation: reg.clone(),
            sla: Some("overdue".into()),
            ..Default::default()
        };
        let (ms, page) = time(reps * 4, || {
            server::ops::list_page(&st, &acc, &p).map_err(problem)
        })?;
        figures.push(Figure::latency(
            if key == "inbox_head" {
                "filtered_org"
            } else {
                "filtered_inbox"
            },
            format!(
                "filtered page ({scope}, {}, overdue), {label}",
                reg.as_deref().unwrap_or("?")
            ),
            &ms,
            LIST_TARGET_MS,
            format!("{} rows", page.items.len()),
        ));
    }

    // Search at the State Corporation's desk: by IIN and by receipt number.
    let operator = account(&st, "state_corporation.state_corporation_operator")
        .or_else(|_| account(&st, "monitor"))?;
    if let Some((_, id, receipt, iin)) = &tally.sample {
        for (key, label, q) in [
            ("search_iin", "IIN", iin.as_str()),
            ("search_receipt", "receipt number", receipt.as_str()),
        ] {
            let p = server::ops::ListParams {
                q: Some(q.to_string()),
                ..Default::default()
            };
            let (ms, page) = time(reps * 4, || {
                server::ops::list_page(&st, &operator, &p).map_err(problem)
            })?;
            let found = page.items.iter().any(|s| &s.id == id);
            figures.push(Figure::latency(
                key,
                format!("search by {label} ({q}), {}", operator.login),
                &ms,
                SEARCH_TARGET_MS,
                format!(
                    "{} rows{}",
                    page.items.len(),
                    if found { "" } else { "; the sample NOT found" }
                ),
            ));
        }
    }

    // HTTP intake under a load generator.
    let mut http = json!(null);
    if !opts.no_http {
        let oha_bin = find_oha(opts.oha.as_deref()).context(
            "no `oha` load generator: run bench/server.sh (it installs it), pass --oha, or --no-http",
        )?;
        // An office service in force at the clock, taken in by its first person's role.
        let orgs = st.accounts.orgs()?;
        let (reg, login) = st
            .ctx
            .regulations()
            .iter()
            .filter(|r| {
                st.ctx
                    .in_force(&r.id, clock)
                    .is_ok_and(|f| f.version == r.version)
            })
            .find_map(|r| {
                let plan = st.ctx.plan(&r.id, r.version, ChannelId::Office)?;
                let first = server::ops::first_person_step(plan)?;
                let org = orgs
                    .iter()
                    .find(|o| {
                        o.provider_type
                            .as_deref()
                            .is_some_and(|t| r.providers.iter().any(|p| p.get_ref().id == t))
                    })?
                    .id
                    .clone();
                Some((r.id.clone(), format!("{org}.{}", first.role)))
            })
            .context("no office service in force at the clock")?;
        let clerk = account(&st, &login)?;
        let (_, token, _) =
            server::api::create_token_for(&st, &clerk, "bench", &["submit".to_string()])
                .map_err(problem)?;
        let body = json!({
            "regulation": reg,
            "applicant_iin": iin_of(7),
            "applicant_name": name_of(7),
            // Valid data of the service (its fields are required).
            "data": st.ctx.sample_data(&reg, st.now(), 0),
            // The bench's clock is after the office's hours: entered late, taken in at the
            // next opening (else every request is refused `outside_working_hours`).
            "late_entry": true,
            // The same person again and again: a repeated application, confirmed.
            "confirm_duplicate": true,
        })
        .to_string();
        let url = format!("http://{addr}/api/office/applications");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?;
        listener.set_nonblocking(true)?;
        let app = server::app(st.clone());
        let served = rt.spawn(async move {
            let l = tokio::net::TcpListener::from_std(listener)?;
            axum::serve(l, app).await
        });
        let fixed = oha(
            &oha_bin,
            &url,
            &token,
            &body,
            opts.http_seconds,
            Some(opts.http_rate),
            50,
        )?;
        let saturated = oha(
            &oha_bin,
            &url,
            &token,
            &body,
            opts.http_seconds.div_ceil(2).max(1),
            None,
            64,
        )?;
        served.abort();
        drop(rt);
        figures.push(Figure {
            key: "http_fixed",
            what: format!(
                "HTTP intake at {}/s for {} s (oha, POST /api/office/applications, {reg})",
                opts.http_rate, opts.http_seconds
            ),
            p50_ms: fixed.p50_ms,
            p99_ms: fixed.p99_ms,
            runs: fixed.requests as usize,
            target: format!("p99 < {HTTP_P99_TARGET_MS} ms"),
            met: Some(fixed.p99_ms < HTTP_P99_TARGET_MS),
            note: format!(
                "{:.0}/s done; p99 {:.2}× the target; statuses {}",
                fixed.rate,
                fixed.p99_ms / HTTP_P99_TARGET_MS,
                fixed.statuses
            ),
        });
        figures.push(Figure {
            key: "http_saturation",
            what: format!(
                "HTTP intake at saturation, {} s, 64 connections",
                opts.http_seconds.div_ceil(2).max(1)
            ),
            p50_ms: saturated.p50_ms,
            p99_ms: saturated.p99_ms,
            runs: saturated.requests as usize,
            target: format!("≥ {HTTP_SATURATION_TARGET}/s"),
            met: Some(saturated.rate >= HTTP_SATURATION_TARGET),
            note: format!(
                "{:.0} submissions/s; statuses {}",
                saturated.rate, saturated.statuses
            ),
        });
        http = json!({
            "fixed": {"rate_target": opts.http_rate, "seconds": opts.http_seconds, "rate": finite(fixed.rate), "p50_ms": finite(fixed.p50_ms), "p99_ms": finite(fixed.p99_ms), "requests": fixed.requests, "created": fixed.ok},
            "saturation": {"rate": finite(saturated.rate), "p50_ms": finite(saturated.p50_ms), "p99_ms": finite(saturated.p99_ms), "requests": saturated.requests, "created": saturated.ok},
            "tool": oha_bin.display().to_string(),
        });
    }
    drop(st);

    let rss = peak_rss_mb().unwrap_or(f64::NAN);
    figures.push(Figure {
        key: "peak_memory",
        what: "peak memory (VmHWM: load, reports, lists, HTTP)".into(),
        p50_ms: f64::NAN,
        p99_ms: f64::NAN,
        runs: 1,
        target: format!("< {MEMORY_TARGET_MB} MB"),
        met: Some(rss < MEMORY_TARGET_MB),
        note: format!("{rss:.0} MB"),
    });
    let load_end = loadavg();

    // The table.
    writeln!(
        out,
        "server state opened in {open_ms:.0} ms; load average now {load_end}"
    )?;
    let w = figures
        .iter()
        .map(|f| f.what.chars().count())
        .max()
        .unwrap_or(10);
    writeln!(
        out,
        "{:w$}  {:>10}  {:>10}  {:>6}  {:>16}  {:4}  note",
        "figure", "p50 ms", "p99 ms", "runs", "target", "met"
    )?;
    for f in &figures {
        let num = |x: f64| {
            if x.is_finite() {
                format!("{x:.2}")
            } else {
                "—".into()
            }
        };
        writeln!(
            out,
            "{:w$}  {:>10}  {:>10}  {:>6}  {:>16}  {:4}  {}",
            f.what,
            num(f.p50_ms),
            num(f.p99_ms),
            f.runs,
            f.target,
            match f.met {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "",
            },
            f.note
        )?;
    }
    if !opts.no_scan {
        writeln!(
            out,
            "monitoring: aggregates p50 {:.2} ms vs full scan p50 {:.0} ms = {:.0}×; reports equal: {}",
            report_p50,
            scan_p50,
            ratio,
            if reports_equal { "yes" } else { "NO" }
        )?;
    }
    if opts.json {
        let j = json!({
            "applications": tally.applications,
            "regulations": regulations,
            "lanes": tally.lanes,
            "clock": clock.to_string(),
            "load": {
                "seconds": loaded.seconds,
                "applications_per_s": apps_s,
                "commands": tally.commands,
                "commands_per_s": cmds_s,
                "transactions": loaded.transactions,
                "rejected": tally.rejected,
                "store_mb": db_mb,
                "states": tally.status,
                "open_overdue": tally.open_overdue,
                "open_at_risk": tally.open_at_risk,
            },
            "open_state_ms": open_ms,
            "figures": figures.iter().map(Figure::json).collect::<Vec<_>>(),
            "monitoring_ratio": finite(ratio),
            "reports_equal": reports_equal,
            "http": http,
            "peak_rss_mb": finite(rss),
            "machine": {"cores": cores, "loadavg_start": load_before, "loadavg_after_load": load_after, "loadavg_end": load_end},
        });
        writeln!(out, "{j}")?;
    }
    if !reports_equal {
        bail!("the monitoring report from the aggregates differs from the full scan");
    }
    if tally.rejected > 0 {
        bail!("{} commands were rejected during the load", tally.rejected);
    }
    Ok(())
}

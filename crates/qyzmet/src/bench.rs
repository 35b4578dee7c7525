//! `qyzmet bench engine` and the crash-test load generator.
//!
//! The benchmark runs N applications of one seed service (office channel: submit + five
//! actions, 10% motivated refusals) through the durable SQLite store from many concurrent
//! clients — each client acts like an official, one command at a time, waiting for its
//! acknowledgement — then runs the same six-transition process on SpiffWorkflow in the same run
//! and prints the ratio. Not for: correctness (the tests do that).

use crate::apps;
use anyhow::{Context, Result, anyhow};
use engine::{Actor, Command, Ctx, Outcome};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;
use regulation::ChannelId;
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use store::Store;

pub struct Options {
    pub n: usize,
    /// Commands in flight at once (officials acting concurrently), over all clients.
    pub wave: usize,
    pub peer_n: Option<usize>,
}

/// The service every benchmark and load run uses: free meals (seed 000), office channel,
/// submitted on a working morning while that regulation was in force.
const REGULATION: &str = "ekr-free-meals-tvet";
const AT: &str = "2019-12-13T04:00:00Z";
const IIN: &str = "100515500003";
/// The PostgreSQL database the benchmarks use unless told otherwise (this machine's).
pub const DEFAULT_PG: &str = "postgresql://postgres@127.0.0.1:5432/test";
/// Client threads of the benchmark; each keeps `wave / CLIENTS` applications in flight.
const CLIENTS: usize = 4;

/// Valid data for the benchmark's service (computed once).
pub(crate) fn sample_data() -> &'static engine::FormData {
    static DATA: std::sync::OnceLock<engine::FormData> = std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        crate::apps::context(None)
            .map(|ctx| ctx.sample_data(REGULATION, AT.parse().unwrap_or_default(), 0))
            .unwrap_or_default()
    })
}

fn submit(id: &str) -> Command {
    Command::Submit {
        application: id.into(),
        regulation: REGULATION.into(),
        channel: ChannelId::Office,
        provider: "bench-provider".into(),
        applicant_iin: IIN.into(),
        applicant_name: String::new(),
        key: id.into(),
        signature: None,
        reception: Default::default(),
        data: sample_data().clone(),
    }
}

struct Walk {
    steps: Vec<(usize, Actor, bool)>,
}

/// The steps of the office plan with their actors; `true` where a refusal may be decided.
fn walk(ctx: &Ctx) -> Result<Walk> {
    let reg = ctx
        .regulations()
        .iter()
        .find(|r| r.id == REGULATION)
        .context("benchmark regulation missing")?;
    let plan = ctx
        .plan(&reg.id, reg.version, ChannelId::Office)
        .context("office plan")?;
    let org = |p| match p {
        engine::Party::Provider | engine::Party::Intermediary => "bench-provider".to_string(),
        engine::Party::StateCorporation => engine::STATE_CORPORATION.into(),
        engine::Party::Portal => engine::PORTAL.into(),
    };
    let steps = plan
        .steps
        .iter()
        .filter(|s| !s.only_on_failure)
        .map(|s| {
            (
                s.index,
                Actor {
                    role: s.role.clone(),
                    org: org(s.party),
                },
                s.motivated_refusal.is_some(),
            )
        })
        .collect();
    Ok(Walk { steps })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Where the in-process benchmark's store lives.
#[derive(Clone, Debug)]
pub enum Db {
    /// A fresh SQLite file in a temporary directory (WAL, `synchronous=FULL`).
    Sqlite,
    /// A fresh schema of this PostgreSQL database, dropped after the run.
    Postgres(String),
}

impl Db {
    pub fn name(&self) -> &'static str {
        match self {
            Db::Sqlite => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }
}

/// A store opened for one run, with how to queue a command on it and what to clean up.
pub struct Opened {
    pub store: Arc<dyn Store>,
    enqueue: Box<dyn Fn(Command, Timestamp) -> store::Ticket + Send + Sync>,
    pub describe: String,
    cleanup: Box<dyn FnOnce() + Send + Sync>,
}

impl Opened {
    pub fn open(db: &Db, ctx: Arc<Ctx>) -> Result<Opened> {
        match db {
            Db::Sqlite => {
                let dir = std::env::temp_dir().join(format!(
                    "qyzmet-bench-{}-{}",
                    std::process::id(),
                    NEXT_RUN.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::create_dir_all(&dir)?;
                let file = dir.join("bench.db");
                let s = Arc::new(apps::open_store(&file, ctx)?);
                let q = s.clone();
                Ok(Opened {
                    store: s,
                    enqueue: Box::new(move |c, t| q.enqueue(c, t)),
                    describe: format!("SQLite WAL synchronous=FULL at {}", file.display()),
                    cleanup: Box::new(move || {
                        let _ = std::fs::remove_dir_all(&dir);
                    }),
                })
            }
            Db::Postgres(url) => {
                let schema = format!(
                    "bench_{}_{}",
                    std::process::id(),
                    NEXT_RUN.fetch_add(1, Ordering::Relaxed)
                );
                let s = Arc::new(
                    store::PgStore::open(url, &schema, ctx)
                        .map_err(|e| anyhow!("cannot open PostgreSQL at {url}: {e}"))?,
                );
                let q = s.clone();
                let (url, sch) = (url.clone(), schema.clone());
                Ok(Opened {
                    store: s,
                    enqueue: Box::new(move |c, t| q.enqueue(c, t)),
                    describe: format!(
                        "PostgreSQL schema {schema} (synchronous_commit as the server has it)"
                    ),
                    cleanup: Box::new(move || drop_schema(&url, &sch)),
                })
            }
        }
    }

    pub fn enqueue(&self, c: Command, t: Timestamp) -> store::Ticket {
        (self.enqueue)(c, t)
    }

    /// Close the store (its writer finishes) and remove what the run made.
    pub fn finish(self) {
        let Opened {
            store,
            enqueue,
            cleanup,
            ..
        } = self;
        drop(enqueue);
        drop(store);
        cleanup();
    }
}

static NEXT_RUN: AtomicUsize = AtomicUsize::new(0);

/// Drop a benchmark's PostgreSQL schema (best effort: a leftover schema only costs space).
pub fn drop_schema(url: &str, schema: &str) {
    let url = url.to_string();
    let schema = schema.to_string();
    // The synchronous client runs its own runtime: keep it off any caller's.
    let _ = std::thread::spawn(move || {
        if let Ok(mut c) = postgres::Client::connect(&url, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    })
    .join();
}

/// CPU time used so far: this process's (user + system), and the whole machine's busy time
/// (every process: the database server and the load clients too), both in seconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cpu {
    pub process: f64,
    pub machine: f64,
}

impl Cpu {
    pub fn now() -> Cpu {
        // USER_HZ is 100 on Linux for every architecture's userspace ABI.
        const HZ: f64 = 100.0;
        let process = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| {
                let rest = &s[s.rfind(')')? + 2..];
                let f: Vec<&str> = rest.split_whitespace().collect();
                // Fields 14 and 15 of stat(5), counted after the `(comm)` field.
                Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / HZ)
            })
            .unwrap_or(0.0);
        let machine = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| {
                let line = s.lines().next()?;
                let v: Vec<f64> = line
                    .split_whitespace()
                    .skip(1)
                    .filter_map(|x| x.parse().ok())
                    .collect();
                // user nice system idle iowait irq softirq steal: busy = all but idle, iowait.
                let busy: f64 = v.iter().take(8).sum::<f64>() - v.get(3)? - v.get(4)?;
                Some(busy / HZ)
            })
            .unwrap_or(0.0);
        Cpu { process, machine }
    }

    pub fn since(self, before: Cpu) -> Cpu {
        Cpu {
            process: self.process - before.process,
            machine: self.machine - before.machine,
        }
    }
}

/// What one in-process run measured.
#[derive(Debug, Clone)]
pub struct Run {
    pub db: &'static str,
    pub applications: usize,
    pub transitions: usize,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub cpu: Cpu,
    pub transactions: u64,
    pub commands_per_transaction: f64,
    pub journal_verified: bool,
}

impl Run {
    pub fn applications_per_s(&self) -> f64 {
        self.applications as f64 / self.seconds
    }
    pub fn transitions_per_s(&self) -> f64 {
        self.transitions as f64 / self.seconds
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "system": "qyzmet",
            "store": self.db,
            "applications": self.applications,
            "transitions": self.transitions,
            "seconds": self.seconds,
            "applications_per_s": self.applications_per_s(),
            "transitions_per_s": self.transitions_per_s(),
            "p50_ms": self.p50_ms,
            "p99_ms": self.p99_ms,
            "cpu_ms_per_application_process": self.cpu.process * 1e3 / self.applications as f64,
            "cpu_ms_per_application_machine": self.cpu.machine * 1e3 / self.applications as f64,
            "transactions": self.transactions,
            "commands_per_transaction": self.commands_per_transaction,
            "journal_verified": self.journal_verified,
        })
    }
    pub fn line(&self) -> String {
        format!(
            "qyzmet + {:<8} {:>8.0} applications/s {:>8.0} transitions/s  p50 {:.2} ms  p99 {:.2} ms  CPU {:.2} ms/application (machine; {:.2} in qyzmet)  {} transactions, {:.1} commands each; journal {}",
            self.db,
            self.applications_per_s(),
            self.transitions_per_s(),
            self.p50_ms,
            self.p99_ms,
            self.cpu.machine * 1e3 / self.applications as f64,
            self.cpu.process * 1e3 / self.applications as f64,
            self.transactions,
            self.commands_per_transaction,
            if self.journal_verified {
                "verified"
            } else {
                "BROKEN"
            }
        )
    }
}

/// Run `n` applications of the six-step process through a fresh store on `db`.
pub fn run_in_process(
    ctx: Arc<Ctx>,
    db: &Db,
    n: usize,
    wave: usize,
    out: &mut impl Write,
) -> Result<Run> {
    let opened = Arc::new(Opened::open(db, ctx.clone())?);
    let w = Arc::new(walk(&ctx)?);
    let at: Timestamp = AT.parse()?;
    let transitions_per_app = 1 + w.steps.len();
    writeln!(
        out,
        "qyzmet engine: {n} applications × {transitions_per_app} transitions ({REGULATION}, office; 10% refusals), {wave} commands in flight, {}",
        opened.describe
    )?;
    let bar = ProgressBar::new((n * transitions_per_app) as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} transitions {per_sec} {eta}").unwrap(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let cpu0 = Cpu::now();
    let started = Instant::now();
    // Each client keeps `in_flight` applications moving together: it queues one command for
    // each (as that many officials acting at once), then waits for every acknowledgement.
    let in_flight = (wave / CLIENTS).max(1);
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (opened, w, next, bar) = (opened.clone(), w.clone(), next.clone(), bar.clone());
            std::thread::spawn(move || -> Result<Vec<Duration>> {
                let mut lat = Vec::new();
                loop {
                    let first = next.fetch_add(in_flight, Ordering::Relaxed);
                    if first >= n {
                        return Ok(lat);
                    }
                    let ids: Vec<(usize, String)> = (first..(first + in_flight).min(n))
                        .map(|i| (i, format!("b{i}")))
                        .collect();
                    let mut wave = |cmds: Vec<Command>| -> Result<()> {
                        let tickets: Vec<_> = cmds
                            .into_iter()
                            .map(|c| (Instant::now(), opened.enqueue(c, at)))
                            .collect();
                        for (t0, t) in tickets {
                            t.wait().map_err(|e| anyhow!("{e}"))?;
                            lat.push(t0.elapsed());
                        }
                        bar.inc(ids.len() as u64);
                        Ok(())
                    };
                    wave(ids.iter().map(|(_, id)| submit(id)).collect())?;
                    for (step, actor, decides) in &w.steps {
                        let cmds = ids
                            .iter()
                            .map(|(i, id)| {
                                let outcome = if *decides && i % 10 == 0 {
                                    Outcome::MotivatedRefusal {
                                        grounds: "not in an eligible category".into(),
                                        listed: vec![],
                                    }
                                } else {
                                    Outcome::Done
                                };
                                Command::Complete {
                                    application: id.clone(),
                                    step: *step,
                                    actor: actor.clone(),
                                    outcome,
                                    presented: None,
                                }
                            })
                            .collect();
                        wave(cmds)?;
                    }
                }
            })
        })
        .collect();
    let mut lat = Vec::new();
    for c in clients {
        lat.extend(c.join().map_err(|_| anyhow!("a client panicked"))??);
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu = Cpu::now().since(cpu0);
    bar.finish_and_clear();
    lat.sort();
    let stats = opened.store.stats();
    let verify = opened.store.verify_journal().map_err(|e| anyhow!("{e}"))?;
    let run = Run {
        db: db.name(),
        applications: n,
        transitions: lat.len(),
        seconds,
        p50_ms: percentile(&lat, 0.5).as_secs_f64() * 1e3,
        p99_ms: percentile(&lat, 0.99).as_secs_f64() * 1e3,
        cpu,
        transactions: stats.transactions,
        commands_per_transaction: stats.commands as f64 / stats.transactions.max(1) as f64,
        journal_verified: verify.is_ok(),
    };
    Arc::into_inner(opened)
        .context("the benchmark's clients still hold the store")?
        .finish();
    Ok(run)
}

pub fn engine(ctx: Arc<Ctx>, db: &Db, opts: Options, out: &mut impl Write) -> Result<()> {
    let ours = run_in_process(ctx, db, opts.n, opts.wave, out)?;
    writeln!(out, "{}", ours.line())?;
    let apps_s = ours.applications_per_s();
    if let Some(peer_n) = opts.peer_n {
        let peer = spiff(peer_n, db)?;
        let peer_apps = peer["applications_per_s"].as_f64().unwrap_or(f64::NAN);
        writeln!(
            out,
            "SpiffWorkflow + {:<8} {:>8.0} applications/s {:>8.0} transitions/s  p50 {:.2} ms  p99 {:.2} ms  (v{}, {} applications, committed per transition)",
            db.name(),
            peer_apps,
            peer["transitions_per_s"].as_f64().unwrap_or(0.0),
            peer["p50_ms"].as_f64().unwrap_or(0.0),
            peer["p99_ms"].as_f64().unwrap_or(0.0),
            peer["version"].as_str().unwrap_or("?"),
            peer["applications"]
        )?;
        writeln!(
            out,
            "ratio: qyzmet is {:.1}× SpiffWorkflow in applications/s on {} (same machine, same run)",
            apps_s / peer_apps,
            db.name()
        )?;
    }
    writeln!(out, "{}", serde_json::json!({"qyzmet": ours.json()}))?;
    Ok(())
}

/// Run the SpiffWorkflow peer (bench/spiff) and read its one line of JSON.
pub fn spiff(n: usize, db: &Db) -> Result<serde_json::Value> {
    let root = std::env::var_os("QYZMET_ROOT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| ".".into());
    let setup = std::process::Command::new("bash")
        .arg(root.join("bench/spiff/setup.sh"))
        .output()
        .context("running bench/spiff/setup.sh")?;
    if !setup.status.success() {
        return Err(anyhow!(
            "bench/spiff/setup.sh failed: {}",
            String::from_utf8_lossy(&setup.stderr)
        ));
    }
    let py = String::from_utf8_lossy(&setup.stdout)
        .lines()
        .last()
        .unwrap_or("python3")
        .trim()
        .to_string();
    let file = std::env::temp_dir().join(format!("qyzmet-spiff-{}.db", std::process::id()));
    let mut cmd = std::process::Command::new(&py);
    cmd.arg(root.join("bench/spiff/peer.py"))
        .args(["--n", &n.to_string()]);
    match db {
        Db::Sqlite => cmd.arg("--db").arg(&file),
        Db::Postgres(url) => cmd.args(["--pg", url]),
    };
    let run = cmd
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running the SpiffWorkflow peer")?;
    let _ = std::fs::remove_file(&file);
    if !run.status.success() {
        return Err(anyhow!("the SpiffWorkflow peer failed"));
    }
    let line = String::from_utf8_lossy(&run.stdout)
        .lines()
        .last()
        .unwrap_or("")
        .to_string();
    serde_json::from_str(&line).with_context(|| format!("peer output `{line}`"))
}

/// Crash-test load: submit and complete the first step of applications `{prefix}-{t}-{i}`,
/// printing `ack submit <id>` / `ack step0 <id>` only after each command is durable.
pub fn load(store: Arc<dyn Store>, prefix: &str, n: usize, threads: usize) -> Result<()> {
    let at: Timestamp = AT.parse()?;
    let next = Arc::new(AtomicUsize::new(0));
    let handles: Vec<_> = (0..threads.max(1))
        .map(|_| {
            let (store, next, prefix) = (store.clone(), next.clone(), prefix.to_string());
            std::thread::spawn(move || -> Result<()> {
                let stdout = std::io::stdout();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        return Ok(());
                    }
                    let id = format!("{prefix}-{i}");
                    let o = store.execute(submit(&id), at).map_err(|e| anyhow!("{e}"))?;
                    writeln!(stdout.lock(), "ack submit {id}")?;
                    let step = o.application.step;
                    let actor = Actor {
                        role: "office_clerk".into(),
                        org: "bench-provider".into(),
                    };
                    let cmd = Command::Complete {
                        application: id.clone(),
                        step,
                        actor,
                        outcome: Outcome::Done,
                        presented: None,
                    };
                    store.execute(cmd, at).map_err(|e| anyhow!("{e}"))?;
                    writeln!(stdout.lock(), "ack step0 {id}")?;
                }
            })
        })
        .collect();
    for h in handles {
        h.join().map_err(|_| anyhow!("a load thread panicked"))??;
    }
    Ok(())
}

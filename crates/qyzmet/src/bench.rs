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
/// Client threads of the benchmark; each keeps `wave / CLIENTS` applications in flight.
const CLIENTS: usize = 4;

/// Valid data for the benchmark's service (computed once).
fn sample_data() -> &'static engine::FormData {
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

pub fn engine(ctx: Arc<Ctx>, opts: Options, out: &mut impl Write) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("qyzmet-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("bench.db");
    let store = Arc::new(apps::open_store(&db, ctx.clone())?);
    let w = Arc::new(walk(&ctx)?);
    let at: Timestamp = AT.parse()?;
    let transitions_per_app = 1 + w.steps.len();
    writeln!(
        out,
        "qyzmet engine: {} applications × {} transitions ({REGULATION}, office; 10% refusals), {} commands in flight, SQLite WAL synchronous=FULL at {}",
        opts.n,
        transitions_per_app,
        opts.wave,
        db.display()
    )?;
    let bar = ProgressBar::new((opts.n * transitions_per_app) as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} transitions {per_sec} {eta}").unwrap(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    // Each client keeps `in_flight` applications moving together: it queues one command for
    // each (as that many officials acting at once), then waits for every acknowledgement.
    let in_flight = (opts.wave / CLIENTS).max(1);
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (store, w, next, bar) = (store.clone(), w.clone(), next.clone(), bar.clone());
            let n = opts.n;
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
                            .map(|c| (Instant::now(), store.enqueue(c, at)))
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
    let secs = started.elapsed().as_secs_f64();
    bar.finish_and_clear();
    lat.sort();
    let stats = store.stats();
    let verify = store.verify_journal().map_err(|e| anyhow!("{e}"))?;
    let apps_s = opts.n as f64 / secs;
    let ours = serde_json::json!({
        "system": "qyzmet",
        "applications": opts.n,
        "transitions": lat.len(),
        "seconds": secs,
        "applications_per_s": apps_s,
        "transitions_per_s": lat.len() as f64 / secs,
        "p50_ms": percentile(&lat, 0.5).as_secs_f64() * 1e3,
        "p99_ms": percentile(&lat, 0.99).as_secs_f64() * 1e3,
        "transactions": stats.transactions,
        "commands_per_transaction": stats.commands as f64 / stats.transactions.max(1) as f64,
        "journal_verified": verify.is_ok(),
    });
    writeln!(
        out,
        "qyzmet:        {:>9.0} applications/s {:>9.0} transitions/s  p50 {:.2} ms  p99 {:.2} ms  ({} transactions, {:.1} commands each; journal {})",
        apps_s,
        ours["transitions_per_s"].as_f64().unwrap_or(0.0),
        ours["p50_ms"].as_f64().unwrap_or(0.0),
        ours["p99_ms"].as_f64().unwrap_or(0.0),
        stats.transactions,
        ours["commands_per_transaction"].as_f64().unwrap_or(0.0),
        if verify.is_ok() { "verified" } else { "BROKEN" }
    )?;
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(peer_n) = opts.peer_n {
        let peer = spiff(peer_n)?;
        let peer_apps = peer["applications_per_s"].as_f64().unwrap_or(f64::NAN);
        writeln!(
            out,
            "SpiffWorkflow: {:>9.0} applications/s {:>9.0} transitions/s  p50 {:.2} ms  p99 {:.2} ms  (v{}, {} applications, committed per transition)",
            peer_apps,
            peer["transitions_per_s"].as_f64().unwrap_or(0.0),
            peer["p50_ms"].as_f64().unwrap_or(0.0),
            peer["p99_ms"].as_f64().unwrap_or(0.0),
            peer["version"].as_str().unwrap_or("?"),
            peer["applications"]
        )?;
        writeln!(
            out,
            "ratio: qyzmet is {:.1}× SpiffWorkflow in applications/s (same machine, same run)",
            apps_s / peer_apps
        )?;
    }
    writeln!(out, "{}", serde_json::json!({"qyzmet": ours}))?;
    Ok(())
}

/// Run the SpiffWorkflow peer (bench/spiff) and read its one line of JSON.
fn spiff(n: usize) -> Result<serde_json::Value> {
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
    let db = std::env::temp_dir().join(format!("qyzmet-spiff-{}.db", std::process::id()));
    let run = std::process::Command::new(&py)
        .arg(root.join("bench/spiff/peer.py"))
        .args(["--n", &n.to_string(), "--db"])
        .arg(&db)
        .stderr(std::process::Stdio::inherit())
        .output()
        .context("running the SpiffWorkflow peer")?;
    let _ = std::fs::remove_file(&db);
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

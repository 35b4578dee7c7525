//! `qyzmet bench process`: the same six-step process (free meals, office channel: submit and
//! five officials' actions) measured in one run on
//! (a) qyzmet + SQLite in process, (b) qyzmet + PostgreSQL in process,
//! (c) qyzmet over HTTP (a `qyzmet serve` process on each store) with the `oha` load generator
//!     submitting at fixed rates while officials act on earlier applications over the API,
//! (d) SpiffWorkflow committing every transition to SQLite and to PostgreSQL;
//! then every figure, the ratios, and the targets met or missed.

use crate::bench::{self, Cpu, Db, Run};
use crate::bench_server::{HttpRun, find_oha, oha};
use anyhow::{Context, Result, anyhow, bail};
use engine::Ctx;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Options {
    pub n: usize,
    pub wave: usize,
    pub database: String,
    pub peer_n: Option<usize>,
    pub rates: Vec<u32>,
    pub http_seconds: u64,
    pub officials_rate: u32,
    pub http: bool,
    pub oha: Option<PathBuf>,
    pub json: bool,
}

/// The targets on this 2-core machine.
const SQLITE_TARGET: f64 = 10_000.0;
const PG_TARGET: f64 = 1_500.0;
const PEER_RATIO_TARGET: f64 = 10.0;
const HTTP_P99_TARGET_MS: f64 = 50.0;
const HTTP_TARGET_RATE: u32 = 500;

/// The demo server's clock: a working Tuesday morning while the seed regulations were in force.
const AS_OF: &str = "2019-12-03T10:00";
const REGULATION: &str = "ekr-free-meals-tvet";
const ORG: &str = "tvet_organisation-1";
const STAFF_PASSWORD: &str = "staff-demo-2019";
/// Officials acting at once over HTTP.
const OFFICIALS: usize = 8;

pub fn run(ctx: Arc<Ctx>, opts: &Options, out: &mut impl Write) -> Result<()> {
    let stores = [Db::Sqlite, Db::Postgres(opts.database.clone())];
    writeln!(out, "{}", machine())?;
    let mut report = json!({"machine": machine()});

    // (a), (b): in process.
    let mut runs: Vec<Run> = vec![];
    for db in &stores {
        let r = bench::run_in_process(ctx.clone(), db, opts.n, opts.wave, out)?;
        writeln!(out, "{}", r.line())?;
        runs.push(r);
    }
    report["in_process"] = json!(runs.iter().map(Run::json).collect::<Vec<_>>());

    // (d): the peer on both stores.
    let mut peers: Vec<Value> = vec![];
    if let Some(peer_n) = opts.peer_n {
        for db in &stores {
            let c0 = Cpu::now();
            let mut p = bench::spiff(peer_n, db)?;
            let cpu = Cpu::now().since(c0);
            let apps = p["applications"].as_f64().unwrap_or(f64::NAN);
            p["cpu_ms_per_application_machine"] = json!(cpu.machine * 1e3 / apps);
            writeln!(
                out,
                "SpiffWorkflow + {:<8} {:>8.1} applications/s {:>8.1} transitions/s  p50 {:.2} ms  p99 {:.2} ms  CPU {:.1} ms/application (machine)  (v{}, {} applications, committed per transition)",
                db.name(),
                p["applications_per_s"].as_f64().unwrap_or(f64::NAN),
                p["transitions_per_s"].as_f64().unwrap_or(f64::NAN),
                p["p50_ms"].as_f64().unwrap_or(f64::NAN),
                p["p99_ms"].as_f64().unwrap_or(f64::NAN),
                cpu.machine * 1e3 / apps,
                p["version"].as_str().unwrap_or("?"),
                p["applications"],
            )?;
            peers.push(p);
        }
    }
    report["peer"] = json!(peers);

    // (c): over HTTP at fixed rates, officials acting meanwhile.
    let mut http: Vec<Value> = vec![];
    if opts.http {
        let oha_bin = find_oha(opts.oha.as_deref()).context(
            "no `oha` load generator: run bench/process.sh (it installs it), pass --oha, or --no-http",
        )?;
        for db in &stores {
            http.extend(over_http(db, &oha_bin, opts, out)?);
        }
    }
    report["http"] = json!(http);

    // Ratios and targets.
    writeln!(out, "\nratios (same machine, same run):")?;
    let mut checks: Vec<Value> = vec![];
    // `met` None: a ratio reported without a target.
    let mut check = |what: String, value: f64, target: String, met: Option<bool>| -> Result<()> {
        writeln!(
            out,
            "  {:<62} {:>10.2}   {}",
            what,
            value,
            match met {
                Some(m) => format!("target {target:<10} {}", if m { "met" } else { "MISSED" }),
                None => String::new(),
            }
        )?;
        checks.push(json!({"what": what, "value": value, "target": target, "met": met}));
        Ok(())
    };
    for (r, target) in runs.iter().zip([SQLITE_TARGET, PG_TARGET]) {
        let v = r.applications_per_s();
        check(
            format!("qyzmet + {} in process, applications/s", r.db),
            v,
            format!(">= {target:.0}"),
            Some(v >= target),
        )?;
    }
    if let [s, p] = runs.as_slice() {
        check(
            "PostgreSQL / SQLite in process (applications/s)".into(),
            p.applications_per_s() / s.applications_per_s(),
            String::new(),
            None,
        )?;
    }
    for (r, p) in runs.iter().zip(&peers) {
        let ratio = r.applications_per_s() / p["applications_per_s"].as_f64().unwrap_or(f64::NAN);
        check(
            format!("qyzmet / SpiffWorkflow on {} (applications/s)", r.db),
            ratio,
            format!(">= {PEER_RATIO_TARGET:.0}×"),
            Some(ratio >= PEER_RATIO_TARGET),
        )?;
        let cpu = p["cpu_ms_per_application_machine"]
            .as_f64()
            .unwrap_or(f64::NAN)
            / (r.cpu.machine * 1e3 / r.applications as f64);
        check(
            format!("SpiffWorkflow / qyzmet CPU per application on {}", r.db),
            cpu,
            String::new(),
            None,
        )?;
    }
    for h in &http {
        if h["rate"].as_u64() == Some(u64::from(HTTP_TARGET_RATE)) {
            let p99 = h["submit_p99_ms"].as_f64().unwrap_or(f64::NAN);
            check(
                format!(
                    "HTTP submissions at {HTTP_TARGET_RATE}/s on {}, p99 ms",
                    h["store"].as_str().unwrap_or("?")
                ),
                p99,
                format!("< {HTTP_P99_TARGET_MS:.0} ms"),
                Some(p99 < HTTP_P99_TARGET_MS),
            )?;
        }
    }
    report["checks"] = json!(checks);
    if opts.json {
        writeln!(out, "{report}")?;
    }
    Ok(())
}

/// The machine the figures come from.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    format!("machine: {cores} cores, {cpu}; load average {load}")
}

/// One `qyzmet serve` process on a fresh store (demo organisations and staff).
struct Node {
    child: Child,
    port: u16,
    dir: PathBuf,
    schema: Option<(String, String)>,
}

impl Node {
    fn start(db: &Db) -> Result<Node> {
        let exe = std::env::current_exe()?;
        let dir = std::env::temp_dir().join(format!(
            "qyzmet-bench-http-{}-{}",
            std::process::id(),
            db.name()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut store_args: Vec<String> = vec![];
        let mut schema = None;
        if let Db::Postgres(url) = db {
            let s = format!("bench_http_{}", std::process::id());
            store_args = vec![
                "--database".into(),
                url.clone(),
                "--database-schema".into(),
                s.clone(),
            ];
            schema = Some((url.clone(), s));
        }
        let made = std::process::Command::new(&exe)
            .arg("demo-data")
            .arg("--data-dir")
            .arg(&dir)
            .args(&store_args)
            .output()
            .context("qyzmet demo-data")?;
        if !made.status.success() {
            bail!(
                "qyzmet demo-data failed: {}",
                String::from_utf8_lossy(&made.stderr)
            );
        }
        let log = std::fs::File::create(dir.join("serve.log"))?;
        let child = std::process::Command::new(&exe)
            .args(["serve", "--demo", "--as-of", AS_OF, "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--data-dir")
            .arg(&dir)
            .args(&store_args)
            .stdout(log.try_clone()?)
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .context("starting qyzmet serve")?;
        let node = Node {
            child,
            port,
            dir,
            schema,
        };
        let agent = agent();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(r) = agent.get(&node.url("/ready")).call()
                && r.status() == 200
            {
                return Ok(node);
            }
            if Instant::now() > deadline {
                bail!(
                    "qyzmet serve did not become ready in 120 s; its log: {}",
                    node.dir.join("serve.log").display()
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn dir_store(&self) -> &'static str {
        if self.schema.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn cpu_seconds(&self) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .ok()
            .and_then(|s| {
                let rest = &s[s.rfind(')')? + 2..];
                let f: Vec<&str> = rest.split_whitespace().collect();
                Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
            })
            .unwrap_or(f64::NAN)
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // SIGTERM first: the server finishes in-flight commands and its writers print their
        // profile (QYZMET_PG_PROFILE / QYZMET_STORE_PROFILE) into serve.log.
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline && matches!(self.child.try_wait(), Ok(None)) {
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(keep) = std::env::var_os("QYZMET_BENCH_KEEP_LOG") {
            let to = PathBuf::from(keep).join(format!("serve-{}.log", self.dir_store()));
            let _ = std::fs::copy(self.dir.join("serve.log"), to);
        }
        if let Some((url, s)) = &self.schema {
            bench::drop_schema(url, s);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn read(r: &mut ureq::http::Response<ureq::Body>) -> Result<Value> {
    let text = r.body_mut().read_to_string()?;
    serde_json::from_str(&text).with_context(|| format!("not JSON: {text}"))
}

/// An API token of a demo official (logs in, creates the token from the session).
fn token(agent: &ureq::Agent, node: &Node, login: &str) -> Result<String> {
    let mut r = agent
        .post(&node.url("/api/auth/login"))
        .content_type("application/json")
        .send(json!({"login": login, "password": STAFF_PASSWORD}).to_string())?;
    if r.status() != 200 {
        bail!("login {login}: {} {}", r.status(), read(&mut r)?);
    }
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|c| c.split(';').next().unwrap_or("").to_string())
        .find(|c| c.starts_with("qz_session="))
        .context("no session cookie")?;
    let csrf = read(&mut r)?["csrf"]
        .as_str()
        .context("no csrf")?
        .to_string();
    let mut t = agent
        .post(&node.url("/api/tokens"))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .content_type("application/json")
        .send(json!({"name": "bench", "scopes": ["submit", "read", "act"]}).to_string())?;
    let v = read(&mut t)?;
    v["token"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| anyhow!("token for {login}: {v}"))
}

fn intake_body() -> String {
    json!({
        "regulation": REGULATION,
        "applicant_iin": "100515500003",
        "applicant_name": "Сейтқали Айгерім",
        // The same applicant again and again: a repeated application, confirmed.
        "confirm_duplicate": true,
        "data": bench::sample_data(),
    })
    .to_string()
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// The officials' side: walk applications through their steps at `rate` actions/s until
/// `stop`; the latency of each action (POST) in ms.
fn officials(
    node: &Node,
    tokens: &Arc<Vec<(String, String)>>,
    work: Arc<Mutex<VecDeque<String>>>,
    rate: u32,
    stop: Arc<AtomicBool>,
) -> Result<(Vec<f64>, usize)> {
    let slot = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    let base = node.url("");
    let threads: Vec<_> = (0..OFFICIALS)
        .map(|_| {
            let (tokens, work, stop, slot, base) = (
                tokens.clone(),
                work.clone(),
                stop.clone(),
                slot.clone(),
                base.clone(),
            );
            std::thread::spawn(move || -> Result<(Vec<f64>, usize)> {
                let agent = agent();
                let mut lat = vec![];
                let mut failed = 0;
                let reader = &tokens[0].1;
                loop {
                    let k = slot.fetch_add(1, Ordering::Relaxed);
                    let at = t0 + Duration::from_secs_f64(k as f64 / f64::from(rate.max(1)));
                    if let Some(wait) = at.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    if stop.load(Ordering::Relaxed) {
                        return Ok((lat, failed));
                    }
                    let Some(id) = work.lock().map_err(|_| anyhow!("poisoned"))?.pop_front() else {
                        return Ok((lat, failed));
                    };
                    let mut d = agent
                        .get(&format!("{base}/api/applications/{id}"))
                        .header("authorization", &format!("Bearer {reader}"))
                        .call()?;
                    let detail = read(&mut d)?;
                    let cur = &detail["current"];
                    let Some(role) = cur["role"].as_str() else {
                        continue; // closed
                    };
                    let Some((_, tok)) = tokens.iter().find(|(r, _)| r == role) else {
                        bail!("no demo official holds role {role}");
                    };
                    let mut body = json!({"step": cur["step"], "outcome": "done"});
                    if let Some(e) = cur["executors"][0]["login"].as_str() {
                        body["executor"] = json!(e);
                    }
                    if cur["needs_presented"].as_bool() == Some(true) {
                        body["presented"] = json!("identity_document");
                    }
                    if cur["signs_result"].as_bool() == Some(true) {
                        body["signature"] = json!({"demo_key": true});
                    }
                    let started = Instant::now();
                    let mut r = agent
                        .post(&format!("{base}/api/applications/{id}/actions"))
                        .header("authorization", &format!("Bearer {tok}"))
                        .content_type("application/json")
                        .send(body.to_string())?;
                    let ms = started.elapsed().as_secs_f64() * 1e3;
                    let v = read(&mut r)?;
                    if r.status() == 200 {
                        lat.push(ms);
                        if v["current"]["role"].is_string() {
                            work.lock().map_err(|_| anyhow!("poisoned"))?.push_back(id);
                        }
                    } else {
                        failed += 1;
                        if failed == 1 {
                            eprintln!("an official's action failed: {} {v}", r.status());
                        }
                    }
                }
            })
        })
        .collect();
    let mut lat = vec![];
    let mut failed = 0;
    for t in threads {
        let (l, f) = t.join().map_err(|_| anyhow!("an official panicked"))??;
        lat.extend(l);
        failed += f;
    }
    Ok((lat, failed))
}

fn over_http(db: &Db, oha_bin: &Path, opts: &Options, out: &mut impl Write) -> Result<Vec<Value>> {
    let node = Node::start(db)?;
    let agent = agent();
    let roles = ["office_clerk", "head", "executor"];
    let tokens: Arc<Vec<(String, String)>> = Arc::new(
        roles
            .iter()
            .map(|r| Ok((r.to_string(), token(&agent, &node, &format!("{ORG}.{r}"))?)))
            .collect::<Result<_>>()?,
    );
    let clerk = tokens[0].1.clone();
    let submit_url = node.url("/api/office/applications");
    // One submission first: the service is open at the server's clock and the body is valid.
    let mut first = agent
        .post(&submit_url)
        .header("authorization", &format!("Bearer {clerk}"))
        .content_type("application/json")
        .send(intake_body())?;
    if first.status() != 201 {
        bail!(
            "a submission was not taken: {} {}",
            first.status(),
            read(&mut first)?
        );
    }
    let mut rows = vec![];
    writeln!(
        out,
        "\nqyzmet over HTTP on {} (qyzmet serve; oha POST /api/office/applications at fixed rates for {} s; {} officials acting at {}/s on earlier applications)",
        db.name(),
        opts.http_seconds,
        OFFICIALS,
        opts.officials_rate
    )?;
    for &rate in &opts.rates {
        // Applications for the officials: each takes its five actions.
        let need = (opts.officials_rate as u64 * opts.http_seconds).div_ceil(4) as usize + 8;
        let work: VecDeque<String> = (0..need)
            .map(|_| {
                let mut r = agent
                    .post(&submit_url)
                    .header("authorization", &format!("Bearer {clerk}"))
                    .content_type("application/json")
                    .send(intake_body())?;
                read(&mut r)?["id"]
                    .as_str()
                    .map(str::to_string)
                    .context("no id in the submission's answer")
            })
            .collect::<Result<_>>()?;
        let work = Arc::new(Mutex::new(work));
        let stop = Arc::new(AtomicBool::new(false));
        let c0 = Cpu::now();
        let s0 = node.cpu_seconds();
        let started = Instant::now();
        let officials = {
            let (tokens, work, halt) = (tokens.clone(), work.clone(), stop.clone());
            let officials_rate = opts.officials_rate;
            let node_ref = &node;
            std::thread::scope(|s| {
                let h = s.spawn(move || officials(node_ref, &tokens, work, officials_rate, halt));
                let run = oha(
                    oha_bin,
                    &submit_url,
                    &clerk,
                    &intake_body(),
                    opts.http_seconds,
                    Some(rate),
                    64,
                );
                stop.store(true, Ordering::Relaxed);
                let officials = h.join().map_err(|_| anyhow!("the officials panicked"));
                (run, officials)
            })
        };
        let seconds = started.elapsed().as_secs_f64();
        let cpu = Cpu::now().since(c0);
        let server_cpu = node.cpu_seconds() - s0;
        let (run, officials) = officials;
        let run: HttpRun = run?;
        let (mut acts, failed) = officials??;
        let actions = acts.len();
        let transitions = run.ok as f64 + actions as f64;
        let row = json!({
            "store": db.name(),
            "rate": rate,
            "submitted_per_s": run.rate,
            "submit_p50_ms": run.p50_ms,
            "submit_p99_ms": run.p99_ms,
            "submissions": run.ok,
            "requests": run.requests,
            "statuses": run.statuses,
            "official_actions": actions,
            "official_actions_failed": failed,
            "official_actions_per_s": actions as f64 / seconds,
            "action_p50_ms": percentile(&mut acts, 0.5),
            "action_p99_ms": percentile(&mut acts, 0.99),
            "transitions_per_s": transitions / seconds,
            "server_cpu_ms_per_transition": server_cpu * 1e3 / transitions,
            "machine_cpu_ms_per_transition": cpu.machine * 1e3 / transitions,
        });
        writeln!(
            out,
            "  {:>5}/s  submitted {:>7.1}/s  p50 {:>6.2} ms  p99 {:>7.2} ms   officials {:>5.1} actions/s p50 {:>6.2} ms p99 {:>7.2} ms{}   CPU/transition {:.2} ms server, {:.2} ms machine   statuses {}",
            rate,
            run.rate,
            run.p50_ms,
            run.p99_ms,
            row["official_actions_per_s"].as_f64().unwrap_or(f64::NAN),
            row["action_p50_ms"].as_f64().unwrap_or(f64::NAN),
            row["action_p99_ms"].as_f64().unwrap_or(f64::NAN),
            if failed > 0 {
                format!(" ({failed} FAILED)")
            } else {
                String::new()
            },
            server_cpu * 1e3 / transitions,
            cpu.machine * 1e3 / transitions,
            run.statuses,
        )?;
        rows.push(row);
    }
    Ok(rows)
}

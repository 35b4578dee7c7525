//! Failover of a Patroni-managed PostgreSQL pair (`scripts/ha/`: one etcd, two members with
//! synchronous replication) under load: the primary is killed with SIGKILL (its Patroni and
//! its PostgreSQL, as a lost machine), Patroni promotes the synchronous standby, and clients
//! that only know the libpq multi-host URL (`target_session_attrs=read-write`) carry on.
//!
//! Two kinds of client write through that URL while the primary dies: plain SQL inserts (the
//! `postgres` crate) and user actions through `store::PgStore` (submissions and officials'
//! steps of a seed regulation). Afterwards every acknowledged row and action is on the new
//! primary, nothing is there twice, the journal's chains verify and the views equal a rebuild.
//!
//! Needs `etcd` (Debian `etcd-server`), `patroni` and PostgreSQL 15 (`scripts/setup.sh`): under
//! CI their absence fails the test, elsewhere it says so and passes. Figures (failover time,
//! writes acknowledged and lost) go to stderr.

use engine::{Actor, Application, Command, Ctx, Outcome, PORTAL, Party, Presented, Rejection};
use engine::{STATE_CORPORATION, Status};
use regulation::ChannelId;
use std::collections::{BTreeSet, HashMap};
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};
use store::{Action, PgStore, Store, StoreError};
use testkit::TempDir;

/// How long a client keeps retrying one write before the test fails (the failover itself
/// takes Patroni's ttl, 10 s).
const RETRY_FOR: Duration = Duration::from_secs(45);

/// A line past the test harness's capture: the figures are wanted from a passing run too.
fn say(line: impl std::fmt::Display) {
    let _ = writeln!(std::io::stderr(), "failover: {line}");
}

fn script(name: &str) -> PathBuf {
    testkit::repo_root().join("scripts/ha").join(name)
}

/// A cluster started by `up.sh` in a temporary directory, stopped by `down.sh` when dropped
/// (also when the test panics).
struct Cluster {
    dir: TempDir,
    url: String,
    ports: HashMap<&'static str, u16>,
}

impl Cluster {
    fn up() -> Cluster {
        let dir = testkit::tempdir("ha");
        // Ports nobody listens on now, so that a busy machine or a second run does not clash.
        let names = ["PG1", "PG2", "REST1", "REST2", "ETCD", "ETCD_PEER"];
        let held: Vec<TcpListener> = names
            .iter()
            .map(|_| TcpListener::bind("127.0.0.1:0").expect("a free port"))
            .collect();
        let ports: HashMap<&'static str, u16> = names
            .iter()
            .zip(&held)
            .map(|(n, l)| (*n, l.local_addr().unwrap().port()))
            .collect();
        drop(held);
        let mut cluster = Cluster {
            dir,
            url: String::new(),
            ports,
        };
        cluster.url = cluster.run("up.sh", &[]);
        cluster
    }

    /// Run a script of `scripts/ha/` on the cluster's directory; its stdout, trimmed.
    fn run(&self, name: &str, args: &[&str]) -> String {
        let mut p = Process::new("bash");
        p.arg(script(name)).arg(self.dir.path()).args(args);
        for (n, port) in &self.ports {
            p.env(format!("QYZMET_HA_{n}"), port.to_string());
        }
        let out = p
            .env("QYZMET_HA_TIMEOUT", "60")
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "{name} failed ({}):\n{err}",
            out.status
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Process::new("bash")
            .arg(script("down.sh"))
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The port and recovery state of the server a fresh connection through `url` reaches.
fn primary_port(url: &str) -> Result<i32, postgres::Error> {
    let mut c = postgres::Client::connect(url, postgres::NoTls)?;
    let row = c.query_one("SELECT inet_server_port(), pg_is_in_recovery()", &[])?;
    assert!(!row.get::<_, bool>(1), "read-write reached a standby");
    Ok(row.get(0))
}

/// What a client saw: writes acknowledged (with when), and writes whose outcome it never
/// learnt (the connection went while committing).
#[derive(Default)]
struct Seen<T> {
    acked: Vec<(T, Instant)>,
    unknown: Vec<T>,
    errors: usize,
}

/// Plain SQL: one insert per transaction through the URL, reconnecting after any error. Row
/// ids are never reused, so a row whose commit was not acknowledged cannot hide another.
fn sql_writer(url: String, stop: Arc<AtomicBool>, seen: Arc<Mutex<Seen<i64>>>) -> JoinHandle<()> {
    thread::spawn(move || {
        let mut client: Option<postgres::Client> = None;
        let mut id = 0i64;
        while !stop.load(Ordering::Relaxed) {
            let Some(c) = client.as_mut() else {
                match postgres::Client::connect(&url, postgres::NoTls) {
                    Ok(c) => client = Some(c),
                    Err(_) => {
                        seen.lock().unwrap().errors += 1;
                        thread::sleep(Duration::from_millis(50));
                    }
                }
                continue;
            };
            id += 1;
            match c.execute("INSERT INTO ha_probe (id) VALUES ($1)", &[&id]) {
                Ok(_) => seen.lock().unwrap().acked.push((id, Instant::now())),
                Err(_) => {
                    let mut s = seen.lock().unwrap();
                    s.unknown.push(id);
                    s.errors += 1;
                    client = None;
                }
            }
        }
    })
}

/// The seed regulation the load walks: the first that takes applications at an office.
fn office_regulation(ctx: &Ctx) -> (String, jiff::Timestamp) {
    let reg = ctx
        .regulations()
        .iter()
        .find(|r| r.channel(ChannelId::Office).is_some_and(|c| c.accepts))
        .expect("a seed regulation with an office channel");
    let act: jiff::civil::Date = reg.act.get_ref().date.parse().unwrap();
    // A working day 20 days after the act, 10:00 in Almaty: in force, counters open.
    let day = calendar::Calendar::kz()
        .working_day_on_or_after(act.checked_add(jiff::Span::new().days(20)).unwrap())
        .unwrap();
    let at = day
        .at(4, 0, 0, 0)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp();
    (reg.id.clone(), at)
}

fn complete(ctx: &Ctx, app: &Application) -> Command {
    let plan = ctx.plan(&app.regulation, app.version, app.channel).unwrap();
    let step = plan.step(app.step).unwrap();
    let org = match step.party {
        Party::Provider | Party::Intermediary => app.provider.clone(),
        Party::StateCorporation => STATE_CORPORATION.into(),
        Party::Portal => PORTAL.into(),
    };
    Command::Complete {
        application: app.id.clone(),
        step: app.step,
        actor: Actor {
            role: step.role.clone(),
            org,
        },
        outcome: Outcome::Done,
        presented: Some(Presented::IdentityDocument),
    }
}

/// One acknowledged action: its application and the events it journalled.
type Acked = (String, Vec<store::Event>);

/// The answer to one action, retried through a failover: Some when acknowledged; None when
/// an earlier attempt whose answer was lost had already done it (the retry's submission key
/// or step number tells). Panics past [`RETRY_FOR`] or on any other rejection.
fn act_through(s: &PgStore, action: &Action, seen: &Mutex<Seen<String>>) -> Option<Vec<Acked>> {
    let started = Instant::now();
    let mut retried = false;
    loop {
        match s.act(action.clone()) {
            Ok(o) if o.replayed => {
                assert!(retried, "a first submission was answered as a replay");
                return None;
            }
            Ok(o) => {
                return Some(
                    o.outcomes
                        .into_iter()
                        .map(|x| (x.application.id, x.events))
                        .collect(),
                );
            }
            Err(StoreError::Rejected(Rejection::WrongStep { .. })) if retried => return None,
            Err(StoreError::Rejected(r)) => panic!("rejected: {r}"),
            Err(e) => {
                seen.lock().unwrap().errors += 1;
                assert!(
                    started.elapsed() < RETRY_FOR,
                    "no write for {RETRY_FOR:?}: {e}"
                );
                retried = true;
                thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

fn read_app(s: &PgStore, id: &str) -> Application {
    let started = Instant::now();
    loop {
        match s.application(id) {
            Ok(Some(a)) => return a,
            Ok(None) => panic!("{id}: acknowledged, then not found"),
            Err(e) => {
                assert!(started.elapsed() < RETRY_FOR, "{id}: no read: {e}");
                thread::sleep(Duration::from_millis(50));
            }
        }
    }
}

/// Store actions: submit an application at an office, then complete its steps one action
/// each, application after application, until told to stop.
fn store_writer(
    s: Arc<PgStore>,
    ctx: Arc<Ctx>,
    worker: usize,
    stop: Arc<AtomicBool>,
    acked: Arc<Mutex<Vec<Acked>>>,
    seen: Arc<Mutex<Seen<String>>>,
) -> JoinHandle<()> {
    thread::spawn(move || {
        let (reg, at) = office_regulation(&ctx);
        let mut n = 0;
        while !stop.load(Ordering::Relaxed) {
            n += 1;
            let id = format!("ha-{worker}-{n}");
            let submit = Command::Submit {
                application: id.clone(),
                regulation: reg.clone(),
                channel: ChannelId::Office,
                provider: "p1".into(),
                applicant_iin: "851231400001".into(),
                applicant_name: String::new(),
                key: format!("key-{id}"),
                signature: None,
                reception: Default::default(),
                data: ctx.sample_data(&reg, at, 0),
            };
            let mut step_no = 0i64;
            let mut action = Action::new(at).by("ha-test").command(submit).advance(&id);
            loop {
                match act_through(&s, &action, &seen) {
                    Some(done) => {
                        let now = Instant::now();
                        let mut sn = seen.lock().unwrap();
                        sn.acked.push((id.clone(), now));
                        acked.lock().unwrap().extend(done);
                    }
                    None => seen.lock().unwrap().unknown.push(id.clone()),
                }
                let app = read_app(&s, &id);
                if app.status == Status::Closed || stop.load(Ordering::Relaxed) {
                    break;
                }
                step_no += 1;
                let now = at + jiff::SignedDuration::from_mins(5 * step_no);
                action = Action::new(now)
                    .by("ha-test")
                    .command(complete(&ctx, &app))
                    .advance(&id);
            }
        }
    })
}

/// The first acknowledgement after `t`, as seconds after it.
fn resumed_after<T>(seen: &Seen<T>, t: Instant) -> Option<f64> {
    seen.acked
        .iter()
        .map(|(_, at)| *at)
        .filter(|at| *at > t)
        .min()
        .map(|at| (at - t).as_secs_f64())
}

#[test]
fn killing_the_primary_under_load_loses_no_acknowledged_write() {
    let pg15 = Path::new("/usr/lib/postgresql/15/bin/postgres").exists();
    if !(testkit::require_tool("etcd", &["--version"])
        && testkit::require_tool("patroni", &["--version"])
        && testkit::require(
            pg15,
            "PostgreSQL 15 (/usr/lib/postgresql/15/bin, postgresql-15)",
        )
        && testkit::require_tool("curl", &["--version"])
        && testkit::require_tool("setpriv", &["--version"]))
    {
        return;
    }
    let started = Instant::now();
    let cluster = Cluster::up();
    let url = cluster.url.clone();
    say(format!(
        "cluster up in {:.1} s: {url}",
        started.elapsed().as_secs_f64()
    ));

    // The URL reaches the primary, which replicates synchronously to the other member.
    let first = primary_port(&url).expect("connect through the multi-host URL");
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let sync: Vec<String> = c
        .query("SELECT sync_state FROM pg_stat_replication", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(sync, ["sync"], "one synchronous standby");
    c.batch_execute("CREATE TABLE ha_probe (id bigint PRIMARY KEY)")
        .unwrap();
    drop(c);

    let ctx = testkit::seed_ctx();
    let s = Arc::new(PgStore::open(&url, "qz_ha", ctx.clone()).expect("open the store"));
    let stop = Arc::new(AtomicBool::new(false));
    let rows: Arc<Mutex<Seen<i64>>> = Arc::default();
    let actions: Arc<Mutex<Seen<String>>> = Arc::default();
    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    let mut workers = vec![sql_writer(url.clone(), stop.clone(), rows.clone())];
    for w in 0..3 {
        workers.push(store_writer(
            s.clone(),
            ctx.clone(),
            w,
            stop.clone(),
            acked.clone(),
            actions.clone(),
        ));
    }
    // Stop the writers however the test ends (they hold the store).
    struct Stop(Arc<AtomicBool>);
    impl Drop for Stop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let _stop = Stop(stop.clone());

    thread::sleep(Duration::from_secs(3));
    let before = (
        rows.lock().unwrap().acked.len(),
        actions.lock().unwrap().acked.len(),
    );
    assert!(before.0 > 0 && before.1 > 0, "writes before the kill");
    let killed = cluster.run("crash.sh", &["leader"]);
    let kill_at = Instant::now();
    let killed_port: i32 = killed.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert_eq!(killed_port, first, "the member killed was the primary");

    // Patroni promotes the standby: the same URL reaches it as the primary.
    let promoted = loop {
        match primary_port(&url) {
            Ok(p) if p != killed_port => break kill_at.elapsed().as_secs_f64(),
            _ => {}
        }
        assert!(kill_at.elapsed() < RETRY_FOR, "no new primary");
        thread::sleep(Duration::from_millis(100));
    };
    // Writes go on through the same URL and the same store.
    while resumed_after(&rows.lock().unwrap(), kill_at).is_none()
        || resumed_after(&actions.lock().unwrap(), kill_at).is_none()
    {
        assert!(kill_at.elapsed() < RETRY_FOR, "writes do not resume");
        thread::sleep(Duration::from_millis(100));
    }
    thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().expect("a writer failed");
    }

    // Every acknowledged row is on the new primary; the others only if their commit landed.
    let rows = rows.lock().unwrap();
    let mut c = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    let row = c
        .query_one("SELECT inet_server_port(), pg_is_in_recovery()", &[])
        .unwrap();
    assert_ne!(row.get::<_, i32>(0), killed_port);
    assert!(!row.get::<_, bool>(1));
    let stored: BTreeSet<i64> = c
        .query("SELECT id FROM ha_probe", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let lost_rows: Vec<i64> = rows
        .acked
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !stored.contains(id))
        .collect();
    assert!(
        lost_rows.is_empty(),
        "acknowledged rows lost: {lost_rows:?}"
    );
    let known: BTreeSet<i64> = rows
        .acked
        .iter()
        .map(|(id, _)| *id)
        .chain(rows.unknown.iter().copied())
        .collect();
    assert!(stored.is_subset(&known), "rows nobody wrote");

    // Every acknowledged action's events are in the journal; an application holds exactly
    // what was acknowledged, plus what a lost answer did once (its retry said so).
    let actions = actions.lock().unwrap();
    let acked = acked.lock().unwrap();
    let mut by_app: HashMap<&str, Vec<String>> = HashMap::new();
    for (id, events) in acked.iter() {
        let e = by_app.entry(id).or_default();
        e.extend(events.iter().map(|x| serde_json::to_string(x).unwrap()));
    }
    let unknown: BTreeSet<&str> = actions.unknown.iter().map(String::as_str).collect();
    // Every application a writer started exists: its submission was retried until it was
    // acknowledged or found done.
    let apps: BTreeSet<&str> = actions
        .acked
        .iter()
        .map(|(id, _)| id.as_str())
        .chain(unknown.iter().copied())
        .collect();
    let mut events_total = 0;
    for id in &apps {
        let journal = s.events(id).unwrap();
        events_total += journal.len();
        let submitted = journal
            .iter()
            .filter(|e| matches!(e, store::Event::Submitted { .. }))
            .count();
        assert_eq!(submitted, 1, "{id}: submitted once");
        let mut rest: Vec<String> = journal
            .iter()
            .map(|x| serde_json::to_string(x).unwrap())
            .collect();
        for e in by_app.get(id).into_iter().flatten() {
            let at = rest
                .iter()
                .position(|x| x == e)
                .unwrap_or_else(|| panic!("{id}: an acknowledged event is lost: {e}"));
            rest.remove(at);
        }
        assert!(
            rest.is_empty() || unknown.contains(id),
            "{id}: events nobody acknowledged and no lost answer explains: {rest:?}"
        );
    }
    let report = s.verify_journal().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.applications as usize, apps.len(), "applications");
    let rebuilt = s.rebuild_views(false).unwrap();
    assert_eq!(rebuilt.difference_count, 0, "{:?}", rebuilt.differences);

    say(format!(
        "killed the primary ({killed}) under load; Patroni promoted the standby {promoted:.1} s later; \
         writes resumed after {:.1} s (SQL) and {:.1} s (store)",
        resumed_after(&rows, kill_at).unwrap(),
        resumed_after(&actions, kill_at).unwrap(),
    ));
    say(format!(
        "acknowledged: {} SQL rows ({} before the kill), {} store actions ({} before) over {} \
         applications, {events_total} journal entries; outcome unknown to the client: {} rows \
         ({} of them stored), {} actions; errors seen and retried: {} (SQL), {} (store); \
         acknowledged but lost: {}",
        rows.acked.len(),
        before.0,
        actions.acked.len(),
        before.1,
        apps.len(),
        rows.unknown.len(),
        rows.unknown.iter().filter(|id| stored.contains(id)).count(),
        actions.unknown.len(),
        rows.errors,
        actions.errors,
        lost_rows.len(),
    ));

    // The killed member comes back (`up.sh` again) as the new primary's synchronous standby,
    // rewound onto its timeline, with every row.
    let back = Instant::now();
    assert_eq!(cluster.run("up.sh", &[]), url, "the same URL");
    let rejoined = back.elapsed().as_secs_f64();
    let killed_name = killed.split_whitespace().next().unwrap();
    let standbys: Vec<(String, String)> = c
        .query(
            "SELECT application_name, sync_state FROM pg_stat_replication",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    assert_eq!(standbys, [(killed_name.to_string(), "sync".to_string())]);
    c.execute("INSERT INTO ha_probe (id) VALUES (-1)", &[])
        .unwrap();
    let standby_url = format!("postgres://postgres@127.0.0.1:{killed_port}/qyzmet");
    let mut sb = postgres::Client::connect(&standby_url, postgres::NoTls).unwrap();
    let count = |c: &mut postgres::Client| -> i64 {
        c.query_one("SELECT COUNT(*) FROM ha_probe", &[])
            .unwrap()
            .get(0)
    };
    let want = count(&mut c);
    // Synchronous commit waits for the standby's flush, not its replay: allow it a moment.
    let replayed = Instant::now();
    while count(&mut sb) != want {
        assert!(
            replayed.elapsed() < Duration::from_secs(10),
            "the standby does not catch up"
        );
        thread::sleep(Duration::from_millis(100));
    }
    assert!(
        sb.query_one("SELECT pg_is_in_recovery()", &[])
            .unwrap()
            .get::<_, bool>(0)
    );
    say(format!(
        "the killed member {killed_name} rejoined as the synchronous standby in {rejoined:.1} s \
         with all {want} rows"
    ));
    drop(s);
    drop(cluster);
    say(format!(
        "whole test {:.1} s",
        started.elapsed().as_secs_f64()
    ));
}

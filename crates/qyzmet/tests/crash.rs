//! Crash test: the real binary submits under load and is killed with SIGKILL at random moments,
//! again and again; after every restart, every command it acknowledged must be in the journal
//! exactly once, and the journal must verify. On the embedded store (a file) and on PostgreSQL
//! (`--database`, a fresh schema: the server outlives the killed client, whose open
//! transactions it rolls back).

use engine::{Ctx, Event, time::KzTime};
use regulation::{Catalogue, Seeds};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use store::{PgStore, SqliteStore, Store};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn ctx() -> Arc<Ctx> {
    let dir = root().join("regulations");
    let cat = Catalogue::load(&dir, &Seeds::discover(&dir));
    Arc::new(Ctx::new(
        cat.regulations.into_iter().map(|l| l.regulation).collect(),
        Arc::new(KzTime::new()),
    ))
}

/// A small deterministic generator: the seed is printed so a failure can be replayed.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, lo: u64, hi: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        lo + (self.0 >> 33) % (hi - lo)
    }
}

#[test]
fn acknowledged_commands_survive_sigkill() {
    let dir = testkit::tempdir("crash");
    survive(
        &["--db", &dir.path().join("crash.db").to_string_lossy()],
        || Box::new(SqliteStore::open(dir.path().join("crash.db"), ctx()).unwrap()),
    );
}

#[test]
fn acknowledged_commands_survive_sigkill_on_postgres() {
    if !testkit::pg::available() {
        return;
    }
    let schema = testkit::pg::Schema::fresh();
    let uri = testkit::pg::uri();
    survive(
        &["--database", &uri, "--database-schema", schema.name()],
        || Box::new(PgStore::open(&testkit::pg::url(), schema.name(), ctx()).unwrap()),
    );
}

/// Rounds of `qyzmet load` on the store `place` (its flags) killed at random moments, then
/// the check on the store `reopen` gives.
fn survive(place: &[&str], reopen: impl FnOnce() -> Box<dyn Store>) {
    let seed = std::env::var("CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("crash test seed {seed} (CRASH_SEED={seed} replays it)");
    let mut rng = Lcg(seed);
    let mut submitted = BTreeSet::new();
    let mut stepped = BTreeSet::new();
    let rounds = 24;
    for round in 0..rounds {
        let mut child = Command::new(env!("CARGO_BIN_EXE_qyzmet"))
            .args(["load", "--threads", "4", "--prefix", &format!("r{round}")])
            .args(place)
            .arg("--dir")
            .arg(root().join("regulations"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let acks = Arc::new(Mutex::new(Vec::new()));
        let (started, first) = std::sync::mpsc::channel();
        let reader = {
            let acks = acks.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    acks.lock().unwrap().push(line);
                    let _ = started.send(());
                }
            })
        };
        // Let it start (the catalogue loads and the store opens first: slow on a busy
        // machine), then kill it at a random moment of the load.
        let _ = first.recv_timeout(Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(rng.next(10, 700)));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        let acks = acks.lock().unwrap().clone();
        for a in &acks {
            let mut parts = a.split_whitespace();
            match (parts.next(), parts.next(), parts.next()) {
                (Some("ack"), Some("submit"), Some(id)) => {
                    submitted.insert(id.to_string());
                }
                (Some("ack"), Some("step0"), Some(id)) => {
                    stepped.insert(id.to_string());
                }
                _ => {} // a line cut by the kill is not an acknowledgement
            }
        }
        println!("round {round}: {} acknowledgements", acks.len());
    }
    assert!(
        submitted.len() > 100,
        "the load made too little progress to prove anything: {}",
        submitted.len()
    );

    // Restart and check: every acknowledged command is there exactly once.
    let store = reopen();
    for id in &submitted {
        let events = store.events(id).unwrap();
        let subs = events
            .iter()
            .filter(|e| matches!(e, Event::Submitted { .. }))
            .count();
        assert_eq!(
            subs, 1,
            "{id}: acknowledged submission present {subs} times"
        );
        let steps = events
            .iter()
            .filter(|e| matches!(e, Event::StepCompleted { step: 0, .. }))
            .count();
        assert!(steps <= 1, "{id}: step 0 completed {steps} times");
        if stepped.contains(id) {
            assert_eq!(steps, 1, "{id}: acknowledged step 0 missing");
        }
    }
    for id in &stepped {
        assert!(
            submitted.contains(id) || store.application(id).unwrap().is_some(),
            "{id}"
        );
    }
    // A retry of an acknowledged submission with its key changes nothing.
    let first = submitted.iter().next().unwrap().clone();
    let before = store.events(&first).unwrap().len();
    let retry = engine::Command::Submit {
        application: first.clone(),
        regulation: "ekr-free-meals-tvet".into(),
        channel: regulation::ChannelId::Office,
        provider: "bench-provider".into(),
        applicant_iin: "100515500003".into(),
        applicant_name: String::new(),
        key: first.clone(),
        signature: None,
        reception: Default::default(),
        data: testkit::seed_ctx().sample_data(
            "ekr-free-meals-tvet",
            "2019-12-13T04:00:00Z".parse().unwrap(),
            0,
        ),
    };
    let o = store
        .execute(retry, "2019-12-13T04:00:00Z".parse().unwrap())
        .unwrap();
    assert!(
        o.replayed,
        "a retried submission must be answered from the first"
    );
    assert_eq!(store.events(&first).unwrap().len(), before);
    let report = store.verify_journal().unwrap();
    assert!(
        report.is_ok(),
        "journal broken after crashes: {:?}",
        report.broken
    );
    println!(
        "{rounds} kills: {} acknowledged submissions, {} acknowledged steps, journal of {} entries verified",
        submitted.len(),
        stepped.len(),
        report.entries
    );
}

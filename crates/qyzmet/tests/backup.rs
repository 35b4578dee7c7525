//! Operations on a data directory through the binary: an online backup taken while the store
//! writes and restored into a new directory; journal anchors catching a journal rewritten and
//! rehashed throughout; `/ready` turning 503 when the database file is removed under a
//! running server.
//!
//! The embedded store only, by nature: `qyzmet backup`/`restore` copy its file (`VACUUM
//! INTO`), `journal anchor` and `serve --anchor-file` read its file, and the file is what is
//! removed. A PostgreSQL store is backed up by PostgreSQL's own tools (`pg_dump`, base
//! backups), and no command writes its anchors yet (`docs/operations.md`).

mod common;

use common::serve::{Server, free_port, qyzmet};
use engine::Command;
use jiff::Timestamp;
use regulation::ChannelId;
use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use store::{SqliteStore, Store};
use testkit::{TempDir, seed_ctx, tempdir};

const REG: &str = "ekr-free-meals-tvet";

fn t0() -> Timestamp {
    "2019-12-03T04:00:00Z".parse().unwrap()
}

/// Valid application data, made once (parsing the catalogue per write would slow the writers).
fn sample() -> &'static engine::FormData {
    static DATA: std::sync::OnceLock<engine::FormData> = std::sync::OnceLock::new();
    DATA.get_or_init(|| seed_ctx().sample_data(REG, t0(), 0))
}

fn submit(store: &SqliteStore, id: &str) -> Result<(), store::StoreError> {
    let cmd = Command::Submit {
        application: id.into(),
        regulation: REG.into(),
        channel: ChannelId::StateCorporation,
        provider: "p1".into(),
        applicant_iin: "851231400001".into(),
        applicant_name: "Backup Test".into(),
        key: id.into(),
        signature: None,
        reception: Default::default(),
        data: sample().clone(),
    };
    store.execute(cmd, t0()).map(|_| ())
}

fn run(dir: &Path, args: &[&str]) -> (bool, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = qyzmet(dir).args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&stdout),
        String::from_utf8_lossy(&stderr)
    );
    (status.success(), text)
}

fn path(dir: &TempDir, name: &str) -> String {
    dir.path().join(name).display().to_string()
}

#[test]
fn a_backup_taken_while_writing_restores_every_application_acknowledged_before_it() {
    let dir = tempdir("qyzmet-backup");
    let data = path(&dir, "data");
    std::fs::create_dir_all(&data).unwrap();
    let store = Arc::new(SqliteStore::open(dir.path().join("data/qyzmet.db"), seed_ctx()).unwrap());
    for i in 0..50 {
        submit(&store, &format!("pre-{i}")).unwrap();
    }
    // Writers keep going during the backup.
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (store, acked, stop) = (store.clone(), acked.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let id = format!("live-{w}-{i}");
                    submit(&store, &id).unwrap();
                    acked.lock().unwrap().push(id);
                    i += 1;
                }
            })
        })
        .collect();
    while acked.lock().unwrap().len() < 20 {
        std::thread::sleep(Duration::from_millis(5));
    }
    let before: Vec<String> = acked.lock().unwrap().clone();
    let backup = path(&dir, "backup.db");
    let (ok, out) = run(
        dir.path(),
        &["backup", "--data-dir", &data, "--out", &backup],
    );
    assert!(ok, "{out}");
    assert!(out.contains("journal entries"), "{out}");
    let during = acked.lock().unwrap().len();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    assert!(
        during > before.len(),
        "writes went on during the backup ({} → {during})",
        before.len()
    );
    // A backup never overwrites.
    let (ok, out) = run(
        dir.path(),
        &["backup", "--data-dir", &data, "--out", &backup],
    );
    assert!(!ok && out.contains("exists"), "{out}");

    let restored = path(&dir, "restored");
    let (ok, out) = run(
        dir.path(),
        &["restore", "--from", &backup, "--data-dir", &restored],
    );
    assert!(ok, "{out}");
    assert!(out.contains("every hash chain holds"), "{out}");
    assert!(out.contains("0 difference(s)"), "{out}");
    // Not into a directory in use.
    let (ok, out) = run(
        dir.path(),
        &["restore", "--from", &backup, "--data-dir", &data],
    );
    assert!(!ok && out.contains("not empty"), "{out}");

    let db = format!("{restored}/qyzmet.db");
    let (ok, out) = run(dir.path(), &["journal", "verify", "--db", &db]);
    assert!(ok, "{out}");
    let (ok, out) = run(dir.path(), &["views", "rebuild", "--check", "--db", &db]);
    assert!(ok && out.contains("0 difference(s)"), "{out}");

    let copy = SqliteStore::open(&db, seed_ctx()).unwrap();
    let pre: Vec<String> = (0..50).map(|i| format!("pre-{i}")).collect();
    for id in pre.iter().chain(&before) {
        assert!(
            copy.application(id).unwrap().is_some(),
            "{id} was acknowledged before the backup started and is missing"
        );
    }
    println!(
        "backup: {} applications acknowledged before it started, {} by its end; restored \
         {} journal entries",
        50 + before.len(),
        50 + during,
        copy.journal_heads(&[]).unwrap().last.entries
    );
}

/// Rewrite one event and recompute every hash after it, view heads included: what someone
/// with write access to the file could do so that the chains alone hold.
fn rewrite_and_rehash(db: &Path, application: &str) {
    let c = rusqlite::Connection::open(db).unwrap();
    // Whoever can write the file can drop the append-only triggers too.
    c.execute_batch("DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;")
        .unwrap();
    let changed = c
        .execute(
            "UPDATE journal SET event = replace(event, 'Backup Test', 'Someone Else')
              WHERE application = ?1 AND app_seq = 1",
            [application],
        )
        .unwrap();
    assert_eq!(changed, 1);
    let rows: Vec<(i64, String, i64, String)> = {
        let mut s = c
            .prepare("SELECT seq, application, app_seq, event FROM journal ORDER BY seq")
            .unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let mut heads = std::collections::HashMap::<String, String>::new();
    for (seq, app, app_seq, event) in rows {
        let prev = heads
            .get(&app)
            .cloned()
            .unwrap_or_else(|| store::GENESIS.to_string());
        let hash = store::entry_hash(&prev, &app, app_seq, &event).unwrap();
        c.execute(
            "UPDATE journal SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
            rusqlite::params![prev, hash, seq],
        )
        .unwrap();
        heads.insert(app, hash);
    }
    for (app, head) in heads {
        c.execute(
            "UPDATE applications SET journal_head = ?1 WHERE id = ?2",
            [head, app],
        )
        .unwrap();
    }
}

#[test]
fn anchors_catch_a_journal_rewritten_and_rehashed_throughout() {
    let dir = tempdir("qyzmet-anchor");
    let data = path(&dir, "data");
    let db = dir.path().join("data/qyzmet.db");
    let anchors = path(&dir, "anchors.jsonl");
    std::fs::create_dir_all(&data).unwrap();
    let store = SqliteStore::open(&db, seed_ctx()).unwrap();
    for i in 0..3 {
        submit(&store, &format!("a-{i}")).unwrap();
    }
    let first = store.journal_heads(&[]).unwrap().last.seq;
    let (ok, out) = run(
        dir.path(),
        &["journal", "anchor", "--data-dir", &data, "--out", &anchors],
    );
    assert!(ok, "{out}");
    for i in 3..6 {
        submit(&store, &format!("a-{i}")).unwrap();
    }
    let second = store.journal_heads(&[]).unwrap().last.seq;
    let (ok, out) = run(
        dir.path(),
        &["journal", "anchor", "--data-dir", &data, "--out", &anchors],
    );
    assert!(ok, "{out}");
    assert_eq!(
        std::fs::read_to_string(&anchors).unwrap().lines().count(),
        2
    );
    assert!(dir.path().join("data/anchor-key.pem").is_file());
    drop(store);

    let db_arg = db.display().to_string();
    let (ok, out) = run(
        dir.path(),
        &["journal", "verify", "--db", &db_arg, "--anchor", &anchors],
    );
    assert!(ok && out.contains("anchors verified: 2"), "{out}");

    // a-4 was written after the first anchor, before the second.
    rewrite_and_rehash(&db, "a-4");
    let (ok, out) = run(dir.path(), &["journal", "verify", "--db", &db_arg]);
    assert!(
        ok && out.contains("every hash chain holds"),
        "the chains alone hold: {out}"
    );
    let (ok, out) = run(
        dir.path(),
        &["journal", "verify", "--db", &db_arg, "--anchor", &anchors],
    );
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!("up to entry #{second} differs"))
            && out.contains(&format!("after entry #{first}")),
        "names the anchored position and the last one that holds: {out}"
    );
    assert!(
        !out.contains("anchor line 1 "),
        "the first anchor still holds: {out}"
    );

    // An altered anchor line is caught by its signature.
    let text = std::fs::read_to_string(&anchors).unwrap();
    let forged = text.replacen("\"entries\":", "\"entries\":1", 1);
    std::fs::write(&anchors, forged).unwrap();
    let (ok, out) = run(
        dir.path(),
        &["journal", "verify", "--db", &db_arg, "--anchor", &anchors],
    );
    assert!(!ok && out.contains("signature does not verify"), "{out}");
}

#[test]
fn ready_answers_503_once_the_database_file_is_removed() {
    let dir = tempdir("qyzmet-ready");
    let port = free_port();
    let anchors = path(&dir, "anchors.jsonl");
    let mut cmd = qyzmet(dir.path());
    cmd.args([
        "serve",
        "--data-dir",
        "state",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--anchor-file",
        &anchors,
        "--anchor-every",
        "1",
    ]);
    let server = Server::start(cmd, port);
    let r = server.http("GET", "/ready", &[], "");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["store"]["state"], "ok", "{}", r.json());
    // The server anchors on its own.
    let started = Instant::now();
    while std::fs::read_to_string(&anchors).map_or(true, |t| t.lines().count() == 0) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no anchor written"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    std::fs::remove_file(dir.path().join("state/qyzmet.db")).unwrap();
    let started = Instant::now();
    let r = loop {
        let r = server.http("GET", "/ready", &[], "");
        if r.status != 200 || started.elapsed() > Duration::from_secs(10) {
            break r;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(r.status, 503, "{}", r.json());
    let j = r.json();
    assert_eq!(j["ready"], false);
    assert_eq!(j["store"]["state"], "gone", "{j}");
    assert!(
        j["store"]["detail"].as_str().unwrap().contains("qyzmet.db"),
        "{j}"
    );
    // Liveness stays 200 and tells the same.
    let r = server.http("GET", "/healthz", &[], "");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["store"]["state"], "gone");
}

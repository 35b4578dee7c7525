//! The SQLite store under file-system faults: its file deleted, replaced, made read-only, the
//! disk full. A write the store cannot keep is refused with a clear error and never
//! acknowledged; `health` says why. (PostgreSQL's faults — a lost connection — are in
//! `postgres.rs`.) Also the journal digest that anchors sign, on both stores.

mod common;

use common::*;
use regulation::ChannelId;
use std::time::{Duration, Instant};
use store::{HealthState, Options, SqliteStore, Store, StoreError};

fn open(dir: &TempDir) -> SqliteStore {
    SqliteStore::open(dir.db(), ctx()).unwrap()
}

fn submit_n(store: &SqliteStore, prefix: &str, n: usize) {
    for i in 0..n {
        let id = format!("{prefix}-{i}");
        store
            .execute(submit(&id, ChannelId::StateCorporation, &id), t0())
            .unwrap();
    }
}

fn refused(r: Result<store::Outcome, StoreError>, what: &str) -> String {
    match r {
        Err(StoreError::Db(m)) => {
            assert!(m.contains(what), "{m}");
            assert!(m.contains("nothing was written"), "{m}");
            m
        }
        other => panic!("expected a refusal naming `{what}`, got {other:?}"),
    }
}

#[test]
fn a_deleted_database_file_refuses_every_write_and_says_so() {
    let dir = tempdir("faults-unlink");
    let store = open(&dir);
    submit_n(&store, "a", 3);
    assert_eq!(store.health().state, HealthState::Ok);
    std::fs::remove_file(dir.db()).unwrap();
    let m = refused(
        store.execute(submit("a-9", ChannelId::StateCorporation, "a-9"), t0()),
        "deleted or moved",
    );
    assert!(m.contains("qyzmet.db"), "{m}");
    let h = store.health();
    assert_eq!(h.state, HealthState::Gone);
    assert!(!h.writable);
    // Still refused later: a vanished file does not come back by itself.
    refused(
        store.execute(submit("a-10", ChannelId::StateCorporation, "a-10"), t0()),
        "deleted or moved",
    );
    // Actions and outbox marks are refused alike.
    let action = store::Action::new(t0()).command(submit("a-11", ChannelId::Office, "a-11"));
    assert!(matches!(store.act(action), Err(StoreError::Db(_))));
}

#[test]
fn a_vanished_file_is_noticed_without_any_write() {
    let dir = tempdir("faults-idle");
    let store = open(&dir);
    submit_n(&store, "b", 1);
    std::fs::rename(dir.db(), dir.path().join("moved.db")).unwrap();
    let started = Instant::now();
    while store.health().state == HealthState::Ok && started.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        store.health().state,
        HealthState::Gone,
        "{:?}",
        store.health()
    );
}

#[test]
fn a_replaced_database_file_refuses_writes() {
    let dir = tempdir("faults-replace");
    let store = open(&dir);
    submit_n(&store, "c", 2);
    // Another (valid) database put in its place, as a careless restore would.
    let other = tempdir("faults-replace-other");
    drop(open(&other));
    std::fs::copy(other.db(), dir.path().join("new.db")).unwrap();
    std::fs::rename(dir.path().join("new.db"), dir.db()).unwrap();
    refused(
        store.execute(submit("c-9", ChannelId::StateCorporation, "c-9"), t0()),
        "replaced",
    );
    assert_eq!(store.health().state, HealthState::Replaced);
}

#[test]
fn a_deleted_write_ahead_log_refuses_writes() {
    let dir = tempdir("faults-wal");
    let store = open(&dir);
    submit_n(&store, "w", 2);
    let wal = dir.path().join("qyzmet.db-wal");
    assert!(wal.is_file());
    std::fs::remove_file(&wal).unwrap();
    refused(
        store.execute(submit("w-9", ChannelId::StateCorporation, "w-9"), t0()),
        "write-ahead log",
    );
}

#[test]
fn a_full_disk_refuses_writes_without_panicking() {
    let dir = tempdir("faults-full");
    // Room for the schema and little more: the size cap stands in for a full disk.
    let pages = {
        let s = open(&dir);
        drop(s);
        let c = rusqlite::Connection::open(dir.db()).unwrap();
        let n: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0)).unwrap();
        n as u64
    };
    let store = SqliteStore::open_with(
        dir.db(),
        ctx(),
        Options {
            max_pages: Some(pages + 2),
            ..Options::default()
        },
    )
    .unwrap();
    let mut refusal = None;
    for i in 0..2000 {
        let id = format!("f-{i}-{}", "x".repeat(200));
        match store.execute(submit(&id, ChannelId::StateCorporation, &id), t0()) {
            Ok(_) => {}
            Err(e) => {
                refusal = Some(e);
                break;
            }
        }
    }
    let e = refusal.expect("the size cap is reached");
    assert!(
        matches!(&e, StoreError::Db(m) if m.contains("full") && m.contains("nothing was written")),
        "{e:?}"
    );
    assert_eq!(store.health().state, HealthState::Full);
    // Reads go on.
    assert!(store.verify_journal().unwrap().is_ok());
}

#[test]
fn a_read_only_file_refuses_writes_and_recovers() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir("faults-ro");
    let store = open(&dir);
    submit_n(&store, "r", 1);
    std::fs::set_permissions(dir.db(), std::fs::Permissions::from_mode(0o444)).unwrap();
    if std::fs::OpenOptions::new()
        .write(true)
        .open(dir.db())
        .is_ok()
    {
        // Root ignores file modes, so this process cannot be refused. The read-only case is
        // proven where the server runs as `nobody`: server_crash.rs's fault test (CI runs it).
        std::fs::set_permissions(dir.db(), std::fs::Permissions::from_mode(0o644)).unwrap();
        eprintln!(
            "a_read_only_file_refuses_writes_and_recovers: running as root, file modes do not \
             bind; the read-only phase of qyzmet's server_crash fault test covers it"
        );
        return;
    }
    refused(
        store.execute(submit("r-9", ChannelId::StateCorporation, "r-9"), t0()),
        "cannot be written",
    );
    assert_eq!(store.health().state, HealthState::ReadOnly);
    std::fs::set_permissions(dir.db(), std::fs::Permissions::from_mode(0o644)).unwrap();
    store
        .execute(submit("r-10", ChannelId::StateCorporation, "r-10"), t0())
        .unwrap();
    assert_eq!(store.health().state, HealthState::Ok);
}

#[test]
fn journal_heads_fold_every_entry_and_notice_a_rehashed_rewrite() {
    each_db("faults-heads", |db| {
        let store = db.open(ctx());
        let submit_n = |prefix: &str, n: usize| {
            for i in 0..n {
                let id = format!("{prefix}-{i}");
                store
                    .execute(submit(&id, ChannelId::StateCorporation, &id), t0())
                    .unwrap();
            }
        };
        let empty = store.journal_heads(&[0]).unwrap();
        assert_eq!(empty.last.entries, 0);
        assert_eq!(empty.at[0].as_ref(), Some(&empty.last));
        submit_n("h", 4);
        let mid = store.journal_heads(&[]).unwrap().last;
        submit_n("i", 3);
        let heads = store.journal_heads(&[mid.seq, 10_000]).unwrap();
        assert_eq!(heads.at[0].as_ref(), Some(&mid));
        assert_eq!(heads.at[1], None, "beyond the end");
        assert!(heads.last.entries > mid.entries);
        // The same answer from the file, beside the live store.
        if !db.is_pg() {
            assert_eq!(
                SqliteStore::journal_heads_of(&db.dir.db(), &[mid.seq]).unwrap(),
                heads_without_last(&heads, 1)
            );
        }
    });
}

fn heads_without_last(h: &store::JournalHeads, keep: usize) -> store::JournalHeads {
    store::JournalHeads {
        at: h.at[..keep].to_vec(),
        last: h.last.clone(),
    }
}

//! The SQLite writer decides a batch while the one before it is still being written: a batch
//! decided on top of one that fails must not commit, a submission's key holds across batches
//! in flight, and the views stay equal to a rebuild from the journal.
//!
//! To have batches in flight for sure, a test holds the database's write lock from a
//! connection of its own: the store's commit waits for it (its busy timeout) while the writer
//! decides what is queued.

mod common;

use common::*;
use engine::Rejection;
use jiff::ToSpan;
use regulation::ChannelId;
use std::time::Duration;
use store::{SqliteStore, Store, StoreError};

/// Long enough for the writer to take what was queued (it needs microseconds).
const SETTLE: Duration = Duration::from_millis(150);

fn open(dir: &TempDir) -> SqliteStore {
    SqliteStore::open(dir.db(), ctx()).unwrap()
}

/// Take the write lock from another connection; dropping the connection releases it.
fn hold_writes(dir: &TempDir) -> rusqlite::Connection {
    let c = raw(&dir.db());
    c.execute_batch("BEGIN IMMEDIATE").unwrap();
    c
}

#[test]
fn a_batch_decided_on_a_failed_one_never_commits() {
    let dir = tempdir("pipe-fail");
    let store = open(&dir);
    let ctx = ctx();
    // What x will look like once submitted, to queue the completion of its first step.
    let template = store
        .execute(submit("template", ChannelId::Office, "template"), t0())
        .unwrap()
        .application;
    raw(&dir.db())
        .execute_batch(
            "CREATE TRIGGER poison BEFORE INSERT ON journal WHEN NEW.application = 'x'
             BEGIN SELECT RAISE(ABORT, 'poisoned'); END;",
        )
        .unwrap();
    let lock = hold_writes(&dir);
    // Batch 1: submit x, which cannot be written. Batch 2, decided while batch 1 waits for
    // the lock: complete x's first step (x exists in the writer's memory) and submit y.
    let x = store.enqueue(submit("x", ChannelId::Office, "x"), t0());
    std::thread::sleep(SETTLE);
    let probe = engine::Application {
        id: "x".into(),
        ..template.clone()
    };
    let next = store.enqueue(done(&ctx, &probe), t0() + 1.minutes());
    let y = store.enqueue(submit("y", ChannelId::Office, "y"), t0());
    std::thread::sleep(SETTLE);
    drop(lock);
    assert!(matches!(x.wait(), Err(StoreError::Db(m)) if m.contains("poisoned")));
    for r in [next.wait(), y.wait()] {
        match r {
            Err(StoreError::Db(m)) => {
                assert!(m.contains("an earlier batch"), "{m}");
                assert!(m.contains("nothing was written"), "{m}");
            }
            other => panic!("decided on a batch that failed, it must fail too: {other:?}"),
        }
    }
    // Two or three batches (y may have come after the writer took the completion).
    assert!((2..=3).contains(&store.stats().failed_batches));
    assert_eq!(store.application("x").unwrap(), None);
    assert_eq!(store.application("y").unwrap(), None);
    assert!(store.events("x").unwrap().is_empty());
    // The writer goes on from what is committed: x is unknown, y is new.
    assert!(matches!(
        store.execute(done(&ctx, &probe), t0() + 1.minutes()),
        Err(StoreError::Rejected(Rejection::NoSuchApplication { .. }))
    ));
    assert!(
        !store
            .execute(submit("y", ChannelId::Office, "y"), t0())
            .unwrap()
            .replayed
    );
    raw(&dir.db()).execute_batch("DROP TRIGGER poison").unwrap();
    let x = store
        .execute(submit("x", ChannelId::Office, "x"), t0())
        .unwrap();
    assert!(!x.replayed);
    store
        .execute(done(&ctx, &x.application), t0() + 1.minutes())
        .unwrap();
    assert_eq!(store.events("x").unwrap().len(), 2);
    assert!(store.verify_journal().unwrap().is_ok());
    assert_eq!(store.rebuild_views(false).unwrap().difference_count, 0);
}

#[test]
fn a_key_holds_across_batches_in_flight() {
    let dir = tempdir("pipe-key");
    let store = open(&dir);
    let ctx = ctx();
    let lock = hold_writes(&dir);
    // Two batches in flight: the first submits a, the second submits b with a's key.
    let a = store.enqueue(submit("a", ChannelId::Office, "k"), t0());
    std::thread::sleep(SETTLE);
    let b = store.enqueue(submit("b", ChannelId::Office, "k"), t0());
    std::thread::sleep(SETTLE);
    drop(lock);
    let (a, b) = (a.wait().unwrap(), b.wait().unwrap());
    assert!(!a.replayed && b.replayed);
    assert_eq!(b.application, a.application);
    assert_eq!(b.events, a.events);
    assert_eq!(store.application("b").unwrap(), None);
    // The next batches see what the earlier ones left, committed or not yet.
    let lock = hold_writes(&dir);
    let first = store.enqueue(done(&ctx, &a.application), t0() + 1.minutes());
    std::thread::sleep(SETTLE);
    let again = store.enqueue(done(&ctx, &a.application), t0() + 2.minutes());
    let retry = store.enqueue(submit("c", ChannelId::Office, "k"), t0());
    std::thread::sleep(SETTLE);
    drop(lock);
    assert_eq!(
        first.wait().unwrap().application.step,
        a.application.step + 1
    );
    assert!(matches!(
        again.wait(),
        Err(StoreError::Rejected(Rejection::WrongStep { .. }))
    ));
    let retry = retry.wait().unwrap();
    assert!(retry.replayed);
    assert_eq!(retry.events, a.events);
    assert!(store.verify_journal().unwrap().is_ok());
    assert_eq!(store.rebuild_views(false).unwrap().difference_count, 0);
}

//! `verify_journal` on a real file: a clean journal checks out; an entry altered by raw SQL,
//! an altered entry re-hashed to hide it, and a cut-off tail are each reported.

mod common;

use common::*;
use jiff::ToSpan;
use regulation::ChannelId;
use store::{Problem, SqliteStore, Store, entry_hash};

/// Three applications, interleaved in the journal: a-0 closed (4 entries), a-1 and a-2 at step 1.
fn populated(dir: &TempDir) -> SqliteStore {
    let store = SqliteStore::open(dir.db(), ctx()).unwrap();
    let ctx = ctx();
    let mut apps: Vec<_> = (0..3)
        .map(|i| {
            let id = format!("a-{i}");
            store
                .execute(submit(&id, ChannelId::Office, &id), t0())
                .unwrap()
                .application
        })
        .collect();
    for (i, app) in apps.iter_mut().enumerate() {
        *app = store
            .execute(done(&ctx, app), t0() + (i as i64 + 1).minutes())
            .unwrap()
            .application;
    }
    store
        .execute(done(&ctx, &apps[0]), t0() + 9.minutes())
        .unwrap();
    store
}

fn raw(dir: &TempDir) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.db()).unwrap()
}

/// Global seq of application `app`'s entry `n`.
fn seq_of(dir: &TempDir, app: &str, n: i64) -> i64 {
    raw(dir)
        .query_row(
            "SELECT seq FROM journal WHERE application = ?1 AND app_seq = ?2",
            rusqlite::params![app, n],
            |r| r.get(0),
        )
        .unwrap()
}

#[test]
fn a_clean_journal_checks_out() {
    let dir = tempdir("verify-clean");
    let store = populated(&dir);
    let report = store.verify_journal().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.entries, 3 + 3 + 2);
    assert_eq!(report.applications, 3);
}

#[test]
fn the_journal_refuses_updates_and_deletes() {
    let dir = tempdir("verify-append-only");
    let _store = populated(&dir);
    let c = raw(&dir);
    let err = c
        .execute("UPDATE journal SET event = '{}' WHERE seq = 1", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = c
        .execute("DELETE FROM journal WHERE seq = 1", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[test]
fn an_altered_entry_is_reported() {
    let dir = tempdir("verify-tamper");
    let store = populated(&dir);
    let target = seq_of(&dir, "a-1", 2);
    let c = raw(&dir);
    c.execute_batch("DROP TRIGGER journal_no_update").unwrap();
    let n = c
        .execute(
            "UPDATE journal SET event = replace(event, '\"role\":\"office_clerk\"', '\"role\":\"head\"')
              WHERE seq = ?1",
            [target],
        )
        .unwrap();
    assert_eq!(n, 1);
    let report = store.verify_journal().unwrap();
    let broken = report.broken.expect("the altered entry is found");
    assert_eq!(broken.seq, target);
    assert_eq!(broken.application, "a-1");
    assert_eq!(broken.app_seq, 2);
    assert!(matches!(broken.problem, Problem::Hash { .. }), "{broken}");
    assert!(broken.to_string().contains("altered"), "{broken}");
}

#[test]
fn an_altered_entry_with_a_recomputed_hash_breaks_the_next_link() {
    let dir = tempdir("verify-rehash");
    let store = populated(&dir);
    let target = seq_of(&dir, "a-0", 2);
    let c = raw(&dir);
    c.execute_batch("DROP TRIGGER journal_no_update").unwrap();
    let (prev, event): (String, String) = c
        .query_row(
            "SELECT prev_hash, event FROM journal WHERE seq = ?1",
            [target],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let forged = event.replace("office_clerk", "head");
    let hash = entry_hash(&prev, "a-0", 2, &forged).unwrap();
    c.execute(
        "UPDATE journal SET event = ?1, hash = ?2 WHERE seq = ?3",
        rusqlite::params![forged, hash, target],
    )
    .unwrap();
    let broken = store.verify_journal().unwrap().broken.unwrap();
    assert_eq!(broken.application, "a-0");
    assert_eq!(
        broken.app_seq, 3,
        "the next entry no longer links: {broken}"
    );
    assert_eq!(broken.seq, seq_of(&dir, "a-0", 3));
    assert!(matches!(broken.problem, Problem::PrevHash { .. }));
}

#[test]
fn a_cut_off_tail_is_reported() {
    let dir = tempdir("verify-tail");
    let store = populated(&dir);
    let last = seq_of(&dir, "a-2", 2);
    let c = raw(&dir);
    c.execute_batch("DROP TRIGGER journal_no_delete").unwrap();
    c.execute("DELETE FROM journal WHERE seq = ?1", [last])
        .unwrap();
    let broken = store.verify_journal().unwrap().broken.unwrap();
    assert_eq!(broken.application, "a-2");
    assert!(
        matches!(
            broken.problem,
            Problem::Head {
                view_seq: 2,
                journal_seq: 1,
                ..
            }
        ),
        "{broken}"
    );
}

#[test]
fn a_missing_middle_entry_is_reported() {
    let dir = tempdir("verify-gap");
    let store = populated(&dir);
    let gap = seq_of(&dir, "a-0", 2);
    let c = raw(&dir);
    c.execute_batch("DROP TRIGGER journal_no_delete").unwrap();
    c.execute("DELETE FROM journal WHERE seq = ?1", [gap])
        .unwrap();
    let broken = store.verify_journal().unwrap().broken.unwrap();
    assert_eq!(broken.seq, seq_of(&dir, "a-0", 3));
    assert!(matches!(
        broken.problem,
        Problem::Sequence {
            expected: 2,
            found: 3
        }
    ));
}

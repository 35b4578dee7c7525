//! `verify_journal` on each store: a clean journal checks out; an entry altered by raw SQL,
//! an altered entry re-hashed to hide it, and a cut-off tail are each reported.

mod common;

use common::*;
use jiff::ToSpan;
use regulation::ChannelId;
use std::sync::Arc;
use store::{Problem, Store, entry_hash};

/// Three applications, interleaved in the journal: a-0 closed (4 entries), a-1 and a-2 at step 1.
fn populated(db: &Db) -> Arc<dyn Store> {
    let store = db.open(ctx());
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

/// Global seq of application `app`'s entry `n`.
fn seq_of(db: &Db, app: &str, n: i64) -> i64 {
    db.count(&format!(
        "SELECT seq FROM journal WHERE application = '{app}' AND app_seq = {n}"
    ))
}

/// Drop the journal's append-only trigger `name` (as an intruder with the database would).
fn drop_trigger(db: &Db, name: &str) {
    db.batch(
        &format!("DROP TRIGGER {name}"),
        &format!("DROP TRIGGER {name} ON journal"),
    );
}

#[test]
fn a_clean_journal_checks_out() {
    each_db("verify-clean", |db| {
        let store = populated(db);
        let report = store.verify_journal().unwrap();
        assert!(report.is_ok(), "{report:?}");
        assert_eq!(report.entries, 3 + 3 + 2);
        assert_eq!(report.applications, 3);
    });
}

#[test]
fn the_journal_refuses_updates_and_deletes() {
    each_db("verify-append-only", |db| {
        let _store = populated(db);
        let err = db
            .try_exec("UPDATE journal SET event = '{}' WHERE seq = 1")
            .unwrap_err();
        assert!(err.contains("append-only"), "{err}");
        let err = db
            .try_exec("DELETE FROM journal WHERE seq = 1")
            .unwrap_err();
        assert!(err.contains("append-only"), "{err}");
    });
}

#[test]
fn an_altered_entry_is_reported() {
    each_db("verify-tamper", |db| {
        let store = populated(db);
        let target = seq_of(db, "a-1", 2);
        drop_trigger(db, "journal_no_update");
        let n = db.exec(&format!(
        "UPDATE journal SET event = replace(event, '\"role\":\"office_clerk\"', '\"role\":\"head\"')
          WHERE seq = {target}"
    ));
        assert_eq!(n, 1);
        let report = store.verify_journal().unwrap();
        let broken = report.broken.expect("the altered entry is found");
        assert_eq!(broken.seq, target);
        assert_eq!(broken.application, "a-1");
        assert_eq!(broken.app_seq, 2);
        assert!(matches!(broken.problem, Problem::Hash { .. }), "{broken}");
        assert!(broken.to_string().contains("altered"), "{broken}");
    });
}

#[test]
fn an_altered_entry_with_a_recomputed_hash_breaks_the_next_link() {
    each_db("verify-rehash", |db| {
        let store = populated(db);
        let target = seq_of(db, "a-0", 2);
        drop_trigger(db, "journal_no_update");
        let prev = db.text(&format!(
            "SELECT prev_hash FROM journal WHERE seq = {target}"
        ));
        let event = db.text(&format!("SELECT event FROM journal WHERE seq = {target}"));
        let forged = event.replace("office_clerk", "head");
        let hash = entry_hash(&prev, "a-0", 2, &forged).unwrap();
        db.exec(&format!(
            "UPDATE journal SET event = '{}', hash = '{hash}' WHERE seq = {target}",
            forged.replace('\'', "''")
        ));
        let broken = store.verify_journal().unwrap().broken.unwrap();
        assert_eq!(broken.application, "a-0");
        assert_eq!(
            broken.app_seq, 3,
            "the next entry no longer links: {broken}"
        );
        assert_eq!(broken.seq, seq_of(db, "a-0", 3));
        assert!(matches!(broken.problem, Problem::PrevHash { .. }));
    });
}

#[test]
fn a_cut_off_tail_is_reported() {
    each_db("verify-tail", |db| {
        let store = populated(db);
        let last = seq_of(db, "a-2", 2);
        drop_trigger(db, "journal_no_delete");
        db.exec(&format!("DELETE FROM journal WHERE seq = {last}"));
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
    });
}

#[test]
fn a_missing_middle_entry_is_reported() {
    each_db("verify-gap", |db| {
        let store = populated(db);
        let gap = seq_of(db, "a-0", 2);
        drop_trigger(db, "journal_no_delete");
        db.exec(&format!("DELETE FROM journal WHERE seq = {gap}"));
        let broken = store.verify_journal().unwrap().broken.unwrap();
        assert_eq!(broken.seq, seq_of(db, "a-0", 3));
        assert!(matches!(
            broken.problem,
            Problem::Sequence {
                expected: 2,
                found: 3
            }
        ));
    });
}

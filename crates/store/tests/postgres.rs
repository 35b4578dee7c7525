//! What only the PostgreSQL store has: several stores (nodes) on one schema racing on the same
//! applications, its schema migrations, a lost connection, and the same journal digests as
//! SQLite for the same history. Needs PostgreSQL (`QYZMET_TEST_PG`, else 127.0.0.1:5432):
//! under CI its absence fails these tests, elsewhere they say so and pass.

mod common;

use common::*;
use engine::{Event, Rejection, Status};
use jiff::ToSpan;
use regulation::ChannelId;
use std::collections::HashMap;
use std::sync::{Arc, Barrier, Mutex};
use store::{PgOptions, PgStore, Store, StoreError, pg_schema};

/// Acknowledged outcomes: application, replayed, events.
type Acked = Arc<Mutex<Vec<(String, bool, Vec<Event>)>>>;

/// A fresh schema, or None (said why) when PostgreSQL is not there.
fn pg(tag: &str) -> Option<Db> {
    let db = dbs(tag).into_iter().find(|d| d.is_pg())?;
    db.announce(tag);
    Some(db)
}

#[test]
fn two_stores_on_one_schema_racing_on_the_same_applications_lose_nothing() {
    let Some(db) = pg("pg-race") else { return };
    let ctx = ctx();
    // Two nodes, small batches so that many transactions interleave.
    let options = PgOptions {
        max_batch: 8,
        ..PgOptions::default()
    };
    let nodes: Vec<Arc<PgStore>> = (0..2)
        .map(|_| Arc::new(db.open_pg(ctx.clone(), options.clone())))
        .collect();
    const APPS: usize = 24;
    const THREADS: usize = 3;
    let ids: Vec<String> = (0..APPS).map(|i| format!("race-{i}")).collect();
    // Every acknowledged outcome: (application, first event) per success.
    let acked: Acked = Arc::default();
    let barrier = Arc::new(Barrier::new(2 * THREADS));
    let mut handles = vec![];
    for (n, node) in nodes.iter().enumerate() {
        for t in 0..THREADS {
            let (node, ids, acked, barrier, ctx) = (
                node.clone(),
                ids.clone(),
                acked.clone(),
                barrier.clone(),
                ctx.clone(),
            );
            handles.push(std::thread::spawn(move || {
                barrier.wait();
                // Every thread of both nodes submits every application under its one key…
                for id in &ids {
                    let o = node
                        .execute(submit(id, ChannelId::Office, id), t0())
                        .unwrap();
                    acked
                        .lock()
                        .unwrap()
                        .push((id.clone(), o.replayed, o.events));
                }
                // … then completes whatever step each is at, until all are closed.
                let mut round = 0i64;
                loop {
                    round += 1;
                    let mut open = 0;
                    for (k, id) in ids.iter().enumerate() {
                        if (k + t + n) % 2 == 0 && round % 2 == 0 {
                            continue;
                        }
                        let app = node.application(id).unwrap().unwrap();
                        if app.status == Status::Closed {
                            continue;
                        }
                        open += 1;
                        match node.execute(done(&ctx, &app), t0() + round.minutes()) {
                            Ok(o) => acked.lock().unwrap().push((id.clone(), false, o.events)),
                            Err(StoreError::Rejected(Rejection::WrongStep { .. })) => {}
                            Err(StoreError::Rejected(Rejection::ApplicationClosed { .. })) => {}
                            Err(e) => panic!("node {n}: {id}: {e}"),
                        }
                    }
                    if open == 0 {
                        break;
                    }
                    assert!(round < 200, "the race does not end");
                }
            }));
        }
    }
    for h in handles {
        h.join().unwrap();
    }
    let acked = acked.lock().unwrap();
    let store = &nodes[0];
    let mut written: HashMap<&str, usize> = HashMap::new();
    for (id, replayed, events) in acked.iter() {
        if !replayed {
            *written.entry(id).or_default() += events.len();
        }
    }
    for id in &ids {
        let journal = store.events(id).unwrap();
        // Each application submitted once (the others were replays of it) …
        let firsts = acked
            .iter()
            .filter(|(a, r, e)| a == id && !r && matches!(e[0], Event::Submitted { .. }))
            .count();
        assert_eq!(firsts, 1, "{id}: submitted once");
        // … and every acknowledged event is in its journal once, nothing else is.
        assert_eq!(written[id.as_str()], journal.len(), "{id}");
        let mut mine: Vec<&Event> = acked
            .iter()
            .filter(|(a, r, _)| a == id && !r)
            .flat_map(|(_, _, e)| e)
            .collect();
        let mut stored: Vec<&Event> = journal.iter().collect();
        let key = |e: &&Event| serde_json::to_string(e).unwrap();
        mine.sort_by_key(key);
        stored.sort_by_key(key);
        assert_eq!(mine, stored, "{id}");
        assert_eq!(
            store.application(id).unwrap().unwrap().status,
            Status::Closed
        );
    }
    assert_eq!(
        db.count("SELECT COUNT(*) FROM idempotency"),
        APPS as i64,
        "one key per application"
    );
    let report = store.verify_journal().unwrap();
    assert!(report.is_ok(), "{report:?}");
    assert_eq!(report.applications, APPS as u64);
    // The views of both nodes' writes equal a rebuild from the journal.
    let rebuilt = nodes[1].rebuild_views(false).unwrap();
    assert_eq!(rebuilt.difference_count, 0, "{:?}", rebuilt.differences);
    let s: Vec<_> = nodes.iter().map(|n| n.stats()).collect();
    assert_eq!(s[0].failed_batches + s[1].failed_batches, 0, "{s:?}");
}

#[test]
fn a_fresh_schema_is_migrated_once_even_by_stores_opening_together() {
    let Some(db) = pg("pg-migrate") else { return };
    let barrier = Arc::new(Barrier::new(3));
    let opened: Vec<_> = (0..3)
        .map(|_| {
            let (barrier, schema) = (barrier.clone(), db.schema.clone().unwrap());
            std::thread::spawn(move || {
                barrier.wait();
                PgStore::open(&pg_url(), &schema, ctx()).unwrap()
            })
        })
        .collect();
    let stores: Vec<PgStore> = opened.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(stores[0].schema_version().unwrap(), pg_schema::LATEST);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM schema_migrations"),
        i64::from(pg_schema::LATEST)
    );
    stores[1]
        .execute(submit("m-1", ChannelId::Office, "m-1"), t0())
        .unwrap();
    assert!(stores[2].application("m-1").unwrap().is_some());
    drop(stores);
    // A schema newer than the build is refused, naming both versions.
    db.exec(&format!(
        "INSERT INTO schema_migrations (version) VALUES ({})",
        pg_schema::LATEST + 1
    ));
    let err = PgStore::open(&pg_url(), db.schema.as_ref().unwrap(), ctx())
        .err()
        .expect("refused");
    assert!(err.to_string().contains("newer"), "{err}");
}

#[test]
fn bad_places_are_refused_with_the_rule() {
    let Some(_db) = pg("pg-bad") else { return };
    let err = PgStore::open(&pg_url(), "Bad-Name", ctx())
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("schema `Bad-Name`") && err.to_string().contains("lower-case"),
        "{err}"
    );
    let err = PgStore::open(
        "postgres://postgres:secret@127.0.0.1:1/test",
        "qz_nowhere",
        ctx(),
    )
    .err()
    .expect("refused");
    let m = err.to_string();
    assert!(m.contains("cannot connect to PostgreSQL"), "{m}");
    assert!(!m.contains("secret"), "no password in messages: {m}");
}

#[test]
fn a_lost_connection_loses_nothing_and_the_store_writes_again() {
    let Some(db) = pg("pg-lost") else { return };
    let store = db.open(ctx());
    store
        .execute(submit("l-1", ChannelId::Office, "l-1"), t0())
        .unwrap();
    // The server ends every connection of this store (a restart, a failover).
    let schema = db.schema.clone().unwrap();
    let killed = db.count(&format!(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
          WHERE application_name = 'qyzmet {schema}'"
    ));
    assert!(killed >= 1, "the writer's connection was there");
    // The next batch finds its connection gone before committing, reconnects and runs.
    let o = store
        .execute(submit("l-2", ChannelId::Office, "l-2"), t0())
        .unwrap();
    assert!(!o.replayed);
    assert_eq!(store.health().state, store::HealthState::Ok);
    // Readers reconnect too.
    assert!(store.application("l-1").unwrap().is_some());
    db.count(&format!(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
          WHERE application_name = 'qyzmet {schema}'"
    ));
    assert!(store.application("l-2").unwrap().is_some());
    assert!(store.verify_journal().unwrap().is_ok());
    assert_eq!(store.events("l-2").unwrap().len(), 1);
}

#[test]
fn the_same_history_gives_the_same_chains_and_digests_on_both_stores() {
    let places = dbs("pg-digest");
    if places.len() < 2 {
        return;
    }
    let ctx = ctx();
    let heads: Vec<store::JournalHeads> = places
        .iter()
        .map(|db| {
            db.announce("pg-digest");
            let store = db.open(ctx.clone());
            for i in 0..4 {
                let id = format!("h-{i}");
                let a = store
                    .execute(submit(&id, ChannelId::StateCorporation, &id), t0())
                    .unwrap();
                store
                    .execute(done(&ctx, &a.application), t0() + (i + 1).minutes())
                    .unwrap();
            }
            assert!(store.verify_journal().unwrap().is_ok());
            store.journal_heads(&[3, 5, 100]).unwrap()
        })
        .collect();
    assert_eq!(heads[0], heads[1]);
    assert_eq!(heads[0].last.entries, 8);
    assert!(heads[0].at[0].is_some() && heads[0].at[2].is_none());
}

#[test]
fn each_applications_queued_commands_are_decided_in_order_across_writers() {
    let Some(db) = pg("pg-writers") else { return };
    let ctx = ctx();
    let store = db.open_pg(
        ctx.clone(),
        PgOptions {
            writers: 3,
            max_batch: 16,
            ..PgOptions::default()
        },
    );
    // The office plan's steps, completed as their roles (nothing waits for an answer, so
    // every command must reach its application in the order it was queued).
    let plan = ctx.plan(REGULATION, 1, ChannelId::Office).unwrap();
    let steps: Vec<_> = plan.steps.iter().filter(|s| !s.only_on_failure).collect();
    const APPS: usize = 40;
    let mut tickets = vec![];
    for (k, s) in std::iter::once(None)
        .chain(steps.iter().map(Some))
        .enumerate()
    {
        for i in 0..APPS {
            let id = format!("w-{i}");
            let cmd = match s {
                None => submit(&id, ChannelId::Office, &id),
                Some(s) => engine::Command::Complete {
                    application: id.clone(),
                    step: s.index,
                    actor: engine::Actor {
                        role: s.role.clone(),
                        org: PROVIDER.into(),
                    },
                    outcome: engine::Outcome::Done,
                    presented: Some(engine::Presented::IdentityDocument),
                },
            };
            tickets.push((id, k, store.enqueue(cmd, t0() + (k as i64).minutes())));
        }
    }
    for (id, k, t) in tickets {
        t.wait()
            .unwrap_or_else(|e| panic!("{id}, command {k}: {e}"));
    }
    for i in 0..APPS {
        let app = store.application(&format!("w-{i}")).unwrap().unwrap();
        assert_eq!(app.status, Status::Closed, "w-{i}");
    }
    let s = store.stats();
    assert_eq!(s.commands as usize, APPS * (1 + steps.len()));
    assert!(s.transactions >= 3, "the writers each committed: {s:?}");
    assert!(store.verify_journal().unwrap().is_ok());
    let rebuilt = store.rebuild_views(false).unwrap();
    assert_eq!(rebuilt.difference_count, 0, "{:?}", rebuilt.differences);
}

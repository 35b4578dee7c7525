//! Opening a database written at an older schema version upgrades it in place: data kept,
//! new columns backfilled, and the store works on it.

mod common;

use common::*;
use engine::{Application, Event, Status, apply, decide};
use jiff::ToSpan;
use regulation::ChannelId;
use store::{GENESIS, SqliteStore, Store, entry_hash, schema};

/// Write a closed application as a v1 store would have: journal chain + v1 view columns.
fn write_v1(conn: &rusqlite::Connection, id: &str) -> Application {
    let ctx = ctx();
    let mut events: Vec<Event> =
        decide(None, &submit(id, ChannelId::Office, id), t0(), &ctx).unwrap();
    let mut app = apply(None, &events[0], &ctx).unwrap();
    while app.status != Status::Closed {
        let now = app.step_started + 2.minutes();
        let more = decide(Some(&app), &done(&ctx, &app), now, &ctx).unwrap();
        for e in &more {
            app = apply(Some(app), e, &ctx).unwrap();
        }
        events.extend(more);
    }
    let mut prev = GENESIS.to_string();
    for (i, e) in events.iter().enumerate() {
        let json = serde_json::to_string(e).unwrap();
        let n = i as i64 + 1;
        let hash = entry_hash(&prev, id, n, &json).unwrap();
        conn.execute(
            "INSERT INTO journal (application, app_seq, event, at, prev_hash, hash)
             VALUES (?1, ?2, ?3, '2019-12-02T04:00:00.000Z', ?4, ?5)",
            rusqlite::params![id, n, json, prev, hash],
        )
        .unwrap();
        prev = hash;
    }
    conn.execute(
        "INSERT INTO applications (id, regulation, version, channel, provider, status, step,
             step_due, term_due, app_seq, journal_head, updated_at, state)
         VALUES (?1, ?2, 1, 'office', ?3, 'closed', ?4, NULL, NULL, ?5, ?6,
                 '2019-12-02T04:00:00.000Z', ?7)",
        rusqlite::params![
            id,
            REGULATION,
            PROVIDER,
            app.step as i64,
            events.len() as i64,
            prev,
            serde_json::to_string(&app).unwrap()
        ],
    )
    .unwrap();
    app
}

#[test]
fn opening_a_v1_database_upgrades_it() {
    let dir = tempdir("migrate");
    let old = {
        let mut conn = rusqlite::Connection::open(dir.db()).unwrap();
        assert_eq!(schema::migrate_to(&mut conn, 1).unwrap(), vec![1]);
        write_v1(&conn, "old-1")
    };
    let store = SqliteStore::open(dir.db(), ctx()).unwrap();
    assert_eq!(store.schema_version().unwrap(), schema::LATEST);
    const { assert!(schema::LATEST >= 2) };
    // Data kept, the v2 column backfilled from the state JSON.
    assert_eq!(store.application("old-1").unwrap(), Some(old.clone()));
    let closed_at: String = rusqlite::Connection::open(dir.db())
        .unwrap()
        .query_row(
            "SELECT closed_at FROM applications WHERE id = 'old-1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        closed_at,
        old.closed_at
            .unwrap()
            .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string()
    );
    assert!(store.verify_journal().unwrap().is_ok());
    // And the upgraded database takes new work.
    store
        .execute(submit("new-1", ChannelId::Office, "new-1"), t0())
        .unwrap();
    assert_eq!(store.open_applications().unwrap().len(), 1);
    drop(store);
    // Reopening applies nothing more.
    let mut conn = rusqlite::Connection::open(dir.db()).unwrap();
    assert!(schema::migrate(&mut conn).unwrap().is_empty());
}

#[test]
fn a_database_newer_than_the_build_is_refused() {
    let dir = tempdir("too-new");
    {
        let mut conn = rusqlite::Connection::open(dir.db()).unwrap();
        schema::migrate(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO schema_migrations (version) VALUES (?1)",
            [schema::LATEST + 1],
        )
        .unwrap();
    }
    let err = SqliteStore::open(dir.db(), ctx()).err().expect("refused");
    assert!(err.to_string().contains("newer"), "{err}");
}

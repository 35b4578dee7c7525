//! Opening a database written at an older schema version upgrades it in place: data kept,
//! new columns backfilled, and the store works on it — a SQLite file from its v1, and a
//! PostgreSQL schema from the PostgreSQL store's own v1 (its fresh schemas, migrated once by
//! stores opening together, and a newer one refused: `tests/postgres.rs`).

mod common;

use common::*;
use engine::{Application, Event, Status, apply, decide};
use jiff::ToSpan;
use regulation::ChannelId;
use store::{GENESIS, PgStore, SqliteStore, Store, entry_hash, pg_schema, schema};

/// The events of an office application walked to its end, and the application.
fn closed_history(id: &str) -> (Vec<Event>, Application) {
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
    (events, app)
}

/// Write a closed application as a v1 store would have: journal chain + v1 view columns.
fn write_v1(conn: &rusqlite::Connection, id: &str) -> Application {
    let (events, app) = closed_history(id);
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

/// SQL text literal.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[test]
fn opening_a_v1_postgres_schema_upgrades_it() {
    let Some(db) = dbs("pg-v1").into_iter().find(|d| d.is_pg()) else {
        return;
    };
    db.announce("pg-v1");
    let schema = db.schema.clone().unwrap();
    // The schema as the PostgreSQL store's v1 made it.
    db.batch(
        "",
        &format!(
            "CREATE SCHEMA \"{schema}\"; SET search_path TO \"{schema}\";
             CREATE TABLE schema_migrations (
                 version    BIGINT PRIMARY KEY,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             );
             {}
             INSERT INTO schema_migrations (version) VALUES (1);",
            pg_schema::MIGRATIONS[0]
        ),
    );
    // A closed application written by v1: its journal, its row and an outbox entry not yet
    // published (v1 knew no claims); its list row and aggregates to be rebuilt on open.
    let (events, old) = closed_history("old-1");
    let mut prev = GENESIS.to_string();
    for (i, e) in events.iter().enumerate() {
        let json = serde_json::to_string(e).unwrap();
        let n = i as i64 + 1;
        let hash = entry_hash(&prev, "old-1", n, &json).unwrap();
        db.exec(&format!(
            "INSERT INTO journal (application, app_seq, event, at, prev_hash, hash)
             VALUES ('old-1', {n}, {}, '2019-12-02T04:00:00.000Z', {}, {})",
            lit(&json),
            lit(&prev),
            lit(&hash)
        ));
        prev = hash;
    }
    let at = |t: Option<jiff::Timestamp>| {
        t.map(|t| lit(&t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()))
            .unwrap_or_else(|| "NULL".into())
    };
    db.exec(&format!(
        "INSERT INTO applications (id, regulation, version, channel, provider, status, step,
             step_due, term_due, closed_at, app_seq, journal_head, updated_at, state)
         VALUES ('old-1', '{REGULATION}', 1, 'office', '{PROVIDER}', 'closed', {}, NULL, {},
                 {}, {}, {}, '2019-12-02T04:00:00.000Z', {})",
        old.step,
        at(old.term_due),
        at(old.closed_at),
        events.len(),
        lit(&prev),
        lit(&serde_json::to_string(&old).unwrap())
    ));
    let last = db.count("SELECT MAX(seq) FROM journal");
    db.exec(&format!(
        "INSERT INTO outbox (journal_seq, application, created_at)
         VALUES ({last}, 'old-1', '2019-12-02T04:00:00.000Z')"
    ));
    db.exec("UPDATE meta SET value = '1' WHERE key = 'views_stale'");

    let store = db.open_pg(ctx(), store::PgOptions::default());
    assert_eq!(store.schema_version().unwrap(), pg_schema::LATEST);
    const { assert!(pg_schema::LATEST >= 2) };
    // Data kept; the list row rebuilt from the journal; the v1 outbox entry claimable.
    assert_eq!(store.application("old-1").unwrap(), Some(old.clone()));
    assert_eq!(
        store.list_row("old-1").unwrap().map(|r| r.status),
        Some("closed".to_string())
    );
    assert!(store.verify_journal().unwrap().is_ok());
    let claimed = store
        .claim_outbox("node-a", 10, std::time::Duration::from_secs(30))
        .unwrap();
    assert_eq!(
        claimed
            .iter()
            .map(|e| (e.application.as_str(), e.journal_seq))
            .collect::<Vec<_>>(),
        [("old-1", last)]
    );
    // And the upgraded schema takes new work.
    store
        .execute(submit("new-1", ChannelId::Office, "new-1"), t0())
        .unwrap();
    assert_eq!(store.open_applications().unwrap().len(), 1);
    drop(store);
    // Reopening applies nothing more.
    let again = PgStore::open(&pg_url(), &schema, ctx()).unwrap();
    assert_eq!(again.schema_version().unwrap(), pg_schema::LATEST);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM schema_migrations"),
        i64::from(pg_schema::LATEST)
    );
}

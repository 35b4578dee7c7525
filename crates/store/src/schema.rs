//! The SQLite schema as an ordered list of migrations, and the code that brings a database
//! up to date when it is opened.
//!
//! Migration `i` (0-based) takes a database from schema version `i` to `i + 1`; the versions
//! applied are rows of `schema_migrations`. All pending migrations run in one transaction, so
//! a database is never left half-upgraded. Never edit a released migration: append a new one.
//! Not for: data fixes that need the engine (views are derived from the journal; a migration
//! that changes how they are derived must be able to do it in SQL).
//!
//! Instants in columns are fixed-width UTC text (`2019-12-02T04:00:00.000Z`); `state` and
//! `event` columns hold the engine's serde JSON.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// The migrations, in order. The schema version of a database is the number applied.
pub const MIGRATIONS: &[&str] = &[
    // v1: journal, views, outbox, idempotency.
    r#"
    CREATE TABLE journal (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,  -- global order
        application TEXT    NOT NULL,
        app_seq     INTEGER NOT NULL,                   -- 1, 2, ... per application
        event       TEXT    NOT NULL,                   -- engine::Event as JSON, hashed as stored
        at          TEXT    NOT NULL,                   -- the command's `now`
        prev_hash   TEXT    NOT NULL,                   -- hash of the application's previous entry
        hash        TEXT    NOT NULL,
        UNIQUE (application, app_seq)
    );
    CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;
    CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
        BEGIN SELECT RAISE(ABORT, 'the journal is append-only'); END;

    CREATE TABLE applications (
        id           TEXT PRIMARY KEY,
        regulation   TEXT    NOT NULL,
        version      INTEGER NOT NULL,                  -- the regulation version pinned
        channel      TEXT    NOT NULL,
        provider     TEXT    NOT NULL,
        status       TEXT    NOT NULL,                  -- engine::Status, snake_case
        step         INTEGER NOT NULL,
        step_due     TEXT,
        term_due     TEXT,
        app_seq      INTEGER NOT NULL,                  -- journal entries so far
        journal_head TEXT    NOT NULL,                  -- hash of the last one
        updated_at   TEXT    NOT NULL,
        state        TEXT    NOT NULL                   -- engine::Application as JSON
    );

    -- Exactly one row per open application: who must act now.
    CREATE TABLE tasks (
        application TEXT PRIMARY KEY,
        org         TEXT    NOT NULL,
        role        TEXT    NOT NULL,
        step        INTEGER NOT NULL,
        step_due    TEXT,
        term_due    TEXT,
        status      TEXT    NOT NULL,
        regulation  TEXT    NOT NULL,
        version     INTEGER NOT NULL,
        provider    TEXT    NOT NULL
    );
    CREATE INDEX tasks_queue ON tasks (org, role, step_due);

    CREATE TABLE outbox (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        journal_seq  INTEGER NOT NULL,
        application  TEXT    NOT NULL,
        event        TEXT    NOT NULL,
        created_at   TEXT    NOT NULL,
        published_at TEXT
    );

    CREATE TABLE idempotency (
        key         TEXT PRIMARY KEY,
        application TEXT NOT NULL,
        result      TEXT NOT NULL,                      -- {"events": [...], "application": {...}}
        created_at  TEXT NOT NULL
    );
    "#,
    // v2: when an application closed, as a column (backfilled from the state JSON), and the
    // indexes behind deadline listings and the outbox dispatcher.
    r#"
    ALTER TABLE applications ADD COLUMN closed_at TEXT;
    UPDATE applications
       SET closed_at = strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(state, '$.closed_at'))
     WHERE json_extract(state, '$.closed_at') IS NOT NULL;
    CREATE INDEX applications_open ON applications (step_due) WHERE status <> 'closed';
    CREATE INDEX outbox_pending ON outbox (id) WHERE published_at IS NULL;
    "#,
    // v3: everything the server keeps beside the journal (formerly a second database,
    // `accounts.db`), and the read models: list rows and monitoring aggregates. `tasks` is
    // replaced by the list rows' holder columns. The read models start empty and are
    // rebuilt from the journal on open (`meta.views_stale`).
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta (key, value) VALUES ('views_stale', '1');

    CREATE TABLE orgs (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL,            -- provider | state_corporation | system
        provider_type TEXT,                     -- a regulation's [[providers]] id
        name_kk       TEXT NOT NULL,
        name_ru       TEXT NOT NULL,
        name_en       TEXT NOT NULL
    );
    CREATE TABLE accounts (
        id           INTEGER PRIMARY KEY,
        login        TEXT NOT NULL UNIQUE,
        kind         TEXT NOT NULL,             -- citizen | staff | monitor | admin
        iin          TEXT UNIQUE,
        name         TEXT NOT NULL,
        org          TEXT,
        roles        TEXT NOT NULL DEFAULT '',  -- comma-separated role ids
        phone        TEXT,
        password     TEXT NOT NULL,             -- argon2id PHC string
        failed       INTEGER NOT NULL DEFAULT 0,
        locked_until TEXT,
        created_at   TEXT NOT NULL
    );
    CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY,
        account    INTEGER NOT NULL REFERENCES accounts(id),
        csrf       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
    );
    CREATE TABLE api_tokens (
        id         INTEGER PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        account    INTEGER NOT NULL REFERENCES accounts(id),
        name       TEXT NOT NULL,
        scopes     TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
    );
    CREATE INDEX api_tokens_account ON api_tokens (account, id);
    CREATE TABLE notes (
        id          INTEGER PRIMARY KEY,
        application TEXT NOT NULL,
        step        INTEGER NOT NULL,
        login       TEXT NOT NULL,
        name        TEXT NOT NULL,
        outcome     TEXT NOT NULL,
        note        TEXT NOT NULL,
        at          TEXT NOT NULL
    );
    CREATE INDEX notes_application ON notes (application, id);
    CREATE TABLE documents (
        code         TEXT PRIMARY KEY,
        application  TEXT NOT NULL,
        kind         TEXT NOT NULL,
        lang         TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        issued_at    TEXT NOT NULL
    );
    CREATE INDEX documents_hash ON documents (content_hash, issued_at);
    CREATE TABLE notifications (
        id          INTEGER PRIMARY KEY,
        outbox_id   INTEGER NOT NULL,
        application TEXT NOT NULL,
        channel     TEXT NOT NULL,
        recipient   TEXT NOT NULL,
        message     TEXT NOT NULL,
        status      TEXT NOT NULL,              -- sent | deferred | failed
        created_at  TEXT NOT NULL,
        send_after  TEXT,
        sent_at     TEXT,
        UNIQUE (outbox_id, channel)
    );
    CREATE INDEX notifications_application ON notifications (application, id);
    CREATE INDEX notifications_deferred ON notifications (send_after) WHERE status = 'deferred';
    -- Uploaded files, once per SHA-256, linked to applications in the order sent.
    CREATE TABLE files (
        sha256       TEXT PRIMARY KEY,
        content_type TEXT NOT NULL,
        size         INTEGER NOT NULL,
        data         BLOB NOT NULL,
        created_at   TEXT NOT NULL
    );
    CREATE TABLE application_files (
        application TEXT NOT NULL,
        n           INTEGER NOT NULL,
        field       TEXT NOT NULL,
        filename    TEXT NOT NULL,
        sha256      TEXT NOT NULL REFERENCES files(sha256),
        PRIMARY KEY (application, n)
    );
    -- Files checked on a portal form, waiting for that form's signing step.
    CREATE TABLE drafts (
        account    INTEGER NOT NULL,
        key        TEXT NOT NULL,
        n          INTEGER NOT NULL,
        field      TEXT NOT NULL,
        filename   TEXT NOT NULL,
        sha256     TEXT NOT NULL REFERENCES files(sha256),
        created_at TEXT NOT NULL,
        PRIMARY KEY (account, key, n)
    );
    CREATE INDEX drafts_created ON drafts (created_at);
    -- The State Corporation e-queue: slots per centre, capacity 1.
    CREATE TABLE sc_slots (
        id       INTEGER PRIMARY KEY,
        centre   TEXT NOT NULL,
        start    TEXT NOT NULL,
        capacity INTEGER NOT NULL DEFAULT 1,
        UNIQUE (centre, start)
    );
    CREATE INDEX sc_slots_start ON sc_slots (start, centre);
    CREATE TABLE sc_bookings (
        id           INTEGER PRIMARY KEY,
        slot         INTEGER NOT NULL REFERENCES sc_slots(id),
        application  TEXT NOT NULL,
        account      INTEGER NOT NULL,
        created_at   TEXT NOT NULL,
        cancelled_at TEXT
    );
    -- No double booking of a slot; one active booking per application.
    CREATE UNIQUE INDEX sc_bookings_slot ON sc_bookings (slot) WHERE cancelled_at IS NULL;
    CREATE UNIQUE INDEX sc_bookings_application ON sc_bookings (application) WHERE cancelled_at IS NULL;

    -- Read model: one row per submitted application. Sort keys hold '~' for "no deadline"
    -- (after every instant), so keyset pagination needs no NULL cases.
    CREATE TABLE app_list (
        id             TEXT PRIMARY KEY,
        regulation     TEXT    NOT NULL,
        version        INTEGER NOT NULL,
        channel        TEXT    NOT NULL,
        provider       TEXT    NOT NULL,
        applicant_iin  TEXT    NOT NULL,
        applicant_name TEXT    NOT NULL,
        name_key       TEXT    NOT NULL,
        receipt        TEXT,
        status         TEXT    NOT NULL,
        closure        TEXT,
        step           INTEGER NOT NULL,
        holder_org     TEXT,                    -- NULL once closed
        holder_role    TEXT,
        automatic      INTEGER NOT NULL,
        step_started   TEXT    NOT NULL,
        step_due       TEXT    NOT NULL,        -- '~' when none
        term_due       TEXT    NOT NULL,        -- '~' when none
        deliver_due    TEXT,
        submitted_at   TEXT    NOT NULL,
        closed_at      TEXT,
        updated_at     TEXT    NOT NULL,
        watch_at       TEXT                     -- open only: from when it may be at risk
    );
    CREATE INDEX app_list_inbox ON app_list (holder_org, holder_role, step_due, id)
        WHERE holder_org IS NOT NULL;
    CREATE INDEX app_list_applicant ON app_list (applicant_iin, submitted_at);
    CREATE INDEX app_list_receipt ON app_list (receipt) WHERE receipt IS NOT NULL;
    CREATE INDEX app_list_name ON app_list (name_key);
    CREATE INDEX app_list_provider ON app_list (provider, submitted_at);
    CREATE INDEX app_list_submitted ON app_list (submitted_at, id);
    CREATE INDEX app_list_watch ON app_list (watch_at) WHERE watch_at IS NOT NULL;

    -- Monitoring aggregates, per Almaty day of submission.
    CREATE TABLE mon_apps (
        day           TEXT NOT NULL,
        regulation    TEXT NOT NULL,
        channel       TEXT NOT NULL,
        provider      TEXT NOT NULL,
        submitted     INTEGER NOT NULL,
        open          INTEGER NOT NULL,
        term_measured INTEGER NOT NULL,
        term_on_time  INTEGER NOT NULL,
        PRIMARY KEY (day, regulation, channel, provider)
    ) WITHOUT ROWID;
    CREATE TABLE mon_steps (
        day               TEXT    NOT NULL,
        regulation        TEXT    NOT NULL,
        channel           TEXT    NOT NULL,
        provider          TEXT    NOT NULL,
        step              INTEGER NOT NULL,
        role              TEXT    NOT NULL,
        completed         INTEGER NOT NULL,
        measured          INTEGER NOT NULL,
        on_time           INTEGER NOT NULL,
        seconds_sum       INTEGER NOT NULL,
        legal_seconds_sum INTEGER NOT NULL,
        legal_n           INTEGER NOT NULL,
        PRIMARY KEY (day, regulation, channel, provider, step, role)
    ) WITHOUT ROWID;
    CREATE TABLE mon_hist (
        day        TEXT    NOT NULL,
        regulation TEXT    NOT NULL,
        channel    TEXT    NOT NULL,
        provider   TEXT    NOT NULL,
        step       INTEGER NOT NULL,
        role       TEXT    NOT NULL,
        bucket     INTEGER NOT NULL,
        n          INTEGER NOT NULL,
        PRIMARY KEY (day, regulation, channel, provider, step, role, bucket)
    ) WITHOUT ROWID;

    DROP TABLE tasks;
    "#,
    // v4: the monitoring aggregates keep all-time totals (`day = '*'`) beside the days: the
    // views are rebuilt from the journal on open.
    r#"
    UPDATE meta SET value = '1' WHERE key = 'views_stale';
    -- A provider's open files that may be late, newest first: the filtered staff list
    -- without walking the provider's closed ones.
    CREATE INDEX app_list_provider_watched ON app_list (provider, submitted_at)
        WHERE watch_at IS NOT NULL;
    "#,
    // v5: login throttling counted per key (account × source, source, account) by the writer
    // before any password is checked; accounts that must change their password.
    r#"
    ALTER TABLE accounts ADD COLUMN must_change INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE login_throttle (
        key          TEXT PRIMARY KEY,          -- p:<account>:<source> | s:<source> | a:<account>
        failed       INTEGER NOT NULL,          -- attempts counted (reserved) since the last reset
        locked_until TEXT,
        last_at      TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX login_throttle_last ON login_throttle (last_at);
    "#,
    // v6: the files that may be late, read by every monitoring report, straight from the
    // index in its order (no table lookup per row: 275 → ~90 ms for 12,000 of 1,000,000).
    r#"
    DROP INDEX app_list_watch;
    CREATE INDEX app_list_watch ON app_list (watch_at, id, regulation, version, channel,
        provider, applicant_iin, applicant_name, receipt, status, closure, step, holder_org,
        holder_role, automatic, step_started, step_due, term_due, deliver_due, submitted_at,
        closed_at, updated_at)
        WHERE watch_at IS NOT NULL;
    "#,
    // v7: lateness of the result against the service term — when it was issued and by how
    // many working days late, per list row (with an index of the late ones for monitoring)
    // and counted in the aggregates. The views are rebuilt from the journal on open.
    r#"
    ALTER TABLE app_list ADD COLUMN result_at TEXT;
    ALTER TABLE app_list ADD COLUMN late_days INTEGER;   -- NULL: on time or not issued yet
    ALTER TABLE mon_apps ADD COLUMN results_late INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE mon_apps ADD COLUMN results_late_days INTEGER NOT NULL DEFAULT 0;
    DROP INDEX app_list_watch;
    CREATE INDEX app_list_watch ON app_list (watch_at, id, regulation, version, channel,
        provider, applicant_iin, applicant_name, receipt, status, closure, step, holder_org,
        holder_role, automatic, step_started, step_due, term_due, deliver_due, submitted_at,
        closed_at, updated_at, result_at, late_days)
        WHERE watch_at IS NOT NULL;
    -- The late results of a period, newest first: everyone's, and a provider's.
    CREATE INDEX app_list_late ON app_list (submitted_at, id) WHERE late_days IS NOT NULL;
    CREATE INDEX app_list_late_provider ON app_list (provider, submitted_at, id)
        WHERE late_days IS NOT NULL;
    UPDATE meta SET value = '1' WHERE key = 'views_stale';
    "#,
    // v8: an organisation may give the signature of its results to another role than the one
    // the regulations name (NULL: the regulation's role).
    r#"
    ALTER TABLE orgs ADD COLUMN signing_role TEXT;
    "#,
    // v9: the person the head named for the current step (the executor), per list row, for
    // "assigned to me"; the covering index of the watched rows takes the column too. The
    // views are rebuilt from the journal on open.
    r#"
    ALTER TABLE app_list ADD COLUMN assignee TEXT;
    CREATE INDEX app_list_assignee ON app_list (assignee, step_due, id) WHERE assignee IS NOT NULL;
    DROP INDEX app_list_watch;
    CREATE INDEX app_list_watch ON app_list (watch_at, id, regulation, version, channel,
        provider, applicant_iin, applicant_name, receipt, status, closure, step, holder_org,
        holder_role, automatic, step_started, step_due, term_due, deliver_due, submitted_at,
        closed_at, updated_at, result_at, late_days, assignee)
        WHERE watch_at IS NOT NULL;
    UPDATE meta SET value = '1' WHERE key = 'views_stale';
    "#,
    // v10: an official's note is internal unless made a comment to the applicant (public),
    // which the applicant's page and notifications show.
    r#"
    ALTER TABLE notes ADD COLUMN public INTEGER NOT NULL DEFAULT 0;
    "#,
    // v11: the preschool queue's journal: its events in order, one hash chain (`chain::entry_hash`
    // with application `queue` and app_seq = seq); the queue's state is their replay.
    r#"
    CREATE TABLE queue_events (
        seq       INTEGER PRIMARY KEY,
        at        TEXT NOT NULL,
        child     TEXT,
        event     TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash      TEXT NOT NULL
    );
    CREATE INDEX queue_events_child ON queue_events (child, seq) WHERE child IS NOT NULL;
    "#,
];

/// The schema version this build writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

/// Why a database cannot be brought up to date.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("the database has schema version {found}, newer than this build's {latest}")]
    TooNew { found: u32, latest: u32 },
    #[error("migration to version {version} failed: {source}")]
    Failed {
        version: u32,
        source: rusqlite::Error,
    },
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}

/// The schema version of an open database (0 when it has none).
pub fn version(conn: &Connection) -> rusqlite::Result<u32> {
    let has_table: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if has_table.is_none() {
        return Ok(0);
    }
    conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )
}

/// Apply the migrations `conn` lacks, up to `target` (at most [`LATEST`]), in one transaction.
/// Returns the versions applied.
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<Vec<u32>, MigrationError> {
    let target = target.min(LATEST);
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version    INTEGER PRIMARY KEY,
             applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
         )",
    )?;
    let found = version(&tx)?;
    if found > LATEST {
        return Err(MigrationError::TooNew {
            found,
            latest: LATEST,
        });
    }
    let mut applied = vec![];
    for v in found + 1..=target {
        tx.execute_batch(MIGRATIONS[(v - 1) as usize])
            .map_err(|source| MigrationError::Failed { version: v, source })?;
        tx.execute("INSERT INTO schema_migrations (version) VALUES (?1)", [v])?;
        applied.push(v);
    }
    tx.commit()?;
    Ok(applied)
}

/// Bring `conn` up to [`LATEST`].
pub fn migrate(conn: &mut Connection) -> Result<Vec<u32>, MigrationError> {
    migrate_to(conn, LATEST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_database_goes_to_latest_and_stays() {
        let mut c = Connection::open_in_memory().unwrap();
        assert_eq!(version(&c).unwrap(), 0);
        assert_eq!(migrate(&mut c).unwrap(), (1..=LATEST).collect::<Vec<_>>());
        assert_eq!(version(&c).unwrap(), LATEST);
        assert!(
            migrate(&mut c).unwrap().is_empty(),
            "a second open applies nothing"
        );
    }

    #[test]
    fn step_by_step_equals_all_at_once() {
        let mut a = Connection::open_in_memory().unwrap();
        for v in 1..=LATEST {
            assert_eq!(migrate_to(&mut a, v).unwrap(), vec![v]);
        }
        let mut b = Connection::open_in_memory().unwrap();
        migrate(&mut b).unwrap();
        let schema = |c: &Connection| -> Vec<String> {
            let mut s = c
                .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
                .unwrap();
            s.query_map([], |r| r.get(0))
                .unwrap()
                .map(|r| r.unwrap())
                .collect()
        };
        assert_eq!(schema(&a), schema(&b));
    }

    #[test]
    fn refuses_a_newer_database() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c).unwrap();
        c.execute(
            "INSERT INTO schema_migrations (version) VALUES (?1)",
            [LATEST + 1],
        )
        .unwrap();
        assert!(matches!(
            migrate(&mut c),
            Err(MigrationError::TooNew { .. })
        ));
    }

    #[test]
    fn a_failed_migration_leaves_nothing_behind() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate_to(&mut c, 1).unwrap();
        // Sabotage v2: the column it adds already exists.
        c.execute_batch("ALTER TABLE applications ADD COLUMN closed_at TEXT")
            .unwrap();
        assert!(matches!(
            migrate(&mut c),
            Err(MigrationError::Failed { version: 2, .. })
        ));
        assert_eq!(version(&c).unwrap(), 1);
    }
}

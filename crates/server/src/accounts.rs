//! The accounts database (`accounts.db`, SQLite): organisations, people and their roles,
//! password hashes (argon2id), login lockout, sessions, API tokens — and the server's own
//! records beside the engine's journal: which application belongs to whom (`app_index`),
//! officials' notes per step, issued documents (for `/verify`) and the notifications log.
//!
//! For: who may log in and who they are. Not for: what happened to an application (that is
//! the store's journal, the one source of truth) nor deciding who may act on a step (see
//! `access`). Security bookkeeping (sessions, lockout, token use) runs on real time, not on
//! the simulated server clock, so a clock jump in a sandbox neither logs everyone out nor
//! lifts a lockout.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use utoipa::ToSchema;

/// Failed logins before an account is locked.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS orgs (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,            -- provider | state_corporation | system
    provider_type TEXT,                     -- a regulation's [[providers]] id
    name_kk       TEXT NOT NULL,
    name_ru       TEXT NOT NULL,
    name_en       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accounts (
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
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY,
    account    INTEGER NOT NULL REFERENCES accounts(id),
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens (
    id         INTEGER PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    account    INTEGER NOT NULL REFERENCES accounts(id),
    name       TEXT NOT NULL,
    scopes     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE TABLE IF NOT EXISTS app_index (
    id             TEXT PRIMARY KEY,
    applicant_iin  TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    provider       TEXT NOT NULL,
    regulation     TEXT NOT NULL,
    channel        TEXT NOT NULL,
    submitted_at   TEXT NOT NULL,
    submitted_by   INTEGER
);
CREATE INDEX IF NOT EXISTS app_index_applicant ON app_index (applicant_iin, submitted_at);
CREATE INDEX IF NOT EXISTS app_index_provider ON app_index (provider, submitted_at);
CREATE TABLE IF NOT EXISTS notes (
    id          INTEGER PRIMARY KEY,
    application TEXT NOT NULL,
    step        INTEGER NOT NULL,
    login       TEXT NOT NULL,
    name        TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    note        TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notes_application ON notes (application, id);
CREATE TABLE IF NOT EXISTS documents (
    code         TEXT PRIMARY KEY,
    application  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    lang         TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    issued_at    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_hash ON documents (content_hash);
-- Portal requests refused because their ЭЦП did not verify. The engine journals accepted
-- commands only, so the refusal is recorded here, journal-like (append-only): the refusal
-- code, the SHA-256 of the request bytes and the time; never the request itself.
CREATE TABLE IF NOT EXISTS notifications (
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
-- Documents a citizen uploaded with a portal application (see `uploads`): the bytes once per
-- SHA-256, linked to applications in the order sent.
CREATE TABLE IF NOT EXISTS uploads (
    sha256       TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    data         BLOB NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS application_uploads (
    application TEXT NOT NULL,
    n           INTEGER NOT NULL,
    field       TEXT NOT NULL,
    filename    TEXT NOT NULL,
    sha256      TEXT NOT NULL REFERENCES uploads(sha256),
    PRIMARY KEY (application, n)
);
-- Uploads checked on the portal form, waiting for the signing step of the same form
-- (the account and the form's idempotency key).
CREATE TABLE IF NOT EXISTS upload_drafts (
    account    INTEGER NOT NULL,
    key        TEXT NOT NULL,
    n          INTEGER NOT NULL,
    field      TEXT NOT NULL,
    filename   TEXT NOT NULL,
    sha256     TEXT NOT NULL REFERENCES uploads(sha256),
    created_at TEXT NOT NULL,
    PRIMARY KEY (account, key, n)
);
-- The State Corporation e-queue (see `equeue`): 15-minute slots per centre, capacity 1.
CREATE TABLE IF NOT EXISTS sc_slots (
    id       INTEGER PRIMARY KEY,
    centre   TEXT NOT NULL,
    start    TEXT NOT NULL,
    capacity INTEGER NOT NULL DEFAULT 1,
    UNIQUE (centre, start)
);
CREATE TABLE IF NOT EXISTS sc_bookings (
    id           INTEGER PRIMARY KEY,
    slot         INTEGER NOT NULL REFERENCES sc_slots(id),
    application  TEXT NOT NULL,
    account      INTEGER NOT NULL,
    created_at   TEXT NOT NULL,
    cancelled_at TEXT
);
-- No double booking of a slot; one active booking per application.
CREATE UNIQUE INDEX IF NOT EXISTS sc_bookings_slot ON sc_bookings (slot) WHERE cancelled_at IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS sc_bookings_application ON sc_bookings (application) WHERE cancelled_at IS NULL;
"#;

/// How expensive password hashing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordCost {
    /// argon2id, 19 MiB, 2 passes (the OWASP minimum).
    #[default]
    Standard,
    /// argon2id, 64 KiB, 1 pass: for tests only (unoptimised builds hash slowly).
    Test,
}

impl PasswordCost {
    fn hasher(self) -> Argon2<'static> {
        let params = match self {
            PasswordCost::Standard => Params::default(),
            PasswordCost::Test => Params::new(64, 1, 1, None).unwrap_or_default(),
        };
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }
}

/// Hashes a password (argon2id, PHC string with its own salt and parameters).
pub fn hash_password(password: &str, cost: PasswordCost) -> Result<String, String> {
    let salt = SaltString::encode_b64(&random_bytes::<16>()).map_err(|e| e.to_string())?;
    cost.hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Checks a password against a PHC string (its own parameters are used).
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).expect("the operating system's random source");
    b
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A new random secret (session id, CSRF token, API token): 32 bytes, hex.
pub fn new_secret() -> String {
    hex(&random_bytes::<32>())
}

pub fn sha256_hex(s: &str) -> String {
    hex(&Sha256::digest(s.as_bytes()))
}

/// Fixed-width UTC text, so that instants compare as strings.
pub fn ts(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

pub fn parse_ts(s: &str) -> Option<Timestamp> {
    s.parse().ok()
}

/// What kind of person an account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Citizen,
    Staff,
    Monitor,
    Admin,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Citizen => "citizen",
            Kind::Staff => "staff",
            Kind::Monitor => "monitor",
            Kind::Admin => "admin",
        }
    }
    fn parse(s: &str) -> Kind {
        match s {
            "staff" => Kind::Staff,
            "monitor" => Kind::Monitor,
            "admin" => Kind::Admin,
            _ => Kind::Citizen,
        }
    }
}

/// A person who can log in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Account {
    pub id: i64,
    pub login: String,
    pub kind: Kind,
    /// Citizens: their IIN (also their login).
    pub iin: Option<String>,
    pub name: String,
    /// Staff: the provider's org id or `state_corporation`.
    pub org: Option<String>,
    /// Staff: the roles they hold (role ids of the regulations).
    pub roles: Vec<String>,
    pub phone: Option<String>,
}

impl Account {
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }
}

/// An organisation: a provider (of one provider type of the catalogue) or the State Corporation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Org {
    pub id: String,
    pub kind: String,
    pub provider_type: Option<String>,
    pub name_kk: String,
    pub name_ru: String,
    pub name_en: String,
}

impl Org {
    pub fn name(&self, lang: crate::i18n::Lang) -> &str {
        match lang {
            crate::i18n::Lang::Kk => &self.name_kk,
            crate::i18n::Lang::Ru => &self.name_ru,
            crate::i18n::Lang::En => &self.name_en,
        }
    }
}

/// A new account.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub login: &'a str,
    pub kind: Kind,
    pub iin: Option<&'a str>,
    pub name: &'a str,
    pub org: Option<&'a str>,
    pub roles: &'a [String],
    pub phone: Option<&'a str>,
}

/// Why a login failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    BadCredentials,
    Locked { until: Timestamp },
}

/// An application as the server recorded its submission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexEntry {
    pub id: String,
    pub applicant_iin: String,
    pub applicant_name: String,
    pub provider: String,
    pub regulation: String,
    pub channel: String,
    pub submitted_at: String,
}

/// An official's note on a step (the head's resolution, the executor's check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Note {
    pub step: usize,
    pub login: String,
    pub name: String,
    pub outcome: String,
    pub note: String,
    pub at: String,
}

/// A document issued (rendered), for `/verify/{code}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct IssuedDocument {
    pub code: String,
    pub application: String,
    pub kind: String,
    pub lang: String,
    pub content_hash: String,
    pub issued_at: String,
}

/// A row of the notifications log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct NotificationRow {
    pub id: i64,
    pub outbox_id: i64,
    pub application: String,
    pub channel: String,
    pub recipient: String,
    pub message: String,
    pub status: String,
    pub created_at: String,
    pub send_after: Option<String>,
    pub sent_at: Option<String>,
}

/// An API token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TokenInfo {
    pub id: i64,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// The accounts database.
pub struct Accounts {
    conn: Mutex<Connection>,
    cost: PasswordCost,
    /// A hash checked when the login is unknown, so that timing does not tell who exists.
    dummy: String,
}

type Res<T> = Result<T, rusqlite::Error>;

fn account_from_row(r: &rusqlite::Row<'_>) -> Res<Account> {
    let roles: String = r.get(6)?;
    Ok(Account {
        id: r.get(0)?,
        login: r.get(1)?,
        kind: Kind::parse(&r.get::<_, String>(2)?),
        iin: r.get(3)?,
        name: r.get(4)?,
        org: r.get(5)?,
        roles: roles
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        phone: r.get(7)?,
    })
}

const ACCOUNT_COLS: &str = "id, login, kind, iin, name, org, roles, phone";

impl Accounts {
    pub fn open(path: &Path, cost: PasswordCost) -> Res<Accounts> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.execute_batch(SCHEMA)?;
        let dummy = hash_password("not a password", cost).unwrap_or_default();
        Ok(Accounts {
            conn: Mutex::new(conn),
            cost,
            dummy,
        })
    }

    pub(crate) fn db(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn cost(&self) -> PasswordCost {
        self.cost
    }

    // ---- organisations -------------------------------------------------------------------

    pub fn upsert_org(&self, o: &Org) -> Res<()> {
        self.db().execute(
            "INSERT INTO orgs (id, kind, provider_type, name_kk, name_ru, name_en)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (id) DO UPDATE SET kind = ?2, provider_type = ?3, name_kk = ?4,
                 name_ru = ?5, name_en = ?6",
            params![
                o.id,
                o.kind,
                o.provider_type,
                o.name_kk,
                o.name_ru,
                o.name_en
            ],
        )?;
        Ok(())
    }

    pub fn orgs(&self) -> Res<Vec<Org>> {
        let db = self.db();
        let mut st = db.prepare_cached(
            "SELECT id, kind, provider_type, name_kk, name_ru, name_en FROM orgs ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(Org {
                id: r.get(0)?,
                kind: r.get(1)?,
                provider_type: r.get(2)?,
                name_kk: r.get(3)?,
                name_ru: r.get(4)?,
                name_en: r.get(5)?,
            })
        })?;
        rows.collect()
    }

    pub fn org(&self, id: &str) -> Res<Option<Org>> {
        Ok(self.orgs()?.into_iter().find(|o| o.id == id))
    }

    // ---- accounts ------------------------------------------------------------------------

    /// Creates an account with an already hashed password; fails on a taken login or IIN.
    pub fn create(&self, a: &NewAccount<'_>, password_hash: &str) -> Res<Account> {
        let db = self.db();
        db.execute(
            "INSERT INTO accounts (login, kind, iin, name, org, roles, phone, password, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                a.login,
                a.kind.as_str(),
                a.iin,
                a.name,
                a.org,
                a.roles.join(","),
                a.phone,
                password_hash,
                ts(Timestamp::now())
            ],
        )?;
        let id = db.last_insert_rowid();
        drop(db);
        self.by_id(id)?.ok_or(rusqlite::Error::QueryReturnedNoRows)
    }

    /// Sets the password of `login` (creating nothing); true when the account exists.
    pub fn set_password(&self, login: &str, password_hash: &str) -> Res<bool> {
        Ok(self.db().execute(
            "UPDATE accounts SET password = ?2, failed = 0, locked_until = NULL WHERE login = ?1",
            params![login, password_hash],
        )? > 0)
    }

    pub fn by_id(&self, id: i64) -> Res<Option<Account>> {
        self.db()
            .query_row(
                &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ?1"),
                [id],
                account_from_row,
            )
            .optional()
    }

    pub fn by_login(&self, login: &str) -> Res<Option<Account>> {
        self.db()
            .query_row(
                &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE login = ?1 OR iin = ?1"),
                [login],
                account_from_row,
            )
            .optional()
    }

    pub fn by_iin(&self, iin: &str) -> Res<Option<Account>> {
        self.db()
            .query_row(
                &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE iin = ?1"),
                [iin],
                account_from_row,
            )
            .optional()
    }

    pub fn count(&self) -> Res<i64> {
        self.db()
            .query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0))
    }

    pub fn list(&self) -> Res<Vec<Account>> {
        let db = self.db();
        let mut st = db.prepare(&format!(
            "SELECT {ACCOUNT_COLS} FROM accounts ORDER BY kind, login"
        ))?;
        let rows = st.query_map([], account_from_row)?;
        rows.collect()
    }

    /// Checks a login (login name or IIN) and password. Blocking: argon2 runs here.
    ///
    /// After [`MAX_FAILED_LOGINS`] failures in a row the account is locked, 1 minute after
    /// the fifth, doubling with each further failure up to an hour; a success resets it.
    pub fn login(&self, login: &str, password: &str) -> Res<Result<Account, LoginError>> {
        let now = Timestamp::now();
        let row: Option<(i64, String, i64, Option<String>)> = self
            .db()
            .query_row(
                "SELECT id, password, failed, locked_until FROM accounts
                 WHERE login = ?1 OR iin = ?1",
                [login.trim()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((id, phc, failed, locked)) = row else {
            verify_password(password, &self.dummy);
            return Ok(Err(LoginError::BadCredentials));
        };
        if let Some(until) = locked.as_deref().and_then(parse_ts)
            && until > now
        {
            return Ok(Err(LoginError::Locked { until }));
        }
        if verify_password(password, &phc) {
            self.db().execute(
                "UPDATE accounts SET failed = 0, locked_until = NULL WHERE id = ?1",
                [id],
            )?;
            return Ok(self.by_id(id)?.ok_or(LoginError::BadCredentials));
        }
        let failed = failed + 1;
        let locked_until = (failed >= MAX_FAILED_LOGINS).then(|| {
            let minutes = 1i64 << (failed - MAX_FAILED_LOGINS).min(6);
            now + SignedDuration::from_mins(minutes.min(60))
        });
        self.db().execute(
            "UPDATE accounts SET failed = ?2, locked_until = ?3 WHERE id = ?1",
            params![id, failed, locked_until.map(ts)],
        )?;
        Ok(Err(match locked_until {
            Some(until) => LoginError::Locked { until },
            None => LoginError::BadCredentials,
        }))
    }

    // ---- sessions ------------------------------------------------------------------------

    /// A new session: (session secret for the cookie, its CSRF token).
    pub fn create_session(&self, account: i64) -> Res<(String, String)> {
        let token = new_secret();
        let csrf = new_secret();
        let now = Timestamp::now();
        self.db().execute(
            "INSERT INTO sessions (token_hash, account, csrf, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                sha256_hex(&token),
                account,
                csrf,
                ts(now),
                ts(now + SignedDuration::from_hours(SESSION_HOURS))
            ],
        )?;
        Ok((token, csrf))
    }

    /// The account and CSRF token of a live session.
    pub fn session(&self, token: &str) -> Res<Option<(Account, String)>> {
        let row: Option<(i64, String)> = self
            .db()
            .query_row(
                "SELECT account, csrf FROM sessions WHERE token_hash = ?1 AND expires_at > ?2",
                params![sha256_hex(token), ts(Timestamp::now())],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((id, csrf)) = row else {
            return Ok(None);
        };
        Ok(self.by_id(id)?.map(|a| (a, csrf)))
    }

    pub fn end_session(&self, token: &str) -> Res<()> {
        self.db().execute(
            "DELETE FROM sessions WHERE token_hash = ?1",
            [sha256_hex(token)],
        )?;
        Ok(())
    }

    // ---- API tokens ----------------------------------------------------------------------

    /// A new API token for `account` with `scopes`; the secret is shown once.
    pub fn create_token(&self, account: i64, name: &str, scopes: &[String]) -> Res<(i64, String)> {
        let secret = format!("qz_{}", new_secret());
        let db = self.db();
        db.execute(
            "INSERT INTO api_tokens (token_hash, account, name, scopes, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                sha256_hex(&secret),
                account,
                name,
                scopes.join(","),
                ts(Timestamp::now())
            ],
        )?;
        Ok((db.last_insert_rowid(), secret))
    }

    /// The account and scopes of a live (not revoked) token.
    pub fn token(&self, secret: &str) -> Res<Option<(Account, Vec<String>)>> {
        let row: Option<(i64, String)> = self
            .db()
            .query_row(
                "SELECT account, scopes FROM api_tokens WHERE token_hash = ?1 AND revoked_at IS NULL",
                [sha256_hex(secret)],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((id, scopes)) = row else {
            return Ok(None);
        };
        let scopes = scopes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        Ok(self.by_id(id)?.map(|a| (a, scopes)))
    }

    pub fn tokens(&self, account: i64) -> Res<Vec<TokenInfo>> {
        let db = self.db();
        let mut st = db.prepare_cached(
            "SELECT id, name, scopes, created_at, revoked_at FROM api_tokens
             WHERE account = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([account], |r| {
            let scopes: String = r.get(2)?;
            Ok(TokenInfo {
                id: r.get(0)?,
                name: r.get(1)?,
                scopes: scopes
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect(),
                created_at: r.get(3)?,
                revoked_at: r.get(4)?,
            })
        })?;
        rows.collect()
    }

    /// Revokes token `id` of `account`; true when it was live.
    pub fn revoke_token(&self, account: i64, id: i64) -> Res<bool> {
        Ok(self.db().execute(
            "UPDATE api_tokens SET revoked_at = ?3
             WHERE id = ?1 AND account = ?2 AND revoked_at IS NULL",
            params![id, account, ts(Timestamp::now())],
        )? > 0)
    }

    // ---- the application index -----------------------------------------------------------

    pub fn index_application(&self, e: &IndexEntry, by: Option<i64>) -> Res<()> {
        self.db().execute(
            "INSERT OR IGNORE INTO app_index
               (id, applicant_iin, applicant_name, provider, regulation, channel, submitted_at, submitted_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                e.id,
                e.applicant_iin,
                e.applicant_name,
                e.provider,
                e.regulation,
                e.channel,
                e.submitted_at,
                by
            ],
        )?;
        Ok(())
    }

    fn index_query(&self, sql: &str, p: impl rusqlite::Params) -> Res<Vec<IndexEntry>> {
        let db = self.db();
        let mut st = db.prepare_cached(sql)?;
        let rows = st.query_map(p, |r| {
            Ok(IndexEntry {
                id: r.get(0)?,
                applicant_iin: r.get(1)?,
                applicant_name: r.get(2)?,
                provider: r.get(3)?,
                regulation: r.get(4)?,
                channel: r.get(5)?,
                submitted_at: r.get(6)?,
            })
        })?;
        rows.collect()
    }

    const INDEX_COLS: &'static str =
        "id, applicant_iin, applicant_name, provider, regulation, channel, submitted_at";

    pub fn indexed(&self, id: &str) -> Res<Option<IndexEntry>> {
        Ok(self
            .index_query(
                &format!("SELECT {} FROM app_index WHERE id = ?1", Self::INDEX_COLS),
                [id],
            )?
            .pop())
    }

    /// Applications of an applicant, newest first.
    pub fn by_applicant(&self, iin: &str) -> Res<Vec<IndexEntry>> {
        self.index_query(
            &format!(
                "SELECT {} FROM app_index WHERE applicant_iin = ?1 ORDER BY submitted_at DESC, id",
                Self::INDEX_COLS
            ),
            [iin],
        )
    }

    /// Every indexed application, newest first (monitoring, staff lists).
    pub fn all_indexed(&self) -> Res<Vec<IndexEntry>> {
        self.index_query(
            &format!(
                "SELECT {} FROM app_index ORDER BY submitted_at DESC, id",
                Self::INDEX_COLS
            ),
            [],
        )
    }

    // ---- notes ---------------------------------------------------------------------------

    pub fn add_note(&self, application: &str, n: &Note) -> Res<()> {
        self.db().execute(
            "INSERT INTO notes (application, step, login, name, outcome, note, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                application,
                n.step as i64,
                n.login,
                n.name,
                n.outcome,
                n.note,
                n.at
            ],
        )?;
        Ok(())
    }

    pub fn notes(&self, application: &str) -> Res<Vec<Note>> {
        let db = self.db();
        let mut st = db.prepare_cached(
            "SELECT step, login, name, outcome, note, at FROM notes WHERE application = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([application], |r| {
            Ok(Note {
                step: r.get::<_, i64>(0)? as usize,
                login: r.get(1)?,
                name: r.get(2)?,
                outcome: r.get(3)?,
                note: r.get(4)?,
                at: r.get(5)?,
            })
        })?;
        rows.collect()
    }

    // ---- documents -----------------------------------------------------------------------

    pub fn record_document(&self, d: &IssuedDocument) -> Res<()> {
        self.db().execute(
            "INSERT OR IGNORE INTO documents (code, application, kind, lang, content_hash, issued_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![d.code, d.application, d.kind, d.lang, d.content_hash, d.issued_at],
        )?;
        Ok(())
    }

    pub fn document(&self, code: &str) -> Res<Option<IssuedDocument>> {
        self.db()
            .query_row(
                "SELECT code, application, kind, lang, content_hash, issued_at FROM documents WHERE code = ?1",
                [code],
                |r| {
                    Ok(IssuedDocument {
                        code: r.get(0)?,
                        application: r.get(1)?,
                        kind: r.get(2)?,
                        lang: r.get(3)?,
                        content_hash: r.get(4)?,
                        issued_at: r.get(5)?,
                    })
                },
            )
            .optional()
    }

    /// The document whose PDF has this SHA-256 (hex), if one was issued here.
    pub fn document_by_hash(&self, content_hash: &str) -> Res<Option<IssuedDocument>> {
        self.db()
            .query_row(
                "SELECT code, application, kind, lang, content_hash, issued_at FROM documents
                 WHERE content_hash = ?1 ORDER BY issued_at LIMIT 1",
                [content_hash.to_ascii_lowercase()],
                |r| {
                    Ok(IssuedDocument {
                        code: r.get(0)?,
                        application: r.get(1)?,
                        kind: r.get(2)?,
                        lang: r.get(3)?,
                        content_hash: r.get(4)?,
                        issued_at: r.get(5)?,
                    })
                },
            )
            .optional()
    }

    // ---- notifications -------------------------------------------------------------------

    /// Logs a notification; false when this outbox entry was already logged on this channel.
    #[allow(clippy::too_many_arguments)]
    pub fn log_notification(
        &self,
        outbox_id: i64,
        application: &str,
        channel: &str,
        recipient: &str,
        message: &str,
        status: &str,
        now: Timestamp,
        send_after: Option<Timestamp>,
    ) -> Res<bool> {
        let sent_at = (status == "sent").then(|| ts(now));
        Ok(self.db().execute(
            "INSERT OR IGNORE INTO notifications
               (outbox_id, application, channel, recipient, message, status, created_at, send_after, sent_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                outbox_id,
                application,
                channel,
                recipient,
                message,
                status,
                ts(now),
                send_after.map(ts),
                sent_at
            ],
        )? > 0)
    }

    pub fn mark_notification(&self, id: i64, status: &str, now: Timestamp) -> Res<()> {
        self.db().execute(
            "UPDATE notifications SET status = ?2, sent_at = ?3 WHERE id = ?1",
            params![id, status, ts(now)],
        )?;
        Ok(())
    }

    /// Deferred notifications whose time has come.
    pub fn due_notifications(&self, now: Timestamp) -> Res<Vec<NotificationRow>> {
        self.notification_query(
            "WHERE status = 'deferred' AND send_after <= ?1 ORDER BY id",
            params![ts(now)],
        )
    }

    pub fn notifications(&self, application: Option<&str>) -> Res<Vec<NotificationRow>> {
        match application {
            Some(a) => self.notification_query("WHERE application = ?1 ORDER BY id", [a]),
            None => self.notification_query("ORDER BY id", []),
        }
    }

    fn notification_query(
        &self,
        tail: &str,
        p: impl rusqlite::Params,
    ) -> Res<Vec<NotificationRow>> {
        let db = self.db();
        let mut st = db.prepare_cached(&format!(
            "SELECT id, outbox_id, application, channel, recipient, message, status, created_at,
                    send_after, sent_at FROM notifications {tail}"
        ))?;
        let rows = st.query_map(p, |r| {
            Ok(NotificationRow {
                id: r.get(0)?,
                outbox_id: r.get(1)?,
                application: r.get(2)?,
                channel: r.get(3)?,
                recipient: r.get(4)?,
                message: r.get(5)?,
                status: r.get(6)?,
                created_at: r.get(7)?,
                send_after: r.get(8)?,
                sent_at: r.get(9)?,
            })
        })?;
        rows.collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempdir::TempDir, Accounts) {
        let d = tempdir::TempDir::new();
        let a = Accounts::open(&d.0.join("accounts.db"), PasswordCost::Test).unwrap();
        (d, a)
    }

    mod tempdir {
        pub struct TempDir(pub std::path::PathBuf);
        impl TempDir {
            pub fn new() -> TempDir {
                let p = std::env::temp_dir().join(format!(
                    "qyzmet-accounts-{}",
                    super::hex(&super::random_bytes::<8>())
                ));
                std::fs::create_dir_all(&p).unwrap();
                TempDir(p)
            }
        }
        impl Drop for TempDir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
    }

    fn citizen(a: &Accounts) -> Account {
        let h = hash_password("correct horse", PasswordCost::Test).unwrap();
        a.create(
            &NewAccount {
                login: "100515500003",
                kind: Kind::Citizen,
                iin: Some("100515500003"),
                name: "Test",
                org: None,
                roles: &[],
                phone: None,
            },
            &h,
        )
        .unwrap()
    }

    #[test]
    fn timestamps_are_fixed_width() {
        let t: Timestamp = "2019-12-02T04:00:00Z".parse().unwrap();
        assert_eq!(ts(t), "2019-12-02T04:00:00.000Z");
        assert_eq!(parse_ts(&ts(t)), Some(t));
    }

    #[test]
    fn hashes_are_argon2id_and_salted() {
        let a = hash_password("pw", PasswordCost::Test).unwrap();
        let b = hash_password("pw", PasswordCost::Test).unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify_password("pw", &a) && !verify_password("px", &a));
    }

    #[test]
    fn lockout_after_five_failures() {
        let (_d, a) = db();
        let c = citizen(&a);
        for i in 1..=4 {
            assert_eq!(
                a.login("100515500003", "wrong").unwrap(),
                Err(LoginError::BadCredentials),
                "attempt {i}"
            );
        }
        assert!(matches!(
            a.login("100515500003", "wrong").unwrap(),
            Err(LoginError::Locked { .. })
        ));
        // Even the right password is refused while locked.
        assert!(matches!(
            a.login("100515500003", "correct horse").unwrap(),
            Err(LoginError::Locked { .. })
        ));
        assert_eq!(
            a.login("nobody", "x").unwrap(),
            Err(LoginError::BadCredentials)
        );
        let _ = c;
    }

    #[test]
    fn sessions_and_tokens() {
        let (_d, a) = db();
        let c = citizen(&a);
        assert_eq!(
            a.login("100515500003", "correct horse")
                .unwrap()
                .unwrap()
                .id,
            c.id
        );
        let (s, csrf) = a.create_session(c.id).unwrap();
        assert_eq!(a.session(&s).unwrap().unwrap(), (c.clone(), csrf));
        a.end_session(&s).unwrap();
        assert!(a.session(&s).unwrap().is_none());
        let (id, secret) = a.create_token(c.id, "ci", &["read".into()]).unwrap();
        assert_eq!(
            a.token(&secret).unwrap().unwrap().1,
            vec!["read".to_string()]
        );
        assert!(a.revoke_token(c.id, id).unwrap());
        assert!(a.token(&secret).unwrap().is_none());
    }
}

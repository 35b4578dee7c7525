//! Who may log in and who they are — organisations, people and their roles, password hashes
//! (argon2id), login lockout, sessions, API tokens — and the server's records beside the
//! engine's journal (officials' notes, issued documents, the notifications log), all kept by
//! the [`Store`] in its one database and written through [`Action`]s.
//!
//! Login rules: an attempt is reserved by the store's writer (one atomic update) *before* its
//! password is checked, on three counters — the account from this source (locked after
//! [`MAX_FAILED_LOGINS`], back-off up to an hour), the source over every account
//! ([`MAX_FAILED_PER_SOURCE`]) and the account from every source ([`MAX_FAILED_PER_ACCOUNT`],
//! short locks). A stranger can thus lock only themselves out, never the owner elsewhere for
//! long; parallel attempts cannot outrun the count. Every argon2 run holds a [`Permit`] of the
//! [`PasswordGate`], which bounds the memory password checks take.
//!
//! For: the server's view of those records (its `Account`, `Org`, … types) and the policy
//! around them (hashing, lockout lengths, session lifetime). Not for: what happened to an
//! application (the journal) nor who may act on a step (see `access`). Security bookkeeping
//! (sessions, lockout, token use) runs on real time, not on the simulated server clock, so a
//! clock jump in a sandbox neither logs everyone out nor lifts a lockout.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;
use store::records::{self as rec, Record, Throttle, Written};
use store::{Action, Store, StoreError};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use utoipa::ToSchema;

/// Failed logins on one account from one source before that pair is locked.
pub const MAX_FAILED_LOGINS: i64 = 5;
/// Failed logins from one source over every account before the source is locked.
pub const MAX_FAILED_PER_SOURCE: i64 = 30;
/// Failed logins on one account from every source before it is locked for everyone: far above
/// what one source may try, with short locks, so a stranger cannot keep an account locked.
pub const MAX_FAILED_PER_ACCOUNT: i64 = 100;
/// Counts idle this long are forgotten.
pub const THROTTLE_WINDOW_SECS: i64 = 24 * 3600;
/// Memory all concurrent argon2 runs may take together.
pub const ARGON2_BUDGET_KIB: u32 = 64 * 1024;
/// How long a login waits for a [`Permit`] before it is answered 503 with `Retry-After`.
pub const PERMIT_WAIT: Duration = Duration::from_secs(2);
/// Longest password accepted (longer ones are refused before any hashing).
pub const MAX_PASSWORD: usize = 256;
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

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
    /// Memory one argon2 run takes, KiB.
    pub fn memory_kib(self) -> u32 {
        match self {
            PasswordCost::Standard => Params::default().m_cost(),
            PasswordCost::Test => 64,
        }
    }

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

/// Bounds concurrent argon2 runs: each takes [`PasswordCost::memory_kib`] (19 MiB standard),
/// so 300 parallel logins must not hold 300 × 19 MiB. Permits = min(2 × cores,
/// [`ARGON2_BUDGET_KIB`] / cost), at least 1: more than two per core only queues CPU work, and
/// the budget caps their memory (3 permits at the standard cost).
pub struct PasswordGate {
    sem: Arc<Semaphore>,
    permits: usize,
    running: AtomicUsize,
    peak: AtomicUsize,
    runs: AtomicU64,
}

/// The right to run argon2 (once for a login, twice for a password change).
pub struct Permit(#[allow(dead_code)] OwnedSemaphorePermit);

/// What the gate saw: argon2 runs so far and the most that ran at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateStats {
    pub permits: usize,
    pub runs: u64,
    pub peak: usize,
}

impl PasswordGate {
    pub fn new(cost: PasswordCost) -> PasswordGate {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let by_memory = (ARGON2_BUDGET_KIB / cost.memory_kib().max(1)) as usize;
        let permits = (cores * 2).min(by_memory).max(1);
        PasswordGate {
            sem: Arc::new(Semaphore::new(permits)),
            permits,
            running: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
            runs: AtomicU64::new(0),
        }
    }

    /// A permit, waiting up to [`PERMIT_WAIT`]; `None`: too busy, try again shortly.
    pub async fn permit(&self) -> Option<Permit> {
        tokio::time::timeout(PERMIT_WAIT, self.sem.clone().acquire_owned())
            .await
            .ok()?
            .ok()
            .map(Permit)
    }

    /// A permit if one is free now (tools and tests outside a runtime).
    pub fn try_permit(&self) -> Option<Permit> {
        self.sem.clone().try_acquire_owned().ok().map(Permit)
    }

    /// Runs argon2 work under a permit, counting it.
    fn run<T>(&self, _permit: &Permit, f: impl FnOnce() -> T) -> T {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        self.runs.fetch_add(1, Ordering::SeqCst);
        let out = f();
        self.running.fetch_sub(1, Ordering::SeqCst);
        out
    }

    pub fn stats(&self) -> GateStats {
        GateStats {
            permits: self.permits,
            runs: self.runs.load(Ordering::SeqCst),
            peak: self.peak.load(Ordering::SeqCst),
        }
    }
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
    pub fn parse(s: &str) -> Kind {
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
    /// Must change its password (a one-time password) before anything else.
    pub must_change: bool,
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
    /// The role that signs this provider's results (the authorised person's ЭЦП), where it
    /// is not the one the regulations name; null: the regulations' own.
    pub signing_role: Option<String>,
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

/// The counters an attempt on `account` (or an unknown login) from `source` is reserved on.
fn throttle_keys(account: Option<i64>, login: &str, source: &str) -> Vec<Throttle> {
    let t = |key: String, limit: i64, lock: &[i64]| Throttle {
        key,
        limit,
        lock_minutes: lock.to_vec(),
    };
    // An unknown login locks like a known one, so a lock does not tell who exists.
    let who = account.map_or_else(
        || format!("?{}", &sha256_hex(login)[..16]),
        |a| a.to_string(),
    );
    let mut keys = vec![
        t(
            format!("p:{who}:{source}"),
            MAX_FAILED_LOGINS,
            &LOCK_MINUTES,
        ),
        t(format!("s:{source}"), MAX_FAILED_PER_SOURCE, &LOCK_MINUTES),
    ];
    if let Some(a) = account {
        keys.push(t(
            format!("a:{a}"),
            MAX_FAILED_PER_ACCOUNT,
            &ACCOUNT_LOCK_MINUTES,
        ));
    }
    keys
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
    /// A comment to the applicant (shown to them); otherwise internal to the staff.
    pub public: bool,
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

/// The accounts and records, over the store.
pub struct Accounts {
    store: Arc<dyn Store>,
    cost: PasswordCost,
    /// Bounds concurrent password hashing.
    pub gate: PasswordGate,
    /// A hash checked when the login is unknown, so that timing does not tell who exists.
    dummy: String,
}

type Res<T> = Result<T, StoreError>;

/// Lock lengths in minutes for the 1st, 2nd, … failure from the fifth on: doubling up to an hour.
const LOCK_MINUTES: [i64; 7] = [1, 2, 4, 8, 16, 32, 60];
/// An account locked for everyone: a quarter of an hour at most.
const ACCOUNT_LOCK_MINUTES: [i64; 5] = [1, 2, 4, 8, 15];

fn account_of(r: rec::AccountRow) -> Account {
    Account {
        id: r.id,
        login: r.login,
        kind: Kind::parse(&r.kind),
        iin: r.iin,
        name: r.name,
        org: r.org,
        roles: r.roles,
        phone: r.phone,
        must_change: r.must_change,
    }
}

fn org_of(o: rec::Org) -> Org {
    Org {
        id: o.id,
        kind: o.kind,
        provider_type: o.provider_type,
        name_kk: o.name_kk,
        name_ru: o.name_ru,
        name_en: o.name_en,
        signing_role: o.signing_role,
    }
}

fn note_of(n: rec::NoteRow) -> Note {
    Note {
        step: n.step,
        login: n.login,
        name: n.name,
        outcome: n.outcome,
        note: n.note,
        at: ts(n.at),
        public: n.public,
    }
}

fn document_of(d: rec::DocumentRow) -> IssuedDocument {
    IssuedDocument {
        code: d.code,
        application: d.application,
        kind: d.kind,
        lang: d.lang,
        content_hash: d.content_hash,
        issued_at: ts(d.issued_at),
    }
}

fn notification_of(n: rec::NotificationRow) -> NotificationRow {
    NotificationRow {
        id: n.id,
        outbox_id: n.outbox_id,
        application: n.application,
        channel: n.channel,
        recipient: n.recipient,
        message: n.message,
        status: n.status,
        created_at: ts(n.created_at),
        send_after: n.send_after.map(ts),
        sent_at: n.sent_at.map(ts),
    }
}

impl Org {
    /// The record the store keeps.
    pub fn record(&self) -> Record {
        Record::Org(rec::Org {
            id: self.id.clone(),
            kind: self.kind.clone(),
            provider_type: self.provider_type.clone(),
            name_kk: self.name_kk.clone(),
            name_ru: self.name_ru.clone(),
            name_en: self.name_en.clone(),
            signing_role: self.signing_role.clone(),
        })
    }
}

impl Accounts {
    pub fn new(store: Arc<dyn Store>, cost: PasswordCost) -> Accounts {
        let dummy = hash_password("not a password", cost).unwrap_or_default();
        Accounts {
            store,
            cost,
            gate: PasswordGate::new(cost),
            dummy,
        }
    }

    pub fn cost(&self) -> PasswordCost {
        self.cost
    }

    /// One record written as its own action (at real time).
    fn write(&self, r: Record) -> Res<Written> {
        let mut o = self.store.act(Action::new(Timestamp::now()).record(r))?;
        Ok(o.written.pop().unwrap_or(Written::Done))
    }

    // ---- organisations -------------------------------------------------------------------

    pub fn upsert_org(&self, o: &Org) -> Res<()> {
        self.write(o.record()).map(|_| ())
    }

    pub fn orgs(&self) -> Res<Vec<Org>> {
        Ok(self.store.orgs()?.into_iter().map(org_of).collect())
    }

    pub fn org(&self, id: &str) -> Res<Option<Org>> {
        Ok(self.store.org(id)?.map(org_of))
    }

    // ---- accounts ------------------------------------------------------------------------

    /// Creates an account with an already hashed password; fails on a taken login or IIN
    /// (`StoreError::Conflict`).
    pub fn create(&self, a: &NewAccount<'_>, password_hash: &str) -> Res<Account> {
        let w = self.write(Record::Account(rec::NewAccount {
            login: a.login.to_string(),
            kind: a.kind.as_str().to_string(),
            iin: a.iin.map(String::from),
            name: a.name.to_string(),
            org: a.org.map(String::from),
            roles: a.roles.to_vec(),
            phone: a.phone.map(String::from),
            password_hash: password_hash.to_string(),
            created_at: Timestamp::now(),
        }))?;
        let Written::Id(id) = w else {
            return Err(StoreError::Db(
                "an account was written without an id".into(),
            ));
        };
        self.by_id(id)?
            .ok_or_else(|| StoreError::Db("the new account vanished".into()))
    }

    /// Sets the password of `login` (creating nothing); true when the account exists.
    pub fn set_password(&self, login: &str, password_hash: &str) -> Res<bool> {
        Ok(matches!(
            self.write(Record::SetPassword {
                login: login.to_string(),
                password_hash: password_hash.to_string(),
            })?,
            Written::Count(n) if n > 0
        ))
    }

    pub fn by_id(&self, id: i64) -> Res<Option<Account>> {
        Ok(self.store.account(id)?.map(account_of))
    }

    pub fn by_login(&self, login: &str) -> Res<Option<Account>> {
        Ok(self.store.account_by_login(login)?.map(account_of))
    }

    pub fn by_iin(&self, iin: &str) -> Res<Option<Account>> {
        Ok(self.store.account_by_iin(iin)?.map(account_of))
    }

    pub fn count(&self) -> Res<i64> {
        self.store.account_count()
    }

    pub fn list(&self) -> Res<Vec<Account>> {
        let mut all: Vec<Account> = self.store.accounts()?.into_iter().map(account_of).collect();
        all.sort_by(|a, b| (a.kind.as_str(), &a.login).cmp(&(b.kind.as_str(), &b.login)));
        Ok(all)
    }

    /// Checks a login (login name or IIN) and password from `source` (the client's address).
    /// Blocking: argon2 runs here, under `permit`.
    ///
    /// The attempt is reserved first (see the module's login rules): a locked pair, source or
    /// account is answered without checking; the attempt that reaches a limit is still checked
    /// and, wrong, answered locked. A right password clears the pair's and the account's counts.
    pub fn login(
        &self,
        login: &str,
        password: &str,
        source: &str,
        permit: Permit,
    ) -> Res<Result<Account, LoginError>> {
        let login = login.trim();
        let row = self.store.account_by_login(login)?;
        let keys = throttle_keys(row.as_ref().map(|r| r.id), login, source);
        let lock = match self.reserve(keys.clone())? {
            Ok(lock) => lock,
            Err(until) => return Ok(Err(LoginError::Locked { until })),
        };
        let phc = row
            .as_ref()
            .map_or(self.dummy.as_str(), |r| &r.password_hash);
        let ok = self.gate.run(&permit, || verify_password(password, phc));
        drop(permit);
        match row {
            Some(row) if ok => {
                self.clear(&keys)?;
                Ok(Ok(account_of(row)))
            }
            _ => Ok(Err(match lock {
                Some(until) => LoginError::Locked { until },
                None => LoginError::BadCredentials,
            })),
        }
    }

    /// Reserves an attempt: `Ok(the lock this attempt started)` or `Err(locked until)`.
    fn reserve(&self, keys: Vec<Throttle>) -> Res<Result<Option<Timestamp>, Timestamp>> {
        let now = Timestamp::now();
        match self.write(Record::LoginAttempt {
            at: now,
            keys,
            window_secs: THROTTLE_WINDOW_SECS,
        })? {
            Written::Attempt {
                allowed: true,
                locked_until,
            } => Ok(Ok(locked_until)),
            Written::Attempt { locked_until, .. } => Ok(Err(locked_until.unwrap_or(now))),
            w => Err(StoreError::Db(format!("a login attempt answered {w:?}"))),
        }
    }

    /// Clears the pair's and the account's counts. The source only gets this attempt back:
    /// clearing it would let one's own account reset a source that tries others'.
    fn clear(&self, keys: &[Throttle]) -> Res<()> {
        let (source, others): (Vec<Throttle>, Vec<Throttle>) =
            keys.iter().cloned().partition(|k| k.key.starts_with("s:"));
        self.write(Record::LoginReset {
            keys: others.into_iter().map(|k| k.key).collect(),
            refund: source,
        })
        .map(|_| ())
    }

    /// Hashes a new password under `permit`.
    pub fn hash(&self, password: &str, permit: &Permit) -> Result<String, String> {
        self.gate.run(permit, || hash_password(password, self.cost))
    }

    /// Changes `account`'s password after checking its current one (counted like a login from
    /// `source`); ends its other sessions (all but `keep_session`, a session secret).
    pub fn change_password(
        &self,
        account: &Account,
        current: &str,
        new: &str,
        source: &str,
        keep_session: Option<&str>,
        permit: Permit,
    ) -> Res<Result<(), LoginError>> {
        let Some(row) = self.store.account(account.id)? else {
            return Ok(Err(LoginError::BadCredentials));
        };
        let keys = throttle_keys(Some(row.id), &row.login, source);
        let lock = match self.reserve(keys.clone())? {
            Ok(lock) => lock,
            Err(until) => return Ok(Err(LoginError::Locked { until })),
        };
        if !self
            .gate
            .run(&permit, || verify_password(current, &row.password_hash))
        {
            return Ok(Err(match lock {
                Some(until) => LoginError::Locked { until },
                None => LoginError::BadCredentials,
            }));
        }
        let hash = self.hash(new, &permit).map_err(StoreError::Db)?;
        drop(permit);
        self.clear(&keys)?;
        self.write(Record::ChangePassword {
            account: row.id,
            password_hash: hash,
            keep_session: keep_session.map(sha256_hex),
        })?;
        Ok(Ok(()))
    }

    /// `account` must change its password before anything else (a one-time password).
    pub fn require_password_change(&self, account: i64) -> Res<()> {
        self.write(Record::MustChangePassword { account })
            .map(|_| ())
    }

    // ---- sessions ------------------------------------------------------------------------

    /// A new session: (session secret for the cookie, its CSRF token).
    pub fn create_session(&self, account: i64) -> Res<(String, String)> {
        let token = new_secret();
        let csrf = new_secret();
        let now = Timestamp::now();
        self.write(Record::Session {
            token_hash: sha256_hex(&token),
            account,
            csrf: csrf.clone(),
            created_at: now,
            expires_at: now + SignedDuration::from_hours(SESSION_HOURS),
        })?;
        Ok((token, csrf))
    }

    /// The account and CSRF token of a live session.
    pub fn session(&self, token: &str) -> Res<Option<(Account, String)>> {
        Ok(self
            .store
            .session(&sha256_hex(token), Timestamp::now())?
            .map(|(a, csrf)| (account_of(a), csrf)))
    }

    pub fn end_session(&self, token: &str) -> Res<()> {
        self.write(Record::EndSession {
            token_hash: sha256_hex(token),
        })
        .map(|_| ())
    }

    // ---- API tokens ----------------------------------------------------------------------

    /// A new API token for `account` with `scopes`; the secret is shown once.
    pub fn create_token(&self, account: i64, name: &str, scopes: &[String]) -> Res<(i64, String)> {
        let secret = format!("qz_{}", new_secret());
        let w = self.write(Record::Token {
            token_hash: sha256_hex(&secret),
            account,
            name: name.to_string(),
            scopes: scopes.to_vec(),
            created_at: Timestamp::now(),
        })?;
        match w {
            Written::Id(id) => Ok((id, secret)),
            _ => Err(StoreError::Db("a token was written without an id".into())),
        }
    }

    /// The account and scopes of a live (not revoked) token.
    pub fn token(&self, secret: &str) -> Res<Option<(Account, Vec<String>)>> {
        Ok(self
            .store
            .token(&sha256_hex(secret))?
            .map(|(a, t)| (account_of(a), t.scopes)))
    }

    pub fn tokens(&self, account: i64) -> Res<Vec<TokenInfo>> {
        Ok(self
            .store
            .tokens(account)?
            .into_iter()
            .map(|t| TokenInfo {
                id: t.id,
                name: t.name,
                scopes: t.scopes,
                created_at: ts(t.created_at),
                revoked_at: t.revoked_at.map(ts),
            })
            .collect())
    }

    /// Revokes token `id` of `account`; true when it was live.
    pub fn revoke_token(&self, account: i64, id: i64) -> Res<bool> {
        Ok(matches!(
            self.write(Record::RevokeToken {
                account,
                id,
                at: Timestamp::now(),
            })?,
            Written::Count(n) if n > 0
        ))
    }

    // ---- notes and documents -------------------------------------------------------------

    pub fn notes(&self, application: &str) -> Res<Vec<Note>> {
        Ok(self
            .store
            .notes(application)?
            .into_iter()
            .map(note_of)
            .collect())
    }

    pub fn record_document(&self, d: &IssuedDocument) -> Res<()> {
        self.write(d.record()).map(|_| ())
    }

    pub fn document(&self, code: &str) -> Res<Option<IssuedDocument>> {
        Ok(self.store.document(code)?.map(document_of))
    }

    /// The document whose PDF has this SHA-256 (hex), if one was issued here.
    pub fn document_by_hash(&self, content_hash: &str) -> Res<Option<IssuedDocument>> {
        Ok(self.store.document_by_hash(content_hash)?.map(document_of))
    }

    // ---- notifications -------------------------------------------------------------------

    /// Logs a notification: its row's id, or None when this outbox entry was already logged
    /// on this channel (by this node or another: the row is the claim to send it).
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
    ) -> Res<Option<i64>> {
        Ok(
            match self.write(Record::Notification {
                outbox_id,
                application: application.to_string(),
                channel: channel.to_string(),
                recipient: recipient.to_string(),
                message: message.to_string(),
                status: status.to_string(),
                created_at: now,
                send_after,
            })? {
                Written::Id(id) => Some(id),
                _ => None,
            },
        )
    }

    /// Sets a notification's status, only if it is `from` (when given); false when it was
    /// not (another node changed it first).
    pub fn mark_notification(
        &self,
        id: i64,
        status: &str,
        now: Timestamp,
        from: Option<&str>,
    ) -> Res<bool> {
        Ok(matches!(
            self.write(Record::MarkNotification {
                id,
                status: status.to_string(),
                at: now,
                from: from.map(str::to_string),
            })?,
            Written::Count(n) if n > 0
        ))
    }

    /// Deferred notifications whose time has come.
    pub fn due_notifications(&self, now: Timestamp) -> Res<Vec<NotificationRow>> {
        Ok(self
            .store
            .due_notifications(now)?
            .into_iter()
            .map(notification_of)
            .collect())
    }

    pub fn notifications(&self, application: Option<&str>) -> Res<Vec<NotificationRow>> {
        Ok(self
            .store
            .notifications(application)?
            .into_iter()
            .map(notification_of)
            .collect())
    }
}

impl Note {
    /// The record of this note on `application`, made at `at`.
    pub fn record(&self, application: &str, at: Timestamp) -> Record {
        Record::Note(rec::NoteRow {
            application: application.to_string(),
            step: self.step,
            login: self.login.clone(),
            name: self.name.clone(),
            outcome: self.outcome.clone(),
            note: self.note.clone(),
            at,
            public: self.public,
        })
    }
}

impl IssuedDocument {
    pub fn record(&self) -> Record {
        Record::Document(rec::DocumentRow {
            code: self.code.clone(),
            application: self.application.clone(),
            kind: self.kind.clone(),
            lang: self.lang.clone(),
            content_hash: self.content_hash.clone(),
            issued_at: parse_ts(&self.issued_at).unwrap_or_else(Timestamp::now),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (testkit::TempDir, Accounts) {
        let ctx = crate::load_context(Some(&testkit::regulations_dir())).unwrap();
        let (d, store) = testkit::temp_store("accounts", ctx);
        let a = Accounts::new(Arc::new(store), PasswordCost::Test);
        (d, a)
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

    fn login(a: &Accounts, login: &str, pw: &str) -> Result<Account, LoginError> {
        let permit = a.gate.try_permit().unwrap();
        a.login(login, pw, "192.0.2.1", permit).unwrap()
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
                login(&a, "100515500003", "wrong"),
                Err(LoginError::BadCredentials),
                "attempt {i}"
            );
        }
        assert!(matches!(
            login(&a, "100515500003", "wrong"),
            Err(LoginError::Locked { .. })
        ));
        // Even the right password is refused while locked.
        assert!(matches!(
            login(&a, "100515500003", "correct horse"),
            Err(LoginError::Locked { .. })
        ));
        assert_eq!(login(&a, "nobody", "x"), Err(LoginError::BadCredentials));
        let _ = c;
    }

    #[test]
    fn sessions_and_tokens() {
        let (_d, a) = db();
        let c = citizen(&a);
        assert_eq!(login(&a, "100515500003", "correct horse").unwrap().id, c.id);
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

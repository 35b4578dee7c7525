//! The server's records beside the journal: organisations, accounts, sessions, API tokens,
//! officials' notes, issued documents, notifications, uploaded files and State Corporation
//! e-queue bookings — written only inside an [`Action`](crate::Action), so that a user action
//! and everything it records share one transaction.
//!
//! For: the typed rows ([`Record`] to write, the structs to read back) and the read API
//! ([`Records`]). Not for: policy (who may log in, how long a lockout lasts: the caller
//! decides and writes the result), password hashing, or anything derived from the journal (those
//! are read models, see [`crate::views`]).
//!
//! Instants are [`Timestamp`]s; the SQLite store keeps them as fixed-width UTC text.

use crate::StoreError;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// An organisation: a provider (of one provider type of the catalogue), the State
/// Corporation, or a system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    pub id: String,
    /// `provider`, `state_corporation` or `system`.
    pub kind: String,
    /// A regulation's `[[providers]]` id.
    pub provider_type: Option<String>,
    pub name_kk: String,
    pub name_ru: String,
    pub name_en: String,
    /// A provider's role that signs its results (the authorised person's signature), where it
    /// is not the role the regulations name; the store keeps the engine's context in line
    /// with it ([`engine::Ctx::step_role`]).
    #[serde(default)]
    pub signing_role: Option<String>,
}

/// A person who can log in, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRow {
    pub id: i64,
    pub login: String,
    /// `citizen`, `staff`, `monitor` or `admin`.
    pub kind: String,
    pub iin: Option<String>,
    pub name: String,
    pub org: Option<String>,
    pub roles: Vec<String>,
    pub phone: Option<String>,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Failed logins in a row.
    pub failed: i64,
    pub locked_until: Option<Timestamp>,
    pub created_at: Timestamp,
    /// The password was set by someone else (the first start's one-time password): it must be
    /// changed before anything else.
    pub must_change: bool,
}

/// One counter of a login attempt: its key, how many attempts it allows before a lock, and
/// the lock lengths after that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throttle {
    /// `p:<account>:<source>`, `s:<source>`, `a:<account>`: the caller's choice.
    pub key: String,
    pub limit: i64,
    /// Minutes of lock when the n-th attempt past `limit - 1` is counted (index 0 = the
    /// `limit`-th attempt); the last one repeats.
    pub lock_minutes: Vec<i64>,
}

/// A new account (its id is assigned by the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAccount {
    pub login: String,
    pub kind: String,
    pub iin: Option<String>,
    pub name: String,
    pub org: Option<String>,
    pub roles: Vec<String>,
    pub phone: Option<String>,
    pub password_hash: String,
    pub created_at: Timestamp,
}

/// An API token as listed (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRow {
    pub id: i64,
    pub account: i64,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// An official's note on a step (the head's resolution, the executor's check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteRow {
    pub application: String,
    pub step: usize,
    pub login: String,
    pub name: String,
    pub outcome: String,
    pub note: String,
    pub at: Timestamp,
    /// A comment to the applicant, shown to them; otherwise internal to the staff.
    #[serde(default)]
    pub public: bool,
}

/// A document issued (rendered), for `/verify/{code}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRow {
    pub code: String,
    pub application: String,
    pub kind: String,
    pub lang: String,
    pub content_hash: String,
    pub issued_at: Timestamp,
}

/// A row of the notifications log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationRow {
    pub id: i64,
    pub outbox_id: i64,
    pub application: String,
    pub channel: String,
    pub recipient: String,
    pub message: String,
    /// `sent`, `deferred` or `failed`.
    pub status: String,
    pub created_at: Timestamp,
    pub send_after: Option<Timestamp>,
    pub sent_at: Option<Timestamp>,
}

/// A file linked to an application or kept for a form's signing step (without its bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRow {
    /// 1, 2, … in the order sent.
    pub n: i64,
    pub field: String,
    pub filename: String,
    pub sha256: String,
    pub content_type: String,
    pub size: i64,
}

/// A State Corporation e-queue slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotRow {
    pub id: i64,
    pub centre: String,
    pub start: Timestamp,
    pub capacity: i64,
    /// Active bookings of the slot.
    pub taken: i64,
}

/// An active booking to collect a result at a State Corporation centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRow {
    pub id: i64,
    pub slot: i64,
    pub centre: String,
    pub start: Timestamp,
    pub application: String,
    pub account: i64,
    pub created_at: Timestamp,
}

/// One write of an [`Action`](crate::Action). Each answers a [`Written`]; a write that breaks
/// a uniqueness rule (a login taken, a slot booked) fails its whole action with
/// [`StoreError::Conflict`] naming the rule, and nothing of the action is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Record {
    /// Insert or update an organisation.
    Org(Org),
    /// A new account → `Written::Id`. Conflicts: `account.login_taken`, `account.iin_taken`.
    Account(NewAccount),
    /// → `Written::Count` (0: no such login).
    SetPassword {
        login: String,
        password_hash: String,
    },
    /// A failed login, counted atomically: `failed` grows by one; from `lock_after` failures
    /// on the account is locked until `at + lock_minutes(failed)` → `Written::Login`.
    LoginFailed {
        account: i64,
        at: Timestamp,
        lock_after: i64,
        /// Minutes of lock for the n-th failure past `lock_after` (index 0 = the first).
        lock_minutes: Vec<i64>,
    },
    /// A successful login resets the failure count and lock.
    LoginSucceeded {
        account: i64,
    },
    /// Reserves a login attempt before its password is checked, atomically over every key:
    /// refused (nothing counted) when a key is locked at `at`; otherwise each key counts one
    /// more attempt (forgetting counts idle for `window_secs`) and locks once it reaches its
    /// limit → `Written::Attempt`. Rows idle for `window_secs` are dropped.
    LoginAttempt {
        at: Timestamp,
        keys: Vec<Throttle>,
        window_secs: i64,
    },
    /// A password proved right: these keys' counts and locks are cleared, and the attempt is
    /// taken back from the `refund` keys (one count less; a lock it started is lifted).
    LoginReset {
        keys: Vec<String>,
        refund: Vec<Throttle>,
    },
    /// A new password for an account: clears `must_change` and the account's throttle rows,
    /// and ends its sessions but `keep_session` (a token hash) → `Written::Count`.
    ChangePassword {
        account: i64,
        password_hash: String,
        keep_session: Option<String>,
    },
    /// The account must change its password before anything else.
    MustChangePassword {
        account: i64,
    },
    Session {
        token_hash: String,
        account: i64,
        csrf: String,
        created_at: Timestamp,
        expires_at: Timestamp,
    },
    EndSession {
        token_hash: String,
    },
    /// → `Written::Id`.
    Token {
        token_hash: String,
        account: i64,
        name: String,
        scopes: Vec<String>,
        created_at: Timestamp,
    },
    /// → `Written::Count` (1 when it was live).
    RevokeToken {
        account: i64,
        id: i64,
        at: Timestamp,
    },
    Note(NoteRow),
    /// Kept once per code (a second time changes nothing).
    Document(DocumentRow),
    /// → `Written::Id` of the new row, or `Written::Count(0)` when this outbox entry was
    /// logged on this channel already (so a row `sending` is a claim to send it, once).
    Notification {
        outbox_id: i64,
        application: String,
        channel: String,
        recipient: String,
        message: String,
        status: String,
        created_at: Timestamp,
        send_after: Option<Timestamp>,
    },
    /// → `Written::Count` (0: no such row, or its status is not `from`).
    MarkNotification {
        id: i64,
        status: String,
        at: Timestamp,
        /// Only when the row's status is this (a compare-and-set: one node wins a claim).
        from: Option<String>,
    },
    /// File bytes, once per SHA-256.
    File {
        sha256: String,
        content_type: String,
        data: Vec<u8>,
        created_at: Timestamp,
    },
    /// Link a stored file to an application, after those linked before.
    LinkFile {
        application: String,
        field: String,
        filename: String,
        sha256: String,
    },
    /// Keep files for a portal form's signing step (replacing that form's earlier ones).
    Drafts {
        account: i64,
        key: String,
        files: Vec<(String, String, String)>,
        created_at: Timestamp,
    },
    DropDrafts {
        account: i64,
        key: String,
    },
    /// Drafts older than `before` are dropped (and files nothing links to any more) →
    /// `Written::Count` of drafts dropped.
    ExpireDrafts {
        before: Timestamp,
    },
    /// Make sure these slots exist (capacity 1).
    Slots {
        centre: String,
        starts: Vec<Timestamp>,
    },
    /// → `Written::Id` of the booking. Conflicts: `equeue.slot_taken`,
    /// `equeue.already_booked`; `equeue.slot_unknown`.
    Book {
        slot: i64,
        application: String,
        account: i64,
        at: Timestamp,
    },
    /// → `Written::Count` of bookings cancelled.
    CancelBooking {
        application: String,
        at: Timestamp,
    },
}

/// What a [`Record`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Written {
    Done,
    Id(i64),
    Count(usize),
    Login {
        failed: i64,
        locked_until: Option<Timestamp>,
    },
    /// A [`Record::LoginAttempt`]: whether the password may be checked, and until when a key
    /// is locked (the lock that refused it, or the one this attempt started).
    Attempt {
        allowed: bool,
        locked_until: Option<Timestamp>,
    },
}

/// Reading the records. Every method may be called from any thread.
pub trait Records: Send + Sync {
    fn orgs(&self) -> Result<Vec<Org>, StoreError>;
    fn org(&self, id: &str) -> Result<Option<Org>, StoreError>;
    fn account(&self, id: i64) -> Result<Option<AccountRow>, StoreError>;
    /// By login, or by IIN (citizens log in with it).
    fn account_by_login(&self, login_or_iin: &str) -> Result<Option<AccountRow>, StoreError>;
    fn account_by_iin(&self, iin: &str) -> Result<Option<AccountRow>, StoreError>;
    fn accounts(&self) -> Result<Vec<AccountRow>, StoreError>;
    fn account_count(&self) -> Result<i64, StoreError>;
    /// The account and CSRF token of a session alive at `now`.
    fn session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(AccountRow, String)>, StoreError>;
    /// A live (not revoked) token and its account.
    fn token(&self, token_hash: &str) -> Result<Option<(AccountRow, TokenRow)>, StoreError>;
    fn tokens(&self, account: i64) -> Result<Vec<TokenRow>, StoreError>;
    fn notes(&self, application: &str) -> Result<Vec<NoteRow>, StoreError>;
    fn document(&self, code: &str) -> Result<Option<DocumentRow>, StoreError>;
    /// The first document issued with this content SHA-256 (hex, any case).
    fn document_by_hash(&self, content_hash: &str) -> Result<Option<DocumentRow>, StoreError>;
    /// Deferred notifications whose time has come at `now`.
    fn due_notifications(&self, now: Timestamp) -> Result<Vec<NotificationRow>, StoreError>;
    fn notifications(&self, application: Option<&str>) -> Result<Vec<NotificationRow>, StoreError>;
    fn files(&self, application: &str) -> Result<Vec<FileRow>, StoreError>;
    fn file(&self, application: &str, n: i64) -> Result<Option<(FileRow, Vec<u8>)>, StoreError>;
    /// A form's kept files with their bytes, in order.
    fn drafts(&self, account: i64, key: &str) -> Result<Vec<(FileRow, Vec<u8>)>, StoreError>;
    /// Stored file blobs (tests: a refused submission stores nothing).
    fn file_count(&self) -> Result<i64, StoreError>;
    /// Slots starting in `[from, to)`, at `centre` or every centre.
    fn slots(
        &self,
        centre: Option<&str>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<SlotRow>, StoreError>;
    fn booking(&self, application: &str) -> Result<Option<BookingRow>, StoreError>;
    /// Active bookings of slots starting in `[from, to)`.
    fn bookings(
        &self,
        centre: Option<&str>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<BookingRow>, StoreError>;
}

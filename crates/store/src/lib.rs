//! Persistence for the engine: what the engine decided, kept durably and shown back.
//!
//! For: running engine commands against stored state and persisting their events in one
//! transaction — the hash-chained **journal** (the source of truth), the **read views**
//! (`applications`, `tasks`) and the **outbox** (events still to publish) — plus idempotent
//! submission, optimistic concurrency on steps, schema migrations and journal verification.
//! The [`Store`] trait is what the server and CLI program against; [`SqliteStore`] is the
//! embedded default (WAL, `synchronous=FULL`, one writer thread with group commit);
//! [`PgStore`] is the same store over a PostgreSQL schema, for several nodes on one database
//! (each command locks its application's row; a batch that loses a race to another node is
//! run again). Both share the pure half of the writer (`decide`, `jobs`, `verify`) and pass
//! the same test suite (`tests/common` runs each test on every store it can reach).
//!
//! Not for: deciding anything (that is `engine::decide`), reading a clock (every command comes
//! with its `now`), publishing the outbox (a dispatcher reads [`Store::outbox_pending`] and
//! calls [`Store::mark_published`]), or computing SLA status (callers run `engine::sla::sla`
//! over [`Store::open_applications`]).
//!
//! # Guarantees
//! - A command is acknowledged (its [`Outcome`] returned) only after the transaction holding
//!   its events is committed with `synchronous=FULL`: an acknowledged command survives kill -9.
//! - Commands reach the engine one at a time, in queue order, each seeing the state the
//!   previous one left (even inside one batch): two officials completing the same step get
//!   one success and one `Rejection::WrongStep`.
//! - A `Submit` whose `key` was seen before returns the first result (same application, same
//!   events, `replayed: true`) and writes nothing. Rejected submissions are not remembered: they
//!   changed nothing, so a retry is decided afresh.
//! - A rejected command never aborts its batch; a database error aborts and fails the whole
//!   batch (every command in it gets [`StoreError::Db`]; none of them happened).
//! - A store that cannot write durably any more — its file deleted, moved or replaced while
//!   open, made read-only, the disk full, the writer gone — refuses every write with
//!   [`StoreError::Db`] saying why, never acknowledges one, and says so in [`Store::health`].
//!   Read-only, disk full and I/O errors clear once the store can write again; a vanished or
//!   replaced file is final until restart.

mod chain;
mod decide;
mod instant;
mod jobs;
mod leases;
mod postgres;
pub mod preschool;
pub mod records;
pub mod schema;
mod sqlite;
mod verify;
pub mod views;

pub use self::postgres::{PgOptions, PgStore, schema as pg_schema};
pub use chain::{GENESIS, Problem, entry_hash, journal_digest};
pub use engine::{Application, Command, Event, Rejection, Status};
pub use jiff::Timestamp;
pub use jobs::Ticket;
pub use preschool::{QueueCell, QueueEntry};
pub use records::{Record, Records, Written};
pub use sqlite::{BackupReport, Options, SqliteStore};
pub use views::{ListQuery, ListRow, Page, Scope};

use serde::{Deserialize, Serialize};

/// What a command did: its events and the application after them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    /// The events the command appended (for a replayed `Submit`: the events of the first one).
    pub events: Vec<Event>,
    /// The application after the command (for a replayed `Submit`: as the first one left it).
    pub application: Application,
    /// True when an idempotency key matched an earlier submission and nothing was written.
    pub replayed: bool,
}

/// Why a store call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The engine refused the command; nothing was written.
    #[error("rejected: {0}")]
    Rejected(#[from] Rejection),
    /// The database failed; for a command, its whole batch was rolled back.
    #[error("database error: {0}")]
    Db(String),
    /// The engine panicked on this command (a bug); nothing was written for it.
    #[error("engine failure: {0}")]
    Engine(String),
    /// A record broke a uniqueness rule (`rule`, e.g. `equeue.slot_taken`); nothing of the
    /// action was written.
    #[error("conflict ({rule}): {detail}")]
    Conflict { rule: String, detail: String },
    /// The preschool queue refused a command (`field` and the rule it breaks); nothing of the
    /// action was written.
    #[error("queue: {field}: {rule}")]
    Queue { field: String, rule: String },
    /// The store is shut down (or its writer thread died).
    #[error("the store is closed")]
    Closed,
}

impl From<queue::QueueError> for StoreError {
    fn from(e: queue::QueueError) -> Self {
        match e {
            queue::QueueError::Refused { field, rule } => StoreError::Queue {
                field: field.to_string(),
                rule,
            },
            queue::QueueError::Rules { field, rule } => StoreError::Queue { field, rule },
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(e.to_string())
    }
}

/// One open application in a work queue: who must act on it now, and by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub application: String,
    /// The organisation that must act: the provider's id, `state_corporation` or `portal`.
    pub org: String,
    /// The role of the current step.
    pub role: String,
    /// Plan index of the current step: what `Command::Complete` must name.
    pub step: usize,
    pub step_due: Option<Timestamp>,
    pub term_due: Option<Timestamp>,
    pub status: Status,
    pub regulation: String,
    pub version: u32,
    pub provider: String,
}

/// An event waiting in the outbox to be published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// Outbox id: pass it to [`Store::mark_published`].
    pub id: i64,
    /// The journal entry the event comes from.
    pub journal_seq: i64,
    pub application: String,
    pub event: Event,
    pub created_at: Timestamp,
}

/// The result of [`Store::verify_journal`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Journal entries checked (up to and including the first broken one).
    pub entries: u64,
    /// Applications whose chain was walked.
    pub applications: u64,
    /// The first broken entry in global order, if any.
    pub broken: Option<Broken>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.broken.is_none()
    }
}

/// A journal entry whose chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Broken {
    /// Global sequence number of the entry.
    pub seq: i64,
    pub application: String,
    /// Per-application sequence number as stored.
    pub app_seq: i64,
    pub problem: Problem,
}

impl std::fmt::Display for Broken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "journal entry #{} (application `{}`, entry {}): {}",
            self.seq, self.application, self.app_seq, self.problem
        )
    }
}

/// Whether the store can write (see [`Store::health`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthState {
    Ok,
    /// The database file was deleted or moved away while open (final until restart).
    Gone,
    /// Another file now sits at the database's path (final until restart).
    Replaced,
    /// The file or its file system is read-only.
    ReadOnly,
    /// The disk (or a configured size limit) is full.
    Full,
    /// Writes fail with an I/O error.
    IoError,
    /// The writer thread is gone.
    WriterDead,
    /// The store was shut down.
    Closed,
}

/// The store's health: for liveness and readiness probes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub state: HealthState,
    /// Whether writes can be taken now.
    pub writable: bool,
    /// Why not, in words (None when ok).
    pub detail: Option<String>,
}

impl Health {
    pub fn ok() -> Health {
        Health {
            state: HealthState::Ok,
            writable: true,
            detail: None,
        }
    }
    pub fn new(state: HealthState, detail: impl Into<String>) -> Health {
        Health {
            writable: state == HealthState::Ok,
            state,
            detail: Some(detail.into()),
        }
    }
    /// A line for logs and errors.
    pub fn message(&self) -> String {
        match &self.detail {
            Some(d) => d.clone(),
            None => "ok".into(),
        }
    }
}

/// The whole journal's digest up to an entry (see [`journal_digest`]): what an anchor signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalHead {
    /// Global sequence number of the last entry covered (0: the empty journal).
    pub seq: i64,
    /// Entries covered.
    pub entries: u64,
    /// Hex digest of every entry's hash up to `seq`, in global order.
    pub digest: String,
}

/// The answer of [`Store::journal_heads`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalHeads {
    /// One per asked position, in the order asked; None when the journal has no entry there.
    pub at: Vec<Option<JournalHead>>,
    /// The head of the whole journal.
    pub last: JournalHead,
}

/// Counters of the writer, for tests, benchmarks and `/metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Transactions committed.
    pub transactions: u64,
    /// Commands answered from committed transactions (accepted, rejected or replayed).
    pub commands: u64,
    /// The largest number of jobs in one transaction.
    pub largest_batch: u64,
    /// Batches rolled back on a database error.
    pub failed_batches: u64,
}

/// One user action: engine commands, the automatic steps they lead to, and the records that
/// go with them — decided and written in **one transaction**, all or nothing.
///
/// Ops run in order, each seeing what the earlier ones did. A rejected command or a
/// conflicting record ends the action: nothing of it is written and its error is the answer.
/// A `Submit` whose idempotency key was seen before ends the action too: nothing is written
/// and the answer is `replayed`, with the application as it is now.
#[derive(Debug, Clone)]
pub struct Action {
    pub now: Timestamp,
    pub ops: Vec<Op>,
    /// Who acts (an account's login; None: the system, as time does): journalled with the
    /// preschool queue's events (engine commands name their actor themselves).
    pub by: Option<String>,
}

/// One step of an [`Action`].
#[derive(Debug, Clone)]
pub enum Op {
    /// An engine command.
    Command(Command),
    /// Complete the application's automatic steps (`engine::automatic_step`: the portal's and
    /// information systems' steps) until a person's step is current or it closes.
    Advance(String),
    /// A record beside the journal.
    Record(Record),
    /// A command of the preschool queue, at the action's `now` (the events time causes up to
    /// then come first).
    Queue(queue::Command),
    /// What time alone does to the preschool queue up to the action's `now` (terms lapsing,
    /// stop lists ending, proofs expiring, a new preschool year).
    QueueAdvance,
}

impl Action {
    pub fn new(now: Timestamp) -> Action {
        Action {
            now,
            ops: vec![],
            by: None,
        }
    }
    /// Who acts (see [`Action::by`]).
    pub fn by(mut self, login: impl Into<String>) -> Action {
        self.by = Some(login.into());
        self
    }
    pub fn command(mut self, c: Command) -> Action {
        self.ops.push(Op::Command(c));
        self
    }
    pub fn advance(mut self, application: impl Into<String>) -> Action {
        self.ops.push(Op::Advance(application.into()));
        self
    }
    pub fn record(mut self, r: Record) -> Action {
        self.ops.push(Op::Record(r));
        self
    }
    pub fn records(mut self, rs: impl IntoIterator<Item = Record>) -> Action {
        self.ops.extend(rs.into_iter().map(Op::Record));
        self
    }
    pub fn queue(mut self, c: queue::Command) -> Action {
        self.ops.push(Op::Queue(c));
        self
    }
}

/// What an [`Action`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionOutcome {
    /// One per command run (those of `Op::Command` and the automatic steps), in order; for a
    /// replay, the replayed submission's.
    pub outcomes: Vec<Outcome>,
    /// One per `Op::Record`, in order (empty for a replay).
    pub written: Vec<Written>,
    /// An idempotency key matched an earlier submission: nothing was written.
    pub replayed: bool,
    /// The last application the action touched, as it is after the action.
    pub application: Option<Application>,
    /// The preschool queue's events the action journalled (of `Op::Queue`, `Op::QueueAdvance`).
    #[serde(default)]
    pub queue_events: Vec<queue::Event>,
}

/// What `rebuild_views` found or did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebuildReport {
    pub applications: u64,
    pub events: u64,
    /// Rows of the live views that differ from the rebuild (table and key), at most 100.
    pub differences: Vec<String>,
    /// How many differences there were in all.
    pub difference_count: u64,
    /// True when the live views were replaced by the rebuild.
    pub replaced: bool,
}

/// Monitoring aggregates over a scope and a period (submission days), as stored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Aggregates {
    pub steps: Vec<StepAggregate>,
    pub apps: Vec<AppAggregate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepAggregate {
    pub regulation: String,
    pub channel: String,
    pub provider: String,
    pub step: usize,
    pub role: String,
    pub completed: u64,
    pub measured: u64,
    pub on_time: u64,
    pub seconds_sum: i64,
    pub legal_seconds_sum: i64,
    pub legal_n: u64,
    /// Counts per `views::BUCKETS` bucket.
    pub hist: Vec<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppAggregate {
    pub regulation: String,
    pub channel: String,
    pub provider: String,
    pub submitted: u64,
    pub open: i64,
    pub term_measured: u64,
    pub term_on_time: u64,
    /// Results (and refusals) issued after the term, and the working days they were late by
    /// in all.
    pub results_late: u64,
    pub results_late_days: u64,
}

/// Persistence for the engine. Every method may be called from any thread.
pub trait Store: Records + Send + Sync {
    /// Run one user action in one transaction (see [`Action`]); returns once it is durable.
    fn act(&self, action: Action) -> Result<ActionOutcome, StoreError>;
    /// A page of list rows (inbox, cabinet, staff lists) by keyset pagination.
    fn list(&self, q: &ListQuery) -> Result<Page, StoreError>;
    /// One application's list row.
    fn list_row(&self, id: &str) -> Result<Option<ListRow>, StoreError>;
    /// Applications in `scope` found by IIN, application id, receipt number or name prefix.
    fn search(&self, scope: &Scope, text: &str, limit: usize) -> Result<Vec<ListRow>, StoreError>;
    /// Monitoring aggregates of applications in `scope` submitted on Almaty days in
    /// `[from, to)` (`YYYY-MM-DD`; None: unbounded).
    fn aggregates(
        &self,
        scope: &Scope,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Aggregates, StoreError>;
    /// Open applications in `scope` submitted in the period that may be at risk or overdue
    /// at `now` (their `watch_at` has passed): judge each with `ListRow::sla`.
    fn watched(
        &self,
        scope: &Scope,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Vec<ListRow>, StoreError>;
    /// Applications in `scope` submitted in the period whose result was issued after the term
    /// (`ListRow::late_days` set), newest first, at most `limit`.
    fn late_results(
        &self,
        scope: &Scope,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        limit: usize,
    ) -> Result<Vec<ListRow>, StoreError>;
    /// Recompute every view from the journal; compare with the live views (`replace` false)
    /// or replace them (true).
    fn rebuild_views(&self, replace: bool) -> Result<RebuildReport, StoreError>;

    /// Decide and persist one command at `now`; returns once its transaction is durable.
    fn execute(&self, cmd: Command, now: Timestamp) -> Result<Outcome, StoreError>;
    /// Queue several commands at once (they usually share one transaction); results in order.
    fn execute_many(&self, cmds: Vec<(Command, Timestamp)>) -> Vec<Result<Outcome, StoreError>>;
    /// The application as its events made it.
    fn application(&self, id: &str) -> Result<Option<Application>, StoreError>;
    /// The application's events in journal order (empty when there is no such application).
    fn events(&self, id: &str) -> Result<Vec<Event>, StoreError>;
    /// Open applications waiting on `role` of `org`, the earliest step deadline first.
    fn tasks(&self, org: &str, role: &str) -> Result<Vec<Task>, StoreError>;
    /// Every application not closed, the earliest step deadline first (for deadline listings:
    /// run `engine::sla::sla` over them).
    fn open_applications(&self) -> Result<Vec<Application>, StoreError>;
    /// Up to `limit` unpublished outbox entries, oldest first.
    fn outbox_pending(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError>;
    /// Mark outbox entries published at `at`; returns how many were still pending.
    fn mark_published(&self, ids: &[i64], at: Timestamp) -> Result<usize, StoreError>;
    /// Claim up to `limit` unpublished outbox entries for `holder` (a node's name) for
    /// `lease`, oldest first: entries claimed by another holder whose lease has not run out
    /// are skipped (PostgreSQL: `FOR UPDATE SKIP LOCKED`), so nodes dispatching at once get
    /// disjoint entries, and a dead node's entries return once its lease ends. A claim is
    /// durable before it is returned. The lease is judged by the database's clock (SQLite:
    /// the machine's), never by the server's simulated one.
    fn claim_outbox(
        &self,
        holder: &str,
        limit: usize,
        lease: std::time::Duration,
    ) -> Result<Vec<OutboxEntry>, StoreError>;
    /// Take or renew the lease of the background job `job` for `holder` for `ttl`: true
    /// when `holder` holds it now (it was free, ran out, or was `holder`'s already). One
    /// holder at a time runs the job; a dead holder's lease runs out.
    fn lease(&self, job: &str, holder: &str, ttl: std::time::Duration) -> Result<bool, StoreError>;
    /// Give up every lease and outbox claim of `holder` (a node shutting down), so that
    /// others take them at once.
    fn release(&self, holder: &str) -> Result<(), StoreError>;
    /// Recompute every application's hash chain; report the first broken entry.
    fn verify_journal(&self) -> Result<VerifyReport, StoreError>;
    /// Writer counters so far (since open).
    fn stats(&self) -> Stats;
    /// Whether the store can write now, and why not (cheap: no I/O).
    fn health(&self) -> Health;
    /// As [`Store::health`], and asks the database where there is one to ask: PostgreSQL
    /// answers on a connection and is a read-write primary (readiness probes).
    fn probe(&self) -> Health {
        self.health()
    }
    /// The journal's digest at each of the global positions `at` and at its end (one read
    /// transaction): what anchors sign and what `journal verify --anchor` compares.
    fn journal_heads(&self, at: &[i64]) -> Result<JournalHeads, StoreError>;

    /// Attach the preschool queue: `empty` (its rules and calendar, no children) gets every
    /// journalled queue event applied, and from then on `Op::Queue` runs against it.
    fn attach_queue(&self, empty: queue::Queue) -> Result<(), StoreError>;
    /// The preschool queue as the journal made it (read it with [`QueueCell::read`]).
    fn queue(&self) -> &QueueCell;
    /// The queue's journal entries about `child` (an application id), in order, with who
    /// caused each: how the child's place was made.
    fn queue_events(&self, child: &str) -> Result<Vec<QueueEntry>, StoreError>;
}

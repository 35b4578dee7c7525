//! Persistence for the engine: what the engine decided, kept durably and shown back.
//!
//! For: running engine commands against stored state and persisting their events in one
//! transaction — the hash-chained **journal** (the source of truth), the **read views**
//! (`applications`, `tasks`) and the **outbox** (events still to publish) — plus idempotent
//! submission, optimistic concurrency on steps, schema migrations and journal verification.
//! The [`Store`] trait is what the server and CLI program against; [`SqliteStore`] is the
//! embedded default (WAL, `synchronous=FULL`, one writer thread with group commit).
//! PostgreSQL will implement the same trait.
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

mod chain;
mod instant;
pub mod schema;
mod sqlite;

pub use chain::{entry_hash, Problem, GENESIS};
pub use engine::{Application, Command, Event, Rejection, Status};
pub use jiff::Timestamp;
pub use sqlite::{Options, SqliteStore, Ticket};

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
    /// The store is shut down (or its writer thread died).
    #[error("the store is closed")]
    Closed,
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

/// Persistence for the engine. Every method may be called from any thread.
pub trait Store: Send + Sync {
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
    /// Recompute every application's hash chain; report the first broken entry.
    fn verify_journal(&self) -> Result<VerifyReport, StoreError>;
    /// Writer counters so far (since open).
    fn stats(&self) -> Stats;
}

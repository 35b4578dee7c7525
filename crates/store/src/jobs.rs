//! What callers queue for a store's writer thread and what it answers: shared by the SQLite
//! and PostgreSQL writers, which drain the same jobs into group-committed batches.
//!
//! Not for: running the jobs (each store's `writer`).

use crate::{Action, ActionOutcome, Outcome, RebuildReport, Stats, StoreError};
use engine::Command;
use jiff::Timestamp;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender};

pub(crate) type Reply = SyncSender<Result<Outcome, StoreError>>;

// A job waits briefly in the writer's queue: the command's size is no cost.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Job {
    /// Several commands that must share one transaction (from `execute_many`).
    Commands(Vec<(Command, Timestamp, Reply)>),
    Command {
        cmd: Command,
        now: Timestamp,
        reply: Reply,
    },
    MarkPublished {
        ids: Vec<i64>,
        at: Timestamp,
        reply: SyncSender<Result<usize, StoreError>>,
    },
    Action {
        action: Action,
        reply: SyncSender<Result<ActionOutcome, StoreError>>,
    },
    Rebuild {
        replace: bool,
        reply: SyncSender<Result<RebuildReport, StoreError>>,
    },
}

// Nearly every answer is a command's: boxing it would only add an allocation per command.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Answer {
    Command(Result<Outcome, StoreError>),
    Published(usize),
    Action(Result<ActionOutcome, StoreError>),
    Rebuild(Result<RebuildReport, StoreError>),
}

#[derive(Default)]
pub(crate) struct Counters {
    pub transactions: AtomicU64,
    pub commands: AtomicU64,
    pub largest_batch: AtomicU64,
    pub failed_batches: AtomicU64,
}

impl Counters {
    pub fn stats(&self) -> Stats {
        Stats {
            transactions: self.transactions.load(Ordering::Relaxed),
            commands: self.commands.load(Ordering::Relaxed),
            largest_batch: self.largest_batch.load(Ordering::Relaxed),
            failed_batches: self.failed_batches.load(Ordering::Relaxed),
        }
    }

    /// A batch of `jobs` committed.
    pub fn committed(&self, jobs: &[Job]) {
        self.transactions.fetch_add(1, Ordering::Relaxed);
        let commands = jobs
            .iter()
            .filter(|j| matches!(j, Job::Command { .. } | Job::Action { .. }))
            .count();
        self.commands.fetch_add(commands as u64, Ordering::Relaxed);
        self.largest_batch
            .fetch_max(jobs.len() as u64, Ordering::Relaxed);
    }

    pub fn failed(&self) {
        self.failed_batches.fetch_add(1, Ordering::Relaxed);
    }
}

/// A queued command: [`Ticket::wait`] blocks until its transaction is committed.
pub struct Ticket(pub(crate) Result<Receiver<Result<Outcome, StoreError>>, StoreError>);

impl Ticket {
    pub fn wait(self) -> Result<Outcome, StoreError> {
        match self.0 {
            Ok(rx) => rx.recv().unwrap_or(Err(StoreError::Closed)),
            Err(e) => Err(e),
        }
    }
}

/// Add a job to a batch; the commands of a `Job::Commands` go in whole, even past
/// `max_batch`, so that they share one transaction.
pub(crate) fn push(jobs: &mut Vec<Job>, job: Job) {
    match job {
        Job::Commands(cmds) => jobs.extend(
            cmds.into_iter()
                .map(|(cmd, now, reply)| Job::Command { cmd, now, reply }),
        ),
        j => jobs.push(j),
    }
}

/// Answer every job with `err`: none of them happened.
pub(crate) fn refuse(jobs: Vec<Job>, err: &StoreError) {
    for job in jobs {
        match job {
            Job::Command { reply, .. } => {
                let _ = reply.send(Err(err.clone()));
            }
            Job::MarkPublished { reply, .. } => {
                let _ = reply.send(Err(err.clone()));
            }
            Job::Action { reply, .. } => {
                let _ = reply.send(Err(err.clone()));
            }
            Job::Rebuild { reply, .. } => {
                let _ = reply.send(Err(err.clone()));
            }
            Job::Commands(_) => unreachable!("flattened by push"),
        }
    }
}

/// Send each job its answer, in order, once the batch is committed.
pub(crate) fn answer(jobs: Vec<Job>, answers: Vec<Answer>) {
    for (job, answer) in jobs.into_iter().zip(answers) {
        match (job, answer) {
            (Job::Command { reply, .. }, Answer::Command(r)) => {
                let _ = reply.send(r);
            }
            (Job::MarkPublished { reply, .. }, Answer::Published(n)) => {
                let _ = reply.send(Ok(n));
            }
            (Job::Action { reply, .. }, Answer::Action(r)) => {
                let _ = reply.send(r);
            }
            (Job::Rebuild { reply, .. }, Answer::Rebuild(r)) => {
                let _ = reply.send(r);
            }
            _ => unreachable!("one answer per job, in order"),
        }
    }
}

//! The writer: two threads that turn queued jobs into group-committed transactions, and answer
//! every caller only once its transaction is durable.
//!
//! The decider (`store-writer`) drains the queue into batches and decides each command in
//! memory (engine decide + apply, the chain's hashes, the rows' JSON), on the states it keeps:
//! a cache of application states with each chain's head, loaded from the `applications` view
//! on first use through a reader connection of its own. A batch sees its own earlier commands
//! through a per-batch overlay. The committer (`store-commit`) writes a decided batch in one
//! transaction — journal and outbox rows 64 per statement, each touched application's state
//! and list row once, the aggregates summed per row — commits it, and answers its callers.
//! While it writes and waits for the disk, the decider decides the next batch on top of it:
//! the states a batch leaves are in the cache as soon as it is decided, and a submission's
//! key is remembered until its batch is committed.
//!
//! A batch that does not commit fails whole (every job in it gets [`StoreError::Db`]), and so
//! does every batch already decided on top of it; the decider then forgets its cache and
//! reloads from the database, which holds only what was committed.
//!
//! A batch with jobs that must write or read inside the transaction as they go (records, the
//! preschool queue, a rebuild, outbox marks) waits until the committer has finished, then runs
//! on the decider with the write connection, each action under a savepoint, as one transaction.
//!
//! Both guard the file (see [`super::health`]): a batch is refused while the store cannot
//! write, and answered only if the file it committed into is still the one at the path.
//! Not for: reads (readers have their own connections) or anything that blocks on callers.

use super::health::{self, Files, Monitor};
use super::profile::{self, Phase, span};
use super::rows;
use super::{Answer, Counters, Job, records, views as sqlviews};
use crate::chain::{GENESIS, entry_hash};
use crate::decide::{
    Corrupt, First, MAX_AUTOMATIC, StateRow, first, first_entries_json, panic_message,
};
use crate::jobs::{answer, push, refuse};
use crate::preschool::{self, QueueCell};
use crate::views::{self, Delta, ListRow};
use crate::{Action, ActionOutcome, Health, HealthState, Op, Outcome, StoreError, instant};
use engine::{Application, Command, Ctx, Status, apply, decide};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Statement, TransactionBehavior, params};
use std::collections::{HashMap, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often an idle writer checks that its file is still there and writable.
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// Batches decided and not yet committed, at most: one committing, one waiting for it.
const IN_FLIGHT: usize = 2;

/// An application as the writer knows it: state plus the head of its journal chain.
#[derive(Clone)]
struct Cached {
    app: Application,
    head_seq: i64,
    head_hash: String,
}

/// An application this batch changed, as the batch leaves it.
#[derive(Clone)]
struct Touched {
    cached: Cached,
    /// The `now` of the last command that changed it (the rows' `updated_at`).
    at: Timestamp,
    /// It has a list row (a refused portal request is journalled, never listed or counted).
    listed: bool,
    /// Changed since the batch last wrote its rows.
    dirty: bool,
}

/// A journal entry decided, not yet written.
struct Entry {
    application: String,
    app_seq: i64,
    json: String,
    at: String,
    prev_hash: String,
    hash: String,
}

/// A submission's idempotency row, not yet written.
struct Idem {
    key: String,
    application: String,
    first_entries: i64,
    at: String,
}

/// A submission of a batch not yet committed: what a second one with its key gets.
struct FirstKey {
    /// The entries it wrote, as journalled.
    entries: Vec<String>,
    /// The batch that holds it.
    batch: u64,
}

/// What a batch has decided: the states it leaves, its submissions, and the rows not yet
/// written ([`prepare`] and [`write`] take them).
#[derive(Default)]
struct Batch {
    overlay: HashMap<String, Touched>,
    /// Idempotency key → the application its submission created and how many entries it wrote.
    keys: HashMap<String, (String, i64)>,
    entries: Vec<Entry>,
    idem: Vec<Idem>,
    /// The aggregates' deltas of listed commands, in order.
    deltas: Vec<Delta>,
}

/// What the writer knows beside a batch: committed or in-flight states, and the submissions of
/// batches in flight.
struct Known<'a> {
    cache: &'a HashMap<String, Cached>,
    keys: &'a HashMap<String, FirstKey>,
}

/// Every row a batch writes, encoded: the database's part of it is only SQL.
#[derive(Default)]
struct Rows {
    entries: Vec<Entry>,
    idem: Vec<Idem>,
    states: Vec<StateRow>,
    list: Vec<ListRow>,
    deltas: Vec<Delta>,
}

/// Where a decided job's answer goes.
enum Reply {
    Command(crate::jobs::Reply),
    Action(SyncSender<Result<ActionOutcome, StoreError>>),
}

impl Reply {
    fn send(self, answer: Answer) {
        match (self, answer) {
            (Reply::Command(r), Answer::Command(a)) => {
                let _ = r.send(a);
            }
            (Reply::Action(r), Answer::Action(a)) => {
                let _ = r.send(a);
            }
            _ => unreachable!("one answer per job, of its kind"),
        }
    }

    fn refuse(self, err: &StoreError) {
        match self {
            Reply::Command(r) => {
                let _ = r.send(Err(err.clone()));
            }
            Reply::Action(r) => {
                let _ = r.send(Err(err.clone()));
            }
        }
    }
}

/// A decided batch, for the committer: its rows, and its answers with where they go (the
/// jobs themselves stay with the decider).
struct Decided {
    /// Batches decided since the last failure share an epoch: one failing fails the others.
    epoch: u64,
    replies: Vec<Reply>,
    answers: Vec<Answer>,
    rows: Rows,
}

/// The committer's word on a batch, back to the decider, with the batch's rows: freeing
/// them is the decider's work, which waits on the committer anyway.
struct Done {
    ok: bool,
    rows: Rows,
}

/// A batch the committer has: what the decider forgets or keeps once it is done.
struct InFlight {
    no: u64,
    /// Applications it closed: no need to keep them warm once committed.
    closed: Vec<String>,
}

/// The write connection and the file it must be writing into.
pub(crate) struct Db {
    pub conn: Connection,
    files: Files,
    monitor: Arc<Monitor>,
    last_check: Instant,
}

impl Db {
    pub fn new(conn: Connection, files: Files, monitor: Arc<Monitor>) -> Db {
        Db {
            conn,
            files,
            monitor,
            last_check: Instant::now(),
        }
    }

    /// The periodic check: the file is still ours and writable; a passing fault is retried.
    fn check(&mut self) {
        self.last_check = Instant::now();
        let _ = self.writable();
    }

    /// Whether a batch may be written now; sets the health either way. A vanished or
    /// replaced file stays refused; other faults are probed with a real write.
    fn writable(&mut self) -> Result<(), Health> {
        let now = self.monitor.get();
        if matches!(now.state, HealthState::Gone | HealthState::Replaced) {
            return Err(now);
        }
        let found = self
            .files
            .check()
            .and_then(|()| self.files.writable())
            .and_then(|()| {
                if now.state == HealthState::Ok {
                    Ok(())
                } else {
                    self.probe()
                }
            });
        match found {
            Ok(()) => {
                self.monitor.set(Health::ok());
                Ok(())
            }
            Err(h) => {
                self.monitor.set(h.clone());
                Err(h)
            }
        }
    }

    /// A small real write: does a commit go through again (space freed, remounted rw)?
    fn probe(&mut self) -> Result<(), Health> {
        let r = self.conn.execute(
            "INSERT INTO meta (key, value) VALUES ('write_probe', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [instant::to_sql(Timestamp::now())],
        );
        match r {
            Ok(_) => Ok(()),
            Err(e) => {
                let h = health::from_error(&e, &self.files.path);
                Err(if h.state == HealthState::Ok {
                    Health::new(HealthState::IoError, format!("a probe write failed: {e}"))
                } else {
                    h
                })
            }
        }
    }

    /// After a batch that did not commit: roll back what is open, and the error its jobs get.
    fn failed(&mut self, e: &rusqlite::Error) -> StoreError {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        let h = health::from_error(e, &self.files.path);
        if h.state == HealthState::Ok {
            StoreError::Db(e.to_string())
        } else {
            self.monitor.set(h.clone());
            refusal(&h)
        }
    }

    /// Committed into the file at the path? If it vanished meanwhile, nobody will read what
    /// was just written: refuse rather than acknowledge.
    fn still_ours(&mut self) -> Result<(), StoreError> {
        let checks = span(Phase::Checks);
        let r = self.files.check();
        drop(checks);
        r.map_err(|h| {
            if !self.conn.is_autocommit() {
                let _ = self.conn.execute_batch("ROLLBACK");
            }
            self.monitor.set(h.clone());
            refusal(&h)
        })
    }

    /// Write a decided batch in one transaction and commit it.
    fn commit(&mut self, rows: &Rows) -> Result<(), StoreError> {
        let checks = span(Phase::Checks);
        let writable = self.writable();
        drop(checks);
        writable.map_err(|h| refusal(&h))?;
        let r = (|| {
            let begin = span(Phase::Begin);
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            drop(begin);
            write(&tx, rows)?;
            let _commit = span(Phase::Commit);
            tx.commit()
        })();
        self.still_ours()?;
        r.map_err(|e| self.failed(&e))
    }
}

fn lock(db: &Mutex<Db>) -> MutexGuard<'_, Db> {
    db.lock().unwrap_or_else(|p| p.into_inner())
}

/// The decider.
pub(crate) struct Writer {
    db: Arc<Mutex<Db>>,
    /// The decider's own connection for what a batch reads (states and keys not in memory).
    reader: Connection,
    ctx: Arc<Ctx>,
    counters: Arc<Counters>,
    max_batch: usize,
    cache_capacity: usize,
    cache: HashMap<String, Cached>,
    /// Submissions of batches not yet committed.
    keys: HashMap<String, FirstKey>,
    queue: Arc<QueueCell>,
    in_flight: VecDeque<InFlight>,
    next_no: u64,
    epoch: u64,
    to_commit: Option<SyncSender<Decided>>,
    done: Receiver<Done>,
    committer: Option<JoinHandle<()>>,
}

impl Writer {
    /// The decider over `db`, with `reader` for its lookups; starts the committer thread.
    pub fn new(
        db: Db,
        reader: Connection,
        ctx: Arc<Ctx>,
        counters: Arc<Counters>,
        max_batch: usize,
        cache_capacity: usize,
        queue: Arc<QueueCell>,
    ) -> std::io::Result<Writer> {
        let db = Arc::new(Mutex::new(db));
        let (to_commit, rx) = mpsc::sync_channel(IN_FLIGHT);
        let (done_tx, done) = mpsc::channel();
        let committer = {
            let (db, counters) = (db.clone(), counters.clone());
            std::thread::Builder::new()
                .name("store-commit".into())
                .spawn(move || commit_loop(&db, &counters, rx, done_tx))?
        };
        Ok(Writer {
            db,
            reader,
            ctx,
            counters,
            max_batch: max_batch.max(1),
            cache_capacity,
            cache: HashMap::new(),
            keys: HashMap::new(),
            queue,
            in_flight: VecDeque::new(),
            next_no: 0,
            epoch: 0,
            to_commit: Some(to_commit),
            done,
            committer: Some(committer),
        })
    }

    /// Serve jobs until every sender is gone, then return (the queue is drained first).
    pub fn run(mut self, rx: Receiver<Job>) {
        profile::init();
        loop {
            self.settle();
            if self.in_flight.is_empty() {
                let mut db = lock(&self.db);
                if db.last_check.elapsed() >= CHECK_EVERY {
                    db.check();
                }
            }
            let waited = span(Phase::Wait);
            // Waiting for work, but woken by the committer too: what it finished matters.
            let timeout = if self.in_flight.is_empty() {
                CHECK_EVERY
            } else {
                Duration::from_millis(1)
            };
            let got = rx.recv_timeout(timeout);
            drop(waited);
            let first = match got {
                Ok(j) => j,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            let mut jobs = Vec::with_capacity(self.max_batch.min(64));
            push(&mut jobs, first);
            while jobs.len() < self.max_batch {
                match rx.try_recv() {
                    Ok(j) => push(&mut jobs, j),
                    Err(_) => break,
                }
            }
            // What the committer finished while these jobs came: a job queued by a caller
            // it answered must see that.
            self.settle();
            if self.cache.len() > self.cache_capacity {
                // Only between batches the committer has finished: the cache holds theirs.
                self.drain();
                self.cache.clear();
            }
            if jobs.iter().all(in_memory) {
                if !self.pipelined(jobs) {
                    break;
                }
            } else {
                self.drain();
                self.sync_batch(jobs);
            }
        }
        self.to_commit.take();
        if let Some(c) = self.committer.take() {
            let _ = c.join();
        }
        profile::report(
            "store-writer",
            self.counters.commands.load(Ordering::Relaxed),
            self.counters.transactions.load(Ordering::Relaxed),
        );
    }

    /// Take the committer's word on every batch it has finished, without waiting.
    fn settle(&mut self) {
        while let Ok(d) = self.done.try_recv() {
            self.finished(d);
        }
    }

    /// Wait until the committer has finished every batch it has.
    fn drain(&mut self) {
        let _full = span(Phase::Full);
        while !self.in_flight.is_empty() {
            match self.done.recv() {
                Ok(d) => self.finished(d),
                // The committer is gone: what it had will never be committed.
                Err(_) => {
                    self.in_flight.clear();
                    self.forget();
                }
            }
        }
    }

    /// The oldest batch in flight is done.
    fn finished(&mut self, d: Done) {
        let free = span(Phase::Answer);
        drop(d.rows);
        drop(free);
        let Some(f) = self.in_flight.pop_front() else {
            return;
        };
        if d.ok {
            self.keys.retain(|_, k| k.batch != f.no);
            for id in f.closed {
                if self
                    .cache
                    .get(&id)
                    .is_some_and(|c| c.app.status == Status::Closed)
                {
                    self.cache.remove(&id);
                }
            }
        } else {
            self.forget();
        }
    }

    /// A batch did not commit: neither did those decided on top of it (the committer refuses
    /// them). What the database holds is the truth again.
    fn forget(&mut self) {
        self.cache.clear();
        self.keys.clear();
        self.epoch += 1;
        // Also back in the context: an earlier batch may have set signers it has.
        let db = lock(&self.db);
        reload_signers(&db.conn, &self.ctx);
    }

    /// Decide a batch of commands in memory and hand it to the committer. False when the
    /// committer has stopped (the writer stops too).
    fn pipelined(&mut self, jobs: Vec<Job>) -> bool {
        let mut batch = Batch::default();
        let known = Known {
            cache: &self.cache,
            keys: &self.keys,
        };
        let decided: rusqlite::Result<Vec<Answer>> = jobs
            .iter()
            .map(|job| {
                Ok(match job {
                    Job::Command { cmd, now, .. } => Answer::Command(command(
                        &self.reader,
                        &self.ctx,
                        &known,
                        &mut batch,
                        cmd,
                        *now,
                    )?),
                    Job::Action { action, .. } => Answer::Action(run_action(
                        &self.reader,
                        false,
                        &self.ctx,
                        &self.queue,
                        &known,
                        &mut batch,
                        action,
                    )?),
                    _ => unreachable!("only commands and their actions run in memory"),
                })
            })
            .collect();
        let answers = match decided {
            Ok(a) => a,
            Err(e) => {
                // A read failed: nothing of this batch is anywhere yet.
                self.counters.failed_batches.fetch_add(1, Ordering::Relaxed);
                refuse(jobs, &StoreError::Db(e.to_string()));
                return true;
            }
        };
        let rows = match prepare(&self.ctx, &mut batch) {
            Ok(r) => r,
            Err(e) => {
                self.counters.failed_batches.fetch_add(1, Ordering::Relaxed);
                refuse(jobs, &StoreError::Db(e.to_string()));
                return true;
            }
        };
        let no = self.next_no;
        self.next_no += 1;
        // What the batch leaves is what the next one sees, committed or not yet.
        let mut closed = vec![];
        for (id, t) in batch.overlay {
            if t.cached.app.status == Status::Closed {
                closed.push(id.clone());
            }
            self.cache.insert(id, t.cached);
        }
        for (key, (application, n)) in batch.keys {
            let entries = rows
                .entries
                .iter()
                .filter(|e| e.application == application && e.app_seq <= n)
                .map(|e| e.json.clone())
                .collect();
            self.keys.insert(key, FirstKey { entries, batch: no });
        }
        self.in_flight.push_back(InFlight { no, closed });
        let replies = jobs
            .into_iter()
            .map(|j| match j {
                Job::Command { reply, .. } => Reply::Command(reply),
                Job::Action { reply, .. } => Reply::Action(reply),
                _ => unreachable!("only commands and their actions run in memory"),
            })
            .collect();
        let d = Decided {
            epoch: self.epoch,
            replies,
            answers,
            rows,
        };
        let Some(to_commit) = self.to_commit.as_ref() else {
            return false;
        };
        let full = span(Phase::Full);
        let sent = to_commit.send(d);
        drop(full);
        if let Err(mpsc::SendError(d)) = sent {
            for r in d.replies {
                r.refuse(&StoreError::Closed);
            }
            return false;
        }
        while self.in_flight.len() > IN_FLIGHT {
            let _full = span(Phase::Full);
            match self.done.recv() {
                Ok(d) => self.finished(d),
                Err(_) => return false,
            }
        }
        true
    }

    /// Run `jobs` (never `Job::Commands`: [`push`] flattens them) in one transaction on this
    /// thread, the committer idle.
    fn sync_batch(&mut self, jobs: Vec<Job>) {
        let db = self.db.clone();
        let mut db = lock(&db);
        // Refused before anything is written: the store cannot keep it.
        let checks = span(Phase::Checks);
        let writable = db.writable();
        drop(checks);
        if let Err(h) = writable {
            self.counters.failed_batches.fetch_add(1, Ordering::Relaxed);
            return refuse(jobs, &refusal(&h));
        }
        let mut batch = Batch::default();
        let mut queue_touched = false;
        let result = self.transact(&mut db.conn, &jobs, &mut batch, &mut queue_touched);
        let outcome = match (db.still_ours(), result) {
            (Err(e), _) => Err(e),
            (Ok(()), Ok(answers)) => Ok(answers),
            (Ok(()), Err(e)) => Err(db.failed(&e)),
        };
        match outcome {
            Ok(answers) => {
                let _answer = span(Phase::Answer);
                self.counters.committed(&jobs);
                answer(jobs, answers);
                for (id, t) in batch.overlay {
                    // A closed application takes no more commands: no need to keep it warm.
                    if t.cached.app.status == Status::Closed {
                        self.cache.remove(&id);
                    } else {
                        self.cache.insert(id, t.cached);
                    }
                }
            }
            Err(err) => {
                self.cache.clear();
                reload_signers(&db.conn, &self.ctx);
                if queue_touched {
                    // The queue in memory took events that were not committed.
                    if let Ok(events) = queue_journal(&db.conn) {
                        self.queue.replay(events);
                    }
                }
                self.counters.failed_batches.fetch_add(1, Ordering::Relaxed);
                refuse(jobs, &err);
            }
        }
    }

    /// Run every job inside one transaction and commit it. An `Err` means the transaction did
    /// not commit and nothing of the batch happened.
    fn transact(
        &mut self,
        conn: &mut Connection,
        jobs: &[Job],
        batch: &mut Batch,
        queue_touched: &mut bool,
    ) -> rusqlite::Result<Vec<Answer>> {
        let begin = span(Phase::Begin);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        drop(begin);
        let mut answers = Vec::with_capacity(jobs.len());
        for job in jobs {
            let known = Known {
                cache: &self.cache,
                keys: &self.keys,
            };
            answers.push(match job {
                Job::Command { cmd, now, .. } => {
                    Answer::Command(command(&tx, &self.ctx, &known, batch, cmd, *now)?)
                }
                Job::MarkPublished { ids, at, .. } => {
                    Answer::Published(mark_published(&tx, ids, *at)?)
                }
                Job::Action { action, .. } => {
                    *queue_touched |= action
                        .ops
                        .iter()
                        .any(|o| matches!(o, Op::Queue(_) | Op::QueueAdvance));
                    Answer::Action(run_action(
                        &tx,
                        true,
                        &self.ctx,
                        &self.queue,
                        &known,
                        batch,
                        action,
                    )?)
                }
                Job::Rebuild { replace, .. } => {
                    // The rebuild reads the journal and compares the views: both as of now.
                    write(&tx, &prepare(&self.ctx, batch)?)?;
                    if *replace {
                        // The caches hold states the rebuild replaces.
                        self.cache.clear();
                        batch.overlay.clear();
                    }
                    Answer::Rebuild(sqlviews::rebuild(&tx, &self.ctx, *replace)?)
                }
                Job::Commands(_) => unreachable!("flattened by push"),
            });
        }
        write(&tx, &prepare(&self.ctx, batch)?)?;
        let _commit = span(Phase::Commit);
        tx.commit()?;
        Ok(answers)
    }
}

/// Whether a job is decided in memory alone: a command, or an action of commands.
fn in_memory(job: &Job) -> bool {
    match job {
        Job::Command { .. } => true,
        Job::Action { action, .. } => action
            .ops
            .iter()
            .all(|o| matches!(o, Op::Command(_) | Op::Advance(_))),
        _ => false,
    }
}

/// The committer: writes and commits decided batches in order, then answers their callers.
fn commit_loop(
    db: &Mutex<Db>,
    counters: &Counters,
    rx: Receiver<Decided>,
    done: mpsc::Sender<Done>,
) {
    profile::init();
    // The epoch of a batch that failed, and why: those decided on top of it fail too.
    let mut failed: Option<(u64, StoreError)> = None;
    for d in rx {
        let result = match &failed {
            Some((epoch, err)) if *epoch == d.epoch => Err(StoreError::Db(format!(
                "an earlier batch this one builds on failed ({err}); nothing was written"
            ))),
            _ => lock(db).commit(&d.rows),
        };
        // The decider hears first: a caller answered may queue its next job at once, and
        // that job must be decided on what the database now holds.
        let _ = done.send(Done {
            ok: result.is_ok(),
            rows: d.rows,
        });
        match result {
            Ok(()) => {
                let _answer = span(Phase::Answer);
                let n = d.replies.len() as u64;
                counters.transactions.fetch_add(1, Ordering::Relaxed);
                counters.commands.fetch_add(n, Ordering::Relaxed);
                counters.largest_batch.fetch_max(n, Ordering::Relaxed);
                for (r, a) in d.replies.into_iter().zip(d.answers) {
                    r.send(a);
                }
            }
            Err(err) => {
                counters.failed_batches.fetch_add(1, Ordering::Relaxed);
                if failed.as_ref().is_none_or(|(e, _)| *e != d.epoch) {
                    failed = Some((d.epoch, err.clone()));
                }
                for r in d.replies {
                    r.refuse(&err);
                }
            }
        }
    }
    profile::report(
        "store-commit",
        counters.commands.load(Ordering::Relaxed),
        counters.transactions.load(Ordering::Relaxed),
    );
}

/// The signing roles as the database has them: after a batch that did not commit, the
/// context may hold one that an organisation record of that batch set.
fn reload_signers(conn: &Connection, ctx: &Ctx) {
    if let Ok(m) = records::signers(conn) {
        ctx.set_signers(m);
    }
}

/// The error every job of a refused batch gets.
fn refusal(h: &Health) -> StoreError {
    StoreError::Db(format!(
        "the store cannot write: {}; nothing was written",
        h.message()
    ))
}

/// One command inside a batch. `reads` is the connection lookups go through: the batch's own
/// transaction, or the decider's reader. The outer `Err` is a database failure (fails the
/// batch); the inner one is this command's own answer (the batch goes on). Nothing is
/// written: what it writes waits in `batch`.
fn command(
    reads: &Connection,
    ctx: &Ctx,
    known: &Known<'_>,
    batch: &mut Batch,
    cmd: &Command,
    now: Timestamp,
) -> rusqlite::Result<Result<Outcome, StoreError>> {
    if let Command::Submit { key, .. } = cmd {
        let _lookup = span(Phase::IdemLookup);
        let found = if let Some((application, n)) = batch.keys.get(key) {
            let entries: Vec<String> = batch
                .entries
                .iter()
                .filter(|e| &e.application == application && e.app_seq <= *n)
                .map(|e| e.json.clone())
                .collect();
            crate::decide::replay(key, ctx, entries).map(Some)
        } else if let Some(f) = known.keys.get(key) {
            crate::decide::replay(key, ctx, f.entries.iter().cloned()).map(Some)
        } else {
            first_result(reads, key, ctx)?
        };
        match found {
            Ok(None) => {}
            Ok(Some(first)) => return Ok(Ok(first)),
            Err(corrupt) => return Ok(Err(StoreError::Db(corrupt))),
        }
    }
    let id = cmd.application();
    let loaded;
    let state: Option<&Cached> = match batch
        .overlay
        .get(id)
        .map(|t| &t.cached)
        .or_else(|| known.cache.get(id))
    {
        Some(c) => Some(c),
        None => {
            let _load = span(Phase::Load);
            loaded = match load(reads, id)? {
                Ok(state) => state,
                Err(corrupt) => return Ok(Err(StoreError::Db(corrupt))),
            };
            loaded.as_ref()
        }
    };
    let decide_span = span(Phase::Decide);
    let decided = catch_unwind(AssertUnwindSafe(|| {
        let before = state.map(|c| &c.app);
        let events = decide(before, cmd, now, ctx)?;
        // Each event folds a copy of the state before it, which its deltas compare with.
        let mut app: Option<Application> = None;
        let mut deltas = vec![];
        for (i, e) in events.iter().enumerate() {
            let prev = if i == 0 { before } else { app.as_ref() };
            let next = apply(prev.cloned(), e, ctx);
            if let Some(n) = &next {
                deltas.extend(views::deltas(prev, e, n, ctx));
            }
            app = next;
        }
        if events.is_empty() {
            app = before.cloned();
        }
        Ok::<_, engine::Rejection>((events, app, deltas))
    }));
    drop(decide_span);
    let (events, app, deltas) = match decided {
        Ok(Ok(x)) => x,
        Ok(Err(rejection)) => return Ok(Err(StoreError::Rejected(rejection))),
        Err(panic) => return Ok(Err(StoreError::Engine(panic_message(&panic)))),
    };
    let Some(app) = app else {
        return Ok(Err(StoreError::Engine(format!(
            "the events of a command on `{id}` left no application"
        ))));
    };
    let (mut head_seq, mut head_hash) = match state {
        Some(c) => (c.head_seq, c.head_hash.clone()),
        None => (0, GENESIS.to_string()),
    };
    // Hash every entry before keeping any, so a corrupt head fails this command alone.
    let hash_span = span(Phase::Hash);
    let at = instant::to_sql(now);
    let mut entries = Vec::with_capacity(events.len());
    for e in &events {
        let json = serde_json::to_string(e).map_err(to_sql_err)?;
        let app_seq = head_seq + 1;
        let Some(hash) = entry_hash(&head_hash, id, app_seq, &json) else {
            return Ok(Err(StoreError::Db(format!(
                "application `{id}`: the stored journal head `{head_hash}` is not a hash; run verify_journal"
            ))));
        };
        entries.push(Entry {
            application: id.to_string(),
            app_seq,
            json,
            at: at.clone(),
            prev_hash: std::mem::replace(&mut head_hash, hash.clone()),
            hash,
        });
        head_seq = app_seq;
    }
    drop(hash_span);
    let _overlay = span(Phase::Overlay);
    batch.entries.extend(entries);
    // A refused portal request is no application: it is journalled, never listed or counted.
    let listed = !matches!(cmd, Command::RefuseRequest { .. });
    if listed {
        batch.deltas.extend(deltas);
    }
    if let Command::Submit { key, .. } = cmd {
        batch.idem.push(Idem {
            key: key.clone(),
            application: id.to_string(),
            first_entries: head_seq,
            at,
        });
        batch.keys.insert(key.clone(), (id.to_string(), head_seq));
    }
    batch.overlay.insert(
        id.to_string(),
        Touched {
            cached: Cached {
                app: app.clone(),
                head_seq,
                head_hash,
            },
            at: now,
            listed,
            dirty: true,
        },
    );
    Ok(Ok(Outcome {
        events,
        application: app,
        replayed: false,
    }))
}

/// Encode what `batch` holds unwritten, taking it: journal entries, idempotency rows, the
/// state and list row of each application changed since the last time, the aggregates' deltas.
fn prepare(ctx: &Ctx, batch: &mut Batch) -> rusqlite::Result<Rows> {
    let mut ids: Vec<&String> = batch
        .overlay
        .iter()
        .filter(|(_, t)| t.dirty)
        .map(|(id, _)| id)
        .collect();
    // In key order: neighbouring rows share pages.
    ids.sort_unstable();
    let mut states = Vec::with_capacity(ids.len());
    let mut list = Vec::with_capacity(ids.len());
    for id in ids {
        let t = &batch.overlay[id];
        let (app, c) = (&t.cached.app, &t.cached);
        {
            let _encode = span(Phase::Encode);
            states.push(
                StateRow::new(app, c.head_seq, c.head_hash.clone(), instant::to_sql(t.at))
                    .map_err(to_sql_err)?,
            );
        }
        if t.listed {
            let _row = span(Phase::ListRow);
            list.push(views::list_row(app, ctx, t.at));
        }
    }
    for t in batch.overlay.values_mut() {
        t.dirty = false;
    }
    Ok(Rows {
        entries: std::mem::take(&mut batch.entries),
        idem: std::mem::take(&mut batch.idem),
        states,
        list,
        deltas: std::mem::take(&mut batch.deltas),
    })
}

/// Write encoded rows inside the open transaction on `tx`.
fn write(tx: &Connection, rows: &Rows) -> rusqlite::Result<()> {
    if !rows.entries.is_empty() {
        let _journal = span(Phase::Journal);
        let last: i64 = tx
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM journal")?
            .query_row([], |r| r.get(0))?;
        for (start, len) in rows::chunks(rows.entries.len()) {
            let mut stmt = rows::statement(
                tx,
                // OR FAIL: a failed statement fails the whole transaction anyway, so SQLite
                // need not keep a statement journal to undo its first rows.
                "INSERT OR FAIL INTO journal (application, app_seq, event, at, prev_hash, hash)",
                6,
                len,
                "",
            )?;
            for (i, e) in rows.entries[start..start + len].iter().enumerate() {
                let b = i * 6;
                stmt.raw_bind_parameter(b + 1, &e.application)?;
                stmt.raw_bind_parameter(b + 2, e.app_seq)?;
                stmt.raw_bind_parameter(b + 3, &e.json)?;
                stmt.raw_bind_parameter(b + 4, &e.at)?;
                stmt.raw_bind_parameter(b + 5, &e.prev_hash)?;
                stmt.raw_bind_parameter(b + 6, &e.hash)?;
            }
            stmt.raw_execute()?;
        }
        // The event itself stays in the journal: the outbox points at it.
        tx.prepare_cached(
            "INSERT OR FAIL INTO outbox (journal_seq, application, event, created_at)
             SELECT seq, application, '', at FROM journal WHERE seq > ?1 ORDER BY seq",
        )?
        .execute([last])?;
    }
    if !rows.idem.is_empty() {
        let _insert = span(Phase::IdemInsert);
        let mut stmt = tx.prepare_cached(
            "INSERT INTO idempotency (key, application, result, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for i in &rows.idem {
            stmt.execute(params![
                i.key,
                i.application,
                first_entries_json(i.first_entries),
                i.at
            ])?;
        }
    }
    if !rows.states.is_empty() {
        let _state = span(Phase::State);
        for (start, len) in rows::chunks(rows.states.len()) {
            let mut stmt = rows::statement(tx, STATE_INSERT, STATE_VALUES, len, STATE_UPSERT)?;
            for (i, s) in rows.states[start..start + len].iter().enumerate() {
                bind_state(&mut stmt, i * STATE_VALUES, s)?;
            }
            stmt.raw_execute()?;
        }
    }
    if !rows.list.is_empty() {
        let _list = span(Phase::ListSql);
        sqlviews::write_list_rows(tx, &rows.list)?;
    }
    let _aggregates = span(Phase::Aggregates);
    sqlviews::apply_deltas(tx, &rows.deltas)
}

/// The first result of a submission with this key, if there was one.
fn first_result(
    reads: &Connection,
    key: &str,
    ctx: &Ctx,
) -> rusqlite::Result<Result<Option<Outcome>, Corrupt>> {
    let row: Option<(String, String)> = reads
        .prepare_cached("SELECT result, application FROM idempotency WHERE key = ?1")?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((json, application)) = row else {
        return Ok(Ok(None));
    };
    match first(key, &json) {
        Ok(First::Entries(n)) => {
            let mut stmt = reads.prepare_cached(
                "SELECT event FROM journal WHERE application = ?1 AND app_seq <= ?2
                  ORDER BY app_seq",
            )?;
            let entries = stmt
                .query_map(params![application, n], |r| r.get::<_, String>(0))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(crate::decide::replay(key, ctx, entries).map(Some))
        }
        Ok(First::Whole(outcome)) => Ok(Ok(Some(*outcome))),
        Err(corrupt) => Ok(Err(corrupt)),
    }
}

/// An application and its chain head from the view (None: no such application yet).
fn load(reads: &Connection, id: &str) -> rusqlite::Result<Result<Option<Cached>, Corrupt>> {
    let row: Option<(String, i64, String)> = reads
        .prepare_cached("SELECT state, app_seq, journal_head FROM applications WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((state, head_seq, head_hash)) = row else {
        return Ok(Ok(None));
    };
    Ok(match serde_json::from_str(&state) {
        Ok(app) => Ok(Some(Cached {
            app,
            head_seq,
            head_hash,
        })),
        Err(e) => Err(format!(
            "application `{id}`: stored state does not decode: {e}"
        )),
    })
}

/// The `applications` row's columns, in the order [`bind_state`] binds them.
const STATE_INSERT: &str = "INSERT OR FAIL INTO applications (id, regulation, version, channel,
    provider, status, step, step_due, term_due, closed_at, app_seq, journal_head, updated_at,
    state)";
const STATE_VALUES: usize = 14;
const STATE_UPSERT: &str = "ON CONFLICT (id) DO UPDATE SET
    status = excluded.status, step = excluded.step, step_due = excluded.step_due,
    term_due = excluded.term_due, closed_at = excluded.closed_at,
    app_seq = excluded.app_seq, journal_head = excluded.journal_head,
    updated_at = excluded.updated_at, state = excluded.state";

/// Bind a state row as the values `base + 1 ..= base + STATE_VALUES`.
fn bind_state(stmt: &mut Statement<'_>, base: usize, s: &StateRow) -> rusqlite::Result<()> {
    stmt.raw_bind_parameter(base + 1, &s.id)?;
    stmt.raw_bind_parameter(base + 2, &s.regulation)?;
    stmt.raw_bind_parameter(base + 3, s.version)?;
    stmt.raw_bind_parameter(base + 4, s.channel)?;
    stmt.raw_bind_parameter(base + 5, &s.provider)?;
    stmt.raw_bind_parameter(base + 6, s.status)?;
    stmt.raw_bind_parameter(base + 7, s.step)?;
    stmt.raw_bind_parameter(base + 8, &s.step_due)?;
    stmt.raw_bind_parameter(base + 9, &s.term_due)?;
    stmt.raw_bind_parameter(base + 10, &s.closed_at)?;
    stmt.raw_bind_parameter(base + 11, s.head_seq)?;
    stmt.raw_bind_parameter(base + 12, &s.head_hash)?;
    stmt.raw_bind_parameter(base + 13, &s.at)?;
    stmt.raw_bind_parameter(base + 14, &s.json)?;
    Ok(())
}

/// Upsert an application's state row into `table` (a rebuild's copy of `applications`).
pub(crate) fn write_state_into(
    tx: &Connection,
    table: &str,
    app: &Application,
    head_seq: i64,
    head_hash: &str,
    at: &str,
) -> rusqlite::Result<()> {
    let row =
        StateRow::new(app, head_seq, head_hash.to_string(), at.to_string()).map_err(to_sql_err)?;
    let head = STATE_INSERT.replacen(" applications ", &format!(" {table} "), 1);
    let mut stmt = rows::statement(tx, &head, STATE_VALUES, 1, STATE_UPSERT)?;
    bind_state(&mut stmt, 0, &row)?;
    stmt.raw_execute()?;
    Ok(())
}

/// The state of `id` as this batch sees it.
fn current(
    reads: &Connection,
    known: &Known<'_>,
    batch: &Batch,
    id: &str,
) -> rusqlite::Result<Result<Option<Application>, StoreError>> {
    if let Some(c) = batch
        .overlay
        .get(id)
        .map(|t| &t.cached)
        .or_else(|| known.cache.get(id))
    {
        return Ok(Ok(Some(c.app.clone())));
    }
    Ok(load(reads, id)?
        .map(|c| c.map(|c| c.app))
        .map_err(StoreError::Db))
}

/// What an action changed in the batch's memory, to undo if it is rolled back.
#[derive(Default)]
struct Undo {
    apps: Vec<(String, Option<Touched>)>,
    keys: Vec<String>,
    /// The batch's pending rows before the action.
    entries: usize,
    idem: usize,
    deltas: usize,
    /// Organisations whose signing role the action set in the context, with the one before.
    signers: Vec<(String, Option<String>)>,
    /// The action changed the preschool queue in memory.
    queue: bool,
}

impl Undo {
    fn new(batch: &Batch) -> Undo {
        Undo {
            entries: batch.entries.len(),
            idem: batch.idem.len(),
            deltas: batch.deltas.len(),
            ..Undo::default()
        }
    }

    fn before(&mut self, batch: &Batch, cmd: &Command) {
        let id = cmd.application();
        if !self.apps.iter().any(|(a, _)| a == id) {
            self.apps
                .push((id.to_string(), batch.overlay.get(id).cloned()));
        }
        if let Command::Submit { key, .. } = cmd {
            self.keys.push(key.clone());
        }
    }

    fn restore(self, ctx: &Ctx, batch: &mut Batch) {
        for (org, prev) in self.signers.into_iter().rev() {
            ctx.set_signer(&org, prev.as_deref());
        }
        for (id, prev) in self.apps {
            match prev {
                Some(t) => batch.overlay.insert(id, t),
                None => batch.overlay.remove(&id),
            };
        }
        for k in self.keys {
            batch.keys.remove(&k);
        }
        batch.entries.truncate(self.entries);
        batch.idem.truncate(self.idem);
        batch.deltas.truncate(self.deltas);
    }
}

/// One [`Action`] inside a batch: all of it or none. With `savepoint` (the batch runs in its
/// transaction) what it wrote as it went is undone with a savepoint; the rest waits in `batch`.
fn run_action(
    tx: &Connection,
    savepoint: bool,
    ctx: &Ctx,
    queue: &QueueCell,
    known: &Known<'_>,
    batch: &mut Batch,
    action: &Action,
) -> rusqlite::Result<Result<ActionOutcome, StoreError>> {
    if savepoint {
        tx.execute_batch("SAVEPOINT action")?;
    }
    let mut undo = Undo::new(batch);
    // A database error fails the batch: `sync_batch` replays the queue after its rollback.
    let r = action_ops(tx, ctx, queue, known, batch, action, &mut undo)?;
    match &r {
        Ok(o) if !o.replayed => {
            if savepoint {
                tx.execute_batch("RELEASE action")?;
            }
        }
        _ => {
            if savepoint {
                tx.execute_batch("ROLLBACK TO action; RELEASE action")?;
            }
            let replay = undo.queue;
            undo.restore(ctx, batch);
            if replay {
                // Rare (a queue command followed by a refused op): the journal as the
                // transaction now has it is the state.
                queue.replay(queue_journal(tx)?);
            }
        }
    }
    Ok(r)
}

/// Every event of the queue's journal, in order.
pub(crate) fn queue_journal(conn: &Connection) -> rusqlite::Result<Vec<queue::Event>> {
    let mut stmt = conn.prepare("SELECT event FROM queue_events ORDER BY seq")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = vec![];
    for json in rows {
        out.push(serde_json::from_str(&json?).map_err(to_sql_err)?);
    }
    Ok(out)
}

/// Append events to the queue's journal, chained.
fn append_queue(
    tx: &Connection,
    q: &queue::Queue,
    events: &[queue::Event],
    by: Option<&str>,
) -> rusqlite::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    let (mut seq, mut prev): (i64, String) = tx
        .query_row(
            "SELECT seq, hash FROM queue_events ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or((0, GENESIS.to_string()));
    let mut stmt = tx.prepare_cached(
        "INSERT INTO queue_events (seq, at, child, actor, event, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for e in events {
        seq += 1;
        let json = serde_json::to_string(e).map_err(to_sql_err)?;
        let hash = entry_hash(&prev, preschool::CHAIN, seq, &json)
            .expect("the previous hash is 64 hex digits");
        stmt.execute(params![
            seq,
            instant::to_sql(e.at()),
            q.event_child(e),
            by,
            json,
            prev,
            hash
        ])?;
        prev = hash;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn action_ops(
    tx: &Connection,
    ctx: &Ctx,
    queue: &QueueCell,
    known: &Known<'_>,
    batch: &mut Batch,
    action: &Action,
    undo: &mut Undo,
) -> rusqlite::Result<Result<ActionOutcome, StoreError>> {
    let mut out = ActionOutcome {
        outcomes: vec![],
        written: vec![],
        replayed: false,
        application: None,
        queue_events: vec![],
    };
    let now = action.now;
    for op in &action.ops {
        match op {
            Op::Command(cmd) => {
                undo.before(batch, cmd);
                match command(tx, ctx, known, batch, cmd, now)? {
                    Ok(o) if o.replayed => {
                        let id = o.application.id.clone();
                        let now_state = match current(tx, known, batch, &id)? {
                            Ok(a) => a,
                            Err(e) => return Ok(Err(e)),
                        };
                        return Ok(Ok(ActionOutcome {
                            application: now_state.or(Some(o.application.clone())),
                            outcomes: vec![o],
                            written: vec![],
                            replayed: true,
                            queue_events: vec![],
                        }));
                    }
                    Ok(o) => {
                        out.application = Some(o.application.clone());
                        out.outcomes.push(o);
                    }
                    Err(e) => return Ok(Err(e)),
                }
            }
            Op::Advance(id) => {
                for _ in 0..MAX_AUTOMATIC {
                    let app = match current(tx, known, batch, id)? {
                        Ok(Some(a)) => a,
                        Ok(None) => {
                            return Ok(Err(StoreError::Rejected(
                                engine::Rejection::NoSuchApplication {
                                    application: id.clone(),
                                },
                            )));
                        }
                        Err(e) => return Ok(Err(e)),
                    };
                    let Some(cmd) = engine::automatic_step(&app, ctx) else {
                        out.application = Some(app);
                        break;
                    };
                    undo.before(batch, &cmd);
                    match command(tx, ctx, known, batch, &cmd, now)? {
                        Ok(o) => {
                            out.application = Some(o.application.clone());
                            out.outcomes.push(o);
                        }
                        Err(e) => return Ok(Err(e)),
                    }
                }
            }
            Op::Record(r) => match records::write(tx, r)? {
                Ok(w) => {
                    if let crate::Record::Org(o) = r {
                        let role = o.signing_role.as_deref().filter(|r| !r.is_empty());
                        undo.signers
                            .push((o.id.clone(), ctx.set_signer(&o.id, role)));
                        move_signing_steps(tx, ctx, &o.id, role)?;
                    }
                    out.written.push(w)
                }
                Err(e) => return Ok(Err(e)),
            },
            Op::Queue(_) | Op::QueueAdvance => {
                let mut g = queue.write();
                let Some(q) = g.as_mut() else {
                    return Ok(Err(StoreError::Queue {
                        field: "queue".into(),
                        rule: "no preschool queue is configured on this store".into(),
                    }));
                };
                // What time did first, journalled as the system's; then the command, as the
                // actor's (a refused command changes nothing; a rollback replays the queue).
                let timed = q.advance(now);
                if !timed.is_empty() {
                    undo.queue = true;
                    append_queue(tx, q, &timed, None)?;
                    out.queue_events.extend(timed);
                }
                if let Op::Queue(cmd) = op {
                    let events = match q.handle(cmd, now) {
                        Ok(ev) => ev,
                        Err(e) => return Ok(Err(e.into())),
                    };
                    if !events.is_empty() {
                        undo.queue = true;
                    }
                    append_queue(tx, q, &events, action.by.as_deref())?;
                    out.queue_events.extend(events);
                }
            }
        }
    }
    Ok(Ok(out))
}

/// An organisation's signing role is now `role` (None: the regulations' own): the inbox rows of
/// its open files waiting at a signing step move to the role that signs now, as a rebuild of
/// the views would place them.
fn move_signing_steps(
    tx: &Connection,
    ctx: &Ctx,
    org: &str,
    role: Option<&str>,
) -> rusqlite::Result<()> {
    let mut stmt = tx.prepare_cached(
        "UPDATE app_list SET holder_role = ?1
         WHERE holder_org = ?2 AND provider = ?2 AND regulation = ?3 AND version = ?4
             AND channel = ?5 AND step = ?6 AND status = 'in_progress'",
    )?;
    for plan in ctx.plans() {
        for s in plan.steps.iter().filter(|s| s.signs_result) {
            stmt.execute(params![
                role.unwrap_or(&s.role),
                org,
                plan.regulation,
                plan.version,
                plan.channel.as_str(),
                s.index as i64
            ])?;
        }
    }
    Ok(())
}

fn mark_published(tx: &Connection, ids: &[i64], at: Timestamp) -> rusqlite::Result<usize> {
    let at = instant::to_sql(at);
    let mut stmt = tx.prepare_cached(
        "UPDATE outbox SET published_at = ?1 WHERE id = ?2 AND published_at IS NULL",
    )?;
    let mut n = 0;
    for id in ids {
        n += stmt.execute(params![at, id])?;
    }
    Ok(n)
}

fn to_sql_err(e: serde_json::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(e))
}

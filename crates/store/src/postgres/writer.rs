//! The PostgreSQL store's writer thread: drains queued jobs into batches, runs each batch in
//! one transaction (engine decide + apply, journal, views, outbox, idempotency, records),
//! commits, and only then answers every caller in the batch (group commit) — as SQLite's
//! writer does, with what several stores on one database need:
//!
//! - A batch locks the `applications` rows of every application its jobs name (`FOR UPDATE`,
//!   one statement, in key order) before deciding, so two stores never decide on the same
//!   state: the second waits, then sees the first's events. The cached state is used only
//!   when the locked row's `app_seq` is the cached one. Its submission keys are read next, in
//!   one statement too.
//! - Commands are decided in memory; what they write waits in [`bulk::Writes`] and goes as a
//!   few multi-row statements at the batch's end (or before the SQL of a job that must see
//!   it: an action's records, a rebuild, marking the outbox).
//! - A batch that loses a race (a unique key taken meanwhile — a new application's first
//!   entry, an idempotency key —, a deadlock) was rolled back whole: it runs again, up to
//!   [`RETRIES`] times, and its callers never see the race.
//! - Aggregate deltas are summed over the batch and added at its end in key order.
//! - The organisations' signing roles are read at each batch's start (another store may
//!   have changed one).
//!
//! A lost connection fails the batch (nothing acknowledged) and is reopened on the next.
//!
//! `QYZMET_PG_PROFILE=1` makes each writer print where its time went (per phase, per job)
//! when it ends: a benchmark's tool (`examples/throughput.rs`).

use super::bulk::profile::timed;
use super::bulk::{self, AppWrite, Combined, JournalRow, Locked, Writes};
use super::conn::{self, Conn};
use super::views::Pending;
use super::{Monitor, records, views as pgviews};
use crate::chain::{GENESIS, entry_hash};
use crate::decide::{self, Cached, Corrupt, First, MAX_AUTOMATIC, StateRow, Undo};
use crate::jobs::{self, Answer, Counters, Job};
use crate::preschool::{self, QueueCell};
use crate::views;
use crate::{Action, ActionOutcome, Health, HealthState, Op, Outcome, Record, StoreError, instant};
use engine::{Application, Command, Ctx, Status};
use jiff::Timestamp;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

type PgResult<T> = Result<T, ::postgres::Error>;

/// How often an idle writer checks its connection (and, while unhealthy, tries to write).
const CHECK_EVERY: Duration = Duration::from_secs(1);

/// Runs of a batch that lost a race with another store, before its callers get the error.
pub(crate) const RETRIES: usize = 8;

pub(crate) struct Writer {
    conn: Option<Conn>,
    url: String,
    schema: String,
    ctx: Arc<Ctx>,
    counters: Arc<Counters>,
    max_batch: usize,
    cache_capacity: usize,
    cache: HashMap<String, Cached>,
    monitor: Arc<Monitor>,
    last_check: Instant,
    /// Jobs this writer committed (the counters are the store's, over all its writers).
    committed: u64,
    /// The batch's COMMIT was sent: a connection lost now leaves its outcome unknown.
    committing: bool,
    queue: Arc<QueueCell>,
    /// The last queue event the queue in memory has applied.
    queue_seq: Arc<AtomicI64>,
    /// Shared by the store's writers: a batch with an organisation record (which changes
    /// the context's signing roles, undone if it rolls back) runs alone, the others together.
    gate: Arc<RwLock<()>>,
}

/// A batch's memory: what its commands did so far (merged into the cache after the commit).
#[derive(Default)]
struct Batch {
    overlay: HashMap<String, Cached>,
    keys: HashMap<String, Outcome>,
    pending: Pending,
    /// What the batch's commands write, not sent yet.
    writes: Writes,
    /// The applications the batch locked, as it found them.
    locked: HashMap<String, Locked>,
    /// The batch's submission keys read after its locks: key → (result, application), or
    /// None when the key was not there.
    firsts: HashMap<String, Option<(String, String)>>,
    /// An action of the batch ran queue ops.
    queue_touched: bool,
}

impl Writer {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        conn: Conn,
        url: String,
        schema: String,
        ctx: Arc<Ctx>,
        counters: Arc<Counters>,
        max_batch: usize,
        cache_capacity: usize,
        monitor: Arc<Monitor>,
        queue: Arc<QueueCell>,
        queue_seq: Arc<AtomicI64>,
        gate: Arc<RwLock<()>>,
    ) -> Writer {
        Writer {
            conn: Some(conn),
            url,
            schema,
            ctx,
            counters,
            max_batch: max_batch.max(1),
            cache_capacity,
            cache: HashMap::new(),
            monitor,
            last_check: Instant::now(),
            committed: 0,
            committing: false,
            queue,
            queue_seq,
            gate,
        }
    }

    /// Serve jobs until every sender is gone, then return (the queue is drained first).
    pub fn run(mut self, rx: Receiver<Job>) {
        loop {
            if self.last_check.elapsed() >= CHECK_EVERY {
                self.check();
            }
            let idle = Instant::now();
            let first = match rx.recv_timeout(CHECK_EVERY) {
                Ok(j) => j,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => break,
            };
            bulk::profile::add("0 idle.waiting", idle.elapsed());
            let mut jobs = Vec::with_capacity(self.max_batch.min(64));
            jobs::push(&mut jobs, first);
            while jobs.len() < self.max_batch {
                match rx.try_recv() {
                    Ok(j) => jobs::push(&mut jobs, j),
                    Err(_) => break,
                }
            }
            self.batch(jobs);
        }
        bulk::profile::report(self.committed);
    }

    /// The periodic check: the connection is alive; a store that could not write probes
    /// with a real write.
    fn check(&mut self) {
        self.last_check = Instant::now();
        let _ = self.writable();
        // Another store's queue events, committed meanwhile, reach this store's readers.
        if self.queue.attached()
            && let Some(c) = self.conn.as_mut()
        {
            let mut g = self.queue.write();
            if let Some(q) = g.as_mut() {
                let _ = catch_up(c, q, &self.queue_seq);
            }
        }
    }

    /// A connection that can write now, (re)opened if need be; sets the health either way.
    fn writable(&mut self) -> Result<&mut Conn, Health> {
        let healthy = self.monitor.get().state == HealthState::Ok;
        if self.conn.as_ref().is_none_or(|c| c.is_closed()) {
            self.conn = None;
            // Another store may have written meanwhile: nothing cached is known to be current.
            self.cache.clear();
            match Conn::open(&self.url, &self.schema) {
                Ok(c) => self.conn = Some(c),
                Err(e) => {
                    let h = Health::new(HealthState::IoError, e.to_string());
                    self.monitor.set(h.clone());
                    return Err(h);
                }
            }
        }
        let Some(c) = self.conn.as_mut() else {
            return Err(self.monitor.get());
        };
        let probe = if healthy {
            c.batch("SELECT 1")
        } else {
            c.execute(
                "INSERT INTO meta (key, value) VALUES ('write_probe', $1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                &[&instant::to_sql(Timestamp::now())],
            )
            .map(|_| ())
        };
        match probe {
            Ok(()) => {
                self.monitor.set(Health::ok());
                Ok(self.conn.as_mut().expect("just checked"))
            }
            Err(e) if conn::lost(&e) && healthy => {
                // Ended by the server since the last batch: once more on a new connection.
                self.conn = None;
                self.monitor.set(Health::new(
                    HealthState::IoError,
                    format!("the connection was lost: {}", conn::message(&e)),
                ));
                self.writable()
            }
            Err(e) => {
                let mut h = conn::health_of(&e, c.is_closed(), &self.url);
                if h.state == HealthState::Ok {
                    h = Health::new(
                        HealthState::IoError,
                        format!("a probe write failed: {}", conn::message(&e)),
                    );
                }
                self.monitor.set(h.clone());
                Err(h)
            }
        }
    }

    /// The queue in memory as the committed journal has it (a new connection if need be).
    fn replay_queue(&mut self) {
        if self.conn.as_ref().is_none_or(|c| c.is_closed()) {
            self.conn = Conn::open(&self.url, &self.schema).ok();
        }
        if let Some(c) = self.conn.as_mut()
            && let Ok(events) = queue_journal(c)
        {
            replay(&self.queue, &self.queue_seq, events);
        }
    }

    /// The signing roles as the database has them.
    fn reload_signers(&mut self) {
        if let Some(c) = self.conn.as_mut()
            && let Ok(m) = records::signers(c)
        {
            self.ctx.set_signers(m);
        }
    }

    fn batch(&mut self, jobs: Vec<Job>) {
        let gate = self.gate.clone();
        let alone = jobs.iter().any(|j| {
            matches!(j, Job::Action { action, .. }
                if action.ops.iter().any(|o| matches!(o, Op::Record(Record::Org(_)))))
        });
        let (_shared, _alone) = if alone {
            (None, Some(gate.write().unwrap_or_else(|p| p.into_inner())))
        } else {
            (Some(gate.read().unwrap_or_else(|p| p.into_inner())), None)
        };
        if self.cache.len() > self.cache_capacity {
            self.cache.clear();
        }
        // Only a failed store pays for a check before its batch: the batch itself tells.
        if (self.monitor.get().state != HealthState::Ok
            || self.conn.as_ref().is_none_or(|c| c.is_closed()))
            && let Err(h) = self.writable()
        {
            self.counters.failed();
            return jobs::refuse(jobs, &refusal(&h));
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut b = Batch::default();
            self.committing = false;
            let result = self.transact(&jobs, &mut b);
            match result {
                Ok(answers) => {
                    self.counters.committed(&jobs);
                    self.committed += jobs.len() as u64;
                    for (id, cached) in b.overlay {
                        // A closed application takes no more commands: no need to keep it warm.
                        if cached.app.status == Status::Closed {
                            self.cache.remove(&id);
                        } else {
                            self.cache.insert(id, cached);
                        }
                    }
                    return jobs::answer(jobs, answers);
                }
                Err(e) => {
                    let closed = conn::lost(&e) || self.conn.as_ref().is_none_or(|c| c.is_closed());
                    if closed {
                        self.conn = None;
                    } else if let Some(c) = self.conn.as_mut() {
                        let _ = c.batch("ROLLBACK");
                    }
                    for id in b.overlay.keys() {
                        self.cache.remove(id);
                    }
                    self.reload_signers();
                    if b.queue_touched {
                        // The queue in memory took events that were not committed.
                        self.replay_queue();
                    }
                    if !closed && conn::retryable(&e) && attempt < RETRIES {
                        // Lost a race with another store: the cache may be behind it too.
                        self.cache.clear();
                        std::thread::sleep(Duration::from_millis(attempt as u64 * 2));
                        continue;
                    }
                    // The connection went before the commit was sent (a restarted server, a
                    // failover): nothing happened, so the batch runs again on a new one.
                    if closed && !self.committing && attempt < RETRIES && self.writable().is_ok() {
                        continue;
                    }
                    self.counters.failed();
                    let h = conn::health_of(&e, closed, &self.url);
                    let err = if closed && self.committing {
                        self.monitor.set(h.clone());
                        StoreError::Db(format!(
                            "the connection was lost while committing: whether the batch was \
                             written is unknown (retry with the same idempotency key); {}",
                            h.message()
                        ))
                    } else if h.state == HealthState::Ok {
                        conn::db(&e)
                    } else {
                        self.monitor.set(h.clone());
                        refusal(&h)
                    };
                    return jobs::refuse(jobs, &err);
                }
            }
        }
    }

    /// Run every job inside one transaction and commit it. An `Err` means the transaction did
    /// not commit and nothing of the batch happened.
    fn transact(&mut self, jobs: &[Job], b: &mut Batch) -> PgResult<Vec<Answer>> {
        let Some(c) = self.conn.as_mut() else {
            unreachable!("batch() opened the connection");
        };
        timed("1 begin", || {
            self.ctx.set_signers(records::begin_with_signers(c)?);
            PgResult::Ok(())
        })?;
        // Every application first (locks in key order), then the keys: a key committed by
        // whoever held one of those locks is seen.
        let (ids, keys) = named(jobs);
        b.locked = timed("2 lock", || bulk::lock_all(c, &self.cache, &ids))?;
        let found = timed("3 keys", || bulk::keys(c, &keys))?;
        b.firsts = keys.iter().map(|k| (k.to_string(), None)).collect();
        b.firsts
            .extend(found.into_iter().map(|(k, v)| (k, Some(v))));
        let mut answers = Vec::with_capacity(jobs.len());
        let started = std::time::Instant::now();
        for job in jobs {
            answers.push(match job {
                Job::Command { cmd, now, .. } => {
                    Answer::Command(command(c, &self.ctx, &self.cache, b, cmd, *now)?)
                }
                Job::MarkPublished { ids, at, .. } => {
                    b.writes.flush(c, Combined::default())?;
                    Answer::Published(mark_published(c, ids, *at)?)
                }
                Job::Action { action, .. } => {
                    b.queue_touched |= action
                        .ops
                        .iter()
                        .any(|o| matches!(o, Op::Queue(_) | Op::QueueAdvance));
                    let q = (&*self.queue, &*self.queue_seq);
                    Answer::Action(run_action(c, &self.ctx, q, &self.cache, b, action)?)
                }
                Job::Rebuild { replace, .. } => {
                    b.writes.flush(c, b.pending.take(""))?;
                    if *replace {
                        // The caches hold states the rebuild replaces; later commands lock
                        // the rebuilt rows anew.
                        self.cache.clear();
                        b.overlay.clear();
                        b.locked.clear();
                    }
                    Answer::Rebuild(pgviews::rebuild(c, &self.ctx, *replace)?)
                }
                Job::Commands(_) => unreachable!("flattened by push"),
            });
        }
        bulk::profile::add("4 jobs", started.elapsed());
        // The aggregates go with the batch's last statement: the rows every batch adds to are
        // locked from there to the commit only.
        timed("5 flush", || b.writes.flush(c, b.pending.take("")))?;
        self.committing = true;
        timed("7 commit", || c.batch("COMMIT"))?;
        Ok(answers)
    }
}

/// The error every job of a refused batch gets.
fn refusal(h: &Health) -> StoreError {
    StoreError::Db(format!(
        "the store cannot write: {}; nothing was written",
        h.message()
    ))
}

/// The applications the batch's jobs name, each once, and its submissions' keys.
fn named(jobs: &[Job]) -> (Vec<&str>, Vec<&str>) {
    use std::collections::HashSet;
    fn add<'a>(cmd: &'a Command, ids: &mut HashSet<&'a str>, keys: &mut HashSet<&'a str>) {
        ids.insert(cmd.application());
        if let Command::Submit { key, .. } = cmd {
            keys.insert(key.as_str());
        }
    }
    let (mut ids, mut keys) = (HashSet::new(), HashSet::new());
    for job in jobs {
        match job {
            Job::Command { cmd, .. } => add(cmd, &mut ids, &mut keys),
            Job::Action { action, .. } => {
                for op in &action.ops {
                    match op {
                        Op::Command(cmd) => add(cmd, &mut ids, &mut keys),
                        Op::Advance(id) => {
                            ids.insert(id.as_str());
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    (ids.into_iter().collect(), keys.into_iter().collect())
}

/// One command inside the batch transaction. The outer `Err` is a database failure (fails the
/// batch); the inner one is this command's own answer (the batch goes on).
fn command(
    c: &mut Conn,
    ctx: &Ctx,
    cache: &HashMap<String, Cached>,
    b: &mut Batch,
    cmd: &Command,
    now: Timestamp,
) -> PgResult<Result<Outcome, StoreError>> {
    let id = cmd.application();
    // Locked before its key is read: a submission that committed meanwhile (from another
    // store) is seen, as the lock waited for it.
    let late = ensure_locked(c, cache, b, id)?;
    if let Command::Submit { key, .. } = cmd {
        if let Some(first) = b.keys.get(key) {
            return Ok(Ok(Outcome {
                replayed: true,
                ..first.clone()
            }));
        }
        let row = match b.firsts.get(key.as_str()) {
            Some(row) if !late => row.clone(),
            _ => first_row(c, key)?,
        };
        if let Some((json, application)) = row {
            return Ok(match first_result(c, key, ctx, &json, &application)? {
                Ok(first) => Ok(first),
                Err(corrupt) => Err(StoreError::Db(corrupt)),
            });
        }
    }
    let state = match b.overlay.get(id) {
        Some(s) => Some(s),
        None => match b.locked.get(id).map(|l| l.state(id, cache)) {
            Some(Ok(s)) => s,
            Some(Err(corrupt)) => return Ok(Err(StoreError::Db(corrupt.clone()))),
            None => unreachable!("ensure_locked locked it"),
        },
    };
    let created = state.is_none();
    let d = match timed("4 jobs.decide", || decide::command(ctx, state, cmd, now)) {
        Ok(d) => d,
        Err(e) => return Ok(Err(e)),
    };
    let at = instant::to_sql(now);
    for e in d.entries {
        b.writes.journal(JournalRow {
            application: id.to_string(),
            app_seq: e.app_seq,
            event: e.json,
            at: at.clone(),
            prev_hash: e.prev_hash,
            hash: e.hash,
        });
    }
    let row = match StateRow::new(&d.app, d.head_seq, d.head_hash.clone(), at.clone()) {
        Ok(row) => row,
        Err(e) => {
            return Ok(Err(StoreError::Db(format!(
                "application `{id}`: its state does not encode: {e}"
            ))));
        }
    };
    b.writes.app(AppWrite::new(row, created));
    if d.listed {
        let row = timed("4 jobs.list_row", || views::list_row(&d.app, ctx, now));
        b.writes.list(row);
        for delta in &d.deltas {
            b.pending.add(delta);
        }
    }
    let outcome = Outcome {
        events: d.events,
        application: d.app,
        replayed: false,
    };
    if let Command::Submit { key, .. } = cmd {
        b.writes
            .key(key, id, decide::first_entries_json(d.head_seq), &at);
        b.keys.insert(key.clone(), outcome.clone());
    }
    b.overlay.insert(
        id.to_string(),
        Cached {
            app: outcome.application.clone(),
            head_seq: d.head_seq,
            head_hash: d.head_hash,
        },
    );
    Ok(Ok(outcome))
}

/// Lock `id` if the batch has not yet (an application no job named up front, or one a
/// rebuild replaced). True when it was locked now, after the batch read its keys.
fn ensure_locked(
    c: &mut Conn,
    cache: &HashMap<String, Cached>,
    b: &mut Batch,
    id: &str,
) -> PgResult<bool> {
    if b.overlay.contains_key(id) || b.locked.contains_key(id) {
        return Ok(false);
    }
    b.locked.extend(bulk::lock_all(c, cache, &[id])?);
    Ok(true)
}

/// A submission key's idempotency row, read now: (result, application).
fn first_row(c: &mut Conn, key: &str) -> PgResult<Option<(String, String)>> {
    c.query_opt(
        "SELECT result, application FROM idempotency WHERE key = $1",
        &[&key],
    )?
    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
    .transpose()
}

/// The first result of a submission, from its idempotency row.
fn first_result(
    c: &mut Conn,
    key: &str,
    ctx: &Ctx,
    json: &str,
    application: &str,
) -> PgResult<Result<Outcome, Corrupt>> {
    match decide::first(key, json) {
        Err(corrupt) => Ok(Err(corrupt)),
        Ok(First::Whole(o)) => Ok(Ok(*o)),
        Ok(First::Entries(n)) => {
            let entries: Vec<String> = c
                .query(
                    "SELECT event FROM journal WHERE application = $1 AND app_seq <= $2
                      ORDER BY app_seq",
                    &[&application, &n],
                )?
                .iter()
                .map(|r| r.try_get(0))
                .collect::<PgResult<_>>()?;
            Ok(decide::replay(key, ctx, entries))
        }
    }
}

/// Write an application's state row into `table` (`applications`, or a rebuild's copy):
/// updated when it `exists`, inserted otherwise (a racing insert meets the primary key).
pub(crate) fn write_state_into(
    c: &mut Conn,
    table: &str,
    app: &Application,
    head_seq: i64,
    head_hash: &str,
    at: &str,
    exists: bool,
) -> PgResult<()> {
    let state = serde_json::to_string(app).unwrap_or_default();
    let step_due = app.step_due.map(instant::to_sql);
    let term_due = app.term_due.map(instant::to_sql);
    let closed_at = app.closed_at.map(instant::to_sql);
    if exists {
        c.execute(
            &format!(
                "UPDATE {table} SET status = $2, step = $3, step_due = $4, term_due = $5,
                     closed_at = $6, app_seq = $7, journal_head = $8, updated_at = $9, state = $10
                 WHERE id = $1"
            ),
            &[
                &app.id,
                &app.status.as_str(),
                &(app.step as i64),
                &step_due,
                &term_due,
                &closed_at,
                &head_seq,
                &head_hash,
                &at,
                &state,
            ],
        )?;
    } else {
        c.execute(
            &format!(
                "INSERT INTO {table} (id, regulation, version, channel, provider, status, step,
                     step_due, term_due, closed_at, app_seq, journal_head, updated_at, state)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
            ),
            &[
                &app.id,
                &app.regulation,
                &i64::from(app.version),
                &app.channel.as_str(),
                &app.provider,
                &app.status.as_str(),
                &(app.step as i64),
                &step_due,
                &term_due,
                &closed_at,
                &head_seq,
                &head_hash,
                &at,
                &state,
            ],
        )?;
    }
    Ok(())
}

/// The state of `id` as this batch sees it (locked).
fn current(
    c: &mut Conn,
    cache: &HashMap<String, Cached>,
    b: &mut Batch,
    id: &str,
) -> PgResult<Result<Option<Application>, StoreError>> {
    ensure_locked(c, cache, b, id)?;
    if let Some(s) = b.overlay.get(id) {
        return Ok(Ok(Some(s.app.clone())));
    }
    Ok(match b.locked.get(id).map(|l| l.state(id, cache)) {
        Some(Ok(s)) => Ok(s.map(|s| s.app.clone())),
        Some(Err(corrupt)) => Err(StoreError::Db(corrupt.clone())),
        None => Ok(None),
    })
}

/// One [`Action`] inside the batch transaction, under a savepoint: all of it or none.
/// The preschool queue in memory, and the last journal seq it has applied.
type QueueRef<'a> = (&'a QueueCell, &'a AtomicI64);

fn run_action(
    c: &mut Conn,
    ctx: &Ctx,
    queue: QueueRef<'_>,
    cache: &HashMap<String, Cached>,
    b: &mut Batch,
    action: &Action,
) -> PgResult<Result<ActionOutcome, StoreError>> {
    // Only an action that writes SQL of its own (records, queue events) needs a savepoint:
    // its commands' writes wait in memory and are simply dropped if it rolls back.
    let sql = action
        .ops
        .iter()
        .any(|o| matches!(o, Op::Record(_) | Op::Queue(_) | Op::QueueAdvance));
    if action
        .ops
        .iter()
        .any(|o| matches!(o, Op::Record(Record::Org(_))))
    {
        // An organisation record moves list rows, so it sends what waits first (inside
        // the savepoint: the action's own writes). What earlier jobs left waiting goes
        // before the savepoint, so that a rollback to it keeps theirs.
        b.writes.flush(c, Combined::default())?;
    }
    if sql {
        c.batch("SAVEPOINT action")?;
    }
    let mut undo = Undo::default();
    let mark = b.pending.mark();
    let writes = b.writes.mark();
    // A database error fails the batch: `batch` replays the queue after its rollback.
    let r = action_ops(c, ctx, queue, cache, b, action, &mut undo)?;
    match &r {
        Ok(o) if !o.replayed => {
            if sql {
                c.batch("RELEASE action")?;
            }
        }
        _ => {
            if sql {
                c.batch("ROLLBACK TO action; RELEASE action")?;
            }
            b.pending.undo_to(mark);
            b.writes.undo_to(writes);
            let replay_queue = undo.queue;
            undo.restore(ctx, &mut b.overlay, &mut b.keys);
            if replay_queue {
                // The journal as the transaction now has it is the state.
                replay(queue.0, queue.1, queue_journal(c)?);
            }
        }
    }
    Ok(r)
}

/// Every event of the queue's journal, in order, with its seq.
fn queue_journal(c: &mut Conn) -> PgResult<Vec<(i64, queue::Event)>> {
    queue_since(c, 0)
}

/// The queue's journal after `seq`, in order. An entry that does not decode stops there (it
/// is reported by whoever reads the queue's chain; the state stays at the entry before).
pub(crate) fn queue_since(c: &mut Conn, seq: i64) -> PgResult<Vec<(i64, queue::Event)>> {
    let mut out = vec![];
    for r in c.query(
        "SELECT seq, event FROM queue_events WHERE seq > $1 ORDER BY seq",
        &[&seq],
    )? {
        let text: String = r.try_get(1)?;
        match serde_json::from_str(&text) {
            Ok(e) => out.push((r.try_get(0)?, e)),
            Err(_) => break,
        }
    }
    Ok(out)
}

/// Replace the queue in memory by a replay of `events`.
fn replay(queue: &QueueCell, seq: &AtomicI64, events: Vec<(i64, queue::Event)>) {
    let last = events.last().map_or(0, |(s, _)| *s);
    queue.replay(events.into_iter().map(|(_, e)| e));
    seq.store(last, Ordering::SeqCst);
}

/// Apply the events other stores committed since the queue in memory last caught up.
fn catch_up(c: &mut Conn, q: &mut queue::Queue, seq: &AtomicI64) -> PgResult<()> {
    for (s, e) in queue_since(c, seq.load(Ordering::SeqCst))? {
        q.apply(&e);
        seq.store(s, Ordering::SeqCst);
    }
    Ok(())
}

/// Append events to the queue's journal, chained after its last entry.
fn append_queue(
    c: &mut Conn,
    q: &queue::Queue,
    seq: &AtomicI64,
    events: &[queue::Event],
    by: Option<&str>,
) -> PgResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let (mut n, mut prev): (i64, String) = match c.query_opt(
        "SELECT seq, hash FROM queue_events ORDER BY seq DESC LIMIT 1",
        &[],
    )? {
        Some(r) => (r.try_get(0)?, r.try_get(1)?),
        None => (0, GENESIS.to_string()),
    };
    for e in events {
        n += 1;
        let json = serde_json::to_string(e).unwrap_or_default();
        let hash = entry_hash(&prev, preschool::CHAIN, n, &json)
            .expect("the previous hash is 64 hex digits");
        c.execute(
            "INSERT INTO queue_events (seq, at, child, actor, event, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                &n,
                &instant::to_sql(e.at()),
                &q.event_child(e),
                &by,
                &json,
                &prev,
                &hash,
            ],
        )?;
        prev = hash;
    }
    seq.store(n, Ordering::SeqCst);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn action_ops(
    c: &mut Conn,
    ctx: &Ctx,
    queue: QueueRef<'_>,
    cache: &HashMap<String, Cached>,
    b: &mut Batch,
    action: &Action,
    undo: &mut Undo,
) -> PgResult<Result<ActionOutcome, StoreError>> {
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
                undo.before(&b.overlay, cmd);
                match command(c, ctx, cache, b, cmd, now)? {
                    Ok(o) if o.replayed => {
                        let id = o.application.id.clone();
                        let now_state = match current(c, cache, b, &id)? {
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
                    let app = match current(c, cache, b, id)? {
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
                    undo.before(&b.overlay, &cmd);
                    match command(c, ctx, cache, b, &cmd, now)? {
                        Ok(o) => {
                            out.application = Some(o.application.clone());
                            out.outcomes.push(o);
                        }
                        Err(e) => return Ok(Err(e)),
                    }
                }
            }
            Op::Record(r) => {
                if let Record::Org(_) = r {
                    // Its signing role moves the list rows the action's commands wrote.
                    b.writes.flush(c, Combined::default())?;
                }
                match records::write(c, r)? {
                    Ok(w) => {
                        if let Record::Org(o) = r {
                            let role = o.signing_role.as_deref().filter(|r| !r.is_empty());
                            undo.signers
                                .push((o.id.clone(), ctx.set_signer(&o.id, role)));
                            move_signing_steps(c, ctx, &o.id, role)?;
                        }
                        out.written.push(w)
                    }
                    Err(e) => return Ok(Err(e)),
                }
            }
            Op::Queue(_) | Op::QueueAdvance => {
                let mut g = queue.0.write();
                let Some(q) = g.as_mut() else {
                    return Ok(Err(StoreError::Queue {
                        field: "queue".into(),
                        rule: "no preschool queue is configured on this store".into(),
                    }));
                };
                // The queue's ops of every store on this schema take turns (until the
                // commit), each after the events the others committed.
                c.execute(
                    "SELECT pg_advisory_xact_lock(hashtext('qyzmet.queue.' || current_schema()))",
                    &[],
                )?;
                catch_up(c, q, queue.1)?;
                // What time did first, journalled as the system's; then the command, as the
                // actor's (a refused command changes nothing; a rollback replays the queue).
                let timed = q.advance(now);
                if !timed.is_empty() {
                    undo.queue = true;
                    append_queue(c, q, queue.1, &timed, None)?;
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
                    append_queue(c, q, queue.1, &events, action.by.as_deref())?;
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
fn move_signing_steps(c: &mut Conn, ctx: &Ctx, org: &str, role: Option<&str>) -> PgResult<()> {
    for plan in ctx.plans() {
        for s in plan.steps.iter().filter(|s| s.signs_result) {
            c.execute(
                "UPDATE app_list SET holder_role = $1
                 WHERE holder_org = $2 AND provider = $2 AND regulation = $3 AND version = $4
                     AND channel = $5 AND step = $6 AND status = 'in_progress'",
                &[
                    &role.unwrap_or(&s.role),
                    &org,
                    &plan.regulation,
                    &i64::from(plan.version),
                    &plan.channel.as_str(),
                    &(s.index as i64),
                ],
            )?;
        }
    }
    Ok(())
}

fn mark_published(c: &mut Conn, ids: &[i64], at: Timestamp) -> PgResult<usize> {
    let n = c.execute(
        "UPDATE outbox SET published_at = $1 WHERE id = ANY($2) AND published_at IS NULL",
        &[&instant::to_sql(at), &ids],
    )?;
    Ok(n as usize)
}

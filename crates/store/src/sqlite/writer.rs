//! The single writer thread: drains queued jobs into batches, runs each batch in one
//! transaction (engine decide + apply, journal, views, outbox, idempotency), commits, and only
//! then answers every caller in the batch (group commit).
//!
//! The writer owns the write connection and a cache of application states (with each chain's
//! head), loaded from the `applications` view on first use. A batch sees its own earlier
//! commands through a per-batch overlay, merged into the cache only after the commit; on a
//! database error the overlay is dropped and the touched applications are evicted.
//!
//! A batch decides every command first and writes what they share at the end ([`flush`]):
//! the journal and outbox rows in one statement per 64, each touched application's state and
//! list row once (its last), the aggregates summed per row. An action's savepoint still
//! covers its part: rolled back, its pending rows are dropped with it.
//!
//! It also guards the file (see [`super::health`]): a batch is refused while the store cannot
//! write, and answered only if the file it committed into is still the one at the path.
//! Not for: reads (readers have their own connections) or anything that blocks on callers.

use super::health::{self, Files, Monitor};
use super::profile::{self, Phase, span};
use super::rows;
use super::{Answer, Counters, Job, records, views as sqlviews};
use crate::chain::{GENESIS, entry_hash};
use crate::decide::{Corrupt, First, MAX_AUTOMATIC, first, first_entries_json, panic_message};
use crate::preschool::{self, QueueCell};
use crate::views::{self, Delta, ListRow};
use crate::{Action, ActionOutcome, Health, HealthState, Op, Outcome, StoreError, instant};
use engine::{Application, Command, Ctx, Status, apply, decide};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Statement, TransactionBehavior, params};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How often an idle (or busy) writer checks that its file is still there and writable.
const CHECK_EVERY: Duration = Duration::from_secs(1);

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

/// A journal entry decided in this batch, not yet written.
struct Entry {
    application: String,
    app_seq: i64,
    json: String,
    at: String,
    prev_hash: String,
    hash: String,
}

/// What a batch has decided: the states it leaves, its submissions, and the rows not yet
/// written ([`flush`] writes them).
#[derive(Default)]
struct Batch {
    overlay: HashMap<String, Touched>,
    /// Idempotency key → the application its submission created and how many entries it wrote.
    keys: HashMap<String, (String, i64)>,
    entries: Vec<Entry>,
    /// The aggregates' deltas of listed commands, in order.
    deltas: Vec<Delta>,
}

pub(crate) struct Writer {
    pub conn: Connection,
    pub ctx: Arc<Ctx>,
    pub counters: Arc<Counters>,
    pub max_batch: usize,
    pub cache_capacity: usize,
    cache: HashMap<String, Cached>,
    files: Files,
    monitor: Arc<Monitor>,
    last_check: Instant,
    queue: Arc<QueueCell>,
}

impl Writer {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        conn: Connection,
        ctx: Arc<Ctx>,
        counters: Arc<Counters>,
        max_batch: usize,
        cache_capacity: usize,
        files: Files,
        monitor: Arc<Monitor>,
        queue: Arc<QueueCell>,
    ) -> Writer {
        Writer {
            conn,
            ctx,
            counters,
            max_batch: max_batch.max(1),
            cache_capacity,
            cache: HashMap::new(),
            files,
            monitor,
            last_check: Instant::now(),
            queue,
        }
    }

    /// Serve jobs until every sender is gone, then return (the queue is drained first).
    pub fn run(mut self, rx: Receiver<Job>) {
        profile::init();
        loop {
            if self.last_check.elapsed() >= CHECK_EVERY {
                self.check();
            }
            let waited = span(Phase::Wait);
            let got = rx.recv_timeout(CHECK_EVERY);
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
            self.batch(jobs);
        }
        profile::report(
            self.counters.commands.load(Ordering::Relaxed),
            self.counters.transactions.load(Ordering::Relaxed),
        );
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

    /// The signing roles as the database has them: after a batch that did not commit, the
    /// context may hold one that an organisation record of that batch set.
    fn reload_signers(&self) {
        if let Ok(m) = records::signers(&self.conn) {
            self.ctx.set_signers(m);
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

    /// Run `jobs` (never `Job::Commands`: [`push`] flattens them) in one transaction.
    fn batch(&mut self, jobs: Vec<Job>) {
        if self.cache.len() > self.cache_capacity {
            self.cache.clear();
        }
        // Refused before anything is written: the store cannot keep it.
        let checks = span(Phase::Checks);
        let writable = self.writable();
        drop(checks);
        if let Err(h) = writable {
            self.counters.failed_batches.fetch_add(1, Ordering::Relaxed);
            return refuse(jobs, &refusal(&h));
        }
        let mut batch = Batch::default();
        let mut queue_touched = false;
        let result = self.transact(&jobs, &mut batch, &mut queue_touched);
        // Committed into the file at the path? If it vanished meanwhile, nobody will read
        // what was just written: refuse rather than acknowledge.
        let checks = span(Phase::Checks);
        let still_ours = self.files.check();
        drop(checks);
        if let Err(h) = still_ours {
            if !self.conn.is_autocommit() {
                let _ = self.conn.execute_batch("ROLLBACK");
            }
            self.monitor.set(h.clone());
            self.cache.clear();
            self.reload_signers();
            self.counters.failed_batches.fetch_add(1, Ordering::Relaxed);
            return refuse(jobs, &refusal(&h));
        }
        match result {
            Ok(answers) => {
                let _answer = span(Phase::Answer);
                let c = &self.counters;
                c.transactions.fetch_add(1, Ordering::Relaxed);
                let commands = jobs
                    .iter()
                    .filter(|j| matches!(j, Job::Command { .. } | Job::Action { .. }))
                    .count();
                c.commands.fetch_add(commands as u64, Ordering::Relaxed);
                c.largest_batch
                    .fetch_max(jobs.len() as u64, Ordering::Relaxed);
                // Answered first: the callers wait on it, the cache does not.
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
                for (id, t) in batch.overlay {
                    // A closed application takes no more commands: no need to keep it warm.
                    if t.cached.app.status == Status::Closed {
                        self.cache.remove(&id);
                    } else {
                        self.cache.insert(id, t.cached);
                    }
                }
            }
            Err(e) => {
                if !self.conn.is_autocommit() {
                    let _ = self.conn.execute_batch("ROLLBACK");
                }
                for id in batch.overlay.keys() {
                    self.cache.remove(id);
                }
                self.reload_signers();
                if queue_touched {
                    // The queue in memory took events that were not committed.
                    if let Ok(events) = queue_journal(&self.conn) {
                        self.queue.replay(events);
                    }
                }
                self.counters.failed_batches.fetch_add(1, Ordering::Relaxed);
                let h = health::from_error(&e, &self.files.path);
                let err = if h.state == HealthState::Ok {
                    StoreError::Db(e.to_string())
                } else {
                    self.monitor.set(h.clone());
                    refusal(&h)
                };
                refuse(jobs, &err);
            }
        }
    }

    /// Run every job inside one transaction and commit it. An `Err` means the transaction did
    /// not commit and nothing of the batch happened.
    fn transact(
        &mut self,
        jobs: &[Job],
        batch: &mut Batch,
        queue_touched: &mut bool,
    ) -> rusqlite::Result<Vec<Answer>> {
        let begin = span(Phase::Begin);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        drop(begin);
        let mut answers = Vec::with_capacity(jobs.len());
        for job in jobs {
            answers.push(match job {
                Job::Command { cmd, now, .. } => {
                    Answer::Command(command(&tx, &self.ctx, &self.cache, batch, cmd, *now)?)
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
                        &self.ctx,
                        &self.queue,
                        &self.cache,
                        batch,
                        action,
                    )?)
                }
                Job::Rebuild { replace, .. } => {
                    // The rebuild reads the journal and compares the views: both as of now.
                    flush(&tx, &self.ctx, batch)?;
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
        flush(&tx, &self.ctx, batch)?;
        let _commit = span(Phase::Commit);
        tx.commit()?;
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

/// Answer every job with `err`: none of them happened.
fn refuse(jobs: Vec<Job>, err: &StoreError) {
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

/// Add a job to a batch; the commands of a `Job::Commands` go in whole, even past
/// `max_batch`, so that they share one transaction.
fn push(jobs: &mut Vec<Job>, job: Job) {
    match job {
        Job::Commands(cmds) => jobs.extend(
            cmds.into_iter()
                .map(|(cmd, now, reply)| Job::Command { cmd, now, reply }),
        ),
        j => jobs.push(j),
    }
}

/// One command inside the batch transaction. The outer `Err` is a database failure (fails the
/// batch); the inner one is this command's own answer (the batch goes on). What it writes
/// waits in `batch` for [`flush`], but for its idempotency row.
fn command(
    tx: &Connection,
    ctx: &Ctx,
    cache: &HashMap<String, Cached>,
    batch: &mut Batch,
    cmd: &Command,
    now: Timestamp,
) -> rusqlite::Result<Result<Outcome, StoreError>> {
    if let Command::Submit { key, .. } = cmd {
        let _lookup = span(Phase::IdemLookup);
        let found = match batch.keys.get(key) {
            Some((application, n)) => replay_in_batch(tx, ctx, key, application, *n, batch)?,
            None => first_result(tx, key, ctx)?,
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
        .or_else(|| cache.get(id))
    {
        Some(c) => Some(c),
        None => {
            let _load = span(Phase::Load);
            loaded = match load(tx, id)? {
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
    let at = rows::ts(now);
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
    batch.entries.extend(entries);
    // A refused portal request is no application: it is journalled, never listed or counted.
    let listed = !matches!(cmd, Command::RefuseRequest { .. });
    if listed {
        batch.deltas.extend(deltas);
    }
    if let Command::Submit { key, .. } = cmd {
        let _insert = span(Phase::IdemInsert);
        tx.prepare_cached(
            "INSERT INTO idempotency (key, application, result, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![key, id, first_entries_json(head_seq), at])?;
        batch.keys.insert(key.clone(), (id.to_string(), head_seq));
    }
    let _overlay = span(Phase::Overlay);
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

/// Write what `batch` holds unwritten: journal entries (with their outbox rows), the state
/// and list row of each application changed since the last flush, the aggregates' deltas.
fn flush(tx: &Connection, ctx: &Ctx, batch: &mut Batch) -> rusqlite::Result<()> {
    if !batch.entries.is_empty() {
        let _journal = span(Phase::Journal);
        let last: i64 = tx
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM journal")?
            .query_row([], |r| r.get(0))?;
        for (start, len) in rows::chunks(batch.entries.len()) {
            let mut stmt = rows::statement(
                tx,
                "INSERT INTO journal (application, app_seq, event, at, prev_hash, hash)",
                6,
                len,
                "",
            )?;
            for (i, e) in batch.entries[start..start + len].iter().enumerate() {
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
            "INSERT INTO outbox (journal_seq, application, event, created_at)
             SELECT seq, application, '', at FROM journal WHERE seq > ?1 ORDER BY seq",
        )?
        .execute([last])?;
        batch.entries.clear();
    }
    let mut ids: Vec<&String> = batch
        .overlay
        .iter()
        .filter(|(_, t)| t.dirty)
        .map(|(id, _)| id)
        .collect();
    // In key order: neighbouring rows share pages.
    ids.sort_unstable();
    if !ids.is_empty() {
        let states: Vec<(&Touched, String)> = {
            let _state = span(Phase::State);
            ids.iter()
                .map(|id| {
                    let t = &batch.overlay[*id];
                    Ok((t, serde_json::to_string(&t.cached.app).map_err(to_sql_err)?))
                })
                .collect::<rusqlite::Result<_>>()?
        };
        {
            let _state = span(Phase::State);
            for (start, len) in rows::chunks(states.len()) {
                let mut stmt = rows::statement(tx, STATE_INSERT, STATE_VALUES, len, STATE_UPSERT)?;
                for (i, (t, json)) in states[start..start + len].iter().enumerate() {
                    let c = &t.cached;
                    bind_state(
                        &mut stmt,
                        i * STATE_VALUES,
                        &c.app,
                        c.head_seq,
                        &c.head_hash,
                        &rows::ts(t.at),
                        json,
                    )?;
                }
                stmt.raw_execute()?;
            }
        }
        let list: Vec<ListRow> = {
            let _row = span(Phase::ListRow);
            states
                .iter()
                .filter(|(t, _)| t.listed)
                .map(|(t, _)| views::list_row(&t.cached.app, ctx, t.at))
                .collect()
        };
        {
            let _list = span(Phase::ListSql);
            sqlviews::write_list_rows(tx, &list)?;
        }
        drop(states);
        for t in batch.overlay.values_mut() {
            t.dirty = false;
        }
    }
    let _aggregates = span(Phase::Aggregates);
    sqlviews::apply_deltas(tx, &batch.deltas)?;
    batch.deltas.clear();
    Ok(())
}

/// The first result of a submission earlier in this batch: its entries, folded (as
/// [`first_result`] would find them once written).
fn replay_in_batch(
    tx: &Connection,
    ctx: &Ctx,
    key: &str,
    application: &str,
    n: i64,
    batch: &Batch,
) -> rusqlite::Result<Result<Option<Outcome>, Corrupt>> {
    let pending: Vec<String> = batch
        .entries
        .iter()
        .filter(|e| e.application == application && e.app_seq <= n)
        .map(|e| e.json.clone())
        .collect();
    if pending.len() as i64 == n {
        return Ok(crate::decide::replay(key, ctx, pending).map(Some));
    }
    // Written already (a rebuild in the batch flushed them).
    journal_replay(tx, ctx, key, application, n)
}

/// The first result of a submission with this key, if there was one.
fn first_result(
    tx: &Connection,
    key: &str,
    ctx: &Ctx,
) -> rusqlite::Result<Result<Option<Outcome>, Corrupt>> {
    let row: Option<(String, String)> = tx
        .prepare_cached("SELECT result, application FROM idempotency WHERE key = ?1")?
        .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((json, application)) = row else {
        return Ok(Ok(None));
    };
    match first(key, &json) {
        Ok(First::Entries(n)) => journal_replay(tx, ctx, key, &application, n),
        Ok(First::Whole(outcome)) => Ok(Ok(Some(*outcome))),
        Err(corrupt) => Ok(Err(corrupt)),
    }
}

/// An application's first `n` journal entries, folded: a submission's first result.
fn journal_replay(
    tx: &Connection,
    ctx: &Ctx,
    key: &str,
    application: &str,
    n: i64,
) -> rusqlite::Result<Result<Option<Outcome>, Corrupt>> {
    let mut stmt = tx.prepare_cached(
        "SELECT event FROM journal WHERE application = ?1 AND app_seq <= ?2 ORDER BY app_seq",
    )?;
    let entries = stmt
        .query_map(params![application, n], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(crate::decide::replay(key, ctx, entries).map(Some))
}

/// An application and its chain head from the view (None: no such application yet).
fn load(tx: &Connection, id: &str) -> rusqlite::Result<Result<Option<Cached>, Corrupt>> {
    let row: Option<(String, i64, String)> = tx
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
const STATE_INSERT: &str = "INSERT INTO applications (id, regulation, version, channel,
    provider, status, step, step_due, term_due, closed_at, app_seq, journal_head, updated_at,
    state)";
const STATE_VALUES: usize = 14;
const STATE_UPSERT: &str = "ON CONFLICT (id) DO UPDATE SET
    status = excluded.status, step = excluded.step, step_due = excluded.step_due,
    term_due = excluded.term_due, closed_at = excluded.closed_at,
    app_seq = excluded.app_seq, journal_head = excluded.journal_head,
    updated_at = excluded.updated_at, state = excluded.state";

/// Bind an application's state row as the values `base + 1 ..= base + STATE_VALUES`.
fn bind_state(
    stmt: &mut Statement<'_>,
    base: usize,
    app: &Application,
    head_seq: i64,
    head_hash: &str,
    at: &str,
    json: &str,
) -> rusqlite::Result<()> {
    stmt.raw_bind_parameter(base + 1, &app.id)?;
    stmt.raw_bind_parameter(base + 2, &app.regulation)?;
    stmt.raw_bind_parameter(base + 3, app.version)?;
    stmt.raw_bind_parameter(base + 4, app.channel.as_str())?;
    stmt.raw_bind_parameter(base + 5, &app.provider)?;
    stmt.raw_bind_parameter(base + 6, app.status.as_str())?;
    stmt.raw_bind_parameter(base + 7, app.step as i64)?;
    stmt.raw_bind_parameter(base + 8, app.step_due.map(rows::ts))?;
    stmt.raw_bind_parameter(base + 9, app.term_due.map(rows::ts))?;
    stmt.raw_bind_parameter(base + 10, app.closed_at.map(rows::ts))?;
    stmt.raw_bind_parameter(base + 11, head_seq)?;
    stmt.raw_bind_parameter(base + 12, head_hash)?;
    stmt.raw_bind_parameter(base + 13, at)?;
    stmt.raw_bind_parameter(base + 14, json)?;
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
    let json = serde_json::to_string(app).map_err(to_sql_err)?;
    let head = STATE_INSERT.replacen("applications", table, 1);
    let mut stmt = rows::statement(tx, &head, STATE_VALUES, 1, STATE_UPSERT)?;
    bind_state(&mut stmt, 0, app, head_seq, head_hash, at, &json)?;
    stmt.raw_execute()?;
    Ok(())
}

/// The state of `id` as this batch sees it.
fn current(
    tx: &Connection,
    cache: &HashMap<String, Cached>,
    batch: &Batch,
    id: &str,
) -> rusqlite::Result<Result<Option<Application>, StoreError>> {
    if let Some(c) = batch
        .overlay
        .get(id)
        .map(|t| &t.cached)
        .or_else(|| cache.get(id))
    {
        return Ok(Ok(Some(c.app.clone())));
    }
    Ok(load(tx, id)?
        .map(|c| c.map(|c| c.app))
        .map_err(StoreError::Db))
}

/// What an action changed in the batch's memory, to undo if it is rolled back.
#[derive(Default)]
struct Undo {
    apps: Vec<(String, Option<Touched>)>,
    keys: Vec<String>,
    /// The batch's pending entries and deltas before the action.
    entries: usize,
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
        batch.deltas.truncate(self.deltas);
    }
}

/// One [`Action`] inside the batch transaction, under a savepoint: all of it or none.
fn run_action(
    tx: &Connection,
    ctx: &Ctx,
    queue: &QueueCell,
    cache: &HashMap<String, Cached>,
    batch: &mut Batch,
    action: &Action,
) -> rusqlite::Result<Result<ActionOutcome, StoreError>> {
    tx.execute_batch("SAVEPOINT action")?;
    let mut undo = Undo::new(batch);
    // A database error fails the batch: `batch` replays the queue after its rollback.
    let r = action_ops(tx, ctx, queue, cache, batch, action, &mut undo)?;
    match &r {
        Ok(o) if !o.replayed => tx.execute_batch("RELEASE action")?,
        _ => {
            tx.execute_batch("ROLLBACK TO action; RELEASE action")?;
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
    cache: &HashMap<String, Cached>,
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
                match command(tx, ctx, cache, batch, cmd, now)? {
                    Ok(o) if o.replayed => {
                        let id = o.application.id.clone();
                        let now_state = match current(tx, cache, batch, &id)? {
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
                    let app = match current(tx, cache, batch, id)? {
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
                    match command(tx, ctx, cache, batch, &cmd, now)? {
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

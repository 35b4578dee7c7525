//! The single writer thread: drains queued jobs into batches, runs each batch in one
//! transaction (engine decide + apply, journal, views, outbox, idempotency), commits, and only
//! then answers every caller in the batch (group commit).
//!
//! The writer owns the write connection and a cache of application states (with each chain's
//! head), loaded from the `applications` view on first use. A batch sees its own earlier
//! commands through a per-batch overlay, merged into the cache only after the commit; on a
//! database error the overlay is dropped and the touched applications are evicted.
//!
//! It also guards the file (see [`super::health`]): a batch is refused while the store cannot
//! write, and answered only if the file it committed into is still the one at the path.
//! Not for: reads (readers have their own connections) or anything that blocks on callers.

use super::health::{self, Files, Monitor};
use super::{Answer, Counters, Job, records, views as sqlviews};
use crate::chain::{GENESIS, entry_hash};
use crate::preschool::{self, QueueCell};
use crate::views;
use crate::{Action, ActionOutcome, Health, HealthState, Op, Outcome, StoreError, instant};
use engine::{Application, Command, Ctx, Event, Status, apply, decide};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
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

/// What the idempotency table keeps for a submission: its first result, in full (as
/// earlier builds wrote it) …
#[derive(Serialize, Deserialize)]
struct FirstResult {
    events: Vec<Event>,
    application: Application,
}

/// … or, as now, how many journal entries of the application the submission wrote: the first
/// result is those entries, folded. Keeps the hot path from writing every submission twice.
#[derive(Serialize, Deserialize)]
struct FirstEntries {
    first_entries: i64,
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
        loop {
            if self.last_check.elapsed() >= CHECK_EVERY {
                self.check();
            }
            let first = match rx.recv_timeout(CHECK_EVERY) {
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
        if let Err(h) = self.writable() {
            self.counters.failed_batches.fetch_add(1, Ordering::Relaxed);
            return refuse(jobs, &refusal(&h));
        }
        let mut overlay: HashMap<String, Cached> = HashMap::new();
        let mut queue_touched = false;
        let result = self.transact(&jobs, &mut overlay, &mut queue_touched);
        // Committed into the file at the path? If it vanished meanwhile, nobody will read
        // what was just written: refuse rather than acknowledge.
        if let Err(h) = self.files.check() {
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
                let c = &self.counters;
                c.transactions.fetch_add(1, Ordering::Relaxed);
                let commands = jobs
                    .iter()
                    .filter(|j| matches!(j, Job::Command { .. } | Job::Action { .. }))
                    .count();
                c.commands.fetch_add(commands as u64, Ordering::Relaxed);
                c.largest_batch
                    .fetch_max(jobs.len() as u64, Ordering::Relaxed);
                for (id, cached) in overlay {
                    // A closed application takes no more commands: no need to keep it warm.
                    if cached.app.status == Status::Closed {
                        self.cache.remove(&id);
                    } else {
                        self.cache.insert(id, cached);
                    }
                }
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
            Err(e) => {
                if !self.conn.is_autocommit() {
                    let _ = self.conn.execute_batch("ROLLBACK");
                }
                for id in overlay.keys() {
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
        overlay: &mut HashMap<String, Cached>,
        queue_touched: &mut bool,
    ) -> rusqlite::Result<Vec<Answer>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut keys: HashMap<String, Outcome> = HashMap::new();
        let mut answers = Vec::with_capacity(jobs.len());
        for job in jobs {
            answers.push(match job {
                Job::Command { cmd, now, .. } => Answer::Command(command(
                    &tx,
                    &self.ctx,
                    &self.cache,
                    overlay,
                    &mut keys,
                    cmd,
                    *now,
                )?),
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
                        overlay,
                        &mut keys,
                        action,
                    )?)
                }
                Job::Rebuild { replace, .. } => {
                    if *replace {
                        // The caches hold states the rebuild replaces.
                        self.cache.clear();
                        overlay.clear();
                    }
                    Answer::Rebuild(sqlviews::rebuild(&tx, &self.ctx, *replace)?)
                }
                Job::Commands(_) => unreachable!("flattened by push"),
            });
        }
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
/// batch); the inner one is this command's own answer (the batch goes on).
fn command(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    cache: &HashMap<String, Cached>,
    overlay: &mut HashMap<String, Cached>,
    keys: &mut HashMap<String, Outcome>,
    cmd: &Command,
    now: Timestamp,
) -> rusqlite::Result<Result<Outcome, StoreError>> {
    if let Command::Submit { key, .. } = cmd {
        if let Some(first) = keys.get(key) {
            return Ok(Ok(Outcome {
                replayed: true,
                ..first.clone()
            }));
        }
        match first_result(tx, key, ctx)? {
            Ok(None) => {}
            Ok(Some(first)) => return Ok(Ok(first)),
            Err(corrupt) => return Ok(Err(StoreError::Db(corrupt))),
        }
    }
    let id = cmd.application();
    let state = match overlay.get(id).or_else(|| cache.get(id)) {
        Some(c) => Some(c.clone()),
        None => match load(tx, id)? {
            Ok(state) => state,
            Err(corrupt) => return Ok(Err(StoreError::Db(corrupt))),
        },
    };
    let decided = catch_unwind(AssertUnwindSafe(|| {
        let events = decide(state.as_ref().map(|c| &c.app), cmd, now, ctx)?;
        let mut app = state.as_ref().map(|c| c.app.clone());
        let mut deltas = vec![];
        for e in &events {
            let next = apply(app.clone(), e, ctx);
            if let Some(n) = &next {
                deltas.extend(views::deltas(app.as_ref(), e, n, ctx));
            }
            app = next;
        }
        Ok::<_, engine::Rejection>((events, app, deltas))
    }));
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
        Some(c) => (c.head_seq, c.head_hash),
        None => (0, GENESIS.to_string()),
    };
    // Hash every entry before writing any, so a corrupt head fails this command alone.
    let mut entries = Vec::with_capacity(events.len());
    for e in &events {
        let json = serde_json::to_string(e).map_err(to_sql_err)?;
        let app_seq = head_seq + 1;
        let Some(hash) = entry_hash(&head_hash, id, app_seq, &json) else {
            return Ok(Err(StoreError::Db(format!(
                "application `{id}`: the stored journal head `{head_hash}` is not a hash; run verify_journal"
            ))));
        };
        entries.push((
            app_seq,
            json,
            std::mem::replace(&mut head_hash, hash.clone()),
            hash,
        ));
        head_seq = app_seq;
    }
    let at = instant::to_sql(now);
    for (app_seq, json, prev, hash) in &entries {
        tx.prepare_cached(
            "INSERT INTO journal (application, app_seq, event, at, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![id, app_seq, json, at, prev, hash])?;
        let journal_seq = tx.last_insert_rowid();
        // The event itself stays in the journal: the outbox points at it.
        tx.prepare_cached(
            "INSERT INTO outbox (journal_seq, application, event, created_at)
             VALUES (?1, ?2, '', ?3)",
        )?
        .execute(params![journal_seq, id, at])?;
    }
    write_views(tx, &app, head_seq, &head_hash, &at)?;
    // A refused portal request is no application: it is journalled, never listed or counted.
    if !matches!(cmd, Command::RefuseRequest { .. }) {
        sqlviews::write_list_row(tx, &views::list_row(&app, ctx, now))?;
        for d in &deltas {
            sqlviews::apply_delta(tx, d)?;
        }
    }
    let outcome = Outcome {
        events,
        application: app,
        replayed: false,
    };
    if let Command::Submit { key, .. } = cmd {
        let first = serde_json::to_string(&FirstEntries {
            first_entries: head_seq,
        })
        .map_err(to_sql_err)?;
        tx.prepare_cached(
            "INSERT INTO idempotency (key, application, result, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![key, id, first, at])?;
        keys.insert(key.clone(), outcome.clone());
    }
    overlay.insert(
        id.to_string(),
        Cached {
            app: outcome.application.clone(),
            head_seq,
            head_hash,
        },
    );
    Ok(Ok(outcome))
}

/// A row that does not decode: it fails the command that needs it, not the batch.
type Corrupt = String;

/// The first result of a submission with this key, if there was one.
fn first_result(
    tx: &Transaction<'_>,
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
    if let Ok(FirstEntries { first_entries }) = serde_json::from_str::<FirstEntries>(&json) {
        let mut stmt = tx.prepare_cached(
            "SELECT event FROM journal WHERE application = ?1 AND app_seq <= ?2 ORDER BY app_seq",
        )?;
        let rows = stmt.query_map(params![application, first_entries], |r| {
            r.get::<_, String>(0)
        })?;
        let mut events = Vec::new();
        let mut app = None;
        for row in rows {
            let text = row?;
            match serde_json::from_str::<Event>(&text) {
                Ok(e) => {
                    app = apply(app, &e, ctx);
                    events.push(e);
                }
                Err(e) => {
                    return Ok(Err(format!(
                        "idempotency key `{key}`: journal entry does not decode: {e}"
                    )));
                }
            }
        }
        return Ok(match app {
            Some(application) => Ok(Some(Outcome {
                events,
                application,
                replayed: true,
            })),
            None => Err(format!(
                "idempotency key `{key}`: its journal entries are missing"
            )),
        });
    }
    Ok(match serde_json::from_str::<FirstResult>(&json) {
        Ok(first) => Ok(Some(Outcome {
            events: first.events,
            application: first.application,
            replayed: true,
        })),
        Err(e) => Err(format!(
            "idempotency key `{key}`: stored result does not decode: {e}"
        )),
    })
}

/// An application and its chain head from the view (None: no such application yet).
fn load(tx: &Transaction<'_>, id: &str) -> rusqlite::Result<Result<Option<Cached>, Corrupt>> {
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

/// Upsert the `applications` row: the state the writer reloads, with its chain head.
fn write_views(
    tx: &Transaction<'_>,
    app: &Application,
    head_seq: i64,
    head_hash: &str,
    at: &str,
) -> rusqlite::Result<()> {
    write_state_into(tx, "applications", app, head_seq, head_hash, at)
}

/// Upsert an application's state row into `table` (`applications`, or a rebuild's copy).
pub(crate) fn write_state_into(
    tx: &Transaction<'_>,
    table: &str,
    app: &Application,
    head_seq: i64,
    head_hash: &str,
    at: &str,
) -> rusqlite::Result<()> {
    let state = serde_json::to_string(app).map_err(to_sql_err)?;
    tx.prepare_cached(&format!(
        "INSERT INTO {table} (id, regulation, version, channel, provider, status, step,
             step_due, term_due, closed_at, app_seq, journal_head, updated_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
         ON CONFLICT (id) DO UPDATE SET
             status = excluded.status, step = excluded.step, step_due = excluded.step_due,
             term_due = excluded.term_due, closed_at = excluded.closed_at,
             app_seq = excluded.app_seq, journal_head = excluded.journal_head,
             updated_at = excluded.updated_at, state = excluded.state"
    ))?
    .execute(params![
        app.id,
        app.regulation,
        app.version,
        app.channel.as_str(),
        app.provider,
        app.status.as_str(),
        app.step as i64,
        app.step_due.map(instant::to_sql),
        app.term_due.map(instant::to_sql),
        app.closed_at.map(instant::to_sql),
        head_seq,
        head_hash,
        at,
        state,
    ])?;
    Ok(())
}

/// The state of `id` as this batch sees it.
fn current(
    tx: &Transaction<'_>,
    cache: &HashMap<String, Cached>,
    overlay: &HashMap<String, Cached>,
    id: &str,
) -> rusqlite::Result<Result<Option<Application>, StoreError>> {
    if let Some(c) = overlay.get(id).or_else(|| cache.get(id)) {
        return Ok(Ok(Some(c.app.clone())));
    }
    Ok(load(tx, id)?
        .map(|c| c.map(|c| c.app))
        .map_err(StoreError::Db))
}

/// What an action changed in the batch's memory, to undo if it is rolled back.
#[derive(Default)]
struct Undo {
    apps: Vec<(String, Option<Cached>)>,
    keys: Vec<String>,
    /// Organisations whose signing role the action set in the context, with the one before.
    signers: Vec<(String, Option<String>)>,
    /// The action changed the preschool queue in memory.
    queue: bool,
}

impl Undo {
    fn before(&mut self, overlay: &HashMap<String, Cached>, cmd: &Command) {
        let id = cmd.application();
        if !self.apps.iter().any(|(a, _)| a == id) {
            self.apps.push((id.to_string(), overlay.get(id).cloned()));
        }
        if let Command::Submit { key, .. } = cmd {
            self.keys.push(key.clone());
        }
    }

    fn restore(
        self,
        ctx: &Ctx,
        overlay: &mut HashMap<String, Cached>,
        keys: &mut HashMap<String, Outcome>,
    ) {
        for (org, prev) in self.signers.into_iter().rev() {
            ctx.set_signer(&org, prev.as_deref());
        }
        for (id, prev) in self.apps {
            match prev {
                Some(c) => overlay.insert(id, c),
                None => overlay.remove(&id),
            };
        }
        for k in self.keys {
            keys.remove(&k);
        }
    }
}

/// One [`Action`] inside the batch transaction, under a savepoint: all of it or none.
fn run_action(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    queue: &QueueCell,
    cache: &HashMap<String, Cached>,
    overlay: &mut HashMap<String, Cached>,
    keys: &mut HashMap<String, Outcome>,
    action: &Action,
) -> rusqlite::Result<Result<ActionOutcome, StoreError>> {
    tx.execute_batch("SAVEPOINT action")?;
    let mut undo = Undo::default();
    // A database error fails the batch: `batch` replays the queue after its rollback.
    let r = action_ops(tx, ctx, queue, cache, overlay, keys, action, &mut undo)?;
    match &r {
        Ok(o) if !o.replayed => tx.execute_batch("RELEASE action")?,
        _ => {
            tx.execute_batch("ROLLBACK TO action; RELEASE action")?;
            let replay = undo.queue;
            undo.restore(ctx, overlay, keys);
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
    tx: &Transaction<'_>,
    q: &queue::Queue,
    events: &[queue::Event],
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
        "INSERT INTO queue_events (seq, at, child, event, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
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
            json,
            prev,
            hash
        ])?;
        prev = hash;
    }
    Ok(())
}

/// Most automatic steps run in a row (a plan has far fewer; this only stops a loop).
const MAX_AUTOMATIC: usize = 64;

#[allow(clippy::too_many_arguments)]
fn action_ops(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    queue: &QueueCell,
    cache: &HashMap<String, Cached>,
    overlay: &mut HashMap<String, Cached>,
    keys: &mut HashMap<String, Outcome>,
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
                undo.before(overlay, cmd);
                match command(tx, ctx, cache, overlay, keys, cmd, now)? {
                    Ok(o) if o.replayed => {
                        let id = o.application.id.clone();
                        let now_state = match current(tx, cache, overlay, &id)? {
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
                    let app = match current(tx, cache, overlay, id)? {
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
                    undo.before(overlay, &cmd);
                    match command(tx, ctx, cache, overlay, keys, &cmd, now)? {
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
                let events = match op {
                    Op::Queue(cmd) => match q.handle(cmd, now) {
                        Ok(ev) => ev,
                        // Checked before anything changed: nothing to undo.
                        Err(e) => return Ok(Err(e.into())),
                    },
                    _ => q.advance(now),
                };
                if !events.is_empty() {
                    undo.queue = true;
                }
                append_queue(tx, q, &events)?;
                out.queue_events.extend(events);
            }
        }
    }
    Ok(Ok(out))
}

/// An organisation's signing role is now `role` (None: the regulations' own): the inbox rows of
/// its open files waiting at a signing step move to the role that signs now, as a rebuild of
/// the views would place them.
fn move_signing_steps(
    tx: &Transaction<'_>,
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

fn mark_published(tx: &Transaction<'_>, ids: &[i64], at: Timestamp) -> rusqlite::Result<usize> {
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

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

//! The PostgreSQL store: the same [`Store`] as SQLite's — one writer thread doing group
//! commit, readers on their own connections — over one schema of a PostgreSQL database, so
//! that several qyzmet nodes can share it.
//!
//! For: deployments past one machine. Each store keeps to its schema (`search_path`), which
//! lets tests and tenants share a database. Commits are durable before they are acknowledged
//! (`synchronous_commit` on, or a stricter setting kept). Several stores may write one schema
//! at once: each command locks its application's row first, and a batch that loses a race is
//! run again (see [`writer`]).
//!
//! Not for: health of files (there are none here: a lost connection, a read-only server or a
//! full disk make the store refuse writes until a probe write succeeds).

mod bulk;
mod conn;
mod records;
pub mod schema;
mod views;
mod writer;

use crate::jobs::{Counters, Job, Ticket};
use crate::records::{
    AccountRow, BookingRow, DocumentRow, FileRow, NoteRow, NotificationRow, Org, Records, SlotRow,
    TokenRow,
};
use crate::verify::{Heads, Walk};
use crate::views::{ListQuery, ListRow, Page, Scope};
use crate::{
    Action, ActionOutcome, Aggregates, Health, HealthState, JournalHeads, OutboxEntry, Outcome,
    RebuildReport, Stats, Store, StoreError, Task, VerifyReport, chain, instant,
};
use conn::Conn;
use engine::{Application, Command, Ctx, Event, Status};
use jiff::Timestamp;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Where and how a [`PgStore`] runs.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// The schema the store's tables live in (created if missing): a plain lower-case
    /// identifier.
    pub schema: String,
    /// Most jobs in one transaction.
    pub max_batch: usize,
    /// Jobs that may wait for the writer before callers block on sending (back-pressure).
    pub queue: usize,
    /// Reader connections kept open between reads.
    pub readers: usize,
    /// Open applications the writer keeps in memory (each still checked against its locked
    /// row before use).
    pub cache_capacity: usize,
    /// Writer threads, each with its own connection, batches and cache. An application's
    /// jobs always go to the same writer (by its id), so they are decided in queue order;
    /// jobs of different applications may commit in another order than they were queued.
    /// Preschool queue ops, organisation records and whatever names no application go to
    /// the first writer. Several writers race as several stores do (see [`writer`]).
    pub writers: usize,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            schema: "qyzmet".into(),
            max_batch: 512,
            queue: 8192,
            readers: 4,
            cache_capacity: 100_000,
            writers: 2,
        }
    }
}

/// The store's health, set by the writer and read by anyone.
pub(crate) struct Monitor {
    state: Mutex<Health>,
}

impl Monitor {
    fn new() -> Monitor {
        Monitor {
            state: Mutex::new(Health::ok()),
        }
    }

    pub fn get(&self) -> Health {
        self.state
            .lock()
            .map(|h| h.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    pub fn set(&self, h: Health) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if *s != h {
            // Faults are rare and must be seen even without a tracing subscriber.
            if h.state == HealthState::Ok {
                eprintln!("store: the store can write again (was: {})", s.message());
            } else {
                eprintln!("store: {}", h.message());
            }
            *s = h;
        }
    }
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Db(format!("{what} does not decode: {e}")))
}

/// Runs `f` where the synchronous client may block: on a thread of its own when called from
/// inside an async runtime (the `postgres` client drives its own runtime, which cannot start
/// within another), else right here.
fn outside_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| {
        s.spawn(f)
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

/// Which of `n` writers runs `job`: an application's jobs always the same one (by its id);
/// the preschool queue's ops (whose state in memory one writer keeps), organisation
/// records and jobs that name no application the first.
fn writer_of(job: &Job, n: usize) -> usize {
    let by_id = |id: &str| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        id.hash(&mut h);
        (h.finish() % n as u64) as usize
    };
    if n <= 1 {
        return 0;
    }
    match job {
        Job::Command { cmd, .. } => by_id(cmd.application()),
        Job::Commands(cmds) => cmds.first().map_or(0, |(c, _, _)| by_id(c.application())),
        Job::Action { action, .. } => {
            let first = action.ops.iter().try_fold(None, |id, op| match op {
                crate::Op::Queue(_) | crate::Op::QueueAdvance => Err(()),
                crate::Op::Record(crate::Record::Org(_)) => Err(()),
                crate::Op::Command(c) => Ok(id.or(Some(c.application()))),
                crate::Op::Advance(a) => Ok(id.or(Some(a.as_str()))),
                crate::Op::Record(_) => Ok(id),
            });
            match first {
                Ok(Some(id)) => by_id(id),
                _ => 0,
            }
        }
        Job::MarkPublished { .. } | Job::Rebuild { .. } => 0,
    }
}

/// The PostgreSQL store. Share it between threads behind an `Arc`; dropping it lets the
/// writer finish the queued jobs and waits for it.
pub struct PgStore {
    url: String,
    schema: String,
    /// One queue per writer (empty once closed).
    jobs: Vec<SyncSender<Job>>,
    writers: Vec<JoinHandle<()>>,
    readers: Mutex<Vec<Conn>>,
    counters: Arc<Counters>,
    monitor: Arc<Monitor>,
    options: PgOptions,
    queue: Arc<crate::QueueCell>,
    /// The last queue event the queue in memory has applied.
    queue_seq: Arc<AtomicI64>,
}

impl PgStore {
    /// Open the store in `schema` of the database at `url` (a libpq URL or `key=value`
    /// string), creating and upgrading the schema as needed, and start the writer thread.
    pub fn open(url: &str, schema: &str, ctx: Arc<Ctx>) -> Result<PgStore, StoreError> {
        PgStore::open_with(
            url,
            ctx,
            PgOptions {
                schema: schema.into(),
                ..PgOptions::default()
            },
        )
    }

    pub fn open_with(url: &str, ctx: Arc<Ctx>, options: PgOptions) -> Result<PgStore, StoreError> {
        outside_runtime(|| PgStore::open_here(url, ctx, options))
    }

    fn open_here(url: &str, ctx: Arc<Ctx>, options: PgOptions) -> Result<PgStore, StoreError> {
        let schema = options.schema.clone();
        if !conn::valid_schema(&schema) {
            return Err(StoreError::Db(format!(
                "schema `{schema}`: a schema name is lower-case letters, digits and `_`, \
                 starting with a letter or `_`, at most 63 bytes, not `pg_…`"
            )));
        }
        let mut c = Conn::open(url, &schema)?;
        schema::migrate_to(&mut c, &schema, schema::LATEST)?;
        // The organisations' signing roles decide who holds a signing step: the context has
        // them before any view is built or command decided.
        ctx.set_signers(records::signers(&mut c)?);
        // Views left stale by a migration (or a rebuild cut short) come from the journal
        // before serving.
        let stale = c
            .query_opt("SELECT value FROM meta WHERE key = 'views_stale'", &[])?
            .map(|r| r.get::<_, String>(0));
        if stale.as_deref() == Some("1") {
            c.batch("BEGIN")?;
            match views::rebuild(&mut c, &ctx, true) {
                Ok(Ok(_)) => c.batch("COMMIT")?,
                Ok(Err(e)) => {
                    c.batch("ROLLBACK")?;
                    return Err(e);
                }
                Err(e) => {
                    let _ = c.batch("ROLLBACK");
                    return Err(e.into());
                }
            }
        }
        let monitor = Arc::new(Monitor::new());
        let counters = Arc::new(Counters::default());
        let queue = Arc::new(crate::QueueCell::default());
        let queue_seq = Arc::new(AtomicI64::new(0));
        let gate = Arc::new(std::sync::RwLock::new(()));
        let n = options.writers.max(1);
        let (mut jobs, mut writers) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let mut first = Some(c);
        for k in 0..n {
            let c = match first.take() {
                Some(c) => c,
                None => Conn::open(url, &schema)?,
            };
            let (tx, rx) = mpsc::sync_channel(options.queue.max(1));
            let w = writer::Writer::new(
                c,
                url.to_string(),
                schema.clone(),
                ctx.clone(),
                counters.clone(),
                options.max_batch,
                options.cache_capacity,
                monitor.clone(),
                // Only the first writer runs queue ops: the others' queue is never attached.
                if k == 0 {
                    queue.clone()
                } else {
                    Arc::default()
                },
                if k == 0 {
                    queue_seq.clone()
                } else {
                    Arc::default()
                },
                gate.clone(),
            );
            let name = if k == 0 {
                "store-writer-pg".to_string()
            } else {
                format!("store-writer-pg-{k}")
            };
            let h = std::thread::Builder::new()
                .name(name)
                .spawn(move || w.run(rx))
                .map_err(|e| StoreError::Db(format!("cannot start the writer thread: {e}")))?;
            jobs.push(tx);
            writers.push(h);
        }
        Ok(PgStore {
            url: url.to_string(),
            schema,
            jobs,
            writers,
            readers: Mutex::new(vec![]),
            counters,
            monitor,
            options,
            queue,
            queue_seq,
        })
    }

    /// The schema the store lives in.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The schema version of the store's schema.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.read(schema::version)
    }

    fn job<T>(
        &self,
        make: impl FnOnce(SyncSender<Result<T, StoreError>>) -> Job,
    ) -> Result<T, StoreError> {
        let (reply, rx) = mpsc::sync_channel(1);
        self.send(make(reply))?;
        rx.recv().unwrap_or(Err(StoreError::Closed))
    }

    /// Queue a job on the writer it belongs to.
    fn send(&self, job: Job) -> Result<(), StoreError> {
        let k = writer_of(&job, self.jobs.len());
        self.jobs
            .get(k)
            .ok_or(StoreError::Closed)?
            .send(job)
            .map_err(|_| StoreError::Closed)
    }

    /// Queue a command without waiting: the ticket waits. An application's commands are
    /// decided in queue order.
    pub fn enqueue(&self, cmd: Command, now: Timestamp) -> Ticket {
        let (reply, rx) = mpsc::sync_channel(1);
        let sent = self.send(Job::Command { cmd, now, reply });
        Ticket(sent.map(|_| rx))
    }

    /// Stop accepting jobs, let the writers finish the queued ones, and wait for them.
    pub fn close(mut self) -> Result<(), StoreError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), StoreError> {
        self.jobs.clear();
        let mut out = Ok(());
        for h in self.writers.drain(..) {
            if h.join().is_err() {
                out = Err(StoreError::Db("the writer thread panicked".into()));
            }
        }
        out
    }

    /// Run `f` on a pooled reader connection. A pooled connection the server has ended
    /// meanwhile (a restart, a failover) is replaced and `f` runs once more.
    fn read<T: Send>(
        &self,
        f: impl Fn(&mut Conn) -> Result<T, StoreError> + Sync,
    ) -> Result<T, StoreError> {
        outside_runtime(|| self.read_here(&f))
    }

    fn read_here<T>(
        &self,
        f: &impl Fn(&mut Conn) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.readers.lock().map(|mut p| p.pop()).unwrap_or(None);
        let (mut c, was_pooled) = match pooled.filter(|c| !c.is_closed()) {
            Some(c) => (c, true),
            None => (Conn::open(&self.url, &self.schema)?, false),
        };
        let mut out = f(&mut c);
        if out.is_err() && was_pooled && (c.is_closed() || c.batch("SELECT 1").is_err()) {
            c = Conn::open(&self.url, &self.schema)?;
            out = f(&mut c);
        }
        if !c.is_closed()
            && let Ok(mut p) = self.readers.lock()
            && p.len() < self.options.readers
        {
            p.push(c);
        }
        out
    }

    /// Run `f` in one read-only snapshot (every query sees one instant).
    fn snapshot<T: Send>(
        &self,
        f: impl Fn(&mut Conn) -> Result<T, StoreError> + Sync,
    ) -> Result<T, StoreError> {
        self.read(|c| {
            c.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
            let out = f(c);
            let end = if out.is_ok() {
                c.batch("COMMIT")
            } else {
                c.batch("ROLLBACK")
            };
            let out = out?;
            end?;
            Ok(out)
        })
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        let _ = self.shutdown();
        // Closing a connection blocks on the server's answer: not inside an async runtime.
        let readers = std::mem::take(self.readers.get_mut().unwrap_or_else(|p| p.into_inner()));
        if !readers.is_empty() {
            outside_runtime(move || drop(readers));
        }
    }
}

impl Store for PgStore {
    fn act(&self, action: Action) -> Result<ActionOutcome, StoreError> {
        self.job(|reply| Job::Action { action, reply })
    }

    fn list(&self, q: &ListQuery) -> Result<Page, StoreError> {
        self.read(|c| views::list(c, q))
    }

    fn list_row(&self, id: &str) -> Result<Option<ListRow>, StoreError> {
        self.read(|c| views::list_row(c, id))
    }

    fn search(&self, scope: &Scope, text: &str, limit: usize) -> Result<Vec<ListRow>, StoreError> {
        self.read(|c| views::search(c, scope, text, limit))
    }

    fn aggregates(
        &self,
        scope: &Scope,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Aggregates, StoreError> {
        self.snapshot(|c| views::aggregates(c, scope, from, to))
    }

    fn watched(
        &self,
        scope: &Scope,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Vec<ListRow>, StoreError> {
        self.read(|c| views::watched(c, scope, from, to, now))
    }

    fn late_results(
        &self,
        scope: &Scope,
        from: Option<Timestamp>,
        to: Option<Timestamp>,
        limit: usize,
    ) -> Result<Vec<ListRow>, StoreError> {
        self.read(|c| views::late_results(c, scope, from, to, limit))
    }

    fn rebuild_views(&self, replace: bool) -> Result<RebuildReport, StoreError> {
        self.job(|reply| Job::Rebuild { replace, reply })
    }

    fn execute(&self, cmd: Command, now: Timestamp) -> Result<Outcome, StoreError> {
        self.enqueue(cmd, now).wait()
    }

    /// The commands of one call share one transaction, decided in order.
    fn execute_many(&self, cmds: Vec<(Command, Timestamp)>) -> Vec<Result<Outcome, StoreError>> {
        let mut waits = Vec::with_capacity(cmds.len());
        let mut job = Vec::with_capacity(cmds.len());
        for (cmd, now) in cmds {
            let (reply, rx) = mpsc::sync_channel(1);
            job.push((cmd, now, reply));
            waits.push(Ticket(Ok(rx)));
        }
        if self.send(Job::Commands(job)).is_err() {
            return waits.iter().map(|_| Err(StoreError::Closed)).collect();
        }
        waits.into_iter().map(Ticket::wait).collect()
    }

    fn application(&self, id: &str) -> Result<Option<Application>, StoreError> {
        self.read(|c| {
            c.query_opt("SELECT state FROM applications WHERE id = $1", &[&id])?
                .map(|r| decode(&format!("application `{id}`"), r.try_get(0)?))
                .transpose()
        })
    }

    fn events(&self, id: &str) -> Result<Vec<Event>, StoreError> {
        self.read(|c| {
            c.query(
                "SELECT app_seq, event FROM journal WHERE application = $1 ORDER BY app_seq",
                &[&id],
            )?
            .iter()
            .map(|r| {
                let n: i64 = r.try_get(0)?;
                decode(&format!("event {n} of `{id}`"), r.try_get(1)?)
            })
            .collect()
        })
    }

    fn tasks(&self, org: &str, role: &str) -> Result<Vec<Task>, StoreError> {
        let mut out = vec![];
        let mut cursor = None;
        loop {
            let page = self.list(&ListQuery {
                holder: Some((org.to_string(), vec![role.to_string()])),
                limit: 500,
                cursor,
                ..ListQuery::default()
            })?;
            for r in &page.rows {
                out.push(Task {
                    application: r.id.clone(),
                    org: r.holder_org.clone().unwrap_or_default(),
                    role: r.holder_role.clone().unwrap_or_default(),
                    step: r.step,
                    step_due: r.step_due,
                    term_due: r.term_due,
                    status: r.status.parse::<Status>().map_err(|_| {
                        StoreError::Db(format!("`{}`: unknown status `{}`", r.id, r.status))
                    })?,
                    regulation: r.regulation.clone(),
                    version: r.version,
                    provider: r.provider.clone(),
                });
            }
            match page.next {
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }

    fn open_applications(&self) -> Result<Vec<Application>, StoreError> {
        self.read(|c| {
            c.query(
                "SELECT id, state FROM applications WHERE status <> 'closed'
                  ORDER BY step_due IS NULL, step_due, id",
                &[],
            )?
            .iter()
            .map(|r| {
                let id: String = r.try_get(0)?;
                decode(&format!("application `{id}`"), r.try_get(1)?)
            })
            .collect()
        })
    }

    fn outbox_pending(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        self.read(|c| {
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            c.query(
                "SELECT o.id, o.journal_seq, o.application, j.event, o.created_at
                   FROM outbox o JOIN journal j ON j.seq = o.journal_seq
                  WHERE o.published_at IS NULL ORDER BY o.id LIMIT $1",
                &[&limit],
            )?
            .iter()
            .map(|r| {
                let id: i64 = r.try_get(0)?;
                Ok(OutboxEntry {
                    event: decode(&format!("outbox entry {id}"), r.try_get(3)?)?,
                    id,
                    journal_seq: r.try_get(1)?,
                    application: r.try_get(2)?,
                    created_at: instant::from_sql(r.try_get(4)?)
                        .map_err(|e| StoreError::Db(e.to_string()))?,
                })
            })
            .collect()
        })
    }

    fn mark_published(&self, ids: &[i64], at: Timestamp) -> Result<usize, StoreError> {
        let ids = ids.to_vec();
        self.job(|reply| Job::MarkPublished { ids, at, reply })
    }

    fn claim_outbox(
        &self,
        holder: &str,
        limit: usize,
        lease: std::time::Duration,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let secs = lease.as_secs_f64();
        // One statement, committed on its own: rows another node is claiming right now are
        // skipped, not waited for; a claim whose lease ran out is taken over.
        self.read(|c| {
            c.query(
                "WITH claimed AS (
                     UPDATE outbox SET claimed_by = $1,
                            claimed_until = clock_timestamp() + make_interval(secs => $3)
                      WHERE id IN (SELECT id FROM outbox
                                    WHERE published_at IS NULL
                                      AND (claimed_until IS NULL
                                           OR claimed_until < clock_timestamp()
                                           OR claimed_by = $1)
                                    ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
                  RETURNING id, journal_seq, application, created_at)
                 SELECT c.id, c.journal_seq, c.application, j.event, c.created_at
                   FROM claimed c JOIN journal j ON j.seq = c.journal_seq ORDER BY c.id",
                &[&holder, &limit, &secs],
            )?
            .iter()
            .map(|r| {
                let id: i64 = r.try_get(0)?;
                Ok(OutboxEntry {
                    event: decode(&format!("outbox entry {id}"), r.try_get(3)?)?,
                    id,
                    journal_seq: r.try_get(1)?,
                    application: r.try_get(2)?,
                    created_at: instant::from_sql(r.try_get(4)?)
                        .map_err(|e| StoreError::Db(e.to_string()))?,
                })
            })
            .collect()
        })
    }

    fn lease(&self, job: &str, holder: &str, ttl: std::time::Duration) -> Result<bool, StoreError> {
        let secs = ttl.as_secs_f64();
        self.read(|c| {
            Ok(c.query_opt(
                "INSERT INTO leases (job, holder, until)
                 VALUES ($1, $2, clock_timestamp() + make_interval(secs => $3))
                 ON CONFLICT (job) DO UPDATE SET holder = EXCLUDED.holder, until = EXCLUDED.until
                  WHERE leases.holder = EXCLUDED.holder OR leases.until < clock_timestamp()
                 RETURNING holder",
                &[&job, &holder, &secs],
            )?
            .is_some())
        })
    }

    fn release(&self, holder: &str) -> Result<(), StoreError> {
        self.read(|c| {
            c.execute("DELETE FROM leases WHERE holder = $1", &[&holder])?;
            c.execute(
                "UPDATE outbox SET claimed_by = NULL, claimed_until = NULL
                  WHERE claimed_by = $1 AND published_at IS NULL",
                &[&holder],
            )?;
            Ok(())
        })
    }

    fn verify_journal(&self) -> Result<VerifyReport, StoreError> {
        outside_runtime(|| self.verify_here())
    }

    fn journal_heads(&self, at: &[i64]) -> Result<JournalHeads, StoreError> {
        outside_runtime(|| self.heads_here(at))
    }

    fn stats(&self) -> Stats {
        self.counters.stats()
    }

    fn health(&self) -> Health {
        if self.writers.is_empty() {
            Health::new(HealthState::Closed, "the store is closed")
        } else if self.writers.iter().any(|w| w.is_finished()) {
            Health::new(
                HealthState::WriterDead,
                "the store's writer thread has stopped; writes are refused (restart the server)",
            )
        } else {
            self.monitor.get()
        }
    }

    fn probe(&self) -> Health {
        let h = self.health();
        if !h.writable {
            return h;
        }
        // A failover leaves the pooled connections on a server that is now a standby (or
        // gone): `target_session_attrs=read-write` picks the primary on reconnecting.
        match self.read(|c| {
            let r = c.query_one(
                "SELECT pg_is_in_recovery(), current_setting('transaction_read_only')",
                &[],
            )?;
            Ok((r.try_get::<_, bool>(0)?, r.try_get::<_, String>(1)?))
        }) {
            Ok((false, ro)) if ro == "off" => h,
            Ok(_) => Health::new(
                HealthState::ReadOnly,
                format!(
                    "PostgreSQL at `{}` is a standby or read-only: writes go nowhere",
                    conn::redact(&self.url)
                ),
            ),
            Err(e) => Health::new(HealthState::IoError, e.to_string()),
        }
    }

    fn attach_queue(&self, empty: queue::Queue) -> Result<(), StoreError> {
        self.attach(empty)
    }

    fn queue(&self) -> &crate::QueueCell {
        &self.queue
    }

    fn queue_events(&self, child: &str) -> Result<Vec<crate::QueueEntry>, StoreError> {
        self.read(|c| {
            c.query(
                "SELECT seq, actor, event FROM queue_events WHERE child = $1 ORDER BY seq",
                &[&child],
            )?
            .iter()
            .map(|r| {
                Ok(crate::QueueEntry {
                    seq: r.try_get(0)?,
                    actor: r.try_get(1)?,
                    event: decode("a queue event", r.try_get(2)?)?,
                })
            })
            .collect()
        })
    }
}

impl PgStore {
    fn verify_here(&self) -> Result<VerifyReport, StoreError> {
        // Its own connection and one snapshot: consistent, and the pooled readers go on.
        let mut c = Conn::open(&self.url, &self.schema)?;
        c.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        c.batch(
            "DECLARE verify_journal NO SCROLL CURSOR FOR
             SELECT seq, application, app_seq, event, prev_hash, hash FROM journal ORDER BY seq",
        )?;
        let mut walk = Walk::new();
        'read: loop {
            let rows = c.client.query("FETCH 2000 FROM verify_journal", &[])?;
            let n = rows.len();
            for r in rows {
                let seq: i64 = r.try_get(0)?;
                let (application, event, prev_hash, hash): (String, String, String, String) =
                    (r.try_get(1)?, r.try_get(3)?, r.try_get(4)?, r.try_get(5)?);
                let row = chain::Row {
                    application: &application,
                    app_seq: r.try_get(2)?,
                    event: &event,
                    prev_hash: &prev_hash,
                    hash: &hash,
                };
                if !walk.entry(seq, &row) {
                    break 'read;
                }
            }
            if n < 2000 {
                break;
            }
        }
        c.batch("CLOSE verify_journal")?;
        let c = std::cell::RefCell::new(c);
        let report = walk.finish(
            || {
                c.borrow_mut()
                    .query("SELECT id, app_seq, journal_head FROM applications", &[])?
                    .iter()
                    .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
                    .collect()
            },
            |id| {
                Ok(c.borrow_mut()
                    .query_one(
                        "SELECT COALESCE(MAX(seq), 0) FROM journal WHERE application = $1",
                        &[&id],
                    )?
                    .try_get(0)?)
            },
        )?;
        c.borrow_mut().batch("COMMIT")?;
        Ok(report)
    }

    fn heads_here(&self, at: &[i64]) -> Result<JournalHeads, StoreError> {
        let mut c = Conn::open(&self.url, &self.schema)?;
        c.batch("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
        c.batch(
            "DECLARE journal_heads NO SCROLL CURSOR FOR SELECT seq, hash FROM journal ORDER BY seq",
        )?;
        let mut heads = Heads::new(at);
        loop {
            let rows = c.client.query("FETCH 5000 FROM journal_heads", &[])?;
            for r in &rows {
                heads.entry(r.try_get(0)?, r.try_get(1)?)?;
            }
            if rows.len() < 5000 {
                break;
            }
        }
        c.batch("COMMIT")?;
        Ok(heads.finish())
    }
}

impl PgStore {
    fn attach(&self, empty: queue::Queue) -> Result<(), StoreError> {
        // Under the cell's lock: no queue op runs between reading the journal and installing.
        let mut g = self.queue.write();
        let events = self.read(|c| Ok(writer::queue_since(c, 0)?))?;
        let mut q = empty;
        for (_, e) in &events {
            q.apply(e);
        }
        self.queue_seq
            .store(events.last().map_or(0, |(s, _)| *s), Ordering::SeqCst);
        *g = Some(q);
        Ok(())
    }
}

impl Records for PgStore {
    fn orgs(&self) -> Result<Vec<Org>, StoreError> {
        self.read(records::orgs)
    }
    fn org(&self, id: &str) -> Result<Option<Org>, StoreError> {
        self.read(|c| records::org(c, id))
    }
    fn account(&self, id: i64) -> Result<Option<AccountRow>, StoreError> {
        self.read(|c| records::account(c, id))
    }
    fn account_by_login(&self, login_or_iin: &str) -> Result<Option<AccountRow>, StoreError> {
        self.read(|c| records::account_by_login(c, login_or_iin))
    }
    fn account_by_iin(&self, iin: &str) -> Result<Option<AccountRow>, StoreError> {
        self.read(|c| records::account_by_iin(c, iin))
    }
    fn accounts(&self) -> Result<Vec<AccountRow>, StoreError> {
        self.read(records::accounts)
    }
    fn account_count(&self) -> Result<i64, StoreError> {
        self.read(records::account_count)
    }
    fn session(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(AccountRow, String)>, StoreError> {
        self.read(|c| records::session(c, token_hash, now))
    }
    fn token(&self, token_hash: &str) -> Result<Option<(AccountRow, TokenRow)>, StoreError> {
        self.read(|c| records::token(c, token_hash))
    }
    fn tokens(&self, account: i64) -> Result<Vec<TokenRow>, StoreError> {
        self.read(|c| records::tokens(c, account))
    }
    fn notes(&self, application: &str) -> Result<Vec<NoteRow>, StoreError> {
        self.read(|c| records::notes(c, application))
    }
    fn document(&self, code: &str) -> Result<Option<DocumentRow>, StoreError> {
        self.read(|c| records::document(c, code))
    }
    fn document_by_hash(&self, content_hash: &str) -> Result<Option<DocumentRow>, StoreError> {
        self.read(|c| records::document_by_hash(c, content_hash))
    }
    fn due_notifications(&self, now: Timestamp) -> Result<Vec<NotificationRow>, StoreError> {
        self.read(|c| records::due_notifications(c, now))
    }
    fn notifications(&self, application: Option<&str>) -> Result<Vec<NotificationRow>, StoreError> {
        self.read(|c| records::notifications(c, application))
    }
    fn files(&self, application: &str) -> Result<Vec<FileRow>, StoreError> {
        self.read(|c| records::files(c, application))
    }
    fn file(&self, application: &str, n: i64) -> Result<Option<(FileRow, Vec<u8>)>, StoreError> {
        self.read(|c| records::file(c, application, n))
    }
    fn drafts(&self, account: i64, key: &str) -> Result<Vec<(FileRow, Vec<u8>)>, StoreError> {
        self.read(|c| records::drafts(c, account, key))
    }
    fn file_count(&self) -> Result<i64, StoreError> {
        self.read(records::file_count)
    }
    fn slots(
        &self,
        centre: Option<&str>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<SlotRow>, StoreError> {
        self.read(|c| records::slots(c, centre, from, to))
    }
    fn booking(&self, application: &str) -> Result<Option<BookingRow>, StoreError> {
        self.read(|c| records::booking(c, application))
    }
    fn bookings(
        &self,
        centre: Option<&str>,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<BookingRow>, StoreError> {
        self.read(|c| records::bookings(c, centre, from, to))
    }
}

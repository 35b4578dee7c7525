//! The embedded SQLite store: a file in WAL mode with `synchronous=FULL`, one writer doing
//! group commit (see [`writer`]: a thread that decides batches, one that writes and commits
//! them), and a small pool of reader connections for the read API.
//!
//! For: single-node deployments, the CLI, tests. Not for: several processes writing the same
//! file (one `SqliteStore` per file; a second one would contend for the write lock and its
//! writer's cache would go stale).

mod health;
mod ops;
mod profile;
mod records;
mod rows;
mod views;
mod writer;

pub use ops::BackupReport;

use crate::chain::{Checker, Problem, Row};
pub use crate::jobs::Ticket;
pub(crate) use crate::jobs::{Answer, Counters, Job};
use crate::records::{
    AccountRow, BookingRow, DocumentRow, FileRow, NoteRow, NotificationRow, Org, Records, SlotRow,
    TokenRow,
};
use crate::views::{ListQuery, ListRow, Page, Scope};
use crate::{
    Action, ActionOutcome, Aggregates, Broken, Health, HealthState, JournalHeads, OutboxEntry,
    Outcome, RebuildReport, Stats, Store, StoreError, Task, VerifyReport, instant, schema,
};
use engine::{Application, Command, Ctx, Event, Status};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Tuning of a [`SqliteStore`].
#[derive(Debug, Clone)]
pub struct Options {
    /// Most jobs in one transaction.
    pub max_batch: usize,
    /// Jobs that may wait for the writer before callers block on sending (back-pressure).
    pub queue: usize,
    /// Reader connections kept open between reads.
    pub readers: usize,
    /// Open applications the writer keeps in memory; past this the cache is dropped and
    /// refilled from the view.
    pub cache_capacity: usize,
    /// Cap on the database's size in pages (SQLite `max_page_count`); past it writes are
    /// refused as "disk full". None: only the disk limits it.
    pub max_pages: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_batch: 512,
            queue: 8192,
            readers: 4,
            cache_capacity: 100_000,
            max_pages: None,
        }
    }
}

/// The SQLite store. Share it between threads behind an `Arc`; dropping it lets the writer
/// finish the queued jobs and waits for it.
pub struct SqliteStore {
    path: PathBuf,
    jobs: Option<SyncSender<Job>>,
    writer: Option<JoinHandle<()>>,
    readers: Mutex<Vec<Connection>>,
    counters: Arc<Counters>,
    monitor: Arc<health::Monitor>,
    options: Options,
    queue: Arc<crate::QueueCell>,
    leases: crate::leases::Leases,
}

/// WAL pages between SQLite's checkpoints, which run on the commit that crosses the mark and
/// delay its callers by the copy and an fsync. Measured with `qyzmet bench server` at
/// 1,000,000 applications (HTTP intake at 500/s, p99; saturation): 1,000 → 41 ms, 989/s;
/// 5,000 → 37 ms, 1,290/s; 20,000 → 124 ms, 1,386/s; a checkpointer thread every 200 ms →
/// 303 ms (its fsyncs of the database stall the WAL's; removed). 5,000: both targets.
const WAL_AUTOCHECKPOINT: i64 = 5000;

/// Open a connection with the pragmas every connection of the store uses.
fn connect(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "journal_mode stays `{mode}`: WAL is required"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    // A larger page cache; checkpoints every WAL_AUTOCHECKPOINT pages (see there).
    conn.pragma_update(None, "cache_size", -65536)?; // 64 MiB
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT)?;
    Ok(conn)
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::Db(format!("{what} does not decode: {e}")))
}

impl SqliteStore {
    /// Open (or create) the database at `path`, bring its schema up to date, and start the
    /// writer thread.
    pub fn open(path: impl AsRef<Path>, ctx: Arc<Ctx>) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_with(path, ctx, Options::default())
    }

    pub fn open_with(
        path: impl AsRef<Path>,
        ctx: Arc<Ctx>,
        options: Options,
    ) -> Result<SqliteStore, StoreError> {
        let path = path.as_ref().to_path_buf();
        let mut conn = connect(&path)?;
        schema::migrate(&mut conn).map_err(|e| StoreError::Db(e.to_string()))?;
        // The organisations' signing roles decide who holds a signing step: the context has
        // them before any view is built or command decided.
        ctx.set_signers(records::signers(&conn)?);
        // A database from before the read models (or one whose rebuild was cut short) gets
        // them from its journal before serving.
        let stale: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'views_stale'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if stale.as_deref() == Some("1") {
            let tx = conn.transaction()?;
            views::rebuild(&tx, &ctx, true)??;
            tx.commit()?;
        }
        if let Some(pages) = options.max_pages {
            conn.pragma_update(
                None,
                "max_page_count",
                i64::try_from(pages).unwrap_or(i64::MAX),
            )?;
        }
        // The WAL file is cut back to 64 MiB whenever it restarts.
        conn.pragma_update(None, "journal_size_limit", 64i64 << 20)?;
        let files = health::Files::new(&path)
            .map_err(|e| StoreError::Db(format!("cannot examine {}: {e}", path.display())))?;
        let monitor = Arc::new(health::Monitor::new());
        let counters = Arc::new(Counters::default());
        let (tx, rx) = mpsc::sync_channel(options.queue.max(1));
        let queue = Arc::new(crate::QueueCell::default());
        // The writer decides on what it reads through a connection of its own while its
        // committer writes on this one.
        let reader = connect(&path)?;
        let w = writer::Writer::new(
            writer::Db::new(conn, files, monitor.clone()),
            reader,
            ctx,
            counters.clone(),
            options.max_batch,
            options.cache_capacity,
            queue.clone(),
        )
        .map_err(|e| StoreError::Db(format!("cannot start the writer's committer: {e}")))?;
        let writer = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || w.run(rx))
            .map_err(|e| StoreError::Db(format!("cannot start the writer thread: {e}")))?;
        let store = SqliteStore {
            path,
            jobs: Some(tx),
            writer: Some(writer),
            readers: Mutex::new(vec![]),
            counters,
            monitor,
            options,
            queue,
            leases: Default::default(),
        };
        Ok(store)
    }

    fn job<T>(
        &self,
        make: impl FnOnce(SyncSender<Result<T, StoreError>>) -> Job,
    ) -> Result<T, StoreError> {
        let (reply, rx) = mpsc::sync_channel(1);
        self.jobs
            .as_ref()
            .ok_or(StoreError::Closed)?
            .send(make(reply))
            .map_err(|_| StoreError::Closed)?;
        rx.recv().unwrap_or(Err(StoreError::Closed))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Back up the database at `db` into `to` (a new file) as of one instant, while a server
    /// may be writing it; see [`ops`]. Needs no open store.
    pub fn backup(db: &Path, to: &Path) -> Result<BackupReport, StoreError> {
        ops::backup(db, to)
    }

    /// [`Store::journal_heads`] of the database at `db`, read beside a live server.
    pub fn journal_heads_of(db: &Path, at: &[i64]) -> Result<JournalHeads, StoreError> {
        ops::journal_heads(&mut ops::connect_existing(db)?, at)
    }

    /// Queue a command without waiting: the ticket waits. Commands are decided in queue order.
    pub fn enqueue(&self, cmd: Command, now: Timestamp) -> Ticket {
        let (reply, rx) = mpsc::sync_channel(1);
        let sent = self.jobs.as_ref().ok_or(StoreError::Closed).and_then(|j| {
            j.send(Job::Command { cmd, now, reply })
                .map_err(|_| StoreError::Closed)
        });
        Ticket(sent.map(|_| rx))
    }

    /// The schema version of the file.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        self.read(|c| Ok(schema::version(c)?))
    }

    /// Stop accepting jobs, let the writer finish the queued ones, and wait for it.
    pub fn close(mut self) -> Result<(), StoreError> {
        self.shutdown()
    }

    fn shutdown(&mut self) -> Result<(), StoreError> {
        self.jobs.take();
        match self.writer.take() {
            Some(h) => h
                .join()
                .map_err(|_| StoreError::Db("the writer thread panicked".into())),
            None => Ok(()),
        }
    }

    /// Run `f` on a pooled reader connection.
    fn read<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = self.readers.lock().map(|mut p| p.pop()).unwrap_or(None);
        let mut conn = match pooled {
            Some(c) => c,
            None => connect(&self.path)?,
        };
        let out = f(&mut conn);
        if let Ok(mut p) = self.readers.lock()
            && p.len() < self.options.readers
        {
            p.push(conn);
        }
        out
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}

impl Store for SqliteStore {
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
        // One read transaction: the three queries see one instant.
        self.read(|c| {
            let tx = c.transaction()?;
            views::aggregates(&tx, scope, from, to)
        })
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
        let sent = match &self.jobs {
            Some(j) => j.send(Job::Commands(job)).is_ok(),
            None => false,
        };
        if !sent {
            return waits.iter().map(|_| Err(StoreError::Closed)).collect();
        }
        waits.into_iter().map(Ticket::wait).collect()
    }

    fn application(&self, id: &str) -> Result<Option<Application>, StoreError> {
        self.read(|c| {
            let state: Option<String> = c
                .prepare_cached("SELECT state FROM applications WHERE id = ?1")?
                .query_row([id], |r| r.get(0))
                .optional()?;
            state
                .map(|s| decode(&format!("application `{id}`"), &s))
                .transpose()
        })
    }

    fn events(&self, id: &str) -> Result<Vec<Event>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT app_seq, event FROM journal WHERE application = ?1 ORDER BY app_seq",
            )?;
            let rows =
                stmt.query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            let mut out = vec![];
            for row in rows {
                let (n, json) = row?;
                out.push(decode(&format!("event {n} of `{id}`"), &json)?);
            }
            Ok(out)
        })
    }

    fn tasks(&self, org: &str, role: &str) -> Result<Vec<Task>, StoreError> {
        let page = self.list(&ListQuery {
            holder: Some((org.to_string(), vec![role.to_string()])),
            limit: 500,
            ..ListQuery::default()
        })?;
        let mut out = vec![];
        let mut page = page;
        loop {
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
            let Some(next) = page.next.take() else { break };
            page = self.list(&ListQuery {
                holder: Some((org.to_string(), vec![role.to_string()])),
                limit: 500,
                cursor: Some(next),
                ..ListQuery::default()
            })?;
        }
        Ok(out)
    }

    fn open_applications(&self) -> Result<Vec<Application>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, state FROM applications WHERE status <> 'closed'
                  ORDER BY step_due IS NULL, step_due, id",
            )?;
            let rows =
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            let mut out = vec![];
            for row in rows {
                let (id, state) = row?;
                out.push(decode(&format!("application `{id}`"), &state)?);
            }
            Ok(out)
        })
    }

    fn outbox_pending(&self, limit: usize) -> Result<Vec<OutboxEntry>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT o.id, o.journal_seq, o.application, j.event, o.created_at
                   FROM outbox o JOIN journal j ON j.seq = o.journal_seq
                  WHERE o.published_at IS NULL ORDER BY o.id LIMIT ?1",
            )?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let rows = stmt.query_map([limit], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })?;
            let mut out = vec![];
            for row in rows {
                let (id, journal_seq, application, event, created_at) = row?;
                out.push(OutboxEntry {
                    event: decode(&format!("outbox entry {id}"), &event)?,
                    id,
                    journal_seq,
                    application,
                    created_at: instant::from_sql(&created_at)?,
                });
            }
            Ok(out)
        })
    }

    fn mark_published(&self, ids: &[i64], at: Timestamp) -> Result<usize, StoreError> {
        let (reply, rx) = mpsc::sync_channel(1);
        let job = Job::MarkPublished {
            ids: ids.to_vec(),
            at,
            reply,
        };
        self.jobs
            .as_ref()
            .ok_or(StoreError::Closed)?
            .send(job)
            .map_err(|_| StoreError::Closed)?;
        let n = rx.recv().unwrap_or(Err(StoreError::Closed))?;
        self.leases.published(ids);
        Ok(n)
    }

    fn claim_outbox(
        &self,
        holder: &str,
        limit: usize,
        lease: std::time::Duration,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        // One process: the claims are in memory; read past the entries others hold.
        let pending = self.outbox_pending(limit + self.leases.claimed_by_others(holder))?;
        let ids: Vec<i64> = pending.iter().map(|e| e.id).collect();
        let claimed = self.leases.claim(holder, &ids, limit, lease);
        Ok(pending
            .into_iter()
            .filter(|e| claimed.contains(&e.id))
            .collect())
    }

    fn lease(&self, job: &str, holder: &str, ttl: std::time::Duration) -> Result<bool, StoreError> {
        Ok(self.leases.lease(job, holder, ttl))
    }

    fn release(&self, holder: &str) -> Result<(), StoreError> {
        self.leases.release(holder);
        Ok(())
    }

    fn verify_journal(&self) -> Result<VerifyReport, StoreError> {
        // Its own connection and one read transaction: a consistent snapshot that does not
        // hold up the pooled readers.
        let mut conn = connect(&self.path)?;
        let tx = conn.transaction()?;
        let mut checker = Checker::default();
        let mut report = VerifyReport {
            entries: 0,
            applications: 0,
            broken: None,
        };
        {
            let mut stmt = tx.prepare(
                "SELECT seq, application, app_seq, event, prev_hash, hash FROM journal ORDER BY seq",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let seq: i64 = r.get(0)?;
                let application: String = r.get(1)?;
                let app_seq: i64 = r.get(2)?;
                let event: String = r.get(3)?;
                let prev_hash: String = r.get(4)?;
                let hash: String = r.get(5)?;
                report.entries += 1;
                let row = Row {
                    application: &application,
                    app_seq,
                    event: &event,
                    prev_hash: &prev_hash,
                    hash: &hash,
                };
                if let Err(problem) = checker.check(&row) {
                    report.applications = checker.heads.len() as u64;
                    report.broken = Some(Broken {
                        seq,
                        application,
                        app_seq,
                        problem,
                    });
                    return Ok(report);
                }
            }
        }
        report.applications = checker.heads.len() as u64;
        // Each chain must end where the view says: catches a cut-off tail or a rewritten last
        // entry that the chain alone cannot show.
        let mut heads: Vec<(String, i64, String)> = {
            let mut stmt = tx.prepare("SELECT id, app_seq, journal_head FROM applications")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut found: Vec<Broken> = vec![];
        let mut seen = std::collections::HashSet::new();
        for (id, view_seq, view_hash) in heads.drain(..) {
            let (journal_seq, journal_hash) = checker
                .heads
                .get(&id)
                .cloned()
                .unwrap_or((0, String::new()));
            seen.insert(id.clone());
            if (journal_seq, &journal_hash) != (view_seq, &view_hash) {
                let seq: i64 = tx.query_row(
                    "SELECT COALESCE(MAX(seq), 0) FROM journal WHERE application = ?1",
                    [&id],
                    |r| r.get(0),
                )?;
                found.push(Broken {
                    seq,
                    application: id,
                    app_seq: journal_seq,
                    problem: Problem::Head {
                        view_seq,
                        view_hash,
                        journal_seq,
                        journal_hash,
                    },
                });
            }
        }
        for (id, (journal_seq, journal_hash)) in &checker.heads {
            if !seen.contains(id) {
                let seq: i64 = tx.query_row(
                    "SELECT MAX(seq) FROM journal WHERE application = ?1",
                    [id],
                    |r| r.get(0),
                )?;
                found.push(Broken {
                    seq,
                    application: id.clone(),
                    app_seq: *journal_seq,
                    problem: Problem::Head {
                        view_seq: 0,
                        view_hash: String::new(),
                        journal_seq: *journal_seq,
                        journal_hash: journal_hash.clone(),
                    },
                });
            }
        }
        report.broken = found.into_iter().min_by_key(|b| b.seq);
        Ok(report)
    }

    fn stats(&self) -> Stats {
        let c = &self.counters;
        Stats {
            transactions: c.transactions.load(Ordering::Relaxed),
            commands: c.commands.load(Ordering::Relaxed),
            largest_batch: c.largest_batch.load(Ordering::Relaxed),
            failed_batches: c.failed_batches.load(Ordering::Relaxed),
        }
    }

    fn health(&self) -> Health {
        match &self.writer {
            None => Health::new(HealthState::Closed, "the store is closed"),
            Some(w) if w.is_finished() => Health::new(
                HealthState::WriterDead,
                "the store's writer thread has stopped; writes are refused (restart the server)",
            ),
            Some(_) => self.monitor.get(),
        }
    }

    fn journal_heads(&self, at: &[i64]) -> Result<JournalHeads, StoreError> {
        ops::journal_heads(&mut connect(&self.path)?, at)
    }

    fn attach_queue(&self, empty: queue::Queue) -> Result<(), StoreError> {
        // Under the cell's lock: no queue op runs between reading the journal and installing.
        let mut g = self.queue.write();
        let events = self.read(|c| Ok(writer::queue_journal(c)?))?;
        let mut q = empty;
        for e in &events {
            q.apply(e);
        }
        *g = Some(q);
        Ok(())
    }

    fn queue(&self) -> &crate::QueueCell {
        &self.queue
    }

    fn queue_events(&self, child: &str) -> Result<Vec<crate::QueueEntry>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT seq, actor, event FROM queue_events WHERE child = ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map([child], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            let mut out = vec![];
            for row in rows {
                let (seq, actor, json) = row?;
                out.push(crate::QueueEntry {
                    seq,
                    actor,
                    event: decode("a queue event", &json)?,
                });
            }
            Ok(out)
        })
    }
}

impl Records for SqliteStore {
    fn orgs(&self) -> Result<Vec<Org>, StoreError> {
        self.read(|c| records::orgs(c))
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
        self.read(|c| records::accounts(c))
    }
    fn account_count(&self) -> Result<i64, StoreError> {
        self.read(|c| records::account_count(c))
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
        self.read(|c| records::file_count(c))
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

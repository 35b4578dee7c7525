//! The writer's set-oriented half: what a batch reads before deciding (every application it
//! touches, locked by one statement in key order; every submission key it carries, by
//! another) and what its commands write, kept in memory in job order and sent as a handful
//! of multi-row statements (`unnest` of one array per column) instead of several round trips
//! per command.
//!
//! Not for: deciding (`crate::decide`) or the order of jobs (`writer`).

use super::conn::Conn;
use crate::decide::{Cached, Corrupt};
use crate::instant;
use crate::views::{self, ListRow};
use engine::Application;
use std::collections::HashMap;

type PgResult<T> = Result<T, ::postgres::Error>;

/// "No deadline" in a list row's sort key (as `views::key`).
const NONE: &str = "~";

/// An application as the batch's lock found it: absent (None: not created yet), its state, or
/// a row that does not decode (fails the commands that need it, not the batch).
pub(crate) type Locked = Result<Option<Cached>, Corrupt>;

/// Lock the `applications` rows of `ids` with one statement, in key order (as every store
/// does, so two batches never wait on each other in opposite orders), and read the states
/// the cache does not hold. An id without a row maps to `Ok(None)`.
pub(crate) fn lock_all(
    c: &mut Conn,
    cache: &HashMap<String, Cached>,
    ids: &[&str],
) -> PgResult<HashMap<String, Locked>> {
    let mut out: HashMap<String, Locked> =
        ids.iter().map(|id| (id.to_string(), Ok(None))).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    let known: Vec<i64> = ids
        .iter()
        .map(|id| cache.get(*id).map_or(-1, |s| s.head_seq))
        .collect();
    let rows = c.query_bulk(
        "SELECT a.id, a.app_seq, a.journal_head,
                CASE WHEN a.app_seq = k.seq THEN NULL ELSE a.state END
           FROM applications a JOIN unnest($1::text[], $2::bigint[]) AS k(id, seq) ON a.id = k.id
          ORDER BY a.id FOR UPDATE OF a",
        &[&ids, &known],
    )?;
    let mut reread = vec![];
    for r in rows {
        let (id, head_seq, head_hash, state): (String, i64, String, Option<String>) =
            (r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?);
        let locked = match state {
            None => match cache.get(&id) {
                Some(s) if s.head_hash == head_hash => Ok(Some(s.clone())),
                // The same seq but another head: read the state after all.
                _ => {
                    reread.push(id);
                    continue;
                }
            },
            Some(state) => decode(&id, &state, head_seq, head_hash),
        };
        out.insert(id, locked);
    }
    for id in reread {
        let r = c.query_one(
            "SELECT app_seq, journal_head, state FROM applications WHERE id = $1",
            &[&id],
        )?;
        let locked = decode(
            &id,
            &r.try_get::<_, String>(2)?,
            r.try_get(0)?,
            r.try_get(1)?,
        );
        out.insert(id, locked);
    }
    Ok(out)
}

fn decode(id: &str, state: &str, head_seq: i64, head_hash: String) -> Locked {
    match serde_json::from_str::<Application>(state) {
        Ok(app) => Ok(Some(Cached {
            app,
            head_seq,
            head_hash,
        })),
        Err(e) => Err(format!(
            "application `{id}`: stored state does not decode: {e}"
        )),
    }
}

/// The idempotency rows of `keys` that exist: key → (result, application).
pub(crate) fn keys(c: &mut Conn, keys: &[&str]) -> PgResult<HashMap<String, (String, String)>> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    c.query_bulk(
        // A join, not `= ANY($1)`: the generic plan of a prepared `= ANY` may scan the table.
        "SELECT i.key, i.result, i.application
           FROM unnest($1::text[]) AS k(key) JOIN idempotency i ON i.key = k.key",
        &[&keys],
    )?
    .iter()
    .map(|r| Ok((r.try_get(0)?, (r.try_get(1)?, r.try_get(2)?))))
    .collect()
}

/// One journal entry to write (its outbox row goes with it).
pub(crate) struct JournalRow {
    pub application: String,
    pub app_seq: i64,
    pub event: String,
    pub at: String,
    pub prev_hash: String,
    pub hash: String,
}

/// An application's state after a command.
pub(crate) struct AppWrite {
    pub app: Application,
    pub head_seq: i64,
    pub head_hash: String,
    pub at: String,
    /// The command created the application (no row existed).
    pub created: bool,
}

/// Everything a batch's commands write, in job order, not sent yet.
#[derive(Default)]
pub(crate) struct Writes {
    journal: Vec<JournalRow>,
    apps: Vec<AppWrite>,
    lists: Vec<ListRow>,
    /// key, application, result, created_at
    keys: Vec<[String; 4]>,
}

/// How far [`Writes`] went: an action that rolls back truncates them to its mark.
#[derive(Clone, Copy)]
pub(crate) struct Mark([usize; 4]);

impl Writes {
    pub fn journal(&mut self, row: JournalRow) {
        self.journal.push(row);
    }
    pub fn app(&mut self, w: AppWrite) {
        self.apps.push(w);
    }
    pub fn list(&mut self, r: ListRow) {
        self.lists.push(r);
    }
    pub fn key(&mut self, key: &str, application: &str, result: String, at: &str) {
        self.keys
            .push([key.into(), application.into(), result, at.into()]);
    }

    pub fn mark(&self) -> Mark {
        Mark([
            self.journal.len(),
            self.apps.len(),
            self.lists.len(),
            self.keys.len(),
        ])
    }

    /// Forget what was added since `m` (what was sent meanwhile is the savepoint's to undo).
    pub fn undo_to(&mut self, m: Mark) {
        self.journal.truncate(m.0[0]);
        self.apps.truncate(m.0[1]);
        self.lists.truncate(m.0[2]);
        self.keys.truncate(m.0[3]);
    }

    pub fn is_empty(&self) -> bool {
        self.journal.is_empty()
            && self.apps.is_empty()
            && self.lists.is_empty()
            && self.keys.is_empty()
    }

    /// Send everything, in job order where order shows (journal seqs, outbox ids), and start
    /// afresh. An application written several times gets only its last state and list row.
    pub fn flush(&mut self, c: &mut Conn) -> PgResult<()> {
        if self.is_empty() {
            return Ok(());
        }
        let w = std::mem::take(self);
        profile::timed("5 flush.journal", || journal(c, &w.journal))?;
        profile::timed("5 flush.states", || states(c, w.apps))?;
        profile::timed("5 flush.lists", || lists(c, w.lists))?;
        let _t = profile::Timer::new("5 flush.keys");
        if !w.keys.is_empty() {
            let col = |i: usize| -> Vec<&str> { w.keys.iter().map(|k| k[i].as_str()).collect() };
            c.execute_bulk(
                "INSERT INTO idempotency (key, application, result, created_at)
                 SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])",
                &[&col(0), &col(1), &col(2), &col(3)],
            )?;
        }
        Ok(())
    }
}

/// The entries and their outbox rows, seqs and ids given in the entries' order.
fn journal(c: &mut Conn, rows: &[JournalRow]) -> PgResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let application: Vec<&str> = rows.iter().map(|r| r.application.as_str()).collect();
    let app_seq: Vec<i64> = rows.iter().map(|r| r.app_seq).collect();
    let event: Vec<&str> = rows.iter().map(|r| r.event.as_str()).collect();
    let at: Vec<&str> = rows.iter().map(|r| r.at.as_str()).collect();
    let prev: Vec<&str> = rows.iter().map(|r| r.prev_hash.as_str()).collect();
    let hash: Vec<&str> = rows.iter().map(|r| r.hash.as_str()).collect();
    c.execute_bulk(
        "WITH j AS (
             INSERT INTO journal (application, app_seq, event, at, prev_hash, hash)
             SELECT a, s, e, t, p, h
               FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[],
                           $6::text[]) WITH ORDINALITY AS u(a, s, e, t, p, h, n)
              ORDER BY n
             RETURNING seq, application, at)
         INSERT INTO outbox (journal_seq, application, created_at)
         SELECT seq, application, at FROM j ORDER BY seq",
        &[&application, &app_seq, &event, &at, &prev, &hash],
    )?;
    Ok(())
}

/// The last of each application's writes, with whether any of them created it; in key order.
fn last_per_id<T>(rows: Vec<T>, id: impl Fn(&T) -> &str) -> Vec<(T, bool)>
where
    T: HasCreated,
{
    let mut last: HashMap<String, (T, bool)> = HashMap::with_capacity(rows.len());
    for r in rows {
        let created = r.created();
        match last.get_mut(id(&r)) {
            Some(slot) => {
                let was = slot.1;
                *slot = (r, was || created);
            }
            None => {
                last.insert(id(&r).to_string(), (r, created));
            }
        }
    }
    let mut out: Vec<(T, bool)> = last.into_values().collect();
    out.sort_by(|a, b| id(&a.0).cmp(id(&b.0)));
    out
}

trait HasCreated {
    fn created(&self) -> bool;
}
impl HasCreated for AppWrite {
    fn created(&self) -> bool {
        self.created
    }
}
impl HasCreated for ListRow {
    fn created(&self) -> bool {
        false
    }
}

/// The columns of `applications` that a command changes, one array each.
type StateCols<'a> = (
    Vec<&'a str>,
    Vec<&'a str>,
    Vec<i64>,
    Vec<Option<String>>,
    Vec<Option<String>>,
    Vec<Option<String>>,
    Vec<i64>,
    Vec<&'a str>,
    Vec<&'a str>,
    Vec<String>,
);

fn cols(ws: &[(AppWrite, bool)]) -> StateCols<'_> {
    let mut c: StateCols<'_> = Default::default();
    for (w, _) in ws {
        c.0.push(w.app.id.as_str());
        c.1.push(w.app.status.as_str());
        c.2.push(w.app.step as i64);
        c.3.push(w.app.step_due.map(instant::to_sql));
        c.4.push(w.app.term_due.map(instant::to_sql));
        c.5.push(w.app.closed_at.map(instant::to_sql));
        c.6.push(w.head_seq);
        c.7.push(w.head_hash.as_str());
        c.8.push(w.at.as_str());
        c.9.push(serde_json::to_string(&w.app).unwrap_or_default());
    }
    c
}

/// The `applications` rows: new ones inserted (a racing insert meets the primary key), the
/// others updated.
fn states(c: &mut Conn, writes: Vec<AppWrite>) -> PgResult<()> {
    if writes.is_empty() {
        return Ok(());
    }
    let last = last_per_id(writes, |w| w.app.id.as_str());
    let (new, old): (Vec<_>, Vec<_>) = last.into_iter().partition(|(_, created)| *created);
    if !new.is_empty() {
        let (id, status, step, step_due, term_due, closed_at, app_seq, head, at, state) =
            cols(&new);
        let regulation: Vec<&str> = new.iter().map(|(w, _)| w.app.regulation.as_str()).collect();
        let version: Vec<i64> = new.iter().map(|(w, _)| i64::from(w.app.version)).collect();
        let channel: Vec<&str> = new.iter().map(|(w, _)| w.app.channel.as_str()).collect();
        let provider: Vec<&str> = new.iter().map(|(w, _)| w.app.provider.as_str()).collect();
        c.execute_bulk(
            "INSERT INTO applications (id, regulation, version, channel, provider, status, step,
                 step_due, term_due, closed_at, app_seq, journal_head, updated_at, state)
             SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[],
                 $6::text[], $7::bigint[], $8::text[], $9::text[], $10::text[], $11::bigint[],
                 $12::text[], $13::text[], $14::text[])",
            &[
                &id,
                &regulation,
                &version,
                &channel,
                &provider,
                &status,
                &step,
                &step_due,
                &term_due,
                &closed_at,
                &app_seq,
                &head,
                &at,
                &state,
            ],
        )?;
    }
    if !old.is_empty() {
        let (id, status, step, step_due, term_due, closed_at, app_seq, head, at, state) =
            cols(&old);
        c.execute_bulk(
            "UPDATE applications a SET status = u.status, step = u.step, step_due = u.step_due,
                 term_due = u.term_due, closed_at = u.closed_at, app_seq = u.app_seq,
                 journal_head = u.journal_head, updated_at = u.updated_at, state = u.state
               FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[],
                           $6::text[], $7::bigint[], $8::text[], $9::text[], $10::text[])
                    AS u(id, status, step, step_due, term_due, closed_at, app_seq, journal_head,
                         updated_at, state)
              WHERE a.id = u.id",
            &[
                &id, &status, &step, &step_due, &term_due, &closed_at, &app_seq, &head, &at, &state,
            ],
        )?;
    }
    Ok(())
}

fn key(t: Option<jiff::Timestamp>) -> String {
    t.map(instant::to_sql).unwrap_or_else(|| NONE.to_string())
}

/// The list rows, upserted (only the columns that change are updated).
fn lists(c: &mut Conn, rows: Vec<ListRow>) -> PgResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let rows: Vec<ListRow> = last_per_id(rows, |r| r.id.as_str())
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    let s = |f: fn(&ListRow) -> &str| -> Vec<&str> { rows.iter().map(f).collect() };
    let o = |f: fn(&ListRow) -> Option<&str>| -> Vec<Option<&str>> { rows.iter().map(f).collect() };
    let t = |f: fn(&ListRow) -> Option<jiff::Timestamp>| -> Vec<Option<String>> {
        rows.iter().map(|r| f(r).map(instant::to_sql)).collect()
    };
    let version: Vec<i64> = rows.iter().map(|r| i64::from(r.version)).collect();
    let name_key: Vec<String> = rows
        .iter()
        .map(|r| views::name_key(&r.applicant_name))
        .collect();
    let step: Vec<i64> = rows.iter().map(|r| r.step as i64).collect();
    let automatic: Vec<bool> = rows.iter().map(|r| r.automatic).collect();
    let step_started: Vec<String> = rows
        .iter()
        .map(|r| instant::to_sql(r.step_started))
        .collect();
    let step_due: Vec<String> = rows.iter().map(|r| key(r.step_due)).collect();
    let term_due: Vec<String> = rows.iter().map(|r| key(r.term_due)).collect();
    let submitted_at: Vec<String> = rows
        .iter()
        .map(|r| instant::to_sql(r.submitted_at))
        .collect();
    let updated_at: Vec<String> = rows.iter().map(|r| instant::to_sql(r.updated_at)).collect();
    let late_days: Vec<Option<i64>> = rows.iter().map(|r| r.late_days.map(i64::from)).collect();
    c.execute_bulk(
        "INSERT INTO app_list (id, regulation, version, channel, provider, applicant_iin,
             applicant_name, name_key, receipt, status, closure, step, holder_org, holder_role,
             automatic, step_started, step_due, term_due, deliver_due, submitted_at,
             closed_at, updated_at, watch_at, result_at, late_days, assignee)
         SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[],
             $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
             $12::bigint[], $13::text[], $14::text[], $15::boolean[], $16::text[], $17::text[],
             $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[],
             $24::text[], $25::bigint[], $26::text[])
         ON CONFLICT (id) DO UPDATE SET
             status = excluded.status, closure = excluded.closure, step = excluded.step,
             holder_org = excluded.holder_org, holder_role = excluded.holder_role,
             automatic = excluded.automatic, step_started = excluded.step_started,
             step_due = excluded.step_due, term_due = excluded.term_due,
             deliver_due = excluded.deliver_due, closed_at = excluded.closed_at,
             updated_at = excluded.updated_at, watch_at = excluded.watch_at,
             result_at = excluded.result_at, late_days = excluded.late_days,
             assignee = excluded.assignee",
        &[
            &s(|r| &r.id),
            &s(|r| &r.regulation),
            &version,
            &s(|r| &r.channel),
            &s(|r| &r.provider),
            &s(|r| &r.applicant_iin),
            &s(|r| &r.applicant_name),
            &name_key,
            &o(|r| r.receipt.as_deref()),
            &s(|r| &r.status),
            &o(|r| r.closure.as_deref()),
            &step,
            &o(|r| r.holder_org.as_deref()),
            &o(|r| r.holder_role.as_deref()),
            &automatic,
            &step_started,
            &step_due,
            &term_due,
            &t(|r| r.deliver_due),
            &submitted_at,
            &t(|r| r.closed_at),
            &updated_at,
            &t(|r| r.watch_at),
            &t(|r| r.result_at),
            &late_days,
            &o(|r| r.assignee.as_deref()),
        ],
    )?;
    Ok(())
}

/// Where the writer's time goes, by phase, when `QYZMET_PG_PROFILE` is set: summed per
/// writer thread and printed to stderr when the writer ends (a benchmark's tool, off by
/// default: reading the clock twice per phase is all it costs then).
pub(crate) mod profile {
    use std::cell::RefCell;
    use std::collections::BTreeMap;
    use std::time::{Duration, Instant};

    thread_local! {
        static PHASES: RefCell<Option<BTreeMap<&'static str, (Duration, u64)>>> =
            RefCell::new(std::env::var_os("QYZMET_PG_PROFILE").map(|_| BTreeMap::new()));
    }

    /// Adds the time from its making to its drop to `phase`.
    pub struct Timer(&'static str, Instant);

    impl Timer {
        pub fn new(phase: &'static str) -> Timer {
            Timer(phase, Instant::now())
        }
    }

    impl Drop for Timer {
        fn drop(&mut self) {
            add(self.0, self.1.elapsed());
        }
    }

    /// Run `f`, adding its time to `phase`.
    pub fn timed<T>(phase: &'static str, f: impl FnOnce() -> T) -> T {
        if !PHASES.with(|p| p.borrow().is_some()) {
            return f();
        }
        let t = Instant::now();
        let out = f();
        add(phase, t.elapsed());
        out
    }

    pub fn add(phase: &'static str, d: Duration) {
        PHASES.with(|p| {
            if let Some(m) = p.borrow_mut().as_mut() {
                let e = m.entry(phase).or_default();
                e.0 += d;
                e.1 += 1;
            }
        });
    }

    /// Print the sums (and forget them).
    pub fn report(commands: u64) {
        PHASES.with(|p| {
            let Some(m) = p.borrow_mut().take() else {
                return;
            };
            let total: Duration = m
                .iter()
                .filter(|(k, _)| !k.contains('.'))
                .map(|(_, v)| v.0)
                .sum();
            eprintln!(
                "{} profile: {commands} jobs, {:.3} s in batches",
                std::thread::current().name().unwrap_or("writer"),
                total.as_secs_f64()
            );
            for (k, (d, n)) in &m {
                eprintln!(
                    "  {k:<22} {:>9.3} s {:>5.1}%  {n:>7} times  {:>8.1} µs/job",
                    d.as_secs_f64(),
                    100.0 * d.as_secs_f64() / total.as_secs_f64().max(1e-9),
                    d.as_secs_f64() * 1e6 / commands.max(1) as f64
                );
            }
        });
    }
}

//! The writer's set-oriented half: what a batch reads before deciding (every application it
//! touches, locked by one statement in key order; every submission key it carries, by
//! another) and what its commands write, kept in memory in job order and sent as one
//! statement — multi-row inserts and updates (`unnest` of one array per column) as
//! data-modifying CTEs — instead of several round trips per command.
//!
//! Not for: deciding (`crate::decide`) or the order of jobs (`writer`).

use super::conn::Conn;
use crate::decide::{Cached, Corrupt, StateRow};
use crate::instant;
use crate::views::{self, ListRow};
use ::postgres::types::ToSql;
use engine::Application;
use std::collections::HashMap;

type PgResult<T> = Result<T, ::postgres::Error>;

/// "No deadline" in a list row's sort key (as `views::key`).
const NONE: &str = "~";

/// An application as the batch's lock found it.
pub(crate) enum Locked {
    /// No row: not created yet.
    Absent,
    /// The row is the writer's cached state (which stays put until the batch ends).
    Cached,
    /// The row's state, read.
    Read(Box<Cached>),
    /// A row that does not decode (fails the commands that need it, not the batch).
    Corrupt(Corrupt),
}

impl Locked {
    /// The state it stands for: `cache` is the one [`lock_all`] saw.
    pub fn state<'a>(
        &'a self,
        id: &str,
        cache: &'a HashMap<String, Cached>,
    ) -> Result<Option<&'a Cached>, &'a Corrupt> {
        match self {
            Locked::Absent => Ok(None),
            Locked::Cached => Ok(cache.get(id)),
            Locked::Read(s) => Ok(Some(&**s)),
            Locked::Corrupt(c) => Err(c),
        }
    }
}

/// Lock the `applications` rows of `ids` with one statement, in key order (as every store
/// does, so two batches never wait on each other in opposite orders), and read the states
/// the cache does not hold. An id without a row maps to `Ok(None)`.
pub(crate) fn lock_all(
    c: &mut Conn,
    cache: &HashMap<String, Cached>,
    ids: &[&str],
) -> PgResult<HashMap<String, Locked>> {
    let mut out: HashMap<String, Locked> = ids
        .iter()
        .map(|id| (id.to_string(), Locked::Absent))
        .collect();
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
                Some(s) if s.head_hash == head_hash => Locked::Cached,
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
        Ok(app) => Locked::Read(Box::new(Cached {
            app,
            head_seq,
            head_hash,
        })),
        Err(e) => Locked::Corrupt(format!(
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

/// An application's `applications` row after a command (the state already encoded: no copy
/// of the application waits for the flush).
pub(crate) struct AppWrite {
    row: StateRow,
    /// The command created the application (no row existed).
    created: bool,
}

impl AppWrite {
    pub fn new(row: StateRow, created: bool) -> Self {
        AppWrite { row, created }
    }
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

    /// Send everything, with `more` (the aggregates, at the batch's end), as one statement,
    /// and start afresh. Journal seqs and outbox ids follow the job order; an application
    /// written several times gets only its last state and list row.
    pub fn flush(&mut self, c: &mut Conn, more: Combined<'_>) -> PgResult<()> {
        let w = std::mem::take(self);
        let prepared = profile::Timer::new("5 flush.prepare");
        let apps = last_per_id(w.apps, |w| w.row.id.as_str());
        let lists: Vec<ListRow> = last_per_id(w.lists, |r| r.id.as_str())
            .into_iter()
            .map(|(r, _)| r)
            .collect();
        let mut q = Combined::default();
        journal(&mut q, &w.journal);
        states(&mut q, &apps);
        list_rows(&mut q, &lists);
        if !w.keys.is_empty() {
            let col = |i: usize| -> Vec<&str> { w.keys.iter().map(|k| k[i].as_str()).collect() };
            q.add(
                "k AS (INSERT INTO idempotency (key, application, result, created_at)
                       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]))",
                vec![
                    Box::new(col(0)),
                    Box::new(col(1)),
                    Box::new(col(2)),
                    Box::new(col(3)),
                ],
            );
        }
        q.append(more);
        drop(prepared);
        profile::timed("5 flush.statement", || q.run(c))
    }
}

/// A statement's owned parameters.
type Params<'a> = Vec<Box<dyn ToSql + Sync + 'a>>;

/// Several data-modifying statements sent as one, `WITH a AS (INSERT …), b AS (UPDATE …)
/// SELECT 1`: a batch's writes in one round trip. Each runs once, to completion, on the
/// statement's snapshot; they write different tables or different rows, so none needs to see
/// another's.
#[derive(Default)]
pub(crate) struct Combined<'a> {
    ctes: Vec<String>,
    params: Params<'a>,
}

impl<'a> Combined<'a> {
    /// Add `ctes` (`name AS (…)`, comma-separated; names unique in the statement), whose
    /// parameters are `$1…` in the order of `params`.
    pub fn add(&mut self, ctes: &str, params: Params<'a>) {
        self.ctes.push(renumber(ctes, self.params.len()));
        self.params.extend(params);
    }

    pub fn append(&mut self, other: Combined<'a>) {
        let offset = self.params.len();
        self.ctes
            .extend(other.ctes.iter().map(|c| renumber(c, offset)));
        self.params.extend(other.params);
    }

    pub fn run(self, c: &mut Conn) -> PgResult<()> {
        if self.ctes.is_empty() {
            return Ok(());
        }
        let sql = format!("WITH {} SELECT 1", self.ctes.join(",\n"));
        let params: Vec<&(dyn ToSql + Sync)> = self.params.iter().map(|p| &**p as _).collect();
        c.execute_bulk(&sql, &params)?;
        Ok(())
    }
}

/// `sql` with each `$n` made `$(n + offset)`.
fn renumber(sql: &str, offset: usize) -> String {
    if offset == 0 {
        return sql.to_string();
    }
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if let Ok(n) = rest[..digits].parse::<usize>() {
            out.push_str(&(n + offset).to_string());
            rest = &rest[digits..];
        }
    }
    out.push_str(rest);
    out
}

/// The entries and their outbox rows, seqs and ids given in the entries' order.
fn journal<'a>(q: &mut Combined<'a>, rows: &'a [JournalRow]) {
    if rows.is_empty() {
        return;
    }
    let col = |f: fn(&JournalRow) -> &str| -> Vec<&str> { rows.iter().map(f).collect() };
    let app_seq: Vec<i64> = rows.iter().map(|r| r.app_seq).collect();
    q.add(
        "j AS (INSERT INTO journal (application, app_seq, event, at, prev_hash, hash)
               SELECT a, s, e, t, p, h
                 FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[],
                             $6::text[]) WITH ORDINALITY AS u(a, s, e, t, p, h, n)
                ORDER BY n
               RETURNING seq, application, at),
         o AS (INSERT INTO outbox (journal_seq, application, created_at)
               SELECT seq, application, at FROM j ORDER BY seq)",
        vec![
            Box::new(col(|r| &r.application)),
            Box::new(app_seq),
            Box::new(col(|r| &r.event)),
            Box::new(col(|r| &r.at)),
            Box::new(col(|r| &r.prev_hash)),
            Box::new(col(|r| &r.hash)),
        ],
    );
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

/// The `applications` rows: new ones inserted (a racing insert meets the primary key), the
/// others updated. The two touch different rows.
fn states<'a>(q: &mut Combined<'a>, apps: &'a [(AppWrite, bool)]) {
    let (new, old): (Vec<&StateRow>, Vec<&StateRow>) = {
        let (n, o): (Vec<_>, Vec<_>) = apps.iter().partition(|(_, created)| *created);
        (
            n.into_iter().map(|(w, _)| &w.row).collect(),
            o.into_iter().map(|(w, _)| &w.row).collect(),
        )
    };
    // The columns a command changes, one array each.
    let changing = |ws: &[&'a StateRow]| -> Params<'a> {
        let s =
            |f: fn(&'a StateRow) -> &'a str| -> Vec<&'a str> { ws.iter().map(|w| f(w)).collect() };
        let o = |f: fn(&'a StateRow) -> Option<&'a str>| -> Vec<Option<&'a str>> {
            ws.iter().map(|w| f(w)).collect()
        };
        vec![
            Box::new(s(|w| &w.id)),
            Box::new(s(|w| w.status)),
            Box::new(ws.iter().map(|w| w.step).collect::<Vec<i64>>()),
            Box::new(o(|w| w.step_due.as_deref())),
            Box::new(o(|w| w.term_due.as_deref())),
            Box::new(o(|w| w.closed_at.as_deref())),
            Box::new(ws.iter().map(|w| w.head_seq).collect::<Vec<i64>>()),
            Box::new(s(|w| &w.head_hash)),
            Box::new(s(|w| &w.at)),
            Box::new(s(|w| &w.json)),
        ]
    };
    if !new.is_empty() {
        let mut params = changing(&new);
        params.push(Box::new(
            new.iter()
                .map(|w| w.regulation.as_str())
                .collect::<Vec<&str>>(),
        ));
        params.push(Box::new(
            new.iter()
                .map(|w| i64::from(w.version))
                .collect::<Vec<i64>>(),
        ));
        params.push(Box::new(
            new.iter().map(|w| w.channel).collect::<Vec<&str>>(),
        ));
        params.push(Box::new(
            new.iter()
                .map(|w| w.provider.as_str())
                .collect::<Vec<&str>>(),
        ));
        q.add(
            "an AS (INSERT INTO applications (id, status, step, step_due, term_due, closed_at,
                        app_seq, journal_head, updated_at, state, regulation, version, channel,
                        provider)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[],
                        $5::text[], $6::text[], $7::bigint[], $8::text[], $9::text[],
                        $10::text[], $11::text[], $12::bigint[], $13::text[], $14::text[]))",
            params,
        );
    }
    if !old.is_empty() {
        q.add(
            "au AS (UPDATE applications a SET status = u.status, step = u.step,
                        step_due = u.step_due, term_due = u.term_due, closed_at = u.closed_at,
                        app_seq = u.app_seq, journal_head = u.journal_head,
                        updated_at = u.updated_at, state = u.state
                      FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[],
                                  $6::text[], $7::bigint[], $8::text[], $9::text[], $10::text[])
                           AS u(id, status, step, step_due, term_due, closed_at, app_seq,
                                journal_head, updated_at, state)
                     WHERE a.id = u.id)",
            changing(&old),
        );
    }
}

fn key(t: Option<jiff::Timestamp>) -> String {
    t.map(instant::to_sql).unwrap_or_else(|| NONE.to_string())
}

/// The list rows, upserted (only the columns that change are updated).
fn list_rows<'a>(q: &mut Combined<'a>, rows: &'a [ListRow]) {
    if rows.is_empty() {
        return;
    }
    let s = |f: fn(&'a ListRow) -> &'a str| -> Vec<&'a str> { rows.iter().map(f).collect() };
    let o = |f: fn(&'a ListRow) -> Option<&'a str>| -> Vec<Option<&'a str>> {
        rows.iter().map(f).collect()
    };
    let t = |f: fn(&ListRow) -> Option<jiff::Timestamp>| -> Vec<Option<String>> {
        rows.iter().map(|r| f(r).map(instant::to_sql)).collect()
    };
    let i = |f: fn(&ListRow) -> i64| -> Vec<i64> { rows.iter().map(f).collect() };
    let at = |f: fn(&ListRow) -> jiff::Timestamp| -> Vec<String> {
        rows.iter().map(|r| instant::to_sql(f(r))).collect()
    };
    q.add(
        "l AS (INSERT INTO app_list (id, regulation, version, channel, provider, applicant_iin,
                   applicant_name, name_key, receipt, status, closure, step, holder_org,
                   holder_role, automatic, step_started, step_due, term_due, deliver_due,
                   submitted_at, closed_at, updated_at, watch_at, result_at, late_days, assignee)
               SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[],
                   $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                   $12::bigint[], $13::text[], $14::text[], $15::boolean[], $16::text[],
                   $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[],
                   $23::text[], $24::text[], $25::bigint[], $26::text[])
               ON CONFLICT (id) DO UPDATE SET
                   status = excluded.status, closure = excluded.closure, step = excluded.step,
                   holder_org = excluded.holder_org, holder_role = excluded.holder_role,
                   automatic = excluded.automatic, step_started = excluded.step_started,
                   step_due = excluded.step_due, term_due = excluded.term_due,
                   deliver_due = excluded.deliver_due, closed_at = excluded.closed_at,
                   updated_at = excluded.updated_at, watch_at = excluded.watch_at,
                   result_at = excluded.result_at, late_days = excluded.late_days,
                   assignee = excluded.assignee)",
        vec![
            Box::new(s(|r| &r.id)),
            Box::new(s(|r| &r.regulation)),
            Box::new(i(|r| i64::from(r.version))),
            Box::new(s(|r| &r.channel)),
            Box::new(s(|r| &r.provider)),
            Box::new(s(|r| &r.applicant_iin)),
            Box::new(s(|r| &r.applicant_name)),
            Box::new(
                rows.iter()
                    .map(|r| views::name_key(&r.applicant_name))
                    .collect::<Vec<String>>(),
            ),
            Box::new(o(|r| r.receipt.as_deref())),
            Box::new(s(|r| &r.status)),
            Box::new(o(|r| r.closure.as_deref())),
            Box::new(i(|r| r.step as i64)),
            Box::new(o(|r| r.holder_org.as_deref())),
            Box::new(o(|r| r.holder_role.as_deref())),
            Box::new(rows.iter().map(|r| r.automatic).collect::<Vec<bool>>()),
            Box::new(at(|r| r.step_started)),
            Box::new(
                rows.iter()
                    .map(|r| key(r.step_due))
                    .collect::<Vec<String>>(),
            ),
            Box::new(
                rows.iter()
                    .map(|r| key(r.term_due))
                    .collect::<Vec<String>>(),
            ),
            Box::new(t(|r| r.deliver_due)),
            Box::new(at(|r| r.submitted_at)),
            Box::new(t(|r| r.closed_at)),
            Box::new(at(|r| r.updated_at)),
            Box::new(t(|r| r.watch_at)),
            Box::new(t(|r| r.result_at)),
            Box::new(
                rows.iter()
                    .map(|r| r.late_days.map(i64::from))
                    .collect::<Vec<Option<i64>>>(),
            ),
            Box::new(o(|r| r.assignee.as_deref())),
        ],
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_numbered_after_the_ones_before() {
        assert_eq!(
            renumber("a = $1 AND b = $12::text[]", 0),
            "a = $1 AND b = $12::text[]"
        );
        assert_eq!(
            renumber("a = $1 AND b = $12::text[]", 3),
            "a = $4 AND b = $15::text[]"
        );
        assert_eq!(renumber("'$' || $2", 1), "'$' || $3");
        let mut q = Combined::default();
        q.add(
            "x AS (SELECT $1::text[], $2::bigint[])",
            vec![Box::new(vec!["a"]), Box::new(vec![1i64])],
        );
        let mut more = Combined::default();
        more.add("y AS (SELECT $1::text[])", vec![Box::new(vec!["b"])]);
        q.append(more);
        assert_eq!(
            q.ctes,
            [
                "x AS (SELECT $1::text[], $2::bigint[])",
                "y AS (SELECT $3::text[])"
            ]
        );
        assert_eq!(q.params.len(), 3);
    }
}

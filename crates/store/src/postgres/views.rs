//! The read models in PostgreSQL: a list row written with its command, the aggregates' deltas
//! summed over a batch and added once per key in key order at its end (two stores adding to
//! the same all-time row never wait on each other in opposite orders), the list, search and
//! monitoring queries, and the rebuild from the journal.
//!
//! Same rows, keys and orders as SQLite's (`crate::views` says what they are).

use super::conn::Conn;
use crate::instant;
use crate::views::{
    self, ALL_TIME, BUCKETS, Delta, ListQuery, ListRow, Page, Scope, SearchKey, SlaFilter, Sort,
    bucket,
};
use crate::{Aggregates, AppAggregate, RebuildReport, StepAggregate, StoreError};
use ::postgres::Row;
use ::postgres::types::ToSql;
use engine::sla::Sla;
use engine::{Application, Ctx, Event, apply};
use jiff::Timestamp;
use std::collections::{BTreeMap, HashMap};

type PgResult<T> = Result<T, ::postgres::Error>;

/// "No deadline" in a sort key: after every instant.
const NONE: &str = "~";

fn key(t: Option<Timestamp>) -> String {
    t.map(instant::to_sql).unwrap_or_else(|| NONE.to_string())
}

fn bad_row(what: impl std::fmt::Display) -> StoreError {
    StoreError::Db(format!("a stored row does not decode: {what}"))
}

fn ts(s: &str) -> Result<Timestamp, StoreError> {
    s.parse::<Timestamp>()
        .map_err(|e| bad_row(format!("instant `{s}`: {e}")))
}

fn opt_ts(s: Option<String>) -> Result<Option<Timestamp>, StoreError> {
    s.map(|s| ts(&s)).transpose()
}

fn unkey(s: &str) -> Result<Option<Timestamp>, StoreError> {
    if s == NONE { Ok(None) } else { ts(s).map(Some) }
}

pub(crate) const LIST_COLS: &str = "id, regulation, version, channel, provider, applicant_iin,
    applicant_name, receipt, status, closure, step, holder_org, holder_role, automatic,
    step_started, step_due, term_due, deliver_due, submitted_at, closed_at, updated_at, watch_at,
    result_at, late_days, assignee";

fn row_of(r: &Row) -> Result<ListRow, StoreError> {
    Ok(ListRow {
        id: r.try_get(0)?,
        regulation: r.try_get(1)?,
        version: u32::try_from(r.try_get::<_, i64>(2)?).map_err(bad_row)?,
        channel: r.try_get(3)?,
        provider: r.try_get(4)?,
        applicant_iin: r.try_get(5)?,
        applicant_name: r.try_get(6)?,
        receipt: r.try_get(7)?,
        status: r.try_get(8)?,
        closure: r.try_get(9)?,
        step: r.try_get::<_, i64>(10)? as usize,
        holder_org: r.try_get(11)?,
        holder_role: r.try_get(12)?,
        automatic: r.try_get(13)?,
        step_started: ts(r.try_get(14)?)?,
        step_due: unkey(r.try_get(15)?)?,
        term_due: unkey(r.try_get(16)?)?,
        deliver_due: opt_ts(r.try_get(17)?)?,
        submitted_at: ts(r.try_get(18)?)?,
        closed_at: opt_ts(r.try_get(19)?)?,
        updated_at: ts(r.try_get(20)?)?,
        watch_at: opt_ts(r.try_get(21)?)?,
        result_at: opt_ts(r.try_get(22)?)?,
        late_days: r
            .try_get::<_, Option<i64>>(23)?
            .map(|d| d.clamp(0, u32::MAX.into()) as u32),
        assignee: r.try_get(24)?,
    })
}

/// Upsert an application's list row into `table` (`app_list`, or a rebuild's copy).
pub(crate) fn write_list_row_into(c: &mut Conn, table: &str, r: &ListRow) -> PgResult<()> {
    // Only the columns that change are in the SET list.
    c.execute(
        &format!(
            "INSERT INTO {table} (id, regulation, version, channel, provider, applicant_iin,
                 applicant_name, name_key, receipt, status, closure, step, holder_org, holder_role,
                 automatic, step_started, step_due, term_due, deliver_due, submitted_at,
                 closed_at, updated_at, watch_at, result_at, late_days, assignee)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                     $18, $19, $20, $21, $22, $23, $24, $25, $26)
             ON CONFLICT (id) DO UPDATE SET
                 status = excluded.status, closure = excluded.closure, step = excluded.step,
                 holder_org = excluded.holder_org, holder_role = excluded.holder_role,
                 automatic = excluded.automatic, step_started = excluded.step_started,
                 step_due = excluded.step_due, term_due = excluded.term_due,
                 deliver_due = excluded.deliver_due, closed_at = excluded.closed_at,
                 updated_at = excluded.updated_at, watch_at = excluded.watch_at,
                 result_at = excluded.result_at, late_days = excluded.late_days,
                 assignee = excluded.assignee"
        ),
        &[
            &r.id,
            &r.regulation,
            &i64::from(r.version),
            &r.channel,
            &r.provider,
            &r.applicant_iin,
            &r.applicant_name,
            &views::name_key(&r.applicant_name),
            &r.receipt,
            &r.status,
            &r.closure,
            &(r.step as i64),
            &r.holder_org,
            &r.holder_role,
            &r.automatic,
            &instant::to_sql(r.step_started),
            &key(r.step_due),
            &key(r.term_due),
            &r.deliver_due.map(instant::to_sql),
            &instant::to_sql(r.submitted_at),
            &r.closed_at.map(instant::to_sql),
            &instant::to_sql(r.updated_at),
            &r.watch_at.map(instant::to_sql),
            &r.result_at.map(instant::to_sql),
            &r.late_days.map(i64::from),
            &r.assignee,
        ],
    )?;
    Ok(())
}

type AppKey = (String, String, String, String);
type StepKey = (String, String, String, String, i64, String);

#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
struct AppSums([i64; 6]);
#[derive(Default, Clone, Copy, PartialEq, Eq, Debug)]
struct StepSums([i64; 6]);

/// Aggregate deltas summed per row key (each also to its all-time row), to be added to the
/// tables in one upsert per key, in key order.
#[derive(Default)]
pub(crate) struct Pending {
    apps: BTreeMap<AppKey, AppSums>,
    steps: BTreeMap<StepKey, StepSums>,
    hist: BTreeMap<(StepKey, i64), i64>,
    /// The deltas in order, so an action's can be taken back.
    log: Vec<Delta>,
}

impl Pending {
    pub fn add(&mut self, d: &Delta) {
        self.log.push(d.clone());
        self.sum(d, 1);
    }

    /// How many deltas so far: a mark to [`Pending::undo_to`].
    pub fn mark(&self) -> usize {
        self.log.len()
    }

    /// Take back the deltas added since `mark` (an action rolled back).
    pub fn undo_to(&mut self, mark: usize) {
        for d in self.log.split_off(mark) {
            self.sum(&d, -1);
        }
    }

    fn sum(&mut self, d: &Delta, sign: i64) {
        for day in [None, Some(ALL_TIME)] {
            match d {
                Delta::App {
                    key,
                    submitted,
                    open,
                    term_measured,
                    term_on_time,
                    results_late,
                    results_late_days,
                } => {
                    let k = (
                        day.unwrap_or(&key.day).to_string(),
                        key.regulation.clone(),
                        key.channel.clone(),
                        key.provider.clone(),
                    );
                    let s = self.apps.entry(k).or_default();
                    for (i, v) in [
                        submitted,
                        open,
                        term_measured,
                        term_on_time,
                        results_late,
                        results_late_days,
                    ]
                    .into_iter()
                    .enumerate()
                    {
                        s.0[i] += sign * v;
                    }
                }
                Delta::Step {
                    key,
                    measured,
                    on_time,
                    seconds,
                    legal_seconds,
                } => {
                    let k = (
                        day.unwrap_or(&key.day).to_string(),
                        key.regulation.clone(),
                        key.channel.clone(),
                        key.provider.clone(),
                        key.step as i64,
                        key.role.clone(),
                    );
                    let s = self.steps.entry(k.clone()).or_default();
                    for (i, v) in [
                        1,
                        *measured as i64,
                        *on_time as i64,
                        *seconds,
                        legal_seconds.unwrap_or(0),
                        legal_seconds.is_some() as i64,
                    ]
                    .into_iter()
                    .enumerate()
                    {
                        s.0[i] += sign * v;
                    }
                    *self
                        .hist
                        .entry((k, bucket(*seconds as f64 / 60.0) as i64))
                        .or_default() += sign;
                }
            }
        }
    }

    /// Add everything to the tables `{prefix}mon_*`, in key order, and start afresh: one
    /// statement per table, its rows in key order.
    pub fn flush(&mut self, c: &mut Conn, prefix: &str) -> PgResult<()> {
        let apps: Vec<(AppKey, AppSums)> = std::mem::take(&mut self.apps)
            .into_iter()
            .filter(|(_, s)| *s != AppSums::default())
            .collect();
        let steps: Vec<(StepKey, StepSums)> = std::mem::take(&mut self.steps)
            .into_iter()
            .filter(|(_, s)| *s != StepSums::default())
            .collect();
        let hist: Vec<((StepKey, i64), i64)> = std::mem::take(&mut self.hist)
            .into_iter()
            .filter(|(_, n)| *n != 0)
            .collect();
        self.log.clear();
        if !apps.is_empty() {
            let k =
                |f: fn(&AppKey) -> &str| -> Vec<&str> { apps.iter().map(|(k, _)| f(k)).collect() };
            let v = |i: usize| -> Vec<i64> { apps.iter().map(|(_, s)| s.0[i]).collect() };
            c.execute_bulk(
                &format!(
                    "INSERT INTO {prefix}mon_apps AS t (day, regulation, channel, provider,
                         submitted, open, term_measured, term_on_time, results_late,
                         results_late_days)
                     SELECT d, r, c, p, a, b, e, f, g, h
                       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                   $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[],
                                   $9::bigint[], $10::bigint[])
                            WITH ORDINALITY AS u(d, r, c, p, a, b, e, f, g, h, n)
                      ORDER BY n
                     ON CONFLICT (day, regulation, channel, provider) DO UPDATE SET
                         submitted = t.submitted + excluded.submitted,
                         open = t.open + excluded.open,
                         term_measured = t.term_measured + excluded.term_measured,
                         term_on_time = t.term_on_time + excluded.term_on_time,
                         results_late = t.results_late + excluded.results_late,
                         results_late_days = t.results_late_days + excluded.results_late_days"
                ),
                &[
                    &k(|k| &k.0),
                    &k(|k| &k.1),
                    &k(|k| &k.2),
                    &k(|k| &k.3),
                    &v(0),
                    &v(1),
                    &v(2),
                    &v(3),
                    &v(4),
                    &v(5),
                ],
            )?;
        }
        let step_cols = |keys: Vec<&StepKey>| {
            let s = |f: fn(&StepKey) -> &str| -> Vec<String> {
                keys.iter().map(|k| f(k).to_string()).collect()
            };
            (
                s(|k| &k.0),
                s(|k| &k.1),
                s(|k| &k.2),
                s(|k| &k.3),
                keys.iter().map(|k| k.4).collect::<Vec<i64>>(),
                s(|k| &k.5),
            )
        };
        if !steps.is_empty() {
            let (d, r, ch, p, st, ro) = step_cols(steps.iter().map(|(k, _)| k).collect());
            let v = |i: usize| -> Vec<i64> { steps.iter().map(|(_, s)| s.0[i]).collect() };
            c.execute_bulk(
                &format!(
                    "INSERT INTO {prefix}mon_steps AS t (day, regulation, channel, provider, step,
                         role, completed, measured, on_time, seconds_sum, legal_seconds_sum,
                         legal_n)
                     SELECT d, r, c, p, s, o, a, b, e, f, g, h
                       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                   $5::bigint[], $6::text[], $7::bigint[], $8::bigint[],
                                   $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[])
                            WITH ORDINALITY AS u(d, r, c, p, s, o, a, b, e, f, g, h, n)
                      ORDER BY n
                     ON CONFLICT (day, regulation, channel, provider, step, role) DO UPDATE SET
                         completed = t.completed + excluded.completed,
                         measured = t.measured + excluded.measured,
                         on_time = t.on_time + excluded.on_time,
                         seconds_sum = t.seconds_sum + excluded.seconds_sum,
                         legal_seconds_sum = t.legal_seconds_sum + excluded.legal_seconds_sum,
                         legal_n = t.legal_n + excluded.legal_n"
                ),
                &[
                    &d,
                    &r,
                    &ch,
                    &p,
                    &st,
                    &ro,
                    &v(0),
                    &v(1),
                    &v(2),
                    &v(3),
                    &v(4),
                    &v(5),
                ],
            )?;
        }
        if !hist.is_empty() {
            let (d, r, ch, p, st, ro) = step_cols(hist.iter().map(|((k, _), _)| k).collect());
            let bucket: Vec<i64> = hist.iter().map(|((_, b), _)| *b).collect();
            let n: Vec<i64> = hist.iter().map(|(_, n)| *n).collect();
            c.execute_bulk(
                &format!(
                    "INSERT INTO {prefix}mon_hist AS t (day, regulation, channel, provider, step,
                         role, bucket, n)
                     SELECT d, r, c, p, s, o, b, k
                       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                   $5::bigint[], $6::text[], $7::bigint[], $8::bigint[])
                            WITH ORDINALITY AS u(d, r, c, p, s, o, b, k, n)
                      ORDER BY n
                     ON CONFLICT (day, regulation, channel, provider, step, role, bucket)
                     DO UPDATE SET n = t.n + excluded.n"
                ),
                &[&d, &r, &ch, &p, &st, &ro, &bucket, &n],
            )?;
        }
        Ok(())
    }
}

/// A query under construction: its SQL and its parameters, numbered as they are added.
#[derive(Default)]
struct Sql {
    text: String,
    args: Vec<Box<dyn ToSql + Sync>>,
}

impl Sql {
    fn new(text: impl Into<String>) -> Sql {
        Sql {
            text: text.into(),
            args: vec![],
        }
    }
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
    }
    /// The placeholder of a new parameter.
    fn arg(&mut self, v: impl ToSql + Sync + 'static) -> String {
        self.args.push(Box::new(v));
        format!("${}", self.args.len())
    }
    /// Append `text` with `{}` replaced by a new parameter's placeholder.
    fn cond(&mut self, text: &str, v: impl ToSql + Sync + 'static) {
        let p = self.arg(v);
        self.text.push_str(&text.replace("{}", &p));
    }
    fn run(&self, c: &mut Conn) -> PgResult<Vec<Row>> {
        let params: Vec<&(dyn ToSql + Sync)> = self.args.iter().map(|a| a.as_ref()).collect();
        c.query(&self.text, &params)
    }
}

/// Appends the scope's condition.
fn scope_sql(scope: &Scope, sql: &mut Sql) {
    match scope {
        Scope::All => {}
        Scope::Provider(p) => sql.cond(" AND provider = {}", p.clone()),
        Scope::StateCorporation => sql.push(" AND channel = 'state_corporation'"),
        Scope::Applicant(iin) => sql.cond(" AND applicant_iin = {}", iin.clone()),
    }
}

fn rows(c: &mut Conn, sql: &Sql) -> Result<Vec<ListRow>, StoreError> {
    sql.run(c)?.iter().map(row_of).collect()
}

fn sort_of(s: Sort) -> (&'static str, bool) {
    match s {
        Sort::StepDue => ("step_due", true),
        Sort::TermDue => ("term_due", true),
        Sort::Newest => ("submitted_at", false),
        Sort::Oldest => ("submitted_at", true),
    }
}

fn sort_value(s: Sort, r: &ListRow) -> String {
    match s {
        Sort::StepDue => key(r.step_due),
        Sort::TermDue => key(r.term_due),
        Sort::Newest | Sort::Oldest => instant::to_sql(r.submitted_at),
    }
}

fn bad_cursor() -> StoreError {
    StoreError::Conflict {
        rule: "cursor.invalid".into(),
        detail: "the cursor is not one this list gave".into(),
    }
}

/// A page of list rows (see [`ListQuery`]).
pub(crate) fn list(c: &mut Conn, q: &ListQuery) -> Result<Page, StoreError> {
    let limit = if q.limit == 0 { 50 } else { q.limit.min(500) };
    let (col, asc) = sort_of(q.sort);
    let now = q.now.unwrap_or_else(Timestamp::now);
    let (mut after_key, mut after_id) = match &q.cursor {
        Some(cur) => {
            let (k, id) = cur.split_once('|').ok_or_else(bad_cursor)?;
            let deadline = matches!(q.sort, Sort::StepDue | Sort::TermDue);
            if !(deadline && k == NONE) && instant::from_sql(k).is_err() {
                return Err(bad_cursor());
            }
            (Some(k.to_string()), Some(id.to_string()))
        }
        None => (None, None),
    };
    let cmp = if asc { ">" } else { "<" };
    let dir = if asc { "ASC" } else { "DESC" };
    let mut out: Vec<ListRow> = vec![];
    // Pages are filled in rounds: an SLA filter may drop rows the SQL could not.
    loop {
        let mut round = filters(q, now);
        if let (Some(k), Some(id)) = (&after_key, &after_id) {
            let a = round.arg(k.clone());
            let b = round.arg(id.clone());
            round.push(&format!(" AND ({col}, id) {cmp} ({a}, {b})"));
        }
        let fetch = limit + 1 - out.len();
        let fetch = if q.sla.is_some() { fetch * 4 } else { fetch };
        round.push(&format!(" ORDER BY {col} {dir}, id {dir} LIMIT {fetch}"));
        let got_rows = rows(c, &round)?;
        let got = got_rows.len();
        for r in got_rows {
            after_key = Some(sort_value(q.sort, &r));
            after_id = Some(r.id.clone());
            let keep = match q.sla {
                None => true,
                Some(f) => {
                    let want = match f {
                        SlaFilter::OnTime => Sla::OnTime,
                        SlaFilter::AtRisk => Sla::AtRisk,
                        SlaFilter::Overdue => Sla::Overdue,
                    };
                    r.sla(now) == Some(want)
                }
            };
            if keep {
                out.push(r);
                if out.len() > limit {
                    break;
                }
            }
        }
        if out.len() > limit || got < fetch {
            break;
        }
    }
    let next = if out.len() > limit {
        out.truncate(limit);
        out.last()
            .map(|r| format!("{}|{}", sort_value(q.sort, r), r.id))
    } else {
        None
    };
    Ok(Page { rows: out, next })
}

/// The list's query before its cursor, order and limit.
fn filters(q: &ListQuery, now: Timestamp) -> Sql {
    let mut sql = Sql::new(format!("SELECT {LIST_COLS} FROM app_list WHERE 1 = 1"));
    if let Some((org, roles)) = &q.holder {
        sql.cond(" AND holder_org = {}", org.clone());
        if roles.is_empty() {
            sql.push(" AND false");
        } else {
            sql.cond(" AND holder_role = ANY({})", roles.clone());
        }
    }
    if let Some(s) = &q.scope {
        scope_sql(s, &mut sql);
    }
    if let Some(v) = &q.regulation {
        sql.cond(" AND regulation = {}", v.clone());
    }
    if let Some(v) = &q.channel {
        sql.cond(" AND channel = {}", v.clone());
    }
    if let Some(a) = &q.assignee {
        sql.cond(" AND assignee = {}", a.clone());
    }
    if let Some(step) = q.step {
        sql.cond(" AND step = {}", step as i64);
    }
    match q.open {
        Some(true) => sql.push(" AND status <> 'closed'"),
        Some(false) => sql.push(" AND status = 'closed'"),
        None => {}
    }
    if let Some(f) = q.from {
        sql.cond(" AND submitted_at >= {}", instant::to_sql(f));
    }
    if let Some(t) = q.to {
        sql.cond(" AND submitted_at < {}", instant::to_sql(t));
    }
    if let Some(SlaFilter::AtRisk | SlaFilter::Overdue) = q.sla {
        // Only rows past their watch instant can be; each is judged exactly in `list`.
        sql.cond(
            " AND status <> 'closed' AND watch_at <= {}",
            instant::to_sql(now),
        );
    } else if q.sla == Some(SlaFilter::OnTime) {
        sql.push(" AND status <> 'closed'");
    }
    sql
}

pub(crate) fn list_row(c: &mut Conn, id: &str) -> Result<Option<ListRow>, StoreError> {
    c.query_opt(
        &format!("SELECT {LIST_COLS} FROM app_list WHERE id = $1"),
        &[&id],
    )?
    .map(|r| row_of(&r))
    .transpose()
}

pub(crate) fn search(
    c: &mut Conn,
    scope: &Scope,
    text: &str,
    limit: usize,
) -> Result<Vec<ListRow>, StoreError> {
    let Some(k) = SearchKey::parse(text) else {
        return Ok(vec![]);
    };
    let limit = limit.clamp(1, 500);
    let mut sql = Sql::default();
    let order = match k {
        SearchKey::Iin(iin) => {
            // State Corporation receipt numbers are 12 digits too.
            let p = sql.arg(iin);
            sql.push(&format!(
                "SELECT {LIST_COLS} FROM app_list WHERE id IN (
                    SELECT id FROM app_list WHERE applicant_iin = {p}
                    UNION SELECT id FROM app_list WHERE receipt = {p})"
            ));
            "submitted_at DESC, id"
        }
        SearchKey::IdOrReceipt(t) => {
            let p = sql.arg(t);
            sql.push(&format!(
                "SELECT {LIST_COLS} FROM app_list WHERE id IN ({p},
                    (SELECT id FROM app_list WHERE receipt = {p}))"
            ));
            "submitted_at DESC, id"
        }
        SearchKey::Name(prefix) => {
            let hi = format!("{prefix}\u{10FFFF}");
            let a = sql.arg(prefix);
            let b = sql.arg(hi);
            sql.push(&format!(
                "SELECT {LIST_COLS} FROM app_list WHERE name_key >= {a} AND name_key < {b}"
            ));
            "name_key, submitted_at DESC, id"
        }
    };
    scope_sql(scope, &mut sql);
    sql.push(&format!(" ORDER BY {order} LIMIT {limit}"));
    rows(c, &sql)
}

fn day_range(sql: &mut Sql, from: Option<&str>, to: Option<&str>) {
    if from.is_none() && to.is_none() {
        sql.cond(" AND day = {}", ALL_TIME.to_string());
        return;
    }
    sql.cond(" AND day <> {}", ALL_TIME.to_string());
    if let Some(f) = from {
        sql.cond(" AND day >= {}", f.to_string());
    }
    if let Some(t) = to {
        sql.cond(" AND day < {}", t.to_string());
    }
}

/// The aggregates (run inside one read transaction: the three queries see one instant).
pub(crate) fn aggregates(
    c: &mut Conn,
    scope: &Scope,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Aggregates, StoreError> {
    if matches!(scope, Scope::Applicant(_)) {
        return Ok(Aggregates::default());
    }
    let group = "regulation, channel, provider, step, role";
    let mut sql = Sql::new(format!(
        "SELECT {group}, SUM(completed)::BIGINT, SUM(measured)::BIGINT, SUM(on_time)::BIGINT,
                SUM(seconds_sum)::BIGINT, SUM(legal_seconds_sum)::BIGINT, SUM(legal_n)::BIGINT
           FROM mon_steps WHERE 1 = 1"
    ));
    day_range(&mut sql, from, to);
    scope_sql(scope, &mut sql);
    sql.push(&format!(" GROUP BY {group} ORDER BY {group}"));
    let mut steps: Vec<StepAggregate> = sql
        .run(c)?
        .iter()
        .map(|r| {
            Ok(StepAggregate {
                regulation: r.try_get(0)?,
                channel: r.try_get(1)?,
                provider: r.try_get(2)?,
                step: r.try_get::<_, i64>(3)? as usize,
                role: r.try_get(4)?,
                completed: r.try_get::<_, i64>(5)? as u64,
                measured: r.try_get::<_, i64>(6)? as u64,
                on_time: r.try_get::<_, i64>(7)? as u64,
                seconds_sum: r.try_get(8)?,
                legal_seconds_sum: r.try_get(9)?,
                legal_n: r.try_get::<_, i64>(10)? as u64,
                hist: vec![0; BUCKETS.len()],
            })
        })
        .collect::<Result<_, ::postgres::Error>>()?;
    let mut sql = Sql::new(format!(
        "SELECT {group}, bucket, SUM(n)::BIGINT FROM mon_hist WHERE 1 = 1"
    ));
    day_range(&mut sql, from, to);
    scope_sql(scope, &mut sql);
    sql.push(&format!(" GROUP BY {group}, bucket"));
    let index: HashMap<(String, String, String, usize, String), usize> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                (
                    s.regulation.clone(),
                    s.channel.clone(),
                    s.provider.clone(),
                    s.step,
                    s.role.clone(),
                ),
                i,
            )
        })
        .collect();
    for r in sql.run(c)? {
        let k = (
            r.try_get::<_, String>(0)?,
            r.try_get::<_, String>(1)?,
            r.try_get::<_, String>(2)?,
            r.try_get::<_, i64>(3)? as usize,
            r.try_get::<_, String>(4)?,
        );
        let b = (r.try_get::<_, i64>(5)? as usize).min(BUCKETS.len() - 1);
        if let Some(i) = index.get(&k) {
            steps[*i].hist[b] += r.try_get::<_, i64>(6)? as u64;
        }
    }
    let mut sql = Sql::new(
        "SELECT regulation, channel, provider, SUM(submitted)::BIGINT, SUM(open)::BIGINT,
                SUM(term_measured)::BIGINT, SUM(term_on_time)::BIGINT,
                SUM(results_late)::BIGINT, SUM(results_late_days)::BIGINT
           FROM mon_apps WHERE 1 = 1",
    );
    day_range(&mut sql, from, to);
    scope_sql(scope, &mut sql);
    sql.push(" GROUP BY regulation, channel, provider ORDER BY regulation, channel, provider");
    let apps = sql
        .run(c)?
        .iter()
        .map(|r| {
            Ok(AppAggregate {
                regulation: r.try_get(0)?,
                channel: r.try_get(1)?,
                provider: r.try_get(2)?,
                submitted: r.try_get::<_, i64>(3)? as u64,
                open: r.try_get(4)?,
                term_measured: r.try_get::<_, i64>(5)? as u64,
                term_on_time: r.try_get::<_, i64>(6)? as u64,
                results_late: r.try_get::<_, i64>(7)? as u64,
                results_late_days: r.try_get::<_, i64>(8)? as u64,
            })
        })
        .collect::<Result<_, ::postgres::Error>>()?;
    Ok(Aggregates { steps, apps })
}

pub(crate) fn watched(
    c: &mut Conn,
    scope: &Scope,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    now: Timestamp,
) -> Result<Vec<ListRow>, StoreError> {
    let mut sql = Sql::default();
    let p = sql.arg(instant::to_sql(now));
    sql.push(&format!(
        "SELECT {LIST_COLS} FROM app_list WHERE watch_at <= {p} AND status <> 'closed'"
    ));
    scope_sql(scope, &mut sql);
    if let Some(f) = from {
        sql.cond(" AND submitted_at >= {}", instant::to_sql(f));
    }
    if let Some(t) = to {
        sql.cond(" AND submitted_at < {}", instant::to_sql(t));
    }
    sql.push(" ORDER BY watch_at, id");
    rows(c, &sql)
}

pub(crate) fn late_results(
    c: &mut Conn,
    scope: &Scope,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    limit: usize,
) -> Result<Vec<ListRow>, StoreError> {
    let mut sql = Sql::new(format!(
        "SELECT {LIST_COLS} FROM app_list WHERE late_days IS NOT NULL"
    ));
    scope_sql(scope, &mut sql);
    if let Some(f) = from {
        sql.cond(" AND submitted_at >= {}", instant::to_sql(f));
    }
    if let Some(t) = to {
        sql.cond(" AND submitted_at < {}", instant::to_sql(t));
    }
    sql.push(&format!(
        " ORDER BY submitted_at DESC, id DESC LIMIT {}",
        limit.min(10_000)
    ));
    rows(c, &sql)
}

/// The read-model tables a rebuild recomputes, with the columns that identify a row.
const TABLES: &[(&str, &str)] = &[
    ("applications", "id"),
    ("app_list", "id"),
    ("mon_apps", "day, regulation, channel, provider"),
    (
        "mon_steps",
        "day, regulation, channel, provider, step, role",
    ),
    (
        "mon_hist",
        "day, regulation, channel, provider, step, role, bucket",
    ),
];

/// Journal rows fetched per round trip while rebuilding.
const FETCH: usize = 2000;

/// Recompute every view from the journal into temporary `r_*` tables, compare them with the
/// live ones, and (with `replace`) put the rebuild in their place — inside the writer's
/// transaction, with the journal and the views locked against other stores' writers, so the
/// comparison sees one instant.
pub(crate) fn rebuild(
    c: &mut Conn,
    ctx: &Ctx,
    replace: bool,
) -> PgResult<Result<RebuildReport, StoreError>> {
    c.batch(
        "LOCK TABLE journal, applications, app_list, mon_apps, mon_steps, mon_hist
         IN SHARE ROW EXCLUSIVE MODE",
    )?;
    for (t, keys) in TABLES {
        c.batch(&format!(
            "DROP TABLE IF EXISTS pg_temp.r_{t};
             CREATE TEMP TABLE r_{t} (LIKE {t}) ON COMMIT DROP;
             ALTER TABLE pg_temp.r_{t} ADD PRIMARY KEY ({keys});"
        ))?;
    }
    let mut report = RebuildReport::default();
    let mut pending = Pending::default();
    c.batch(
        "DECLARE rebuild_journal NO SCROLL CURSOR FOR
         SELECT application, app_seq, event, at, hash FROM journal ORDER BY application, app_seq",
    )?;
    // (id, state, listed, app_seq, hash, at)
    let mut cur: Option<(String, Option<Application>, bool, i64, String, String)> = None;
    loop {
        let batch = c
            .client
            .query(&format!("FETCH {FETCH} FROM rebuild_journal"), &[])?;
        let n = batch.len();
        for r in batch {
            let id: String = r.try_get(0)?;
            let seq: i64 = r.try_get(1)?;
            let json: String = r.try_get(2)?;
            let at: String = r.try_get(3)?;
            let hash: String = r.try_get(4)?;
            if cur.as_ref().is_none_or(|k| k.0 != id) {
                if let Some(k) = cur.take()
                    && let Err(e) = flush_app(c, ctx, &k, &mut report)?
                {
                    return Ok(Err(e));
                }
                cur = Some((id.clone(), None, true, 0, String::new(), String::new()));
            }
            let Some(k) = cur.as_mut() else { continue };
            let event: Event = match serde_json::from_str(&json) {
                Ok(e) => e,
                Err(e) => {
                    c.batch("CLOSE rebuild_journal")?;
                    return Ok(Err(StoreError::Db(format!(
                        "journal entry {seq} of `{id}` does not decode: {e}"
                    ))));
                }
            };
            report.events += 1;
            if matches!(event, Event::RequestRefused { .. }) {
                k.2 = false;
            }
            let next = apply(k.1.clone(), &event, ctx);
            if k.2
                && let Some(nx) = &next
            {
                for d in views::deltas(k.1.as_ref(), &event, nx, ctx) {
                    pending.add(&d);
                }
            }
            k.1 = next;
            k.3 = seq;
            k.4 = hash;
            k.5 = at;
        }
        if n < FETCH {
            break;
        }
    }
    c.batch("CLOSE rebuild_journal")?;
    if let Some(k) = cur.take()
        && let Err(e) = flush_app(c, ctx, &k, &mut report)?
    {
        return Ok(Err(e));
    }
    pending.flush(c, "pg_temp.r_")?;
    for (t, keycols) in TABLES {
        let cols = columns(c, t)?.join(", ");
        let keys: Vec<String> = keycols
            .split(',')
            .map(|k| format!("{}::text", k.trim()))
            .collect();
        for (a, b, what) in [
            (t.to_string(), format!("pg_temp.r_{t}"), "live only"),
            (format!("pg_temp.r_{t}"), t.to_string(), "rebuild only"),
        ] {
            let sql = format!(
                "SELECT {} FROM (SELECT {cols} FROM {a} EXCEPT SELECT {cols} FROM {b}) d
                 ORDER BY {keycols}",
                keys.join(", ")
            );
            for r in c.client.query(&sql, &[])? {
                report.difference_count += 1;
                if report.differences.len() < 100 {
                    let key: Vec<String> = (0..keys.len())
                        .map(|i| r.try_get::<_, String>(i).unwrap_or_default())
                        .collect();
                    report
                        .differences
                        .push(format!("{t} [{}]: {what}", key.join(", ")));
                }
            }
        }
    }
    if replace {
        for (t, _) in TABLES {
            let cols = columns(c, t)?.join(", ");
            c.batch(&format!(
                "DELETE FROM {t}; INSERT INTO {t} ({cols}) SELECT {cols} FROM pg_temp.r_{t};"
            ))?;
        }
        c.execute(
            "INSERT INTO meta (key, value) VALUES ('views_stale', '0')
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[],
        )?;
        report.replaced = true;
    }
    for (t, _) in TABLES {
        c.batch(&format!("DROP TABLE pg_temp.r_{t}"))?;
    }
    Ok(Ok(report))
}

/// Write one application's rebuilt state and list row.
fn flush_app(
    c: &mut Conn,
    ctx: &Ctx,
    k: &(String, Option<Application>, bool, i64, String, String),
    report: &mut RebuildReport,
) -> PgResult<Result<(), StoreError>> {
    let (_, app, listed, seq, hash, at) = k;
    let Some(app) = app else { return Ok(Ok(())) };
    report.applications += 1;
    super::writer::write_state_into(c, "pg_temp.r_applications", app, *seq, hash, at, false)?;
    if *listed {
        let updated = match ts(at) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        write_list_row_into(c, "pg_temp.r_app_list", &views::list_row(app, ctx, updated))?;
    }
    Ok(Ok(()))
}

fn columns(c: &mut Conn, table: &str) -> PgResult<Vec<String>> {
    Ok(c.query(
        "SELECT column_name::text FROM information_schema.columns
              WHERE table_schema = current_schema() AND table_name = $1
              ORDER BY ordinal_position",
        &[&table],
    )?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

//! The read models in SQLite: writing a list row and an aggregate delta (inside the writer's
//! transaction), the list/search/monitoring queries (on reader connections), and the rebuild
//! from the journal.

use super::rows;
use crate::instant;
use crate::views::{
    self, BUCKETS, Delta, ListQuery, ListRow, Page, Scope, SearchKey, SlaFilter, Sort, bucket,
};
use crate::{Aggregates, AppAggregate, RebuildReport, StepAggregate, StoreError};
use engine::sla::Sla;
use engine::{Application, Ctx, Event, apply};
use jiff::Timestamp;
use rusqlite::types::Value;
use rusqlite::{Connection, Statement, Transaction, params};
use std::collections::{BTreeMap, HashMap};

/// "No deadline" in a sort key: after every instant.
const NONE: &str = "~";

fn key(t: Option<Timestamp>) -> String {
    t.map(instant::to_sql).unwrap_or_else(|| NONE.to_string())
}

fn unkey(s: &str) -> rusqlite::Result<Option<Timestamp>> {
    if s == NONE {
        Ok(None)
    } else {
        instant::from_sql(s).map(Some)
    }
}

const LIST_COLS: &str = "id, regulation, version, channel, provider, applicant_iin,
    applicant_name, receipt, status, closure, step, holder_org, holder_role, automatic,
    step_started, step_due, term_due, deliver_due, submitted_at, closed_at, updated_at, watch_at,
    result_at, late_days, assignee";

fn row_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<ListRow> {
    let ts = |i: usize| -> rusqlite::Result<Option<Timestamp>> {
        r.get::<_, Option<String>>(i)?
            .map(|s| instant::from_sql(&s))
            .transpose()
    };
    Ok(ListRow {
        id: r.get(0)?,
        regulation: r.get(1)?,
        version: r.get(2)?,
        channel: r.get(3)?,
        provider: r.get(4)?,
        applicant_iin: r.get(5)?,
        applicant_name: r.get(6)?,
        receipt: r.get(7)?,
        status: r.get(8)?,
        closure: r.get(9)?,
        step: r.get::<_, i64>(10)? as usize,
        holder_org: r.get(11)?,
        holder_role: r.get(12)?,
        automatic: r.get(13)?,
        step_started: instant::from_sql(&r.get::<_, String>(14)?)?,
        step_due: unkey(&r.get::<_, String>(15)?)?,
        term_due: unkey(&r.get::<_, String>(16)?)?,
        deliver_due: ts(17)?,
        submitted_at: instant::from_sql(&r.get::<_, String>(18)?)?,
        closed_at: ts(19)?,
        updated_at: instant::from_sql(&r.get::<_, String>(20)?)?,
        watch_at: ts(21)?,
        result_at: ts(22)?,
        late_days: r
            .get::<_, Option<i64>>(23)?
            .map(|d| d.clamp(0, u32::MAX.into()) as u32),
        assignee: r.get(24)?,
    })
}

/// The list row's columns, in the order [`bind_list_row`] binds them.
const LIST_INSERT: &str = "(id, regulation, version, channel, provider, applicant_iin,
    applicant_name, name_key, receipt, status, closure, step, holder_org, holder_role, automatic,
    step_started, step_due, term_due, deliver_due, submitted_at, closed_at, updated_at, watch_at,
    result_at, late_days, assignee)";
const LIST_VALUES: usize = 26;

// Only the columns that change are in the SET list, so that SQLite leaves the indexes of the
// others (applicant, receipt, name, provider, submitted) alone on every step.
const LIST_UPSERT: &str = "ON CONFLICT (id) DO UPDATE SET
    status = excluded.status, closure = excluded.closure, step = excluded.step,
    holder_org = excluded.holder_org, holder_role = excluded.holder_role,
    automatic = excluded.automatic, step_started = excluded.step_started,
    step_due = excluded.step_due, term_due = excluded.term_due,
    deliver_due = excluded.deliver_due, closed_at = excluded.closed_at,
    updated_at = excluded.updated_at, watch_at = excluded.watch_at,
    result_at = excluded.result_at, late_days = excluded.late_days,
    assignee = excluded.assignee";

fn write_list_row_into(conn: &Connection, table: &str, r: &ListRow) -> rusqlite::Result<()> {
    let mut stmt = rows::statement(
        conn,
        &format!("INSERT INTO {table} {LIST_INSERT}"),
        LIST_VALUES,
        1,
        LIST_UPSERT,
    )?;
    bind_list_row(&mut stmt, 0, r)?;
    stmt.raw_execute()?;
    Ok(())
}

/// Upsert the list rows of a batch (one per application), many rows per statement.
pub(crate) fn write_list_rows(conn: &Connection, list: &[ListRow]) -> rusqlite::Result<()> {
    for (start, len) in rows::chunks(list.len()) {
        let mut stmt = rows::statement(
            conn,
            &format!("INSERT OR FAIL INTO app_list {LIST_INSERT}"),
            LIST_VALUES,
            len,
            LIST_UPSERT,
        )?;
        for (i, r) in list[start..start + len].iter().enumerate() {
            bind_list_row(&mut stmt, i * LIST_VALUES, r)?;
        }
        stmt.raw_execute()?;
    }
    Ok(())
}

/// Bind `r` as the values `base + 1 ..= base + LIST_VALUES` of `stmt`.
fn bind_list_row(stmt: &mut Statement<'_>, base: usize, r: &ListRow) -> rusqlite::Result<()> {
    let ts = |t: Option<Timestamp>| t.map(instant::to_sql);
    stmt.raw_bind_parameter(base + 1, &r.id)?;
    stmt.raw_bind_parameter(base + 2, &r.regulation)?;
    stmt.raw_bind_parameter(base + 3, r.version)?;
    stmt.raw_bind_parameter(base + 4, &r.channel)?;
    stmt.raw_bind_parameter(base + 5, &r.provider)?;
    stmt.raw_bind_parameter(base + 6, &r.applicant_iin)?;
    stmt.raw_bind_parameter(base + 7, &r.applicant_name)?;
    stmt.raw_bind_parameter(base + 8, views::name_key(&r.applicant_name))?;
    stmt.raw_bind_parameter(base + 9, &r.receipt)?;
    stmt.raw_bind_parameter(base + 10, &r.status)?;
    stmt.raw_bind_parameter(base + 11, &r.closure)?;
    stmt.raw_bind_parameter(base + 12, r.step as i64)?;
    stmt.raw_bind_parameter(base + 13, &r.holder_org)?;
    stmt.raw_bind_parameter(base + 14, &r.holder_role)?;
    stmt.raw_bind_parameter(base + 15, r.automatic)?;
    stmt.raw_bind_parameter(base + 16, instant::to_sql(r.step_started))?;
    stmt.raw_bind_parameter(base + 17, key(r.step_due))?;
    stmt.raw_bind_parameter(base + 18, key(r.term_due))?;
    stmt.raw_bind_parameter(base + 19, ts(r.deliver_due))?;
    stmt.raw_bind_parameter(base + 20, instant::to_sql(r.submitted_at))?;
    stmt.raw_bind_parameter(base + 21, ts(r.closed_at))?;
    stmt.raw_bind_parameter(base + 22, instant::to_sql(r.updated_at))?;
    stmt.raw_bind_parameter(base + 23, ts(r.watch_at))?;
    stmt.raw_bind_parameter(base + 24, ts(r.result_at))?;
    stmt.raw_bind_parameter(base + 25, r.late_days.map(i64::from))?;
    stmt.raw_bind_parameter(base + 26, &r.assignee)?;
    Ok(())
}

/// The `day` of the all-time totals: one more row per key beside the days, so that a report
/// without a period reads as few rows at 10 million applications as at 10. Sorts before every
/// date, so a `from` bound excludes it.
pub(crate) const ALL_TIME: &str = views::ALL_TIME;

/// Adds the delta to its day's row and to the all-time row.
fn apply_delta_into(conn: &Connection, prefix: &str, d: &Delta) -> rusqlite::Result<()> {
    apply_delta_day(conn, prefix, d)?;
    let mut total = d.clone();
    match &mut total {
        Delta::App { key, .. } => key.day = ALL_TIME.to_string(),
        Delta::Step { key, .. } => key.day = ALL_TIME.to_string(),
    }
    apply_delta_day(conn, prefix, &total)
}

fn apply_delta_day(conn: &Connection, prefix: &str, d: &Delta) -> rusqlite::Result<()> {
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
            conn.prepare_cached(&format!(
                "INSERT INTO {prefix}mon_apps (day, regulation, channel, provider, submitted, open,
                     term_measured, term_on_time, results_late, results_late_days)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
                 ON CONFLICT DO UPDATE SET submitted = submitted + excluded.submitted,
                     open = open + excluded.open,
                     term_measured = term_measured + excluded.term_measured,
                     term_on_time = term_on_time + excluded.term_on_time,
                     results_late = results_late + excluded.results_late,
                     results_late_days = results_late_days + excluded.results_late_days"
            ))?
            .execute(params![
                key.day,
                key.regulation,
                key.channel,
                key.provider,
                submitted,
                open,
                term_measured,
                term_on_time,
                results_late,
                results_late_days
            ])?;
        }
        Delta::Step {
            key,
            measured,
            on_time,
            seconds,
            legal_seconds,
        } => {
            conn.prepare_cached(&format!(
                "INSERT INTO {prefix}mon_steps (day, regulation, channel, provider, step, role,
                     completed, measured, on_time, seconds_sum, legal_seconds_sum, legal_n)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT DO UPDATE SET completed = completed + 1,
                     measured = measured + excluded.measured,
                     on_time = on_time + excluded.on_time,
                     seconds_sum = seconds_sum + excluded.seconds_sum,
                     legal_seconds_sum = legal_seconds_sum + excluded.legal_seconds_sum,
                     legal_n = legal_n + excluded.legal_n"
            ))?
            .execute(params![
                key.day,
                key.regulation,
                key.channel,
                key.provider,
                key.step as i64,
                key.role,
                *measured as i64,
                *on_time as i64,
                seconds,
                legal_seconds.unwrap_or(0),
                legal_seconds.is_some() as i64,
            ])?;
            conn.prepare_cached(&format!(
                "INSERT INTO {prefix}mon_hist (day, regulation, channel, provider, step, role,
                     bucket, n)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)
                 ON CONFLICT DO UPDATE SET n = n + 1"
            ))?
            .execute(params![
                key.day,
                key.regulation,
                key.channel,
                key.provider,
                key.step as i64,
                key.role,
                bucket(*seconds as f64 / 60.0) as i64,
            ])?;
        }
    }
    Ok(())
}

/// Sums of `mon_apps` columns for one key.
#[derive(Default)]
struct AppSums([i64; 6]);

/// Sums of `mon_steps` columns for one key: completed, measured, on time, seconds, legal
/// seconds, legal n.
#[derive(Default)]
struct StepSums([i64; 6]);

type AppKey = (String, String, String, String);
type StepKey = (String, String, String, String, i64, String);

/// Add a batch's deltas to the aggregates: summed per row first (both the day's and the
/// all-time row), then one upsert per row touched, in key order. Equal to adding them one by
/// one ([`apply_delta`]), as a rebuild does.
pub(crate) fn apply_deltas(conn: &Connection, deltas: &[Delta]) -> rusqlite::Result<()> {
    if deltas.is_empty() {
        return Ok(());
    }
    let mut apps: BTreeMap<AppKey, AppSums> = BTreeMap::new();
    let mut steps: BTreeMap<StepKey, StepSums> = BTreeMap::new();
    let mut hist: BTreeMap<(StepKey, i64), i64> = BTreeMap::new();
    for d in deltas {
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
                    let s = &mut apps.entry(k).or_default().0;
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
                        s[i] += v;
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
                    let b = bucket(*seconds as f64 / 60.0) as i64;
                    *hist.entry((k.clone(), b)).or_default() += 1;
                    let s = &mut steps.entry(k).or_default().0;
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
                        s[i] += v;
                    }
                }
            }
        }
    }
    let mut stmt = conn.prepare_cached(
        "INSERT INTO mon_apps (day, regulation, channel, provider, submitted, open,
             term_measured, term_on_time, results_late, results_late_days)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT DO UPDATE SET submitted = submitted + excluded.submitted,
             open = open + excluded.open,
             term_measured = term_measured + excluded.term_measured,
             term_on_time = term_on_time + excluded.term_on_time,
             results_late = results_late + excluded.results_late,
             results_late_days = results_late_days + excluded.results_late_days",
    )?;
    for ((day, regulation, channel, provider), AppSums(s)) in &apps {
        stmt.execute(params![
            day, regulation, channel, provider, s[0], s[1], s[2], s[3], s[4], s[5]
        ])?;
    }
    let mut stmt = conn.prepare_cached(
        "INSERT INTO mon_steps (day, regulation, channel, provider, step, role,
             completed, measured, on_time, seconds_sum, legal_seconds_sum, legal_n)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT DO UPDATE SET completed = completed + excluded.completed,
             measured = measured + excluded.measured,
             on_time = on_time + excluded.on_time,
             seconds_sum = seconds_sum + excluded.seconds_sum,
             legal_seconds_sum = legal_seconds_sum + excluded.legal_seconds_sum,
             legal_n = legal_n + excluded.legal_n",
    )?;
    for ((day, regulation, channel, provider, step, role), StepSums(s)) in &steps {
        stmt.execute(params![
            day, regulation, channel, provider, step, role, s[0], s[1], s[2], s[3], s[4], s[5]
        ])?;
    }
    let mut stmt = conn.prepare_cached(
        "INSERT INTO mon_hist (day, regulation, channel, provider, step, role, bucket, n)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT DO UPDATE SET n = n + excluded.n",
    )?;
    for (((day, regulation, channel, provider, step, role), b), n) in &hist {
        stmt.execute(params![
            day, regulation, channel, provider, step, role, b, n
        ])?;
    }
    Ok(())
}

/// Appends the scope's condition to `sql` and its values to `args`.
fn scope_sql(scope: &Scope, sql: &mut String, args: &mut Vec<Value>) {
    match scope {
        Scope::All => {}
        Scope::Provider(p) => {
            sql.push_str(" AND provider = ?");
            args.push(Value::Text(p.clone()));
        }
        Scope::StateCorporation => sql.push_str(" AND channel = 'state_corporation'"),
        Scope::Applicant(iin) => {
            sql.push_str(" AND applicant_iin = ?");
            args.push(Value::Text(iin.clone()));
        }
    }
}

fn query_rows(conn: &Connection, sql: &str, args: Vec<Value>) -> Result<Vec<ListRow>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), row_of)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The sort column of a list, its direction, and the row's value in it.
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
pub(crate) fn list(conn: &Connection, q: &ListQuery) -> Result<Page, StoreError> {
    let limit = if q.limit == 0 { 50 } else { q.limit.min(500) };
    let (col, asc) = sort_of(q.sort);
    let mut sql = format!("SELECT {LIST_COLS} FROM app_list WHERE 1 = 1");
    let mut args: Vec<Value> = vec![];
    if let Some((org, roles)) = &q.holder {
        sql.push_str(" AND holder_org = ? AND holder_role IN (");
        args.push(Value::Text(org.clone()));
        if roles.is_empty() {
            sql.push_str("NULL");
        }
        for (i, r) in roles.iter().enumerate() {
            sql.push_str(if i == 0 { "?" } else { ", ?" });
            args.push(Value::Text(r.clone()));
        }
        sql.push(')');
    }
    if let Some(s) = &q.scope {
        scope_sql(s, &mut sql, &mut args);
    }
    for (c, v) in [("regulation", &q.regulation), ("channel", &q.channel)] {
        if let Some(v) = v {
            sql.push_str(&format!(" AND {c} = ?"));
            args.push(Value::Text(v.clone()));
        }
    }
    if let Some(a) = &q.assignee {
        sql.push_str(" AND assignee = ?");
        args.push(Value::Text(a.clone()));
    }
    if let Some(step) = q.step {
        sql.push_str(" AND step = ?");
        args.push(Value::Integer(step as i64));
    }
    match q.open {
        Some(true) => sql.push_str(" AND status <> 'closed'"),
        Some(false) => sql.push_str(" AND status = 'closed'"),
        None => {}
    }
    if let Some(f) = q.from {
        sql.push_str(" AND submitted_at >= ?");
        args.push(Value::Text(instant::to_sql(f)));
    }
    if let Some(t) = q.to {
        sql.push_str(" AND submitted_at < ?");
        args.push(Value::Text(instant::to_sql(t)));
    }
    let now = q.now.unwrap_or_else(Timestamp::now);
    if let Some(SlaFilter::AtRisk | SlaFilter::Overdue) = q.sla {
        // Only rows past their watch instant can be; each is judged exactly below.
        sql.push_str(" AND status <> 'closed' AND watch_at <= ?");
        args.push(Value::Text(instant::to_sql(now)));
    } else if q.sla == Some(SlaFilter::OnTime) {
        sql.push_str(" AND status <> 'closed'");
    }
    let (mut after_key, mut after_id) = match &q.cursor {
        Some(c) => {
            let (k, id) = c.split_once('|').ok_or_else(bad_cursor)?;
            // The key must be one this sort gives: an instant, or "no deadline" where the
            // sort is by a deadline. Anything else would page from an arbitrary place.
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
        let mut round_sql = sql.clone();
        let mut round_args = args.clone();
        if let (Some(k), Some(id)) = (&after_key, &after_id) {
            round_sql.push_str(&format!(" AND ({col}, id) {cmp} (?, ?)"));
            round_args.push(Value::Text(k.clone()));
            round_args.push(Value::Text(id.clone()));
        }
        let fetch = limit + 1 - out.len();
        let fetch = if q.sla.is_some() { fetch * 4 } else { fetch };
        round_sql.push_str(&format!(" ORDER BY {col} {dir}, id {dir} LIMIT {fetch}"));
        let rows = query_rows(conn, &round_sql, round_args)?;
        let got = rows.len();
        for r in rows {
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

pub(crate) fn list_row(conn: &Connection, id: &str) -> Result<Option<ListRow>, StoreError> {
    Ok(query_rows(
        conn,
        &format!("SELECT {LIST_COLS} FROM app_list WHERE id = ?"),
        vec![Value::Text(id.to_string())],
    )?
    .pop())
}

pub(crate) fn search(
    conn: &Connection,
    scope: &Scope,
    text: &str,
    limit: usize,
) -> Result<Vec<ListRow>, StoreError> {
    let Some(k) = SearchKey::parse(text) else {
        return Ok(vec![]);
    };
    let limit = limit.clamp(1, 500);
    let mut args: Vec<Value> = vec![];
    let (mut sql, order) = match k {
        SearchKey::Iin(iin) => {
            // State Corporation receipt numbers are 12 digits too.
            args.push(Value::Text(iin.clone()));
            args.push(Value::Text(iin));
            (
                format!(
                    "SELECT {LIST_COLS} FROM app_list WHERE id IN (
                        SELECT id FROM app_list WHERE applicant_iin = ?
                        UNION SELECT id FROM app_list WHERE receipt = ?)"
                ),
                "submitted_at DESC, id",
            )
        }
        SearchKey::IdOrReceipt(t) => {
            args.push(Value::Text(t.clone()));
            args.push(Value::Text(t));
            (
                format!(
                    "SELECT {LIST_COLS} FROM app_list WHERE id IN (?,
                        (SELECT id FROM app_list WHERE receipt = ?))"
                ),
                "submitted_at DESC, id",
            )
        }
        SearchKey::Name(prefix) => {
            args.push(Value::Text(prefix.clone()));
            args.push(Value::Text(format!("{prefix}\u{10FFFF}")));
            (
                format!("SELECT {LIST_COLS} FROM app_list WHERE name_key >= ? AND name_key < ?"),
                "name_key, submitted_at DESC, id",
            )
        }
    };
    scope_sql(scope, &mut sql, &mut args);
    sql.push_str(&format!(" ORDER BY {order} LIMIT {limit}"));
    query_rows(conn, &sql, args)
}

fn day_range(sql: &mut String, args: &mut Vec<Value>, from: Option<&str>, to: Option<&str>) {
    if from.is_none() && to.is_none() {
        sql.push_str(" AND day = ?");
        args.push(Value::Text(ALL_TIME.to_string()));
        return;
    }
    sql.push_str(" AND day <> ?");
    args.push(Value::Text(ALL_TIME.to_string()));
    if let Some(f) = from {
        sql.push_str(" AND day >= ?");
        args.push(Value::Text(f.to_string()));
    }
    if let Some(t) = to {
        sql.push_str(" AND day < ?");
        args.push(Value::Text(t.to_string()));
    }
}

pub(crate) fn aggregates(
    conn: &Connection,
    scope: &Scope,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Aggregates, StoreError> {
    if matches!(scope, Scope::Applicant(_)) {
        return Ok(Aggregates::default());
    }
    let group = "regulation, channel, provider, step, role";
    let mut sql = format!(
        "SELECT {group}, SUM(completed), SUM(measured), SUM(on_time), SUM(seconds_sum),
                SUM(legal_seconds_sum), SUM(legal_n)
           FROM mon_steps WHERE 1 = 1"
    );
    let mut args = vec![];
    day_range(&mut sql, &mut args, from, to);
    scope_sql(scope, &mut sql, &mut args);
    sql.push_str(&format!(" GROUP BY {group} ORDER BY {group}"));
    let mut steps: Vec<StepAggregate> = {
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            Ok(StepAggregate {
                regulation: r.get(0)?,
                channel: r.get(1)?,
                provider: r.get(2)?,
                step: r.get::<_, i64>(3)? as usize,
                role: r.get(4)?,
                completed: r.get::<_, i64>(5)? as u64,
                measured: r.get::<_, i64>(6)? as u64,
                on_time: r.get::<_, i64>(7)? as u64,
                seconds_sum: r.get(8)?,
                legal_seconds_sum: r.get(9)?,
                legal_n: r.get::<_, i64>(10)? as u64,
                hist: vec![0; BUCKETS.len()],
            })
        })?;
        rows.collect::<Result<_, _>>()?
    };
    let mut sql = format!("SELECT {group}, bucket, SUM(n) FROM mon_hist WHERE 1 = 1");
    let mut args = vec![];
    day_range(&mut sql, &mut args, from, to);
    scope_sql(scope, &mut sql, &mut args);
    sql.push_str(&format!(" GROUP BY {group}, bucket"));
    {
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
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            let k = (
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)? as usize,
                r.get::<_, String>(4)?,
            );
            let b = (r.get::<_, i64>(5)? as usize).min(BUCKETS.len() - 1);
            if let Some(i) = index.get(&k) {
                steps[*i].hist[b] += r.get::<_, i64>(6)? as u64;
            }
        }
    }
    let mut sql = "SELECT regulation, channel, provider, SUM(submitted), SUM(open),
                          SUM(term_measured), SUM(term_on_time), SUM(results_late),
                          SUM(results_late_days)
                     FROM mon_apps WHERE 1 = 1"
        .to_string();
    let mut args = vec![];
    day_range(&mut sql, &mut args, from, to);
    scope_sql(scope, &mut sql, &mut args);
    sql.push_str(" GROUP BY regulation, channel, provider ORDER BY regulation, channel, provider");
    let apps = {
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            Ok(AppAggregate {
                regulation: r.get(0)?,
                channel: r.get(1)?,
                provider: r.get(2)?,
                submitted: r.get::<_, i64>(3)? as u64,
                open: r.get(4)?,
                term_measured: r.get::<_, i64>(5)? as u64,
                term_on_time: r.get::<_, i64>(6)? as u64,
                results_late: r.get::<_, i64>(7)? as u64,
                results_late_days: r.get::<_, i64>(8)? as u64,
            })
        })?;
        rows.collect::<Result<_, _>>()?
    };
    Ok(Aggregates { steps, apps })
}

pub(crate) fn watched(
    conn: &Connection,
    scope: &Scope,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    now: Timestamp,
) -> Result<Vec<ListRow>, StoreError> {
    let mut sql =
        format!("SELECT {LIST_COLS} FROM app_list WHERE watch_at <= ? AND status <> 'closed'");
    let mut args = vec![Value::Text(instant::to_sql(now))];
    scope_sql(scope, &mut sql, &mut args);
    if let Some(f) = from {
        sql.push_str(" AND submitted_at >= ?");
        args.push(Value::Text(instant::to_sql(f)));
    }
    if let Some(t) = to {
        sql.push_str(" AND submitted_at < ?");
        args.push(Value::Text(instant::to_sql(t)));
    }
    sql.push_str(" ORDER BY watch_at, id");
    query_rows(conn, &sql, args)
}

/// Applications in `scope` submitted in the period whose result was issued after the term,
/// newest first, at most `limit` (the partial indexes `app_list_late` and
/// `app_list_late_provider` hold only them).
pub(crate) fn late_results(
    conn: &Connection,
    scope: &Scope,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    limit: usize,
) -> Result<Vec<ListRow>, StoreError> {
    let mut sql = format!("SELECT {LIST_COLS} FROM app_list WHERE late_days IS NOT NULL");
    let mut args = vec![];
    scope_sql(scope, &mut sql, &mut args);
    if let Some(f) = from {
        sql.push_str(" AND submitted_at >= ?");
        args.push(Value::Text(instant::to_sql(f)));
    }
    if let Some(t) = to {
        sql.push_str(" AND submitted_at < ?");
        args.push(Value::Text(instant::to_sql(t)));
    }
    sql.push_str(&format!(
        " ORDER BY submitted_at DESC, id DESC LIMIT {}",
        limit.min(10_000)
    ));
    query_rows(conn, &sql, args)
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

/// Recompute every view from the journal into `temp.r_*` tables, compare them with the live
/// ones, and (with `replace`) put the rebuild in their place — all inside the writer's
/// transaction, so the comparison sees one instant.
pub(crate) fn rebuild(
    tx: &Transaction<'_>,
    ctx: &Ctx,
    replace: bool,
) -> rusqlite::Result<Result<RebuildReport, StoreError>> {
    for (t, _) in TABLES {
        // The live table's own definition, keys included (the upserts need them).
        let def: String = tx.query_row(
            "SELECT sql FROM main.sqlite_master WHERE type = 'table' AND name = ?1",
            [t],
            |r| r.get(0),
        )?;
        let Some(body) = def.find('(').map(|i| &def[i..]) else {
            return Ok(Err(StoreError::Db(format!(
                "cannot read the definition of `{t}`"
            ))));
        };
        tx.execute_batch(&format!(
            "DROP TABLE IF EXISTS temp.r_{t}; CREATE TEMP TABLE r_{t} {body};"
        ))?;
    }
    let mut report = RebuildReport::default();
    {
        let mut stmt = tx.prepare(
            "SELECT application, app_seq, event, at, hash FROM journal
              ORDER BY application, app_seq",
        )?;
        let mut rows = stmt.query([])?;
        let mut cur: Option<(String, Option<Application>, bool, i64, String, String)> = None;
        let flush = |c: &(String, Option<Application>, bool, i64, String, String),
                     report: &mut RebuildReport|
         -> rusqlite::Result<()> {
            let (_, app, listed, seq, hash, at) = c;
            if let Some(app) = app {
                report.applications += 1;
                super::writer::write_state_into(tx, "temp.r_applications", app, *seq, hash, at)?;
                if *listed {
                    let updated = instant::from_sql(at)?;
                    write_list_row_into(
                        tx,
                        "temp.r_app_list",
                        &views::list_row(app, ctx, updated),
                    )?;
                }
            }
            Ok(())
        };
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let seq: i64 = r.get(1)?;
            let json: String = r.get(2)?;
            let at: String = r.get(3)?;
            let hash: String = r.get(4)?;
            if cur.as_ref().is_none_or(|c| c.0 != id) {
                if let Some(c) = &cur {
                    flush(c, &mut report)?;
                }
                cur = Some((id.clone(), None, true, 0, String::new(), String::new()));
            }
            let Some(c) = cur.as_mut() else { continue };
            let event: Event = match serde_json::from_str(&json) {
                Ok(e) => e,
                Err(e) => {
                    return Ok(Err(StoreError::Db(format!(
                        "journal entry {seq} of `{id}` does not decode: {e}"
                    ))));
                }
            };
            report.events += 1;
            if matches!(event, Event::RequestRefused { .. }) {
                c.2 = false;
            }
            let next = apply(c.1.clone(), &event, ctx);
            if c.2
                && let Some(n) = &next
            {
                for d in views::deltas(c.1.as_ref(), &event, n, ctx) {
                    apply_delta_into(tx, "temp.r_", &d)?;
                }
            }
            c.1 = next;
            c.3 = seq;
            c.4 = hash;
            c.5 = at;
        }
        if let Some(c) = &cur {
            flush(c, &mut report)?;
        }
    }
    for (t, keycols) in TABLES {
        let cols = columns(tx, t)?;
        let list = cols.join(", ");
        for (a, b, what) in [
            (format!("main.{t}"), format!("temp.r_{t}"), "live only"),
            (format!("temp.r_{t}"), format!("main.{t}"), "rebuild only"),
        ] {
            let sql = format!(
                "SELECT {keycols} FROM (SELECT {list} FROM {a} EXCEPT SELECT {list} FROM {b})"
            );
            let mut stmt = tx.prepare(&sql)?;
            let n = keycols.split(',').count();
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                report.difference_count += 1;
                if report.differences.len() < 100 {
                    let key: Vec<String> = (0..n)
                        .map(|i| {
                            r.get::<_, Value>(i)
                                .map(|v| match v {
                                    Value::Text(s) => s,
                                    Value::Integer(i) => i.to_string(),
                                    other => format!("{other:?}"),
                                })
                                .unwrap_or_default()
                        })
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
            let list = columns(tx, t)?.join(", ");
            tx.execute_batch(&format!(
                "DELETE FROM main.{t}; INSERT INTO main.{t} ({list}) SELECT {list} FROM temp.r_{t};"
            ))?;
        }
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('views_stale', '0')
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [],
        )?;
        report.replaced = true;
    }
    for (t, _) in TABLES {
        tx.execute_batch(&format!("DROP TABLE temp.r_{t}"))?;
    }
    Ok(Ok(report))
}

fn columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    rows.collect()
}

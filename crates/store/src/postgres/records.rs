//! The records beside the journal in PostgreSQL: each [`Record`] written inside the writer's
//! transaction (same rules and answers as SQLite's), and the [`Records`](crate::Records) reads.
//!
//! Read-then-write records (a failed login, an attempt's throttle keys) lock what they read,
//! so that several stores on one database count every attempt once.

use super::conn::{self, Conn};
use crate::StoreError;
use crate::instant::to_sql;
use crate::records::*;
use ::postgres::Row;
use jiff::Timestamp;
use std::collections::HashMap;

type PgResult<T> = Result<T, ::postgres::Error>;

fn conflict(rule: &str, detail: impl Into<String>) -> StoreError {
    StoreError::Conflict {
        rule: rule.into(),
        detail: detail.into(),
    }
}

fn ts(s: &str) -> Result<Timestamp, StoreError> {
    s.parse::<Timestamp>()
        .map_err(|e| StoreError::Db(format!("a stored instant `{s}` does not decode: {e}")))
}

fn opt_ts(s: Option<String>) -> Result<Option<Timestamp>, StoreError> {
    s.map(|s| ts(&s)).transpose()
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Write one record. The outer `Err` fails the batch; the inner one ends the action.
///
/// A uniqueness or reference rule the checks below do not catch first is this record's
/// conflict, never the batch's failure; the action's savepoint undoes it (PostgreSQL needs
/// that rollback before the transaction goes on, and the caller does it for every `Err`).
pub(crate) fn write(c: &mut Conn, r: &Record) -> PgResult<Result<Written, StoreError>> {
    match write_checked(c, r) {
        Err(e) => match conn::constraint(&e) {
            Some((code, name)) => Ok(Err(conflict(
                constraint_rule(r, code, &name),
                conn::message(&e),
            ))),
            None => Err(e),
        },
        other => other,
    }
}

/// The rule a record breaks when PostgreSQL refuses it on a constraint (named in the schema).
fn constraint_rule(r: &Record, code: &::postgres::error::SqlState, name: &str) -> &'static str {
    use ::postgres::error::SqlState;
    let foreign_key = *code == SqlState::FOREIGN_KEY_VIOLATION;
    match (r, foreign_key) {
        (Record::Session { .. } | Record::Token { .. }, true) => "account.unknown",
        (Record::Session { .. }, false) => "session.exists",
        (Record::Token { .. }, false) => "token.exists",
        (Record::Account(_), false) if name == "accounts_iin" => "account.iin_taken",
        (Record::Account(_), false) => "account.login_taken",
        (Record::LinkFile { .. } | Record::Drafts { .. }, true) => "file.unknown",
        (Record::Book { .. }, true) => "equeue.slot_unknown",
        (Record::Book { .. }, false) if name == "sc_bookings_application" => {
            "equeue.already_booked"
        }
        (Record::Book { .. }, false) => "equeue.slot_taken",
        _ => "record.conflict",
    }
}

/// The lock minutes for the `i`-th count past a limit: the schedule's, its last repeating.
fn lock_minutes(schedule: &[i64], i: i64) -> i64 {
    schedule
        .get(i as usize)
        .or(schedule.last())
        .copied()
        .unwrap_or(0)
}

fn write_checked(c: &mut Conn, r: &Record) -> PgResult<Result<Written, StoreError>> {
    Ok(Ok(match r {
        Record::Org(o) => {
            c.execute(
                "INSERT INTO orgs (id, kind, provider_type, name_kk, name_ru, name_en,
                     signing_role)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind,
                     provider_type = excluded.provider_type, name_kk = excluded.name_kk,
                     name_ru = excluded.name_ru, name_en = excluded.name_en,
                     signing_role = excluded.signing_role",
                &[
                    &o.id,
                    &o.kind,
                    &o.provider_type,
                    &o.name_kk,
                    &o.name_ru,
                    &o.name_en,
                    &o.signing_role,
                ],
            )?;
            Written::Done
        }
        Record::Account(a) => {
            let taken = c.query_opt(
                "SELECT login FROM accounts
                  WHERE login = $1 OR ($2::text IS NOT NULL AND iin = $2::text) LIMIT 1",
                &[&a.login, &a.iin],
            )?;
            if let Some(row) = taken {
                let login: String = row.try_get(0)?;
                return Ok(Err(if login == a.login {
                    conflict("account.login_taken", "this login is taken")
                } else {
                    conflict("account.iin_taken", "an account with this IIN exists")
                }));
            }
            let id: i64 = c
                .query_one(
                    "INSERT INTO accounts (login, kind, iin, name, org, roles, phone, password,
                         created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                    &[
                        &a.login,
                        &a.kind,
                        &a.iin,
                        &a.name,
                        &a.org,
                        &a.roles.join(","),
                        &a.phone,
                        &a.password_hash,
                        &to_sql(a.created_at),
                    ],
                )?
                .try_get(0)?;
            Written::Id(id)
        }
        Record::SetPassword {
            login,
            password_hash,
        } => Written::Count(c.execute(
            "UPDATE accounts SET password = $2, failed = 0, locked_until = NULL WHERE login = $1",
            &[login, password_hash],
        )? as usize),
        Record::LoginFailed {
            account,
            at,
            lock_after,
            lock_minutes: schedule,
        } => {
            // Locked while counted: parallel failures, from any store, all count.
            let failed = c.query_opt(
                "SELECT failed FROM accounts WHERE id = $1 FOR UPDATE",
                &[account],
            )?;
            let Some(failed) = failed
                .map(|r| r.try_get::<_, i64>(0))
                .transpose()?
                .map(|f| f + 1)
            else {
                return Ok(Ok(Written::Login {
                    failed: 0,
                    locked_until: None,
                }));
            };
            let locked_until = (failed >= *lock_after).then(|| {
                *at + jiff::SignedDuration::from_mins(lock_minutes(schedule, failed - lock_after))
            });
            c.execute(
                "UPDATE accounts SET failed = $2, locked_until = $3 WHERE id = $1",
                &[account, &failed, &locked_until.map(to_sql)],
            )?;
            Written::Login {
                failed,
                locked_until,
            }
        }
        Record::LoginAttempt {
            at,
            keys,
            window_secs,
        } => {
            // Each key is locked (even one with no row yet) until the transaction ends, in
            // key order: parallel attempts through any store queue here, so no more than
            // `limit` of them ever reach the password check.
            let mut order: Vec<&String> = keys.iter().map(|k| &k.key).collect();
            order.sort();
            order.dedup();
            for k in order {
                c.execute(
                    "SELECT pg_advisory_xact_lock(hashtext('qyzmet.throttle.' || $1::text))",
                    &[k],
                )?;
            }
            let idle = to_sql(*at - jiff::SignedDuration::from_secs(*window_secs));
            c.execute("DELETE FROM login_throttle WHERE last_at < $1", &[&idle])?;
            let now = to_sql(*at);
            let mut counts = Vec::with_capacity(keys.len());
            let mut refused: Option<Timestamp> = None;
            for k in keys {
                let row = c.query_opt(
                    "SELECT failed, locked_until FROM login_throttle WHERE key = $1",
                    &[&k.key],
                )?;
                let (failed, locked): (i64, Option<String>) = match row {
                    Some(r) => (r.try_get(0)?, r.try_get(1)?),
                    None => (0, None),
                };
                let locked = match opt_ts(locked) {
                    Ok(l) => l,
                    Err(e) => return Ok(Err(e)),
                };
                if let Some(until) = locked.filter(|u| *u > *at) {
                    refused = Some(refused.map_or(until, |r| r.max(until)));
                }
                counts.push(failed + 1);
            }
            if refused.is_some() {
                return Ok(Ok(Written::Attempt {
                    allowed: false,
                    locked_until: refused,
                }));
            }
            let mut started: Option<Timestamp> = None;
            for (k, failed) in keys.iter().zip(counts) {
                let until = (failed >= k.limit).then(|| {
                    *at + jiff::SignedDuration::from_mins(lock_minutes(
                        &k.lock_minutes,
                        failed - k.limit,
                    ))
                });
                if let Some(u) = until {
                    started = Some(started.map_or(u, |s| s.max(u)));
                }
                c.execute(
                    "INSERT INTO login_throttle (key, failed, locked_until, last_at)
                     VALUES ($1, $2, $3, $4)
                     ON CONFLICT (key) DO UPDATE SET failed = excluded.failed,
                         locked_until = excluded.locked_until, last_at = excluded.last_at",
                    &[&k.key, &failed, &until.map(to_sql), &now],
                )?;
            }
            Written::Attempt {
                allowed: true,
                locked_until: started,
            }
        }
        Record::LoginReset { keys, refund } => {
            let mut n = 0;
            for k in keys {
                n += c.execute("DELETE FROM login_throttle WHERE key = $1", &[k])?;
            }
            for k in refund {
                n += c.execute(
                    "UPDATE login_throttle SET failed = GREATEST(failed - 1, 0),
                         locked_until = CASE WHEN failed - 1 < $2 THEN NULL ELSE locked_until END
                     WHERE key = $1",
                    &[&k.key, &k.limit],
                )?;
            }
            Written::Count(n as usize)
        }
        Record::ChangePassword {
            account,
            password_hash,
            keep_session,
        } => {
            let n = c.execute(
                "UPDATE accounts SET password = $2, must_change = false, failed = 0,
                     locked_until = NULL WHERE id = $1",
                &[account, password_hash],
            )?;
            c.execute(
                "DELETE FROM login_throttle
                  WHERE key = 'a:' || $1::text OR key LIKE 'p:' || $1::text || ':%'",
                &[&account.to_string()],
            )?;
            c.execute(
                "DELETE FROM sessions WHERE account = $1 AND token_hash IS DISTINCT FROM $2",
                &[account, keep_session],
            )?;
            Written::Count(n as usize)
        }
        Record::MustChangePassword { account } => Written::Count(c.execute(
            "UPDATE accounts SET must_change = true WHERE id = $1",
            &[account],
        )? as usize),
        Record::LoginSucceeded { account } => {
            c.execute(
                "UPDATE accounts SET failed = 0, locked_until = NULL WHERE id = $1",
                &[account],
            )?;
            Written::Done
        }
        Record::Session {
            token_hash,
            account,
            csrf,
            created_at,
            expires_at,
        } => {
            c.execute(
                "INSERT INTO sessions (token_hash, account, csrf, created_at, expires_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    token_hash,
                    account,
                    csrf,
                    &to_sql(*created_at),
                    &to_sql(*expires_at),
                ],
            )?;
            Written::Done
        }
        Record::EndSession { token_hash } => Written::Count(c.execute(
            "DELETE FROM sessions WHERE token_hash = $1",
            &[token_hash],
        )? as usize),
        Record::Token {
            token_hash,
            account,
            name,
            scopes,
            created_at,
        } => {
            let id: i64 = c
                .query_one(
                    "INSERT INTO api_tokens (token_hash, account, name, scopes, created_at)
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    &[
                        token_hash,
                        account,
                        name,
                        &scopes.join(","),
                        &to_sql(*created_at),
                    ],
                )?
                .try_get(0)?;
            Written::Id(id)
        }
        Record::RevokeToken { account, id, at } => Written::Count(c.execute(
            "UPDATE api_tokens SET revoked_at = $3
             WHERE id = $1 AND account = $2 AND revoked_at IS NULL",
            &[id, account, &to_sql(*at)],
        )? as usize),
        Record::Note(n) => {
            c.execute(
                "INSERT INTO notes (application, step, login, name, outcome, note, at, public)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &n.application,
                    &(n.step as i64),
                    &n.login,
                    &n.name,
                    &n.outcome,
                    &n.note,
                    &to_sql(n.at),
                    &n.public,
                ],
            )?;
            Written::Done
        }
        Record::Document(d) => Written::Count(c.execute(
            "INSERT INTO documents (code, application, kind, lang, content_hash, issued_at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
            &[
                &d.code,
                &d.application,
                &d.kind,
                &d.lang,
                &d.content_hash.to_ascii_lowercase(),
                &to_sql(d.issued_at),
            ],
        )? as usize),
        Record::Notification {
            outbox_id,
            application,
            channel,
            recipient,
            message,
            status,
            created_at,
            send_after,
        } => match c.query_opt(
            "INSERT INTO notifications (outbox_id, application, channel, recipient, message,
                 status, created_at, send_after, sent_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING RETURNING id",
            &[
                outbox_id,
                application,
                channel,
                recipient,
                message,
                status,
                &to_sql(*created_at),
                &send_after.map(to_sql),
                &(status == "sent").then(|| to_sql(*created_at)),
            ],
        )? {
            Some(r) => Written::Id(r.try_get(0)?),
            None => Written::Count(0),
        },
        Record::MarkNotification {
            id,
            status,
            at,
            from,
        } => Written::Count(c.execute(
            "UPDATE notifications SET status = $2, sent_at = $3
              WHERE id = $1 AND ($4::text IS NULL OR status = $4)",
            &[id, status, &to_sql(*at), from],
        )? as usize),
        Record::File {
            sha256,
            content_type,
            data,
            created_at,
        } => Written::Count(c.execute(
            "INSERT INTO files (sha256, content_type, size, data, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[
                sha256,
                content_type,
                &(data.len() as i64),
                data,
                &to_sql(*created_at),
            ],
        )? as usize),
        Record::LinkFile {
            application,
            field,
            filename,
            sha256,
        } => {
            let n: i64 = c
                .query_one(
                    "SELECT COALESCE(MAX(n), 0) + 1 FROM application_files WHERE application = $1",
                    &[application],
                )?
                .try_get(0)?;
            c.execute(
                "INSERT INTO application_files (application, n, field, filename, sha256)
                 VALUES ($1, $2, $3, $4, $5)",
                &[application, &n, field, filename, sha256],
            )?;
            Written::Id(n)
        }
        Record::Drafts {
            account,
            key,
            files,
            created_at,
        } => {
            c.execute(
                "DELETE FROM drafts WHERE account = $1 AND key = $2",
                &[account, key],
            )?;
            for (i, (field, filename, sha256)) in files.iter().enumerate() {
                c.execute(
                    "INSERT INTO drafts (account, key, n, field, filename, sha256, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    &[
                        account,
                        key,
                        &(i as i64 + 1),
                        field,
                        filename,
                        sha256,
                        &to_sql(*created_at),
                    ],
                )?;
            }
            Written::Count(files.len())
        }
        Record::DropDrafts { account, key } => Written::Count(c.execute(
            "DELETE FROM drafts WHERE account = $1 AND key = $2",
            &[account, key],
        )? as usize),
        Record::ExpireDrafts { before } => {
            let n = c.execute(
                "DELETE FROM drafts WHERE created_at < $1",
                &[&to_sql(*before)],
            )?;
            c.execute(
                "DELETE FROM files f WHERE NOT EXISTS (SELECT 1 FROM drafts d WHERE d.sha256 = f.sha256)
                   AND NOT EXISTS (SELECT 1 FROM application_files a WHERE a.sha256 = f.sha256)",
                &[],
            )?;
            Written::Count(n as usize)
        }
        Record::Slots { centre, starts } => {
            let mut n = 0;
            for s in starts {
                n += c.execute(
                    "INSERT INTO sc_slots (centre, start, capacity) VALUES ($1, $2, 1)
                     ON CONFLICT DO NOTHING",
                    &[centre, &to_sql(*s)],
                )?;
            }
            Written::Count(n as usize)
        }
        Record::Book {
            slot,
            application,
            account,
            at,
        } => {
            let exists: bool = c
                .query_one("SELECT EXISTS (SELECT 1 FROM sc_slots WHERE id = $1)", &[slot])?
                .try_get(0)?;
            if !exists {
                return Ok(Err(conflict("equeue.slot_unknown", format!("no slot {slot}"))));
            }
            let mine: bool = c
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM sc_bookings
                                     WHERE application = $1 AND cancelled_at IS NULL)",
                    &[application],
                )?
                .try_get(0)?;
            if mine {
                return Ok(Err(conflict(
                    "equeue.already_booked",
                    "this application already has a booking: cancel it to choose another time",
                )));
            }
            let taken: bool = c
                .query_one(
                    "SELECT EXISTS (SELECT 1 FROM sc_bookings WHERE slot = $1 AND cancelled_at IS NULL)",
                    &[slot],
                )?
                .try_get(0)?;
            if taken {
                return Ok(Err(conflict(
                    "equeue.slot_taken",
                    "this slot is already booked",
                )));
            }
            // A booking racing in from another store still meets the unique indexes.
            let id: i64 = c
                .query_one(
                    "INSERT INTO sc_bookings (slot, application, account, created_at)
                     VALUES ($1, $2, $3, $4) RETURNING id",
                    &[slot, application, account, &to_sql(*at)],
                )?
                .try_get(0)?;
            Written::Id(id)
        }
        Record::CancelBooking { application, at } => Written::Count(c.execute(
            "UPDATE sc_bookings SET cancelled_at = $1 WHERE application = $2 AND cancelled_at IS NULL",
            &[&to_sql(*at), application],
        )? as usize),
    }))
}

// ---- reads -------------------------------------------------------------------------------

const ACCOUNT_COLS: &str = "id, login, kind, iin, name, org, roles, phone, password, failed,
    locked_until, created_at, must_change";

fn account_row(r: &Row) -> Result<AccountRow, StoreError> {
    Ok(AccountRow {
        id: r.try_get(0)?,
        login: r.try_get(1)?,
        kind: r.try_get(2)?,
        iin: r.try_get(3)?,
        name: r.try_get(4)?,
        org: r.try_get(5)?,
        roles: split(r.try_get(6)?),
        phone: r.try_get(7)?,
        password_hash: r.try_get(8)?,
        failed: r.try_get(9)?,
        locked_until: opt_ts(r.try_get(10)?)?,
        created_at: ts(r.try_get(11)?)?,
        must_change: r.try_get(12)?,
    })
}

fn org_row(r: &Row) -> Result<Org, StoreError> {
    Ok(Org {
        id: r.try_get(0)?,
        kind: r.try_get(1)?,
        provider_type: r.try_get(2)?,
        name_kk: r.try_get(3)?,
        name_ru: r.try_get(4)?,
        name_en: r.try_get(5)?,
        signing_role: r.try_get(6)?,
    })
}

fn token_row(r: &Row) -> Result<TokenRow, StoreError> {
    Ok(TokenRow {
        id: r.try_get(0)?,
        account: r.try_get(1)?,
        name: r.try_get(2)?,
        scopes: split(r.try_get(3)?),
        created_at: ts(r.try_get(4)?)?,
        revoked_at: opt_ts(r.try_get(5)?)?,
    })
}

fn document_row(r: &Row) -> Result<DocumentRow, StoreError> {
    Ok(DocumentRow {
        code: r.try_get(0)?,
        application: r.try_get(1)?,
        kind: r.try_get(2)?,
        lang: r.try_get(3)?,
        content_hash: r.try_get(4)?,
        issued_at: ts(r.try_get(5)?)?,
    })
}

fn notification_row(r: &Row) -> Result<NotificationRow, StoreError> {
    Ok(NotificationRow {
        id: r.try_get(0)?,
        outbox_id: r.try_get(1)?,
        application: r.try_get(2)?,
        channel: r.try_get(3)?,
        recipient: r.try_get(4)?,
        message: r.try_get(5)?,
        status: r.try_get(6)?,
        created_at: ts(r.try_get(7)?)?,
        send_after: opt_ts(r.try_get(8)?)?,
        sent_at: opt_ts(r.try_get(9)?)?,
    })
}

fn file_row(r: &Row) -> Result<FileRow, StoreError> {
    Ok(FileRow {
        n: r.try_get(0)?,
        field: r.try_get(1)?,
        filename: r.try_get(2)?,
        sha256: r.try_get(3)?,
        content_type: r.try_get(4)?,
        size: r.try_get(5)?,
    })
}

fn booking_row(r: &Row) -> Result<BookingRow, StoreError> {
    Ok(BookingRow {
        id: r.try_get(0)?,
        slot: r.try_get(1)?,
        centre: r.try_get(2)?,
        start: ts(r.try_get(3)?)?,
        application: r.try_get(4)?,
        account: r.try_get(5)?,
        created_at: ts(r.try_get(6)?)?,
    })
}

const NOTIFICATION_COLS: &str = "id, outbox_id, application, channel, recipient, message, status,
    created_at, send_after, sent_at";
const BOOKING_SELECT: &str = "SELECT b.id, b.slot, s.centre, s.start, b.application, b.account,
    b.created_at FROM sc_bookings b JOIN sc_slots s ON s.id = b.slot WHERE b.cancelled_at IS NULL";

type Param<'a> = &'a (dyn ::postgres::types::ToSql + Sync);

fn all<T>(
    c: &mut Conn,
    sql: &str,
    p: &[Param<'_>],
    f: fn(&Row) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    c.query(sql, p)?.iter().map(f).collect()
}

fn one<T>(
    c: &mut Conn,
    sql: &str,
    p: &[Param<'_>],
    f: fn(&Row) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    c.query_opt(sql, p)?.map(|r| f(&r)).transpose()
}

const SIGNERS: &str =
    "SELECT id, signing_role FROM orgs WHERE signing_role IS NOT NULL AND signing_role <> ''";

/// Organisation id -> signing role, for the organisations that configure one.
pub(crate) fn signers(c: &mut Conn) -> PgResult<HashMap<String, String>> {
    c.query(SIGNERS, &[])?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
}

/// `BEGIN` and [`signers`] in one round trip (a writer's batch starts so).
pub(crate) fn begin_with_signers(c: &mut Conn) -> PgResult<HashMap<String, String>> {
    let mut out = HashMap::new();
    for m in c.client.simple_query(&format!("BEGIN; {SIGNERS}"))? {
        if let ::postgres::SimpleQueryMessage::Row(r) = m
            && let (Some(id), Some(role)) = (r.get(0), r.get(1))
        {
            out.insert(id.to_string(), role.to_string());
        }
    }
    Ok(out)
}

const ORG_COLS: &str = "id, kind, provider_type, name_kk, name_ru, name_en, signing_role";

pub(crate) fn orgs(c: &mut Conn) -> Result<Vec<Org>, StoreError> {
    all(
        c,
        &format!("SELECT {ORG_COLS} FROM orgs ORDER BY id"),
        &[],
        org_row,
    )
}

pub(crate) fn org(c: &mut Conn, id: &str) -> Result<Option<Org>, StoreError> {
    one(
        c,
        &format!("SELECT {ORG_COLS} FROM orgs WHERE id = $1"),
        &[&id],
        org_row,
    )
}

pub(crate) fn account(c: &mut Conn, id: i64) -> Result<Option<AccountRow>, StoreError> {
    one(
        c,
        &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = $1"),
        &[&id],
        account_row,
    )
}

pub(crate) fn account_by_login(c: &mut Conn, l: &str) -> Result<Option<AccountRow>, StoreError> {
    one(
        c,
        &format!(
            "SELECT {ACCOUNT_COLS} FROM accounts WHERE login = $1 OR iin = $1
              ORDER BY login = $1 DESC LIMIT 1"
        ),
        &[&l.trim()],
        account_row,
    )
}

pub(crate) fn account_by_iin(c: &mut Conn, iin: &str) -> Result<Option<AccountRow>, StoreError> {
    one(
        c,
        &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE iin = $1"),
        &[&iin.trim()],
        account_row,
    )
}

pub(crate) fn accounts(c: &mut Conn) -> Result<Vec<AccountRow>, StoreError> {
    all(
        c,
        &format!("SELECT {ACCOUNT_COLS} FROM accounts ORDER BY id"),
        &[],
        account_row,
    )
}

pub(crate) fn account_count(c: &mut Conn) -> Result<i64, StoreError> {
    Ok(c.query_one("SELECT COUNT(*) FROM accounts", &[])?
        .try_get(0)?)
}

pub(crate) fn session(
    c: &mut Conn,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<(AccountRow, String)>, StoreError> {
    let row = c.query_opt(
        "SELECT account, csrf FROM sessions WHERE token_hash = $1 AND expires_at > $2",
        &[&token_hash, &to_sql(now)],
    )?;
    let Some(row) = row else { return Ok(None) };
    let (id, csrf): (i64, String) = (row.try_get(0)?, row.try_get(1)?);
    Ok(account(c, id)?.map(|a| (a, csrf)))
}

pub(crate) fn token(
    c: &mut Conn,
    token_hash: &str,
) -> Result<Option<(AccountRow, TokenRow)>, StoreError> {
    let t = one(
        c,
        "SELECT id, account, name, scopes, created_at, revoked_at FROM api_tokens
          WHERE token_hash = $1 AND revoked_at IS NULL",
        &[&token_hash],
        token_row,
    )?;
    let Some(t) = t else { return Ok(None) };
    Ok(account(c, t.account)?.map(|a| (a, t)))
}

pub(crate) fn tokens(c: &mut Conn, account: i64) -> Result<Vec<TokenRow>, StoreError> {
    all(
        c,
        "SELECT id, account, name, scopes, created_at, revoked_at FROM api_tokens
          WHERE account = $1 ORDER BY id",
        &[&account],
        token_row,
    )
}

pub(crate) fn notes(c: &mut Conn, application: &str) -> Result<Vec<NoteRow>, StoreError> {
    all(
        c,
        "SELECT application, step, login, name, outcome, note, at, public FROM notes
          WHERE application = $1 ORDER BY id",
        &[&application],
        |r| {
            Ok(NoteRow {
                application: r.try_get(0)?,
                step: r.try_get::<_, i64>(1)? as usize,
                login: r.try_get(2)?,
                name: r.try_get(3)?,
                outcome: r.try_get(4)?,
                note: r.try_get(5)?,
                at: ts(r.try_get(6)?)?,
                public: r.try_get(7)?,
            })
        },
    )
}

pub(crate) fn document(c: &mut Conn, code: &str) -> Result<Option<DocumentRow>, StoreError> {
    one(
        c,
        "SELECT code, application, kind, lang, content_hash, issued_at FROM documents
          WHERE code = $1",
        &[&code],
        document_row,
    )
}

pub(crate) fn document_by_hash(
    c: &mut Conn,
    hash: &str,
) -> Result<Option<DocumentRow>, StoreError> {
    one(
        c,
        "SELECT code, application, kind, lang, content_hash, issued_at FROM documents
          WHERE content_hash = $1 ORDER BY issued_at LIMIT 1",
        &[&hash.to_ascii_lowercase()],
        document_row,
    )
}

pub(crate) fn due_notifications(
    c: &mut Conn,
    now: Timestamp,
) -> Result<Vec<NotificationRow>, StoreError> {
    all(
        c,
        &format!(
            "SELECT {NOTIFICATION_COLS} FROM notifications
              WHERE status = 'deferred' AND send_after <= $1 ORDER BY id"
        ),
        &[&to_sql(now)],
        notification_row,
    )
}

pub(crate) fn notifications(
    c: &mut Conn,
    application: Option<&str>,
) -> Result<Vec<NotificationRow>, StoreError> {
    match application {
        Some(a) => all(
            c,
            &format!(
                "SELECT {NOTIFICATION_COLS} FROM notifications WHERE application = $1 ORDER BY id"
            ),
            &[&a],
            notification_row,
        ),
        None => all(
            c,
            &format!("SELECT {NOTIFICATION_COLS} FROM notifications ORDER BY id"),
            &[],
            notification_row,
        ),
    }
}

pub(crate) fn files(c: &mut Conn, application: &str) -> Result<Vec<FileRow>, StoreError> {
    all(
        c,
        "SELECT a.n, a.field, a.filename, a.sha256, f.content_type, f.size
           FROM application_files a JOIN files f ON f.sha256 = a.sha256
          WHERE a.application = $1 ORDER BY a.n",
        &[&application],
        file_row,
    )
}

fn file_with_data(r: &Row) -> Result<(FileRow, Vec<u8>), StoreError> {
    Ok((file_row(r)?, r.try_get(6)?))
}

pub(crate) fn file(
    c: &mut Conn,
    application: &str,
    n: i64,
) -> Result<Option<(FileRow, Vec<u8>)>, StoreError> {
    one(
        c,
        "SELECT a.n, a.field, a.filename, a.sha256, f.content_type, f.size, f.data
           FROM application_files a JOIN files f ON f.sha256 = a.sha256
          WHERE a.application = $1 AND a.n = $2",
        &[&application, &n],
        file_with_data,
    )
}

pub(crate) fn drafts(
    c: &mut Conn,
    account: i64,
    key: &str,
) -> Result<Vec<(FileRow, Vec<u8>)>, StoreError> {
    all(
        c,
        "SELECT d.n, d.field, d.filename, d.sha256, f.content_type, f.size, f.data
           FROM drafts d JOIN files f ON f.sha256 = d.sha256
          WHERE d.account = $1 AND d.key = $2 ORDER BY d.n",
        &[&account, &key],
        file_with_data,
    )
}

pub(crate) fn file_count(c: &mut Conn) -> Result<i64, StoreError> {
    Ok(c.query_one("SELECT COUNT(*) FROM files", &[])?.try_get(0)?)
}

pub(crate) fn slots(
    c: &mut Conn,
    centre: Option<&str>,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<SlotRow>, StoreError> {
    all(
        c,
        "SELECT s.id, s.centre, s.start, s.capacity,
                (SELECT COUNT(*) FROM sc_bookings b WHERE b.slot = s.id AND b.cancelled_at IS NULL)
           FROM sc_slots s
          WHERE s.start >= $1 AND s.start < $2 AND ($3::text IS NULL OR s.centre = $3::text)
          ORDER BY s.start, s.centre",
        &[&to_sql(from), &to_sql(to), &centre],
        |r| {
            Ok(SlotRow {
                id: r.try_get(0)?,
                centre: r.try_get(1)?,
                start: ts(r.try_get(2)?)?,
                capacity: r.try_get(3)?,
                taken: r.try_get(4)?,
            })
        },
    )
}

pub(crate) fn booking(c: &mut Conn, application: &str) -> Result<Option<BookingRow>, StoreError> {
    one(
        c,
        &format!("{BOOKING_SELECT} AND b.application = $1"),
        &[&application],
        booking_row,
    )
}

pub(crate) fn bookings(
    c: &mut Conn,
    centre: Option<&str>,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<BookingRow>, StoreError> {
    all(
        c,
        &format!(
            "{BOOKING_SELECT} AND s.start >= $1 AND s.start < $2
               AND ($3::text IS NULL OR s.centre = $3::text)
             ORDER BY s.start, s.centre"
        ),
        &[&to_sql(from), &to_sql(to), &centre],
        booking_row,
    )
}

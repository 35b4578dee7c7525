//! The records beside the journal in SQLite: each [`Record`] written inside the writer's
//! transaction, and the [`Records`](crate::Records) reads on reader connections.

use crate::StoreError;
use crate::instant::{from_sql, to_sql};
use crate::records::*;
use jiff::Timestamp;
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use std::collections::HashMap;

fn conflict(rule: &str, detail: impl Into<String>) -> StoreError {
    StoreError::Conflict {
        rule: rule.into(),
        detail: detail.into(),
    }
}

fn is_constraint(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _) if f.code == ErrorCode::ConstraintViolation)
}

fn opt_ts(s: Option<String>) -> rusqlite::Result<Option<Timestamp>> {
    s.map(|s| from_sql(&s)).transpose()
}

fn split(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Write one record. The outer `Err` fails the batch; the inner one ends the action.
///
/// A uniqueness or reference rule the checks below do not catch first (a session or token
/// hash used twice, drafts of a file never stored) is this record's conflict, never the
/// batch's failure: SQLite has undone the statement, and the action's savepoint undoes the rest.
pub(crate) fn write(tx: &Connection, r: &Record) -> rusqlite::Result<Result<Written, StoreError>> {
    match write_checked(tx, r) {
        Err(e) if is_constraint(&e) => Ok(Err(conflict(constraint_rule(r, &e), e.to_string()))),
        other => other,
    }
}

/// The rule a record breaks when SQLite refuses it on a constraint: a reference to a row that
/// is not there, or a second row where one is allowed.
fn constraint_rule(r: &Record, e: &rusqlite::Error) -> &'static str {
    let foreign_key = matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY);
    match (r, foreign_key) {
        (Record::Session { .. } | Record::Token { .. }, true) => "account.unknown",
        (Record::Session { .. }, false) => "session.exists",
        (Record::Token { .. }, false) => "token.exists",
        (Record::Account(_), false) => "account.login_taken",
        (Record::LinkFile { .. } | Record::Drafts { .. }, true) => "file.unknown",
        (Record::Book { .. }, true) => "equeue.slot_unknown",
        (Record::Book { .. }, false) => "equeue.slot_taken",
        _ => "record.conflict",
    }
}

fn write_checked(tx: &Connection, r: &Record) -> rusqlite::Result<Result<Written, StoreError>> {
    Ok(Ok(match r {
        Record::Org(o) => {
            tx.prepare_cached(
                "INSERT INTO orgs (id, kind, provider_type, name_kk, name_ru, name_en,
                     signing_role)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind,
                     provider_type = excluded.provider_type, name_kk = excluded.name_kk,
                     name_ru = excluded.name_ru, name_en = excluded.name_en,
                     signing_role = excluded.signing_role",
            )?
            .execute(params![
                o.id,
                o.kind,
                o.provider_type,
                o.name_kk,
                o.name_ru,
                o.name_en,
                o.signing_role
            ])?;
            Written::Done
        }
        Record::Account(a) => {
            let taken: Option<(String, Option<String>)> = tx
                .prepare_cached(
                    "SELECT login, iin FROM accounts WHERE login = ?1 OR (?2 IS NOT NULL AND iin = ?2)",
                )?
                .query_row(params![a.login, a.iin], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            if let Some((login, _)) = taken {
                return Ok(Err(if login == a.login {
                    conflict("account.login_taken", "this login is taken")
                } else {
                    conflict("account.iin_taken", "an account with this IIN exists")
                }));
            }
            tx.prepare_cached(
                "INSERT INTO accounts (login, kind, iin, name, org, roles, phone, password, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                a.login,
                a.kind,
                a.iin,
                a.name,
                a.org,
                a.roles.join(","),
                a.phone,
                a.password_hash,
                to_sql(a.created_at)
            ])?;
            Written::Id(tx.last_insert_rowid())
        }
        Record::SetPassword {
            login,
            password_hash,
        } => Written::Count(
            tx.prepare_cached(
                "UPDATE accounts SET password = ?2, failed = 0, locked_until = NULL WHERE login = ?1",
            )?
            .execute(params![login, password_hash])?,
        ),
        Record::LoginFailed {
            account,
            at,
            lock_after,
            lock_minutes,
        } => {
            // Read and write under the writer's one transaction: parallel failures all count.
            let failed: Option<i64> = tx
                .prepare_cached("SELECT failed FROM accounts WHERE id = ?1")?
                .query_row([account], |r| r.get(0))
                .optional()?;
            let Some(failed) = failed.map(|f| f + 1) else {
                return Ok(Ok(Written::Login {
                    failed: 0,
                    locked_until: None,
                }));
            };
            let locked_until = (failed >= *lock_after).then(|| {
                let i = (failed - lock_after) as usize;
                let m = lock_minutes
                    .get(i)
                    .or(lock_minutes.last())
                    .copied()
                    .unwrap_or(0);
                *at + jiff::SignedDuration::from_mins(m)
            });
            tx.prepare_cached("UPDATE accounts SET failed = ?2, locked_until = ?3 WHERE id = ?1")?
                .execute(params![account, failed, locked_until.map(to_sql)])?;
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
            // One read-then-write in the writer's transaction: parallel attempts queue here,
            // so no more than `limit` of them ever reach the password check.
            let idle = to_sql(*at - jiff::SignedDuration::from_secs(*window_secs));
            tx.prepare_cached("DELETE FROM login_throttle WHERE last_at < ?1")?
                .execute([&idle])?;
            let now = to_sql(*at);
            let mut counts = Vec::with_capacity(keys.len());
            let mut refused: Option<Timestamp> = None;
            for k in keys {
                let row: Option<(i64, Option<String>)> = tx
                    .prepare_cached(
                        "SELECT failed, locked_until FROM login_throttle WHERE key = ?1",
                    )?
                    .query_row([&k.key], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                let (failed, locked) = row.unwrap_or((0, None));
                if let Some(until) = opt_ts(locked)?.filter(|u| *u > *at) {
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
                    let i = (failed - k.limit) as usize;
                    let m = k
                        .lock_minutes
                        .get(i)
                        .or(k.lock_minutes.last())
                        .copied()
                        .unwrap_or(0);
                    *at + jiff::SignedDuration::from_mins(m)
                });
                if let Some(u) = until {
                    started = Some(started.map_or(u, |s| s.max(u)));
                }
                tx.prepare_cached(
                    "INSERT INTO login_throttle (key, failed, locked_until, last_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (key) DO UPDATE SET failed = excluded.failed,
                         locked_until = excluded.locked_until, last_at = excluded.last_at",
                )?
                .execute(params![k.key, failed, until.map(to_sql), now])?;
            }
            Written::Attempt {
                allowed: true,
                locked_until: started,
            }
        }
        Record::LoginReset { keys, refund } => {
            let mut n = 0;
            for k in keys {
                n += tx
                    .prepare_cached("DELETE FROM login_throttle WHERE key = ?1")?
                    .execute([k])?;
            }
            for k in refund {
                n += tx
                    .prepare_cached(
                        "UPDATE login_throttle SET failed = MAX(failed - 1, 0),
                             locked_until = CASE WHEN failed - 1 < ?2 THEN NULL
                                                 ELSE locked_until END
                         WHERE key = ?1",
                    )?
                    .execute(params![k.key, k.limit])?;
            }
            Written::Count(n)
        }
        Record::ChangePassword {
            account,
            password_hash,
            keep_session,
        } => {
            let n = tx
                .prepare_cached(
                    "UPDATE accounts SET password = ?2, must_change = 0, failed = 0,
                         locked_until = NULL WHERE id = ?1",
                )?
                .execute(params![account, password_hash])?;
            tx.prepare_cached(
                "DELETE FROM login_throttle WHERE key = 'a:' || ?1 OR key LIKE 'p:' || ?1 || ':%'",
            )?
            .execute([account])?;
            tx.prepare_cached(
                "DELETE FROM sessions WHERE account = ?1 AND token_hash IS NOT ?2",
            )?
            .execute(params![account, keep_session])?;
            Written::Count(n)
        }
        Record::MustChangePassword { account } => Written::Count(
            tx.prepare_cached("UPDATE accounts SET must_change = 1 WHERE id = ?1")?
                .execute([account])?,
        ),
        Record::LoginSucceeded { account } => {
            tx.prepare_cached(
                "UPDATE accounts SET failed = 0, locked_until = NULL WHERE id = ?1",
            )?
            .execute([account])?;
            Written::Done
        }
        Record::Session {
            token_hash,
            account,
            csrf,
            created_at,
            expires_at,
        } => {
            tx.prepare_cached(
                "INSERT INTO sessions (token_hash, account, csrf, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                token_hash,
                account,
                csrf,
                to_sql(*created_at),
                to_sql(*expires_at)
            ])?;
            Written::Done
        }
        Record::EndSession { token_hash } => Written::Count(
            tx.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?
                .execute([token_hash])?,
        ),
        Record::Token {
            token_hash,
            account,
            name,
            scopes,
            created_at,
        } => {
            tx.prepare_cached(
                "INSERT INTO api_tokens (token_hash, account, name, scopes, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                token_hash,
                account,
                name,
                scopes.join(","),
                to_sql(*created_at)
            ])?;
            Written::Id(tx.last_insert_rowid())
        }
        Record::RevokeToken { account, id, at } => Written::Count(
            tx.prepare_cached(
                "UPDATE api_tokens SET revoked_at = ?3
                 WHERE id = ?1 AND account = ?2 AND revoked_at IS NULL",
            )?
            .execute(params![id, account, to_sql(*at)])?,
        ),
        Record::Note(n) => {
            tx.prepare_cached(
                "INSERT INTO notes (application, step, login, name, outcome, note, at, public)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                n.application,
                n.step as i64,
                n.login,
                n.name,
                n.outcome,
                n.note,
                to_sql(n.at),
                n.public
            ])?;
            Written::Done
        }
        Record::Document(d) => Written::Count(
            tx.prepare_cached(
                "INSERT OR IGNORE INTO documents (code, application, kind, lang, content_hash, issued_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                d.code,
                d.application,
                d.kind,
                d.lang,
                d.content_hash.to_ascii_lowercase(),
                to_sql(d.issued_at)
            ])?,
        ),
        Record::Notification {
            outbox_id,
            application,
            channel,
            recipient,
            message,
            status,
            created_at,
            send_after,
        } => match tx
            .prepare_cached(
                "INSERT OR IGNORE INTO notifications (outbox_id, application, channel, recipient,
                     message, status, created_at, send_after, sent_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                outbox_id,
                application,
                channel,
                recipient,
                message,
                status,
                to_sql(*created_at),
                send_after.map(to_sql),
                (status == "sent").then(|| to_sql(*created_at)),
            ])? {
            0 => Written::Count(0),
            _ => Written::Id(tx.last_insert_rowid()),
        },
        Record::MarkNotification {
            id,
            status,
            at,
            from,
        } => Written::Count(
            tx.prepare_cached(
                "UPDATE notifications SET status = ?2, sent_at = ?3
                  WHERE id = ?1 AND (?4 IS NULL OR status = ?4)",
            )?
            .execute(params![id, status, to_sql(*at), from])?,
        ),
        Record::File {
            sha256,
            content_type,
            data,
            created_at,
        } => Written::Count(
            tx.prepare_cached(
                "INSERT OR IGNORE INTO files (sha256, content_type, size, data, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                sha256,
                content_type,
                data.len() as i64,
                data,
                to_sql(*created_at)
            ])?,
        ),
        Record::LinkFile {
            application,
            field,
            filename,
            sha256,
        } => {
            let n: i64 = tx
                .prepare_cached(
                    "SELECT COALESCE(MAX(n), 0) + 1 FROM application_files WHERE application = ?1",
                )?
                .query_row([application], |r| r.get(0))?;
            match tx
                .prepare_cached(
                    "INSERT INTO application_files (application, n, field, filename, sha256)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![application, n, field, filename, sha256])
            {
                Ok(_) => Written::Id(n),
                Err(e) if is_constraint(&e) => {
                    return Ok(Err(conflict(
                        "file.unknown",
                        "the file to link was not stored first",
                    )))
                }
                Err(e) => return Err(e),
            }
        }
        Record::Drafts {
            account,
            key,
            files,
            created_at,
        } => {
            tx.prepare_cached("DELETE FROM drafts WHERE account = ?1 AND key = ?2")?
                .execute(params![account, key])?;
            for (i, (field, filename, sha256)) in files.iter().enumerate() {
                tx.prepare_cached(
                    "INSERT INTO drafts (account, key, n, field, filename, sha256, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    account,
                    key,
                    i as i64 + 1,
                    field,
                    filename,
                    sha256,
                    to_sql(*created_at)
                ])?;
            }
            Written::Count(files.len())
        }
        Record::DropDrafts { account, key } => Written::Count(
            tx.prepare_cached("DELETE FROM drafts WHERE account = ?1 AND key = ?2")?
                .execute(params![account, key])?,
        ),
        Record::ExpireDrafts { before } => {
            let n = tx
                .prepare_cached("DELETE FROM drafts WHERE created_at < ?1")?
                .execute([to_sql(*before)])?;
            tx.prepare_cached(
                "DELETE FROM files WHERE sha256 NOT IN (SELECT sha256 FROM drafts)
                   AND sha256 NOT IN (SELECT sha256 FROM application_files)",
            )?
            .execute([])?;
            Written::Count(n)
        }
        Record::Slots { centre, starts } => {
            let mut n = 0;
            for s in starts {
                n += tx
                    .prepare_cached(
                        "INSERT OR IGNORE INTO sc_slots (centre, start, capacity) VALUES (?1, ?2, 1)",
                    )?
                    .execute(params![centre, to_sql(*s)])?;
            }
            Written::Count(n)
        }
        Record::Book {
            slot,
            application,
            account,
            at,
        } => {
            let exists: bool = tx
                .prepare_cached("SELECT COUNT(*) > 0 FROM sc_slots WHERE id = ?1")?
                .query_row([slot], |r| r.get(0))?;
            if !exists {
                return Ok(Err(conflict("equeue.slot_unknown", format!("no slot {slot}"))));
            }
            let mine: bool = tx
                .prepare_cached(
                    "SELECT COUNT(*) > 0 FROM sc_bookings WHERE application = ?1 AND cancelled_at IS NULL",
                )?
                .query_row([application], |r| r.get(0))?;
            if mine {
                return Ok(Err(conflict(
                    "equeue.already_booked",
                    "this application already has a booking: cancel it to choose another time",
                )));
            }
            match tx
                .prepare_cached(
                    "INSERT INTO sc_bookings (slot, application, account, created_at)
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![slot, application, account, to_sql(*at)])
            {
                Ok(_) => Written::Id(tx.last_insert_rowid()),
                Err(e) if is_constraint(&e) => {
                    return Ok(Err(conflict(
                        "equeue.slot_taken",
                        "this slot is already booked",
                    )))
                }
                Err(e) => return Err(e),
            }
        }
        Record::CancelBooking { application, at } => Written::Count(
            tx.prepare_cached(
                "UPDATE sc_bookings SET cancelled_at = ?1 WHERE application = ?2 AND cancelled_at IS NULL",
            )?
            .execute(params![to_sql(*at), application])?,
        ),
    }))
}

// ---- reads -------------------------------------------------------------------------------

const ACCOUNT_COLS: &str = "id, login, kind, iin, name, org, roles, phone, password, failed, locked_until, created_at, must_change";

fn account_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccountRow> {
    Ok(AccountRow {
        id: r.get(0)?,
        login: r.get(1)?,
        kind: r.get(2)?,
        iin: r.get(3)?,
        name: r.get(4)?,
        org: r.get(5)?,
        roles: split(&r.get::<_, String>(6)?),
        phone: r.get(7)?,
        password_hash: r.get(8)?,
        failed: r.get(9)?,
        locked_until: opt_ts(r.get(10)?)?,
        created_at: from_sql(&r.get::<_, String>(11)?)?,
        must_change: r.get(12)?,
    })
}

fn org_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Org> {
    Ok(Org {
        id: r.get(0)?,
        kind: r.get(1)?,
        provider_type: r.get(2)?,
        name_kk: r.get(3)?,
        name_ru: r.get(4)?,
        name_en: r.get(5)?,
        signing_role: r.get(6)?,
    })
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        id: r.get(0)?,
        account: r.get(1)?,
        name: r.get(2)?,
        scopes: split(&r.get::<_, String>(3)?),
        created_at: from_sql(&r.get::<_, String>(4)?)?,
        revoked_at: opt_ts(r.get(5)?)?,
    })
}

fn document_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DocumentRow> {
    Ok(DocumentRow {
        code: r.get(0)?,
        application: r.get(1)?,
        kind: r.get(2)?,
        lang: r.get(3)?,
        content_hash: r.get(4)?,
        issued_at: from_sql(&r.get::<_, String>(5)?)?,
    })
}

fn notification_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<NotificationRow> {
    Ok(NotificationRow {
        id: r.get(0)?,
        outbox_id: r.get(1)?,
        application: r.get(2)?,
        channel: r.get(3)?,
        recipient: r.get(4)?,
        message: r.get(5)?,
        status: r.get(6)?,
        created_at: from_sql(&r.get::<_, String>(7)?)?,
        send_after: opt_ts(r.get(8)?)?,
        sent_at: opt_ts(r.get(9)?)?,
    })
}

fn file_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FileRow> {
    Ok(FileRow {
        n: r.get(0)?,
        field: r.get(1)?,
        filename: r.get(2)?,
        sha256: r.get(3)?,
        content_type: r.get(4)?,
        size: r.get(5)?,
    })
}

fn booking_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BookingRow> {
    Ok(BookingRow {
        id: r.get(0)?,
        slot: r.get(1)?,
        centre: r.get(2)?,
        start: from_sql(&r.get::<_, String>(3)?)?,
        application: r.get(4)?,
        account: r.get(5)?,
        created_at: from_sql(&r.get::<_, String>(6)?)?,
    })
}

const NOTIFICATION_COLS: &str = "id, outbox_id, application, channel, recipient, message, status,
    created_at, send_after, sent_at";
const BOOKING_SELECT: &str = "SELECT b.id, b.slot, s.centre, s.start, b.application, b.account,
    b.created_at FROM sc_bookings b JOIN sc_slots s ON s.id = b.slot WHERE b.cancelled_at IS NULL";

fn all<T>(
    conn: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
    f: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(p, f)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

fn one<T>(
    conn: &Connection,
    sql: &str,
    p: impl rusqlite::Params,
    f: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Option<T>, StoreError> {
    Ok(conn.prepare_cached(sql)?.query_row(p, f).optional()?)
}

/// Organisation id -> signing role, for the organisations that configure one.
pub(crate) fn signers(c: &Connection) -> rusqlite::Result<HashMap<String, String>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, signing_role FROM orgs WHERE signing_role IS NOT NULL AND signing_role != ''",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.collect()
}

pub(crate) fn orgs(c: &Connection) -> Result<Vec<Org>, StoreError> {
    all(
        c,
        "SELECT id, kind, provider_type, name_kk, name_ru, name_en, signing_role
         FROM orgs ORDER BY id",
        [],
        org_row,
    )
}

pub(crate) fn org(c: &Connection, id: &str) -> Result<Option<Org>, StoreError> {
    one(
        c,
        "SELECT id, kind, provider_type, name_kk, name_ru, name_en, signing_role
         FROM orgs WHERE id = ?1",
        [id],
        org_row,
    )
}

pub(crate) fn account(c: &Connection, id: i64) -> Result<Option<AccountRow>, StoreError> {
    one(
        c,
        &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ?1"),
        [id],
        account_row,
    )
}

pub(crate) fn account_by_login(c: &Connection, l: &str) -> Result<Option<AccountRow>, StoreError> {
    one(
        c,
        &format!(
            "SELECT {ACCOUNT_COLS} FROM accounts WHERE login = ?1 OR iin = ?1 ORDER BY login = ?1 DESC LIMIT 1"
        ),
        [l.trim()],
        account_row,
    )
}

pub(crate) fn account_by_iin(c: &Connection, iin: &str) -> Result<Option<AccountRow>, StoreError> {
    one(
        c,
        &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE iin = ?1"),
        [iin.trim()],
        account_row,
    )
}

pub(crate) fn accounts(c: &Connection) -> Result<Vec<AccountRow>, StoreError> {
    all(
        c,
        &format!("SELECT {ACCOUNT_COLS} FROM accounts ORDER BY id"),
        [],
        account_row,
    )
}

pub(crate) fn account_count(c: &Connection) -> Result<i64, StoreError> {
    Ok(c.query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get(0))?)
}

pub(crate) fn session(
    c: &Connection,
    token_hash: &str,
    now: Timestamp,
) -> Result<Option<(AccountRow, String)>, StoreError> {
    let row: Option<(i64, String)> = c
        .prepare_cached(
            "SELECT account, csrf FROM sessions WHERE token_hash = ?1 AND expires_at > ?2",
        )?
        .query_row(params![token_hash, to_sql(now)], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((id, csrf)) = row else {
        return Ok(None);
    };
    Ok(account(c, id)?.map(|a| (a, csrf)))
}

pub(crate) fn token(
    c: &Connection,
    token_hash: &str,
) -> Result<Option<(AccountRow, TokenRow)>, StoreError> {
    let t = one(
        c,
        "SELECT id, account, name, scopes, created_at, revoked_at FROM api_tokens
          WHERE token_hash = ?1 AND revoked_at IS NULL",
        [token_hash],
        token_row,
    )?;
    let Some(t) = t else { return Ok(None) };
    Ok(account(c, t.account)?.map(|a| (a, t)))
}

pub(crate) fn tokens(c: &Connection, account: i64) -> Result<Vec<TokenRow>, StoreError> {
    all(
        c,
        "SELECT id, account, name, scopes, created_at, revoked_at FROM api_tokens
          WHERE account = ?1 ORDER BY id",
        [account],
        token_row,
    )
}

pub(crate) fn notes(c: &Connection, application: &str) -> Result<Vec<NoteRow>, StoreError> {
    all(
        c,
        "SELECT application, step, login, name, outcome, note, at, public FROM notes
          WHERE application = ?1 ORDER BY id",
        [application],
        |r| {
            Ok(NoteRow {
                application: r.get(0)?,
                step: r.get::<_, i64>(1)? as usize,
                login: r.get(2)?,
                name: r.get(3)?,
                outcome: r.get(4)?,
                note: r.get(5)?,
                at: from_sql(&r.get::<_, String>(6)?)?,
                public: r.get(7)?,
            })
        },
    )
}

pub(crate) fn document(c: &Connection, code: &str) -> Result<Option<DocumentRow>, StoreError> {
    one(
        c,
        "SELECT code, application, kind, lang, content_hash, issued_at FROM documents WHERE code = ?1",
        [code],
        document_row,
    )
}

pub(crate) fn document_by_hash(
    c: &Connection,
    hash: &str,
) -> Result<Option<DocumentRow>, StoreError> {
    one(
        c,
        "SELECT code, application, kind, lang, content_hash, issued_at FROM documents
          WHERE content_hash = ?1 ORDER BY issued_at LIMIT 1",
        [hash.to_ascii_lowercase()],
        document_row,
    )
}

pub(crate) fn due_notifications(
    c: &Connection,
    now: Timestamp,
) -> Result<Vec<NotificationRow>, StoreError> {
    all(
        c,
        &format!(
            "SELECT {NOTIFICATION_COLS} FROM notifications
              WHERE status = 'deferred' AND send_after <= ?1 ORDER BY id"
        ),
        [to_sql(now)],
        notification_row,
    )
}

pub(crate) fn notifications(
    c: &Connection,
    application: Option<&str>,
) -> Result<Vec<NotificationRow>, StoreError> {
    match application {
        Some(a) => all(
            c,
            &format!(
                "SELECT {NOTIFICATION_COLS} FROM notifications WHERE application = ?1 ORDER BY id"
            ),
            [a],
            notification_row,
        ),
        None => all(
            c,
            &format!("SELECT {NOTIFICATION_COLS} FROM notifications ORDER BY id"),
            [],
            notification_row,
        ),
    }
}

pub(crate) fn files(c: &Connection, application: &str) -> Result<Vec<FileRow>, StoreError> {
    all(
        c,
        "SELECT a.n, a.field, a.filename, a.sha256, f.content_type, f.size
           FROM application_files a JOIN files f ON f.sha256 = a.sha256
          WHERE a.application = ?1 ORDER BY a.n",
        [application],
        file_row,
    )
}

pub(crate) fn file(
    c: &Connection,
    application: &str,
    n: i64,
) -> Result<Option<(FileRow, Vec<u8>)>, StoreError> {
    Ok(c.prepare_cached(
        "SELECT a.n, a.field, a.filename, a.sha256, f.content_type, f.size, f.data
           FROM application_files a JOIN files f ON f.sha256 = a.sha256
          WHERE a.application = ?1 AND a.n = ?2",
    )?
    .query_row(params![application, n], |r| Ok((file_row(r)?, r.get(6)?)))
    .optional()?)
}

pub(crate) fn drafts(
    c: &Connection,
    account: i64,
    key: &str,
) -> Result<Vec<(FileRow, Vec<u8>)>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT d.n, d.field, d.filename, d.sha256, f.content_type, f.size, f.data
           FROM drafts d JOIN files f ON f.sha256 = d.sha256
          WHERE d.account = ?1 AND d.key = ?2 ORDER BY d.n",
    )?;
    let rows = stmt.query_map(params![account, key], |r| Ok((file_row(r)?, r.get(6)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn file_count(c: &Connection) -> Result<i64, StoreError> {
    Ok(c.query_row("SELECT COUNT(*) FROM files", [], |r| r.get(0))?)
}

pub(crate) fn slots(
    c: &Connection,
    centre: Option<&str>,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<SlotRow>, StoreError> {
    let mut stmt = c.prepare_cached(
        "SELECT s.id, s.centre, s.start, s.capacity,
                (SELECT COUNT(*) FROM sc_bookings b WHERE b.slot = s.id AND b.cancelled_at IS NULL)
           FROM sc_slots s
          WHERE s.start >= ?1 AND s.start < ?2 AND (?3 IS NULL OR s.centre = ?3)
          ORDER BY s.start, s.centre",
    )?;
    let rows = stmt.query_map(params![to_sql(from), to_sql(to), centre], |r| {
        Ok(SlotRow {
            id: r.get(0)?,
            centre: r.get(1)?,
            start: from_sql(&r.get::<_, String>(2)?)?,
            capacity: r.get(3)?,
            taken: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(crate) fn booking(c: &Connection, application: &str) -> Result<Option<BookingRow>, StoreError> {
    one(
        c,
        &format!("{BOOKING_SELECT} AND b.application = ?1"),
        [application],
        booking_row,
    )
}

pub(crate) fn bookings(
    c: &Connection,
    centre: Option<&str>,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<BookingRow>, StoreError> {
    all(
        c,
        &format!(
            "{BOOKING_SELECT} AND s.start >= ?1 AND s.start < ?2 AND (?3 IS NULL OR s.centre = ?3)
             ORDER BY s.start, s.centre"
        ),
        params![to_sql(from), to_sql(to), centre],
        booking_row,
    )
}

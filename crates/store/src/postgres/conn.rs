//! One PostgreSQL connection of the store: opened on the store's schema (`search_path`) with
//! durable commits, its prepared statements kept by SQL text, and what a failed statement
//! means (retry the batch, refuse writes, or answer one caller).
//!
//! Not for: transactions (callers send `BEGIN`/`COMMIT`/`SAVEPOINT` themselves, so that one
//! `&mut Conn` serves a whole batch).

use crate::{Health, HealthState, StoreError};
use ::postgres::error::SqlState;
use ::postgres::types::{ToSql, Type};
use ::postgres::{Client, NoTls, Row, Statement};
use std::collections::HashMap;

/// A statement's parameters.
pub(crate) type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// Prepared statements kept per connection, at most this many (dynamic list queries vary).
const MAX_STATEMENTS: usize = 512;

pub(crate) struct Conn {
    pub client: Client,
    stmts: HashMap<String, Statement>,
}

/// Whether `schema` is a plain lower-case identifier (it is spliced into `search_path`).
pub(crate) fn valid_schema(schema: &str) -> bool {
    let mut b = schema.bytes();
    matches!(b.next(), Some(b'a'..=b'z' | b'_'))
        && b.all(|c| matches!(c, b'a'..=b'z' | b'0'..=b'9' | b'_'))
        && schema.len() <= 63
        && !schema.starts_with("pg_")
}

impl Conn {
    /// Connect to `url` with `schema` first on the search path. Commits wait for the WAL
    /// flush (`synchronous_commit` is raised from `off`; `remote_*` settings are kept).
    pub fn open(url: &str, schema: &str) -> Result<Conn, StoreError> {
        let mut client = Client::connect(url, NoTls).map_err(|e| {
            StoreError::Db(format!(
                "cannot connect to PostgreSQL at `{}`: {}",
                redact(url),
                message(&e)
            ))
        })?;
        let sync: String = client
            .query_one("SHOW synchronous_commit", &[])
            .map_err(|e| db(&e))?
            .get(0);
        let raise = if matches!(sync.as_str(), "off" | "local") {
            "SET synchronous_commit = on;"
        } else {
            ""
        };
        client
            .batch_execute(&format!(
                "SET search_path TO \"{schema}\"; SET TIME ZONE 'UTC';
                 SET application_name = 'qyzmet {schema}'; {raise}"
            ))
            .map_err(|e| db(&e))?;
        Ok(Conn {
            client,
            stmts: HashMap::new(),
        })
    }

    fn prep(&mut self, sql: &str) -> Result<Statement, ::postgres::Error> {
        if let Some(s) = self.stmts.get(sql) {
            return Ok(s.clone());
        }
        if self.stmts.len() >= MAX_STATEMENTS {
            self.stmts.clear();
        }
        let s = self.client.prepare(sql)?;
        self.stmts.insert(sql.to_string(), s.clone());
        Ok(s)
    }

    pub fn execute(&mut self, sql: &str, p: Params<'_>) -> Result<u64, ::postgres::Error> {
        let s = self.prep(sql)?;
        self.client.execute(&s, p)
    }

    pub fn query(&mut self, sql: &str, p: Params<'_>) -> Result<Vec<Row>, ::postgres::Error> {
        let s = self.prep(sql)?;
        self.client.query(&s, p)
    }

    pub fn query_opt(
        &mut self,
        sql: &str,
        p: Params<'_>,
    ) -> Result<Option<Row>, ::postgres::Error> {
        let s = self.prep(sql)?;
        self.client.query_opt(&s, p)
    }

    pub fn query_one(&mut self, sql: &str, p: Params<'_>) -> Result<Row, ::postgres::Error> {
        let s = self.prep(sql)?;
        self.client.query_one(&s, p)
    }

    /// Run a multi-row statement unprepared, in one round trip, planned for these values:
    /// its plan depends on how many rows it carries and how large its tables are now, which
    /// a cached generic plan would not follow (one made while a table was small scans it
    /// whole ever after). Every parameter is cast in `sql` (`$1::text[]`), which gives its
    /// type.
    pub fn execute_bulk(&mut self, sql: &str, p: Params<'_>) -> Result<u64, ::postgres::Error> {
        let typed = typed(sql, p);
        self.client.execute_typed(sql, &typed)
    }

    /// [`Conn::execute_bulk`], returning rows.
    pub fn query_bulk(&mut self, sql: &str, p: Params<'_>) -> Result<Vec<Row>, ::postgres::Error> {
        let typed = typed(sql, p);
        self.client.query_typed(sql, &typed)
    }

    pub fn batch(&mut self, sql: &str) -> Result<(), ::postgres::Error> {
        self.client.batch_execute(sql)
    }

    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

/// Each parameter with the type its cast in `sql` names (`$n::text[]`, `$n::bigint`, …).
/// A parameter without one is a mistake in our SQL, which every test of a batch runs.
fn typed<'a>(sql: &str, p: Params<'a>) -> Vec<(&'a (dyn ToSql + Sync), Type)> {
    let mut types = vec![None; p.len()];
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (Ok(n), Some(cast)) = (
            rest[..digits].parse::<usize>(),
            rest[digits..].strip_prefix("::"),
        ) else {
            continue;
        };
        let name_len = cast
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'[' | b']'))
            .count();
        let ty = match &cast[..name_len] {
            "text[]" => Type::TEXT_ARRAY,
            "bigint[]" => Type::INT8_ARRAY,
            "boolean[]" => Type::BOOL_ARRAY,
            "text" => Type::TEXT,
            "bigint" => Type::INT8,
            other => panic!("`${n}::{other}`: a type the bulk statements do not use"),
        };
        if let Some(slot) = n.checked_sub(1).and_then(|i| types.get_mut(i)) {
            *slot = Some(ty);
        }
    }
    p.iter()
        .zip(types)
        .enumerate()
        .map(|(i, (v, t))| {
            let t = t.unwrap_or_else(|| panic!("parameter ${} has no cast", i + 1));
            (*v, t)
        })
        .collect()
}

/// The URL without its password, for messages.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url
            .split_whitespace()
            .map(|kv| {
                if kv.starts_with("password=") {
                    "password=***"
                } else {
                    kv
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// A PostgreSQL error in words: the server's message, code and detail where there is one.
pub(crate) fn message(e: &::postgres::Error) -> String {
    match e.as_db_error() {
        Some(d) => {
            let mut m = format!("{} ({})", d.message(), d.code().code());
            if let Some(detail) = d.detail() {
                m.push_str(": ");
                m.push_str(detail);
            }
            m
        }
        None => e.to_string(),
    }
}

pub(crate) fn db(e: &::postgres::Error) -> StoreError {
    StoreError::Db(message(e))
}

impl From<::postgres::Error> for StoreError {
    fn from(e: ::postgres::Error) -> Self {
        db(&e)
    }
}

/// The batch lost a race with another store on the same database and was rolled back whole:
/// run it again (a unique key taken meanwhile, a deadlock, a serialization failure).
pub(crate) fn retryable(e: &::postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::UNIQUE_VIOLATION
            || *c == SqlState::T_R_DEADLOCK_DETECTED
            || *c == SqlState::T_R_SERIALIZATION_FAILURE
    )
}

/// The connection is gone, or going: the server ended it (a restart, a failover, an
/// administrator) or it broke. Nothing of an uncommitted transaction survives it.
pub(crate) fn lost(e: &::postgres::Error) -> bool {
    e.is_closed()
        || e.code().is_some_and(|c| {
            *c == SqlState::ADMIN_SHUTDOWN
                || *c == SqlState::CRASH_SHUTDOWN
                || *c == SqlState::CANNOT_CONNECT_NOW
                || c.code().starts_with("08")
        })
}

/// An integrity rule a record broke (the record's conflict, not the batch's failure).
pub(crate) fn constraint(e: &::postgres::Error) -> Option<(&SqlState, String)> {
    let d = e.as_db_error()?;
    d.code()
        .code()
        .starts_with("23")
        .then(|| (d.code(), d.constraint().unwrap_or_default().to_string()))
}

/// The health a failed write leaves (Ok: the failure was this batch's own).
pub(crate) fn health_of(e: &::postgres::Error, closed: bool, url: &str) -> Health {
    let at = redact(url);
    if closed || lost(e) {
        return Health::new(
            HealthState::IoError,
            format!(
                "the connection to PostgreSQL at `{at}` is lost ({}); writes are refused until it is back",
                message(e)
            ),
        );
    }
    let Some(code) = e.code() else {
        return Health::new(
            HealthState::IoError,
            format!("PostgreSQL at `{at}`: {}", message(e)),
        );
    };
    let c = code.code();
    if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
        Health::new(
            HealthState::ReadOnly,
            format!(
                "PostgreSQL at `{at}` takes no writes (a standby, or read-only): {}",
                message(e)
            ),
        )
    } else if *code == SqlState::DISK_FULL || c.starts_with("53") {
        Health::new(
            HealthState::Full,
            format!(
                "PostgreSQL at `{at}` is out of space or resources: {}",
                message(e)
            ),
        )
    } else if c.starts_with("57") || c.starts_with("08") || c.starts_with("58") || c == "XX001" {
        Health::new(
            HealthState::IoError,
            format!("PostgreSQL at `{at}` fails: {}", message(e)),
        )
    } else {
        Health::ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_names_are_plain_identifiers() {
        assert!(valid_schema("qz_abc123"));
        assert!(valid_schema("public"));
        for bad in [
            "",
            "1abc",
            "Abc",
            "a-b",
            "a\"b",
            "pg_catalog",
            &"a".repeat(64),
        ] {
            assert!(!valid_schema(bad), "{bad}");
        }
    }

    #[test]
    fn multi_host_urls_parse_with_the_primary_wanted() {
        use ::postgres::config::{Host, TargetSessionAttrs};
        let c: ::postgres::Config =
            "postgres://u@h1:5433,h2:5434/db?target_session_attrs=read-write"
                .parse()
                .unwrap();
        let hosts: Vec<String> = c
            .get_hosts()
            .iter()
            .map(|h| match h {
                Host::Tcp(h) => h.clone(),
                #[allow(unreachable_patterns)]
                _ => String::new(),
            })
            .collect();
        assert_eq!(hosts, ["h1", "h2"]);
        assert_eq!(c.get_ports(), [5433, 5434]);
        assert_eq!(c.get_target_session_attrs(), TargetSessionAttrs::ReadWrite);
    }

    #[test]
    fn bulk_parameters_take_the_types_of_their_casts() {
        let (a, b, c) = (vec!["x"], vec![1i64], vec![true]);
        let p: Params<'_> = &[&a, &b, &c, &a];
        let t: Vec<Type> = typed(
            "SELECT * FROM unnest($1::text[], $2::bigint[], $3::boolean[]) WHERE $4::text[] <> '{}'",
            p,
        )
        .into_iter()
        .map(|(_, t)| t)
        .collect();
        assert_eq!(
            t,
            [
                Type::TEXT_ARRAY,
                Type::INT8_ARRAY,
                Type::BOOL_ARRAY,
                Type::TEXT_ARRAY
            ]
        );
    }

    #[test]
    #[should_panic(expected = "parameter $2 has no cast")]
    fn a_bulk_parameter_without_a_cast_is_our_mistake() {
        let a = vec!["x"];
        typed("SELECT $1::text[], $2", &[&a, &a]);
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            redact("host=h user=u password=secret"),
            "host=h user=u password=***"
        );
    }
}

//! One PostgreSQL connection of the store: opened on the store's schema (`search_path`) with
//! durable commits, its prepared statements kept by SQL text, and what a failed statement
//! means (retry the batch, refuse writes, or answer one caller).
//!
//! Not for: transactions (callers send `BEGIN`/`COMMIT`/`SAVEPOINT` themselves, so that one
//! `&mut Conn` serves a whole batch).

use crate::{Health, HealthState, StoreError};
use ::postgres::error::SqlState;
use ::postgres::types::ToSql;
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

    pub fn batch(&mut self, sql: &str) -> Result<(), ::postgres::Error> {
        self.client.batch_execute(sql)
    }

    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
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

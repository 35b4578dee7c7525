//! PostgreSQL for tests: the database (`QYZMET_TEST_PG`, else CI's `127.0.0.1:5432`, user
//! `postgres`, database `test`), whether it answers (a skip, or a failure under CI), and a
//! fresh schema per test, dropped with its guard. Schema names are `qz_<unix secs>_<pid>_<n>`,
//! like the store's tests', so either sweep drops what a dead run left.

pub use postgres;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// The test database, as a `key=value` string.
pub fn url() -> String {
    std::env::var("QYZMET_TEST_PG")
        .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".into())
}

/// The test database as a `postgres://` URL (what `qyzmet serve --database` is given).
pub fn uri() -> String {
    std::env::var("QYZMET_TEST_PG_URI")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub fn client() -> Result<postgres::Client, postgres::Error> {
    postgres::Client::connect(&url(), postgres::NoTls)
}

/// Whether PostgreSQL answers (asked once; schemas of runs dead for six hours are dropped).
/// Unreachable: fails under CI, otherwise says so (see [`crate::skip`]) and returns false.
pub fn available() -> bool {
    static UP: OnceLock<bool> = OnceLock::new();
    *UP.get_or_init(|| match client() {
        Ok(mut c) => {
            sweep(&mut c);
            true
        }
        Err(e) => {
            crate::skip(format_args!(
                "PostgreSQL at `{}` is unreachable ({e}): not tested on PostgreSQL",
                url()
            ));
            false
        }
    })
}

fn secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn sweep(c: &mut postgres::Client) {
    let now = secs();
    let names: Vec<String> = c
        .query(
            "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'qz\\_%'",
            &[],
        )
        .map(|rows| rows.iter().map(|r| r.get(0)).collect())
        .unwrap_or_default();
    for n in names {
        let born = n
            .split('_')
            .nth(1)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(now);
        if now.saturating_sub(born) > 6 * 3600 {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{n}\" CASCADE"));
        }
    }
}

/// A schema name nobody uses; dropped (with everything in it) when the guard is.
pub struct Schema(pub String);

impl Schema {
    pub fn fresh() -> Schema {
        static N: AtomicU64 = AtomicU64::new(0);
        Schema(format!(
            "qz_{}_{}_{}",
            secs(),
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ))
    }

    pub fn name(&self) -> &str {
        &self.0
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let name = self.0.clone();
        // Off any async runtime the test may be inside (the client brings its own).
        let _ = std::thread::spawn(move || {
            if let Ok(mut c) = client() {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"));
            }
        })
        .join();
    }
}

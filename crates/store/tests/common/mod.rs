//! Shared test helpers: the plain clock (days as 24 h), the fixture regulation, temporary
//! directories, and command builders. Also used by the throughput example.
#![allow(dead_code, unused_imports)]

use engine::{
    Actor, Application, Command, Ctx, Outcome, PORTAL, Party, Presented, STATE_CORPORATION,
};
use jiff::Timestamp;
use regulation::{ChannelId, Regulation};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use testkit::{Plain, TempDir};

pub const REGULATION: &str = "store-sc";
pub const PROVIDER: &str = "college-1";
pub const IIN: &str = "100515500003";

pub fn ctx() -> Arc<Ctx> {
    let reg: Regulation = toml::from_str(include_str!("../fixtures/store-sc.v1.toml")).unwrap();
    Arc::new(Ctx::new(vec![reg], Arc::new(Plain)))
}

/// An instant while the fixture regulation is in force.
pub fn t0() -> Timestamp {
    "2019-12-02T04:00:00Z".parse().unwrap()
}

pub fn submit(id: &str, channel: ChannelId, key: &str) -> Command {
    Command::Submit {
        application: id.into(),
        regulation: REGULATION.into(),
        channel,
        provider: PROVIDER.into(),
        applicant_iin: IIN.into(),
        applicant_name: String::new(),
        key: key.into(),
        signature: None,
        reception: Default::default(),
        data: Default::default(),
    }
}

/// The actor who may complete `app`'s current step.
pub fn actor(ctx: &Ctx, app: &Application) -> Actor {
    let plan = ctx.plan(&app.regulation, app.version, app.channel).unwrap();
    let step = plan.step(app.step).unwrap();
    let org = match step.party {
        Party::Provider | Party::Intermediary => app.provider.clone(),
        Party::StateCorporation => STATE_CORPORATION.to_string(),
        Party::Portal => PORTAL.to_string(),
    };
    Actor {
        role: step.role.clone(),
        org,
    }
}

/// Complete `app`'s current step, as the right person, showing an identity document.
pub fn done(ctx: &Ctx, app: &Application) -> Command {
    Command::Complete {
        application: app.id.clone(),
        step: app.step,
        actor: actor(ctx, app),
        outcome: Outcome::Done,
        presented: Some(Presented::IdentityDocument),
    }
}

/// A fresh directory under the system temp dir, removed on drop.
pub fn tempdir(name: &str) -> TempDir {
    testkit::tempdir(&format!("store-{name}"))
}

/// The store's file in a test directory.
pub trait DbFile {
    fn db(&self) -> PathBuf;
}

impl DbFile for TempDir {
    fn db(&self) -> PathBuf {
        self.path().join("qyzmet.db")
    }
}

/// Seed regulations in force together (2019-08-13 .. 2020-03-10) with office, State
/// Corporation and portal channels, plus the fixture: several services, channels and providers.
pub const SEED_REGULATIONS: &[&str] = &[
    "ekr-free-meals-tvet",
    "ekr-camp-referrals",
    "ekr-guardianship",
    "ekr-foster-family",
];

/// The fixture and [`SEED_REGULATIONS`] under the plain clock.
pub fn catalogue_ctx() -> Arc<Ctx> {
    let dir = testkit::regulations_dir();
    let mut regs: Vec<Regulation> =
        vec![toml::from_str(include_str!("../fixtures/store-sc.v1.toml")).unwrap()];
    for id in SEED_REGULATIONS {
        let text = std::fs::read_to_string(dir.join(format!("{id}.v1.toml"))).unwrap();
        regs.push(toml::from_str(&text).unwrap_or_else(|e| panic!("{id}: {e}")));
    }
    Arc::new(Ctx::new(regs, Arc::new(Plain)))
}

/// A 12-digit number with a valid check digit (identity's), made from `n`.
pub fn iin(n: u64) -> String {
    let mut n = n;
    loop {
        let body = format!("{:011}", 10_000_000_000 + n % 89_999_999_999);
        let d: [u8; 11] = std::array::from_fn(|i| body.as_bytes()[i] - b'0');
        if let Some(k) = identity::iin::check_digit(&d) {
            return format!("{body}{k}");
        }
        n += 1;
    }
}

/// A submission with every field chosen.
/// Valid application data for a seed regulation (empty for the fixture), made once per id.
pub fn seed_data(regulation: &str) -> engine::FormData {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static SEED: OnceLock<Arc<Ctx>> = OnceLock::new();
    static DATA: OnceLock<Mutex<HashMap<String, engine::FormData>>> = OnceLock::new();
    let mut cache = DATA.get_or_init(Default::default).lock().unwrap();
    cache
        .entry(regulation.to_string())
        .or_insert_with(|| {
            SEED.get_or_init(testkit::seed_ctx).sample_data(
                regulation,
                "2019-12-03T04:00:00Z".parse().unwrap(),
                0,
            )
        })
        .clone()
}

pub fn submit_as(
    id: &str,
    regulation: &str,
    channel: ChannelId,
    provider: &str,
    iin: &str,
    name: &str,
) -> Command {
    Command::Submit {
        application: id.into(),
        regulation: regulation.into(),
        channel,
        provider: provider.into(),
        applicant_iin: iin.into(),
        applicant_name: name.into(),
        key: format!("key-{id}"),
        signature: None,
        reception: Default::default(),
        data: seed_data(regulation),
    }
}

/// Complete `app`'s current step with `outcome`, as the right person.
pub fn complete(ctx: &Ctx, app: &Application, outcome: Outcome) -> Command {
    Command::Complete {
        application: app.id.clone(),
        step: app.step,
        actor: actor(ctx, app),
        outcome,
        presented: Some(Presented::IdentityDocument),
    }
}

/// A raw connection to the store's file (for counting rows and corrupting them).
pub fn raw(path: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(path).unwrap();
    c.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
    c
}

/// `SELECT COUNT(*) …` (or any single integer) on the store's file.
pub fn count(path: &Path, sql: &str) -> i64 {
    raw(path).query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Which store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A place for a store: a temporary directory (SQLite) or a fresh PostgreSQL schema,
/// dropped with it. Raw SQL (`count`, `exec`) goes to the same place, for counting rows and
/// corrupting them behind the store's back.
pub struct Db {
    pub kind: Kind,
    pub dir: TempDir,
    pub schema: Option<String>,
}

/// The database the PostgreSQL store's tests use (`QYZMET_TEST_PG`, else CI's).
pub fn pg_url() -> String {
    std::env::var("QYZMET_TEST_PG")
        .unwrap_or_else(|_| "host=127.0.0.1 port=5432 user=postgres dbname=test".into())
}

fn pg_client() -> Result<postgres::Client, postgres::Error> {
    postgres::Client::connect(&pg_url(), postgres::NoTls)
}

/// Whether PostgreSQL is there (asked once; a stale schema of a run that died is dropped).
/// Unreachable: under CI the test fails, otherwise it says so and runs on SQLite only.
fn pg_available() -> bool {
    use std::sync::OnceLock;
    static UP: OnceLock<bool> = OnceLock::new();
    *UP.get_or_init(|| match pg_client() {
        Ok(mut c) => {
            sweep(&mut c);
            true
        }
        Err(e) => {
            testkit::skip(format_args!(
                "PostgreSQL at `{}` is unreachable ({e}): the PostgreSQL store is not tested",
                pg_url()
            ));
            false
        }
    })
}

/// Drop the test schemas of runs that ended more than six hours ago without dropping theirs
/// (a static's store is never dropped).
fn sweep(c: &mut postgres::Client) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
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

/// A new schema name: `qz_<unix seconds>_<pid>_<n>`.
fn schema_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    format!(
        "qz_{secs}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The places to run a test on: SQLite always, PostgreSQL when reachable. Each says on
/// stderr which store the test runs on.
pub fn dbs(tag: &str) -> Vec<Db> {
    let mut out = vec![Db {
        kind: Kind::Sqlite,
        dir: tempdir(tag),
        schema: None,
    }];
    if pg_available() {
        out.push(Db {
            kind: Kind::Postgres,
            dir: tempdir(tag),
            schema: Some(schema_name()),
        });
    }
    out
}

/// Run `f` on every store: SQLite, then PostgreSQL when reachable.
pub fn each_db(tag: &str, f: impl Fn(&Db)) {
    for db in dbs(tag) {
        db.announce(tag);
        f(&db);
    }
}

impl Db {
    pub fn announce(&self, tag: &str) {
        use std::io::Write;
        let _ = writeln!(std::io::stderr(), "store test `{tag}` on {}", self.name());
    }

    pub fn name(&self) -> String {
        match (&self.kind, &self.schema) {
            (Kind::Postgres, Some(s)) => format!("PostgreSQL (schema {s})"),
            _ => format!("SQLite ({})", self.dir.db().display()),
        }
    }

    pub fn is_pg(&self) -> bool {
        self.kind == Kind::Postgres
    }

    /// Open (or reopen) the store here.
    pub fn open(&self, ctx: Arc<Ctx>) -> Arc<dyn store::Store> {
        match self.kind {
            Kind::Sqlite => Arc::new(store::SqliteStore::open(self.dir.db(), ctx).unwrap()),
            Kind::Postgres => Arc::new(self.open_pg(ctx, store::PgOptions::default())),
        }
    }

    /// Open the store here with the writer's batch limited to `max_batch`.
    pub fn open_batched(&self, ctx: Arc<Ctx>, max_batch: usize) -> Arc<dyn store::Store> {
        match self.kind {
            Kind::Sqlite => Arc::new(
                store::SqliteStore::open_with(
                    self.dir.db(),
                    ctx,
                    store::Options {
                        max_batch,
                        ..store::Options::default()
                    },
                )
                .unwrap(),
            ),
            Kind::Postgres => Arc::new(self.open_pg(
                ctx,
                store::PgOptions {
                    max_batch,
                    ..store::PgOptions::default()
                },
            )),
        }
    }

    /// A PostgreSQL store on this schema (another node, say).
    pub fn open_pg(&self, ctx: Arc<Ctx>, options: store::PgOptions) -> store::PgStore {
        let schema = self.schema.clone().expect("a PostgreSQL place");
        store::PgStore::open_with(&pg_url(), ctx, store::PgOptions { schema, ..options }).unwrap()
    }

    fn pg(&self) -> postgres::Client {
        let mut c = pg_client().unwrap();
        c.batch_execute(&format!(
            "SET search_path TO \"{}\"",
            self.schema.as_ref().unwrap()
        ))
        .unwrap();
        c
    }

    /// `SELECT COUNT(*) …` (or any single integer).
    pub fn count(&self, sql: &str) -> i64 {
        match self.kind {
            Kind::Sqlite => count(&self.dir.db(), sql),
            Kind::Postgres => self.pg().query_one(sql, &[]).unwrap().get(0),
        }
    }

    /// A single text value.
    pub fn text(&self, sql: &str) -> String {
        match self.kind {
            Kind::Sqlite => raw(&self.dir.db())
                .query_row(sql, [], |r| r.get(0))
                .unwrap(),
            Kind::Postgres => self.pg().query_one(sql, &[]).unwrap().get(0),
        }
    }

    /// Every row of a query whose columns are all text.
    pub fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        match self.kind {
            Kind::Sqlite => {
                let c = raw(&self.dir.db());
                let mut stmt = c.prepare(sql).unwrap();
                let n = stmt.column_count();
                stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
                    .unwrap()
                    .map(Result::unwrap)
                    .collect()
            }
            Kind::Postgres => self
                .pg()
                .query(sql, &[])
                .unwrap()
                .iter()
                .map(|r| (0..r.len()).map(|i| r.get(i)).collect())
                .collect(),
        }
    }

    /// One statement; the rows it changed.
    pub fn exec(&self, sql: &str) -> u64 {
        self.try_exec(sql).unwrap()
    }

    pub fn try_exec(&self, sql: &str) -> Result<u64, String> {
        match self.kind {
            Kind::Sqlite => raw(&self.dir.db())
                .execute(sql, [])
                .map(|n| n as u64)
                .map_err(|e| e.to_string()),
            Kind::Postgres => self.pg().execute(sql, &[]).map_err(|e| {
                e.as_db_error()
                    .map(|d| d.message().to_string())
                    .unwrap_or_else(|| e.to_string())
            }),
        }
    }

    /// Several statements, the one or the other store's.
    pub fn batch(&self, sqlite: &str, postgres: &str) {
        match self.kind {
            Kind::Sqlite => raw(&self.dir.db()).execute_batch(sqlite).unwrap(),
            Kind::Postgres => self.pg().batch_execute(postgres).unwrap(),
        }
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(s) = &self.schema
            && let Ok(mut c) = pg_client()
        {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{s}\" CASCADE"));
        }
    }
}

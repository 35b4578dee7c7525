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
pub trait Db {
    fn db(&self) -> PathBuf;
}

impl Db for TempDir {
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

//! A quick throughput check of a store, in two shapes:
//!
//! - `throughput [commands] [threads] [max_batch] [sqlite|postgres]` (defaults: 10000 4 512
//!   sqlite): `threads` threads each submit applications and complete their first step,
//!   through `execute` (one caller = one command in flight). `max_batch` 1 turns group commit
//!   off, for comparison.
//! - `throughput engine [applications] [sqlite|postgres|both] [wave] [pg writers]` (defaults:
//!   20000 both 512, the store's writers): the shape of `qyzmet bench engine` — free meals (seed 000), office channel, one
//!   Submit and five Complete commands per application, 10% motivated refusals, 4 client
//!   threads keeping `wave` commands in flight through `enqueue` — on each store in turn, in
//!   the same run.
//!
//! `cargo run -p store --release --example throughput -- …`. PostgreSQL: `QYZMET_TEST_PG`
//! (else 127.0.0.1:5432, database `test`), in a fresh schema dropped at the end.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use engine::{Actor, Command, Ctx, Party};
use jiff::{Timestamp, ToSpan};
use regulation::ChannelId;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use store::{Options, PgOptions, SqliteStore, Store};

fn main() {
    let all: Vec<String> = std::env::args().skip(1).collect();
    if all.first().is_some_and(|a| a == "engine") {
        return engine_shape(&all[1..]);
    }
    let pg = all.get(3).is_some_and(|k| k == "postgres");
    let args: Vec<usize> = all
        .iter()
        .take(3)
        .map(|a| a.parse().expect("numbers: commands threads max_batch"))
        .collect();
    let commands = args.first().copied().unwrap_or(10_000);
    let threads = args.get(1).copied().unwrap_or(4).max(1);
    let max_batch = args.get(2).copied().unwrap_or(512);
    let per_thread = commands / threads / 2;
    let ctx = ctx();
    let place = dbs("throughput")
        .into_iter()
        .find(|d| d.is_pg() == pg)
        .expect("PostgreSQL is reachable");
    let store = open(&place, ctx.clone(), max_batch, None);
    println!("on {}", place.name());
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (store, ctx) = (store.clone(), ctx.clone());
            std::thread::spawn(move || {
                for i in 0..per_thread {
                    let id = format!("bench-{t}-{i}");
                    let a = store
                        .execute(submit(&id, ChannelId::Office, &id), t0())
                        .unwrap();
                    store
                        .execute(done(&ctx, &a.application), t0() + 1.minutes())
                        .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let s = store.stats();
    println!(
        "{} commands from {threads} threads in {secs:.2} s: {:.0} commands/s, {} transactions, {:.1} commands/transaction (largest {}), max_batch {max_batch}",
        s.commands,
        s.commands as f64 / secs,
        s.transactions,
        s.commands as f64 / s.transactions.max(1) as f64,
        s.largest_batch
    );
    assert!(store.verify_journal().unwrap().is_ok());
}

/// Either store, with `enqueue` (an inherent method of each, not the trait's).
#[derive(Clone)]
enum Opened {
    Sqlite(Arc<SqliteStore>),
    Pg(Arc<store::PgStore>),
}

impl Opened {
    fn store(&self) -> &dyn Store {
        match self {
            Opened::Sqlite(s) => s.as_ref(),
            Opened::Pg(s) => s.as_ref(),
        }
    }
    fn enqueue(&self, cmd: Command, at: Timestamp) -> store::Ticket {
        match self {
            Opened::Sqlite(s) => s.enqueue(cmd, at),
            Opened::Pg(s) => s.enqueue(cmd, at),
        }
    }
    fn execute(&self, cmd: Command, at: Timestamp) -> Result<store::Outcome, store::StoreError> {
        self.store().execute(cmd, at)
    }
    fn stats(&self) -> store::Stats {
        self.store().stats()
    }
    fn verify_journal(&self) -> Result<store::VerifyReport, store::StoreError> {
        self.store().verify_journal()
    }
}

fn open(place: &Db, ctx: Arc<Ctx>, max_batch: usize, writers: Option<usize>) -> Opened {
    if place.is_pg() {
        let d = PgOptions::default();
        Opened::Pg(Arc::new(place.open_pg(
            ctx,
            PgOptions {
                max_batch,
                writers: writers.unwrap_or(d.writers),
                ..d
            },
        )))
    } else {
        Opened::Sqlite(Arc::new(
            SqliteStore::open_with(
                place.dir.db(),
                ctx,
                Options {
                    max_batch,
                    ..Options::default()
                },
            )
            .unwrap(),
        ))
    }
}

/// `qyzmet bench engine`'s service, instant and client count.
const REGULATION: &str = "ekr-free-meals-tvet";
const AT: &str = "2019-12-13T04:00:00Z";
const CLIENTS: usize = 4;

fn engine_shape(args: &[String]) {
    let n: usize = args
        .first()
        .map_or(20_000, |a| a.parse().expect("applications"));
    let which = args.get(1).map_or("both", String::as_str);
    let wave: usize = args.get(2).map_or(512, |a| a.parse().expect("wave"));
    let writers: Option<usize> = args.get(3).map(|a| a.parse().expect("writers"));
    let ctx = testkit::seed_ctx();
    let at: Timestamp = AT.parse().unwrap();
    let data = ctx.sample_data(REGULATION, at, 0);
    let reg = ctx
        .regulations()
        .iter()
        .find(|r| r.id == REGULATION)
        .expect("the benchmark's regulation");
    let plan = ctx.plan(&reg.id, reg.version, ChannelId::Office).unwrap();
    let steps: Vec<(usize, Actor, bool)> = plan
        .steps
        .iter()
        .filter(|s| !s.only_on_failure)
        .map(|s| {
            let org = match s.party {
                Party::Provider | Party::Intermediary => "bench-provider".to_string(),
                Party::StateCorporation => engine::STATE_CORPORATION.into(),
                Party::Portal => engine::PORTAL.into(),
            };
            (
                s.index,
                Actor {
                    role: s.role.clone(),
                    org,
                },
                s.motivated_refusal.is_some(),
            )
        })
        .collect();
    let steps = Arc::new(steps);
    for place in dbs("throughput-engine") {
        let kind = if place.is_pg() { "postgres" } else { "sqlite" };
        if which != "both" && which != kind {
            continue;
        }
        let store = open(&place, ctx.clone(), 512, writers);
        let next = Arc::new(AtomicUsize::new(0));
        let in_flight = (wave / CLIENTS).max(1);
        let started = Instant::now();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|_| {
                let (store, steps, next, data) =
                    (store.clone(), steps.clone(), next.clone(), data.clone());
                std::thread::spawn(move || {
                    let mut lat: Vec<Duration> = vec![];
                    loop {
                        let first = next.fetch_add(in_flight, Ordering::Relaxed);
                        if first >= n {
                            return lat;
                        }
                        let ids: Vec<(usize, String)> = (first..(first + in_flight).min(n))
                            .map(|i| (i, format!("b{i}")))
                            .collect();
                        let mut wave = |cmds: Vec<Command>| {
                            let tickets: Vec<_> = cmds
                                .into_iter()
                                .map(|c| (Instant::now(), store.enqueue(c, at)))
                                .collect();
                            for (t0, t) in tickets {
                                t.wait().unwrap();
                                lat.push(t0.elapsed());
                            }
                        };
                        wave(
                            ids.iter()
                                .map(|(_, id)| Command::Submit {
                                    application: id.clone(),
                                    regulation: REGULATION.into(),
                                    channel: ChannelId::Office,
                                    provider: "bench-provider".into(),
                                    applicant_iin: IIN.into(),
                                    applicant_name: String::new(),
                                    key: id.clone(),
                                    signature: None,
                                    reception: Default::default(),
                                    data: data.clone(),
                                })
                                .collect(),
                        );
                        for (step, actor, decides) in steps.iter() {
                            wave(
                                ids.iter()
                                    .map(|(i, id)| Command::Complete {
                                        application: id.clone(),
                                        step: *step,
                                        actor: actor.clone(),
                                        outcome: if *decides && i % 10 == 0 {
                                            engine::Outcome::MotivatedRefusal {
                                                grounds: "not in an eligible category".into(),
                                                listed: vec![],
                                            }
                                        } else {
                                            engine::Outcome::Done
                                        },
                                        presented: None,
                                    })
                                    .collect(),
                            );
                        }
                    }
                })
            })
            .collect();
        let mut lat: Vec<Duration> = clients
            .into_iter()
            .flat_map(|c| c.join().unwrap())
            .collect();
        let secs = started.elapsed().as_secs_f64();
        lat.sort();
        let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3;
        let s = store.stats();
        let verified = store.verify_journal().unwrap().is_ok();
        println!(
            "{kind:>8}: {n} applications × {} commands in {secs:.2} s: {:.0} applications/s, {:.0} commands/s, p50 {:.2} ms, p99 {:.2} ms, {} transactions, {:.1} commands each (largest {}); journal {}",
            1 + steps.len(),
            n as f64 / secs,
            lat.len() as f64 / secs,
            pct(0.5),
            pct(0.99),
            s.transactions,
            s.commands as f64 / s.transactions.max(1) as f64,
            s.largest_batch,
            if verified { "verified" } else { "BROKEN" }
        );
        assert!(verified);
    }
}

//! A quick throughput check of a store: `threads` threads each submit applications and
//! complete their first step, through `execute` (one caller = one command in flight). Prints
//! commands per second and commands per transaction.
//!
//! `cargo run -p store --release --example throughput -- [commands] [threads] [max_batch]
//! [sqlite|postgres]` (defaults: 10000 4 512 sqlite). `max_batch` 1 turns group commit off,
//! for comparison. PostgreSQL: `QYZMET_TEST_PG` (else 127.0.0.1:5432, database `test`), in a
//! fresh schema dropped at the end.

#[path = "../tests/common/mod.rs"]
mod common;

use common::*;
use jiff::ToSpan;
use regulation::ChannelId;
use std::sync::Arc;
use std::time::Instant;
use store::{Options, PgOptions, SqliteStore, Store};

fn main() {
    let all: Vec<String> = std::env::args().skip(1).collect();
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
    let store: Arc<dyn Store> = if pg {
        Arc::new(place.open_pg(
            ctx.clone(),
            PgOptions {
                max_batch,
                ..PgOptions::default()
            },
        ))
    } else {
        Arc::new(
            SqliteStore::open_with(
                place.dir.db(),
                ctx.clone(),
                Options {
                    max_batch,
                    ..Options::default()
                },
            )
            .unwrap(),
        )
    };
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

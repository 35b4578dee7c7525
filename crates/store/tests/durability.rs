//! kill -9: a child process submits applications and prints each id once `execute` returns;
//! the parent kills it mid-stream and checks that every acknowledged application is there —
//! on each store (a SQLite file, a PostgreSQL schema).

mod common;

use common::*;
use regulation::ChannelId;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use store::{PgStore, SqliteStore, Store};

/// `sqlite:<path>` or `postgres:<schema>`.
const DB_VAR: &str = "QYZMET_STORE_KILL_DB";

/// The child's side: runs only when the parent starts it with the database path.
#[test]
#[ignore = "run by acknowledged_commands_survive_kill_9 in a child process"]
fn kill_9_child() {
    let Ok(db) = std::env::var(DB_VAR) else {
        return;
    };
    let store: Arc<dyn Store> = match db.split_once(':') {
        Some(("postgres", schema)) => Arc::new(PgStore::open(&pg_url(), schema, ctx()).unwrap()),
        Some(("sqlite", path)) => Arc::new(SqliteStore::open(path, ctx()).unwrap()),
        _ => panic!("{DB_VAR}={db}"),
    };
    // Several writers, so that batches are in flight when the kill lands.
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0.. {
                    let id = format!("k-{t}-{i}");
                    store
                        .execute(submit(&id, ChannelId::Office, &id), t0())
                        .unwrap();
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "ack {id}").unwrap();
                    out.flush().unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

#[test]
fn acknowledged_commands_survive_kill_9() {
    each_db("kill9", |db| {
        let spec = match &db.schema {
            Some(s) => format!("postgres:{s}"),
            None => format!("sqlite:{}", db.dir.db().display()),
        };
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "kill_9_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DB_VAR, &spec)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut acked = vec![];
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            if let Some(id) = line.strip_prefix("ack ") {
                acked.push(id.to_string());
                if acked.len() == 300 {
                    break;
                }
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix: no destructors, no shutdown.
        child.wait().unwrap();
        assert_eq!(acked.len(), 300, "the child stopped early");
        let store = db.open(ctx());
        for id in &acked {
            assert!(
                store.application(id).unwrap().is_some(),
                "{id} was acknowledged but is gone"
            );
        }
        assert!(store.verify_journal().unwrap().is_ok());
    });
}

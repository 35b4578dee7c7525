//! Each store (SQLite on a real file, PostgreSQL on a fresh schema): commands, views, outbox,
//! idempotency, concurrency, group commit and durability across reopen.

mod common;

use common::*;
use engine::{Actor, Command, Event, Outcome as Decision, Rejection, STATE_CORPORATION, Status};
use jiff::ToSpan;
use regulation::ChannelId;
use std::sync::{Arc, Barrier};
use store::{Store, StoreError};

fn open(db: &Db) -> Arc<dyn Store> {
    db.open(ctx())
}

#[test]
fn tasks_follow_the_application_step_by_step_and_empty_when_closed() {
    each_db("tasks", |db| {
        let store = open(db);
        let ctx = ctx();
        let mut now = t0();
        let first = store
            .execute(submit("sc-1", ChannelId::StateCorporation, "k-sc-1"), now)
            .unwrap();
        assert!(!first.replayed);
        let mut app = first.application;
        // (org, role, status) expected at each step of the State Corporation plan.
        let expected = [
            (
                STATE_CORPORATION,
                "state_corporation_operator",
                Status::InProgress,
            ),
            (STATE_CORPORATION, "courier", Status::InProgress),
            (PROVIDER, "office_clerk", Status::InProgress),
            (PROVIDER, "head", Status::InProgress),
            (
                STATE_CORPORATION,
                "state_corporation_operator",
                Status::AwaitingIssue,
            ),
        ];
        for (step, (org, role, status)) in expected.iter().enumerate() {
            assert_eq!(app.step, step);
            let tasks = store.tasks(org, role).unwrap();
            assert_eq!(tasks.len(), 1, "step {step}: one task for {org}/{role}");
            let task = &tasks[0];
            assert_eq!(task.application, "sc-1");
            assert_eq!(task.step, step);
            assert_eq!(task.status, *status);
            assert_eq!(task.step_due, app.step_due);
            assert_eq!(task.term_due, app.term_due);
            assert_eq!(
                db.count("SELECT COUNT(*) FROM app_list WHERE holder_org IS NOT NULL"),
                1,
                "exactly one row per open application"
            );
            assert_eq!(store.application("sc-1").unwrap().as_ref(), Some(&app));
            now += 3.minutes();
            app = store.execute(done(&ctx, &app), now).unwrap().application;
        }
        assert_eq!(app.status, Status::Closed);
        assert_eq!(
            db.count("SELECT COUNT(*) FROM app_list WHERE holder_org IS NOT NULL"),
            0
        );
        assert!(
            store
                .tasks(STATE_CORPORATION, "state_corporation_operator")
                .unwrap()
                .is_empty()
        );
        assert!(store.open_applications().unwrap().is_empty());
        // The journal holds submitted + 5 steps + closed, in order; the outbox one row per event.
        let events = store.events("sc-1").unwrap();
        assert_eq!(events.len(), 7);
        assert!(matches!(events[0], Event::Submitted { .. }));
        assert!(matches!(events[6], Event::Closed { .. }));
        assert_eq!(db.count("SELECT COUNT(*) FROM outbox"), 7);
        let closed_at = db.text("SELECT closed_at FROM applications WHERE id = 'sc-1'");
        assert_eq!(
            closed_at,
            now.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
        );
        assert!(store.verify_journal().unwrap().is_ok());
    });
}

#[test]
fn acknowledged_commands_survive_a_reopen() {
    each_db("reopen", |db| {
        let ctx = ctx();
        let (app, events) = {
            let store = open(db);
            let a = store
                .execute(submit("o-1", ChannelId::Office, "k-o-1"), t0())
                .unwrap();
            let b = store
                .execute(done(&ctx, &a.application), t0() + 5.minutes())
                .unwrap();
            (b.application, store.events("o-1").unwrap())
        };
        let store = open(db);
        assert_eq!(store.application("o-1").unwrap(), Some(app.clone()));
        assert_eq!(store.events("o-1").unwrap(), events);
        assert_eq!(store.tasks(PROVIDER, "head").unwrap().len(), 1);
        // The chain goes on from where it stopped.
        let closed = store
            .execute(done(&ctx, &app), t0() + 10.minutes())
            .unwrap();
        assert_eq!(closed.application.status, Status::Closed);
        assert!(store.verify_journal().unwrap().is_ok());
    });
}

#[test]
fn a_retried_submission_returns_the_first_result_even_after_a_reopen() {
    each_db("idem", |db| {
        let first = {
            let store = open(db);
            let first = store
                .execute(submit("i-1", ChannelId::Office, "key-1"), t0())
                .unwrap();
            let again = store
                .execute(
                    submit("i-1", ChannelId::Office, "key-1"),
                    t0() + 1.minutes(),
                )
                .unwrap();
            assert!(again.replayed);
            assert_eq!(again.events, first.events);
            assert_eq!(again.application, first.application);
            first
        };
        let store = open(db);
        // Same key, even with another application id: the first result, nothing written.
        let retry = store
            .execute(
                submit("i-2", ChannelId::Office, "key-1"),
                t0() + 2.minutes(),
            )
            .unwrap();
        assert!(retry.replayed);
        assert_eq!(retry.application.id, "i-1");
        assert_eq!(retry.events, first.events);
        assert_eq!(store.application("i-2").unwrap(), None);
        assert_eq!(store.events("i-1").unwrap().len(), 1);
        assert_eq!(db.count("SELECT COUNT(*) FROM journal"), 1);
        assert_eq!(db.count("SELECT COUNT(*) FROM outbox"), 1);
        // A new key for an existing application is the engine's business: it already exists.
        assert!(matches!(
            store.execute(submit("i-1", ChannelId::Office, "key-2"), t0()),
            Err(StoreError::Rejected(Rejection::AlreadyExists { .. }))
        ));
    });
}

#[test]
fn two_submissions_with_one_key_in_one_batch_give_one_application() {
    each_db("idem-batch", |db| {
        let store = open(db);
        let results = store.execute_many(vec![
            (submit("b-1", ChannelId::Office, "same"), t0()),
            (submit("b-2", ChannelId::Office, "same"), t0()),
        ]);
        let (a, b) = (results[0].as_ref().unwrap(), results[1].as_ref().unwrap());
        assert!(!a.replayed && b.replayed);
        assert_eq!(b.application.id, "b-1");
        assert_eq!(a.events, b.events);
        assert_eq!(store.application("b-2").unwrap(), None);
        assert_eq!(db.count("SELECT COUNT(*) FROM idempotency"), 1);
        assert_eq!(store.stats().transactions, 1);
    });
}

#[test]
fn two_officials_completing_one_step_get_one_success_and_one_conflict() {
    each_db("conflict", |db| {
        let store = open(db);
        let ctx = ctx();
        for i in 0..20 {
            let id = format!("c-{i}");
            let app = store
                .execute(submit(&id, ChannelId::Office, &id), t0())
                .unwrap()
                .application;
            let cmd = done(&ctx, &app);
            let barrier = Arc::new(Barrier::new(2));
            let handles: Vec<_> = (0..2)
                .map(|_| {
                    let (store, barrier, cmd) = (store.clone(), barrier.clone(), cmd.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        store.execute(cmd, t0() + 1.minutes())
                    })
                })
                .collect();
            let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            let ok = results.iter().filter(|r| r.is_ok()).count();
            assert_eq!(ok, 1, "{id}: {results:?}");
            let conflict = results.iter().find(|r| r.is_err()).unwrap();
            assert_eq!(
                conflict,
                &Err(StoreError::Rejected(Rejection::WrongStep {
                    current: 1,
                    got: 0
                }))
            );
            assert_eq!(store.events(&id).unwrap().len(), 2);
        }
    });
}

#[test]
fn a_rejection_does_not_poison_its_batch() {
    each_db("reject", |db| {
        let store = open(db);
        let stranger = Command::Complete {
            application: "r-1".into(),
            step: 0,
            actor: Actor {
                role: "head".into(),
                org: PROVIDER.into(),
            },
            outcome: Decision::Done,
            presented: None,
        };
        let mut bad_iin = submit("r-2", ChannelId::Office, "k-r-2");
        if let Command::Submit { applicant_iin, .. } = &mut bad_iin {
            *applicant_iin = "123".into();
        }
        let results = store.execute_many(vec![
            (submit("r-1", ChannelId::Office, "k-r-1"), t0()),
            (bad_iin, t0()),
            (stranger, t0()),
            (submit("r-3", ChannelId::Office, "k-r-3"), t0()),
        ]);
        assert!(results[0].is_ok());
        assert!(matches!(
            results[1],
            Err(StoreError::Rejected(Rejection::Invalid { .. }))
        ));
        assert!(matches!(
            results[2],
            Err(StoreError::Rejected(Rejection::WrongRole { .. }))
        ));
        assert!(results[3].is_ok());
        assert_eq!(store.stats().transactions, 1);
        assert!(store.application("r-1").unwrap().is_some());
        assert!(store.application("r-2").unwrap().is_none());
        assert!(store.application("r-3").unwrap().is_some());
        // A rejected submission is not remembered: fixed, it goes through with the same key.
        assert!(
            !store
                .execute(submit("r-2", ChannelId::Office, "k-r-2"), t0())
                .unwrap()
                .replayed
        );
    });
}

#[test]
fn a_database_error_fails_the_whole_batch_and_leaves_nothing() {
    each_db("dberror", |db| {
        let store = open(db);
        let ctx = ctx();
        let app = store
            .execute(submit("d-1", ChannelId::Office, "k-d-1"), t0())
            .unwrap()
            .application;
        db.batch(
            "CREATE TRIGGER poison BEFORE INSERT ON journal WHEN NEW.application = 'poison'
         BEGIN SELECT RAISE(ABORT, 'poisoned'); END;",
            "CREATE FUNCTION poison() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN IF NEW.application = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF;
             RETURN NEW; END $$;
         CREATE TRIGGER poison BEFORE INSERT ON journal FOR EACH ROW EXECUTE FUNCTION poison();",
        );
        let results = store.execute_many(vec![
            (done(&ctx, &app), t0() + 1.minutes()),
            (submit("d-2", ChannelId::Office, "k-d-2"), t0()),
            (submit("poison", ChannelId::Office, "k-poison"), t0()),
        ]);
        for r in &results {
            assert!(
                matches!(r, Err(StoreError::Db(m)) if m.contains("poisoned")),
                "{r:?}"
            );
        }
        assert_eq!(store.stats().failed_batches, 1);
        // None of it happened, and the writer's cache does not pretend otherwise.
        assert_eq!(store.application("d-1").unwrap(), Some(app.clone()));
        assert_eq!(store.application("d-2").unwrap(), None);
        assert_eq!(db.count("SELECT COUNT(*) FROM idempotency"), 1);
        db.batch("DROP TRIGGER poison", "DROP TRIGGER poison ON journal");
        let after = store.execute(done(&ctx, &app), t0() + 2.minutes()).unwrap();
        assert_eq!(after.application.step, 1);
        assert!(
            !store
                .execute(submit("d-2", ChannelId::Office, "k-d-2"), t0())
                .unwrap()
                .replayed
        );
        assert!(store.verify_journal().unwrap().is_ok());
    });
}

#[test]
fn group_commit_puts_many_commands_in_one_transaction() {
    each_db("group", |db| {
        let store = open(db);
        let ctx = ctx();
        let threads = 8;
        let per_thread = 40;
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let (store, ctx) = (store.clone(), ctx.clone());
                std::thread::spawn(move || {
                    for i in 0..per_thread {
                        let id = format!("g-{t}-{i}");
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
        let stats = store.stats();
        let commands = (threads * per_thread * 2) as u64;
        assert_eq!(stats.commands, commands);
        assert!(
            stats.transactions < commands,
            "group commit should batch: {stats:?}"
        );
        assert!(stats.largest_batch > 1, "{stats:?}");
        assert_eq!(db.count("SELECT COUNT(*) FROM journal"), commands as i64);
        assert!(store.verify_journal().unwrap().is_ok());
    });
}

#[test]
fn the_outbox_holds_each_event_until_published() {
    each_db("outbox", |db| {
        let store = open(db);
        let ctx = ctx();
        let a = store
            .execute(submit("x-1", ChannelId::Office, "k-x-1"), t0())
            .unwrap();
        store
            .execute(done(&ctx, &a.application), t0() + 1.minutes())
            .unwrap();
        let pending = store.outbox_pending(10).unwrap();
        assert_eq!(pending.len(), 2);
        assert_eq!(
            pending.iter().map(|p| p.event.clone()).collect::<Vec<_>>(),
            store.events("x-1").unwrap()
        );
        assert_eq!(pending[0].created_at, t0());
        assert_eq!(store.outbox_pending(1).unwrap().len(), 1);
        let ids: Vec<i64> = pending.iter().map(|p| p.id).collect();
        assert_eq!(
            store.mark_published(&ids[..1], t0() + 2.minutes()).unwrap(),
            1
        );
        assert_eq!(store.outbox_pending(10).unwrap()[0].id, ids[1]);
        assert_eq!(store.mark_published(&ids, t0() + 3.minutes()).unwrap(), 1);
        assert!(store.outbox_pending(10).unwrap().is_empty());
    });
}

#[test]
fn open_applications_list_what_is_open_earliest_deadline_first() {
    each_db("open", |db| {
        let store = open(db);
        let ctx = ctx();
        // o-late's first step is due later than o-early's: submitted later.
        store
            .execute(
                submit("o-late", ChannelId::Office, "k-late"),
                t0() + 10.minutes(),
            )
            .unwrap();
        store
            .execute(submit("o-early", ChannelId::Office, "k-early"), t0())
            .unwrap();
        let gone = store
            .execute(submit("o-gone", ChannelId::Office, "k-gone"), t0())
            .unwrap()
            .application;
        let refuse = Command::Complete {
            application: "o-gone".into(),
            step: 0,
            actor: actor(&ctx, &gone),
            outcome: Decision::RefuseAcceptance {
                grounds: "incomplete package".into(),
            },
            presented: None,
        };
        store.execute(refuse, t0() + 1.minutes()).unwrap();
        let open = store.open_applications().unwrap();
        let ids: Vec<&str> = open.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(ids, ["o-early", "o-late"]);
        // What `qyzmet deadlines --at` computes from them.
        let at = t0() + 18.minutes();
        let sla: Vec<_> = open
            .iter()
            .map(|a| engine::sla::sla(a, at, &ctx).unwrap().status)
            .collect();
        assert_eq!(sla, [engine::sla::Sla::AtRisk, engine::sla::Sla::OnTime]);
    });
}

/// Six commands queued without waiting through a writer whose batches hold two at most.
fn bounded<S: Store>(
    store: Arc<S>,
    enqueue: impl Fn(&S, Command, jiff::Timestamp) -> store::Ticket,
    close: impl FnOnce(S) -> Result<(), StoreError>,
) {
    let tickets: Vec<_> = (0..6)
        .map(|i| {
            enqueue(
                &store,
                submit(&format!("s-{i}"), ChannelId::Office, &format!("s-{i}")),
                t0(),
            )
        })
        .collect();
    for t in tickets {
        t.wait().unwrap();
    }
    assert!(store.stats().largest_batch <= 2);
    assert_eq!(store.stats().commands, 6);
    let store = Arc::into_inner(store).unwrap();
    close(store).unwrap();
}

#[test]
fn max_batch_bounds_a_transaction_and_close_drains_the_queue() {
    each_db("options", |db| match db.kind {
        Kind::Sqlite => bounded(
            Arc::new(
                store::SqliteStore::open_with(
                    db.dir.db(),
                    ctx(),
                    store::Options {
                        max_batch: 2,
                        ..store::Options::default()
                    },
                )
                .unwrap(),
            ),
            store::SqliteStore::enqueue,
            store::SqliteStore::close,
        ),
        Kind::Postgres => bounded(
            Arc::new(db.open_pg(
                ctx(),
                store::PgOptions {
                    max_batch: 2,
                    ..store::PgOptions::default()
                },
            )),
            store::PgStore::enqueue,
            store::PgStore::close,
        ),
    });
}

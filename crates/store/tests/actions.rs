//! One user action is one transaction: `Store::act` with commands, automatic steps and records
//! writes all of them or none, answers a replayed submission without writing the rest, and
//! never lets a failing action disturb the others of its batch.

mod common;

use common::*;
use engine::{Actor, Command, Event, Outcome as Decision, Rejection, Status};
use jiff::{Timestamp, ToSpan};
use regulation::ChannelId;
use std::sync::{Arc, Barrier};
use store::records::{NoteRow, Record, Written};
use store::{Action, Store, StoreError};

const MEALS: &str = "ekr-free-meals-tvet";

fn open(db: &Db) -> Arc<dyn Store> {
    db.open(catalogue_ctx())
}

/// An instant while every regulation of [`catalogue_ctx`] is in force.
fn t() -> Timestamp {
    t0()
}

fn file(data: &[u8]) -> (Record, String) {
    let sha = format!("{:064x}", data.iter().map(|b| *b as u64).sum::<u64>() + 1);
    (
        Record::File {
            sha256: sha.clone(),
            content_type: "application/pdf".into(),
            data: data.to_vec(),
            created_at: t(),
        },
        sha,
    )
}

fn link(app: &str, sha: &str) -> Record {
    Record::LinkFile {
        application: app.into(),
        field: "documents".into(),
        filename: "passport.pdf".into(),
        sha256: sha.into(),
    }
}

fn note(app: &str, step: usize) -> Record {
    Record::Note(NoteRow {
        application: app.into(),
        step,
        login: "clerk".into(),
        name: "Clerk".into(),
        outcome: "done".into(),
        note: "checked".into(),
        at: t(),
        public: false,
    })
}

/// Rows in every table an action may touch.
fn footprint(db: &Db) -> Vec<(&'static str, i64)> {
    [
        "journal",
        "outbox",
        "applications",
        "app_list",
        "mon_apps",
        "mon_steps",
        "mon_hist",
        "idempotency",
        "files",
        "application_files",
        "notes",
        "sc_bookings",
        "accounts",
        "sessions",
        "api_tokens",
    ]
    .into_iter()
    .map(|t| (t, db.count(&format!("SELECT COUNT(*) FROM {t}"))))
    .collect()
}

#[test]
fn submit_advance_and_records_are_one_transaction() {
    each_db("act-one", |db| {
        let store = open(db);
        let ctx = catalogue_ctx();
        let (f, sha) = file(b"%PDF passport");
        let before = store.stats().transactions;
        let out = store
            .act(
                Action::new(t())
                    .command(submit_as(
                        "p-1",
                        MEALS,
                        ChannelId::Portal,
                        PROVIDER,
                        IIN,
                        "Асқар Нұрланұлы",
                    ))
                    .advance("p-1")
                    .record(f)
                    .record(link("p-1", &sha))
                    .record(note("p-1", 0)),
            )
            .unwrap();
        assert_eq!(store.stats().transactions, before + 1, "one transaction");
        assert!(!out.replayed);
        assert_eq!(
            out.written,
            vec![Written::Count(1), Written::Id(1), Written::Done]
        );
        let app = out.application.clone().unwrap();
        assert_eq!(store.application("p-1").unwrap(), Some(app.clone()));

        // Exactly the automatic steps ran: each outcome after the submission completed an
        // automatic step, and the application stops at the first person's step.
        let plan = ctx.plan(MEALS, 1, ChannelId::Portal).unwrap();
        let mut expected = vec![];
        let mut i = 0;
        while plan.steps[i].automatic {
            expected.push(i);
            i = plan.next(i).unwrap().index;
        }
        assert!(
            !expected.is_empty(),
            "the portal plan starts with automatic steps"
        );
        assert_eq!(app.step, i);
        assert!(!plan.steps[app.step].automatic);
        assert_eq!(app.status, Status::InProgress);
        let completed: Vec<usize> = out.outcomes[1..]
            .iter()
            .map(|o| match &o.events[0] {
                Event::StepCompleted { step, .. } => *step,
                e => panic!("not a step: {e:?}"),
            })
            .collect();
        assert_eq!(completed, expected);
        assert_eq!(out.outcomes.len(), 1 + expected.len());
        let events = store.events("p-1").unwrap();
        assert_eq!(
            events.len(),
            out.outcomes.iter().map(|o| o.events.len()).sum::<usize>()
        );
        assert_eq!(db.count("SELECT COUNT(*) FROM outbox"), events.len() as i64);

        // The records are there.
        let files = store.files("p-1").unwrap();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].sha256, sha);
        assert_eq!(
            store.file("p-1", 1).unwrap().unwrap().1,
            b"%PDF passport".to_vec()
        );
        assert_eq!(store.notes("p-1").unwrap().len(), 1);
        // The list row follows the application to the person's step.
        let row = store.list_row("p-1").unwrap().unwrap();
        assert_eq!(row.step, app.step);
        assert_eq!(row.holder_org.as_deref(), Some(PROVIDER));
        assert!(!row.automatic);
        assert!(store.verify_journal().unwrap().is_ok());
        assert_eq!(store.rebuild_views(false).unwrap().difference_count, 0);

        // Advancing an application at a person's step does nothing; an unknown one is refused.
        let again = store.act(Action::new(t()).advance("p-1")).unwrap();
        assert!(again.outcomes.is_empty());
        assert_eq!(again.application.as_ref(), Some(&app));
        assert_eq!(
            store.act(Action::new(t()).advance("nope")).unwrap_err(),
            StoreError::Rejected(Rejection::NoSuchApplication {
                application: "nope".into()
            })
        );
    });
}

#[test]
fn advance_goes_on_after_a_person_completes_and_closes_on_the_last_automatic_step() {
    each_db("act-advance", |db| {
        let store = open(db);
        let ctx = catalogue_ctx();
        let mut app = store
            .act(
                Action::new(t())
                    .command(submit_as(
                        "p-2",
                        MEALS,
                        ChannelId::Portal,
                        PROVIDER,
                        IIN,
                        "",
                    ))
                    .advance("p-2"),
            )
            .unwrap()
            .application
            .unwrap();
        let plan = ctx.plan(MEALS, 1, ChannelId::Portal).unwrap();
        let mut now = t();
        while app.status != Status::Closed {
            assert!(
                !plan.steps[app.step].automatic,
                "advance stopped at {}",
                app.step
            );
            now += 7.minutes();
            let out = store
                .act(
                    Action::new(now)
                        .command(done(&ctx, &app))
                        .advance(app.id.clone()),
                )
                .unwrap();
            // Every command after the first completed an automatic step.
            for o in &out.outcomes[1..] {
                let Event::StepCompleted { step, .. } = &o.events[0] else {
                    panic!("{:?}", o.events)
                };
                assert!(plan.steps[*step].automatic);
            }
            app = out.application.unwrap();
            assert_eq!(store.application(&app.id).unwrap().as_ref(), Some(&app));
        }
        assert_eq!(app.closure, Some(engine::Closure::Issued));
        assert_eq!(store.rebuild_views(false).unwrap().difference_count, 0);
    });
}

#[test]
fn a_rejected_second_command_leaves_nothing_and_the_key_is_free() {
    each_db("act-rejected", |db| {
        let store = open(db);
        let ctx = catalogue_ctx();
        let empty = footprint(db);
        let (f, sha) = file(b"scan");
        let submit = submit_as("o-1", MEALS, ChannelId::Office, PROVIDER, IIN, "Айгүл");
        // The office's first step belongs to the provider's office clerk: a head may not do it.
        let wrong = Command::Complete {
            application: "o-1".into(),
            step: 0,
            actor: Actor {
                role: "head".into(),
                org: PROVIDER.into(),
            },
            outcome: Decision::Done,
            presented: None,
        };
        let err = store
            .act(
                Action::new(t())
                    .command(submit.clone())
                    .record(f.clone())
                    .record(link("o-1", &sha))
                    .record(note("o-1", 0))
                    .command(wrong),
            )
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Rejected(Rejection::WrongRole { .. })
                    | StoreError::Rejected(Rejection::WrongOrganisation { .. })
            ),
            "{err:?}"
        );
        assert_eq!(footprint(db), empty, "nothing of the action is kept");
        assert_eq!(store.application("o-1").unwrap(), None);
        assert!(store.events("o-1").unwrap().is_empty());
        assert!(store.list_row("o-1").unwrap().is_none());
        assert_eq!(store.file_count().unwrap(), 0);
        assert!(store.notes("o-1").unwrap().is_empty());

        // The key was not remembered: the retry is decided afresh and succeeds.
        let app = store
            .execute(submit.clone(), t())
            .map(|o| {
                assert!(!o.replayed);
                o.application
            })
            .unwrap();
        let out = store
            .act(
                Action::new(t() + 1.minutes())
                    .command(done(&ctx, &app))
                    .record(f)
                    .record(link("o-1", &sha)),
            )
            .unwrap();
        assert_eq!(out.application.unwrap().step, 1);
        assert_eq!(store.files("o-1").unwrap().len(), 1);
        assert_eq!(store.rebuild_views(false).unwrap().difference_count, 0);
    });
}

#[test]
fn a_booking_on_a_taken_slot_fails_the_whole_action() {
    each_db("act-slot", |db| {
        let store = open(db);
        let ctx = catalogue_ctx();
        let start: Timestamp = "2019-12-10T05:00:00Z".parse().unwrap();
        store
            .act(Action::new(t()).record(Record::Slots {
                centre: "c-1".into(),
                starts: vec![start],
            }))
            .unwrap();
        let slot = store.slots(None, t(), t() + (30 * 24).hours()).unwrap()[0].id;
        let a = store
            .execute(
                submit_as(
                    "sc-a",
                    MEALS,
                    ChannelId::StateCorporation,
                    PROVIDER,
                    IIN,
                    "",
                ),
                t(),
            )
            .unwrap()
            .application;
        store
            .act(Action::new(t()).record(Record::Book {
                slot,
                application: a.id.clone(),
                account: 1,
                at: t(),
            }))
            .unwrap();
        let before = footprint(db);
        let submit_b = submit_as(
            "sc-b",
            MEALS,
            ChannelId::StateCorporation,
            PROVIDER,
            IIN,
            "",
        );
        let b_first = engine::apply(
            None,
            &engine::decide(None, &submit_b, t(), &ctx).unwrap()[0],
            &ctx,
        )
        .unwrap();
        let err = store
            .act(
                Action::new(t())
                    .command(submit_b.clone())
                    .command(done(&ctx, &b_first))
                    .record(note("sc-b", 0))
                    .record(Record::Book {
                        slot,
                        application: "sc-b".into(),
                        account: 2,
                        at: t(),
                    }),
            )
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::Conflict { rule, .. } if rule == "equeue.slot_taken"),
            "{err:?}"
        );
        assert_eq!(footprint(db), before);
        assert_eq!(store.application("sc-b").unwrap(), None);
        assert_eq!(store.booking("sc-a").unwrap().unwrap().slot, slot);
        assert!(store.booking("sc-b").unwrap().is_none());
        // Not remembered: the same key submits afresh.
        assert!(!store.execute(submit_b, t()).unwrap().replayed);
    });
}

#[test]
fn a_replayed_submission_writes_nothing_of_the_rest() {
    each_db("act-replay", |db| {
        let store = open(db);
        let ctx = catalogue_ctx();
        let submit = submit_as("r-1", MEALS, ChannelId::Office, PROVIDER, IIN, "");
        let first = store.act(Action::new(t()).command(submit.clone())).unwrap();
        let app = first.application.unwrap();
        // The application moves on after its submission.
        let moved = store
            .execute(done(&ctx, &app), t() + 1.minutes())
            .unwrap()
            .application;
        let before = footprint(db);
        let (f, sha) = file(b"again");
        // The same key under another application id.
        let mut retry = submit_as("r-2", MEALS, ChannelId::Office, PROVIDER, IIN, "");
        if let Command::Submit { key, .. } = &mut retry {
            *key = "key-r-1".into();
        }
        let out = store
            .act(
                Action::new(t() + 2.minutes())
                    .command(retry)
                    .record(f)
                    .record(link("r-1", &sha))
                    .record(note("r-1", 1))
                    .advance("r-1"),
            )
            .unwrap();
        assert!(out.replayed);
        assert!(out.written.is_empty());
        assert_eq!(out.outcomes.len(), 1);
        assert!(out.outcomes[0].replayed);
        assert_eq!(out.outcomes[0].events, first.outcomes[0].events);
        // The application as it is now, not as the first submission left it.
        assert_eq!(out.application, Some(moved));
        assert_eq!(footprint(db), before);
        assert_eq!(store.application("r-2").unwrap(), None);
        assert!(store.notes("r-1").unwrap().is_empty());
    });
}

#[test]
fn a_failing_action_does_not_disturb_the_others_of_its_batch() {
    each_db("act-batch", |db| {
        let store = open(db);
        let ctx = catalogue_ctx();
        let start: Timestamp = "2019-12-10T05:00:00Z".parse().unwrap();
        store
            .act(Action::new(t()).record(Record::Slots {
                centre: "c-1".into(),
                starts: vec![start],
            }))
            .unwrap();
        let slot = store.slots(None, t(), t() + (30 * 24).hours()).unwrap()[0].id;
        let mut largest = 0;
        for round in 0..30 {
            let ids: Vec<String> = (0..4).map(|i| format!("b{round}-{i}")).collect();
            // Application 0 holds the slot.
            let a0 = store
                .execute(
                    submit_as(
                        &ids[0],
                        MEALS,
                        ChannelId::StateCorporation,
                        PROVIDER,
                        IIN,
                        "",
                    ),
                    t(),
                )
                .unwrap()
                .application;
            store
                .act(Action::new(t()).record(Record::CancelBooking {
                    application: format!("b{}-0", round.max(1) - 1),
                    at: t(),
                }))
                .unwrap();
            store
                .act(Action::new(t()).record(Record::Book {
                    slot,
                    application: a0.id.clone(),
                    account: 1,
                    at: t(),
                }))
                .unwrap();
            let now = t() + 1.minutes();
            // Racing in one batch (usually): (a) completes a0's step; (b) completes a0's step too
            // and books the taken slot: it fails whatever the order; (c) submits a new
            // application with a key (b) also submits under another id; (d) a plain submission.
            let key_c = format!("shared-{round}");
            let sub = |id: &str, key: &str| Command::Submit {
                application: id.into(),
                regulation: MEALS.into(),
                channel: ChannelId::StateCorporation,
                provider: PROVIDER.into(),
                applicant_iin: IIN.into(),
                applicant_name: String::new(),
                key: key.into(),
                signature: None,
                reception: Default::default(),
                data: common::seed_data(MEALS),
            };
            let actions = vec![
                Action::new(now)
                    .command(done(&ctx, &a0))
                    .record(note(&a0.id, 0)),
                Action::new(now)
                    .command(sub(&format!("{}-b", ids[1]), &key_c))
                    .command(done(&ctx, &a0))
                    .record(Record::Book {
                        slot,
                        application: format!("{}-b", ids[1]),
                        account: 2,
                        at: now,
                    }),
                Action::new(now).command(sub(&ids[2], &key_c)),
                Action::new(now).command(sub(&ids[3], &format!("k-{}", ids[3]))),
            ];
            let barrier = Arc::new(Barrier::new(actions.len()));
            let handles: Vec<_> = actions
                .into_iter()
                .map(|a| {
                    let (store, barrier) = (store.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        store.act(a)
                    })
                })
                .collect();
            let r: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
            let a = r[0].as_ref().expect("(a) succeeds");
            assert!(!a.replayed);
            match &r[1] {
                Err(StoreError::Conflict { rule, .. }) => assert_eq!(rule, "equeue.slot_taken"),
                Err(StoreError::Rejected(Rejection::WrongStep { .. })) => {}
                Ok(o) => assert!(o.replayed, "(b) may only replay (c)'s submission: {o:?}"),
                Err(e) => panic!("(b): {e:?}"),
            }
            let c = r[2].as_ref().expect("(c) succeeds");
            assert!(
                !c.replayed,
                "(b) was rolled back: its key is not (c)'s first"
            );
            assert_eq!(c.outcomes[0].application.id, ids[2]);
            assert!(!r[3].as_ref().expect("(d) succeeds").replayed);
            // a0 moved exactly one step, with one note; (b)'s application never existed.
            assert_eq!(store.events(&a0.id).unwrap().len(), 2);
            assert_eq!(store.notes(&a0.id).unwrap().len(), 1);
            assert_eq!(store.application(&format!("{}-b", ids[1])).unwrap(), None);
            assert_eq!(store.booking(&a0.id).unwrap().unwrap().slot, slot);
            largest = largest.max(store.stats().largest_batch);
            if round >= 5 && largest >= 3 {
                break;
            }
        }
        assert!(largest >= 2, "the actions never shared a batch");
        assert_eq!(store.stats().failed_batches, 0);
        assert!(store.verify_journal().unwrap().is_ok());
        assert_eq!(store.rebuild_views(false).unwrap().difference_count, 0);
    });
}

#[test]
fn actions_and_commands_in_one_batch_keep_their_own_answers() {
    each_db("act-mixed", |db| {
        let store = open(db);
        let ctx = catalogue_ctx();
        let base = store
            .execute(
                submit_as("m-0", MEALS, ChannelId::Office, PROVIDER, IIN, ""),
                t(),
            )
            .unwrap()
            .application;
        // A failing action (a login taken) and commands queued at the same moment.
        store
            .act(Action::new(t()).record(Record::Account(account("taken", None))))
            .unwrap();
        let barrier = Arc::new(Barrier::new(2));
        let s1 = store.clone();
        let b1 = barrier.clone();
        let failing = std::thread::spawn(move || {
            b1.wait();
            s1.act(
                Action::new(t())
                    .command(submit_as(
                        "m-1",
                        MEALS,
                        ChannelId::Office,
                        PROVIDER,
                        IIN,
                        "",
                    ))
                    .record(Record::Account(account("taken", None))),
            )
        });
        barrier.wait();
        let results = store.execute_many(vec![
            (
                submit_as("m-2", MEALS, ChannelId::Office, PROVIDER, IIN, ""),
                t(),
            ),
            (done(&ctx, &base), t() + 1.minutes()),
        ]);
        let failed = failing.join().unwrap();
        assert!(
            matches!(&failed, Err(StoreError::Conflict { rule, .. }) if rule == "account.login_taken"),
            "{failed:?}"
        );
        assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
        assert_eq!(store.application("m-1").unwrap(), None);
        assert!(store.application("m-2").unwrap().is_some());
        assert_eq!(store.application("m-0").unwrap().unwrap().step, 1);
        assert_eq!(store.account_count().unwrap(), 1);
    });
}

pub fn account(login: &str, iin: Option<&str>) -> store::records::NewAccount {
    store::records::NewAccount {
        login: login.into(),
        kind: "staff".into(),
        iin: iin.map(String::from),
        name: login.into(),
        org: Some(PROVIDER.into()),
        roles: vec!["office_clerk".into()],
        phone: None,
        password_hash: "$argon2id$x".into(),
        created_at: t(),
    }
}

//! The preschool queue in the store: its events journalled in the action's transaction (one
//! hash chain), its state replayed on attach, a refused op undoing the queue too, and
//! organisations declaring places at the same time never giving one child two referrals.

mod common;

use calendar::Calendar;
use common::*;
use jiff::Timestamp;
use jiff::civil::date;
use queue::{Command, Entry, Event, Queue, Rules};
use regulation::ChannelId;
use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use store::{Action, Store, StoreError, entry_hash};

fn empty_queue() -> Queue {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../queues/astana.toml"
    ))
    .unwrap();
    Queue::new(Rules::from_toml_str(&text).unwrap(), Calendar::kz().clone())
}

fn open(db: &Db) -> Arc<dyn Store> {
    let s = db.open(ctx());
    s.attach_queue(empty_queue()).unwrap();
    s
}

fn at(s: &str) -> Timestamp {
    format!("{s}+05:00").parse().unwrap()
}

fn enter(id: &str, iin: &str) -> Command {
    Command::Enter(Entry {
        child: id.into(),
        iin: iin.into(),
        birth_date: date(2016, 3, 1),
        district: "esil".into(),
        category: "general".into(),
        proof_date: None,
        language: None,
        preferred: vec![],
    })
}

fn declare(org: &str, count: u32) -> Command {
    Command::DeclarePlaces {
        organisation: org.into(),
        group: "y3".into(),
        language: "kk".into(),
        count,
    }
}

fn number(s: &Arc<dyn Store>, id: &str) -> Option<u32> {
    s.queue().read(|q| q.number(id)).flatten()
}

#[test]
fn queue_events_are_journalled_chained_and_replayed_on_attach() {
    each_db("queue-replay", |db| {
        {
            let s = open(db);
            for i in 0..5 {
                let out = s
                    .act(
                        Action::new(at("2019-12-02T10:00:00"))
                            .by("district.office_clerk")
                            .queue(enter(&format!("c{i}"), &format!("iin{i}"))),
                    )
                    .unwrap();
                // (The first also begins the preschool year.)
                assert!(matches!(
                    out.queue_events.last(),
                    Some(Event::Entered { .. })
                ));
            }
            assert_eq!(number(&s, "c3"), Some(4));
            let out = s
                .act(
                    Action::new(at("2019-12-03T10:00:00"))
                        .by("district.executor")
                        .queue(declare("esil-ds-1", 1)),
                )
                .unwrap();
            assert!(
                out.queue_events
                    .iter()
                    .any(|e| matches!(e, Event::ReferralIssued { child, .. } if child == "c0"))
            );
            assert_eq!(number(&s, "c3"), Some(3), "the first child left the line");
            let c0 = s.queue_events("c0").unwrap();
            assert_eq!(c0.len(), 2, "entered, then referred");
            assert!(matches!(c0[0].event, Event::Entered { .. }));
            assert_eq!(c0[0].actor.as_deref(), Some("district.office_clerk"));
            assert!(matches!(c0[1].event, Event::ReferralIssued { .. }));
            assert_eq!(c0[1].actor.as_deref(), Some("district.executor"));
        }
        // Reopened: the same state from the journal.
        let s = open(db);
        assert_eq!(number(&s, "c3"), Some(3));
        assert_eq!(number(&s, "c0"), None);
        assert_eq!(s.queue().read(|q| q.referrals().len()), Some(1));
        // The chain holds from genesis.
        let rows = db.rows(
            "SELECT CAST(seq AS TEXT), event, prev_hash, hash FROM queue_events ORDER BY seq",
        );
        assert!(rows.len() >= 7);
        let mut prev = store::GENESIS.to_string();
        for r in rows {
            let (seq, json, p, h) = (r[0].parse::<i64>().unwrap(), &r[1], &r[2], r[3].clone());
            assert_eq!(*p, prev, "entry {seq} links to the previous one");
            assert_eq!(Some(h.clone()), entry_hash(&prev, "queue", seq, json));
            prev = h;
        }
    });
}

#[test]
fn a_refused_queue_command_names_the_field_and_changes_nothing() {
    each_db("queue-refused", |db| {
        let s = open(db);
        s.act(Action::new(at("2019-12-02T10:00:00")).queue(enter("c1", "iin1")))
            .unwrap();
        // Same child IIN in the same district: refused, nothing of the action written.
        let err = s
            .act(
                Action::new(at("2019-12-02T11:00:00"))
                    .command(submit("app-x", ChannelId::StateCorporation, "k-x"))
                    .queue(enter("c2", "iin1")),
            )
            .unwrap_err();
        match err {
            StoreError::Queue { field, rule } => {
                assert_eq!(field, "iin");
                assert!(rule.contains("already"), "{rule}");
            }
            e => panic!("unexpected {e:?}"),
        }
        assert!(
            s.application("app-x").unwrap().is_none(),
            "the submission was undone too"
        );
        assert_eq!(s.queue().read(|q| q.len()), Some(1));
    });
}

#[test]
fn a_queue_command_undone_by_a_later_refused_op_leaves_the_queue_as_journalled() {
    each_db("queue-undo", |db| {
        let s = open(db);
        s.act(Action::new(at("2019-12-02T10:00:00")).queue(enter("c1", "iin1")))
            .unwrap();
        // The queue takes c2, then the engine refuses a command on an unknown application.
        let err = s
            .act(
                Action::new(at("2019-12-02T11:00:00"))
                    .queue(enter("c2", "iin2"))
                    .command(engine::Command::Complete {
                        application: "nope".into(),
                        step: 0,
                        actor: engine::Actor {
                            role: "office_clerk".into(),
                            org: PROVIDER.into(),
                        },
                        outcome: engine::Outcome::Done,
                        presented: None,
                    }),
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::Rejected(_)), "{err:?}");
        assert_eq!(number(&s, "c2"), None, "the queue no longer has c2");
        assert_eq!(s.queue().read(|q| q.len()), Some(1));
        assert!(s.queue_events("c2").unwrap().is_empty());
        // And c2 may enter again.
        s.act(Action::new(at("2019-12-02T12:00:00")).queue(enter("c2", "iin2")))
            .unwrap();
        assert_eq!(number(&s, "c2"), Some(2));
    });
}

#[test]
fn without_an_attached_queue_queue_ops_are_refused() {
    each_db("queue-none", |db| {
        let s = db.open(ctx());
        let err = s
            .act(Action::new(at("2019-12-02T10:00:00")).queue(enter("c1", "iin1")))
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Queue { ref field, .. } if field == "queue"),
            "{err:?}"
        );
    });
}

#[test]
fn concurrent_declarations_never_give_a_child_two_referrals_or_a_place_twice() {
    each_db("queue-race", |db| {
        let s = open(db);
        // On PostgreSQL, a second store (node) on the same schema declares too.
        let nodes = [s.clone(), if db.is_pg() { open(db) } else { s.clone() }];
        let children = 60;
        for i in 0..children {
            s.act(
                Action::new(at("2019-12-02T10:00:00"))
                    .queue(enter(&format!("c{i:02}"), &format!("iin{i}"))),
            )
            .unwrap();
        }
        // Two organisations of the district, several declarations each, all at once.
        let threads = 8;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                let s = nodes[k % 2].clone();
                let b = barrier.clone();
                std::thread::spawn(move || {
                    b.wait();
                    let org = if k % 2 == 0 { "esil-ds-1" } else { "esil-ds-2" };
                    let mut got = vec![];
                    for _ in 0..3 {
                        let out = s
                            .act(Action::new(at("2019-12-03T10:00:00")).queue(declare(org, 3)))
                            .unwrap();
                        got.extend(out.queue_events);
                    }
                    got
                })
            })
            .collect();
        let events: Vec<Event> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        let issued: Vec<(String, u64)> = events
            .iter()
            .filter_map(|e| match e {
                Event::ReferralIssued { child, place, .. } => Some((child.clone(), *place)),
                _ => None,
            })
            .collect();
        // 8 threads × 3 declarations × 3 places = 72 places for 60 children.
        assert_eq!(issued.len(), children, "every child got a place, none more");
        let kids: HashSet<_> = issued.iter().map(|(c, _)| c.clone()).collect();
        let places: HashSet<_> = issued.iter().map(|(_, p)| *p).collect();
        assert_eq!(kids.len(), issued.len(), "no child has two referrals");
        assert_eq!(places.len(), issued.len(), "no place is given twice");
        // The journal, replayed, says the same.
        drop((s, nodes));
        let s = open(db);
        assert_eq!(s.queue().read(|q| q.open_places()), Some(72 - children));
        assert_eq!(s.queue().read(|q| q.referrals().len()), Some(children));
    });
}

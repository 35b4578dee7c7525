//! After any sequence of applications, category changes, place declarations, acceptances,
//! declines, enrolments, withdrawals and the passing of time, every line's numbers are exactly
//! 1..n, only waiting children have one, no child holds two referrals and no place is given
//! twice; replaying the events gives the same queue.

use std::collections::{HashMap, HashSet};

use calendar::Calendar;
use jiff::civil::date;
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use queue::{Command, Entry, Event, Queue, ReferralState, Rules, Status};

fn rules() -> Rules {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../queues/astana.toml"
    ))
    .unwrap();
    Rules::from_toml_str(&text).unwrap()
}

const CATEGORIES: [&str; 4] = [
    "general",
    "priority_orphan",
    "extraordinary_service",
    "priority_large_family",
];
const ORGS: [(&str, &str); 3] = [
    ("esil-ds-1", "kk"),
    ("esil-ds-2", "kk"),
    ("esil-ds-1", "ru"),
];

#[derive(Debug, Clone)]
enum Op {
    Enter {
        born: u8,
        category: u8,
        lang: u8,
        prefer: bool,
    },
    Change {
        child: u8,
        category: u8,
    },
    Declare {
        org: u8,
        group: u8,
        count: u8,
    },
    Accept(u8),
    Extend(u8),
    Decline(u8),
    Enrol(u8),
    Withdraw(u8),
    Wait(u16),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..40, 0u8..4, 0u8..3, any::<bool>()).prop_map(|(born, category, lang, prefer)| Op::Enter { born, category, lang, prefer }),
        1 => (any::<u8>(), 0u8..4).prop_map(|(child, category)| Op::Change { child, category }),
        2 => (0u8..3, 0u8..3, 1u8..4).prop_map(|(org, group, count)| Op::Declare { org, group, count }),
        2 => any::<u8>().prop_map(Op::Accept),
        1 => any::<u8>().prop_map(Op::Extend),
        1 => any::<u8>().prop_map(Op::Decline),
        1 => any::<u8>().prop_map(Op::Enrol),
        1 => any::<u8>().prop_map(Op::Withdraw),
        2 => (1u16..2000).prop_map(Op::Wait),
    ]
}

fn check(q: &Queue, children: &[String], declared: u64) -> Result<(), TestCaseError> {
    for d in ["esil", "almaty"] {
        for g in q.groups(d) {
            let mut ranks: Vec<u32> = q.line(d, &g).iter().map(|p| p.rank).collect();
            ranks.sort_unstable();
            let n = u32::try_from(ranks.len()).unwrap();
            prop_assert_eq!(ranks, (1..=n).collect::<Vec<_>>(), "line {} {}", d, g);
        }
    }
    for id in children {
        let c = q.child(id).unwrap();
        let waiting = matches!(c.status, Status::Waiting | Status::StopListed { .. });
        // Waiting children without an age group (none here: all are 0–5) would have none.
        prop_assert_eq!(q.number(id).is_some(), waiting, "{} {:?}", id, c.status);
    }
    let mut holders = HashSet::new();
    let mut places = HashSet::new();
    let mut live = 0u64;
    for r in q.referrals() {
        if matches!(
            r.state,
            ReferralState::Issued | ReferralState::Accepted | ReferralState::Enrolled
        ) {
            prop_assert!(places.insert(r.place), "place {} given twice", r.place);
            live += 1;
        }
        if matches!(r.state, ReferralState::Issued | ReferralState::Accepted) {
            prop_assert!(
                holders.insert(r.child.clone()),
                "{} holds two referrals",
                r.child
            );
            prop_assert_eq!(
                q.child(&r.child).unwrap().status,
                Status::Referred { referral: r.id }
            );
        }
    }
    prop_assert_eq!(
        live + q.open_places() as u64,
        declared,
        "places lost or made"
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn numbers_are_one_to_n_and_no_place_is_given_twice(ops in prop::collection::vec(op(), 1..80)) {
        let mut q = Queue::new(rules(), Calendar::kz().clone());
        let mut at: Timestamp = "2025-10-01T09:00:00+05:00".parse().unwrap();
        let mut journal: Vec<Event> = vec![];
        let mut children: Vec<String> = vec![];
        let mut declared = 0u64;
        for o in ops {
            at += SignedDuration::from_mins(7);
            let pick = |i: u8| children.get(i as usize % children.len().max(1)).cloned();
            let referral = |i: u8| {
                let n = q.referrals().len() as u64;
                (n > 0).then(|| u64::from(i) % n + 1)
            };
            let cmd = match o {
                Op::Enter { born, category, lang, prefer } => {
                    let id = format!("c{}", children.len());
                    let category = CATEGORIES[category as usize].to_string();
                    let local = at.to_zoned_datetime(Calendar::kz().time_zone().clone()).date();
                    Some(Command::Enter(Entry {
                        child: id,
                        iin: format!("iin{}", children.len() % 7),
                        birth_date: date(2021, 1, 1).checked_add(jiff::Span::new().days(i64::from(born) * 30)).unwrap(),
                        district: if born % 5 == 0 { "almaty".into() } else { "esil".into() },
                        proof_date: (category == "extraordinary_service").then_some(local),
                        category,
                        language: [None, Some("kk".to_string()), Some("ru".to_string())][lang as usize].clone(),
                        preferred: if prefer && born % 5 != 0 { vec!["esil-ds-2".into()] } else { vec![] },
                    }))
                }
                Op::Change { child, category } => pick(child).map(|c| Command::ChangeCategory {
                    child: c,
                    category: CATEGORIES[category as usize].into(),
                    proof_date: Some(at.to_zoned_datetime(Calendar::kz().time_zone().clone()).date()),
                }),
                Op::Declare { org, group, count } => Some(Command::DeclarePlaces {
                    organisation: ORGS[org as usize].0.into(),
                    group: ["y2", "y3", "y4"][group as usize].into(),
                    language: ORGS[org as usize].1.into(),
                    count: u32::from(count),
                }),
                Op::Accept(i) => referral(i).map(|referral| Command::Accept { referral }),
                Op::Extend(i) => referral(i).map(|referral| Command::Extend { referral }),
                Op::Decline(i) => referral(i).map(|referral| Command::Decline { referral }),
                Op::Enrol(i) => referral(i).map(|referral| Command::Enrol { referral }),
                Op::Withdraw(i) => pick(i).map(|child| Command::Withdraw { child }),
                Op::Wait(h) => {
                    at += SignedDuration::from_hours(i64::from(h));
                    journal.extend(q.advance(at));
                    None
                }
            };
            if let Some(cmd) = cmd {
                let before = q.referrals().len();
                match q.handle(&cmd, at) {
                    Ok(ev) => {
                        for e in &ev {
                            match e {
                                Event::Entered { entry, .. } => children.push(entry.child.clone()),
                                Event::PlacesDeclared { count, .. } => declared += u64::from(*count),
                                _ => {}
                            }
                        }
                        journal.extend(ev);
                    }
                    // A refused command changes nothing.
                    Err(_) => prop_assert_eq!(q.referrals().len(), before),
                }
            }
            check(&q, &children, declared)?;
        }
        let mut r = Queue::new(rules(), Calendar::kz().clone());
        for e in &journal {
            r.apply(e);
        }
        let numbers = |q: &Queue| children.iter().map(|c| q.number(c)).collect::<Vec<_>>();
        prop_assert_eq!(numbers(&q), numbers(&r));
        let states = |q: &Queue| q.referrals().iter().map(|x| (x.child.clone(), x.state)).collect::<HashMap<_, _>>();
        prop_assert_eq!(states(&q), states(&r));
    }
}

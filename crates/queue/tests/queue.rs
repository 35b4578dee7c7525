//! The queue's rules on the Astana rules file: order, referrals, time.

use calendar::Calendar;
use jiff::Timestamp;
use jiff::civil::{Date, date};
use queue::{
    CategoryReason, Choice, Command, Entry, Event, Queue, QueueError, ReferralState, Rules, Skip,
    Status, Tier,
};

fn rules() -> Rules {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../queues/astana.toml"
    ))
    .unwrap();
    Rules::from_toml_str(&text).unwrap()
}

fn t(s: &str) -> Timestamp {
    format!("{s}+05:00").parse().unwrap()
}

fn queue() -> Queue {
    Queue::new(rules(), Calendar::kz().clone())
}

fn entry(id: &str, birth: Date, category: &str) -> Entry {
    Entry {
        child: id.into(),
        iin: format!("iin-{id}"),
        birth_date: birth,
        district: "esil".into(),
        category: category.into(),
        proof_date: None,
        language: None,
        preferred: vec![],
    }
}

/// A three-year-old on 1 September 2025 (group y3).
fn three() -> Date {
    date(2022, 3, 1)
}

fn enter(q: &mut Queue, id: &str, category: &str, at: &str) {
    let mut e = entry(id, three(), category);
    if category == "extraordinary_service" {
        e.proof_date = Some(
            t(at)
                .to_zoned_datetime(Calendar::kz().time_zone().clone())
                .date(),
        );
    }
    q.handle(&Command::Enter(e), t(at)).unwrap();
}

fn declare(q: &mut Queue, n: u32, at: &str) -> Vec<Event> {
    q.handle(
        &Command::DeclarePlaces {
            organisation: "esil-ds-1".into(),
            group: "y3".into(),
            language: "kk".into(),
            count: n,
        },
        t(at),
    )
    .unwrap()
}

fn issued(events: &[Event]) -> Vec<(String, Choice)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ReferralIssued { child, choice, .. } => Some((child.clone(), *choice)),
            _ => None,
        })
        .collect()
}

fn numbers(q: &Queue, ids: &[&str]) -> Vec<Option<u32>> {
    ids.iter().map(|id| q.number(id)).collect()
}

#[test]
fn order_is_extraordinary_then_priority_and_general_one_to_three_by_date() {
    let mut q = queue();
    enter(&mut q, "g1", "general", "2025-10-01T09:00:00");
    enter(&mut q, "g2", "general", "2025-10-01T09:01:00");
    enter(&mut q, "p1", "priority_orphan", "2025-10-01T09:02:00");
    enter(&mut q, "g3", "general", "2025-10-01T09:03:00");
    enter(&mut q, "g4", "general", "2025-10-01T09:04:00");
    enter(&mut q, "p2", "priority_large_family", "2025-10-01T09:05:00");
    enter(&mut q, "e1", "extraordinary_service", "2025-10-02T09:00:00");
    // e1 first though latest; then P G G G P …
    assert_eq!(
        numbers(&q, &["e1", "p1", "g1", "g2", "g3", "p2", "g4"]),
        [1, 2, 3, 4, 5, 6, 7].map(Some)
    );
    // Referrals follow the numbers exactly.
    let ev = declare(&mut q, 7, "2025-10-03T10:00:00");
    let got: Vec<String> = issued(&ev).into_iter().map(|x| x.0).collect();
    assert_eq!(got, ["e1", "p1", "g1", "g2", "g3", "p2", "g4"]);
    let choices: Vec<Choice> = issued(&ev).into_iter().map(|x| x.1).collect();
    assert_eq!(choices[0], Choice::Extraordinary);
    assert_eq!(
        choices[1],
        Choice::Ratio {
            slot: Tier::Priority,
            given: Tier::Priority
        }
    );
    // After p2 the ratio's turn is general: g4 is a general slot.
    assert_eq!(
        choices[6],
        Choice::Ratio {
            slot: Tier::General,
            given: Tier::General
        }
    );
}

#[test]
fn ratio_continues_where_the_last_referral_left_it_and_ties_go_by_registration() {
    let mut q = queue();
    // Same instant for all: registration order breaks the tie.
    for id in ["g1", "g2", "g3", "g4", "g5"] {
        enter(&mut q, id, "general", "2025-10-01T09:00:00");
    }
    enter(&mut q, "p1", "priority_orphan", "2025-10-01T09:00:00");
    enter(&mut q, "p2", "priority_orphan", "2025-10-01T09:00:00");
    assert_eq!(
        numbers(&q, &["p1", "g1", "g2", "g3", "p2", "g4", "g5"]),
        [1, 2, 3, 4, 5, 6, 7].map(Some)
    );
    // Two places: p1 (priority turn), g1 (general turn). The next turn is general.
    let ev = declare(&mut q, 2, "2025-10-02T10:00:00");
    assert_eq!(issued(&ev).len(), 2);
    assert_eq!(
        numbers(&q, &["g2", "g3", "p2", "g4", "g5"]),
        [1, 2, 3, 4, 5].map(Some)
    );
    // No priority child left after p2: general children take the priority turns.
    let ev = declare(&mut q, 3, "2025-10-02T11:00:00");
    let got: Vec<String> = issued(&ev).into_iter().map(|x| x.0).collect();
    assert_eq!(got, ["g2", "g3", "p2"]);
    let ev = declare(&mut q, 1, "2025-10-02T12:00:00");
    assert_eq!(
        issued(&ev)[0].1,
        Choice::Ratio {
            slot: Tier::General,
            given: Tier::General
        }
    );
}

#[test]
fn category_change_moves_the_child_and_history_says_why() {
    let mut q = queue();
    for id in ["g1", "g2", "g3", "g4", "g5"] {
        enter(&mut q, id, "general", "2025-10-01T09:00:00");
    }
    assert_eq!(q.number("g5"), Some(5));
    let ev = q
        .handle(
            &Command::ChangeCategory {
                child: "g5".into(),
                category: "priority_special_needs".into(),
                proof_date: None,
            },
            t("2025-10-05T09:00:00"),
        )
        .unwrap();
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::CategoryChanged {
            reason: CategoryReason::Request,
            ..
        }
    )));
    assert_eq!(q.number("g5"), Some(1));
    assert_eq!(q.number("g1"), Some(2));
    let h = q.history("g5");
    assert_eq!(h.first().map(|c| c.number), Some(5));
    assert_eq!(h.last().map(|c| c.number), Some(1));
    assert!(matches!(
        h.last().unwrap().change,
        queue::Change::Moved {
            number: 5,
            tier: Tier::Priority
        }
    ));
    // g1 was pushed back by it.
    let h1 = q.history("g1");
    assert_eq!(h1.iter().map(|c| c.number).collect::<Vec<_>>(), [1, 2]);
}

#[test]
fn an_expired_proof_returns_the_child_to_the_general_tier() {
    let mut q = queue();
    enter(&mut q, "g1", "general", "2025-10-01T09:00:00");
    enter(&mut q, "e1", "extraordinary_service", "2025-10-02T09:00:00");
    assert_eq!(q.number("e1"), Some(1));
    // The certificate of 2 October is valid 30 days: still on 1 November.
    assert!(q.advance(t("2025-11-01T09:00:00")).is_empty());
    let ev = q.advance(t("2025-11-02T09:00:00"));
    assert!(ev.iter().any(|e| matches!(
        e,
        Event::CategoryChanged { child, reason: CategoryReason::ProofExpired, category, .. }
            if child == "e1" && category == "general"
    )));
    assert_eq!(numbers(&q, &["g1", "e1"]), [Some(1), Some(2)]);
    // An expired proof is refused at entry, naming the field.
    let mut late = entry("e2", three(), "extraordinary_service");
    late.proof_date = Some(date(2025, 9, 1));
    let err = q
        .handle(&Command::Enter(late), t("2025-11-02T10:00:00"))
        .unwrap_err();
    assert!(matches!(
        err,
        QueueError::Refused {
            field: "proof_date",
            ..
        }
    ));
}

fn referral_of(ev: &[Event]) -> u64 {
    ev.iter()
        .find_map(|e| match e {
            Event::ReferralIssued { referral, .. } => Some(*referral),
            _ => None,
        })
        .expect("a referral")
}

#[test]
fn a_lapsed_referral_passes_the_place_on_and_stop_lists_the_child() {
    let mut q = queue();
    enter(&mut q, "a", "general", "2025-10-01T09:00:00");
    enter(&mut q, "b", "general", "2025-10-01T09:05:00");
    // Friday 3 October 2025: three working days → Wednesday 8 October, end of day.
    let ev = declare(&mut q, 1, "2025-10-03T10:00:00");
    let r = referral_of(&ev);
    let referral = q.referral(r).unwrap().clone();
    assert_eq!(referral.accept_by, t("2025-10-09T00:00:00"));
    assert_eq!(q.number("b"), Some(1));
    assert!(q.advance(t("2025-10-08T23:59:00")).is_empty());
    let ev = q.advance(t("2025-10-09T00:00:01"));
    assert!(matches!(ev[0], Event::ReferralLapsed { referral, .. } if referral == r));
    // The place went to b; a is back at number 1 but stop-listed for 10 days.
    assert_eq!(issued(&ev)[0].0, "b");
    assert_eq!(q.number("a"), Some(1));
    assert!(matches!(
        q.child("a").unwrap().status,
        Status::StopListed { .. }
    ));
    // A new place while a is stop-listed skips a, saying why.
    enter(&mut q, "c", "general", "2025-10-09T09:00:00");
    let ev = declare(&mut q, 1, "2025-10-09T10:00:00");
    let Event::ReferralIssued {
        child,
        skipped,
        rank,
        ..
    } = ev
        .iter()
        .find(|e| matches!(e, Event::ReferralIssued { .. }))
        .unwrap()
    else {
        unreachable!()
    };
    assert_eq!(child, "c");
    assert_eq!(*rank, 2);
    assert_eq!(skipped, &vec![("a".to_string(), Skip::StopList)]);
    // Accepting after the term is refused.
    let err = q
        .handle(&Command::Accept { referral: r }, t("2025-10-10T09:00:00"))
        .unwrap_err();
    assert!(matches!(
        err,
        QueueError::Refused {
            field: "referral",
            ..
        }
    ));
    // The stop list ends after 10 days.
    let ev = q.advance(t("2025-10-20T00:00:01"));
    assert!(ev.iter().any(|e| matches!(e, Event::StopListEnded { .. })));
}

#[test]
fn decline_returns_the_child_at_their_date_and_the_place_passes_on() {
    let mut q = queue();
    enter(&mut q, "a", "general", "2025-10-01T09:00:00");
    enter(&mut q, "b", "general", "2025-10-01T09:05:00");
    let r = referral_of(&declare(&mut q, 1, "2025-10-03T10:00:00"));
    let ev = q
        .handle(&Command::Decline { referral: r }, t("2025-10-06T10:00:00"))
        .unwrap();
    assert_eq!(q.referral(r).unwrap().state, ReferralState::Declined);
    assert_eq!(issued(&ev)[0].0, "b");
    assert_eq!(q.number("a"), Some(1));
    assert_eq!(q.child("a").unwrap().status, Status::Waiting);
    // If b declines too, the place is not offered to a again.
    let r2 = q.referrals()[1].id;
    let ev = q
        .handle(&Command::Decline { referral: r2 }, t("2025-10-06T11:00:00"))
        .unwrap();
    assert!(issued(&ev).is_empty());
    assert_eq!(q.open_places(), 1);
    // A place of its own goes to a.
    let ev = declare(&mut q, 1, "2025-10-06T12:00:00");
    assert_eq!(issued(&ev)[0].0, "a");
}

#[test]
fn enrolment_takes_the_child_out_and_the_extension_gives_thirty_days() {
    let mut q = queue();
    enter(&mut q, "a", "general", "2025-10-01T09:00:00");
    let r = referral_of(&declare(&mut q, 1, "2025-10-03T10:00:00"));
    q.handle(&Command::Accept { referral: r }, t("2025-10-06T10:00:00"))
        .unwrap();
    assert_eq!(
        q.referral(r).unwrap().enrol_by,
        Some(t("2025-10-12T00:00:00"))
    );
    q.handle(&Command::Extend { referral: r }, t("2025-10-07T10:00:00"))
        .unwrap();
    assert_eq!(
        q.referral(r).unwrap().enrol_by,
        Some(t("2025-11-06T00:00:00"))
    );
    // Past the first term, inside the extension: no lapse.
    assert!(q.advance(t("2025-10-20T10:00:00")).is_empty());
    q.handle(&Command::Enrol { referral: r }, t("2025-10-21T10:00:00"))
        .unwrap();
    assert!(matches!(
        q.child("a").unwrap().status,
        Status::Enrolled { .. }
    ));
    assert_eq!(q.number("a"), None);
    // Enrolled: the same child may not be enrolled twice.
    assert!(
        q.handle(&Command::Enrol { referral: r }, t("2025-10-21T11:00:00"))
            .is_err()
    );
}

#[test]
fn children_leave_for_school_on_the_first_of_september() {
    let mut q = queue();
    // Five on 1 September 2025, six on 1 September 2026.
    q.handle(
        &Command::Enter(entry("old", date(2020, 5, 10), "general")),
        t("2025-10-01T09:00:00"),
    )
    .unwrap();
    enter(&mut q, "young", "general", "2025-10-01T09:00:00");
    assert_eq!(q.number("old"), Some(1));
    let ev = q.advance(t("2026-09-01T00:30:00"));
    assert!(matches!(ev[0], Event::YearBegan { year: 2026, .. }));
    assert!(
        ev.iter()
            .any(|e| matches!(e, Event::AgedOut { child, .. } if child == "old"))
    );
    assert_eq!(q.child("old").unwrap().status, Status::AgedOut);
    assert_eq!(q.number("young"), Some(1));
    // A child of school age is refused at entry.
    let err = q
        .handle(
            &Command::Enter(entry("too-old", date(2020, 1, 1), "general")),
            t("2026-09-02T09:00:00"),
        )
        .unwrap_err();
    assert!(matches!(
        err,
        QueueError::Refused {
            field: "birth_date",
            ..
        }
    ));
}

#[test]
fn no_places_in_august_and_children_under_two_wait() {
    let mut q = queue();
    enter(&mut q, "a", "general", "2026-07-01T09:00:00");
    let err = q
        .handle(
            &Command::DeclarePlaces {
                organisation: "esil-ds-1".into(),
                group: "y3".into(),
                language: "kk".into(),
                count: 1,
            },
            t("2026-08-15T10:00:00"),
        )
        .unwrap_err();
    assert!(matches!(err, QueueError::Refused { field: "at", .. }));
    // A place freed in August waits for September.
    let r = referral_of(&declare(&mut q, 1, "2026-07-30T10:00:00"));
    // Two on 1 September 2025 (y2), three on 1 September 2026: y3 then.
    q.handle(
        &Command::Enter(entry("b", date(2023, 3, 1), "general")),
        t("2026-07-30T11:00:00"),
    )
    .unwrap();
    let ev = q
        .handle(&Command::Decline { referral: r }, t("2026-08-03T10:00:00"))
        .unwrap();
    assert!(issued(&ev).is_empty());
    assert_eq!(q.open_places(), 1);
    let ev = q.advance(t("2026-09-01T09:00:00"));
    // A new year, new lines: the ratio starts at a priority turn, no priority child in y3.
    assert_eq!(
        issued(&ev),
        [(
            "b".to_string(),
            Choice::Ratio {
                slot: Tier::Priority,
                given: Tier::General
            }
        )]
    );
    // Under two: in the line, never referred.
    let mut baby = entry("baby", date(2026, 1, 1), "general");
    baby.district = "nura".into();
    q.handle(&Command::Enter(baby), t("2026-09-02T09:00:00"))
        .unwrap();
    let ev = q
        .handle(
            &Command::DeclarePlaces {
                organisation: "nura-ds-1".into(),
                group: "y0".into(),
                language: "ru".into(),
                count: 1,
            },
            t("2026-09-02T10:00:00"),
        )
        .unwrap();
    assert!(issued(&ev).is_empty());
    assert_eq!(q.number("baby"), Some(1));
}

#[test]
fn one_position_per_district_and_places_declared_together_never_double() {
    let mut q = queue();
    enter(&mut q, "a", "general", "2025-10-01T09:00:00");
    let mut again = entry("a2", three(), "general");
    again.iin = "iin-a".into();
    let err = q
        .handle(&Command::Enter(again.clone()), t("2025-10-01T10:00:00"))
        .unwrap_err();
    assert!(matches!(err, QueueError::Refused { field: "iin", .. }));
    again.district = "almaty".into();
    q.handle(&Command::Enter(again), t("2025-10-01T10:00:00"))
        .unwrap();
    // Two organisations declare at the same instant: one child, one referral.
    let mut ev = declare(&mut q, 1, "2025-10-02T10:00:00");
    ev.extend(
        q.handle(
            &Command::DeclarePlaces {
                organisation: "esil-ds-2".into(),
                group: "y3".into(),
                language: "kk".into(),
                count: 1,
            },
            t("2025-10-02T10:00:00"),
        )
        .unwrap(),
    );
    assert_eq!(issued(&ev).len(), 1);
    assert_eq!(q.open_places(), 1);
}

#[test]
fn replaying_the_events_gives_the_same_queue() {
    let mut q = queue();
    let mut journal = vec![];
    for (i, c) in ["general", "priority_orphan", "general", "general"]
        .iter()
        .enumerate()
    {
        let e = entry(&format!("c{i}"), three(), c);
        journal.extend(
            q.handle(&Command::Enter(e), t("2025-10-01T09:00:00"))
                .unwrap(),
        );
    }
    journal.extend(declare(&mut q, 2, "2025-10-02T10:00:00"));
    journal.extend(q.advance(t("2025-10-20T10:00:00")));
    let text = serde_json::to_string(&journal).unwrap();
    let back: Vec<Event> = serde_json::from_str(&text).unwrap();
    let mut r = queue();
    for e in &back {
        r.apply(e);
    }
    for i in 0..4 {
        let id = format!("c{i}");
        assert_eq!(q.number(&id), r.number(&id), "{id}");
        assert_eq!(q.child(&id).unwrap().status, r.child(&id).unwrap().status);
    }
    assert_eq!(q.referrals().len(), r.referrals().len());
}

#[test]
fn bad_rules_are_refused_naming_the_field() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../queues/astana.toml"
    ))
    .unwrap();
    let bad = text.replace("ratio = [1, 3]", "ratio = [0, 3]");
    let err = Rules::from_toml_str(&bad).unwrap_err();
    assert!(err.to_string().contains("order.ratio"), "{err}");
    let bad = text.replace("district = \"nura\"", "district = \"mars\"");
    let err = Rules::from_toml_str(&bad).unwrap_err();
    assert!(err.to_string().contains("nura-ds-1.district"), "{err}");
}

//! When an application counts as accepted, per channel, through the engine on the real
//! calendar and `calendars/schedules.toml` (docs/legal-time.md, "Acceptance"). Every expected
//! date is computed by hand here. Times are Asia/Almaty (UTC+6 in 2019-2020).
//!
//! December 2019: 14-15 a weekend, 16-17 Independence Day. January 2020: 1-2 New Year, Friday
//! 3 a day off by decree No. 820 for the working Sunday 5, 7 Orthodox Christmas.
//! Office (and intermediary) hours Mon-Fri 09:00-13:00, 14:30-18:30; State Corporation centres
//! Mon-Sat 09:00-20:00; the portal takes requests around the clock and registers them at the
//! provider's next working opening.

use engine::*;
use jiff::Timestamp;
use regulation::ChannelId;
use std::sync::Arc;

fn ctx() -> Arc<Ctx> {
    testkit::seed_ctx()
}

/// Almaty local time "2019-12-10 08:59" as an instant.
fn almaty(s: &str) -> Timestamp {
    let dt: jiff::civil::DateTime = s.replace(' ', "T").parse().unwrap();
    dt.to_zoned_datetime(calendar::almaty())
        .unwrap()
        .timestamp()
}

fn submit(
    ctx: &Ctx,
    reg: &str,
    channel: ChannelId,
    at: &str,
    reception: Reception,
) -> Result<Application, Rejection> {
    let cmd = Command::Submit {
        application: format!("{reg}-{}-{at}", channel.as_str()),
        regulation: reg.into(),
        channel,
        provider: "p1".into(),
        applicant_iin: "100515500003".into(),
        applicant_name: String::new(),
        key: format!("{reg}-{}-{at}", channel.as_str()),
        signature: None,
        reception,
        data: ctx.sample_data(reg, almaty(at), 0),
    };
    let ev = decide(None, &cmd, almaty(at), ctx)?;
    Ok(apply(None, &ev[0], ctx).unwrap())
}

fn late() -> Reception {
    Reception {
        centre: None,
        late_entry: true,
    }
}

/// (submitted, accepted at, term due day) for ekr-free-transport: 5 working days; office,
/// portal: the acceptance day is day 1; State Corporation: it is not counted (L517-L518).
struct Case {
    at: &'static str,
    what: &'static str,
    office: (&'static str, &'static str),
    portal: (&'static str, &'static str),
    sc: (&'static str, &'static str, &'static str),
}

const CASES: &[Case] = &[
    Case {
        at: "2019-12-10 08:59",
        what: "08:59 on a Tuesday",
        // Office closed till 09:00: late entry taken in at 09:00; 10,11,12,13,18.
        office: ("2019-12-10 09:00", "2019-12-18"),
        portal: ("2019-12-10 09:00", "2019-12-18"),
        // Centre closed till 09:00 too; not counted: 11,12,13,18,19.
        sc: ("2019-12-10 09:00", "2019-12-19", "2019-12-18 18:30"),
    },
    Case {
        at: "2019-12-10 18:31",
        what: "18:31 on a Tuesday",
        // Office closed: Wednesday 09:00; 11,12,13,18,19.
        office: ("2019-12-11 09:00", "2019-12-19"),
        portal: ("2019-12-11 09:00", "2019-12-19"),
        // The centre is open till 20:00: accepted at once; 11,12,13,18,19.
        sc: ("2019-12-10 18:31", "2019-12-19", "2019-12-18 18:30"),
    },
    Case {
        at: "2019-12-13 10:00",
        what: "the day before a holiday, in hours",
        office: ("2019-12-13 10:00", "2019-12-23"),
        portal: ("2019-12-13 10:00", "2019-12-23"),
        // Not counted: 18,19,20,23,24.
        sc: ("2019-12-13 10:00", "2019-12-24", "2019-12-23 18:30"),
    },
    Case {
        at: "2019-12-13 18:31",
        what: "the day before a holiday, after hours",
        // Next opening past the weekend and Independence Day: Wednesday 18th; 18,19,20,23,24.
        office: ("2019-12-18 09:00", "2019-12-24"),
        portal: ("2019-12-18 09:00", "2019-12-24"),
        sc: ("2019-12-13 18:31", "2019-12-24", "2019-12-23 18:30"),
    },
    Case {
        at: "2019-12-14 10:00",
        what: "a Saturday",
        office: ("2019-12-18 09:00", "2019-12-24"),
        portal: ("2019-12-18 09:00", "2019-12-24"),
        // Centres work on Saturdays: accepted then; the day is not counted: 18..24.
        sc: ("2019-12-14 10:00", "2019-12-24", "2019-12-23 18:30"),
    },
    Case {
        at: "2019-12-15 10:00",
        what: "a Sunday",
        office: ("2019-12-18 09:00", "2019-12-24"),
        portal: ("2019-12-18 09:00", "2019-12-24"),
        // Closed on Sunday and the holidays: Wednesday 18th, not counted: 19,20,23,24,25.
        sc: ("2019-12-18 09:00", "2019-12-25", "2019-12-24 18:30"),
    },
    Case {
        at: "2019-12-16 10:00",
        what: "a holiday (Independence Day)",
        office: ("2019-12-18 09:00", "2019-12-24"),
        portal: ("2019-12-18 09:00", "2019-12-24"),
        sc: ("2019-12-18 09:00", "2019-12-25", "2019-12-24 18:30"),
    },
];

fn due_day(app: &Application) -> String {
    let z = app.term_due.unwrap().to_zoned_datetime(calendar::almaty());
    assert_eq!(
        (z.hour(), z.minute()),
        (18, 30),
        "the last day ends at 18:30"
    );
    z.date().to_string()
}

#[test]
fn each_channel_accepts_by_its_own_rule() {
    let ctx = ctx();
    let reg = "ekr-free-transport";
    for c in CASES {
        let open = |acc: &str| almaty(acc) == almaty(c.at);
        // Office: a counter. Closed: refused, naming the next opening; late entry: taken in then.
        let office = submit(&ctx, reg, ChannelId::Office, c.at, Reception::default());
        if open(c.office.0) {
            let a = office.unwrap();
            assert_eq!(a.accepted(), almaty(c.at), "{}", c.what);
            assert_eq!(a.accepted_at, None, "{}: in hours, one instant", c.what);
        } else {
            match office {
                Err(Rejection::OutsideWorkingHours { next_opening, .. }) => {
                    assert_eq!(next_opening, almaty(c.office.0), "{}", c.what)
                }
                other => panic!("{}: office should refuse, got {other:?}", c.what),
            }
        }
        let a = submit(&ctx, reg, ChannelId::Office, c.at, late()).unwrap();
        assert_eq!(a.submitted_at, almaty(c.at), "{}", c.what);
        assert_eq!(a.accepted(), almaty(c.office.0), "office, {}", c.what);
        assert_eq!(due_day(&a), c.office.1, "office term, {}", c.what);

        // Intermediary office: the same counter rule (its route has no term of its own).
        let i = submit(&ctx, reg, ChannelId::Intermediary, c.at, late()).unwrap();
        assert_eq!(i.accepted(), almaty(c.office.0), "intermediary, {}", c.what);
        assert!(
            submit(
                &ctx,
                reg,
                ChannelId::Intermediary,
                c.at,
                Reception::default()
            )
            .is_ok()
                == open(c.office.0),
            "intermediary refuses when closed, {}",
            c.what
        );

        // Portal: never refused; registered at the next working opening.
        let p = submit(&ctx, reg, ChannelId::Portal, c.at, Reception::default()).unwrap();
        assert_eq!(p.submitted_at, almaty(c.at));
        assert_eq!(p.accepted(), almaty(c.portal.0), "portal, {}", c.what);
        assert_eq!(due_day(&p), c.portal.1, "portal term, {}", c.what);

        // State Corporation centre: a counter with its own hours (Saturdays, till 20:00).
        let s = submit(
            &ctx,
            reg,
            ChannelId::StateCorporation,
            c.at,
            Reception::default(),
        );
        if open(c.sc.0) {
            let s = s.unwrap();
            assert_eq!(s.accepted(), almaty(c.at), "centre open, {}", c.what);
        } else {
            assert!(
                matches!(s, Err(Rejection::OutsideWorkingHours { next_opening, .. }) if next_opening == almaty(c.sc.0)),
                "centre closed, {}: {s:?}",
                c.what
            );
        }
        let s = submit(&ctx, reg, ChannelId::StateCorporation, c.at, late()).unwrap();
        assert_eq!(s.accepted(), almaty(c.sc.0), "centre, {}", c.what);
        assert_eq!(due_day(&s), c.sc.1, "centre term, {}", c.what);
        assert_eq!(
            s.deliver_due,
            Some(almaty(c.sc.2)),
            "delivery one тәулік before, {}",
            c.what
        );
    }
}

#[test]
fn the_issues_examples() {
    let ctx = ctx();
    // Friday 6 December 2019, 20:00, paper entered late at the office: taken in on Monday
    // 9 December 09:00; 5 working days 9..13 December.
    let a = submit(
        &ctx,
        "ekr-free-transport",
        ChannelId::Office,
        "2019-12-06 20:00",
        late(),
    )
    .unwrap();
    assert_eq!(a.submitted_at, almaty("2019-12-06 20:00"));
    assert_eq!(a.accepted(), almaty("2019-12-09 09:00"));
    assert_eq!(a.term_due, Some(almaty("2019-12-13 18:30")));
    // Monday 30 December 2019, 20:00, through the portal: registered on Tuesday 31 December;
    // 31 Dec (1), Sunday 5 Jan worked by decree (2), 6 (3), 8 (4), 9 (5).
    let p = submit(
        &ctx,
        "ekr-camp-referrals",
        ChannelId::Portal,
        "2019-12-30 20:00",
        Reception::default(),
    )
    .unwrap();
    assert_eq!(p.accepted(), almaty("2019-12-31 09:00"));
    assert_eq!(p.term_due, Some(almaty("2020-01-09 18:30")));
}

#[test]
fn a_decreed_transfer_moves_acceptance() {
    let ctx = ctx();
    // Friday 3 January 2020 is a day off by decree: the office is closed and the portal
    // registers on the working Sunday 5 January; Saturday 4th is an ordinary Saturday, on
    // which the centres work.
    let p = submit(
        &ctx,
        "ekr-camp-referrals",
        ChannelId::Portal,
        "2020-01-03 10:00",
        Reception::default(),
    )
    .unwrap();
    assert_eq!(p.accepted(), almaty("2020-01-05 09:00"));
    // Counted: 5 (1), 6 (2), 8 (3), 9 (4), 10 (5).
    assert_eq!(p.term_due, Some(almaty("2020-01-10 18:30")));
    assert!(matches!(
        submit(
            &ctx,
            "ekr-camp-referrals",
            ChannelId::Office,
            "2020-01-03 10:00",
            Reception::default()
        ),
        Err(Rejection::OutsideWorkingHours { next_opening, .. }) if next_opening == almaty("2020-01-05 09:00")
    ));
    let s = submit(
        &ctx,
        "ekr-camp-referrals",
        ChannelId::StateCorporation,
        "2020-01-03 10:00",
        late(),
    )
    .unwrap();
    assert_eq!(
        s.accepted(),
        almaty("2020-01-04 09:00"),
        "the centre's Saturday"
    );
    // On the working Sunday the centre works its decreed-day hours (09:00-20:00).
    let s = submit(
        &ctx,
        "ekr-camp-referrals",
        ChannelId::StateCorporation,
        "2020-01-05 19:00",
        Reception::default(),
    )
    .unwrap();
    assert_eq!(s.accepted(), almaty("2020-01-05 19:00"));
}

#[test]
fn a_centre_is_named_only_at_the_state_corporation() {
    let ctx = ctx();
    let r = submit(
        &ctx,
        "ekr-free-transport",
        ChannelId::Office,
        "2019-12-10 10:00",
        Reception {
            centre: Some("sc-almaty-medeu".into()),
            late_entry: false,
        },
    );
    assert!(
        matches!(&r, Err(Rejection::Invalid { field, .. }) if field == "reception.centre"),
        "{r:?}"
    );
}

#[test]
fn a_centre_with_its_own_hours() {
    // A centre open 10:00-14:00 on Saturdays only (schedules given as data).
    let schedules = calendar::Schedules::from_toml_str(
        r#"
        [office]
        monday = ["09:00-18:00"]
        [state_corporation]
        monday = ["09:00-20:00"]
        saturday = ["09:00-20:00"]
        [centres.small]
        saturday = ["10:00-14:00"]
        "#,
    )
    .unwrap();
    let t = engine::time::KzTime::with_schedules(schedules);
    let sat = |h: &str| almaty(&format!("2019-12-14 {h}"));
    assert_eq!(
        t.accept(
            ChannelId::StateCorporation,
            "p",
            Some("small"),
            sat("09:30")
        ),
        calendar::Acceptance::Closed {
            next_opening: sat("10:00")
        }
    );
    assert_eq!(
        t.accept(
            ChannelId::StateCorporation,
            "p",
            Some("small"),
            sat("13:59")
        ),
        calendar::Acceptance::Now(sat("13:59"))
    );
    // Past 14:00: the next Saturday (21 December).
    assert_eq!(
        t.accept(
            ChannelId::StateCorporation,
            "p",
            Some("small"),
            sat("14:00")
        )
        .instant(),
        almaty("2019-12-21 10:00")
    );
    // Another centre keeps the default hours.
    assert_eq!(
        t.accept(
            ChannelId::StateCorporation,
            "p",
            Some("other"),
            sat("09:30")
        ),
        calendar::Acceptance::Now(sat("09:30"))
    );
    // A schedule of no hours is refused as data.
    let e = calendar::Schedules::from_toml_str(
        "[office]\n[state_corporation]\nmonday=[\"09:00-10:00\"]\n",
    )
    .unwrap_err();
    assert!(e.to_string().contains("office"), "{e}");
}

#[test]
fn a_step_reached_after_hours_counts_from_the_next_opening() {
    let t = engine::time::KzTime::new();
    let wd = regulation::Duration {
        value: 1,
        unit: regulation::Unit::WorkingDays,
    };
    let min = |value| regulation::Duration {
        value,
        unit: regulation::Unit::Minutes,
    };
    // Reached in hours: the day itself is day 1.
    assert_eq!(
        t.step_due(almaty("2019-12-13 10:00"), wd),
        almaty("2019-12-13 18:30")
    );
    // Reached at 19:00 on Friday 13th: day 1 is Wednesday 18th.
    assert_eq!(
        t.step_due(almaty("2019-12-13 19:00"), wd),
        almaty("2019-12-18 18:30")
    );
    // 30 working minutes from 18:20: 10 on Friday, 20 on Wednesday.
    assert_eq!(
        t.step_due(almaty("2019-12-13 18:20"), min(30)),
        almaty("2019-12-18 09:20")
    );
}

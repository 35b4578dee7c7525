//! Deadlines on the real Kazakhstan calendar, checked against dates computed by hand from the
//! calendar (Independence Day, Nauryz, a decreed transfer of a day off). Times are Asia/Almaty
//! (UTC+6 in these years); working hours end at 18:30 (12:30 UTC).

use engine::*;
use jiff::Timestamp;
use regulation::ChannelId;
use std::sync::Arc;

mod common;

fn ctx() -> Arc<Ctx> {
    testkit::seed_ctx()
}

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn submit(ctx: &Ctx, reg: &str, channel: ChannelId, at: &str) -> Application {
    let cmd = Command::Submit {
        application: format!("{reg}-{}-{at}", channel.as_str()),
        regulation: reg.into(),
        channel,
        provider: "p1".into(),
        applicant_iin: "100515500003".into(),
        applicant_name: String::new(),
        key: format!("{reg}-{at}"),
        signature: None,
        reception: Default::default(),
        data: ctx.sample_data(reg, t(at), 0),
    };
    let ev = decide(None, &cmd, t(at), ctx).unwrap_or_else(|e| panic!("{reg}: {e}"));
    apply(None, &ev[0], ctx).unwrap()
}

#[test]
fn independence_day_2019_office_and_state_corporation() {
    let ctx = ctx();
    // Friday 13 December 2019, 10:00. Office: the acceptance day counts as day 1; 16-17 Dec are
    // Independence Day: 18,19,20,23,24,25,26,27,30 are days 2-10.
    let a = submit(
        &ctx,
        "ekr-free-meals-tvet",
        ChannelId::Office,
        "2019-12-13T04:00:00Z",
    );
    assert_eq!(a.term_due, Some(t("2019-12-30T12:30:00Z")));
    assert_eq!(
        a.step_due,
        Some(t("2019-12-13T04:20:00Z")),
        "20 working minutes"
    );
    // State Corporation: the acceptance day is not counted: 18 Dec is day 1, 31 Dec day 10;
    // the result is due at the State Corporation one day earlier.
    let s = submit(
        &ctx,
        "ekr-free-meals-tvet",
        ChannelId::StateCorporation,
        "2019-12-13T04:00:00Z",
    );
    assert_eq!(s.term_due, Some(t("2019-12-31T12:30:00Z")));
    assert_eq!(s.deliver_due, Some(t("2019-12-30T12:30:00Z")));
    assert!(s.receipt.is_some());
}

#[test]
fn nauryz_2015_moves_the_executor_deadline() {
    let ctx = ctx();
    // Thursday 19 March 2015, 10:00; dormitory places: 15 min, 1 WD, 8 WD, 1 WD, 15 min.
    let a = submit(
        &ctx,
        "wkr-tvet-dormitory",
        ChannelId::Office,
        "2015-03-19T04:00:00Z",
    );
    assert_eq!(a.term_due, None, "the text gives no term");
    assert_eq!(a.step_due, Some(t("2015-03-19T04:15:00Z")));
    let plan = ctx
        .plan("wkr-tvet-dormitory", 1, ChannelId::Office)
        .unwrap();
    let mut times = vec![t("2015-03-19T04:15:00Z"), t("2015-03-20T11:00:00Z")].into_iter();
    let mut states = vec![];
    let mut app = a;
    for _ in 0..2 {
        let step = plan.step(app.step).unwrap();
        let cmd = Command::Complete {
            application: app.id.clone(),
            step: app.step,
            actor: common::actor_for(&app, step),
            outcome: Outcome::Done,
            presented: None,
        };
        let now = times.next().unwrap();
        for e in decide(Some(&app), &cmd, now, &ctx).unwrap() {
            app = apply(Some(app), &e, &ctx).unwrap();
        }
        states.push(app.clone());
    }
    // Head: 1 working day, the day the file arrives counting: Thursday 19th, end of day.
    assert_eq!(states[0].step_due, Some(t("2015-03-19T12:30:00Z")));
    // Executor: 8 working days from Friday 20th (day 1). 21-23 March are Nauryz (21-22 on a
    // weekend, so 24 and 25 are days off too): 26,27,30,31 March, 1,2,3 April are days 2-8.
    assert_eq!(states[1].step_due, Some(t("2015-04-03T12:30:00Z")));
}

#[test]
fn decreed_transfer_of_3_january_2020() {
    let ctx = ctx();
    // Monday 30 Dec 2019, camp referrals, 5 working days. Decree No. 820: Friday 3 Jan 2020 a day
    // off, Sunday 5 Jan a working day; 1-2 Jan New Year, 7 Jan Orthodox Christmas.
    // Office: 30 Dec (1), 31 Dec (2), 5 Jan (3), 6 Jan (4), 8 Jan (5).
    let a = submit(
        &ctx,
        "ekr-camp-referrals",
        ChannelId::Office,
        "2019-12-30T04:00:00Z",
    );
    assert_eq!(a.term_due, Some(t("2020-01-08T12:30:00Z")));
    // State Corporation, acceptance day not counted: 31 Dec, 5, 6, 8, 9 Jan.
    let s = submit(
        &ctx,
        "ekr-camp-referrals",
        ChannelId::StateCorporation,
        "2019-12-30T04:00:00Z",
    );
    assert_eq!(s.term_due, Some(t("2020-01-09T12:30:00Z")));
    assert_eq!(s.deliver_due, Some(t("2020-01-08T12:30:00Z")));
}

#[test]
fn sla_turns_overdue_after_the_due_instant() {
    let ctx = ctx();
    let a = submit(
        &ctx,
        "ekr-free-meals-tvet",
        ChannelId::Office,
        "2019-12-13T04:00:00Z",
    );
    let at = |s: &str| sla::sla(&a, t(s), &ctx).unwrap().status;
    assert_eq!(at("2019-12-13T04:05:00Z"), sla::Sla::OnTime);
    assert_eq!(at("2019-12-13T04:17:00Z"), sla::Sla::AtRisk);
    assert_eq!(at("2019-12-13T04:21:00Z"), sla::Sla::Overdue);
}

#[test]
fn every_regulation_runs_on_every_channel_on_the_real_calendar() {
    let ctx = ctx();
    let mut runs = 0;
    for reg in ctx.regulations().to_vec() {
        for ch in reg.channel_ids() {
            if !reg.channel(ch).unwrap().accepts {
                continue;
            }
            let act: jiff::civil::Date = reg.act.get_ref().date.parse().unwrap();
            // A working day, 10:00: every counter is open then.
            let day = calendar::Calendar::kz()
                .working_day_on_or_after(act.checked_add(jiff::Span::new().days(20)).unwrap())
                .unwrap();
            let at = day
                .at(4, 0, 0, 0)
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .unwrap()
                .timestamp();
            let app = submit(&ctx, &reg.id, ch, &at.to_string());
            // Every step is done exactly at its legal due instant (or 5 minutes later when none).
            let states = common::walk(&ctx, app.clone(), |a, _| {
                a.step_due
                    .unwrap_or(a.step_started + jiff::SignedDuration::from_mins(5))
            });
            let last = states.last().unwrap();
            assert_eq!(
                last.closure,
                Some(Closure::Issued),
                "{} {}",
                reg.id,
                ch.as_str()
            );
            // Acting on time at each step keeps the service within its term where it has one,
            // except where the text's own durations exceed it (annotated contradictions).
            if let (Some(due), Some(closed)) = (app.term_due, last.closed_at) {
                let contradicts = reg.annotations.iter().any(|a| a.get_ref().about == "term");
                assert!(
                    closed <= due || contradicts,
                    "{} {}: closed {closed} after term {due}",
                    reg.id,
                    ch.as_str()
                );
            }
            runs += 1;
        }
    }
    assert!(runs >= 20, "{runs} runs");
}

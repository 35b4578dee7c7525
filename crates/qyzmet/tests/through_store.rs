//! Every seed regulation end to end on every channel it names, through the real store (SQLite,
//! and PostgreSQL on a fresh schema) on the real calendar, with deadlines checked against dates computed by hand (Independence
//! Day 2019, Nauryz 2015, the decreed transfer of 3 January 2020). Times: Asia/Almaty, UTC+6
//! in these years; working hours end at 18:30 (12:30 UTC).

use engine::{
    Actor, Application, Closure, Command, Ctx, Outcome, PORTAL, Party, Presented,
    STATE_CORPORATION, Status,
};
use jiff::Timestamp;
use regulation::ChannelId;
use store::Store;

use testkit::seed_ctx as ctx;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn submit(s: &dyn Store, reg: &str, channel: ChannelId, at: Timestamp) -> Application {
    let id = format!("{reg}-{}-{}", channel.as_str(), at.as_second());
    let cmd = Command::Submit {
        application: id.clone(),
        regulation: reg.into(),
        channel,
        provider: "p1".into(),
        applicant_iin: "851231400001".into(),
        applicant_name: String::new(),
        key: id,
        signature: None,
        reception: Default::default(),
        data: ctx().sample_data(reg, at, 0),
    };
    s.execute(cmd, at)
        .unwrap_or_else(|e| panic!("{reg} {}: {e}", channel.as_str()))
        .application
}

fn actor(app: &Application, ctx: &Ctx) -> (usize, Actor) {
    let plan = ctx.plan(&app.regulation, app.version, app.channel).unwrap();
    let step = plan.step(app.step).unwrap();
    let org = match step.party {
        Party::Provider | Party::Intermediary => app.provider.clone(),
        Party::StateCorporation => STATE_CORPORATION.into(),
        Party::Portal => PORTAL.into(),
    };
    (
        app.step,
        Actor {
            role: step.role.clone(),
            org,
        },
    )
}

/// Complete steps, each at its legal due instant (five minutes on where there is none).
fn walk(s: &dyn Store, ctx: &Ctx, mut app: Application, max: usize) -> Vec<Application> {
    let mut states = vec![];
    let mut now = app.submitted_at;
    for _ in 0..max {
        if app.status == Status::Closed {
            break;
        }
        let (step, by) = actor(&app, ctx);
        now = app
            .step_due
            .unwrap_or(now + jiff::SignedDuration::from_mins(5))
            .max(now);
        let cmd = Command::Complete {
            application: app.id.clone(),
            step,
            actor: by,
            outcome: Outcome::Done,
            presented: Some(Presented::IdentityDocument),
        };
        app = s
            .execute(cmd, now)
            .unwrap_or_else(|e| panic!("{} step {step}: {e}", app.id))
            .application;
        states.push(app.clone());
    }
    states
}

#[test]
fn every_regulation_on_every_channel_through_the_store() {
    let (_dir, s) = testkit::temp_store("through-all", ctx());
    every_regulation_on_every_channel(&s);
}

fn every_regulation_on_every_channel(s: &dyn Store) {
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
            let app = submit(s, &reg.id, ch, at);
            let states = walk(s, &ctx, app.clone(), 64);
            let last = states.last().unwrap();
            assert_eq!(
                last.closure,
                Some(Closure::Issued),
                "{} {}",
                reg.id,
                ch.as_str()
            );
            // The stored journal replays to the same application.
            let events = s.events(&app.id).unwrap();
            let mut folded = None;
            for e in &events {
                folded = engine::apply(folded, e, &ctx);
            }
            assert_eq!(
                folded.as_ref(),
                Some(last),
                "{}: journal and view agree",
                app.id
            );
            assert_eq!(s.application(&app.id).unwrap().as_ref(), Some(last));
            runs += 1;
        }
    }
    assert!(runs >= 20, "{runs}");
    assert!(
        s.tasks("p1", "office_clerk").unwrap().is_empty(),
        "closed applications leave no tasks"
    );
    assert!(s.verify_journal().unwrap().is_ok());
}

#[test]
fn hand_computed_deadlines_through_the_store() {
    let (_dir, s) = testkit::temp_store("through-dates", ctx());
    hand_computed_deadlines(&s);
}

fn hand_computed_deadlines(s: &dyn Store) {
    let ctx = ctx();
    // 16 December 2019: office term counts the acceptance day (Fri 13th = day 1; 16-17 Dec off).
    let a = submit(
        s,
        "ekr-free-meals-tvet",
        ChannelId::Office,
        t("2019-12-13T04:00:00Z"),
    );
    assert_eq!(a.term_due, Some(t("2019-12-30T12:30:00Z")));
    // State Corporation: acceptance day not counted, result due there a day before the term.
    let sc = submit(
        s,
        "ekr-free-meals-tvet",
        ChannelId::StateCorporation,
        t("2019-12-13T04:00:00Z"),
    );
    assert_eq!(
        (sc.term_due, sc.deliver_due),
        (
            Some(t("2019-12-31T12:30:00Z")),
            Some(t("2019-12-30T12:30:00Z"))
        )
    );
    // The executor's 9 calendar days once the file reaches them: done at each step's due.
    let states = walk(s, &ctx, a, 3);
    // clerk 20 min → head 15 min (10:35) → executor: 9 calendar days from Fri 13 Dec = Sat 21st,
    // a day off, so the last day moves to Mon 23 December.
    assert_eq!(states[1].step_due, Some(t("2019-12-23T12:30:00Z")));
    // Decree No. 820: 3 Jan 2020 a day off, Sunday 5 Jan a working day.
    let c = submit(
        s,
        "ekr-camp-referrals",
        ChannelId::Office,
        t("2019-12-30T04:00:00Z"),
    );
    assert_eq!(c.term_due, Some(t("2020-01-08T12:30:00Z")));
    // Nauryz 2015: 21-25 March off; the executor's 8 working days from Friday 20th end 3 April.
    let d = submit(
        s,
        "wkr-tvet-dormitory",
        ChannelId::Office,
        t("2015-03-19T04:00:00Z"),
    );
    let (step, by) = actor(&d, &ctx);
    let d = s
        .execute(
            Command::Complete {
                application: d.id.clone(),
                step,
                actor: by,
                outcome: Outcome::Done,
                presented: None,
            },
            t("2015-03-19T04:15:00Z"),
        )
        .unwrap()
        .application;
    let (step, by) = actor(&d, &ctx);
    let d = s
        .execute(
            Command::Complete {
                application: d.id.clone(),
                step,
                actor: by,
                outcome: Outcome::Done,
                presented: None,
            },
            t("2015-03-20T05:00:00Z"),
        )
        .unwrap()
        .application;
    assert_eq!(d.step_due, Some(t("2015-04-03T12:30:00Z")));
    // SLA: on time early on, at risk once 80% of the step's time has passed, overdue after.
    let open = s.open_applications().unwrap();
    let dd = open.iter().find(|x| x.id == d.id).unwrap();
    assert_eq!(
        engine::sla::sla(dd, t("2015-03-27T05:00:00Z"), &ctx)
            .unwrap()
            .status,
        engine::sla::Sla::OnTime
    );
    assert_eq!(
        engine::sla::sla(dd, t("2015-04-02T05:00:00Z"), &ctx)
            .unwrap()
            .status,
        engine::sla::Sla::AtRisk
    );
    assert_eq!(
        engine::sla::sla(dd, t("2015-04-04T05:00:00Z"), &ctx)
            .unwrap()
            .status,
        engine::sla::Sla::Overdue
    );
}

// The same on the PostgreSQL store (a fresh schema each).
mod on_postgres {
    use super::*;

    #[test]
    fn every_regulation_on_every_channel_through_the_store() {
        if let Some(s) = testkit::temp_pg_store(ctx()) {
            every_regulation_on_every_channel(&*s);
        }
    }

    #[test]
    fn hand_computed_deadlines_through_the_store() {
        if let Some(s) = testkit::temp_pg_store(ctx()) {
            hand_computed_deadlines(&*s);
        }
    }
}

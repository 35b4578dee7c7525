//! The preschool queue through the server's use cases: a child enters the queue with the
//! application (one action), a second application for the same child in the district is
//! refused naming the field and stores nothing, places declared by the district's staff give
//! the first child who can take them a referral, only the applicant may accept it, and the
//! public API shows the line without names or IINs.

mod common;

use common::*;
use server::ops::{self, Decision, Intake};
use server::preschool::{self, ReferralAct};

const REG: &str = "ekr-preschool-queue";
const PROVIDER: &str = "district_leb-1";
const CHILD_IIN: &str = "160301600017";

fn intake(t: &TestApp, child_iin: &str, language: &str) -> Result<String, server::Problem> {
    let st = &t.state;
    let clerk = st
        .accounts
        .by_login(&format!("{PROVIDER}.office_clerk"))
        .unwrap()
        .unwrap();
    let mut data = st.ctx.sample_data(REG, st.now(), 0);
    let one = |v: &str| engine::form::FormValue::One(v.into());
    data.insert("child_iin".into(), one(child_iin));
    data.insert("child_birth_date".into(), one("01.03.2016"));
    data.insert("category".into(), one("general"));
    data.insert("language".into(), one(language));
    let req = Intake {
        regulation: REG.into(),
        applicant_iin: CITIZEN.into(),
        applicant_name: "Әлібек Сейітов".into(),
        provider: None,
        decision: Decision::Accept,
        grounds: None,
        late_entry: false,
        centre: None,
        data,
        confirm_duplicate: true,
    };
    ops::intake(
        st,
        &clerk,
        regulation::ChannelId::Office,
        &req,
        None,
        server::i18n::Lang::Ru,
    )
    .map(|s| s.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_application_puts_the_child_in_the_queue_and_a_place_gives_a_referral() {
    let t = TestApp::new();
    let st = t.state.clone();
    let id = intake(&t, CHILD_IIN, "kk").expect("intake");
    let c = preschool::child_view(&st, &id).expect("the child is in the queue");
    assert_eq!(c.number, Some(1));
    assert_eq!(c.district, "esil");
    assert_eq!(c.group.as_deref(), Some("y3"));
    assert_eq!(st.store.queue_events(&id).unwrap().len(), 1);

    // The same child again in the district: refused, naming the field; nothing stored.
    let before = st.store.list_row(&id).unwrap();
    let p = intake(&t, CHILD_IIN, "kk").unwrap_err();
    assert_eq!(p.status, 409);
    assert_eq!(p.rule, "queue.iin");
    assert_eq!(p.field.as_deref(), Some("iin"));
    assert_eq!(st.store.queue().read(|q| q.len()), Some(1));
    assert_eq!(st.store.list_row(&id).unwrap(), before);

    // A second child, Russian group: behind the first.
    let other = intake(&t, "160301500020", "ru").expect("intake");
    assert_eq!(preschool::child_view(&st, &other).unwrap().number, Some(2));

    // The district's executor declares a Russian place: the first child wants Kazakh, so the
    // second gets it and the first keeps number 1.
    let executor = st
        .accounts
        .by_login(&format!("{PROVIDER}.executor"))
        .unwrap()
        .unwrap();
    let events = preschool::declare(&st, &executor, "esil-ds-1", "y3", "ru", 1).unwrap();
    let referral = events
        .iter()
        .find_map(|e| match e {
            queue::Event::ReferralIssued {
                referral,
                child,
                skipped,
                ..
            } => {
                assert_eq!(child, &other);
                assert_eq!(skipped, &vec![(id.clone(), queue::Skip::Language)]);
                Some(*referral)
            }
            _ => None,
        })
        .expect("a referral");
    assert_eq!(preschool::child_view(&st, &id).unwrap().number, Some(1));

    // Staff of an organisation keeping no queue may not declare places.
    let tvet = st
        .accounts
        .by_login("tvet_organisation-1.executor")
        .unwrap()
        .unwrap();
    let p = preschool::declare(&st, &tvet, "esil-ds-1", "y3", "ru", 1).unwrap_err();
    assert_eq!(p.status, 403);

    // The applicant (or a counter of the district or the State Corporation) answers; staff
    // of another organisation do not learn the referral exists.
    let p = preschool::referral(&st, &tvet, referral, ReferralAct::Accept).unwrap_err();
    assert_eq!(p.status, 404);
    let citizen = st.accounts.by_login(CITIZEN).unwrap().unwrap();
    preschool::referral(&st, &citizen, referral, ReferralAct::Accept).unwrap();
    let v = preschool::child_view(&st, &other).unwrap();
    assert_eq!(v.referrals[0].state, "accepted");
    // Accepting twice is refused by the queue's rule, naming the referral.
    let p = preschool::referral(&st, &citizen, referral, ReferralAct::Accept).unwrap_err();
    assert_eq!(p.rule, "queue.referral");

    // The district's executor changes the first child's category (a large family now): the
    // journal says who; a Kazakh place then goes to them, and the State Corporation's operator
    // accepts it for the applicant who came in person.
    preschool::change_category(&st, &executor, &id, "priority_large_family", None).unwrap();
    let v = preschool::child_view(&st, &id).unwrap();
    assert_eq!(v.category, "priority_large_family");
    let journal = preschool::journal(&st, &id).unwrap();
    let last = journal.last().unwrap();
    assert!(matches!(
        last.event,
        queue::Event::CategoryChanged {
            reason: queue::CategoryReason::Request,
            ..
        }
    ));
    assert_eq!(last.actor.as_deref(), Some(executor.login.as_str()));
    // Staff of another district's organisation may not.
    let p = preschool::change_category(&st, &tvet, &id, "general", None).unwrap_err();
    assert_eq!(p.status, 403);
    let events = preschool::declare(&st, &executor, "esil-ds-2", "y3", "kk", 1).unwrap();
    let second = events
        .iter()
        .find_map(|e| match e {
            queue::Event::ReferralIssued {
                referral, child, ..
            } if child == &id => Some(*referral),
            _ => None,
        })
        .expect("the first child's referral");
    let operator = st
        .accounts
        .by_login("state_corporation.state_corporation_operator")
        .unwrap()
        .unwrap();
    preschool::referral(&st, &operator, second, ReferralAct::Accept).unwrap();
    let journal = preschool::journal(&st, &id).unwrap();
    assert_eq!(
        journal.last().unwrap().actor.as_deref(),
        Some("state_corporation.state_corporation_operator")
    );
    // The first child's notification lists the referral in the applicant's notices.
    let notices =
        server::statuses::notices(&st, std::slice::from_ref(&id), st.now(), 30).expect("notices");
    assert!(
        notices
            .iter()
            .any(|n| n.referral.as_ref().is_some_and(|r| r.id == second))
    );

    // The public line: registration numbers and tiers, no IIN, no name.
    let who = Who::default();
    let r = t.get("/api/queue/esil", &who).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.text();
    assert!(!body.contains(CHILD_IIN) && !body.contains(CITIZEN) && !body.contains("Сейітов"));
    let j = r.json();
    // Both children have referrals now: the line is empty, the referrals newest first.
    assert_eq!(j["lines"].as_array().map(Vec::len), Some(0), "{j}");
    assert_eq!(j["referrals"][1]["rule"], "ratio:priority:general");
    assert_eq!(j["referrals"][0]["rule"], "ratio:general:priority");
    let page = t.get("/queue/esil?lang=ru", &who).await;
    assert_eq!(page.status, 200);
    assert!(!page.text().contains(CHILD_IIN));
}

/// Walks an office application to its end: each step done by the demo person holding it (the
/// head hands the file to the first executor; results are signed with the demo key).
fn walk_to_the_end(st: &server::AppState, id: &str) {
    use server::ops::{ActionRequest, OutcomeKind};
    for _ in 0..10 {
        let app = st.store.application(id).unwrap().unwrap();
        if app.status == engine::Status::Closed {
            return;
        }
        let plan = st
            .ctx
            .plan(&app.regulation, app.version, app.channel)
            .unwrap()
            .clone();
        let step = plan.step(app.step).unwrap();
        let who = st
            .accounts
            .by_login(&format!("{PROVIDER}.{}", st.ctx.step_role(&app, step)))
            .unwrap()
            .unwrap();
        let executor = step
            .assigns
            .and_then(|i| plan.step(i))
            .and_then(|to| {
                ops::executors(st, PROVIDER, &to.role)
                    .ok()?
                    .into_iter()
                    .next()
            })
            .map(|p| p.login);
        let req = ActionRequest {
            step: app.step,
            outcome: OutcomeKind::Done,
            grounds: None,
            presented: None,
            note: None,
            comment: None,
            executor,
            refusal_grounds: vec![],
            signature: None,
        };
        ops::act(st, &who, id, &req, server::i18n::Lang::Ru).expect("act");
    }
    panic!("{id} did not close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_notification_carries_the_queue_number_at_its_instant() {
    if std::process::Command::new("pdftotext")
        .arg("-v")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("CI").is_none(),
            "pdftotext is missing (poppler-utils)"
        );
        eprintln!("SKIPPED: pdftotext is missing (poppler-utils)");
        return;
    }
    let t = TestApp::new();
    let st = t.state.clone();
    intake(&t, CHILD_IIN, "kk").expect("intake");
    let second = intake(&t, "160301500020", "ru").expect("intake");
    walk_to_the_end(&st, &second);
    let app = st.store.application(&second).unwrap().unwrap();
    assert_eq!(app.document.as_deref(), Some("notification_queue"));
    let pdf = server::docs::render(&st, &app, "result", server::i18n::Lang::Ru).expect("render");
    let dir = testkit::tempdir("queue-pdf");
    let path = dir.path().join("result.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("Номер в очереди 2"), "{text}");
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(
    an_application_puts_the_child_in_the_queue_and_a_place_gives_a_referral,
    the_notification_carries_the_queue_number_at_its_instant,
);

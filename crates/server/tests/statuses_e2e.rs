//! What a citizen sees, in a browser (`tools/e2e/statuses.mjs`, playwright-core driving
//! Debian's Chromium) against the code under test, in kk and ru, at desktop width and 390 px:
//! the application's page and the cabinet show statuses only (no step texts such as "ЭҮАШ", no
//! journal JSON, no official's internal note), a result issued after its term is marked late,
//! a public comment reaches the citizen, and a second application for the same student is
//! warned about, with a link to the open one and a box to confirm.
//!
//! Tools and serving: `browser/mod.rs`.

use server::ops::{self, ActionRequest, Decision, Intake, OutcomeKind};
mod browser;
mod common;

const REG: &str = "ekr-free-meals-tvet";
const PROVIDER: &str = "tvet_organisation-1";
const CITIZEN: &str = "100515500003";

/// An office application for the demo citizen whose result is issued on Monday 23 December
/// 2019, three working days after its term (Wednesday 18 December); the head leaves an
/// internal note and a comment to the applicant. The clock is left at that Monday.
fn late_result(state: &server::AppState) -> String {
    let staff = |role: &str| {
        state
            .accounts
            .by_login(&format!("{PROVIDER}.{role}"))
            .unwrap()
            .unwrap()
    };
    let lang = server::i18n::Lang::Ru;
    let req = Intake {
        regulation: REG.into(),
        applicant_iin: CITIZEN.into(),
        applicant_name: "Әлібек Сейітов".into(),
        provider: None,
        decision: Decision::Accept,
        grounds: None,
        late_entry: false,
        centre: None,
        data: state.ctx.sample_data(REG, state.now(), 0),
        confirm_duplicate: true,
    };
    let id = ops::intake(
        state,
        &staff("office_clerk"),
        regulation::ChannelId::Office,
        &req,
        None,
        lang,
    )
    .expect("intake")
    .id;
    for _ in 0..10 {
        let app = state.store.application(&id).unwrap().unwrap();
        if app.status == engine::Status::Closed {
            return id;
        }
        let plan = state
            .ctx
            .plan(&app.regulation, app.version, app.channel)
            .unwrap()
            .clone();
        let step = plan.step(app.step).unwrap();
        if step.role == "executor" {
            let until: jiff::Timestamp = "2019-12-23T04:00:00Z".parse().unwrap();
            let now = state.now();
            state.clock.advance(jiff::SignedDuration::from_secs(
                until.as_second() - now.as_second(),
            ));
        }
        let who = staff(&state.ctx.step_role(&app, step));
        let executor = step
            .assigns
            .and_then(|i| plan.step(i))
            .and_then(|to| {
                ops::executors(state, PROVIDER, &to.role)
                    .ok()?
                    .into_iter()
                    .next()
            })
            .map(|p| p.login);
        let head = step.role == "head" && executor.is_some();
        let req = ActionRequest {
            step: app.step,
            outcome: OutcomeKind::Done,
            grounds: None,
            presented: None,
            note: head.then(|| "Айгерим, проверьте справку о составе семьи".into()),
            comment: head.then(|| "Ваше заявление передано исполнителю".into()),
            executor,
            refusal_grounds: vec![],
            signature: None,
        };
        ops::act(state, &who, &id, &req, lang).expect("act");
    }
    panic!("{id} did not close");
}

#[test]
fn citizen_statuses_in_a_browser() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let data = testkit::tempdir("statuses-e2e");
    let (server, base, late) = browser::serve(data.path(), late_result);
    browser::run(
        &tools,
        "statuses.mjs",
        &base,
        &[("QYZMET_LATE_APPLICATION", &late)],
        "the citizen's scenarios",
    );
    drop(server);
}

// The same scenarios with the server on the PostgreSQL store (a fresh schema); screenshots
// under `target/e2e-artifacts/postgres/`.
crate::on_postgres!(citizen_statuses_in_a_browser);

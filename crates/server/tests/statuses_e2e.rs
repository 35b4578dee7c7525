//! What a citizen sees, in a browser (`tools/e2e/statuses.mjs`, playwright-core driving
//! Debian's Chromium) against the code under test, in kk and ru, at desktop width and 390 px:
//! the application's page and the cabinet show statuses only (no step texts such as "ЭҮАШ", no
//! journal JSON, no official's internal note), a result issued after its term is marked late,
//! a public comment reaches the citizen, and a second application for the same student is
//! warned about, with a link to the open one and a box to confirm.
//!
//! Without node, npm or Chromium the test is skipped with the reason printed, except under CI
//! (`CI` set), where it fails. `npm ci` runs in `tools/e2e` when its `node_modules` is missing.

use server::ops::{self, ActionRequest, Decision, Intake, OutcomeKind};
use std::path::Path;
use std::process::Command;
use testkit::repo_root as root;

const REG: &str = "ekr-free-meals-tvet";
const PROVIDER: &str = "tvet_organisation-1";
const CITIZEN: &str = "100515500003";

/// A prerequisite is missing: fail under CI, else say why the test is skipped.
fn missing(why: &str) {
    testkit::skip(format_args!("the e2e browser test needs {why}"));
}

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
        };
        ops::act(state, &who, &id, &req, lang).expect("act");
    }
    panic!("{id} did not close");
}

/// Serves the code under test in-process (demo data, clock at 2019-12-03 09:00 Almaty, a working Tuesday) on a
/// free loopback port; returns its base URL. The runtime lives as long as the test.
fn serve(data: &Path) -> (tokio::runtime::Runtime, String, String) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().unwrap();
    let config = server::Config {
        data_dir: data.to_path_buf(),
        listen: addr,
        regulations_dir: Some(root().join("regulations")),
        as_of: Some("2019-12-03T03:00:00Z".parse().unwrap()),
        demo: true,
    };
    let state = server::AppState::open_with(
        config,
        server::Options {
            password_cost: server::PasswordCost::Test,
            background_tasks: false,
            public_url: None,
            sms_log: None,
            trust_proxy: false,
        },
    )
    .expect("server state");
    server::demo::seed(&state.accounts, &state.ctx, server::PasswordCost::Test).expect("demo data");
    let late = late_result(&state);
    rt.spawn(async move { axum::serve(listener, server::app(state)).await });
    (rt, format!("http://{addr}"), late)
}

#[test]
fn citizen_statuses_in_a_browser() {
    for tool in ["node", "npm"] {
        if !testkit::require_tool(tool, &["--version"]) {
            return;
        }
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return missing(&format!("Chromium at {chromium}"));
    }
    let dir = root().join("tools/e2e");
    if !dir.join("node_modules/playwright-core").is_dir() {
        eprintln!(
            "installing the e2e npm packages (npm ci in {})",
            dir.display()
        );
        let out = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .output()
            .expect("run npm");
        if !out.status.success() {
            return missing(&format!(
                "the npm packages of tools/e2e (npm ci failed: {})",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    let data = testkit::tempdir("statuses-e2e");
    let (rt, base, late) = serve(data.path());
    let out = Command::new("node")
        .arg(dir.join("statuses.mjs"))
        .current_dir(root())
        .env("CHROMIUM", &chromium)
        .env("QYZMET_BASE_URL", &base)
        .env("QYZMET_LATE_APPLICATION", &late)
        .output()
        .expect("run node");
    rt.shutdown_background();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "the citizen's scenarios failed:\n{stdout}"
    );
    assert!(stdout.contains(", 0 failed"));
}

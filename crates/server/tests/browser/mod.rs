//! What every browser test shares: the tools it needs (node, npm, Chromium, the npm packages of
//! `tools/e2e`), the code under test served in-process on a free loopback port with the demo
//! data, on the embedded store or (a test run by `on_postgres!`) a fresh PostgreSQL schema,
//! and one `tools/e2e/*.mjs` script run against it.
//!
//! A missing tool skips the test with the reason printed, except under CI (`CI` set), where it
//! fails. `npm ci` runs in `tools/e2e` when its `node_modules` is missing.
//! A test file using this module also declares `mod common;` (the store choice is there).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use testkit::repo_root as root;

/// The e2e tools: `tools/e2e` (its npm packages installed) and Chromium's path; None where a
/// tool is missing (the test is then skipped, or has failed under CI).
pub fn tools() -> Option<(PathBuf, String)> {
    for tool in ["node", "npm"] {
        if !testkit::require_tool(tool, &["--version"]) {
            return None;
        }
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        missing(&format!("Chromium at {chromium}"));
        return None;
    }
    let dir = root().join("tools/e2e");
    if !dir.join("node_modules/playwright-core").is_dir()
        || !dir.join("node_modules/axe-core").is_dir()
    {
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
            missing(&format!(
                "the npm packages of tools/e2e (npm ci failed: {})",
                String::from_utf8_lossy(&out.stderr)
            ));
            return None;
        }
    }
    Some((dir, chromium))
}

/// A prerequisite is missing: fail under CI, else say why the test is skipped.
fn missing(why: &str) {
    testkit::skip(format_args!("the e2e browser test needs {why}"));
}

/// A server under test: its runtime, and on PostgreSQL its schema, dropped after the runtime
/// has stopped.
pub struct Served {
    rt: Option<tokio::runtime::Runtime>,
    _schema: Option<testkit::pg::Schema>,
}

impl Served {
    /// Runs `f` on the server's runtime (say, a stand-in the pages talk to).
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.as_ref().expect("running").block_on(f)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Serves the code under test in-process (demo data, clock at 2019-12-03 09:00 Almaty, a
/// working Tuesday) on a free loopback port, after `prepare` (which may move the clock and
/// write applications); returns the server (it serves until dropped), the base URL and what
/// `prepare` gave.
pub fn serve<T>(data: &Path, prepare: impl FnOnce(&server::AppState) -> T) -> (Served, String, T) {
    serve_with(data, |_| {}, prepare)
}

/// [`serve`] with the server's options changed by `options` (say, its NCALayer URL).
pub fn serve_with<T>(
    data: &Path,
    options: impl FnOnce(&mut server::Options),
    prepare: impl FnOnce(&server::AppState) -> T,
) -> (Served, String, T) {
    serve_at(
        data,
        "2019-12-03T03:00:00Z".parse().unwrap(),
        options,
        prepare,
    )
}

/// [`serve_with`] with the server's clock starting at `as_of`.
pub fn serve_at<T>(
    data: &Path,
    as_of: jiff::Timestamp,
    options: impl FnOnce(&mut server::Options),
    prepare: impl FnOnce(&server::AppState) -> T,
) -> (Served, String, T) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().unwrap();
    let (database, schema) = crate::common::database();
    let config = server::Config {
        data_dir: data.to_path_buf(),
        database,
        listen: addr,
        regulations_dir: Some(root().join("regulations")),
        as_of: Some(as_of),
        demo: true,
    };
    let mut opts = server::Options {
        password_cost: server::PasswordCost::Test,
        background_tasks: false,
        public_url: None,
        sms_log: None,
        trust_proxy: false,
        ncalayer_url: None,
        trust: Default::default(),
        queue: Default::default(),
    };
    options(&mut opts);
    let state = server::AppState::open_with(config, opts).expect("server state");
    server::demo::seed(&state.accounts, &state.ctx, server::PasswordCost::Test).expect("demo data");
    let prepared = prepare(&state);
    rt.spawn(async move { axum::serve(listener, server::app(state)).await });
    let served = Served {
        rt: Some(rt),
        _schema: schema,
    };
    (served, format!("http://{addr}"), prepared)
}

/// An office application of `citizen` for `reg` at `provider`, walked up to the signing step.
pub fn at_signing_step(
    state: &server::AppState,
    reg: &str,
    provider: &str,
    citizen: &str,
) -> String {
    use server::ops::{self, ActionRequest, Decision, Intake, OutcomeKind};
    let staff = |role: &str| {
        state
            .accounts
            .by_login(&format!("{provider}.{role}"))
            .unwrap()
            .unwrap()
    };
    let lang = server::i18n::Lang::Ru;
    let req = Intake {
        regulation: reg.into(),
        applicant_iin: citizen.into(),
        applicant_name: "Әлібек Сейітов".into(),
        provider: None,
        decision: Decision::Accept,
        grounds: None,
        late_entry: false,
        centre: None,
        data: state.ctx.sample_data(reg, state.now(), 0),
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
        let plan = state
            .ctx
            .plan(&app.regulation, app.version, app.channel)
            .unwrap()
            .clone();
        let step = plan.step(app.step).unwrap();
        if step.signs_result {
            return id;
        }
        let executor = step
            .assigns
            .and_then(|i| plan.step(i))
            .and_then(|to| {
                ops::executors(state, provider, &to.role)
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
        let who = staff(&state.ctx.step_role(&app, step));
        ops::act(state, &who, &id, &req, lang).expect("act");
    }
    panic!("{id} reached no signing step");
}

/// Runs `tools/e2e/<script>` against `base` with extra environment `env`; asserts that it
/// succeeded with no failed scenario (`what` names them in the failure).
pub fn run(
    (dir, chromium): &(PathBuf, String),
    script: &str,
    base: &str,
    env: &[(&str, &str)],
    what: &str,
) {
    // The PostgreSQL run's screenshots beside, not over, the embedded store's.
    let artifacts = root().join(if crate::common::on_pg() {
        "target/e2e-artifacts/postgres"
    } else {
        "target/e2e-artifacts"
    });
    let out = Command::new("node")
        .arg(dir.join(script))
        .current_dir(root())
        .env("CHROMIUM", chromium)
        .env("QYZMET_BASE_URL", base)
        .env("QYZMET_E2E_ARTIFACTS", &artifacts)
        .envs(env.iter().copied())
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{what} failed:\n{stdout}");
    assert!(stdout.contains(", 0 failed"));
}

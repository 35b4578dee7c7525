//! The officials' desk in a browser (`tools/e2e/officials.mjs`, playwright-core driving
//! Debian's Chromium) against the code under test, in kk and ru, at desktop width and 390 px:
//! the head assigns a named executor, the other executor cannot act, a refusal with empty
//! grounds stays a refusal, inbox search and "assigned to me", the State Corporation desk's
//! lookup by IIN and receipt number.
//!
//! Without node, npm or Chromium the test is skipped with the reason printed, except under CI
//! (`CI` set), where it fails. `npm ci` runs in `tools/e2e` when its `node_modules` is missing.

use std::path::Path;
use std::process::Command;
use testkit::repo_root as root;

/// A prerequisite is missing: fail under CI, else say why the test is skipped.
fn missing(why: &str) {
    testkit::skip(format_args!("the e2e browser test needs {why}"));
}

/// Serves the code under test in-process (demo data, clock at 2019-12-03 09:00 Almaty, a working Tuesday) on a
/// free loopback port; returns its base URL. The runtime lives as long as the test.
fn serve(data: &Path) -> (tokio::runtime::Runtime, String) {
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
    rt.spawn(async move { axum::serve(listener, server::app(state)).await });
    (rt, format!("http://{addr}"))
}

#[test]
fn officials_desk_in_a_browser() {
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
    let data = testkit::tempdir("officials-e2e");
    let (rt, base) = serve(data.path());
    let out = Command::new("node")
        .arg(dir.join("officials.mjs"))
        .current_dir(root())
        .env("CHROMIUM", &chromium)
        .env("QYZMET_BASE_URL", &base)
        .output()
        .expect("run node");
    rt.shutdown_background();
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    eprintln!("{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "the officials' scenarios failed:\n{stdout}"
    );
    assert!(stdout.contains(", 0 failed"));
}

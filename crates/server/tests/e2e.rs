//! Browser scenarios (`tools/e2e/run.mjs`, playwright-core driving Debian's Chromium) against
//! the code under test served in-process: portal, office refusal, State Corporation through
//! the courier, monitoring after a clock jump, axe-core accessibility, JavaScript disabled;
//! screenshots in kk and ru under `target/e2e-artifacts/`.
//!
//! Tools and serving: `browser/mod.rs`.

mod browser;
mod common;

#[test]
fn browser_scenarios() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let data = testkit::tempdir("e2e");
    let (server, base, ()) = browser::serve(data.path(), |_| ());
    browser::run(&tools, "run.mjs", &base, &[], "browser scenarios");
    drop(server);
}

// The same scenarios with the server on the PostgreSQL store (a fresh schema); screenshots
// under `target/e2e-artifacts/postgres/`.
crate::on_postgres!(browser_scenarios);

//! Browser scenarios (`tools/e2e/run.mjs`, playwright-core driving Debian's Chromium) against
//! the real server binary: portal, office refusal, State Corporation through the courier,
//! monitoring after a clock jump, axe-core accessibility, JavaScript disabled; screenshots in
//! kk and ru under `target/e2e-artifacts/`.
//!
//! Tools and serving: `browser/mod.rs`.

mod browser;

#[test]
fn browser_scenarios() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let data = testkit::tempdir("e2e");
    let (rt, base, ()) = browser::serve(data.path(), |_| ());
    browser::run(&tools, "run.mjs", &base, &[], "browser scenarios");
    rt.shutdown_background();
}

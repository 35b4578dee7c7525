//! The officials' desk in a browser (`tools/e2e/officials.mjs`, playwright-core driving
//! Debian's Chromium) against the code under test, in kk and ru, at desktop width and 390 px:
//! the head assigns a named executor, the other executor cannot act, a refusal with empty
//! grounds stays a refusal, inbox search and "assigned to me", the State Corporation desk's
//! lookup by IIN and receipt number.
//!
//! Tools and serving: `browser/mod.rs`.

mod browser;

#[test]
fn officials_desk_in_a_browser() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let data = testkit::tempdir("officials-e2e");
    let (rt, base, ()) = browser::serve(data.path(), |_| ());
    browser::run(
        &tools,
        "officials.mjs",
        &base,
        &[],
        "the officials' scenarios",
    );
    rt.shutdown_background();
}

//! The officials' desk in a browser (`tools/e2e/officials.mjs`, playwright-core driving
//! Debian's Chromium) against the code under test, in kk and ru, at desktop width and 390 px:
//! the head assigns a named executor, the other executor cannot act, a refusal with empty
//! grounds stays a refusal, inbox search and "assigned to me", the State Corporation desk's
//! lookup by IIN and receipt number.
//!
//! Tools and serving: `browser/mod.rs`.

mod browser;
mod common;

#[test]
fn officials_desk_in_a_browser() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let data = testkit::tempdir("officials-e2e");
    let (server, base, ()) = browser::serve(data.path(), |_| ());
    browser::run(
        &tools,
        "officials.mjs",
        &base,
        &[],
        "the officials' scenarios",
    );
    drop(server);
}

// The same scenarios with the server on the PostgreSQL store (a fresh schema); screenshots
// under `target/e2e-artifacts/postgres/`.
crate::on_postgres!(officials_desk_in_a_browser);

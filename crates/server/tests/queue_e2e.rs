//! The preschool queue in a browser (`tools/e2e/queue.mjs`, playwright-core driving Debian's
//! Chromium) against the code under test: a citizen applies on the portal, sees the queue
//! number, the district's executor declares a place, the citizen accepts the referral, and the
//! district's public page shows it without any name or IIN.
//!
//! Tools and serving: `browser/mod.rs`.

mod browser;
mod common;

use jiff::civil::date;

/// Two other families' children wait in the Esil district's line for Russian groups of
/// three-year-olds, entered on 2 December 2019.
fn others(state: &server::AppState) {
    for (i, iin) in ["160101500011", "160201500012"].iter().enumerate() {
        let enter = queue::Command::Enter(queue::Entry {
            child: format!("other-{i}"),
            iin: iin.to_string(),
            birth_date: date(2016, 1 + i as i8, 1),
            district: "esil".into(),
            category: "general".into(),
            proof_date: None,
            language: Some("ru".into()),
            preferred: vec![],
        });
        let at: jiff::Timestamp = "2019-12-02T05:00:00Z".parse().unwrap();
        state
            .store
            .act(store::Action::new(at).queue(enter))
            .expect("a child enters");
    }
}

#[test]
fn preschool_queue_in_a_browser() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let data = testkit::tempdir("queue-e2e");
    let (server, base, ()) = browser::serve(data.path(), others);
    browser::run(
        &tools,
        "queue.mjs",
        &base,
        &[],
        "the preschool queue's scenario",
    );
    drop(server);
}

// The same scenarios with the server on the PostgreSQL store (a fresh schema); screenshots
// under `target/e2e-artifacts/postgres/`.
crate::on_postgres!(preschool_queue_in_a_browser);

//! `qyzmet serve --log-format json`: every request has a span with its id (the client's
//! `X-Request-Id`, or one made up and echoed), the account once authenticated and the
//! application; store commands log inside it; a 5xx is logged at error level with its cause;
//! and no secret — password, session cookie, CSRF token, API token — reaches the log. On the
//! embedded store and on PostgreSQL (`--database`, a fresh schema), whose store work runs on
//! threads of its own.

mod common;

use common::serve::{Server, free_port, login, qyzmet};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const CLERK: &str = "tvet_organisation-1.office_clerk";

fn in_span<'a>(lines: &'a [Value], request_id: &str) -> Vec<&'a Value> {
    lines
        .iter()
        .filter(|l| l["span"]["request_id"] == request_id)
        .collect()
}

#[test]
fn json_logs_have_a_span_per_request_and_no_secrets() {
    json_logs(&[]);
}

#[test]
fn json_logs_have_a_span_per_request_and_no_secrets_on_postgres() {
    if !testkit::pg::available() {
        return;
    }
    let schema = testkit::pg::Schema::fresh();
    json_logs(&[
        "--database",
        &testkit::pg::uri(),
        "--database-schema",
        schema.name(),
    ]);
}

/// The server given `database` (flags) besides its data directory.
fn json_logs(database: &[&str]) {
    let dir = testkit::tempdir("logs");
    let data = dir.path();
    let port = free_port();
    let mut cmd = qyzmet(&std::env::temp_dir());
    cmd.arg("serve")
        .arg("--data-dir")
        .arg(data)
        .args(database)
        .args(["--listen", &format!("127.0.0.1:{port}")])
        .args([
            "--as-of",
            "2019-12-03T10:00",
            "--demo",
            "--log-format",
            "json",
        ])
        // No font: documents cannot be printed, so asking for one is a 503 to log.
        .env("QYZMET_FONT_REGULAR", data.join("no-such-font.ttf"));
    let server = Server::start(cmd, port);

    let password = server::demo::STAFF_PASSWORD;
    let (cookie, csrf) = login(port, CLERK, password, "req-login");
    let r = server.http(
        "POST",
        "/api/tokens",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        &json!({"name": "logs", "scopes": ["read", "submit", "act"]}).to_string(),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let token = r.json()["token"].as_str().unwrap().to_string();
    let bearer = format!("Bearer {token}");

    let form_data = testkit::seed_ctx().sample_data(
        "ekr-free-meals-tvet",
        "2019-12-03T04:00:00Z".parse().unwrap(),
        0,
    );
    let body = json!({"regulation": "ekr-free-meals-tvet", "applicant_iin": "100515500003",
                      "applicant_name": "Әлібек Қасымұлы Сейітов", "data": form_data,
                      "confirm_duplicate": true});
    let r = server.http(
        "POST",
        "/api/office/applications",
        &[("Authorization", &bearer), ("X-Request-Id", "req-submit")],
        &body.to_string(),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("x-request-id"), Some("req-submit"));
    let id = r.json()["id"].as_str().unwrap().to_string();

    let r = server.http(
        "GET",
        &format!("/api/documents/{id}/receipt.pdf"),
        &[("Authorization", &bearer), ("X-Request-Id", "req-error")],
        "",
    );
    assert_eq!(r.status, 503, "{}", String::from_utf8_lossy(&r.body));

    // No id sent: one is made up and echoed; a forged one is replaced.
    let r = server.http("GET", "/healthz", &[("X-Request-Id", "a b\tc")], "");
    let made_up = r.header("x-request-id").expect("a request id").to_string();
    assert!(!made_up.is_empty() && made_up != "a b\tc");

    // The log is written as events happen; give the reader a moment to catch the last one.
    let started = Instant::now();
    while !server.logs().contains(&made_up) && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = server.logs();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();

    let login_span = in_span(&lines, "req-login");
    assert!(
        login_span.iter().any(|l| l["span"]["account"] == CLERK),
        "the login names its account: {login_span:?}"
    );
    let submit = in_span(&lines, "req-submit");
    assert!(
        submit.iter().any(|l| l["fields"]["command"] == "submit"
            && l["span"]["account"] == CLERK
            && l["span"]["application"] == id.as_str()),
        "the store command logs inside the request's span: {submit:?}"
    );
    assert!(
        submit
            .iter()
            .any(|l| l["span"]["method"] == "POST"
                && l["span"]["path"] == "/api/office/applications"),
        "{submit:?}"
    );
    let error = in_span(&lines, "req-error");
    assert!(
        error.iter().any(|l| l["level"] == "ERROR"
            && l["fields"]["status"] == 503
            && l["fields"]["cause"].as_str().is_some_and(|c| !c.is_empty())
            && l["span"]["application"] == id.as_str()),
        "a 5xx is logged at error level with its cause: {error:?}"
    );
    assert!(!in_span(&lines, &made_up).is_empty());

    let session = cookie.split_once('=').unwrap().1;
    for (what, secret) in [
        ("password", password),
        ("session cookie", session),
        ("CSRF token", csrf.as_str()),
        ("API token", token.as_str()),
    ] {
        assert!(!log.contains(secret), "the {what} is in the log:\n{log}");
    }
    drop(server);
}

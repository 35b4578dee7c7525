//! Regression tests of the issue-9 security probe: each reproduces an attack that worked before
//! (parallel lockout bypass, locking another's account, argon2 memory exhaustion, open
//! redirect, account enumeration by registration, weak or huge passwords, token and metrics
//! exposure, cacheable personal pages, the first admin's one-time password).

mod common;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use common::*;
use serde_json::{Value, json};
use server::accounts::{MAX_FAILED_LOGINS, MAX_FAILED_PER_SOURCE, PasswordCost, PasswordGate};
use std::net::SocketAddr;
use tower::ServiceExt;

/// A JSON login as a client at `ip` (the peer address the server sees).
fn login_req(login: &str, password: &str, ip: &str) -> Request<Body> {
    let mut r = Request::builder()
        .method("POST")
        .uri("/api/auth/login")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            json!({"login": login, "password": password}).to_string(),
        ))
        .unwrap();
    let peer: SocketAddr = format!("{ip}:40000").parse().unwrap();
    r.extensions_mut().insert(ConnectInfo(peer));
    r
}

/// Sends every request at once; their statuses and `Retry-After` headers.
async fn all_at_once(t: &TestApp, reqs: Vec<Request<Body>>) -> Vec<(StatusCode, Option<String>)> {
    let tasks: Vec<_> = reqs
        .into_iter()
        .map(|r| {
            let router = t.router.clone();
            tokio::spawn(async move {
                let res = router.oneshot(r).await.unwrap();
                let retry = res
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .map(String::from);
                (res.status(), retry)
            })
        })
        .collect();
    let mut out = vec![];
    for task in tasks {
        out.push(task.await.unwrap());
    }
    out
}

fn count(rs: &[(StatusCode, Option<String>)], s: StatusCode) -> usize {
    rs.iter().filter(|(st, _)| *st == s).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_wrong_passwords_reach_argon2_at_most_five_times() {
    let t = TestApp::new();
    let before = t.state.accounts.gate.stats().runs;
    let reqs = (0..40)
        .map(|_| login_req(CITIZEN, "wrong password", "203.0.113.5"))
        .collect();
    let rs = all_at_once(&t, reqs).await;
    let checked = t.state.accounts.gate.stats().runs - before;
    assert!(
        checked <= MAX_FAILED_LOGINS as u64,
        "{checked} passwords checked for 40 parallel attempts"
    );
    let bad = count(&rs, StatusCode::UNAUTHORIZED);
    let locked = count(&rs, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(bad + locked, 40, "{rs:?}");
    assert!(bad < MAX_FAILED_LOGINS as usize, "{rs:?}");
    assert!(
        rs.iter()
            .filter(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS)
            .all(|(_, r)| r.as_deref().is_some_and(|r| r.parse::<u64>().unwrap() >= 1)),
        "locked answers say when to retry: {rs:?}"
    );
    // Locked from that address even with the right password; the owner elsewhere is not.
    let r = t.send(login_req(CITIZEN, CITIZEN_PW, "203.0.113.5")).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.json()["rule"], "auth.locked");
    let r = t.send(login_req(CITIZEN, CITIZEN_PW, "198.51.100.7")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_stranger_cannot_lock_the_admin_out() {
    let t = TestApp::new();
    for _ in 0..3 {
        let reqs = (0..40)
            .map(|_| login_req("admin", "guess", "203.0.113.66"))
            .collect();
        let rs = all_at_once(&t, reqs).await;
        assert_eq!(count(&rs, StatusCode::OK), 0);
    }
    // The admin, from the office, logs in at once.
    let r = t.send(login_req("admin", ADMIN_PW, "192.0.2.10")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn one_source_is_throttled_across_accounts() {
    let t = TestApp::new();
    let attacker = "203.0.113.77";
    for i in 0..MAX_FAILED_PER_SOURCE {
        let r = t
            .send(login_req(&format!("nobody{i}"), "guess", attacker))
            .await;
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(&r.status),
            "{i}: {}",
            r.status
        );
    }
    // The source is locked for every account, even a right password…
    let r = t.send(login_req(OTHER_CITIZEN, CITIZEN_PW, attacker)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    // …and no one else is.
    let r = t
        .send(login_req(OTHER_CITIZEN, CITIZEN_PW, "192.0.2.11"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

#[tokio::test]
async fn an_unknown_login_locks_like_a_known_one() {
    let t = TestApp::new();
    let statuses = |who: &'static str| {
        let t = &t;
        async move {
            let mut v = vec![];
            for _ in 0..MAX_FAILED_LOGINS + 1 {
                v.push(t.send(login_req(who, "guess", "203.0.113.8")).await.status);
            }
            v
        }
    };
    let known = statuses(CITIZEN).await;
    let unknown = statuses("991231300000").await;
    assert_eq!(known, unknown, "a lock must not tell who has an account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_logins_never_run_more_argon2_than_the_permits() {
    let t = TestApp::new();
    let permits = t.state.accounts.gate.stats().permits;
    // Unknown IINs from many addresses: no throttle stops them, every one is hashed.
    let reqs = (0..200)
        .map(|i| {
            login_req(
                &format!("9{i:011}"),
                "some password",
                &format!("10.9.{}.{}", i / 250, i % 250 + 1),
            )
        })
        .collect();
    let rs = all_at_once(&t, reqs).await;
    let stats = t.state.accounts.gate.stats();
    assert!(
        stats.peak >= 1 && stats.peak <= permits,
        "{} argon2 checks ran at once, {permits} permits",
        stats.peak
    );
    for (s, retry) in &rs {
        match *s {
            StatusCode::UNAUTHORIZED => {}
            StatusCode::SERVICE_UNAVAILABLE => assert!(retry.is_some(), "503 without Retry-After"),
            other => panic!("unexpected {other}"),
        }
    }
    // The standard cost (19 MiB each) gets only what the 64 MiB budget holds.
    let standard = PasswordGate::new(PasswordCost::Standard).stats().permits;
    assert!((1..=3).contains(&standard), "{standard} permits at 19 MiB");
}

fn raw_session_cookie(r: &Resp) -> String {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("qz_session="))
        .expect("a session cookie")
}

#[tokio::test]
async fn the_session_cookie_is_secure_behind_an_https_public_url() {
    let t = TestApp::with_options(t0(), |o| {
        o.public_url = Some("https://qyzmet.example.kz".into())
    });
    let r = t.send(login_req(CITIZEN, CITIZEN_PW, "192.0.2.1")).await;
    assert_eq!(r.status, StatusCode::OK);
    let c = raw_session_cookie(&r);
    assert!(c.contains("; Secure") && c.contains("HttpOnly"), "{c}");
    // Plain http (a sandbox): not Secure, or the browser would drop it.
    let t = TestApp::new();
    let r = t.send(login_req(CITIZEN, CITIZEN_PW, "192.0.2.1")).await;
    assert!(!raw_session_cookie(&r).contains("Secure"));
}

#[tokio::test]
async fn the_client_address_comes_from_the_proxy_only_when_trusted() {
    // Trusted proxy: each forwarded client is its own source, so one's lock is not another's.
    let t = TestApp::with_options(t0(), |o| o.trust_proxy = true);
    let via_proxy = |client: &str, pw: &str| {
        let mut r = login_req(CITIZEN, pw, "127.0.0.1");
        r.headers_mut().insert(
            "x-forwarded-for",
            format!("1.2.3.4, {client}").parse().unwrap(),
        );
        r
    };
    for _ in 0..MAX_FAILED_LOGINS {
        t.send(via_proxy("203.0.113.20", "guess")).await;
    }
    assert_eq!(
        t.send(via_proxy("203.0.113.20", CITIZEN_PW)).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        t.send(via_proxy("192.0.2.30", CITIZEN_PW)).await.status,
        StatusCode::OK
    );
    // Untrusted: a forged header changes nothing; the peer is the source.
    let t = TestApp::new();
    for i in 0..MAX_FAILED_LOGINS {
        let mut r = login_req(CITIZEN, "guess", "203.0.113.21");
        r.headers_mut()
            .insert("x-forwarded-for", format!("10.0.0.{i}").parse().unwrap());
        t.send(r).await;
    }
    assert_eq!(
        t.send(login_req(CITIZEN, CITIZEN_PW, "203.0.113.21"))
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn next_with_a_tab_or_a_newline_goes_home() {
    let t = TestApp::new();
    let (cookie, csrf) = anonymous_form(&t, "/login").await;
    for next in [
        "/\t/evil.example/",
        "/\\evil.example/",
        "/cabinet\r\nSet-Cookie: x=1",
        "/ /evil.example",
        "/\u{7f}x",
    ] {
        let r = t
            .login_form(&cookie, &csrf, CITIZEN, CITIZEN_PW, next)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(r.location(), "/", "{next:?}");
    }
    // A local path is still followed.
    let r = t
        .login_form(&cookie, &csrf, CITIZEN, CITIZEN_PW, "/cabinet?page=2")
        .await;
    assert_eq!(r.location(), "/cabinet?page=2");
}

#[tokio::test]
async fn registration_does_not_tell_who_has_an_account() {
    let t = TestApp::new();
    let reg = |iin: &str| json!({"iin": iin, "name": "Тест", "password": "a new password"});
    let taken = t
        .post("/api/auth/register", &Who::default(), &reg(CITIZEN))
        .await;
    let fresh = t
        .post("/api/auth/register", &Who::default(), &reg("851231400207"))
        .await;
    assert_eq!(taken.status, fresh.status);
    assert_eq!(taken.status, StatusCode::ACCEPTED);
    assert_eq!(taken.json(), fresh.json());
    assert!(!taken.text().contains("iin.taken"));
    // The existing account keeps its password; the new one logs in with its own.
    t.login(CITIZEN, CITIZEN_PW).await;
    t.login("851231400207", "a new password").await;
    // The form answers alike too: to the login page.
    let (cookie, csrf) = anonymous_form(&t, "/register?lang=ru").await;
    let mut locations = vec![];
    for iin in [OTHER_CITIZEN, "900101300811"] {
        let r = register_form(&t, &cookie, &csrf, iin, "a new password").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        locations.push(r.location());
    }
    assert_eq!(locations[0], locations[1]);
    let page = t
        .get_html(
            &locations[0],
            &Who::with_cookie(format!("{cookie}; qz_lang=ru")),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("войдите ниже"), "{}", page.text());
}

/// Posts the registration form (name "Тест") with the anonymous `cookie` and its `csrf` token.
async fn register_form(t: &TestApp, cookie: &str, csrf: &str, iin: &str, password: &str) -> Resp {
    t.form(
        "/register",
        Some(cookie),
        &[
            ("csrf", csrf),
            ("iin", iin),
            ("name", "Тест"),
            ("password", password),
        ],
    )
    .await
}

fn field_rules(p: &Value) -> Vec<(String, String)> {
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn blank_and_huge_passwords_are_refused_before_hashing() {
    let t = TestApp::new();
    let runs = t.state.accounts.gate.stats().runs;
    let huge = "a".repeat(1_000_000);
    for (pw, rule) in [
        ("        ", "password.blank"),
        ("\t \u{a0}\n    ", "password.blank"),
        (huge.as_str(), "password.too_long"),
        ("short", "password.length"),
    ] {
        let r = t
            .post(
                "/api/auth/register",
                &Who::default(),
                &json!({"iin": "851231400207", "name": "Тест", "password": pw}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let p = r.json();
        assert_eq!(field_rules(&p), [("password".into(), rule.into())], "{p}");
        assert!(!p["detail"].as_str().unwrap().is_empty());
    }
    // 256 characters are fine, 257 are not.
    let r = t
        .post(
            "/api/auth/register",
            &Who::default(),
            &json!({"iin": "851231400207", "name": "Тест", "password": "b".repeat(257)}),
        )
        .await;
    assert_eq!(r.json()["rule"], "password.too_long");
    // A huge password at login is refused without hashing it.
    let r = t.send(login_req(CITIZEN, &huge, "192.0.2.3")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(t.state.accounts.gate.stats().runs, runs, "nothing hashed");
    // The Kazakh page names the rule in Kazakh.
    let (cookie, csrf) = anonymous_form(&t, "/register?lang=kk").await;
    let r = register_form(
        &t,
        &format!("{cookie}; qz_lang=kk"),
        &csrf,
        "851231400207",
        "        ",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("бос орындардан"), "{}", r.text());
}

#[tokio::test]
async fn a_password_can_be_changed_and_other_sessions_end() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let other = t.citizen().await;
    let change = |cur: &str, new: &str| json!({"current_password": cur, "new_password": new});
    let r = t
        .post(
            "/api/account/password",
            &me,
            &change("wrong one", "brand new pw"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_rules(&r.json()),
        [("current_password".into(), "password.wrong".into())]
    );
    let r = t
        .post(
            "/api/account/password",
            &me,
            &change(CITIZEN_PW, "        "),
        )
        .await;
    assert_eq!(
        field_rules(&r.json()),
        [("new_password".into(), "password.blank".into())]
    );
    // Without the CSRF header: refused.
    let no_csrf = Who {
        csrf: None,
        ..me.clone()
    };
    let r = t
        .post(
            "/api/account/password",
            &no_csrf,
            &change(CITIZEN_PW, "brand new pw"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post(
            "/api/account/password",
            &me,
            &change(CITIZEN_PW, "brand new pw"),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert_eq!(t.get("/api/me", &me).await.status, StatusCode::OK);
    assert_eq!(
        t.get("/api/me", &other).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = t.send(login_req(CITIZEN, CITIZEN_PW, "192.0.2.4")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    t.login(CITIZEN, "brand new pw").await;
    // The page has the form.
    let page = t.get_html("/account/password", &me).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains(r#"name="current_password""#));
}

#[tokio::test]
async fn a_one_time_password_must_be_changed_first() {
    // The first start's admin is flagged.
    let dir = testkit::tempdir("first-start");
    let (database, _schema) = common::database();
    let state = server::AppState::open_with(
        server::Config {
            data_dir: dir.path().to_path_buf(),
            database,
            listen: "127.0.0.1:0".parse().unwrap(),
            regulations_dir: Some(regulations_dir()),
            as_of: Some(t0()),
            demo: false,
        },
        server::Options {
            password_cost: PasswordCost::Test,
            ..Default::default()
        },
    )
    .unwrap();
    let pw = server::demo::ensure_admin(&state)
        .unwrap()
        .expect("a one-time password");
    let admin = state.accounts.by_login("admin").unwrap().unwrap();
    assert!(admin.must_change);
    drop(pw);

    // A flagged account reaches only the change page until it changes its password.
    let t = TestApp::new();
    let id = t.state.accounts.by_login(CITIZEN).unwrap().unwrap().id;
    t.state.accounts.require_password_change(id).unwrap();
    let (cookie, csrf) = anonymous_form(&t, "/login").await;
    let r = t
        .login_form(&cookie, &csrf, CITIZEN, CITIZEN_PW, "/cabinet")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/account/password");
    let me = t.citizen().await;
    let page = t.get_html("/cabinet", &me).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/account/password");
    let r = t.get("/api/applications", &me).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["rule"], "password.must_change");
    let page = t.get_html("/account/password", &me).await;
    assert_eq!(page.status, StatusCode::OK);
    // Changing it lifts the flag.
    let page_csrf = hidden(&page.text(), "csrf").unwrap();
    let r = t
        .form(
            "/account/password",
            me.cookie.as_deref(),
            &[
                ("csrf", &page_csrf),
                ("current_password", CITIZEN_PW),
                ("new_password", "my own password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(t.get_html("/cabinet", &me).await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_submit_token_cannot_see_or_revoke_its_siblings() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let mint = |scopes: Value| {
        let (t, me) = (&t, &me);
        async move {
            let r = t
                .post("/api/tokens", me, &json!({"name": "t", "scopes": scopes}))
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            let j = r.json();
            (
                j["id"].as_i64().unwrap(),
                Who {
                    bearer: j["token"].as_str().map(String::from),
                    ..Default::default()
                },
            )
        }
    };
    let (_, submit) = mint(json!(["submit"])).await;
    let (sibling, _) = mint(json!(["read"])).await;
    let (_, manager) = mint(json!(["tokens"])).await;
    let r = t.get("/api/tokens", &submit).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["rule"], "token.scope");
    let r = t.delete(&format!("/api/tokens/{sibling}"), &submit).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let page = t.get_html("/tokens", &submit).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    let live = t.get("/api/tokens", &me).await.json();
    assert!(
        live.as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == sibling && x["revoked_at"].is_null())
    );
    // A token with the `tokens` scope may manage them; the session may.
    assert_eq!(t.get("/api/tokens", &manager).await.status, StatusCode::OK);
    assert_eq!(
        t.delete(&format!("/api/tokens/{sibling}"), &manager)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
}

fn cache_control(r: &Resp) -> String {
    r.headers
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn authenticated_responses_are_not_stored() {
    let t = TestApp::new();
    let r = t.send(login_req(CITIZEN, CITIZEN_PW, "192.0.2.5")).await;
    assert_eq!(cache_control(&r), "no-store", "the login answer");
    let me = t.citizen().await;
    for path in ["/cabinet", "/services", "/api/me", "/api/applications"] {
        let r = t.get_html(path, &me).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(cache_control(&r), "no-store", "{path}");
    }
    let r = t
        .get("/api/applications", &Who::with_bearer("qz_unknown"))
        .await;
    assert_eq!(cache_control(&r), "no-store");
    // Public pages may be cached.
    let r = t.get_html("/services", &Who::default()).await;
    assert_ne!(cache_control(&r), "no-store");
}

#[tokio::test]
async fn metrics_are_for_admins_monitors_and_metrics_tokens() {
    let t = TestApp::new();
    let r = t.get("/metrics", &Who::default()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let citizen = t.citizen().await;
    assert_eq!(
        t.get("/metrics", &citizen).await.status,
        StatusCode::FORBIDDEN
    );
    let r = t
        .post(
            "/api/tokens",
            &citizen,
            &json!({"name": "m", "scopes": ["metrics"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let admin = t.login("admin", ADMIN_PW).await;
    let r = t.get("/metrics", &admin).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("qyzmet_"));
    let monitor = t.login("monitor", MONITOR_PW).await;
    let mint = |scopes: Value| {
        let (t, monitor) = (&t, &monitor);
        async move {
            let r = t
                .post(
                    "/api/tokens",
                    monitor,
                    &json!({"name": "prom", "scopes": scopes}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            Who {
                bearer: r.json()["token"].as_str().map(String::from),
                ..Default::default()
            }
        }
    };
    let scraper = mint(json!(["metrics"])).await;
    assert_eq!(t.get("/metrics", &scraper).await.status, StatusCode::OK);
    let reader = mint(json!(["monitor"])).await;
    assert_eq!(
        t.get("/metrics", &reader).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_office_behind_one_address_is_not_throttled_by_its_successes() {
    let t = TestApp::new();
    for i in 0..MAX_FAILED_PER_SOURCE + 10 {
        let r = t.send(login_req(CITIZEN, CITIZEN_PW, "192.0.2.50")).await;
        assert_eq!(r.status, StatusCode::OK, "login {i}");
    }
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(
    parallel_wrong_passwords_reach_argon2_at_most_five_times,
    a_stranger_cannot_lock_the_admin_out,
    one_source_is_throttled_across_accounts,
    an_unknown_login_locks_like_a_known_one,
    parallel_logins_never_run_more_argon2_than_the_permits,
    the_session_cookie_is_secure_behind_an_https_public_url,
    the_client_address_comes_from_the_proxy_only_when_trusted,
    next_with_a_tab_or_a_newline_goes_home,
    registration_does_not_tell_who_has_an_account,
    blank_and_huge_passwords_are_refused_before_hashing,
    a_password_can_be_changed_and_other_sessions_end,
    a_one_time_password_must_be_changed_first,
    a_submit_token_cannot_see_or_revoke_its_siblings,
    authenticated_responses_are_not_stored,
    metrics_are_for_admins_monitors_and_metrics_tokens,
    an_office_behind_one_address_is_not_throttled_by_its_successes,
);

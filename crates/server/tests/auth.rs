//! Registration, login, sessions, CSRF, lockout and API tokens, through the pages and the API.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

#[tokio::test]
async fn register_through_the_form_then_use_the_session() {
    let t = TestApp::new();
    let (cookie, csrf) = anonymous_form(&t, "/register").await;
    let iin = "851231400207"; // synthetic, valid (second pass)
    let fields = [
        ("csrf", csrf.as_str()),
        ("iin", iin),
        ("name", "Гүлнар Ахметова"),
        ("phone", "+7 701 555 00 11"),
        ("password", "a long password"),
    ];
    // Without the CSRF token: refused, nothing created.
    let r = t.form("/register", Some(&cookie), &fields[1..]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(t.state.accounts.by_iin(iin).unwrap().is_none());
    // A token that is not the cookie's: refused.
    let mut bad = fields;
    bad[0].1 = "0000000000000000000000000000000000000000000000000000000000000000";
    assert_eq!(
        t.form("/register", Some(&cookie), &bad).await.status,
        StatusCode::FORBIDDEN
    );
    // With it: created, sent to log in (the same answer as for a taken IIN), then logged in.
    let r = t.form("/register", Some(&cookie), &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.location(), "/login?done=registration&next=%2Fcabinet");
    let r = t
        .login_form(&cookie, &csrf, iin, "a long password", "/cabinet")
        .await;
    assert_eq!(r.location(), "/cabinet");
    let session = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("qz_session="))
        .unwrap();
    let raw = r
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("qz_session="))
        .unwrap();
    assert!(
        raw.contains("HttpOnly") && raw.contains("SameSite=Lax"),
        "{raw}"
    );
    let page = t
        .get_html("/cabinet", &Who::with_cookie(session.clone()))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Гүлнар Ахметова"));
    // Registering the same IIN again: answered like a new one, and nothing changes.
    let r = t
        .post(
            "/api/auth/register",
            &Who::default(),
            &json!({"iin": iin, "name": "x", "password": "another password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    // Log out with the session's CSRF token: the session ends.
    let cabinet = page.text();
    let token = hidden(&cabinet, "csrf").unwrap();
    let r = t.form("/logout", Some(&session), &[("csrf", &token)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let me = t.get("/api/me", &Who::with_cookie(session)).await;
    assert_eq!(me.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn registration_names_the_iin_rule_broken() {
    let t = TestApp::new();
    for (iin, rule) in [
        ("100515500004", "iin.check_digit"),
        ("000230600004", "iin.birth_date"),
        ("100515700003", "iin.century_sex"),
        ("12345", "iin.length"),
    ] {
        let r = t
            .post(
                "/api/auth/register",
                &Who::default(),
                &json!({"iin": iin, "name": "Test", "password": "long enough"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{iin}");
        let p = r.json();
        assert_eq!(p["field"], "iin", "{p}");
        assert_eq!(p["rule"], rule, "{p}");
    }
    let r = t
        .post(
            "/api/auth/register",
            &Who::default(),
            &json!({"iin": "900101300811", "name": "", "password": "short"}),
        )
        .await;
    let p = r.json();
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "password"]);
    // The form shows the errors in the page's language, tied to the fields.
    let (cookie, csrf) = anonymous_form(&t, "/register?lang=ru").await;
    let r = t
        .form(
            "/register",
            Some(&format!("{cookie}; qz_lang=ru")),
            &[
                ("csrf", &csrf),
                ("iin", "100515500004"),
                ("name", "Тест"),
                ("password", "long enough"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains(r#"class="error-summary""#) && html.contains(r##"href="#f-iin""##));
    assert!(html.contains("контрольн") || html.contains("ИИН"), "{html}");
}

#[tokio::test]
async fn five_failed_logins_lock_the_account() {
    let t = TestApp::new();
    for _ in 0..4 {
        let r = t.login_api(CITIZEN, "wrong").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json()["rule"], "auth.bad_credentials");
    }
    let r = t.login_api(CITIZEN, "wrong").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let r = t.login_api(CITIZEN, CITIZEN_PW).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right password"
    );
    assert_eq!(r.json()["rule"], "auth.locked");
    // Another account is not affected.
    t.login(OTHER_CITIZEN, CITIZEN_PW).await;
}

#[tokio::test]
async fn login_form_follows_only_local_next() {
    let t = TestApp::new();
    let (cookie, csrf) = anonymous_form(&t, "/login").await;
    let r = t
        .login_form(&cookie, &csrf, CITIZEN, CITIZEN_PW, "//evil.example/")
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/");
    let r = t
        .login_form(&cookie, &csrf, CITIZEN, "nope", "/cabinet")
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text().contains("error-message"));
}

#[tokio::test]
async fn session_api_calls_need_the_csrf_header() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let no_header = Who {
        csrf: None,
        ..me.clone()
    };
    let body = json!({"regulation": REG, "provider": PROVIDER});
    let r = t
        .post_with(
            "/api/applications",
            &no_header,
            &body,
            &[("Idempotency-Key", "a")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["rule"], "csrf");
    let r = t.submit_signed(&me, CITIZEN, &body, "a").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

#[tokio::test]
async fn api_tokens_are_scoped_and_revocable() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let r = t
        .post(
            "/api/tokens",
            &me,
            &json!({"name": "my app", "scopes": ["read"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let tok = r.json();
    let bearer = Who {
        bearer: tok["token"].as_str().map(String::from),
        ..Default::default()
    };
    assert_eq!(
        t.get("/api/applications", &bearer).await.status,
        StatusCode::OK
    );
    let r = t
        .post_with(
            "/api/applications",
            &bearer,
            &json!({"regulation": REG, "provider": PROVIDER}),
            &[("Idempotency-Key", "b")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["rule"], "token.scope");
    // A citizen cannot mint an admin token; unknown scopes are named.
    let r = t
        .post(
            "/api/tokens",
            &me,
            &json!({"name": "x", "scopes": ["admin"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post("/api/tokens", &me, &json!({"name": "x", "scopes": ["fly"]}))
        .await;
    assert_eq!(
        (r.status, r.json()["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("scopes"))
    );
    // Tokens do not mint tokens.
    assert_eq!(
        t.post(
            "/api/tokens",
            &bearer,
            &json!({"name": "y", "scopes": ["read"]})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // Revoked: refused.
    let id = tok["id"].as_i64().unwrap();
    assert_eq!(
        t.delete(&format!("/api/tokens/{id}"), &me).await.status,
        StatusCode::NO_CONTENT
    );
    let r = t.get("/api/applications", &bearer).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json()["rule"], "token.invalid");
    // A submit-scoped token applies without CSRF (no cookie involved).
    let r = t
        .post(
            "/api/tokens",
            &me,
            &json!({"name": "integrator", "scopes": ["read", "submit"]}),
        )
        .await;
    let bearer = Who {
        bearer: r.json()["token"].as_str().map(String::from),
        ..Default::default()
    };
    let r = t
        .submit_signed(
            &bearer,
            CITIZEN,
            &json!({"regulation": REG, "provider": PROVIDER}),
            "c",
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

/// NCA's test IIN 123456789011 keeps no IIN rule: production refuses to register it, naming
/// the field; a server run with `--test-identities` (a test PKI) registers it.
#[tokio::test]
async fn test_identities_register_only_on_a_test_pki() {
    let body = json!({"iin": "123456789011", "name": "Тест Тестов", "password": "a long password"});
    let t = TestApp::new();
    let r = t.post("/api/auth/register", &Who::default(), &body).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("\"iin\""), "{}", r.text());
    assert!(t.state.accounts.by_iin("123456789011").unwrap().is_none());
    assert!(t.state.pki.parse_iin("123456789011").is_err());

    let t = TestApp::with_options(t0(), |o| o.trust.test_identities = true);
    let r = t.post("/api/auth/register", &Who::default(), &body).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    assert!(t.state.accounts.by_iin("123456789011").unwrap().is_some());
    assert!(t.state.pki.parse_iin("123456789011").is_ok());
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(
    register_through_the_form_then_use_the_session,
    registration_names_the_iin_rule_broken,
    five_failed_logins_lock_the_account,
    login_form_follows_only_local_next,
    session_api_calls_need_the_csrf_header,
    api_tokens_are_scoped_and_revocable,
    test_identities_register_only_on_a_test_pki,
);

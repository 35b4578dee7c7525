//! The API's contract: RFC 9457 problems naming field and rule, idempotent submission,
//! pagination, the OpenAPI 3.1 document listing every route, languages of the pages.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

fn assert_problem(r: &Resp, status: u16, field: Option<&str>, rule: &str) -> Value {
    assert_eq!(r.status.as_u16(), status, "{}", r.text());
    assert_eq!(r.content_type(), "application/problem+json");
    let p = r.json();
    for k in ["type", "title", "status", "detail", "rule"] {
        assert!(!p[k].is_null(), "problem lacks `{k}`: {p}");
    }
    assert_eq!(p["status"], status);
    assert_eq!(p["rule"], rule, "{p}");
    assert_eq!(p["type"], format!("/problems/{rule}"));
    if let Some(f) = field {
        assert_eq!(p["field"], f, "{p}");
    }
    p
}

#[tokio::test]
async fn bad_input_is_a_problem_naming_field_and_rule() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let key = [("Idempotency-Key", "k1")];
    let r = t
        .post_with("/api/applications", &me, &json!({"regulation": REG}), &key)
        .await;
    assert_problem(&r, 422, Some("provider"), "required");
    let r = t
        .post_with(
            "/api/applications",
            &me,
            &json!({"regulation": 5, "provider": PROVIDER}),
            &key,
        )
        .await;
    assert_problem(&r, 422, Some("regulation"), "type");
    let r = t
        .post_with(
            "/api/applications",
            &me,
            &json!({"regulation": "no-such", "provider": PROVIDER}),
            &key,
        )
        .await;
    assert_problem(&r, 422, Some("regulation"), "regulation.unknown");
    let r = t
        .post_with(
            "/api/applications",
            &me,
            &json!({"regulation": REG, "provider": "nobody"}),
            &key,
        )
        .await;
    assert_problem(&r, 422, Some("provider"), "provider.unknown");
    let r = t
        .post_with(
            "/api/applications",
            &me,
            &json!({"regulation": REG, "provider": OTHER_PROVIDER}),
            &key,
        )
        .await;
    assert_problem(&r, 422, Some("provider"), "provider.type");
    let r = t
        .post(
            "/api/applications",
            &me,
            &json!({"regulation": REG, "provider": PROVIDER}),
        )
        .await;
    assert_problem(&r, 400, Some("Idempotency-Key"), "idempotency_key.required");
    let r = t
        .send(
            axum::http::Request::post("/api/auth/login")
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{not json"))
                .unwrap(),
        )
        .await;
    assert_problem(&r, 422, Some("(body)"), "json.syntax");
    let r = t
        .send(
            axum::http::Request::post("/api/auth/login")
                .body(axum::body::Body::from("login=x"))
                .unwrap(),
        )
        .await;
    assert_problem(&r, 415, None, "content_type");

    let id = t.apply_portal(&me, REG, PROVIDER).await;
    let exec = t.staff(PROVIDER, "executor").await;
    let (step, _, _) = t.current(&id).await.unwrap();
    let r = t.act(&exec, &id, step, json!({"outcome": "approve"})).await;
    assert_problem(&r, 422, Some("outcome"), "enum");
    let r = t.act(&exec, &id, step + 1, json!({})).await;
    assert_problem(&r, 409, Some("step"), "wrong_step");
    let r = t
        .act(&exec, &id, step, json!({"outcome": "motivated_refusal"}))
        .await;
    assert_problem(&r, 422, Some("outcome"), "no_such_branch");
    let r = t
        .act(&exec, &id, step, json!({"outcome": "fail", "grounds": " "}))
        .await;
    assert_problem(&r, 422, Some("grounds"), "invalid");

    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let bad_iin =
        json!({"regulation": REG, "applicant_iin": "100515500004", "applicant_name": "X"});
    let r = t
        .post_with(
            "/api/office/applications",
            &clerk,
            &bad_iin,
            &[("accept-language", "en")],
        )
        .await;
    let p = assert_problem(&r, 422, Some("applicant_iin"), "iin.check_digit");
    assert!(
        p["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("check digit"),
        "{p}"
    );
    let r = t.post("/api/office/applications", &clerk, &bad_iin).await;
    let p = assert_problem(&r, 422, Some("applicant_iin"), "iin.check_digit");
    assert!(
        p["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("бақылау цифры"),
        "Kazakh by default: {p}"
    );
    let r = t
        .get(
            "/api/monitoring/sla?from=yesterday",
            &t.login("monitor", MONITOR_PW).await,
        )
        .await;
    assert_problem(&r, 422, Some("from"), "date");
    let r = t.get("/api/services/nope", &Who::default()).await;
    assert_problem(&r, 404, None, "not_found");
}

#[tokio::test]
async fn a_retried_submission_returns_the_first_result() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let body = t.signed(
        CITIZEN,
        &json!({"regulation": REG, "provider": PROVIDER}),
        "same",
    );
    let a = t
        .post_with(
            "/api/applications",
            &me,
            &body,
            &[("Idempotency-Key", "same")],
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let b = t
        .post_with(
            "/api/applications",
            &me,
            &body,
            &[("Idempotency-Key", "same")],
        )
        .await;
    assert_eq!(b.status, StatusCode::OK);
    assert_eq!(a.json()["id"], b.json()["id"]);
    assert_eq!(b.json()["replayed"], true);
    // Keys are per account: another citizen's same key is a new application.
    let her = t.login(OTHER_CITIZEN, CITIZEN_PW).await;
    let c = t
        .submit_signed(
            &her,
            OTHER_CITIZEN,
            &json!({"regulation": REG, "provider": PROVIDER}),
            "same",
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED);
    assert_ne!(a.json()["id"], c.json()["id"]);
    assert_eq!(
        t.get("/api/applications", &me).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn lists_are_paginated() {
    let t = TestApp::new();
    let all = t.get("/api/services", &Who::default()).await.json();
    let n = all["items"].as_array().unwrap().len();
    assert_eq!(n, 11);
    assert!(all["next_cursor"].is_null());
    let p1 = t.get("/api/services?limit=4", &Who::default()).await.json();
    assert_eq!(p1["items"].as_array().unwrap().len(), 4);
    let cursor = p1["next_cursor"].as_str().unwrap().to_string();
    let mut seen: Vec<Value> = p1["items"].as_array().unwrap().clone();
    let mut next = Some(cursor);
    while let Some(c) = next {
        let p = t
            .get(
                &format!("/api/services?limit=4&cursor={c}"),
                &Who::default(),
            )
            .await
            .json();
        seen.extend(p["items"].as_array().unwrap().iter().cloned());
        next = p["next_cursor"].as_str().map(String::from);
    }
    assert_eq!(seen, *all["items"].as_array().unwrap());
    assert_problem(
        &t.get("/api/services?cursor=zzz", &Who::default()).await,
        422,
        Some("cursor"),
        "cursor",
    );
    assert_problem(
        &t.get("/api/services?limit=0", &Who::default()).await,
        422,
        Some("limit"),
        "range",
    );
    // Search.
    let found = t
        .get("/api/services?q=тегін%20тамақ", &Who::default())
        .await
        .json();
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["id"] == REG)
    );
}

/// Every route the server serves, as the OpenAPI document must list it.
const ROUTES: &[(&str, &str)] = &[
    ("post", "/api/auth/register"),
    ("post", "/api/auth/login"),
    ("post", "/api/auth/logout"),
    ("get", "/api/me"),
    ("get", "/api/tokens"),
    ("post", "/api/tokens"),
    ("delete", "/api/tokens/{id}"),
    ("get", "/api/orgs"),
    ("get", "/api/services"),
    ("get", "/api/services/{id}"),
    ("get", "/api/services/{id}/diagram.svg"),
    ("get", "/api/applications"),
    ("post", "/api/applications"),
    ("get", "/api/applications/{id}"),
    ("post", "/api/applications/{id}/actions"),
    ("post", "/api/office/applications"),
    ("post", "/api/sc/applications"),
    ("get", "/api/sc/unclaimed"),
    ("post", "/api/sc/unclaimed/return"),
    ("get", "/api/notifications"),
    ("get", "/api/monitoring/sla"),
    ("get", "/api/documents/{application}/{file}"),
    ("get", "/verify/{code}"),
    ("get", "/verify"),
    ("post", "/verify"),
    ("post", "/api/applications/request-bytes"),
    ("get", "/services/{id}/request.json"),
    ("post", "/admin/clock"),
    ("put", "/api/orgs/{id}/signing-role"),
    ("get", "/api/queue/{district}"),
    ("post", "/api/queue/places"),
    ("post", "/api/queue/referrals/{id}"),
    ("get", "/metrics"),
    ("get", "/healthz"),
    ("get", "/health"),
    ("get", "/ready"),
    ("get", "/openapi.json"),
    ("get", "/"),
    ("get", "/login"),
    ("post", "/login"),
    ("get", "/register"),
    ("post", "/register"),
    ("post", "/logout"),
    ("get", "/account/password"),
    ("post", "/account/password"),
    ("post", "/api/account/password"),
    ("get", "/services"),
    ("get", "/services/{id}"),
    ("post", "/services/{id}/apply"),
    ("get", "/cabinet"),
    ("get", "/applications/{id}"),
    ("post", "/applications/{id}/act"),
    ("get", "/work"),
    ("post", "/work/intake"),
    ("get", "/sc"),
    ("post", "/sc/intake"),
    ("post", "/sc/return"),
    ("post", "/applications/{id}/rerequest"),
    ("post", "/api/sc/applications/{id}/rerequest"),
    ("get", "/monitoring"),
    ("get", "/admin"),
    ("post", "/admin/clock/form"),
    ("get", "/tokens"),
    ("post", "/tokens"),
    ("post", "/tokens/{id}/revoke"),
    ("get", "/queue"),
    ("get", "/queue/{district}"),
    ("post", "/queue/referrals/{id}/{act}"),
    ("post", "/queue/children/{id}/category"),
    ("get", "/work/queue"),
    ("post", "/work/queue/places"),
    ("get", "/api/applications/{id}/uploads"),
    ("get", "/api/applications/{id}/uploads/{n}"),
    ("get", "/api/sc/slots"),
    ("post", "/api/applications/{id}/booking"),
    ("delete", "/api/applications/{id}/booking"),
    ("get", "/api/sc/bookings"),
    ("get", "/applications/{id}/booking"),
    ("post", "/applications/{id}/booking"),
    ("post", "/applications/{id}/booking/cancel"),
    ("get", "/sc/bookings"),
    ("get", "/sc/lookup"),
    ("get", "/applications/{id}/preview.pdf"),
    ("post", "/applications/{id}/to-sign"),
    ("post", "/applications/{id}/to-sign.pdf"),
    ("get", "/static/ncalayer.js"),
];

#[tokio::test]
async fn openapi_document_is_3_1_and_lists_every_route() {
    let t = TestApp::new();
    let r = t.get("/openapi.json", &Who::default()).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in ROUTES {
        assert!(
            paths.get(*path).and_then(|p| p.get(*method)).is_some(),
            "{method} {path} is not in the OpenAPI document"
        );
    }
    let listed: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
    assert_eq!(
        listed,
        ROUTES.len(),
        "a route is served but not in this test's list"
    );
    // Every listed route is actually routed (no 404 from the router itself).
    for (method, path) in ROUTES {
        let uri = path
            .replace("{id}", "1")
            .replace("{application}", "x")
            .replace("{file}", "receipt.pdf")
            .replace("{code}", "c")
            .replace("{n}", "1");
        let req = axum::http::Request::builder()
            .method(method.to_uppercase().as_str())
            .uri(&uri)
            .body(axum::body::Body::empty())
            .unwrap();
        let r = t.send(req).await;
        let unrouted = r.status == StatusCode::NOT_FOUND && r.body.is_empty();
        assert!(
            !unrouted && r.status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {uri}: {}",
            r.status
        );
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn pages_speak_three_languages() {
    let t = TestApp::new();
    let kk = t.get_html("/services", &Who::default()).await;
    let csp = kk
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'none'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(kk.headers.get("x-content-type-options").unwrap(), "nosniff");
    assert!(
        kk.text().contains(r#"<html lang="kk">"#),
        "Kazakh by default"
    );
    let ru = t.get_html("/services?lang=ru", &Who::default()).await;
    assert!(ru.text().contains(r#"<html lang="ru">"#) && ru.text().contains("Поиск услуг"));
    assert!(
        ru.set_cookies().contains(&"qz_lang=ru".to_string()),
        "the choice is remembered"
    );
    let en = t
        .get_html(
            "/services",
            &Who {
                cookie: Some("qz_lang=en".into()),
                ..Default::default()
            },
        )
        .await;
    assert!(en.text().contains(r#"<html lang="en">"#) && en.text().contains("Search services"));
    let accept = t
        .send(
            axum::http::Request::get("/")
                .header("accept-language", "ru-RU,ru;q=0.9")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(accept.text().contains(r#"<html lang="ru">"#));
    // No interface key shows through untranslated on the main pages, in any language.
    let me = t.citizen().await;
    let id = t.apply_portal(&me, REG, PROVIDER).await;
    for lang in ["kk", "ru", "en"] {
        for path in [
            "/",
            "/services",
            &format!("/services/{REG}"),
            "/cabinet",
            &format!("/applications/{id}"),
        ] {
            let sep = if path.contains('?') { '&' } else { '?' };
            let html = t
                .get_html(&format!("{path}{sep}lang={lang}"), &me)
                .await
                .text();
            for prefix in [
                "nav.",
                "app.",
                "timeline.",
                "sla.",
                "status.",
                "closure.",
                "outcome.",
                "role.",
                "unit.",
                "channel.",
                "apply.",
                "list.",
                "act.",
            ] {
                assert!(
                    !html.contains(&format!(">{prefix}")),
                    "{lang} {path} shows a raw key {prefix}…"
                );
            }
        }
    }
}

#[tokio::test]
async fn service_page_shows_the_process_diagram_and_the_form() {
    let t = TestApp::new();
    let anon = t
        .get_html(&format!("/services/{REG}"), &Who::default())
        .await
        .text();
    assert!(anon.contains("<svg") && anon.contains("/login?next="));
    let me = t.citizen().await;
    let page = t
        .get_html(&format!("/services/{REG}?lang=ru"), &me)
        .await
        .text();
    assert!(page.contains(r#"action="/services/ekr-free-meals-tvet/apply""#));
    assert!(page.contains(r#"<label for="f-provider">"#));
    let svg = t
        .get(
            &format!("/api/services/{REG}/diagram.svg?flow=office"),
            &Who::default(),
        )
        .await;
    assert_eq!(svg.status, StatusCode::OK);
    assert!(svg.content_type().starts_with("image/svg+xml"));
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(
    bad_input_is_a_problem_naming_field_and_rule,
    a_retried_submission_returns_the_first_result,
    lists_are_paginated,
    pages_speak_three_languages,
    service_page_shows_the_process_diagram_and_the_form,
);

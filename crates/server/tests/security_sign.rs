//! Issue 9, the security probe's findings on signatures and input, each replayed as the attack
//! it was: a back-dated signingTime on an expired certificate, a 200 kB multipart boundary on
//! `/verify`, authentication and employee certificates on a citizen's request, the accepted
//! signature missing from the journal, refusals flooding the journal, and input that reached
//! the store or a 500 (far dates, unborn IINs, long or bidi-spoofed names, trailing JSON).

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use identity::keys::PrivateKey;
use identity::pki::{CertificateRequest, Holder, Usage};
use identity::x509_cert::Certificate;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn sample_data() -> Value {
    static DATA: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DATA.get_or_init(|| {
        serde_json::to_value(testkit::seed_ctx().sample_data(REG, t0(), 0)).unwrap()
    })
    .clone()
}

fn portal_body() -> Value {
    // With the application's data: what the citizen signs includes it.
    json!({"regulation": REG, "provider": PROVIDER, "data": sample_data()})
}

/// The portal body signed by `key`/`cert` at `at` for idempotency key `k`.
fn signed_by(key: &PrivateKey, cert: &Certificate, k: &str, at: jiff::Timestamp) -> Value {
    let req: server::ops::PortalSubmission = serde_json::from_value(portal_body()).unwrap();
    let mut b = portal_body();
    b["signature"] = json!(sign_with(key, cert, &req.request_bytes(CITIZEN, k), at));
    b
}

async fn submit(t: &TestApp, who: &Who, body: &Value, k: &str) -> Resp {
    t.post_with(
        "/api/applications",
        who,
        body,
        &[("Idempotency-Key", k), ("accept-language", "en")],
    )
    .await
}

fn refused_rows(t: &TestApp) -> usize {
    t.state
        .store
        .outbox_pending(10_000)
        .unwrap()
        .into_iter()
        .filter(|o| matches!(o.event, store::Event::RequestRefused { .. }))
        .count()
}

/// A request with a raw body and the session of `who`.
fn raw(method: &str, uri: &str, who: &Who, content_type: &str, body: Vec<u8>) -> Request<Body> {
    let mut b = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type);
    if let Some(c) = &who.cookie {
        b = b.header(header::COOKIE, c);
    }
    if let Some(c) = &who.csrf {
        b = b.header("x-csrf-token", c);
    }
    b.body(Body::from(body)).unwrap()
}

// ---- 1. validity at receipt, not at the signer's signingTime --------------------------------

#[tokio::test]
async fn a_back_dated_signing_time_does_not_revive_an_expired_certificate() {
    let t = TestApp::new(); // the server's clock: 2019-12-03
    let me = t.citizen().await;
    let old = t
        .state
        .pki
        .issue(&CertificateRequest::signing(
            citizen_holder(CITIZEN),
            ts("2017-01-01T00:00:00Z"),
            ts("2018-01-01T00:00:00Z"),
        ))
        .unwrap();
    // Signed "on 2017-06-01", as the signer claims; received in 2019.
    let k = "k-backdated";
    let body = signed_by(&old.key, &old.certificate, k, ts("2017-06-01T00:00:00Z"));
    let r = submit(&t, &me, &body, k).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["rule"], "ecp.expired");
    assert!(t.state.store.open_applications().unwrap().is_empty());
}

// ---- 2. multipart: bounded, parsed by multer, off the async workers -------------------------

#[tokio::test]
async fn verify_refuses_a_huge_multipart_boundary_at_once() {
    let t = TestApp::new();
    let boundary = "a".repeat(199_999);
    let mut body = Vec::new();
    while body.len() + boundary.len() + 64 < 1_900_000 {
        body.extend_from_slice(b"--");
        body.extend_from_slice(boundary.as_bytes());
        body.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n");
    }
    let ct = format!("multipart/form-data; boundary={boundary}");
    let started = Instant::now();
    let r = t
        .send(raw("POST", "/verify", &Who::default(), &ct, body))
        .await;
    let took = started.elapsed();
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let p = r.json();
    assert_eq!(p["rule"], "multipart");
    assert!(p["detail"].as_str().unwrap().contains("70"), "{p}");
    assert!(took < Duration::from_millis(500), "took {took:?}");
}

#[tokio::test]
async fn a_normal_multipart_upload_is_still_checked() {
    let t = TestApp::new();
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let id = t.open_office(&clerk).await;
    let pdf = t
        .get(&format!("/api/documents/{id}/receipt.pdf"), &clerk)
        .await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
    let upload = |data: &[u8]| {
        let mut body = b"--x-7d1f\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.pdf\"\r\nContent-Type: application/pdf\r\n\r\n".to_vec();
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n--x-7d1f--\r\n");
        raw(
            "POST",
            "/verify",
            &Who::default(),
            "multipart/form-data; boundary=x-7d1f",
            body,
        )
    };
    let r = t.send(upload(&pdf.body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "unsigned");
    let r = t.send(upload(b"%PDF-1.7 not ours")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["rule"], "verify.unknown_document");
    // Too many parts is refused too.
    let mut body = Vec::new();
    for _ in 0..10 {
        body.extend_from_slice(b"--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n");
    }
    body.extend_from_slice(b"--x--\r\n");
    let r = t
        .send(raw(
            "POST",
            "/verify",
            &Who::default(),
            "multipart/form-data; boundary=x",
            body,
        ))
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text());
}

// ---- 3. the certificate must be an individual's signing certificate -------------------------

#[tokio::test]
async fn authentication_and_employee_certificates_do_not_sign_a_citizens_request() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let now = t.state.now();
    let (nb, na) = (
        now - jiff::SignedDuration::from_hours(24),
        now + jiff::SignedDuration::from_hours(24 * 300),
    );
    // AUTH_…: digitalSignature + keyEncipherment, no nonRepudiation.
    let mut auth = CertificateRequest::signing(citizen_holder(CITIZEN), nb, na);
    auth.key_usage = Usage::AUTH.to_vec();
    let auth = t.state.pki.issue(&auth).unwrap();
    let r = submit(
        &t,
        &me,
        &signed_by(&auth.key, &auth.certificate, "k-auth", now),
        "k-auth",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["rule"], "ecp.key_usage");
    // An employee's signing certificate that names the citizen's IIN, for an organisation.
    let employee = Holder::Staff {
        iin: identity::Iin::parse(CITIZEN).unwrap(),
        surname: "СЕЙІТОВ".into(),
        given_name: "ӘЛІБЕК".into(),
        patronymic: None,
        bin: server::signing::synthetic_bin(PROVIDER),
        organization: "ЖШС «Тест»".into(),
    };
    let emp = t
        .state
        .pki
        .issue(&CertificateRequest::signing(employee, nb, na))
        .unwrap();
    let r = submit(
        &t,
        &me,
        &signed_by(&emp.key, &emp.certificate, "k-emp", now),
        "k-emp",
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let p = r.json();
    assert_eq!(p["rule"], "ecp.holder_kind");
    assert!(p["detail"].as_str().unwrap().contains("individual"), "{p}");
    assert!(t.state.store.open_applications().unwrap().is_empty());
    // The citizen's own signing certificate still works.
    let r = t.submit_signed(&me, CITIZEN, &portal_body(), "k-own").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

// ---- 4. the accepted signature is journalled ------------------------------------------------

#[tokio::test]
async fn the_accepted_signature_is_kept_in_the_journal() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let k = "k-journal";
    let r = t.submit_signed(&me, CITIZEN, &portal_body(), k).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let events = t.events(&id);
    let store::Event::Submitted {
        signature: Some(sig),
        ..
    } = &events[0]
    else {
        panic!("no signature in {:?}", events[0]);
    };
    let req: server::ops::PortalSubmission = serde_json::from_value(portal_body()).unwrap();
    assert_eq!(sig.request.as_bytes(), req.request_bytes(CITIZEN, k));
    assert_eq!(
        sig.request_sha256,
        documents::content_hash(sig.request.as_bytes())
    );
    let cms = server::signing::base64_decode(&sig.cms).unwrap();
    let now = t.state.now();
    let v = t
        .state
        .pki
        .verifier(now)
        .unwrap()
        .verify(
            &cms,
            Some(sig.request.as_bytes()),
            &identity::Iin::parse(CITIZEN).unwrap(),
            now,
        )
        .unwrap();
    assert_eq!(v.iin.unwrap().as_str(), CITIZEN);
    // The chain holds with the new field; paper applications carry none.
    assert!(t.state.store.verify_journal().unwrap().is_ok());
    let json = serde_json::to_string(&events[0]).unwrap();
    assert!(json.contains("\"signature\""));
}

// ---- 5. refusals are rate-limited per account -----------------------------------------------

#[tokio::test]
async fn refusals_past_the_limit_answer_429_and_write_nothing() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let junk = |k: &str| {
        let mut b = portal_body();
        b["signature"] = json!(format!("MIIB{k}"));
        b
    };
    let n = server::signing::REFUSALS_PER_WINDOW;
    for i in 0..n {
        let k = format!("junk-{i}");
        let r = submit(&t, &me, &junk(&k), &k).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{i}: {}",
            r.text()
        );
    }
    assert_eq!(refused_rows(&t), n);
    let r = submit(&t, &me, &junk("junk-over"), "junk-over").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.text());
    assert_eq!(r.json()["rule"], "signature.too_many_refusals");
    assert_eq!(refused_rows(&t), n, "nothing written past the limit");
    // An hour later the account may be refused (and journalled) again.
    t.state.clock.advance(jiff::SignedDuration::from_mins(61));
    let r = submit(&t, &me, &junk("junk-later"), "junk-later").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(refused_rows(&t), n + 1);
}

// ---- 6. input validation --------------------------------------------------------------------

#[tokio::test]
async fn a_far_slot_date_is_a_400_naming_the_range() {
    let t = TestApp::new();
    let me = t.citizen().await;
    for date in ["9999-12-31", "1970-01-01"] {
        let r = t.get(&format!("/api/sc/slots?date={date}"), &me).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{date}: {}", r.text());
        let p = r.json();
        assert_eq!(p["field"], "date");
        assert_eq!(p["rule"], "date.range");
        assert!(p["detail"].as_str().unwrap().contains("2000-01-01"), "{p}");
    }
    let r = t.get("/api/sc/slots?date=2019-12-03", &me).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

#[tokio::test]
async fn an_iin_born_after_today_is_refused() {
    let t = TestApp::new();
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let unborn = (0..1000)
        .find_map(|n| {
            identity::Iin::from_parts(jiff::civil::date(2099, 1, 1), identity::Sex::Male, n).ok()
        })
        .unwrap();
    let r = t
        .office_post(&clerk, unborn.as_str(), "Әлібек Сейітов")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let p = r.json();
    assert_eq!(p["field"], "applicant_iin");
    assert_eq!(p["rule"], "iin.birth_date_future");
    assert!(t.state.store.open_applications().unwrap().is_empty());
}

#[tokio::test]
async fn long_names_and_control_or_bidi_characters_are_refused() {
    let t = TestApp::new();
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let cases = [
        ("x".repeat(1 << 20), "name.too_long"),
        ("Әлібек\u{0}Сейітов".to_string(), "name.forbidden_character"),
        (
            "Әлібек \u{202E}вотійеС".to_string(),
            "name.forbidden_character",
        ),
    ];
    for (name, rule) in &cases {
        let r = t.office_post(&clerk, CITIZEN, name).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{rule}: {}",
            r.text()
        );
        let p = r.json();
        assert_eq!(p["field"], "applicant_name", "{p}");
        assert_eq!(p["rule"], *rule, "{p}");
    }
    assert!(t.state.store.open_applications().unwrap().is_empty());
    let r = t.office_post(&clerk, CITIZEN, &"Ә".repeat(200)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

#[tokio::test]
async fn json_followed_by_garbage_is_a_400() {
    let t = TestApp::new();
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let good =
        json!({"regulation": REG, "applicant_iin": CITIZEN, "applicant_name": "Әлібек Сейітов",
               "data": sample_data()})
        .to_string();
    let post = |body: String| {
        t.send(raw(
            "POST",
            "/api/office/applications",
            &clerk,
            "application/json",
            body.into_bytes(),
        ))
    };
    let r = post(format!("{good} {{\"x\":1}}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(r.json()["rule"], "json.trailing");
    assert!(t.state.store.open_applications().unwrap().is_empty());
    // Trailing whitespace is fine.
    let r = post(format!("{good} \n")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(
    a_back_dated_signing_time_does_not_revive_an_expired_certificate,
    verify_refuses_a_huge_multipart_boundary_at_once,
    a_normal_multipart_upload_is_still_checked,
    authentication_and_employee_certificates_do_not_sign_a_citizens_request,
    the_accepted_signature_is_kept_in_the_journal,
    refusals_past_the_limit_answer_429_and_write_nothing,
    a_far_slot_date_is_a_400_naming_the_range,
    an_iin_born_after_today_is_refused,
    long_names_and_control_or_bidi_characters_are_refused,
    json_followed_by_garbage_is_a_400,
);

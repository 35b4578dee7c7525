//! Document uploads on portal applications and the State Corporation e-queue.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec()
}

fn png() -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    b.extend_from_slice(b"\0\0\0\rIHDR rest of a tiny png");
    b
}

fn doc(name: &str, data: &[u8]) -> Value {
    json!({"filename": name, "content_base64": server::signing::base64_encode(data)})
}

fn key() -> String {
    format!(
        "k-{}",
        server::accounts::hex(&server::accounts::random_bytes::<6>())
    )
}

async fn submit_with_docs(t: &TestApp, who: &Who, docs: Vec<Value>) -> Resp {
    let body = json!({"regulation": REG, "provider": PROVIDER, "documents": docs});
    t.submit_signed(who, CITIZEN, &body, &key()).await
}

fn stored(t: &TestApp) -> i64 {
    server::uploads::stored_count(&t.state).unwrap()
}

#[tokio::test]
async fn uploads_are_accepted_listed_and_downloadable_by_those_who_see_the_application() {
    let t = TestApp::new();
    let citizen = t.citizen().await;
    let r = submit_with_docs(
        &t,
        &citizen,
        vec![doc("passport.pdf", &pdf()), doc("photo.PNG", &png())],
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();

    let list = t
        .get(&format!("/api/applications/{id}/uploads"), &citizen)
        .await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    let list = list.json();
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["filename"], "passport.pdf");
    assert_eq!(items[0]["content_type"], "application/pdf");
    assert_eq!(items[1]["content_type"], "image/png");
    assert_eq!(
        items[0]["sha256"],
        server::uploads::sha256_hex(&pdf()).as_str()
    );
    // The detail lists them too.
    let d = t.app(&citizen, &id).await;
    assert_eq!(d["uploads"].as_array().unwrap().len(), 2);
    // Download.
    let url = items[1]["url"].as_str().unwrap().to_string();
    let got = t.get(&url, &citizen).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.content_type(), "image/png");
    assert_eq!(got.body, png());
    // The provider's staff see and download them.
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let l2 = t
        .get(&format!("/api/applications/{id}/uploads"), &clerk)
        .await;
    assert_eq!(l2.status, StatusCode::OK, "{}", l2.text());
    assert_eq!(l2.json().as_array().unwrap().len(), 2);
    assert_eq!(t.get(&url, &clerk).await.body, png());
    // Another citizen and another provider's staff do not.
    let other = t.login(OTHER_CITIZEN, CITIZEN_PW).await;
    assert_eq!(
        t.get(&format!("/api/applications/{id}/uploads"), &other)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(t.get(&url, &other).await.status, StatusCode::NOT_FOUND);
    let stranger = t.staff(OTHER_PROVIDER, "office_clerk").await;
    assert_eq!(t.get(&url, &stranger).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.get(&url, &Who::default()).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The page lists them for the citizen.
    let page = t.get_html(&format!("/applications/{id}"), &citizen).await;
    assert!(page.text().contains("passport.pdf"), "{}", page.text());
    assert!(page.text().contains(&url));
}

#[tokio::test]
async fn bad_uploads_are_refused_naming_the_rule_and_nothing_is_stored() {
    let t = TestApp::new();
    let citizen = t.citizen().await;
    // Too large.
    let mut big = pdf();
    big.resize(server::uploads::MAX_BYTES + 1, b' ');
    let r = submit_with_docs(
        &t,
        &citizen,
        vec![doc("ok.pdf", &pdf()), doc("big.pdf", &big)],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let p = r.json();
    assert_eq!(p["rule"], "documents.too_large");
    assert_eq!(p["field"], "documents[1]");
    assert!(r.content_type().starts_with("application/problem+json"));
    // Wrong type: not a PDF whatever its name says; a PNG named .pdf.
    let r = submit_with_docs(
        &t,
        &citizen,
        vec![doc("virus.pdf", b"MZ\x90\x00 not a pdf")],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["rule"], "documents.type");
    assert_eq!(r.json()["field"], "documents[0]");
    let r = submit_with_docs(&t, &citizen, vec![doc("scan.pdf", &png())]).await;
    assert_eq!(r.json()["rule"], "documents.type");
    // Too many.
    let docs: Vec<Value> = (0..11).map(|i| doc(&format!("{i}.pdf"), &pdf())).collect();
    let r = submit_with_docs(&t, &citizen, docs).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["rule"], "documents.too_many");
    // Nothing stored: no file, no application.
    assert_eq!(stored(&t), 0);
    let apps = t.get("/api/applications", &citizen).await.json();
    assert!(apps["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn the_signature_covers_the_uploads() {
    let t = TestApp::new();
    let citizen = t.citizen().await;
    let k = key();
    // Signed without documents, sent with one: the signature does not cover the request.
    let body = json!({"regulation": REG, "provider": PROVIDER});
    let mut signed = t.signed(CITIZEN, &body, &k);
    signed["documents"] = json!([doc("a.pdf", &pdf())]);
    let r = t
        .post_with(
            "/api/applications",
            &citizen,
            &signed,
            &[("Idempotency-Key", &k)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["field"], "signature");
    assert_eq!(stored(&t), 0);
    // The canonical bytes list the SHA-256 of the uploads, sorted.
    let body = json!({"regulation": REG, "provider": PROVIDER, "documents": [doc("b.png", &png()), doc("a.pdf", &pdf())]});
    let r = t
        .post_with(
            "/api/applications/request-bytes",
            &citizen,
            &body,
            &[("Idempotency-Key", &k)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mut h = [
        server::uploads::sha256_hex(&pdf()),
        server::uploads::sha256_hex(&png()),
    ];
    h.sort();
    let req = r.json()["request"].as_str().unwrap().to_string();
    assert!(
        req.contains(&format!(r#""documents":["{}","{}"]"#, h[0], h[1])),
        "{req}"
    );
}

#[tokio::test]
async fn the_portal_form_takes_files_without_javascript() {
    let t = TestApp::new();
    let citizen = t.citizen().await;
    let cookie = citizen.cookie.clone().unwrap();
    let page = t.get_html(&format!("/services/{REG}"), &citizen).await;
    let html = page.text();
    assert!(html.contains(r#"enctype="multipart/form-data""#));
    assert!(html.contains(r#"type="file""#) && html.contains(r#"name="documents""#));
    let csrf = hidden(&html, "csrf").unwrap();
    let k = hidden(&html, "key").unwrap();
    let action = format!("/services/{REG}/apply");
    // A wrong file: the form again, naming the rule; nothing stored.
    let fields = [
        ("csrf", csrf.as_str()),
        ("key", k.as_str()),
        ("provider", PROVIDER),
        ("confirm", "yes"),
    ];
    let r = t
        .multipart(
            &action,
            &cookie,
            &fields,
            &[("documents", "x.pdf", &b"GIF89a"[..])],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(
        r.text().contains("documents.type") || r.text().contains("x.pdf"),
        "{}",
        r.text()
    );
    assert_eq!(stored(&t), 0);
    // Good files: the signing step shows their SHA-256 in the bytes to sign.
    let r = t
        .multipart(
            &action,
            &cookie,
            &fields,
            &[
                ("documents", "id.pdf", &pdf()[..]),
                ("documents", "", &b""[..]),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let sign = r.text();
    assert!(
        sign.contains(&server::uploads::sha256_hex(&pdf())),
        "{sign}"
    );
    assert!(sign.contains("id.pdf"));
    // Sign with the demo key: submitted with the file.
    let r = t
        .form(
            &action,
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("key", &k),
                ("provider", PROVIDER),
                ("phone", ""),
                ("confirm", "yes"),
                ("stage", "sign"),
                ("sign", "demo"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let id = r
        .location()
        .trim_start_matches("/applications/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let list = t
        .get(&format!("/api/applications/{id}/uploads"), &citizen)
        .await
        .json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["filename"], "id.pdf");
}

/// An application of `iin` taken in at the State Corporation and walked to awaiting issue
/// at its desk.
async fn awaiting_issue(t: &TestApp, iin: &str) -> String {
    let operator = t
        .staff("state_corporation", "state_corporation_operator")
        .await;
    let r = t
        .post(
            "/api/sc/applications",
            &operator,
            &json!({"regulation": REG, "provider": PROVIDER, "applicant_iin": iin, "applicant_name": "Тест Тестұлы"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    while let Some((step, role, org)) = t.current(&id).await {
        let who = t.staff(&org, &role).await;
        if t.app(&who, &id).await["current"]["needs_presented"] == true {
            break;
        }
        let r = t.act(&who, &id, step, json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    }
    assert_eq!(t.app(&operator, &id).await["status"], "awaiting_issue");
    id
}

async fn free_slots(t: &TestApp, who: &Who) -> Vec<Value> {
    let r = t.get("/api/sc/slots", who).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert!(!v["centres"].as_array().unwrap().is_empty());
    v["slots"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["available"] == true)
        .cloned()
        .collect()
}

#[tokio::test]
async fn booking_a_slot_to_collect_a_result() {
    let t = TestApp::new();
    let citizen = t.citizen().await;
    let other = t.login(OTHER_CITIZEN, CITIZEN_PW).await;
    let id = awaiting_issue(&t, CITIZEN).await;
    let other_id = awaiting_issue(&t, OTHER_CITIZEN).await;
    let slots = free_slots(&t, &citizen).await;
    // 15-minute slots from the next working minutes, on working days only.
    assert!(slots.len() > 100, "{}", slots.len());
    let first: jiff::Timestamp = slots[0]["start"].as_str().unwrap().parse().unwrap();
    assert!(first > t.state.now());
    let slot = slots[0]["id"].as_i64().unwrap();
    let url = format!("/api/applications/{id}/booking");
    let r = t.post(&url, &citizen, &json!({"slot": slot})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["slot"], slot);
    // The slot is taken now, for everyone.
    assert!(
        !free_slots(&t, &citizen)
            .await
            .iter()
            .any(|s| s["id"] == slot)
    );
    let r = t
        .post(
            &format!("/api/applications/{other_id}/booking"),
            &other,
            &json!({"slot": slot}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.json()["rule"], "equeue.slot_taken");
    // One active booking per application.
    let slot2 = slots[1]["id"].as_i64().unwrap();
    let r = t.post(&url, &citizen, &json!({"slot": slot2})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["rule"], "equeue.already_booked");
    // Not someone else's application.
    let r = t.post(&url, &other, &json!({"slot": slot2})).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    // Not an application that is not awaiting issue.
    let portal = t.apply_portal(&citizen, REG, PROVIDER).await;
    let r = t
        .post(
            &format!("/api/applications/{portal}/booking"),
            &citizen,
            &json!({"slot": slot2}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.json()["rule"], "equeue.not_awaiting_issue");
    // Staff do not book for themselves.
    let operator = t
        .staff("state_corporation", "state_corporation_operator")
        .await;
    let r = t.post(&url, &operator, &json!({"slot": slot2})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    // The application shows the booking; the desk sees the day's bookings.
    assert_eq!(t.app(&citizen, &id).await["booking"]["slot"], slot);
    let day = slots[0]["start"].as_str().unwrap().to_string();
    let day = day
        .parse::<jiff::Timestamp>()
        .unwrap()
        .to_zoned_datetime(calendar::almaty())
        .date()
        .to_string();
    let r = t
        .get(&format!("/api/sc/bookings?date={day}"), &operator)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["application"] == id.as_str())
    );
    assert_eq!(
        t.get("/api/sc/bookings", &citizen).await.status,
        StatusCode::FORBIDDEN
    );
    let desk = t
        .get_html(&format!("/sc/bookings?date={day}"), &operator)
        .await;
    assert_eq!(desk.status, StatusCode::OK);
    assert!(desk.text().contains(&id));
    // Cancel: the slot is free again and another application may take it.
    let r = t.delete(&url, &citizen).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    assert!(t.app(&citizen, &id).await["booking"].is_null());
    assert_eq!(t.delete(&url, &citizen).await.status, StatusCode::NOT_FOUND);
    let r = t
        .post(
            &format!("/api/applications/{other_id}/booking"),
            &other,
            &json!({"slot": slot}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

#[tokio::test]
async fn two_concurrent_bookings_of_a_slot_one_wins() {
    let t = TestApp::new();
    let citizen = t.citizen().await;
    let other = t.login(OTHER_CITIZEN, CITIZEN_PW).await;
    let a = awaiting_issue(&t, CITIZEN).await;
    let b = awaiting_issue(&t, OTHER_CITIZEN).await;
    let slot = free_slots(&t, &citizen).await[3]["id"].as_i64().unwrap();
    let body = json!({"slot": slot});
    let (ua, ub) = (
        format!("/api/applications/{a}/booking"),
        format!("/api/applications/{b}/booking"),
    );
    let (ra, rb) = tokio::join!(t.post(&ua, &citizen, &body), t.post(&ub, &other, &body));
    let mut statuses = [ra.status, rb.status];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    let loser = if ra.status == StatusCode::CONFLICT {
        ra
    } else {
        rb
    };
    assert_eq!(loser.json()["rule"], "equeue.slot_taken");
}

#[tokio::test]
async fn booking_pages_work_without_javascript() {
    let t = TestApp::new();
    let citizen = t.citizen().await;
    let cookie = citizen.cookie.clone().unwrap();
    let id = awaiting_issue(&t, CITIZEN).await;
    let page = t.get_html(&format!("/applications/{id}"), &citizen).await;
    assert!(page.text().contains(&format!("/applications/{id}/booking")));
    let page = t
        .get_html(&format!("/applications/{id}/booking"), &citizen)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    let csrf = hidden(&html, "csrf").unwrap();
    let i = html.find(r#"name="slot" value=""#).expect("a slot radio") + 19;
    let slot = html[i..i + html[i..].find('"').unwrap()].to_string();
    let r = t
        .form(
            &format!("/applications/{id}/booking"),
            Some(&cookie),
            &[("csrf", &csrf), ("slot", &slot)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        t.app(&citizen, &id).await["booking"]["slot"].to_string(),
        slot
    );
    let r = t
        .form(
            &format!("/applications/{id}/booking/cancel"),
            Some(&cookie),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(t.app(&citizen, &id).await["booking"].is_null());
}

#[tokio::test]
async fn openapi_lists_the_new_routes() {
    let t = TestApp::new();
    let doc = t.get("/openapi.json", &Who::default()).await.json();
    let paths = &doc["paths"];
    for (m, p) in [
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
    ] {
        assert!(paths[p][m].is_object(), "{m} {p} missing");
    }
    let desc = doc["components"]["schemas"]["PortalSubmission"]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(desc.contains("documents"), "{desc}");
}

// The same tests on the PostgreSQL store (each on a fresh schema).
// Not `openapi_lists_the_new_routes`: it reads only the OpenAPI document, the same on both.
crate::on_postgres!(
    uploads_are_accepted_listed_and_downloadable_by_those_who_see_the_application,
    bad_uploads_are_refused_naming_the_rule_and_nothing_is_stored,
    the_signature_covers_the_uploads,
    the_portal_form_takes_files_without_javascript,
    booking_a_slot_to_collect_a_result,
    two_concurrent_bookings_of_a_slot_one_wins,
    booking_pages_work_without_javascript,
);

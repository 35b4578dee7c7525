//! End-to-end flows through the real router: a portal application processed by staff to a
//! result in the cabinet, an office refusal to accept, a State Corporation application through
//! the collection sector and courier to the provider and back to the desk, issued after the
//! identity check, and monitoring showing an overdue step after a clock jump.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

#[tokio::test]
async fn portal_application_is_processed_to_a_result_in_the_cabinet() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let id = t.apply_portal(&me, REG, PROVIDER).await;

    // The portal's own steps ran by themselves; the provider's executor holds it now.
    let d = t.app(&me, &id).await;
    assert_eq!(d["status"], "in_progress");
    assert_eq!(d["current"]["role"], "executor");
    assert_eq!(d["current"]["holder"], PROVIDER);
    assert_eq!(d["current"]["can_act"], false, "the citizen cannot act");
    assert!(d["term_due"].is_string(), "the service term is computed");
    assert_eq!(d["timeline"], json!([]), "the steps are the staff's");
    let executor = t.staff(PROVIDER, "executor").await;
    let d = t.app(&executor, &id).await;
    let timeline = d["timeline"].as_array().unwrap();
    assert!(timeline.iter().any(|s| s["state"] == "done"));
    let cur = timeline.iter().find(|s| s["state"] == "current").unwrap();
    assert!(cur["due"].is_string() || cur["duration"].is_null());

    let inbox = t.get("/api/applications", &executor).await.json();
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id.as_str()),
        "in the executor's inbox"
    );
    let step = d["current"]["step"].as_u64().unwrap();
    let r = t
        .act(&executor, &id, step, json!({"note": "documents complete"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // The executor checked the documents (condition 3); the head, the provider's authorised
    // person, signs the result (seed 000, L313-L315).
    let d = r.json();
    assert_eq!(d["status"], "in_progress");
    assert_eq!(d["current"]["role"], "head");
    let head = t.staff(PROVIDER, "head").await;
    let step = d["current"]["step"].as_u64().unwrap();
    let r = t.act(&head, &id, step, json!({"note": "signed"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let d = r.json();
    assert_eq!(d["status"], "closed");
    assert_eq!(d["closure"], "issued");

    // The cabinet lists it with its result.
    let mine = t.get("/api/applications", &me).await.json();
    let item = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id.as_str())
        .unwrap()
        .clone();
    assert_eq!(item["closure"], "issued");
    let d = t.app(&me, &id).await;
    let docs = d["documents"].as_array().unwrap();
    let result = docs
        .iter()
        .find(|x| x["kind"] == "result")
        .expect("a result document");
    let page = t.get_html("/cabinet?lang=ru", &me).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains(&id) && html.contains("result.pdf"), "{html}");
    assert!(html.contains(r#"<html lang="ru">"#));

    // The result as PDF (where fonts are installed).
    if t.state.renderer.is_ok() {
        let pdf = t.get(result["url_ru"].as_str().unwrap(), &me).await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
        assert_eq!(pdf.content_type(), "application/pdf");
        assert!(pdf.body.starts_with(b"%PDF"));
        // Its verification code is now known to /verify.
        let code = t
            .state
            .store
            .document_by_hash(&server::uploads::sha256_hex(&pdf.body))
            .unwrap()
            .expect("a recorded document")
            .code;
        let v = t.get(&format!("/verify/{code}"), &Who::default()).await;
        assert_eq!(v.status, StatusCode::OK);
        assert_eq!(v.json()["application"], id.as_str());
        assert_eq!(
            t.get("/verify/nonexistent", &Who::default()).await.status,
            StatusCode::NOT_FOUND
        );
    } else {
        eprintln!(
            "skipping PDF checks: {}",
            t.state.renderer.as_ref().err().unwrap()
        );
    }

    // Notifications: every status change is logged, once.
    let n = server::notify::dispatch_once(&t.state).unwrap();
    assert!(n >= 3, "submitted, steps, closed: {n}");
    assert_eq!(
        server::notify::dispatch_once(&t.state).unwrap(),
        0,
        "published once"
    );
    let log = t
        .get(&format!("/api/notifications?application={id}"), &me)
        .await
        .json();
    let log = log.as_array().unwrap();
    assert!(
        log.iter()
            .all(|n| n["channel"] == "log" && n["status"] == "sent")
    );
    assert!(
        log.iter()
            .any(|n| n["message"].as_str().unwrap().contains("нәтиже дайын"))
    );
}

/// The code of a document rendered for the application (from /verify's table).
#[tokio::test]
async fn office_refusal_to_accept() {
    let t = TestApp::new();
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    // Grounds are required to refuse.
    let r = t
        .post(
            "/api/office/applications",
            &clerk,
            &json!({"regulation": REG, "applicant_iin": OTHER_CITIZEN, "applicant_name": "Айгүл Омарова", "decision": "refuse"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["field"], "grounds");
    let r = t
        .post(
            "/api/office/applications",
            &clerk,
            &json!({"regulation": REG, "applicant_iin": OTHER_CITIZEN, "applicant_name": "Айгүл Омарова",
                    "decision": "refuse", "grounds": "no certificate of the family's status"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let out = r.json();
    assert_eq!(out["closure"], "acceptance_refused");
    let id = out["id"].as_str().unwrap();
    let d = t.app(&clerk, id).await;
    assert_eq!(d["channel"], "office");
    let receipt = d["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "receipt")
        .unwrap()
        .clone();
    assert_eq!(receipt["doc_kind"], "refusal_to_accept_receipt");
    assert!(
        d["notes"][0]["note"]
            .as_str()
            .unwrap()
            .contains("no certificate")
    );
    if t.state.renderer.is_ok() {
        let pdf = t.get(receipt["url_kk"].as_str().unwrap(), &clerk).await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert!(pdf.body.starts_with(b"%PDF"));
    }
    // The applicant (registered later or not) sees it in the cabinet.
    let her = t.login(OTHER_CITIZEN, CITIZEN_PW).await;
    let mine = t.get("/api/applications", &her).await.json();
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id)
    );
}

#[tokio::test]
async fn office_application_walks_every_provider_step() {
    let t = TestApp::new();
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let id = t.open_office(&clerk).await;
    let mut guard = 0;
    while let Some((step, role, org)) = t.current(&id).await {
        guard += 1;
        assert!(guard < 20);
        assert_eq!(org, PROVIDER);
        let who = t.staff(&org, &role).await;
        let note = if role == "head" {
            json!({"note": "to the executor"})
        } else {
            json!({})
        };
        let r = t.act(&who, &id, step, note).await;
        assert_eq!(r.status, StatusCode::OK, "{role}: {}", r.text());
    }
    let me = t.citizen().await;
    let d = t.app(&me, &id).await;
    assert_eq!(d["closure"], "issued");
    assert!(
        !d.to_string().contains("to the executor"),
        "an internal note is the staff's"
    );
    let d = t.app(&clerk, &id).await;
    assert!(
        d["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["state"] == "done")
            .count()
            >= 5
    );
    assert!(
        d["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["note"] == "to the executor")
    );
}

#[tokio::test]
async fn state_corporation_application_through_courier_and_back_to_the_desk() {
    let t = TestApp::new();
    let operator = t
        .staff("state_corporation", "state_corporation_operator")
        .await;
    let r = t
        .post(
            "/api/sc/applications",
            &operator,
            &json!({"regulation": REG, "provider": PROVIDER, "applicant_iin": CITIZEN, "applicant_name": "Әлібек Сейітов"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let out = r.json();
    let id = out["id"].as_str().unwrap().to_string();
    let receipt = out["receipt"].as_str().expect("a receipt number");
    assert_eq!(receipt.len(), 12);

    let mut roles = vec![];
    loop {
        let Some((step, role, org)) = t.current(&id).await else {
            break;
        };
        roles.push(role.clone());
        assert!(roles.len() < 20);
        let who = t.staff(&org, &role).await;
        let d = t.app(&who, &id).await;
        if d["current"]["needs_presented"] == true {
            // Issue at the desk: the engine demands the identity check.
            let r = t.act(&who, &id, step, json!({})).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
            let p = r.json();
            assert_eq!(p["rule"], "identity_required");
            assert_eq!(p["field"], "presented");
            let r = t
                .act(&who, &id, step, json!({"presented": "identity_document"}))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        } else {
            let r = t.act(&who, &id, step, json!({})).await;
            assert_eq!(r.status, StatusCode::OK, "{role}: {}", r.text());
        }
    }
    assert!(roles.contains(&"collection_sector".to_string()));
    assert!(roles.contains(&"courier".to_string()));
    assert!(roles.contains(&"head".to_string()));
    assert_eq!(roles.last().unwrap(), "state_corporation_operator");
    let d = t.app(&operator, &id).await;
    assert_eq!(d["closure"], "issued");
    assert_eq!(d["receipt"], receipt);
    // The desk page shows the receipt number.
    let page = t.get_html(&format!("/applications/{id}"), &operator).await;
    assert!(page.text().contains(receipt));
}

#[tokio::test]
async fn unclaimed_results_return_to_the_provider_in_a_batch() {
    let t = TestApp::new();
    let operator = t
        .staff("state_corporation", "state_corporation_operator")
        .await;
    let r = t
        .post(
            "/api/sc/applications",
            &operator,
            &json!({"regulation": REG, "provider": PROVIDER, "applicant_iin": CITIZEN, "applicant_name": "Әлібек Сейітов"}),
        )
        .await;
    let id = r.json()["id"].as_str().unwrap().to_string();
    while let Some((step, role, org)) = t.current(&id).await {
        let who = t.staff(&org, &role).await;
        if t.app(&who, &id).await["current"]["needs_presented"] == true {
            break;
        }
        assert_eq!(
            t.act(&who, &id, step, json!({})).await.status,
            StatusCode::OK
        );
    }
    assert!(
        t.get("/api/sc/unclaimed", &operator)
            .await
            .json()
            .as_array()
            .unwrap()
            .is_empty()
    );
    let admin = t.login("admin", ADMIN_PW).await;
    let r = t
        .post(
            "/admin/clock",
            &admin,
            &json!({"advance_minutes": 60 * 24 * 40}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let unclaimed = t.get("/api/sc/unclaimed", &operator).await.json();
    assert!(
        unclaimed
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id.as_str())
    );
    let r = t
        .post("/api/sc/unclaimed/return", &operator, &json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["id"] == id.as_str() && b["ok"] == true)
    );
    assert_eq!(
        t.app(&operator, &id).await["status"],
        "returned_to_provider"
    );
    // The applicant comes back: the desk asks the provider for it again.
    let page = t.get_html(&format!("/applications/{id}"), &operator).await;
    assert!(
        page.text()
            .contains(&format!("/applications/{id}/rerequest"))
    );
    let url = format!("/api/sc/applications/{id}/rerequest");
    let r = t.post(&url, &operator, &json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "awaiting_issue");
    let r = t.post(&url, &operator, &json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["rule"], "not_returned");
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    assert_eq!(
        t.post(&url, &clerk, &json!({})).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn sms_waits_for_the_end_of_quiet_hours() {
    // 23:00 in Almaty (UTC+6 in 2019).
    let dir = testkit::tempdir("sms");
    let log = dir.path().join("sms.log");
    let t = TestApp::with("2019-12-02T17:00:00Z".parse().unwrap(), Some(log.clone()));
    let me = t.citizen().await;
    let id = t.apply_portal(&me, REG, PROVIDER).await;
    server::notify::dispatch_once(&t.state).unwrap();
    let rows = t.state.accounts.notifications(Some(&id)).unwrap();
    let sms: Vec<_> = rows.iter().filter(|r| r.channel == "sms").collect();
    assert!(!sms.is_empty());
    assert!(sms.iter().all(|r| r.status == "deferred"), "{sms:?}");
    assert!(
        sms[0]
            .send_after
            .as_deref()
            .unwrap()
            .starts_with("2019-12-03T02:00:00"),
        "08:00 Almaty"
    );
    assert_eq!(sms[0].recipient, "+77010000001", "the citizen's phone");
    assert!(
        rows.iter()
            .any(|r| r.channel == "log" && r.status == "sent"),
        "the log is not held back"
    );
    assert!(!log.exists() || std::fs::read_to_string(&log).unwrap().is_empty());
    // At 08:00 they go out.
    let admin = t.login("admin", ADMIN_PW).await;
    t.post("/admin/clock", &admin, &json!({"advance_minutes": 9 * 60}))
        .await;
    assert!(server::notify::dispatch_once(&t.state).unwrap() >= sms.len());
    let rows = t.state.accounts.notifications(Some(&id)).unwrap();
    assert!(
        rows.iter()
            .filter(|r| r.channel == "sms")
            .all(|r| r.status == "sent")
    );
    let sent = std::fs::read_to_string(&log).unwrap();
    assert!(
        sent.lines().all(|l| l.starts_with("+77010000001\t")),
        "{sent}"
    );
}

#[tokio::test]
async fn monitoring_shows_the_overdue_step_after_a_clock_jump() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let id = t.apply_portal(&me, REG, PROVIDER).await;
    let monitor = t.login("monitor", MONITOR_PW).await;
    let r = t.get("/api/monitoring/sla", &monitor).await.json();
    assert!(
        !r["overdue"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id.as_str())
    );

    // Only admins move the clock.
    let r = t
        .post("/admin/clock", &monitor, &json!({"advance_minutes": 1440}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let admin = t.login("admin", ADMIN_PW).await;
    let r = t
        .post(
            "/admin/clock",
            &admin,
            &json!({"advance_minutes": 60 * 24 * 20}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["offset_minutes"], 60 * 24 * 20);

    let r = t.get("/api/monitoring/sla", &monitor).await;
    assert_eq!(r.status, StatusCode::OK);
    let r = r.json();
    let overdue = r["overdue"].as_array().unwrap();
    assert!(
        overdue
            .iter()
            .any(|a| a["id"] == id.as_str() && a["sla"] == "overdue"),
        "{r}"
    );
    let svc = r["by_service"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == REG)
        .unwrap()
        .clone();
    assert!(svc["compliance"].as_f64().unwrap() < 1.0);

    let csv = t
        .get("/api/monitoring/sla?format=csv&lang=en", &monitor)
        .await;
    assert!(csv.content_type().starts_with("text/csv"));
    assert!(
        csv.text()
            .lines()
            .any(|l| l.starts_with("overdue,") && l.contains(&id))
    );

    let page = t.get_html("/monitoring?lang=kk", &monitor).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains(&id) && html.contains("<svg") && html.contains("мерзімі өткен"));

    let metrics = t.get("/metrics", &monitor).await.text();
    assert!(
        metrics.contains("qyzmet_open_applications{sla=\"overdue\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("qyzmet_store_transactions_total"));
    assert!(metrics.contains("qyzmet_commands_total{kind=\"submit\"}"));

    // A citizen cannot read monitoring.
    assert_eq!(
        t.get("/api/monitoring/sla", &me).await.status,
        StatusCode::FORBIDDEN
    );
}

/// An admin gives the provider's signature to another role through the API: the file waiting
/// at the signing step moves to that role's inbox, the head may no longer sign it, the new
/// role does, and the journal's signature names it.
#[tokio::test]
async fn an_organisations_signing_role_is_set_through_the_api_and_signs() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let id = t.apply_portal(&me, REG, PROVIDER).await;
    let executor = t.staff(PROVIDER, "executor").await;
    let head = t.staff(PROVIDER, "head").await;
    let step = t.app(&me, &id).await["current"]["step"].as_u64().unwrap();
    let r = t
        .act(&executor, &id, step, json!({"note": "checked"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let signing = r.json()["current"]["step"].as_u64().unwrap();
    let in_inbox = |v: &serde_json::Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id.as_str())
    };
    assert!(in_inbox(&t.get("/api/applications", &head).await.json()));

    let uri = format!("/api/orgs/{PROVIDER}/signing-role");
    // Only admins; only a role of the provider's people; only an organisation that exists.
    let r = t.put(&uri, &head, &json!({"role": "executor"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    let admin = t.login("admin", ADMIN_PW).await;
    let r = t.put(&uri, &admin, &json!({"role": "portal"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("role"), "{}", r.text());
    let r = t
        .put(
            "/api/orgs/no-such-org/signing-role",
            &admin,
            &json!({"role": "executor"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());

    let r = t.put(&uri, &admin, &json!({"role": "executor"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["signing_role"], "executor");
    let orgs = t.get("/api/orgs", &me).await.json();
    let org = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == PROVIDER)
        .unwrap()
        .clone();
    assert_eq!(org["signing_role"], "executor");

    // The file moved: out of the head's inbox, into the executor's; the step is the executor's.
    assert!(!in_inbox(&t.get("/api/applications", &head).await.json()));
    assert!(in_inbox(
        &t.get("/api/applications", &executor).await.json()
    ));
    let d = t.app(&executor, &id).await;
    assert_eq!(d["current"]["role"], "executor");
    assert_eq!(d["current"]["can_act"], true);
    let r = t.act(&head, &id, signing, json!({"note": "signed"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert!(r.text().contains("forbidden.role"), "{}", r.text());
    let r = t
        .act(&executor, &id, signing, json!({"note": "signed"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["closure"], "issued");
    let signed_by = t
        .events(&id)
        .iter()
        .find_map(|e| match e {
            engine::Event::ResultSigned { by, .. } => Some(by.role.clone()),
            _ => None,
        })
        .expect("the result is signed");
    assert_eq!(signed_by, "executor");

    // Back to the regulations' own role.
    let r = t.put(&uri, &admin, &json!({"role": null})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.json()["signing_role"].is_null());
    assert_eq!(t.state.ctx.signer(PROVIDER), None);
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(
    portal_application_is_processed_to_a_result_in_the_cabinet,
    office_refusal_to_accept,
    office_application_walks_every_provider_step,
    state_corporation_application_through_courier_and_back_to_the_desk,
    unclaimed_results_return_to_the_provider_in_a_batch,
    sms_waits_for_the_end_of_quiet_hours,
    monitoring_shows_the_overdue_step_after_a_clock_jump,
    an_organisations_signing_role_is_set_through_the_api_and_signs,
);

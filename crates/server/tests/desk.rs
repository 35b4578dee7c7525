//! The officials' desk through the real router: the head names an executor from the
//! organisation's people; only that executor (or the head) acts on the executor's step; the
//! executor's decision is explicit and a refusal names the regulation's grounds; the head
//! previews the result before signing; the inbox filters "assigned to me" and "overdue only"
//! and has a print version; the State Corporation desk finds applications by IIN and by
//! receipt number; the acceptance receipt names the operator and the ready date.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;

/// An office application at the head's step: (id, step).
async fn at_the_head(t: &TestApp) -> (String, u64) {
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let id = t.open_office(&clerk).await;
    let (step, role, _) = t.current(&id).await.unwrap();
    assert_eq!(role, "head");
    (id, step)
}

fn ids(page: &serde_json::Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_head_names_an_executor_and_only_they_act() {
    let t = TestApp::new();
    let (id, step) = at_the_head(&t).await;
    let head = t.staff(PROVIDER, "head").await;
    let d = t.app(&head, &id).await;
    let people = d["current"]["executors"].as_array().unwrap().clone();
    assert!(
        people.len() >= 2,
        "two executors to choose from: {people:?}"
    );
    let names: std::collections::BTreeSet<&str> =
        people.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), people.len(), "distinct names");
    assert!(
        names.iter().all(|n| !n.contains("—")),
        "people, not role labels: {names:?}"
    );

    // Without an executor, or with someone who is not one: refused, nothing recorded.
    let before = t.events(&id).len();
    let post = |body: serde_json::Value| {
        let (t, head, id) = (&t, &head, &id);
        async move {
            t.post(&format!("/api/applications/{id}/actions"), head, &body)
                .await
        }
    };
    let r = post(json!({"step": step, "outcome": "done"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["field"], "executor");
    let r = post(json!({"step": step, "outcome": "done", "executor": format!("{PROVIDER}.head")}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["rule"], "executor.unknown");
    assert_eq!(t.events(&id).len(), before, "nothing recorded");

    // The head names the second executor.
    let second = format!("{PROVIDER}.executor-2");
    let r = post(json!({"step": step, "outcome": "done", "executor": second})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let d = r.json();
    assert_eq!(d["assignee"]["login"], second.as_str());
    assert_eq!(d["current"]["assignee"]["login"], second.as_str());
    assert!(
        t.events(&id).iter().any(
            |e| matches!(e, store::Event::Assigned { assignee, .. } if assignee.login == second)
        ),
        "the assignment is journalled"
    );

    // The other executor sees it read-only and cannot act.
    let first = t.staff(PROVIDER, "executor").await;
    let d = t.app(&first, &id).await;
    assert_eq!(d["current"]["can_act"], false);
    let step = d["current"]["step"].as_u64().unwrap();
    let r = t.act(&first, &id, step, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    assert_eq!(r.json()["rule"], "forbidden.assignee");
    let page = t
        .get_html(&format!("/applications/{id}?lang=ru"), &first)
        .await;
    assert!(
        page.text().contains("передал это заявление исполнителю"),
        "read-only note"
    );

    // "Assigned to me".
    let exec2 = t.login(&second, STAFF_PW).await;
    let mine = t.get("/api/applications?mine=1", &exec2).await.json();
    assert_eq!(ids(&mine), vec![id.clone()]);
    let theirs = t.get("/api/applications?mine=1", &first).await.json();
    assert!(ids(&theirs).is_empty(), "{theirs}");
    let overdue = t.get("/api/applications?late=1", &exec2).await.json();
    assert!(
        ids(&overdue).is_empty(),
        "nothing is overdue yet: {overdue}"
    );

    // A refusal without grounds is refused, naming the field; with grounds it is recorded.
    let choices = d["current"]["refusal_grounds"].as_array().unwrap().clone();
    assert!(!choices.is_empty(), "the regulation's grounds are offered");
    let r = t
        .act(
            &exec2,
            &id,
            step,
            json!({"outcome": "motivated_refusal", "grounds": "see file"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["field"], "refusal_grounds");
    let r = t
        .act(
            &exec2,
            &id,
            step,
            json!({"outcome": "motivated_refusal", "refusal_grounds": [999]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(
        t.current(&id).await.unwrap().0,
        step,
        "still the executor's step"
    );
    let ground = choices[0]["id"].as_u64().unwrap();
    let r = t
        .act(
            &exec2,
            &id,
            step,
            json!({"outcome": "motivated_refusal", "refusal_grounds": [ground]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let d = r.json();
    assert_eq!(d["listed_grounds"].as_array().unwrap().len(), 1);
    assert_eq!(d["current"]["role"], "head");
    assert!(
        t.events(&id).iter().any(|e| matches!(e,
            store::Event::StepCompleted { outcome: engine::Outcome::MotivatedRefusal { listed, .. }, .. }
                if listed == &vec![ground as usize])),
        "the grounds are journalled"
    );

    // The head previews the refusal before signing: a PDF, nothing recorded.
    let d = t.app(&head, &id).await;
    assert_eq!(d["current"]["signs_result"], true);
    let before = t.events(&id).len();
    let head_page = t.login(&format!("{PROVIDER}.head"), STAFF_PW).await;
    let r = t
        .get_html(
            &format!("/applications/{id}/preview.pdf?lang=ru"),
            &head_page,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.content_type(), "application/pdf");
    assert!(r.body.starts_with(b"%PDF"));
    assert_eq!(t.events(&id).len(), before, "a preview records nothing");
    let r = t
        .get_html(&format!("/applications/{id}/preview.pdf"), &exec2)
        .await;
    assert_ne!(r.status, StatusCode::OK, "only who signs previews");
    if testkit::require_tool("pdftotext", &["-v"]) {
        let dir = testkit::tempdir("desk-pdf");
        let text = |pdf: &[u8], name: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, pdf).unwrap();
            let out = std::process::Command::new("pdftotext")
                .arg(&p)
                .arg("-")
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let preview = text(
            &r_body(
                &t,
                &head_page,
                &format!("/applications/{id}/preview.pdf?lang=ru"),
            )
            .await,
            "p.pdf",
        );
        assert!(preview.contains("ПРОЕКТ"), "marked as a draft: {preview}");
        assert!(
            preview.contains("пункте 10 Стандарта"),
            "the ground: {preview}"
        );
        // The head signs; the refusal letter carries the ground.
        let step = d["current"]["step"].as_u64().unwrap();
        let r = t.act(&head, &id, step, json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        // The office hands it out.
        let (step, role, _) = t.current(&id).await.unwrap();
        assert_eq!(role, "office_clerk");
        let clerk = t.staff(PROVIDER, "office_clerk").await;
        let r = t.act(&clerk, &id, step, json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["closure"], "refusal_issued");
        let letter = text(
            &t.get(&format!("/api/documents/{id}/result.pdf?lang=ru"), &head)
                .await
                .body,
            "l.pdf",
        );
        assert!(letter.contains("пункте 10 Стандарта"), "{letter}");
        assert!(!letter.contains("ПРОЕКТ"), "{letter}");
    }
}

async fn r_body(t: &TestApp, who: &Who, path: &str) -> Vec<u8> {
    t.get_html(path, who).await.body.to_vec()
}

#[tokio::test]
async fn the_head_may_act_in_the_executors_place() {
    let t = TestApp::new();
    let (id, step) = at_the_head(&t).await;
    let head = t.staff(PROVIDER, "head").await;
    let r = t
        .act(
            &head,
            &id,
            step,
            json!({"executor": format!("{PROVIDER}.executor")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let d = r.json();
    assert_eq!(d["current"]["role"], "executor");
    assert_eq!(
        d["current"]["can_act"], true,
        "the head may act in their place"
    );
}

#[tokio::test]
async fn the_state_corporation_desk_finds_by_iin_and_receipt() {
    let t = TestApp::new();
    let op = t
        .staff("state_corporation", "state_corporation_operator")
        .await;
    let r = t
        .post(
            "/api/sc/applications",
            &op,
            &json!({"regulation": REG, "provider": PROVIDER, "applicant_iin": "851231400001",
                    "applicant_name": "Гүлнар Серікқызы Ахметова"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let receipt = r.json()["receipt"].as_str().unwrap().to_string();
    let page_op = t
        .login("state_corporation.state_corporation_operator", STAFF_PW)
        .await;
    for key in [receipt.as_str(), "851231400001"] {
        for lang in ["kk", "ru"] {
            let p = t
                .get_html(&format!("/sc/lookup?key={key}&lang={lang}"), &page_op)
                .await;
            assert_eq!(p.status, StatusCode::OK, "{}", p.text());
            assert!(p.text().contains(&id), "{key} finds {id} ({lang})");
        }
    }
    let p = t.get_html("/sc/lookup?key=12ab&lang=ru", &page_op).await;
    assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(p.text().contains("Введите ИИН"));
    let p = t.get_html("/sc/lookup?key=000229600004", &page_op).await;
    assert!(!p.text().contains(&id), "another IIN does not find it");
    // A provider's staff do not use the desk.
    let clerk = t.login(&format!("{PROVIDER}.office_clerk"), STAFF_PW).await;
    let p = t.get_html("/sc/lookup?key=851231400001", &clerk).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);

    // The receipt names the operator and the day the result will be ready.
    let d = t.app(&op, &id).await;
    let due = d["term_due"]
        .as_str()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .unwrap();
    let day = due
        .to_zoned_datetime(calendar::almaty())
        .strftime("%d.%m.%Y")
        .to_string();
    let name = {
        let me = t.get("/api/me", &op).await.json();
        me["name"]
            .as_str()
            .or(me["account"]["name"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    if testkit::require_tool("pdftotext", &["-v"]) {
        let dir = testkit::tempdir("desk-receipt");
        let path = dir.path().join("r.pdf");
        std::fs::write(
            &path,
            &t.get(&format!("/api/documents/{id}/receipt.pdf?lang=ru"), &op)
                .await
                .body,
        )
        .unwrap();
        let out = std::process::Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(text.contains("Дата готовности результата"), "{text}");
        assert!(text.contains(&day), "ready on {day}: {text}");
        if !name.is_empty() {
            assert!(text.contains(&name), "the operator {name}: {text}");
        }
    }
}

#[tokio::test]
async fn the_inbox_has_a_print_version_and_its_filters() {
    let t = TestApp::new();
    let (id, _) = at_the_head(&t).await;
    let head = t.login(&format!("{PROVIDER}.head"), STAFF_PW).await;
    for lang in ["kk", "ru"] {
        let p = t.get_html(&format!("/work?lang={lang}"), &head).await;
        assert_eq!(p.status, StatusCode::OK);
        let html = p.text();
        assert!(html.contains("print=1"), "a print link");
        assert!(html.contains(r#"name="mine""#) && html.contains(r#"name="late""#));
        let p = t
            .get_html(&format!("/work?lang={lang}&print=1"), &head)
            .await;
        let html = p.text();
        assert!(html.contains(&id), "the list printed");
        assert!(
            !html.contains(r#"class="filters""#),
            "no filter form in print"
        );
        assert!(html.contains("@media print"), "a print stylesheet");
    }
    let p = t.get_html(&format!("/work?q={id}"), &head).await;
    assert!(p.text().contains(&id), "search by number");
    let p = t.get_html("/work?q=000229600004", &head).await;
    assert!(!p.text().contains(&id), "search by another IIN");
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(
    the_head_names_an_executor_and_only_they_act,
    the_head_may_act_in_the_executors_place,
    the_state_corporation_desk_finds_by_iin_and_receipt,
    the_inbox_has_a_print_version_and_its_filters,
);

//! What a citizen sees of an application: the egov statuses (submitted, accepted, in progress,
//! result ready, issued, refused, returned) with their legal due dates and late marks, never
//! the regulation's steps, the journal or the officials' internal notes; comments made public
//! to them; the warning before a duplicate application; the cabinet's notifications.
//!
//! The clock starts on Tuesday 3 December 2019, 09:00 in Almaty (see `late.rs` for the
//! calendar): the office term of 10 working days ends on Wednesday 18 December.

mod common;

use axum::http::StatusCode;
use common::*;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

fn almaty(s: &str) -> Timestamp {
    s.parse::<jiff::civil::DateTime>()
        .unwrap()
        .to_zoned_datetime(calendar::almaty())
        .unwrap()
        .timestamp()
}

fn clock_to(t: &TestApp, at: Timestamp) {
    let now = t.state.now();
    assert!(now < at, "the clock runs forward only here");
    t.state
        .clock
        .advance(SignedDuration::from_secs(at.as_second() - now.as_second()));
}

fn app() -> TestApp {
    TestApp::with(almaty("2019-12-03T09:00"), None)
}

/// The statuses of the citizen's view, oldest first.
fn statuses(d: &Value) -> Vec<String> {
    d["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap().to_string())
        .collect()
}

/// Acts on the current step of `id` as whoever holds it, with `extra` for the role `role`
/// (others just complete). Returns false when nothing is left to do.
async fn step(t: &TestApp, id: &str, role_extra: &[(&str, Value)]) -> Option<String> {
    let (step, role, org) = t.current(id).await?;
    let who = t.staff(&org, &role).await;
    let extra = role_extra
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, e)| e.clone())
        .unwrap_or(json!({}));
    let r = t.act(&who, id, step, extra).await;
    assert_eq!(r.status, StatusCode::OK, "{role}: {}", r.text());
    Some(role)
}

/// What a page shows a citizen must never be the regulation's text, the journal or a
/// staff note.
fn assert_citizen_page(page: &str) {
    for leak in [
        "ЭҮАШ",
        "3-шарт",
        "\"event\"",
        "step_completed",
        "Срок до",
        "sic",
        "timeline-title",
    ] {
        assert!(!page.contains(leak), "{leak:?} on the citizen's page");
    }
}

#[tokio::test]
async fn an_office_application_goes_through_every_status_and_is_marked_late() {
    let t = app();
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let id = t.open_office(&clerk).await;
    let me = t.citizen().await;
    let d = t.app(&me, &id).await;
    assert_eq!(statuses(&d), ["submitted", "accepted"]);
    assert_eq!(d["citizen_status"], "accepted");
    assert_eq!(
        d["statuses"][1]["due"], d["term_due"],
        "the term's due date"
    );
    assert_eq!(d["timeline"], json!([]), "the steps are the staff's");
    assert_eq!(d["events"], json!([]), "the journal is the staff's");

    // The head hands it over: in progress. The executor finishes after the term.
    assert_eq!(step(&t, &id, &[]).await.as_deref(), Some("head"));
    assert_eq!(
        statuses(&t.app(&me, &id).await),
        ["submitted", "accepted", "in_progress"]
    );
    clock_to(&t, almaty("2019-12-23T10:00"));
    let page = t
        .get_html(&format!("/applications/{id}?lang=ru"), &me)
        .await
        .text();
    assert!(page.contains("В обработке"), "{page}");
    // Open past its term on Wednesday 18 December: late by 19, 20, 23 December so far.
    assert!(page.contains("с опозданием на 3 рабочих дня"), "{page}");
    assert_eq!(step(&t, &id, &[]).await.as_deref(), Some("executor"));
    assert_eq!(step(&t, &id, &[]).await.as_deref(), Some("head"));
    let d = t.app(&me, &id).await;
    assert_eq!(
        statuses(&d),
        ["submitted", "accepted", "in_progress", "result_ready"],
        "signed: the result waits at the office's counter"
    );
    assert_eq!(step(&t, &id, &[]).await.as_deref(), Some("office_clerk"));
    let d = t.app(&me, &id).await;
    assert_eq!(
        statuses(&d),
        [
            "submitted",
            "accepted",
            "in_progress",
            "result_ready",
            "issued"
        ]
    );
    let issued = d["statuses"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(issued["current"], true);
    assert_eq!(issued["late"]["working_days"], 3, "{issued}");
    assert_eq!(issued["due"], d["term_due"]);

    for (lang, status, late) in [
        ("ru", "Результат выдан", "с опозданием на 3 рабочих дня"),
        ("kk", "Нәтиже берілді", "3 жұмыс күнге кешікті"),
    ] {
        let page = t
            .get_html(&format!("/applications/{id}?lang={lang}"), &me)
            .await
            .text();
        assert!(page.contains(status) && page.contains(late), "{page}");
        assert_citizen_page(&page);
        let cabinet = t
            .get_html(&format!("/cabinet?lang={lang}"), &me)
            .await
            .text();
        assert!(
            cabinet.contains(status) && cabinet.contains(late),
            "{cabinet}"
        );
    }
    // The staff keep the steps and the journal.
    let page = t
        .get_html(&format!("/applications/{id}?lang=ru"), &clerk)
        .await
        .text();
    // The journal in words ("Шаг выполнен"), not its JSON.
    assert!(page.contains("Ход исполнения") && page.contains("Шаг выполнен"));
    assert!(!page.contains("step_completed"));
}

#[tokio::test]
async fn a_state_corporation_result_waits_is_returned_unclaimed_and_comes_back() {
    let t = app();
    let operator = t
        .staff("state_corporation", "state_corporation_operator")
        .await;
    let r = t
        .post(
            "/api/sc/applications",
            &operator,
            &json!({"regulation": REG, "provider": PROVIDER, "applicant_iin": CITIZEN,
                    "applicant_name": "Әлібек Сейітов"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let me = t.citizen().await;
    for _ in 0..20 {
        if t.app(&me, &id).await["status"] == "awaiting_issue" {
            break;
        }
        step(&t, &id, &[]).await.unwrap();
    }
    let d = t.app(&me, &id).await;
    assert_eq!(
        statuses(&d),
        ["submitted", "accepted", "in_progress", "result_ready"]
    );
    let ready = d["statuses"][3].clone();
    let due: Timestamp = ready["due"].as_str().unwrap().parse().unwrap();
    let at: Timestamp = ready["at"].as_str().unwrap().parse().unwrap();
    assert!(due > at, "the storage period's end: {ready}");
    assert_ne!(ready["due"], d["term_due"]);
    assert_eq!(d["citizen_status_due"], ready["due"]);

    // Unclaimed past the storage period: returned to the provider, then requested again.
    clock_to(&t, due + SignedDuration::from_hours(1));
    let r = t
        .post(
            "/api/sc/unclaimed/return",
            &operator,
            &json!({"applications": [id]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let d = t.app(&me, &id).await;
    assert_eq!(d["citizen_status"], "returned");
    assert_eq!(statuses(&d).last().unwrap(), "returned");
    let page = t
        .get_html(&format!("/applications/{id}?lang=ru"), &me)
        .await
        .text();
    assert!(page.contains("Возвращено услугодателю") && page.contains("запросить повторно"));
    let r = t
        .post(
            &format!("/api/sc/applications/{id}/rerequest"),
            &operator,
            &json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let d = t.app(&me, &id).await;
    assert_eq!(
        statuses(&d)[3..],
        ["result_ready", "returned", "result_ready"],
        "{d}"
    );
    step(
        &t,
        &id,
        &[(
            "state_corporation_operator",
            json!({"presented": "identity_document"}),
        )],
    )
    .await
    .unwrap();
    let d = t.app(&me, &id).await;
    assert_eq!(statuses(&d).last().unwrap(), "issued");
}

#[tokio::test]
async fn refusals_say_what_was_given_and_who_refused() {
    let t = app();
    let me = t.citizen().await;
    // The college's executor finds a portal condition failed: a notice of refusal from the
    // college, not from the portal.
    let id = t.apply_portal(&me, REG, PROVIDER).await;
    let d = t.app(&me, &id).await;
    assert_eq!(statuses(&d), ["submitted", "accepted"]);
    step(
        &t,
        &id,
        &[(
            "executor",
            json!({"outcome": "fail", "grounds": "справка не соответствует"}),
        )],
    )
    .await
    .unwrap();
    let d = t.app(&me, &id).await;
    let last = d["statuses"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["status"], "refused");
    assert_eq!(last["refusal"], "notice");
    assert_eq!(last["refused_by"], PROVIDER);
    let org = t
        .state
        .accounts
        .org(PROVIDER)
        .unwrap()
        .unwrap()
        .name_ru
        .clone();
    for (lang, who) in [
        ("ru", format!("отказал: {org}")),
        ("kk", "бас тартқан:".into()),
    ] {
        let page = t
            .get_html(&format!("/applications/{id}?lang={lang}"), &me)
            .await
            .text();
        assert!(page.contains(&who), "{page}");
        assert!(!page.contains("порталом") && !page.contains("портал бас тартты"));
        assert_citizen_page(&page);
    }

    // Documents not accepted at the office: the receipt on refusal to accept.
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let r = t
        .post(
            "/api/office/applications",
            &clerk,
            &json!({"regulation": REG, "applicant_iin": CITIZEN, "applicant_name": "Әлібек Сейітов",
                    "decision": "refuse", "grounds": "нет справки"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let refused = r.json()["id"].as_str().unwrap().to_string();
    let d = t.app(&me, &refused).await;
    assert_eq!(statuses(&d), ["submitted", "refused"]);
    assert_eq!(d["statuses"][1]["refusal"], "refusal_to_accept");
    assert_eq!(d["refusal_kind"], "refusal_to_accept");

    // A motivated refusal: ready as a refusal letter at the counter, then refused.
    let id = t.open_office(&clerk).await;
    step(&t, &id, &[]).await.unwrap();
    let exec = t.staff(PROVIDER, "executor").await;
    let ground = t.app(&exec, &id).await["current"]["refusal_grounds"][0]["id"].clone();
    step(
        &t,
        &id,
        &[(
            "executor",
            json!({"outcome": "motivated_refusal", "refusal_grounds": [ground], "grounds": ""}),
        )],
    )
    .await
    .unwrap();
    while step(&t, &id, &[]).await.is_some() {}
    let d = t.app(&me, &id).await;
    assert_eq!(
        statuses(&d),
        [
            "submitted",
            "accepted",
            "in_progress",
            "result_ready",
            "refused"
        ]
    );
    assert_eq!(d["statuses"][3]["is_refusal"], true);
    assert_eq!(d["statuses"][4]["refusal"], "refusal_letter");
    assert_eq!(d["statuses"][4]["refused_by"], PROVIDER);
    let page = t
        .get_html(&format!("/applications/{id}?lang=ru"), &me)
        .await
        .text();
    assert!(page.contains("мотивированный ответ об отказе"));
}

#[tokio::test]
async fn internal_notes_stay_with_the_staff_and_comments_reach_the_applicant() {
    let t = app();
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let id = t.open_office(&clerk).await;
    let head = t.staff(PROVIDER, "head").await;
    let (s, ..) = t.current(&id).await.unwrap();
    let r = t
        .act(
            &head,
            &id,
            s,
            json!({"note": "Айгерим, проверьте справку о составе семьи",
                   "comment": "Заявление принято в работу, результат будет в срок"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let me = t.citizen().await;
    let d = t.app(&me, &id).await;
    let notes = d["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["public"], true);
    assert!(
        notes[0]["note"]
            .as_str()
            .unwrap()
            .starts_with("Заявление принято")
    );
    assert!(!d.to_string().contains("Айгерим"));
    let staff = t.app(&clerk, &id).await;
    assert!(staff.to_string().contains("Айгерим"));
    assert!(staff["notes"].as_array().unwrap().len() >= 3);
    for lang in ["ru", "kk"] {
        let page = t
            .get_html(&format!("/applications/{id}?lang={lang}"), &me)
            .await
            .text();
        assert!(!page.contains("Айгерим"), "{page}");
        assert!(page.contains("Заявление принято в работу"));
        assert_citizen_page(&page);
    }
    // The action form offers both, saying which one the applicant sees.
    let (s, role, _) = t.current(&id).await.unwrap();
    assert_eq!(role, "executor");
    let exec = t.staff(PROVIDER, "executor").await;
    let form = t
        .get_html(&format!("/applications/{id}?lang=ru"), &exec)
        .await
        .text();
    assert!(form.contains("name=\"comment\"") && form.contains("Комментарий для заявителя"));
    assert!(form.contains("заявителю не показывается"));
    let csrf = hidden(&form, "csrf").unwrap();
    let r = t
        .form(
            &format!("/applications/{id}/act"),
            exec.cookie.as_deref(),
            &[
                ("csrf", csrf.as_str()),
                ("step", &s.to_string()),
                ("outcome", "done"),
                ("note", "справка есть"),
                ("comment", "Документы проверены"),
            ],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.text());

    // The notifications: the log (and SMS) carry the comment with its step; the cabinet
    // lists status changes and comments, newest first.
    server::notify::dispatch_once(&t.state).unwrap();
    let log = t.state.accounts.notifications(Some(&id)).unwrap();
    assert!(
        log.iter()
            .any(|n| n.message.contains("Документы проверены")),
        "{log:?}"
    );
    assert!(!log.iter().any(|n| n.message.contains("справка есть")));
    let cabinet = t.get_html("/cabinet?lang=ru", &me).await.text();
    let notices = &cabinet[cabinet.find("id=\"notices-h\"").expect("notifications")..];
    let newest = notices.find("Документы проверены").expect("the comment");
    let older = notices
        .find("Заявление принято в работу")
        .expect("the first comment");
    assert!(newest < older, "newest first");
    assert!(notices.contains("В обработке") && notices.contains("Принято"));
    assert!(!notices.contains("справка есть") && !notices.contains("Айгерим"));
    let cabinet = t.get_html("/cabinet?lang=kk", &me).await.text();
    assert!(
        cabinet.contains("Хабарламалар") && cabinet.contains("Түсініктеме: Документы проверены")
    );
}

#[tokio::test]
async fn a_duplicate_application_needs_a_confirmation() {
    let t = app();
    let me = t.citizen().await;
    let first = t.apply_portal(&me, REG, PROVIDER).await;
    // The same service for the same student, unconfirmed: 409 naming the open one.
    let body = json!({"regulation": REG, "provider": PROVIDER, "confirm_duplicate": false});
    let r = t.submit_signed(&me, CITIZEN, &body, "dup-1").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    let p = r.json();
    assert_eq!(p["rule"], "application.duplicate");
    assert_eq!(p["field"], "confirm_duplicate");
    assert!(p["detail"].as_str().unwrap().contains(&first));
    // Confirmed: accepted; the same request again is its replay, not a duplicate.
    let body = json!({"regulation": REG, "provider": PROVIDER, "confirm_duplicate": true});
    let r = t.submit_signed(&me, CITIZEN, &body, "dup-2").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let body = json!({"regulation": REG, "provider": PROVIDER, "confirm_duplicate": false});
    let r2 = t.submit_signed(&me, CITIZEN, &body, "dup-2").await;
    assert_eq!(r2.status, StatusCode::OK, "a replay: {}", r2.text());
    assert_eq!(r2.json()["id"], r.json()["id"]);
    assert_eq!(r2.json()["replayed"], true);
    // Another student of the same applicant is no duplicate.
    let mut data = t.state.ctx.sample_data(REG, t.state.now(), 0);
    data.insert(
        "student_iin".into(),
        engine::FormValue::One("010515600010".into()),
    );
    let body = json!({"regulation": REG, "provider": PROVIDER, "confirm_duplicate": false,
                      "data": data});
    let r = t.submit_signed(&me, CITIZEN, &body, "dup-3").await;
    assert!(
        r.status == StatusCode::CREATED || r.json()["rule"] != "application.duplicate",
        "{}",
        r.text()
    );

    // Staff taking one in are warned too.
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let r = t
        .post(
            "/api/office/applications",
            &clerk,
            &json!({"regulation": REG, "applicant_iin": CITIZEN, "applicant_name": "Әлібек Сейітов",
                    "confirm_duplicate": false}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.json()["rule"], "application.duplicate");

    // The portal form's first stage: the warning with a link and the box to tick.
    let html = t.get_html(&format!("/services/{REG}"), &me).await.text();
    let csrf = hidden(&html, "csrf").unwrap();
    for (lang, title) in [
        ("ru", "По этой услуге уже есть открытое заявление"),
        ("kk", "Бұл қызметке ашық өтініш бар"),
    ] {
        let page = t
            .multipart(
                &format!("/services/{REG}/apply?lang={lang}"),
                me.cookie.as_deref().unwrap(),
                &[
                    ("csrf", csrf.as_str()),
                    ("provider", PROVIDER),
                    ("confirm", "yes"),
                    ("confirm_duplicate", ""),
                ],
                &[],
            )
            .await;
        assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.text());
        let html = page.text();
        assert!(html.contains(title), "{html}");
        assert!(html.contains("id=\"f-confirm_duplicate\""));
        assert!(html.contains("href=\"/applications/"));
        // Ticked: on to the signing step.
        let page = t
            .multipart(
                &format!("/services/{REG}/apply?lang={lang}"),
                me.cookie.as_deref().unwrap(),
                &[
                    ("csrf", csrf.as_str()),
                    ("provider", PROVIDER),
                    ("confirm", "yes"),
                    ("confirm_duplicate", "yes"),
                ],
                &[],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        assert!(
            page.text()
                .contains("name=\"confirm_duplicate\" value=\"yes\"")
        );
    }
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(
    an_office_application_goes_through_every_status_and_is_marked_late,
    a_state_corporation_result_waits_is_returned_unclaimed_and_comes_back,
    refusals_say_what_was_given_and_who_refused,
    internal_notes_stay_with_the_staff_and_comments_reach_the_applicant,
    a_duplicate_application_needs_a_confirmation,
);

//! The authorisation matrix: every staff role of every organisation, the citizens, the monitor
//! and the admin, against every action endpoint and applications of their own and of others.
//! Every forbidden call is answered 403 or 404 and changes nothing (the store's events and the
//! application index are compared before and after); exactly the holder of the current step
//! (role × organisation) may complete it.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;
use server::accounts::{Account, Kind};

struct Case {
    id: String,
    /// Who may see it: (org of staff who see it, the applicant's IIN).
    provider: String,
    sc: bool,
    applicant: String,
}

async fn setup(t: &TestApp) -> Vec<Case> {
    let me = t.citizen().await;
    let portal = t.apply_portal(&me, REG, PROVIDER).await;
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let office = t
        .post("/api/office/applications", &clerk, &json!({"regulation": REG, "applicant_iin": OTHER_CITIZEN, "applicant_name": "Айгүл Омарова"}))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let op = t
        .staff("state_corporation", "state_corporation_operator")
        .await;
    let sc = t
        .post("/api/sc/applications", &op, &json!({"regulation": REG, "provider": PROVIDER, "applicant_iin": CITIZEN, "applicant_name": "Әлібек Сейітов"}))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other_clerk = t.staff(OTHER_PROVIDER, "office_clerk").await;
    let r = t
        .post("/api/office/applications", &other_clerk, &json!({"regulation": "ekr-preschool-queue", "applicant_iin": "851231400001", "applicant_name": "Гүлнар Ахметова"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let other = r.json()["id"].as_str().unwrap().to_string();
    vec![
        Case {
            id: portal,
            provider: PROVIDER.into(),
            sc: false,
            applicant: CITIZEN.into(),
        },
        Case {
            id: office,
            provider: PROVIDER.into(),
            sc: false,
            applicant: OTHER_CITIZEN.into(),
        },
        Case {
            id: sc,
            provider: PROVIDER.into(),
            sc: true,
            applicant: CITIZEN.into(),
        },
        Case {
            id: other,
            provider: OTHER_PROVIDER.into(),
            sc: false,
            applicant: "851231400001".into(),
        },
    ]
}

fn password(a: &Account) -> &'static str {
    match a.kind {
        Kind::Citizen => CITIZEN_PW,
        Kind::Staff => STAFF_PW,
        Kind::Monitor => MONITOR_PW,
        Kind::Admin => ADMIN_PW,
    }
}

fn sees(a: &Account, c: &Case) -> bool {
    match a.kind {
        Kind::Citizen => a.iin.as_deref() == Some(c.applicant.as_str()),
        Kind::Staff => match a.org.as_deref() {
            Some("state_corporation") => c.sc,
            Some(org) => org == c.provider,
            None => false,
        },
        _ => true,
    }
}

fn snapshot(t: &TestApp, cases: &[Case]) -> (Vec<Vec<store::Event>>, usize) {
    (
        cases.iter().map(|c| t.events(&c.id)).collect(),
        t.state
            .store
            .list(&store::ListQuery {
                limit: 500,
                ..Default::default()
            })
            .unwrap()
            .rows
            .len(),
    )
}

#[tokio::test]
async fn authorisation_matrix() {
    let t = TestApp::new();
    let cases = setup(&t).await;
    let accounts = t.state.accounts.list().unwrap();
    assert!(accounts.len() > 30, "demo staff for every role");
    let before = snapshot(&t, &cases);
    let mut checked = 0;
    let mut holders: Vec<Option<String>> = vec![None; cases.len()];

    for a in &accounts {
        let who = t.login(&a.login, password(a)).await;
        for (i, c) in cases.iter().enumerate() {
            let (step, role, holder) = t.current(&c.id).await.expect("open");
            // Reading.
            let r = t.get(&format!("/api/applications/{}", c.id), &who).await;
            if sees(a, c) {
                assert_eq!(r.status, StatusCode::OK, "{} reads {}", a.login, c.id);
            } else {
                assert_eq!(
                    r.status,
                    StatusCode::NOT_FOUND,
                    "{} must not see {}",
                    a.login,
                    c.id
                );
                assert_eq!(r.json()["rule"], "not_found");
                let d = t
                    .get(&format!("/api/documents/{}/receipt.pdf", c.id), &who)
                    .await;
                assert_eq!(
                    d.status,
                    StatusCode::NOT_FOUND,
                    "{} must not get documents of {}",
                    a.login,
                    c.id
                );
                let n = t
                    .get(&format!("/api/notifications?application={}", c.id), &who)
                    .await;
                assert_eq!(n.status, StatusCode::NOT_FOUND);
            }
            // Acting on the current step.
            let may = a.kind == Kind::Staff
                && a.org.as_deref() == Some(holder.as_str())
                && a.has_role(&role);
            if may {
                // The executor's role has two people in the demo data (the head names one):
                // the first login that may act is the holder kept.
                assert!(
                    holders[i].is_none() || role == "executor",
                    "one holder account per step in the demo data"
                );
                holders[i].get_or_insert_with(|| a.login.clone());
                continue;
            }
            for outcome in ["done", "motivated_refusal", "refuse_acceptance"] {
                let r = t
                    .act(
                        &who,
                        &c.id,
                        step,
                        json!({"outcome": outcome, "grounds": "g"}),
                    )
                    .await;
                assert!(
                    r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
                    "{} acting ({outcome}) on {} ({role}@{holder}): {} {}",
                    a.login,
                    c.id,
                    r.status,
                    r.text()
                );
                assert_eq!(
                    r.status == StatusCode::NOT_FOUND,
                    !sees(a, c),
                    "404 exactly when not visible: {} on {}",
                    a.login,
                    c.id
                );
                assert_eq!(r.content_type(), "application/problem+json");
                checked += 1;
            }
            // Returning an unclaimed result.
            let r = t
                .post(
                    "/api/sc/unclaimed/return",
                    &who,
                    &json!({"applications": [c.id]}),
                )
                .await;
            if a.org.as_deref() == Some("state_corporation")
                && a.has_role("state_corporation_operator")
            {
                assert_eq!(r.status, StatusCode::OK);
                assert_eq!(r.json()[0]["ok"], false, "nothing is unclaimed yet");
            } else {
                assert!(
                    r.status == StatusCode::FORBIDDEN || r.status == StatusCode::NOT_FOUND,
                    "{}: {}",
                    a.login,
                    r.status
                );
            }
        }
        // Intake endpoints.
        let intake = json!({"regulation": REG, "provider": PROVIDER, "applicant_iin": "900101300007", "applicant_name": "Ерлан Жұмабаев", "decision": "refuse", "grounds": "matrix"});
        let r = t.post("/api/office/applications", &who, &intake).await;
        let office_clerk_here = a.kind == Kind::Staff
            && a.org.as_deref() == Some(PROVIDER)
            && a.has_role("office_clerk");
        if !office_clerk_here {
            assert!(
                r.status == StatusCode::FORBIDDEN || r.status == StatusCode::UNPROCESSABLE_ENTITY,
                "{} office intake: {} {}",
                a.login,
                r.status,
                r.text()
            );
            if r.status == StatusCode::UNPROCESSABLE_ENTITY {
                // A clerk of an organisation that does not provide the service.
                assert!(a.has_role("office_clerk"), "{}", a.login);
                assert_eq!(r.json()["field"], "regulation");
            }
        }
        let r = t.post("/api/sc/applications", &who, &intake).await;
        if !(a.org.as_deref() == Some("state_corporation")
            && a.has_role("state_corporation_operator"))
        {
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{} SC intake", a.login);
        }
        let r = t
            .post_with(
                "/api/applications",
                &who,
                &json!({"regulation": REG, "provider": PROVIDER}),
                &[("Idempotency-Key", "matrix")],
            )
            .await;
        if a.kind != Kind::Citizen {
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{} portal submission",
                a.login
            );
            assert_eq!(r.json()["rule"], "forbidden.not_citizen");
        }
        // Only admins move the clock.
        let r = t
            .post("/admin/clock", &who, &json!({"advance_minutes": 0}))
            .await;
        assert_eq!(
            r.status == StatusCode::OK,
            a.kind == Kind::Admin,
            "{} clock",
            a.login
        );
    }
    assert!(checked > 300, "{checked} forbidden actions checked");

    // Nothing the forbidden calls did changed an application (the allowed intakes added new
    // ones, which are not among the cases).
    let after = snapshot(&t, &cases);
    assert_eq!(
        before.0, after.0,
        "no forbidden call changed an application"
    );

    // And exactly the holder may act.
    for (i, c) in cases.iter().enumerate() {
        let login = holders[i]
            .clone()
            .unwrap_or_else(|| panic!("nobody holds {}", c.id));
        let who = t.login(&login, STAFF_PW).await;
        let (step, _, _) = t.current(&c.id).await.unwrap();
        let r = t.act(&who, &c.id, step, json!({})).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "{login} on {}: {}",
            c.id,
            r.text()
        );
        // A second try at the same step: someone acted first.
        let r = t.act(&who, &c.id, step, json!({})).await;
        assert!(
            matches!(r.status, StatusCode::CONFLICT | StatusCode::FORBIDDEN),
            "{}",
            r.text()
        );
    }
}

#[tokio::test]
async fn citizens_see_only_their_own() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let id = t.apply_portal(&me, REG, PROVIDER).await;
    let her = t.login(OTHER_CITIZEN, CITIZEN_PW).await;
    assert_eq!(
        t.get(&format!("/api/applications/{id}"), &her).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        t.get("/api/applications", &her).await.json()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let page = t.get_html(&format!("/applications/{id}"), &her).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.text().contains("<html"), "an HTML error page");
    // Her own step: she may read it but not act (403, not 404).
    let r = t.act(&me, &id, 0, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json()["rule"], "forbidden.not_staff");
    // Anonymous: 401 through the API, a redirect to the login page for the pages.
    assert_eq!(
        t.get(&format!("/api/applications/{id}"), &Who::default())
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let r = t
        .get_html(&format!("/applications/{id}"), &Who::default())
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login?next="));
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(authorisation_matrix, citizens_see_only_their_own,);

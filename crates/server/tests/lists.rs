//! Lists through the HTTP surface: keyset pages of the API and of the workstation, filters,
//! search, errors naming the field; and the monitoring report from the aggregates equal to
//! the full scan of the journal after a mix of actions.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Registers `n` office applications at PROVIDER; returns their ids.
async fn register(t: &TestApp, clerk: &Who, n: usize) -> Vec<String> {
    let mut ids = vec![];
    for i in 0..n {
        let (iin, name) = if i % 3 == 0 {
            (OTHER_CITIZEN, "Айгүл Омарова")
        } else {
            (CITIZEN, "Әлібек Сейітов")
        };
        let r = t
            .post(
                "/api/office/applications",
                clerk,
                &json!({"regulation": REG, "applicant_iin": iin, "applicant_name": name}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        ids.push(r.json()["id"].as_str().unwrap().to_string());
    }
    ids
}

fn ids_of(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every page of `uri` (with `limit`), following `next_cursor`.
async fn all_pages(t: &TestApp, who: &Who, uri: &str, limit: usize) -> Vec<String> {
    let mut out = vec![];
    let mut cursor: Option<String> = None;
    for _ in 0..100 {
        let sep = if uri.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{uri}{sep}limit={limit}&cursor={}", enc(c)),
            None => format!("{uri}{sep}limit={limit}"),
        };
        let r = t.get(&url, who).await;
        assert_eq!(r.status, StatusCode::OK, "{url}: {}", r.text());
        let page = r.json();
        let ids = ids_of(&page);
        assert!(ids.len() <= limit);
        out.extend(ids);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => return out,
        }
    }
    panic!("more than 100 pages");
}

#[tokio::test]
async fn pages_filters_and_search() {
    let t = TestApp::new();
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let ids = register(&t, &clerk, 23).await;
    let want: BTreeSet<String> = ids.iter().cloned().collect();

    // Every application exactly once, whatever the page size and order.
    for limit in [1, 5, 50] {
        for sort in ["newest", "oldest", "step_due", "term_due"] {
            let got = all_pages(
                &t,
                &clerk,
                &format!("/api/applications?scope=all&sort={sort}"),
                limit,
            )
            .await;
            assert_eq!(got.len(), 23, "limit {limit}, {sort}: {got:?}");
            assert_eq!(got.iter().cloned().collect::<BTreeSet<_>>(), want);
        }
    }

    // The head's inbox holds each new file (the step after registration is the head's).
    let head = t.staff(PROVIDER, "head").await;
    let inbox = all_pages(&t, &head, "/api/applications", 10).await;
    assert_eq!(inbox.iter().cloned().collect::<BTreeSet<_>>(), want);
    // The clerk's own inbox is empty: the clerk's step is done.
    assert!(
        all_pages(&t, &clerk, "/api/applications", 10)
            .await
            .is_empty()
    );
    // Another provider sees none of them.
    let other = t.staff(OTHER_PROVIDER, "office_clerk").await;
    assert!(
        all_pages(&t, &other, "/api/applications?scope=all", 10)
            .await
            .is_empty()
    );

    // Filters: the service, the status, the period.
    let by_reg = all_pages(
        &t,
        &clerk,
        &format!("/api/applications?scope=all&regulation={REG}"),
        50,
    )
    .await;
    assert_eq!(by_reg.len(), 23);
    let none = all_pages(
        &t,
        &clerk,
        "/api/applications?scope=all&regulation=ekr-guardianship",
        50,
    )
    .await;
    assert!(none.is_empty());
    assert!(
        all_pages(&t, &clerk, "/api/applications?scope=all&status=closed", 50)
            .await
            .is_empty()
    );
    let period = all_pages(
        &t,
        &clerk,
        "/api/applications?scope=all&from=03.12.2019&to=04.12.2019",
        50,
    )
    .await;
    assert_eq!(period.len(), 23, "all were submitted on 3 December 2019");
    assert!(
        all_pages(
            &t,
            &clerk,
            "/api/applications?scope=all&from=04.12.2019",
            50
        )
        .await
        .is_empty()
    );

    // Search: by IIN, by name (any case), by application id.
    let r = t
        .get(
            &format!("/api/applications?scope=all&q={OTHER_CITIZEN}"),
            &clerk,
        )
        .await;
    let found = ids_of(&r.json());
    assert_eq!(found.len(), 8, "every third of 23");
    for a in r.json()["items"].as_array().unwrap() {
        assert_eq!(a["applicant_iin"], OTHER_CITIZEN);
    }
    let r = t
        .get(
            &format!("/api/applications?scope=all&q={}", enc("айгүл ом")),
            &clerk,
        )
        .await;
    assert_eq!(ids_of(&r.json()).len(), 8);
    let r = t
        .get(&format!("/api/applications?scope=all&q={}", ids[4]), &clerk)
        .await;
    assert_eq!(ids_of(&r.json()), vec![ids[4].clone()]);
    // The other provider's staff find nothing of them, even by IIN.
    let r = t
        .get(&format!("/api/applications?scope=all&q={CITIZEN}"), &other)
        .await;
    assert!(ids_of(&r.json()).is_empty());

    // Bad filters name their field and rule.
    for (q, field) in [
        ("sort=sideways", "sort"),
        ("sla=late", "sla"),
        ("status=maybe", "status"),
        ("from=32.13.2019", "from"),
        ("limit=0", "limit"),
        ("cursor=nonsense", "cursor"),
    ] {
        let r = t
            .get(&format!("/api/applications?scope=all&{q}"), &clerk)
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{q}: {}",
            r.text()
        );
        assert_eq!(r.json()["field"], field, "{q}: {}", r.text());
    }
}

#[tokio::test]
async fn the_workstation_pages_keep_their_filters() {
    let t = TestApp::new();
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let ids = register(&t, &clerk, 7).await;
    let r = t.get_html("/work?scope=all&limit=3", &clerk).await;
    assert_eq!(r.status, StatusCode::OK);
    let html = r.text();
    let link = |id: &str| format!("href=\"/applications/{id}\"");
    let shown = ids.iter().filter(|id| html.contains(&link(id))).count();
    assert_eq!(shown, 3, "a page of 3");
    let next = html
        .split("rel=\"next\"")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|h| h.split('"').next())
        .expect("a next link")
        .replace("&amp;", "&");
    assert!(
        next.contains("scope=all") && next.contains("limit=3"),
        "{next}"
    );
    let r = t.get_html(&next, &clerk).await;
    let html2 = r.text();
    let shown2: Vec<_> = ids.iter().filter(|id| html2.contains(&link(id))).collect();
    assert_eq!(shown2.len(), 3);
    assert!(shown2.iter().all(|id| !html.contains(&link(id))));
    // A bad date is a message on the filter, not a failed page.
    let r = t.get_html("/work?scope=all&from=yesterday", &clerk).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("error-message"));
}

#[tokio::test]
async fn monitoring_from_the_aggregates_equals_the_full_scan() {
    let t = TestApp::new();
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let ids = register(&t, &clerk, 6).await;
    // Walk some through their steps (refusing one where the executor may), leave others.
    for (n, id) in ids.iter().enumerate().take(4) {
        let mut guard = 0;
        while let Some((step, role, org)) = t.current(id).await {
            guard += 1;
            assert!(guard < 20);
            if n == 3 && guard > 2 {
                break;
            }
            let who = t.staff(&org, &role).await;
            let extra = if role == "executor" && n == 1 {
                // A refusal names the regulation's grounds (the first one offered).
                let d = t.app(&who, id).await;
                let ground = d["current"]["refusal_grounds"][0]["id"].clone();
                json!({"outcome": "motivated_refusal", "grounds": "documents incomplete", "refusal_grounds": [ground]})
            } else {
                json!({})
            };
            let r = t.act(&who, id, step, extra).await;
            assert!(r.status.is_success(), "{}", r.text());
        }
    }
    // A citizen's portal application too.
    let citizen = t.citizen().await;
    t.apply_portal(&citizen, REG, PROVIDER).await;
    // Judge at several instants: now, past some step deadlines, past the term.
    for days in [0i64, 3, 40] {
        if days > 0 {
            t.state
                .clock
                .advance(jiff::SignedDuration::from_hours(24 * days));
        }
        let monitor = t
            .state
            .accounts
            .by_login("monitor")
            .unwrap()
            .expect("the demo monitor");
        let provider_head = t
            .state
            .accounts
            .by_login(&format!("{PROVIDER}.head"))
            .unwrap()
            .unwrap();
        for acc in [&monitor, &provider_head] {
            for (from, to) in [(None, None), (Some("2019-12-03"), Some("2019-12-04"))] {
                let a = server::monitoring::report(&t.state, acc, from, to).unwrap();
                let b = server::monitoring::report_full_scan(&t.state, acc, from, to).unwrap();
                // Equal but for the instant each was made at (the clock runs on).
                let json = |r: &server::monitoring::Report| {
                    let mut v = serde_json::to_value(r).unwrap();
                    v.as_object_mut().unwrap().remove("at");
                    v
                };
                assert_eq!(
                    json(&a),
                    json(&b),
                    "{} after {days} day(s), {from:?}–{to:?}",
                    acc.login
                );
                assert_eq!(a.applications, 7);
            }
        }
    }
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(
    pages_filters_and_search,
    the_workstation_pages_keep_their_filters,
    monitoring_from_the_aggregates_equals_the_full_scan,
);

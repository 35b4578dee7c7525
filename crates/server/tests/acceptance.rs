//! When an application counts as accepted, through the HTTP API: the office and the State
//! Corporation refuse outside their hours or take a late entry at the next opening, the portal
//! registers at the provider's next working opening; the term counts from acceptance; the API,
//! the application page and the receipt show both instants (docs/legal-time.md). Expected
//! dates are computed by hand: ekr-free-meals-tvet has 10 working days, the acceptance day
//! counted except at the State Corporation (000 L151-L152). December 2019: 14-15 a weekend,
//! 16-17 Independence Day; January 2020: 1-2 New Year, 3 off by decree, Sunday 5 worked.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

fn almaty(s: &str) -> jiff::Timestamp {
    let dt: jiff::civil::DateTime = s.replace(' ', "T").parse().unwrap();
    dt.to_zoned_datetime(calendar::almaty())
        .unwrap()
        .timestamp()
}

fn ts(v: &Value) -> jiff::Timestamp {
    v.as_str()
        .unwrap_or_else(|| panic!("not an instant: {v}"))
        .parse()
        .unwrap()
}

struct Case {
    at: &'static str,
    /// Accepted at (None: at once) and the term's last day, per channel.
    office: (Option<&'static str>, &'static str),
    sc: (Option<&'static str>, &'static str),
    portal: (Option<&'static str>, &'static str),
}

const CASES: &[Case] = &[
    // 08:59: everything opens at 09:00. Office/portal 10..25; centre 11..26.
    Case {
        at: "2019-12-10 08:59",
        office: (Some("2019-12-10 09:00"), "2019-12-25"),
        sc: (Some("2019-12-10 09:00"), "2019-12-26"),
        portal: (Some("2019-12-10 09:00"), "2019-12-25"),
    },
    // 18:31: the office closed, the centre open till 20:00.
    Case {
        at: "2019-12-10 18:31",
        office: (Some("2019-12-11 09:00"), "2019-12-26"),
        sc: (None, "2019-12-26"),
        portal: (Some("2019-12-11 09:00"), "2019-12-26"),
    },
    // The day before a holiday, in hours: 13, 18..20, 23..27, 30.
    Case {
        at: "2019-12-13 10:00",
        office: (None, "2019-12-30"),
        sc: (None, "2019-12-31"),
        portal: (None, "2019-12-30"),
    },
    // The day before a holiday, after hours: the next opening is Wednesday 18th.
    Case {
        at: "2019-12-13 18:31",
        office: (Some("2019-12-18 09:00"), "2019-12-31"),
        sc: (None, "2019-12-31"),
        portal: (Some("2019-12-18 09:00"), "2019-12-31"),
    },
    // Saturday: the centre works.
    Case {
        at: "2019-12-14 10:00",
        office: (Some("2019-12-18 09:00"), "2019-12-31"),
        sc: (None, "2019-12-31"),
        portal: (Some("2019-12-18 09:00"), "2019-12-31"),
    },
    // Sunday: all closed; the centre's term, 19..31 December and the working Sunday 5 January.
    Case {
        at: "2019-12-15 10:00",
        office: (Some("2019-12-18 09:00"), "2019-12-31"),
        sc: (Some("2019-12-18 09:00"), "2020-01-05"),
        portal: (Some("2019-12-18 09:00"), "2019-12-31"),
    },
    // Independence Day.
    Case {
        at: "2019-12-16 10:00",
        office: (Some("2019-12-18 09:00"), "2019-12-31"),
        sc: (Some("2019-12-18 09:00"), "2020-01-05"),
        portal: (Some("2019-12-18 09:00"), "2019-12-31"),
    },
];

fn check(app: &Value, at: &str, expected: (Option<&str>, &str), what: &str) {
    let submitted = ts(&app["submitted_at"]);
    assert!(
        submitted >= almaty(at) && submitted < almaty(at) + jiff::SignedDuration::from_mins(1),
        "{what}: submitted {submitted}"
    );
    let accepted = ts(&app["accepted_at"]);
    match expected.0 {
        Some(a) => assert_eq!(accepted, almaty(a), "{what}: accepted"),
        None => assert_eq!(accepted, submitted, "{what}: accepted at once"),
    }
    assert_eq!(
        ts(&app["term_due"]),
        almaty(&format!("{} 18:30", expected.1)),
        "{what}: term"
    );
}

#[tokio::test]
async fn each_channel_accepts_by_its_own_rule_over_http() {
    let t = TestApp::with(almaty(CASES[0].at), None);
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let operator = t
        .staff("state_corporation", "state_corporation_operator")
        .await;
    let citizen = t.citizen().await;
    for c in CASES {
        let now = t.state.clock.now();
        if now < almaty(c.at) {
            t.state.clock.advance(almaty(c.at).duration_since(now));
        }
        let office = |late: bool| json!({"regulation": REG, "applicant_iin": CITIZEN, "applicant_name": "Әлібек Сейітов", "late_entry": late});
        // Office.
        let r = t
            .post_with(
                "/api/office/applications",
                &clerk,
                &office(false),
                &[("accept-language", "ru")],
            )
            .await;
        if let Some(opening) = c.office.0 {
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}: {}",
                c.at,
                r.text()
            );
            let p = r.json();
            assert_eq!(p["rule"], "outside_working_hours", "{p}");
            assert_eq!(p["field"], "late_entry", "{p}");
            let detail = p["detail"].as_str().unwrap();
            let next = almaty(opening)
                .to_zoned_datetime(calendar::almaty())
                .strftime("%d.%m.%Y %H:%M")
                .to_string();
            assert!(detail.contains(&next), "{}: {detail}", c.at);
            assert!(
                detail.contains("Пн-Пт 09:00-13:00, 14:30-18:30"),
                "{detail}"
            );
            let r = t
                .post("/api/office/applications", &clerk, &office(true))
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            let app = t.app(&clerk, r.json()["id"].as_str().unwrap()).await;
            assert_eq!(app["late_entry"], true);
            check(&app, c.at, c.office, &format!("office {}", c.at));
        } else {
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            let app = t.app(&clerk, r.json()["id"].as_str().unwrap()).await;
            assert_eq!(app["late_entry"], false);
            check(&app, c.at, c.office, &format!("office {}", c.at));
        }
        // State Corporation centre.
        let sc = |late: bool| json!({"regulation": REG, "applicant_iin": CITIZEN, "applicant_name": "Әлібек Сейітов", "provider": PROVIDER, "late_entry": late, "centre": "sc-almaty-medeu"});
        let r = t.post("/api/sc/applications", &operator, &sc(false)).await;
        let r = if c.sc.0.is_some() {
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}: {}",
                c.at,
                r.text()
            );
            assert_eq!(r.json()["rule"], "outside_working_hours");
            t.post("/api/sc/applications", &operator, &sc(true)).await
        } else {
            r
        };
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let app = t.app(&operator, r.json()["id"].as_str().unwrap()).await;
        assert_eq!(app["centre"], "sc-almaty-medeu");
        check(&app, c.at, c.sc, &format!("centre {}", c.at));
        // Portal: never refused for the hour.
        let id = t.apply_portal(&citizen, REG, PROVIDER).await;
        let app = t.app(&citizen, &id).await;
        check(&app, c.at, c.portal, &format!("portal {}", c.at));
    }
}

#[tokio::test]
async fn the_page_and_the_receipt_show_both_instants() {
    // Sunday 15 December 2019, 10:00: the centre is closed; a late entry is taken in on
    // Wednesday 18th at 09:00.
    let t = TestApp::with(almaty("2019-12-15 10:00"), None);
    let operator = t
        .staff("state_corporation", "state_corporation_operator")
        .await;
    let r = t
        .post(
            "/api/sc/applications",
            &operator,
            &json!({"regulation": REG, "applicant_iin": CITIZEN, "applicant_name": "Әлібек Сейітов", "provider": PROVIDER, "late_entry": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    let citizen = t.citizen().await;
    let page = t
        .get_html(&format!("/applications/{id}?lang=ru"), &citizen)
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let html = page.text();
    assert!(html.contains("Подано"), "submitted row");
    assert!(
        html.contains("Принято (срок исчисляется с)"),
        "accepted row"
    );
    assert!(html.contains("15.12.2019 10:0"), "the submission instant");
    assert!(html.contains("18.12.2019 09:00"), "the acceptance instant");
    assert!(html.contains("внесено после окончания рабочего времени"));

    let pdf = t
        .get(
            &format!("/api/documents/{id}/receipt.pdf?lang=ru"),
            &operator,
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
    let dir = testkit::tempdir("receipt-text");
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, &pdf.body).unwrap();
    let out = match std::process::Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
    {
        Ok(o) => o,
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!(
                "SKIP the receipt's text: pdftotext not found ({e}); `bash scripts/setup.sh` installs it"
            );
            return;
        }
        Err(e) => panic!("pdftotext (poppler-utils) is needed in CI: {e}"),
    };
    let text = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("Дата и время приема"), "{text}");
    assert!(text.contains("15.12.2019 10:0"), "submitted: {text}");
    assert!(text.contains("Считается принятым"), "{text}");
    assert!(text.contains("18.12.2019 09:00"), "accepted: {text}");
    // Not counted: 19..31 December and Sunday 5 January: 10 working days.
    assert!(text.contains("05.01.2020 18:30"), "term: {text}");
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(
    each_channel_accepts_by_its_own_rule_over_http,
    the_page_and_the_receipt_show_both_instants,
);

//! Lateness shown everywhere: an office application whose result is issued after its term,
//! and a State Corporation one whose result reaches the desk after the term, are marked late
//! by the right number of working days in the API, on the citizen's pages, in the staff's
//! lists and inbox, on the monitoring page and in its CSV; the step completed after its due
//! instant carries the mark in the timeline. The monitoring report from the aggregates stays
//! equal to the full scan.
//!
//! The calendar: the clock starts on Tuesday 3 December 2019, 09:00 in Almaty (Monday the 2nd
//! was a day off for First President's Day, 1 December, a Sunday). The term is 10 working days:
//! at the office the day of acceptance is counted (3–6, 9–13 December, then 16–17 are
//! Independence Day: Wednesday 18 December); at the State Corporation it is not (Thursday
//! 19 December).

mod common;

use axum::http::StatusCode;
use common::*;
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

/// An Almaty wall-clock instant of December 2019 (UTC+6).
fn almaty(s: &str) -> Timestamp {
    s.parse::<jiff::civil::DateTime>()
        .unwrap()
        .to_zoned_datetime(calendar::almaty())
        .unwrap()
        .timestamp()
}

/// Moves the server's clock forward to `at`.
fn clock_to(t: &TestApp, at: Timestamp) {
    let now = t.state.now();
    assert!(now < at, "the clock runs forward only here");
    t.state
        .clock
        .advance(SignedDuration::from_secs(at.as_second() - now.as_second()));
}

/// Completes the current steps of `id` in turn; the executor acts only once the clock is at
/// `executor_at`. Stops at the end, or where the result waits at the State Corporation.
async fn walk(t: &TestApp, id: &str, executor_at: Timestamp) {
    for _ in 0..20 {
        let Some((step, role, org)) = t.current(id).await else {
            return;
        };
        let who = t.staff(&org, &role).await;
        let d = t.app(&who, id).await;
        if d["status"] == "awaiting_issue" {
            return;
        }
        if role == "executor" && t.state.now() < executor_at {
            clock_to(t, executor_at);
        }
        let r = t.act(&who, id, step, json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{role}: {}", r.text());
    }
    panic!("{id} did not finish in 20 steps");
}

fn item<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("{id} not in {list}"))
}

/// A server whose clock starts on Tuesday 3 December 2019, 09:00 in Almaty.
fn app() -> TestApp {
    TestApp::with(almaty("2019-12-03T09:00"), None)
}

#[tokio::test]
async fn results_issued_after_the_term_are_marked_late_everywhere() {
    let t = app();
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let office = t.open_office(&clerk).await;
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
    let sc = r.json()["id"].as_str().unwrap().to_string();
    // Another office application, issued in time: never marked.
    let on_time = t.open_office(&clerk).await;
    walk(&t, &on_time, t.state.now()).await;

    // The office result is issued on Monday 23 December: 3 working days late (19, 20, 23).
    walk(&t, &office, almaty("2019-12-23T10:00")).await;
    // The State Corporation's result reaches the desk on Thursday 26 December: 5 working days
    // late (20, 23, 24, 25, 26); it waits there for the applicant.
    walk(&t, &sc, almaty("2019-12-26T10:00")).await;

    let me = t.citizen().await;
    let d = t.app(&me, &office).await;
    assert_eq!(d["closure"], "issued");
    let term = d["term_due"]
        .as_str()
        .unwrap()
        .parse::<Timestamp>()
        .unwrap();
    assert_eq!(
        term.to_zoned_datetime(calendar::almaty()).date(),
        jiff::civil::date(2019, 12, 18),
        "10 working days from Tuesday 3 December, the day of acceptance counted"
    );
    assert_eq!(d["late"]["working_days"], 3, "{}", d["late"]);
    assert_eq!(d["late"]["same_day"], false);
    assert_eq!(d["late"]["due"], d["term_due"]);
    // The executor's step (9 calendar days from 3 December) was completed late too; the
    // steps done at once were not.
    let staff = t.app(&clerk, &office).await;
    let timeline = staff["timeline"].as_array().unwrap();
    let exec = timeline
        .iter()
        .find(|s| s["role"] == "executor" && s["state"] == "done")
        .unwrap();
    assert_eq!(exec["on_time"], false);
    let exec_due = exec["due"].as_str().unwrap().parse::<Timestamp>().unwrap();
    let exec_days = calendar::Calendar::kz()
        .count_working_days(
            exec_due.to_zoned_datetime(calendar::almaty()).date(),
            jiff::civil::date(2019, 12, 23),
        )
        .unwrap();
    assert!(
        exec_days >= 5,
        "due by 12 December at the latest: {exec_due}"
    );
    assert_eq!(exec["late"]["working_days"], exec_days);
    let first = &timeline[0];
    assert_eq!(first["on_time"], true);
    assert!(first["late"].is_null());

    let d = t.app(&me, &sc).await;
    assert_eq!(d["status"], "awaiting_issue");
    let term = d["term_due"]
        .as_str()
        .unwrap()
        .parse::<Timestamp>()
        .unwrap();
    assert_eq!(
        term.to_zoned_datetime(calendar::almaty()).date(),
        jiff::civil::date(2019, 12, 19),
        "10 working days after Tuesday 3 December"
    );
    assert_eq!(d["late"]["working_days"], 5, "{}", d["late"]);
    assert!(t.app(&me, &on_time).await["late"].is_null());

    // The citizen's list (API and cabinet page) and the application page.
    let mine = t.get("/api/applications", &me).await.json();
    assert_eq!(item(&mine["items"], &office)["late"]["working_days"], 3);
    assert_eq!(item(&mine["items"], &sc)["late"]["working_days"], 5);
    assert!(item(&mine["items"], &on_time)["late"].is_null());
    let cabinet = t.get_html("/cabinet?lang=ru", &me).await.text();
    assert!(
        cabinet.contains("с опозданием на 3 рабочих дня"),
        "{cabinet}"
    );
    assert!(cabinet.contains("с опозданием на 5 рабочих дней"));
    let cabinet = t.get_html("/cabinet?lang=kk", &me).await.text();
    assert!(cabinet.contains("3 жұмыс күнге кешікті"));
    assert!(!cabinet.contains("late by"), "no English on a Kazakh page");
    let page = t
        .get_html(&format!("/applications/{office}?lang=kk"), &me)
        .await
        .text();
    assert!(page.contains("3 жұмыс күнге кешікті"));
    // The step's lateness is the staff's to see; the citizen sees the result's.
    assert!(
        !page.contains(&format!("{exec_days} жұмыс күнге кешікті")),
        "{page}"
    );
    let staff_page = t
        .get_html(&format!("/applications/{office}?lang=kk"), &clerk)
        .await
        .text();
    assert!(staff_page.contains(&format!("{exec_days} жұмыс күнге кешікті")));
    let page = t
        .get_html(&format!("/applications/{office}?lang=en"), &me)
        .await
        .text();
    assert!(page.contains("late by 3 working days<"), "{page}");

    // The staff: the provider's list, the State Corporation operator's inbox (the result
    // waits for the applicant there).
    let list = t.get_html("/work?scope=all&lang=ru", &clerk).await.text();
    assert!(list.contains(&office) && list.contains("с опозданием на 3 рабочих дня"));
    let inbox = t.get("/api/applications", &operator).await.json();
    assert_eq!(item(&inbox["items"], &sc)["late"]["working_days"], 5);
    let desk = t.get_html("/sc?lang=ru", &operator).await.text();
    assert!(desk.contains(&sc) && desk.contains("с опозданием на 5 рабочих дней"));

    // Monitoring: the count, the list with working days, per step, and the CSV.
    let monitor = t.login("monitor", MONITOR_PW).await;
    let r = t.get("/api/monitoring/sla", &monitor).await.json();
    assert_eq!(r["results_late"], 2, "{r}");
    assert_eq!(r["results_late_days"], 8);
    assert_eq!(item(&r["late"], &office)["late"]["working_days"], 3);
    assert_eq!(item(&r["late"], &sc)["late"]["working_days"], 5);
    assert_eq!(r["late"].as_array().unwrap().len(), 2);
    let svc = item_by(&r["by_service"], "key", REG);
    assert_eq!(svc["late"], 2);
    // Per step: the office executor's 9 days ran out; the State Corporation's file sat with
    // its collection sector (30 seconds) while the clock moved on. Nothing else was late.
    let late_steps: Vec<(String, String, u64)> = r["by_step"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["late"] != 0)
        .map(|s| {
            let text = |k: &str| s[k].as_str().unwrap().to_string();
            (text("channel"), text("role"), s["late"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(
        late_steps,
        vec![
            ("office".into(), "executor".into(), 1),
            ("state_corporation".into(), "collection_sector".into(), 1)
        ],
        "{}",
        r["by_step"]
    );
    assert_eq!(item_by(&r["by_role"], "key", "executor")["late"], 1);
    assert_eq!(item_by(&r["by_role"], "key", "head")["late"], 0);
    // A period without them counts none.
    let r = t
        .get("/api/monitoring/sla?from=2019-12-04", &monitor)
        .await
        .json();
    assert_eq!(r["results_late"], 0);
    assert!(r["late"].as_array().unwrap().is_empty());

    let csv = t
        .get("/api/monitoring/sla?format=csv&lang=en", &monitor)
        .await;
    assert!(csv.content_type().starts_with("text/csv"));
    let mut rd = csv::Reader::from_reader(csv.body.as_slice());
    let head: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    let row = |group: &str, key: &str| {
        rows.iter()
            .find(|r| &r[0] == group && &r[1] == key)
            .unwrap_or_else(|| panic!("no {group},{key} row"))
    };
    assert_eq!(&row("late", &office)[col("working_days_late")], "3");
    assert_eq!(&row("late", &sc)[col("working_days_late")], "5");
    assert_eq!(&row("late", &sc)[col("late")], "1");
    assert_eq!(&row("results_late", "all")[col("late")], "2");
    assert_eq!(&row("results_late", "all")[col("working_days_late")], "8");
    assert_eq!(&row("service", REG)[col("late")], "2");
    let step_late: u64 = rows
        .iter()
        .filter(|r| &r[0] == "step")
        .map(|r| r[col("late")].parse::<u64>().unwrap())
        .sum();
    assert_eq!(step_late, 2);
    assert!(
        rows.iter().all(|r| r.len() == head.len()),
        "every row has every column"
    );

    for (lang, words) in [
        ("ru", "выдано с нарушением срока: 2"),
        ("kk", "мерзімі бұзылып берілгені: 2"),
    ] {
        let page = t
            .get_html(&format!("/monitoring?lang={lang}"), &monitor)
            .await
            .text();
        assert!(page.contains(words), "{lang}: {page}");
        assert!(page.contains(&office) && page.contains(&sc));
        assert!(page.contains(r#"class="tag late""#));
        // The text people read names services, providers and roles, never their ids, and
        // says no "-0" and no compliance of nothing.
        let text = visible_text(&page);
        for id in [
            REG,
            PROVIDER,
            "office_clerk",
            "state_corporation_operator",
            " min",
        ] {
            assert!(!text.contains(id), "{lang}: `{id}` shown in {text}");
        }
        assert!(
            !text.contains("-0 ") && !text.contains(">-0<"),
            "{lang}: -0 in {text}"
        );
    }
    let page = t.get_html("/monitoring?lang=ru", &monitor).await.text();
    assert!(page.contains("с опозданием на 5 рабочих дней"));

    // The aggregates and the full scan agree on all of it.
    let acc = t.state.accounts.by_login("monitor").unwrap().unwrap();
    for (from, to) in [(None, None), (Some("2019-12-03"), Some("2019-12-04"))] {
        let a = server::monitoring::report(&t.state, &acc, from, to).unwrap();
        let b = server::monitoring::report_full_scan(&t.state, &acc, from, to).unwrap();
        let json = |r: &server::monitoring::Report| {
            let mut v = serde_json::to_value(r).unwrap();
            v.as_object_mut().unwrap().remove("at");
            v
        };
        assert_eq!(json(&a), json(&b), "{from:?}–{to:?}");
        assert_eq!(a.results_late, 2);
    }
}

fn item_by<'a>(list: &'a Value, field: &str, key: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| a[field] == key)
        .unwrap_or_else(|| panic!("no {field} = {key} in {list}"))
}

#[tokio::test]
async fn a_result_issued_later_on_the_term_day_is_late_the_same_day() {
    let t = app();
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let id = t.open_office(&clerk).await;
    let me = t.citizen().await;
    let term: Timestamp = t.app(&me, &id).await["term_due"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // An hour past the term's instant, still on its day in Almaty (the term ends at the
    // close of working hours).
    let at = term + SignedDuration::from_hours(1);
    assert_eq!(
        at.to_zoned_datetime(calendar::almaty()).date(),
        term.to_zoned_datetime(calendar::almaty()).date()
    );
    walk(&t, &id, at).await;
    let d = t.app(&me, &id).await;
    assert_eq!(d["closure"], "issued");
    assert_eq!(d["late"]["working_days"], 0);
    assert_eq!(d["late"]["same_day"], true);
    let page = t
        .get_html(&format!("/applications/{id}?lang=ru"), &me)
        .await
        .text();
    assert!(page.contains("с опозданием в тот же день"), "{page}");
    let monitor = t.login("monitor", MONITOR_PW).await;
    let r = t.get("/api/monitoring/sla", &monitor).await.json();
    assert_eq!(r["results_late"], 1);
    assert_eq!(r["results_late_days"], 0);
}

/// The text of a page as a reader sees it: tags, attributes and scripts left out.
fn visible_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(
    results_issued_after_the_term_are_marked_late_everywhere,
    a_result_issued_later_on_the_term_day_is_late_the_same_day,
);

//! One language per page: every page a citizen, an office clerk, a head, an executor, a State
//! Corporation operator and a monitor can reach, every PDF (both copies) and the monitoring
//! CSV, in Kazakh and in Russian, shows no Latin-script word outside a short allow-list, no
//! raw id (regulation, organisation, role) and no rule key. Visible text only: scripts, styles
//! and attributes are stripped first; PDFs are read with `pdftotext`.

mod common;

use axum::http::StatusCode;
use common::*;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

/// Latin words a page may show, and why.
const ALLOWED: &[&str] = &[
    // File formats and channels named as users know them (the forms say "PDF", "JPEG").
    "PDF", "CSV", "QR", "JPEG", "PNG", "SMS",
    // The language switcher names English in English, as every switcher names a language.
    "English",
    // The hash algorithm's name, as every checksum tool prints it (/verify's technical data).
    "SHA",
];

/// A hex digest or certificate serial (/verify's technical data): data, not a word.
fn is_digest(w: &str) -> bool {
    w.len() >= 16 && w.chars().all(|c| c.is_ascii_hexdigit())
}

/// An application's number (`Q20191203-a519c4ddb4`): what users quote, like a receipt number.
fn is_application_number(w: &str) -> bool {
    let Some((day, tail)) = w.strip_prefix('Q').and_then(|r| r.split_once('-')) else {
        return false;
    };
    day.len() == 8
        && day.chars().all(|c| c.is_ascii_digit())
        && tail.len() == 10
        && tail.chars().all(|c| c.is_ascii_hexdigit())
}

/// Visible text of an HTML page: no `<script>`/`<style>` content, no tags (so no attributes),
/// entities decoded.
fn visible_text(html: &str) -> String {
    let mut s = html.to_string();
    for tag in ["script", "style"] {
        while let Some(a) = s.find(&format!("<{tag}")) {
            let end = s[a..]
                .find(&format!("</{tag}>"))
                .map(|e| a + e + tag.len() + 3)
                .unwrap_or(s.len());
            s.replace_range(a..end, " ");
        }
    }
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

struct Checker {
    /// Ids that must never be shown: regulations, organisations, roles.
    ids: BTreeSet<String>,
    /// Verification codes seen (hex), which a page may show: the code a reader types.
    codes: BTreeSet<String>,
    findings: BTreeMap<String, BTreeSet<String>>,
}

impl Checker {
    fn check(&mut self, place: &str, text: &str) {
        for raw in text.split_whitespace() {
            let w = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
            if w.is_empty() {
                continue;
            }
            let url = raw.contains("://") || w.starts_with("www.") || w.ends_with(".kz");
            if url || is_application_number(w) || is_digest(w) || self.codes.contains(w) {
                continue;
            }
            let what = if self.ids.contains(w) {
                "raw id"
            } else if w.starts_with("problem-")
                || (w.contains('.')
                    && w.split('.').all(|p| {
                        !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    }))
            {
                "rule key"
            } else if w.chars().any(|c| c.is_ascii_alphabetic()) {
                // "QR-код", "PDF-документ": an allowed word joined to a Cyrillic one.
                let allowed = w
                    .split('-')
                    .filter(|p| p.chars().any(|c| c.is_ascii_alphabetic()))
                    .all(|p| ALLOWED.contains(&p));
                if allowed {
                    continue;
                }
                "Latin word"
            } else {
                continue;
            };
            self.findings
                .entry(place.to_string())
                .or_default()
                .insert(format!("{what} `{w}`"));
        }
    }
}

fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = testkit::tempdir("language-pdf");
    let p = dir.path().join("doc.pdf");
    std::fs::write(&p, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-enc")
        .arg("UTF-8")
        .arg(&p)
        .arg("-")
        .output()
        .ok()?;
    assert!(out.status.success(), "pdftotext failed");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Walks an office application to its end; `refuse` makes the executor refuse it.
async fn office_application(t: &TestApp, refuse: bool) -> String {
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let id = t.open_office(&clerk).await;
    let mut guard = 0;
    while let Some((step, role, org)) = t.current(&id).await {
        guard += 1;
        assert!(guard < 20);
        let who = t.staff(&org, &role).await;
        let extra = if refuse && role == "executor" {
            let d = t.app(&who, &id).await;
            let ground = d["current"]["refusal_grounds"][0]["id"].clone();
            json!({"outcome": "motivated_refusal", "grounds": "Отбасы құрамы туралы анықтама жоқ", "refusal_grounds": [ground]})
        } else {
            json!({"note": "Құжаттар тексерілді"})
        };
        let r = t.act(&who, &id, step, extra).await;
        assert_eq!(r.status, StatusCode::OK, "{role}: {}", r.text());
    }
    id
}

#[tokio::test]
async fn every_page_pdf_and_csv_speaks_one_language() {
    let pdftotext = testkit::require_tool("pdftotext", &["-v"]);
    let t = TestApp::new();

    // Applications in several states: issued, refused (motivated), refused at intake, one
    // at the State Corporation midway, one from the portal waiting at the provider.
    let issued = office_application(&t, false).await;
    let refused = office_application(&t, true).await;
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let r = t
        .post(
            "/api/office/applications",
            &clerk,
            &json!({"regulation": REG, "applicant_iin": CITIZEN, "applicant_name": "Айгүл Омарова", "decision": "refuse", "grounds": "Құжаттар толық емес"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let not_accepted = r.json()["id"].as_str().unwrap().to_string();
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
    let at_sc = r.json()["id"].as_str().unwrap().to_string();
    let citizen = t.citizen().await;
    let portal = t.apply_portal(&citizen, REG, PROVIDER).await;
    let apps = [&issued, &refused, &not_accepted, &at_sc, &portal];

    let mut ids: BTreeSet<String> = BTreeSet::new();
    let services = t.get("/api/services", &Who::default()).await.json();
    let list = services.as_array().or(services["items"].as_array());
    let services: Vec<String> = list
        .unwrap_or_else(|| panic!("services: {services}"))
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert!(services.len() >= 10);
    for reg in t.state.ctx.regulations() {
        ids.insert(reg.id.clone());
        for r in &reg.roles {
            ids.insert(r.get_ref().id.clone());
        }
        for p in &reg.providers {
            ids.insert(p.get_ref().id.clone());
            ids.insert(format!("{}-1", p.get_ref().id));
        }
        for res in &reg.results {
            ids.insert(res.get_ref().id.clone());
        }
    }
    ids.insert("state_corporation".into());
    let mut c = Checker {
        ids,
        codes: BTreeSet::new(),
        findings: BTreeMap::new(),
    };

    let users = [
        ("citizen", citizen),
        ("office_clerk", clerk),
        ("head", t.staff(PROVIDER, "head").await),
        ("executor", t.staff(PROVIDER, "executor").await),
        ("state_corporation_operator", operator),
        ("monitor", t.login("monitor", MONITOR_PW).await),
    ];
    let mut pages: Vec<String> = vec![
        "/".into(),
        "/services".into(),
        "/cabinet".into(),
        "/work".into(),
        "/sc".into(),
        "/sc/bookings".into(),
        "/monitoring".into(),
        "/verify".into(),
        "/tokens".into(),
        "/account/password".into(),
    ];
    pages.extend(services.iter().map(|s| format!("/services/{s}")));
    for a in apps {
        pages.push(format!("/applications/{a}"));
        pages.push(format!("/applications/{a}/booking"));
    }

    let mut walked = 0;
    let mut pdfs = 0;
    for lang in ["kk", "ru"] {
        for (who_name, who) in &users {
            for page in &pages {
                let uri = format!("{page}?lang={lang}");
                let r = t.get_html(&uri, who).await;
                if r.status != StatusCode::OK {
                    // Not this user's page (403/404) or a redirect: still one language.
                    if r.content_type().starts_with("text/html") {
                        c.check(
                            &format!("{lang} {who_name} {page} ({})", r.status),
                            &visible_text(&r.text()),
                        );
                    }
                    continue;
                }
                walked += 1;
                c.check(
                    &format!("{lang} {who_name} {page}"),
                    &visible_text(&r.text()),
                );
            }
            // Documents of every application this user may see, both copies.
            for a in apps {
                for file in ["receipt.pdf", "result.pdf"] {
                    let r = t
                        .get(&format!("/api/documents/{a}/{file}?lang={lang}"), who)
                        .await;
                    if r.status != StatusCode::OK || !pdftotext {
                        continue;
                    }
                    let text = pdf_text(&r.body).unwrap();
                    // The verification code is the one code a document shows.
                    for w in text.split_whitespace() {
                        let w = w.trim_matches(|c: char| !c.is_alphanumeric());
                        if w.len() >= 16 && w.chars().all(|c| c.is_ascii_hexdigit()) {
                            c.codes.insert(w.to_string());
                        }
                    }
                    pdfs += 1;
                    c.check(&format!("{lang} {who_name} {a}/{file}"), &text);
                }
            }
        }
        // Verification pages of every document issued.
        for code in c.codes.clone() {
            let r = t
                .get_html(&format!("/verify/{code}?lang={lang}"), &Who::default())
                .await;
            assert_eq!(r.status, StatusCode::OK, "verify {code}");
            c.check(&format!("{lang} /verify/{code}"), &visible_text(&r.text()));
        }
        // The monitoring CSV.
        let monitor = &users[5].1;
        let r = t
            .get(
                &format!("/api/monitoring/sla?format=csv&lang={lang}"),
                monitor,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let csv = r.text();
        // Headers and values; the CSV's separators are not words.
        c.check(
            &format!("{lang} monitoring CSV"),
            &csv.replace([',', ';', '"'], " "),
        );
    }
    assert!(walked > 150, "only {walked} pages walked");
    if pdftotext {
        assert!(pdfs >= 16, "only {pdfs} PDFs read");
    }
    let report: Vec<String> = c
        .findings
        .iter()
        .map(|(place, what)| {
            format!(
                "{place}: {}",
                what.iter().cloned().collect::<Vec<_>>().join(", ")
            )
        })
        .collect();
    assert!(
        report.is_empty(),
        "{} places show another language, ids or rule keys:\n{}",
        report.len(),
        report.join("\n")
    );
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(every_page_pdf_and_csv_speaks_one_language,);

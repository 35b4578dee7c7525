//! The service passport (issue 11): every service's page, in Kazakh and in Russian, shows what
//! it costs, the documents, the closed list of refusal grounds with their legal source in
//! words, the appeal route with the complaint's term and the longest waits; the API returns the
//! same; a motivated refusal letter prints the appeal route.

mod common;

use axum::http::StatusCode;
use common::*;
use regulation::{GroundKind, Regulation};
use serde_json::json;

fn regulations() -> Vec<Regulation> {
    regulation::Catalogue::embedded(&regulation::Seeds::at(None))
        .regulations
        .into_iter()
        .map(|l| l.regulation)
        .collect()
}

/// What maud prints for a text.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The Standard's paragraph in words, written out here independently of the server.
fn standard_ref(s: &str, lang: &str) -> Option<String> {
    let s = s.trim_end_matches(" of the Standard");
    let rest = s.strip_prefix("para ")?;
    let (para, sub) = match rest.split_once('(') {
        Some((p, sub)) => (p, Some(sub.trim_end_matches(')'))),
        None => (rest, None),
    };
    Some(match (lang, sub) {
        ("kk", Some(sub)) => format!("Стандарттың {para}-тармағының {sub}) тармақшасы"),
        ("kk", None) => format!("Стандарттың {para}-тармағы"),
        (_, Some(sub)) => format!("подпункт {sub}) пункта {para} Стандарта"),
        (_, None) => format!("пункт {para} Стандарта"),
    })
}

#[tokio::test]
async fn every_service_page_is_a_passport_in_kazakh_and_russian() {
    let t = TestApp::new();
    let regs = regulations();
    assert_eq!(regs.len(), 11, "the catalogue's services");
    for reg in &regs {
        let p = reg
            .passport
            .as_ref()
            .unwrap_or_else(|| panic!("{} has a [passport]", reg.id))
            .get_ref();
        let id = &reg.id;
        for lang in ["kk", "ru"] {
            let r = t
                .get_html(&format!("/services/{id}?lang={lang}"), &Who::default())
                .await;
            assert_eq!(r.status, StatusCode::OK, "{id} {lang}");
            let page = r.text();
            let has = |what: &str, s: &str| {
                assert!(page.contains(&esc(s)), "{id} {lang}: {what} `{s}` missing");
            };
            let pick =
                |kk: &str, ru: &str| -> String { if lang == "kk" { kk } else { ru }.to_string() };
            has(
                "heading",
                &pick(
                    "Мемлекеттік қызмет паспорты",
                    "Паспорт государственной услуги",
                ),
            );
            let cost = p.cost.get_ref();
            has("cost", &pick(&cost.kk, &cost.ru));
            let rec = p.recipients.get_ref();
            has("recipients", &pick(&rec.kk, &rec.ru));
            for r in reg.results.iter().map(|r| r.get_ref()) {
                if r.kind == regulation::ResultKind::Result {
                    has(
                        "result",
                        &pick(r.name_kk.as_deref().unwrap(), r.name_ru.as_deref().unwrap()),
                    );
                }
            }
            let docs = &reg.application.as_ref().unwrap().get_ref().documents;
            assert!(!docs.is_empty(), "{id}: documents");
            for d in docs.iter().map(|d| d.get_ref()) {
                has("document", &pick(&d.kk, &d.ru));
            }
            let mut listed = 0;
            for g in reg.refusal_grounds.iter().map(|g| g.get_ref()) {
                if g.kind == GroundKind::Portal {
                    continue;
                }
                listed += 1;
                has(
                    "refusal ground",
                    &pick(g.text_kk.as_deref().unwrap(), g.text_ru.as_deref().unwrap()),
                );
                let source = g
                    .standard
                    .as_deref()
                    .and_then(|s| standard_ref(s, lang))
                    .or_else(|| g.reference.as_deref().and_then(|s| standard_ref(s, lang)));
                if let Some(s) = source {
                    has("the ground's legal source", &s);
                }
            }
            if listed == 0 {
                // The text gives none (krg-free-meals-school): the page says so.
                has(
                    "no grounds",
                    &pick(
                        "Регламент мәтінінде бас тарту негіздері көрсетілмеген.",
                        "Текст регламента не называет оснований для отказа.",
                    ),
                );
            }
            assert!(!p.appeal.is_empty(), "{id}: appeal route");
            for a in p.appeal.iter().map(|a| a.get_ref()) {
                has("appeal", &pick(&a.kk, &a.ru));
                if let Some(t) = a.term {
                    let term = match (lang, t.value) {
                        ("kk", n) => format!("тіркелген күнінен бастап {n} жұмыс күні ішінде"),
                        (_, n) => format!("в течение {n} рабочих дней со дня ее регистрации"),
                    };
                    assert_eq!(t.unit, regulation::Unit::WorkingDays);
                    has("complaint term", &term);
                }
                if let (Some(kk), Some(ru)) = (&a.law_kk, &a.law_ru) {
                    has("law", &pick(kk, ru));
                }
            }
            for w in p.waiting.iter().map(|w| w.get_ref()) {
                let n = w.max.value;
                has(
                    "waiting",
                    &pick(
                        &format!("ең көбі {n} минут"),
                        &format!("не более {n} минут"),
                    ),
                );
            }
            if reg
                .terms
                .values()
                .any(|t| t.get_ref().acceptance_day_counted == Some(false))
            {
                has(
                    "day of acceptance",
                    &pick(
                        "құжаттарды қабылдау күні мерзімге кірмейді",
                        "день приема документов не входит в срок",
                    ),
                );
            }
            let start = page.find("id=\"passport\"").expect("the passport section");
            let end = page[start..].find("</section>").unwrap() + start;
            let passport = &page[start..end];
            for english in [
                "para ",
                "of the Standard",
                "working_days",
                "motivated_refusal",
                "state_corporation",
                "App. ",
            ] {
                assert!(
                    !passport.contains(english),
                    "{id} {lang}: `{english}` on the page: {passport}"
                );
            }
        }

        // The API returns the same passport.
        let r = t.get(&format!("/api/services/{id}"), &Who::default()).await;
        assert_eq!(r.status, StatusCode::OK);
        let j = r.json();
        let jp = &j["passport"];
        assert_eq!(jp["free"], p.cost.get_ref().free, "{id}");
        assert_eq!(jp["cost"]["ru"], p.cost.get_ref().ru.as_str(), "{id}");
        assert_eq!(jp["recipients"]["kk"], p.recipients.get_ref().kk.as_str());
        let docs = &reg.application.as_ref().unwrap().get_ref().documents;
        assert_eq!(
            jp["documents"].as_array().unwrap().len(),
            docs.len(),
            "{id}"
        );
        let grounds = jp["refusal_grounds"].as_array().unwrap();
        let expected: Vec<usize> = (0..reg.refusal_grounds.len())
            .filter(|i| reg.refusal_grounds[*i].get_ref().kind == GroundKind::MotivatedRefusal)
            .collect();
        let got: Vec<usize> = grounds
            .iter()
            .map(|g| g["index"].as_u64().unwrap() as usize)
            .collect();
        assert_eq!(got, expected, "{id}: the closed list");
        for g in grounds {
            let own = reg.refusal_grounds[g["index"].as_u64().unwrap() as usize].get_ref();
            assert_eq!(g["text"]["ru"], own.text_ru.as_deref().unwrap());
            assert!(!g["legal_source"]["kk"].as_str().unwrap().is_empty());
        }
        let appeal = jp["appeal"].as_array().unwrap();
        assert_eq!(appeal.len(), p.appeal.len(), "{id}");
        assert_eq!(appeal[0]["to"], "provider");
        assert_eq!(
            appeal[0]["term"],
            json!({"value": 5, "unit": "working_days"})
        );
        assert!(
            appeal
                .iter()
                .any(|a| a["to"] == "authorised_body" && a["term"]["value"] == 15),
            "{id}: {appeal:?}"
        );
        assert_eq!(
            jp["waiting"].as_array().unwrap().len(),
            p.waiting.len(),
            "{id}"
        );
    }
}

/// A motivated refusal through the desk, signed and issued; its letter in `lang`, as text.
#[tokio::test]
async fn a_motivated_refusal_letter_carries_the_appeal_route() {
    if !testkit::require_tool("pdftotext", &["-v"]) {
        return;
    }
    let t = TestApp::new();
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let id = t.open_office(&clerk).await;
    let (step, role, _) = t.current(&id).await.unwrap();
    assert_eq!(role, "head");
    let head = t.staff(PROVIDER, "head").await;
    let executor = format!("{PROVIDER}.executor");
    let r = t
        .post(
            &format!("/api/applications/{id}/actions"),
            &head,
            &json!({"step": step, "outcome": "done", "executor": executor}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let exec = t.login(&executor, STAFF_PW).await;
    let d = t.app(&exec, &id).await;
    let step = d["current"]["step"].as_u64().unwrap();
    let ground = d["current"]["refusal_grounds"][0]["id"].as_u64().unwrap();
    let r = t
        .act(
            &exec,
            &id,
            step,
            json!({"outcome": "motivated_refusal", "refusal_grounds": [ground]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let (step, role, _) = t.current(&id).await.unwrap();
    assert_eq!(role, "head");
    let r = t.act(&head, &id, step, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let (step, _, _) = t.current(&id).await.unwrap();
    let r = t.act(&clerk, &id, step, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["closure"], "refusal_issued");

    let dir = testkit::tempdir("passport-letter");
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
    let reg = regulations().into_iter().find(|r| r.id == REG).unwrap();
    let p = reg.passport.as_ref().unwrap().get_ref();
    for (lang, heading, term) in [
        (
            "ru",
            "Порядок обжалования",
            "в течение 5 рабочих дней со дня ее регистрации",
        ),
        (
            "kk",
            "Шағымдану тәртібі",
            "тіркелген күнінен бастап 5 жұмыс күні ішінде",
        ),
    ] {
        let r = t
            .get(
                &format!("/api/documents/{id}/result.pdf?lang={lang}"),
                &head,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let letter = text(&r.body, &format!("{lang}.pdf"));
        assert!(letter.contains(heading), "{lang}: {letter}");
        assert!(letter.contains(term), "{lang}: {letter}");
        for a in p.appeal.iter().map(|a| a.get_ref()) {
            let words = if lang == "kk" { &a.kk } else { &a.ru };
            // The letter capitalises the entry; compare from its second word on.
            let tail: String = words
                .split_whitespace()
                .skip(1)
                .collect::<Vec<_>>()
                .join(" ");
            assert!(letter.contains(&tail), "{lang}: `{tail}` in {letter}");
        }
        let other = if lang == "kk" {
            "Порядок обжалования"
        } else {
            "Шағымдану тәртібі"
        };
        assert!(!letter.contains(other), "{lang}: one language per copy");
    }
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(
    every_service_page_is_a_passport_in_kazakh_and_russian,
    a_motivated_refusal_letter_carries_the_appeal_route,
);

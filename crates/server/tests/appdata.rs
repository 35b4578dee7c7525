//! The application's data, service by service: for each of the 11 regulations, valid data is
//! accepted and printed on the result; each kind of invalid value is refused with the field
//! and the rule (API) and a message next to the field (form), and nothing is stored.

mod common;

use axum::http::StatusCode;
use common::*;
use engine::{FormData, FormValue};
use jiff::ToSpan;
use regulation::{ChannelId, FieldDecl, FieldKind, Regulation};
use serde_json::{Value, json};

/// A Tuesday 10:00 (Almaty) while `reg` is in force: a month after its act, or the suite's t0.
fn in_force_at(t: &TestApp, reg: &Regulation) -> jiff::Timestamp {
    let ctx = &t.state.ctx;
    let act: jiff::civil::Date = reg.act.get_ref().date.parse().unwrap();
    let mut day = act.checked_add(40.days()).unwrap();
    while day.weekday() != jiff::civil::Weekday::Tuesday {
        day = day.tomorrow().unwrap();
    }
    let at = day
        .at(10, 0, 0, 0)
        .to_zoned_datetime(calendar::almaty())
        .unwrap()
        .timestamp();
    if ctx.in_force(&reg.id, at).is_ok() {
        at
    } else {
        t0()
    }
}

/// One invalid value for `d` of each kind its validation has, with the rule it breaks.
fn invalid_values(
    d: &FieldDecl,
    data: &FormData,
    today: jiff::civil::Date,
) -> Vec<(String, &'static str)> {
    let mut v: Vec<(String, &'static str)> = vec![];
    match d.kind {
        FieldKind::Iin => {
            v.push(("12345".into(), "iin_format"));
            let good = data[&d.id].as_str().to_string();
            let last = good.as_bytes()[11] - b'0';
            v.push((
                format!("{}{}", &good[..11], (last + 1) % 10),
                "iin_check_digit",
            ));
            if d.birth_date_field.is_some() {
                v.push(("100515500003".into(), "iin_birth_date"));
            }
        }
        FieldKind::Date => {
            v.push(("31.02.2019".into(), "date_format"));
            v.push(("2019/12/01".into(), "date_format"));
            if d.past || d.age.is_some() {
                v.push(("01.01.2099".into(), "date_in_future"));
            }
            if let Some(age) = d.age {
                if age.max.is_some() {
                    v.push(("01.01.1950".into(), "too_old"));
                }
                if age.min.is_some_and(|m| m > 0) {
                    let baby = today.checked_sub(30.days()).unwrap();
                    v.push((baby.strftime("%d.%m.%Y").to_string(), "too_young"));
                }
            }
        }
        FieldKind::Name => v.push(("Ivan2019".into(), "name_format")),
        FieldKind::Phone => v.push(("12345".into(), "phone_format")),
        FieldKind::Year => v.push(("19".into(), "year_format")),
        FieldKind::Text => v.push((
            "ж".repeat(d.max_len.unwrap_or(200) as usize + 1),
            "too_long",
        )),
        FieldKind::Choice | FieldKind::Choices => {
            v.push(("no_such_option".into(), "unknown_option"))
        }
    }
    if d.required {
        v.push((String::new(), "required"));
    }
    v
}

fn body_with(reg: &str, provider: Option<&str>, data: &FormData) -> Value {
    let mut b = json!({
        "regulation": reg,
        "applicant_iin": CITIZEN,
        "applicant_name": "Сейітова Әлия Маратқызы",
        "data": data,
    });
    if let Some(p) = provider {
        b["provider"] = json!(p);
    }
    b
}

fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = testkit::tempdir("appdata-pdf");
    let path = dir.path().join("r.pdf");
    std::fs::write(&path, pdf).unwrap();
    match std::process::Command::new("pdftotext")
        .args([path.to_str().unwrap(), "-"])
        .output()
    {
        Ok(o) => Some(
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Err(e) if !testkit::on_ci() => {
            testkit::skip(format!("the result's text: pdftotext not found ({e})"));
            None
        }
        Err(e) => panic!("pdftotext (poppler-utils) is needed in CI: {e}"),
    }
}

/// Words of a PDF whose boxes overlap (`pdftotext -bbox`), per page; none when the tool is
/// missing outside CI.
fn overlapping_words(pdf: &[u8]) -> Vec<String> {
    let dir = testkit::tempdir("appdata-bbox");
    let path = dir.path().join("b.pdf");
    std::fs::write(&path, pdf).unwrap();
    let Ok(o) = std::process::Command::new("pdftotext")
        .args(["-bbox", path.to_str().unwrap(), "-"])
        .output()
    else {
        assert!(
            !testkit::on_ci(),
            "pdftotext (poppler-utils) is needed in CI"
        );
        return vec![];
    };
    let html = String::from_utf8_lossy(&o.stdout).to_string();
    let mut out = vec![];
    for (p, page) in html.split("<page ").skip(1).enumerate() {
        let words: Vec<(f32, f32, f32, f32, String)> = page
            .split("<word ")
            .skip(1)
            .map(|w| {
                let attr = |k: &str| -> f32 {
                    let i = w.find(&format!("{k}=\"")).unwrap() + k.len() + 2;
                    w[i..].split('"').next().unwrap().parse().unwrap()
                };
                let text = w.split('>').nth(1).unwrap_or("").split('<').next().unwrap();
                (
                    attr("xMin"),
                    attr("yMin"),
                    attr("xMax"),
                    attr("yMax"),
                    text.to_string(),
                )
            })
            .collect();
        let e = 1.0;
        for (i, a) in words.iter().enumerate() {
            for b in &words[i + 1..] {
                if a.0 + e < b.2 && b.0 + e < a.2 && a.1 + e < b.3 && b.1 + e < a.3 {
                    out.push(format!("page {}: {:?} overlaps {:?}", p + 1, a, b));
                }
            }
        }
    }
    out
}

/// Where staff take the application in: the provider's office if it accepts there, else the
/// State Corporation; with the taking-in account and the API path.
async fn intake_point(
    t: &TestApp,
    reg: &Regulation,
) -> (Who, &'static str, Option<String>, String) {
    let orgs = t.state.accounts.orgs().unwrap();
    let provider = server::catalogue::providers_of(reg, &orgs)
        .first()
        .map(|o| o.id.clone())
        .unwrap_or_else(|| panic!("{}: no demo provider", reg.id));
    let office = reg.channel(ChannelId::Office).is_some_and(|c| c.accepts)
        && t.state
            .ctx
            .plan(&reg.id, reg.version, ChannelId::Office)
            .is_some();
    if office {
        let plan = t
            .state
            .ctx
            .plan(&reg.id, reg.version, ChannelId::Office)
            .unwrap();
        let role = server::ops::first_person_step(plan).unwrap().role.clone();
        (
            t.staff(&provider, &role).await,
            "/api/office/applications",
            None,
            provider,
        )
    } else {
        (
            t.staff("state_corporation", "state_corporation_operator")
                .await,
            "/api/sc/applications",
            Some(provider.clone()),
            provider,
        )
    }
}

#[tokio::test]
async fn every_service_takes_valid_data_refuses_each_kind_of_invalid_data_and_prints_it() {
    let probe = TestApp::new();
    let regs: Vec<Regulation> = probe
        .state
        .ctx
        .regulations()
        .iter()
        .map(|r| (**r).clone())
        .collect();
    assert_eq!(regs.len(), 11, "the seed catalogue's 11 services");
    let mut checked_kinds = std::collections::BTreeSet::new();
    for reg in &regs {
        let form = reg
            .application
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no [application]", reg.id))
            .get_ref()
            .clone();
        let at = in_force_at(&probe, reg);
        let t = TestApp::with(at, None);
        let (who, path, sc_provider, _provider) = intake_point(&t, reg).await;
        let valid = t.state.ctx.sample_data(&reg.id, at, 7);
        assert!(!valid.is_empty(), "{}: sample data", reg.id);

        // Each kind of invalid value: 422 naming the field and the rule; nothing stored.
        for f in &form.fields {
            let d = f.get_ref();
            if !valid.contains_key(&d.id) {
                continue; // not asked under the sample's answers
            }
            let today = at.to_zoned_datetime(calendar::almaty()).date();
            for (bad, rule) in invalid_values(d, &valid, today) {
                let mut data = valid.clone();
                if bad.is_empty() {
                    data.remove(&d.id);
                } else {
                    data.insert(d.id.clone(), FormValue::One(bad.clone()));
                }
                let before = t.state.store.open_applications().unwrap().len();
                let r = t
                    .post(
                        path,
                        &who,
                        &body_with(&reg.id, sc_provider.as_deref(), &data),
                    )
                    .await;
                assert_eq!(
                    r.status,
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "{} {} = {bad:?}: {}",
                    reg.id,
                    d.id,
                    r.text()
                );
                let errors = r.json()["errors"].clone();
                let field = format!("data.{}", d.id);
                assert!(
                    errors
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|e| e["field"] == field && e["rule"] == format!("application.{rule}")),
                    "{} {} = {bad:?}: expected {rule}, got {errors}",
                    reg.id,
                    d.id
                );
                assert_eq!(
                    t.state.store.open_applications().unwrap().len(),
                    before,
                    "{}: a refused application left something behind",
                    reg.id
                );
                checked_kinds.insert(rule);
            }
        }
        // An undeclared field is refused too.
        let mut extra = valid.clone();
        extra.insert("favourite_colour".into(), FormValue::One("көк".into()));
        let r = t
            .post(
                path,
                &who,
                &body_with(&reg.id, sc_provider.as_deref(), &extra),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", reg.id);
        assert!(r.text().contains("application.not_asked"), "{}", r.text());

        // Valid data: accepted, kept as given (normalised), walked to its result.
        let r = t
            .post(
                path,
                &who,
                &body_with(&reg.id, sc_provider.as_deref(), &valid),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", reg.id, r.text());
        let id = r.json()["id"].as_str().unwrap().to_string();
        let d = t.app(&who, &id).await;
        assert_eq!(
            d["data"],
            serde_json::to_value(&valid).unwrap(),
            "{}",
            reg.id
        );
        let mut guard = 0;
        while let Some((step, role, org)) = t.current(&id).await {
            guard += 1;
            assert!(guard < 30, "{}: does not end", reg.id);
            let actor = t.staff(&org, &role).await;
            let extra = if role.contains("state_corporation") || role == "courier" {
                json!({"presented": "identity_document"})
            } else {
                json!({})
            };
            let r = t.act(&actor, &id, step, extra.clone()).await;
            if r.status != StatusCode::OK && extra != json!({}) {
                let r = t.act(&actor, &id, step, json!({})).await;
                assert_eq!(r.status, StatusCode::OK, "{} {role}: {}", reg.id, r.text());
            } else {
                assert_eq!(r.status, StatusCode::OK, "{} {role}: {}", reg.id, r.text());
            }
        }
        let d = t.app(&who, &id).await;
        assert_eq!(d["closure"], "issued", "{}: {d}", reg.id);
        // The result, in both languages, names the applicant and the beneficiary.
        let name_field = form
            .fields
            .iter()
            .map(|f| f.get_ref())
            .find(|f| f.kind == FieldKind::Name && valid.contains_key(&f.id))
            .unwrap_or_else(|| panic!("{}: no name field", reg.id));
        let iin_field = form
            .fields
            .iter()
            .map(|f| f.get_ref())
            .find(|f| f.kind == FieldKind::Iin && valid.contains_key(&f.id));
        for lang in ["kk", "ru"] {
            let pdf = t
                .get(&format!("/api/documents/{id}/result.pdf?lang={lang}"), &who)
                .await;
            assert_eq!(
                pdf.status,
                StatusCode::OK,
                "{} {lang}: {}",
                reg.id,
                pdf.text()
            );
            // The layout holds with real data: no text box over another, receipt or result.
            let receipt = t
                .get(
                    &format!("/api/documents/{id}/receipt.pdf?lang={lang}"),
                    &who,
                )
                .await;
            for (what, status, body) in [
                ("result", pdf.status, &pdf.body),
                ("receipt", receipt.status, &receipt.body),
            ] {
                if status != StatusCode::OK {
                    continue; // a channel without a receipt
                }
                let o = overlapping_words(body);
                assert!(o.is_empty(), "{} {lang} {what}: {}", reg.id, o.join("; "));
            }
            let Some(text) = pdf_text(&pdf.body) else {
                return;
            };
            assert!(
                text.contains("Сейітова Әлия Маратқызы"),
                "{} {lang}: applicant: {text}",
                reg.id
            );
            let name = valid[&name_field.id].as_str();
            assert!(
                text.contains(name),
                "{} {lang}: beneficiary {name}: {text}",
                reg.id
            );
            if let Some(f) = iin_field {
                assert!(
                    text.contains(valid[&f.id].as_str()),
                    "{} {lang}: IIN: {text}",
                    reg.id
                );
            }
            let label = if lang == "ru" {
                &name_field.ru
            } else {
                &name_field.kk
            };
            let first_words: String = label
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ");
            assert!(
                text.contains(&first_words),
                "{} {lang}: label {label}: {text}",
                reg.id
            );
        }
    }
    for rule in [
        "required",
        "iin_format",
        "iin_check_digit",
        "date_format",
        "name_format",
        "phone_format",
        "unknown_option",
    ] {
        assert!(checked_kinds.contains(rule), "no service exercised {rule}");
    }
}

/// The staff intake form: a bad value comes back with its message next to the field, in the
/// page's language, with what was typed kept; nothing is stored.
#[tokio::test]
async fn the_intake_form_shows_each_error_next_to_its_field() {
    let t = TestApp::new();
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let Who { cookie, .. } = &clerk;
    let cookie = cookie.clone().unwrap();
    let page = t.get_html("/work?lang=ru", &clerk).await;
    let html = page.text();
    assert!(
        html.contains("name=\"data.student_iin\""),
        "the form asks the service's fields"
    );
    assert!(
        html.contains("Копия решения об установлении опеки"),
        "the checklist"
    );
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let before = t.state.store.open_applications().unwrap().len();
    let r = t
        .form(
            "/work/intake?lang=ru",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("regulation", REG),
                ("applicant_iin", CITIZEN),
                ("applicant_name", "Сейітова Әлия"),
                ("decision", "accept"),
                ("data.student_name", "Иванова Мария"),
                ("data.student_birth_date", "15/05/2001"),
                ("data.student_iin", "010515600001"),
                ("data.course", "2"),
                ("data.category", "orphan"),
                ("data.phone", "8 701 123"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let html = r.text();
    for (field, message) in [
        ("student_birth_date", "Введите дату в формате дд.мм.гггг"),
        ("phone", "Введите телефон в виде +7 и десяти цифр"),
    ] {
        let marker = format!("id=\"f-data.{field}-error\"");
        let at = html
            .find(&marker)
            .unwrap_or_else(|| panic!("no error next to {field}: {html}"));
        let span = &html[at..at + 400.min(html.len() - at)];
        assert!(span.contains(message), "{field}: {span}");
        assert!(
            !span.contains("application."),
            "{field}: a rule key shown: {span}"
        );
    }
    assert!(
        html.contains("value=\"Иванова Мария\""),
        "typed values are kept"
    );
    assert_eq!(t.state.store.open_applications().unwrap().len(), before);
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(
    every_service_takes_valid_data_refuses_each_kind_of_invalid_data_and_prints_it,
    the_intake_form_shows_each_error_next_to_its_field,
);

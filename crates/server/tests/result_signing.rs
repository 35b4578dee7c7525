//! The head signs a result with their own key (as NCALayer does in the page): the server
//! prepares both copies dated one instant, checks each CMS against exactly those bytes with
//! the provider's BIN (`Purpose::Organisation`), and records the signature dated when the
//! copies were prepared. A key of the wrong holder or use is refused in words, nothing
//! recorded; outside demo servers the server signs on nobody's behalf.

mod common;

use axum::http::StatusCode;
use common::keys::{Signer, TestKey, issue};
use common::*;
use serde_json::{Value, json};

/// An office application walked up to the head's signing step: (id, the head's session,
/// the step).
async fn at_signing_step(t: &TestApp) -> (String, Who, u64) {
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let id = t.open_office(&clerk).await;
    for _ in 0..20 {
        let (step, role, org) = t.current(&id).await.expect("open");
        let who = t.staff(&org, &role).await;
        let d = t.app(&who, &id).await;
        if d["current"]["signs_result"] == true {
            return (id, who, step);
        }
        let r = t.act(&who, &id, step, json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{role}: {}", r.text());
    }
    panic!("no signing step");
}

/// The copies to sign, as the page's script gets them (`POST /applications/{id}/to-sign`).
async fn to_sign(t: &TestApp, who: &Who, id: &str, step: u64, lang: &str) -> Value {
    let r = t
        .form(
            &format!("/applications/{id}/to-sign?lang={lang}"),
            who.cookie.as_deref(),
            &[
                ("csrf", who.csrf.as_deref().unwrap()),
                ("step", &step.to_string()),
                ("outcome", "done"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

fn sign_copies(prepared: &Value, key: &TestKey) -> Value {
    let copy = |lang: &str| {
        let c = prepared["copies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["lang"] == lang)
            .unwrap();
        let pdf = server::signing::base64_decode(c["data"].as_str().unwrap()).unwrap();
        assert_eq!(documents::content_hash(&pdf), c["sha256"].as_str().unwrap());
        sign_with(&key.key, &key.certificate, &pdf, jiff::Timestamp::now())
    };
    json!({"signed_at": prepared["signed_at"], "kk": copy("kk"), "ru": copy("ru")})
}

fn signed_events(t: &TestApp, id: &str) -> Vec<store::Event> {
    t.events(id)
        .into_iter()
        .filter(|e| matches!(e, store::Event::ResultSigned { .. }))
        .collect()
}

#[tokio::test]
async fn the_head_signs_with_own_key_and_wrong_keys_are_refused_in_words() {
    let t = TestApp::with_setup(t0(), |c| c.demo = false, |_| {});
    if let Err(e) = &t.state.renderer {
        return testkit::skip(format_args!("documents cannot be rendered here: {e}"));
    }
    let (id, head, step) = at_signing_step(&t).await;
    let act = |sig: Value| {
        let (t, head, id) = (&t, &head, &id);
        async move {
            t.act(
                head,
                id,
                step,
                json!({"signature": sig, "note": "Қол қойылды"}),
            )
            .await
        }
    };

    // Not a demo server: no signature, or the server's key, is refused.
    let r = t.act(&head, &id, step, json!({})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["rule"], "signature.required");
    let r = act(json!({"demo_key": true})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());

    // The copies prepared now render again byte for byte.
    let prepared = to_sign(&t, &head, &id, step, "ru").await;
    let again = to_sign(&t, &head, &id, step, "ru").await;
    assert_ne!(prepared["signed_at"], again["signed_at"], "the clock runs");
    assert_eq!(prepared["copies"].as_array().unwrap().len(), 2);

    // Keys that are not the provider's signing key: refused with what failed, in the
    // request's language; nothing recorded.
    let citizen = issue(&t.state, Signer::Citizen(CITIZEN));
    let auth = issue(&t.state, Signer::HeadAuth(PROVIDER));
    let other = issue(&t.state, Signer::Head("local_akim-1"));
    // The server's own key, an information system's: it signs no person's act.
    let (key, certificate) = t.state.pki.system_signer(t.state.now()).unwrap();
    let system = TestKey {
        serial: String::new(),
        key,
        certificate,
        key_pem: Default::default(),
        cert_pem: Default::default(),
    };
    let (_, again) = t.state.pki.system_signer(t.state.now()).unwrap();
    assert_eq!(again, system.certificate, "one system certificate, kept");
    for (what, key) in [
        ("a citizen's key", &citizen),
        ("an authentication key", &auth),
        ("another organisation's key", &other),
        ("the server's own key", &system),
    ] {
        let r = t
            .post(
                &format!("/api/applications/{id}/actions?lang=ru"),
                &head,
                &json!({"step": step, "outcome": "done", "signature": sign_copies(&prepared, key)}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            r.text()
        );
        let p = r.json();
        assert!(
            p["rule"].as_str().unwrap().starts_with("ecp."),
            "{what}: {p}"
        );
        assert!(
            p["detail"]
                .as_str()
                .unwrap()
                .starts_with("Подпись результата не принята: "),
            "{what}: {p}"
        );
        assert!(
            signed_events(&t, &id).is_empty(),
            "{what}: nothing recorded"
        );
    }

    // The head's key, but the Russian signature over the Kazakh bytes: refused.
    let head_key = issue(&t.state, Signer::Head(PROVIDER));
    let mut swapped = sign_copies(&prepared, &head_key);
    swapped["ru"] = swapped["kk"].clone();
    let r = act(swapped).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["rule"], "ecp.bad_signature");

    // Copies dated before the step began are not this step's.
    let mut stale = sign_copies(&prepared, &head_key);
    stale["signed_at"] = json!("2019-12-01T00:00:00Z");
    let r = act(stale).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["rule"], "signature.stale");

    // The head's own signing key over the prepared copies: recorded, dated when prepared.
    let r = act(sign_copies(&prepared, &head_key)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let signed = signed_events(&t, &id);
    assert_eq!(signed.len(), 1);
    let store::Event::ResultSigned { at, sha256, ru, .. } = &signed[0] else {
        unreachable!()
    };
    assert_eq!(at.to_string(), prepared["signed_at"].as_str().unwrap());
    let kk_sha = prepared["copies"][0]["sha256"].as_str().unwrap();
    assert_eq!(sha256, kk_sha);
    assert_eq!(
        ru.as_ref().unwrap().sha256,
        prepared["copies"][1]["sha256"].as_str().unwrap()
    );

    // The remaining steps, then the issued copies are the signed bytes, and /verify finds
    // the signature valid.
    while let Some((step, role, org)) = t.current(&id).await {
        let who = t.staff(&org, &role).await;
        let r = t.act(&who, &id, step, json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{role}: {}", r.text());
    }
    let me = t.citizen().await;
    let d = t.app(&me, &id).await;
    let result = d["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "result")
        .unwrap()
        .clone();
    for (url, sha) in [
        ("url_kk", kk_sha.to_string()),
        ("url_ru", ru.as_ref().unwrap().sha256.clone()),
    ] {
        let pdf = t.get(result[url].as_str().unwrap(), &me).await;
        assert_eq!(documents::content_hash(&pdf.body), sha, "{url}");
        let code = t
            .state
            .accounts
            .document_by_hash(&sha)
            .unwrap()
            .expect("recorded")
            .code;
        let v = t
            .get(&format!("/verify/{code}"), &Who::default())
            .await
            .json();
        assert_eq!(v["status"], "valid", "{url}: {v}");
        assert_eq!(
            v["signature"]["signer"]["serial"]
                .as_str()
                .map(str::to_uppercase),
            Some(head_key.serial.to_uppercase()),
            "{v}"
        );
    }
}

#[tokio::test]
async fn the_pages_offer_ncalayer_and_a_file_for_each_copy() {
    let t = TestApp::with_options(t0(), |o| {
        o.ncalayer_url = Some("wss://127.0.0.1:24680".into())
    });
    if let Err(e) = &t.state.renderer {
        return testkit::skip(format_args!("documents cannot be rendered here: {e}"));
    }
    let (id, head, step) = at_signing_step(&t).await;
    let page = t
        .get_html(&format!("/applications/{id}?lang=ru"), &head)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let csp = page.headers["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self';")
            && csp.contains("connect-src 'self' wss://127.0.0.1:24680;"),
        "{csp}"
    );
    let html = page.text();
    for needle in [
        r#"data-ncalayer="result""#,
        r#"data-url="wss://127.0.0.1:24680""#,
        r#"<script src="/static/ncalayer.js" defer></script>"#,
        r#"name="signature_kk""#,
        r#"name="signature_ru""#,
        "Подписать ЭЦП (NCALayer) и завершить шаг",
        r#"name="sign" value="demo""#,
    ] {
        assert!(html.contains(needle), "{needle} missing");
    }
    let signed_at = hidden(&html, "signed_at").expect("signed_at");
    let js = t.get("/static/ncalayer.js", &Who::default()).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.text().contains("kz.gov.pki.knca.basics"));

    // Without JavaScript: each copy downloads dated as the page, is signed by another tool,
    // and both signatures go up with the form.
    let key = issue(&t.state, Signer::Head(PROVIDER));
    let csrf = head.csrf.clone().unwrap();
    let form = |extra: &[(&'static str, String)]| {
        let mut f: Vec<(&str, String)> = vec![
            ("csrf", csrf.clone()),
            ("step", step.to_string()),
            ("outcome", "done".into()),
            ("signs", "1".into()),
            ("signed_at", signed_at.clone()),
        ];
        f.extend(extra.iter().cloned());
        f
    };
    let mut sigs = vec![];
    for copy in ["kk", "ru"] {
        let fields = form(&[]);
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let pdf = t
            .multipart(
                &format!("/applications/{id}/to-sign.pdf?copy={copy}"),
                head.cookie.as_deref().unwrap(),
                &fields,
                &[],
            )
            .await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.text());
        assert!(pdf.body.starts_with(b"%PDF"));
        let der = identity::ecp::sign_cms(
            &pdf.body,
            &key.key,
            &key.certificate,
            &identity::ecp::SignOptions::default(),
        )
        .unwrap();
        sigs.push(der);
    }
    // One signature missing: the form comes back saying so.
    let fields = form(&[]);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = t
        .multipart(
            &format!("/applications/{id}/act?lang=ru"),
            head.cookie.as_deref().unwrap(),
            &fields,
            &[("signature_kk", "kk.p7s", &sigs[0])],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("Подпишите результат своей ЭЦП"),
        "{}",
        r.text()
    );
    assert!(signed_events(&t, &id).is_empty());
    let r = t
        .multipart(
            &format!("/applications/{id}/act"),
            head.cookie.as_deref().unwrap(),
            &fields,
            &[
                ("signature_kk", "kk.p7s", &sigs[0]),
                ("signature_ru", "ru.p7s", &sigs[1]),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(signed_events(&t, &id).len(), 1);
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(
    the_head_signs_with_own_key_and_wrong_keys_are_refused_in_words,
    the_pages_offer_ncalayer_and_a_file_for_each_copy,
);

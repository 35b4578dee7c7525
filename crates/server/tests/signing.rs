//! ЭЦП end to end, in-process: portal requests signed over their canonical bytes (accepted,
//! or refused with each refusal's own message and only its journal entry kept), the
//! head's signing step recording `ResultSigned` whose CMS `openssl cms -verify` accepts over
//! the issued PDF, `/verify` by code and by upload (a one-byte change is rejected), and the
//! portal form's signing step with the demo key.

mod common;

use axum::http::StatusCode;
use common::*;
use identity::ecp::{SignOptions, sign_cms};
use identity::keys::PrivateKey;
use identity::pki::{CaOptions, CertificateRequest, DevCa, Usage};
use identity::x509_cert::Certificate;
use serde_json::{Value, json};
use std::path::Path;

fn sha256_hex(b: &[u8]) -> String {
    documents::content_hash(b)
}

fn days(n: i64) -> jiff::SignedDuration {
    jiff::SignedDuration::from_hours(24 * n)
}

/// Nothing of a refused request is stored: no application, no index entry, no note, no
/// document; only the refused request's journal entry.
fn assert_nothing_stored(t: &TestApp) {
    assert!(t.state.store.open_applications().unwrap().is_empty());
    assert!(
        t.state
            .store
            .list(&store::ListQuery::default())
            .unwrap()
            .rows
            .is_empty()
    );
    // The only trace of a refused request is its journal entry.
    let others: Vec<_> = t
        .state
        .store
        .outbox_pending(1000)
        .unwrap()
        .into_iter()
        .filter(|o| !matches!(o.event, store::Event::RequestRefused { .. }))
        .collect();
    assert!(others.is_empty(), "{others:?}");
}

/// The refused requests in the journal (code, request SHA-256, journal id), oldest first.
fn refused(t: &TestApp) -> Vec<(String, String, String)> {
    t.state
        .store
        .outbox_pending(1000)
        .unwrap()
        .into_iter()
        .filter_map(|o| match o.event {
            store::Event::RequestRefused {
                code,
                request_sha256,
                ..
            } => Some((code, request_sha256, o.application)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_validly_signed_request_is_accepted() {
    let t = TestApp::new();
    assert!(
        t.state.ctx.require_signatures,
        "the server requires signatures"
    );
    let me = t.citizen().await;
    let body =
        t.with_data(&json!({"regulation": REG, "provider": PROVIDER, "phone": "+7 701 000 00 01"}));
    // The bytes to sign, as the API gives them.
    let rb = t
        .post_with(
            "/api/applications/request-bytes",
            &me,
            &body,
            &[("Idempotency-Key", "k-valid")],
        )
        .await;
    assert_eq!(rb.status, StatusCode::OK, "{}", rb.text());
    let req: server::ops::PortalSubmission = serde_json::from_value(body.clone()).unwrap();
    let bytes = req.request_bytes(CITIZEN, "k-valid");
    assert_eq!(
        rb.json()["request"],
        String::from_utf8(bytes.clone()).unwrap()
    );
    assert_eq!(rb.json()["sha256"], sha256_hex(&bytes));

    // Unsigned: 422 signature.required (not a refused signature: nothing recorded).
    let r = t
        .post_with(
            "/api/applications",
            &me,
            &body,
            &[("Idempotency-Key", "k-valid")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["rule"], "signature.required");
    assert!(refused(&t).is_empty());

    let r = t.submit_signed(&me, CITIZEN, &body, "k-valid").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    assert!(matches!(t.events(&id)[0], store::Event::Submitted { .. }));
    assert!(refused(&t).is_empty());
    // A PEM signature works as well as base64.
    let key = "k-pem";
    let bytes = req.request_bytes(CITIZEN, key);
    let (k, c) = t
        .state
        .pki
        .citizen_key(&identity::Iin::parse(CITIZEN).unwrap(), "x", t.state.now())
        .unwrap();
    let der = sign_cms(
        &bytes,
        &k,
        &c,
        &SignOptions {
            signing_time: Some(t.state.now()),
            ..Default::default()
        },
    )
    .unwrap();
    let mut b = body.clone();
    b["signature"] = json!(identity::ecp::cms_to_pem(&der));
    let r = t
        .post_with("/api/applications", &me, &b, &[("Idempotency-Key", key)])
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

#[tokio::test]
async fn each_bad_signature_is_refused_with_its_own_message_and_only_recorded() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let now = t.state.now();
    let body = t.with_data(&json!({"regulation": REG, "provider": PROVIDER}));
    let req: server::ops::PortalSubmission = serde_json::from_value(body.clone()).unwrap();
    let issue = |nb: jiff::Timestamp, na: jiff::Timestamp, usage: Vec<Usage>| {
        let mut r = CertificateRequest::signing(citizen_holder(CITIZEN), nb, na);
        r.key_usage = usage;
        t.state.pki.issue(&r).unwrap()
    };
    // An unknown CA with a certificate for the same IIN.
    let other_dir = testkit::tempdir("other-ca");
    let mut other = DevCa::init(
        other_dir.path(),
        &CaOptions {
            common_name: "Some other CA".into(),
            ..CaOptions::development(now - days(400), now + days(400))
        },
    )
    .unwrap();
    let stranger = other
        .issue(&CertificateRequest::signing(
            citizen_holder(CITIZEN),
            now - days(10),
            now + days(300),
        ))
        .unwrap();

    let mut seen_details = std::collections::HashSet::new();
    let mut expected_rows = 0;
    // (case, refusal code, how the request is signed) — each builds the body it submits.
    type Make = Box<dyn Fn(&str) -> Value>;
    let signed_by = |key: PrivateKey, cert: Certificate| -> Make {
        let req = req.clone();
        let body = body.clone();
        Box::new(move |k: &str| {
            let mut b = body.clone();
            b["signature"] = json!(sign_with(&key, &cert, &req.request_bytes(CITIZEN, k), now));
            b
        })
    };
    let expired = issue(now - days(800), now - days(400), Usage::SIGN.to_vec());
    let future = issue(now + days(30), now + days(400), Usage::SIGN.to_vec());
    let wrong_usage = issue(
        now - days(10),
        now + days(300),
        vec![Usage::KeyEncipherment],
    );
    let revoked = issue(now - days(10), now + days(300), Usage::SIGN.to_vec());
    t.state
        .pki
        .revoke(&revoked.serial, now - jiff::SignedDuration::from_mins(5))
        .unwrap();
    let (her_key, her_cert) = t
        .state
        .pki
        .citizen_key(&identity::Iin::parse(OTHER_CITIZEN).unwrap(), "Айгүл", now)
        .unwrap();
    let (my_key, my_cert) = t
        .state
        .pki
        .citizen_key(&identity::Iin::parse(CITIZEN).unwrap(), "Әлібек", now)
        .unwrap();
    let tampered: Make = {
        let req = req.clone();
        let body = body.clone();
        Box::new(move |k: &str| {
            // Signed for one phone, sent with another.
            let mut signed_req = req.clone();
            signed_req.phone = Some("+7 701 000 00 01".into());
            let mut b = body.clone();
            b["phone"] = json!("+7 701 999 99 99");
            b["signature"] = json!(sign_with(
                &my_key,
                &my_cert,
                &signed_req.request_bytes(CITIZEN, k),
                now
            ));
            b
        })
    };
    let cases: Vec<(&str, &str, Make, &str)> = vec![
        (
            "expired",
            "ecp.expired",
            signed_by(expired.key, expired.certificate),
            "kk",
        ),
        (
            "not yet valid",
            "ecp.not_yet_valid",
            signed_by(future.key, future.certificate),
            "ru",
        ),
        (
            "revoked",
            "ecp.revoked",
            signed_by(revoked.key, revoked.certificate),
            "en",
        ),
        (
            "unknown issuer",
            "ecp.unknown_issuer",
            signed_by(stranger.key, stranger.certificate),
            "ru",
        ),
        (
            "wrong IIN",
            "ecp.iin_mismatch",
            signed_by(her_key, her_cert),
            "kk",
        ),
        ("tampered content", "ecp.bad_signature", tampered, "ru"),
        (
            "wrong key usage",
            "ecp.key_usage",
            signed_by(wrong_usage.key, wrong_usage.certificate),
            "en",
        ),
    ];
    for (i, (case, code, make, lang)) in cases.iter().enumerate() {
        let key = format!("bad-{i}");
        let b = make(&key);
        let r = t
            .post_with(
                "/api/applications",
                &me,
                &b,
                &[("Idempotency-Key", &key), ("accept-language", lang)],
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{case}: {}",
            r.text()
        );
        let p = r.json();
        assert_eq!(p["rule"], *code, "{case}: {p}");
        assert_eq!(p["field"], "signature", "{case}");
        let detail = p["detail"].as_str().unwrap().to_string();
        let (portal, specific) = match *lang {
            "ru" => ("подлинность ЭЦП не подтверждена", "сертификат"),
            "en" => (
                "authenticity of the electronic digital signature",
                "certificate",
            ),
            _ => ("ЭЦҚ түпнұсқалығы расталмауына", "сертификат"),
        };
        assert!(detail.contains(portal), "{case} ({lang}): {detail}");
        if *code != "ecp.bad_signature" {
            assert!(detail.contains(specific), "{case} ({lang}): {detail}");
        }
        assert!(
            seen_details.insert(detail.clone()),
            "{case}: the same message twice: {detail}"
        );
        // Journalled: the code, the request's hash, the time; nothing else.
        expected_rows += 1;
        let rows = refused(&t);
        assert_eq!(rows.len(), expected_rows, "{case}");
        let last = rows.last().unwrap();
        assert_eq!(last.0, *code);
        let sent: server::ops::PortalSubmission = serde_json::from_value(b.clone()).unwrap();
        assert_eq!(last.2, format!("refused-{}", last.1), "{case}");
        assert_eq!(t.events(&last.2).len(), 1, "{case}: one journal entry");
        assert_eq!(
            last.1,
            sha256_hex(&sent.request_bytes(CITIZEN, &key)),
            "{case}"
        );
        assert_nothing_stored(&t);
    }
    // The citizen has no application, and a good signature still works afterwards.
    let mine = t.get("/api/applications", &me).await.json();
    assert!(mine["items"].as_array().unwrap().is_empty());
    let r = t.submit_signed(&me, CITIZEN, &body, "good").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

/// Walks an office application through every step (the head's signing step included).
async fn office_application(t: &TestApp, refuse: bool) -> String {
    let clerk = t.staff(PROVIDER, "office_clerk").await;
    let id = t.open_office(&clerk).await;
    let mut guard = 0;
    while let Some((step, role, org)) = t.current(&id).await {
        guard += 1;
        assert!(guard < 20);
        let who = t.staff(&org, &role).await;
        let extra = if refuse && role == "executor" {
            // A refusal names the regulation's grounds (the first one offered).
            let d = t.app(&who, &id).await;
            let ground = d["current"]["refusal_grounds"][0]["id"].clone();
            json!({"outcome": "motivated_refusal", "grounds": "Отбасы құрамы туралы анықтама жоқ", "refusal_grounds": [ground]})
        } else {
            json!({})
        };
        if role == "head" && guard > 2 {
            // The signing step refuses a stale step before signing anything.
            let r = t.act(&who, &id, step + 1, json!({})).await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
            assert!(
                !t.events(&id)
                    .iter()
                    .any(|e| matches!(e, store::Event::ResultSigned { .. })),
                "nothing signed for a rejected completion"
            );
        }
        let r = t.act(&who, &id, step, extra).await;
        assert_eq!(r.status, StatusCode::OK, "{role}: {}", r.text());
    }
    id
}

fn result_signed(t: &TestApp, id: &str) -> (usize, String, String, String) {
    let signed: Vec<_> = t
        .events(id)
        .into_iter()
        .filter_map(|e| match e {
            store::Event::ResultSigned {
                step,
                document,
                sha256,
                cms,
                by,
                ..
            } => {
                assert_eq!(by.role, "head");
                assert_eq!(by.org, PROVIDER);
                Some((step, document, sha256, cms))
            }
            _ => None,
        })
        .collect();
    assert_eq!(signed.len(), 1, "one ResultSigned event");
    signed.into_iter().next().unwrap()
}

/// The Russian copy's signature of the application's one `ResultSigned`.
fn ru_signed(t: &TestApp, id: &str) -> engine::SignedCopy {
    t.events(id)
        .into_iter()
        .find_map(|e| match e {
            store::Event::ResultSigned { ru, .. } => ru,
            _ => None,
        })
        .expect("the Russian copy is signed too")
}

/// `openssl cms -verify` over the PDF: the outside tool's word. Without openssl: fails under
/// CI, else says why and returns.
fn openssl_verifies(dir: &Path, ca: &Path, pdf: &[u8], cms_der: &[u8]) {
    if !testkit::require_tool("openssl", &["version"]) {
        return;
    }
    std::fs::write(dir.join("result.pdf"), pdf).unwrap();
    std::fs::write(dir.join("result.p7s"), cms_der).unwrap();
    let run = |content: &str| {
        std::process::Command::new("openssl")
            .args(["cms", "-verify", "-binary", "-inform", "DER", "-in"])
            .arg(dir.join("result.p7s"))
            .arg("-content")
            .arg(dir.join(content))
            .arg("-CAfile")
            .arg(ca)
            .args(["-purpose", "any", "-out"])
            .arg(dir.join("out.bin"))
            .output()
            .unwrap()
    };
    let out = run("result.pdf");
    assert!(
        out.status.success(),
        "openssl cms -verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("Verification successful"));
    // And openssl refuses a changed byte.
    let mut bad = pdf.to_vec();
    let n = bad.len() / 2;
    bad[n] ^= 1;
    std::fs::write(dir.join("bad.pdf"), &bad).unwrap();
    assert!(
        !run("bad.pdf").status.success(),
        "openssl accepted a changed PDF"
    );
}

#[tokio::test]
async fn the_heads_signing_step_signs_the_result_and_verify_checks_it() {
    let t = TestApp::new();
    if let Err(e) = &t.state.renderer {
        return testkit::skip(format_args!("documents cannot be rendered here: {e}"));
    }
    let id = office_application(&t, false).await;
    let (step, document, sha, cms) = result_signed(&t, &id);
    let plan = t
        .state
        .ctx
        .plan(REG, 1, regulation::ChannelId::Office)
        .unwrap();
    assert!(plan.step(step).unwrap().signs_result);
    assert_eq!(Some(document.clone()), plan.result);

    // The issued PDF (Kazakh original) is exactly what was signed.
    let me = t.citizen().await;
    let d = t.app(&me, &id).await;
    assert_eq!(d["closure"], "issued");
    let result = d["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "result")
        .unwrap()
        .clone();
    assert_eq!(result["signed"], true);
    let pdf = t.get(result["url_kk"].as_str().unwrap(), &me).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(sha256_hex(&pdf.body), sha);
    // Rendered again, it is the same bytes.
    let again = t.get(result["url_kk"].as_str().unwrap(), &me).await;
    assert_eq!(again.body, pdf.body);

    // openssl agrees.
    let der = server::signing::base64_decode(&cms).unwrap();
    let dir = testkit::tempdir("openssl");
    openssl_verifies(
        dir.path(),
        &t.state.pki.ca_certificate_path(),
        &pdf.body,
        &der,
    );

    // /verify/{code}: JSON and HTML, linked from the cabinet.
    let verify_url = result["verify_url"].as_str().unwrap().to_string();
    let cabinet = t.get_html("/cabinet", &me).await.text();
    assert!(
        cabinet.contains(&verify_url),
        "the cabinet links the verification"
    );
    let v = t.get(&verify_url, &Who::default()).await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text());
    let v = v.json();
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(v["application"], id.as_str());
    assert_eq!(v["content_hash"], sha.as_str());
    let s = &v["signature"];
    assert_eq!(s["valid"], true);
    assert_eq!(s["content_matches"], true);
    assert_eq!(s["sha256"], sha.as_str());
    assert_eq!(s["role"], "head");
    assert_eq!(s["organisation"], PROVIDER);
    assert!(
        s["signer"]["subject"].as_str().unwrap().contains("BIN"),
        "{s}"
    );
    assert!(s["signing_time"].is_string());
    assert_eq!(s["revocation"]["by"], "crl");
    let html = t.get_html(&verify_url, &Who::default()).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(html.text().contains("түпнұсқа"), "the verdict in Kazakh");

    // POST /verify: the PDF confirms, raw or as a multipart upload; one changed byte does not.
    let post_raw = |body: Vec<u8>| {
        axum::http::Request::post("/verify")
            .header("content-type", "application/pdf")
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let r = t.send(post_raw(pdf.body.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["status"], "valid");
    let mut multipart = b"--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.pdf\"\r\nContent-Type: application/pdf\r\n\r\n".to_vec();
    multipart.extend_from_slice(&pdf.body);
    multipart.extend_from_slice(b"\r\n--b0undary--\r\n");
    let r = t
        .send(
            axum::http::Request::post("/verify")
                .header("content-type", "multipart/form-data; boundary=b0undary")
                .header("accept", "text/html")
                .body(axum::body::Body::from(multipart))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert!(r.text().contains(&sha));
    let mut changed = pdf.body.clone();
    let n = changed.len() / 3;
    changed[n] = changed[n].wrapping_add(1);
    let r = t.send(post_raw(changed)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["rule"], "verify.unknown_document");
    // The Russian copy carries its own signature: journalled with the Kazakh one, it verifies
    // by its code and as presented (and with openssl); one changed byte is refused.
    let ru_sig = ru_signed(&t, &id);
    assert_ne!(ru_sig.sha256, sha, "two copies, two documents");
    assert_eq!(result["signed_ru"], true);
    let ru = t.get(result["url_ru"].as_str().unwrap(), &me).await;
    assert_eq!(ru.status, StatusCode::OK);
    assert_eq!(sha256_hex(&ru.body), ru_sig.sha256);
    let ru_der = server::signing::base64_decode(&ru_sig.cms).unwrap();
    openssl_verifies(
        dir.path(),
        &t.state.pki.ca_certificate_path(),
        &ru.body,
        &ru_der,
    );
    let ru_verify = result["verify_url_ru"].as_str().unwrap().to_string();
    assert_ne!(ru_verify, verify_url);
    let v = t.get(&ru_verify, &Who::default()).await.json();
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(v["lang"], "ru");
    assert_eq!(v["signature"]["sha256"], ru_sig.sha256.as_str());
    let html = t
        .get_html(&format!("{ru_verify}?lang=ru"), &Who::default())
        .await;
    assert!(html.text().contains("на русском языке"), "{}", html.text());
    let r = t.send(post_raw(ru.body.clone())).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "valid");
    assert_eq!(r.json()["lang"], "ru");
    let mut tampered = ru.body.clone();
    let n = tampered.len() / 3;
    tampered[n] = tampered[n].wrapping_add(1);
    let r = t.send(post_raw(tampered)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["rule"], "verify.unknown_document");
    // The Kazakh signature does not cover the Russian copy, nor the other way round.
    let kk_cms = server::signing::base64_decode(&cms).unwrap();
    let verifier = t.state.pki.verifier(t.state.now()).unwrap();
    let bin = server::signing::synthetic_bin(PROVIDER);
    let purpose = identity::ecp::Purpose::Organisation(&bin);
    assert!(
        verifier
            .check(&kk_cms, Some(&ru.body), purpose, t.state.now())
            .is_err()
    );
    assert!(
        verifier
            .check(&ru_der, Some(&pdf.body), purpose, t.state.now())
            .is_err()
    );

    // Once the organisation's certificate is revoked, the check says so.
    let serial = s["signer"]["serial"].as_str().unwrap().to_string();
    t.state.pki.revoke(&serial, t.state.now()).unwrap();
    let v = t.get(&verify_url, &Who::default()).await.json();
    assert_eq!(v["status"], "invalid");
    assert_eq!(v["signature"]["refusal"]["code"], "ecp.revoked");
}

#[tokio::test]
async fn a_motivated_refusal_is_signed_too() {
    let t = TestApp::new();
    if t.state.renderer.is_err() {
        eprintln!("skipping: documents cannot be rendered here");
        return;
    }
    let id = office_application(&t, true).await;
    let (_, document, sha, _) = result_signed(&t, &id);
    let plan = t
        .state
        .ctx
        .plan(REG, 1, regulation::ChannelId::Office)
        .unwrap();
    assert_eq!(Some(document), plan.refusal);
    let me = t.citizen().await;
    let d = t.app(&me, &id).await;
    assert_eq!(d["closure"], "refusal_issued");
    let pdf = t
        .get(&format!("/api/documents/{id}/result.pdf?lang=kk"), &me)
        .await;
    assert_eq!(sha256_hex(&pdf.body), sha);
    let pdf = t
        .get(&format!("/api/documents/{id}/result.pdf?lang=ru"), &me)
        .await;
    assert_eq!(sha256_hex(&pdf.body), ru_signed(&t, &id).sha256);
}

#[tokio::test]
async fn the_portal_form_signs_with_the_demo_key_or_takes_an_uploaded_signature() {
    let t = TestApp::new();
    let me = t.citizen().await;
    let cookie = me.cookie.clone().unwrap();
    let page = t.get_html(&format!("/services/{REG}"), &me).await.text();
    let csrf = hidden(&page, "csrf").unwrap();
    let key = hidden(&page, "key").unwrap();
    let apply = format!("/services/{REG}/apply");
    // Step 1: the form, checked → the signing step with the exact bytes and the demo button.
    let r = t
        .form(
            &format!("{apply}?lang=ru"),
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("key", &key),
                ("provider", PROVIDER),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains(r#"name="sign" value="demo""#),
        "the demo button"
    );
    assert!(
        html.contains("enctype=\"multipart/form-data\""),
        "the upload form"
    );
    assert!(
        html.contains("qyzmet/portal-application/v1"),
        "the bytes to sign"
    );
    // Unsigned at the signing step: the error, in Russian.
    let base = [
        ("csrf", csrf.as_str()),
        ("key", key.as_str()),
        ("provider", PROVIDER),
        ("confirm", "yes"),
        ("stage", "sign"),
    ];
    let r = t
        .form(&format!("{apply}?lang=ru"), Some(&cookie), &base)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("Подпишите заявление"), "{}", r.text());
    // A pasted signature that is not one: refused with the portal's message, recorded.
    let mut fields = base.to_vec();
    fields.push(("signature", "bm90IGEgc2lnbmF0dXJl"));
    let r = t
        .form(&format!("{apply}?lang=ru"), Some(&cookie), &fields)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().contains("подлинность ЭЦП не подтверждена"),
        "{}",
        r.text()
    );
    let rows = refused(&t);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "ecp.malformed");
    assert_nothing_stored(&t);
    // The demo key signs it.
    let mut fields = base.to_vec();
    fields.push(("sign", "demo"));
    let r = t.form(&apply, Some(&cookie), &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(r.location().contains("done=submitted"));

    // An uploaded DER signature file (multipart), made by an outside tool over request.json.
    let key2 = "upload-key";
    // The application's data travels with the form (hidden fields) and into request.json.
    let data: Vec<(String, String)> = t
        .state
        .ctx
        .sample_data(REG, t.state.now(), 0)
        .into_iter()
        .map(|(k, v)| (format!("data.{k}"), v.items().join(",")))
        .collect();
    let query: String = data
        .iter()
        .map(|(k, v)| format!("&{}={}", enc(k), enc(v)))
        .collect();
    let bytes = t
        .get(
            &format!("/services/{REG}/request.json?provider={PROVIDER}&phone=&key={key2}{query}"),
            &me,
        )
        .await
        .body;
    let sig = server::signing::base64_decode(&t.sign_bytes(CITIZEN, &bytes)).unwrap();
    let mut body = Vec::new();
    for (k, v) in [
        ("csrf", csrf.as_str()),
        ("key", key2),
        ("provider", PROVIDER),
        ("phone", ""),
        ("confirm", "yes"),
        // A second application for the same student: confirmed (see tests/statuses.rs).
        ("confirm_duplicate", "yes"),
        ("stage", "sign"),
    ]
    .into_iter()
    .chain(data.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    {
        body.extend_from_slice(
            format!("--XX\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(b"--XX\r\nContent-Disposition: form-data; name=\"signature_file\"; filename=\"request.p7s\"\r\nContent-Type: application/pkcs7-signature\r\n\r\n");
    body.extend_from_slice(&sig);
    body.extend_from_slice(
        b"\r\n--XX\r\nContent-Disposition: form-data; name=\"signature\"\r\n\r\n\r\n--XX--\r\n",
    );
    let r = t
        .send(
            axum::http::Request::post(&apply)
                .header("content-type", "multipart/form-data; boundary=XX")
                .header("accept", "text/html")
                .header("cookie", &cookie)
                .body(axum::body::Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let mine = t.get("/api/applications", &me).await.json();
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);
}

#[test]
fn the_openapi_document_describes_the_signed_request() {
    let doc = serde_json::to_value(server::openapi()).unwrap();
    let desc = doc["components"]["schemas"]["PortalSubmission"]["description"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(desc.contains("canonical request bytes"), "{desc}");
    assert!(desc.contains("qyzmet/portal-application/v1"), "{desc}");
    assert!(doc["paths"]["/verify"]["post"].is_object());
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(
    a_validly_signed_request_is_accepted,
    each_bad_signature_is_refused_with_its_own_message_and_only_recorded,
    the_heads_signing_step_signs_the_result_and_verify_checks_it,
    a_motivated_refusal_is_signed_too,
    the_portal_form_signs_with_the_demo_key_or_takes_an_uploaded_signature,
);

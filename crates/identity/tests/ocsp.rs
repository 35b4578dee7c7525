//! OCSP responses (RFC 6960): verification of what a responder says, the development CA's
//! responses, [`StaticOcsp`] in the verifier, and interop with `openssl ocsp` both ways
//! (those use the real clock; without `openssl` they fail when `CI` is set and otherwise
//! print why and pass).

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use common::*;
use identity::ecp::{
    Algorithms, CertIdHash, OcspError, OcspRequest, OcspResponder, OcspStatus, Refusal,
    RevocationEvidence, RevocationReason, SignOptions, StaticOcsp, sign_cms, verify_ocsp_response,
};
use identity::jiff::{SignedDuration, Timestamp};
use identity::keys::KeyAlgorithm;
use identity::pki::{DevCa, Issued, OcspQuery, OcspResponseOptions};

const REQUEST: &[u8] = b"{\"service\":\"externat\"}";

fn now() -> Timestamp {
    "2026-04-01T12:00:00Z".parse().unwrap()
}

fn opts(at: Timestamp) -> OcspResponseOptions<'static> {
    OcspResponseOptions {
        produced_at: at,
        next_update: Some(at + days(1)),
        responder: None,
    }
}

fn check(
    response: &[u8],
    person: &Issued,
    ca: &DevCa,
    at: Timestamp,
    nonce: Option<&[u8]>,
) -> Result<OcspStatus, OcspError> {
    verify_ocsp_response(
        response,
        &person.certificate,
        ca.certificate(),
        at,
        nonce,
        &Algorithms::default(),
    )
}

#[test]
fn good_by_request_with_nonce_and_by_serial_with_either_hash() {
    let mut w = World::new("ocsp-good", KeyAlgorithm::P256, now());
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    for hash in [CertIdHash::Sha256, CertIdHash::Sha1] {
        let req = OcspRequest::with_hash(&person.certificate, w.ca.certificate(), hash)
            .unwrap()
            .with_random_nonce()
            .unwrap();
        assert_eq!(req.serials(), vec![person.serial.clone()]);
        let der = req.to_der().unwrap();
        assert_eq!(OcspRequest::from_der(&der).unwrap(), req);
        let resp =
            w.ca.ocsp_response(OcspQuery::Request(&der), &opts(w.now))
                .unwrap();
        assert_eq!(
            check(&resp, &person, &w.ca, w.now, req.nonce()),
            Ok(OcspStatus::Good { produced_at: w.now })
        );
    }
    let resp =
        w.ca.ocsp_response(OcspQuery::Serial(&person.serial), &opts(w.now))
            .unwrap();
    assert_eq!(
        check(
            &resp,
            &person,
            &w.ca,
            w.now + days(1) - SignedDuration::from_mins(1),
            None
        ),
        Ok(OcspStatus::Good { produced_at: w.now })
    );
    // A tampered response does not verify.
    let mut bad = resp.clone();
    let n = bad.len();
    bad[n - 5] ^= 0x01;
    assert!(check(&bad, &person, &w.ca, w.now, None).is_err());
}

#[test]
fn revoked_carries_date_and_reason_and_the_verifier_refuses() {
    let mut w = World::new("ocsp-revoked", KeyAlgorithm::P256, now());
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let sig = sign_cms(
        REQUEST,
        &person.key,
        &person.certificate,
        &SignOptions::default(),
    )
    .unwrap();
    let date = w.now - days(2);
    w.ca.revoke(&person.serial, date, Some(RevocationReason::KeyCompromise))
        .unwrap();
    let resp =
        w.ca.ocsp_response(OcspQuery::Serial(&person.serial), &opts(w.now))
            .unwrap();
    assert_eq!(
        check(&resp, &person, &w.ca, w.now, None),
        Ok(OcspStatus::Revoked {
            date,
            reason: Some(RevocationReason::KeyCompromise),
            produced_at: w.now,
        })
    );
    let mut ocsp = StaticOcsp::new();
    ocsp.add(resp);
    // No CRL loaded: OCSP alone decides.
    let v = verifier_with(&w.ca, vec![]).with_ocsp(Arc::new(ocsp));
    match v
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap_err()
    {
        Refusal::Revoked { serial, date: d } => {
            assert_eq!(serial, person.serial);
            assert_eq!(d, date);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn good_from_static_ocsp_needs_no_crl_and_unknown_falls_back_to_crls() {
    let mut w = World::new("ocsp-static", KeyAlgorithm::P256, now());
    // A copy of the CA taken before the person is issued knows nothing of them.
    let before = w.dir.path().join("before");
    copy_dir(w.ca.dir(), &before);
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let sig = sign_cms(
        REQUEST,
        &person.key,
        &person.certificate,
        &SignOptions::default(),
    )
    .unwrap();

    let mut good = StaticOcsp::new();
    good.add(
        w.ca.ocsp_response(OcspQuery::Serial(&person.serial), &opts(w.now))
            .unwrap(),
    );
    let ok = verifier_with(&w.ca, vec![])
        .with_ocsp(Arc::new(good))
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap();
    assert_eq!(
        ok.revocation,
        RevocationEvidence::Ocsp { produced_at: w.now }
    );

    let old_ca = DevCa::open(&before).unwrap();
    let resp = old_ca
        .ocsp_response(OcspQuery::Serial(&person.serial), &opts(w.now))
        .unwrap();
    assert_eq!(
        check(&resp, &person, &w.ca, w.now, None),
        Ok(OcspStatus::Unknown)
    );
    let mut unknown = StaticOcsp::new();
    unknown.add(resp);
    let unknown = Arc::new(unknown);
    let ok = w
        .verifier()
        .with_ocsp(unknown.clone())
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap();
    assert!(matches!(ok.revocation, RevocationEvidence::Crl(_)));
    // …and with no CRL either, the status stays unknown.
    let r = verifier_with(&w.ca, vec![])
        .with_ocsp(unknown)
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap_err();
    assert!(matches!(r, Refusal::RevocationUnknown(_)), "{r:?}");
}

#[test]
fn only_the_ca_or_its_delegated_responder_may_answer() {
    let mut w = World::new("ocsp-responder", KeyAlgorithm::P256, now());
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let responder =
        w.ca.issue_ocsp_responder(
            "qyzmet OCSP",
            KeyAlgorithm::P256,
            w.now - days(1),
            w.now + days(30),
        )
        .unwrap();
    let clerk = w.issue(citizen(OTHER_PERSON), KeyAlgorithm::P256);
    let expired =
        w.ca.issue_ocsp_responder(
            "old OCSP",
            KeyAlgorithm::P256,
            w.now - days(30),
            w.now - days(1),
        )
        .unwrap();
    let by = |r: Option<&Issued>| {
        w.ca.ocsp_response(
            OcspQuery::Serial(&person.serial),
            &OcspResponseOptions {
                produced_at: w.now,
                next_update: Some(w.now + days(1)),
                responder: r,
            },
        )
        .unwrap()
    };
    assert_eq!(
        check(&by(Some(&responder)), &person, &w.ca, w.now, None),
        Ok(OcspStatus::Good { produced_at: w.now })
    );

    // A certificate of the same CA without OCSPSigning.
    let r = check(&by(Some(&clerk)), &person, &w.ca, w.now, None);
    assert!(
        matches!(&r, Err(OcspError::ResponderNotAuthorised(why)) if why.contains("OCSPSigning")),
        "{r:?}"
    );

    // A responder with OCSPSigning, of another CA.
    let mut other = World::new("ocsp-other", KeyAlgorithm::P256, now());
    let foreign = other
        .ca
        .issue_ocsp_responder(
            "other OCSP",
            KeyAlgorithm::P256,
            w.now - days(1),
            w.now + days(30),
        )
        .unwrap();
    let r = check(&by(Some(&foreign)), &person, &w.ca, w.now, None);
    assert!(
        matches!(&r, Err(OcspError::ResponderNotAuthorised(why)) if why.contains("not issued")),
        "{r:?}"
    );
    // Another CA answering about our certificate itself.
    let req = OcspRequest::new(&person.certificate, w.ca.certificate())
        .unwrap()
        .to_der()
        .unwrap();
    let resp = other
        .ca
        .ocsp_response(OcspQuery::Request(&req), &opts(w.now))
        .unwrap();
    assert!(matches!(
        check(&resp, &person, &w.ca, w.now, None),
        Err(OcspError::ResponderNotAuthorised(_))
    ));

    // A delegated responder whose certificate has expired.
    assert!(matches!(
        check(&by(Some(&expired)), &person, &w.ca, w.now, None),
        Err(OcspError::ResponderNotAuthorised(_))
    ));
}

#[test]
fn stale_answers_nonce_mismatch_and_other_certificates_are_refused() {
    let mut w = World::new("ocsp-bad", KeyAlgorithm::P256, now());
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let other = w.issue(citizen(OTHER_PERSON), KeyAlgorithm::P256);
    let serial = |p: &Issued| p.serial.clone();

    // nextUpdate has passed.
    let old =
        w.ca.ocsp_response(
            OcspQuery::Serial(&serial(&person)),
            &OcspResponseOptions {
                produced_at: w.now - days(3),
                next_update: Some(w.now - days(2)),
                responder: None,
            },
        )
        .unwrap();
    assert!(matches!(
        check(&old, &person, &w.ca, w.now, None),
        Err(OcspError::NotCurrent(_))
    ));
    // No nextUpdate, and two days old.
    let old =
        w.ca.ocsp_response(
            OcspQuery::Serial(&serial(&person)),
            &OcspResponseOptions {
                produced_at: w.now - days(2),
                next_update: None,
                responder: None,
            },
        )
        .unwrap();
    assert!(matches!(
        check(&old, &person, &w.ca, w.now, None),
        Err(OcspError::NotCurrent(_))
    ));
    // Produced in the future.
    let future =
        w.ca.ocsp_response(OcspQuery::Serial(&serial(&person)), &opts(w.now + days(1)))
            .unwrap();
    assert!(matches!(
        check(&future, &person, &w.ca, w.now, None),
        Err(OcspError::NotCurrent(_))
    ));

    // The nonce sent is not the one answered, or none is answered.
    let sent = OcspRequest::new(&person.certificate, w.ca.certificate())
        .unwrap()
        .with_nonce(b"nonce-we-sent-01".to_vec());
    let replayed = OcspRequest::new(&person.certificate, w.ca.certificate())
        .unwrap()
        .with_nonce(b"an-older-nonce-1".to_vec());
    let resp =
        w.ca.ocsp_response(
            OcspQuery::Request(&replayed.to_der().unwrap()),
            &opts(w.now),
        )
        .unwrap();
    assert_eq!(
        check(&resp, &person, &w.ca, w.now, sent.nonce()),
        Err(OcspError::Nonce("differs from the one sent"))
    );
    let no_nonce =
        w.ca.ocsp_response(OcspQuery::Serial(&serial(&person)), &opts(w.now))
            .unwrap();
    assert_eq!(
        check(&no_nonce, &person, &w.ca, w.now, sent.nonce()),
        Err(OcspError::Nonce("missing"))
    );

    // An answer about another certificate says nothing about this one.
    let about_other =
        w.ca.ocsp_response(OcspQuery::Serial(&serial(&other)), &opts(w.now))
            .unwrap();
    assert_eq!(
        check(&about_other, &person, &w.ca, w.now, None),
        Err(OcspError::NotForCertificate {
            serial: person.serial.clone()
        })
    );
    let mut store = StaticOcsp::new();
    store.add(about_other);
    assert!(
        store
            .status(&person.certificate, w.ca.certificate(), w.now)
            .is_err()
    );

    // Not an OCSP response at all.
    assert!(matches!(
        check(b"\x30\x03\x0a\x01\x00", &person, &w.ca, w.now, None),
        Err(OcspError::Malformed(_))
    ));
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

// ---- openssl interop ----

fn have_openssl() -> bool {
    testkit::require_tool("openssl", &["version"])
}

fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {args:?} failed:\n{text}");
    text
}

/// `YYMMDDHHMMSSZ`, as openssl's index.txt writes times.
fn index_time(t: Timestamp) -> String {
    t.strftime("%y%m%d%H%M%SZ").to_string()
}

#[test]
fn openssl_responses_verify_here_and_ours_in_openssl() {
    if !have_openssl() {
        return;
    }
    // Whole seconds, as index.txt and GeneralizedTime keep them.
    let now = Timestamp::from_second(Timestamp::now().as_second()).unwrap();
    let mut w = World::new("ocsp-openssl", KeyAlgorithm::P256, now);
    let good = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let revoked = w.issue(citizen(OTHER_PERSON), KeyAlgorithm::P256);
    let revoked_at = now - days(1);
    let responder =
        w.ca.issue_ocsp_responder(
            "qyzmet OCSP",
            KeyAlgorithm::P256,
            now - days(1),
            now + days(30),
        )
        .unwrap();
    let dir = w.dir.path();
    let ca = w.ca.certificate_path();
    let ca = ca.to_str().unwrap();
    let expiry = index_time(now + days(365));
    let index = format!(
        "V\t{expiry}\t\t{}\tunknown\t/CN=good\nR\t{expiry}\t{},keyCompromise\t{}\tunknown\t/CN=revoked\n",
        good.serial,
        index_time(revoked_at),
        revoked.serial
    );
    std::fs::write(dir.join("index.txt"), index).unwrap();

    // openssl's responder (delegated) answers our request (SHA-256 CertID, nonce).
    for (who, expected) in [(&good, "good"), (&revoked, "revoked")] {
        let req = OcspRequest::new(&who.certificate, w.ca.certificate())
            .unwrap()
            .with_random_nonce()
            .unwrap();
        std::fs::write(dir.join("req.der"), req.to_der().unwrap()).unwrap();
        openssl(
            dir,
            &[
                "ocsp",
                "-index",
                "index.txt",
                "-CA",
                ca,
                "-rsigner",
                responder.certificate_path.to_str().unwrap(),
                "-rkey",
                responder.key_path.to_str().unwrap(),
                "-reqin",
                "req.der",
                "-respout",
                "resp.der",
                "-ndays",
                "1",
            ],
        );
        let resp = std::fs::read(dir.join("resp.der")).unwrap();
        let status = check(&resp, who, &w.ca, now, req.nonce())
            .unwrap_or_else(|e| panic!("openssl's {expected} answer refused: {e}"));
        match (expected, status) {
            ("good", OcspStatus::Good { .. }) => {}
            ("revoked", OcspStatus::Revoked { date, reason, .. }) => {
                assert_eq!(date, revoked_at);
                assert_eq!(reason, Some(RevocationReason::KeyCompromise));
            }
            (e, s) => panic!("expected {e}, got {s:?}"),
        }
        // The same answer with another nonce is refused.
        assert!(matches!(
            check(&resp, who, &w.ca, now, Some(b"0123456789abcdef")),
            Err(OcspError::Nonce(_))
        ));
    }

    // Our CA's answers (signed by the CA, and by the delegated responder) pass
    // `openssl ocsp -verify` and read as the status we wrote.
    for (delegated, who, expected) in [
        (false, &good, "good"),
        (true, &good, "good"),
        (false, &revoked, "revoked"),
    ] {
        w.ca.revoke(
            &revoked.serial,
            revoked_at,
            Some(RevocationReason::KeyCompromise),
        )
        .ok();
        let resp =
            w.ca.ocsp_response(
                OcspQuery::Serial(&who.serial),
                &OcspResponseOptions {
                    produced_at: now,
                    next_update: Some(now + days(1)),
                    responder: delegated.then_some(&responder),
                },
            )
            .unwrap();
        std::fs::write(dir.join("ours.der"), &resp).unwrap();
        let out = openssl(
            dir,
            &[
                "ocsp",
                "-respin",
                "ours.der",
                "-CAfile",
                ca,
                "-issuer",
                ca,
                "-sha256",
                "-cert",
                who.certificate_path.to_str().unwrap(),
                "-no_nonce",
            ],
        );
        assert!(out.contains("Response verify OK"), "{out}");
        assert!(out.contains(&format!(": {expected}")), "{out}");
    }
}

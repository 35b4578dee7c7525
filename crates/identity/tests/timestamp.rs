//! RFC 3161 time-stamp tokens on CMS signatures: a valid token moves the instant at which
//! the signer's certificate is judged to its genTime; an invalid one refuses the signature.
//! Interop: a token `openssl ts -reply` makes verifies here, and a token made here verifies
//! in `openssl ts -verify` (those tests use the real clock; without `openssl` they fail when
//! `CI` is set and otherwise print why and pass).

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use identity::ecp::{
    Crl, Imprint, Refusal, RevocationEvidence, RevocationReason, SignOptions, TimestampFault,
    Verifier, add_timestamp, sign_cms, signature_value, timestamp_token,
};
use identity::jiff::{SignedDuration, Timestamp};
use identity::keys::KeyAlgorithm;
use identity::oids;
use identity::pki::{CertificateRequest, DevCa, Issued};

const REQUEST: &[u8] = b"{\"service\":\"preschool-queue\",\"applicant\":\"100515500003\"}";

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// The signing instant of these tests.
fn signed() -> Timestamp {
    t("2026-03-02T09:00:00Z")
}

fn sign(issued: &Issued, signing_time: Timestamp) -> Vec<u8> {
    sign_cms(
        REQUEST,
        &issued.key,
        &issued.certificate,
        &SignOptions {
            attached: false,
            signed_attributes: true,
            signing_time: Some(signing_time),
            chain: vec![],
        },
    )
    .unwrap()
}

fn tsa_of(ca: &mut DevCa, now: Timestamp) -> Issued {
    ca.issue_tsa(
        "qyzmet development TSA",
        KeyAlgorithm::P256,
        now - days(365),
        now + days(3 * 365),
    )
    .unwrap()
}

fn token_for(sig: &[u8], tsa: &Issued, gen_time: Timestamp) -> Vec<u8> {
    timestamp_token(
        &Imprint::of_signature(sig).unwrap(),
        &tsa.key,
        &tsa.certificate,
        gen_time,
        oids::NCA_TSA_POLICY_RSA,
        42,
    )
    .unwrap()
}

fn stamp(sig: &[u8], tsa: &Issued, gen_time: Timestamp) -> Vec<u8> {
    add_timestamp(sig, &token_for(sig, tsa, gen_time)).unwrap()
}

/// A verifier trusting `ca`, with its CRL as it stands, current at `at`.
fn verifier_at(ca: &DevCa, at: Timestamp) -> Verifier {
    let der = ca.make_crl(at - days(1), at + days(7)).unwrap();
    verifier_with(ca, vec![Crl::from_der(&der, "test").unwrap()])
}

fn fault(r: Result<identity::ecp::Verified, Refusal>) -> TimestampFault {
    match r {
        Err(Refusal::BadTimestamp(f)) => f,
        other => panic!("expected a timestamp refusal, got {other:?}"),
    }
}

#[test]
fn a_valid_token_gives_the_signing_time_and_its_evidence() {
    let mut w = World::new("ts-valid", KeyAlgorithm::P256, signed());
    let tsa = tsa_of(&mut w.ca, w.now);
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let sig = sign(&person, signed());
    let stamped_at = signed() + SignedDuration::from_secs(3);
    let stamped = stamp(&sig, &tsa, stamped_at);
    let later = signed() + days(2);
    let ok = verifier_at(&w.ca, later)
        .verify(&stamped, Some(REQUEST), &iin(APPLICANT), later)
        .unwrap();
    let ev = ok.timestamp.expect("timestamp evidence");
    assert_eq!(ev.gen_time, stamped_at);
    assert_eq!(ev.policy, "1.2.398.3.3.2.6.2");
    assert_eq!(ev.serial, "2A");
    assert_eq!(ev.hash_algorithm, oids::SHA256.to_string());
    assert_eq!(
        ev.tsa.common_name.as_deref(),
        Some("qyzmet development TSA")
    );
    assert_eq!(ok.validity_checked_at, stamped_at);
    // Adding a token leaves the signature itself intact.
    assert_eq!(
        signature_value(&stamped).unwrap(),
        signature_value(&sig).unwrap()
    );
    // Without a token: the verification instant, no evidence.
    let plain = verifier_at(&w.ca, later)
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), later)
        .unwrap();
    assert!(plain.timestamp.is_none());
    assert_eq!(plain.validity_checked_at, later);
}

#[test]
fn expired_now_but_valid_at_gen_time_is_accepted_only_with_a_token() {
    let mut w = World::new("ts-expired", KeyAlgorithm::P256, signed());
    let tsa = tsa_of(&mut w.ca, w.now);
    let person =
        w.ca.issue(&CertificateRequest::signing(
            citizen(APPLICANT),
            signed() - days(30),
            signed() + days(10),
        ))
        .unwrap();
    let sig = sign(&person, signed());
    let stamped = stamp(&sig, &tsa, signed());
    let much_later = signed() + days(100);
    let v = verifier_at(&w.ca, much_later);
    let ok = v
        .verify(&stamped, Some(REQUEST), &iin(APPLICANT), much_later)
        .unwrap();
    assert_eq!(ok.validity_checked_at, signed());
    assert!(matches!(ok.revocation, RevocationEvidence::Crl(_)));
    let r = v
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), much_later)
        .unwrap_err();
    assert!(matches!(r, Refusal::Expired { .. }), "{r:?}");
}

#[test]
fn revocation_is_judged_at_gen_time() {
    let mut w = World::new("ts-revoked", KeyAlgorithm::P256, signed());
    let tsa = tsa_of(&mut w.ca, w.now);
    let after = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let before = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    w.ca.revoke(
        &after.serial,
        signed() + days(1),
        Some(RevocationReason::KeyCompromise),
    )
    .unwrap();
    w.ca.revoke(
        &before.serial,
        signed() - days(1),
        Some(RevocationReason::KeyCompromise),
    )
    .unwrap();
    let at = signed() + days(3);
    let v = verifier_at(&w.ca, at);

    // Revoked after the stamped instant: the signature stands.
    let sig = sign(&after, signed());
    let ok = v
        .verify(
            &stamp(&sig, &tsa, signed()),
            Some(REQUEST),
            &iin(APPLICANT),
            at,
        )
        .unwrap();
    assert!(matches!(ok.revocation, RevocationEvidence::Crl(_)));
    // Without the token it is judged now, when it is revoked.
    let r = v
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), at)
        .unwrap_err();
    assert!(matches!(r, Refusal::Revoked { .. }), "{r:?}");

    // Revoked before the stamped instant: refused, naming serial and date.
    let sig = sign(&before, signed());
    let r = v
        .verify(
            &stamp(&sig, &tsa, signed()),
            Some(REQUEST),
            &iin(APPLICANT),
            at,
        )
        .unwrap_err();
    match r {
        Refusal::Revoked { serial, date } => {
            assert_eq!(serial, before.serial);
            assert_eq!(date, signed() - days(1));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_token_for_another_signature_is_refused() {
    let mut w = World::new("ts-imprint", KeyAlgorithm::P256, signed());
    let tsa = tsa_of(&mut w.ca, w.now);
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let sig = sign(&person, signed());
    let other = sign(&person, signed() + days(1));
    let token = token_for(&other, &tsa, signed());
    let r = verifier_at(&w.ca, signed()).verify(
        &add_timestamp(&sig, &token).unwrap(),
        Some(REQUEST),
        &iin(APPLICANT),
        signed(),
    );
    let f = fault(r.clone());
    assert_eq!(f, TimestampFault::ImprintMismatch);
    assert_eq!(r.unwrap_err().code(), "ecp.bad_timestamp");
    // A token over the content rather than the signature value is refused the same way.
    let token = timestamp_token(
        &Imprint::sha256(REQUEST),
        &tsa.key,
        &tsa.certificate,
        signed(),
        oids::NCA_TSA_POLICY_RSA,
        1,
    )
    .unwrap();
    let r = verifier_at(&w.ca, signed()).verify(
        &add_timestamp(&sig, &token).unwrap(),
        Some(REQUEST),
        &iin(APPLICANT),
        signed(),
    );
    assert_eq!(fault(r), TimestampFault::ImprintMismatch);
}

#[test]
fn a_tampered_token_is_refused() {
    let mut w = World::new("ts-tamper", KeyAlgorithm::P256, signed());
    let tsa = tsa_of(&mut w.ca, w.now);
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let sig = sign(&person, signed());
    let mut token = token_for(&sig, &tsa, signed());
    // Move genTime a year back inside the TSTInfo: "2026…" becomes "2025…".
    let stamped_at = b"20260302090000Z";
    let pos = token
        .windows(stamped_at.len())
        .position(|w| w == stamped_at)
        .expect("genTime in the token");
    token[pos + 3] = b'5';
    let r = verifier_at(&w.ca, signed()).verify(
        &add_timestamp(&sig, &token).unwrap(),
        Some(REQUEST),
        &iin(APPLICANT),
        signed(),
    );
    assert_eq!(fault(r), TimestampFault::SignatureInvalid);
    // Garbage in the attribute is a malformed token, not an ignored one.
    let garbage = identity::ecp::add_timestamp(&sig, &[0x30, 0x03, 0x02, 0x01, 0x01]).unwrap();
    let r = verifier_at(&w.ca, signed()).verify(&garbage, Some(REQUEST), &iin(APPLICANT), signed());
    assert!(matches!(fault(r), TimestampFault::Malformed { .. }));
}

#[test]
fn the_token_signer_must_be_a_trusted_valid_unrevoked_tsa() {
    let mut w = World::new("ts-tsa", KeyAlgorithm::P256, signed());
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let sig = sign(&person, signed());
    let at = signed() + days(1);

    // A signing certificate is not a TSA's.
    let not_tsa = w.issue(citizen(OTHER_PERSON), KeyAlgorithm::P256);
    let r = verifier_at(&w.ca, at).verify(
        &stamp(&sig, &not_tsa, signed()),
        Some(REQUEST),
        &iin(APPLICANT),
        at,
    );
    match fault(r) {
        TimestampFault::NotTsaCertificate { found } => {
            assert!(found.contains("1.3.6.1.5.5.7.3.4"), "{found}")
        }
        other => panic!("{other:?}"),
    }

    // A TSA of a CA the verifier does not trust.
    let mut stranger = World::new("ts-stranger", KeyAlgorithm::P256, signed());
    let foreign = tsa_of(&mut stranger.ca, signed());
    let r = verifier_at(&w.ca, at).verify(
        &stamp(&sig, &foreign, signed()),
        Some(REQUEST),
        &iin(APPLICANT),
        at,
    );
    assert!(
        matches!(fault(r), TimestampFault::TsaNotTrusted { .. }),
        "a foreign TSA"
    );

    // A TSA whose certificate had expired at genTime.
    let old =
        w.ca.issue_tsa(
            "old TSA",
            KeyAlgorithm::P256,
            signed() - days(300),
            signed() - days(1),
        )
        .unwrap();
    let r = verifier_at(&w.ca, at).verify(
        &stamp(&sig, &old, signed()),
        Some(REQUEST),
        &iin(APPLICANT),
        at,
    );
    assert!(matches!(fault(r), TimestampFault::TsaNotValid { .. }));

    // A revoked TSA.
    let tsa = tsa_of(&mut w.ca, w.now);
    let stamped = stamp(&sig, &tsa, signed());
    assert!(
        verifier_at(&w.ca, at)
            .verify(&stamped, Some(REQUEST), &iin(APPLICANT), at)
            .is_ok()
    );
    w.ca.revoke(
        &tsa.serial,
        signed() + SignedDuration::from_hours(12),
        Some(RevocationReason::KeyCompromise),
    )
    .unwrap();
    let r = verifier_at(&w.ca, at).verify(&stamped, Some(REQUEST), &iin(APPLICANT), at);
    match fault(r) {
        TimestampFault::TsaRevoked { serial, .. } => assert_eq!(serial, tsa.serial),
        other => panic!("{other:?}"),
    }
}

#[test]
fn two_tokens_a_future_token_and_a_later_signing_time_are_refused() {
    let mut w = World::new("ts-two", KeyAlgorithm::P256, signed());
    let tsa = tsa_of(&mut w.ca, w.now);
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let sig = sign(&person, signed());
    let at = signed() + days(1);
    let once = stamp(&sig, &tsa, signed());
    let twice = add_timestamp(
        &once,
        &token_for(&sig, &tsa, signed() + SignedDuration::from_secs(1)),
    )
    .unwrap();
    let r = verifier_at(&w.ca, at).verify(&twice, Some(REQUEST), &iin(APPLICANT), at);
    assert_eq!(fault(r), TimestampFault::Several { count: 2 });

    let future = stamp(&sig, &tsa, at + days(1));
    let r = verifier_at(&w.ca, at).verify(&future, Some(REQUEST), &iin(APPLICANT), at);
    assert!(matches!(fault(r), TimestampFault::InFuture { .. }));

    // signingTime claims a day after the token that stamps the signature.
    let late = sign(&person, signed() + days(1));
    let stamped = stamp(&late, &tsa, signed());
    let r = verifier_at(&w.ca, at)
        .verify(&stamped, Some(REQUEST), &iin(APPLICANT), at)
        .unwrap_err();
    assert!(matches!(r, Refusal::SigningTime { .. }), "{r:?}");
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

const TSA_CONFIG: &str = "\
[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
serial = ./tsaserial
crypto_device = builtin
signer_digest = sha256
default_policy = 1.2.398.3.3.2.6.2
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
";

#[test]
fn openssl_tokens_verify_here_and_ours_in_openssl() {
    if !have_openssl() {
        return;
    }
    for alg in [KeyAlgorithm::P256, KeyAlgorithm::Rsa2048] {
        let now = Timestamp::now();
        let mut w = World::new("ts-openssl", alg, now);
        let tsa =
            w.ca.issue_tsa("qyzmet TSA", alg, now - days(30), now + days(365))
                .unwrap();
        let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
        let sig = sign(&person, now);
        let digest = hex(&Imprint::of_signature(&sig).unwrap().digest);
        let dir = w.dir.path();
        std::fs::write(dir.join("tsa.cnf"), TSA_CONFIG).unwrap();
        std::fs::write(dir.join("tsaserial"), "0A\n").unwrap();
        let tsa_cert = tsa.certificate_path.to_str().unwrap();
        let tsa_key = tsa.key_path.to_str().unwrap();
        let ca = w.ca.certificate_path();
        let ca = ca.to_str().unwrap();

        // openssl's TSA stamps our signature; we accept its token.
        openssl(
            dir,
            &[
                "ts",
                "-query",
                "-digest",
                &digest,
                "-sha256",
                "-cert",
                "-no_nonce",
                "-out",
                "q.tsq",
            ],
        );
        openssl(
            dir,
            &[
                "ts",
                "-reply",
                "-config",
                "tsa.cnf",
                "-queryfile",
                "q.tsq",
                "-signer",
                tsa_cert,
                "-inkey",
                tsa_key,
                "-token_out",
                "-out",
                "token.der",
            ],
        );
        let token = std::fs::read(dir.join("token.der")).unwrap();
        let stamped = add_timestamp(&sig, &token).unwrap();
        let at = now + days(1);
        let ok = verifier_at(&w.ca, at)
            .verify(&stamped, Some(REQUEST), &iin(APPLICANT), at)
            .unwrap_or_else(|r| panic!("{alg:?}: openssl's token refused: {r:?}"));
        let ev = ok.timestamp.unwrap();
        assert_eq!(ev.policy, "1.2.398.3.3.2.6.2");
        // The serial file holds the last serial used: openssl stamps the next.
        assert_eq!(ev.serial, "0B");
        assert!(ev.gen_time.duration_since(now).abs() < SignedDuration::from_mins(5));

        // openssl's token over another imprint is refused here.
        let wrong = add_timestamp(&sign(&person, now - days(1)), &token).unwrap();
        let r = verifier_at(&w.ca, at).verify(&wrong, Some(REQUEST), &iin(APPLICANT), at);
        assert_eq!(fault(r), TimestampFault::ImprintMismatch);

        // Our TSA's token passes `openssl ts -verify`.
        let ours = token_for(&sig, &tsa, now);
        std::fs::write(dir.join("ours.der"), &ours).unwrap();
        let out = openssl(
            dir,
            &[
                "ts",
                "-verify",
                "-token_in",
                "-in",
                "ours.der",
                "-digest",
                &digest,
                "-CAfile",
                ca,
            ],
        );
        assert!(out.contains("Verification: OK"), "{out}");
        // …and openssl refuses it for another digest (the check is real).
        let status = Command::new("openssl")
            .args([
                "ts",
                "-verify",
                "-token_in",
                "-in",
                "ours.der",
                "-digest",
                &hex(&[0u8; 32]),
                "-CAfile",
                ca,
            ])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(!status.status.success());
    }
}

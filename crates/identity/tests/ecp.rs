//! Verification of signed requests end to end, with real keys and certificates from the
//! development CA: one accepted case per shape of signature, and each refusal produced by
//! exactly one defect.

mod common;

use std::sync::Arc;

use common::*;
use identity::Bin;
use identity::Lang;
use identity::ecp::{
    Crl, CrlStore, HolderKind, OcspError, OcspResponder, OcspStatus, Purpose, Refusal,
    RevocationEvidence, RevocationPolicy, RevocationReason, RevocationUnknown, SignOptions,
    Tampering, TrustStore, Verifier, VerifyOptions, cms_to_pem, sign_cms,
};
use identity::jiff::Timestamp;
use identity::keys::KeyAlgorithm;
use identity::pki::{CaOptions, CertificateRequest, DevCa, Holder, Issued, Usage};
use identity::x509_cert::Certificate;

const REQUEST: &[u8] = "{\"service\":\"preschool-queue\",\"child\":\"Әлия\"}".as_bytes();

fn now() -> Timestamp {
    "2026-03-02T09:30:00Z".parse().unwrap()
}

fn sign(
    issued: &Issued,
    content: &[u8],
    attached: bool,
    signing_time: Option<Timestamp>,
) -> Vec<u8> {
    sign_cms(
        content,
        &issued.key,
        &issued.certificate,
        &SignOptions {
            attached,
            signed_attributes: true,
            signing_time,
            chain: vec![],
        },
    )
    .unwrap()
}

#[test]
fn valid_signatures_are_accepted_in_every_shape() {
    for alg in [KeyAlgorithm::P256, KeyAlgorithm::Rsa2048] {
        let mut w = World::new("valid", alg, now());
        let person = w.issue(citizen(APPLICANT), alg);
        let v = w.verifier();
        let applicant = iin(APPLICANT);
        for attached in [false, true] {
            for attrs in [true, false] {
                let der = sign_cms(
                    REQUEST,
                    &person.key,
                    &person.certificate,
                    &SignOptions {
                        attached,
                        signed_attributes: attrs,
                        signing_time: attrs.then_some(w.now),
                        chain: vec![],
                    },
                )
                .unwrap();
                let pem = cms_to_pem(&der);
                for input in [der.as_slice(), pem.as_bytes()] {
                    let ok = v
                        .verify(input, Some(REQUEST), &applicant, w.now)
                        .unwrap_or_else(|r| {
                            panic!("{alg:?} attached={attached} attrs={attrs}: {r}")
                        });
                    assert_eq!(ok.iin, Some(applicant));
                    assert_eq!(ok.content, REQUEST);
                    assert_eq!(ok.signer.serial, person.serial);
                    assert_eq!(ok.signing_time, attrs.then_some(w.now));
                    assert!(matches!(ok.revocation, RevocationEvidence::Crl(_)));
                    assert_eq!(ok.chain.len(), 1);
                }
                if attached {
                    let ok = v.verify(&der, None, &applicant, w.now).unwrap();
                    assert_eq!(ok.content, REQUEST, "attached content is returned");
                }
            }
        }
    }
}

#[test]
fn bare_base64_as_ncalayer_returns_is_read() {
    let mut w = World::new("b64", KeyAlgorithm::P256, now());
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let pem = cms_to_pem(&sign(&person, REQUEST, true, Some(w.now)));
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    w.verifier()
        .verify(b64.as_bytes(), Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap();
}

#[test]
fn expired_certificate_is_refused() {
    let mut w = World::new("expired", KeyAlgorithm::P256, now());
    let mut req =
        CertificateRequest::signing(citizen(APPLICANT), w.now - days(400), w.now - days(35));
    req.algorithm = KeyAlgorithm::P256;
    let person = w.ca.issue(&req).unwrap();
    let sig = sign(&person, REQUEST, false, Some(w.now));
    let r = w
        .verifier()
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap_err();
    assert!(
        matches!(r, Refusal::Expired { at, .. } if at == w.now),
        "{r:?}"
    );
    assert_eq!(r.code(), "ecp.expired");
}

/// Issue 9: the signer writes signingTime, so a back-dated one must not make an expired
/// certificate valid; only a time the caller vouches for (its journal) moves the check.
#[test]
fn validity_is_judged_at_the_verification_instant_not_the_signing_time() {
    let mut w = World::new("signtime", KeyAlgorithm::P256, now());
    let req = CertificateRequest::signing(citizen(APPLICANT), w.now - days(400), w.now - days(35));
    let person = w.ca.issue(&req).unwrap();
    // Back-dated into the certificate's validity: still expired now.
    let signed_at = w.now - days(40);
    let sig = sign(&person, REQUEST, false, Some(signed_at));
    let r = w
        .verifier()
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap_err();
    assert!(
        matches!(r, Refusal::Expired { at, .. } if at == w.now),
        "{r:?}"
    );
    // A result the verifier's owner recorded while the certificate was valid.
    let ok = w
        .verifier()
        .with_options(VerifyOptions {
            trusted_time: Some(signed_at),
            ..VerifyOptions::default()
        })
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap();
    assert_eq!(ok.validity_checked_at, signed_at);
    // Without signingTime the verification instant counts: expired.
    let sig = sign_cms(
        REQUEST,
        &person.key,
        &person.certificate,
        &SignOptions {
            signed_attributes: false,
            ..SignOptions::default()
        },
    )
    .unwrap();
    assert!(matches!(
        w.verifier()
            .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now),
        Err(Refusal::Expired { .. })
    ));
    // A signingTime later than the verification instant is refused.
    let sig = sign(&person, REQUEST, false, Some(w.now + days(1)));
    assert!(matches!(
        w.verifier()
            .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now),
        Err(Refusal::SigningTime { .. })
    ));
    // And an old one, when the portal limits the age of a request's signature.
    let strict = w.verifier().with_options(VerifyOptions {
        max_signature_age: Some(days(1)),
        ..VerifyOptions::default()
    });
    let sig = sign(&person, REQUEST, false, Some(signed_at));
    assert!(matches!(
        strict.verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now),
        Err(Refusal::SigningTime { .. })
    ));
}

#[test]
fn not_yet_valid_certificate_is_refused() {
    let mut w = World::new("notyet", KeyAlgorithm::P256, now());
    let req = CertificateRequest::signing(citizen(APPLICANT), w.now + days(1), w.now + days(365));
    let person = w.ca.issue(&req).unwrap();
    let sig = sign(&person, REQUEST, true, Some(w.now));
    let r = w
        .verifier()
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap_err();
    assert!(matches!(r, Refusal::NotYetValid { .. }), "{r:?}");
}

#[test]
fn revoked_certificate_is_refused_with_serial_and_date() {
    let mut w = World::new("revoked", KeyAlgorithm::P256, now());
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let bystander = w.issue(citizen(OTHER_PERSON), KeyAlgorithm::P256);
    let revoked_at = w.now - days(2);
    w.ca.revoke(
        &person.serial,
        revoked_at,
        Some(RevocationReason::KeyCompromise),
    )
    .unwrap();
    let crl = w.ca.publish_crl(w.now - days(1), w.now + days(7)).unwrap();
    let mut store = CrlStore::new();
    store.load_file(&crl.pem_path).unwrap();
    let v = Verifier::new(
        TrustStore::from_file(&w.ca.certificate_path()).unwrap(),
        store,
    );
    let sig = sign(&person, REQUEST, false, Some(w.now));
    let r = v
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap_err();
    assert_eq!(
        r,
        Refusal::Revoked {
            serial: person.serial.clone(),
            date: revoked_at
        }
    );
    assert!(r.message(Lang::Kk).contains(&person.serial));
    // The CRL does not touch others.
    let sig = sign(&bystander, REQUEST, false, Some(w.now));
    v.verify(&sig, Some(REQUEST), &iin(OTHER_PERSON), w.now)
        .unwrap();
    // The DER file says the same.
    let mut store = CrlStore::new();
    store.load_file(&crl.der_path).unwrap();
    let entries = store.crls()[0].revoked();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].reason, Some(RevocationReason::KeyCompromise));
    assert_eq!(store.crls()[0].number().as_deref(), Some("01"));
}

#[test]
fn stale_crl_means_revocation_unknown() {
    let mut w = World::new("stale", KeyAlgorithm::P256, now());
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let stale = w.ca.make_crl(w.now - days(10), w.now - days(3)).unwrap();
    let stale = Crl::from_der(&stale, "stale.crl").unwrap();
    assert!(stale.is_stale(w.now));
    let v = verifier_with(&w.ca, vec![stale]);
    let sig = sign(&person, REQUEST, false, Some(w.now));
    let r = v
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap_err();
    assert!(
        matches!(r, Refusal::RevocationUnknown(RevocationUnknown::Stale { next_update, .. }) if next_update == w.now - days(3)),
        "{r:?}"
    );
    assert_eq!(r.code(), "ecp.revocation_unknown");
}

#[test]
fn missing_or_forged_crl_means_revocation_unknown() {
    let mut w = World::new("nocrl", KeyAlgorithm::P256, now());
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let sig = sign(&person, REQUEST, false, Some(w.now));
    let r = verifier_with(&w.ca, vec![])
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap_err();
    assert!(
        matches!(
            r,
            Refusal::RevocationUnknown(RevocationUnknown::NoCrl { .. })
        ),
        "{r:?}"
    );

    // A CRL under the same name but signed by another key does not count.
    let other = tempdir("forger");
    let mut options = CaOptions::development(w.now - days(365), w.now + days(365));
    options.common_name = "qyzmet development CA (not for production)".into();
    let forger = DevCa::init(other.path(), &options).unwrap();
    let forged = Crl::from_der(
        &forger.make_crl(w.now - days(1), w.now + days(7)).unwrap(),
        "f",
    )
    .unwrap();
    let r = verifier_with(&w.ca, vec![forged])
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap_err();
    assert!(
        matches!(
            r,
            Refusal::RevocationUnknown(RevocationUnknown::CrlSignature { .. })
        ),
        "{r:?}"
    );

    // Revocation checking can be switched off (tests, demos).
    let off = verifier_with(&w.ca, vec![]).with_options(VerifyOptions {
        revocation: RevocationPolicy::Off,
        ..VerifyOptions::default()
    });
    let ok = off
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap();
    assert_eq!(ok.revocation, RevocationEvidence::NotChecked);
}

#[test]
fn unknown_issuer_is_refused() {
    let w = World::new("trusted", KeyAlgorithm::P256, now());
    let mut stranger = World::new("stranger", KeyAlgorithm::P256, now());
    // A different CA name, not in the trust store.
    let other = tempdir("other-ca");
    let mut options = CaOptions::development(w.now - days(365), w.now + days(365));
    options.common_name = "Somebody else's CA".into();
    stranger.ca = DevCa::init(other.path(), &options).unwrap();
    let person = stranger.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let sig = sign(&person, REQUEST, false, Some(w.now));
    let r = w
        .verifier()
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap_err();
    assert!(
        matches!(&r, Refusal::UnknownIssuer { issuer } if issuer.contains("Somebody else")),
        "{r:?}"
    );
}

#[test]
fn impostor_ca_with_the_trusted_name_fails_the_chain_signature() {
    let w = World::new("genuine", KeyAlgorithm::P256, now());
    // Same name as the trusted CA, another key (of the same kind, and of another kind).
    for alg in [KeyAlgorithm::P256, KeyAlgorithm::Rsa2048] {
        let mut impostor = World::new("impostor", alg, now());
        let person = impostor.issue(citizen(APPLICANT), KeyAlgorithm::P256);
        let sig = sign(&person, REQUEST, false, Some(w.now));
        let r = w
            .verifier()
            .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
            .unwrap_err();
        assert!(
            matches!(r, Refusal::BadChainSignature { .. }),
            "{alg:?}: {r:?}"
        );
    }
}

#[test]
fn wrong_iin_is_refused_naming_both() {
    let mut w = World::new("wrongiin", KeyAlgorithm::P256, now());
    let person = w.issue(citizen(OTHER_PERSON), KeyAlgorithm::P256);
    let sig = sign(&person, REQUEST, false, Some(w.now));
    let r = w
        .verifier()
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap_err();
    assert_eq!(
        r,
        Refusal::IinMismatch {
            expected: APPLICANT.into(),
            found: OTHER_PERSON.into()
        }
    );
    // The same signature is fine as the signer's own (no applicant to compare with).
    let ok = w
        .verifier()
        .verify_signer(&sig, Some(REQUEST), w.now)
        .unwrap();
    assert_eq!(ok.iin, Some(iin(OTHER_PERSON)));
}

#[test]
fn certificate_without_iin_is_refused() {
    let mut w = World::new("noiin", KeyAlgorithm::P256, now());
    let system = w.issue(
        Holder::Other {
            common_name: "integration robot".into(),
        },
        KeyAlgorithm::P256,
    );
    let sig = sign(&system, REQUEST, false, Some(w.now));
    let r = w
        .verifier()
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap_err();
    assert_eq!(r, Refusal::NoIinInCertificate);
}

#[test]
fn tampered_content_is_refused() {
    let mut w = World::new("tamper", KeyAlgorithm::P256, now());
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let v = w.verifier();
    let applicant = iin(APPLICANT);
    let mut tampered = REQUEST.to_vec();
    tampered[3] ^= 1;

    // Detached, signed attributes: the messageDigest no longer matches.
    let sig = sign(&person, REQUEST, false, Some(w.now));
    assert_eq!(
        v.verify(&sig, Some(&tampered), &applicant, w.now)
            .unwrap_err(),
        Refusal::BadSignature {
            reason: Tampering::DigestMismatch
        }
    );
    // Detached, no signed attributes: the signature value no longer verifies.
    let bare = sign_cms(
        REQUEST,
        &person.key,
        &person.certificate,
        &SignOptions {
            signed_attributes: false,
            ..SignOptions::default()
        },
    )
    .unwrap();
    assert_eq!(
        v.verify(&bare, Some(&tampered), &applicant, w.now)
            .unwrap_err(),
        Refusal::BadSignature {
            reason: Tampering::SignatureInvalid
        }
    );
    // Attached, content changed inside the CMS.
    let att = sign(&person, REQUEST, true, Some(w.now));
    let pos = att
        .windows(REQUEST.len())
        .position(|w| w == REQUEST)
        .expect("content inside");
    let mut edited = att.clone();
    edited[pos + 3] ^= 1;
    assert_eq!(
        v.verify(&edited, None, &applicant, w.now).unwrap_err(),
        Refusal::BadSignature {
            reason: Tampering::DigestMismatch
        }
    );
    // Attached, genuine, but not the request it came with.
    assert_eq!(
        v.verify(&att, Some(&tampered), &applicant, w.now)
            .unwrap_err(),
        Refusal::BadSignature {
            reason: Tampering::ContentMismatch
        }
    );
    // A flipped bit in the signature value itself.
    let mut broken = sig.clone();
    let n = broken.len();
    broken[n - 5] ^= 0x40;
    let r = v
        .verify(&broken, Some(REQUEST), &applicant, w.now)
        .unwrap_err();
    assert!(
        matches!(r, Refusal::BadSignature { .. } | Refusal::Malformed { .. }),
        "{r:?}"
    );
}

#[test]
fn key_not_for_signing_is_refused() {
    let mut w = World::new("keyusage", KeyAlgorithm::P256, now());
    let mut req =
        CertificateRequest::signing(citizen(APPLICANT), w.now - days(1), w.now + days(30));
    req.key_usage = vec![Usage::KeyEncipherment];
    let enc_only = w.ca.issue(&req).unwrap();
    let sig = sign(&enc_only, REQUEST, false, Some(w.now));
    let r = w
        .verifier()
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap_err();
    assert_eq!(
        r,
        Refusal::KeyUsage {
            found: "keyEncipherment".into()
        }
    );
    // No keyUsage extension at all is refused too.
    req.key_usage = vec![];
    let none = w.ca.issue(&req).unwrap();
    let sig = sign(&none, REQUEST, false, Some(w.now));
    assert!(matches!(
        w.verifier()
            .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now),
        Err(Refusal::KeyUsage { .. })
    ));
    // An authentication key (digitalSignature + keyEncipherment) does not sign requests.
    req.key_usage = Usage::AUTH.to_vec();
    let auth = w.ca.issue(&req).unwrap();
    let sig = sign(&auth, REQUEST, false, Some(w.now));
    assert_eq!(
        w.verifier()
            .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
            .unwrap_err(),
        Refusal::KeyUsage {
            found: "digitalSignature, keyEncipherment".into()
        }
    );
    // nonRepudiation alone is enough (NCA SIGN keys carry both bits).
    req.key_usage = vec![Usage::NonRepudiation];
    let nr = w.ca.issue(&req).unwrap();
    let sig = sign(&nr, REQUEST, false, Some(w.now));
    w.verifier()
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap();
}

#[test]
fn garbage_and_unknown_algorithms() {
    let mut w = World::new("garbage", KeyAlgorithm::P256, now());
    let v = w.verifier();
    let applicant = iin(APPLICANT);
    for junk in [
        &b""[..],
        b"hello",
        b"\x30\x03\x02\x01\x01",
        b"-----BEGIN CMS-----\nAAAA\n-----END CMS-----\n",
    ] {
        assert!(
            matches!(
                v.verify(junk, Some(REQUEST), &applicant, w.now),
                Err(Refusal::Malformed { .. })
            ),
            "{junk:?}"
        );
    }
    // Detached without content.
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let sig = sign(&person, REQUEST, false, Some(w.now));
    assert!(matches!(
        v.verify(&sig, None, &applicant, w.now),
        Err(Refusal::Malformed { .. })
    ));
    // SHA-384 named as the digest (its OID differs from SHA-256's in the last byte).
    let sha256 = [
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
    ];
    let mut sha384 = sig.clone();
    let mut i = 0;
    while let Some(p) = sha384[i..].windows(sha256.len()).position(|x| x == sha256) {
        sha384[i + p + sha256.len() - 1] = 0x02;
        i += p + sha256.len();
    }
    assert!(i > 0);
    let r = v
        .verify(&sha384, Some(REQUEST), &applicant, w.now)
        .unwrap_err();
    assert!(matches!(r, Refusal::UnsupportedAlgorithm { .. }), "{r:?}");
}

/// Root → issuing CA → person, as NCA's root → "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA)" → users.
#[test]
fn chain_through_an_intermediate_from_the_signature() {
    let w = World::new("root", KeyAlgorithm::Rsa2048, now());
    let mut root = w.ca;
    let sub_dir = w.dir.path().join("issuing");
    let mut options = CaOptions::development(w.now - days(300), w.now + days(3 * 365));
    options.common_name = "qyzmet development issuing CA".into();
    let mut issuing = DevCa::init_subordinate(&sub_dir, &mut root, &options).unwrap();
    let person = issuing
        .issue(&CertificateRequest::signing(
            citizen(APPLICANT),
            w.now - days(1),
            w.now + days(30),
        ))
        .unwrap();
    let crls = vec![
        Crl::from_der(
            &issuing.make_crl(w.now - days(1), w.now + days(7)).unwrap(),
            "issuing",
        )
        .unwrap(),
        Crl::from_der(
            &root.make_crl(w.now - days(1), w.now + days(7)).unwrap(),
            "root",
        )
        .unwrap(),
    ];
    let v = verifier_with(&root, crls.clone());
    let with_chain = sign_cms(
        REQUEST,
        &person.key,
        &person.certificate,
        &SignOptions {
            signing_time: Some(w.now),
            chain: vec![issuing.certificate().clone()],
            ..SignOptions::default()
        },
    )
    .unwrap();
    let ok = v
        .verify(&with_chain, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap();
    assert_eq!(ok.chain.len(), 2);
    assert!(ok.chain[1].subject.contains("not for production"));

    // Without the intermediate there is no way to the root.
    let without = sign(&person, REQUEST, false, Some(w.now));
    assert!(matches!(
        v.verify(&without, Some(REQUEST), &iin(APPLICANT), w.now),
        Err(Refusal::UnknownIssuer { .. })
    ));

    // A revoked intermediate takes its people down with it.
    let issuing_serial = root.state().issued[0].serial.clone();
    root.revoke(
        &issuing_serial,
        w.now - days(1),
        Some(RevocationReason::CaCompromise),
    )
    .unwrap();
    let crls = vec![
        crls[0].clone(),
        Crl::from_der(
            &root.make_crl(w.now - days(1), w.now + days(7)).unwrap(),
            "root",
        )
        .unwrap(),
    ];
    let r = verifier_with(&root, crls)
        .verify(&with_chain, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap_err();
    assert!(
        matches!(&r, Refusal::Revoked { serial, .. } if *serial == issuing_serial),
        "{r:?}"
    );
}

struct FixedOcsp(Result<OcspStatus, OcspError>);

impl OcspResponder for FixedOcsp {
    fn status(
        &self,
        _: &Certificate,
        _: &Certificate,
        _: Timestamp,
    ) -> Result<OcspStatus, OcspError> {
        self.0.clone()
    }
}

/// The OCSP hook: answers are taken before CRLs; no answer falls back to CRLs.
#[test]
fn ocsp_hook_is_asked_first() {
    let mut w = World::new("ocsp", KeyAlgorithm::P256, now());
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let sig = sign(&person, REQUEST, false, Some(w.now));
    let no_crls = verifier_with(&w.ca, vec![]);
    let good = no_crls
        .clone()
        .with_ocsp(Arc::new(FixedOcsp(Ok(OcspStatus::Good {
            produced_at: w.now,
        }))));
    let ok = good
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap();
    assert_eq!(
        ok.revocation,
        RevocationEvidence::Ocsp { produced_at: w.now }
    );
    let revoked = no_crls
        .clone()
        .with_ocsp(Arc::new(FixedOcsp(Ok(OcspStatus::Revoked {
            date: w.now - days(1),
            reason: None,
            produced_at: w.now,
        }))));
    assert!(matches!(
        revoked.verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now),
        Err(Refusal::Revoked { .. })
    ));
    let down = w
        .verifier()
        .with_ocsp(Arc::new(FixedOcsp(Err(OcspError::Unavailable(
            "connection refused".into(),
        )))));
    let ok = down
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap();
    assert!(matches!(ok.revocation, RevocationEvidence::Crl(_)));
}

/// A provider's result, signed by its authorised person (staff certificate with BIN).
#[test]
fn provider_result_signed_by_staff() {
    let mut w = World::new("staff", KeyAlgorithm::P256, now());
    let clerk = w.issue(staff(), KeyAlgorithm::Rsa2048);
    let result = "Жолдама №42".as_bytes();
    let sig = sign(&clerk, result, true, Some(w.now));
    let ok = w.verifier().verify_signer(&sig, None, w.now).unwrap();
    assert_eq!(ok.signer.bin.as_deref(), Some(PROVIDER_BIN));
    assert_eq!(ok.content, result);
    assert!(ok.signer.organization.unwrap().contains("балабақша"));
}

#[test]
fn dev_ca_state_survives_reopening() {
    let mut w = World::new("state", KeyAlgorithm::P256, now());
    let a = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let dir = w.ca.dir().to_path_buf();
    let mut again = DevCa::open(&dir).unwrap();
    assert_eq!(again.state().issued.len(), 1);
    assert_eq!(again.state().issued[0].iin, Some(iin(APPLICANT)));
    let b = again
        .issue(&CertificateRequest::signing(
            citizen(OTHER_PERSON),
            w.now,
            w.now + days(1),
        ))
        .unwrap();
    assert_ne!(a.serial, b.serial);
    again.revoke(&b.serial.to_lowercase(), w.now, None).unwrap();
    assert!(again.revoke(&b.serial, w.now, None).is_err(), "twice");
    assert!(again.revoke("7777", w.now, None).is_err(), "unknown serial");
    assert!(DevCa::init(&dir, &CaOptions::development(w.now, w.now + days(1))).is_err());
    let reopened = DevCa::open(&dir).unwrap();
    assert_eq!(reopened.state().revoked.len(), 1);
    assert_eq!(
        reopened.issued_certificate(&b.serial).unwrap(),
        b.certificate
    );
    let key = identity::keys::PrivateKey::read_pem_file(&b.key_path).unwrap();
    assert_eq!(
        key.public_key_info().unwrap(),
        b.key.public_key_info().unwrap()
    );
}

/// Issue 9: an employee's certificate names a person's IIN, but it signs for the
/// organisation; a citizen's own request needs an individual's certificate, and an
/// organisation's result a legal entity's certificate of its BIN.
#[test]
fn the_certificate_kind_must_fit_the_purpose() {
    let mut w = World::new("purpose", KeyAlgorithm::P256, now());
    let employee = Holder::Staff {
        iin: iin(APPLICANT),
        surname: "ТЕСТОВ".into(),
        given_name: "АЙДОС".into(),
        patronymic: None,
        bin: Bin::parse(PROVIDER_BIN).unwrap(),
        organization: "ЖШС".into(),
    };
    let clerk = w.issue(employee, KeyAlgorithm::P256);
    let sig = sign(&clerk, REQUEST, false, Some(w.now));
    let r = w
        .verifier()
        .verify(&sig, Some(REQUEST), &iin(APPLICANT), w.now)
        .unwrap_err();
    assert_eq!(
        r,
        Refusal::HolderKind {
            expected: HolderKind::Individual,
            found: HolderKind::Organisation
        }
    );
    assert_eq!(r.code(), "ecp.holder_kind");
    let bin = Bin::parse(PROVIDER_BIN).unwrap();
    w.verifier()
        .check(&sig, Some(REQUEST), Purpose::Organisation(&bin), w.now)
        .unwrap();
    let other = Bin::parse("990140004654").unwrap();
    assert!(matches!(
        w.verifier()
            .check(&sig, Some(REQUEST), Purpose::Organisation(&other), w.now),
        Err(Refusal::BinMismatch { .. })
    ));
    // A private person's certificate does not sign an organisation's result.
    let person = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let sig = sign(&person, REQUEST, false, Some(w.now));
    assert!(matches!(
        w.verifier()
            .check(&sig, Some(REQUEST), Purpose::Organisation(&bin), w.now),
        Err(Refusal::HolderKind {
            expected: HolderKind::Organisation,
            found: HolderKind::Individual
        })
    ));
}

//! NCA RK's GOST test PKI end to end (`shared/ecp-test/gost2015`, `gost2004`): NCA's keys
//! from its .p12 files sign CMS that [`Verifier`] accepts with NCA's root, intermediate and
//! CRL; revoked keys, tampered content and expired instants are refused; NCANode's own GOST
//! CMS verifies.

use std::path::PathBuf;

use identity::ecp::{
    Algorithms, Crl, CrlStore, Purpose, Refusal, RevocationPolicy, SignOptions, Tampering,
    TrustStore, Verifier, VerifyOptions, sign_cms,
};
use identity::jiff::Timestamp;
use identity::keys::{KeyAlgorithm, Pkcs12, PrivateKey};
use identity::oids;
use identity::x509_cert::Certificate;
use identity::x509_cert::der::{Decode, Encode};

const GOST: &str = "GOST 34.10-2015 512 / 34.310-2004";
const CONTENT: &[u8] = "{\"service\":\"preschool-queue\",\"child\":\"Әлия\"}".as_bytes();

fn material(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/ecp-test")
        .join(path)
}

fn read(path: &str) -> Vec<u8> {
    let p = material(path);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn cert(path: &str) -> Certificate {
    let bytes = read(path);
    let der = if bytes.starts_with(b"-----BEGIN") {
        identity::x509_cert::der::pem::decode_vec(&bytes).unwrap().1
    } else {
        bytes
    };
    Certificate::from_der(&der).unwrap()
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// The key and its certificate from one of NCA's .p12 files.
fn nca_key(path: &str) -> (PrivateKey, Certificate) {
    let p12 = Pkcs12::from_der(&read(path), "Qwerty12", path).unwrap();
    let key = p12.private_key().unwrap();
    let spki = key.public_key_info().unwrap().to_der().unwrap();
    let cert = std::iter::once(p12.certificate().clone())
        .chain(p12.chain().iter().cloned())
        .find(|c| {
            c.tbs_certificate()
                .subject_public_key_info()
                .to_der()
                .unwrap()
                == spki
        })
        .unwrap_or_else(|| panic!("{path}: the key derives no certificate's public key"));
    (key, cert)
}

fn gost2015_verifier(revocation: RevocationPolicy) -> Verifier {
    let mut trust = TrustStore::new();
    trust.add(cert("gost2015/root_test_gost_2022.cer"));
    trust.add(cert("gost2015/nca_gost2022_test.cer"));
    let mut crls = CrlStore::new();
    crls.add(
        Crl::from_der(
            &read("gost2015/nca_gost2022_test.crl"),
            "nca_gost2022_test.crl",
        )
        .unwrap(),
    );
    Verifier::new(trust, crls).with_options(VerifyOptions {
        revocation,
        ..VerifyOptions::default()
    })
}

fn sign(key: &PrivateKey, cert: &Certificate, attached: bool, time: Timestamp) -> Vec<u8> {
    sign_cms(
        CONTENT,
        key,
        cert,
        &SignOptions {
            attached,
            signed_attributes: true,
            signing_time: Some(time),
            chain: vec![],
        },
    )
    .unwrap()
}

const VALID: [&str; 3] = [
    "gost2015/individual_valid.p12",
    "gost2015/legal_head.p12",
    "gost2015/legal_employee_signright.p12",
];
const REVOKED: [&str; 2] = [
    "gost2015/individual_revoked.p12",
    "gost2015/legal_head_revoked.p12",
];

#[test]
fn nca_gost2015_keys_derive_their_certificates_which_nca_signed() {
    let nca = cert("gost2015/nca_gost2022_test.cer");
    let nca_spki = nca.tbs_certificate().subject_public_key_info();
    for path in VALID.iter().chain(&REVOKED) {
        let (key, c) = nca_key(path);
        assert_eq!(key.algorithm(), KeyAlgorithm::Gost512, "{path}");
        assert_eq!(
            c.signature_algorithm().oid,
            oids::GOST_34311_2015_WITH_34310_2015_512
        );
        let verified = Algorithms::default().verify(
            nca_spki,
            c.signature_algorithm(),
            None,
            &c.tbs_certificate().to_der().unwrap(),
            c.signature().raw_bytes(),
        );
        assert_eq!(verified, Ok(GOST), "{path}");
        // The key survives PEM (PKCS#8 in NCA's layout).
        let back = PrivateKey::from_pem(&key.to_pkcs8_pem().unwrap()).unwrap();
        assert_eq!(
            back.public_key_info().unwrap(),
            key.public_key_info().unwrap()
        );
    }
}

#[test]
fn cms_signed_with_each_valid_nca_gost2015_key_verifies_with_nca_chain_and_crl() {
    let now = at("2026-12-02T09:00:00Z");
    let v = gost2015_verifier(RevocationPolicy::Signer);
    for path in VALID {
        let (key, c) = nca_key(path);
        for attached in [true, false] {
            let cms = sign(&key, &c, attached, now);
            let ok = v
                .check(&cms, Some(CONTENT), Purpose::Any, now)
                .unwrap_or_else(|r| panic!("{path}: {r}"));
            assert_eq!(ok.algorithm, GOST);
            assert_eq!(ok.content, CONTENT);
            assert_eq!(
                ok.chain.len(),
                1,
                "{path}: NCA's intermediate, an anchor here"
            );
            // Tampered content.
            let mut other = CONTENT.to_vec();
            other[5] ^= 1;
            assert_eq!(
                v.check(&cms, Some(&other), Purpose::Any, now).unwrap_err(),
                if attached {
                    Refusal::BadSignature {
                        reason: Tampering::ContentMismatch,
                    }
                } else {
                    Refusal::BadSignature {
                        reason: Tampering::DigestMismatch,
                    }
                },
                "{path}"
            );
        }
        // A flipped bit in the signature value (the last bytes of the CMS are s).
        let mut cms = sign(&key, &c, false, now);
        let last = cms.len() - 3;
        cms[last] ^= 0x01;
        assert_eq!(
            v.check(&cms, Some(CONTENT), Purpose::Any, now).unwrap_err(),
            Refusal::BadSignature {
                reason: Tampering::SignatureInvalid
            },
            "{path}"
        );
        // A day after the certificate's expiry (2027-05-08; the signright one 2027-06-16).
        let not_after = c.tbs_certificate().validity().not_after.to_unix_duration();
        let later = Timestamp::from_second(not_after.as_secs() as i64 + 86_400).unwrap();
        let cms = sign(&key, &c, false, later);
        assert!(
            matches!(
                v.check(&cms, Some(CONTENT), Purpose::Any, later),
                Err(Refusal::Expired { .. })
            ),
            "{path}"
        );
    }
}

#[test]
fn revoked_nca_gost2015_keys_are_refused_by_nca_crl() {
    let now = at("2026-12-02T09:00:00Z");
    let v = gost2015_verifier(RevocationPolicy::Signer);
    for path in REVOKED {
        let (key, c) = nca_key(path);
        let cms = sign(&key, &c, false, now);
        let refusal = v.check(&cms, Some(CONTENT), Purpose::Any, now).unwrap_err();
        assert!(
            matches!(refusal, Refusal::Revoked { .. }),
            "{path}: {refusal}"
        );
        // Without revocation checks the signature itself is good.
        let off = gost2015_verifier(RevocationPolicy::Off);
        assert!(
            off.check(&cms, Some(CONTENT), Purpose::Any, now).is_ok(),
            "{path}"
        );
    }
}

#[test]
fn ncanode_gost2004_cms_and_nca_gost2004_key_verify() {
    let mut trust = TrustStore::new();
    trust.add(cert("gost2004/root_gost_test.crt"));
    trust.add(cert("gost2004/nca_gost_test.crt"));
    // NCA's 2004 CRL is from 2022, after this key expired: revocation is not checked here,
    // but the CRL's GOST signature must verify under the intermediate.
    let crl = Crl::from_der(&read("gost2004/nca_gost_test.crl"), "nca_gost_test.crl").unwrap();
    assert!(crl.is_signed_by(&cert("gost2004/nca_gost_test.crt"), &Algorithms::default()));
    assert!(!crl.is_signed_by(&cert("gost2004/root_gost_test.crt"), &Algorithms::default()));
    let v = Verifier::new(trust, CrlStore::new()).with_options(VerifyOptions {
        revocation: RevocationPolicy::Off,
        ..VerifyOptions::default()
    });
    // NCANode's CMS: content "asdasd", signingTime 2020-09-09T20:03:14Z.
    let cms = read("gost2004/GOSTKNCA_13a3741b52d7bf860aab199b56fad1f4652e357b.cms.der");
    let when = at("2020-09-09T20:05:00Z");
    let ok = v.check(&cms, Some(b"asdasd"), Purpose::Any, when).unwrap();
    assert_eq!(ok.algorithm, GOST);
    assert_eq!(ok.signing_time, Some(at("2020-09-09T20:03:14Z")));
    assert_eq!(
        v.check(&cms, Some(b"asdasD"), Purpose::Any, when)
            .unwrap_err(),
        Refusal::BadSignature {
            reason: Tampering::ContentMismatch
        }
    );
    // Our signature with the same key from NCA's .p12.
    let (key, c) = nca_key("gost2004/GOSTKNCA_13a3741b52d7bf860aab199b56fad1f4652e357b.p12");
    assert_eq!(key.algorithm(), KeyAlgorithm::Gost2004);
    assert_eq!(
        c,
        cert("gost2004/GOSTKNCA_13a3741b52d7bf860aab199b56fad1f4652e357b.cer")
    );
    let ours = sign(&key, &c, true, when);
    assert!(v.check(&ours, Some(CONTENT), Purpose::Any, when).is_ok());
}

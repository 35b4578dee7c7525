//! NCA RK's certificate policies and key usage: the holder (individual, legal entity and its
//! role) and the key's purpose (signing, authentication) read from NCA's own test
//! certificates; signatures made with NCA's RSA test keys accepted by a test trust store and
//! refused by a production one; each role of a legal entity judged for a provider's result and
//! for a system's signature, each refusal its own.
//!
//! Without `../shared/ecp-test` these tests fail when `CI` is set and otherwise say why and
//! pass (the development-CA tests at the end always run).

mod common;

use std::path::PathBuf;

use common::*;
use identity::cert::{KeyHolder, KeyPurpose, LegalRole};
use identity::ecp::{
    CrlStore, HolderKind, Purpose, Refusal, RequiredRole, RevocationPolicy, SignOptions,
    TrustStore, Verifier, VerifyOptions, sign_cms,
};
use identity::jiff::Timestamp;
use identity::keys::{KeyAlgorithm, Pkcs12};
use identity::pki::{CertificateRequest, Holder, Usage};
use identity::{Bin, Iin, Lang};

const CONTENT: &[u8] = "{\"service\":\"externat\",\"note\":\"Өтініш\"}".as_bytes();

fn ecp_test() -> Option<PathBuf> {
    let dir = testkit::repo_root().join("../shared/ecp-test");
    testkit::require(dir.is_dir(), format_args!("{}", dir.display())).then_some(dir)
}

fn open(dir: &std::path::Path, file: &str) -> Pkcs12 {
    Pkcs12::read_file(&dir.join(file), "Qwerty12").unwrap()
}

fn legal(role: LegalRole) -> KeyHolder {
    KeyHolder::LegalEntity {
        bin: Some("123456789021".into()),
        role,
    }
}

#[test]
fn holders_and_purposes_of_nca_test_certificates() {
    let Some(dir) = ecp_test() else { return };
    let cases = [
        ("gost2015/individual_valid.p12", KeyHolder::Individual),
        ("gost2015/individual_revoked.p12", KeyHolder::Individual),
        ("gost2015/legal_head.p12", legal(LegalRole::Head)),
        ("gost2015/legal_head_revoked.p12", legal(LegalRole::Head)),
        (
            "gost2015/legal_employee_signright.p12",
            legal(LegalRole::SignRight),
        ),
        (
            "gost2004/GOSTKNCA_13a3741b52d7bf860aab199b56fad1f4652e357b.p12",
            legal(LegalRole::Head),
        ),
        (
            "rsa/RSA256_11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9.p12",
            KeyHolder::Individual,
        ),
        (
            "rsa/AUTH_RSA256_b2c70a9ff7a5dc59de0ccc3c0ddde3437cc1f12d.p12",
            KeyHolder::Individual,
        ),
    ];
    for (file, holder) in cases {
        let p12 = open(&dir, file);
        assert_eq!(KeyHolder::of(p12.certificate()), holder, "{file}");
        let purpose = if file.contains("AUTH_") {
            KeyPurpose::Authentication
        } else {
            KeyPurpose::Signing
        };
        assert_eq!(KeyPurpose::of(p12.certificate()), Some(purpose), "{file}");
    }
}

/// NCA's RSA test chain, as a test store or as a production one.
fn nca_rsa_verifier(dir: &std::path::Path, test: bool) -> Verifier {
    let mut trust = if test {
        TrustStore::for_tests()
    } else {
        TrustStore::new()
    };
    trust.load_file(&dir.join("rsa/root_rsa_test.crt")).unwrap();
    trust.load_file(&dir.join("rsa/nca_rsa_test.crt")).unwrap();
    // No RSA CRL of these CAs is current in 2020 (README): revocation is not what is tested.
    Verifier::new(trust, CrlStore::new()).with_options(VerifyOptions {
        revocation: RevocationPolicy::Off,
        ..VerifyOptions::default()
    })
}

fn in_2020() -> Timestamp {
    "2020-06-01T10:00:00Z".parse().unwrap()
}

#[test]
fn nca_test_identities_pass_a_test_store_only() {
    let Some(dir) = ecp_test() else { return };
    let test_iin = Iin::parse_test_identity("123456789011").unwrap();
    // NCANode's own signature over `asdasd` (signingTime 2020-09-09).
    let nca_cms =
        std::fs::read(dir.join("rsa/RSA256_11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9.cms.der"))
            .unwrap();
    let at: Timestamp = "2020-09-10T00:00:00Z".parse().unwrap();
    let v = nca_rsa_verifier(&dir, true)
        .check(&nca_cms, Some(b"asdasd"), Purpose::Applicant(&test_iin), at)
        .unwrap();
    assert_eq!(v.iin, Some(test_iin));
    // The intermediate is itself trusted: the chain ends there.
    assert_eq!(v.chain.len(), 1);

    // The same key signing through our code.
    let p12 = open(
        &dir,
        "rsa/RSA256_11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9.p12",
    );
    let sig = sign_cms(
        CONTENT,
        &p12.private_key().unwrap(),
        p12.certificate(),
        &SignOptions {
            attached: false,
            signed_attributes: true,
            signing_time: Some(in_2020()),
            chain: vec![],
        },
    )
    .unwrap();
    nca_rsa_verifier(&dir, true)
        .check(
            &sig,
            Some(CONTENT),
            Purpose::Applicant(&test_iin),
            in_2020(),
        )
        .unwrap();

    // A production store refuses the identity, naming the first rule it breaks.
    let r = nca_rsa_verifier(&dir, false)
        .check(
            &sig,
            Some(CONTENT),
            Purpose::Applicant(&test_iin),
            in_2020(),
        )
        .unwrap_err();
    assert_eq!(
        r,
        Refusal::InvalidIin {
            found: "123456789011".into(),
            rule: "iin.century_sex".into()
        }
    );
    assert_eq!(r.code(), "ecp.invalid_iin");
    assert!(
        r.message(Lang::Ru).contains("от 1 до 6, здесь 7"),
        "{}",
        r.message(Lang::Ru)
    );
    // A real IIN is simply not the certificate's.
    assert!(matches!(
        nca_rsa_verifier(&dir, true).check(
            &sig,
            Some(CONTENT),
            Purpose::Applicant(&iin(APPLICANT)),
            in_2020()
        ),
        Err(Refusal::IinMismatch { .. })
    ));

    // An individual's signing key does not sign an organisation's result.
    let test_bin = Bin::parse_test_identity("123456789021").unwrap();
    assert_eq!(
        nca_rsa_verifier(&dir, true)
            .check(
                &sig,
                Some(CONTENT),
                Purpose::Organisation(&test_bin),
                in_2020()
            )
            .unwrap_err(),
        Refusal::HolderKind {
            expected: HolderKind::Organisation,
            found: HolderKind::Individual
        }
    );

    // NCA's authentication key signs nothing.
    let auth = open(
        &dir,
        "rsa/AUTH_RSA256_b2c70a9ff7a5dc59de0ccc3c0ddde3437cc1f12d.p12",
    );
    let sig = sign_cms(
        CONTENT,
        &auth.private_key().unwrap(),
        auth.certificate(),
        &SignOptions {
            attached: false,
            signed_attributes: true,
            signing_time: Some(in_2020()),
            chain: vec![],
        },
    )
    .unwrap();
    for purpose in [
        Purpose::Applicant(&test_iin),
        Purpose::Organisation(&test_bin),
    ] {
        assert!(matches!(
            nca_rsa_verifier(&dir, true).check(&sig, Some(CONTENT), purpose, in_2020()),
            Err(Refusal::KeyUsage { .. })
        ));
    }
}

fn employee(role: LegalRole) -> Holder {
    Holder::Employee {
        iin: iin("851231400001"),
        surname: "ҚЫЗМЕТКЕРОВА".into(),
        given_name: "АЙГҮЛ".into(),
        patronymic: None,
        bin: Bin::parse(PROVIDER_BIN).unwrap(),
        organization: "«Тест балабақшасы» КМҚК".into(),
        role,
    }
}

#[test]
fn a_result_needs_the_head_or_signing_right_and_a_system_its_own_certificate() {
    let now: Timestamp = "2026-03-02T09:30:00Z".parse().unwrap();
    let mut w = World::new("roles", KeyAlgorithm::P256, now);
    let bin = Bin::parse(PROVIDER_BIN).unwrap();
    let signed = |w: &mut World, holder: Holder| {
        let issued = w.issue(holder, KeyAlgorithm::P256);
        assert!(KeyHolder::of(&issued.certificate) != KeyHolder::Unstated);
        sign_cms(
            CONTENT,
            &issued.key,
            &issued.certificate,
            &SignOptions {
                attached: false,
                signed_attributes: true,
                signing_time: Some(w.now),
                chain: vec![],
            },
        )
        .unwrap()
    };
    let check = |w: &World, sig: &[u8], purpose: Purpose<'_>| {
        w.verifier().check(sig, Some(CONTENT), purpose, w.now)
    };

    for role in [LegalRole::Head, LegalRole::SignRight] {
        let sig = signed(&mut w, employee(role.clone()));
        check(&w, &sig, Purpose::Organisation(&bin)).unwrap_or_else(|r| panic!("{role:?}: {r}"));
        assert_eq!(
            check(&w, &sig, Purpose::System(&bin)).unwrap_err(),
            Refusal::Role {
                required: RequiredRole::InformationSystem,
                found: role
            }
        );
    }
    // `Holder::Staff` is an employee with signing right.
    let sig = signed(&mut w, staff());
    check(&w, &sig, Purpose::Organisation(&bin)).unwrap();

    let mut messages = std::collections::HashSet::new();
    for role in [
        LegalRole::SignFinancial,
        LegalRole::Hr,
        LegalRole::Employee,
        LegalRole::InformationSystem,
    ] {
        let sig = signed(&mut w, employee(role.clone()));
        let r = check(&w, &sig, Purpose::Organisation(&bin)).unwrap_err();
        assert_eq!(
            r,
            Refusal::Role {
                required: RequiredRole::SigningRight,
                found: role.clone()
            }
        );
        assert_eq!(r.code(), "ecp.role");
        for lang in [Lang::Kk, Lang::Ru, Lang::En] {
            assert!(messages.insert(r.message(lang)), "{role:?} {lang:?}");
        }
    }
    assert!(
        messages.contains(
            "результат организации подписывается сертификатом первого руководителя или лица с \
             правом подписи, а это сертификат сотрудника отдела кадров"
        ),
        "{messages:?}"
    );

    // The system's own certificate signs what a system signs, and no result.
    let system = Holder::System {
        name: "qyzmet".into(),
        bin,
        organization: "«Тест балабақшасы» КМҚК".into(),
    };
    let sig = signed(&mut w, system);
    check(&w, &sig, Purpose::System(&bin)).unwrap();
    assert!(matches!(
        check(&w, &sig, Purpose::Organisation(&bin)),
        Err(Refusal::Role {
            found: LegalRole::InformationSystem,
            ..
        })
    ));
    let other = Bin::parse("990140004654").unwrap();
    assert!(matches!(
        check(&w, &sig, Purpose::System(&other)),
        Err(Refusal::BinMismatch { .. })
    ));

    // An individual's certificate: the holder kind, not the role.
    let sig = signed(&mut w, citizen(APPLICANT));
    assert!(matches!(
        check(&w, &sig, Purpose::Organisation(&bin)),
        Err(Refusal::HolderKind {
            found: HolderKind::Individual,
            ..
        })
    ));

    // The head's authentication key: key usage (with NCA's clientAuth EKU).
    let mut req = CertificateRequest::signing(employee(LegalRole::Head), w.now, w.now + days(30));
    req.key_usage = Usage::AUTH.to_vec();
    let auth = w.ca.issue(&req).unwrap();
    assert_eq!(
        KeyPurpose::of(&auth.certificate),
        Some(KeyPurpose::Authentication)
    );
    let sig = sign_cms(
        CONTENT,
        &auth.key,
        &auth.certificate,
        &SignOptions {
            attached: false,
            signed_attributes: true,
            signing_time: Some(w.now),
            chain: vec![],
        },
    )
    .unwrap();
    assert!(matches!(
        check(&w, &sig, Purpose::Organisation(&bin)),
        Err(Refusal::KeyUsage { .. })
    ));
}

/// A production store refuses a test BIN, naming the rule.
#[test]
fn a_test_bin_is_refused_in_production() {
    let now: Timestamp = "2026-03-02T09:30:00Z".parse().unwrap();
    let mut w = World::new("testbin", KeyAlgorithm::P256, now);
    let test_bin = Bin::parse_test_identity("123456789021").unwrap();
    let holder = Holder::Employee {
        iin: iin("851231400001"),
        surname: "ТЕСТОВ".into(),
        given_name: "ТЕСТ".into(),
        patronymic: None,
        bin: test_bin,
        organization: "АО «ТЕСТ»".into(),
        role: LegalRole::Head,
    };
    let issued = w.issue(holder, KeyAlgorithm::P256);
    let sig = sign_cms(
        CONTENT,
        &issued.key,
        &issued.certificate,
        &SignOptions {
            attached: false,
            signed_attributes: true,
            signing_time: Some(now),
            chain: vec![],
        },
    )
    .unwrap();
    let r = w
        .verifier()
        .check(&sig, Some(CONTENT), Purpose::Organisation(&test_bin), now)
        .unwrap_err();
    assert_eq!(
        r,
        Refusal::InvalidBin {
            found: "123456789021".into(),
            rule: "bin.month".into()
        }
    );
    let mut trust = TrustStore::for_tests();
    trust.add(w.ca.certificate().clone());
    let mut crls = CrlStore::new();
    crls.add(w.fresh_crl());
    Verifier::new(trust, crls)
        .check(&sig, Some(CONTENT), Purpose::Organisation(&test_bin), now)
        .unwrap();
}

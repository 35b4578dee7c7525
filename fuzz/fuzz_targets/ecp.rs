//! The ЭЦП path on arbitrary bytes: certificate parsing (DER / PEM bundles) and the facts read
//! out of a certificate, CRL parsing, and CMS SignedData verification against the NCA RK test
//! CA (RSA; `/work/shared/ecp-test`, copied into the seed corpus). Never panics; a refusal
//! always has its code and words.
#![no_main]

use std::sync::OnceLock;

use identity::cert::{self, CertificateSummary};
use identity::ecp::{CrlStore, Purpose, RevocationPolicy, TrustStore, Verifier, VerifyOptions};
use identity::jiff::Timestamp;
use identity::{Iin, Lang};
use libfuzzer_sys::fuzz_target;

const ROOT: &[u8] = include_bytes!("../corpus/ecp/rsa-root.crt");
const NCA: &[u8] = include_bytes!("../corpus/ecp/rsa-nca.crt");
const CRL: &[u8] = include_bytes!("../corpus/ecp/rsa-nca.crl");

struct Setup {
    /// Inside the 2020 signing key's validity, revocation not checked (no CRL of then).
    in_2020: Verifier,
    /// Inside the 2022 key's validity, with the NCA CRL that lists it.
    in_2022: Verifier,
    nca: identity::x509_cert::Certificate,
    applicant: Iin,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let mut trust = TrustStore::new();
        trust.add_bytes(ROOT, "root").unwrap();
        trust.add_bytes(NCA, "nca").unwrap();
        let mut crls = CrlStore::new();
        for crl in identity::ecp::Crl::parse_all(CRL, "nca crl").unwrap() {
            crls.add(crl);
        }
        let verifier = Verifier::new(trust, crls);
        Setup {
            in_2020: verifier.clone().with_options(VerifyOptions {
                revocation: RevocationPolicy::Off,
                ..VerifyOptions::default()
            }),
            in_2022: verifier.with_options(VerifyOptions {
                revocation: RevocationPolicy::All,
                ..VerifyOptions::default()
            }),
            nca: cert::parse_certificates(NCA, "nca").unwrap().remove(0),
            applicant: (1..)
                .find_map(|serial| {
                    Iin::from_parts(
                        identity::jiff::civil::date(1990, 1, 1),
                        identity::Sex::Male,
                        serial,
                    )
                    .ok()
                })
                .unwrap(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let s = setup();

    if let Ok(certs) = cert::parse_certificates(data, "fuzz") {
        for c in &certs {
            let summary = CertificateSummary::of(c);
            let _ = serde_json::to_string(&summary).unwrap();
            let _ = cert::subject_iin(c);
            let _ = cert::subject_bin(c);
            let _ = cert::holder_policies(c);
            let _ = cert::key_usage(c);
            let _ = cert::ca_constraints(c);
        }
    }

    if let Ok(crls) = identity::ecp::Crl::parse_all(data, "fuzz") {
        for crl in &crls {
            let _ = crl.issuer();
            let _ = crl.number();
            let _ = crl.is_complete();
            let _ = crl.is_stale(Timestamp::UNIX_EPOCH);
            let _ = crl.is_signed_by(&s.nca, &identity::ecp::Algorithms::default());
            for e in crl.revoked() {
                let _ = crl.entry(&e.serial);
            }
            let _ = crl.to_der();
        }
    }

    let refused = |r: identity::ecp::Refusal| {
        assert!(!r.code().is_empty());
        for lang in [Lang::Kk, Lang::Ru, Lang::En] {
            assert!(!r.message(lang).is_empty());
        }
    };
    let at_2020: Timestamp = "2020-10-01T06:00:00Z".parse().unwrap();
    let at_2022: Timestamp = "2022-06-01T06:00:00Z".parse().unwrap();
    for (verifier, at) in [(&s.in_2020, at_2020), (&s.in_2022, at_2022)] {
        match verifier.check(data, None, Purpose::Any, at) {
            Ok(v) => {
                let _ = serde_json::to_string(&v).unwrap();
                // The same signature over other content is refused.
                let mut other = v.content.clone();
                other.push(b'!');
                assert!(
                    verifier
                        .check(data, Some(&other), Purpose::Any, at)
                        .is_err()
                );
            }
            Err(r) => refused(r),
        }
        if let Err(r) = verifier.verify(data, None, &s.applicant, at) {
            refused(r);
        }
    }
});

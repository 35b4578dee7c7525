//! The signers' keys the ЭЦП tests use, in one place: issued by the server's development CA
//! (`identity::pki`), their PEM files under `<data>/pki/issued/`. When NCA RK's test `.p12`
//! files replace them, only this module changes; [`nca_key`] reads those files.

use identity::keys::PrivateKey;
use identity::pki::{CertificateRequest, Holder, Usage};
use identity::x509_cert::Certificate;
use std::path::PathBuf;

/// A signer's key and certificate, in memory and as the files a signing tool reads.
pub struct TestKey {
    pub serial: String,
    pub key: PrivateKey,
    pub certificate: Certificate,
    pub key_pem: PathBuf,
    pub cert_pem: PathBuf,
}

/// Who signs in the tests.
pub enum Signer {
    /// The head of organisation `org` (its BIN, a signing key).
    Head(&'static str),
    /// The head's authentication key (NCA's AUTH pair): not for signing.
    HeadAuth(&'static str),
    /// A citizen with this IIN (an individual's signing key).
    Citizen(&'static str),
}

fn validity(state: &server::AppState) -> (jiff::Timestamp, jiff::Timestamp) {
    let from: jiff::Timestamp = "2015-01-01T00:00:00Z".parse().unwrap();
    let to = state
        .now()
        .max(jiff::Timestamp::now())
        .checked_add(jiff::SignedDuration::from_hours(24 * 366 * 3))
        .unwrap();
    (from, to)
}

/// NCA RK's GOST 2015 test material (`../shared/ecp-test/gost2015`): keys of IIN123456789011
/// and BIN123456789021, valid 2026-06-16 → 2027-05-08, their root, issuing CA and CRL.
pub fn nca_gost2015(file: &str) -> PathBuf {
    testkit::repo_root()
        .join("../shared/ecp-test/gost2015")
        .join(file)
}

/// The signing key and certificate of NCA's test `.p12` `file` in [`nca_gost2015`] (password
/// `Qwerty12`, README there).
pub fn nca_key(file: &str) -> (PrivateKey, Certificate) {
    let path = nca_gost2015(file);
    let p12 = identity::keys::Pkcs12::read_file(&path, "Qwerty12")
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let key = p12.private_key().expect("the .p12's private key");
    (key, p12.certificate().clone())
}

/// Issues a new key for `who` (each call a new certificate).
pub fn issue(state: &server::AppState, who: Signer) -> TestKey {
    let (nb, na) = validity(state);
    let staff = |org: &str| Holder::Staff {
        iin: identity::Iin::parse("700101300005").unwrap(),
        surname: "ОМАРОВ".into(),
        given_name: "АСҚАР".into(),
        patronymic: None,
        bin: state.pki.org_bin(org),
        organization: org.into(),
    };
    let request = match who {
        Signer::Head(org) => CertificateRequest::signing(staff(org), nb, na),
        Signer::HeadAuth(org) => CertificateRequest {
            key_usage: Usage::AUTH.to_vec(),
            ..CertificateRequest::signing(staff(org), nb, na)
        },
        Signer::Citizen(iin) => CertificateRequest::signing(super::citizen_holder(iin), nb, na),
    };
    let issued = state.pki.issue(&request).expect("issue a test key");
    TestKey {
        key_pem: issued.key_path,
        cert_pem: issued.certificate_path,
        serial: issued.serial,
        key: issued.key,
        certificate: issued.certificate,
    }
}

/// Revokes `key` at the server's clock and publishes the CRL.
pub fn revoke(state: &server::AppState, key: &TestKey) {
    state
        .pki
        .revoke(&key.serial, state.now())
        .expect("revoke a test key");
}

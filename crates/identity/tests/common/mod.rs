//! Shared fixtures of the integration tests: temporary directories, a development CA, and
//! citizens with synthetic IINs (kz-facts.md §1.3; no real persons).

#![allow(dead_code)]

use identity::ecp::{Crl, CrlStore, TrustStore, Verifier};
use identity::jiff::{SignedDuration, Timestamp};
use identity::keys::KeyAlgorithm;
use identity::pki::{CaOptions, CertificateRequest, DevCa, Holder, Issued};
use identity::{Bin, Iin};

pub use testkit::TempDir;

/// A fresh directory, removed when dropped.
pub fn tempdir(tag: &str) -> TempDir {
    testkit::tempdir(&format!("identity-{tag}"))
}

pub fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

/// A synthetic applicant (kz-facts.md §1.3).
pub const APPLICANT: &str = "100515500003";
/// Another synthetic person.
pub const OTHER_PERSON: &str = "000229600004";
/// A synthetic BIN (python-stdnum doctest).
pub const PROVIDER_BIN: &str = "940140000385";

pub fn iin(s: &str) -> Iin {
    Iin::parse(s).unwrap()
}

pub fn citizen(iin_text: &str) -> Holder {
    Holder::Citizen {
        iin: iin(iin_text),
        surname: "ТЕСТОВ".into(),
        given_name: "АЙДОС".into(),
        patronymic: Some("СЕРІКҰЛЫ".into()),
    }
}

pub fn staff() -> Holder {
    Holder::Staff {
        iin: iin("851231400001"),
        surname: "ҚЫЗМЕТКЕРОВА".into(),
        given_name: "АЙГҮЛ".into(),
        patronymic: None,
        bin: Bin::parse(PROVIDER_BIN).unwrap(),
        organization: "«Тест балабақшасы» КМҚК".into(),
    }
}

/// A development CA valid from a year before `now` to five years after.
pub struct World {
    pub dir: TempDir,
    pub ca: DevCa,
    pub now: Timestamp,
}

impl World {
    pub fn new(tag: &str, algorithm: KeyAlgorithm, now: Timestamp) -> World {
        let dir = tempdir(tag);
        let mut options = CaOptions::development(now - days(365), now + days(5 * 365));
        options.algorithm = algorithm;
        let ca = DevCa::init(&dir.path().join("ca"), &options).unwrap();
        World { dir, ca, now }
    }

    /// A signing certificate for `holder`, valid around `now`.
    pub fn issue(&mut self, holder: Holder, algorithm: KeyAlgorithm) -> Issued {
        let mut req =
            CertificateRequest::signing(holder, self.now - days(30), self.now + days(365));
        req.algorithm = algorithm;
        self.ca.issue(&req).unwrap()
    }

    /// A CRL of this CA, current at `now`.
    pub fn fresh_crl(&self) -> Crl {
        let der = self
            .ca
            .make_crl(self.now - days(1), self.now + days(7))
            .unwrap();
        Crl::from_der(&der, "test").unwrap()
    }

    /// A verifier trusting this CA, with a current CRL.
    pub fn verifier(&self) -> Verifier {
        verifier_with(&self.ca, vec![self.fresh_crl()])
    }
}

pub fn verifier_with(ca: &DevCa, crls: Vec<Crl>) -> Verifier {
    let mut trust = TrustStore::new();
    trust.add(ca.certificate().clone());
    let mut store = CrlStore::new();
    crls.into_iter().for_each(|c| store.add(c));
    Verifier::new(trust, store)
}

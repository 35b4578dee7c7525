//! The trust store: CA certificates a signer's chain must end at (for production the NCA RK
//! root and its issuing CAs; for development the CA of [`crate::pki`]).
//!
//! Not for: intermediate certificates that arrive inside a signature (the verifier takes
//! those from the CMS certificates set, and trusts them only through a chain to here).

use std::path::Path;

use x509_cert::Certificate;

use crate::cert::{CertLoadError, parse_certificates, read_certificates};

/// Trusted CA certificates (trust anchors), and whether they are a test PKI's.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    anchors: Vec<Certificate>,
    test_identities: bool,
}

impl TrustStore {
    /// An empty production store (trusts nothing): subject IINs and BINs must keep every rule
    /// of [`crate::Iin::parse`] and [`crate::Bin::parse`].
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store for a **test** PKI (NCA RK's test CAs, tests of the development CA):
    /// subject IINs and BINs need only be 12 digits, compared as digit strings, because NCA's
    /// test certificates carry identities that break the IIN rules (`IIN123456789011`).
    /// Never for production: a production store refuses such a certificate naming the rule.
    pub fn for_tests() -> Self {
        TrustStore {
            anchors: Vec::new(),
            test_identities: true,
        }
    }

    /// Whether subject IINs/BINs of test identities are accepted ([`TrustStore::for_tests`]).
    pub fn accepts_test_identities(&self) -> bool {
        self.test_identities
    }

    /// Adds a certificate.
    pub fn add(&mut self, certificate: Certificate) {
        if !self.anchors.contains(&certificate) {
            self.anchors.push(certificate);
        }
    }

    /// Adds every certificate of a PEM bundle or a DER certificate; returns how many.
    pub fn add_bytes(&mut self, bytes: &[u8], what: &str) -> Result<usize, CertLoadError> {
        let certs = parse_certificates(bytes, what)?;
        let n = certs.len();
        certs.into_iter().for_each(|c| self.add(c));
        Ok(n)
    }

    /// Adds the certificates of a PEM or DER file; returns how many.
    pub fn load_file(&mut self, path: &Path) -> Result<usize, CertLoadError> {
        let certs = read_certificates(path)?;
        let n = certs.len();
        certs.into_iter().for_each(|c| self.add(c));
        Ok(n)
    }

    /// A store of the certificates in one file.
    pub fn from_file(path: &Path) -> Result<Self, CertLoadError> {
        let mut store = Self::new();
        store.load_file(path)?;
        Ok(store)
    }

    /// The trusted certificates.
    pub fn anchors(&self) -> &[Certificate] {
        &self.anchors
    }
}

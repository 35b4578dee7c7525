//! The OCSP hook: a trait the caller implements to ask an OCSP responder (NCA RK's is
//! `http://ocsp.pki.gov.kz/`) about a certificate. This crate does no network IO; with no
//! responder configured, revocation is decided by CRLs alone.
//!
//! Not for: an OCSP client (the server crate may write one; it must check the response's
//! signature, its nonce and that it is fresh before answering).

use jiff::Timestamp;
use x509_cert::Certificate;

/// What a responder says about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcspStatus {
    /// Not revoked, as of `produced_at`.
    Good {
        /// When the responder produced the answer.
        produced_at: Timestamp,
    },
    /// Revoked at `date`.
    Revoked {
        /// Revocation date.
        date: Timestamp,
    },
    /// The responder does not know the certificate; the verifier falls back to CRLs.
    Unknown,
}

/// A failure to get an answer (network, bad response signature, stale answer…); the
/// verifier falls back to CRLs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("OCSP: {0}")]
pub struct OcspError(pub String);

/// Asks an OCSP responder. Implementations verify the response (signature by the CA or its
/// delegated responder, nonce, thisUpdate/nextUpdate around `at`) before returning
/// [`OcspStatus::Good`] or [`OcspStatus::Revoked`].
pub trait OcspResponder: Send + Sync {
    /// The status of `certificate`, issued by `issuer`, at the instant `at`.
    fn status(
        &self,
        certificate: &Certificate,
        issuer: &Certificate,
        at: Timestamp,
    ) -> Result<OcspStatus, OcspError>;
}

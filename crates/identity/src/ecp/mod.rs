//! ЭЦП (electronic digital signature): verifying an applicant's signed request, and signing
//! a provider's result.
//!
//! A portal request is accepted only if its CMS (PKCS#7) SignedData verifies over the exact
//! request bytes, the signer's certificate chains to a trusted CA, was valid at the signing
//! time, is not revoked (current CRL, or an OCSP answer), is for signing, and carries the
//! applicant's IIN (`SERIALNUMBER=IIN…`). [`Verifier::verify`] does all of it and returns
//! [`Verified`] or the first [`Refusal`].
//!
//! An RFC 3161 time-stamp token on the signer (NCA's TSA adds one) is verified and, when
//! valid, its genTime is the instant the signer is judged at (`tsp.rs`); OCSP responses are
//! verified as well as CRLs ([`verify_ocsp_response`], [`StaticOcsp`]).
//!
//! Algorithms are plug-ins ([`SignatureVerifier`]); RSA and ECDSA P-256 with SHA-256 and
//! NCA RK's GOST ([`Gost`]: 34.10-2015 512-bit, 34.310-2004) are built in (`docs/ecp.md`).
//!
//! Not for: making certificates (see [`crate::pki`]), fetching CRLs or asking OCSP over the
//! network (the caller's job; [`OcspResponder`] is the hook), XML signatures (XMLDSig/WSS).

mod algorithms;
mod crl;
mod ocsp;
mod refusal;
mod sign;
mod signed_data;
mod trust;
mod tsp;
mod verify;

pub use algorithms::{
    AlgorithmError, Algorithms, EcdsaP256Sha256, Gost, RsaPkcs1Sha256, SignatureVerifier,
};
pub use crl::{Crl, CrlError, CrlEvidence, CrlStatus, CrlStore, RevocationReason, RevokedEntry};
pub(crate) use ocsp::{Answer, AnswerStatus, ResponseParams, build_response, cert_id};
pub use ocsp::{
    CertIdHash, OcspError, OcspRequest, OcspResponder, OcspStatus, StaticOcsp, verify_ocsp_response,
};
pub use refusal::{
    HolderKind, Refusal, RequiredRole, RevocationUnknown, Tampering, TimestampFault,
};
pub use sign::{SignError, SignOptions, cms_to_pem, sign_cms};
pub use trust::TrustStore;
pub use tsp::{
    Imprint, TimestampEvidence, TspError, add_timestamp, signature_value, timestamp_token,
};
pub use verify::{
    Purpose, RevocationEvidence, RevocationPolicy, Verified, Verifier, VerifyOptions,
};

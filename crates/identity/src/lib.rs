//! Who someone is, for qyzmet: the IIN of a person and the ЭЦП (electronic digital signature,
//! ЭЦҚ in Kazakh) they sign a request with.
//!
//! * [`iin`] — [`Iin`] and [`Bin`] validation (length, digits, birth date, century-and-sex
//!   digit, the official two-pass check digit), each failure naming its rule.
//! * [`ecp`] — verification of a CMS (PKCS#7) SignedData over the exact request bytes:
//!   signature, chain to a [`ecp::TrustStore`], validity at the verification instant (or a
//!   verified RFC 3161 time-stamp's genTime), revocation by [`ecp::CrlStore`] and verified OCSP
//!   answers ([`ecp::OcspResponder`]), key usage, and the IIN in the
//!   certificate equal to the applicant's. Every failure is one [`ecp::Refusal`] variant,
//!   worded in kk/ru/en, all of which the portal reports as "the ЭЦП is not authentic".
//!   Algorithms are plugged in through [`ecp::SignatureVerifier`] (RSA and ECDSA P-256 with
//!   SHA-256, and NCA RK's GOST, see `docs/ecp.md`). [`ecp::sign_cms`] makes
//!   SignedData (the provider's signature on a result).
//! * [`gost`] — GOST 34.10-2015 512-bit and GOST 34.310-2004 signatures as NCA RK writes
//!   them (curves, encodings, keys).
//! * [`pki`] — a development CA kept in a directory: root (or subordinate) CA, citizen and
//!   staff certificates with IIN/BIN subjects, revocation, CRL publishing. The CLI's
//!   `qyzmet pki …` commands call it.
//! * [`keys`], [`cert`] — private keys (PEM, and PKCS#12 stores as NCA RK issues them) and
//!   facts read out of certificates (the holder and its role by NCA's key-user OIDs, the key's
//!   purpose).
//!
//! The crate never reads the clock: every check takes the instant as an argument. It does no
//! network IO (CRLs are files; OCSP is a trait for the caller to implement).
//!
//! Not for: accounts, passwords and sessions (to come in this crate, separately from the
//! signature code), nor NCALayer (the browser talks to it; we receive its CMS output).

pub mod cert;
pub mod ecp;
pub mod gost;
pub mod iin;
pub mod keys;
pub mod oids;
pub mod pki;

pub use iin::{Bin, BinError, Iin, IinError, Sex};

/// Re-exported so that callers name the same time types.
pub use jiff;
/// Re-exported so that callers name the same certificate types.
pub use x509_cert;

/// The language of the messages this crate produces (the workspace's one language type).
pub use regulation::Lang;

//! Signature algorithms as plug-ins: the [`SignatureVerifier`] trait, the three built in
//! (RSASSA-PKCS1-v1_5 with SHA-256, ECDSA P-256 with SHA-256, and NCA RK's GOST: 34.10-2015
//! 512-bit with Streebog-512 and 34.310-2004 with 34.311-95) and [`Algorithms`], the set a
//! [`super::Verifier`] asks. More plug-ins are added with [`Algorithms::with`].
//!
//! Not for: choosing which algorithms a regulation accepts (every verifier in the set is
//! accepted), nor signing (see [`crate::keys`]).

use std::sync::Arc;

use der::Encode;
use der::asn1::ObjectIdentifier;
use sha2::{Digest, Sha256};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::gost::{self, GostAlgorithm, GostError};
use crate::oids;

/// Why a plug-in did not accept a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AlgorithmError {
    /// This plug-in does not handle this algorithm or key; the next one is asked.
    #[error("unsupported algorithm: {0}")]
    Unsupported(String),
    /// The algorithm is handled and the signature does not verify.
    #[error("the signature does not verify")]
    Invalid,
    /// The public key cannot be read.
    #[error("bad public key: {0}")]
    BadKey(String),
}

/// One family of signature algorithms.
///
/// `verify` is called for CMS SignerInfos (with the SignerInfo's digest algorithm) and for
/// signatures on certificates and CRLs (`digest_algorithm` is `None`: the signature
/// algorithm names the digest). A plug-in returns [`AlgorithmError::Unsupported`] for a
/// signature algorithm that is not its own, so plug-ins can be stacked, and
/// [`AlgorithmError::Invalid`] for its own algorithm with a key of another kind (such a key
/// cannot have made the signature).
pub trait SignatureVerifier: Send + Sync {
    /// A short name for results and logs, e.g. `"RSA PKCS#1 v1.5 SHA-256"`.
    fn name(&self) -> &'static str;

    /// The digest `algorithm` of `data`, or `None` if this plug-in does not know it (used for
    /// the CMS messageDigest attribute).
    fn digest(&self, algorithm: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>>;

    /// Verifies `signature` over `message` with `public_key`.
    fn verify(
        &self,
        public_key: &SubjectPublicKeyInfoOwned,
        signature_algorithm: &AlgorithmIdentifierOwned,
        digest_algorithm: Option<&ObjectIdentifier>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), AlgorithmError>;
}

fn sha256_digest(algorithm: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
    (*algorithm == oids::SHA256).then(|| Sha256::digest(data).to_vec())
}

/// Whether a CMS digest algorithm (if any) is SHA-256.
fn digest_is_sha256(digest_algorithm: Option<&ObjectIdentifier>) -> bool {
    digest_algorithm.is_none_or(|d| *d == oids::SHA256)
}

/// RSASSA-PKCS1-v1_5 with SHA-256 (`sha256WithRSAEncryption`, or `rsaEncryption` with a
/// SHA-256 digest as OpenSSL writes CMS). Keys shorter than 2048 bits are refused.
#[derive(Debug, Clone, Copy, Default)]
pub struct RsaPkcs1Sha256;

impl SignatureVerifier for RsaPkcs1Sha256 {
    fn name(&self) -> &'static str {
        "RSA PKCS#1 v1.5 SHA-256"
    }

    fn digest(&self, algorithm: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
        sha256_digest(algorithm, data)
    }

    fn verify(
        &self,
        public_key: &SubjectPublicKeyInfoOwned,
        signature_algorithm: &AlgorithmIdentifierOwned,
        digest_algorithm: Option<&ObjectIdentifier>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), AlgorithmError> {
        use rsa::pkcs8::DecodePublicKey;
        use rsa::signature::Verifier as _;
        let ours = match signature_algorithm.oid {
            o if o == oids::SHA256_WITH_RSA => digest_is_sha256(digest_algorithm),
            o if o == oids::RSA_ENCRYPTION => digest_algorithm == Some(&oids::SHA256),
            _ => false,
        };
        if !ours {
            return Err(AlgorithmError::Unsupported(format!(
                "{} with digest {:?}",
                signature_algorithm.oid,
                digest_algorithm.map(|d| d.to_string())
            )));
        }
        if public_key.algorithm.oid != oids::RSA_ENCRYPTION {
            // An RSA signature cannot come from a key of another kind.
            return Err(AlgorithmError::Invalid);
        }
        let der = public_key
            .to_der()
            .map_err(|e| AlgorithmError::BadKey(e.to_string()))?;
        let key = rsa::PublicKey::from_public_key_der(&der)
            .map_err(|e| AlgorithmError::BadKey(e.to_string()))?;
        let bits = rsa::traits::PublicKeyParts::size(&key) * 8;
        if bits < 2048 {
            return Err(AlgorithmError::Unsupported(format!(
                "RSA key of {bits} bits (at least 2048 are required)"
            )));
        }
        let vk = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key);
        let sig =
            rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| AlgorithmError::Invalid)?;
        vk.verify(message, &sig)
            .map_err(|_| AlgorithmError::Invalid)
    }
}

/// ECDSA on P-256 with SHA-256 (`ecdsa-with-SHA256`; DER `ECDSA-Sig-Value`).
#[derive(Debug, Clone, Copy, Default)]
pub struct EcdsaP256Sha256;

impl SignatureVerifier for EcdsaP256Sha256 {
    fn name(&self) -> &'static str {
        "ECDSA P-256 SHA-256"
    }

    fn digest(&self, algorithm: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
        sha256_digest(algorithm, data)
    }

    fn verify(
        &self,
        public_key: &SubjectPublicKeyInfoOwned,
        signature_algorithm: &AlgorithmIdentifierOwned,
        digest_algorithm: Option<&ObjectIdentifier>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), AlgorithmError> {
        use p256::ecdsa::signature::Verifier as _;
        let ours = match signature_algorithm.oid {
            o if o == oids::ECDSA_WITH_SHA256 => digest_is_sha256(digest_algorithm),
            // Some CMS writers put the key algorithm here and the digest beside it.
            o if o == oids::EC_PUBLIC_KEY => digest_algorithm == Some(&oids::SHA256),
            _ => false,
        };
        let curve = public_key
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        if !ours {
            return Err(AlgorithmError::Unsupported(
                signature_algorithm.oid.to_string(),
            ));
        }
        if public_key.algorithm.oid != oids::EC_PUBLIC_KEY {
            // An ECDSA signature cannot come from a key of another kind.
            return Err(AlgorithmError::Invalid);
        }
        if curve != Some(oids::SECP256R1) {
            return Err(AlgorithmError::Unsupported(format!(
                "ECDSA on curve {:?}",
                curve.map(|c| c.to_string())
            )));
        }
        let key =
            p256::ecdsa::VerifyingKey::from_sec1_bytes(public_key.subject_public_key.raw_bytes())
                .map_err(|e| AlgorithmError::BadKey(e.to_string()))?;
        let sig =
            p256::ecdsa::DerSignature::try_from(signature).map_err(|_| AlgorithmError::Invalid)?;
        key.verify(message, &sig)
            .map_err(|_| AlgorithmError::Invalid)
    }
}

/// NCA RK's GOST signatures ([`crate::gost`]): GOST 34.10-2015 512-bit with GOST 34.11-2015
/// (Streebog-512) and GOST 34.310-2004 with GOST 34.311-95, as NCA's software writes them
/// in certificates, CRLs and CMS.
#[derive(Debug, Clone, Copy, Default)]
pub struct Gost;

impl SignatureVerifier for Gost {
    fn name(&self) -> &'static str {
        "GOST 34.10-2015 512 / 34.310-2004"
    }

    fn digest(&self, algorithm: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
        GostAlgorithm::from_digest_oid(algorithm).map(|a| a.digest(data))
    }

    fn verify(
        &self,
        public_key: &SubjectPublicKeyInfoOwned,
        signature_algorithm: &AlgorithmIdentifierOwned,
        digest_algorithm: Option<&ObjectIdentifier>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), AlgorithmError> {
        let Some(algorithm) = GostAlgorithm::from_signature_oid(&signature_algorithm.oid)
            .filter(|a| digest_algorithm.is_none_or(|d| *d == a.digest_oid()))
        else {
            return Err(AlgorithmError::Unsupported(format!(
                "{} with digest {:?}",
                signature_algorithm.oid,
                digest_algorithm.map(|d| d.to_string())
            )));
        };
        if public_key.algorithm.oid != algorithm.key_oid() {
            // A GOST signature cannot come from a key of another kind (or the other GOST).
            return Err(AlgorithmError::Invalid);
        }
        GostAlgorithm::from_key_algorithm(&public_key.algorithm)
            .map_err(AlgorithmError::Unsupported)?;
        let key = gost::public_key_bytes(public_key)
            .map_err(|e| AlgorithmError::BadKey(e.to_string()))?;
        algorithm
            .verify(&key, message, signature)
            .map_err(|e| match e {
                GostError::BadKey(m) => AlgorithmError::BadKey(m),
                _ => AlgorithmError::Invalid,
            })
    }
}

/// The set of signature algorithms a verifier accepts; asked in order.
#[derive(Clone)]
pub struct Algorithms {
    verifiers: Vec<Arc<dyn SignatureVerifier>>,
}

impl Default for Algorithms {
    /// RSA PKCS#1 v1.5 and ECDSA P-256, both with SHA-256, and NCA's GOST ([`Gost`]).
    fn default() -> Self {
        Algorithms {
            verifiers: vec![
                Arc::new(RsaPkcs1Sha256),
                Arc::new(EcdsaP256Sha256),
                Arc::new(Gost),
            ],
        }
    }
}

impl std::fmt::Debug for Algorithms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.verifiers.iter().map(|v| v.name()))
            .finish()
    }
}

impl Algorithms {
    /// An empty set (accepts nothing until plug-ins are added).
    pub fn empty() -> Self {
        Algorithms {
            verifiers: Vec::new(),
        }
    }

    /// Adds a plug-in (e.g. a GOST 34.310 verifier).
    pub fn with(mut self, verifier: impl SignatureVerifier + 'static) -> Self {
        self.verifiers.push(Arc::new(verifier));
        self
    }

    /// Names of the plug-ins, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.verifiers.iter().map(|v| v.name()).collect()
    }

    /// The digest by the first plug-in that knows `algorithm`.
    pub fn digest(&self, algorithm: &ObjectIdentifier, data: &[u8]) -> Option<Vec<u8>> {
        self.verifiers
            .iter()
            .find_map(|v| v.digest(algorithm, data))
    }

    /// Verifies with the first plug-in that handles the algorithm; returns its name.
    pub fn verify(
        &self,
        public_key: &SubjectPublicKeyInfoOwned,
        signature_algorithm: &AlgorithmIdentifierOwned,
        digest_algorithm: Option<&ObjectIdentifier>,
        message: &[u8],
        signature: &[u8],
    ) -> Result<&'static str, AlgorithmError> {
        let mut unsupported = AlgorithmError::Unsupported(signature_algorithm.oid.to_string());
        for v in &self.verifiers {
            match v.verify(
                public_key,
                signature_algorithm,
                digest_algorithm,
                message,
                signature,
            ) {
                Ok(()) => return Ok(v.name()),
                Err(e @ AlgorithmError::Unsupported(_)) => unsupported = e,
                Err(e) => return Err(e),
            }
        }
        Err(unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::{KeyAlgorithm, PrivateKey};

    #[test]
    fn both_builtins_verify_their_own_and_refuse_tampering() {
        let algs = Algorithms::default();
        for alg in [KeyAlgorithm::P256, KeyAlgorithm::Rsa2048] {
            let key = PrivateKey::generate(alg).unwrap();
            let spki = key.public_key_info().unwrap();
            let sig = key.sign(b"request").unwrap();
            let sa = key.signature_algorithm();
            assert!(algs.verify(&spki, &sa, None, b"request", &sig).is_ok());
            assert_eq!(
                algs.verify(&spki, &sa, None, b"requesT", &sig),
                Err(AlgorithmError::Invalid)
            );
        }
    }

    #[test]
    fn gost_is_built_in_and_refuses_other_keys_and_tampering() {
        let algs = Algorithms::default();
        for alg in GostAlgorithm::ALL {
            let key = gost::GostPrivateKey::generate(alg).unwrap();
            let spki = key.public_key_info().unwrap();
            let sig = key.sign(b"request").unwrap();
            let sa = alg.signature_algorithm_identifier();
            assert_eq!(
                algs.verify(&spki, &sa, Some(&alg.digest_oid()), b"request", &sig),
                Ok("GOST 34.10-2015 512 / 34.310-2004")
            );
            assert_eq!(
                algs.verify(&spki, &sa, None, b"requesT", &sig),
                Err(AlgorithmError::Invalid)
            );
            assert_eq!(algs.digest(&alg.digest_oid(), b"m"), Some(alg.digest(b"m")));
            // A GOST signature algorithm with a P-256 key cannot verify.
            let p256 = PrivateKey::generate(KeyAlgorithm::P256).unwrap();
            assert_eq!(
                algs.verify(
                    &p256.public_key_info().unwrap(),
                    &sa,
                    None,
                    b"request",
                    &sig
                ),
                Err(AlgorithmError::Invalid)
            );
            // With SHA-256 as the CMS digest it is not ours.
            assert!(matches!(
                algs.verify(&spki, &sa, Some(&oids::SHA256), b"request", &sig),
                Err(AlgorithmError::Unsupported(_))
            ));
        }
        // Without the plug-in, GOST is unsupported.
        let key = gost::GostPrivateKey::generate(GostAlgorithm::Gost2004).unwrap();
        let gost = GostAlgorithm::Gost2004.signature_algorithm_identifier();
        assert!(matches!(
            Algorithms::empty().with(EcdsaP256Sha256).verify(
                &key.public_key_info().unwrap(),
                &gost,
                None,
                b"m",
                b"s"
            ),
            Err(AlgorithmError::Unsupported(_))
        ));
    }
}

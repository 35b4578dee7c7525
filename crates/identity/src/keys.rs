//! Private keys for signing: RSA-2048, ECDSA P-256 and NCA RK's GOST (34.10-2015 512-bit,
//! 34.310-2004; see [`crate::gost`]), generated from the operating system's
//! random source, read and written as PEM (PKCS#8 `PRIVATE KEY`; PKCS#1 `RSA PRIVATE KEY`
//! and SEC1 `EC PRIVATE KEY` are read too, so keys made by `openssl` load as they are).
//!
//! [`Pkcs12`] opens `.p12` stores as NCA RK issues them (legacy PBE) and writes them.
//!
//! Not for: keeping keys safe. PEM files written here are unencrypted; they are for the
//! development CA and tests. Production signing keys of a provider belong in a token or HSM.

use std::path::Path;

use der::pem::LineEnding;
use der::{Decode, Encode};
use getrandom::SysRng;
use p256::elliptic_curve::Generate;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use rsa::pkcs1::DecodeRsaPrivateKey;
use sha2::Sha256;
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};

use crate::gost::{GostAlgorithm, GostPrivateKey};
use crate::oids;

mod pkcs12;
pub use pkcs12::Pkcs12;

/// Errors reading, writing or using a key.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The PEM or DER could not be read as a supported key.
    #[error("cannot read the private key: {0}")]
    Parse(String),
    /// A key of an algorithm this crate does not sign with.
    #[error("unsupported key algorithm {0} (RSA, ECDSA P-256 and NCA's GOST are supported)")]
    Unsupported(String),
    /// A PKCS#12 store whose password is not the one given.
    #[error("wrong password for {what} ({why})")]
    WrongPassword {
        /// The store (a file name).
        what: String,
        /// How it showed: the MAC check, or decryption when the store has no MAC.
        why: String,
    },
    /// Key generation or signing failed.
    #[error("key operation failed: {0}")]
    Crypto(String),
    /// Reading or writing a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// Algorithm of a key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyAlgorithm {
    /// RSA with a 2048-bit modulus; signatures RSASSA-PKCS1-v1_5 with SHA-256.
    Rsa2048,
    /// ECDSA on NIST P-256 with SHA-256.
    P256,
    /// GOST 34.10-2015 512-bit with Streebog-512, as NCA RK issues today.
    Gost512,
    /// GOST 34.310-2004 with GOST 34.311-95 (NCA RK's earlier keys).
    Gost2004,
}

impl std::str::FromStr for KeyAlgorithm {
    type Err = KeyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "rsa" | "rsa2048" | "rsa-2048" => Ok(KeyAlgorithm::Rsa2048),
            "p256" | "p-256" | "ec" | "ecdsa" | "prime256v1" => Ok(KeyAlgorithm::P256),
            "gost512" | "gost-512" | "gost2015" => Ok(KeyAlgorithm::Gost512),
            "gost2004" | "gost34310" => Ok(KeyAlgorithm::Gost2004),
            other => Err(KeyError::Unsupported(other.to_string())),
        }
    }
}

/// A private key: RSA and ECDSA P-256 sign with SHA-256, GOST keys with their own hash.
#[derive(Clone)]
pub enum PrivateKey {
    /// RSA (PKCS#1 v1.5 signatures).
    Rsa(rsa::pkcs1v15::SigningKey<Sha256>),
    /// ECDSA P-256.
    P256(p256::ecdsa::SigningKey),
    /// NCA RK's GOST (34.10-2015 512-bit or 34.310-2004).
    Gost(GostPrivateKey),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PrivateKey::Rsa(_) => "PrivateKey::Rsa(..)",
            PrivateKey::P256(_) => "PrivateKey::P256(..)",
            PrivateKey::Gost(_) => "PrivateKey::Gost(..)",
        })
    }
}

impl PrivateKey {
    /// Generates a new key from the operating system's random source.
    pub fn generate(algorithm: KeyAlgorithm) -> Result<PrivateKey, KeyError> {
        let crypto = |e: &dyn std::fmt::Display| KeyError::Crypto(e.to_string());
        Ok(match algorithm {
            KeyAlgorithm::Rsa2048 => {
                let key = rsa::PrivateKey::new(&mut SysRng, 2048).map_err(|e| crypto(&e))?;
                PrivateKey::Rsa(rsa::pkcs1v15::SigningKey::new(key))
            }
            KeyAlgorithm::P256 => PrivateKey::P256(
                p256::ecdsa::SigningKey::try_generate_from_rng(&mut SysRng)
                    .map_err(|e| crypto(&e))?,
            ),
            KeyAlgorithm::Gost512 => PrivateKey::Gost(
                GostPrivateKey::generate(GostAlgorithm::Gost2015_512).map_err(|e| crypto(&e))?,
            ),
            KeyAlgorithm::Gost2004 => PrivateKey::Gost(
                GostPrivateKey::generate(GostAlgorithm::Gost2004).map_err(|e| crypto(&e))?,
            ),
        })
    }

    /// The algorithm of this key.
    pub fn algorithm(&self) -> KeyAlgorithm {
        match self {
            PrivateKey::Rsa(_) => KeyAlgorithm::Rsa2048,
            PrivateKey::P256(_) => KeyAlgorithm::P256,
            PrivateKey::Gost(k) => match k.algorithm() {
                GostAlgorithm::Gost2015_512 => KeyAlgorithm::Gost512,
                GostAlgorithm::Gost2004 => KeyAlgorithm::Gost2004,
            },
        }
    }

    /// Reads a key from PEM: `PRIVATE KEY` (PKCS#8, RSA or EC P-256), `RSA PRIVATE KEY`
    /// (PKCS#1) or `EC PRIVATE KEY` (SEC1).
    pub fn from_pem(pem: &str) -> Result<PrivateKey, KeyError> {
        let (label, der) = der::pem::decode_vec(pem.trim().as_bytes())
            .map_err(|e| KeyError::Parse(e.to_string()))?;
        match label {
            "PRIVATE KEY" => Self::from_pkcs8_der(&der),
            "RSA PRIVATE KEY" => rsa::PrivateKey::from_pkcs1_der(&der)
                .map(|k| PrivateKey::Rsa(rsa::pkcs1v15::SigningKey::new(k)))
                .map_err(|e| KeyError::Parse(e.to_string())),
            "EC PRIVATE KEY" => p256::SecretKey::from_sec1_der(&der)
                .map(|k| PrivateKey::P256(k.into()))
                .map_err(|e| KeyError::Parse(format!("{e} (only P-256 is supported)"))),
            other => Err(KeyError::Parse(format!("unexpected PEM label {other:?}"))),
        }
    }

    /// Reads a PKCS#8 DER key (RSA, EC P-256, or GOST in NCA's layout).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<PrivateKey, KeyError> {
        let info = pkcs8_algorithm(der)?;
        if info == oids::RSA_ENCRYPTION {
            rsa::PrivateKey::from_pkcs8_der(der)
                .map(|k| PrivateKey::Rsa(rsa::pkcs1v15::SigningKey::new(k)))
                .map_err(|e| KeyError::Parse(e.to_string()))
        } else if info == oids::EC_PUBLIC_KEY {
            p256::ecdsa::SigningKey::from_pkcs8_der(der)
                .map(PrivateKey::P256)
                .map_err(|e| KeyError::Parse(format!("{e} (only P-256 is supported)")))
        } else if GostAlgorithm::ALL.iter().any(|a| a.key_oid() == info) {
            GostPrivateKey::from_pkcs8_der(der)
                .map(PrivateKey::Gost)
                .map_err(|e| KeyError::Parse(e.to_string()))
        } else {
            Err(KeyError::Unsupported(info.to_string()))
        }
    }

    /// Reads a key from a PEM file.
    pub fn read_pem_file(path: &Path) -> Result<PrivateKey, KeyError> {
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_pem(&text)
    }

    /// The key as PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), unencrypted.
    pub fn to_pkcs8_pem(&self) -> Result<String, KeyError> {
        let doc = match self {
            PrivateKey::Rsa(k) => k.to_pkcs8_pem(LineEnding::LF),
            PrivateKey::P256(k) => k.to_pkcs8_pem(LineEnding::LF),
            PrivateKey::Gost(k) => {
                let der = k
                    .to_pkcs8_der()
                    .map_err(|e| KeyError::Crypto(e.to_string()))?;
                return der::pem::encode_string("PRIVATE KEY", LineEnding::LF, &der)
                    .map_err(|e| KeyError::Crypto(e.to_string()));
            }
        }
        .map_err(|e| KeyError::Crypto(e.to_string()))?;
        Ok(doc.to_string())
    }

    /// The public key as a SubjectPublicKeyInfo.
    pub fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, KeyError> {
        let der = match self {
            PrivateKey::Rsa(k) => {
                let vk: rsa::pkcs1v15::VerifyingKey<Sha256> = k.as_ref().to_public_key().into();
                vk.to_public_key_der()
            }
            PrivateKey::P256(k) => k.verifying_key().to_public_key_der(),
            PrivateKey::Gost(k) => {
                return k
                    .public_key_info()
                    .map_err(|e| KeyError::Crypto(e.to_string()));
            }
        }
        .map_err(|e| KeyError::Crypto(e.to_string()))?;
        SubjectPublicKeyInfoOwned::from_der(der.as_bytes())
            .map_err(|e| KeyError::Crypto(e.to_string()))
    }

    /// The algorithm identifier of signatures over whole messages, as X.509 and CRLs
    /// write it (`sha256WithRSAEncryption`, `ecdsa-with-SHA256`, or NCA's GOST OID).
    pub fn signature_algorithm(&self) -> AlgorithmIdentifierOwned {
        match self {
            PrivateKey::Rsa(_) => AlgorithmIdentifierOwned {
                oid: oids::SHA256_WITH_RSA,
                parameters: Some(der::Any::null()),
            },
            PrivateKey::P256(_) => AlgorithmIdentifierOwned {
                oid: oids::ECDSA_WITH_SHA256,
                parameters: None,
            },
            PrivateKey::Gost(k) => k.algorithm().signature_algorithm_identifier(),
        }
    }

    /// Signs `message` (hashing it with SHA-256): the PKCS#1 v1.5 signature, or the DER
    /// `ECDSA-Sig-Value`; a GOST key hashes with its own hash and returns r ‖ s as NCA
    /// writes it ([`crate::gost`]).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        use rsa::signature::{SignatureEncoding, Signer};
        match self {
            PrivateKey::Rsa(k) => {
                let sig: rsa::pkcs1v15::Signature = k
                    .try_sign(message)
                    .map_err(|e| KeyError::Crypto(e.to_string()))?;
                Ok(sig.to_vec())
            }
            PrivateKey::P256(k) => {
                let sig: p256::ecdsa::DerSignature = k
                    .try_sign(message)
                    .map_err(|e| KeyError::Crypto(e.to_string()))?;
                Ok(sig.to_bytes().to_vec())
            }
            PrivateKey::Gost(k) => k.sign(message).map_err(|e| KeyError::Crypto(e.to_string())),
        }
    }
}

fn pkcs8_algorithm(der: &[u8]) -> Result<der::asn1::ObjectIdentifier, KeyError> {
    let info = p256::pkcs8::PrivateKeyInfoRef::from_der(der)
        .map_err(|e| KeyError::Parse(e.to_string()))?;
    Ok(info.algorithm.oid)
}

/// Writes `contents` to `path`, readable by the owner only on Unix (for private keys).
pub(crate) fn write_private(path: &Path, contents: impl AsRef<[u8]>) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        f.write_all(contents.as_ref())
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, contents)
    }
}

/// A DER SubjectPublicKeyInfo, re-encoded (for key comparison).
pub(crate) fn spki_der(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    spki.to_der().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_round_trip_both_algorithms() {
        for alg in [
            KeyAlgorithm::P256,
            KeyAlgorithm::Rsa2048,
            KeyAlgorithm::Gost512,
            KeyAlgorithm::Gost2004,
        ] {
            let key = PrivateKey::generate(alg).unwrap();
            let pem = key.to_pkcs8_pem().unwrap();
            assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
            let back = PrivateKey::from_pem(&pem).unwrap();
            assert_eq!(back.algorithm(), alg);
            assert_eq!(
                spki_der(&back.public_key_info().unwrap()),
                spki_der(&key.public_key_info().unwrap())
            );
            assert!(!key.sign(b"x").unwrap().is_empty());
        }
    }
}

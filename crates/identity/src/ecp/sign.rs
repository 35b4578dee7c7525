//! Making a CMS SignedData (RFC 5652) with a key and its certificate: attached or detached,
//! with signed attributes (contentType, messageDigest, signingTime) or without. This is how
//! a provider's authorised person signs a result, and how tests make applicants' requests.
//! The output verifies with `openssl cms -verify -binary`.
//!
//! Not for: keeping the key (see [`crate::keys`]), timestamps from a TSA (unsigned
//! attributes), several signers.

use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use jiff::Timestamp;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use sha2::{Digest, Sha256};

use crate::cert::x509_time;
use crate::keys::{KeyError, PrivateKey, spki_der};
use crate::oids;

/// How to sign.
#[derive(Debug, Clone)]
pub struct SignOptions {
    /// Put the content inside the SignedData (`-nodetach`); otherwise it travels beside it.
    pub attached: bool,
    /// Sign attributes (contentType, messageDigest, signingTime) rather than the content
    /// itself. NCALayer and OpenSSL do by default.
    pub signed_attributes: bool,
    /// The signingTime attribute (needs `signed_attributes`). The caller passes its clock.
    pub signing_time: Option<Timestamp>,
    /// CA certificates to include beside the signer's (intermediates).
    pub chain: Vec<Certificate>,
}

impl Default for SignOptions {
    /// Detached, with signed attributes, no signing time, no chain.
    fn default() -> Self {
        SignOptions {
            attached: false,
            signed_attributes: true,
            signing_time: None,
            chain: Vec::new(),
        }
    }
}

/// Errors signing.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    /// The key is not the certificate's.
    #[error("the private key does not belong to the certificate")]
    KeyMismatch,
    /// A signing time was given without signed attributes.
    #[error("a signing time needs signed attributes")]
    SigningTimeWithoutAttributes,
    /// Encoding.
    #[error("encoding the signature: {0}")]
    Encoding(#[from] der::Error),
    /// The key operation.
    #[error(transparent)]
    Key(#[from] KeyError),
}

fn attribute(oid: der::asn1::ObjectIdentifier, value: Any) -> Result<Attribute, der::Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

/// The CMS digest algorithm for `key` and the digest of `data` with it: SHA-256, or the
/// GOST key's own hash (with the NULL parameter NCANode writes).
fn digest_for(key: &PrivateKey, data: &[u8]) -> (AlgorithmIdentifierOwned, Vec<u8>) {
    match key {
        PrivateKey::Gost(k) => {
            let alg = k.algorithm();
            (alg.digest_algorithm_identifier(), alg.digest(data))
        }
        PrivateKey::Rsa(_) | PrivateKey::P256(_) => (
            AlgorithmIdentifierOwned {
                oid: oids::SHA256,
                parameters: None,
            },
            Sha256::digest(data).to_vec(),
        ),
    }
}

/// Signs `content` with `key`, whose certificate is `certificate`; returns the DER
/// ContentInfo. See [`cms_to_pem`] for PEM.
pub fn sign_cms(
    content: &[u8],
    key: &PrivateKey,
    certificate: &Certificate,
    options: &SignOptions,
) -> Result<Vec<u8>, SignError> {
    if spki_der(&key.public_key_info()?)
        != spki_der(certificate.tbs_certificate().subject_public_key_info())
    {
        return Err(SignError::KeyMismatch);
    }
    if options.signing_time.is_some() && !options.signed_attributes {
        return Err(SignError::SigningTimeWithoutAttributes);
    }
    let (digest_alg, digest) = digest_for(key, content);
    let (signed_attrs, signature) = if options.signed_attributes {
        let mut attrs = vec![
            attribute(oids::CONTENT_TYPE, Any::encode_from(&oids::ID_DATA)?)?,
            attribute(
                oids::MESSAGE_DIGEST,
                Any::encode_from(&OctetString::new(digest.to_vec())?)?,
            )?,
        ];
        if let Some(t) = options.signing_time {
            attrs.push(attribute(
                oids::SIGNING_TIME,
                Any::encode_from(&x509_time(t)?)?,
            )?);
        }
        let attrs = SetOfVec::try_from(attrs)?;
        let signature = key.sign(&attrs.to_der()?)?;
        (Some(attrs), signature)
    } else {
        (None, key.sign(content)?)
    };
    // RFC 3370 §3.2 / what OpenSSL writes: rsaEncryption with the digest beside it.
    let signature_algorithm = match key {
        PrivateKey::Rsa(_) => AlgorithmIdentifierOwned {
            oid: oids::RSA_ENCRYPTION,
            parameters: Some(Any::null()),
        },
        PrivateKey::P256(_) => AlgorithmIdentifierOwned {
            oid: oids::ECDSA_WITH_SHA256,
            parameters: None,
        },
        // As NCANode writes GOST SignerInfos: the signature OID with a NULL parameter.
        PrivateKey::Gost(k) => k.algorithm().signature_algorithm_identifier(),
    };
    let tbs = certificate.tbs_certificate();
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: digest_alg.clone(),
        signed_attrs,
        signature_algorithm,
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    let mut certs = vec![CertificateChoices::Certificate(certificate.clone())];
    for c in &options.chain {
        if c != certificate {
            certs.push(CertificateChoices::Certificate(c.clone()));
        }
    }
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![digest_alg])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oids::ID_DATA,
            econtent: if options.attached {
                Some(Any::encode_from(&OctetString::new(content)?)?)
            } else {
                None
            },
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(certs)?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    let info = ContentInfo {
        content_type: oids::ID_SIGNED_DATA,
        content: Any::from_der(&signed_data.to_der()?)?,
    };
    Ok(info.to_der()?)
}

/// A DER CMS as PEM (`-----BEGIN CMS-----`, as `openssl cms -outform PEM` writes).
pub fn cms_to_pem(der: &[u8]) -> String {
    der::pem::encode_string("CMS", der::pem::LineEnding::LF, der).unwrap_or_default()
}

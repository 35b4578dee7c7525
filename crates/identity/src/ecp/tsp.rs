//! RFC 3161 time-stamp tokens on a CMS signature: verifying the token NCA's TSA puts in the
//! signer's unsigned attributes (`id-aa-timeStampToken`), and making tokens (a TSA of our
//! own, tests) and adding them to a CMS.
//!
//! A token is itself a CMS SignedData over a TSTInfo. It proves the signature existed at its
//! genTime when: its messageImprint is the hash of the SignerInfo's signature value; its own
//! signature verifies (through the verifier's [`super::Algorithms`], so GOST tokens verify
//! once a GOST plug-in is added); its ESS signingCertificate (v1 or v2), when present, names
//! the TSA's certificate; that certificate has the one critical extended key usage
//! timeStamping (RFC 3161 §2.3), chains to a trust anchor, was valid at genTime and is not
//! revoked (a revoked TSA is not trusted whatever the date: a compromised key can backdate).
//! One token at most (NCANode refuses more). A token that fails any of this refuses the
//! signature ([`super::TimestampFault`]); it is never silently ignored.
//!
//! Not for: asking a TSA over the network (the caller's job), archive timestamps (CAdES-A).

use der::asn1::{Any, Int, ObjectIdentifier, OctetString, SetOfVec, Uint};
use der::{Decode, Encode, Sequence, Tag, Tagged};
use jiff::Timestamp;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::ext::Extensions;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage};

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};

use super::ocsp::hash;
use super::refusal::{Refusal, TimestampFault};
use super::sign::SignError;
use super::signed_data;
use super::verify::{RevocationPolicy, Verifier, find_signer};
use crate::cert::{CertificateSummary, timestamp, x509_time};
use crate::keys::{PrivateKey, spki_der};
use crate::oids;

// ---- ASN.1 (RFC 3161 §2.4.2, RFC 2634 §5.4, RFC 5035 §3) ----

/// MessageImprint: the hash the TSA stamped.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct MessageImprint {
    hash_algorithm: AlgorithmIdentifierOwned,
    hashed_message: OctetString,
}

#[derive(Clone, Debug, Sequence)]
struct Accuracy {
    #[asn1(optional = "true")]
    seconds: Option<u32>,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    millis: Option<u16>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    micros: Option<u16>,
}

#[derive(Clone, Debug, Sequence)]
struct TstInfo {
    version: u8,
    policy: ObjectIdentifier,
    message_imprint: MessageImprint,
    serial_number: Int,
    /// GeneralizedTime, possibly with fractional seconds (which `der`'s type refuses).
    gen_time: Any,
    #[asn1(optional = "true")]
    accuracy: Option<Accuracy>,
    #[asn1(optional = "true")]
    ordering: Option<bool>,
    #[asn1(optional = "true")]
    nonce: Option<Int>,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    tsa: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    extensions: Option<Extensions>,
}

/// ESSCertIDv2 (hashAlgorithm DEFAULT sha256: absent means SHA-256).
#[derive(Clone, Debug, Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<Any>,
}

#[derive(Clone, Debug, Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

/// ESSCertID (SHA-1).
#[derive(Clone, Debug, Sequence)]
struct EssCertId {
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<Any>,
}

#[derive(Clone, Debug, Sequence)]
struct SigningCertificate {
    certs: Vec<EssCertId>,
    #[asn1(optional = "true")]
    policies: Option<Any>,
}

// ---- public types ----

/// What a TSA is asked to stamp: a hash and its algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imprint {
    /// The hash algorithm (e.g. [`oids::SHA256`]).
    pub algorithm: ObjectIdentifier,
    /// The hash.
    pub digest: Vec<u8>,
}

impl Imprint {
    /// The SHA-256 imprint of `data`.
    pub fn sha256(data: &[u8]) -> Imprint {
        use sha2::Digest;
        Imprint {
            algorithm: oids::SHA256,
            digest: sha2::Sha256::digest(data).to_vec(),
        }
    }

    /// The SHA-256 imprint of the signature value of a CMS's one signer: what a token for
    /// that signature must stamp (CAdES-T).
    pub fn of_signature(cms: &[u8]) -> Result<Imprint, TspError> {
        Ok(Imprint::sha256(&signature_value(cms)?))
    }
}

/// A verified time-stamp, as [`super::Verified`] reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TimestampEvidence {
    /// When the TSA says the signature existed; validity and revocation of the signer are
    /// judged at this instant.
    pub gen_time: Timestamp,
    /// The TSA's policy (NCA RK: `1.2.398.3.3.2.6.x`).
    pub policy: String,
    /// The token's serial number, uppercase hex.
    pub serial: String,
    /// The imprint's hash algorithm.
    pub hash_algorithm: String,
    /// The TSA's certificate.
    pub tsa: CertificateSummary,
}

/// Errors making tokens or adding them.
#[derive(Debug, thiserror::Error)]
pub enum TspError {
    /// The CMS to stamp cannot be read, or has not exactly one signer.
    #[error("the CMS cannot be stamped: {0}")]
    Cms(String),
    /// Signing the token.
    #[error(transparent)]
    Sign(#[from] SignError),
}

impl From<der::Error> for TspError {
    fn from(e: der::Error) -> Self {
        TspError::Sign(SignError::Encoding(e))
    }
}

// ---- reading ----

/// genTime: `YYYYMMDDHHMMSS[.f*]Z` (RFC 3161 allows fractional seconds).
fn gen_time(any: &Any) -> Result<Timestamp, String> {
    if any.tag() != Tag::GeneralizedTime {
        return Err(format!("genTime is a {}, not a GeneralizedTime", any.tag()));
    }
    let s = std::str::from_utf8(any.value()).map_err(|_| "genTime is not text".to_string())?;
    let bad = || format!("genTime {s:?} is not YYYYMMDDHHMMSS[.fff]Z");
    let body = s.strip_suffix('Z').ok_or_else(bad)?;
    let (whole, frac) = body.split_once('.').unwrap_or((body, ""));
    if whole.len() != 14
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 9
    {
        return Err(bad());
    }
    let iso = format!(
        "{}-{}-{}T{}:{}:{}{}{}Z",
        &whole[0..4],
        &whole[4..6],
        &whole[6..8],
        &whole[8..10],
        &whole[10..12],
        &whole[12..14],
        if frac.is_empty() { "" } else { "." },
        frac
    );
    iso.parse().map_err(|_| bad())
}

fn int_hex(i: &Int) -> String {
    let b = i.as_bytes();
    let b = if b.len() > 1 && b[0] == 0 { &b[1..] } else { b };
    b.iter().map(|x| format!("{x:02X}")).collect()
}

/// The signature value of a CMS's one SignerInfo.
pub fn signature_value(cms: &[u8]) -> Result<Vec<u8>, TspError> {
    let sd = signed_data::parse(cms).map_err(TspError::Cms)?;
    let signers: Vec<&SignerInfo> = sd.signer_infos.0.iter().collect();
    match signers.as_slice() {
        [one] => Ok(one.signature.as_bytes().to_vec()),
        other => Err(TspError::Cms(format!(
            "expected exactly one signer, found {}",
            other.len()
        ))),
    }
}

fn eku_text(eku: &[ObjectIdentifier]) -> String {
    if eku.is_empty() {
        "none".into()
    } else {
        eku.iter()
            .map(|o| o.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// RFC 3161 §2.3: exactly one EKU, timeStamping, critical; a key usage, if stated, that signs.
fn check_tsa_usage(tsa: &Certificate) -> Result<(), TimestampFault> {
    let not_tsa = |found: String| Err(TimestampFault::NotTsaCertificate { found });
    match tsa.tbs_certificate().get_extension::<ExtendedKeyUsage>() {
        Ok(Some((critical, eku))) => {
            if eku.0 != [oids::EKU_TIME_STAMPING] {
                return not_tsa(eku_text(&eku.0));
            }
            if !critical {
                return not_tsa(format!("{} (not critical)", eku_text(&eku.0)));
            }
        }
        Ok(None) => return not_tsa("none".into()),
        Err(e) => return not_tsa(format!("unreadable: {e}")),
    }
    if let Ok(Some((_, ku))) = tsa.tbs_certificate().get_extension::<KeyUsage>()
        && !(ku.digital_signature() || ku.non_repudiation())
    {
        return not_tsa("timeStamping, with a key usage that does not sign".into());
    }
    Ok(())
}

impl Verifier {
    /// The signer's time-stamp token, verified: `None` when there is none.
    pub(super) fn check_timestamp(
        &self,
        signer_info: &SignerInfo,
        outer_pool: &[Certificate],
        at: Timestamp,
    ) -> Result<Option<TimestampEvidence>, Refusal> {
        let tokens: Vec<&Any> = signer_info
            .unsigned_attrs
            .iter()
            .flat_map(|set| set.iter())
            .filter(|a| a.oid == oids::TIME_STAMP_TOKEN)
            .flat_map(|a| a.values.iter())
            .collect();
        let token = match tokens.as_slice() {
            [] => return Ok(None),
            [one] => one.to_der().map_err(|e| {
                Refusal::BadTimestamp(TimestampFault::Malformed {
                    detail: e.to_string(),
                })
            })?,
            more => {
                return Err(Refusal::BadTimestamp(TimestampFault::Several {
                    count: more.len(),
                }));
            }
        };
        self.verify_token(&token, signer_info.signature.as_bytes(), outer_pool, at)
            .map(Some)
            .map_err(Refusal::BadTimestamp)
    }

    fn verify_token(
        &self,
        token: &[u8],
        signature_value: &[u8],
        outer_pool: &[Certificate],
        at: Timestamp,
    ) -> Result<TimestampEvidence, TimestampFault> {
        let malformed = |detail: String| TimestampFault::Malformed { detail };
        let sd = signed_data::parse(token).map_err(malformed)?;
        let content_type = sd.encap_content_info.econtent_type;
        if content_type != oids::ID_CT_TST_INFO {
            return Err(malformed(format!(
                "content type {content_type} is not id-ct-TSTInfo"
            )));
        }
        let content = sd
            .encap_content_info
            .econtent
            .as_ref()
            .ok_or_else(|| malformed("no TSTInfo inside".into()))?
            .as_bytes();
        let tst = TstInfo::from_der(content).map_err(|e| malformed(format!("TSTInfo: {e}")))?;
        if tst.version != 1 {
            return Err(malformed(format!("TSTInfo version {}", tst.version)));
        }

        // The token is for this signature.
        let alg = tst.message_imprint.hash_algorithm.oid;
        let expected = hash(self.algorithms(), &alg, signature_value).ok_or_else(|| {
            TimestampFault::UnsupportedAlgorithm {
                algorithm: format!("digest {alg}"),
            }
        })?;
        if expected != tst.message_imprint.hashed_message.as_bytes() {
            return Err(TimestampFault::ImprintMismatch);
        }

        // The token's signature, by the certificate it names.
        let signers: Vec<&SignerInfo> = sd.signer_infos.0.iter().collect();
        let [si] = signers.as_slice() else {
            return Err(malformed(format!(
                "expected one signer of the token, found {}",
                signers.len()
            )));
        };
        let mut pool: Vec<Certificate> = sd
            .certificates
            .iter()
            .flat_map(|set| set.0.iter())
            .filter_map(|c| match c {
                CertificateChoices::Certificate(cert) => Some(cert.clone()),
                CertificateChoices::Other(_) => None,
            })
            .collect();
        pool.extend(outer_pool.iter().cloned());
        let tsa = find_signer(&pool, &si.sid)
            .ok_or_else(|| malformed("the TSA's certificate is not in the token".into()))?
            .clone();
        self.check_signature(&tsa, si, &content_type, content)
            .map_err(|r| match r {
                Refusal::BadSignature { .. } => TimestampFault::SignatureInvalid,
                Refusal::UnsupportedAlgorithm { algorithm } => {
                    TimestampFault::UnsupportedAlgorithm { algorithm }
                }
                Refusal::Malformed { detail } => malformed(detail),
                other => malformed(other.to_string()),
            })?;
        self.check_ess(si, &tsa)?;

        let gen_time = gen_time(&tst.gen_time).map_err(malformed)?;
        if gen_time > at + self.clock_skew() {
            return Err(TimestampFault::InFuture { gen_time, at });
        }

        // The signer is a TSA the trust store vouches for, valid at genTime, not revoked.
        check_tsa_usage(&tsa)?;
        let chain = self
            .build_chain(&tsa, &pool)
            .map_err(|r| TimestampFault::TsaNotTrusted {
                detail: r.to_string(),
            })?;
        for cert in std::iter::once(&tsa).chain(chain.iter()) {
            let v = cert.tbs_certificate().validity();
            if gen_time < timestamp(&v.not_before) || gen_time > timestamp(&v.not_after) {
                return Err(TimestampFault::TsaNotValid {
                    certificate: cert.tbs_certificate().subject().to_string(),
                    gen_time,
                });
            }
        }
        if self.revocation_policy() != RevocationPolicy::Off {
            match self.check_revocation(&tsa, &chain, at, None) {
                Ok(_) => {}
                Err(Refusal::Revoked { serial, date }) => {
                    return Err(TimestampFault::TsaRevoked { serial, date });
                }
                Err(Refusal::RevocationUnknown(why)) => {
                    return Err(TimestampFault::TsaRevocationUnknown(why));
                }
                Err(other) => {
                    return Err(TimestampFault::TsaNotTrusted {
                        detail: other.to_string(),
                    });
                }
            }
        }

        Ok(TimestampEvidence {
            gen_time,
            policy: tst.policy.to_string(),
            serial: int_hex(&tst.serial_number),
            hash_algorithm: alg.to_string(),
            tsa: CertificateSummary::of(&tsa),
        })
    }

    /// ESS signingCertificate(V2), when signed in: it must name the TSA's certificate.
    fn check_ess(&self, si: &SignerInfo, tsa: &Certificate) -> Result<(), TimestampFault> {
        let Some(attrs) = &si.signed_attrs else {
            return Ok(());
        };
        let tsa_der = tsa.to_der().map_err(|e| TimestampFault::Malformed {
            detail: e.to_string(),
        })?;
        let value = |oid| {
            attrs
                .iter()
                .find(|a| a.oid == oid)
                .and_then(|a| a.values.iter().next())
                .map(|v| v.to_der())
        };
        let bad = |what: &str| TimestampFault::Malformed {
            detail: format!("signingCertificate: {what}"),
        };
        let other = || TimestampFault::TsaNotTrusted {
            detail: "the token's ESS signingCertificate names another certificate".into(),
        };
        let named = if let Some(v) = value(oids::SIGNING_CERTIFICATE_V2) {
            let sc = SigningCertificateV2::from_der(&v.map_err(|e| bad(&e.to_string()))?)
                .map_err(|e| bad(&e.to_string()))?;
            let first = sc.certs.first().ok_or_else(|| bad("empty"))?;
            let alg = first
                .hash_algorithm
                .as_ref()
                .map_or(oids::SHA256, |a| a.oid);
            let h = hash(self.algorithms(), &alg, &tsa_der).ok_or_else(|| {
                TimestampFault::UnsupportedAlgorithm {
                    algorithm: format!("digest {alg}"),
                }
            })?;
            h == first.cert_hash.as_bytes()
        } else if let Some(v) = value(oids::SIGNING_CERTIFICATE) {
            let sc = SigningCertificate::from_der(&v.map_err(|e| bad(&e.to_string()))?)
                .map_err(|e| bad(&e.to_string()))?;
            let first = sc.certs.first().ok_or_else(|| bad("empty"))?;
            hash(self.algorithms(), &oids::SHA1, &tsa_der).as_deref()
                == Some(first.cert_hash.as_bytes())
        } else {
            // RFC 3161 wants one; not every TSA writes it, and the signature already binds
            // the token to the key.
            true
        };
        if named { Ok(()) } else { Err(other()) }
    }
}

// ---- making ----

fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, der::Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

fn sha256_id() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: oids::SHA256,
        parameters: None,
    }
}

/// A time-stamp token (DER ContentInfo) for `imprint`, signed by a TSA with `tsa_key` and
/// its certificate `tsa_cert` (which goes inside, with an ESS signingCertificateV2), at
/// `gen_time` (whole seconds) under `policy`, numbered `serial`. The token verifies with
/// `openssl ts -verify`.
pub fn timestamp_token(
    imprint: &Imprint,
    tsa_key: &PrivateKey,
    tsa_cert: &Certificate,
    gen_time: Timestamp,
    policy: ObjectIdentifier,
    serial: u64,
) -> Result<Vec<u8>, SignError> {
    use sha2::Digest;
    if spki_der(&tsa_key.public_key_info()?)
        != spki_der(tsa_cert.tbs_certificate().subject_public_key_info())
    {
        return Err(SignError::KeyMismatch);
    }
    let tst = TstInfo {
        version: 1,
        policy,
        message_imprint: MessageImprint {
            hash_algorithm: AlgorithmIdentifierOwned {
                oid: imprint.algorithm,
                parameters: None,
            },
            hashed_message: OctetString::new(imprint.digest.clone())?,
        },
        serial_number: Int::from(Uint::new(&serial.to_be_bytes())?),
        gen_time: Any::new(
            Tag::GeneralizedTime,
            gen_time.strftime("%Y%m%d%H%M%SZ").to_string().into_bytes(),
        )?,
        accuracy: Some(Accuracy {
            seconds: Some(1),
            millis: None,
            micros: None,
        }),
        ordering: None,
        nonce: None,
        tsa: None,
        extensions: None,
    }
    .to_der()?;
    let ess = SigningCertificateV2 {
        certs: vec![EssCertIdV2 {
            hash_algorithm: None,
            cert_hash: OctetString::new(sha2::Sha256::digest(tsa_cert.to_der()?).to_vec())?,
            issuer_serial: None,
        }],
        policies: None,
    };
    let attrs = SetOfVec::try_from(vec![
        attribute(oids::CONTENT_TYPE, Any::encode_from(&oids::ID_CT_TST_INFO)?)?,
        attribute(oids::SIGNING_TIME, Any::encode_from(&x509_time(gen_time)?)?)?,
        attribute(
            oids::MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(sha2::Sha256::digest(&tst).to_vec())?)?,
        )?,
        attribute(oids::SIGNING_CERTIFICATE_V2, Any::encode_from(&ess)?)?,
    ])?;
    let signature = tsa_key.sign(&attrs.to_der()?)?;
    let tbs = tsa_cert.tbs_certificate();
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: sha256_id(),
        signed_attrs: Some(attrs),
        signature_algorithm: tsa_key.signature_algorithm(),
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    let signed_data = SignedData {
        // RFC 5652 §5.1: eContentType other than id-data makes it version 3.
        version: CmsVersion::V3,
        digest_algorithms: SetOfVec::try_from(vec![sha256_id()])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: oids::ID_CT_TST_INFO,
            econtent: Some(Any::encode_from(&OctetString::new(tst)?)?),
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(vec![
            CertificateChoices::Certificate(tsa_cert.clone()),
        ])?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    Ok(ContentInfo {
        content_type: oids::ID_SIGNED_DATA,
        content: Any::from_der(&signed_data.to_der()?)?,
    }
    .to_der()?)
}

/// `cms` (DER, BER, PEM or base64, one signer) with `token` added to its signer's unsigned
/// attributes, as DER. The signed parts are unchanged, so the signature still verifies.
pub fn add_timestamp(cms: &[u8], token: &[u8]) -> Result<Vec<u8>, TspError> {
    let mut sd = signed_data::parse(cms).map_err(TspError::Cms)?;
    let token = Any::from_der(token).map_err(|e| TspError::Cms(format!("token: {e}")))?;
    let mut signers: Vec<SignerInfo> = sd.signer_infos.0.into_vec();
    let [signer] = signers.as_mut_slice() else {
        return Err(TspError::Cms(format!(
            "expected exactly one signer, found {}",
            signers.len()
        )));
    };
    let mut attrs: Vec<Attribute> = signer
        .unsigned_attrs
        .take()
        .map(|s| s.into_vec())
        .unwrap_or_default();
    match attrs.iter_mut().find(|a| a.oid == oids::TIME_STAMP_TOKEN) {
        // A second token goes into the same attribute (verification refuses two).
        Some(a) => a.values.insert(token)?,
        None => attrs.push(attribute(oids::TIME_STAMP_TOKEN, token)?),
    }
    signer.unsigned_attrs = Some(SetOfVec::try_from(attrs)?);
    sd.signer_infos = SignerInfos(SetOfVec::try_from(signers)?);
    Ok(ContentInfo {
        content_type: oids::ID_SIGNED_DATA,
        content: Any::from_der(&sd.to_der()?)?,
    }
    .to_der()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any_time(s: &str) -> Any {
        Any::new(Tag::GeneralizedTime, s.as_bytes()).unwrap()
    }

    #[test]
    fn gen_time_with_and_without_fraction() {
        assert_eq!(
            gen_time(&any_time("20260301100000Z")).unwrap(),
            "2026-03-01T10:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            gen_time(&any_time("20260301100000.25Z")).unwrap(),
            "2026-03-01T10:00:00.25Z".parse::<Timestamp>().unwrap()
        );
        for bad in [
            "20260301100000",
            "2026030110000Z",
            "20260301100000.Z1",
            "2026x301100000Z",
        ] {
            assert!(gen_time(&any_time(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn serial_hex_drops_the_sign_byte() {
        let i = Int::from(Uint::new(&[0x80, 0x01]).unwrap());
        assert_eq!(int_hex(&i), "8001");
    }
}

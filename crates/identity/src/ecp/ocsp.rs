//! OCSP (RFC 6960): the [`OcspResponder`] hook the verifier asks before CRLs, requests
//! ([`OcspRequest`], SHA-256 CertID and a nonce, as NCANode sends them), the verification of
//! a response ([`verify_ocsp_response`]) and [`StaticOcsp`], a responder answering from
//! responses held in memory or files. NCA RK's responder is `http://ocsp.pki.gov.kz/`
//! (kz-facts §3.4).
//!
//! A response counts only when it is `successful`, signed by the certificate's CA itself or
//! by a responder certificate that CA issued with the OCSPSigning extended key usage, has a
//! SingleResponse whose CertID (SHA-1 or SHA-256) names the certificate, is current
//! (thisUpdate ≤ at ≤ nextUpdate, 5 minutes of clock skew; without nextUpdate, thisUpdate at
//! most a day old) and, when a nonce was sent, echoes it.
//!
//! Not for: network IO (a fetcher posts [`OcspRequest::to_der`] and passes the answer to
//! [`verify_ocsp_response`]; the crate never opens a socket).

use std::path::Path;

use der::asn1::{BitString, GeneralizedTime, Null, ObjectIdentifier, OctetString};
use der::{Any, Decode, Encode, Enumerated, Sequence};
use jiff::{SignedDuration, Timestamp};
use sha2::Digest;
use spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage};
use x509_cert::ext::{Extension, Extensions};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

use super::algorithms::Algorithms;
use super::crl::RevocationReason;
use crate::cert::{serial_hex, timestamp};
use crate::keys::PrivateKey;
use crate::oids;

/// How far the responder's clock may be from ours.
const CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(5);
/// The oldest a response without nextUpdate may be.
const MAX_AGE_WITHOUT_NEXT_UPDATE: SignedDuration = SignedDuration::from_hours(24);

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
        /// The reason, if the responder gave one.
        reason: Option<RevocationReason>,
        /// When the responder produced the answer.
        produced_at: Timestamp,
    },
    /// The responder does not know the certificate; the verifier falls back to CRLs.
    Unknown,
}

/// Why no usable answer came; the verifier falls back to CRLs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OcspError {
    /// No answer (network, HTTP; for fetchers outside this crate).
    #[error("OCSP: no answer: {0}")]
    Unavailable(String),
    /// Not a readable OCSP response (or request).
    #[error("OCSP: malformed: {0}")]
    Malformed(String),
    /// responseStatus is not `successful`.
    #[error("OCSP: the responder answered {0}")]
    Unsuccessful(String),
    /// The response is signed by someone the certificate's CA did not authorise.
    #[error("OCSP: the responder is not authorised by the issuing CA: {0}")]
    ResponderNotAuthorised(String),
    /// The response's signature does not verify.
    #[error("OCSP: the response's signature does not verify")]
    SignatureInvalid,
    /// The nonce sent is missing from the response or differs.
    #[error("OCSP: nonce {0}")]
    Nonce(&'static str),
    /// The response says nothing about this certificate.
    #[error("OCSP: no answer about the certificate {serial}")]
    NotForCertificate {
        /// The certificate's serial, uppercase hex.
        serial: String,
    },
    /// The answer is not current at the verification instant.
    #[error("OCSP: the answer is not current: {0}")]
    NotCurrent(String),
}

/// Asks an OCSP responder. Implementations verify the response (see [`verify_ocsp_response`])
/// before returning [`OcspStatus::Good`] or [`OcspStatus::Revoked`].
pub trait OcspResponder: Send + Sync {
    /// The status of `certificate`, issued by `issuer`, at the instant `at`.
    fn status(
        &self,
        certificate: &Certificate,
        issuer: &Certificate,
        at: Timestamp,
    ) -> Result<OcspStatus, OcspError>;
}

// ---- ASN.1 (RFC 6960 §4; the module uses EXPLICIT tags) ----

/// CertID: which certificate a request or SingleResponse is about.
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
pub(crate) struct CertId {
    pub hash_algorithm: AlgorithmIdentifierOwned,
    pub issuer_name_hash: OctetString,
    pub issuer_key_hash: OctetString,
    pub serial_number: SerialNumber,
}

#[derive(Clone, Debug, Sequence)]
struct OcspRequestAsn {
    tbs_request: TbsRequest,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    optional_signature: Option<Any>,
}

#[derive(Clone, Debug, Sequence)]
struct TbsRequest {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    version: Option<u8>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    requestor_name: Option<GeneralName>,
    request_list: Vec<SingleRequest>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    request_extensions: Option<Extensions>,
}

#[derive(Clone, Debug, Sequence)]
struct SingleRequest {
    req_cert: CertId,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    single_request_extensions: Option<Extensions>,
}

#[derive(Clone, Copy, Debug, Eq, PartialEq, Enumerated)]
#[repr(u32)]
enum ResponseStatus {
    Successful = 0,
    MalformedRequest = 1,
    InternalError = 2,
    TryLater = 3,
    SigRequired = 5,
    Unauthorized = 6,
}

#[derive(Clone, Debug, Sequence)]
struct OcspResponseAsn {
    response_status: ResponseStatus,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    response_bytes: Option<ResponseBytes>,
}

#[derive(Clone, Debug, Sequence)]
struct ResponseBytes {
    response_type: ObjectIdentifier,
    response: OctetString,
}

#[derive(Clone, Debug, Sequence)]
struct BasicResponse {
    /// Kept as received: the signature is over these exact bytes.
    tbs_response_data: Any,
    signature_algorithm: AlgorithmIdentifierOwned,
    signature: BitString,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    certs: Option<Vec<Certificate>>,
}

#[derive(Clone, Debug, Sequence)]
struct ResponseData {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    version: Option<u8>,
    responder_id: ResponderId,
    produced_at: GeneralizedTime,
    responses: Vec<SingleResponse>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    response_extensions: Option<Extensions>,
}

#[derive(Clone, Debug, Eq, PartialEq, der::Choice)]
enum ResponderId {
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", constructed = "true")]
    ByName(Name),
    /// SHA-1 of the responder's subjectPublicKey bits.
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", constructed = "true")]
    ByKey(OctetString),
}

#[derive(Clone, Debug, Sequence)]
struct SingleResponse {
    cert_id: CertId,
    cert_status: CertStatus,
    this_update: GeneralizedTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    next_update: Option<GeneralizedTime>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    single_extensions: Option<Extensions>,
}

#[derive(Clone, Debug, der::Choice)]
enum CertStatus {
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT")]
    Good(Null),
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", constructed = "true")]
    Revoked(RevokedInfo),
    #[asn1(context_specific = "2", tag_mode = "IMPLICIT")]
    Unknown(Null),
}

#[derive(Clone, Debug, Sequence)]
struct RevokedInfo {
    revocation_time: GeneralizedTime,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    revocation_reason: Option<CrlReason>,
}

// ---- hashing ----

/// The digest `algorithm` of `data`: SHA-1 and SHA-2 here, anything else (GOST) by the
/// plug-ins.
pub(crate) fn hash(
    algorithms: &Algorithms,
    algorithm: &ObjectIdentifier,
    data: &[u8],
) -> Option<Vec<u8>> {
    match *algorithm {
        a if a == oids::SHA1 => Some(sha1::Sha1::digest(data).to_vec()),
        a if a == oids::SHA256 => Some(sha2::Sha256::digest(data).to_vec()),
        a if a == oids::SHA384 => Some(sha2::Sha384::digest(data).to_vec()),
        a if a == oids::SHA512 => Some(sha2::Sha512::digest(data).to_vec()),
        a => algorithms.digest(&a, data),
    }
}

/// Which hash a CertID uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CertIdHash {
    /// SHA-1 (what `openssl ocsp` sends by default).
    Sha1,
    /// SHA-256 (what NCANode sends).
    #[default]
    Sha256,
}

impl CertIdHash {
    fn oid(self) -> ObjectIdentifier {
        match self {
            CertIdHash::Sha1 => oids::SHA1,
            CertIdHash::Sha256 => oids::SHA256,
        }
    }
}

fn key_bits(cert: &Certificate) -> &[u8] {
    cert.tbs_certificate()
        .subject_public_key_info()
        .subject_public_key
        .raw_bytes()
}

/// The CertID of the certificate `serial` issued by `issuer`.
pub(crate) fn cert_id(
    issuer: &Certificate,
    serial: &SerialNumber,
    algorithm: CertIdHash,
) -> Result<CertId, der::Error> {
    let algs = Algorithms::empty();
    let oid = algorithm.oid();
    let name = issuer.tbs_certificate().subject().to_der()?;
    let h = |data: &[u8]| hash(&algs, &oid, data).expect("SHA-1 and SHA-256 are built in");
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid,
            parameters: Some(Any::null()),
        },
        issuer_name_hash: OctetString::new(h(&name))?,
        issuer_key_hash: OctetString::new(h(key_bits(issuer)))?,
        serial_number: serial.clone(),
    })
}

/// Whether `id` names a certificate with this serial under `issuer` (by its own hash).
fn cert_id_matches(
    id: &CertId,
    issuer: &Certificate,
    serial: &SerialNumber,
    algorithms: &Algorithms,
) -> bool {
    let alg = id.hash_algorithm.oid;
    let Ok(name) = issuer.tbs_certificate().subject().to_der() else {
        return false;
    };
    id.serial_number == *serial
        && hash(algorithms, &alg, &name).as_deref() == Some(id.issuer_name_hash.as_bytes())
        && hash(algorithms, &alg, key_bits(issuer)).as_deref()
            == Some(id.issuer_key_hash.as_bytes())
}

fn nonce_extension(nonce: &[u8]) -> Result<Extension, der::Error> {
    // RFC 8954: the extension value is an OCTET STRING holding the nonce.
    Ok(Extension {
        extn_id: oids::OCSP_NONCE,
        critical: false,
        extn_value: OctetString::new(OctetString::new(nonce)?.to_der()?)?,
    })
}

/// The nonce of an extension list, accepting both the RFC 8954 form (an OCTET STRING inside)
/// and the raw bytes some responders write.
fn nonce_of(extensions: Option<&Extensions>) -> Option<Vec<Vec<u8>>> {
    let e = extensions?.iter().find(|e| e.extn_id == oids::OCSP_NONCE)?;
    let raw = e.extn_value.as_bytes().to_vec();
    let mut forms = vec![raw.clone()];
    if let Ok(inner) = OctetString::from_der(&raw) {
        forms.push(inner.as_bytes().to_vec());
    }
    Some(forms)
}

fn generalized(t: Timestamp) -> Result<GeneralizedTime, der::Error> {
    let secs = u64::try_from(t.as_second()).map_err(|_| der::ErrorKind::DateTime)?;
    GeneralizedTime::from_unix_duration(std::time::Duration::from_secs(secs))
}

fn gt(t: &GeneralizedTime) -> Timestamp {
    let d = t.to_unix_duration();
    Timestamp::new(d.as_secs() as i64, d.subsec_nanos() as i32).unwrap_or(Timestamp::MAX)
}

// ---- requests ----

/// An OCSP request about one or more certificates (unsigned, as responders expect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcspRequest {
    ids: Vec<CertId>,
    nonce: Option<Vec<u8>>,
}

impl OcspRequest {
    /// A request about `certificate`, issued by `issuer`, with a SHA-256 CertID.
    pub fn new(certificate: &Certificate, issuer: &Certificate) -> Result<Self, OcspError> {
        Self::with_hash(certificate, issuer, CertIdHash::Sha256)
    }

    /// As [`OcspRequest::new`] with the CertID hash chosen.
    pub fn with_hash(
        certificate: &Certificate,
        issuer: &Certificate,
        hash: CertIdHash,
    ) -> Result<Self, OcspError> {
        let id = cert_id(issuer, certificate.tbs_certificate().serial_number(), hash)
            .map_err(|e| OcspError::Malformed(e.to_string()))?;
        Ok(OcspRequest {
            ids: vec![id],
            nonce: None,
        })
    }

    /// Adds this nonce (the response must echo it).
    pub fn with_nonce(mut self, nonce: Vec<u8>) -> Self {
        self.nonce = Some(nonce);
        self
    }

    /// Adds 16 random bytes as the nonce.
    pub fn with_random_nonce(self) -> Result<Self, OcspError> {
        let mut nonce = vec![0u8; 16];
        getrandom::fill(&mut nonce).map_err(|e| OcspError::Unavailable(e.to_string()))?;
        Ok(self.with_nonce(nonce))
    }

    /// The nonce, if any.
    pub fn nonce(&self) -> Option<&[u8]> {
        self.nonce.as_deref()
    }

    /// Serial numbers asked about, uppercase hex.
    pub fn serials(&self) -> Vec<String> {
        self.ids
            .iter()
            .map(|i| serial_hex(&i.serial_number))
            .collect()
    }

    pub(crate) fn cert_ids(&self) -> &[CertId] {
        &self.ids
    }

    /// The DER `OCSPRequest` (to POST with `Content-Type: application/ocsp-request`).
    pub fn to_der(&self) -> Result<Vec<u8>, OcspError> {
        let enc = |e: der::Error| OcspError::Malformed(e.to_string());
        let request_extensions = match &self.nonce {
            Some(n) => Some(vec![nonce_extension(n).map_err(enc)?]),
            None => None,
        };
        OcspRequestAsn {
            tbs_request: TbsRequest {
                version: None,
                requestor_name: None,
                request_list: self
                    .ids
                    .iter()
                    .map(|id| SingleRequest {
                        req_cert: id.clone(),
                        single_request_extensions: None,
                    })
                    .collect(),
                request_extensions,
            },
            optional_signature: None,
        }
        .to_der()
        .map_err(enc)
    }

    /// Reads a DER `OCSPRequest` (a signature on it, if any, is not checked).
    pub fn from_der(der: &[u8]) -> Result<Self, OcspError> {
        let req = OcspRequestAsn::from_der(der).map_err(|e| OcspError::Malformed(e.to_string()))?;
        let nonce = nonce_of(req.tbs_request.request_extensions.as_ref())
            .map(|forms| forms.last().cloned().unwrap_or_default());
        Ok(OcspRequest {
            ids: req
                .tbs_request
                .request_list
                .into_iter()
                .map(|r| r.req_cert)
                .collect(),
            nonce,
        })
    }
}

// ---- responses ----

/// One answer in a response being built.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub id: CertId,
    pub status: AnswerStatus,
}

/// The status written into a response being built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AnswerStatus {
    Good,
    Revoked {
        date: Timestamp,
        reason: Option<RevocationReason>,
    },
    Unknown,
}

/// What the signer of a response writes beside the answers.
pub(crate) struct ResponseParams<'a> {
    pub key: &'a PrivateKey,
    pub certificate: &'a Certificate,
    /// Put the signer's certificate into the response (a delegated responder must).
    pub include_certificate: bool,
    pub produced_at: Timestamp,
    pub this_update: Timestamp,
    pub next_update: Option<Timestamp>,
    pub nonce: Option<&'a [u8]>,
}

/// A signed, successful DER `OCSPResponse` with these answers.
pub(crate) fn build_response(
    answers: &[Answer],
    p: &ResponseParams<'_>,
) -> Result<Vec<u8>, der::Error> {
    let algs = Algorithms::empty();
    let key_hash = hash(&algs, &oids::SHA1, key_bits(p.certificate)).unwrap_or_default();
    let responses = answers
        .iter()
        .map(|a| {
            Ok(SingleResponse {
                cert_id: a.id.clone(),
                cert_status: match a.status {
                    AnswerStatus::Good => CertStatus::Good(Null),
                    AnswerStatus::Revoked { date, reason } => CertStatus::Revoked(RevokedInfo {
                        revocation_time: generalized(date)?,
                        revocation_reason: reason.map(RevocationReason::to_x509),
                    }),
                    AnswerStatus::Unknown => CertStatus::Unknown(Null),
                },
                this_update: generalized(p.this_update)?,
                next_update: p.next_update.map(generalized).transpose()?,
                single_extensions: None,
            })
        })
        .collect::<Result<Vec<_>, der::Error>>()?;
    let data = ResponseData {
        version: None,
        responder_id: ResponderId::ByKey(OctetString::new(key_hash)?),
        produced_at: generalized(p.produced_at)?,
        responses,
        response_extensions: match p.nonce {
            Some(n) => Some(vec![nonce_extension(n)?]),
            None => None,
        },
    };
    let tbs = data.to_der()?;
    let signature = p
        .key
        .sign(&tbs)
        .map_err(|_| der::Error::from(der::ErrorKind::Failed))?;
    let basic = BasicResponse {
        tbs_response_data: Any::from_der(&tbs)?,
        signature_algorithm: p.key.signature_algorithm(),
        signature: BitString::from_bytes(&signature)?,
        certs: p.include_certificate.then(|| vec![p.certificate.clone()]),
    };
    OcspResponseAsn {
        response_status: ResponseStatus::Successful,
        response_bytes: Some(ResponseBytes {
            response_type: oids::OCSP_BASIC,
            response: OctetString::new(basic.to_der()?)?,
        }),
    }
    .to_der()
}

fn responder_is(id: &ResponderId, cert: &Certificate) -> bool {
    match id {
        ResponderId::ByName(name) => cert.tbs_certificate().subject() == name,
        ResponderId::ByKey(h) => {
            hash(&Algorithms::empty(), &oids::SHA1, key_bits(cert)).as_deref() == Some(h.as_bytes())
        }
    }
}

fn signed_by(cert: &Certificate, issuer: &Certificate, algorithms: &Algorithms) -> bool {
    cert.tbs_certificate().issuer() == issuer.tbs_certificate().subject()
        && cert.tbs_certificate().to_der().is_ok_and(|tbs| {
            algorithms
                .verify(
                    issuer.tbs_certificate().subject_public_key_info(),
                    cert.signature_algorithm(),
                    None,
                    &tbs,
                    cert.signature().raw_bytes(),
                )
                .is_ok()
        })
}

/// Checks a delegated responder's certificate: issued by the CA, OCSPSigning, valid at `at`,
/// a signing key.
fn check_delegate(
    responder: &Certificate,
    issuer: &Certificate,
    at: Timestamp,
    algorithms: &Algorithms,
) -> Result<(), OcspError> {
    let who = responder.tbs_certificate().subject().to_string();
    let refuse = |why: &str| Err(OcspError::ResponderNotAuthorised(format!("{who}: {why}")));
    if !signed_by(responder, issuer, algorithms) {
        return refuse("not issued by the certificate's CA");
    }
    let eku = responder
        .tbs_certificate()
        .get_extension::<ExtendedKeyUsage>()
        .ok()
        .flatten();
    if !eku.is_some_and(|(_, e)| e.0.contains(&oids::EKU_OCSP_SIGNING)) {
        return refuse("no OCSPSigning extended key usage");
    }
    if let Ok(Some((_, ku))) = responder.tbs_certificate().get_extension::<KeyUsage>()
        && !(ku.digital_signature() || ku.non_repudiation())
    {
        return refuse("its key usage does not allow signing");
    }
    let v = responder.tbs_certificate().validity();
    if at < timestamp(&v.not_before) || at > timestamp(&v.not_after) {
        return refuse("not valid at the verification instant");
    }
    Ok(())
}

/// Verifies a DER `OCSPResponse` about `certificate` (issued by `issuer`) at the instant `at`
/// and returns what it says. `nonce`: the nonce sent in the request, which the response
/// must echo (`None` for a stored response). Signatures are checked through `algorithms`.
pub fn verify_ocsp_response(
    response: &[u8],
    certificate: &Certificate,
    issuer: &Certificate,
    at: Timestamp,
    nonce: Option<&[u8]>,
    algorithms: &Algorithms,
) -> Result<OcspStatus, OcspError> {
    let bad = |what: &str, e: der::Error| OcspError::Malformed(format!("{what}: {e}"));
    let outer = OcspResponseAsn::from_der(response).map_err(|e| bad("OCSPResponse", e))?;
    if outer.response_status != ResponseStatus::Successful {
        return Err(OcspError::Unsuccessful(format!(
            "{:?}",
            outer.response_status
        )));
    }
    let bytes = outer
        .response_bytes
        .ok_or_else(|| OcspError::Malformed("a successful response without a body".into()))?;
    if bytes.response_type != oids::OCSP_BASIC {
        return Err(OcspError::Malformed(format!(
            "response type {} is not id-pkix-ocsp-basic",
            bytes.response_type
        )));
    }
    let basic = BasicResponse::from_der(bytes.response.as_bytes())
        .map_err(|e| bad("BasicOCSPResponse", e))?;
    let tbs = basic
        .tbs_response_data
        .to_der()
        .map_err(|e| bad("ResponseData", e))?;
    let data = ResponseData::from_der(&tbs).map_err(|e| bad("ResponseData", e))?;

    // The signer: the CA itself, or a responder it delegated (RFC 6960 §4.2.2.2).
    let certs = basic.certs.as_deref().unwrap_or(&[]);
    let signer = if responder_is(&data.responder_id, issuer) {
        issuer
    } else {
        let candidate = certs
            .iter()
            .find(|c| responder_is(&data.responder_id, c))
            .ok_or_else(|| {
                OcspError::ResponderNotAuthorised(
                    "the responder is neither the CA nor a certificate in the response".into(),
                )
            })?;
        check_delegate(candidate, issuer, at, algorithms)?;
        candidate
    };
    algorithms
        .verify(
            signer.tbs_certificate().subject_public_key_info(),
            &basic.signature_algorithm,
            None,
            &tbs,
            basic.signature.raw_bytes(),
        )
        .map_err(|_| OcspError::SignatureInvalid)?;

    if let Some(sent) = nonce {
        let got = nonce_of(data.response_extensions.as_ref()).ok_or(OcspError::Nonce("missing"))?;
        if !got.iter().any(|n| n == sent) {
            return Err(OcspError::Nonce("differs from the one sent"));
        }
    }

    let serial = certificate.tbs_certificate().serial_number();
    let single = data
        .responses
        .iter()
        .find(|r| cert_id_matches(&r.cert_id, issuer, serial, algorithms))
        .ok_or_else(|| OcspError::NotForCertificate {
            serial: serial_hex(serial),
        })?;

    let this_update = gt(&single.this_update);
    if this_update > at + CLOCK_SKEW {
        return Err(OcspError::NotCurrent(format!(
            "thisUpdate {this_update} is after {at}"
        )));
    }
    match single.next_update.as_ref().map(gt) {
        Some(next) if next + CLOCK_SKEW < at => {
            return Err(OcspError::NotCurrent(format!(
                "nextUpdate {next} has passed at {at}"
            )));
        }
        None if this_update + MAX_AGE_WITHOUT_NEXT_UPDATE < at => {
            return Err(OcspError::NotCurrent(format!(
                "produced at {this_update} without nextUpdate, too old at {at}"
            )));
        }
        _ => {}
    }
    let produced_at = gt(&data.produced_at);
    Ok(match &single.cert_status {
        CertStatus::Good(_) => OcspStatus::Good { produced_at },
        CertStatus::Revoked(info) => OcspStatus::Revoked {
            date: gt(&info.revocation_time),
            reason: info.revocation_reason.and_then(RevocationReason::from_x509),
            produced_at,
        },
        CertStatus::Unknown(_) => OcspStatus::Unknown,
    })
}

/// A responder answering from stored responses (files downloaded by a fetcher, or made by
/// [`crate::pki::DevCa::ocsp_response`]); no nonce can be checked on them.
#[derive(Debug, Clone, Default)]
pub struct StaticOcsp {
    responses: Vec<Vec<u8>>,
    algorithms: Algorithms,
}

impl StaticOcsp {
    /// No responses yet; signatures checked with the default algorithms.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks signatures with these algorithms (e.g. with a GOST plug-in).
    pub fn with_algorithms(mut self, algorithms: Algorithms) -> Self {
        self.algorithms = algorithms;
        self
    }

    /// Adds a DER `OCSPResponse`.
    pub fn add(&mut self, response: Vec<u8>) {
        self.responses.push(response);
    }

    /// Adds the DER `OCSPResponse` in a file (`openssl ocsp -respout`).
    pub fn load_file(&mut self, path: &Path) -> std::io::Result<()> {
        self.responses.push(std::fs::read(path)?);
        Ok(())
    }

    /// How many responses are held.
    pub fn len(&self) -> usize {
        self.responses.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.responses.is_empty()
    }
}

impl OcspResponder for StaticOcsp {
    fn status(
        &self,
        certificate: &Certificate,
        issuer: &Certificate,
        at: Timestamp,
    ) -> Result<OcspStatus, OcspError> {
        let mut last = OcspError::NotForCertificate {
            serial: serial_hex(certificate.tbs_certificate().serial_number()),
        };
        for r in &self.responses {
            match verify_ocsp_response(r, certificate, issuer, at, None, &self.algorithms) {
                Ok(status) => return Ok(status),
                // A response about other certificates says nothing; keep a real failure.
                Err(OcspError::NotForCertificate { .. }) => {}
                Err(e) => last = e,
            }
        }
        Err(last)
    }
}

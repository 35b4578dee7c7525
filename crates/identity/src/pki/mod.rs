//! A development certification authority kept in a directory, standing in for NCA RK in
//! development, demos and tests: the library behind `qyzmet pki init|issue|revoke|crl`.
//!
//! Directory layout:
//! ```text
//! ca.json          state: next serial, next CRL number, what was issued, what is revoked
//! ca.cert.pem      the CA certificate (give it to verifiers as their trust store)
//! ca.key.pem       the CA key, PKCS#8, unencrypted (mode 0600 on Unix)
//! issued/<SERIAL>.cert.pem, issued/<SERIAL>.key.pem
//! crl.der, crl.pem the latest published CRL
//! ```
//! Serial numbers are sequential and shown as uppercase hex (`openssl x509 -serial`).
//! Every operation takes its instants as arguments: nothing here reads the clock.
//! PKCS#12 is not written; `openssl pkcs12 -export -inkey K -in C -certfile ca.cert.pem`
//! makes one from the PEM files when a tool (NCALayer) wants it.
//!
//! Not for: production. Keys are unencrypted files, and nothing here is audited.

mod subject;

use std::path::{Path, PathBuf};

use der::asn1::Uint;
use jiff::Timestamp;
use x509_cert::Certificate;
use x509_cert::builder::{Builder, CertificateBuilder, CrlBuilder};
use x509_cert::crl::RevokedCert;
use x509_cert::ext::ToExtension;
use x509_cert::ext::pkix::crl::CrlNumber;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use crate::cert::{read_certificates, serial_hex, x509_time};
use crate::ecp::RevocationReason;
use crate::keys::{KeyAlgorithm, KeyError, PrivateKey, write_private};
use crate::{Bin, Iin, oids};

/// Signing with an issued key: re-exported from [`crate::ecp`], where the provider's result
/// signing uses it too.
pub use crate::ecp::{SignOptions, cms_to_pem, sign_cms};
use subject::{DevProfile, Kind};
pub use subject::{Holder, LegalRole, Usage, build_name};

/// Errors of the development CA.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The directory already holds a CA.
    #[error("{0} already holds a CA (ca.json exists)")]
    AlreadyInitialised(String),
    /// The state file is unreadable.
    #[error("{path}: bad CA state: {reason}")]
    State {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// No certificate with this serial was issued here.
    #[error("no certificate with serial {0} was issued by this CA")]
    UnknownSerial(String),
    /// Already revoked.
    #[error("the certificate with serial {0} is already revoked")]
    AlreadyRevoked(String),
    /// A request that makes no sense (validity backwards, no key usage…).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// A key operation.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Building a certificate or CRL.
    #[error("building: {0}")]
    Build(String),
}

impl From<der::Error> for PkiError {
    fn from(e: der::Error) -> Self {
        PkiError::Build(e.to_string())
    }
}

impl From<x509_cert::builder::Error> for PkiError {
    fn from(e: x509_cert::builder::Error) -> Self {
        PkiError::Build(e.to_string())
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PkiError + '_ {
    move |source| PkiError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// How to create a CA.
#[derive(Debug, Clone)]
pub struct CaOptions {
    /// The CA's common name.
    pub common_name: String,
    /// Its key algorithm.
    pub algorithm: KeyAlgorithm,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
}

impl CaOptions {
    /// A CA named "qyzmet development CA", P-256, valid for the given period.
    pub fn development(not_before: Timestamp, not_after: Timestamp) -> Self {
        CaOptions {
            common_name: "qyzmet development CA (not for production)".to_string(),
            algorithm: KeyAlgorithm::P256,
            not_before,
            not_after,
        }
    }
}

/// What a certificate is to be.
#[derive(Debug, Clone)]
pub struct CertificateRequest {
    /// The holder (citizen, staff, other).
    pub holder: Holder,
    /// The key to generate.
    pub algorithm: KeyAlgorithm,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
    /// Key usages (NCA signing keys: [`Usage::SIGN`]). Empty: no keyUsage extension.
    pub key_usage: Vec<Usage>,
}

impl CertificateRequest {
    /// A signing certificate (digitalSignature + nonRepudiation), P-256.
    pub fn signing(holder: Holder, not_before: Timestamp, not_after: Timestamp) -> Self {
        CertificateRequest {
            holder,
            algorithm: KeyAlgorithm::P256,
            not_before,
            not_after,
            key_usage: Usage::SIGN.to_vec(),
        }
    }
}

/// What the CA records of each certificate it issued.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IssuedRecord {
    /// Serial, uppercase hex.
    pub serial: String,
    /// Subject (RFC 4514 text).
    pub subject: String,
    /// IIN, for persons.
    pub iin: Option<Iin>,
    /// BIN, for staff.
    pub bin: Option<Bin>,
    /// Whether it is a (subordinate) CA certificate.
    #[serde(default)]
    pub ca: bool,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
    /// Certificate file, relative to the CA directory (or absolute for subordinate CAs).
    pub certificate: String,
}

/// A revocation the CA recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RevokedRecord {
    /// Serial, uppercase hex.
    pub serial: String,
    /// Revocation date.
    pub date: Timestamp,
    /// Reason, if given.
    pub reason: Option<RevocationReason>,
}

/// The CA's state file (`ca.json`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CaState {
    /// Format version of this file (1).
    pub format: u32,
    /// The next serial number to issue.
    pub next_serial: u64,
    /// The next cRLNumber.
    pub next_crl_number: u64,
    /// Everything issued.
    pub issued: Vec<IssuedRecord>,
    /// Everything revoked.
    pub revoked: Vec<RevokedRecord>,
}

/// A freshly issued certificate and its key (also written to `issued/`).
#[derive(Debug, Clone)]
pub struct Issued {
    /// Serial, uppercase hex.
    pub serial: String,
    /// The certificate.
    pub certificate: Certificate,
    /// Its private key.
    pub key: PrivateKey,
    /// Where the certificate was written (PEM).
    pub certificate_path: PathBuf,
    /// Where the key was written (PKCS#8 PEM).
    pub key_path: PathBuf,
}

/// A published CRL.
#[derive(Debug, Clone)]
pub struct PublishedCrl {
    /// cRLNumber.
    pub number: u64,
    /// DER.
    pub der: Vec<u8>,
    /// PEM (`X509 CRL`).
    pub pem: String,
    /// `crl.der` in the CA directory.
    pub der_path: PathBuf,
    /// `crl.pem` in the CA directory.
    pub pem_path: PathBuf,
}

/// Which certificates an OCSP response of the CA is about.
#[derive(Debug, Clone, Copy)]
pub enum OcspQuery<'a> {
    /// A DER `OCSPRequest` (its CertIDs and nonce).
    Request(&'a [u8]),
    /// One serial number, hex (the CertID is SHA-256).
    Serial(&'a str),
}

/// How the CA answers OCSP.
#[derive(Debug, Clone, Copy)]
pub struct OcspResponseOptions<'a> {
    /// producedAt and thisUpdate.
    pub produced_at: Timestamp,
    /// nextUpdate, if any.
    pub next_update: Option<Timestamp>,
    /// A delegated responder ([`DevCa::issue_ocsp_responder`]); `None`: the CA signs.
    pub responder: Option<&'a Issued>,
}

/// A development CA.
#[derive(Debug, Clone)]
pub struct DevCa {
    dir: PathBuf,
    key: PrivateKey,
    certificate: Certificate,
    state: CaState,
}

const STATE: &str = "ca.json";
const CERT: &str = "ca.cert.pem";
const KEY: &str = "ca.key.pem";

fn pem_of(cert: &Certificate) -> Result<String, PkiError> {
    use der::EncodePem;
    Ok(cert.to_pem(der::pem::LineEnding::LF)?)
}

fn check_period(not_before: Timestamp, not_after: Timestamp) -> Result<Validity, PkiError> {
    if not_after <= not_before {
        return Err(PkiError::Invalid(format!(
            "validity ends ({not_after}) before it starts ({not_before})"
        )));
    }
    Ok(Validity::new(x509_time(not_before)?, x509_time(not_after)?))
}

/// The development CA signs with RSA or P-256 only; it may issue certificates for GOST keys.
fn gost_ca() -> PkiError {
    PkiError::Invalid(
        "the development CA's own key must be RSA or P-256 (a GOST CA key cannot sign here)".into(),
    )
}

fn build_cert(
    profile: DevProfile,
    serial: u64,
    validity: Validity,
    public_key: spki::SubjectPublicKeyInfoOwned,
    signer: &PrivateKey,
) -> Result<Certificate, PkiError> {
    let builder =
        CertificateBuilder::new(profile, SerialNumber::from(serial), validity, public_key)?;
    Ok(match signer {
        PrivateKey::Rsa(k) => builder.build::<_, rsa::pkcs1v15::Signature>(k)?,
        PrivateKey::P256(k) => builder.build::<_, p256::ecdsa::DerSignature>(k)?,
        PrivateKey::Gost(_) => return Err(gost_ca()),
    })
}

impl DevCa {
    /// Creates a self-signed root CA in `dir` (created if missing; must not hold a CA).
    pub fn init(dir: &Path, options: &CaOptions) -> Result<DevCa, PkiError> {
        Self::create(dir, options, None)
    }

    /// Creates a CA in `dir` whose certificate `parent` issues (an intermediate, as NCA's
    /// issuing CAs are under the root). It may issue end-entity certificates only.
    pub fn init_subordinate(
        dir: &Path,
        parent: &mut DevCa,
        options: &CaOptions,
    ) -> Result<DevCa, PkiError> {
        Self::create(dir, options, Some(parent))
    }

    fn create(
        dir: &Path,
        options: &CaOptions,
        parent: Option<&mut DevCa>,
    ) -> Result<DevCa, PkiError> {
        if dir.join(STATE).exists() {
            return Err(PkiError::AlreadyInitialised(dir.display().to_string()));
        }
        std::fs::create_dir_all(dir.join("issued")).map_err(io(dir))?;
        let validity = check_period(options.not_before, options.not_after)?;
        let key = PrivateKey::generate(options.algorithm)?;
        let subject = build_name(&[
            (oids::AT_COMMON_NAME, options.common_name.clone()),
            (oids::AT_ORGANIZATION, "qyzmet".to_string()),
            (oids::AT_COUNTRY, "KZ".to_string()),
        ])?;
        let certificate = match parent {
            None => build_cert(
                DevProfile {
                    issuer: None,
                    subject,
                    kind: Kind::Ca { path_len: None },
                },
                1,
                validity,
                key.public_key_info()?,
                &key,
            )?,
            Some(parent) => {
                let serial = parent.take_serial();
                let cert = build_cert(
                    DevProfile {
                        issuer: Some(parent.certificate.tbs_certificate().subject().clone()),
                        subject,
                        kind: Kind::Ca { path_len: Some(0) },
                    },
                    serial,
                    validity,
                    key.public_key_info()?,
                    &parent.key,
                )?;
                parent.state.issued.push(IssuedRecord {
                    serial: serial_hex(cert.tbs_certificate().serial_number()),
                    subject: cert.tbs_certificate().subject().to_string(),
                    iin: None,
                    bin: None,
                    ca: true,
                    not_before: options.not_before,
                    not_after: options.not_after,
                    certificate: dir.join(CERT).display().to_string(),
                });
                parent.save()?;
                cert
            }
        };
        let path = dir.join(KEY);
        write_private(&path, &key.to_pkcs8_pem()?).map_err(io(&path))?;
        let path = dir.join(CERT);
        std::fs::write(&path, pem_of(&certificate)?).map_err(io(&path))?;
        let ca = DevCa {
            dir: dir.to_path_buf(),
            key,
            certificate,
            state: CaState {
                format: 1,
                next_serial: 2,
                next_crl_number: 1,
                issued: Vec::new(),
                revoked: Vec::new(),
            },
        };
        ca.save()?;
        Ok(ca)
    }

    /// Opens the CA in `dir`.
    pub fn open(dir: &Path) -> Result<DevCa, PkiError> {
        let path = dir.join(STATE);
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        let state: CaState = serde_json::from_str(&text).map_err(|e| PkiError::State {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let key = PrivateKey::read_pem_file(&dir.join(KEY))?;
        let certificate = read_certificates(&dir.join(CERT))
            .map_err(|e| PkiError::State {
                path: dir.join(CERT).display().to_string(),
                reason: e.to_string(),
            })?
            .remove(0);
        Ok(DevCa {
            dir: dir.to_path_buf(),
            key,
            certificate,
            state,
        })
    }

    fn save(&self) -> Result<(), PkiError> {
        let path = self.dir.join(STATE);
        let tmp = self.dir.join("ca.json.tmp");
        let text = serde_json::to_string_pretty(&self.state).expect("state serialises");
        std::fs::write(&tmp, text + "\n").map_err(io(&tmp))?;
        std::fs::rename(&tmp, &path).map_err(io(&path))
    }

    fn take_serial(&mut self) -> u64 {
        let s = self.state.next_serial;
        self.state.next_serial += 1;
        s
    }

    /// The CA's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The CA certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The CA certificate as PEM.
    pub fn certificate_pem(&self) -> Result<String, PkiError> {
        pem_of(&self.certificate)
    }

    /// Path of the CA certificate file (`ca.cert.pem`).
    pub fn certificate_path(&self) -> PathBuf {
        self.dir.join(CERT)
    }

    /// The CA's key (to sign with it directly in tests).
    pub fn key(&self) -> &PrivateKey {
        &self.key
    }

    /// The state (issued and revoked certificates).
    pub fn state(&self) -> &CaState {
        &self.state
    }

    /// Issues a certificate with a fresh key; writes both to `issued/` and records it.
    pub fn issue(&mut self, request: &CertificateRequest) -> Result<Issued, PkiError> {
        let profile = DevProfile::end_entity(
            self.certificate.tbs_certificate().subject().clone(),
            &request.holder,
            &request.key_usage,
        )?;
        self.issue_profile(profile, request)
    }

    /// Issues the certificate of this CA's time-stamping authority: `CN=common_name`, the
    /// one extended key usage timeStamping, critical (RFC 3161 §2.3). Its key signs tokens
    /// ([`crate::ecp::timestamp_token`]).
    pub fn issue_tsa(
        &mut self,
        common_name: &str,
        algorithm: KeyAlgorithm,
        not_before: Timestamp,
        not_after: Timestamp,
    ) -> Result<Issued, PkiError> {
        self.issue_service(
            common_name,
            oids::EKU_TIME_STAMPING,
            algorithm,
            not_before,
            not_after,
        )
    }

    /// Issues the certificate of a responder this CA delegates OCSP to: `CN=common_name`,
    /// extended key usage OCSPSigning, id-pkix-ocsp-nocheck (RFC 6960 §4.2.2.2).
    pub fn issue_ocsp_responder(
        &mut self,
        common_name: &str,
        algorithm: KeyAlgorithm,
        not_before: Timestamp,
        not_after: Timestamp,
    ) -> Result<Issued, PkiError> {
        self.issue_service(
            common_name,
            oids::EKU_OCSP_SIGNING,
            algorithm,
            not_before,
            not_after,
        )
    }

    fn issue_service(
        &mut self,
        common_name: &str,
        eku: der::asn1::ObjectIdentifier,
        algorithm: KeyAlgorithm,
        not_before: Timestamp,
        not_after: Timestamp,
    ) -> Result<Issued, PkiError> {
        let profile = DevProfile::service(
            self.certificate.tbs_certificate().subject().clone(),
            common_name,
            eku,
        )?;
        let request = CertificateRequest {
            holder: Holder::Other {
                common_name: common_name.to_string(),
            },
            algorithm,
            not_before,
            not_after,
            key_usage: Vec::new(),
        };
        self.issue_profile(profile, &request)
    }

    fn issue_profile(
        &mut self,
        profile: DevProfile,
        request: &CertificateRequest,
    ) -> Result<Issued, PkiError> {
        let validity = check_period(request.not_before, request.not_after)?;
        let key = PrivateKey::generate(request.algorithm)?;
        let serial = self.take_serial();
        let certificate = build_cert(profile, serial, validity, key.public_key_info()?, &self.key)?;
        let serial = serial_hex(certificate.tbs_certificate().serial_number());
        let certificate_path = self.dir.join("issued").join(format!("{serial}.cert.pem"));
        let key_path = self.dir.join("issued").join(format!("{serial}.key.pem"));
        std::fs::write(&certificate_path, pem_of(&certificate)?).map_err(io(&certificate_path))?;
        write_private(&key_path, &key.to_pkcs8_pem()?).map_err(io(&key_path))?;
        self.state.issued.push(IssuedRecord {
            serial: serial.clone(),
            subject: certificate.tbs_certificate().subject().to_string(),
            iin: request.holder.iin(),
            bin: request.holder.bin(),
            ca: false,
            not_before: request.not_before,
            not_after: request.not_after,
            certificate: format!("issued/{serial}.cert.pem"),
        });
        self.save()?;
        Ok(Issued {
            serial,
            certificate,
            key,
            certificate_path,
            key_path,
        })
    }

    /// Records the revocation of the certificate with this serial (hex, any case, leading
    /// zeros optional). It appears in the next published CRL.
    pub fn revoke(
        &mut self,
        serial: &str,
        date: Timestamp,
        reason: Option<RevocationReason>,
    ) -> Result<(), PkiError> {
        let wanted = normalise_serial(serial);
        let record = self
            .state
            .issued
            .iter()
            .find(|r| normalise_serial(&r.serial) == wanted)
            .ok_or_else(|| PkiError::UnknownSerial(serial.to_string()))?;
        let serial = record.serial.clone();
        if self.state.revoked.iter().any(|r| r.serial == serial) {
            return Err(PkiError::AlreadyRevoked(serial));
        }
        self.state.revoked.push(RevokedRecord {
            serial,
            date,
            reason,
        });
        self.save()
    }

    /// Makes a CRL of everything revoked, numbered with the next cRLNumber, without
    /// writing it or advancing the number (tests use it to make stale or future CRLs).
    pub fn make_crl(
        &self,
        this_update: Timestamp,
        next_update: Timestamp,
    ) -> Result<Vec<u8>, PkiError> {
        use der::Encode;
        if next_update <= this_update {
            return Err(PkiError::Invalid(format!(
                "nextUpdate {next_update} is not after thisUpdate {this_update}"
            )));
        }
        let number = CrlNumber(Uint::new(&self.state.next_crl_number.to_be_bytes())?);
        let mut revoked: Vec<RevokedCert> = Vec::new();
        for r in &self.state.revoked {
            let bytes = hex_bytes(&r.serial)
                .ok_or_else(|| PkiError::Invalid(format!("bad serial {}", r.serial)))?;
            let extensions = match r.reason {
                Some(reason) => {
                    let subject = self.certificate.tbs_certificate().subject();
                    Some(vec![reason.to_x509().to_extension(subject, &[])?])
                }
                None => None,
            };
            revoked.push(RevokedCert {
                serial_number: SerialNumber::new(&bytes)?,
                revocation_date: x509_time(r.date)?,
                crl_entry_extensions: extensions,
            });
        }
        let builder =
            CrlBuilder::new_with_this_update(&self.certificate, number, x509_time(this_update)?)?
                .with_next_update(Some(x509_time(next_update)?));
        let builder = if revoked.is_empty() {
            builder
        } else {
            builder.with_certificates(revoked.into_iter())
        };
        let list = match &self.key {
            PrivateKey::Rsa(k) => builder.build::<_, rsa::pkcs1v15::Signature>(k)?,
            PrivateKey::P256(k) => builder.build::<_, p256::ecdsa::DerSignature>(k)?,
            PrivateKey::Gost(_) => return Err(gost_ca()),
        };
        Ok(list.to_der()?)
    }

    /// Publishes the CRL: writes `crl.der` and `crl.pem` and advances the cRLNumber.
    pub fn publish_crl(
        &mut self,
        this_update: Timestamp,
        next_update: Timestamp,
    ) -> Result<PublishedCrl, PkiError> {
        let der = self.make_crl(this_update, next_update)?;
        let pem = der::pem::encode_string("X509 CRL", der::pem::LineEnding::LF, &der)
            .map_err(|e| PkiError::Build(e.to_string()))?;
        let der_path = self.dir.join("crl.der");
        let pem_path = self.dir.join("crl.pem");
        std::fs::write(&der_path, &der).map_err(io(&der_path))?;
        std::fs::write(&pem_path, &pem).map_err(io(&pem_path))?;
        let number = self.state.next_crl_number;
        self.state.next_crl_number += 1;
        self.save()?;
        Ok(PublishedCrl {
            number,
            der,
            pem,
            der_path,
            pem_path,
        })
    }

    /// A signed OCSP response (DER) about the certificates `query` names, from this CA's
    /// records: revoked (with date and reason) if revoked by `options.produced_at`, good if
    /// issued here, unknown otherwise (and for CertIDs of another CA). A request's nonce is
    /// echoed. Signed by the CA itself, or by `options.responder` (see
    /// [`DevCa::issue_ocsp_responder`]).
    pub fn ocsp_response(
        &self,
        query: OcspQuery<'_>,
        options: &OcspResponseOptions<'_>,
    ) -> Result<Vec<u8>, PkiError> {
        use crate::ecp::{Answer, AnswerStatus, CertIdHash, OcspRequest, cert_id};
        let bad = |e: crate::ecp::OcspError| PkiError::Invalid(e.to_string());
        let (ids, nonce) = match query {
            OcspQuery::Request(der) => {
                let request = OcspRequest::from_der(der).map_err(bad)?;
                (
                    request.cert_ids().to_vec(),
                    request.nonce().map(<[u8]>::to_vec),
                )
            }
            OcspQuery::Serial(serial) => {
                let mut hex = normalise_serial(serial);
                if hex.len() % 2 == 1 {
                    hex.insert(0, '0');
                }
                let bytes = hex_bytes(&hex)
                    .ok_or_else(|| PkiError::Invalid(format!("bad serial {serial:?}")))?;
                let id = cert_id(
                    &self.certificate,
                    &SerialNumber::new(&bytes)?,
                    CertIdHash::Sha256,
                )?;
                (vec![id], None)
            }
        };
        let answers = ids
            .into_iter()
            .map(|id| {
                let hash = match id.hash_algorithm.oid {
                    o if o == oids::SHA1 => Some(CertIdHash::Sha1),
                    o if o == oids::SHA256 => Some(CertIdHash::Sha256),
                    _ => None,
                };
                let ours = hash
                    .map(|h| cert_id(&self.certificate, &id.serial_number, h))
                    .transpose()?
                    .is_some_and(|own| own == id);
                let serial = normalise_serial(&serial_hex(&id.serial_number));
                let status = if !ours {
                    AnswerStatus::Unknown
                } else if let Some(r) = self.state.revoked.iter().find(|r| {
                    normalise_serial(&r.serial) == serial && r.date <= options.produced_at
                }) {
                    AnswerStatus::Revoked {
                        date: r.date,
                        reason: r.reason,
                    }
                } else if self
                    .state
                    .issued
                    .iter()
                    .any(|r| normalise_serial(&r.serial) == serial)
                {
                    AnswerStatus::Good
                } else {
                    AnswerStatus::Unknown
                };
                Ok(Answer { id, status })
            })
            .collect::<Result<Vec<_>, PkiError>>()?;
        let (key, certificate) = match options.responder {
            Some(r) => (&r.key, &r.certificate),
            None => (&self.key, &self.certificate),
        };
        Ok(crate::ecp::build_response(
            &answers,
            &crate::ecp::ResponseParams {
                key,
                certificate,
                include_certificate: options.responder.is_some(),
                produced_at: options.produced_at,
                this_update: options.produced_at,
                next_update: options.next_update,
                nonce: nonce.as_deref(),
            },
        )?)
    }

    /// Reads back an issued certificate by serial.
    pub fn issued_certificate(&self, serial: &str) -> Result<Certificate, PkiError> {
        let wanted = normalise_serial(serial);
        let record = self
            .state
            .issued
            .iter()
            .find(|r| normalise_serial(&r.serial) == wanted)
            .ok_or_else(|| PkiError::UnknownSerial(serial.to_string()))?;
        let path = if Path::new(&record.certificate).is_absolute() {
            PathBuf::from(&record.certificate)
        } else {
            self.dir.join(&record.certificate)
        };
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        crate::cert::parse_certificates(&bytes, &path.display().to_string())
            .map_err(|e| PkiError::State {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
            .map(|mut v| v.remove(0))
    }
}

fn normalise_serial(s: &str) -> String {
    let t = s
        .trim()
        .trim_start_matches("0x")
        .replace(':', "")
        .to_ascii_uppercase();
    let t = t.trim_start_matches('0');
    if t.is_empty() {
        "0".into()
    } else {
        t.to_string()
    }
}

fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_normalise() {
        assert_eq!(normalise_serial("02"), "2");
        assert_eq!(normalise_serial("0x0a"), "A");
        assert_eq!(normalise_serial("01:0A"), "10A");
        assert_eq!(hex_bytes("010A"), Some(vec![1, 10]));
    }
}

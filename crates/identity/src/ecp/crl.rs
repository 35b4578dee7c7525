//! Certificate revocation lists: parsing (DER or PEM) into [`Crl`], a [`CrlStore`] loaded from
//! files, and the revocation status of one certificate under one issuer.
//!
//! A CRL counts only when its signature verifies with the issuer's key. A certificate listed
//! in any such CRL is revoked. Otherwise it is good only if the newest such CRL is current at
//! the verification instant: a CRL past its nextUpdate is stale, and stale means "status
//! unknown", never "good".
//!
//! Not for: fetching CRLs (the caller downloads and reloads them), delta CRLs and CRLs with
//! an issuing distribution point (ignored: they do not make a status known).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use der::{Decode, Encode};
use jiff::Timestamp;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::crl::CrlReason;
use x509_cert::name::Name;

use super::algorithms::Algorithms;
use super::refusal::RevocationUnknown;
use crate::cert::{pem_blocks, serial_hex, timestamp};
use crate::keys::spki_der;
use crate::oids;

/// Why a certificate was revoked (RFC 5280 §5.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum RevocationReason {
    /// unspecified (0).
    Unspecified,
    /// keyCompromise (1).
    KeyCompromise,
    /// cACompromise (2).
    CaCompromise,
    /// affiliationChanged (3): e.g. a staff member left the organisation.
    AffiliationChanged,
    /// superseded (4): a new certificate replaces it.
    Superseded,
    /// cessationOfOperation (5).
    CessationOfOperation,
    /// certificateHold (6).
    CertificateHold,
    /// privilegeWithdrawn (9).
    PrivilegeWithdrawn,
}

impl RevocationReason {
    pub(crate) fn to_x509(self) -> CrlReason {
        match self {
            RevocationReason::Unspecified => CrlReason::Unspecified,
            RevocationReason::KeyCompromise => CrlReason::KeyCompromise,
            RevocationReason::CaCompromise => CrlReason::CaCompromise,
            RevocationReason::AffiliationChanged => CrlReason::AffiliationChanged,
            RevocationReason::Superseded => CrlReason::Superseded,
            RevocationReason::CessationOfOperation => CrlReason::CessationOfOperation,
            RevocationReason::CertificateHold => CrlReason::CertificateHold,
            RevocationReason::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
        }
    }

    pub(crate) fn from_x509(r: CrlReason) -> Option<Self> {
        Some(match r {
            CrlReason::Unspecified => RevocationReason::Unspecified,
            CrlReason::KeyCompromise => RevocationReason::KeyCompromise,
            CrlReason::CaCompromise => RevocationReason::CaCompromise,
            CrlReason::AffiliationChanged => RevocationReason::AffiliationChanged,
            CrlReason::Superseded => RevocationReason::Superseded,
            CrlReason::CessationOfOperation => RevocationReason::CessationOfOperation,
            CrlReason::CertificateHold => RevocationReason::CertificateHold,
            CrlReason::PrivilegeWithdrawn => RevocationReason::PrivilegeWithdrawn,
            CrlReason::RemoveFromCRL | CrlReason::AaCompromise => return None,
        })
    }
}

impl std::str::FromStr for RevocationReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        Ok(match norm.as_str() {
            "unspecified" => RevocationReason::Unspecified,
            "keycompromise" => RevocationReason::KeyCompromise,
            "cacompromise" => RevocationReason::CaCompromise,
            "affiliationchanged" => RevocationReason::AffiliationChanged,
            "superseded" => RevocationReason::Superseded,
            "cessationofoperation" => RevocationReason::CessationOfOperation,
            "certificatehold" => RevocationReason::CertificateHold,
            "privilegewithdrawn" => RevocationReason::PrivilegeWithdrawn,
            _ => return Err(format!("unknown revocation reason {s:?}")),
        })
    }
}

/// One revoked certificate in a CRL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Serial number, uppercase hex.
    pub serial: String,
    /// Revocation date.
    pub date: Timestamp,
    /// Reason code, if the entry has one.
    pub reason: Option<RevocationReason>,
}

/// Errors reading a CRL.
#[derive(Debug, thiserror::Error)]
pub enum CrlError {
    /// Reading a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Not a CRL.
    #[error("{what}: not an X.509 CRL in PEM or DER: {reason}")]
    Parse {
        /// Where it came from.
        what: String,
        /// Why.
        reason: String,
    },
}

/// A parsed CRL.
#[derive(Debug, Clone)]
pub struct Crl {
    list: CertificateList,
    source: String,
    /// Revoked entries, in CRL order, and their index by serial (a national CA's CRL has
    /// hundreds of thousands of entries: look-ups must not scan).
    entries: Arc<Vec<RevokedEntry>>,
    by_serial: Arc<HashMap<String, usize>>,
    /// DER SubjectPublicKeyInfos whose signature on this CRL was verified (the check is
    /// done once per key, not per request).
    verified_keys: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Crl {
    /// Parses a DER CRL; `source` names it in messages (a file path, a URL).
    pub fn from_der(der: &[u8], source: &str) -> Result<Crl, CrlError> {
        let list = CertificateList::from_der(der).map_err(|e| CrlError::Parse {
            what: source.to_string(),
            reason: e.to_string(),
        })?;
        let entries: Vec<RevokedEntry> = list
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .map(|r| RevokedEntry {
                serial: serial_hex(&r.serial_number),
                date: timestamp(&r.revocation_date),
                reason: r
                    .crl_entry_extensions
                    .iter()
                    .flatten()
                    .find(|e| e.extn_id == oids::EXT_CRL_REASON)
                    .and_then(|e| CrlReason::from_der(e.extn_value.as_bytes()).ok())
                    .and_then(RevocationReason::from_x509),
            })
            .collect();
        let mut by_serial = HashMap::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            by_serial.entry(e.serial.clone()).or_insert(i);
        }
        Ok(Crl {
            list,
            source: source.to_string(),
            entries: Arc::new(entries),
            by_serial: Arc::new(by_serial),
            verified_keys: Arc::default(),
        })
    }

    /// Parses every `X509 CRL` block of a PEM text, or one DER CRL.
    pub fn parse_all(bytes: &[u8], source: &str) -> Result<Vec<Crl>, CrlError> {
        let err = |reason: String| CrlError::Parse {
            what: source.to_string(),
            reason,
        };
        if bytes.starts_with(&[0x30]) {
            return Ok(vec![Crl::from_der(bytes, source)?]);
        }
        let text = std::str::from_utf8(bytes).map_err(|e| err(e.to_string()))?;
        let mut crls = Vec::new();
        for block in pem_blocks(text) {
            let (label, der) =
                der::pem::decode_vec(block.as_bytes()).map_err(|e| err(e.to_string()))?;
            if label == "X509 CRL" {
                crls.push(Crl::from_der(&der, source)?);
            }
        }
        if crls.is_empty() {
            return Err(err("no X509 CRL block".into()));
        }
        Ok(crls)
    }

    /// The underlying ASN.1 structure.
    pub fn list(&self) -> &CertificateList {
        &self.list
    }

    /// Where it was loaded from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The issuer's name.
    pub fn issuer_name(&self) -> &Name {
        &self.list.tbs_cert_list.issuer
    }

    /// The issuer's name as text.
    pub fn issuer(&self) -> String {
        self.issuer_name().to_string()
    }

    /// thisUpdate.
    pub fn this_update(&self) -> Timestamp {
        timestamp(&self.list.tbs_cert_list.this_update)
    }

    /// nextUpdate, if present.
    pub fn next_update(&self) -> Option<Timestamp> {
        self.list.tbs_cert_list.next_update.as_ref().map(timestamp)
    }

    /// Whether the CRL is past its nextUpdate at `at`.
    pub fn is_stale(&self, at: Timestamp) -> bool {
        self.next_update().is_some_and(|n| n < at)
    }

    /// The cRLNumber extension, uppercase hex.
    pub fn number(&self) -> Option<String> {
        self.extension(oids::EXT_CRL_NUMBER).and_then(|e| {
            der::asn1::Uint::from_der(e.extn_value.as_bytes())
                .ok()
                .map(|u| u.as_bytes().iter().map(|b| format!("{b:02X}")).collect())
        })
    }

    fn extension(&self, oid: der::asn1::ObjectIdentifier) -> Option<&x509_cert::ext::Extension> {
        self.list
            .tbs_cert_list
            .crl_extensions
            .as_ref()?
            .iter()
            .find(|e| e.extn_id == oid)
    }

    /// Whether this CRL can decide a status by itself: not a delta CRL, no issuing
    /// distribution point, no other critical extension.
    pub fn is_complete(&self) -> bool {
        let exts = self
            .list
            .tbs_cert_list
            .crl_extensions
            .as_deref()
            .unwrap_or(&[]);
        !exts.iter().any(|e| {
            e.extn_id == oids::EXT_DELTA_CRL
                || e.extn_id == oids::EXT_ISSUING_DP
                || (e.critical
                    && e.extn_id != oids::EXT_CRL_NUMBER
                    && e.extn_id != oids::EXT_AUTHORITY_KEY_ID)
        })
    }

    /// The revoked certificates.
    pub fn revoked(&self) -> &[RevokedEntry] {
        &self.entries
    }

    /// The entry for a serial number (uppercase hex), if listed.
    pub fn entry(&self, serial: &str) -> Option<&RevokedEntry> {
        self.by_serial.get(serial).map(|&i| &self.entries[i])
    }

    /// Whether `issuer`'s key signed this CRL (and its name matches, and its key usage, if
    /// stated, allows cRLSign).
    pub fn is_signed_by(&self, issuer: &Certificate, algorithms: &Algorithms) -> bool {
        let tbs = issuer.tbs_certificate();
        if tbs.subject() != self.issuer_name() {
            return false;
        }
        if crate::cert::key_usage(issuer).is_some_and(|ku| !ku.crl_sign()) {
            return false;
        }
        let key = spki_der(tbs.subject_public_key_info());
        let mut verified = self.verified_keys.lock().unwrap_or_else(|e| e.into_inner());
        if verified.contains(&key) {
            return true;
        }
        let Ok(message) = self.list.tbs_cert_list.to_der() else {
            return false;
        };
        let ok = algorithms
            .verify(
                tbs.subject_public_key_info(),
                &self.list.signature_algorithm,
                None,
                &message,
                self.list.signature.raw_bytes(),
            )
            .is_ok();
        if ok {
            verified.push(key);
        }
        ok
    }

    /// The CRL as DER.
    pub fn to_der(&self) -> Vec<u8> {
        self.list.to_der().unwrap_or_default()
    }
}

/// Revocation status of one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CrlStatus {
    /// Not listed in the current CRL.
    Good {
        /// The CRL that says so.
        evidence: CrlEvidence,
    },
    /// Listed.
    Revoked(RevokedEntry),
    /// Cannot be established.
    Unknown(RevocationUnknown),
}

/// Which CRL established a status.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CrlEvidence {
    /// The CRL's issuer.
    pub issuer: String,
    /// cRLNumber, hex.
    pub number: Option<String>,
    /// thisUpdate.
    pub this_update: Timestamp,
    /// nextUpdate.
    pub next_update: Option<Timestamp>,
    /// Where the CRL was loaded from.
    pub source: String,
}

/// The CRLs a verifier consults.
#[derive(Debug, Clone, Default)]
pub struct CrlStore {
    crls: Vec<Crl>,
}

impl CrlStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a CRL.
    pub fn add(&mut self, crl: Crl) {
        self.crls.push(crl);
    }

    /// Adds the CRLs of a DER or PEM file; returns how many.
    pub fn load_file(&mut self, path: &Path) -> Result<usize, CrlError> {
        let bytes = std::fs::read(path).map_err(|source| CrlError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let crls = Crl::parse_all(&bytes, &path.display().to_string())?;
        let n = crls.len();
        self.crls.extend(crls);
        Ok(n)
    }

    /// The loaded CRLs.
    pub fn crls(&self) -> &[Crl] {
        &self.crls
    }

    /// Whether any CRL names `issuer` as its issuer.
    pub fn has_issuer(&self, issuer: &Name) -> bool {
        self.crls.iter().any(|c| c.issuer_name() == issuer)
    }

    /// The status of `certificate`, issued by `issuer`, at `at`.
    pub fn status(
        &self,
        certificate: &Certificate,
        issuer: &Certificate,
        at: Timestamp,
        algorithms: &Algorithms,
    ) -> CrlStatus {
        self.status_when_signed(certificate, issuer, at, None, algorithms)
    }

    /// As [`CrlStore::status`], for a signature proven to exist at `signed_at` (a verified
    /// time-stamp's genTime): a revocation dated after it does not count. The CRLs must still
    /// be current at `at`, since only a CRL issued after `signed_at` can tell.
    pub fn status_when_signed(
        &self,
        certificate: &Certificate,
        issuer: &Certificate,
        at: Timestamp,
        signed_at: Option<Timestamp>,
        algorithms: &Algorithms,
    ) -> CrlStatus {
        let issuer_name = issuer.tbs_certificate().subject();
        let issuer_text = issuer_name.to_string();
        let named: Vec<&Crl> = self
            .crls
            .iter()
            .filter(|c| c.issuer_name() == issuer_name)
            .collect();
        if named.is_empty() {
            return CrlStatus::Unknown(RevocationUnknown::NoCrl {
                issuer: issuer_text,
            });
        }
        let signed: Vec<&Crl> = named
            .into_iter()
            .filter(|c| c.is_signed_by(issuer, algorithms))
            .collect();
        if signed.is_empty() {
            return CrlStatus::Unknown(RevocationUnknown::CrlSignature {
                issuer: issuer_text,
            });
        }
        let serial = serial_hex(certificate.tbs_certificate().serial_number());
        let newest = signed
            .iter()
            .filter(|c| c.is_complete() && c.this_update() <= at)
            .max_by_key(|c| c.this_update());
        // A listing in any authentic CRL (even an old or delta one) is a revocation, except
        // a certificateHold, which counts only while the newest CRL still lists it.
        if let Some(entry) = signed
            .iter()
            .filter_map(|c| {
                let is_newest = newest.is_some_and(|n| std::ptr::eq(*n, *c));
                c.entry(&serial)
                    .filter(|e| is_newest || e.reason != Some(RevocationReason::CertificateHold))
                    .filter(|e| signed_at.is_none_or(|s| e.date <= s))
            })
            .min_by_key(|e| e.date)
        {
            return CrlStatus::Revoked(entry.clone());
        }
        match newest {
            None => CrlStatus::Unknown(RevocationUnknown::NoUsableCrl {
                issuer: issuer_text,
            }),
            Some(c) => match c.next_update() {
                Some(next_update) if next_update < at => {
                    CrlStatus::Unknown(RevocationUnknown::Stale {
                        issuer: issuer_text,
                        next_update,
                    })
                }
                next_update => CrlStatus::Good {
                    evidence: CrlEvidence {
                        issuer: issuer_text,
                        number: c.number(),
                        this_update: c.this_update(),
                        next_update,
                        source: c.source.clone(),
                    },
                },
            },
        }
    }
}

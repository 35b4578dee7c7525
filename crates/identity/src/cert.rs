//! Facts read out of X.509 certificates: times as [`jiff::Timestamp`], names as text, the
//! IIN and BIN of the holder (`SERIALNUMBER=IIN…`, `OU=BIN…`), serial numbers as hex, key
//! usage, basic constraints, and PEM/DER loading of certificates.
//!
//! Not for: deciding whether a certificate is acceptable (that is [`crate::ecp`]) or making
//! one (that is [`crate::pki`]).

use std::path::Path;

use der::asn1::{Ia5StringRef, PrintableStringRef, Utf8StringRef};
use der::{Decode, Tag, Tagged};
use jiff::Timestamp;
use x509_cert::Certificate;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Time;

use crate::oids;

/// An X.509 time as a timestamp.
pub fn timestamp(t: &Time) -> Timestamp {
    let d = t.to_unix_duration();
    Timestamp::new(d.as_secs() as i64, d.subsec_nanos() as i32).unwrap_or(Timestamp::MAX)
}

/// A timestamp as an X.509 time: UTCTime through 2049, GeneralizedTime from 2050
/// (RFC 5280 §4.1.2.5). Whole seconds; before 1970 is an error.
pub fn x509_time(ts: Timestamp) -> Result<Time, der::Error> {
    let secs = u64::try_from(ts.as_second()).map_err(|_| der::ErrorKind::DateTime)?;
    let dt = der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs))?;
    Ok(if dt.year() < 2050 {
        Time::UtcTime(der::asn1::UtcTime::from_date_time(dt)?)
    } else {
        Time::GeneralTime(der::asn1::GeneralizedTime::from_date_time(dt))
    })
}

/// The value of a name attribute as text (PrintableString, UTF8String, IA5String).
pub(crate) fn attribute_text(value: &der::Any) -> Option<String> {
    match value.tag() {
        Tag::PrintableString => PrintableStringRef::try_from(value)
            .ok()
            .map(|s| s.as_str().to_string()),
        Tag::Utf8String => Utf8StringRef::try_from(value)
            .ok()
            .map(|s| s.as_str().to_string()),
        Tag::Ia5String => Ia5StringRef::try_from(value)
            .ok()
            .map(|s| s.as_str().to_string()),
        _ => None,
    }
}

/// All values of one attribute of a name, as text.
pub fn name_values(name: &Name, oid: der::asn1::ObjectIdentifier) -> Vec<String> {
    name.iter()
        .filter(|atv| atv.oid == oid)
        .filter_map(|atv| attribute_text(&atv.value))
        .collect()
}

/// What the subject's `SERIALNUMBER` attributes say about an IIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubjectIin {
    /// `SERIALNUMBER=IIN` followed by this text (12 digits in a real certificate; not
    /// validated here, so that a mismatch can be reported as found).
    Found(String),
    /// No `SERIALNUMBER` attribute starting with `IIN`.
    Missing,
}

/// The IIN in a certificate subject: `SERIALNUMBER=IIN<12 digits>` (OID 2.5.4.5).
pub fn subject_iin(cert: &Certificate) -> SubjectIin {
    name_values(cert.tbs_certificate().subject(), oids::AT_SERIAL_NUMBER)
        .into_iter()
        .find_map(|v| v.strip_prefix("IIN").map(str::to_string))
        .map_or(SubjectIin::Missing, SubjectIin::Found)
}

/// The BIN of the organisation in a certificate subject: `OU=BIN…` or `SERIALNUMBER=BIN…`.
pub fn subject_bin(cert: &Certificate) -> Option<String> {
    let subject = cert.tbs_certificate().subject();
    [oids::AT_ORGANIZATIONAL_UNIT, oids::AT_SERIAL_NUMBER]
        .into_iter()
        .flat_map(|oid| name_values(subject, oid))
        .find_map(|v| v.strip_prefix("BIN").map(str::to_string))
}

/// A serial number as uppercase hex, as `openssl x509 -serial` prints it.
pub fn serial_hex(serial: &SerialNumber) -> String {
    serial
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// The NCA "key user" OIDs a certificate carries (`1.2.398.3.3.4.…`), from its extended key
/// usage and its certificate policies: NCA writes the holder's kind in either.
pub fn holder_policies(cert: &Certificate) -> Vec<der::asn1::ObjectIdentifier> {
    use x509_cert::ext::pkix::{CertificatePolicies, ExtendedKeyUsage};
    let tbs = cert.tbs_certificate();
    let mut out: Vec<der::asn1::ObjectIdentifier> = vec![];
    if let Ok(Some((_, eku))) = tbs.get_extension::<ExtendedKeyUsage>() {
        out.extend(eku.0);
    }
    if let Ok(Some((_, cp))) = tbs.get_extension::<CertificatePolicies>() {
        out.extend(cp.0.into_iter().map(|p| p.policy_identifier));
    }
    out.retain(|o| oids::is_under(o, &oids::NCA_KEY_USER));
    out
}

/// The role of a legal entity's certificate holder: the NCA "key user" sub-OID under
/// `1.2.398.3.3.4.1.2` (kz-facts §3.3; the test certificates carry it in extendedKeyUsage).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegalRole {
    /// `.1`: the head (first manager, CEO).
    Head,
    /// `.2`: a person with signing right.
    SignRight,
    /// `.3`: a person with the right to sign financial documents.
    SignFinancial,
    /// `.4`: an HR employee.
    Hr,
    /// `.5`: an employee.
    Employee,
    /// `.6` (or below it): the legal entity's information system.
    InformationSystem,
    /// Another sub-OID.
    Other(String),
    /// The legal entity's policy without a role.
    Unstated,
}

impl LegalRole {
    /// The role of one NCA "key user" OID, if it is one under `1.2.398.3.3.4.1.2`.
    pub fn of_oid(oid: &der::asn1::ObjectIdentifier) -> Option<LegalRole> {
        if !oids::is_under(oid, &oids::EKU_NCA_ORGANIZATION) || *oid == oids::EKU_NCA_ORGANIZATION {
            return None;
        }
        Some(match oid {
            o if *o == oids::EKU_NCA_HEAD => LegalRole::Head,
            o if *o == oids::EKU_NCA_SIGN_RIGHT => LegalRole::SignRight,
            o if *o == oids::EKU_NCA_SIGN_FINANCIAL => LegalRole::SignFinancial,
            o if *o == oids::EKU_NCA_HR => LegalRole::Hr,
            o if *o == oids::EKU_NCA_EMPLOYEE => LegalRole::Employee,
            o if oids::is_under(o, &oids::EKU_NCA_INFORMATION_SYSTEM) => {
                LegalRole::InformationSystem
            }
            o => LegalRole::Other(o.to_string()),
        })
    }

    /// The OID the development CA writes for this role (none for `Other` and `Unstated`).
    pub fn oid(&self) -> Option<der::asn1::ObjectIdentifier> {
        match self {
            LegalRole::Head => Some(oids::EKU_NCA_HEAD),
            LegalRole::SignRight => Some(oids::EKU_NCA_SIGN_RIGHT),
            LegalRole::SignFinancial => Some(oids::EKU_NCA_SIGN_FINANCIAL),
            LegalRole::Hr => Some(oids::EKU_NCA_HR),
            LegalRole::Employee => Some(oids::EKU_NCA_EMPLOYEE),
            LegalRole::InformationSystem => Some(oids::EKU_NCA_INFORMATION_SYSTEM),
            LegalRole::Other(_) | LegalRole::Unstated => None,
        }
    }

    /// Whether the holder may sign for the legal entity (its acts, a provider's result): the
    /// head and persons with signing right. Financial signing right is for financial
    /// documents only; HR, plain employees and systems sign nothing in the entity's name.
    pub fn signs_for_entity(&self) -> bool {
        matches!(self, LegalRole::Head | LegalRole::SignRight)
    }

    /// Strongest first, to pick one when a certificate names several roles.
    fn rank(&self) -> u8 {
        match self {
            LegalRole::Head => 0,
            LegalRole::SignRight => 1,
            LegalRole::SignFinancial => 2,
            LegalRole::Hr => 3,
            LegalRole::Employee => 4,
            LegalRole::InformationSystem => 5,
            LegalRole::Other(_) => 6,
            LegalRole::Unstated => 7,
        }
    }
}

/// Whose certificate it is, by NCA's "key user" OIDs and the subject: an individual, or a legal
/// entity (its BIN from `OU=BIN…`/`SERIALNUMBER=BIN…`) and the holder's role.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum KeyHolder {
    /// A private person (`1.2.398.3.3.4.1.1`, no BIN in the subject).
    Individual,
    /// A legal entity (`1.2.398.3.3.4.1.2…`, or a BIN in the subject).
    LegalEntity {
        /// The BIN digits in the subject, if any (not validated here).
        bin: Option<String>,
        /// The holder's role.
        role: LegalRole,
    },
    /// Neither stated.
    Unstated,
}

impl KeyHolder {
    /// Reads the holder of a certificate. A BIN in the subject makes it a legal entity's
    /// whatever the OIDs say (an employee's certificate names both IIN and BIN).
    pub fn of(cert: &Certificate) -> KeyHolder {
        let policies = holder_policies(cert);
        let bin = subject_bin(cert);
        let legal = bin.is_some()
            || policies
                .iter()
                .any(|o| oids::is_under(o, &oids::EKU_NCA_ORGANIZATION));
        if legal {
            let role = policies
                .iter()
                .filter_map(LegalRole::of_oid)
                .min_by_key(LegalRole::rank)
                .unwrap_or(LegalRole::Unstated);
            KeyHolder::LegalEntity { bin, role }
        } else if policies.contains(&oids::EKU_NCA_INDIVIDUAL) {
            KeyHolder::Individual
        } else {
            KeyHolder::Unstated
        }
    }
}

/// What NCA issued a key for: each person gets a pair, a signing key and an authentication
/// key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyPurpose {
    /// keyUsage nonRepudiation (with digitalSignature; NCA adds emailProtection to the EKU):
    /// signs documents (`RSA256_…`, GOST signing keys).
    Signing,
    /// keyUsage digitalSignature + keyEncipherment without nonRepudiation, or the EKU
    /// clientAuth without emailProtection: logs in (`AUTH_…`), signs nothing.
    Authentication,
}

impl KeyPurpose {
    /// The purpose of a certificate's key; `None` when neither shape fits (no keyUsage, or
    /// digitalSignature alone without an NCA EKU).
    pub fn of(cert: &Certificate) -> Option<KeyPurpose> {
        use x509_cert::ext::pkix::ExtendedKeyUsage;
        let eku: Vec<der::asn1::ObjectIdentifier> = cert
            .tbs_certificate()
            .get_extension::<ExtendedKeyUsage>()
            .ok()
            .flatten()
            .map(|(_, e)| e.0)
            .unwrap_or_default();
        let ku = key_usage(cert)?;
        if ku.non_repudiation() {
            Some(KeyPurpose::Signing)
        } else if ku.digital_signature()
            && (ku.key_encipherment()
                || (eku.contains(&oids::EKU_CLIENT_AUTH)
                    && !eku.contains(&oids::EKU_EMAIL_PROTECTION)))
        {
            Some(KeyPurpose::Authentication)
        } else {
            None
        }
    }
}

/// The keyUsage extension, if present and readable.
pub fn key_usage(cert: &Certificate) -> Option<KeyUsage> {
    cert.tbs_certificate()
        .get_extension::<KeyUsage>()
        .ok()
        .flatten()
        .map(|(_, ku)| ku)
}

/// Whether the certificate says it is a CA (basicConstraints cA = TRUE), and its path
/// length constraint.
pub fn ca_constraints(cert: &Certificate) -> Option<Option<u8>> {
    match cert.tbs_certificate().get_extension::<BasicConstraints>() {
        Ok(Some((_, bc))) if bc.ca => Some(bc.path_len_constraint),
        _ => None,
    }
}

/// Extensions this crate understands; any other extension marked critical makes a
/// certificate unusable (RFC 5280 §4.2).
pub(crate) fn unknown_critical_extension(cert: &Certificate) -> Option<String> {
    const KNOWN: [der::asn1::ObjectIdentifier; 10] = [
        oids::EXT_KEY_USAGE,
        oids::EXT_BASIC_CONSTRAINTS,
        oids::EXT_EXT_KEY_USAGE,
        oids::EXT_SUBJECT_KEY_ID,
        oids::EXT_AUTHORITY_KEY_ID,
        oids::EXT_CERT_POLICIES,
        oids::EXT_CRL_DP,
        oids::EXT_AUTHORITY_INFO_ACCESS,
        oids::EXT_SUBJECT_ALT_NAME,
        oids::EXT_CRL_NUMBER,
    ];
    cert.tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
        .find(|e| e.critical && !KNOWN.contains(&e.extn_id))
        .map(|e| e.extn_id.to_string())
}

/// Errors loading certificates.
#[derive(Debug, thiserror::Error)]
pub enum CertLoadError {
    /// Reading a file.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// Not a certificate (or a bundle of them) in PEM or DER.
    #[error("{what}: not an X.509 certificate in PEM or DER: {reason}")]
    Parse {
        /// Where it came from.
        what: String,
        /// Why.
        reason: String,
    },
}

/// Parses one or more certificates: a PEM bundle (`-----BEGIN CERTIFICATE-----` blocks,
/// other blocks ignored) or a single DER certificate.
pub fn parse_certificates(bytes: &[u8], what: &str) -> Result<Vec<Certificate>, CertLoadError> {
    let err = |reason: String| CertLoadError::Parse {
        what: what.to_string(),
        reason,
    };
    if bytes.starts_with(&[0x30]) {
        return Certificate::from_der(bytes)
            .map(|c| vec![c])
            .map_err(|e| err(e.to_string()));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| err(e.to_string()))?;
    let mut certs = Vec::new();
    for block in pem_blocks(text) {
        let (label, der) =
            der::pem::decode_vec(block.as_bytes()).map_err(|e| err(e.to_string()))?;
        if label == "CERTIFICATE" {
            certs.push(Certificate::from_der(&der).map_err(|e| err(e.to_string()))?);
        }
    }
    if certs.is_empty() {
        return Err(err("no CERTIFICATE block".into()));
    }
    Ok(certs)
}

/// Reads certificates from a PEM or DER file.
pub fn read_certificates(path: &Path) -> Result<Vec<Certificate>, CertLoadError> {
    let bytes = std::fs::read(path).map_err(|source| CertLoadError::Io {
        path: path.display().to_string(),
        source,
    })?;
    parse_certificates(&bytes, &path.display().to_string())
}

/// Splits a text into its PEM blocks (each `-----BEGIN …-----` … `-----END …-----`).
pub(crate) fn pem_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim_end();
        if line.starts_with("-----BEGIN ") {
            current = Some(String::new());
        }
        if let Some(block) = current.as_mut() {
            block.push_str(line);
            block.push('\n');
            if line.starts_with("-----END ") {
                blocks.push(current.take().unwrap_or_default());
            }
        }
    }
    blocks
}

/// A certificate as a person reads it, for results and logs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertificateSummary {
    /// Subject distinguished name (RFC 4514 text).
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial number, uppercase hex.
    pub serial: String,
    /// Start of validity.
    pub not_before: Timestamp,
    /// End of validity.
    pub not_after: Timestamp,
    /// Common name, if any.
    pub common_name: Option<String>,
    /// Organisation (`O`), if any.
    pub organization: Option<String>,
    /// IIN from `SERIALNUMBER=IIN…`, if any.
    pub iin: Option<String>,
    /// BIN from `OU=BIN…` or `SERIALNUMBER=BIN…`, if any.
    pub bin: Option<String>,
}

impl CertificateSummary {
    /// Summarises a certificate.
    pub fn of(cert: &Certificate) -> CertificateSummary {
        let tbs = cert.tbs_certificate();
        let first = |oid| name_values(tbs.subject(), oid).into_iter().next();
        CertificateSummary {
            subject: tbs.subject().to_string(),
            issuer: tbs.issuer().to_string(),
            serial: serial_hex(tbs.serial_number()),
            not_before: timestamp(&tbs.validity().not_before),
            not_after: timestamp(&tbs.validity().not_after),
            common_name: first(oids::AT_COMMON_NAME),
            organization: first(oids::AT_ORGANIZATION),
            iin: match subject_iin(cert) {
                SubjectIin::Found(s) => Some(s),
                SubjectIin::Missing => None,
            },
            bin: subject_bin(cert),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_round_trip_and_encoding() {
        let ts: Timestamp = "2026-03-01T10:00:00Z".parse().unwrap();
        let t = x509_time(ts).unwrap();
        assert!(matches!(t, Time::UtcTime(_)));
        assert_eq!(timestamp(&t), ts);
        let late: Timestamp = "2051-01-01T00:00:00Z".parse().unwrap();
        let t = x509_time(late).unwrap();
        assert!(matches!(t, Time::GeneralTime(_)));
        assert_eq!(timestamp(&t), late);
    }

    #[test]
    fn pem_blocks_split() {
        let text = "junk\n-----BEGIN A-----\nAAAA\n-----END A-----\n-----BEGIN B-----\nBB==\n-----END B-----\n";
        let blocks = pem_blocks(text);
        assert_eq!(blocks.len(), 2);
        assert!(blocks[1].contains("BB=="));
    }
}

//! Who a development certificate is for, as the national CA writes it: the subject name
//! (`CN`, `SURNAME`, `SERIALNUMBER=IIN…`, `G`, `O`, `OU=BIN…`, `C=KZ`), key usages, and the
//! extensions of CA and end-entity certificates.
//!
//! Not for: the CA's files and state (see the parent module).

use der::asn1::{ObjectIdentifier, PrintableStringRef, Utf8StringRef};
use der::{Any, Decode, Encode};
use spki::SubjectPublicKeyInfoRef;
use x509_cert::TbsCertificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

pub use crate::cert::LegalRole;
use crate::{Bin, Iin, oids};

/// The holder of a certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Holder {
    /// A person (an applicant): `CN=SURNAME NAME, SURNAME=…, SERIALNUMBER=IIN…, C=KZ, G=…`.
    Citizen {
        /// IIN.
        iin: Iin,
        /// Surname.
        surname: String,
        /// Given name.
        given_name: String,
        /// Patronymic (NCA puts it in `G`), if any.
        patronymic: Option<String>,
    },
    /// A provider's authorised person, an employee with signing right (NCA role
    /// `1.2.398.3.3.4.1.2.2`): as a citizen, plus `O=organisation, OU=BIN…`. The same as
    /// [`Holder::Employee`] with [`LegalRole::SignRight`].
    Staff {
        /// IIN.
        iin: Iin,
        /// Surname.
        surname: String,
        /// Given name.
        given_name: String,
        /// Patronymic, if any.
        patronymic: Option<String>,
        /// BIN of the organisation.
        bin: Bin,
        /// Name of the organisation.
        organization: String,
    },
    /// A person of an organisation in a stated role (head, signing right, HR, employee…): as
    /// [`Holder::Staff`], with the role's NCA "key user" OID.
    Employee {
        /// IIN.
        iin: Iin,
        /// Surname.
        surname: String,
        /// Given name.
        given_name: String,
        /// Patronymic, if any.
        patronymic: Option<String>,
        /// BIN of the organisation.
        bin: Bin,
        /// Name of the organisation.
        organization: String,
        /// The holder's role.
        role: LegalRole,
    },
    /// An organisation's information system (what it signs by itself: receipts, the journal
    /// anchor): `CN=system, O=organisation, OU=BIN…, C=KZ`, role `1.2.398.3.3.4.1.2.6`.
    System {
        /// The system's name.
        name: String,
        /// BIN of the organisation.
        bin: Bin,
        /// Name of the organisation.
        organization: String,
    },
    /// Anything else (a test certificate without an IIN): `CN=…, C=KZ`.
    Other {
        /// Common name.
        common_name: String,
    },
}

impl Holder {
    /// The holder's IIN, if a person.
    pub fn iin(&self) -> Option<Iin> {
        match self {
            Holder::Citizen { iin, .. }
            | Holder::Staff { iin, .. }
            | Holder::Employee { iin, .. } => Some(*iin),
            Holder::System { .. } | Holder::Other { .. } => None,
        }
    }

    /// The organisation's BIN, for staff.
    pub fn bin(&self) -> Option<Bin> {
        match self {
            Holder::Staff { bin, .. }
            | Holder::Employee { bin, .. }
            | Holder::System { bin, .. } => Some(*bin),
            Holder::Citizen { .. } | Holder::Other { .. } => None,
        }
    }

    /// The subject name.
    pub fn name(&self) -> Result<Name, der::Error> {
        let mut attrs: Vec<(ObjectIdentifier, String)> = Vec::new();
        match self {
            Holder::Citizen {
                iin,
                surname,
                given_name,
                patronymic,
            }
            | Holder::Staff {
                iin,
                surname,
                given_name,
                patronymic,
                ..
            }
            | Holder::Employee {
                iin,
                surname,
                given_name,
                patronymic,
                ..
            } => {
                attrs.push((oids::AT_COMMON_NAME, format!("{surname} {given_name}")));
                attrs.push((oids::AT_SURNAME, surname.clone()));
                attrs.push((oids::AT_SERIAL_NUMBER, format!("IIN{iin}")));
                attrs.push((oids::AT_COUNTRY, "KZ".into()));
                if let Some(p) = patronymic {
                    attrs.push((oids::AT_GIVEN_NAME, p.clone()));
                }
                if let Holder::Staff {
                    bin, organization, ..
                }
                | Holder::Employee {
                    bin, organization, ..
                } = self
                {
                    attrs.push((oids::AT_ORGANIZATION, organization.clone()));
                    attrs.push((oids::AT_ORGANIZATIONAL_UNIT, format!("BIN{bin}")));
                }
            }
            Holder::System {
                name,
                bin,
                organization,
            } => {
                attrs.push((oids::AT_COMMON_NAME, name.clone()));
                attrs.push((oids::AT_ORGANIZATION, organization.clone()));
                attrs.push((oids::AT_ORGANIZATIONAL_UNIT, format!("BIN{bin}")));
                attrs.push((oids::AT_COUNTRY, "KZ".into()));
            }
            Holder::Other { common_name } => {
                attrs.push((oids::AT_COMMON_NAME, common_name.clone()));
                attrs.push((oids::AT_COUNTRY, "KZ".into()));
            }
        }
        build_name(&attrs)
    }

    /// The role a legal entity's certificate states, if the holder is one.
    pub fn role(&self) -> Option<LegalRole> {
        match self {
            Holder::Staff { .. } => Some(LegalRole::SignRight),
            Holder::Employee { role, .. } => Some(role.clone()),
            Holder::System { .. } => Some(LegalRole::InformationSystem),
            Holder::Citizen { .. } | Holder::Other { .. } => None,
        }
    }

    /// The extended key usages NCA RK writes (as its test certificates show): emailProtection
    /// on signing keys (nonRepudiation), clientAuth on authentication keys, then the "key
    /// user" OIDs — individual, or legal entity and the holder's role.
    fn extended_key_usage(&self, usages: &[Usage]) -> Vec<ObjectIdentifier> {
        let mut eku = vec![];
        if usages.contains(&Usage::NonRepudiation) {
            // Also what OpenSSL's `cms -verify` (purpose smimesign) wants.
            eku.push(oids::EKU_EMAIL_PROTECTION);
        } else if usages.contains(&Usage::KeyEncipherment) {
            eku.push(oids::EKU_CLIENT_AUTH);
        }
        match self.role() {
            Some(role) => {
                eku.push(oids::EKU_NCA_ORGANIZATION);
                eku.extend(role.oid());
            }
            None if matches!(self, Holder::Citizen { .. }) => eku.push(oids::EKU_NCA_INDIVIDUAL),
            None => {}
        }
        eku
    }
}

/// A name from (attribute, value) pairs, one RDN each, in order. `C` and `SERIALNUMBER` are
/// PrintableString (RFC 5280 App. A), the rest UTF8String.
pub fn build_name(attrs: &[(ObjectIdentifier, String)]) -> Result<Name, der::Error> {
    let mut seq = RdnSequence::default();
    for (oid, value) in attrs {
        let printable = *oid == oids::AT_COUNTRY || *oid == oids::AT_SERIAL_NUMBER;
        let value = if printable {
            Any::encode_from(&PrintableStringRef::new(value)?)?
        } else {
            Any::encode_from(&Utf8StringRef::new(value)?)?
        };
        let mut rdn = RelativeDistinguishedName::default();
        rdn.insert(AttributeTypeAndValue { oid: *oid, value })?;
        seq.push(rdn);
    }
    Name::from_der(&seq.to_der()?)
}

/// A key usage bit an end-entity certificate may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Usage {
    /// digitalSignature.
    DigitalSignature,
    /// nonRepudiation (contentCommitment).
    NonRepudiation,
    /// keyEncipherment.
    KeyEncipherment,
    /// dataEncipherment.
    DataEncipherment,
    /// keyAgreement.
    KeyAgreement,
}

impl Usage {
    /// NCA's SIGN keys: digitalSignature + nonRepudiation.
    pub const SIGN: [Usage; 2] = [Usage::DigitalSignature, Usage::NonRepudiation];
    /// NCA's AUTH keys: digitalSignature + keyEncipherment.
    pub const AUTH: [Usage; 2] = [Usage::DigitalSignature, Usage::KeyEncipherment];

    fn flag(self) -> KeyUsages {
        match self {
            Usage::DigitalSignature => KeyUsages::DigitalSignature,
            Usage::NonRepudiation => KeyUsages::NonRepudiation,
            Usage::KeyEncipherment => KeyUsages::KeyEncipherment,
            Usage::DataEncipherment => KeyUsages::DataEncipherment,
            Usage::KeyAgreement => KeyUsages::KeyAgreement,
        }
    }
}

impl std::str::FromStr for Usage {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "digitalsignature" | "digital_signature" | "ds" => Usage::DigitalSignature,
            "nonrepudiation" | "non_repudiation" | "contentcommitment" | "nr" => {
                Usage::NonRepudiation
            }
            "keyencipherment" | "key_encipherment" | "ke" => Usage::KeyEncipherment,
            "dataencipherment" | "data_encipherment" => Usage::DataEncipherment,
            "keyagreement" | "key_agreement" => Usage::KeyAgreement,
            _ => return Err(format!("unknown key usage {s:?}")),
        })
    }
}

/// What kind of certificate the profile makes.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A CA; `path_len` limits the CAs below it.
    Ca { path_len: Option<u8> },
    /// An end entity with these key usages.
    EndEntity {
        usages: Vec<Usage>,
        eku: Vec<ObjectIdentifier>,
        /// Mark the extended key usage critical (a TSA's, RFC 3161 §2.3).
        eku_critical: bool,
        /// Add id-pkix-ocsp-nocheck (a delegated OCSP responder, RFC 6960 §4.2.2.2.1).
        ocsp_nocheck: bool,
    },
}

/// The builder profile of the development CA.
pub(crate) struct DevProfile {
    pub issuer: Option<Name>,
    pub subject: Name,
    pub kind: Kind,
}

impl DevProfile {
    pub fn end_entity(issuer: Name, holder: &Holder, usages: &[Usage]) -> Result<Self, der::Error> {
        Ok(DevProfile {
            issuer: Some(issuer),
            subject: holder.name()?,
            kind: Kind::EndEntity {
                usages: usages.to_vec(),
                eku: holder.extended_key_usage(usages),
                eku_critical: false,
                ocsp_nocheck: false,
            },
        })
    }

    /// A certificate of a service of the CA (its TSA, its OCSP responder): `CN=…, C=KZ`,
    /// digitalSignature, the one extended key usage `eku`.
    pub fn service(
        issuer: Name,
        common_name: &str,
        eku: ObjectIdentifier,
    ) -> Result<Self, der::Error> {
        let tsa = eku == oids::EKU_TIME_STAMPING;
        Ok(DevProfile {
            issuer: Some(issuer),
            subject: Holder::Other {
                common_name: common_name.to_string(),
            }
            .name()?,
            kind: Kind::EndEntity {
                usages: if tsa {
                    Usage::SIGN.to_vec()
                } else {
                    vec![Usage::DigitalSignature]
                },
                eku: vec![eku],
                eku_critical: tsa,
                ocsp_nocheck: eku == oids::EKU_OCSP_SIGNING,
            },
        })
    }
}

impl BuilderProfile for DevProfile {
    fn get_issuer(&self, subject: &Name) -> Name {
        self.issuer.clone().unwrap_or_else(|| subject.clone())
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let mut exts: Vec<Extension> = Vec::new();
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let issuer_ski = SubjectKeyIdentifier::try_from(issuer_spk)?;
        match &self.kind {
            Kind::Ca { path_len } => {
                exts.push(
                    BasicConstraints {
                        ca: true,
                        path_len_constraint: *path_len,
                    }
                    .to_extension(subject, &exts)?,
                );
                exts.push(
                    KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign)
                        .to_extension(subject, &exts)?,
                );
            }
            Kind::EndEntity {
                usages,
                eku,
                eku_critical,
                ocsp_nocheck,
            } => {
                exts.push(
                    BasicConstraints {
                        ca: false,
                        path_len_constraint: None,
                    }
                    .to_extension(subject, &exts)?,
                );
                if let Some(first) = usages.first() {
                    let flags = usages
                        .iter()
                        .skip(1)
                        .fold(der::flagset::FlagSet::from(first.flag()), |acc, u| {
                            acc | u.flag()
                        });
                    exts.push(KeyUsage(flags).to_extension(subject, &exts)?);
                }
                if !eku.is_empty() {
                    let mut ext = ExtendedKeyUsage(eku.clone()).to_extension(subject, &exts)?;
                    ext.critical = *eku_critical;
                    exts.push(ext);
                }
                if *ocsp_nocheck {
                    exts.push(Extension {
                        extn_id: oids::OCSP_NOCHECK,
                        critical: false,
                        extn_value: der::asn1::OctetString::new(der::asn1::Null.to_der()?)?,
                    });
                }
            }
        }
        exts.push(ski.to_extension(subject, &exts)?);
        exts.push(
            AuthorityKeyIdentifier {
                key_identifier: Some(issuer_ski.0),
                ..Default::default()
            }
            .to_extension(subject, &exts)?,
        );
        Ok(exts)
    }
}

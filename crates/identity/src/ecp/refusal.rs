//! Why a signature is refused: one [`Refusal`] variant per failed check, each with a
//! message in Kazakh, Russian and English and a stable code. Every refusal is, for the
//! portal, the one regulation outcome "refusal because the authenticity of the ЭЦП is not
//! confirmed" ([`Refusal::portal_message`]); the variant says which check failed.
//!
//! Not for: deciding the checks (see [`super::Verifier`]).

use jiff::Timestamp;

use crate::cert::{KeyHolder, LegalRole};
use crate::{Bin, Iin, Lang};

/// What was wrong with the signed content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tampering {
    /// The messageDigest attribute is not the digest of the content.
    DigestMismatch,
    /// The signature value does not verify with the signer's key.
    SignatureInvalid,
    /// The content inside the signature is not the request it came with.
    ContentMismatch,
    /// The contentType attribute differs from the encapsulated content type.
    ContentTypeMismatch,
}

/// Whose certificate it is, by the NCA "key user" policy it carries (`1.2.398.3.3.4.1.1`
/// individual, `1.2.398.3.3.4.1.2…` a legal entity and its employees).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HolderKind {
    /// A private person's certificate.
    Individual,
    /// A legal entity's (or its employee's) certificate.
    Organisation,
    /// Neither policy stated.
    Unstated,
}

impl HolderKind {
    /// The kind of a certificate's holder.
    pub fn of(holder: &KeyHolder) -> HolderKind {
        match holder {
            KeyHolder::Individual => HolderKind::Individual,
            KeyHolder::LegalEntity { .. } => HolderKind::Organisation,
            KeyHolder::Unstated => HolderKind::Unstated,
        }
    }

    fn word(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (HolderKind::Individual, Lang::En) => "an individual's",
            (HolderKind::Individual, Lang::Ru) => "физического лица",
            (HolderKind::Individual, Lang::Kk) => "жеке тұлғаның",
            (HolderKind::Organisation, Lang::En) => "a legal entity's",
            (HolderKind::Organisation, Lang::Ru) => "юридического лица",
            (HolderKind::Organisation, Lang::Kk) => "заңды тұлғаның",
            (HolderKind::Unstated, Lang::En) => "an unstated holder's",
            (HolderKind::Unstated, Lang::Ru) => "неуказанного владельца",
            (HolderKind::Unstated, Lang::Kk) => "иесі көрсетілмеген",
        }
    }
}

impl std::fmt::Display for HolderKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.word(Lang::En))
    }
}

/// The role a legal entity's certificate must have for a purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequiredRole {
    /// The head or a person with signing right (a provider's result).
    SigningRight,
    /// The legal entity's information system (what a system signs by itself).
    InformationSystem,
}

/// A legal entity holder's role, as a genitive phrase ("the certificate of …").
fn role_word(role: &LegalRole, lang: Lang) -> String {
    let fixed = match (role, lang) {
        (LegalRole::Head, Lang::En) => "the head",
        (LegalRole::Head, Lang::Ru) => "первого руководителя",
        (LegalRole::Head, Lang::Kk) => "бірінші басшының",
        (LegalRole::SignRight, Lang::En) => "a person with signing right",
        (LegalRole::SignRight, Lang::Ru) => "лица с правом подписи",
        (LegalRole::SignRight, Lang::Kk) => "қол қою құқығы бар тұлғаның",
        (LegalRole::SignFinancial, Lang::En) => {
            "a person with the right to sign financial documents only"
        }
        (LegalRole::SignFinancial, Lang::Ru) => {
            "лица с правом подписи только финансовых документов"
        }
        (LegalRole::SignFinancial, Lang::Kk) => "тек қаржы құжаттарына қол қою құқығы бар тұлғаның",
        (LegalRole::Hr, Lang::En) => "an HR employee",
        (LegalRole::Hr, Lang::Ru) => "сотрудника отдела кадров",
        (LegalRole::Hr, Lang::Kk) => "кадр бөлімі қызметкерінің",
        (LegalRole::Employee, Lang::En) => "an employee without signing right",
        (LegalRole::Employee, Lang::Ru) => "сотрудника без права подписи",
        (LegalRole::Employee, Lang::Kk) => "қол қою құқығы жоқ қызметкердің",
        (LegalRole::InformationSystem, Lang::En) => "an information system",
        (LegalRole::InformationSystem, Lang::Ru) => "информационной системы",
        (LegalRole::InformationSystem, Lang::Kk) => "ақпараттық жүйенің",
        (LegalRole::Unstated, Lang::En) => "a holder whose role is not stated",
        (LegalRole::Unstated, Lang::Ru) => "владельца без указанной роли",
        (LegalRole::Unstated, Lang::Kk) => "рөлі көрсетілмеген иесінің",
        (LegalRole::Other(_), Lang::En) => "a holder of another role",
        (LegalRole::Other(_), Lang::Ru) => "владельца с иной ролью",
        (LegalRole::Other(_), Lang::Kk) => "басқа рөлдегі иесінің",
    };
    fixed.to_string()
}

/// Why revocation status could not be established.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RevocationUnknown {
    /// No CRL (and no OCSP answer) from this issuer.
    NoCrl {
        /// The issuer whose CRL is missing.
        issuer: String,
    },
    /// The newest CRL is past its nextUpdate: it may not list recent revocations.
    Stale {
        /// The issuer.
        issuer: String,
        /// When a newer CRL was due.
        next_update: Timestamp,
    },
    /// CRLs named this issuer, and none was signed by its key.
    CrlSignature {
        /// The issuer.
        issuer: String,
    },
    /// The CRLs of this issuer are all dated after the verification instant, or use
    /// features not supported here (delta CRLs, issuing distribution points).
    NoUsableCrl {
        /// The issuer.
        issuer: String,
    },
}

/// What is wrong with a signature's RFC 3161 time-stamp token (a token that is present must
/// be valid: it is never silently ignored).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "fault")]
pub enum TimestampFault {
    /// The token is not a readable time-stamp token (CMS SignedData over a TSTInfo).
    Malformed {
        /// What could not be read.
        detail: String,
    },
    /// More than one token on the signer (NCANode treats it as an error too).
    Several {
        /// How many.
        count: usize,
    },
    /// The token's messageImprint is not the hash of this signature's value.
    ImprintMismatch,
    /// The token's own signature does not verify (the token was changed).
    SignatureInvalid,
    /// An algorithm of the token (imprint hash, signature) no plug-in handles.
    UnsupportedAlgorithm {
        /// The algorithm.
        algorithm: String,
    },
    /// The token's signer is not a time-stamping authority: RFC 3161 §2.3 wants the one
    /// extended key usage timeStamping, marked critical.
    NotTsaCertificate {
        /// What the certificate has instead.
        found: String,
    },
    /// The token's signer does not chain to a trusted CA (or its chain is broken).
    TsaNotTrusted {
        /// Why, as the chain check says it.
        detail: String,
    },
    /// The TSA's certificate (or a CA above it) was not valid at the token's genTime.
    TsaNotValid {
        /// The certificate.
        certificate: String,
        /// genTime.
        gen_time: Timestamp,
    },
    /// The TSA's certificate is revoked.
    TsaRevoked {
        /// Serial number, uppercase hex.
        serial: String,
        /// Revocation date.
        date: Timestamp,
    },
    /// The TSA certificate's revocation status cannot be established.
    TsaRevocationUnknown(RevocationUnknown),
    /// genTime is after the verification instant (beyond clock skew).
    InFuture {
        /// genTime.
        gen_time: Timestamp,
        /// The verification instant.
        at: Timestamp,
    },
}

impl std::fmt::Display for TimestampFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl TimestampFault {
    /// The fault in the given language.
    pub fn message(&self, lang: Lang) -> String {
        use TimestampFault as F;
        match (self, lang) {
            (F::Malformed { detail }, Lang::En) => format!("the token cannot be read: {detail}"),
            (F::Malformed { detail }, Lang::Kk) => format!("белгі оқылмайды: {detail}"),
            (F::Malformed { detail }, Lang::Ru) => format!("штамп не читается: {detail}"),
            (F::Several { count }, Lang::En) => {
                format!("the signature carries {count} tokens, one is allowed")
            }
            (F::Several { count }, Lang::Kk) => {
                format!("қолтаңбада {count} белгі бар, біреуіне ғана рұқсат етіледі")
            }
            (F::Several { count }, Lang::Ru) => {
                format!("в подписи {count} штампа, допускается один")
            }
            (F::ImprintMismatch, Lang::En) => {
                "the token was issued for another signature (its imprint differs)".into()
            }
            (F::ImprintMismatch, Lang::Kk) => {
                "белгі басқа қолтаңбаға берілген (хэші сәйкес келмейді)".into()
            }
            (F::ImprintMismatch, Lang::Ru) => {
                "штамп выдан для другой подписи (хэш не совпадает)".into()
            }
            (F::SignatureInvalid, Lang::En) => {
                "the token's signature does not verify: the token was changed".into()
            }
            (F::SignatureInvalid, Lang::Kk) => {
                "белгінің қолтаңбасы расталмайды: белгі өзгертілген".into()
            }
            (F::SignatureInvalid, Lang::Ru) => {
                "подпись штампа не проверяется: штамп изменён".into()
            }
            (F::UnsupportedAlgorithm { algorithm }, Lang::En) => {
                format!("the token uses an unsupported algorithm: {algorithm}")
            }
            (F::UnsupportedAlgorithm { algorithm }, Lang::Kk) => {
                format!("белгі қолдау көрсетілмейтін алгоритмді пайдаланады: {algorithm}")
            }
            (F::UnsupportedAlgorithm { algorithm }, Lang::Ru) => {
                format!("штамп использует неподдерживаемый алгоритм: {algorithm}")
            }
            (F::NotTsaCertificate { found }, Lang::En) => format!(
                "the token's signer is not a time-stamping authority (extended key usage: {found})"
            ),
            (F::NotTsaCertificate { found }, Lang::Kk) => format!(
                "белгіге қол қойған уақыт белгілеу қызметі емес (кеңейтілген кілт қолданылуы: {found})"
            ),
            (F::NotTsaCertificate { found }, Lang::Ru) => format!(
                "штамп подписан не службой меток времени (расширенное использование ключа: {found})"
            ),
            (F::TsaNotTrusted { detail }, Lang::En) => {
                format!("the time-stamping authority is not trusted: {detail}")
            }
            (F::TsaNotTrusted { detail }, Lang::Kk) => {
                format!("уақыт белгілеу қызметіне сенім жоқ: {detail}")
            }
            (F::TsaNotTrusted { detail }, Lang::Ru) => {
                format!("служба меток времени не является доверенной: {detail}")
            }
            (
                F::TsaNotValid {
                    certificate,
                    gen_time,
                },
                Lang::En,
            ) => format!(
                "the certificate {certificate} was not valid at the token's time {gen_time}"
            ),
            (
                F::TsaNotValid {
                    certificate,
                    gen_time,
                },
                Lang::Kk,
            ) => format!("{certificate} сертификаты белгі уақытында ({gen_time}) жарамсыз болған"),
            (
                F::TsaNotValid {
                    certificate,
                    gen_time,
                },
                Lang::Ru,
            ) => format!("сертификат {certificate} не действовал на время штампа {gen_time}"),
            (F::TsaRevoked { serial, date }, Lang::En) => {
                format!("the time-stamping authority's certificate {serial} was revoked at {date}")
            }
            (F::TsaRevoked { serial, date }, Lang::Kk) => format!(
                "уақыт белгілеу қызметінің {serial} сертификаты {date} кері қайтарылып алынған"
            ),
            (F::TsaRevoked { serial, date }, Lang::Ru) => {
                format!("сертификат службы меток времени {serial} отозван {date}")
            }
            (F::TsaRevocationUnknown(why), Lang::En) => format!(
                "the revocation status of the time-stamping authority is unknown: {}",
                why.message(Lang::En)
            ),
            (F::TsaRevocationUnknown(why), Lang::Kk) => format!(
                "уақыт белгілеу қызметі сертификатының кері қайтарылған-қайтарылмағаны белгісіз: {}",
                why.message(Lang::Kk)
            ),
            (F::TsaRevocationUnknown(why), Lang::Ru) => format!(
                "статус отзыва сертификата службы меток времени неизвестен: {}",
                why.message(Lang::Ru)
            ),
            (F::InFuture { gen_time, at }, Lang::En) => {
                format!("the token's time {gen_time} is in the future of {at}")
            }
            (F::InFuture { gen_time, at }, Lang::Kk) => {
                format!("белгі уақыты {gen_time} тексеру уақытынан ({at}) кейін")
            }
            (F::InFuture { gen_time, at }, Lang::Ru) => {
                format!("время штампа {gen_time} позже момента проверки {at}")
            }
        }
    }
}

/// A refused signature. `Display` is the English message.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "refusal")]
pub enum Refusal {
    /// The input is not a readable CMS SignedData (or lacks what is needed).
    #[error("the signature is not a readable CMS (PKCS#7) signed message: {detail}")]
    Malformed {
        /// What could not be read.
        detail: String,
    },
    /// An algorithm (signature, digest or key) no plug-in handles.
    #[error("the signature uses an unsupported algorithm: {algorithm}")]
    UnsupportedAlgorithm {
        /// The algorithm, as an OID or a description.
        algorithm: String,
    },
    /// The signature does not match the content: the content was changed after signing.
    #[error(
        "the signature does not match the signed content ({reason:?}): the content was changed after signing"
    )]
    BadSignature {
        /// Which check failed.
        reason: Tampering,
    },
    /// No trusted CA issued the certificate (or the chain to one cannot be built).
    #[error(
        "the certificate was not issued by a trusted certification authority (issuer: {issuer})"
    )]
    UnknownIssuer {
        /// The issuer name that no trusted or supplied CA certificate matches.
        issuer: String,
    },
    /// A certificate in the chain bears a signature its issuer's key does not verify.
    #[error("the signature on the certificate {certificate} is not valid under its issuer's key")]
    BadChainSignature {
        /// The certificate whose signature failed.
        certificate: String,
    },
    /// A certificate in the chain breaks a rule of X.509 (an issuer that is not a CA, a
    /// path too long, an unknown critical extension).
    #[error("the certificate {certificate} cannot be used: {reason}")]
    Constraint {
        /// The certificate.
        certificate: String,
        /// The rule it breaks.
        reason: String,
    },
    /// The signing time is in the future, or older than allowed.
    #[error("the signing time {signing_time} is not plausible at {at}")]
    SigningTime {
        /// The signingTime attribute.
        signing_time: Timestamp,
        /// The verification instant.
        at: Timestamp,
    },
    /// A certificate had expired at the signing time.
    #[error("the certificate {certificate} expired at {not_after} (checked at {at})")]
    Expired {
        /// The certificate.
        certificate: String,
        /// End of its validity.
        not_after: Timestamp,
        /// The instant it was checked at.
        at: Timestamp,
    },
    /// A certificate was not yet valid at the signing time.
    #[error("the certificate {certificate} is valid only from {not_before} (checked at {at})")]
    NotYetValid {
        /// The certificate.
        certificate: String,
        /// Start of its validity.
        not_before: Timestamp,
        /// The instant it was checked at.
        at: Timestamp,
    },
    /// The certificate is revoked.
    #[error("the certificate with serial number {serial} was revoked at {date}")]
    Revoked {
        /// Serial number, uppercase hex.
        serial: String,
        /// Revocation date.
        date: Timestamp,
    },
    /// Revocation status cannot be established (no CRL, a stale CRL, …).
    #[error("the revocation status of the certificate is unknown: {0}")]
    RevocationUnknown(RevocationUnknown),
    /// The IIN in the certificate is not the applicant's.
    #[error("the certificate belongs to IIN {found}, the applicant's IIN is {expected}")]
    IinMismatch {
        /// The applicant's IIN.
        expected: String,
        /// The IIN in the certificate.
        found: String,
    },
    /// The certificate has no `SERIALNUMBER=IIN…` in its subject.
    #[error("the certificate carries no IIN (SERIALNUMBER=IIN… in the subject)")]
    NoIinInCertificate,
    /// The key is not for signing: a request or a result needs nonRepudiation (an NCA
    /// signing key), which authentication keys (digitalSignature + keyEncipherment) lack.
    #[error("the certificate's key is not for signing (key usage: {found})")]
    KeyUsage {
        /// The key usages found, or "none".
        found: String,
    },
    /// The certificate is for another kind of holder (an employee's certificate on a
    /// citizen's own request, a private person's on an organisation's result).
    #[error("{expected} signing certificate is required, this is {found} certificate")]
    HolderKind {
        /// What the purpose needs.
        expected: HolderKind,
        /// What the certificate says.
        found: HolderKind,
    },
    /// The IIN in the certificate breaks a rule of IINs (a CA's test identity, refused by a
    /// production trust store).
    #[error("the IIN {found} in the certificate is not a valid IIN ({rule})")]
    InvalidIin {
        /// The IIN digits.
        found: String,
        /// The rule it breaks (`iin.century_sex`, `iin.check_digit`, …).
        rule: String,
    },
    /// The BIN in the certificate breaks a rule of BINs (a test identity in production).
    #[error("the BIN {found} in the certificate is not a valid BIN ({rule})")]
    InvalidBin {
        /// The BIN digits.
        found: String,
        /// The rule it breaks (`bin.month`, `bin.check_digit`, …).
        rule: String,
    },
    /// The legal entity's certificate is of a holder whose role does not fit: a result needs
    /// the head or a person with signing right; a system's signature an information system.
    #[error("{}", role_message(*required, found, Lang::En))]
    Role {
        /// What the purpose needs.
        required: RequiredRole,
        /// The role the certificate states.
        found: LegalRole,
    },
    /// The organisation's BIN in the certificate is not the one that must sign.
    #[error("the certificate belongs to BIN {found}, the signing organisation's BIN is {expected}")]
    BinMismatch {
        /// The BIN of the organisation that must sign.
        expected: String,
        /// The BIN in the certificate (`none` when it has none).
        found: String,
    },
    /// The signature carries an RFC 3161 time-stamp token that is not valid.
    #[error("the signature's time-stamp token is not valid: {0}")]
    BadTimestamp(TimestampFault),
}

impl std::fmt::Display for RevocationUnknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl RevocationUnknown {
    /// The reason in the given language.
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (RevocationUnknown::NoCrl { issuer }, Lang::En) => {
                format!("no revocation list of {issuer} is loaded")
            }
            (RevocationUnknown::NoCrl { issuer }, Lang::Kk) => {
                format!("{issuer} кері қайтарылған сертификаттар тізімі жүктелмеген")
            }
            (RevocationUnknown::NoCrl { issuer }, Lang::Ru) => {
                format!("список отозванных сертификатов {issuer} не загружен")
            }
            (
                RevocationUnknown::Stale {
                    issuer,
                    next_update,
                },
                Lang::En,
            ) => format!(
                "the revocation list of {issuer} is out of date (a newer one was due at {next_update})"
            ),
            (
                RevocationUnknown::Stale {
                    issuer,
                    next_update,
                },
                Lang::Kk,
            ) => format!(
                "{issuer} кері қайтарылған сертификаттар тізімі ескірген (жаңасы {next_update} шығуы тиіс еді)"
            ),
            (
                RevocationUnknown::Stale {
                    issuer,
                    next_update,
                },
                Lang::Ru,
            ) => format!(
                "список отозванных сертификатов {issuer} устарел (новый ожидался {next_update})"
            ),
            (RevocationUnknown::CrlSignature { issuer }, Lang::En) => {
                format!("the revocation list of {issuer} is not signed by its key")
            }
            (RevocationUnknown::CrlSignature { issuer }, Lang::Kk) => {
                format!("{issuer} кері қайтарылған сертификаттар тізіміндегі қолтаңба жарамсыз")
            }
            (RevocationUnknown::CrlSignature { issuer }, Lang::Ru) => {
                format!("подпись списка отозванных сертификатов {issuer} недействительна")
            }
            (RevocationUnknown::NoUsableCrl { issuer }, Lang::En) => {
                format!("no usable revocation list of {issuer} for this instant")
            }
            (RevocationUnknown::NoUsableCrl { issuer }, Lang::Kk) => {
                format!("осы уақытқа {issuer} жарамды кері қайтарылған сертификаттар тізімі жоқ")
            }
            (RevocationUnknown::NoUsableCrl { issuer }, Lang::Ru) => {
                format!("нет пригодного на этот момент списка отозванных сертификатов {issuer}")
            }
        }
    }
}

impl Refusal {
    /// A stable code for machines (problem+json `rule`), e.g. `ecp.expired`.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::Malformed { .. } => "ecp.malformed",
            Refusal::UnsupportedAlgorithm { .. } => "ecp.unsupported_algorithm",
            Refusal::BadSignature { .. } => "ecp.bad_signature",
            Refusal::UnknownIssuer { .. } => "ecp.unknown_issuer",
            Refusal::BadChainSignature { .. } => "ecp.bad_chain_signature",
            Refusal::Constraint { .. } => "ecp.constraint",
            Refusal::SigningTime { .. } => "ecp.signing_time",
            Refusal::Expired { .. } => "ecp.expired",
            Refusal::NotYetValid { .. } => "ecp.not_yet_valid",
            Refusal::Revoked { .. } => "ecp.revoked",
            Refusal::RevocationUnknown(_) => "ecp.revocation_unknown",
            Refusal::IinMismatch { .. } => "ecp.iin_mismatch",
            Refusal::NoIinInCertificate => "ecp.no_iin",
            Refusal::KeyUsage { .. } => "ecp.key_usage",
            Refusal::HolderKind { .. } => "ecp.holder_kind",
            Refusal::BinMismatch { .. } => "ecp.bin_mismatch",
            Refusal::InvalidIin { .. } => "ecp.invalid_iin",
            Refusal::InvalidBin { .. } => "ecp.invalid_bin",
            Refusal::Role { .. } => "ecp.role",
            Refusal::BadTimestamp(_) => "ecp.bad_timestamp",
        }
    }

    /// The portal's refusal, the same for every variant: the service is refused because the
    /// authenticity of the applicant's ЭЦП is not confirmed (regulations' "process 4").
    pub fn portal_message(lang: Lang) -> &'static str {
        match lang {
            Lang::Kk => "ЭЦҚ түпнұсқалығы расталмауына байланысты қызмет көрсетуден бас тартылды",
            Lang::Ru => {
                "В оказании услуги отказано в связи с тем, что подлинность ЭЦП не подтверждена"
            }
            Lang::En => {
                "The service is refused because the authenticity of the electronic digital \
                 signature (ЭЦП) is not confirmed"
            }
        }
    }

    /// What exactly failed, in the given language (English is the `Display` text).
    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::Kk => self.message_kk(),
            Lang::Ru => self.message_ru(),
        }
    }

    fn message_kk(&self) -> String {
        match self {
            Refusal::InvalidIin { found, .. } => format!(
                "сертификаттағы {found} ЖСН жарамсыз: {}",
                iin_reason(found, Lang::Kk)
            ),
            Refusal::InvalidBin { found, .. } => format!(
                "сертификаттағы {found} БСН жарамсыз: {}",
                bin_reason(found, Lang::Kk)
            ),
            Refusal::Role { required, found } => role_message(*required, found, Lang::Kk),
            Refusal::Malformed { detail } => {
                format!("қолтаңба оқылмайды (CMS/PKCS#7 қол қойылған хабар емес): {detail}")
            }
            Refusal::UnsupportedAlgorithm { algorithm } => {
                format!("қолтаңба алгоритміне қолдау көрсетілмейді: {algorithm}")
            }
            Refusal::BadSignature { .. } => {
                "қолтаңба қол қойылған деректерге сәйкес келмейді: деректер қол қойылғаннан кейін \
                 өзгертілген"
                    .to_string()
            }
            Refusal::UnknownIssuer { issuer } => format!(
                "сертификатты сенім білдірілген куәландырушы орталық бермеген (берген: {issuer})"
            ),
            Refusal::BadChainSignature { certificate } => format!(
                "{certificate} сертификатындағы қолтаңба оны берген орталықтың кілтімен расталмайды"
            ),
            Refusal::Constraint {
                certificate,
                reason,
            } => format!("{certificate} сертификатын пайдалануға болмайды: {reason}"),
            Refusal::SigningTime { signing_time, at } => {
                format!("қол қою уақыты {signing_time} {at} кезінде ақылға сыйымсыз")
            }
            Refusal::Expired {
                certificate,
                not_after,
                at,
            } => format!(
                "{certificate} сертификатының қолданылу мерзімі {not_after} аяқталған (тексеру уақыты {at})"
            ),
            Refusal::NotYetValid {
                certificate,
                not_before,
                at,
            } => format!(
                "{certificate} сертификаты тек {not_before} бастап жарамды (тексеру уақыты {at})"
            ),
            Refusal::Revoked { serial, date } => {
                format!("сериялық нөмірі {serial} сертификат {date} кері қайтарылып алынған")
            }
            Refusal::RevocationUnknown(why) => format!(
                "сертификаттың кері қайтарылып алынған-алынбағаны белгісіз: {}",
                why.message(Lang::Kk)
            ),
            Refusal::IinMismatch { expected, found } => {
                format!("сертификат {found} ЖСН-ге тиесілі, ал өтініш берушінің ЖСН-і {expected}")
            }
            Refusal::NoIinInCertificate => {
                "сертификатта ЖСН жоқ (субъектіде SERIALNUMBER=IIN… жоқ)".to_string()
            }
            Refusal::KeyUsage { found } => {
                format!("сертификаттың кілті қол қоюға арналмаған (кілтті пайдалану: {found})")
            }
            Refusal::HolderKind { expected, found } => format!(
                "{} қол қою сертификаты қажет, бұл {} сертификаты",
                expected.word(Lang::Kk),
                found.word(Lang::Kk)
            ),
            Refusal::BinMismatch { expected, found } => {
                format!("сертификат {found} БСН-ге тиесілі, ал қол қоюшы ұйымның БСН-і {expected}")
            }
            Refusal::BadTimestamp(fault) => format!(
                "қолтаңбаның уақыт белгісі (штамп) жарамсыз: {}",
                fault.message(Lang::Kk)
            ),
        }
    }

    fn message_ru(&self) -> String {
        match self {
            Refusal::InvalidIin { found, .. } => format!(
                "ИИН {found} в сертификате недействителен: {}",
                iin_reason(found, Lang::Ru)
            ),
            Refusal::InvalidBin { found, .. } => format!(
                "БИН {found} в сертификате недействителен: {}",
                bin_reason(found, Lang::Ru)
            ),
            Refusal::Role { required, found } => role_message(*required, found, Lang::Ru),
            Refusal::Malformed { detail } => {
                format!("подпись не читается как подписанное сообщение CMS (PKCS#7): {detail}")
            }
            Refusal::UnsupportedAlgorithm { algorithm } => {
                format!("алгоритм подписи не поддерживается: {algorithm}")
            }
            Refusal::BadSignature { .. } => {
                "подпись не соответствует подписанным данным: данные изменены после подписания"
                    .to_string()
            }
            Refusal::UnknownIssuer { issuer } => format!(
                "сертификат выдан не доверенным удостоверяющим центром (издатель: {issuer})"
            ),
            Refusal::BadChainSignature { certificate } => {
                format!("подпись на сертификате {certificate} не проверяется ключом его издателя")
            }
            Refusal::Constraint {
                certificate,
                reason,
            } => format!("сертификат {certificate} нельзя использовать: {reason}"),
            Refusal::SigningTime { signing_time, at } => {
                format!("время подписания {signing_time} неправдоподобно на момент {at}")
            }
            Refusal::Expired {
                certificate,
                not_after,
                at,
            } => format!(
                "срок действия сертификата {certificate} истёк {not_after} (момент проверки {at})"
            ),
            Refusal::NotYetValid {
                certificate,
                not_before,
                at,
            } => format!(
                "сертификат {certificate} действует только с {not_before} (момент проверки {at})"
            ),
            Refusal::Revoked { serial, date } => {
                format!("сертификат с серийным номером {serial} отозван {date}")
            }
            Refusal::RevocationUnknown(why) => format!(
                "статус отзыва сертификата неизвестен: {}",
                why.message(Lang::Ru)
            ),
            Refusal::IinMismatch { expected, found } => {
                format!("сертификат принадлежит ИИН {found}, а ИИН заявителя {expected}")
            }
            Refusal::NoIinInCertificate => {
                "в сертификате нет ИИН (SERIALNUMBER=IIN… в субъекте)".to_string()
            }
            Refusal::KeyUsage { found } => format!(
                "ключ сертификата не предназначен для подписи (использование ключа: {found})"
            ),
            Refusal::HolderKind { expected, found } => format!(
                "нужен сертификат подписи {}, а это сертификат {}",
                expected.word(Lang::Ru),
                found.word(Lang::Ru)
            ),
            Refusal::BinMismatch { expected, found } => format!(
                "сертификат принадлежит БИН {found}, а БИН подписывающей организации {expected}"
            ),
            Refusal::BadTimestamp(fault) => format!(
                "метка времени (штамп) подписи недействительна: {}",
                fault.message(Lang::Ru)
            ),
        }
    }
}

/// Why an IIN breaks the rules, in words (the rule re-checked from the digits).
fn iin_reason(found: &str, lang: Lang) -> String {
    match Iin::parse(found) {
        Err(e) => e.message(lang),
        Ok(_) => String::new(),
    }
}

/// Why a BIN breaks the rules, in words.
fn bin_reason(found: &str, lang: Lang) -> String {
    match Bin::parse(found) {
        Err(e) => e.message(lang),
        Ok(_) => String::new(),
    }
}

fn role_message(required: RequiredRole, found: &LegalRole, lang: Lang) -> String {
    let found = role_word(found, lang);
    match (required, lang) {
        (RequiredRole::SigningRight, Lang::En) => format!(
            "the organisation's result must be signed with the certificate of its head or of a \
             person with signing right; this is the certificate of {found}"
        ),
        (RequiredRole::SigningRight, Lang::Ru) => format!(
            "результат организации подписывается сертификатом первого руководителя или лица с \
             правом подписи, а это сертификат {found}"
        ),
        (RequiredRole::SigningRight, Lang::Kk) => format!(
            "ұйымның нәтижесіне бірінші басшының немесе қол қою құқығы бар тұлғаның \
             сертификатымен қол қойылады, ал бұл {found} сертификаты"
        ),
        (RequiredRole::InformationSystem, Lang::En) => format!(
            "this must be signed with the certificate of the organisation's information system; \
             this is the certificate of {found}"
        ),
        (RequiredRole::InformationSystem, Lang::Ru) => format!(
            "здесь нужна подпись сертификатом информационной системы организации, а это \
             сертификат {found}"
        ),
        (RequiredRole::InformationSystem, Lang::Kk) => format!(
            "мұнда ұйымның ақпараттық жүйесінің сертификатымен қол қою қажет, ал бұл {found} \
             сертификаты"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_three_messages_and_a_code() {
        let t: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let all = [
            Refusal::Malformed { detail: "x".into() },
            Refusal::UnsupportedAlgorithm {
                algorithm: "1.2.398.3.10.1.1.1.2".into(),
            },
            Refusal::BadSignature {
                reason: Tampering::DigestMismatch,
            },
            Refusal::UnknownIssuer {
                issuer: "CN=X".into(),
            },
            Refusal::BadChainSignature {
                certificate: "CN=X".into(),
            },
            Refusal::Constraint {
                certificate: "CN=X".into(),
                reason: "r".into(),
            },
            Refusal::SigningTime {
                signing_time: t,
                at: t,
            },
            Refusal::Expired {
                certificate: "CN=X".into(),
                not_after: t,
                at: t,
            },
            Refusal::NotYetValid {
                certificate: "CN=X".into(),
                not_before: t,
                at: t,
            },
            Refusal::Revoked {
                serial: "01".into(),
                date: t,
            },
            Refusal::RevocationUnknown(RevocationUnknown::Stale {
                issuer: "CN=CA".into(),
                next_update: t,
            }),
            Refusal::IinMismatch {
                expected: "100515500003".into(),
                found: "000229600004".into(),
            },
            Refusal::NoIinInCertificate,
            Refusal::KeyUsage {
                found: "none".into(),
            },
            Refusal::HolderKind {
                expected: HolderKind::Individual,
                found: HolderKind::Organisation,
            },
            Refusal::BinMismatch {
                expected: "191240000017".into(),
                found: "none".into(),
            },
            Refusal::InvalidIin {
                found: "123456789011".into(),
                rule: "iin.century_sex".into(),
            },
            Refusal::InvalidBin {
                found: "123456789021".into(),
                rule: "bin.month".into(),
            },
            Refusal::Role {
                required: RequiredRole::SigningRight,
                found: LegalRole::Hr,
            },
            Refusal::Role {
                required: RequiredRole::InformationSystem,
                found: LegalRole::Head,
            },
            Refusal::BadTimestamp(TimestampFault::ImprintMismatch),
        ];
        let mut codes = std::collections::HashSet::new();
        for r in &all {
            // The two role refusals share their code; their messages differ.
            assert!(
                codes.insert(r.code()) || r.code() == "ecp.role",
                "duplicate code {}",
                r.code()
            );
            for lang in [Lang::Kk, Lang::Ru, Lang::En] {
                assert!(!r.message(lang).is_empty());
            }
            assert_ne!(r.message(Lang::Kk), r.message(Lang::En));
        }
        assert!(Refusal::portal_message(Lang::Kk).contains("ЭЦҚ түпнұсқалығы расталмауына"));
    }

    #[test]
    fn every_timestamp_fault_is_worded_in_three_languages() {
        let t: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let all = [
            TimestampFault::Malformed { detail: "x".into() },
            TimestampFault::Several { count: 2 },
            TimestampFault::ImprintMismatch,
            TimestampFault::SignatureInvalid,
            TimestampFault::UnsupportedAlgorithm {
                algorithm: "1.2.3".into(),
            },
            TimestampFault::NotTsaCertificate {
                found: "none".into(),
            },
            TimestampFault::TsaNotTrusted {
                detail: "CN=X".into(),
            },
            TimestampFault::TsaNotValid {
                certificate: "CN=TSA".into(),
                gen_time: t,
            },
            TimestampFault::TsaRevoked {
                serial: "0A".into(),
                date: t,
            },
            TimestampFault::TsaRevocationUnknown(RevocationUnknown::NoCrl {
                issuer: "CN=CA".into(),
            }),
            TimestampFault::InFuture { gen_time: t, at: t },
        ];
        for f in &all {
            let texts: Vec<String> = [Lang::Kk, Lang::Ru, Lang::En]
                .iter()
                .map(|l| Refusal::BadTimestamp(f.clone()).message(*l))
                .collect();
            assert!(texts[0] != texts[1] && texts[1] != texts[2] && texts[0] != texts[2]);
            assert!(texts[2].contains(&f.message(Lang::En)));
        }
    }
}

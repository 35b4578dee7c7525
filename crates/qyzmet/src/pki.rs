//! `qyzmet pki …` and `qyzmet verify`: the shell around the `identity` crate's development CA
//! and ЭЦП verification, and the content-hash check of `documents`.
//!
//! * `pki init | issue | revoke | crl` keep a development CA in a directory
//!   ([`identity::pki::DevCa`]: `ca.json`, `ca.cert.pem`, `ca.key.pem`,
//!   `issued/<SERIAL>.{cert,key}.pem`, `crl.{der,pem}`).
//!   `pki issue --p12 OUT` also writes the key and certificates as a PKCS#12 store, as NCA
//!   issues keys; `--staff --role` writes the holder's NCA role (head, sign-right, …).
//! * `pki sign` makes a CMS SignedData over the exact bytes of a file (DER; detached unless
//!   `--attached`), with signed attributes and a signingTime, with a PEM key and certificate or
//!   a `.p12` (`--p12`, password by `--password`, `--password-file` or `QYZMET_P12_PASSWORD`).
//! * `verify --signature` runs [`identity::ecp::Verifier::check`] as the portal does (a CRL of
//!   the signer's CA is then required: pass `--crl`, or `--revocation off` for test material);
//!   accepted exits 0, refused exits 1 with the refusal's message and code. `--iin` is an
//!   applicant's request, `--bin` a provider's result (head or signing right), `--signer-only`
//!   any signer. `--test-identities` trusts a test PKI's identities (NCA's `IIN123456789011`).
//!   `verify --pdf --sha256` checks a document's content hash.
//! * `pki tsa` issues the CA's time-stamping certificate; `pki stamp` adds an RFC 3161 token
//!   made with it to a signature (as NCA's TSA does); `pki ocsp` writes the CA's OCSP answer
//!   about a serial (`verify --ocsp-response` reads it).
//!
//! Every instant is a flag (`--at`, `--not-before`) defaulting to the clock, so that scripts and
//! tests are deterministic. Usage errors (exit 2) name the flag and the rule broken.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Args, Subcommand, ValueEnum};
use identity::ecp::{
    CrlStore, Imprint, Purpose, Refusal, RevocationEvidence, RevocationPolicy, RevocationReason,
    SignError, SignOptions, StaticOcsp, TrustStore, Verified, Verifier, VerifyOptions,
    add_timestamp, sign_cms, timestamp_token,
};
use identity::keys::{KeyAlgorithm, Pkcs12, PrivateKey};
use identity::pki::{
    CaOptions, CertificateRequest, DevCa, Holder, LegalRole, OcspQuery, OcspResponseOptions, Usage,
};
use identity::{Bin, Iin, Lang};
use jiff::{SignedDuration, Span, Timestamp};

/// `qyzmet pki …`.
#[derive(Subcommand)]
pub enum PkiCommand {
    /// Create a development CA (self-signed root) in a directory.
    Init {
        /// The CA directory (created; must not hold a CA yet).
        #[arg(long)]
        dir: PathBuf,
        /// The CA's common name.
        #[arg(long, default_value = "qyzmet dev CA")]
        name: String,
        /// The key algorithm.
        #[arg(long, value_enum, default_value_t = Algorithm::P256)]
        algorithm: Algorithm,
        /// Validity in years (calendar years, UTC).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
        years: u16,
        /// Start of validity (default now): an instant, or a date-time in Almaty time.
        #[arg(long, visible_alias = "at", value_name = "TIME", value_parser = parse_time)]
        not_before: Option<Timestamp>,
    },
    /// Issue a citizen's (or, with --staff, an employee's) certificate and a fresh key.
    Issue {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// The holder's IIN (12 digits, valid check digit): SERIALNUMBER=IIN… in the subject.
        #[arg(long, value_parser = parse_iin)]
        iin: Iin,
        /// Surname (SURNAME=…, first word of CN).
        #[arg(long)]
        surname: String,
        /// Given name (second word of CN).
        #[arg(long)]
        given_name: String,
        /// Patronymic (NCA puts it in G).
        #[arg(long)]
        patronymic: Option<String>,
        /// An employee of an organisation: needs --bin and --org (O=…, OU=BIN… in the subject).
        #[arg(long)]
        staff: bool,
        /// The organisation's BIN (with --staff).
        #[arg(long, value_parser = parse_bin)]
        bin: Option<Bin>,
        /// The organisation's name (with --staff).
        #[arg(long)]
        org: Option<String>,
        /// The staff member's role, written as NCA's "key user" OID: head, sign-right (the
        /// default), sign-financial, hr, employee, information-system (with --staff).
        #[arg(long, value_parser = parse_role, requires = "staff")]
        role: Option<LegalRole>,
        /// Also write the key and certificate (with the CA's) as a PKCS#12 store here, as NCA
        /// issues keys (needs --password, --password-file or QYZMET_P12_PASSWORD).
        #[arg(long, value_name = "OUT")]
        p12: Option<PathBuf>,
        #[command(flatten)]
        password: P12Password,
        /// Validity in days from --not-before.
        #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=36_500))]
        days: u32,
        /// Start of validity (default now): an instant, or a date-time in Almaty time.
        #[arg(long, visible_alias = "at", value_name = "TIME", value_parser = parse_time)]
        not_before: Option<Timestamp>,
        /// The key algorithm.
        #[arg(long, value_enum, default_value_t = Algorithm::P256)]
        algorithm: Algorithm,
        /// Key usage: `sign` (digitalSignature, nonRepudiation: NCA's signing key), `auth`
        /// (digitalSignature, keyEncipherment: NCA's authentication key), or a comma-separated
        /// list of bits (digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment,
        /// keyAgreement).
        #[arg(long, default_value = "sign", value_parser = parse_usage)]
        usage: UsageSet,
    },
    /// Record the revocation of an issued certificate (it appears in the next `pki crl`).
    Revoke {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// Serial number as printed by `pki issue` (hex, any case).
        #[arg(long)]
        serial: String,
        /// keyCompromise, cACompromise, affiliationChanged, superseded, cessationOfOperation,
        /// certificateHold, privilegeWithdrawn or unspecified. Default: no reason code.
        #[arg(long, value_parser = parse_reason)]
        reason: Option<RevocationReason>,
        /// Revocation date (default now).
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        at: Option<Timestamp>,
    },
    /// Publish a CRL of everything revoked: writes crl.der and crl.pem in the CA directory.
    Crl {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// nextUpdate, in days after thisUpdate.
        #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=3650))]
        days: u32,
        /// thisUpdate (default now).
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        at: Option<Timestamp>,
    },
    /// Sign the exact bytes of a file: CMS SignedData (DER) with signed attributes.
    Sign {
        /// The signer's private key (PEM: PKCS#8, PKCS#1 or SEC1); or give --p12.
        #[arg(
            long,
            required_unless_present = "p12",
            conflicts_with = "p12",
            requires = "cert"
        )]
        key: Option<PathBuf>,
        /// The signer's certificate (PEM or DER); further certificates in a PEM bundle are
        /// included as the chain.
        #[arg(long, requires = "key")]
        cert: Option<PathBuf>,
        /// A PKCS#12 key store (`.p12`, as NCA RK issues keys): its key signs, its
        /// certificates go into the signature. Needs --password or --password-file.
        #[arg(long, value_name = "FILE")]
        p12: Option<PathBuf>,
        #[command(flatten)]
        password: P12Password,
        /// The content to sign.
        #[arg(long = "in", value_name = "FILE")]
        input: PathBuf,
        /// Where to write the signature (DER).
        #[arg(long, value_name = "SIG")]
        out: PathBuf,
        /// Put the content inside the signature (default: detached).
        #[arg(long)]
        attached: bool,
        /// The signingTime attribute (default now).
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        at: Option<Timestamp>,
    },
    /// Issue the CA's time-stamping certificate (extended key usage timeStamping, critical).
    Tsa(TsaArgs),
    /// Add an RFC 3161 time-stamp token over a signature's value to the signature.
    Stamp {
        /// The TSA's private key (from `pki tsa`).
        #[arg(long)]
        key: PathBuf,
        /// The TSA's certificate.
        #[arg(long)]
        cert: PathBuf,
        /// The signature (CMS, one signer) to stamp.
        #[arg(long = "in", value_name = "SIG")]
        input: PathBuf,
        /// Where to write the stamped signature (DER).
        #[arg(long, value_name = "SIG")]
        out: PathBuf,
        /// genTime (default now).
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        at: Option<Timestamp>,
        /// The TSA policy OID (default NCA RK's RSA-SHA256 policy).
        #[arg(long, default_value = "1.2.398.3.3.2.6.2")]
        policy: String,
        /// The token's serial number.
        #[arg(long, default_value_t = 1)]
        serial: u64,
    },
    /// Write the CA's signed OCSP answer (DER) about one certificate.
    Ocsp {
        /// The CA directory.
        #[arg(long)]
        dir: PathBuf,
        /// Serial number (hex, as `pki issue` printed it).
        #[arg(long)]
        serial: String,
        /// Where to write the response (DER OCSPResponse).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// producedAt and thisUpdate (default now).
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        at: Option<Timestamp>,
        /// nextUpdate, in hours after --at.
        #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..=8760))]
        hours: u32,
    },
}

/// `qyzmet pki tsa|stamp|ocsp`: the CA's time-stamping authority and OCSP answers.
#[derive(Args)]
pub struct TsaArgs {
    /// The CA directory.
    #[arg(long)]
    dir: PathBuf,
    /// The TSA's common name.
    #[arg(long, default_value = "qyzmet dev TSA")]
    name: String,
    /// Validity in days from --not-before.
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=36_500))]
    days: u32,
    /// Start of validity (default now).
    #[arg(long, visible_alias = "at", value_name = "TIME", value_parser = parse_time)]
    not_before: Option<Timestamp>,
    /// The key algorithm.
    #[arg(long, value_enum, default_value_t = Algorithm::P256)]
    algorithm: Algorithm,
}

/// The password of a `.p12`: on the command line, from a file (its first line), or from the
/// environment, so that it need not show in the process list.
#[derive(Args, Clone)]
pub struct P12Password {
    /// The .p12 password (or set QYZMET_P12_PASSWORD).
    #[arg(
        long,
        env = "QYZMET_P12_PASSWORD",
        hide_env_values = true,
        conflicts_with = "password_file"
    )]
    password: Option<String>,
    /// A file whose first line is the .p12 password.
    #[arg(long, value_name = "FILE")]
    password_file: Option<PathBuf>,
}

impl P12Password {
    fn get(&self, flag: &str) -> Result<String> {
        match (&self.password, &self.password_file) {
            (Some(p), _) => Ok(p.clone()),
            (None, Some(f)) => {
                let text = std::fs::read_to_string(f)
                    .with_context(|| format!("--password-file {}: cannot read", f.display()))?;
                Ok(text.lines().next().unwrap_or("").to_string())
            }
            (None, None) => bail!(
                "{flag} needs its password: --password, --password-file, or QYZMET_P12_PASSWORD"
            ),
        }
    }
}

/// `qyzmet verify …`.
#[derive(Args)]
pub struct VerifyArgs {
    /// A CMS SignedData (DER, BER, PEM or base64) to verify as a portal request signature.
    #[arg(
        long,
        value_name = "SIG",
        required_unless_present = "pdf",
        conflicts_with = "pdf"
    )]
    signature: Option<PathBuf>,
    /// The exact request bytes (required for a detached signature; for an attached one they
    /// must equal the content inside).
    #[arg(long, value_name = "FILE", requires = "signature")]
    content: Option<PathBuf>,
    /// The applicant's IIN, which the signer's certificate must carry.
    #[arg(
        long,
        required_unless_present_any = ["signer_only", "pdf", "bin"],
        conflicts_with_all = ["signer_only", "bin"],
        requires = "signature"
    )]
    iin: Option<String>,
    /// A provider's result: the certificate of this organisation's head or of a person with
    /// its signing right.
    #[arg(long, conflicts_with = "signer_only", requires = "signature")]
    bin: Option<String>,
    /// Inspect any signer: every check except the holder's identity and role.
    #[arg(long, requires = "signature")]
    signer_only: bool,
    /// The trusted CAs are a test PKI (NCA RK's test CAs): accept the test identities in their
    /// certificates (IIN123456789011 breaks the IIN rules). Never for production signatures.
    #[arg(long, requires = "signature")]
    test_identities: bool,
    /// Which certificates need a known revocation status: signer (default: the signer's
    /// CRL or OCSP answer), all (every certificate below the trusted CA), or off (none;
    /// for test material whose CRLs are not current at --at).
    #[arg(long, value_enum, default_value_t = Revocation::Signer, requires = "signature")]
    revocation: Revocation,
    /// Trusted CA certificates (PEM bundle or DER); repeat for several files.
    #[arg(
        long,
        value_name = "CA.pem",
        required_unless_present = "pdf",
        requires = "signature"
    )]
    trust: Vec<PathBuf>,
    /// CRLs (DER or PEM); repeat for several. Without a current CRL of the signer's CA the
    /// signature is refused (revocation status unknown), as on the portal.
    #[arg(long, value_name = "CRL", requires = "signature")]
    crl: Vec<PathBuf>,
    /// Stored OCSP responses (DER, e.g. from `pki ocsp` or `openssl ocsp -respout`), asked
    /// before CRLs; repeat for several.
    #[arg(long, value_name = "FILE", requires = "signature")]
    ocsp_response: Vec<PathBuf>,
    /// The verification instant (default now).
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    at: Option<Timestamp>,
    /// Language of the refusal message.
    #[arg(long, default_value = "en", value_parser = lang_arg())]
    lang: Lang,
    /// A document (PDF) to check against its stored content hash (with --sha256).
    #[arg(long, value_name = "FILE", requires = "sha256")]
    pdf: Option<PathBuf>,
    /// The content hash stored when the document was issued (64 hex digits).
    #[arg(long, value_name = "HEX", requires = "pdf", value_parser = parse_sha256)]
    sha256: Option<String>,
}

/// `--revocation`.
#[derive(Clone, Copy, ValueEnum)]
pub enum Revocation {
    /// The signer's status must be known.
    Signer,
    /// Every certificate's below the trust anchor.
    All,
    /// Not checked.
    Off,
}

/// A key algorithm.
#[derive(Clone, Copy, ValueEnum)]
pub enum Algorithm {
    /// ECDSA on NIST P-256 with SHA-256.
    P256,
    /// RSA-2048, PKCS#1 v1.5 with SHA-256.
    Rsa2048,
}

impl From<Algorithm> for KeyAlgorithm {
    fn from(a: Algorithm) -> Self {
        match a {
            Algorithm::P256 => KeyAlgorithm::P256,
            Algorithm::Rsa2048 => KeyAlgorithm::Rsa2048,
        }
    }
}

/// `kk`, `ru` or `en`, listed in `--help`.
fn lang_arg() -> impl TypedValueParser<Value = Lang> {
    PossibleValuesParser::new(Lang::ALL.map(Lang::code))
        .map(|s| Lang::parse(&s).expect("one of the possible values"))
}

/// Key usage bits of a certificate to issue.
#[derive(Clone, Debug)]
pub struct UsageSet(Vec<Usage>);

fn parse_usage(s: &str) -> Result<UsageSet, String> {
    match s {
        "sign" => return Ok(UsageSet(Usage::SIGN.to_vec())),
        "auth" => return Ok(UsageSet(Usage::AUTH.to_vec())),
        _ => {}
    }
    let mut bits = Vec::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let u: Usage = part.parse().map_err(|e| {
            format!(
                "{e}: give sign, auth, or a comma-separated list of digitalSignature, \
                 nonRepudiation, keyEncipherment, dataEncipherment, keyAgreement"
            )
        })?;
        if !bits.contains(&u) {
            bits.push(u);
        }
    }
    if bits.is_empty() {
        return Err("a certificate needs at least one key usage".into());
    }
    Ok(UsageSet(bits))
}

fn parse_role(s: &str) -> Result<LegalRole, String> {
    Ok(match s.trim() {
        "head" => LegalRole::Head,
        "sign-right" => LegalRole::SignRight,
        "sign-financial" => LegalRole::SignFinancial,
        "hr" => LegalRole::Hr,
        "employee" => LegalRole::Employee,
        "information-system" => LegalRole::InformationSystem,
        other => {
            return Err(format!(
                "unknown role {other:?}: one of head, sign-right, sign-financial, hr, employee, \
                 information-system"
            ));
        }
    })
}

fn parse_iin(s: &str) -> Result<Iin, String> {
    Iin::parse(s.trim()).map_err(|e| format!("{e} (rule {})", e.rule()))
}

fn parse_bin(s: &str) -> Result<Bin, String> {
    Bin::parse(s.trim()).map_err(|e| format!("{e} (rule {})", e.rule()))
}

fn parse_reason(s: &str) -> Result<RevocationReason, String> {
    s.parse::<RevocationReason>().map_err(|e| {
        format!(
            "{e}: one of unspecified, keyCompromise, cACompromise, affiliationChanged, \
             superseded, cessationOfOperation, certificateHold, privilegeWithdrawn"
        )
    })
}

fn parse_sha256(s: &str) -> Result<String, String> {
    let t = s.trim();
    if t.len() != 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "a SHA-256 content hash is 64 hexadecimal digits, this is {} characters{}",
            t.chars().count(),
            if t.chars().all(|c| c.is_ascii_hexdigit()) {
                ""
            } else {
                " with non-hex digits"
            }
        ));
    }
    Ok(t.to_ascii_lowercase())
}

/// An instant (`2025-09-01T10:00:00Z`, `…+05:00`), or a civil date-time or date in Almaty
/// time (a date alone is its midnight).
fn parse_time(s: &str) -> Result<Timestamp, String> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    let civil: jiff::civil::DateTime = s
        .parse()
        .or_else(|_| s.parse::<jiff::civil::Date>().map(|d| d.at(0, 0, 0, 0)))
        .map_err(|_| {
            "give an instant like 2025-09-01T10:00:00Z (or +05:00), or a date-time in Almaty \
             time like 2025-09-01T15:00"
                .to_string()
        })?;
    civil
        .to_zoned_datetime(calendar::almaty())
        .map(|z| z.timestamp())
        .map_err(|e| e.to_string())
}

fn now_or(t: Option<Timestamp>) -> Timestamp {
    t.unwrap_or_else(Timestamp::now)
}

fn open_ca(dir: &Path) -> Result<DevCa> {
    if !dir.join("ca.json").is_file() {
        bail!(
            "--dir {}: no CA here (no ca.json); create one with `qyzmet pki init --dir {}`",
            dir.display(),
            dir.display()
        );
    }
    DevCa::open(dir).with_context(|| format!("--dir {}: cannot open the CA", dir.display()))
}

/// Runs `qyzmet pki …`.
pub fn run(command: PkiCommand, out: &mut impl Write) -> Result<ExitCode> {
    match command {
        PkiCommand::Init {
            dir,
            name,
            algorithm,
            years,
            not_before,
        } => {
            let not_before = now_or(not_before);
            let not_after = not_before
                .to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .checked_add(Span::new().years(years))
                .map(|z| z.timestamp())
                .map_err(|e| anyhow!("--years {years}: {e}"))?;
            let options = CaOptions {
                common_name: name,
                algorithm: algorithm.into(),
                not_before,
                not_after,
            };
            let ca =
                DevCa::init(&dir, &options).with_context(|| format!("--dir {}", dir.display()))?;
            let tbs = ca.certificate().tbs_certificate();
            writeln!(out, "CA: {}", tbs.subject())?;
            writeln!(out, "valid: {not_before} .. {not_after}")?;
            writeln!(out, "certificate: {}", ca.certificate_path().display())?;
            writeln!(out, "key: {}", dir.join("ca.key.pem").display())?;
            writeln!(out, "state: {}", dir.join("ca.json").display())?;
        }
        PkiCommand::Issue {
            dir,
            iin,
            surname,
            given_name,
            patronymic,
            staff,
            bin,
            org,
            role,
            p12,
            password,
            days,
            not_before,
            algorithm,
            usage,
        } => {
            let p12_password = match &p12 {
                Some(_) => Some(password.get("--p12")?),
                None => None,
            };
            for (flag, value) in [("--surname", &surname), ("--given-name", &given_name)] {
                if value.trim().is_empty() {
                    bail!("{flag}: a name must not be empty");
                }
            }
            let holder = match (staff, bin, org) {
                (true, Some(bin), Some(organization)) => Holder::Employee {
                    iin,
                    surname,
                    given_name,
                    patronymic,
                    bin,
                    organization,
                    role: role.unwrap_or(LegalRole::SignRight),
                },
                (true, bin, org) => {
                    let missing: Vec<&str> = [("--bin", bin.is_none()), ("--org", org.is_none())]
                        .into_iter()
                        .filter_map(|(flag, absent)| absent.then_some(flag))
                        .collect();
                    bail!(
                        "--staff needs {}: a staff certificate carries the organisation's BIN \
                         (OU=BIN…) and name (O=…)",
                        missing.join(" and ")
                    )
                }
                (false, None, None) => Holder::Citizen {
                    iin,
                    surname,
                    given_name,
                    patronymic,
                },
                (false, _, _) => bail!(
                    "--bin and --org are only for --staff: a citizen's certificate names no \
                     organisation"
                ),
            };
            let not_before = now_or(not_before);
            let not_after = not_before
                .checked_add(SignedDuration::from_hours(24 * i64::from(days)))
                .map_err(|e| anyhow!("--days {days}: {e}"))?;
            let mut ca = open_ca(&dir)?;
            let request = CertificateRequest {
                holder,
                algorithm: algorithm.into(),
                not_before,
                not_after,
                key_usage: usage.0.clone(),
            };
            let issued = ca
                .issue(&request)
                .with_context(|| format!("--dir {}: issuing", dir.display()))?;
            let usages: Vec<String> = usage.0.iter().map(|u| format!("{u:?}")).collect();
            writeln!(out, "serial: {}", issued.serial)?;
            writeln!(
                out,
                "subject: {}",
                issued.certificate.tbs_certificate().subject()
            )?;
            writeln!(out, "valid: {not_before} .. {not_after}")?;
            writeln!(out, "key usage: {}", usages.join(", "))?;
            writeln!(out, "certificate: {}", issued.certificate_path.display())?;
            writeln!(out, "key: {}", issued.key_path.display())?;
            if let (Some(path), Some(pw)) = (p12, p12_password) {
                let name = issued.certificate.tbs_certificate().subject().to_string();
                let store = Pkcs12::new(
                    &issued.key,
                    issued.certificate.clone(),
                    vec![ca.certificate().clone()],
                    Some(name),
                )?;
                store
                    .write_file(&path, &pw)
                    .with_context(|| format!("--p12 {}", path.display()))?;
                writeln!(out, "p12: {}", path.display())?;
            }
        }
        PkiCommand::Revoke {
            dir,
            serial,
            reason,
            at,
        } => {
            let at = now_or(at);
            let mut ca = open_ca(&dir)?;
            ca.revoke(&serial, at, reason)
                .with_context(|| format!("--serial {serial}"))?;
            // The serial as the CA recorded it (canonical hex), not as typed.
            let recorded = ca
                .state()
                .revoked
                .last()
                .map_or(serial, |r| r.serial.clone());
            let reason = reason.map_or("no reason code".to_string(), |r| format!("{r:?}"));
            writeln!(out, "revoked: {recorded} at {at} ({reason})")?;
            writeln!(out, "publish it: qyzmet pki crl --dir {}", dir.display())?;
        }
        PkiCommand::Crl { dir, days, at } => {
            let this_update = now_or(at);
            let next_update = this_update
                .checked_add(SignedDuration::from_hours(24 * i64::from(days)))
                .map_err(|e| anyhow!("--days {days}: {e}"))?;
            let mut ca = open_ca(&dir)?;
            let crl = ca
                .publish_crl(this_update, next_update)
                .with_context(|| format!("--dir {}: publishing the CRL", dir.display()))?;
            writeln!(out, "CRL number: {}", crl.number)?;
            writeln!(out, "thisUpdate: {this_update}")?;
            writeln!(out, "nextUpdate: {next_update}")?;
            writeln!(out, "revoked: {}", ca.state().revoked.len())?;
            writeln!(out, "der: {}", crl.der_path.display())?;
            writeln!(out, "pem: {}", crl.pem_path.display())?;
        }
        PkiCommand::Sign {
            key,
            cert,
            p12,
            password,
            input,
            out: target,
            attached,
            at,
        } => {
            let at = now_or(at);
            let (private, signer, certs, key, cert) = match (p12, key, cert) {
                (Some(p12), _, _) => {
                    let store = Pkcs12::read_file(&p12, &password.get("--p12")?)
                        .with_context(|| format!("--p12 {}", p12.display()))?;
                    let private = store
                        .private_key()
                        .with_context(|| format!("--p12 {}", p12.display()))?;
                    (
                        private,
                        store.certificate().clone(),
                        store.chain().to_vec(),
                        p12.clone(),
                        p12,
                    )
                }
                (None, Some(key), Some(cert)) => {
                    let private = PrivateKey::read_pem_file(&key)
                        .with_context(|| format!("--key {}", key.display()))?;
                    let mut certs = identity::cert::read_certificates(&cert)
                        .with_context(|| format!("--cert {}", cert.display()))?;
                    let signer = certs.remove(0);
                    (private, signer, certs, key, cert)
                }
                _ => bail!("give --p12 FILE, or --key and --cert"),
            };
            let content = std::fs::read(&input)
                .with_context(|| format!("--in {}: cannot read", input.display()))?;
            let options = SignOptions {
                attached,
                signed_attributes: true,
                signing_time: Some(at),
                chain: certs,
            };
            let der = sign_cms(&content, &private, &signer, &options).map_err(|e| match e {
                SignError::KeyMismatch => anyhow!(
                    "--key {} does not belong to --cert {} (their public keys differ)",
                    key.display(),
                    cert.display()
                ),
                e => anyhow!(e),
            })?;
            std::fs::write(&target, &der)
                .with_context(|| format!("--out {}: cannot write", target.display()))?;
            let tbs = signer.tbs_certificate();
            writeln!(
                out,
                "signed: {} ({} bytes), {}",
                input.display(),
                content.len(),
                if attached { "attached" } else { "detached" }
            )?;
            writeln!(out, "signer: {}", tbs.subject())?;
            writeln!(
                out,
                "serial: {}",
                identity::cert::serial_hex(tbs.serial_number())
            )?;
            writeln!(out, "signing time: {at}")?;
            writeln!(out, "signature: {} (DER CMS SignedData)", target.display())?;
        }
        PkiCommand::Tsa(a) => {
            let not_before = now_or(a.not_before);
            let not_after = not_before
                .checked_add(SignedDuration::from_hours(24 * i64::from(a.days)))
                .map_err(|e| anyhow!("--days {}: {e}", a.days))?;
            let mut ca = open_ca(&a.dir)?;
            let issued = ca
                .issue_tsa(&a.name, a.algorithm.into(), not_before, not_after)
                .with_context(|| format!("--dir {}: issuing the TSA", a.dir.display()))?;
            writeln!(out, "serial: {}", issued.serial)?;
            writeln!(
                out,
                "subject: {}",
                issued.certificate.tbs_certificate().subject()
            )?;
            writeln!(out, "valid: {not_before} .. {not_after}")?;
            writeln!(out, "certificate: {}", issued.certificate_path.display())?;
            writeln!(out, "key: {}", issued.key_path.display())?;
        }
        PkiCommand::Stamp {
            key,
            cert,
            input,
            out: target,
            at,
            policy,
            serial,
        } => {
            let at = now_or(at);
            let policy: identity::oids::ObjectIdentifier = policy
                .parse()
                .map_err(|e| anyhow!("--policy {policy}: not an OID ({e})"))?;
            let private = PrivateKey::read_pem_file(&key)
                .with_context(|| format!("--key {}", key.display()))?;
            let tsa = identity::cert::read_certificates(&cert)
                .with_context(|| format!("--cert {}", cert.display()))?
                .remove(0);
            let signature = std::fs::read(&input)
                .with_context(|| format!("--in {}: cannot read", input.display()))?;
            let imprint = Imprint::of_signature(&signature)
                .with_context(|| format!("--in {}", input.display()))?;
            let token = timestamp_token(&imprint, &private, &tsa, at, policy, serial).map_err(
                |e| match e {
                    SignError::KeyMismatch => anyhow!(
                        "--key {} does not belong to --cert {}",
                        key.display(),
                        cert.display()
                    ),
                    e => anyhow!(e),
                },
            )?;
            let stamped = add_timestamp(&signature, &token)
                .with_context(|| format!("--in {}", input.display()))?;
            std::fs::write(&target, &stamped)
                .with_context(|| format!("--out {}: cannot write", target.display()))?;
            writeln!(out, "stamped: {} at {at}", input.display())?;
            writeln!(out, "policy: {policy}")?;
            writeln!(out, "signature: {}", target.display())?;
        }
        PkiCommand::Ocsp {
            dir,
            serial,
            out: target,
            at,
            hours,
        } => {
            let at = now_or(at);
            let next_update = at
                .checked_add(SignedDuration::from_hours(i64::from(hours)))
                .map_err(|e| anyhow!("--hours {hours}: {e}"))?;
            let ca = open_ca(&dir)?;
            let der = ca
                .ocsp_response(
                    OcspQuery::Serial(&serial),
                    &OcspResponseOptions {
                        produced_at: at,
                        next_update: Some(next_update),
                        responder: None,
                    },
                )
                .with_context(|| format!("--serial {serial}"))?;
            std::fs::write(&target, &der)
                .with_context(|| format!("--out {}: cannot write", target.display()))?;
            let state = ca.state();
            let wanted = serial.trim_start_matches('0').to_ascii_uppercase();
            let same = |s: &str| s.trim_start_matches('0') == wanted;
            let status = if let Some(r) = state
                .revoked
                .iter()
                .find(|r| same(&r.serial) && r.date <= at)
            {
                format!("revoked at {}", r.date)
            } else if state.issued.iter().any(|r| same(&r.serial)) {
                "good".to_string()
            } else {
                "unknown (not issued by this CA)".to_string()
            };
            writeln!(out, "status: {status}")?;
            writeln!(out, "thisUpdate: {at}")?;
            writeln!(out, "nextUpdate: {next_update}")?;
            writeln!(out, "response: {}", target.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `qyzmet verify …`: exit 0 when accepted (or the hash matches), 1 when refused.
pub fn verify(args: VerifyArgs, out: &mut impl Write) -> Result<ExitCode> {
    if let Some(pdf) = &args.pdf {
        let expected = args
            .sha256
            .as_deref()
            .context("--pdf needs --sha256, the content hash stored with the document")?;
        let bytes = std::fs::read(pdf).with_context(|| format!("--pdf {}", pdf.display()))?;
        return Ok(if documents::verify(&bytes, expected) {
            writeln!(out, "intact: {} has SHA-256 {expected}", pdf.display())?;
            ExitCode::SUCCESS
        } else {
            writeln!(
                out,
                "changed: {} has SHA-256 {}, the document issued has {expected}",
                pdf.display(),
                documents::content_hash(&bytes)
            )?;
            ExitCode::FAILURE
        });
    }
    let signature_path = args
        .signature
        .as_ref()
        .context("give --signature SIG (or --pdf FILE --sha256 HEX)")?;
    let signature = std::fs::read(signature_path)
        .with_context(|| format!("--signature {}", signature_path.display()))?;
    let content = match &args.content {
        Some(p) => Some(std::fs::read(p).with_context(|| format!("--content {}", p.display()))?),
        None => None,
    };
    let mut trust = if args.test_identities {
        TrustStore::for_tests()
    } else {
        TrustStore::new()
    };
    for p in &args.trust {
        trust
            .load_file(p)
            .with_context(|| format!("--trust {}", p.display()))?;
    }
    let mut crls = CrlStore::new();
    for p in &args.crl {
        crls.load_file(p)
            .with_context(|| format!("--crl {}", p.display()))?;
    }
    let at = now_or(args.at);
    let lang = args.lang;
    let mut verifier = Verifier::new(trust, crls).with_options(VerifyOptions {
        revocation: match args.revocation {
            Revocation::Signer => RevocationPolicy::Signer,
            Revocation::All => RevocationPolicy::All,
            Revocation::Off => RevocationPolicy::Off,
        },
        ..VerifyOptions::default()
    });
    if !args.ocsp_response.is_empty() {
        let mut ocsp = StaticOcsp::new();
        for p in &args.ocsp_response {
            ocsp.load_file(p)
                .with_context(|| format!("--ocsp-response {}", p.display()))?;
        }
        verifier = verifier.with_ocsp(std::sync::Arc::new(ocsp));
    }
    // A test PKI's identities need only be 12 digits; otherwise every IIN/BIN rule holds.
    let iin = match &args.iin {
        Some(s) if args.test_identities => Some(
            Iin::parse_test_identity(s.trim())
                .map_err(|e| anyhow!("--iin {s}: {e} (rule {})", e.rule()))?,
        ),
        Some(s) => Some(parse_iin(s).map_err(|e| anyhow!("--iin {s}: {e}"))?),
        None => None,
    };
    let bin = match &args.bin {
        Some(s) if args.test_identities => Some(
            Bin::parse_test_identity(s.trim())
                .map_err(|e| anyhow!("--bin {s}: {e} (rule {})", e.rule()))?,
        ),
        Some(s) => Some(parse_bin(s).map_err(|e| anyhow!("--bin {s}: {e}"))?),
        None => None,
    };
    let purpose = match (&iin, &bin, args.signer_only) {
        (_, _, true) => Purpose::Any,
        (Some(iin), _, false) => Purpose::Applicant(iin),
        (None, Some(bin), false) => Purpose::Organisation(bin),
        (None, None, false) => {
            bail!("--iin is required (or --bin for a provider's result, --signer-only to inspect)")
        }
    };
    let result = verifier.check(&signature, content.as_deref(), purpose, at);
    match result {
        Ok(v) => {
            print_accepted(&v, out)?;
            Ok(ExitCode::SUCCESS)
        }
        Err(refusal) => {
            print_refused(&refusal, lang, out)?;
            Ok(ExitCode::FAILURE)
        }
    }
}

fn print_accepted(v: &Verified, out: &mut impl Write) -> Result<()> {
    writeln!(out, "accepted")?;
    writeln!(out, "signer: {}", v.signer.subject)?;
    let iin = v
        .iin
        .map(|i| i.to_string())
        .or_else(|| v.signer.iin.clone())
        .unwrap_or_else(|| "none".into());
    writeln!(out, "iin: {iin}")?;
    if let Some(bin) = &v.signer.bin {
        writeln!(out, "bin: {bin}")?;
    }
    if let Some(org) = &v.signer.organization {
        writeln!(out, "organization: {org}")?;
    }
    writeln!(out, "serial: {}", v.signer.serial)?;
    writeln!(out, "issuer: {}", v.signer.issuer)?;
    match v.signing_time {
        // The signer writes signingTime: shown, but validity is judged at `--at`.
        Some(t) => writeln!(
            out,
            "signing time: {t}\nvalidity checked at: {}",
            v.validity_checked_at
        )?,
        None => writeln!(
            out,
            "signing time: none (validity checked at {})",
            v.validity_checked_at
        )?,
    }
    if let Some(ts) = &v.timestamp {
        writeln!(out, "timestamp: {}", ts.gen_time)?;
        writeln!(out, "timestamp authority: {}", ts.tsa.subject)?;
        writeln!(out, "timestamp policy: {}", ts.policy)?;
        writeln!(out, "timestamp serial: {}", ts.serial)?;
    }
    writeln!(out, "algorithm: {}", v.algorithm)?;
    match &v.revocation {
        RevocationEvidence::Crl(e) => writeln!(
            out,
            "revocation: not listed in CRL {} of {} (thisUpdate {}, nextUpdate {})",
            e.number.as_deref().unwrap_or("?"),
            e.source,
            e.this_update,
            e.next_update
                .map_or_else(|| "none".to_string(), |t| t.to_string())
        )?,
        RevocationEvidence::Ocsp { produced_at } => {
            writeln!(out, "revocation: OCSP good, produced at {produced_at}")?
        }
        RevocationEvidence::NotChecked => writeln!(out, "revocation: not checked")?,
    }
    Ok(())
}

fn print_refused(r: &Refusal, lang: Lang, out: &mut impl Write) -> Result<()> {
    writeln!(out, "refused: {}", r.message(lang))?;
    writeln!(out, "code: {}", r.code())?;
    writeln!(out, "portal: {}", Refusal::portal_message(lang))?;
    Ok(())
}

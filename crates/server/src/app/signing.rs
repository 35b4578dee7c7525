//! ЭЦП in the server: the development CA under `<data_dir>/pki/`, the applicant's signature
//! on a portal request, the provider's signature on a result, and the checks behind
//! `/verify`.
//!
//! * [`Pki`] keeps an `identity::pki::DevCa` (created on first start, with a CRL published at
//!   once and re-published whenever the one on disk is not current at the server's clock).
//!   It issues, on demand or at demo-data time, a staff signing certificate for each provider
//!   organisation (`Holder::Staff` with a synthetic BIN and the organisation's name; the key
//!   stays in `pki/issued/`) and a citizen certificate for demo accounts.
//! * [`request_bytes`] defines the exact bytes a portal request's CMS signature covers;
//!   [`verify_request`] checks a signature with `identity::ecp::Verifier` (trust store = the
//!   dev CA, CRL = its published CRL, the applicant's IIN) and, on refusal, writes the one
//!   journal entry (`RequestRefused`: refusal code, request hash, time) and answers the portal's
//!   message in the page language.
//! * [`sign_result`] renders the result (or the motivated refusal) in Kazakh and in Russian,
//!   signs each copy's PDF bytes as a detached CMS SignedData with signingTime and records
//!   `Command::SignResult` (the Russian copy in its `ru`); the journal event is the only
//!   record of the signatures.
//! * [`check_code`] and [`check_upload`] re-render or take a document and check its SHA-256
//!   against the journal's hash of that language's copy (`ResultSigned.sha256`, `ru.sha256`)
//!   and its CMS with `Verifier::check` for the provider's BIN, validity judged at the
//!   journal's instant of signing.
//!
//! Not for: the CMS and X.509 code itself (`identity`), layout (`documents`), deciding what a
//! command does (`engine`).

use crate::AppState;
use crate::accounts::{Account, IssuedDocument, Org, ts};
use crate::i18n::{Lang, Messages};
use crate::problem::Problem;
use axum::http::StatusCode;
use engine::{Actor, Application, Command, Outcome, PlanStep, ResultSignature};
use identity::cert::CertificateSummary;
use identity::ecp::{
    CrlStore, Purpose, Refusal, SignOptions, TrustStore, Verified, Verifier, VerifyOptions,
    sign_cms,
};
use identity::keys::PrivateKey;
use identity::pki::{CaOptions, CertificateRequest, DevCa, Holder, Issued, PkiError};
use identity::x509_cert::Certificate;
use identity::{Bin, Iin};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use utoipa::ToSchema;

/// The directory of the development CA inside the data directory.
pub const PKI_DIR: &str = "pki";

/// The common name of the server's own certificate as an information system.
pub const SYSTEM_NAME: &str = "qyzmet information system";

/// What a portal request's signature is bound to: changing the purpose changes every request.
pub const REQUEST_PURPOSE: &str = "qyzmet/portal-application/v1";

// ---- the development CA --------------------------------------------------------------------

/// The development CA of this server and the keys it issued (all under `<data_dir>/pki/`).
pub struct Pki {
    dir: PathBuf,
    ca: Mutex<DevCa>,
    trust: TrustConfig,
    /// Refused applicant signatures journalled per account (the trust store's gate).
    pub refusals: RefusalLimit,
}

/// The earliest instant certificates made here are valid from: the seed regulations are
/// historical, and a sandbox runs at a date they were in force (`--as-of`).
fn epoch() -> Timestamp {
    "2015-01-01T00:00:00Z".parse().expect("a valid instant")
}

fn years(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * 366 * n)
}

/// Validity of certificates issued here: from the epoch (or earlier, if the clock is) to
/// `years` after the later of the server's clock and the real time.
fn validity(now: Timestamp, n: i64) -> (Timestamp, Timestamp) {
    let real = Timestamp::now();
    let start = epoch().min(now).min(real);
    let end = now
        .max(real)
        .checked_add(years(n))
        .unwrap_or(Timestamp::MAX);
    (start, end)
}

fn fnv(s: &str) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// A synthetic, valid BIN for an organisation id (registered 12/2019, a legal entity's head
/// office), stable across runs.
pub fn synthetic_bin(org: &str) -> Bin {
    let h = fnv(org);
    for i in 0..1000u64 {
        let serial = (h.wrapping_add(i)) % 100_000;
        let first11 = format!("191240{serial:05}");
        let digits: [u8; 11] = first11
            .bytes()
            .map(|b| b - b'0')
            .collect::<Vec<_>>()
            .try_into()
            .expect("11 digits");
        if let Some(k) = identity::iin::check_digit(&digits)
            && let Ok(bin) = Bin::parse(&format!("{first11}{k}"))
        {
            return bin;
        }
    }
    Bin::parse("191240000017").expect("a valid BIN")
}

/// A synthetic, valid IIN for the authorised person of an organisation.
fn synthetic_staff_iin(org: &str) -> Iin {
    let h = fnv(&format!("staff:{org}"));
    let day = jiff::civil::date(1970, 1, 1)
        .checked_add(jiff::Span::new().days((h % 9000) as i64))
        .unwrap_or(jiff::civil::date(1970, 1, 1));
    for i in 0..100u16 {
        let serial = ((h >> 16) as u16).wrapping_add(i) % 10_000;
        if let Ok(iin) = Iin::from_parts(day, identity::Sex::Male, serial) {
            return iin;
        }
    }
    Iin::parse("700101300003").expect("a valid IIN")
}

/// What the server trusts besides its development CA (`qyzmet serve --trust/--crl/
/// --test-identities/--provider-bin`): NCA RK's CAs and CRLs, whether NCA's test identities
/// (IIN123456789011, BIN123456789021: digits that keep no IIN/BIN rule) are accepted, and
/// organisations' real BINs. The default trusts the development CA alone, production rules.
#[derive(Debug, Clone, Default)]
pub struct TrustConfig {
    /// Extra trust anchors (PEM bundles or DER certificates: roots and issuing CAs).
    pub anchors: Vec<PathBuf>,
    /// Extra CRLs (DER or PEM), read at every check so that a replaced file counts at once.
    pub crls: Vec<PathBuf>,
    /// A test PKI: the trust store is `TrustStore::for_tests()`, and accounts' IINs may be
    /// test identities. Never on in production.
    pub test_identities: bool,
    /// Organisation id → its BIN (else [`synthetic_bin`]).
    pub provider_bins: std::collections::BTreeMap<String, Bin>,
}

impl TrustConfig {
    /// Parses `ORG=BIN` (`--provider-bin`): a valid BIN, or any 12 digits with
    /// `test_identities`.
    pub fn parse_provider_bin(s: &str, test_identities: bool) -> Result<(String, Bin), String> {
        let (org, bin) = s
            .split_once('=')
            .ok_or_else(|| format!("--provider-bin `{s}`: expected ORG=BIN"))?;
        let parsed = if test_identities {
            Bin::parse_test_identity(bin.trim())
        } else {
            Bin::parse(bin.trim())
        };
        let bin = parsed.map_err(|e| format!("--provider-bin `{s}`: {e} (rule {})", e.rule()))?;
        Ok((org.trim().to_string(), bin))
    }
}

fn pki_err(e: PkiError) -> Problem {
    Problem::internal(format!("development CA: {e}"))
}

impl Pki {
    /// Opens the CA in `dir`, creating it (and publishing its first CRL) on first start.
    pub fn open_or_init(dir: &Path, now: Timestamp) -> Result<Pki, PkiError> {
        let ca = if dir.join("ca.json").exists() {
            DevCa::open(dir)?
        } else {
            let (nb, na) = validity(now, 20);
            DevCa::init(dir, &CaOptions::development(nb, na))?
        };
        let pki = Pki {
            dir: dir.to_path_buf(),
            ca: Mutex::new(ca),
            trust: TrustConfig::default(),
            refusals: RefusalLimit::default(),
        };
        pki.fresh_crl(now)?;
        Ok(pki)
    }

    /// Trusts `config` besides the development CA; fails naming a file that is not a
    /// certificate or a CRL.
    pub fn with_trust(mut self, config: TrustConfig) -> Result<Pki, String> {
        for path in &config.anchors {
            TrustStore::new()
                .load_file(path)
                .map_err(|e| format!("--trust {}: {e}", path.display()))?;
        }
        for path in &config.crls {
            CrlStore::new()
                .load_file(path)
                .map_err(|e| format!("--crl {}: {e}", path.display()))?;
        }
        self.trust = config;
        Ok(self)
    }

    /// Whether NCA's test identities are accepted (`--test-identities`).
    pub fn test_identities(&self) -> bool {
        self.trust.test_identities
    }

    /// An account's IIN: every rule of [`Iin::parse`], or with `--test-identities` any 12
    /// digits (NCA's test IIN123456789011).
    pub fn parse_iin(&self, s: &str) -> Result<Iin, identity::IinError> {
        match Iin::parse(s) {
            Err(_) if self.trust.test_identities => Iin::parse_test_identity(s),
            r => r,
        }
    }

    /// The BIN of organisation `org`: as configured (`--provider-bin`), else synthetic.
    pub fn org_bin(&self, org: &str) -> Bin {
        self.trust
            .provider_bins
            .get(org)
            .copied()
            .unwrap_or_else(|| synthetic_bin(org))
    }

    fn ca(&self) -> MutexGuard<'_, DevCa> {
        self.ca.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The CA's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `ca.cert.pem`: the trust anchor to give verifiers (and `openssl -CAfile`).
    pub fn ca_certificate_path(&self) -> PathBuf {
        self.dir.join("ca.cert.pem")
    }

    /// Runs `f` on the CA (tests issue certificates with chosen validity and revoke them).
    pub fn with_ca<T>(
        &self,
        f: impl FnOnce(&mut DevCa) -> Result<T, PkiError>,
    ) -> Result<T, PkiError> {
        f(&mut self.ca())
    }

    /// Issues a certificate.
    pub fn issue(&self, request: &CertificateRequest) -> Result<Issued, PkiError> {
        self.ca().issue(request)
    }

    /// Revokes a certificate and publishes a new CRL at once.
    pub fn revoke(&self, serial: &str, at: Timestamp) -> Result<(), PkiError> {
        let mut ca = self.ca();
        ca.revoke(serial, at, None)?;
        publish(&mut ca, at)
    }

    /// Publishes a CRL current at `now`.
    pub fn publish_crl(&self, now: Timestamp) -> Result<(), PkiError> {
        publish(&mut self.ca(), now)
    }

    /// Makes sure `crl.der` is current at `now` (publishing a new one if it is missing, stale,
    /// or dated after `now`, as after a sandbox clock jump).
    fn fresh_crl(&self, now: Timestamp) -> Result<(), PkiError> {
        let path = self.dir.join("crl.der");
        let current = std::fs::read(&path)
            .ok()
            .and_then(|b| identity::ecp::Crl::from_der(&b, "crl.der").ok())
            .is_some_and(|c| c.this_update() <= now && c.next_update().is_some_and(|n| now < n));
        if !current {
            self.publish_crl(now)?;
        }
        Ok(())
    }

    /// How signatures are checked at the server's clock `now`: as by default, except that a
    /// sandbox clock (`--as-of`) behind the real time widens the allowed clock skew by that
    /// much, since signers' computers (NCALayer) write the real time into signingTime.
    pub fn verify_options(&self, now: Timestamp) -> VerifyOptions {
        let defaults = VerifyOptions::default();
        let behind = Timestamp::now().duration_since(now);
        VerifyOptions {
            clock_skew: defaults.clock_skew + behind.max(SignedDuration::ZERO),
            ..defaults
        }
    }

    /// A verifier over the CA certificate and its current CRL, read from the files (so that a
    /// revocation made with `qyzmet pki revoke|crl` counts at once).
    pub fn verifier(&self, now: Timestamp) -> Result<Verifier, Problem> {
        self.fresh_crl(now).map_err(pki_err)?;
        let mut trust = if self.trust.test_identities {
            TrustStore::for_tests()
        } else {
            TrustStore::new()
        };
        trust
            .load_file(&self.ca_certificate_path())
            .map_err(|e| Problem::internal(format!("development CA certificate: {e}")))?;
        for path in &self.trust.anchors {
            trust
                .load_file(path)
                .map_err(|e| Problem::internal(format!("--trust {}: {e}", path.display())))?;
        }
        let mut crls = CrlStore::new();
        crls.load_file(&self.dir.join("crl.der"))
            .map_err(|e| Problem::internal(format!("development CA CRL: {e}")))?;
        for path in &self.trust.crls {
            crls.load_file(path)
                .map_err(|e| Problem::internal(format!("--crl {}: {e}", path.display())))?;
        }
        Ok(Verifier::new(trust, crls).with_options(self.verify_options(now)))
    }

    /// The newest usable signing key and certificate issued here for `wanted` (a BIN or an
    /// IIN): not revoked, valid at `now`, for signing.
    fn find(
        &self,
        ca: &DevCa,
        wanted: &Wanted,
        now: Timestamp,
    ) -> Option<(PrivateKey, Certificate)> {
        let state = ca.state();
        state.issued.iter().rev().find_map(|r| {
            let matches = match wanted {
                Wanted::Org(bin) => r.bin.as_ref() == Some(bin),
                Wanted::Citizen(iin) => r.bin.is_none() && r.iin.as_ref() == Some(iin),
            };
            if !matches || r.ca || r.not_before > now || r.not_after < now {
                return None;
            }
            if state.revoked.iter().any(|x| x.serial == r.serial) {
                return None;
            }
            let cert = ca.issued_certificate(&r.serial).ok()?;
            // Only a signing key (nonRepudiation) signs requests and results.
            let for_signing =
                identity::cert::key_usage(&cert).is_some_and(|ku| ku.non_repudiation());
            if !for_signing
                || ca.certificate().tbs_certificate().subject() != cert.tbs_certificate().issuer()
            {
                return None;
            }
            let key = PrivateKey::read_pem_file(
                &self
                    .dir
                    .join("issued")
                    .join(format!("{}.key.pem", r.serial)),
            )
            .ok()?;
            Some((key, cert))
        })
    }

    /// The signing key and certificate of an organisation's authorised person (issued on
    /// first use).
    pub fn org_signer(
        &self,
        org_id: &str,
        org: Option<&Org>,
        role: &str,
        now: Timestamp,
    ) -> Result<(PrivateKey, Certificate), PkiError> {
        let bin = self.org_bin(org_id);
        let mut ca = self.ca();
        if let Some(found) = self.find(&ca, &Wanted::Org(bin), now) {
            return Ok(found);
        }
        let (nb, na) = validity(now, 10);
        let holder = Holder::Staff {
            iin: synthetic_staff_iin(org_id),
            surname: crate::catalogue::role_name(None, role, Lang::Kk),
            given_name: "(демо)".into(),
            patronymic: None,
            bin,
            organization: org
                .map(|o| o.name_kk.clone())
                .unwrap_or_else(|| org_id.to_string()),
        };
        let issued = ca.issue(&CertificateRequest::signing(holder, nb, na))?;
        Ok((issued.key, issued.certificate))
    }

    /// The server's own signing key and certificate, as an information system (issued on
    /// first use): a holder of its own, neither a person nor the provider's head, so that
    /// what it signs (receipts, journal anchors) can never pass for a person's act — the
    /// checks of applicants' and results' signatures refuse it.
    // TODO(nca): NCA RK's information-system certificate policy OID (the p12 work adds it to
    // `identity::oids`/`Purpose`); until then the holder is `Holder::Other`.
    pub fn system_signer(&self, now: Timestamp) -> Result<(PrivateKey, Certificate), PkiError> {
        let mut ca = self.ca();
        let found = {
            let state = ca.state();
            state
                .issued
                .iter()
                .rev()
                .find(|r| {
                    r.subject.contains(SYSTEM_NAME)
                        && !r.ca
                        && r.not_before <= now
                        && now < r.not_after
                        && !state.revoked.iter().any(|x| x.serial == r.serial)
                })
                .map(|r| r.serial.clone())
        };
        if let Some(serial) = found {
            let cert = ca.issued_certificate(&serial)?;
            let key = PrivateKey::read_pem_file(
                &self.dir.join("issued").join(format!("{serial}.key.pem")),
            )
            .map_err(|e| PkiError::Io {
                path: format!("issued/{serial}.key.pem"),
                source: std::io::Error::other(e.to_string()),
            })?;
            return Ok((key, cert));
        }
        let (nb, na) = validity(now, 10);
        let holder = Holder::Other {
            common_name: SYSTEM_NAME.into(),
        };
        let issued = ca.issue(&CertificateRequest::signing(holder, nb, na))?;
        Ok((issued.key, issued.certificate))
    }

    /// A citizen's signing key and certificate (issued on first use): demo accounts only.
    pub fn citizen_key(
        &self,
        iin: &Iin,
        name: &str,
        now: Timestamp,
    ) -> Result<(PrivateKey, Certificate), PkiError> {
        let mut ca = self.ca();
        if let Some(found) = self.find(&ca, &Wanted::Citizen(*iin), now) {
            return Ok(found);
        }
        let mut words = name.split_whitespace();
        let given = words.next().unwrap_or("ДЕМО").to_string();
        let patronymic = words.next().map(String::from);
        let surname = words
            .next()
            .map(String::from)
            .unwrap_or_else(|| "ДЕМО".into());
        let (nb, na) = validity(now, 5);
        let holder = Holder::Citizen {
            iin: *iin,
            surname: surname.to_uppercase(),
            given_name: given.to_uppercase(),
            patronymic: patronymic.map(|p| p.to_uppercase()),
        };
        let issued = ca.issue(&CertificateRequest::signing(holder, nb, na))?;
        Ok((issued.key, issued.certificate))
    }
}

enum Wanted {
    Org(Bin),
    Citizen(Iin),
}

fn publish(ca: &mut DevCa, now: Timestamp) -> Result<(), PkiError> {
    let this = now
        .checked_sub(SignedDuration::from_hours(1))
        .unwrap_or(now);
    let next = now
        .max(Timestamp::now())
        .checked_add(years(1))
        .unwrap_or(Timestamp::MAX);
    ca.publish_crl(this, next).map(|_| ())
}

/// The role that signs results for an organisation: the one it configures, else the role of
/// the `signs_result` step of the regulations it provides.
pub fn signing_role(ctx: &engine::Ctx, org: &Org) -> Option<String> {
    if let Some(r) = &org.signing_role {
        return Some(r.clone());
    }
    let t = org.provider_type.as_deref()?;
    ctx.regulations()
        .iter()
        .filter(|r| r.providers.iter().any(|p| p.get_ref().id == t))
        .flat_map(|r| r.flows.values())
        .flat_map(|f| f.get_ref().steps.iter())
        .map(|s| s.get_ref())
        .find(|s| s.signs_result)
        .and_then(|s| s.role.clone())
}

/// The roles that may hold an organisation's signature: its provider type's people (not its
/// information systems) in the regulations it provides, sorted.
pub fn signing_roles(ctx: &engine::Ctx, org: &Org) -> Vec<String> {
    let Some(t) = org.provider_type.as_deref() else {
        return vec![];
    };
    let mut roles: Vec<String> = ctx
        .regulations()
        .iter()
        .filter(|r| r.providers.iter().any(|p| p.get_ref().id == t))
        .flat_map(|r| {
            r.roles
                .iter()
                .map(|x| x.get_ref())
                .filter(|x| {
                    x.kind == regulation::RoleKind::Person
                        && r.party_of(&x.id) == Some(engine::Party::Provider)
                })
                .map(|x| x.id.clone())
                .collect::<Vec<_>>()
        })
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// Gives the signature of `org_id`'s results to `role` (None: back to the role the regulations
/// name). The role must be one of the provider's people in the regulations it provides
/// ([`signing_roles`]). The store keeps the engine in line: from then on the signing step of
/// the organisation's files is that role's, in the engine and in the inboxes.
pub fn set_signing_role(st: &AppState, org_id: &str, role: Option<&str>) -> Result<Org, Problem> {
    let mut org = st
        .accounts
        .org(org_id)?
        .ok_or_else(|| Problem::not_found("such organisation"))?;
    if org.kind != "provider" {
        return Err(Problem::invalid(
            "id",
            "signing_role.provider_only",
            "only a provider signs results",
        ));
    }
    let role = role.map(str::trim).filter(|r| !r.is_empty());
    if let Some(r) = role {
        let allowed = signing_roles(&st.ctx, &org);
        if !allowed.iter().any(|a| a == r) {
            return Err(Problem::invalid(
                "role",
                "signing_role.unknown",
                format!(
                    "`{r}` is not a role of this provider's people; one of: {}",
                    allowed.join(", ")
                ),
            ));
        }
    }
    org.signing_role = role.map(String::from);
    st.accounts.upsert_org(&org)?;
    Ok(org)
}

// ---- the applicant's signature on a portal request -----------------------------------------

/// The exact bytes a portal request's CMS signature covers: a JSON object of strings with
/// its keys in ascending order, no whitespace, UTF-8, strings escaped as JSON requires (this
/// is RFC 8785 canonical JSON for an object of strings):
/// `applicant_iin` (the logged-in citizen's IIN), `idempotency_key` (the `Idempotency-Key`
/// header, trimmed), `phone` (only when sent), `provider`, `purpose`
/// ([`REQUEST_PURPOSE`]) and `regulation` — the values exactly as sent.
pub fn request_bytes(
    applicant_iin: &str,
    key: &str,
    regulation: &str,
    provider: &str,
    phone: Option<&str>,
    documents: &[String],
    data: &engine::FormData,
) -> Vec<u8> {
    use serde_json::Value;
    // serde_json's map is ordered by key (no `preserve_order`): ascending, as RFC 8785 sorts.
    let mut m = serde_json::Map::new();
    m.insert("applicant_iin".into(), Value::from(applicant_iin));
    if !data.is_empty() {
        m.insert(
            "data".into(),
            serde_json::to_value(data).unwrap_or(Value::Null),
        );
    }
    if !documents.is_empty() {
        let mut d = documents.to_vec();
        d.sort();
        m.insert(
            "documents".into(),
            Value::Array(d.into_iter().map(Value::from).collect()),
        );
    }
    m.insert("idempotency_key".into(), Value::from(key.trim()));
    if let Some(p) = phone {
        m.insert("phone".into(), Value::from(p));
    }
    m.insert("provider".into(), Value::from(provider));
    m.insert("purpose".into(), Value::from(REQUEST_PURPOSE));
    m.insert("regulation".into(), Value::from(regulation));
    serde_json::to_vec(&m).unwrap_or_default()
}

/// A refused signature as a problem: 422, `rule` = the refusal's code, field `signature`,
/// the portal's refusal and what failed, in the page language.
pub fn refusal_problem(r: &Refusal, l: Lang) -> Problem {
    let detail = format!("{}: {}", Refusal::portal_message(l), r.message(l));
    Problem::invalid("signature", r.code(), detail)
}

/// How a portal request is signed.
#[derive(Debug, Clone)]
pub enum RequestSignature {
    /// A CMS SignedData made by an outside tool (NCALayer, `openssl cms`): DER, PEM or base64.
    Cms(Vec<u8>),
    /// Sign on the server with the account's demo key (demo servers only).
    DemoKey,
}

/// Whether the server offers signing with a demo key to `acc`: citizens on a demo server.
pub fn demo_signing_available(st: &AppState, acc: &Account) -> bool {
    st.config.demo && acc.kind == crate::accounts::Kind::Citizen && acc.iin.is_some()
}

/// Signs `bytes` with the demo key of `acc` (issued on first use).
pub fn demo_sign(st: &AppState, acc: &Account, bytes: &[u8]) -> Result<Vec<u8>, Problem> {
    if !demo_signing_available(st, acc) {
        return Err(Problem::forbidden(
            "signature.demo_unavailable",
            "signing with a demo key is offered on demo servers only",
        ));
    }
    let iin = st
        .pki
        .parse_iin(acc.iin.as_deref().unwrap_or(""))
        .map_err(|e| Problem::internal(e.to_string()))?;
    let now = st.now();
    let (key, cert) = st.pki.citizen_key(&iin, &acc.name, now).map_err(pki_err)?;
    sign_cms(
        bytes,
        &key,
        &cert,
        &SignOptions {
            attached: false,
            signed_attributes: true,
            signing_time: Some(now),
            chain: vec![],
        },
    )
    .map_err(|e| Problem::internal(format!("demo signature: {e}")))
}

/// How many refused signatures of one account are journalled per [`REFUSALS_WINDOW`]; past
/// that a refusal answers 429 and writes nothing, so nobody grows the journal without bound.
pub const REFUSALS_PER_WINDOW: usize = 20;
/// The window of [`REFUSALS_PER_WINDOW`]: an hour.
pub const REFUSALS_WINDOW: SignedDuration = SignedDuration::from_hours(1);

/// Journalled refusals per account in the last window (in memory: a restart forgives, which
/// only bounds the journal's growth rate less tightly).
#[derive(Default)]
pub struct RefusalLimit(Mutex<std::collections::HashMap<i64, Vec<Timestamp>>>);

impl RefusalLimit {
    /// Counts one refusal of `account` at `now` if it is within the limit.
    pub fn admit(&self, account: i64, now: Timestamp) -> bool {
        let mut m = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let from = now.checked_sub(REFUSALS_WINDOW).unwrap_or(Timestamp::MIN);
        // A sandbox clock may jump either way: keep only what is inside the window.
        m.retain(|_, v| {
            v.retain(|t| *t > from && *t <= now);
            !v.is_empty()
        });
        let seen = m.entry(account).or_default();
        if seen.len() >= REFUSALS_PER_WINDOW {
            return false;
        }
        seen.push(now);
        true
    }
}

/// Verifies the applicant's signature over `bytes`: an individual's signing certificate with
/// the account's IIN, valid and not revoked at the server's clock (never at the CMS
/// signingTime, which the signer writes). A refusal is journalled (`Command::RefuseRequest`:
/// code, SHA-256 of the request, time; nothing else) and answered as the portal's refusal in
/// `lang`; past [`REFUSALS_PER_WINDOW`] refusals an hour, 429 and nothing is written.
pub fn verify_request(
    st: &AppState,
    acc: &Account,
    regulation: &str,
    bytes: &[u8],
    signature: &RequestSignature,
    lang: Lang,
) -> Result<Verified, Problem> {
    let cms = match signature {
        RequestSignature::Cms(c) => c.clone(),
        RequestSignature::DemoKey => demo_sign(st, acc, bytes)?,
    };
    let iin = st
        .pki
        .parse_iin(acc.iin.as_deref().unwrap_or(""))
        .map_err(|_| Problem::forbidden("forbidden.not_citizen", "the account has no valid IIN"))?;
    let now = st.now();
    let verifier = st.pki.verifier(now)?;
    match verifier.check(&cms, Some(bytes), Purpose::Applicant(&iin), now) {
        Ok(v) => Ok(v),
        Err(r) => {
            if !st.pki.refusals.admit(acc.id, now) {
                return Err(Problem::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "signature.too_many_refusals",
                    lang.t("sign-too_many_refusals"),
                )
                .field("signature"));
            }
            let sha = crate::accounts::hex(&sha256(bytes));
            let cmd = engine::Command::RefuseRequest {
                application: format!("refused-{sha}"),
                regulation: regulation.to_string(),
                channel: regulation::ChannelId::Portal,
                applicant_iin: iin.as_str().to_string(),
                code: r.code().to_string(),
                request_sha256: sha,
            };
            match st.store.execute(cmd, now) {
                // The same bytes refused before: already in the journal.
                Ok(_)
                | Err(store::StoreError::Rejected(engine::Rejection::AlreadyExists { .. })) => {}
                Err(e) => return Err(Problem::internal(format!("recording the refusal: {e}"))),
            }
            Err(refusal_problem(&r, lang))
        }
    }
}

/// What the journal keeps of an accepted applicant's signature: the signed bytes, their
/// SHA-256 and the CMS.
pub fn applicant_signature(bytes: &[u8], v: &Verified) -> engine::ApplicantSignature {
    engine::ApplicantSignature {
        request: String::from_utf8_lossy(bytes).into_owned(),
        request_sha256: crate::accounts::hex(&sha256(bytes)),
        cms: base64_encode(&v.cms),
    }
}

fn sha256(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(b).to_vec()
}

// ---- the provider's signature on a result --------------------------------------------------

/// The result document the signing step signs: the motivated refusal when the service is
/// being refused, else the result.
pub fn signed_document_id(
    app: &Application,
    plan: &engine::Plan,
    outcome: &Outcome,
) -> Option<String> {
    let refusing =
        matches!(outcome, Outcome::MotivatedRefusal { .. }) || app.refusal_grounds.is_some();
    if refusing {
        plan.refusal.clone()
    } else {
        plan.result.clone()
    }
}

/// How long a result prepared for signing (its copies dated `signed_at`) may be signed: after
/// that the head prepares it again (a document is not dated long before it is recorded).
pub const PREPARED_FOR: SignedDuration = SignedDuration::from_hours(1);

/// The instant copies to sign are dated must be within the current step and not older than
/// [`PREPARED_FOR`]: `signature.stale` otherwise.
pub fn check_signed_at(
    app: &Application,
    at: Timestamp,
    now: Timestamp,
    lang: Lang,
) -> Result<Timestamp, Problem> {
    let oldest = now.checked_sub(PREPARED_FOR).unwrap_or(Timestamp::MIN);
    if at > now || at < oldest.max(app.step_started) {
        return Err(Problem::invalid(
            "signed_at",
            "signature.stale",
            lang.t("sign-result_stale"),
        ));
    }
    Ok(at)
}

/// How the result of a signing step is signed.
#[derive(Debug, Clone)]
pub enum ResultSigning {
    /// The signer's own ЭЦП (NCALayer, or a `.p7s` per copy made by another tool): a CMS
    /// SignedData (DER, PEM or base64) over each copy as [`prepare_result`] rendered it for
    /// `signed_at`.
    Cms {
        signed_at: Timestamp,
        kk: Vec<u8>,
        ru: Vec<u8>,
    },
    /// The organisation's demo key, which the server holds: demo servers only.
    DemoKey,
}

/// The result a signing step signs, in Kazakh and in Russian, dated `at`.
pub struct Prepared {
    /// The result id (the regulation's result, or the motivated refusal).
    pub document: String,
    /// The instant the copies are dated (the journal's `ResultSigned.at` once signed).
    pub at: Timestamp,
    /// The Kazakh original, then the Russian copy.
    pub copies: Vec<(documents::Lang, documents::Rendered)>,
}

/// Renders the result (or the motivated refusal) of `app` as `step` would close it with
/// `outcome`, in Kazakh and in Russian, dated `at`. The bytes are a function of the
/// application, the outcome and `at` alone, so preparing again with the same `at` gives
/// exactly the bytes a signer was given earlier (nothing is kept between the two).
pub fn prepare_result(
    st: &AppState,
    app: &Application,
    actor: &Actor,
    outcome: &Outcome,
    at: Timestamp,
) -> Result<Prepared, Problem> {
    let plan = st
        .ctx
        .plan(&app.regulation, app.version, app.channel)
        .ok_or_else(|| Problem::internal("the application's plan is missing"))?;
    let document = signed_document_id(app, plan, outcome).unwrap_or_else(|| "result".into());
    let grounds = match outcome {
        Outcome::MotivatedRefusal { grounds, .. } => Some(grounds.clone()),
        _ => app.refusal_grounds.clone(),
    };
    let signed = crate::docs::Signed {
        document: document.clone(),
        at,
        role: actor.role.clone(),
        grounds,
    };
    let mut copies = vec![];
    for lang in [documents::Lang::Kk, documents::Lang::Ru] {
        copies.push((lang, crate::docs::render_signed(st, app, &signed, lang)?));
    }
    Ok(Prepared {
        document,
        at,
        copies,
    })
}

/// A refused result signature as a problem: 422, field `signature`, `rule` the refusal's
/// code, what failed in `lang`.
pub fn result_refusal_problem(r: &Refusal, lang: Lang) -> Problem {
    Problem::invalid(
        "signature",
        r.code(),
        format!("{}: {}", lang.t("sign-result_refused"), r.message(lang)),
    )
}

/// Signs the result of `app` at `step` as `signing` says, checks each copy's signature as
/// `/verify` would (the organisation's signing certificate: `Purpose::Organisation` with the
/// provider's BIN, valid and not revoked now) and returns what records it: the `SignResult`
/// command (the Kazakh original's hash and CMS, the Russian copy's in `ru`, dated when the
/// copies were) and both issued documents' records, to run in the same action as the step's
/// completion. A refused signature records nothing and answers [`result_refusal_problem`].
// Each input is distinct (the step, who, what outcome, how signed, when, in which words).
#[allow(clippy::too_many_arguments)]
pub fn sign_result(
    st: &AppState,
    app: &Application,
    step: &PlanStep,
    actor: &Actor,
    outcome: &Outcome,
    signing: &ResultSigning,
    now: Timestamp,
    lang: Lang,
) -> Result<(Command, Vec<store::Record>), Problem> {
    let at = match signing {
        ResultSigning::DemoKey => now,
        ResultSigning::Cms { signed_at, .. } => check_signed_at(app, *signed_at, now, lang)?,
    };
    let prepared = prepare_result(st, app, actor, outcome, at)?;
    let bin = st.pki.org_bin(&actor.org);
    let verifier = st.pki.verifier(now)?;
    let kind = crate::docs::kind_of(st, app, &prepared.document);
    let demo_signer = match signing {
        ResultSigning::DemoKey => {
            if !st.config.demo {
                return Err(Problem::forbidden(
                    "signature.demo_unavailable",
                    "the server signs a result with a key it holds on demo servers only",
                ));
            }
            let org = st.accounts.org(&actor.org)?;
            Some(
                st.pki
                    .org_signer(&actor.org, org.as_ref(), &actor.role, now)
                    .map_err(pki_err)?,
            )
        }
        ResultSigning::Cms { .. } => None,
    };
    let mut records = vec![];
    let mut copies = vec![];
    for (dl, rendered) in prepared.copies {
        let cms = match (signing, &demo_signer) {
            (_, Some((key, cert))) => sign_cms(
                &rendered.pdf,
                key,
                cert,
                &SignOptions {
                    attached: false,
                    signed_attributes: true,
                    signing_time: Some(now),
                    chain: vec![],
                },
            )
            .map_err(|e| Problem::internal(format!("signing the result: {e}")))?,
            (ResultSigning::Cms { kk, ru, .. }, None) => match dl {
                documents::Lang::Ru => ru.clone(),
                _ => kk.clone(),
            },
            (ResultSigning::DemoKey, None) => unreachable!("the demo key is loaded above"),
        };
        // Each signature must verify as /verify checks it, or nothing is recorded.
        let verified = verifier
            .check(&cms, Some(&rendered.pdf), Purpose::Organisation(&bin), now)
            .map_err(|r| match demo_signer {
                Some(_) => Problem::new(
                    StatusCode::CONFLICT,
                    r.code(),
                    format!("the organisation's signing certificate cannot sign: {r}"),
                ),
                None => result_refusal_problem(&r, lang),
            })?;
        records.push(
            IssuedDocument {
                code: rendered.verification_code.clone(),
                application: app.id.clone(),
                kind: kind.code().into(),
                lang: dl.code().into(),
                content_hash: rendered.content_hash.clone(),
                issued_at: ts(at),
            }
            .record(),
        );
        copies.push(engine::SignedCopy {
            sha256: rendered.content_hash,
            cms: base64_encode(&verified.cms),
        });
    }
    let ru = copies.pop();
    let kk = copies
        .pop()
        .ok_or_else(|| Problem::internal("no Kazakh copy"))?;
    Ok((
        Command::SignResult {
            application: app.id.clone(),
            step: step.index,
            actor: actor.clone(),
            document: prepared.document,
            sha256: kk.sha256,
            cms: kk.cms,
            ru,
            signed_at: (at != now).then_some(at),
        },
        records,
    ))
}

// ---- /verify -------------------------------------------------------------------------------

/// Why a signature did not verify.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefusalView {
    /// Stable code (`ecp.revoked`, `ecp.bad_signature`, ...).
    pub code: String,
    /// What failed, in the request's language.
    pub message: String,
}

/// The provider's signature on a document, as checked now.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SignatureCheck {
    /// The CMS verifies over the document, the signer's certificate chains to the trusted
    /// CA, was valid when the journal recorded the signature, is a signing certificate of
    /// the organisation's BIN and is not revoked.
    pub valid: bool,
    /// The document's SHA-256 equals the one the journal recorded with the signature.
    pub content_matches: bool,
    /// The SHA-256 recorded in the journal (`ResultSigned.sha256`).
    pub sha256: String,
    /// The result id the signature is on.
    pub document: String,
    /// When the signature was recorded (the journal's instant).
    #[schema(value_type = String)]
    pub signed_at: Timestamp,
    /// Plan index of the signing step.
    pub step: usize,
    /// The signing role and organisation.
    pub role: String,
    pub organisation: String,
    pub organisation_name: Option<String>,
    /// The signer's certificate (when the CMS could be read and checked).
    #[schema(value_type = Option<Object>)]
    pub signer: Option<CertificateSummary>,
    /// The chain up to the trusted CA.
    #[schema(value_type = Vec<Object>)]
    pub chain: Vec<CertificateSummary>,
    /// The signingTime attribute.
    #[schema(value_type = Option<String>)]
    pub signing_time: Option<Timestamp>,
    pub algorithm: Option<String>,
    /// How revocation was checked.
    #[schema(value_type = Option<Object>)]
    pub revocation: Option<serde_json::Value>,
    /// Why it is not valid, when it is not.
    pub refusal: Option<RefusalView>,
}

/// A document and what its check found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentCheck {
    /// `valid` (signed; content and signature check out), `invalid` (signed, but the content
    /// or the signature does not check out), `unsigned` (issued here, carries no signature:
    /// a receipt, or the Russian copy of a result signed before both copies were).
    pub status: String,
    /// The document as recorded when it was issued (code, application, kind, language,
    /// content hash, date).
    #[serde(flatten)]
    pub document: IssuedDocument,
    /// Where the document's PDF is (for those who may see the application).
    pub pdf_url: String,
    pub signature: Option<SignatureCheck>,
}

fn check_signature(
    st: &AppState,
    sig: &ResultSignature,
    pdf: Option<&[u8]>,
    lang: Lang,
) -> Result<SignatureCheck, Problem> {
    let now = st.now();
    let content_matches = pdf.is_some_and(|p| documents::verify(p, &sig.sha256));
    // Validity at the journal's instant of signing (the server's own record, unlike the
    // CMS signingTime); the signer must be the organisation that signed.
    let bin = st.pki.org_bin(&sig.by.org);
    let verified = match pdf {
        Some(p) => st
            .pki
            .verifier(now)?
            .with_options(VerifyOptions {
                trusted_time: Some(sig.at),
                ..st.pki.verify_options(now)
            })
            .check(
                sig.cms.as_bytes(),
                Some(p),
                Purpose::Organisation(&bin),
                now,
            ),
        None => Err(Refusal::Malformed {
            detail: "the document could not be rendered again".into(),
        }),
    };
    let org = st.accounts.org(&sig.by.org)?;
    let mut out = SignatureCheck {
        valid: false,
        content_matches,
        sha256: sig.sha256.clone(),
        document: sig.document.clone(),
        signed_at: sig.at,
        step: sig.step,
        role: sig.by.role.clone(),
        organisation: sig.by.org.clone(),
        organisation_name: org.map(|o| o.name(lang).to_string()),
        signer: None,
        chain: vec![],
        signing_time: None,
        algorithm: None,
        revocation: None,
        refusal: None,
    };
    match verified {
        Ok(v) => {
            out.valid = content_matches;
            out.signer = Some(v.signer);
            out.chain = v.chain;
            out.signing_time = v.signing_time;
            out.algorithm = Some(v.algorithm.to_string());
            out.revocation = serde_json::to_value(&v.revocation).ok();
            if !content_matches {
                out.refusal = Some(RefusalView {
                    code: "verify.content_mismatch".into(),
                    message: lang.t("verify-content_mismatch").into(),
                });
            }
        }
        Err(r) => {
            out.refusal = Some(RefusalView {
                code: r.code().into(),
                message: r.message(lang),
            });
        }
    }
    Ok(out)
}

fn report(
    doc: IssuedDocument,
    app: &Application,
    signature: Option<SignatureCheck>,
) -> DocumentCheck {
    let status = match &signature {
        Some(s) if s.valid => "valid",
        Some(_) => "invalid",
        None => "unsigned",
    };
    let which = if doc.kind.ends_with("receipt") {
        "receipt"
    } else {
        "result"
    };
    DocumentCheck {
        status: status.into(),
        pdf_url: format!("/api/documents/{}/{which}.pdf?lang={}", app.id, doc.lang),
        document: doc,
        signature,
    }
}

/// The journal's signature on `doc`: the signature of the copy in the document's language
/// (its hash and CMS in place of the Kazakh original's), if that copy was signed and is this
/// document.
fn signature_of(app: &Application, doc: &IssuedDocument) -> Option<ResultSignature> {
    let sig = app.signature.as_ref()?;
    let copy = sig.copy(&doc.lang)?;
    copy.sha256
        .eq_ignore_ascii_case(&doc.content_hash)
        .then(|| ResultSignature {
            sha256: copy.sha256,
            cms: copy.cms,
            ru: None,
            ..sig.clone()
        })
}

/// `GET /verify/{code}`: the document with this code, re-rendered and checked against the
/// journal's signature. `None`: no such code.
pub fn check_code(st: &AppState, code: &str, lang: Lang) -> Result<Option<DocumentCheck>, Problem> {
    let Some(doc) = st.accounts.document(code.trim())? else {
        return Ok(None);
    };
    let Some(app) = st.store.application(&doc.application)? else {
        return Ok(None);
    };
    let signature = match signature_of(&app, &doc) {
        Some(sig) => {
            let dl = if doc.lang == "ru" {
                documents::Lang::Ru
            } else {
                documents::Lang::Kk
            };
            let pdf = crate::docs::render_signature(st, &app, &sig, dl)
                .ok()
                .map(|r| r.pdf);
            Some(check_signature(st, &sig, pdf.as_deref(), lang)?)
        }
        None => None,
    };
    Ok(Some(report(doc, &app, signature)))
}

/// `POST /verify`: a presented PDF. Found by its SHA-256 among the documents issued here; a
/// signed one has its CMS checked over exactly these bytes. Any change (one byte) makes it
/// unknown: 422 `verify.unknown_document`.
pub fn check_upload(st: &AppState, pdf: &[u8], lang: Lang) -> Result<DocumentCheck, Problem> {
    if pdf.is_empty() {
        return Err(Problem::invalid(
            "file",
            "required",
            lang.t("verify-no_file"),
        ));
    }
    let hash = documents::content_hash(pdf);
    let found = st.accounts.document_by_hash(&hash)?;
    let Some((doc, app)) = found.and_then(|d| {
        st.store
            .application(&d.application)
            .ok()
            .flatten()
            .map(|a| (d, a))
    }) else {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "verify.unknown_document",
            lang.t("verify-unknown_document"),
        )
        .field("file"));
    };
    let signature = match signature_of(&app, &doc) {
        Some(sig) => Some(check_signature(st, &sig, Some(pdf), lang)?),
        None => None,
    };
    Ok(report(doc, &app, signature))
}

// ---- small codecs --------------------------------------------------------------------------

pub use crate::encoding::{base64_decode, base64_encode};

/// One part of a `multipart/form-data` body.
#[derive(Debug, Clone)]
pub struct Part {
    pub name: String,
    pub filename: Option<String>,
    pub data: Vec<u8>,
}

/// RFC 2046 §5.1.1: a boundary is 1 to 70 characters. A longer one is refused before parsing
/// (a 200 kB boundary once cost seconds of CPU per request).
pub const MAX_BOUNDARY: usize = 70;

/// Bounds on a `multipart/form-data` body.
#[derive(Debug, Clone, Copy)]
pub struct MultipartLimits {
    /// Parts (fields and files).
    pub parts: usize,
    /// Bytes of one part.
    pub part_bytes: u64,
    /// Bytes of the whole body.
    pub total_bytes: u64,
}

impl MultipartLimits {
    /// `POST /verify`: one PDF and a field or two, under the default 2 MiB body limit.
    pub const VERIFY: MultipartLimits = MultipartLimits {
        parts: 4,
        part_bytes: 2 << 20,
        total_bytes: 2 << 20,
    };
    /// Portal forms: their fields and up to [`crate::uploads::MAX_FILES`] files (each file's
    /// own size is judged by `uploads::check`, which words the refusal).
    pub const FORM: MultipartLimits = MultipartLimits {
        parts: 200 + crate::uploads::MAX_FILES,
        part_bytes: crate::uploads::BODY_LIMIT as u64,
        total_bytes: crate::uploads::BODY_LIMIT as u64,
    };
}

fn multipart_problem(status: StatusCode, detail: impl Into<String>) -> Problem {
    Problem::new(status, "multipart", detail).field("(body)")
}

/// Parses a `multipart/form-data` body (RFC 7578) given its `Content-Type` with `multer`,
/// within `limits`; `Ok(None)` if it is not one. A boundary over [`MAX_BOUNDARY`] or a
/// malformed body is a 400, a body past the limits a 413, both `rule` `multipart`.
pub async fn parse_multipart(
    content_type: &str,
    body: axum::body::Bytes,
    limits: MultipartLimits,
) -> Result<Option<Vec<Part>>, Problem> {
    let Ok(mime) = content_type.trim().parse::<mime::Mime>() else {
        return Ok(None);
    };
    if mime.essence_str() != "multipart/form-data" {
        return Ok(None);
    }
    let boundary = mime
        .get_param(mime::BOUNDARY)
        .map(|b| b.as_str().to_string())
        .unwrap_or_default();
    if boundary.is_empty() || boundary.len() > MAX_BOUNDARY {
        return Err(multipart_problem(
            StatusCode::BAD_REQUEST,
            format!(
                "the multipart boundary must be 1 to {MAX_BOUNDARY} characters (RFC 2046), this one has {}",
                boundary.len()
            ),
        ));
    }
    if body.len() as u64 > limits.total_bytes {
        return Err(multipart_problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is over {} bytes", limits.total_bytes),
        ));
    }
    let constraints = multer::Constraints::new().size_limit(
        multer::SizeLimit::new()
            .whole_stream(limits.total_bytes)
            .per_field(limits.part_bytes),
    );
    let stream = axum::body::Body::from(body).into_data_stream();
    let mut mp = multer::Multipart::with_constraints(stream, boundary, constraints);
    let bad = |e: multer::Error| match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            multipart_problem(StatusCode::PAYLOAD_TOO_LARGE, e.to_string())
        }
        e => multipart_problem(
            StatusCode::BAD_REQUEST,
            format!("malformed multipart/form-data body: {e}"),
        ),
    };
    let mut parts = vec![];
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        if parts.len() == limits.parts {
            return Err(multipart_problem(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("more than {} parts", limits.parts),
            ));
        }
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.file_name().map(str::to_string);
        let data = field.bytes().await.map_err(bad)?.to_vec();
        parts.push(Part {
            name,
            filename,
            data,
        });
    }
    Ok(Some(parts))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--provider-bin`: NCA's test BIN only on a test PKI; the form and the BIN rule named.
    #[test]
    fn provider_bins_parse() {
        let (org, bin) =
            TrustConfig::parse_provider_bin("district_city_leb-1=123456789021", true).unwrap();
        assert_eq!(
            (org.as_str(), bin.as_str()),
            ("district_city_leb-1", "123456789021")
        );
        let e = TrustConfig::parse_provider_bin("x=123456789021", false).unwrap_err();
        assert!(e.contains("rule"), "{e}");
        let e = TrustConfig::parse_provider_bin("123456789021", true).unwrap_err();
        assert!(e.contains("ORG=BIN"), "{e}");
        let b = synthetic_bin("x");
        let (_, parsed) = TrustConfig::parse_provider_bin(&format!("x={b}"), false).unwrap();
        assert_eq!(parsed, b);
    }

    #[test]
    fn base64_round_trips() {
        for n in 0..40usize {
            let data: Vec<u8> = (0..n as u8).map(|b| b.wrapping_mul(37)).collect();
            let e = base64_encode(&data);
            assert_eq!(e.len() % 4, 0);
            assert_eq!(base64_decode(&e).unwrap(), data);
        }
        assert_eq!(base64_encode(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert!(base64_decode("Zm9v!").is_none());
    }

    #[tokio::test]
    async fn multipart_parts() {
        let body: &'static [u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n\x00\r\n--XyZ--\r\n";
        let parse = |ct: &'static str, limits| {
            parse_multipart(ct, axum::body::Bytes::from_static(body), limits)
        };
        let ct = "multipart/form-data; boundary=XyZ";
        let parts = parse(ct, MultipartLimits::VERIFY).await.unwrap().unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].data.as_slice()),
            ("a", &b"1"[..])
        );
        assert_eq!(parts[1].filename.as_deref(), Some("x.pdf"));
        assert_eq!(parts[1].data, b"%PDF\r\n\x00");
        assert!(
            parse("application/json", MultipartLimits::VERIFY)
                .await
                .unwrap()
                .is_none()
        );
        let one = MultipartLimits {
            parts: 1,
            ..MultipartLimits::VERIFY
        };
        assert_eq!(parse(ct, one).await.unwrap_err().status, 413);
        let long = "multipart/form-data; boundary=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        assert_eq!(
            parse(long, MultipartLimits::VERIFY)
                .await
                .unwrap_err()
                .status,
            400
        );
    }

    #[test]
    fn request_bytes_are_canonical() {
        let b = request_bytes(
            "100515500003",
            " k1 ",
            "reg",
            "prov",
            Some("+7 701"),
            &[],
            &Default::default(),
        );
        assert_eq!(
            String::from_utf8(b).unwrap(),
            r#"{"applicant_iin":"100515500003","idempotency_key":"k1","phone":"+7 701","provider":"prov","purpose":"qyzmet/portal-application/v1","regulation":"reg"}"#
        );
        let b = request_bytes(
            "100515500003",
            "k1",
            "reg",
            "prov",
            None,
            &[],
            &Default::default(),
        );
        assert!(!String::from_utf8(b).unwrap().contains("phone"));
        let b = request_bytes(
            "100515500003",
            "k1",
            "reg",
            "prov",
            None,
            &["bb".into(), "aa".into()],
            &Default::default(),
        );
        assert_eq!(
            String::from_utf8(b).unwrap(),
            r#"{"applicant_iin":"100515500003","documents":["aa","bb"],"idempotency_key":"k1","provider":"prov","purpose":"qyzmet/portal-application/v1","regulation":"reg"}"#
        );
        // The application's data is signed, its keys sorted, choices as lists.
        let mut data = engine::FormData::new();
        data.insert("z".into(), engine::FormValue::One("1".into()));
        data.insert(
            "a".into(),
            engine::FormValue::Many(vec!["x".into(), "y".into()]),
        );
        let b = request_bytes(
            "100515500003",
            "k1",
            "reg",
            "prov",
            None,
            &["bb".into(), "aa".into()],
            &data,
        );
        assert_eq!(
            String::from_utf8(b).unwrap(),
            r#"{"applicant_iin":"100515500003","data":{"a":["x","y"],"z":"1"},"documents":["aa","bb"],"idempotency_key":"k1","provider":"prov","purpose":"qyzmet/portal-application/v1","regulation":"reg"}"#
        );
    }

    #[test]
    fn synthetic_numbers_are_valid() {
        for org in ["tvet_organisation-1", "local_akim-1", "school-1"] {
            let b = synthetic_bin(org);
            assert!(Bin::parse(b.as_str()).is_ok());
            assert_eq!(synthetic_bin(org), b);
            let _ = synthetic_staff_iin(org);
        }
    }
}

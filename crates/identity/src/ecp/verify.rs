//! The [`Verifier`]: all checks of a signed request, in a fixed order, the first failure
//! returned as its [`Refusal`].
//!
//! Order: readable CMS → supported algorithms → content and signature (tampering) → signing
//! time plausible → chain to a trusted CA with every signature checked → validity of every
//! certificate at the verification instant → signer's key usage and holder kind for the
//! [`Purpose`] → IIN (or BIN) in the certificate equal to the expected one → revocation (OCSP
//! hook, then CRLs). Cheap local checks come before revocation, which may ask a responder.
//!
//! The CMS signingTime attribute is written by the signer and proves nothing. A valid RFC 3161
//! time-stamp token on the signer (`super::tsp`) proves the signature existed at its genTime:
//! validity and revocation are then judged at genTime (a revocation dated after it does not
//! count; the CRL must still be current now). Without a token, validity is judged at a time
//! the caller vouches for ([`VerifyOptions::trusted_time`]: the server's own journal) or the
//! verification instant, and revocation at the verification instant.
//!
//! Not for: loading trust anchors or CRLs (see [`super::TrustStore`], [`super::CrlStore`]).

use std::sync::Arc;

use der::Encode;
use der::asn1::OctetString;
use jiff::{SignedDuration, Timestamp};
use x509_cert::Certificate;
use x509_cert::time::Time;

use cms::cert::CertificateChoices;
use cms::signed_data::{SignerIdentifier, SignerInfo};

use super::algorithms::{AlgorithmError, Algorithms};
use super::crl::{CrlEvidence, CrlStatus, CrlStore};
use super::ocsp::{OcspResponder, OcspStatus};
use super::refusal::{HolderKind, Refusal, RequiredRole, Tampering};
use super::signed_data;
use super::trust::TrustStore;
use super::tsp::TimestampEvidence;
use crate::cert::{
    CertificateSummary, KeyHolder, LegalRole, SubjectIin, ca_constraints, key_usage, serial_hex,
    subject_bin, subject_iin, timestamp, unknown_critical_extension,
};
use crate::{Iin, oids};

/// Which certificates must have a known revocation status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RevocationPolicy {
    /// The signer's certificate must (OCSP or a current CRL); intermediate CAs are checked
    /// whenever a CRL of their issuer is loaded.
    #[default]
    Signer,
    /// Every certificate below the trust anchor must.
    All,
    /// No revocation checking at all. For tests and offline demos only.
    Off,
}

/// Tunable parts of verification.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Which certificates need a known revocation status.
    pub revocation: RevocationPolicy,
    /// How far in the future of the verification instant a signingTime may be (clock skew
    /// between the applicant's computer and the server). Default 5 minutes.
    pub clock_skew: SignedDuration,
    /// If set, a signingTime older than this before the verification instant is refused
    /// (portal requests are signed moments before they are sent). Default: none.
    pub max_signature_age: Option<SignedDuration>,
    /// The most certificates a chain may have, signer and anchor included. Default 6.
    pub max_chain_length: usize,
    /// An instant the caller vouches for the signature existing at (its own journal's record
    /// of when it signed): validity is judged then instead of at the verification instant.
    /// Never the CMS signingTime, which the signer writes. Default: none.
    pub trusted_time: Option<Timestamp>,
}

/// What a signature must be fit for: whose certificate, of which kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose<'a> {
    /// A citizen's own request: an individual's signing certificate (nonRepudiation, the NCA
    /// individual policy, no organisation) carrying this IIN.
    Applicant(&'a Iin),
    /// An organisation's act (a provider's result): a legal entity's signing certificate
    /// (nonRepudiation, the NCA legal-entity policy) of this BIN whose holder signs for it:
    /// the head or a person with signing right ([`LegalRole::signs_for_entity`]).
    Organisation(&'a crate::Bin),
    /// What an organisation's information system signs by itself (receipts, the journal
    /// anchor): a legal entity's signing certificate of this BIN with the information-system
    /// role (`1.2.398.3.3.4.1.2.6`).
    System(&'a crate::Bin),
    /// Any key that may sign (digitalSignature or nonRepudiation), any holder: for
    /// inspecting a signature, not for accepting it.
    Any,
}

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            revocation: RevocationPolicy::Signer,
            clock_skew: SignedDuration::from_mins(5),
            max_signature_age: None,
            max_chain_length: 6,
            trusted_time: None,
        }
    }
}

/// How revocation status was established for the signer's certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum RevocationEvidence {
    /// A current CRL does not list it.
    Crl(CrlEvidence),
    /// An OCSP responder said good (or revoked after the time-stamp's genTime).
    Ocsp {
        /// When the answer was produced.
        produced_at: Timestamp,
    },
    /// Not checked ([`RevocationPolicy::Off`]).
    NotChecked,
}

/// An accepted signature.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verified {
    /// The signer's certificate, summarised.
    pub signer: CertificateSummary,
    /// The signer's IIN, when the certificate carries a valid one.
    pub iin: Option<Iin>,
    /// The issuers from the signer's CA up to the trust anchor (last).
    pub chain: Vec<CertificateSummary>,
    /// The signingTime attribute, if signed.
    pub signing_time: Option<Timestamp>,
    /// The instant the validity periods were checked at (a valid time-stamp's genTime, else
    /// the trusted time, else the verification instant).
    pub validity_checked_at: Timestamp,
    /// The signer's RFC 3161 time-stamp, verified, when the signature carries one.
    pub timestamp: Option<TimestampEvidence>,
    /// The signed content (the request bytes).
    #[serde(skip)]
    pub content: Vec<u8>,
    /// Which signature plug-in verified it.
    pub algorithm: &'static str,
    /// How revocation status was established.
    pub revocation: RevocationEvidence,
    /// The signer's certificate itself.
    #[serde(skip)]
    pub certificate: Certificate,
    /// The signature as accepted, in binary (DER or BER) whatever text form it came in:
    /// what to keep as evidence.
    #[serde(skip)]
    pub cms: Vec<u8>,
}

/// Verifies CMS signatures against a trust store and CRLs.
#[derive(Clone)]
pub struct Verifier {
    trust: TrustStore,
    crls: CrlStore,
    ocsp: Option<Arc<dyn OcspResponder>>,
    algorithms: Algorithms,
    options: VerifyOptions,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("anchors", &self.trust.anchors().len())
            .field("crls", &self.crls.crls().len())
            .field("ocsp", &self.ocsp.is_some())
            .field("algorithms", &self.algorithms)
            .field("options", &self.options)
            .finish()
    }
}

fn malformed(detail: impl Into<String>) -> Refusal {
    Refusal::Malformed {
        detail: detail.into(),
    }
}

fn name_of(cert: &Certificate) -> String {
    cert.tbs_certificate().subject().to_string()
}

fn algorithm_refusal(e: AlgorithmError) -> Refusal {
    Refusal::UnsupportedAlgorithm {
        algorithm: e.to_string(),
    }
}

impl Verifier {
    /// A verifier with the default algorithms (RSA and ECDSA P-256 with SHA-256) and options.
    pub fn new(trust: TrustStore, crls: CrlStore) -> Self {
        Verifier {
            trust,
            crls,
            ocsp: None,
            algorithms: Algorithms::default(),
            options: VerifyOptions::default(),
        }
    }

    /// Asks this responder before CRLs.
    pub fn with_ocsp(mut self, responder: Arc<dyn OcspResponder>) -> Self {
        self.ocsp = Some(responder);
        self
    }

    /// Replaces the algorithm set (e.g. to add a GOST plug-in).
    pub fn with_algorithms(mut self, algorithms: Algorithms) -> Self {
        self.algorithms = algorithms;
        self
    }

    /// Replaces the options.
    pub fn with_options(mut self, options: VerifyOptions) -> Self {
        self.options = options;
        self
    }

    /// The trust store.
    pub fn trust(&self) -> &TrustStore {
        &self.trust
    }

    /// The CRL store (to replace CRLs when fresh ones are downloaded, build a new verifier).
    pub fn crls(&self) -> &CrlStore {
        &self.crls
    }

    /// Verifies an applicant's signed request.
    ///
    /// `signature` is a CMS SignedData (DER, BER, PEM or base64). `request` is the exact
    /// bytes of the request: for a detached signature the content signed, for an attached one
    /// the content inside must equal it; `None` takes the attached content as it is. `at` is
    /// the verification instant (the crate never reads the clock).
    pub fn verify(
        &self,
        signature: &[u8],
        request: Option<&[u8]>,
        applicant: &Iin,
        at: Timestamp,
    ) -> Result<Verified, Refusal> {
        self.check(signature, request, Purpose::Applicant(applicant), at)
    }

    /// Every check except the applicant's IIN: for signatures whose signer is not an
    /// applicant (a provider's result, signed by its authorised person).
    pub fn verify_signer(
        &self,
        signature: &[u8],
        request: Option<&[u8]>,
        at: Timestamp,
    ) -> Result<Verified, Refusal> {
        self.check(signature, request, Purpose::Any, at)
    }

    /// Every check, the certificate judged fit for `purpose`.
    pub fn check(
        &self,
        signature: &[u8],
        request: Option<&[u8]>,
        purpose: Purpose<'_>,
        at: Timestamp,
    ) -> Result<Verified, Refusal> {
        // 1. Readable CMS, exactly one signer, the signer's certificate inside.
        let sd = signed_data::parse(signature).map_err(malformed)?;
        let content: Vec<u8> = match (&sd.encap_content_info.econtent, request) {
            (Some(inside), Some(req)) => {
                if inside.as_bytes() != req {
                    return Err(Refusal::BadSignature {
                        reason: Tampering::ContentMismatch,
                    });
                }
                req.to_vec()
            }
            (Some(inside), None) => inside.as_bytes().to_vec(),
            (None, Some(req)) => req.to_vec(),
            (None, None) => {
                return Err(malformed(
                    "the signature is detached and no content was given to check it against",
                ));
            }
        };
        let signers: Vec<&SignerInfo> = sd.signer_infos.0.iter().collect();
        let [signer_info] = signers.as_slice() else {
            return Err(malformed(format!(
                "expected exactly one signer, found {}",
                signers.len()
            )));
        };
        let pool: Vec<Certificate> = sd
            .certificates
            .iter()
            .flat_map(|set| set.0.iter())
            .filter_map(|c| match c {
                CertificateChoices::Certificate(cert) => Some(cert.clone()),
                CertificateChoices::Other(_) => None,
            })
            .collect();
        let signer = find_signer(&pool, &signer_info.sid)
            .ok_or_else(|| malformed("the signer's certificate is not in the signature"))?;

        // 2–3. Digest, signed attributes, signature value.
        let (signing_time, algorithm) = self.check_signature(
            signer,
            signer_info,
            &sd.encap_content_info.econtent_type,
            &content,
        )?;

        // 3b. A time-stamp token, if any: verified, or the signature is refused.
        let stamp = self.check_timestamp(signer_info, &pool, at)?;
        let gen_time = stamp.as_ref().map(|s| s.gen_time);

        // 4. Signing time plausible (and not after the token that stamps the signature).
        if let (Some(st), Some(gt)) = (signing_time, gen_time)
            && st > gt.checked_add(self.options.clock_skew).unwrap_or(gt)
        {
            return Err(Refusal::SigningTime {
                signing_time: st,
                at: gt,
            });
        }
        if let Some(st) = signing_time {
            let too_new = st > at.checked_add(self.options.clock_skew).unwrap_or(at);
            let too_old = self
                .options
                .max_signature_age
                .is_some_and(|age| st < at.checked_sub(age).unwrap_or(Timestamp::MIN));
            if too_new || too_old {
                return Err(Refusal::SigningTime {
                    signing_time: st,
                    at,
                });
            }
        }
        // The signer chose signingTime: it must not move the validity check (issue 9); a
        // TSA's genTime may.
        let validity_at = gen_time.or(self.options.trusted_time).unwrap_or(at);

        // 5. Chain to a trust anchor.
        let chain = self.build_chain(signer, &pool)?;

        // 6. Validity of every certificate at the verification (or trusted) instant.
        for cert in std::iter::once(signer).chain(chain.iter()) {
            let v = cert.tbs_certificate().validity();
            let (nb, na) = (timestamp(&v.not_before), timestamp(&v.not_after));
            if validity_at < nb {
                return Err(Refusal::NotYetValid {
                    certificate: name_of(cert),
                    not_before: nb,
                    at: validity_at,
                });
            }
            if validity_at > na {
                return Err(Refusal::Expired {
                    certificate: name_of(cert),
                    not_after: na,
                    at: validity_at,
                });
            }
        }

        // 7. The signer's certificate is for signing.
        if let Some(oid) = unknown_critical_extension(signer) {
            return Err(Refusal::Constraint {
                certificate: name_of(signer),
                reason: format!("unsupported critical extension {oid}"),
            });
        }
        // A request or result is a legal act: NCA signing keys carry nonRepudiation,
        // authentication keys (digitalSignature + keyEncipherment) do not.
        let fits = |ku: &x509_cert::ext::pkix::KeyUsage| match purpose {
            Purpose::Any => ku.digital_signature() || ku.non_repudiation(),
            Purpose::Applicant(_) | Purpose::Organisation(_) | Purpose::System(_) => {
                ku.non_repudiation()
            }
        };
        match key_usage(signer) {
            Some(ku) if fits(&ku) => {}
            Some(ku) => {
                return Err(Refusal::KeyUsage {
                    found: describe_key_usage(&ku),
                });
            }
            None => {
                return Err(Refusal::KeyUsage {
                    found: "none stated".to_string(),
                });
            }
        }

        // 8. The IIN, the holder's kind, the BIN, the holder's role. A test store's
        // identities need only be 12 digits (NCA's test IINs break the IIN rules).
        let test_identities = self.trust.accepts_test_identities();
        let iin_text = subject_iin(signer);
        if let Purpose::Applicant(expected) = purpose {
            match &iin_text {
                SubjectIin::Missing => return Err(Refusal::NoIinInCertificate),
                SubjectIin::Found(found) if found != expected.as_str() => {
                    return Err(Refusal::IinMismatch {
                        expected: expected.to_string(),
                        found: found.clone(),
                    });
                }
                SubjectIin::Found(_) => {}
            }
            if !test_identities && let Err(e) = expected.validate() {
                return Err(Refusal::InvalidIin {
                    found: expected.to_string(),
                    rule: e.rule().to_string(),
                });
            }
        }

        let holder = KeyHolder::of(signer);
        let kind = HolderKind::of(&holder);
        let expected_kind = match purpose {
            Purpose::Applicant(_) => Some(HolderKind::Individual),
            Purpose::Organisation(_) | Purpose::System(_) => Some(HolderKind::Organisation),
            Purpose::Any => None,
        };
        if let Some(expected) = expected_kind
            && kind != expected
        {
            return Err(Refusal::HolderKind {
                expected,
                found: kind,
            });
        }

        if let Purpose::Organisation(bin) | Purpose::System(bin) = purpose {
            let found = subject_bin(signer);
            if found.as_deref() != Some(bin.as_str()) {
                return Err(Refusal::BinMismatch {
                    expected: bin.to_string(),
                    found: found.unwrap_or_else(|| "none".into()),
                });
            }
            if !test_identities && let Err(e) = bin.validate() {
                return Err(Refusal::InvalidBin {
                    found: bin.to_string(),
                    rule: e.rule().to_string(),
                });
            }
            let role = match &holder {
                KeyHolder::LegalEntity { role, .. } => role.clone(),
                _ => LegalRole::Unstated,
            };
            let (fits, required) = match purpose {
                Purpose::System(_) => (
                    role == LegalRole::InformationSystem,
                    RequiredRole::InformationSystem,
                ),
                _ => (role.signs_for_entity(), RequiredRole::SigningRight),
            };
            if !fits {
                return Err(Refusal::Role {
                    required,
                    found: role,
                });
            }
        }

        // 9. Revocation.
        let revocation = self.check_revocation(signer, &chain, at, gen_time)?;

        Ok(Verified {
            signer: CertificateSummary::of(signer),
            iin: match iin_text {
                SubjectIin::Found(s) if test_identities => Iin::parse_test_identity(&s).ok(),
                SubjectIin::Found(s) => Iin::parse(&s).ok(),
                SubjectIin::Missing => None,
            },
            chain: chain.iter().map(CertificateSummary::of).collect(),
            signing_time,
            validity_checked_at: validity_at,
            timestamp: stamp,
            content,
            algorithm,
            revocation,
            certificate: signer.clone(),
            cms: signed_data::binary(signature).map_err(malformed)?,
        })
    }

    /// Checks messageDigest/contentType (when signed attributes are present) and the
    /// signature value. Returns the signingTime and the plug-in's name.
    pub(super) fn check_signature(
        &self,
        signer: &Certificate,
        si: &SignerInfo,
        econtent_type: &der::asn1::ObjectIdentifier,
        content: &[u8],
    ) -> Result<(Option<Timestamp>, &'static str), Refusal> {
        let digest_oid = si.digest_alg.oid;
        let digest = self
            .algorithms
            .digest(&digest_oid, content)
            .ok_or_else(|| Refusal::UnsupportedAlgorithm {
                algorithm: format!("digest {digest_oid}"),
            })?;
        let mut signing_time = None;
        let message: Vec<u8> = match &si.signed_attrs {
            // RFC 5652 §5.3: content other than id-data needs signed attributes.
            None if *econtent_type != oids::ID_DATA => {
                return Err(malformed(format!(
                    "content type {econtent_type} without signed attributes"
                )));
            }
            None => content.to_vec(),
            Some(attrs) => {
                let single = |oid| -> Result<Option<der::Any>, Refusal> {
                    let found: Vec<_> = attrs.iter().filter(|a| a.oid == oid).collect();
                    match found.as_slice() {
                        [] => Ok(None),
                        [a] if a.values.len() == 1 => Ok(a.values.iter().next().cloned()),
                        _ => Err(malformed(format!("attribute {oid} is repeated"))),
                    }
                };
                let ct = single(oids::CONTENT_TYPE)?
                    .ok_or_else(|| malformed("signed attributes without contentType"))?;
                let ct: der::asn1::ObjectIdentifier = ct
                    .decode_as()
                    .map_err(|e| malformed(format!("contentType: {e}")))?;
                if &ct != econtent_type {
                    return Err(Refusal::BadSignature {
                        reason: Tampering::ContentTypeMismatch,
                    });
                }
                let md = single(oids::MESSAGE_DIGEST)?
                    .ok_or_else(|| malformed("signed attributes without messageDigest"))?;
                let md: OctetString = md
                    .decode_as()
                    .map_err(|e| malformed(format!("messageDigest: {e}")))?;
                if md.as_bytes() != digest.as_slice() {
                    return Err(Refusal::BadSignature {
                        reason: Tampering::DigestMismatch,
                    });
                }
                if let Some(t) = single(oids::SIGNING_TIME)? {
                    let t: Time = t
                        .decode_as()
                        .map_err(|e| malformed(format!("signingTime: {e}")))?;
                    signing_time = Some(timestamp(&t));
                }
                attrs
                    .to_der()
                    .map_err(|e| malformed(format!("signed attributes: {e}")))?
            }
        };
        let name = self
            .algorithms
            .verify(
                signer.tbs_certificate().subject_public_key_info(),
                &si.signature_algorithm,
                Some(&digest_oid),
                &message,
                si.signature.as_bytes(),
            )
            .map_err(|e| match e {
                AlgorithmError::Invalid => Refusal::BadSignature {
                    reason: Tampering::SignatureInvalid,
                },
                AlgorithmError::BadKey(k) => malformed(format!("signer's public key: {k}")),
                e @ AlgorithmError::Unsupported(_) => algorithm_refusal(e),
            })?;
        Ok((signing_time, name))
    }

    /// The issuers of `leaf` up to a trust anchor (last), every signature checked.
    pub(super) fn build_chain(
        &self,
        leaf: &Certificate,
        pool: &[Certificate],
    ) -> Result<Vec<Certificate>, Refusal> {
        let mut chain: Vec<Certificate> = Vec::new();
        let mut current = leaf.clone();
        while chain.len() + 1 < self.options.max_chain_length {
            let issuer_name = current.tbs_certificate().issuer().clone();
            let mut bad_signature = false;
            let mut unsupported = None;
            let mut check = |issuer: &Certificate| -> bool {
                match self.cert_signed_by(&current, issuer) {
                    Ok(()) => true,
                    Err(AlgorithmError::Invalid) | Err(AlgorithmError::BadKey(_)) => {
                        bad_signature = true;
                        false
                    }
                    Err(e @ AlgorithmError::Unsupported(_)) => {
                        unsupported = Some(e);
                        false
                    }
                }
            };
            if let Some(anchor) = self
                .trust
                .anchors()
                .iter()
                .filter(|a| a.tbs_certificate().subject() == &issuer_name)
                .find(|a| check(a))
            {
                chain.push(anchor.clone());
                self.check_path_lengths(&chain)?;
                return Ok(chain);
            }
            let next = pool
                .iter()
                .filter(|c| {
                    c.tbs_certificate().subject() == &issuer_name
                        && *c != &current
                        && !chain.contains(c)
                        && ca_constraints(c).is_some()
                        && key_usage(c).is_none_or(|ku| ku.key_cert_sign())
                })
                .find(|c| check(c))
                .cloned();
            match next {
                Some(c) => {
                    if let Some(oid) = unknown_critical_extension(&c) {
                        return Err(Refusal::Constraint {
                            certificate: name_of(&c),
                            reason: format!("unsupported critical extension {oid}"),
                        });
                    }
                    chain.push(c.clone());
                    current = c;
                }
                None if bad_signature => {
                    return Err(Refusal::BadChainSignature {
                        certificate: name_of(&current),
                    });
                }
                None => {
                    if let Some(e) = unsupported {
                        return Err(algorithm_refusal(e));
                    }
                    if pool
                        .iter()
                        .any(|c| c.tbs_certificate().subject() == &issuer_name && c != &current)
                    {
                        return Err(Refusal::Constraint {
                            certificate: issuer_name.to_string(),
                            reason: "the issuer's certificate is not a CA certificate".to_string(),
                        });
                    }
                    return Err(Refusal::UnknownIssuer {
                        issuer: issuer_name.to_string(),
                    });
                }
            }
        }
        Err(Refusal::Constraint {
            certificate: name_of(&current),
            reason: format!(
                "no trusted CA within {} certificates",
                self.options.max_chain_length
            ),
        })
    }

    /// pathLenConstraint: a CA at position i of the chain has i intermediate CAs below it.
    fn check_path_lengths(&self, chain: &[Certificate]) -> Result<(), Refusal> {
        for (i, ca) in chain.iter().enumerate() {
            if let Some(Some(max)) = ca_constraints(ca)
                && i > usize::from(max)
            {
                return Err(Refusal::Constraint {
                    certificate: name_of(ca),
                    reason: format!("path length {i} exceeds its constraint {max}"),
                });
            }
        }
        Ok(())
    }

    fn cert_signed_by(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
    ) -> Result<(), AlgorithmError> {
        let tbs = cert
            .tbs_certificate()
            .to_der()
            .map_err(|e| AlgorithmError::BadKey(e.to_string()))?;
        self.algorithms
            .verify(
                issuer.tbs_certificate().subject_public_key_info(),
                cert.signature_algorithm(),
                None,
                &tbs,
                cert.signature().raw_bytes(),
            )
            .map(|_| ())
    }

    /// The algorithm set.
    pub(super) fn algorithms(&self) -> &Algorithms {
        &self.algorithms
    }

    /// The clock skew allowed.
    pub(super) fn clock_skew(&self) -> SignedDuration {
        self.options.clock_skew
    }

    /// Which certificates need a known revocation status.
    pub(super) fn revocation_policy(&self) -> RevocationPolicy {
        self.options.revocation
    }

    /// Revocation of the signer (OCSP, then CRLs) and of intermediate CAs, known at `at`.
    /// `signed_at`: a verified time-stamp's genTime; revocations dated after it do not count.
    pub(super) fn check_revocation(
        &self,
        signer: &Certificate,
        chain: &[Certificate],
        at: Timestamp,
        signed_at: Option<Timestamp>,
    ) -> Result<RevocationEvidence, Refusal> {
        if self.options.revocation == RevocationPolicy::Off {
            return Ok(RevocationEvidence::NotChecked);
        }
        let mut evidence = RevocationEvidence::NotChecked;
        // (certificate, its issuer) for every certificate below the anchor.
        let subjects = std::iter::once(signer).chain(chain.iter());
        for (i, (cert, issuer)) in subjects.zip(chain.iter()).enumerate() {
            let is_signer = i == 0;
            let required = is_signer
                || self.options.revocation == RevocationPolicy::All
                || self.crls.has_issuer(issuer.tbs_certificate().subject());
            if !required {
                continue;
            }
            if is_signer && let Some(ocsp) = &self.ocsp {
                match ocsp.status(cert, issuer, at) {
                    Ok(OcspStatus::Good { produced_at }) => {
                        evidence = RevocationEvidence::Ocsp { produced_at };
                        continue;
                    }
                    Ok(OcspStatus::Revoked {
                        date, produced_at, ..
                    }) if signed_at.is_some_and(|s| date > s) => {
                        evidence = RevocationEvidence::Ocsp { produced_at };
                        continue;
                    }
                    Ok(OcspStatus::Revoked { date, .. }) => {
                        return Err(Refusal::Revoked {
                            serial: serial_hex(cert.tbs_certificate().serial_number()),
                            date,
                        });
                    }
                    Ok(OcspStatus::Unknown) | Err(_) => {}
                }
            }
            match self
                .crls
                .status_when_signed(cert, issuer, at, signed_at, &self.algorithms)
            {
                CrlStatus::Good { evidence: e } => {
                    if is_signer {
                        evidence = RevocationEvidence::Crl(e);
                    }
                }
                CrlStatus::Revoked(entry) => {
                    return Err(Refusal::Revoked {
                        serial: entry.serial,
                        date: entry.date,
                    });
                }
                CrlStatus::Unknown(why) => return Err(Refusal::RevocationUnknown(why)),
            }
        }
        Ok(evidence)
    }
}

pub(super) fn find_signer<'a>(
    pool: &'a [Certificate],
    sid: &SignerIdentifier,
) -> Option<&'a Certificate> {
    pool.iter().find(|c| match sid {
        SignerIdentifier::IssuerAndSerialNumber(ias) => {
            c.tbs_certificate().issuer() == &ias.issuer
                && c.tbs_certificate().serial_number() == &ias.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => c
            .tbs_certificate()
            .get_extension::<x509_cert::ext::pkix::SubjectKeyIdentifier>()
            .ok()
            .flatten()
            .is_some_and(|(_, own)| own.0 == ski.0),
    })
}

fn describe_key_usage(ku: &x509_cert::ext::pkix::KeyUsage) -> String {
    let names = [
        (ku.digital_signature(), "digitalSignature"),
        (ku.non_repudiation(), "nonRepudiation"),
        (ku.key_encipherment(), "keyEncipherment"),
        (ku.data_encipherment(), "dataEncipherment"),
        (ku.key_agreement(), "keyAgreement"),
        (ku.key_cert_sign(), "keyCertSign"),
        (ku.crl_sign(), "cRLSign"),
    ];
    let found: Vec<&str> = names
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, n)| *n)
        .collect();
    if found.is_empty() {
        "none".to_string()
    } else {
        found.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server shares one verifier between request handlers.
    #[test]
    fn verifier_is_shareable_between_threads() {
        fn shareable<T: Send + Sync + Clone>() {}
        shareable::<Verifier>();
        shareable::<super::super::CrlStore>();
    }
}

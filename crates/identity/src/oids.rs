//! Object identifiers used by this crate, in one place (RFC 5280, 5652, 5754, 5758, 8017 and
//! the Kazakh national CA's, `shared/spec/kz-facts.md` §3.2–3.3).
//!
//! Not for: a general OID registry (see `const-oid`'s database for names when printing).

use der::asn1::ObjectIdentifier as Oid;

/// The OID type, re-exported so that callers need no `der` dependency.
pub use der::asn1::ObjectIdentifier;

/// rsaEncryption: RSA public keys, and the CMS signatureAlgorithm OpenSSL writes.
pub const RSA_ENCRYPTION: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
/// sha256WithRSAEncryption.
pub const SHA256_WITH_RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.11");
/// id-ecPublicKey.
pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
/// secp256r1 (NIST P-256, prime256v1).
pub const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
/// ecdsa-with-SHA256.
pub const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
/// id-sha256.
pub const SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
/// id-sha384.
pub const SHA384: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.2");
/// id-sha512.
pub const SHA512: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.3");
/// id-sha1 (OCSP CertIDs, ESS signingCertificate v1; never for signatures here).
pub const SHA1: Oid = Oid::new_unwrap("1.3.14.3.2.26");

/// GOST 34.310-2004 public key (NCA RK).
pub const GOST_34310_2004_KEY: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.1.1");
/// GOST 34.311-95 with GOST 34.310-2004 signature (NCA RK).
pub const GOST_34311_WITH_34310: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.1.2");
/// GOST 34.311-95 digest (NCA RK).
pub const GOST_34311_DIGEST: Oid = Oid::new_unwrap("1.2.398.3.10.1.3.1");
/// GOST 34.310-2004 curve parameters, = CryptoPro-A (NCA RK; checked on its test keys).
pub const GOST_34310_2004_CURVE_A: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.1.1.1");
/// GOST 34.311-95 hash parameters, written in GOST 34.310-2004 key parameters (NCA RK).
pub const GOST_34311_95_PARAMS: Oid = Oid::new_unwrap("1.2.398.3.10.1.3.1.1.0");
/// GOST 34.10-2015 512-bit public key (NCA RK).
pub const GOST_34310_2015_512_KEY: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.2");
/// GOST 34.10-2015 512-bit curve parameters, = TC26 512-A (NCA RK; checked on its test keys).
pub const GOST_34310_2015_512_CURVE_A: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.2.1");
/// GOST 34.11-2015 (Streebog) 512-bit digest (NCA RK).
pub const GOST_34311_2015_512_DIGEST: Oid = Oid::new_unwrap("1.2.398.3.10.1.3.3");
/// GOST 34.11-2015 512 with GOST 34.10-2015 512 signature (NCA RK).
pub const GOST_34311_2015_WITH_34310_2015_512: Oid = Oid::new_unwrap("1.2.398.3.10.1.1.2.3.2");

/// id-data (CMS content type).
pub const ID_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
/// id-signedData.
pub const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
/// contentType signed attribute.
pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
/// messageDigest signed attribute.
pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
/// signingTime signed attribute.
pub const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
/// id-ct-TSTInfo: the content type of an RFC 3161 time-stamp token.
pub const ID_CT_TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-aa-timeStampToken: the unsigned attribute holding a signature's time-stamp token.
pub const TIME_STAMP_TOKEN: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.14");
/// id-aa-signingCertificate (ESS, RFC 2634: SHA-1 hash of the signer's certificate).
pub const SIGNING_CERTIFICATE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.12");
/// id-aa-signingCertificateV2 (ESS, RFC 5035).
pub const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");

/// id-pkix-ocsp-basic: the BasicOCSPResponse type (RFC 6960).
pub const OCSP_BASIC: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.1");
/// id-pkix-ocsp-nonce.
pub const OCSP_NONCE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.2");
/// id-pkix-ocsp-nocheck: a delegated responder's certificate is not itself checked.
pub const OCSP_NOCHECK: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.5");

/// serialNumber attribute of a name (`SERIALNUMBER=IIN…`).
pub const AT_SERIAL_NUMBER: Oid = Oid::new_unwrap("2.5.4.5");
/// commonName.
pub const AT_COMMON_NAME: Oid = Oid::new_unwrap("2.5.4.3");
/// surname.
pub const AT_SURNAME: Oid = Oid::new_unwrap("2.5.4.4");
/// countryName.
pub const AT_COUNTRY: Oid = Oid::new_unwrap("2.5.4.6");
/// organizationName.
pub const AT_ORGANIZATION: Oid = Oid::new_unwrap("2.5.4.10");
/// organizationalUnitName (NCA writes `OU=BIN…` for organisations).
pub const AT_ORGANIZATIONAL_UNIT: Oid = Oid::new_unwrap("2.5.4.11");
/// givenName (NCA: patronymic).
pub const AT_GIVEN_NAME: Oid = Oid::new_unwrap("2.5.4.42");

/// Extension: subjectKeyIdentifier.
pub const EXT_SUBJECT_KEY_ID: Oid = Oid::new_unwrap("2.5.29.14");
/// Extension: keyUsage.
pub const EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
/// Extension: subjectAltName.
pub const EXT_SUBJECT_ALT_NAME: Oid = Oid::new_unwrap("2.5.29.17");
/// Extension: basicConstraints.
pub const EXT_BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
/// CRL extension: cRLNumber.
pub const EXT_CRL_NUMBER: Oid = Oid::new_unwrap("2.5.29.20");
/// CRL entry extension: reasonCode.
pub const EXT_CRL_REASON: Oid = Oid::new_unwrap("2.5.29.21");
/// CRL extension: deltaCRLIndicator.
pub const EXT_DELTA_CRL: Oid = Oid::new_unwrap("2.5.29.27");
/// CRL extension: issuingDistributionPoint.
pub const EXT_ISSUING_DP: Oid = Oid::new_unwrap("2.5.29.28");
/// Extension: cRLDistributionPoints.
pub const EXT_CRL_DP: Oid = Oid::new_unwrap("2.5.29.31");
/// Extension: certificatePolicies.
pub const EXT_CERT_POLICIES: Oid = Oid::new_unwrap("2.5.29.32");
/// Extension: authorityKeyIdentifier.
pub const EXT_AUTHORITY_KEY_ID: Oid = Oid::new_unwrap("2.5.29.35");
/// Extension: extKeyUsage.
pub const EXT_EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");
/// Extension: authorityInfoAccess.
pub const EXT_AUTHORITY_INFO_ACCESS: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");

/// NCA "key user" EKU: individual.
pub const EKU_NCA_INDIVIDUAL: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.1");
/// NCA "key user" EKU: organisation.
pub const EKU_NCA_ORGANIZATION: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2");
/// NCA "key user" EKU, a legal entity's holder: the head (first manager, CEO).
pub const EKU_NCA_HEAD: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.1");
/// NCA "key user" EKU, a legal entity's holder: a person with signing right.
pub const EKU_NCA_SIGN_RIGHT: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.2");
/// NCA "key user" EKU, a legal entity's holder: a person with the right to sign financial
/// documents.
pub const EKU_NCA_SIGN_FINANCIAL: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.3");
/// NCA "key user" EKU, a legal entity's holder: an HR employee (confirms employees' requests
/// for certificates).
pub const EKU_NCA_HR: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.4");
/// NCA "key user" EKU: employee of an organisation.
pub const EKU_NCA_EMPLOYEE: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.5");
/// NCA "key user" EKU, a legal entity's holder: its information ("digital") system. Not in
/// the test material; from several independent open implementations (kz-facts §3.3).
pub const EKU_NCA_INFORMATION_SYSTEM: Oid = Oid::new_unwrap("1.2.398.3.3.4.1.2.6");
/// id-kp-clientAuth (TLS client authentication: NCA's AUTH keys).
pub const EKU_CLIENT_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.2");
/// id-kp-emailProtection (S/MIME: OpenSSL's `cms -verify` accepts it, or no EKU at all).
pub const EKU_EMAIL_PROTECTION: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.4");
/// id-kp-timeStamping: a TSA's certificate (RFC 3161 §2.3: the only EKU, critical).
pub const EKU_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
/// id-kp-OCSPSigning: a responder delegated by a CA (RFC 6960 §4.2.2.2).
pub const EKU_OCSP_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.9");
/// NCA RK's TSA policy arc (`.1` GOST 34.310-2004, `.2` RSA-SHA256, `.3` legacy GOST;
/// kz-facts §3.2).
pub const NCA_TSA_POLICY: Oid = Oid::new_unwrap("1.2.398.3.3.2.6");
/// NCA RK's TSA policy for RSA-SHA256 tokens (kz-facts §3.2).
pub const NCA_TSA_POLICY_RSA: Oid = Oid::new_unwrap("1.2.398.3.3.2.6.2");
/// NCA "key user" arc: the holder's kind (individual, organisation and its roles).
pub const NCA_KEY_USER: Oid = Oid::new_unwrap("1.2.398.3.3.4.1");

/// Whether `oid` is `arc` or below it.
pub fn is_under(oid: &Oid, arc: &Oid) -> bool {
    let (o, a) = (oid.as_bytes(), arc.as_bytes());
    // BER arcs end on a byte without the high bit, so a prefix that ends an arc is an ancestor.
    o == a || (o.len() > a.len() && o.starts_with(a))
}

//! Reading a CMS SignedData as it arrives: DER, BER with indefinite lengths (OpenSSL's
//! `-stream`), PEM (`CMS`, `PKCS7`) or bare base64 (what NCALayer returns), into the parts
//! the verifier checks.
//!
//! Not for: checking anything (see `verify.rs`).

use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};

use cms::content_info::{CmsVersion, ContentInfo};
use cms::revocation::RevocationInfoChoices;
use cms::signed_data::{CertificateSet, DigestAlgorithmIdentifiers, SignerInfos};

use crate::oids;

/// `EncapsulatedContentInfo` with the content as an OCTET STRING, so that BER constructed
/// (chunked) strings are reassembled.
#[derive(Clone, Debug, Sequence)]
pub(crate) struct Encapsulated {
    pub econtent_type: ObjectIdentifier,
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    pub econtent: Option<OctetString>,
}

/// `SignedData` (RFC 5652 §5.1), decoded with BER rules (which also accept DER).
#[derive(Clone, Debug, Sequence)]
pub(crate) struct SignedData {
    pub version: CmsVersion,
    pub digest_algorithms: DigestAlgorithmIdentifiers,
    pub encap_content_info: Encapsulated,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    pub certificates: Option<CertificateSet>,
    #[asn1(context_specific = "1", tag_mode = "IMPLICIT", optional = "true")]
    pub crls: Option<RevocationInfoChoices>,
    pub signer_infos: SignerInfos,
}

/// Turns the input into DER/BER bytes: PEM with any label, bare base64, or binary as is.
pub(crate) fn binary(input: &[u8]) -> Result<Vec<u8>, String> {
    if input.first() == Some(&0x30) {
        return Ok(input.to_vec());
    }
    let text = std::str::from_utf8(input)
        .map_err(|_| "neither DER nor PEM/base64 text".to_string())?
        .trim();
    if text.starts_with("-----BEGIN ") {
        let (label, der) = der::pem::decode_vec(text.as_bytes()).map_err(|e| e.to_string())?;
        return match label {
            "CMS" | "PKCS7" | "PKCS #7 SIGNED DATA" => Ok(der),
            other => Err(format!("unexpected PEM label {other:?}")),
        };
    }
    // Bare base64: re-frame as PEM, 64 characters a line, and decode that.
    let b64: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if b64.is_empty()
        || !b64
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
    {
        return Err("neither DER nor PEM/base64 text".to_string());
    }
    let mut pem = String::from("-----BEGIN CMS-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).expect("ASCII"));
        pem.push('\n');
    }
    pem.push_str("-----END CMS-----\n");
    der::pem::decode_vec(pem.as_bytes())
        .map(|(_, der)| der)
        .map_err(|e| format!("bad base64: {e}"))
}

/// Parses a ContentInfo holding SignedData.
pub(crate) fn parse(input: &[u8]) -> Result<SignedData, String> {
    let bytes = binary(input)?;
    let ci = ContentInfo::from_ber(&bytes).map_err(|e| format!("ContentInfo: {e}"))?;
    if ci.content_type != oids::ID_SIGNED_DATA {
        return Err(format!(
            "content type {} is not signedData",
            ci.content_type
        ));
    }
    let inner = ci.content.to_der().map_err(|e| e.to_string())?;
    SignedData::from_ber(&inner).map_err(|e| format!("SignedData: {e}"))
}

//! Verification codes and content hashes.
//!
//! Two hashes, for two jobs:
//! - the **verification code** printed in the QR code and on every page is derived from the
//!   **canonical data** of the document (SHA-256 over a length-prefixed encoding of the kind,
//!   language and every [`DocumentData`] field except `verify_base_url`; see
//!   [`canonical_data`]). It cannot be the hash of the PDF, since the PDF contains it. The code
//!   is the first 12 bytes of that hash as 24 lower-case hex digits (96 bits).
//! - the **content hash** is the SHA-256 of the finished PDF bytes ([`content_hash`]): store it
//!   beside the code; [`verify`] tells whether a presented PDF is byte-for-byte the one issued.
//!   A one-byte change fails.
//!
//! Rendering is deterministic (same data, templates and font files → same bytes), so a
//! document can be re-rendered from its stored data and compared with its content hash.
//!
//! Not for: signatures (ЭЦП/CMS lives in `identity`); this proves integrity against a stored
//! hash, not authorship.

use sha2::{Digest, Sha256};

use crate::data::{DocumentData, Lang, Localized, printed};

/// Version tag of the canonical encoding; changing the encoding changes every code.
const CANONICAL_TAG: &[u8] = b"qyzmet-documents/canonical/v1";

/// The canonical byte encoding of a document's data in `lang`: every item written as
/// `u32 big-endian length ‖ UTF-8 bytes`, in a fixed order, lists prefixed by their length.
/// Unambiguous: no two different inputs give the same bytes.
pub fn canonical_data(data: &DocumentData, lang: Lang) -> Vec<u8> {
    let lang = printed(lang);
    let mut out = Vec::with_capacity(512);
    let mut put = |s: &str| {
        out.extend_from_slice(&(s.len() as u32).to_be_bytes());
        out.extend_from_slice(s.as_bytes());
    };
    put(std::str::from_utf8(CANONICAL_TAG).unwrap_or_default());
    put(data.kind.code());
    put(lang.code());
    let loc = |l: &Localized, put: &mut dyn FnMut(&str)| {
        put(&l.kk);
        put(&l.ru);
    };
    loc(&data.title, &mut put);
    put(&data.regulation_id);
    loc(&data.service, &mut put);
    loc(&data.provider, &mut put);
    put(&data.application_id);
    put(&data.applicant_name);
    put(&data.applicant_iin);
    put(&data.number);
    put(if data.barcode { "1" } else { "0" });
    put(&data.fields.len().to_string());
    for f in &data.fields {
        put(&f.key);
        loc(&f.value, &mut put);
        // Only labelled fields add theirs: older documents' digests stay as they were.
        if let Some(lb) = &f.label {
            loc(lb, &mut put);
        }
    }
    put(&data.documents.len().to_string());
    for d in &data.documents {
        loc(d, &mut put);
    }
    put(&data.grounds.len().to_string());
    for g in &data.grounds {
        loc(g, &mut put);
    }
    // Only documents with an appeal route add it: older documents' digests stay as they were.
    if !data.appeal.is_empty() {
        put("appeal");
        put(&data.appeal.len().to_string());
        for a in &data.appeal {
            loc(a, &mut put);
        }
    }
    put(&data.issued_at.to_string());
    put(&data.signer_name);
    out
}

/// SHA-256 of [`canonical_data`].
pub fn data_hash(data: &DocumentData, lang: Lang) -> [u8; 32] {
    Sha256::digest(canonical_data(data, lang)).into()
}

/// The verification code: first 12 bytes of [`data_hash`] as 24 lower-case hex digits.
pub fn verification_code(data: &DocumentData, lang: Lang) -> String {
    lower_hex(&data_hash(data, lang)[..12])
}

/// SHA-256 of the PDF bytes, as 64 lower-case hex digits.
pub fn content_hash(pdf: &[u8]) -> String {
    lower_hex(&Sha256::digest(pdf))
}

/// Whether `pdf` is exactly the document whose [`content_hash`] is `expected_hash` (hex,
/// either case). The comparison does not stop at the first difference.
pub fn verify(pdf: &[u8], expected_hash: &str) -> bool {
    let actual = content_hash(pdf);
    let expected = expected_hash.trim().to_ascii_lowercase();
    if expected.len() != actual.len() {
        return false;
    }
    actual
        .bytes()
        .zip(expected.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

fn lower_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_rejects_any_change() {
        let pdf = b"%PDF-1.7 example".to_vec();
        let h = content_hash(&pdf);
        assert!(verify(&pdf, &h));
        assert!(verify(&pdf, &h.to_uppercase()));
        let mut bad = pdf.clone();
        bad[3] ^= 1;
        assert!(!verify(&bad, &h));
        assert!(!verify(&pdf, &h[..63]));
        assert!(!verify(&pdf, ""));
    }

    #[test]
    fn sha256_known_answer() {
        assert_eq!(
            content_hash(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

//! Known answers from NCA RK's own test PKI (`shared/ecp-test/`): signatures made by NCA's
//! software must verify, and one flipped bit must not.

use super::*;
use der::Decode;
use x509_cert::Certificate;
use x509_cert::crl::CertificateList;

fn material(path: &str) -> Vec<u8> {
    let full = format!(
        "{}/../../../shared/ecp-test/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    let bytes = std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"));
    if bytes.starts_with(b"-----BEGIN") {
        let (_, der) = der::pem::decode_vec(&bytes).unwrap();
        der
    } else {
        bytes
    }
}

fn cert(path: &str) -> Certificate {
    Certificate::from_der(&material(path)).unwrap()
}

fn key_of(c: &Certificate) -> (GostAlgorithm, Vec<u8>) {
    let spki = c.tbs_certificate().subject_public_key_info();
    let alg = GostAlgorithm::from_key_algorithm(&spki.algorithm).unwrap();
    (alg, public_key_bytes(spki).unwrap())
}

/// Checks `signer`'s signature on a certificate or CRL, then that a flipped bit in the
/// signed bytes and in the signature both fail.
fn check_signed(signer: &Certificate, tbs: &[u8], sig_oid: &ObjectIdentifier, sig: &[u8]) {
    let (alg, key) = key_of(signer);
    assert_eq!(GostAlgorithm::from_signature_oid(sig_oid), Some(alg));
    alg.verify(&key, tbs, sig)
        .expect("NCA's signature verifies");
    let mut bad_tbs = tbs.to_vec();
    bad_tbs[tbs.len() / 2] ^= 0x01;
    assert_eq!(alg.verify(&key, &bad_tbs, sig), Err(GostError::Invalid));
    let mut bad_sig = sig.to_vec();
    bad_sig[3] ^= 0x80;
    assert_eq!(alg.verify(&key, tbs, &bad_sig), Err(GostError::Invalid));
}

fn check_cert(issuer: &Certificate, subject: &Certificate) {
    check_signed(
        issuer,
        &subject.tbs_certificate().to_der().unwrap(),
        &subject.signature_algorithm().oid,
        subject.signature().raw_bytes(),
    );
}

fn check_crl(issuer: &Certificate, path: &str) {
    let crl: CertificateList = CertificateList::from_der(&material(path)).unwrap();
    check_signed(
        issuer,
        &crl.tbs_cert_list.to_der().unwrap(),
        &crl.signature_algorithm.oid,
        crl.signature.raw_bytes(),
    );
}

#[test]
fn nca_gost2015_root_intermediate_and_crl_verify() {
    let root = cert("gost2015/root_test_gost_2022.cer");
    let nca = cert("gost2015/nca_gost2022_test.cer");
    assert_eq!(key_of(&root).0, GostAlgorithm::Gost2015_512);
    check_cert(&root, &root);
    check_cert(&root, &nca);
    check_crl(&nca, "gost2015/nca_gost2022_test.crl");
    // The root did not sign the CRL.
    let crl: CertificateList =
        CertificateList::from_der(&material("gost2015/nca_gost2022_test.crl")).unwrap();
    let (alg, root_key) = key_of(&root);
    assert_eq!(
        alg.verify(
            &root_key,
            &crl.tbs_cert_list.to_der().unwrap(),
            crl.signature.raw_bytes()
        ),
        Err(GostError::Invalid)
    );
}

#[test]
fn nca_gost2004_root_intermediate_crl_and_end_entity_verify() {
    let root = cert("gost2004/root_gost_test.crt");
    let nca = cert("gost2004/nca_gost_test.crt");
    let ee = cert("gost2004/GOSTKNCA_13a3741b52d7bf860aab199b56fad1f4652e357b.cer");
    assert_eq!(key_of(&root).0, GostAlgorithm::Gost2004);
    check_cert(&root, &root);
    check_cert(&root, &nca);
    check_cert(&nca, &ee);
    check_crl(&nca, "gost2004/nca_gost_test.crl");
}

#[test]
fn hashes_match_their_published_vectors() {
    // GOST R 34.11-2012 (RFC 6986 §10.1) example 1, M1 = "0123…012" (63 bytes); the RFC
    // prints the hash as a big-endian number, the function outputs it little-endian.
    let m1 = b"012345678901234567890123456789012345678901234567890123456789012";
    let mut h = GostAlgorithm::Gost2015_512.digest(m1);
    h.reverse();
    assert_eq!(
        hex(&h),
        "486f64c1917879417fef082b3381a4e211c324f074654c38823a7b76f830ad00\
         fa1fbae42b1285c0352f227524bc9ab16254288dd6863dccd5b9f54a1ad0541b"
    );
    // GOST R 34.11-94 with the test parameters (RFC 5831 §7.3.1), M = "This is message,
    // length=32 bytes"; RFC 5831 prints the digest in output order.
    let h = GostAlgorithm::Gost2004.digest(b"This is message, length=32 bytes");
    assert_eq!(
        hex(&h),
        "b1c466d37519b82e8319819ff32595e047a28cb6f83eff1c6916a815a637fffa"
    );
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn generated_keys_sign_and_verify_and_round_trip_pkcs8() {
    for alg in GostAlgorithm::ALL {
        let key = GostPrivateKey::generate(alg).unwrap();
        let public = key.public_key_bytes();
        assert_eq!(public.len(), 2 * alg.size());
        let sig = key.sign(b"application").unwrap();
        assert_eq!(sig.len(), 2 * alg.size());
        alg.verify(&public, b"application", &sig).unwrap();
        assert_eq!(
            alg.verify(&public, b"applicatioN", &sig),
            Err(GostError::Invalid)
        );
        let back = GostPrivateKey::from_pkcs8_der(&key.to_pkcs8_der().unwrap()).unwrap();
        assert_eq!(back.algorithm(), alg);
        assert_eq!(back.public_key_bytes(), public);
        let spki = key.public_key_info().unwrap();
        assert_eq!(public_key_bytes(&spki).unwrap(), public);
        assert_eq!(GostAlgorithm::from_key_algorithm(&spki.algorithm), Ok(alg));
    }
}

#[test]
fn bad_keys_and_signatures_are_refused_with_reasons() {
    let alg = GostAlgorithm::Gost2015_512;
    let key = GostPrivateKey::generate(alg).unwrap();
    let public = key.public_key_bytes();
    let sig = key.sign(b"m").unwrap();
    // Wrong lengths.
    assert_eq!(
        alg.verify(&public, b"m", &sig[1..]),
        Err(GostError::Invalid)
    );
    assert!(matches!(
        alg.verify(&public[1..], b"m", &sig),
        Err(GostError::BadKey(_))
    ));
    // A point off the curve.
    let mut off = public.clone();
    off[0] ^= 1;
    assert!(matches!(
        alg.verify(&off, b"m", &sig),
        Err(GostError::BadKey(_))
    ));
    // r = 0 and s ≥ q.
    let mut zero_r = sig.clone();
    zero_r[..64].fill(0);
    assert_eq!(alg.verify(&public, b"m", &zero_r), Err(GostError::Invalid));
    let mut big_s = sig.clone();
    big_s[64..].fill(0xff);
    assert_eq!(alg.verify(&public, b"m", &big_s), Err(GostError::Invalid));
    // d = 0 is not a key; the other curve's key OID is not this curve's.
    assert!(matches!(
        GostPrivateKey::from_le_bytes(alg, &[0; 64]),
        Err(GostError::BadKey(m)) if m.contains("0 < d < q")
    ));
    let mut other = key.public_key_info().unwrap().algorithm;
    other.parameters = Some(
        der::Any::encode_from(&vec![
            oids::GOST_34310_2004_CURVE_A,
            oids::GOST_34311_2015_512_DIGEST,
        ])
        .unwrap(),
    );
    assert!(
        GostAlgorithm::from_key_algorithm(&other)
            .unwrap_err()
            .contains("curve 1.2.398.3.10.1.1.1.1.1")
    );
}

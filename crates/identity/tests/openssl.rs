//! Interoperability with an outside implementation, the `openssl` command: signatures we
//! make verify in `openssl cms -verify`, signatures `openssl cms -sign` makes verify in ours,
//! CRLs we publish parse and verify in `openssl crl`/`openssl verify`, and a CRL made by
//! `openssl ca -gencrl` works in our store.
//!
//! These tests use the real clock (OpenSSL checks validity against it). Without the
//! `openssl` binary they fail when `CI` is set and otherwise print why and pass.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;
use identity::ecp::{
    Crl, CrlStore, Refusal, RevocationReason, SignOptions, TrustStore, Verifier, cms_to_pem,
    sign_cms,
};
use identity::jiff::Timestamp;
use identity::keys::{KeyAlgorithm, PrivateKey};
use identity::pki::{CaOptions, CertificateRequest, DevCa};

const DATA: &[u8] =
    "{\"service\":\"externat\",\"applicant\":\"100515500003\",\"note\":\"Өтініш\"}\n".as_bytes();

fn have_openssl() -> bool {
    testkit::require_tool("openssl", &["version"])
}

fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run openssl")
}

fn ok(out: &Output, what: &str) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{what} failed:\n{text}");
    text
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn world(tag: &str, alg: KeyAlgorithm) -> World {
    World::new(tag, alg, Timestamp::now())
}

#[test]
fn our_signatures_verify_in_openssl() {
    if !have_openssl() {
        return;
    }
    for alg in [KeyAlgorithm::P256, KeyAlgorithm::Rsa2048] {
        let mut w = world("ours", alg);
        let person = w.issue(citizen(APPLICANT), alg);
        let dir = w.dir.path();
        std::fs::write(dir.join("data"), DATA).unwrap();
        let ca = w.ca.certificate_path();
        for attrs in [true, false] {
            let opts = |attached| SignOptions {
                attached,
                signed_attributes: attrs,
                signing_time: attrs.then_some(w.now),
                chain: vec![],
            };
            // Detached, DER.
            let det = sign_cms(DATA, &person.key, &person.certificate, &opts(false)).unwrap();
            std::fs::write(dir.join("det.der"), &det).unwrap();
            let out = openssl(
                dir,
                &[
                    "cms",
                    "-verify",
                    "-binary",
                    "-inform",
                    "DER",
                    "-in",
                    "det.der",
                    "-content",
                    "data",
                    "-CAfile",
                    path(&ca),
                    "-out",
                    "det.out",
                ],
            );
            ok(&out, &format!("{alg:?} detached attrs={attrs}"));
            assert_eq!(std::fs::read(dir.join("det.out")).unwrap(), DATA);
            // Attached, PEM.
            let att = sign_cms(DATA, &person.key, &person.certificate, &opts(true)).unwrap();
            std::fs::write(dir.join("att.pem"), cms_to_pem(&att)).unwrap();
            let out = openssl(
                dir,
                &[
                    "cms",
                    "-verify",
                    "-binary",
                    "-inform",
                    "PEM",
                    "-in",
                    "att.pem",
                    "-CAfile",
                    path(&ca),
                    "-out",
                    "att.out",
                ],
            );
            ok(&out, &format!("{alg:?} attached attrs={attrs}"));
            assert_eq!(std::fs::read(dir.join("att.out")).unwrap(), DATA);
        }
        // OpenSSL agrees that changed content is refused.
        std::fs::write(dir.join("data2"), b"{\"service\":\"other\"}").unwrap();
        let out = openssl(
            dir,
            &[
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                "det.der",
                "-content",
                "data2",
                "-CAfile",
                path(&ca),
                "-out",
                "det2.out",
            ],
        );
        assert!(!out.status.success(), "openssl accepted tampered content");
    }
}

#[test]
fn our_signature_with_an_intermediate_verifies_in_openssl() {
    if !have_openssl() {
        return;
    }
    let w = world("chain", KeyAlgorithm::Rsa2048);
    let mut root = w.ca;
    let mut options = CaOptions::development(w.now - days(10), w.now + days(400));
    options.common_name = "qyzmet development issuing CA".into();
    let mut issuing =
        DevCa::init_subordinate(&w.dir.path().join("issuing"), &mut root, &options).unwrap();
    let person = issuing
        .issue(&CertificateRequest::signing(
            citizen(APPLICANT),
            w.now - days(1),
            w.now + days(30),
        ))
        .unwrap();
    let sig = sign_cms(
        DATA,
        &person.key,
        &person.certificate,
        &SignOptions {
            attached: true,
            signing_time: Some(w.now),
            chain: vec![issuing.certificate().clone()],
            ..SignOptions::default()
        },
    )
    .unwrap();
    let dir = w.dir.path();
    std::fs::write(dir.join("chain.der"), &sig).unwrap();
    let out = openssl(
        dir,
        &[
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            "chain.der",
            "-CAfile",
            path(&root.certificate_path()),
            "-out",
            "chain.out",
        ],
    );
    ok(&out, "chain through the issuing CA");
}

#[test]
fn openssl_signatures_verify_in_ours() {
    if !have_openssl() {
        return;
    }
    for alg in [KeyAlgorithm::P256, KeyAlgorithm::Rsa2048] {
        let mut w = world("theirs", alg);
        let person = w.issue(citizen(APPLICANT), alg);
        let dir = w.dir.path();
        std::fs::write(dir.join("data"), DATA).unwrap();
        let verifier = w.verifier();
        let cert = path(&person.certificate_path).to_string();
        let key = path(&person.key_path).to_string();
        let cases: [(&str, &[&str], bool); 6] = [
            ("attached", &["-nodetach", "-outform", "DER"], true),
            (
                "attached-noattr",
                &["-nodetach", "-noattr", "-outform", "DER"],
                true,
            ),
            ("detached", &["-outform", "DER"], false),
            (
                "detached-noattr-pem",
                &["-noattr", "-outform", "PEM"],
                false,
            ),
            (
                "attached-streamed-ber",
                &["-nodetach", "-stream", "-outform", "DER"],
                true,
            ),
            ("detached-pem", &["-outform", "PEM"], false),
        ];
        for (name, extra, attached) in cases {
            let out_file = format!("{name}.cms");
            let mut args = vec![
                "cms", "-sign", "-binary", "-signer", &cert, "-inkey", &key, "-in", "data", "-out",
                &out_file,
            ];
            args.extend_from_slice(extra);
            ok(
                &openssl(dir, &args),
                &format!("{alg:?} openssl cms -sign {name}"),
            );
            let sig = std::fs::read(dir.join(&out_file)).unwrap();
            if name.contains("ber") {
                assert_eq!(sig[..2], [0x30, 0x80], "indefinite-length BER expected");
            }
            let request = if attached { None } else { Some(DATA) };
            let verified = verifier
                .verify(&sig, request, &iin(APPLICANT), w.now)
                .unwrap_or_else(|r| panic!("{alg:?} {name}: {r}"));
            assert_eq!(verified.content, DATA, "{name}");
            assert_eq!(verified.iin, Some(iin(APPLICANT)));
            assert_eq!(
                verified.signing_time.is_some(),
                !name.contains("noattr"),
                "{name}"
            );
            // And tampering is caught in OpenSSL's format too.
            let r = verifier
                .verify(
                    &sig,
                    Some(b"{\"service\":\"other\"}"),
                    &iin(APPLICANT),
                    w.now,
                )
                .unwrap_err();
            assert!(matches!(r, Refusal::BadSignature { .. }), "{name}: {r:?}");
        }
    }
}

#[test]
fn our_crls_parse_and_verify_in_openssl() {
    if !have_openssl() {
        return;
    }
    let mut w = world("crl", KeyAlgorithm::P256);
    let good = w.issue(citizen(OTHER_PERSON), KeyAlgorithm::P256);
    let bad = w.issue(citizen(APPLICANT), KeyAlgorithm::Rsa2048);
    w.ca.revoke(
        &bad.serial,
        w.now - days(1),
        Some(RevocationReason::KeyCompromise),
    )
    .unwrap();
    let crl = w.ca.publish_crl(w.now - days(1), w.now + days(7)).unwrap();
    let dir = w.dir.path();
    let ca = w.ca.certificate_path();
    let text = ok(
        &openssl(dir, &["crl", "-in", path(&crl.pem_path), "-noout", "-text"]),
        "openssl crl -text",
    );
    assert!(
        text.contains(&format!("Serial Number: {}", bad.serial)),
        "{text}"
    );
    assert!(text.contains("Key Compromise"), "{text}");
    assert!(text.contains("CRL Number"), "{text}");
    let text = ok(
        &openssl(
            dir,
            &[
                "crl",
                "-inform",
                "DER",
                "-in",
                path(&crl.der_path),
                "-noout",
                "-CAfile",
                path(&ca),
            ],
        ),
        "openssl crl -CAfile (signature)",
    );
    assert!(text.contains("verify OK"), "{text}");
    // OpenSSL's own revocation check agrees with ours.
    let text = ok(
        &openssl(
            dir,
            &[
                "verify",
                "-crl_check",
                "-CAfile",
                path(&ca),
                "-CRLfile",
                path(&crl.pem_path),
                path(&good.certificate_path),
            ],
        ),
        "openssl verify good",
    );
    assert!(text.contains("OK"), "{text}");
    let out = openssl(
        dir,
        &[
            "verify",
            "-crl_check",
            "-CAfile",
            path(&ca),
            "-CRLfile",
            path(&crl.pem_path),
            path(&bad.certificate_path),
        ],
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.status.success() && text.contains("revoked"), "{text}");
}

#[test]
fn crl_made_by_openssl_ca_is_used_by_ours() {
    if !have_openssl() {
        return;
    }
    let mut w = world("theircrl", KeyAlgorithm::P256);
    let good = w.issue(citizen(OTHER_PERSON), KeyAlgorithm::P256);
    let bad = w.issue(citizen(APPLICANT), KeyAlgorithm::P256);
    let dir = w.ca.dir().to_path_buf();
    let revoked_at = (w.now - days(1)).strftime("%y%m%d%H%M%SZ").to_string();
    let expires = (w.now + days(300)).strftime("%y%m%d%H%M%SZ").to_string();
    std::fs::write(
        dir.join("index.txt"),
        format!(
            "R\t{expires}\t{revoked_at},keyCompromise\t{}\tunknown\t/CN=x\nV\t{expires}\t\t{}\tunknown\t/CN=y\n",
            bad.serial, good.serial
        ),
    )
    .unwrap();
    std::fs::write(dir.join("crlnumber"), "10\n").unwrap();
    std::fs::write(
        dir.join("openssl-ca.cnf"),
        "[ ca ]\ndefault_ca = dev\n[ dev ]\ndatabase = index.txt\ncrlnumber = crlnumber\n\
         default_md = sha256\ndefault_crl_days = 7\ncertificate = ca.cert.pem\n\
         private_key = ca.key.pem\ncrl_extensions = crl_ext\n\
         [ crl_ext ]\nauthorityKeyIdentifier = keyid:always\n",
    )
    .unwrap();
    ok(
        &openssl(
            &dir,
            &[
                "ca",
                "-config",
                "openssl-ca.cnf",
                "-gencrl",
                "-out",
                "theirs.crl.pem",
            ],
        ),
        "openssl ca -gencrl",
    );
    let mut store = CrlStore::new();
    assert_eq!(store.load_file(&dir.join("theirs.crl.pem")).unwrap(), 1);
    let crl: &Crl = &store.crls()[0];
    assert_eq!(crl.number().as_deref(), Some("10"));
    assert_eq!(
        crl.revoked()[0].reason,
        Some(RevocationReason::KeyCompromise)
    );
    let verifier = Verifier::new(
        TrustStore::from_file(&w.ca.certificate_path()).unwrap(),
        store,
    );
    // OpenSSL stamps thisUpdate with its own clock: verify a moment later.
    let at = Timestamp::now();
    let sig = sign_cms(DATA, &bad.key, &bad.certificate, &SignOptions::default()).unwrap();
    let r = verifier
        .verify(&sig, Some(DATA), &iin(APPLICANT), at)
        .unwrap_err();
    assert!(
        matches!(&r, Refusal::Revoked { serial, .. } if *serial == bad.serial),
        "{r:?}"
    );
    let sig = sign_cms(DATA, &good.key, &good.certificate, &SignOptions::default()).unwrap();
    verifier
        .verify(&sig, Some(DATA), &iin(OTHER_PERSON), at)
        .unwrap();
}

#[test]
fn keys_made_by_openssl_load() {
    if !have_openssl() {
        return;
    }
    let dir = tempdir("keys");
    let cases: [(&str, &[&str], KeyAlgorithm); 3] = [
        (
            "pkcs8-ec.pem",
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-out",
                "pkcs8-ec.pem",
            ],
            KeyAlgorithm::P256,
        ),
        (
            "sec1-ec.pem",
            &[
                "ecparam",
                "-genkey",
                "-name",
                "prime256v1",
                "-noout",
                "-out",
                "sec1-ec.pem",
            ],
            KeyAlgorithm::P256,
        ),
        (
            "pkcs1-rsa.pem",
            &["genrsa", "-traditional", "-out", "pkcs1-rsa.pem", "2048"],
            KeyAlgorithm::Rsa2048,
        ),
    ];
    for (file, args, alg) in cases {
        ok(&openssl(dir.path(), args), file);
        let key = PrivateKey::read_pem_file(&dir.path().join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(key.algorithm(), alg, "{file}");
        assert!(!key.sign(b"x").unwrap().is_empty());
    }
}

//! NCA RK's own PKCS#12 stores (`../shared/ecp-test`, password `Qwerty12`): every one opens,
//! its certificate carries NCA's test identity, a wrong password is told apart from damage,
//! and stores we write open again here and in `openssl pkcs12`.
//!
//! Without `../shared/ecp-test` (or `openssl`) these tests fail when `CI` is set and otherwise
//! say why and pass.

use std::path::{Path, PathBuf};
use std::process::Command;

use identity::cert::{SubjectIin, subject_bin, subject_iin};
use identity::keys::{KeyAlgorithm, KeyError, Pkcs12, PrivateKey};
use identity::pki::{CaOptions, CertificateRequest, DevCa, Holder};

const PASSWORD: &str = "Qwerty12";

fn ecp_test() -> Option<PathBuf> {
    let dir = testkit::repo_root().join("../shared/ecp-test");
    testkit::require(dir.is_dir(), format_args!("{}", dir.display())).then_some(dir)
}

fn stores(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["rsa", "gost2015", "gost2004"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "p12") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_nca_store_opens_with_its_test_identity() {
    let Some(dir) = ecp_test() else { return };
    let all = stores(&dir);
    assert_eq!(all.len(), 10, "{all:?}");
    for path in all {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let p12 = Pkcs12::read_file(&path, PASSWORD).unwrap_or_else(|e| panic!("{name}: {e}"));
        let cert = p12.certificate();
        let SubjectIin::Found(iin) = subject_iin(cert) else {
            panic!("{name}: no IIN in the subject");
        };
        assert!(
            ["123456789011", "123456789012"].contains(&iin.as_str()),
            "{name}: {iin}"
        );
        let legal = name.starts_with("legal") || name.starts_with("GOSTKNCA");
        assert_eq!(
            subject_bin(cert).as_deref(),
            legal.then_some("123456789021"),
            "{name}"
        );
        // The key is the certificate's: NCA marks both with the same localKeyId, which is
        // also the friendly name in hex.
        let hex_id = name
            .trim_end_matches(".p12")
            .rsplit('_')
            .next()
            .unwrap()
            .to_string();
        if hex_id.len() == 40 {
            assert_eq!(p12.friendly_name(), Some(hex_id.as_str()), "{name}");
        }
        assert!(
            p12.chain().is_empty(),
            "{name}: NCA stores hold the key's certificate only"
        );
        let alg = p12.key_algorithm().unwrap().to_string();
        if name.contains("RSA") || name.starts_with("individual_sign") {
            assert_eq!(alg, "1.2.840.113549.1.1.1", "{name}");
            let key = p12.private_key().unwrap();
            assert_eq!(key.algorithm(), KeyAlgorithm::Rsa2048);
            assert_eq!(
                &key.public_key_info().unwrap(),
                cert.tbs_certificate().subject_public_key_info(),
                "{name}: the key is the certificate's"
            );
        } else {
            // GOST keys (2015: 512-bit, 2004): signing keys whose public key is the certificate's.
            assert!(alg.starts_with("1.2.398.3.10.1.1."), "{name}: {alg}");
            let key = p12.private_key().unwrap();
            assert!(
                matches!(
                    key.algorithm(),
                    KeyAlgorithm::Gost512 | KeyAlgorithm::Gost2004
                ),
                "{name}"
            );
            assert_eq!(
                &key.public_key_info().unwrap(),
                cert.tbs_certificate().subject_public_key_info(),
                "{name}: the key is the certificate's"
            );
        }
    }
}

#[test]
fn a_wrong_password_is_refused_as_such() {
    let Some(dir) = ecp_test() else { return };
    for path in stores(&dir) {
        match Pkcs12::read_file(&path, "Qwerty13") {
            Err(e @ KeyError::WrongPassword { .. }) => {
                let text = e.to_string();
                assert!(text.starts_with("wrong password for "), "{text}");
                assert!(text.contains(".p12 (MAC check failed)"), "{text}");
            }
            other => panic!("{}: {other:?}", path.display()),
        }
    }
}

#[test]
fn a_damaged_store_is_a_parse_error_not_a_password_error() {
    let Some(dir) = ecp_test() else { return };
    let path = dir.join("gost2015/legal_head.p12");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.truncate(bytes.len() / 2);
    assert!(matches!(
        Pkcs12::from_der(&bytes, PASSWORD, "half.p12"),
        Err(KeyError::Parse(m)) if m.starts_with("half.p12: ")
    ));
}

#[test]
fn stores_we_write_open_here_and_in_openssl() {
    let tmp = testkit::tempdir("p12");
    let now = "2026-03-02T09:30:00Z".parse().unwrap();
    let year = "2027-03-02T09:30:00Z".parse().unwrap();
    let mut ca = DevCa::init(&tmp.path().join("ca"), &CaOptions::development(now, year)).unwrap();
    for alg in [KeyAlgorithm::P256, KeyAlgorithm::Rsa2048] {
        let mut request = CertificateRequest::signing(
            Holder::Citizen {
                iin: identity::Iin::parse("100515500003").unwrap(),
                surname: "ӘЛИЕВА".into(),
                given_name: "ӘЛИЯ".into(),
                patronymic: None,
            },
            now,
            year,
        );
        request.algorithm = alg;
        let person = ca.issue(&request).unwrap();
        let p12 = Pkcs12::new(
            &person.key,
            person.certificate.clone(),
            vec![ca.certificate().clone()],
            Some("Әлия".into()),
        )
        .unwrap();
        let der = p12.to_der("Құпия сөз 1").unwrap();
        let back = Pkcs12::from_der(&der, "Құпия сөз 1", "ours.p12").unwrap();
        assert_eq!(back.certificate(), &person.certificate);
        assert_eq!(back.chain(), &[ca.certificate().clone()]);
        assert_eq!(back.friendly_name(), Some("Әлия"));
        assert_eq!(back.private_key_der(), p12.private_key_der());
        assert!(matches!(
            Pkcs12::from_der(&der, "Құпия сөз 2", "ours.p12"),
            Err(KeyError::WrongPassword { .. })
        ));

        if !testkit::require_tool("openssl", &["version"]) {
            continue;
        }
        let file = tmp.path().join("ours.p12");
        std::fs::write(&file, &der).unwrap();
        // No `-legacy`: 3DES and the PKCS#12 KDF are in OpenSSL 3's default provider.
        let out = Command::new("openssl")
            .args(["pkcs12", "-in"])
            .arg(&file)
            .args(["-passin", "pass:Құпия сөз 1", "-nodes"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // OpenSSL prints a non-Latin friendlyName byte by byte: not UTF-8.
        let pem = String::from_utf8_lossy(&out.stdout).to_string();
        assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 2, "{pem}");
        let key_pem = &pem[pem.find("-----BEGIN PRIVATE KEY-----").unwrap()..];
        let key_pem = &key_pem[..key_pem.find("-----END PRIVATE KEY-----").unwrap() + 25];
        let key = PrivateKey::from_pem(key_pem).unwrap();
        assert_eq!(
            &key.public_key_info().unwrap(),
            person
                .certificate
                .tbs_certificate()
                .subject_public_key_info()
        );

        // And a store `openssl pkcs12 -export -legacy` writes opens here.
        let legacy = tmp.path().join("openssl.p12");
        std::fs::write(tmp.path().join("key.pem"), key_pem).unwrap();
        std::fs::write(
            tmp.path().join("cert.pem"),
            identity::x509_cert::der::EncodePem::to_pem(
                &person.certificate,
                identity::x509_cert::der::pem::LineEnding::LF,
            )
            .unwrap(),
        )
        .unwrap();
        let out = Command::new("openssl")
            .current_dir(tmp.path())
            .args([
                "pkcs12",
                "-export",
                "-legacy",
                "-inkey",
                "key.pem",
                "-in",
                "cert.pem",
                "-passout",
                "pass:Qwerty12",
                "-out",
            ])
            .arg(&legacy)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs = Pkcs12::read_file(&legacy, PASSWORD).unwrap();
        assert_eq!(theirs.certificate(), &person.certificate);
        assert_eq!(theirs.private_key_der(), p12.private_key_der());
    }
}

//! `qyzmet pki sign --p12` with NCA RK's own test keys (`../shared/ecp-test`, password
//! `Qwerty12`), through the real binary, checked by `openssl cms -verify` and `qyzmet verify`
//! with NCA's RSA test chain; and the development CA's keys written as `.p12`.
//!
//! NCA's signing certificates carry the EKU emailProtection, so `openssl cms -verify` accepts
//! them with its default S/MIME purpose (no `-purpose any`); an AUTH key's certificate
//! (clientAuth only) is refused by that purpose check. The RSA test CRL (2022) is not current in
//! 2020, so `qyzmet verify` runs with `--revocation off`; NCA's test IIN needs
//! `--test-identities`.
//!
//! Without `../shared/ecp-test` or `openssl` these tests fail when `CI` is set and otherwise say
//! why and pass.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use identity::jiff::Timestamp;

const SIGNING: &str = "rsa/RSA256_11c707bd54cbfcccb3815e39c4eb57b1dc7dfea9.p12";
const AUTH: &str = "rsa/AUTH_RSA256_b2c70a9ff7a5dc59de0ccc3c0ddde3437cc1f12d.p12";
/// The signing instant as the issue gives it: a date-time without an offset is Almaty time
/// (UTC+6 in 2020), 04:00Z.
const SIGN_AT: &str = "2020-06-01T10:00";
/// OpenSSL's and our verification instant: inside the key's validity (2020-01-28 → 2021-01-27)
/// and after the signing time.
const VERIFY_AT: &str = "2020-06-01T10:00:00Z";

fn ecp_test() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/ecp-test");
    testkit::require(dir.is_dir(), format_args!("{}", dir.display())).then_some(dir)
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("pki-p12-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn qyzmet(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qyzmet"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("QYZMET_P12_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run qyzmet")
}

fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn expect(out: &Output, code: i32) -> String {
    assert_eq!(out.status.code(), Some(code), "{}", text(out));
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `openssl cms -verify` at VERIFY_AT with NCA's RSA root and intermediate.
fn openssl_verify(dir: &Path, ecp: &Path, sig: &Path, content: &Path) -> Output {
    let bundle = dir.join("nca_rsa_chain.pem");
    let mut pem = std::fs::read(ecp.join("rsa/root_rsa_test.crt")).unwrap();
    pem.extend(std::fs::read(ecp.join("rsa/nca_rsa_test.crt")).unwrap());
    std::fs::write(&bundle, pem).unwrap();
    let epoch = VERIFY_AT
        .parse::<Timestamp>()
        .unwrap()
        .as_second()
        .to_string();
    Command::new("openssl")
        .args(["cms", "-verify", "-binary", "-inform", "DER", "-in"])
        .arg(sig)
        .arg("-content")
        .arg(content)
        .arg("-CAfile")
        .arg(&bundle)
        .args(["-attime", &epoch, "-out", "/dev/null"])
        .output()
        .unwrap()
}

fn verify_nca(dir: &Path, ecp: &Path, sig: &Path, content: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "verify",
        "--signature",
        p(sig),
        "--content",
        p(content),
        "--trust",
    ];
    let root = ecp.join("rsa/root_rsa_test.crt");
    let nca = ecp.join("rsa/nca_rsa_test.crt");
    args.extend([p(&root), "--trust", p(&nca), "--at", "2020-06-01T10:05:00Z"]);
    args.extend(extra);
    qyzmet(dir, &args, &[])
}

#[test]
fn an_nca_p12_signs_for_openssl_and_for_qyzmet() {
    let Some(ecp) = ecp_test() else { return };
    if !testkit::require_tool("openssl", &["version"]) {
        return;
    }
    let dir = scratch("nca");
    let content = dir.join("F.json");
    std::fs::write(&content, "{\"service\":\"externat\",\"note\":\"Өтініш\"}").unwrap();
    let sig = dir.join("S.der");
    let p12 = ecp.join(SIGNING);
    let out = expect(
        &qyzmet(
            &dir,
            &[
                "pki",
                "sign",
                "--p12",
                p(&p12),
                "--password",
                "Qwerty12",
                "--in",
                "F.json",
                "--out",
                "S.der",
                "--at",
                SIGN_AT,
            ],
            &[],
        ),
        0,
    );
    assert!(
        out.contains("serialNumber=IIN123456789011") || out.contains("IIN123456789011"),
        "{out}"
    );
    assert!(out.contains("signing time: 2020-06-01T04:00:00Z"), "{out}");

    let o = openssl_verify(&dir, &ecp, &sig, &content);
    assert!(o.status.success(), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Verification successful"));

    let test = [
        "--iin",
        "123456789011",
        "--test-identities",
        "--revocation",
        "off",
    ];
    let out = expect(&verify_nca(&dir, &ecp, &sig, &content, &test), 0);
    assert!(out.starts_with("accepted"), "{out}");
    assert!(out.contains("revocation: not checked"), "{out}");

    // Production rules: NCA's test IIN is no IIN.
    let out = expect(
        &verify_nca(
            &dir,
            &ecp,
            &sig,
            &content,
            &["--iin", "123456789011", "--revocation", "off"],
        ),
        2,
    );
    assert!(
        out.contains("--iin 123456789011") && out.contains("iin.century_sex"),
        "{out}"
    );
    // An individual's key does not sign a provider's result.
    let out = expect(
        &verify_nca(
            &dir,
            &ecp,
            &sig,
            &content,
            &[
                "--bin",
                "123456789021",
                "--test-identities",
                "--revocation",
                "off",
            ],
        ),
        1,
    );
    assert!(out.contains("code: ecp.holder_kind"), "{out}");
    // With revocation checked and no current CRL, the status is unknown.
    let crl = ecp.join("rsa/nca_rsa_test.crl");
    let out = expect(
        &verify_nca(
            &dir,
            &ecp,
            &sig,
            &content,
            &[
                "--iin",
                "123456789011",
                "--test-identities",
                "--crl",
                p(&crl),
            ],
        ),
        1,
    );
    assert!(out.contains("code: ecp.revocation_unknown"), "{out}");

    // Tampered content: refused by both.
    let tampered = dir.join("F-tampered.json");
    std::fs::write(&tampered, "{\"service\":\"externat\",\"note\":\"Өтініш!\"}").unwrap();
    let o = openssl_verify(&dir, &ecp, &sig, &tampered);
    assert!(!o.status.success(), "{}", text(&o));
    let out = expect(&verify_nca(&dir, &ecp, &sig, &tampered, &test), 1);
    assert!(out.contains("code: ecp.bad_signature"), "{out}");
}

#[test]
fn the_password_comes_from_a_file_or_the_environment_and_a_wrong_one_is_named() {
    let Some(ecp) = ecp_test() else { return };
    let dir = scratch("password");
    std::fs::write(dir.join("F"), "asdasd").unwrap();
    std::fs::write(dir.join("pw"), "Qwerty12\n").unwrap();
    let p12 = ecp.join(SIGNING);
    let base = [
        "pki",
        "sign",
        "--p12",
        p(&p12),
        "--in",
        "F",
        "--out",
        "S",
        "--at",
        VERIFY_AT,
    ];
    let mut args = base.to_vec();
    args.extend(["--password-file", "pw"]);
    expect(&qyzmet(&dir, &args, &[]), 0);
    expect(
        &qyzmet(&dir, &base, &[("QYZMET_P12_PASSWORD", "Qwerty12")]),
        0,
    );
    let out = expect(&qyzmet(&dir, &base, &[]), 2);
    assert!(out.contains("--p12 needs its password"), "{out}");
    let out = expect(
        &qyzmet(&dir, &base, &[("QYZMET_P12_PASSWORD", "qwerty12")]),
        2,
    );
    assert!(
        out.contains("wrong password for") && out.contains("(MAC check failed)"),
        "{out}"
    );
}

/// The acceptance for GOST: `qyzmet pki sign --p12` with each valid GOST 2015 key of
/// `../shared/ecp-test/gost2015/` makes a CMS that `qyzmet verify` accepts at today's date
/// (2026-12-02) with NCA's GOST chain and its CRL; the revoked keys, a tampered content and an
/// instant after the certificates' expiry are refused.
#[test]
fn gost2015_keys_sign_and_verify_with_nca_chain_and_crl() {
    let Some(ecp) = ecp_test() else { return };
    let g = ecp.join("gost2015");
    let dir = scratch("gost2015");
    std::fs::write(dir.join("F"), "{\"purpose\":\"qyzmet\"}").unwrap();
    std::fs::write(dir.join("T"), "{\"purpose\":\"qyzmeT\"}").unwrap();
    let (root, ca, crl) = (
        g.join("root_test_gost_2022.cer"),
        g.join("nca_gost2022_test.cer"),
        g.join("nca_gost2022_test.crl"),
    );
    let verify = |content: &str, whom: &[&str], at: &str| {
        let mut args = vec![
            "verify",
            "--signature",
            "S",
            "--content",
            content,
            "--trust",
            p(&root),
            "--trust",
            p(&ca),
            "--crl",
            p(&crl),
            "--test-identities",
            "--at",
            at,
        ];
        args.extend(whom);
        qyzmet(&dir, &args, &[])
    };
    let cases: [(&str, &[&str], bool); 5] = [
        ("individual_valid.p12", &["--iin", "123456789011"], true),
        ("legal_head.p12", &["--bin", "123456789021"], true),
        (
            "legal_employee_signright.p12",
            &["--bin", "123456789021"],
            true,
        ),
        ("individual_revoked.p12", &["--iin", "123456789011"], false),
        ("legal_head_revoked.p12", &["--bin", "123456789021"], false),
    ];
    for (file, whom, valid) in cases {
        let key = g.join(file);
        expect(
            &qyzmet(
                &dir,
                &[
                    "pki",
                    "sign",
                    "--p12",
                    p(&key),
                    "--in",
                    "F",
                    "--out",
                    "S",
                    "--at",
                    "2026-12-02T10:00",
                ],
                &[("QYZMET_P12_PASSWORD", "Qwerty12")],
            ),
            0,
        );
        let out = verify("F", whom, "2026-12-02T10:00:00Z");
        if valid {
            assert!(out.status.success(), "{file}: {}", text(&out));
            // Tampered content and an instant after the certificate's expiry are refused.
            let out = verify("T", whom, "2026-12-02T10:00:00Z");
            assert!(
                text(&out).contains("ecp.bad_signature"),
                "{file}: {}",
                text(&out)
            );
            let out = verify("F", whom, "2027-06-17T10:00:00Z");
            assert!(!out.status.success(), "{file}: {}", text(&out));
            assert!(text(&out).contains("ecp.expired"), "{file}: {}", text(&out));
        } else {
            assert!(text(&out).contains("ecp.revoked"), "{file}: {}", text(&out));
        }
    }
}

/// An AUTH key's signature: OpenSSL's S/MIME purpose check refuses its certificate (clientAuth
/// only), and so does qyzmet (key usage).
#[test]
fn an_nca_auth_key_signs_nothing() {
    let Some(ecp) = ecp_test() else { return };
    if !testkit::require_tool("openssl", &["version"]) {
        return;
    }
    let dir = scratch("auth");
    let content = dir.join("F");
    std::fs::write(&content, "asdasd").unwrap();
    let sig = dir.join("S");
    let p12 = ecp.join(AUTH);
    expect(
        &qyzmet(
            &dir,
            &[
                "pki",
                "sign",
                "--p12",
                p(&p12),
                "--in",
                "F",
                "--out",
                "S",
                "--at",
                SIGN_AT,
            ],
            &[("QYZMET_P12_PASSWORD", "Qwerty12")],
        ),
        0,
    );
    let o = openssl_verify(&dir, &ecp, &sig, &content);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("unsuitable certificate purpose"),
        "{}",
        text(&o)
    );
    let out = expect(
        &verify_nca(
            &dir,
            &ecp,
            &sig,
            &content,
            &[
                "--iin",
                "123456789011",
                "--test-identities",
                "--revocation",
                "off",
            ],
        ),
        1,
    );
    assert!(out.contains("code: ecp.key_usage"), "{out}");
}

/// The development CA writes its keys as `.p12` too, and they sign like NCA's.
#[test]
fn dev_ca_keys_as_p12() {
    let dir = scratch("dev");
    let at = "2025-09-01T10:00:00Z";
    expect(
        &qyzmet(
            &dir,
            &[
                "pki",
                "init",
                "--dir",
                "ca",
                "--not-before",
                "2025-01-01T00:00:00Z",
            ],
            &[],
        ),
        0,
    );
    let out = expect(
        &qyzmet(
            &dir,
            &[
                "pki",
                "issue",
                "--dir",
                "ca",
                "--iin",
                "851231400001",
                "--surname",
                "БАСШЫ",
                "--given-name",
                "ТЕСТ",
                "--staff",
                "--bin",
                "940140000385",
                "--org",
                "КМҚК",
                "--role",
                "head",
                "--not-before",
                "2025-06-01T00:00:00Z",
                "--p12",
                "head.p12",
            ],
            &[("QYZMET_P12_PASSWORD", "Құпия 1")],
        ),
        0,
    );
    assert!(out.contains("p12: head.p12"), "{out}");
    std::fs::write(dir.join("F"), "нәтиже").unwrap();
    expect(
        &qyzmet(
            &dir,
            &[
                "pki", "sign", "--p12", "head.p12", "--in", "F", "--out", "S", "--at", at,
            ],
            &[("QYZMET_P12_PASSWORD", "Құпия 1")],
        ),
        0,
    );
    expect(
        &qyzmet(&dir, &["pki", "crl", "--dir", "ca", "--at", at], &[]),
        0,
    );
    let verify = |bin: &str| {
        qyzmet(
            &dir,
            &[
                "verify",
                "--signature",
                "S",
                "--content",
                "F",
                "--trust",
                "ca/ca.cert.pem",
                "--crl",
                "ca/crl.der",
                "--bin",
                bin,
                "--at",
                at,
            ],
            &[],
        )
    };
    let out = expect(&verify("940140000385"), 0);
    assert!(out.starts_with("accepted"), "{out}");
    let out = expect(&verify("990140004654"), 1);
    assert!(out.contains("code: ecp.bin_mismatch"), "{out}");

    // An HR employee's key does not sign a result.
    expect(
        &qyzmet(
            &dir,
            &[
                "pki",
                "issue",
                "--dir",
                "ca",
                "--iin",
                "851231400001",
                "--surname",
                "КАДР",
                "--given-name",
                "ТЕСТ",
                "--staff",
                "--bin",
                "940140000385",
                "--org",
                "КМҚК",
                "--role",
                "hr",
                "--not-before",
                "2025-06-01T00:00:00Z",
                "--p12",
                "hr.p12",
                "--password",
                "x",
            ],
            &[],
        ),
        0,
    );
    expect(
        &qyzmet(
            &dir,
            &[
                "pki",
                "sign",
                "--p12",
                "hr.p12",
                "--password",
                "x",
                "--in",
                "F",
                "--out",
                "S",
                "--at",
                at,
            ],
            &[],
        ),
        0,
    );
    let out = expect(&verify("940140000385"), 1);
    assert!(out.contains("code: ecp.role"), "{out}");
    assert!(out.contains("an HR employee"), "{out}");
}

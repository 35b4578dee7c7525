//! `qyzmet pki …` and `qyzmet verify`, through the real binary: a development CA in a scratch
//! directory, a citizen's certificate, a signed request, and the verdict the portal would give
//! — accepted, or each refusal with its own message (kk/ru/en, compared with the `identity`
//! crate's wording) and code. Then interoperability with an outside implementation, the
//! `openssl` command, in both directions.
//!
//! Every instant is passed with `--at`/`--not-before`, except in the OpenSSL test (OpenSSL
//! checks validity against the clock). Without `openssl` that test fails when `CI` is set and
//! otherwise prints why and passes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use identity::Lang;
use identity::ecp::{Refusal, RevocationUnknown, Tampering};
use identity::jiff::Timestamp;

/// Synthetic IINs and BIN (the `identity` crate's fixtures; no real persons).
const APPLICANT: &str = "100515500003";
const OTHER_PERSON: &str = "000229600004";
const STAFF_IIN: &str = "851231400001";
const PROVIDER_BIN: &str = "940140000385";

const REQUEST: &str =
    "{\"service\":\"externat\",\"applicant\":\"100515500003\",\"note\":\"Өтініш\"}\n";

const CA_FROM: &str = "2025-01-01T00:00:00Z";
const CERT_FROM: &str = "2025-06-01T00:00:00Z";
/// CERT_FROM + 365 days.
const CERT_UNTIL: &str = "2026-06-01T00:00:00Z";
const CRL_AT: &str = "2025-09-01T00:00:00Z";
const SIGNED_AT: &str = "2025-09-01T10:00:00Z";
const VERIFY_AT: &str = "2025-09-01T10:05:00Z";

fn qyzmet(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qyzmet"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run qyzmet")
}

fn text(out: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs and expects exit 0; returns stdout.
fn ok(dir: &Path, args: &[&str]) -> String {
    let out = qyzmet(dir, args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "qyzmet {args:?}:\n{}",
        text(&out)
    );
    stdout(&out)
}

/// Runs and expects a usage error (exit 2); returns stderr.
fn usage_error(dir: &Path, args: &[&str]) -> String {
    let out = qyzmet(dir, args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "qyzmet {args:?}:\n{}",
        text(&out)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The value of a `name: value` line.
fn field(stdout: &str, name: &str) -> String {
    let prefix = format!("{name}: ");
    stdout
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no `{name}:` line in:\n{stdout}"))
        .to_string()
}

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A fresh folder under Cargo's per-test temporary directory.
fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("pki-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A CA (`ca/`), a citizen's certificate, a CRL, and a detached signature over REQUEST.
struct World {
    dir: PathBuf,
    ca: PathBuf,
    ca_subject: String,
    serial: String,
    subject: String,
    cert: PathBuf,
    key: PathBuf,
    request: PathBuf,
    sig: PathBuf,
}

impl World {
    fn new(name: &str) -> World {
        let dir = scratch(name);
        let ca = dir.join("ca");
        let out = ok(
            &dir,
            &["pki", "init", "--dir", "ca", "--not-before", CA_FROM],
        );
        let ca_subject = field(&out, "CA");
        assert!(ca_subject.contains("CN=qyzmet dev CA"), "{out}");
        assert_eq!(
            field(&out, "valid"),
            format!("{CA_FROM} .. 2035-01-01T00:00:00Z")
        );
        assert_eq!(field(&out, "certificate"), "ca/ca.cert.pem");
        assert_eq!(field(&out, "key"), "ca/ca.key.pem");
        for f in ["ca.json", "ca.cert.pem", "ca.key.pem"] {
            assert!(ca.join(f).is_file(), "{f} not written");
        }
        let (serial, subject, cert, key) = issue(&dir, APPLICANT, &[]);
        assert_eq!(
            serial, "02",
            "the root is serial 01, the first certificate 02"
        );
        assert_eq!(cert, ca.join("issued/02.cert.pem"));
        assert_eq!(key, ca.join("issued/02.key.pem"));
        let out = ok(&dir, &["pki", "crl", "--dir", "ca", "--at", CRL_AT]);
        assert_eq!(field(&out, "CRL number"), "1");
        assert_eq!(field(&out, "der"), "ca/crl.der");
        assert_eq!(field(&out, "pem"), "ca/crl.pem");
        assert!(ca.join("crl.der").is_file() && ca.join("crl.pem").is_file());
        let request = dir.join("request.json");
        std::fs::write(&request, REQUEST).unwrap();
        let w = World {
            sig: dir.join("request.sig"),
            dir,
            ca,
            ca_subject,
            serial,
            subject,
            cert,
            key,
            request,
        };
        w.sign(&w.sig, SIGNED_AT, false);
        w
    }

    fn sign(&self, out: &Path, at: &str, attached: bool) {
        let mut args = vec![
            "pki",
            "sign",
            "--key",
            p(&self.key),
            "--cert",
            p(&self.cert),
            "--in",
            p(&self.request),
            "--out",
            p(out),
            "--at",
            at,
        ];
        if attached {
            args.push("--attached");
        }
        let printed = ok(&self.dir, &args);
        assert_eq!(field(&printed, "serial"), self.serial);
        assert_eq!(field(&printed, "signing time"), at);
    }

    /// `qyzmet verify` of `sig` over `content` for `iin`, trusting our CA, with our CRL.
    fn verify(
        &self,
        sig: &Path,
        content: Option<&Path>,
        iin: &str,
        at: &str,
        extra: &[&str],
    ) -> Output {
        let crl = self.ca.join("crl.der");
        let trust = self.ca.join("ca.cert.pem");
        let mut args = vec![
            "verify",
            "--signature",
            p(sig),
            "--iin",
            iin,
            "--trust",
            p(&trust),
            "--crl",
            p(&crl),
            "--at",
            at,
        ];
        if let Some(c) = content {
            args.extend(["--content", p(c)]);
        }
        args.extend(extra);
        qyzmet(&self.dir, &args)
    }
}

/// `pki issue` in `dir/ca`; returns (serial, subject, certificate path, key path).
fn issue(dir: &Path, iin: &str, extra: &[&str]) -> (String, String, PathBuf, PathBuf) {
    let mut args = vec![
        "pki",
        "issue",
        "--dir",
        "ca",
        "--iin",
        iin,
        "--surname",
        "ТЕСТОВ",
        "--given-name",
        "АЙДОС",
        "--not-before",
        CERT_FROM,
    ];
    args.extend(extra);
    let out = ok(dir, &args);
    assert_eq!(field(&out, "valid"), format!("{CERT_FROM} .. {CERT_UNTIL}"));
    let subject = field(&out, "subject");
    assert!(subject.contains(&format!("SERIALNUMBER=IIN{iin}")), "{out}");
    (
        field(&out, "serial"),
        subject,
        dir.join(field(&out, "certificate")),
        dir.join(field(&out, "key")),
    )
}

/// Expects a refusal (exit 1) whose message in `lang` and code are those of `expected`.
fn assert_refused(out: &Output, expected: &Refusal, lang: Lang) {
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected a refusal:\n{}",
        text(out)
    );
    let s = stdout(out);
    assert_eq!(
        field(&s, "refused"),
        expected.message(lang),
        "{}",
        text(out)
    );
    assert_eq!(field(&s, "code"), expected.code());
    assert_eq!(field(&s, "portal"), Refusal::portal_message(lang));
}

#[test]
fn a_signed_request_is_accepted() {
    let w = World::new("accepted");
    let out = w.verify(&w.sig, Some(&w.request), APPLICANT, VERIFY_AT, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = stdout(&out);
    assert_eq!(s.lines().next(), Some("accepted"));
    assert_eq!(field(&s, "signer"), w.subject);
    assert_eq!(field(&s, "iin"), APPLICANT);
    assert_eq!(field(&s, "serial"), w.serial);
    assert_eq!(field(&s, "issuer"), w.ca_subject);
    assert_eq!(field(&s, "signing time"), SIGNED_AT);
    assert!(
        field(&s, "revocation").contains("not listed in CRL 01"),
        "{s}"
    );

    // Attached: the content travels inside; with --content it must be the same bytes.
    let attached = w.dir.join("attached.sig");
    w.sign(&attached, SIGNED_AT, true);
    for content in [None, Some(w.request.as_path())] {
        let out = w.verify(&attached, content, APPLICANT, VERIFY_AT, &[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    // RSA keys as well as P-256.
    let (_, _, cert, key) = issue(&w.dir, APPLICANT, &["--algorithm", "rsa2048"]);
    let rsa_sig = w.dir.join("rsa.sig");
    ok(
        &w.dir,
        &[
            "pki",
            "sign",
            "--key",
            p(&key),
            "--cert",
            p(&cert),
            "--in",
            p(&w.request),
            "--out",
            p(&rsa_sig),
            "--at",
            SIGNED_AT,
        ],
    );
    ok(&w.dir, &["pki", "crl", "--dir", "ca", "--at", CRL_AT]);
    let out = w.verify(&rsa_sig, Some(&w.request), APPLICANT, VERIFY_AT, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(field(&stdout(&out), "algorithm").contains("RSA"));
}

#[test]
fn another_persons_iin_is_refused_in_each_language() {
    let w = World::new("wrong-iin");
    let expected = Refusal::IinMismatch {
        expected: OTHER_PERSON.into(),
        found: APPLICANT.into(),
    };
    for (lang, code) in [(Lang::Kk, "kk"), (Lang::Ru, "ru"), (Lang::En, "en")] {
        let out = w.verify(
            &w.sig,
            Some(&w.request),
            OTHER_PERSON,
            VERIFY_AT,
            &["--lang", code],
        );
        assert_refused(&out, &expected, lang);
    }
}

#[test]
fn an_expired_certificate_is_refused() {
    let w = World::new("expired");
    let late = w.dir.join("late.sig");
    w.sign(&late, "2026-07-01T10:00:00Z", false);
    let out = w.verify(
        &late,
        Some(&w.request),
        APPLICANT,
        "2026-07-01T10:05:00Z",
        &["--lang", "ru"],
    );
    let expected = Refusal::Expired {
        certificate: w.subject.clone(),
        not_after: ts(CERT_UNTIL),
        // Judged at the verification instant (`--at`), never at the signer's signingTime.
        at: ts("2026-07-01T10:05:00Z"),
    };
    assert_refused(&out, &expected, Lang::Ru);
}

#[test]
fn a_certificate_not_yet_valid_is_refused() {
    let w = World::new("not-yet-valid");
    let early = w.dir.join("early.sig");
    w.sign(&early, "2025-05-15T10:00:00Z", false);
    let out = w.verify(
        &early,
        Some(&w.request),
        APPLICANT,
        "2025-05-15T10:05:00Z",
        &["--lang", "kk"],
    );
    let expected = Refusal::NotYetValid {
        certificate: w.subject.clone(),
        not_before: ts(CERT_FROM),
        at: ts("2025-05-15T10:05:00Z"),
    };
    assert_refused(&out, &expected, Lang::Kk);
}

#[test]
fn a_revoked_certificate_is_refused_once_the_crl_lists_it() {
    let w = World::new("revoked");
    let before = w.dir.join("crl-before.der");
    std::fs::copy(w.ca.join("crl.der"), &before).unwrap();
    let out = ok(
        &w.dir,
        &[
            "pki",
            "revoke",
            "--dir",
            "ca",
            "--serial",
            "2",
            "--reason",
            "keyCompromise",
            "--at",
            "2025-08-15T00:00:00Z",
        ],
    );
    assert!(
        out.contains("revoked: 02 at 2025-08-15T00:00:00Z (KeyCompromise)"),
        "{out}"
    );
    // Not yet published: the CRL the verifier has still says good.
    let old = qyzmet(
        &w.dir,
        &[
            "verify",
            "--signature",
            p(&w.sig),
            "--content",
            p(&w.request),
            "--iin",
            APPLICANT,
            "--trust",
            "ca/ca.cert.pem",
            "--crl",
            p(&before),
            "--at",
            VERIFY_AT,
        ],
    );
    assert_eq!(old.status.code(), Some(0), "{}", text(&old));
    let out = ok(
        &w.dir,
        &["pki", "crl", "--dir", "ca", "--at", CRL_AT, "--days", "7"],
    );
    assert_eq!(field(&out, "CRL number"), "2");
    assert_eq!(field(&out, "revoked"), "1");
    for (lang, code) in [(Lang::En, "en"), (Lang::Ru, "ru")] {
        let out = w.verify(
            &w.sig,
            Some(&w.request),
            APPLICANT,
            VERIFY_AT,
            &["--lang", code],
        );
        let expected = Refusal::Revoked {
            serial: w.serial.clone(),
            date: ts("2025-08-15T00:00:00Z"),
        };
        assert_refused(&out, &expected, lang);
    }
    // The PEM CRL says the same; revoking twice is an error naming the serial.
    let out = qyzmet(
        &w.dir,
        &[
            "verify",
            "--signature",
            p(&w.sig),
            "--content",
            p(&w.request),
            "--iin",
            APPLICANT,
            "--trust",
            "ca/ca.cert.pem",
            "--crl",
            "ca/crl.pem",
            "--at",
            VERIFY_AT,
        ],
    );
    assert_eq!(field(&stdout(&out), "code"), "ecp.revoked");
    let err = usage_error(
        &w.dir,
        &[
            "pki", "revoke", "--dir", "ca", "--serial", "02", "--at", CRL_AT,
        ],
    );
    assert!(
        err.contains("--serial 02") && err.contains("already revoked"),
        "{err}"
    );
}

#[test]
fn without_a_current_crl_the_revocation_status_is_unknown() {
    let w = World::new("no-crl");
    let out = qyzmet(
        &w.dir,
        &[
            "verify",
            "--signature",
            p(&w.sig),
            "--content",
            p(&w.request),
            "--iin",
            APPLICANT,
            "--trust",
            "ca/ca.cert.pem",
            "--at",
            VERIFY_AT,
        ],
    );
    let expected = Refusal::RevocationUnknown(RevocationUnknown::NoCrl {
        issuer: w.ca_subject.clone(),
    });
    assert_refused(&out, &expected, Lang::En);
    // A week-long CRL is stale two weeks later.
    let later = w.dir.join("later.sig");
    w.sign(&later, "2025-09-15T10:00:00Z", false);
    let out = w.verify(
        &later,
        Some(&w.request),
        APPLICANT,
        "2025-09-15T10:05:00Z",
        &[],
    );
    let expected = Refusal::RevocationUnknown(RevocationUnknown::Stale {
        issuer: w.ca_subject.clone(),
        next_update: ts("2025-09-08T00:00:00Z"),
    });
    assert_refused(&out, &expected, Lang::En);
}

#[test]
fn a_certificate_of_another_ca_is_refused() {
    let w = World::new("unknown-issuer");
    // A second CA with its own name: nothing trusted matches the signer's issuer.
    ok(
        &w.dir,
        &[
            "pki",
            "init",
            "--dir",
            "other",
            "--name",
            "another dev CA",
            "--not-before",
            CA_FROM,
        ],
    );
    let out = qyzmet(
        &w.dir,
        &[
            "verify",
            "--signature",
            p(&w.sig),
            "--content",
            p(&w.request),
            "--iin",
            APPLICANT,
            "--trust",
            "other/ca.cert.pem",
            "--at",
            VERIFY_AT,
            "--lang",
            "kk",
        ],
    );
    let expected = Refusal::UnknownIssuer {
        issuer: w.ca_subject.clone(),
    };
    assert_refused(&out, &expected, Lang::Kk);
    // A second CA under the same name: the name matches, its key does not verify the signer's
    // certificate.
    ok(
        &w.dir,
        &["pki", "init", "--dir", "twin", "--not-before", CA_FROM],
    );
    let out = qyzmet(
        &w.dir,
        &[
            "verify",
            "--signature",
            p(&w.sig),
            "--content",
            p(&w.request),
            "--iin",
            APPLICANT,
            "--trust",
            "twin/ca.cert.pem",
            "--at",
            VERIFY_AT,
        ],
    );
    let expected = Refusal::BadChainSignature {
        certificate: w.subject.clone(),
    };
    assert_refused(&out, &expected, Lang::En);
}

#[test]
fn tampered_content_is_refused() {
    let w = World::new("tampered");
    let mut bytes = std::fs::read(&w.request).unwrap();
    bytes[1] ^= 0x01;
    let tampered = w.dir.join("tampered.json");
    std::fs::write(&tampered, &bytes).unwrap();
    let out = w.verify(&w.sig, Some(&tampered), APPLICANT, VERIFY_AT, &[]);
    let expected = Refusal::BadSignature {
        reason: Tampering::DigestMismatch,
    };
    assert_refused(&out, &expected, Lang::En);
    // An attached signature presented with other bytes than those inside it.
    let attached = w.dir.join("attached.sig");
    w.sign(&attached, SIGNED_AT, true);
    let out = w.verify(
        &attached,
        Some(&tampered),
        APPLICANT,
        VERIFY_AT,
        &["--lang", "ru"],
    );
    let expected = Refusal::BadSignature {
        reason: Tampering::ContentMismatch,
    };
    assert_refused(&out, &expected, Lang::Ru);
    // A detached signature without its content cannot be checked.
    let out = w.verify(&w.sig, None, APPLICANT, VERIFY_AT, &[]);
    assert_eq!(
        field(&stdout(&out), "code"),
        "ecp.malformed",
        "{}",
        text(&out)
    );
}

#[test]
fn a_key_not_for_signing_is_refused() {
    let w = World::new("key-usage");
    // NCA's AUTH pair is digitalSignature + keyEncipherment: it authenticates, it does not
    // sign an applicant's request (nonRepudiation is required).
    let (_, _, cert, key) = issue(&w.dir, APPLICANT, &["--usage", "auth"]);
    let (_, subject, enc_cert, enc_key) = issue(&w.dir, APPLICANT, &["--usage", "keyEncipherment"]);
    ok(&w.dir, &["pki", "crl", "--dir", "ca", "--at", CRL_AT]);
    let sign = |cert: &Path, key: &Path, name: &str| {
        let sig = w.dir.join(name);
        ok(
            &w.dir,
            &[
                "pki",
                "sign",
                "--key",
                p(key),
                "--cert",
                p(cert),
                "--in",
                p(&w.request),
                "--out",
                p(&sig),
                "--at",
                SIGNED_AT,
            ],
        );
        sig
    };
    let auth = sign(&cert, &key, "auth.sig");
    let out = w.verify(&auth, Some(&w.request), APPLICANT, VERIFY_AT, &[]);
    let expected = Refusal::KeyUsage {
        found: "digitalSignature, keyEncipherment".into(),
    };
    assert_refused(&out, &expected, Lang::En);
    // keyEncipherment alone: no digitalSignature, no nonRepudiation.
    let enc = sign(&enc_cert, &enc_key, "enc.sig");
    let out = w.verify(
        &enc,
        Some(&w.request),
        APPLICANT,
        VERIFY_AT,
        &["--lang", "kk"],
    );
    assert!(subject.contains("IIN"));
    let expected = Refusal::KeyUsage {
        found: "keyEncipherment".into(),
    };
    assert_refused(&out, &expected, Lang::Kk);
}

#[test]
fn a_providers_result_is_checked_without_an_iin_match() {
    let w = World::new("signer-only");
    let (serial, subject, cert, key) = issue(
        &w.dir,
        STAFF_IIN,
        &[
            "--staff",
            "--bin",
            PROVIDER_BIN,
            "--org",
            "«Тест балабақшасы» КМҚК",
        ],
    );
    assert!(
        subject.contains(&format!("OU=BIN{PROVIDER_BIN}")),
        "{subject}"
    );
    ok(&w.dir, &["pki", "crl", "--dir", "ca", "--at", CRL_AT]);
    let result = w.dir.join("result.pdf");
    std::fs::write(&result, b"%PDF-1.7 a result\n").unwrap();
    let sig = w.dir.join("result.sig");
    ok(
        &w.dir,
        &[
            "pki",
            "sign",
            "--key",
            p(&key),
            "--cert",
            p(&cert),
            "--in",
            p(&result),
            "--out",
            p(&sig),
            "--at",
            SIGNED_AT,
        ],
    );
    let out = ok(
        &w.dir,
        &[
            "verify",
            "--signer-only",
            "--signature",
            p(&sig),
            "--content",
            p(&result),
            "--trust",
            "ca/ca.cert.pem",
            "--crl",
            "ca/crl.der",
            "--at",
            VERIFY_AT,
        ],
    );
    assert_eq!(field(&out, "serial"), serial);
    assert_eq!(field(&out, "iin"), STAFF_IIN);
    assert_eq!(field(&out, "bin"), PROVIDER_BIN);
    assert_eq!(field(&out, "organization"), "«Тест балабақшасы» КМҚК");
    // As an applicant's request it would need the applicant's IIN.
    let out = w.verify(&sig, Some(&result), APPLICANT, VERIFY_AT, &[]);
    assert_eq!(field(&stdout(&out), "code"), "ecp.iin_mismatch");
    // --signer-only and --iin exclude each other.
    let err = usage_error(
        &w.dir,
        &[
            "verify",
            "--signer-only",
            "--iin",
            APPLICANT,
            "--signature",
            p(&sig),
            "--trust",
            "ca/ca.cert.pem",
        ],
    );
    assert!(
        err.contains("--signer-only") && err.contains("--iin"),
        "{err}"
    );
}

#[test]
fn a_documents_content_hash_is_checked() {
    let dir = scratch("pdf");
    let pdf = dir.join("result.pdf");
    let bytes = b"%PDF-1.7\n% a stand-in: only the bytes count\n".to_vec();
    std::fs::write(&pdf, &bytes).unwrap();
    let hash = documents::content_hash(&bytes);
    let out = ok(&dir, &["verify", "--pdf", "result.pdf", "--sha256", &hash]);
    assert!(out.starts_with("intact:"), "{out}");
    ok(
        &dir,
        &[
            "verify",
            "--pdf",
            "result.pdf",
            "--sha256",
            &hash.to_uppercase(),
        ],
    );
    let mut changed = bytes.clone();
    changed[10] ^= 0x20;
    std::fs::write(&pdf, &changed).unwrap();
    let out = qyzmet(&dir, &["verify", "--pdf", "result.pdf", "--sha256", &hash]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(stdout(&out).contains(&documents::content_hash(&changed)));
    let err = usage_error(&dir, &["verify", "--pdf", "result.pdf", "--sha256", "abc"]);
    assert!(
        err.contains("--sha256") && err.contains("64 hexadecimal digits"),
        "{err}"
    );
    let err = usage_error(&dir, &["verify", "--pdf", "result.pdf"]);
    assert!(err.contains("--sha256"), "{err}");
}

#[test]
fn usage_errors_name_the_flag_and_the_rule() {
    let w = World::new("errors");
    let d = &w.dir;
    let cases: &[(&[&str], &[&str])] = &[
        (
            &[
                "pki",
                "issue",
                "--dir",
                "ca",
                "--iin",
                "100515500004",
                "--surname",
                "A",
                "--given-name",
                "B",
            ],
            &["--iin", "iin.check_digit"],
        ),
        (
            &[
                "pki",
                "issue",
                "--dir",
                "ca",
                "--iin",
                APPLICANT,
                "--surname",
                "A",
                "--given-name",
                "B",
                "--staff",
                "--org",
                "X",
            ],
            &["--staff needs --bin"],
        ),
        (
            &[
                "pki",
                "issue",
                "--dir",
                "ca",
                "--iin",
                APPLICANT,
                "--surname",
                "A",
                "--given-name",
                "B",
                "--bin",
                PROVIDER_BIN,
            ],
            &["only for --staff"],
        ),
        (
            &[
                "pki",
                "issue",
                "--dir",
                "ca",
                "--iin",
                APPLICANT,
                "--surname",
                "A",
                "--given-name",
                "B",
                "--staff",
                "--org",
                "X",
                "--bin",
                "941340000385",
            ],
            &["--bin", "bin.month"],
        ),
        (
            &[
                "pki",
                "issue",
                "--dir",
                "ca",
                "--iin",
                APPLICANT,
                "--surname",
                "A",
                "--given-name",
                "B",
                "--days",
                "0",
            ],
            &["--days"],
        ),
        (
            &[
                "pki",
                "issue",
                "--dir",
                "ca",
                "--iin",
                APPLICANT,
                "--surname",
                "A",
                "--given-name",
                "B",
                "--not-before",
                "soon",
            ],
            &["--not-before", "instant"],
        ),
        (
            &[
                "pki",
                "issue",
                "--dir",
                "ca",
                "--iin",
                APPLICANT,
                "--surname",
                "A",
                "--given-name",
                "B",
                "--usage",
                "sing",
            ],
            &["--usage", "unknown key usage"],
        ),
        (
            &[
                "pki",
                "issue",
                "--dir",
                "nowhere",
                "--iin",
                APPLICANT,
                "--surname",
                "A",
                "--given-name",
                "B",
            ],
            &["--dir nowhere", "pki init"],
        ),
        (&["pki", "init", "--dir", "ca"], &["already holds a CA"]),
        (
            &["pki", "revoke", "--dir", "ca", "--serial", "7F"],
            &["--serial 7F", "no certificate"],
        ),
        (
            &[
                "pki", "revoke", "--dir", "ca", "--serial", "2", "--reason", "lost",
            ],
            &["--reason", "keyCompromise"],
        ),
        (
            &[
                "pki",
                "sign",
                "--key",
                "ca/ca.key.pem",
                "--cert",
                "ca/issued/02.cert.pem",
                "--in",
                "request.json",
                "--out",
                "x.sig",
            ],
            &["--key ca/ca.key.pem does not belong to --cert"],
        ),
        (
            &[
                "pki",
                "sign",
                "--key",
                "ca/issued/02.key.pem",
                "--cert",
                "ca/issued/02.cert.pem",
                "--in",
                "missing.json",
                "--out",
                "x.sig",
            ],
            &["--in missing.json"],
        ),
        (
            &[
                "verify",
                "--signature",
                "request.sig",
                "--trust",
                "ca/ca.cert.pem",
            ],
            &["--iin"],
        ),
        (
            &[
                "verify",
                "--signature",
                "request.sig",
                "--iin",
                APPLICANT,
                "--trust",
                "request.json",
            ],
            &["--trust request.json", "not an X.509 certificate"],
        ),
        (
            &[
                "verify",
                "--signature",
                "request.sig",
                "--iin",
                APPLICANT,
                "--trust",
                "ca/ca.cert.pem",
                "--crl",
                "request.json",
            ],
            &["--crl request.json", "CRL"],
        ),
        (
            &[
                "verify",
                "--signature",
                "request.sig",
                "--iin",
                APPLICANT,
                "--trust",
                "ca/ca.cert.pem",
                "--lang",
                "de",
            ],
            &["--lang"],
        ),
    ];
    for (args, wanted) in cases {
        let err = usage_error(d, args);
        for want in *wanted {
            assert!(
                err.contains(want),
                "qyzmet {args:?}: expected {want:?} in:\n{err}"
            );
        }
    }
    assert!(!d.join("x.sig").exists(), "a failed sign wrote a signature");
}

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

/// Both directions with the real clock (OpenSSL checks validity against it).
#[test]
fn openssl_accepts_our_signatures_and_we_accept_its() {
    if !have_openssl() {
        return;
    }
    for alg in ["p256", "rsa2048"] {
        let dir = scratch(&format!("openssl-{alg}"));
        ok(&dir, &["pki", "init", "--dir", "ca", "--algorithm", alg]);
        let out = ok(
            &dir,
            &[
                "pki",
                "issue",
                "--dir",
                "ca",
                "--iin",
                APPLICANT,
                "--surname",
                "ТЕСТОВ",
                "--given-name",
                "АЙДОС",
                "--algorithm",
                alg,
            ],
        );
        let (cert, key) = (field(&out, "certificate"), field(&out, "key"));
        ok(&dir, &["pki", "crl", "--dir", "ca"]);
        std::fs::write(dir.join("data"), REQUEST).unwrap();

        ok(
            &dir,
            &[
                "pki", "sign", "--key", &key, "--cert", &cert, "--in", "data", "--out", "sig",
            ],
        );
        let v = openssl(
            &dir,
            &[
                "cms",
                "-verify",
                "-binary",
                "-CAfile",
                "ca/ca.cert.pem",
                "-content",
                "data",
                "-inform",
                "DER",
                "-in",
                "sig",
                "-purpose",
                "any",
                "-out",
                "verified",
            ],
        );
        assert!(
            v.status.success(),
            "{alg}: openssl cms -verify of ours:\n{}",
            text(&v)
        );
        assert_eq!(
            std::fs::read(dir.join("verified")).unwrap(),
            REQUEST.as_bytes()
        );

        let s = openssl(
            &dir,
            &[
                "cms", "-sign", "-binary", "-signer", &cert, "-inkey", &key, "-in", "data",
                "-outform", "DER", "-out", "sig2",
            ],
        );
        assert!(
            s.status.success(),
            "{alg}: openssl cms -sign:\n{}",
            text(&s)
        );
        let out = ok(
            &dir,
            &[
                "verify",
                "--signature",
                "sig2",
                "--content",
                "data",
                "--iin",
                APPLICANT,
                "--trust",
                "ca/ca.cert.pem",
                "--crl",
                "ca/crl.der",
            ],
        );
        assert_eq!(field(&out, "iin"), APPLICANT, "{out}");
        // OpenSSL's one byte off is ours too.
        std::fs::write(dir.join("data"), REQUEST.replace("externat", "externaT")).unwrap();
        let out = qyzmet(
            &dir,
            &[
                "verify",
                "--signature",
                "sig2",
                "--content",
                "data",
                "--iin",
                APPLICANT,
                "--trust",
                "ca/ca.cert.pem",
                "--crl",
                "ca/crl.der",
            ],
        );
        assert_eq!(
            field(&stdout(&out), "code"),
            "ecp.bad_signature",
            "{}",
            text(&out)
        );
    }
}

/// `pki tsa` + `pki stamp`: a time-stamped signature is judged at the token's genTime, so
/// it stands after the certificate expires; `pki ocsp` + `verify --ocsp-response`: the CA's
/// OCSP answer decides revocation without a CRL.
#[test]
fn timestamps_and_ocsp_answers_through_the_cli() {
    let w = World::new("tsa-ocsp");
    let out = ok(
        &w.dir,
        &[
            "pki",
            "tsa",
            "--dir",
            "ca",
            "--not-before",
            CA_FROM,
            "--days",
            "3650",
        ],
    );
    let tsa_cert = w.dir.join(field(&out, "certificate"));
    let tsa_key = w.dir.join(field(&out, "key"));
    let stamped = w.dir.join("stamped.sig");
    let out = ok(
        &w.dir,
        &[
            "pki",
            "stamp",
            "--key",
            p(&tsa_key),
            "--cert",
            p(&tsa_cert),
            "--in",
            p(&w.sig),
            "--out",
            p(&stamped),
            "--at",
            SIGNED_AT,
        ],
    );
    assert_eq!(field(&out, "policy"), "1.2.398.3.3.2.6.2");

    // A year later the certificate has expired; the stamped signature still stands.
    let later = "2026-07-01T10:05:00Z";
    ok(
        &w.dir,
        &["pki", "crl", "--dir", "ca", "--at", "2026-07-01T00:00:00Z"],
    );
    let out = w.verify(&stamped, Some(&w.request), APPLICANT, later, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let s = stdout(&out);
    assert_eq!(field(&s, "timestamp"), SIGNED_AT);
    assert_eq!(field(&s, "validity checked at"), SIGNED_AT);
    assert_eq!(field(&s, "timestamp policy"), "1.2.398.3.3.2.6.2");
    assert!(field(&s, "timestamp authority").contains("CN=qyzmet dev TSA"));
    let out = w.verify(&w.sig, Some(&w.request), APPLICANT, later, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(field(&stdout(&out), "code"), "ecp.expired");

    // OCSP instead of a CRL.
    let trust = w.ca.join("ca.cert.pem");
    let verify_ocsp = |response: &Path| {
        qyzmet(
            &w.dir,
            &[
                "verify",
                "--signature",
                p(&w.sig),
                "--content",
                p(&w.request),
                "--iin",
                APPLICANT,
                "--trust",
                p(&trust),
                "--ocsp-response",
                p(response),
                "--at",
                VERIFY_AT,
            ],
        )
    };
    let good = w.dir.join("good.ocsp");
    let out = ok(
        &w.dir,
        &[
            "pki",
            "ocsp",
            "--dir",
            "ca",
            "--serial",
            &w.serial,
            "--out",
            p(&good),
            "--at",
            SIGNED_AT,
        ],
    );
    assert_eq!(field(&out, "status"), "good");
    let out = verify_ocsp(&good);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(
        field(&stdout(&out), "revocation"),
        format!("OCSP good, produced at {SIGNED_AT}")
    );
    ok(
        &w.dir,
        &[
            "pki", "revoke", "--dir", "ca", "--serial", &w.serial, "--at", SIGNED_AT,
        ],
    );
    let revoked = w.dir.join("revoked.ocsp");
    let out = ok(
        &w.dir,
        &[
            "pki",
            "ocsp",
            "--dir",
            "ca",
            "--serial",
            &w.serial,
            "--out",
            p(&revoked),
            "--at",
            SIGNED_AT,
        ],
    );
    assert_eq!(field(&out, "status"), format!("revoked at {SIGNED_AT}"));
    let out = verify_ocsp(&revoked);
    assert_refused(
        &out,
        &Refusal::Revoked {
            serial: w.serial.clone(),
            date: ts(SIGNED_AT),
        },
        Lang::En,
    );
}

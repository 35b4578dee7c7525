//! The binary runs from any directory: the seed catalogue and the document templates are built
//! in, the seed texts are only needed for lint's citation checks, and `serve` takes its
//! settings from `QYZMET_*` variables as well as flags — its PostgreSQL store too
//! (`QYZMET_DATABASE`, `QYZMET_DATABASE_SCHEMA`).

mod common;

use common::serve::{Server, free_port, login, qyzmet};
use serde_json::json;
use std::path::{Path, PathBuf};

/// A fresh directory outside the repository (the system temp dir), removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let d = std::env::temp_dir().join(format!("qyzmet-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        assert!(
            !d.starts_with(repo.canonicalize().unwrap()),
            "the scratch directory must be outside the repository"
        );
        Scratch(d)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn seeds() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds")
}

#[test]
fn lint_of_the_built_in_catalogue_passes_without_seeds_and_with_them() {
    let here = Scratch::new("lint");
    let out = qyzmet(&here.0).args(["lint", "-q"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("11 regulation(s) checked: 0 error(s)"),
        "{stdout}"
    );
    assert!(
        stderr.contains("note: the seed texts") && stderr.contains("not checked"),
        "one note says the citations went unchecked: {stderr}"
    );

    if !seeds().is_dir() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing in CI",
            seeds().display()
        );
        eprintln!("SKIPPED citation check: no {}", seeds().display());
        return;
    }
    // The same catalogue with its citations checked, the seeds given by variable.
    let out = qyzmet(&here.0)
        .args(["lint", "-q"])
        .env("QYZMET_SEEDS", seeds())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("11 regulation(s) checked: 0 error(s)"));
    assert!(!stderr.contains("note:"), "{stderr}");
    // A seeds folder that is not there is an error, not a silent skip.
    let out = qyzmet(&here.0)
        .args(["lint", "--seeds", "no-such-dir"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-dir"));
}

#[test]
fn regulations_list_and_export_use_the_built_in_catalogue() {
    let here = Scratch::new("list");
    let out = qyzmet(&here.0)
        .args(["regulations", "list"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 11);
    let out = qyzmet(&here.0)
        .args(["regulations", "export"])
        .env("QYZMET_EXPORT_FORMAT", "json")
        .output()
        .unwrap();
    let all: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 11);
    // --regulations overrides: a folder with one of them.
    let one = here.0.join("one");
    std::fs::create_dir_all(&one).unwrap();
    let (name, text) = regulation::EMBEDDED[0];
    std::fs::write(one.join(name), text).unwrap();
    let out = qyzmet(&here.0)
        .args(["regulations", "list", "--regulations", "one"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn serve_from_elsewhere_answers_the_catalogue_and_prints_documents() {
    serve_from_elsewhere(None);
}

#[test]
fn serve_from_elsewhere_answers_the_catalogue_and_prints_documents_on_postgres() {
    if testkit::pg::available() {
        serve_from_elsewhere(Some(testkit::pg::Schema::fresh()));
    }
}

/// The server on the embedded store, or on PostgreSQL's `schema`.
fn serve_from_elsewhere(schema: Option<testkit::pg::Schema>) {
    let here = Scratch::new(if schema.is_some() {
        "serve-pg"
    } else {
        "serve"
    });
    let port = free_port();
    // Settings from the environment only; `--data` (the old name of --data-dir) still works.
    let mut cmd = qyzmet(&here.0);
    cmd.args(["serve", "--data", "state"])
        .env("QYZMET_LISTEN", format!("127.0.0.1:{port}"))
        .env("QYZMET_AS_OF", "2019-12-03T10:00")
        .env("QYZMET_DEMO", "true");
    if let Some(s) = &schema {
        cmd.env("QYZMET_DATABASE", testkit::pg::uri())
            .env("QYZMET_DATABASE_SCHEMA", s.name());
    }
    let server = Server::start(cmd, port);
    // The store is in the file, or in PostgreSQL and no file at all.
    assert_eq!(
        here.0.join("state/qyzmet.db").is_file(),
        schema.is_none(),
        "the store's file"
    );

    let r = server.http("GET", "/healthz", &[], "");
    assert_eq!(r.status, 200);
    let r = server.http("GET", "/api/services?limit=50", &[], "");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json()["items"].as_array().unwrap().len(),
        11,
        "{}",
        r.json()
    );

    // An office clerk registers a paper application; its receipt is a PDF.
    let (cookie, csrf) = login(
        port,
        "tvet_organisation-1.office_clerk",
        server::demo::STAFF_PASSWORD,
        "anywhere-login",
    );
    let form_data = testkit::seed_ctx().sample_data(
        "ekr-free-meals-tvet",
        "2019-12-03T04:00:00Z".parse().unwrap(),
        0,
    );
    let body = json!({"regulation": "ekr-free-meals-tvet", "applicant_iin": "100515500003",
                      "applicant_name": "Әлібек Қасымұлы Сейітов", "data": form_data,
                      "confirm_duplicate": true});
    let r = server.http(
        "POST",
        "/api/office/applications",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        &body.to_string(),
    );
    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
    let id = r.json()["id"].as_str().unwrap().to_string();
    let fonts = Path::new(documents::DEFAULT_FONT_REGULAR).is_file();
    if !fonts {
        assert!(
            std::env::var_os("CI").is_none(),
            "DejaVu fonts are missing in CI"
        );
        eprintln!("SKIPPED the PDF: no {}", documents::DEFAULT_FONT_REGULAR);
        return;
    }
    let r = server.http(
        "GET",
        &format!("/api/documents/{id}/receipt.pdf?lang=ru"),
        &[("Cookie", &cookie)],
        "",
    );
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("content-type"), Some("application/pdf"));
    assert!(r.body.starts_with(b"%PDF-"));
}

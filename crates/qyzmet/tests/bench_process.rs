//! `qyzmet bench process` at a small size: both stores in process with verified journals, the
//! peer on both stores, the HTTP runs on both stores with officials' actions done meanwhile,
//! and every ratio and target printed. Needs PostgreSQL, `oha` (scripts/setup.sh installs it)
//! and the SpiffWorkflow venv; under CI a missing one fails the test.

mod common;

use common::tools::{oha, root};
use serde_json::Value;
use std::process::Command;

#[test]
fn bench_process_measures_both_stores_over_http_and_the_peer() {
    if !testkit::pg::available() {
        return;
    }
    let Some(oha) = oha() else {
        testkit::skip(format_args!(
            "no `oha` load generator (scripts/setup.sh installs it): bench process not run"
        ));
        return;
    };
    let out = Command::new(env!("CARGO_BIN_EXE_qyzmet"))
        .current_dir(root())
        .env("QYZMET_ROOT", root())
        .args(["bench", "process", "--n", "600", "--wave", "200"])
        .args(["--peer-n", "20", "--rates", "40", "--http-seconds", "2"])
        .args(["--officials-rate", "30", "--json", "--database"])
        .arg(testkit::pg::url())
        .arg("--oha")
        .arg(&oha)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "bench process failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(text.lines().last().unwrap_or("")).unwrap();

    let runs = report["in_process"].as_array().unwrap();
    let stores: Vec<&str> = runs.iter().map(|r| r["store"].as_str().unwrap()).collect();
    assert_eq!(stores, ["sqlite", "postgres"]);
    for r in runs {
        assert_eq!(r["applications"], 600);
        // Six transitions each: submit and five actions, every one acknowledged.
        assert_eq!(r["transitions"], 3600, "{r}");
        assert_eq!(r["journal_verified"], true, "{r}");
        assert!(r["applications_per_s"].as_f64().unwrap() > 0.0);
        assert!(
            r["cpu_ms_per_application_machine"].as_f64().unwrap() > 0.0,
            "{r}"
        );
    }

    let peers = report["peer"].as_array().unwrap();
    let peer_stores: Vec<&str> = peers.iter().map(|p| p["store"].as_str().unwrap()).collect();
    assert_eq!(peer_stores, ["sqlite", "postgres"]);
    for p in peers {
        assert_eq!(p["applications"], 20);
        assert_eq!(p["transitions"], 120);
    }

    let http = report["http"].as_array().unwrap();
    assert_eq!(http.len(), 2, "{http:?}");
    for h in http {
        assert_eq!(h["rate"], 40);
        assert!(h["submissions"].as_u64().unwrap() >= 40, "{h}");
        assert_eq!(
            h["submissions"], h["requests"],
            "every submission taken: {h}"
        );
        assert!(h["official_actions"].as_u64().unwrap() >= 20, "{h}");
        assert_eq!(h["official_actions_failed"], 0, "{h}");
        assert!(h["submit_p99_ms"].as_f64().unwrap() > 0.0);
    }

    let checks = report["checks"].as_array().unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c["what"].as_str().unwrap()).collect();
    for want in [
        "qyzmet + sqlite in process, applications/s",
        "qyzmet + postgres in process, applications/s",
        "qyzmet / SpiffWorkflow on sqlite (applications/s)",
        "qyzmet / SpiffWorkflow on postgres (applications/s)",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    assert!(text.contains("ratios (same machine, same run)"), "{text}");
}

//! `qyzmet bench server` on a small store: every figure is printed, the monitoring report from
//! the aggregates equals the full scan, and the load ran without a rejected command. The HTTP
//! part needs the `oha` load generator (scripts/setup.sh installs it): missing, it fails under CI
//! and elsewhere says so and runs with `--no-http`.
//!
//! The embedded store only: `bench server` bulk-loads and measures a SQLite store (its
//! full-scan reference is SQL over that file). On PostgreSQL, aggregates against the full scan
//! are the server's `lists` test (`on_postgres::monitoring_from_the_aggregates_equals_…`).

mod common;

use common::tools::{oha, root};
use serde_json::Value;
use std::process::Command;

#[test]
fn bench_server_prints_every_figure_and_equal_reports() {
    let data =
        std::env::temp_dir().join(format!("qyzmet-bench-server-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_qyzmet"));
    cmd.args(["bench", "server", "--n", "2000", "--http-seconds", "2"])
        .args(["--reps", "5", "--json", "--data"])
        .arg(&data)
        .arg("--dir")
        .arg(root().join("regulations"));
    let http = oha().is_some();
    if !http {
        // Under CI this fails: scripts/setup.sh installs oha.
        testkit::skip(
            "no `oha` installed (scripts/setup.sh installs it): the HTTP part is skipped",
        );
        cmd.arg("--no-http");
    }
    let out = cmd.output().unwrap();
    // Measured again over the kept store, without a new load.
    let again = Command::new(env!("CARGO_BIN_EXE_qyzmet"))
        .args([
            "bench",
            "server",
            "--reuse",
            "--no-http",
            "--reps",
            "2",
            "--json",
        ])
        .arg("--data")
        .arg(&data)
        .arg("--dir")
        .arg(root().join("regulations"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&data);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let again_out = String::from_utf8_lossy(&again.stdout);
    assert!(
        again.status.success() && again_out.contains("measured again"),
        "{again_out}\n{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let again_json: Value = serde_json::from_str(again_out.lines().last().unwrap()).unwrap();
    assert_eq!(again_json["applications"], 2000, "{again_json}");
    assert_eq!(again_json["reports_equal"], true);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("reports equal: yes"), "{stdout}");
    let json: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(json["applications"], 2000, "{json}");
    assert_eq!(json["reports_equal"], true);
    assert_eq!(json["load"]["rejected"], 0);
    assert_eq!(json["regulations"], 11);
    assert!(json["load"]["applications_per_s"].as_f64().unwrap() > 0.0);
    // A realistic mix: most closed, some refused, some still open, some overdue.
    let states = &json["load"]["states"];
    for s in [
        "closed: issued",
        "closed: refusal_issued",
        "closed: acceptance_refused",
        "in_progress",
    ] {
        assert!(states[s].as_u64().unwrap_or(0) > 0, "no `{s}` in {states}");
    }
    assert!(json["load"]["open_overdue"].as_u64().unwrap() > 0, "{json}");
    let figures = json["figures"].as_array().unwrap();
    let mut want = vec![
        "monitoring_report",
        "monitoring_full_scan",
        "inbox_busiest",
        "filtered_inbox",
        "inbox_head",
        "filtered_org",
        "search_iin",
        "search_receipt",
        "peak_memory",
    ];
    if http {
        want.extend(["http_fixed", "http_saturation"]);
    }
    for key in want {
        let f = figures
            .iter()
            .find(|f| f["key"] == key)
            .unwrap_or_else(|| panic!("no figure `{key}` in {json}"));
        if key == "peak_memory" {
            assert!(json["peak_rss_mb"].as_f64().unwrap() > 0.0);
        } else {
            assert!(f["p50_ms"].as_f64().is_some_and(|x| x > 0.0), "{f}");
            assert!(f["p99_ms"].as_f64().is_some_and(|x| x > 0.0), "{f}");
        }
        assert!(stdout.contains(f["what"].as_str().unwrap()), "{stdout}");
    }
    assert!(json["monitoring_ratio"].as_f64().unwrap() > 0.0);
    if http {
        assert!(
            json["http"]["fixed"]["created"].as_u64().unwrap() > 0,
            "{json}"
        );
        assert!(json["http"]["saturation"]["created"].as_u64().unwrap() > 0);
    }
}

//! Helpers for the seed tests (`seed_*.rs`): they run the real binary's
//! `qyzmet regulations export --format json` once per test binary and check one seed's
//! regulations against values read by hand from the Kazakh texts.
//!
//! Durations are written `Some((value, unit))`, or `None` where the text gives none (JSON null).
//! Name pieces of results are matched case-insensitively; warning pieces case-sensitively, except
//! in [`check_warning_all_of`]. The checks are `#[track_caller]`: a failure names the line of the
//! test file that asked for it.
// Not every seed test uses every helper.
#![allow(dead_code)]

use serde_json::Value;
use std::process::Command;
use std::sync::OnceLock;

/// An expected duration: `Some((value, unit))`, or `None` for none (JSON null).
pub type Dur = Option<(u64, &'static str)>;

/// One expected step, as read from the text: `S(n, role, duration, word)`: the step number, the
/// role (`None`: no role, as for a `provider_flow` step), the duration (`None`: none), and a word
/// its `text_en` must contain (case-insensitively).
pub struct S(pub u64, pub Option<&'static str>, pub Dur, pub &'static str);

/// Every exported regulation; the binary runs once per test binary.
pub fn export() -> &'static [Value] {
    static EXPORT: OnceLock<Vec<Value>> = OnceLock::new();
    EXPORT.get_or_init(|| {
        let root = testkit::repo_root();
        let out = Command::new(env!("CARGO_BIN_EXE_qyzmet"))
            .args(["regulations", "export", "--format", "json"])
            .current_dir(&root)
            .output()
            .expect("run qyzmet");
        assert!(
            out.status.success(),
            "`qyzmet regulations export --format json` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        match serde_json::from_slice(&out.stdout).expect("export is JSON") {
            Value::Array(all) => all,
            other => panic!("export is a JSON array, got {other}"),
        }
    })
}

/// The one exported regulation from this seed file with this part number.
#[track_caller]
pub fn regulation(seed: &str, part: u64) -> &'static Value {
    let found: Vec<&Value> = export()
        .iter()
        .filter(|r| r["source"]["seed"] == seed && r["source"]["part"] == part)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "exactly one regulation from {seed} part {part}"
    );
    found[0]
}

/// The strings of a JSON array (`what` names it in failures), sorted.
#[track_caller]
pub fn sorted_strings(v: &Value, what: &str) -> Vec<String> {
    let mut s: Vec<String> = v
        .as_array()
        .unwrap_or_else(|| panic!("{what} is an array, got {v}"))
        .iter()
        .map(|x| {
            x.as_str()
                .unwrap_or_else(|| panic!("{what}: strings, got {x}"))
                .to_string()
        })
        .collect();
    s.sort();
    s
}

/// The channel ids, sorted.
#[track_caller]
pub fn channels(r: &Value) -> Vec<String> {
    sorted_strings(&r["channels"], "channels")
}

/// The flow ids, sorted.
#[track_caller]
pub fn flow_ids(r: &Value) -> Vec<String> {
    let mut ids: Vec<String> = r["flows"]
        .as_object()
        .expect("flows")
        .keys()
        .cloned()
        .collect();
    ids.sort();
    ids
}

/// The `channel_details` entry of this channel.
#[track_caller]
pub fn channel_detail<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["channel_details"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == id))
        .unwrap_or_else(|| panic!("channel details of `{id}`"))
}

/// A duration (`{value, unit}`, or null) is the expected one.
#[track_caller]
pub fn assert_duration(got: &Value, want: Dur, what: &str) {
    match want {
        Some((value, unit)) => {
            assert_eq!(got["value"], value, "{what}: value ({got})");
            assert_eq!(got["unit"], unit, "{what}: unit ({got})");
        }
        None => assert!(got.is_null(), "{what}: the text gives none, got {got}"),
    }
}

/// The term of the service through this channel.
#[track_caller]
pub fn check_term(r: &Value, channel: &str, want: Dur) {
    assert_duration(&r["term"][channel], want, &format!("term of `{channel}`"));
}

/// The State Corporation's rule for results not collected: how long it keeps them, and the term of
/// a re-request after they went back to the provider.
#[track_caller]
pub fn check_unclaimed(r: &Value, keep: Dur, rerequest: Dur) {
    let unclaimed = &r["state_corporation"]["unclaimed"];
    assert_duration(&unclaimed["keep"], keep, "unclaimed keep");
    assert_duration(&unclaimed["rerequest"], rerequest, "re-request");
}

/// The flow has exactly these steps, numbered as given, each with its role, duration and word.
#[track_caller]
pub fn check_flow(r: &Value, flow: &str, want: &[S]) {
    let steps = r["flows"][flow]
        .as_array()
        .unwrap_or_else(|| panic!("flow `{flow}` is exported"));
    let got_n: Vec<Option<u64>> = steps.iter().map(|s| s["n"].as_u64()).collect();
    let want_n: Vec<Option<u64>> = want.iter().map(|s| Some(s.0)).collect();
    assert_eq!(
        got_n, want_n,
        "flow `{flow}`: number of steps and step numbers"
    );
    for (s, S(n, role, dur, word)) in steps.iter().zip(want) {
        let at = format!("flow `{flow}` step {n}");
        match role {
            Some(role) => assert_eq!(s["role"], *role, "{at}: role"),
            None => assert!(s["role"].is_null(), "{at}: no role, got {}", s["role"]),
        }
        assert_duration(&s["duration"], *dur, &format!("{at}: duration"));
        let text = s["text_en"]
            .as_str()
            .unwrap_or_else(|| panic!("{at}: text_en is a string"))
            .to_lowercase();
        assert!(
            text.contains(&word.to_lowercase()),
            "{at}: text_en `{text}` should mention `{word}`"
        );
    }
}

/// The step numbered `n` of a flow.
#[track_caller]
pub fn step<'a>(r: &'a Value, flow: &str, n: u64) -> &'a Value {
    r["flows"][flow]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["n"] == n))
        .unwrap_or_else(|| panic!("flow `{flow}` has a step {n}"))
}

/// The kinds of a step's branches, in order.
pub fn branch_kinds(s: &Value) -> Vec<String> {
    s["branches"]
        .as_array()
        .map(|b| {
            b.iter()
                .map(|b| b["kind"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The ids of the results a branch of this kind yields at a step.
pub fn branch_results(s: &Value, kind: &str) -> Vec<String> {
    s["branches"]
        .as_array()
        .map(|b| {
            b.iter()
                .filter(|b| b["kind"] == kind)
                .filter_map(|b| b["result"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// A step's checks, in order.
pub fn checks(s: &Value) -> Vec<String> {
    s["checks"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether `name_en` has this piece (case-insensitively).
fn named_like(x: &Value, name: &str) -> bool {
    x["name_en"]
        .as_str()
        .is_some_and(|n| n.to_lowercase().contains(&name.to_lowercase()))
}

/// Whether there is a result of this kind whose `name_en` has this piece.
#[track_caller]
pub fn has_result(r: &Value, kind: &str, name: &str) -> bool {
    r["results"]
        .as_array()
        .expect("results")
        .iter()
        .any(|x| x["kind"] == kind && named_like(x, name))
}

/// The kinds of the results, sorted, without repeats.
#[track_caller]
pub fn result_kinds(r: &Value) -> Vec<String> {
    let mut kinds: Vec<String> = r["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|x| {
            x["kind"]
                .as_str()
                .expect("result kinds are strings")
                .to_string()
        })
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

/// The results are exactly these many, one (kind, a piece of `name_en`) each in any order: each
/// is found, and the kinds are the same.
#[track_caller]
pub fn check_results(r: &Value, want: &[(&str, &str)]) {
    let results = r["results"].as_array().expect("results");
    assert_eq!(results.len(), want.len(), "number of results: {results:#?}");
    for (kind, name) in want {
        assert!(
            has_result(r, kind, name),
            "a result of kind `{kind}` named like `{name}`: {results:#?}"
        );
    }
    let mut want_kinds: Vec<&str> = want.iter().map(|(k, _)| *k).collect();
    want_kinds.sort();
    want_kinds.dedup();
    assert_eq!(result_kinds(r), want_kinds, "kinds of results");
}

/// The first result whose `name_en` has this piece.
#[track_caller]
pub fn result_named<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["results"]
        .as_array()
        .and_then(|rs| rs.iter().find(|x| named_like(x, name)))
        .unwrap_or_else(|| panic!("a result named like `{name}`"))
}

/// The warnings, sorted.
#[track_caller]
pub fn warnings(r: &Value) -> Vec<String> {
    sorted_strings(&r["warnings"], "warnings")
}

/// Each piece occurs (case-sensitively) in some warning.
#[track_caller]
pub fn check_warnings(r: &Value, want: &[&str]) {
    let warnings = warnings(r);
    for w in want {
        assert!(
            warnings.iter().any(|x| x.contains(w)),
            "a warning containing `{w}`; warnings: {warnings:#?}"
        );
    }
}

/// Every piece occurs (case-insensitively) together in one warning.
#[track_caller]
pub fn check_warning_all_of(r: &Value, all_of: &[&str]) {
    let warnings = warnings(r);
    assert!(
        warnings.iter().any(|w| {
            let w = w.to_lowercase();
            all_of.iter().all(|s| w.contains(&s.to_lowercase()))
        }),
        "a warning mentioning all of {all_of:?}; got {warnings:#?}"
    );
}

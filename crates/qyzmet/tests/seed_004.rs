//! Seed 004 (West Kazakhstan akimat resolution No. 258 of 30.09.2014): the two regulations it
//! approves, checked through the real binary's JSON export against values read by hand from the
//! Kazakh text (`shared/seeds/004_9de5eb11759d78b6.txt`), not copied from the TOML files.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

const SEED: &str = "004_9de5eb11759d78b6.txt";

fn export() -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_qyzmet"))
        .args(["regulations", "export", "--format", "json"])
        .current_dir(&root)
        .output()
        .expect("run qyzmet");
    assert!(
        out.status.success(),
        "qyzmet regulations export failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("export is JSON");
    v.as_array().expect("export is a JSON array").clone()
}

fn regulation(all: &[Value], part: u64) -> Value {
    let found: Vec<&Value> = all
        .iter()
        .filter(|r| r["source"]["seed"] == SEED && r["source"]["part"] == part)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "exactly one regulation from seed 004 part {part}"
    );
    found[0].clone()
}

fn channels(r: &Value) -> Vec<String> {
    let mut c: Vec<String> = r["channels"]
        .as_array()
        .expect("channels")
        .iter()
        .map(|c| c.as_str().expect("channel id").to_string())
        .collect();
    c.sort();
    c
}

/// One expected step: n, role (None = no role), duration (None = no duration), a word of text_en.
type Step = (
    u64,
    Option<&'static str>,
    Option<(u64, &'static str)>,
    &'static str,
);

fn check_flow(r: &Value, flow: &str, expected: &[Step]) {
    let steps = r["flows"][flow]
        .as_array()
        .unwrap_or_else(|| panic!("flow `{flow}` is exported"));
    assert_eq!(
        steps.len(),
        expected.len(),
        "flow `{flow}`: number of steps"
    );
    for (s, (n, role, dur, word)) in steps.iter().zip(expected) {
        assert_eq!(s["n"], *n, "flow `{flow}`: step numbers");
        let here = format!("flow `{flow}` step {n}");
        match role {
            Some(role) => assert_eq!(s["role"], *role, "{here}: role"),
            None => assert!(s["role"].is_null(), "{here}: no role, got {}", s["role"]),
        }
        match dur {
            Some((value, unit)) => {
                assert_eq!(s["duration"]["value"], *value, "{here}: duration value");
                assert_eq!(s["duration"]["unit"], *unit, "{here}: duration unit");
            }
            None => assert!(
                s["duration"].is_null(),
                "{here}: no duration, got {}",
                s["duration"]
            ),
        }
        let text = s["text_en"].as_str().expect("text_en").to_lowercase();
        assert!(
            text.contains(&word.to_lowercase()),
            "{here}: text_en `{text}` should mention `{word}`"
        );
    }
}

fn check_results(r: &Value, expected: &[(&str, &str)]) {
    let results = r["results"].as_array().expect("results");
    for (kind, name) in expected {
        assert!(
            results.iter().any(|x| x["kind"] == *kind
                && x["name_en"]
                    .as_str()
                    .is_some_and(|n| n.to_lowercase().contains(name))),
            "a result of kind `{kind}` named like `{name}`: {results:#?}"
        );
    }
    let mut kinds: Vec<&str> = results
        .iter()
        .map(|x| x["kind"].as_str().unwrap())
        .collect();
    kinds.sort();
    kinds.dedup();
    let mut want: Vec<&str> = expected.iter().map(|(k, _)| *k).collect();
    want.sort();
    want.dedup();
    assert_eq!(kinds, want, "kinds of results");
}

fn check_warnings(r: &Value, expected: &[&str]) {
    let warnings: Vec<&str> = r["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| w.as_str().expect("warning text"))
        .collect();
    for w in expected {
        assert!(
            warnings.iter().any(|x| x.contains(w)),
            "a warning containing `{w}`; warnings: {warnings:#?}"
        );
    }
}

/// The five actions of the provider (para 5), the same in both regulations except action 3.
fn provider_actions(executor: (u64, &'static str)) -> Vec<Step> {
    vec![
        (1, Some("office_clerk"), Some((15, "minutes")), "registers"),
        (2, Some("head"), Some((1, "working_days")), "executor"),
        (3, Some("executor"), Some(executor), "refusal"),
        (4, Some("head"), Some((1, "working_days")), "signs"),
        (5, Some("office_clerk"), Some((15, "minutes")), "issues"),
    ]
}

#[test]
fn seed_004_part_1_dormitory() {
    let all = export();
    let r = regulation(&all, 1);

    assert_eq!(r["id"], "wkr-tvet-dormitory");
    // L43-L44: "Техникалық және кәсіптік білім беру ұйымдарында білім алушыларға жатақхана беру"
    let kk = r["title"]["kk"].as_str().unwrap();
    assert!(
        kk.contains("білім алушыларға жатақхана беру"),
        "title.kk: {kk}"
    );
    assert_eq!(
        r["title"]["en"],
        "Provision of a dormitory to students in technical and vocational education organisations"
    );

    // L58-L59: only the education institution itself accepts and issues.
    assert_eq!(channels(&r), ["office"]);
    // No term of the service anywhere in the text.
    assert!(
        r["term"]["office"].is_null(),
        "term.office: {}",
        r["term"]["office"]
    );

    // Para 5 (L81-L101): 15 min, 1 WD, 8 WD, 1 WD, 15 min.
    check_flow(&r, "office", &provider_actions((8, "working_days")));
    assert_eq!(r["flows"].as_object().unwrap().len(), 1, "one flow only");

    // Para 3 (L63-L67): referral (жолдама) or motivated refusal; no receipts.
    check_results(&r, &[("result", "referral"), ("refusal", "refusing")]);

    check_warnings(
        &r,
        &[
            "garbled about flows.office step 3", // L93: "жауапты" displaced
            "garbled about results.referral_dormitory.form", // L64: "1-қосымшасына" displaced
            "missing about term",
            "missing about refusal grounds",
        ],
    );
    assert!(
        !r["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().starts_with("contradiction")),
        "part 1 has no contradiction of its own"
    );
}

#[test]
fn seed_004_part_2_document_duplicates() {
    let all = export();
    let r = regulation(&all, 2);

    assert_eq!(r["id"], "wkr-tvet-document-duplicates");
    // L181-L182: "Техникалық және кәсіптік білім туралы құжаттардың телнұсқаларын беру"
    let kk = r["title"]["kk"].as_str().unwrap();
    assert!(
        kk.contains("құжаттардың телнұсқаларын беру"),
        "title.kk: {kk}"
    );
    assert_eq!(
        r["title"]["en"],
        "Issuance of duplicates of documents on technical and vocational education"
    );

    // L199-L205: the institution or the ХҚО (PSC, the State Corporation's predecessor).
    assert_eq!(channels(&r), ["office", "state_corporation"]);
    assert!(
        r["term"]["office"].is_null(),
        "term.office: {}",
        r["term"]["office"]
    );
    assert!(
        r["term"]["state_corporation"].is_null(),
        "term.state_corporation: {}",
        r["term"]["state_corporation"]
    );

    // Para 5 (L226-L246): 15 min, 1 WD, 1 month (1 (бір) ай), 1 WD, 15 min (printed "5 (он бес)").
    check_flow(&r, "office", &provider_actions((1, "months")));

    // Paras 10-11 (L295-L346): intake, processes 1-8, conditions 1-2; condition 2 = the provider.
    check_flow(
        &r,
        "state_corporation",
        &[
            (1, Some("applicant"), Some((2, "minutes")), "application"),
            (
                2,
                Some("state_corporation_operator"),
                Some((1, "minutes")),
                "password",
            ),
            (
                3,
                Some("state_corporation_operator"),
                Some((1, "minutes")),
                "power of attorney",
            ),
            (
                4,
                Some("sc_information_system"),
                Some((1, "minutes")),
                "request",
            ),
            (
                5,
                Some("sc_information_system"),
                Some((1, "minutes")),
                "individuals",
            ),
            (
                6,
                Some("sc_information_system"),
                Some((1, "minutes")),
                "cannot be obtained",
            ),
            (
                7,
                Some("state_corporation_operator"),
                Some((2, "minutes")),
                "signed",
            ),
            (
                8,
                Some("regional_gateway"),
                Some((2, "minutes")),
                "registration",
            ),
            (9, None, None, "conformity"),
            (
                10,
                Some("regional_gateway"),
                Some((1, "minutes")),
                "deficiencies",
            ),
            (11, Some("applicant"), Some((1, "minutes")), "duplicate"),
        ],
    );
    let sc = r["flows"]["state_corporation"].as_array().unwrap();
    assert_eq!(sc[4]["kind"], "condition");
    assert_eq!(sc[8]["kind"], "provider_flow");
    assert_eq!(sc[8]["flow"], "office");
    assert!(
        sc[4]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "data_in_individuals_db"),
        "condition 1 checks the individuals database"
    );
    assert_eq!(sc[4]["branches"][0]["kind"], "refusal_notice");
    assert_eq!(sc[8]["branches"][0]["kind"], "refusal_notice");

    check_results(
        &r,
        &[
            ("result", "duplicates of documents"),
            ("refusal", "refusing"),
            ("notice", "cannot be obtained"),
            ("notice", "refusing the requested service"),
        ],
    );

    check_warnings(
        &r,
        &[
            // L244: "5 (он бес) минут" — 15 chosen, 5 kept.
            "contradiction in flows.office step 5 (duration): chosen 15 minutes",
            "the text also says 5 minutes (L244)",
            // L338-L340: condition 2 gives the provider 2 minutes; para 5 gives a month.
            "contradiction in flows.state_corporation step 9 (duration)",
            "the text also says 2 minutes (L338-L340)",
            "contradiction about service_form",
            "contradiction about refusal result via the ХҚО",
            "garbled about flows.office step 3",
            "garbled about flows.state_corporation process 3",
            "missing about term",
        ],
    );
}

//! Seed 002 (East Kazakhstan akimat resolution No. 264 of 13.08.2019), regulations 1 and 2:
//! guardianship or custodianship over orphans (Appendix 1) and free transport of children from
//! remote villages to school (Appendix 2). Checked through the real binary's JSON export against
//! values read by hand from the Kazakh text (`shared/seeds/002_2e3e04865d2df02b.txt`, line
//! numbers in the comments), not copied from the TOML files.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

const SEED: &str = "002_2e3e04865d2df02b.txt";

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

fn regulation(part: u64) -> Value {
    let all = export();
    let found: Vec<&Value> = all
        .iter()
        .filter(|r| r["source"]["seed"] == SEED && r["source"]["part"] == part)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "exactly one regulation from seed 002 part {part}"
    );
    found[0].clone()
}

fn sorted_strings(v: &Value, what: &str) -> Vec<String> {
    let mut c: Vec<String> = v
        .as_array()
        .unwrap_or_else(|| panic!("{what} is an array"))
        .iter()
        .map(|c| {
            c.as_str()
                .unwrap_or_else(|| panic!("{what}: strings"))
                .to_string()
        })
        .collect();
    c.sort();
    c
}

fn check_term(r: &Value, channel: &str, expected: Option<(u64, &str)>) {
    let t = &r["term"][channel];
    match expected {
        Some((value, unit)) => {
            assert_eq!(t["value"], value, "term of `{channel}`: value");
            assert_eq!(t["unit"], unit, "term of `{channel}`: unit");
        }
        None => assert!(
            t.is_null(),
            "term of `{channel}`: the text gives none, got {t}"
        ),
    }
}

/// One expected step: n, role (None = no role), duration (None = none), a word of text_en.
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
        let here = format!("flow `{flow}` step {n}");
        assert_eq!(s["n"], *n, "flow `{flow}`: step numbers");
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
        let text = s["text_en"].as_str().unwrap_or_default().to_lowercase();
        assert!(
            text.contains(&word.to_lowercase()),
            "{here}: text_en `{text}` should mention `{word}`"
        );
    }
}

fn step<'a>(r: &'a Value, flow: &str, n: u64) -> &'a Value {
    r["flows"][flow]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["n"] == n))
        .unwrap_or_else(|| panic!("flow `{flow}` has step {n}"))
}

/// (kind, a substring of name_en) for every result, in any order.
fn check_results(r: &Value, expected: &[(&str, &str)]) {
    let results = r["results"].as_array().expect("results");
    assert_eq!(
        results.len(),
        expected.len(),
        "number of results: {results:#?}"
    );
    for (kind, name) in expected {
        assert!(
            results.iter().any(|x| x["kind"] == *kind
                && x["name_en"]
                    .as_str()
                    .is_some_and(|n| n.to_lowercase().contains(&name.to_lowercase()))),
            "a result of kind `{kind}` named like `{name}`"
        );
    }
}

fn result<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["results"]
        .as_array()
        .and_then(|rs| {
            rs.iter()
                .find(|x| x["name_en"].as_str().is_some_and(|n| n.contains(name)))
        })
        .unwrap_or_else(|| panic!("a result named like `{name}`"))
}

fn check_warnings(r: &Value, expected: &[&str]) {
    let warnings: Vec<String> = r["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(|w| w.as_str().unwrap_or_default().to_string())
        .collect();
    for want in expected {
        assert!(
            warnings.iter().any(|w| w.contains(want)),
            "a warning containing `{want}`; warnings: {warnings:#?}"
        );
    }
}

#[test]
fn r1_guardianship_over_orphans() {
    let r = regulation(1);
    assert_eq!(r["id"], "ekr-guardianship");
    // L105-L107
    let kk = r["title"]["kk"].as_str().expect("title.kk");
    assert!(
        kk.contains("қамқоршылық немесе қорғаншылық белгілеу"),
        "title.kk: {kk}"
    );
    assert!(kk.contains("ата-анасының қамқорлығынсыз"), "title.kk: {kk}");
    let en = r["title"]["en"].as_str().expect("title.en");
    assert!(
        en.contains("guardianship or custodianship"),
        "title.en: {en}"
    );
    assert!(en.contains("orphan"), "title.en: {en}");

    // L116-L120: only the State Corporation and the portal accept; the provider's office is
    // declared for its internal flow (it receives packages from the SC courier) and accepts nothing.
    assert_eq!(
        sorted_strings(&r["channels"], "channels"),
        ["office", "portal", "state_corporation"]
    );
    let office = r["channel_details"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "office"))
        .expect("office channel details");
    assert_eq!(
        office["accepts"], false,
        "the office is not an intake channel (L116-L120)"
    );

    // L184-L186: 19 working days from handing documents to the SC, and also via the portal.
    check_term(&r, "state_corporation", Some((19, "working_days")));
    check_term(&r, "portal", Some((19, "working_days")));
    check_term(&r, "office", None);
    // L187-L191: acceptance day not counted; delivery one тәулік before the term.
    let sc = &r["term"]["state_corporation"];
    assert_eq!(sc["acceptance_day_counted"], false);
    assert_eq!(sc["deliver_before_term"]["value"], 1);
    assert_eq!(sc["deliver_before_term"]["unit"], "calendar_days");
    // L286-L291: one month at the SC, then back to the provider; re-request within 1 working day.
    let unclaimed = &r["state_corporation"]["unclaimed"];
    assert_eq!(unclaimed["keep"]["value"], 1);
    assert_eq!(unclaimed["keep"]["unit"], "months");
    assert_eq!(unclaimed["rerequest"]["value"], 1);
    assert_eq!(unclaimed["rerequest"]["unit"], "working_days");

    // Para 5 (L158-L183), repeated identically in para 8 (L224-L246).
    check_flow(
        &r,
        "office",
        &[
            (1, Some("office_clerk"), Some((15, "minutes")), "courier"),
            (2, Some("head"), Some((15, "minutes")), "employee"),
            (
                3,
                Some("executor"),
                Some((17, "working_days")),
                "draft resolution",
            ),
            (4, Some("head"), Some((1, "working_days")), "signs"),
            (5, Some("office_clerk"), Some((15, "minutes")), "courier"),
        ],
    );
    assert_eq!(
        step(&r, "office", 1)["branches"][0]["kind"],
        "refuse_acceptance"
    );
    assert_eq!(
        step(&r, "office", 3)["branches"][0]["kind"],
        "motivated_refusal"
    );

    // Para 9 (L252-L280): acceptance (15 min processing, L255-L256), collection sector, barcode
    // into the АМЖ, courier; then the provider; para 10 (L281-L285): issue on the receipt.
    check_flow(
        &r,
        "state_corporation",
        &[
            (
                1,
                Some("state_corporation_operator"),
                Some((15, "minutes")),
                "receipt",
            ),
            (2, Some("collection_sector"), None, "collection sector"),
            (3, Some("collection_sector"), None, "barcode"),
            (4, Some("collection_sector"), None, "courier"),
            (5, Some("courier"), None, "delivers"),
            (6, None, None, "provider"),
            (7, Some("state_corporation_operator"), None, "identity"),
        ],
    );
    let handoff = step(&r, "state_corporation", 6);
    assert_eq!(handoff["kind"], "provider_flow");
    assert_eq!(handoff["flow"], "office");

    // Para 11 (L292-L337): items 1)-12), no durations.
    check_flow(
        &r,
        "portal",
        &[
            (1, Some("applicant"), None, "registers"),
            (2, Some("applicant"), None, "password"),
            (3, Some("portal"), None, "authenticity"),
            (4, Some("portal"), None, "refusing authorisation"),
            (5, Some("applicant"), None, "certificate"),
            (6, Some("portal"), None, "revoked"),
            (7, Some("portal"), None, "not confirmed"),
            (8, Some("portal"), None, "gateway"),
            (9, Some("regional_gateway"), None, "registers"),
            (10, Some("executor"), None, "grounds"),
            (11, Some("executor"), None, "violations"),
            (12, Some("applicant"), None, "electronic document"),
        ],
    );
    let c2 = step(&r, "portal", 6);
    assert_eq!(c2["kind"], "condition");
    assert_eq!(
        sorted_strings(&c2["checks"], "checks"),
        [
            "certificate_not_revoked",
            "certificate_validity",
            "iin_match"
        ]
    );
    assert_eq!(c2["branches"][0]["kind"], "refusal_notice");

    // L123-L133 (result, refusal), L162-L165/L264-L267 (refusal to accept, no form),
    // L262-L273 (acceptance receipt with barcode), L209-L211 (courier's receipt),
    // L307-L309, L321-L323, L332-L334 (portal messages).
    check_results(
        &r,
        &[
            ("result", "guardianship or custodianship"),
            ("refusal", "motivated refusal"),
            ("refusal", "refusal to accept"),
            ("receipt", "acceptance of the documents"),
            ("receipt", "courier"),
            ("notice", "authorisation"),
            ("notice", "ЭЦҚ"),
            ("notice", "violations in the recipient's documents"),
        ],
    );
    let resolution = result(&r, "guardianship or custodianship");
    assert_eq!(resolution["form"], "App. 1 to the Standard");
    assert_eq!(result(&r, "acceptance of the documents")["barcode"], true);

    check_warnings(
        &r,
        &[
            "drafting_error about portal Process 5 signature",
            "provider's request",
            "draft resolution",
            "names no receipt or form",
            "тәулік",
            "(date and number left blank)",
        ],
    );
}

#[test]
fn r2_free_transport_from_remote_villages() {
    let r = regulation(2);
    assert_eq!(r["id"], "ekr-free-transport");
    // L437-L439
    let kk = r["title"]["kk"].as_str().expect("title.kk");
    assert!(
        kk.contains("Шалғайдағы ауылдық елді мекендерде"),
        "title.kk: {kk}"
    );
    assert!(kk.contains("тегін тасымалдауды ұсыну"), "title.kk: {kk}");
    let en = r["title"]["en"].as_str().expect("title.en");
    assert!(en.contains("free transportation"), "title.en: {en}");
    assert!(en.contains("remote rural settlements"), "title.en: {en}");

    // L448-L453: office, SC, portal; para 11 (L669-L688): the intermediary route.
    assert_eq!(
        sorted_strings(&r["channels"], "channels"),
        ["intermediary", "office", "portal", "state_corporation"]
    );

    // L514-L516: 5 working days (provider, SC and portal); para 11 gives no term.
    check_term(&r, "office", Some((5, "working_days")));
    check_term(&r, "state_corporation", Some((5, "working_days")));
    check_term(&r, "portal", Some((5, "working_days")));
    check_term(&r, "intermediary", None);
    let sc = &r["term"]["state_corporation"];
    assert_eq!(sc["acceptance_day_counted"], false, "L517-L518");
    assert_eq!(sc["deliver_before_term"]["value"], 1, "L518-L521");
    // L660-L665
    let unclaimed = &r["state_corporation"]["unclaimed"];
    assert_eq!(unclaimed["keep"]["value"], 1);
    assert_eq!(unclaimed["keep"]["unit"], "months");
    assert_eq!(unclaimed["rerequest"]["value"], 1);
    assert_eq!(unclaimed["rerequest"]["unit"], "working_days");

    // Para 5 (L489-L513), para 8 (L560-L575): 30 min / 20 min / 4 WD / 20 min / 15 min.
    check_flow(
        &r,
        "office",
        &[
            (1, Some("office_clerk"), Some((30, "minutes")), "journal"),
            (2, Some("akim"), Some((20, "minutes")), "specialist"),
            (
                3,
                Some("specialist"),
                Some((4, "working_days")),
                "certificate",
            ),
            (4, Some("akim"), Some((20, "minutes")), "signs"),
            (5, Some("office_clerk"), Some((15, "minutes")), "courier"),
        ],
    );
    let accept = step(&r, "office", 1);
    assert_eq!(accept["branches"][0]["kind"], "refuse_acceptance");
    // L491-L493: "office employee OR State Corporation courier" is kept as the other reading.
    assert_eq!(accept["alternatives"][0]["field"], "role");
    assert_eq!(accept["alternatives"][0]["role"], "courier");

    // Para 10 (L593-L665): processes 1-10 and conditions 1-2 of the SC operator; 15 minutes
    // of processing (L609-L610) are tied to no process.
    check_flow(
        &r,
        "state_corporation",
        &[
            (
                1,
                Some("state_corporation_operator"),
                None,
                "monitoring system",
            ),
            (2, Some("monitoring_system"), None, "authenticity"),
            (3, Some("monitoring_system"), None, "authorises"),
            (4, Some("state_corporation_operator"), None, "request form"),
            (5, Some("monitoring_system"), None, "Individuals"),
            (6, Some("individuals_db"), None, "exist"),
            (7, Some("monitoring_system"), None, "cannot be obtained"),
            (8, Some("state_corporation_operator"), None, "scans"),
            (9, Some("state_corporation_operator"), None, "receipt"),
            (10, Some("state_corporation_operator"), None, "gateway"),
            (11, None, None, "one day"),
            (
                12,
                Some("state_corporation_operator"),
                None,
                "power of attorney",
            ),
        ],
    );
    let p9 = step(&r, "state_corporation", 11);
    assert_eq!(p9["kind"], "provider_flow");
    assert_eq!(p9["flow"], "office");
    assert_eq!(
        step(&r, "state_corporation", 6)["checks"][0],
        "data_in_individuals_db"
    );

    // No portal steps in the text: only the application and the personal cabinet (L476-L479).
    check_flow(
        &r,
        "portal",
        &[
            (1, Some("applicant"), None, "portal"),
            (2, Some("portal"), None, "personal cabinet"),
        ],
    );

    // Para 11 (L669-L688): 20 min, 1 "calendar working day", the provider (para 5), 20 min.
    check_flow(
        &r,
        "intermediary",
        &[
            (
                1,
                Some("intermediary_clerk"),
                Some((20, "minutes")),
                "para 10",
            ),
            (
                2,
                Some("intermediary_clerk"),
                Some((1, "working_days")),
                "sends",
            ),
            (3, None, None, "para 5"),
            (
                4,
                Some("intermediary_clerk"),
                Some((20, "minutes")),
                "issues",
            ),
        ],
    );
    let forward = step(&r, "intermediary", 2);
    assert_eq!(
        forward["alternatives"][0]["duration"]["unit"],
        "calendar_days"
    );
    assert_eq!(step(&r, "intermediary", 3)["kind"], "provider_flow");

    // L459-L469 (certificate App. 1, refusal para 10), L499-L501/L604-L608 (App. 4 receipt),
    // L595-L603 (acceptance receipt), L677-L679 (intermediary refusal), L619-L621, L634-L636.
    check_results(
        &r,
        &[
            (
                "result",
                "certificate on the provision of free transportation",
            ),
            ("refusal", "motivated refusal"),
            ("receipt", "acceptance of the application"),
            ("receipt", "refusal to accept"),
            ("refusal", "intermediary"),
            ("notice", "authorisation"),
            ("notice", "cannot be obtained"),
        ],
    );
    assert_eq!(
        result(&r, "certificate on the provision")["form"],
        "App. 1 to the Standard"
    );
    assert_eq!(
        result(&r, "receipt on refusal to accept")["form"],
        "App. 4 to the Standard"
    );

    check_warnings(
        &r,
        &[
            "contradiction in flows.office step 1 (role)",
            "contradiction in flows.intermediary step 2 (unit)",
            "contradiction about result_form",
            "contradiction about intermediary vs provider",
            "contradiction about refusal to accept",
            "missing about motivated refusal in action 3",
            "missing about portal flow",
            "drafting_error about result of action 5",
            "drafting_error about term sentence",
            "куәлікті",
        ],
    );
}

//! Seed 002 (East Kazakhstan akimat resolution No. 264 of 13.08.2019), regulations 3 and 4:
//! referrals to out-of-town and school camps (Appendix 3) and placing a child in a foster family
//! with maintenance payments (Appendix 4). Runs the real binary's JSON export and checks it
//! against values read by hand from the Kazakh text (`shared/seeds/002_2e3e04865d2df02b.txt`;
//! the line numbers are in the comments), not copied from the TOML files.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

const SEED: &str = "002_2e3e04865d2df02b.txt";

/// The exported regulation of seed 002 with this part number.
fn exported(part: u64) -> Value {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_qyzmet"))
        .args(["regulations", "export", "--format", "json"])
        .current_dir(&root)
        .output()
        .expect("qyzmet runs");
    assert!(
        out.status.success(),
        "`qyzmet regulations export --format json` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let all: Value = serde_json::from_slice(&out.stdout).expect("the export is JSON");
    let mut hits = all
        .as_array()
        .expect("the export is a JSON array")
        .iter()
        .filter(|r| r["source"]["seed"] == SEED && r["source"]["part"] == part)
        .cloned()
        .collect::<Vec<_>>();
    assert_eq!(hits.len(), 1, "one regulation for seed 002, part {part}");
    hits.remove(0)
}

fn string_set(v: &Value) -> Vec<String> {
    let mut s: Vec<String> = v
        .as_array()
        .expect("an array")
        .iter()
        .map(|x| x.as_str().expect("strings").to_string())
        .collect();
    s.sort();
    s
}

/// `None` = the text gives no such duration (JSON null).
type Dur = Option<(u64, &'static str)>;

fn assert_duration(got: &Value, want: Dur, what: &str) {
    match want {
        Some((value, unit)) => {
            assert_eq!(got["value"], value, "{what}: value ({got})");
            assert_eq!(got["unit"], unit, "{what}: unit ({got})");
        }
        None => assert!(got.is_null(), "{what}: the text gives none, got {got}"),
    }
}

/// One step as read from the text: n, role (None for a provider_flow step), duration, and a
/// word its text_en must contain.
struct S(u64, Option<&'static str>, Dur, &'static str);

fn assert_flow(r: &Value, flow: &str, want: &[S]) {
    let steps = r["flows"][flow]
        .as_array()
        .unwrap_or_else(|| panic!("flow `{flow}` is exported"));
    let got_n: Vec<u64> = steps.iter().map(|s| s["n"].as_u64().unwrap()).collect();
    let want_n: Vec<u64> = want.iter().map(|s| s.0).collect();
    assert_eq!(got_n, want_n, "flow `{flow}`: step numbers");
    for (s, S(n, role, dur, word)) in steps.iter().zip(want) {
        let at = format!("flow `{flow}` step {n}");
        match role {
            Some(role) => assert_eq!(s["role"], *role, "{at}: role"),
            None => assert!(s["role"].is_null(), "{at}: no role, got {}", s["role"]),
        }
        assert_duration(&s["duration"], *dur, &format!("{at}: duration"));
        let text = s["text_en"].as_str().unwrap_or("").to_lowercase();
        assert!(
            text.contains(&word.to_lowercase()),
            "{at}: text_en should mention `{word}`: {text}"
        );
    }
}

fn step<'a>(r: &'a Value, flow: &str, n: u64) -> &'a Value {
    r["flows"][flow]
        .as_array()
        .and_then(|steps| steps.iter().find(|s| s["n"] == n))
        .unwrap_or_else(|| panic!("flow `{flow}` has a step {n}"))
}

fn branch_kinds(s: &Value) -> Vec<String> {
    s["branches"]
        .as_array()
        .map(|b| {
            b.iter()
                .map(|b| b["kind"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The results, as (kind, a piece of name_en): exactly these many, each found.
fn assert_results(r: &Value, want: &[(&str, &str)]) {
    let results = r["results"].as_array().expect("results");
    assert_eq!(results.len(), want.len(), "results: {results:#?}");
    for (kind, name) in want {
        assert!(
            results.iter().any(|x| x["kind"] == *kind
                && x["name_en"]
                    .as_str()
                    .is_some_and(|n| n.to_lowercase().contains(&name.to_lowercase()))),
            "a result of kind `{kind}` whose name_en has `{name}`: {results:#?}"
        );
    }
}

fn result_named<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["results"]
        .as_array()
        .and_then(|rs| {
            rs.iter().find(|x| {
                x["name_en"]
                    .as_str()
                    .is_some_and(|n| n.to_lowercase().contains(&name.to_lowercase()))
            })
        })
        .unwrap_or_else(|| panic!("a result whose name_en has `{name}`"))
}

fn assert_warnings(r: &Value, want: &[&str]) {
    let warnings = string_set(&r["warnings"]);
    for w in want {
        assert!(
            warnings.iter().any(|x| x.contains(w)),
            "a warning containing `{w}`: {warnings:#?}"
        );
    }
}

#[test]
fn r3_referrals_to_out_of_town_and_school_camps() {
    let r = exported(3);
    assert_eq!(r["id"], "ekr-camp-referrals");
    // L759-L762 (the text spells "тәрбиенушілердің", sic).
    let kk = r["title"]["kk"].as_str().expect("title.kk");
    assert!(
        kk.contains("қала сыртындағы және мектеп жанындағы лагерьлерде демалуы"),
        "title.kk: {kk}"
    );
    assert!(kk.contains("жолдама беру"), "title.kk: {kk}");
    assert_eq!(
        r["title"]["en"],
        "Acceptance of documents and issuance of referrals for rest in out-of-town and school camps for certain categories of students and pupils of state educational institutions"
    );

    // L775-L780: the provider's office, the State Corporation, the portal.
    assert_eq!(
        string_set(&r["channels"]),
        ["office", "portal", "state_corporation"]
    );
    // L781-L782: electronic (fully automated) and/or paper; L794: result on paper.
    assert_eq!(string_set(&r["service_form"]), ["fully_automated", "paper"]);
    assert_eq!(string_set(&r["result_form"]), ["paper"]);

    // L838-L840: 5 working days from handing the documents to the provider, to the State
    // Corporation, and via the portal.
    assert_duration(
        &r["term"]["office"],
        Some((5, "working_days")),
        "office term",
    );
    assert_duration(
        &r["term"]["state_corporation"],
        Some((5, "working_days")),
        "State Corporation term",
    );
    assert_duration(
        &r["term"]["portal"],
        Some((5, "working_days")),
        "portal term",
    );
    // L841-L845: acceptance day not counted; result to the SC one тәулік before the term ends.
    let sc_term = &r["term"]["state_corporation"];
    assert_eq!(sc_term["acceptance_day_counted"], false);
    assert_duration(
        &sc_term["deliver_before_term"],
        Some((1, "calendar_days")),
        "deliver before term",
    );

    let flows = r["flows"].as_object().expect("flows");
    let mut flow_ids: Vec<&String> = flows.keys().collect();
    flow_ids.sort();
    assert_eq!(flow_ids, ["office", "portal", "state_corporation"]);

    // Para 5 (L818-L837): 30 min, 5 min, 4 working days, 15 min, 15 min.
    assert_flow(
        &r,
        "office",
        &[
            S(1, Some("office_clerk"), Some((30, "minutes")), "registers"),
            S(2, Some("head"), Some((5, "minutes")), "reviews"),
            S(
                3,
                Some("executor"),
                Some((4, "working_days")),
                "motivated refusal",
            ),
            S(4, Some("head"), Some((15, "minutes")), "signs"),
            S(5, Some("office_clerk"), Some((15, "minutes")), "issues"),
        ],
    );
    // L820-L823: refusal to accept at action 1; L829-L831: motivated refusal at action 3.
    assert!(branch_kinds(step(&r, "office", 1)).contains(&"refuse_acceptance".to_string()));
    assert!(branch_kinds(step(&r, "office", 3)).contains(&"motivated_refusal".to_string()));

    // Para 9 (L933-L972): operator processes 1-10 with conditions 1-2, no step durations (the
    // 15 minutes of L928-L929 are for the whole processing); Process 9 is the provider's work.
    assert_flow(
        &r,
        "state_corporation",
        &[
            S(1, Some("state_corporation_operator"), None, "operator"),
            S(2, Some("monitoring_system"), None, "authenticity"),
            S(3, Some("monitoring_system"), None, "refusing authorisation"),
            S(
                4,
                Some("state_corporation_operator"),
                None,
                "recipient's data",
            ),
            S(5, Some("monitoring_system"), None, "Individuals"),
            S(6, Some("individuals_db"), None, "exist"),
            S(7, Some("monitoring_system"), None, "cannot be obtained"),
            S(8, Some("state_corporation_operator"), None, "scans"),
            S(9, Some("state_corporation_operator"), None, "receipt"),
            S(10, Some("state_corporation_operator"), None, "request"),
            S(11, None, None, "result"),
            S(
                12,
                Some("state_corporation_operator"),
                None,
                "identity document",
            ),
        ],
    );
    let p9 = step(&r, "state_corporation", 11);
    assert_eq!(p9["kind"], "provider_flow");
    assert_eq!(p9["flow"], "office");
    assert_eq!(step(&r, "state_corporation", 2)["kind"], "condition");
    assert_eq!(step(&r, "state_corporation", 6)["kind"], "condition");
    // L922-L927: refusal to accept at the SC, with the receipt of App. 2 to the Standard.
    assert!(
        (1..=12).any(|n| branch_kinds(step(&r, "state_corporation", n))
            .contains(&"refuse_acceptance".to_string())),
        "the State Corporation refuses incomplete packages"
    );
    // L1002-L1042: the twelve portal items, no durations; conditions at items 3, 6, 10.
    assert_flow(
        &r,
        "portal",
        &[
            S(1, Some("applicant"), None, "registers"),
            S(2, Some("applicant"), None, "IIN and password"),
            S(3, Some("portal"), None, "authenticity"),
            S(4, Some("portal"), None, "refusing authorisation"),
            S(5, Some("applicant"), None, "request form"),
            S(6, Some("portal"), None, "revoked"),
            S(7, Some("portal"), None, "not confirmed"),
            S(8, Some("portal"), None, "ЭҮАШ АЖО"),
            S(9, Some("regional_gateway"), None, "registers"),
            S(10, Some("executor"), None, "grounds"),
            S(11, Some("executor"), None, "violations"),
            S(12, Some("applicant"), None, "electronic document"),
        ],
    );
    for n in [3, 6, 10] {
        let s = step(&r, "portal", n);
        assert_eq!(s["kind"], "condition", "portal item {n}");
        assert!(branch_kinds(s).contains(&"refusal_notice".to_string()));
    }

    // L783-L793 (referral, motivated refusal), L820-L823 (refusal to accept at the office),
    // L913-L921 (acceptance receipt), L922-L927 (refusal receipt, App. 2), L941-L954 (SC
    // messages), L1009-L1039 (portal messages).
    assert_results(
        &r,
        &[
            ("result", "referral"),
            ("refusal", "motivated refusal"),
            ("refusal", "refusal to accept"),
            ("receipt", "acceptance"),
            ("receipt", "refusal to accept"),
            ("notice", "operator"),
            ("notice", "cannot be obtained"),
            ("notice", "authorisation"),
            ("notice", "ЭЦҚ"),
            ("notice", "documents"),
        ],
    );
    assert_eq!(result_named(&r, "referral")["form"], Value::Null);
    let refusal_receipt = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["kind"] == "receipt" && x["form"] == "App. 2 to the Standard")
        .expect("the refusal-to-accept receipt has the form of App. 2 to the Standard (L924-L926)");
    assert!(
        refusal_receipt["name_en"]
            .as_str()
            .unwrap()
            .contains("refusal")
    );
    // L991-L996: one month at the SC, then to the provider; re-request within 1 working day.
    let unclaimed = &r["state_corporation"]["unclaimed"];
    assert_duration(&unclaimed["keep"], Some((1, "months")), "unclaimed keep");
    assert_duration(
        &unclaimed["rerequest"],
        Some((1, "working_days")),
        "re-request",
    );

    assert_warnings(
        &r,
        &[
            // L781-L782 against the manual steps
            "contradiction about service_form",
            // L794 against L800-L803
            "contradiction about result_form",
            // L820-L823 (and) against L922-L927 (incomplete only)
            "contradiction about refusal to accept",
            // para 5 employee (L828) against para 8 specialist (L892)
            "flows.office step 3 (role): chosen executor",
            // para 8 item 5 repeats item 4 (L902-L904)
            "flows.office step 5 (role): chosen office_clerk",
            // Process 10 "(куәлікті)" (L972)
            "куәлікті",
            // "ЭҮӨШ АЖО" (L964)
            "ЭҮӨШ",
            // "оны көріп" (L834)
            "көріп",
            // term repeated without the portal (L973-L975)
            "term repeated in para 9",
        ],
    );
}

#[test]
fn r4_foster_family_and_maintenance_payments() {
    let r = exported(4);
    assert_eq!(r["id"], "ekr-foster-family");
    // L1175-L1177
    let kk = r["title"]["kk"].as_str().expect("title.kk");
    assert!(
        kk.contains("қабылдаушы отбасына тәрбиелеуге беру"),
        "title.kk: {kk}"
    );
    assert!(
        kk.contains("ақшалай қаражат төлеуді тағайындау"),
        "title.kk: {kk}"
    );
    assert_eq!(
        r["title"]["en"],
        "Transfer of a child (children) for upbringing to a receiving (foster) family and assignment of payment of monetary funds for their maintenance"
    );

    // L1186-L1189: items "2)" office and "3)" portal; no State Corporation.
    assert_eq!(string_set(&r["channels"]), ["office", "portal"]);
    let flows = r["flows"].as_object().expect("flows");
    let mut flow_ids: Vec<&String> = flows.keys().collect();
    flow_ids.sort();
    assert_eq!(flow_ids, ["office", "portal"]);
    assert!(
        r["state_corporation"].is_null(),
        "no State Corporation rules"
    );
    // L1190-L1191, L1206
    assert_eq!(
        string_set(&r["service_form"]),
        ["electronic_partly", "paper"]
    );
    assert_eq!(string_set(&r["result_form"]), ["paper"]);

    // L1254-L1255: 10 working days from handing in the documents (no channel named).
    assert_duration(
        &r["term"]["office"],
        Some((10, "working_days")),
        "office term",
    );
    assert_duration(
        &r["term"]["portal"],
        Some((10, "working_days")),
        "portal term",
    );
    assert!(r["term"]["office"]["acceptance_day_counted"].is_null());

    // Para 5 (L1231-L1253): 30 min, 15 min, 9 working days, 15 min, 15 min.
    assert_flow(
        &r,
        "office",
        &[
            S(1, Some("office_clerk"), Some((30, "minutes")), "registers"),
            S(2, Some("head"), Some((15, "minutes")), "assigns"),
            S(3, Some("executor"), Some((9, "working_days")), "contract"),
            S(4, Some("head"), Some((15, "minutes")), "signs"),
            S(5, Some("office_clerk"), Some((15, "minutes")), "issues"),
        ],
    );
    // L1233-L1237: refusal to accept; L1243-L1246: motivated refusal (para 10 of the Standard).
    assert!(branch_kinds(step(&r, "office", 1)).contains(&"refuse_acceptance".to_string()));
    assert!(branch_kinds(step(&r, "office", 3)).contains(&"motivated_refusal".to_string()));

    // Para 10 (L1331-L1371): the twelve portal items, no durations.
    assert_flow(
        &r,
        "portal",
        &[
            S(1, Some("applicant"), None, "registers"),
            S(2, Some("applicant"), None, "IIN and password"),
            S(3, Some("portal"), None, "authenticity"),
            S(4, Some("portal"), None, "refusing authorisation"),
            S(5, Some("applicant"), None, "request form"),
            S(6, Some("portal"), None, "revoked"),
            S(7, Some("portal"), None, "not confirmed"),
            S(8, Some("portal"), None, "ЭҮАШ АЖО"),
            S(9, Some("regional_gateway"), None, "registers"),
            S(10, Some("executor"), None, "grounds"),
            S(11, Some("executor"), None, "violations"),
            S(12, Some("applicant"), None, "electronic document"),
        ],
    );
    for n in [3, 6, 10] {
        let s = step(&r, "portal", n);
        assert_eq!(s["kind"], "condition", "portal item {n}");
        assert!(branch_kinds(s).contains(&"refusal_notice".to_string()));
    }

    // L1192-L1205: contract (App. 1) and payment decision (App. 2), or a motivated refusal;
    // L1233-L1237: refusal to accept; L1341-L1368: portal messages.
    assert_results(
        &r,
        &[
            ("result", "contract"),
            ("result", "decision"),
            ("refusal", "motivated refusal"),
            ("refusal", "refusal to accept"),
            ("notice", "authorisation"),
            ("notice", "ЭЦҚ"),
            ("notice", "documents"),
        ],
    );
    assert_eq!(
        result_named(&r, "contract")["form"],
        "App. 1 to the Standard"
    );
    assert_eq!(
        result_named(&r, "decision")["form"],
        "App. 2 to the Standard"
    );
    let issued = string_set(&step(&r, "office", 5)["produces"]);
    assert_eq!(
        issued.len(),
        3,
        "action 5 issues contract, decision or refusal: {issued:?}"
    );

    assert_warnings(
        &r,
        &[
            // para 6 (L1259-L1263): action 1 yields "registered documents or a motivated refusal"
            "flows.office step 1 (text)",
            "motivated refusal to render the service",
            // L1186-L1189: the list starts at "2)"
            "item '1)' is missing",
            // L1206 against L1212-L1218
            "contradiction about result_form",
            // L1358-L1360: the provider's ЭЦҚ
            "portal Process 5 signature",
        ],
    );
}

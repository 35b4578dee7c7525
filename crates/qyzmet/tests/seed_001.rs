//! Seed 001 (East Kazakhstan akimat resolution No. 293 (239 in the appendix headers) of
//! 29.07.2016): three education regulations — the preschool queue (Appendix 1), permission for
//! externat study (Appendix 2) and duplicates of school documents (Appendix 3). Checked through
//! the real binary's JSON export against values read by hand from the Kazakh text
//! (`shared/seeds/001_dc23ce679bee4007.txt`, line numbers in the comments), not copied from the
//! TOML files.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

const SEED: &str = "001_dc23ce679bee4007.txt";

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

/// The one regulation of seed 001 with this part number.
fn regulation(part: u64) -> Value {
    let all = export();
    let found: Vec<&Value> = all
        .iter()
        .filter(|r| r["source"]["seed"] == SEED && r["source"]["part"] == part)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "exactly one regulation from seed 001 part {part}"
    );
    found[0].clone()
}

fn channels(r: &Value) -> Vec<String> {
    let mut c: Vec<String> = r["channels"]
        .as_array()
        .expect("channels is an array")
        .iter()
        .map(|c| c.as_str().expect("channel ids are strings").to_string())
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

/// The ids of the results a branch of this kind yields at a step.
fn branch_results(s: &Value, kind: &str) -> Vec<String> {
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

fn checks(s: &Value) -> Vec<String> {
    s["checks"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
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
        .unwrap_or_else(|| panic!("a result named like `{name}`"))
}

/// Every substring must occur (case-insensitively) together in one warning.
fn check_warning(r: &Value, all_of: &[&str]) {
    let warnings = r["warnings"].as_array().expect("warnings");
    assert!(
        warnings.iter().any(|w| {
            let w = w.as_str().unwrap_or_default().to_lowercase();
            all_of.iter().all(|s| w.contains(&s.to_lowercase()))
        }),
        "a warning mentioning all of {all_of:?}; got {warnings:#?}"
    );
}

#[test]
fn r1_preschool_queue() {
    let r = regulation(1);
    assert_eq!(r["id"], "ekr-preschool-queue");
    // L81-L83
    let kk = r["title"]["kk"].as_str().unwrap();
    assert!(
        kk.contains("мектепке дейінгі (7 жасқа дейін) жастағы балаларды кезекке қою"),
        "{kk}"
    );
    assert_eq!(
        r["title"]["en"],
        "Placing children of preschool age (up to 7 years) in the queue for referral to preschool children's organizations"
    );
    // Para 1 (L92-L100): the provider itself, the State Corporation, the portal.
    assert_eq!(channels(&r), ["office", "portal", "state_corporation"]);

    // Para 5 (L154-L155): 30 minutes from applying to the provider (sic: "recipient"), the State
    // Corporation or the portal. Para 10(1) (L223) says 15 working days via the State Corporation.
    check_term(&r, "office", Some((30, "minutes")));
    check_term(&r, "state_corporation", Some((30, "minutes")));
    check_term(&r, "portal", Some((30, "minutes")));
    let alt = &r["term"]["state_corporation"]["alternatives"][0];
    assert_eq!(alt["value"], 15);
    assert_eq!(alt["unit"], "working_days");

    // Para 5 (L136-L153), repeated in para 8 (L189-L203): 10 + 5 + 10 + 2 + 3 minutes.
    check_flow(
        &r,
        "office",
        &[
            (1, Some("office_clerk"), Some((10, "minutes")), "registers"),
            (2, Some("head"), Some((5, "minutes")), "executor"),
            (3, Some("executor"), Some((10, "minutes")), "para 9"),
            (4, Some("head"), Some((2, "minutes")), "signs"),
            (5, Some("office_clerk"), Some((3, "minutes")), "issues"),
        ],
    );

    // Paras 9-10 (L209-L226): the State Corporation employee, 15 minutes of processing, refusal
    // receipt (App. 3 to the Standard); the result in electronic-queue order.
    check_flow(
        &r,
        "state_corporation",
        &[
            (
                1,
                Some("state_corporation_operator"),
                Some((15, "minutes")),
                "request",
            ),
            (2, None, None, "provider"),
            (
                3,
                Some("state_corporation_operator"),
                None,
                "electronic queue",
            ),
        ],
    );
    let sc1 = step(&r, "state_corporation", 1);
    assert_eq!(branch_results(sc1, "refuse_acceptance").len(), 1);
    let sc2 = step(&r, "state_corporation", 2);
    assert_eq!(sc2["kind"], "provider_flow");
    assert_eq!(sc2["flow"], "office");

    // Para 11 (L232-L272): sub-items 1)-12), processes 1-8 and conditions 1-3; no durations.
    check_flow(
        &r,
        "portal",
        &[
            (1, Some("applicant"), None, "registers"),
            (2, Some("applicant"), None, "IIN"),
            (3, Some("portal"), None, "authenticity"),
            (4, Some("portal"), None, "authorisation"),
            (5, Some("applicant"), None, "request form"),
            (6, Some("portal"), None, "certificate"),
            (7, Some("portal"), None, "ЭЦҚ"),
            (8, Some("portal"), None, "gateway"),
            (9, Some("regional_gateway"), None, "registers"),
            (10, Some("executor"), None, "para 9"),
            (11, Some("executor"), None, "violations"),
            (12, Some("applicant"), None, "notification"),
        ],
    );
    for (n, label) in [
        (2, "Process 1"),
        (3, "Condition 1"),
        (8, "Process 5"),
        (12, "Process 8"),
    ] {
        assert_eq!(step(&r, "portal", n)["label"], label, "portal item {n}");
    }
    for n in [3, 6, 10] {
        let s = step(&r, "portal", n);
        assert_eq!(s["kind"], "condition", "portal item {n}");
        assert_eq!(
            branch_results(s, "refusal_notice").len(),
            1,
            "portal item {n}: refusal notice"
        );
    }
    assert_eq!(checks(step(&r, "portal", 3)), ["credentials"]);
    assert_eq!(
        checks(step(&r, "portal", 6)),
        [
            "certificate_validity",
            "certificate_not_revoked",
            "iin_match"
        ]
    );
    assert_eq!(
        checks(step(&r, "portal", 10)),
        ["documents_complete", "grounds"]
    );

    // Para 3 (L103-L112): queue notification with the queue number (free form), or a referral
    // (App. 1 to the Standard) where a place is available; para 9 (L216-L217): refusal receipt
    // in the form of App. 3; para 11: three portal messages.
    check_results(
        &r,
        &[
            ("result", "queue number"),
            ("result", "referral"),
            ("receipt", "refusal to accept"),
            ("notice", "authorisation"),
            ("notice", "ЭЦҚ"),
            ("notice", "violations"),
        ],
    );
    assert!(
        result_named(&r, "refusal to accept")["form"]
            .as_str()
            .is_some_and(|f| f.contains("App. 3")),
        "the refusal receipt is App. 3 to the Standard"
    );
    assert!(
        result_named(&r, "referral")["form"]
            .as_str()
            .is_some_and(|f| f.contains("App. 1"))
    );

    check_warning(
        &r,
        &[
            "contradiction in terms.state_corporation",
            "30 minutes",
            "15 working days",
        ],
    );
    check_warning(&r, &["contradiction about term"]);
    check_warning(&r, &["contradiction about act.number", "293", "239"]);
    check_warning(&r, &["portal process 3"]);
    check_warning(&r, &["portal process 5"]);
}

#[test]
fn r2_externat_permission() {
    let r = regulation(2);
    assert_eq!(r["id"], "ekr-externat-permission");
    // L376-L377
    let kk = r["title"]["kk"].as_str().unwrap();
    assert!(
        kk.contains("экстернат нысанында оқытуға рұқсат беру"),
        "{kk}"
    );
    assert_eq!(
        r["title"]["en"],
        "Granting permission to study in the externship (external study) form in basic secondary and general secondary education organizations"
    );
    // Para 1 (L389-L394): the State Corporation and the portal; the provider's office is only the
    // provider's internal chain (declared, not accepting).
    assert_eq!(channels(&r), ["office", "portal", "state_corporation"]);
    let office = r["channel_details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "office")
        .unwrap();
    assert_eq!(office["accepts"], false);

    // Para 5 (L438-L441): 15 working days from handing the package to the State Corporation,
    // the day of acceptance not counted; repeated in para 10(2) (L570). Nothing for the portal.
    check_term(&r, "state_corporation", Some((15, "working_days")));
    assert_eq!(
        r["term"]["state_corporation"]["acceptance_day_counted"],
        false
    );
    check_term(&r, "portal", None);
    check_term(&r, "office", None);

    // Para 5 (L416-L437), repeated in para 8 (L476-L493): 15 min, 3 hours, 12 working days,
    // 15 min, 15 min.
    check_flow(
        &r,
        "office",
        &[
            (1, Some("office_clerk"), Some((15, "minutes")), "registers"),
            (2, Some("head"), Some((3, "hours")), "specialist"),
            (3, Some("specialist"), Some((12, "working_days")), "para 9"),
            (4, Some("head"), Some((15, "minutes")), "signs"),
            (5, Some("office_clerk"), Some((15, "minutes")), "courier"),
        ],
    );

    // Para 9 (L499-L524): acceptance with receipt (15 min), collection sector, barcode, courier
    // ("to the recipient", sic: the provider); para 10 (L565-L573): issue in the e-queue.
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
            (5, Some("courier"), None, "provider"),
            (6, None, None, "provider"),
            (
                7,
                Some("state_corporation_operator"),
                None,
                "electronic queue",
            ),
        ],
    );
    assert_eq!(step(&r, "state_corporation", 6)["kind"], "provider_flow");
    assert_eq!(step(&r, "state_corporation", 6)["flow"], "office");
    assert_eq!(
        branch_results(step(&r, "state_corporation", 1), "refuse_acceptance").len(),
        1
    );

    // Para 9 continued (L530-L564): the operator's route, processes 1-9 and conditions 1-2.
    check_flow(
        &r,
        "state_corporation_is",
        &[
            (1, Some("state_corporation_operator"), None, "login"),
            (
                2,
                Some("state_corporation_operator"),
                None,
                "power of attorney",
            ),
            (3, Some("sc_information_system"), None, "ЖТ МДБ"),
            (4, Some("individuals_db"), None, "БНАЖ"),
            (5, Some("sc_information_system"), None, "cannot be obtained"),
            (6, Some("state_corporation_operator"), None, "scans"),
            (7, Some("state_corporation_operator"), None, "ЭҮӨШ АЖО"),
            (8, Some("regional_gateway"), None, "registers"),
            (9, Some("specialist"), None, "para 9"),
            (10, Some("specialist"), None, "violations"),
            (11, Some("applicant"), None, "order"),
        ],
    );
    assert_eq!(
        checks(step(&r, "state_corporation_is", 4)),
        ["data_in_individuals_db"]
    );
    assert_eq!(
        checks(step(&r, "state_corporation_is", 9)),
        ["documents_complete", "grounds"]
    );
    for n in [4, 9] {
        assert_eq!(
            branch_results(step(&r, "state_corporation_is", n), "refusal_notice").len(),
            1,
            "operator route item {n}: refusal notice"
        );
    }

    // No portal process is described; only para 1 (apply and receive through the portal).
    check_flow(
        &r,
        "portal",
        &[
            (1, Some("applicant"), None, "portal"),
            (2, Some("portal"), None, "result"),
        ],
    );

    // Para 3 (L397-L400): a copy of the head's order, or a letter with its number and date.
    check_results(
        &r,
        &[
            ("result", "copy of the order"),
            ("result", "letter"),
            ("receipt", "acceptance"),
            ("receipt", "refusal to accept"),
            ("receipt", "courier"),
            ("notice", "cannot be obtained"),
            ("notice", "violations"),
        ],
    );
    assert_eq!(result_named(&r, "receipt of acceptance")["barcode"], true);

    check_warning(
        &r,
        &[
            "contradiction in flows.state_corporation step 5",
            "recipient",
        ],
    );
    check_warning(&r, &["contradiction about result_form"]);
    check_warning(&r, &["contradiction about act.number", "293", "239"]);
    check_warning(&r, &["missing about portal flow"]);
    check_warning(&r, &["www.gov.kz"]);
}

#[test]
fn r3_school_document_duplicates() {
    let r = regulation(3);
    assert_eq!(r["id"], "ekr-school-document-duplicates");
    // L600-L601
    let kk = r["title"]["kk"].as_str().unwrap();
    assert!(kk.contains("құжаттардың телнұсқаларын беру"), "{kk}");
    assert_eq!(
        r["title"]["en"],
        "Issuing duplicates of documents on basic secondary and general secondary education"
    );
    // Para 1 (L612-L617): the provider's office and the State Corporation; no portal.
    assert_eq!(channels(&r), ["office", "state_corporation"]);

    // Para 5 (L656-L658): 15 working days from handing the documents to the provider or to the
    // State Corporation; no rule on the day of acceptance.
    check_term(&r, "office", Some((15, "working_days")));
    check_term(&r, "state_corporation", Some((15, "working_days")));
    assert!(r["term"]["state_corporation"]["acceptance_day_counted"].is_null());

    // Para 5 (L638-L655): 15 min, 2 hours, 12 working days (para 8, L704: 12 calendar days),
    // 1 hour, 15 min.
    check_flow(
        &r,
        "office",
        &[
            (1, Some("office_clerk"), Some((15, "minutes")), "registers"),
            (2, Some("head"), Some((2, "hours")), "reviews"),
            (3, Some("executor"), Some((12, "working_days")), "para 9"),
            (4, Some("head"), Some((1, "hours")), "signs"),
            (5, Some("office_clerk"), Some((15, "minutes")), "courier"),
        ],
    );
    let alt = &step(&r, "office", 3)["alternatives"][0];
    assert_eq!(alt["duration"]["value"], 12);
    assert_eq!(alt["duration"]["unit"], "calendar_days");

    // Para 9 (L715-L743): acceptance with receipt (not more than 15 min), refusal receipt
    // (App. 2 to the Standard), collection sector, barcode, courier to the provider; para 10
    // (L744-L752): issue in the e-queue.
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
            (5, Some("courier"), None, "provider"),
            (6, None, None, "provider"),
            (
                7,
                Some("state_corporation_operator"),
                None,
                "electronic queue",
            ),
        ],
    );
    assert_eq!(step(&r, "state_corporation", 6)["kind"], "provider_flow");
    assert_eq!(step(&r, "state_corporation", 6)["flow"], "office");

    // Para 3 (L619-L621): duplicate of the basic secondary certificate or of the general
    // secondary attestat.
    check_results(
        &r,
        &[
            ("result", "basic secondary education"),
            ("result", "general secondary education"),
            ("receipt", "acceptance"),
            ("receipt", "refusal to accept"),
            ("receipt", "recipient or of the state corporation courier"),
        ],
    );
    assert!(
        result_named(&r, "refusal to accept")["form"]
            .as_str()
            .is_some_and(|f| f.contains("App. 2"))
    );
    assert_eq!(result_named(&r, "receipt of acceptance")["barcode"], true);

    check_warning(
        &r,
        &["contradiction in flows.office step 3", "12 calendar days"],
    );
    check_warning(&r, &["contradiction about act.number", "293", "239"]);
    check_warning(&r, &["missing about appendix header"]);
    check_warning(&r, &["missing about role of action 5"]);
}

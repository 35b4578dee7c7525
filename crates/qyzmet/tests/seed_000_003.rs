//! Seeds 000 and 003: the free-meals regulations, checked through the real binary's JSON export
//! against values read by hand from the Kazakh texts (`../shared/seeds/000_cd611684e69fb158.txt`
//! and `../shared/seeds/003_69d7aea3d849092f.txt`).

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn export() -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_qyzmet"))
        .args(["regulations", "export", "--format", "json"])
        .current_dir(&root)
        .output()
        .expect("run qyzmet");
    assert!(
        out.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("export is JSON");
    v.as_array().expect("export is a JSON array").clone()
}

fn find(all: &[Value], seed: &str, part: u64) -> Value {
    all.iter()
        .find(|r| r["source"]["seed"] == seed && r["source"]["part"] == part)
        .unwrap_or_else(|| panic!("no regulation for {seed} part {part}"))
        .clone()
}

/// `(value, unit)` of a duration, or None for null.
fn dur(v: &Value) -> Option<(u64, String)> {
    if v.is_null() {
        return None;
    }
    Some((
        v["value"].as_u64().expect("duration value"),
        v["unit"].as_str().expect("duration unit").to_string(),
    ))
}

fn d(value: u64, unit: &str) -> Option<(u64, String)> {
    Some((value, unit.to_string()))
}

/// One expected step: n, role (None for provider_flow), duration, a word of text_en.
type Expect<'a> = (u64, Option<&'a str>, Option<(u64, String)>, &'a str);

fn check_flow(reg: &Value, flow: &str, expected: &[Expect]) {
    let steps = reg["flows"][flow]
        .as_array()
        .unwrap_or_else(|| panic!("flow `{flow}` missing"));
    assert_eq!(
        steps.len(),
        expected.len(),
        "flow `{flow}`: number of steps"
    );
    for (s, (n, role, duration, word)) in steps.iter().zip(expected) {
        assert_eq!(s["n"].as_u64(), Some(*n), "flow `{flow}`: step numbering");
        assert_eq!(s["role"].as_str(), *role, "flow `{flow}` step {n}: role");
        assert_eq!(
            dur(&s["duration"]),
            *duration,
            "flow `{flow}` step {n}: duration"
        );
        let text = s["text_en"].as_str().unwrap_or("").to_lowercase();
        assert!(
            text.contains(&word.to_lowercase()),
            "flow `{flow}` step {n}: text_en `{text}` should mention `{word}`"
        );
    }
}

fn channels(reg: &Value) -> Vec<String> {
    let mut c: Vec<String> = reg["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    c.sort();
    c
}

fn has_result(reg: &Value, kind: &str, name_part: &str) -> bool {
    reg["results"].as_array().unwrap().iter().any(|r| {
        r["kind"] == kind
            && r["name_en"]
                .as_str()
                .unwrap_or("")
                .to_lowercase()
                .contains(&name_part.to_lowercase())
    })
}

fn warns(reg: &Value, part: &str) -> bool {
    reg["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap_or("").contains(part))
}

#[test]
fn seed_000_free_meals_tvet() {
    let all = export();
    let reg = find(&all, "000_cd611684e69fb158.txt", 1);

    assert_eq!(reg["id"], "ekr-free-meals-tvet");
    // L74-L78: "... орта білімнен кейінгі және жоғары(білім) беру ұйымдарындағы ..."
    let kk = reg["title"]["kk"].as_str().unwrap();
    assert!(kk.contains("орта білімнен кейінгі және жоғары білім беру ұйымдарындағы"));
    assert!(kk.contains("патронаттағы тұлғаларына тегін тамақтандыруды ұсыну"));
    let en = reg["title"]["en"].as_str().unwrap();
    assert!(en.contains("free meals"));
    assert!(en.contains("higher education"));

    // Para 1 (L91-L97): office, State Corporation, portal.
    assert_eq!(channels(&reg), ["office", "portal", "state_corporation"]);

    // Para 5 (L148-L150): 10 working days for all three channels.
    for ch in ["office", "state_corporation", "portal"] {
        assert_eq!(dur(&reg["term"][ch]), d(10, "working_days"), "term {ch}");
    }
    // L151-L155: acceptance day not counted; result to the SC one тәулік before the term.
    assert_eq!(
        reg["term"]["state_corporation"]["acceptance_day_counted"],
        false
    );
    assert_eq!(
        reg["term"]["state_corporation"]["deliver_before_term"]["value"],
        1
    );

    // Para 5 (L124-L147).
    check_flow(
        &reg,
        "office",
        &[
            (1, Some("office_clerk"), d(20, "minutes"), "registers"),
            (2, Some("head"), d(15, "minutes"), "executor"),
            (3, Some("executor"), d(9, "calendar_days"), "notification"),
            (4, Some("head"), d(15, "minutes"), "signs"),
            (5, Some("office_clerk"), d(15, "minutes"), "issues"),
        ],
    );
    // Para 9 (L231-L253), then the provider, then para 10 (L257-L261).
    check_flow(
        &reg,
        "state_corporation",
        &[
            (
                1,
                Some("state_corporation_operator"),
                d(15, "minutes"),
                "receipt",
            ),
            (
                2,
                Some("collection_sector"),
                d(30, "seconds"),
                "collection sector",
            ),
            (3, Some("collection_sector"), d(15, "minutes"), "barcode"),
            (4, Some("collection_sector"), d(1, "minutes"), "courier"),
            (5, Some("courier"), d(5, "minutes"), "delivers"),
            (6, None, None, "provider"),
            (
                7,
                Some("state_corporation_operator"),
                None,
                "power of attorney",
            ),
        ],
    );
    let sc = reg["flows"]["state_corporation"].as_array().unwrap();
    assert_eq!(sc[5]["kind"], "provider_flow");
    assert_eq!(sc[5]["flow"], "office");
    // Para 11 (L275-L315): sub-items 1)-12), no durations.
    check_flow(
        &reg,
        "portal",
        &[
            (1, Some("applicant"), None, "registers"),
            (2, Some("applicant"), None, "IIN and password"),
            (3, Some("portal"), None, "authenticity"),
            (4, Some("portal"), None, "refusing authorisation"),
            (5, Some("applicant"), None, "fills"),
            (6, Some("portal"), None, "revoked"),
            (7, Some("portal"), None, "EDS"),
            (8, Some("portal"), None, "gateway"),
            (9, Some("regional_gateway"), None, "registers"),
            (10, Some("executor"), None, "documents"),
            (11, Some("executor"), None, "violations"),
            (12, Some("applicant"), None, "electronic document"),
        ],
    );

    // Para 3 (L106-L107), para 5 (L127-L129, L138-L140), para 9 (L232-L233).
    assert!(has_result(&reg, "result", "free meals"));
    assert!(has_result(&reg, "refusal", "motivated refusal"));
    assert!(has_result(&reg, "receipt", "refusal to accept"));
    assert!(has_result(&reg, "receipt", "acceptance"));
    assert!(has_result(&reg, "notice", "authorisation"));
    let barcode = reg["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "receipt" && r["name_en"].as_str().unwrap().contains("acceptance"))
        .unwrap();
    assert_eq!(barcode["barcode"], true);

    // Contradictions of the text.
    assert!(warns(&reg, "contradiction about service_form"));
    assert!(warns(&reg, "contradiction about provider"));
    assert!(warns(&reg, "contradiction about result name"));
    assert!(warns(&reg, "contradiction about refusal-to-accept grounds"));
    assert!(warns(
        &reg,
        "drafting_error about portal Process 5 signature"
    ));
}

#[test]
fn seed_003_free_meals_school() {
    let all = export();
    let reg = find(&all, "003_69d7aea3d849092f.txt", 1);

    assert_eq!(reg["id"], "krg-free-meals-school");
    // L6.
    let kk = reg["title"]["kk"].as_str().unwrap();
    assert!(kk.contains("Жалпы білім беретін мектептердегі білім алушылар мен тәрбиеленушілердің"));
    let en = reg["title"]["en"].as_str().unwrap();
    assert!(en.contains("free meals"));
    assert!(en.contains("general education schools"));

    // Para 1 (L9-L12): office and portal only (para 9, L53: no Public Service Centre).
    assert_eq!(channels(&reg), ["office", "portal"]);

    // L30: not more than 5 working days from handing in the documents.
    assert_eq!(dur(&reg["term"]["office"]), d(5, "working_days"));
    assert_eq!(dur(&reg["term"]["portal"]), d(5, "working_days"));

    // Para 5 (L22-L28): action 4 is 20 minutes (para 8(4), L47, says 30).
    check_flow(
        &reg,
        "office",
        &[
            (1, Some("office_clerk"), d(20, "minutes"), "receipt"),
            (2, Some("head"), d(20, "minutes"), "specialist"),
            (
                3,
                Some("specialist"),
                d(3, "days_unspecified"),
                "certificate",
            ),
            (4, Some("head"), d(20, "minutes"), "signs"),
            (5, Some("office_clerk"), d(1, "working_days"), "sent"),
        ],
    );
    let step4 = &reg["flows"]["office"][3];
    assert_eq!(dur(&step4["alternatives"][0]["duration"]), d(30, "minutes"));

    // Para 10 (L56-L67).
    check_flow(
        &reg,
        "portal",
        &[
            (1, Some("applicant"), None, "registers"),
            (2, Some("applicant"), None, "IIN and password"),
            (3, Some("portal"), None, "authenticity"),
            (4, Some("portal"), None, "refusing authorisation"),
            (5, Some("applicant"), None, "fills"),
            (6, Some("portal"), None, "revoked"),
            (7, Some("portal"), None, "EDS"),
            (8, Some("portal"), None, "gateway"),
            (9, Some("regional_gateway"), None, "registers"),
            (10, Some("specialist"), None, "para 9"),
            (11, Some("specialist"), None, "errors"),
            (12, Some("applicant"), None, "certificate"),
        ],
    );
    // Para 11 (L71-L84): the provider's employee in the ЭҮӨШ system, Individuals database.
    check_flow(
        &reg,
        "provider_electronic",
        &[
            (1, Some("provider_employee"), None, "login"),
            (2, Some("regional_gateway"), None, "employee"),
            (3, Some("regional_gateway"), None, "refusing authorisation"),
            (4, Some("regional_gateway"), None, "authorisation"),
            (5, Some("provider_employee"), None, "fills"),
            (6, Some("regional_gateway"), None, "Individuals"),
            (7, Some("individuals_db"), None, "processes"),
            (8, Some("regional_gateway"), None, "authenticity"),
            (9, Some("regional_gateway"), None, "violations"),
            (10, Some("applicant"), None, "result"),
        ],
    );

    // Para 3 (L17): certificate (анықтама), App. 1; action 1 (L22): receipt, App. 3.
    assert!(has_result(
        &reg,
        "result",
        "certificate on the provision of free meals"
    ));
    assert!(has_result(&reg, "receipt", "documents were received"));
    assert!(has_result(&reg, "notice", "EDS"));
    // No motivated refusal and no refusal-to-accept in this text.
    assert!(
        !reg["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["kind"] == "refusal")
    );

    // Contradictions of the text.
    assert!(warns(&reg, "chosen 20 minutes"));
    assert!(warns(&reg, "30 minutes (L47)"));
    assert!(warns(&reg, "contradiction about result name"));
    assert!(warns(&reg, "contradiction about portal authentication"));
    assert!(warns(&reg, "drafting_error about para 6 action numbering"));
    assert!(warns(&reg, "3 \"days\" without saying working or calendar"));
}

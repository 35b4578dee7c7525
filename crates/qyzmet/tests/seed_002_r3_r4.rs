//! Seed 002 (East Kazakhstan akimat resolution No. 264 of 13.08.2019), regulations 3 and 4:
//! referrals to out-of-town and school camps (Appendix 3) and placing a child in a foster family
//! with maintenance payments (Appendix 4). Runs the real binary's JSON export and checks it
//! against values read by hand from the Kazakh text (`shared/seeds/002_2e3e04865d2df02b.txt`;
//! the line numbers are in the comments), not copied from the TOML files.

mod common;

use common::seeds::{
    S, assert_duration, branch_kinds, channels, check_flow, check_results, check_term,
    check_unclaimed, check_warnings, flow_ids, regulation, result_named, sorted_strings, step,
};
use serde_json::Value;

const SEED: &str = "002_2e3e04865d2df02b.txt";

#[test]
fn r3_referrals_to_out_of_town_and_school_camps() {
    let r = regulation(SEED, 3);
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
    assert_eq!(channels(r), ["office", "portal", "state_corporation"]);
    // L781-L782: electronic (fully automated) and/or paper; L794: result on paper.
    assert_eq!(
        sorted_strings(&r["service_form"], "service_form"),
        ["fully_automated", "paper"]
    );
    assert_eq!(sorted_strings(&r["result_form"], "result_form"), ["paper"]);

    // L838-L840: 5 working days from handing the documents to the provider, to the State
    // Corporation, and via the portal.
    check_term(r, "office", Some((5, "working_days")));
    check_term(r, "state_corporation", Some((5, "working_days")));
    check_term(r, "portal", Some((5, "working_days")));
    // L841-L845: acceptance day not counted; result to the SC one тәулік before the term ends.
    let sc_term = &r["term"]["state_corporation"];
    assert_eq!(sc_term["acceptance_day_counted"], false);
    assert_duration(
        &sc_term["deliver_before_term"],
        Some((1, "calendar_days")),
        "deliver before term",
    );

    assert_eq!(flow_ids(r), ["office", "portal", "state_corporation"]);

    // Para 5 (L818-L837): 30 min, 5 min, 4 working days, 15 min, 15 min.
    check_flow(
        r,
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
    assert!(branch_kinds(step(r, "office", 1)).contains(&"refuse_acceptance".to_string()));
    assert!(branch_kinds(step(r, "office", 3)).contains(&"motivated_refusal".to_string()));

    // Para 9 (L933-L972): operator processes 1-10 with conditions 1-2, no step durations (the
    // 15 minutes of L928-L929 are for the whole processing); Process 9 is the provider's work.
    check_flow(
        r,
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
    let p9 = step(r, "state_corporation", 11);
    assert_eq!(p9["kind"], "provider_flow");
    assert_eq!(p9["flow"], "office");
    assert_eq!(step(r, "state_corporation", 2)["kind"], "condition");
    assert_eq!(step(r, "state_corporation", 6)["kind"], "condition");
    // L922-L927: refusal to accept at the SC, with the receipt of App. 2 to the Standard.
    assert!(
        (1..=12).any(|n| branch_kinds(step(r, "state_corporation", n))
            .contains(&"refuse_acceptance".to_string())),
        "the State Corporation refuses incomplete packages"
    );
    // L1002-L1042: the twelve portal items, no durations; conditions at items 3, 6, 10.
    check_flow(
        r,
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
            // Not an item of the text: the authorised person signs the result.
            S(12, Some("head"), None, "authorised person"),
            S(13, Some("applicant"), None, "electronic document"),
        ],
    );
    for n in [3, 6, 10] {
        let s = step(r, "portal", n);
        assert_eq!(s["kind"], "condition", "portal item {n}");
        assert!(branch_kinds(s).contains(&"refusal_notice".to_string()));
    }

    // L783-L793 (referral, motivated refusal), L820-L823 (refusal to accept at the office),
    // L913-L921 (acceptance receipt), L922-L927 (refusal receipt, App. 2), L941-L954 (SC
    // messages), L1009-L1039 (portal messages).
    check_results(
        r,
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
    assert_eq!(result_named(r, "referral")["form"], Value::Null);
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
    check_unclaimed(r, Some((1, "months")), Some((1, "working_days")));

    check_warnings(
        r,
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
    let r = regulation(SEED, 4);
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
    assert_eq!(channels(r), ["office", "portal"]);
    assert_eq!(flow_ids(r), ["office", "portal"]);
    assert!(
        r["state_corporation"].is_null(),
        "no State Corporation rules"
    );
    // L1190-L1191, L1206
    assert_eq!(
        sorted_strings(&r["service_form"], "service_form"),
        ["electronic_partly", "paper"]
    );
    assert_eq!(sorted_strings(&r["result_form"], "result_form"), ["paper"]);

    // L1254-L1255: 10 working days from handing in the documents (no channel named).
    check_term(r, "office", Some((10, "working_days")));
    check_term(r, "portal", Some((10, "working_days")));
    assert!(r["term"]["office"]["acceptance_day_counted"].is_null());

    // Para 5 (L1231-L1253): 30 min, 15 min, 9 working days, 15 min, 15 min.
    check_flow(
        r,
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
    assert!(branch_kinds(step(r, "office", 1)).contains(&"refuse_acceptance".to_string()));
    assert!(branch_kinds(step(r, "office", 3)).contains(&"motivated_refusal".to_string()));

    // Para 10 (L1331-L1371): the twelve portal items, no durations.
    check_flow(
        r,
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
            // Not an item of the text: the authorised person signs the result.
            S(12, Some("head"), None, "authorised person"),
            S(13, Some("applicant"), None, "electronic document"),
        ],
    );
    for n in [3, 6, 10] {
        let s = step(r, "portal", n);
        assert_eq!(s["kind"], "condition", "portal item {n}");
        assert!(branch_kinds(s).contains(&"refusal_notice".to_string()));
    }

    // L1192-L1205: contract (App. 1) and payment decision (App. 2), or a motivated refusal;
    // L1233-L1237: refusal to accept; L1341-L1368: portal messages.
    check_results(
        r,
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
        result_named(r, "contract")["form"],
        "App. 1 to the Standard"
    );
    assert_eq!(
        result_named(r, "decision")["form"],
        "App. 2 to the Standard"
    );
    let issued = sorted_strings(&step(r, "office", 5)["produces"], "produces");
    assert_eq!(
        issued.len(),
        3,
        "action 5 issues contract, decision or refusal: {issued:?}"
    );

    check_warnings(
        r,
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

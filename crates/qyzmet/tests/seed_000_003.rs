//! Seeds 000 and 003: the free-meals regulations, checked through the real binary's JSON export
//! against values read by hand from the Kazakh texts (`../shared/seeds/000_cd611684e69fb158.txt`
//! and `../shared/seeds/003_69d7aea3d849092f.txt`).

mod common;

use common::seeds::{
    S, assert_duration, channels, check_flow, check_term, check_warnings, has_result, regulation,
    result_kinds, step,
};

#[test]
fn seed_000_free_meals_tvet() {
    let reg = regulation("000_cd611684e69fb158.txt", 1);

    assert_eq!(reg["id"], "ekr-free-meals-tvet");
    // L74-L78: "... орта білімнен кейінгі және жоғары(білім) беру ұйымдарындағы ..."
    let kk = reg["title"]["kk"].as_str().unwrap();
    assert!(kk.contains("орта білімнен кейінгі және жоғары білім беру ұйымдарындағы"));
    assert!(kk.contains("патронаттағы тұлғаларына тегін тамақтандыруды ұсыну"));
    let en = reg["title"]["en"].as_str().unwrap();
    assert!(en.contains("free meals"));
    assert!(en.contains("higher education"));

    // Para 1 (L91-L97): office, State Corporation, portal.
    assert_eq!(channels(reg), ["office", "portal", "state_corporation"]);

    // Para 5 (L148-L150): 10 working days for all three channels.
    for ch in ["office", "state_corporation", "portal"] {
        check_term(reg, ch, Some((10, "working_days")));
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
        reg,
        "office",
        &[
            S(1, Some("office_clerk"), Some((20, "minutes")), "registers"),
            S(2, Some("head"), Some((15, "minutes")), "executor"),
            S(
                3,
                Some("executor"),
                Some((9, "calendar_days")),
                "notification",
            ),
            S(4, Some("head"), Some((15, "minutes")), "signs"),
            S(5, Some("office_clerk"), Some((15, "minutes")), "issues"),
        ],
    );
    // Para 9 (L231-L253), then the provider, then para 10 (L257-L261).
    check_flow(
        reg,
        "state_corporation",
        &[
            S(
                1,
                Some("state_corporation_operator"),
                Some((15, "minutes")),
                "receipt",
            ),
            S(
                2,
                Some("collection_sector"),
                Some((30, "seconds")),
                "collection sector",
            ),
            S(
                3,
                Some("collection_sector"),
                Some((15, "minutes")),
                "barcode",
            ),
            S(
                4,
                Some("collection_sector"),
                Some((1, "minutes")),
                "courier",
            ),
            S(5, Some("courier"), Some((5, "minutes")), "delivers"),
            S(6, None, None, "provider"),
            S(
                7,
                Some("state_corporation_operator"),
                None,
                "power of attorney",
            ),
        ],
    );
    let handoff = step(reg, "state_corporation", 6);
    assert_eq!(handoff["kind"], "provider_flow");
    assert_eq!(handoff["flow"], "office");
    // Para 11 (L275-L315): sub-items 1)-12), no durations.
    check_flow(
        reg,
        "portal",
        &[
            S(1, Some("applicant"), None, "registers"),
            S(2, Some("applicant"), None, "IIN and password"),
            S(3, Some("portal"), None, "authenticity"),
            S(4, Some("portal"), None, "refusing authorisation"),
            S(5, Some("applicant"), None, "fills"),
            S(6, Some("portal"), None, "revoked"),
            S(7, Some("portal"), None, "EDS"),
            S(8, Some("portal"), None, "gateway"),
            S(9, Some("regional_gateway"), None, "registers"),
            S(10, Some("executor"), None, "documents"),
            S(11, Some("executor"), None, "violations"),
            // Not an item of the text: the authorised person signs the result.
            S(12, Some("head"), None, "authorised person"),
            S(13, Some("applicant"), None, "electronic document"),
        ],
    );

    // Para 3 (L106-L107), para 5 (L127-L129, L138-L140), para 9 (L232-L233).
    assert!(has_result(reg, "result", "free meals"));
    assert!(has_result(reg, "refusal", "motivated refusal"));
    assert!(has_result(reg, "receipt", "refusal to accept"));
    assert!(has_result(reg, "receipt", "acceptance"));
    assert!(has_result(reg, "notice", "authorisation"));
    let barcode = reg["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == "receipt" && r["name_en"].as_str().unwrap().contains("acceptance"))
        .unwrap();
    assert_eq!(barcode["barcode"], true);

    // Contradictions of the text.
    check_warnings(
        reg,
        &[
            "contradiction about service_form",
            "contradiction about provider",
            "contradiction about result name",
            "contradiction about refusal-to-accept grounds",
            "drafting_error about portal Process 5 signature",
        ],
    );
}

#[test]
fn seed_003_free_meals_school() {
    let reg = regulation("003_69d7aea3d849092f.txt", 1);

    assert_eq!(reg["id"], "krg-free-meals-school");
    // L6.
    let kk = reg["title"]["kk"].as_str().unwrap();
    assert!(kk.contains("Жалпы білім беретін мектептердегі білім алушылар мен тәрбиеленушілердің"));
    let en = reg["title"]["en"].as_str().unwrap();
    assert!(en.contains("free meals"));
    assert!(en.contains("general education schools"));

    // Para 1 (L9-L12): office and portal only (para 9, L53: no Public Service Centre).
    assert_eq!(channels(reg), ["office", "portal"]);

    // L30: not more than 5 working days from handing in the documents.
    check_term(reg, "office", Some((5, "working_days")));
    check_term(reg, "portal", Some((5, "working_days")));

    // Para 5 (L22-L28): action 4 is 20 minutes (para 8(4), L47, says 30).
    check_flow(
        reg,
        "office",
        &[
            S(1, Some("office_clerk"), Some((20, "minutes")), "receipt"),
            S(2, Some("head"), Some((20, "minutes")), "specialist"),
            S(
                3,
                Some("specialist"),
                Some((3, "days_unspecified")),
                "certificate",
            ),
            S(4, Some("head"), Some((20, "minutes")), "signs"),
            S(5, Some("office_clerk"), Some((1, "working_days")), "sent"),
        ],
    );
    assert_duration(
        &step(reg, "office", 4)["alternatives"][0]["duration"],
        Some((30, "minutes")),
        "office step 4: the other duration",
    );

    // Para 10 (L56-L67).
    check_flow(
        reg,
        "portal",
        &[
            S(1, Some("applicant"), None, "registers"),
            S(2, Some("applicant"), None, "IIN and password"),
            S(3, Some("portal"), None, "authenticity"),
            S(4, Some("portal"), None, "refusing authorisation"),
            S(5, Some("applicant"), None, "fills"),
            S(6, Some("portal"), None, "revoked"),
            S(7, Some("portal"), None, "EDS"),
            S(8, Some("portal"), None, "gateway"),
            S(9, Some("regional_gateway"), None, "registers"),
            S(10, Some("specialist"), None, "para 9"),
            S(11, Some("specialist"), None, "errors"),
            // Not an item of the text: the authorised person signs the result.
            S(12, Some("head"), None, "authorised person"),
            S(13, Some("applicant"), None, "certificate"),
        ],
    );
    // Para 11 (L71-L84): the provider's employee in the ЭҮӨШ system, Individuals database.
    check_flow(
        reg,
        "provider_electronic",
        &[
            S(1, Some("provider_employee"), None, "login"),
            S(2, Some("regional_gateway"), None, "employee"),
            S(3, Some("regional_gateway"), None, "refusing authorisation"),
            S(4, Some("regional_gateway"), None, "authorisation"),
            S(5, Some("provider_employee"), None, "fills"),
            S(6, Some("regional_gateway"), None, "Individuals"),
            S(7, Some("individuals_db"), None, "processes"),
            S(8, Some("regional_gateway"), None, "authenticity"),
            S(9, Some("regional_gateway"), None, "violations"),
            S(10, Some("applicant"), None, "result"),
        ],
    );

    // Para 3 (L17): certificate (анықтама), App. 1; action 1 (L22): receipt, App. 3.
    assert!(has_result(
        reg,
        "result",
        "certificate on the provision of free meals"
    ));
    assert!(has_result(reg, "receipt", "documents were received"));
    assert!(has_result(reg, "notice", "EDS"));
    // No motivated refusal and no refusal-to-accept in this text.
    assert!(!result_kinds(reg).contains(&"refusal".to_string()));

    // Contradictions of the text.
    check_warnings(
        reg,
        &[
            "chosen 20 minutes",
            "30 minutes (L47)",
            "contradiction about result name",
            "contradiction about portal authentication",
            "drafting_error about para 6 action numbering",
            "3 \"days\" without saying working or calendar",
        ],
    );
}

//! Seed 001 (East Kazakhstan akimat resolution No. 293 (239 in the appendix headers) of
//! 29.07.2016): three education regulations — the preschool queue (Appendix 1), permission for
//! externat study (Appendix 2) and duplicates of school documents (Appendix 3). Checked through
//! the real binary's JSON export against values read by hand from the Kazakh text
//! (`shared/seeds/001_dc23ce679bee4007.txt`, line numbers in the comments), not copied from the
//! TOML files.

mod common;

use common::seeds::{
    S, assert_duration, branch_results, channel_detail, channels, check_flow, check_results,
    check_term, check_warning_all_of, checks, regulation, result_named, step,
};

const SEED: &str = "001_dc23ce679bee4007.txt";

#[test]
fn r1_preschool_queue() {
    let r = regulation(SEED, 1);
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
    assert_eq!(channels(r), ["office", "portal", "state_corporation"]);

    // Para 5 (L154-L155): 30 minutes from applying to the provider (sic: "recipient"), the State
    // Corporation or the portal. Para 10(1) (L223) says 15 working days via the State Corporation.
    check_term(r, "office", Some((30, "minutes")));
    check_term(r, "state_corporation", Some((30, "minutes")));
    check_term(r, "portal", Some((30, "minutes")));
    assert_duration(
        &r["term"]["state_corporation"]["alternatives"][0],
        Some((15, "working_days")),
        "the other term of `state_corporation`",
    );

    // Para 5 (L136-L153), repeated in para 8 (L189-L203): 10 + 5 + 10 + 2 + 3 minutes.
    check_flow(
        r,
        "office",
        &[
            S(1, Some("office_clerk"), Some((10, "minutes")), "registers"),
            S(2, Some("head"), Some((5, "minutes")), "executor"),
            S(3, Some("executor"), Some((10, "minutes")), "para 9"),
            S(4, Some("head"), Some((2, "minutes")), "signs"),
            S(5, Some("office_clerk"), Some((3, "minutes")), "issues"),
        ],
    );

    // Paras 9-10 (L209-L226): the State Corporation employee, 15 minutes of processing, refusal
    // receipt (App. 3 to the Standard); the result in electronic-queue order.
    check_flow(
        r,
        "state_corporation",
        &[
            S(
                1,
                Some("state_corporation_operator"),
                Some((15, "minutes")),
                "request",
            ),
            S(2, None, None, "provider"),
            S(
                3,
                Some("state_corporation_operator"),
                None,
                "electronic queue",
            ),
        ],
    );
    let sc1 = step(r, "state_corporation", 1);
    assert_eq!(branch_results(sc1, "refuse_acceptance").len(), 1);
    let sc2 = step(r, "state_corporation", 2);
    assert_eq!(sc2["kind"], "provider_flow");
    assert_eq!(sc2["flow"], "office");

    // Para 11 (L232-L272): sub-items 1)-12), processes 1-8 and conditions 1-3; no durations.
    check_flow(
        r,
        "portal",
        &[
            S(1, Some("applicant"), None, "registers"),
            S(2, Some("applicant"), None, "IIN"),
            S(3, Some("portal"), None, "authenticity"),
            S(4, Some("portal"), None, "authorisation"),
            S(5, Some("applicant"), None, "request form"),
            S(6, Some("portal"), None, "certificate"),
            S(7, Some("portal"), None, "ЭЦҚ"),
            S(8, Some("portal"), None, "gateway"),
            S(9, Some("regional_gateway"), None, "registers"),
            S(10, Some("executor"), None, "para 9"),
            S(11, Some("executor"), None, "violations"),
            // Not an item of the text: the authorised person signs the result.
            S(12, Some("head"), None, "authorised person"),
            S(13, Some("applicant"), None, "notification"),
        ],
    );
    for (n, label) in [
        (2, "Process 1"),
        (3, "Condition 1"),
        (8, "Process 5"),
        (13, "Process 8"),
    ] {
        assert_eq!(step(r, "portal", n)["label"], label, "portal item {n}");
    }
    for n in [3, 6, 10] {
        let s = step(r, "portal", n);
        assert_eq!(s["kind"], "condition", "portal item {n}");
        assert_eq!(
            branch_results(s, "refusal_notice").len(),
            1,
            "portal item {n}: refusal notice"
        );
    }
    assert_eq!(checks(step(r, "portal", 3)), ["credentials"]);
    assert_eq!(
        checks(step(r, "portal", 6)),
        [
            "certificate_validity",
            "certificate_not_revoked",
            "iin_match"
        ]
    );
    assert_eq!(
        checks(step(r, "portal", 10)),
        ["documents_complete", "grounds"]
    );

    // Para 3 (L103-L112): queue notification with the queue number (free form), or a referral
    // (App. 1 to the Standard) where a place is available; para 9 (L216-L217): refusal receipt
    // in the form of App. 3; para 11: three portal messages.
    check_results(
        r,
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
        result_named(r, "refusal to accept")["form"]
            .as_str()
            .is_some_and(|f| f.contains("App. 3")),
        "the refusal receipt is App. 3 to the Standard"
    );
    assert!(
        result_named(r, "referral")["form"]
            .as_str()
            .is_some_and(|f| f.contains("App. 1"))
    );

    check_warning_all_of(
        r,
        &[
            "contradiction in terms.state_corporation",
            "30 minutes",
            "15 working days",
        ],
    );
    check_warning_all_of(r, &["contradiction about term"]);
    check_warning_all_of(r, &["contradiction about act.number", "293", "239"]);
    check_warning_all_of(r, &["portal process 3"]);
    check_warning_all_of(r, &["portal process 5"]);
}

#[test]
fn r2_externat_permission() {
    let r = regulation(SEED, 2);
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
    assert_eq!(channels(r), ["office", "portal", "state_corporation"]);
    assert_eq!(channel_detail(r, "office")["accepts"], false);

    // Para 5 (L438-L441): 15 working days from handing the package to the State Corporation,
    // the day of acceptance not counted; repeated in para 10(2) (L570). Nothing for the portal.
    check_term(r, "state_corporation", Some((15, "working_days")));
    assert_eq!(
        r["term"]["state_corporation"]["acceptance_day_counted"],
        false
    );
    check_term(r, "portal", None);
    check_term(r, "office", None);

    // Para 5 (L416-L437), repeated in para 8 (L476-L493): 15 min, 3 hours, 12 working days,
    // 15 min, 15 min.
    check_flow(
        r,
        "office",
        &[
            S(1, Some("office_clerk"), Some((15, "minutes")), "registers"),
            S(2, Some("head"), Some((3, "hours")), "specialist"),
            S(3, Some("specialist"), Some((12, "working_days")), "para 9"),
            S(4, Some("head"), Some((15, "minutes")), "signs"),
            S(5, Some("office_clerk"), Some((15, "minutes")), "courier"),
        ],
    );

    // Para 9 (L499-L524): acceptance with receipt (15 min), collection sector, barcode, courier
    // ("to the recipient", sic: the provider); para 10 (L565-L573): issue in the e-queue.
    check_flow(
        r,
        "state_corporation",
        &[
            S(
                1,
                Some("state_corporation_operator"),
                Some((15, "minutes")),
                "receipt",
            ),
            S(2, Some("collection_sector"), None, "collection sector"),
            S(3, Some("collection_sector"), None, "barcode"),
            S(4, Some("collection_sector"), None, "courier"),
            S(5, Some("courier"), None, "provider"),
            S(6, None, None, "provider"),
            S(
                7,
                Some("state_corporation_operator"),
                None,
                "electronic queue",
            ),
        ],
    );
    assert_eq!(step(r, "state_corporation", 6)["kind"], "provider_flow");
    assert_eq!(step(r, "state_corporation", 6)["flow"], "office");
    assert_eq!(
        branch_results(step(r, "state_corporation", 1), "refuse_acceptance").len(),
        1
    );

    // Para 9 continued (L530-L564): the operator's route, processes 1-9 and conditions 1-2.
    check_flow(
        r,
        "state_corporation_is",
        &[
            S(1, Some("state_corporation_operator"), None, "login"),
            S(
                2,
                Some("state_corporation_operator"),
                None,
                "power of attorney",
            ),
            S(3, Some("sc_information_system"), None, "ЖТ МДБ"),
            S(4, Some("individuals_db"), None, "БНАЖ"),
            S(5, Some("sc_information_system"), None, "cannot be obtained"),
            S(6, Some("state_corporation_operator"), None, "scans"),
            S(7, Some("state_corporation_operator"), None, "ЭҮӨШ АЖО"),
            S(8, Some("regional_gateway"), None, "registers"),
            S(9, Some("specialist"), None, "para 9"),
            S(10, Some("specialist"), None, "violations"),
            S(11, Some("applicant"), None, "order"),
        ],
    );
    assert_eq!(
        checks(step(r, "state_corporation_is", 4)),
        ["data_in_individuals_db"]
    );
    assert_eq!(
        checks(step(r, "state_corporation_is", 9)),
        ["documents_complete", "grounds"]
    );
    for n in [4, 9] {
        assert_eq!(
            branch_results(step(r, "state_corporation_is", n), "refusal_notice").len(),
            1,
            "operator route item {n}: refusal notice"
        );
    }

    // No portal process is described; para 1 (apply and receive through the portal), and the
    // provider's actions 1-4 of para 5 (L416-L434) in between: the head signs.
    check_flow(
        r,
        "portal",
        &[
            S(1, Some("applicant"), None, "portal"),
            S(2, Some("office_clerk"), Some((15, "minutes")), "registers"),
            S(3, Some("head"), Some((3, "hours")), "specialist"),
            S(
                4,
                Some("specialist"),
                Some((12, "working_days")),
                "prepares",
            ),
            S(5, Some("head"), Some((15, "minutes")), "signs"),
            S(6, Some("portal"), None, "result"),
        ],
    );
    assert_eq!(step(r, "portal", 5)["signs_result"], true);

    // Para 3 (L397-L400): a copy of the head's order, or a letter with its number and date.
    check_results(
        r,
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
    assert_eq!(result_named(r, "receipt of acceptance")["barcode"], true);

    check_warning_all_of(
        r,
        &[
            "contradiction in flows.state_corporation step 5",
            "recipient",
        ],
    );
    check_warning_all_of(r, &["contradiction about result_form"]);
    check_warning_all_of(r, &["contradiction about act.number", "293", "239"]);
    check_warning_all_of(r, &["missing about portal flow"]);
    check_warning_all_of(r, &["www.gov.kz"]);
}

#[test]
fn r3_school_document_duplicates() {
    let r = regulation(SEED, 3);
    assert_eq!(r["id"], "ekr-school-document-duplicates");
    // L600-L601
    let kk = r["title"]["kk"].as_str().unwrap();
    assert!(kk.contains("құжаттардың телнұсқаларын беру"), "{kk}");
    assert_eq!(
        r["title"]["en"],
        "Issuing duplicates of documents on basic secondary and general secondary education"
    );
    // Para 1 (L612-L617): the provider's office and the State Corporation; no portal.
    assert_eq!(channels(r), ["office", "state_corporation"]);

    // Para 5 (L656-L658): 15 working days from handing the documents to the provider or to the
    // State Corporation; no rule on the day of acceptance.
    check_term(r, "office", Some((15, "working_days")));
    check_term(r, "state_corporation", Some((15, "working_days")));
    assert!(r["term"]["state_corporation"]["acceptance_day_counted"].is_null());

    // Para 5 (L638-L655): 15 min, 2 hours, 12 working days (para 8, L704: 12 calendar days),
    // 1 hour, 15 min.
    check_flow(
        r,
        "office",
        &[
            S(1, Some("office_clerk"), Some((15, "minutes")), "registers"),
            S(2, Some("head"), Some((2, "hours")), "reviews"),
            S(3, Some("executor"), Some((12, "working_days")), "para 9"),
            S(4, Some("head"), Some((1, "hours")), "signs"),
            S(5, Some("office_clerk"), Some((15, "minutes")), "courier"),
        ],
    );
    assert_duration(
        &step(r, "office", 3)["alternatives"][0]["duration"],
        Some((12, "calendar_days")),
        "office step 3: the other duration",
    );

    // Para 9 (L715-L743): acceptance with receipt (not more than 15 min), refusal receipt
    // (App. 2 to the Standard), collection sector, barcode, courier to the provider; para 10
    // (L744-L752): issue in the e-queue.
    check_flow(
        r,
        "state_corporation",
        &[
            S(
                1,
                Some("state_corporation_operator"),
                Some((15, "minutes")),
                "receipt",
            ),
            S(2, Some("collection_sector"), None, "collection sector"),
            S(3, Some("collection_sector"), None, "barcode"),
            S(4, Some("collection_sector"), None, "courier"),
            S(5, Some("courier"), None, "provider"),
            S(6, None, None, "provider"),
            S(
                7,
                Some("state_corporation_operator"),
                None,
                "electronic queue",
            ),
        ],
    );
    assert_eq!(step(r, "state_corporation", 6)["kind"], "provider_flow");
    assert_eq!(step(r, "state_corporation", 6)["flow"], "office");

    // Para 3 (L619-L621): duplicate of the basic secondary certificate or of the general
    // secondary attestat.
    check_results(
        r,
        &[
            ("result", "basic secondary education"),
            ("result", "general secondary education"),
            ("receipt", "acceptance"),
            ("receipt", "refusal to accept"),
            ("receipt", "recipient or of the state corporation courier"),
        ],
    );
    assert!(
        result_named(r, "refusal to accept")["form"]
            .as_str()
            .is_some_and(|f| f.contains("App. 2"))
    );
    assert_eq!(result_named(r, "receipt of acceptance")["barcode"], true);

    check_warning_all_of(
        r,
        &["contradiction in flows.office step 3", "12 calendar days"],
    );
    check_warning_all_of(r, &["contradiction about act.number", "293", "239"]);
    check_warning_all_of(r, &["missing about appendix header"]);
    check_warning_all_of(r, &["missing about role of action 5"]);
}

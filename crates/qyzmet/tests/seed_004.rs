//! Seed 004 (West Kazakhstan akimat resolution No. 258 of 30.09.2014): the two regulations it
//! approves, checked through the real binary's JSON export against values read by hand from the
//! Kazakh text (`shared/seeds/004_9de5eb11759d78b6.txt`), not copied from the TOML files.

mod common;

use common::seeds::{
    S, channels, check_flow, check_results, check_term, check_warnings, checks, flow_ids,
    regulation, step, warnings,
};

const SEED: &str = "004_9de5eb11759d78b6.txt";

/// The five actions of the provider (para 5), the same in both regulations except action 3.
fn provider_actions(executor: (u64, &'static str)) -> Vec<S> {
    vec![
        S(1, Some("office_clerk"), Some((15, "minutes")), "registers"),
        S(2, Some("head"), Some((1, "working_days")), "executor"),
        S(3, Some("executor"), Some(executor), "refusal"),
        S(4, Some("head"), Some((1, "working_days")), "signs"),
        S(5, Some("office_clerk"), Some((15, "minutes")), "issues"),
    ]
}

#[test]
fn seed_004_part_1_dormitory() {
    let r = regulation(SEED, 1);

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
    assert_eq!(channels(r), ["office"]);
    // No term of the service anywhere in the text.
    check_term(r, "office", None);

    // Para 5 (L81-L101): 15 min, 1 WD, 8 WD, 1 WD, 15 min.
    check_flow(r, "office", &provider_actions((8, "working_days")));
    assert_eq!(flow_ids(r), ["office"], "one flow only");

    // Para 3 (L63-L67): referral (жолдама) or motivated refusal; no receipts.
    check_results(r, &[("result", "referral"), ("refusal", "refusing")]);

    check_warnings(
        r,
        &[
            "garbled about flows.office step 3", // L93: "жауапты" displaced
            "garbled about results.referral_dormitory.form", // L64: "1-қосымшасына" displaced
            "missing about term",
            "missing about refusal grounds",
        ],
    );
    assert!(
        !warnings(r).iter().any(|w| w.starts_with("contradiction")),
        "part 1 has no contradiction of its own"
    );
}

#[test]
fn seed_004_part_2_document_duplicates() {
    let r = regulation(SEED, 2);

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
    assert_eq!(channels(r), ["office", "state_corporation"]);
    check_term(r, "office", None);
    check_term(r, "state_corporation", None);

    // Para 5 (L226-L246): 15 min, 1 WD, 1 month (1 (бір) ай), 1 WD, 15 min (printed "5 (он бес)").
    check_flow(r, "office", &provider_actions((1, "months")));

    // Paras 10-11 (L295-L346): intake, processes 1-8, conditions 1-2; condition 2 = the provider.
    check_flow(
        r,
        "state_corporation",
        &[
            S(1, Some("applicant"), Some((2, "minutes")), "application"),
            S(
                2,
                Some("state_corporation_operator"),
                Some((1, "minutes")),
                "password",
            ),
            S(
                3,
                Some("state_corporation_operator"),
                Some((1, "minutes")),
                "power of attorney",
            ),
            S(
                4,
                Some("sc_information_system"),
                Some((1, "minutes")),
                "request",
            ),
            S(
                5,
                Some("sc_information_system"),
                Some((1, "minutes")),
                "individuals",
            ),
            S(
                6,
                Some("sc_information_system"),
                Some((1, "minutes")),
                "cannot be obtained",
            ),
            S(
                7,
                Some("state_corporation_operator"),
                Some((2, "minutes")),
                "signed",
            ),
            S(
                8,
                Some("regional_gateway"),
                Some((2, "minutes")),
                "registration",
            ),
            S(9, None, None, "conformity"),
            S(
                10,
                Some("regional_gateway"),
                Some((1, "minutes")),
                "deficiencies",
            ),
            S(11, Some("applicant"), Some((1, "minutes")), "duplicate"),
        ],
    );
    let condition_1 = step(r, "state_corporation", 5);
    let condition_2 = step(r, "state_corporation", 9);
    assert_eq!(condition_1["kind"], "condition");
    assert_eq!(condition_2["kind"], "provider_flow");
    assert_eq!(condition_2["flow"], "office");
    assert!(
        checks(condition_1).contains(&"data_in_individuals_db".to_string()),
        "condition 1 checks the individuals database"
    );
    assert_eq!(condition_1["branches"][0]["kind"], "refusal_notice");
    assert_eq!(condition_2["branches"][0]["kind"], "refusal_notice");

    check_results(
        r,
        &[
            ("result", "duplicates of documents"),
            ("refusal", "refusing"),
            ("notice", "cannot be obtained"),
            ("notice", "refusing the requested service"),
        ],
    );

    check_warnings(
        r,
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

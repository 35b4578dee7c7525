//! Seed 002 (East Kazakhstan akimat resolution No. 264 of 13.08.2019), regulations 1 and 2:
//! guardianship or custodianship over orphans (Appendix 1) and free transport of children from
//! remote villages to school (Appendix 2). Checked through the real binary's JSON export against
//! values read by hand from the Kazakh text (`shared/seeds/002_2e3e04865d2df02b.txt`, line
//! numbers in the comments), not copied from the TOML files.

mod common;

use common::seeds::{
    S, assert_duration, channel_detail, channels, check_flow, check_results, check_term,
    check_unclaimed, check_warnings, regulation, result_named, sorted_strings, step,
};

const SEED: &str = "002_2e3e04865d2df02b.txt";

#[test]
fn r1_guardianship_over_orphans() {
    let r = regulation(SEED, 1);
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
    assert_eq!(channels(r), ["office", "portal", "state_corporation"]);
    assert_eq!(
        channel_detail(r, "office")["accepts"],
        false,
        "the office is not an intake channel (L116-L120)"
    );

    // L184-L186: 19 working days from handing documents to the SC, and also via the portal.
    check_term(r, "state_corporation", Some((19, "working_days")));
    check_term(r, "portal", Some((19, "working_days")));
    check_term(r, "office", None);
    // L187-L191: acceptance day not counted; delivery one тәулік before the term.
    let sc = &r["term"]["state_corporation"];
    assert_eq!(sc["acceptance_day_counted"], false);
    assert_duration(
        &sc["deliver_before_term"],
        Some((1, "calendar_days")),
        "deliver before term",
    );
    // L286-L291: one month at the SC, then back to the provider; re-request within 1 working day.
    check_unclaimed(r, Some((1, "months")), Some((1, "working_days")));

    // Para 5 (L158-L183), repeated identically in para 8 (L224-L246).
    check_flow(
        r,
        "office",
        &[
            S(1, Some("office_clerk"), Some((15, "minutes")), "courier"),
            S(2, Some("head"), Some((15, "minutes")), "employee"),
            S(
                3,
                Some("executor"),
                Some((17, "working_days")),
                "draft resolution",
            ),
            S(4, Some("head"), Some((1, "working_days")), "signs"),
            S(5, Some("office_clerk"), Some((15, "minutes")), "courier"),
        ],
    );
    assert_eq!(
        step(r, "office", 1)["branches"][0]["kind"],
        "refuse_acceptance"
    );
    assert_eq!(
        step(r, "office", 3)["branches"][0]["kind"],
        "motivated_refusal"
    );

    // Para 9 (L252-L280): acceptance (15 min processing, L255-L256), collection sector, barcode
    // into the АМЖ, courier; then the provider; para 10 (L281-L285): issue on the receipt.
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
            S(5, Some("courier"), None, "delivers"),
            S(6, None, None, "provider"),
            S(7, Some("state_corporation_operator"), None, "identity"),
        ],
    );
    let handoff = step(r, "state_corporation", 6);
    assert_eq!(handoff["kind"], "provider_flow");
    assert_eq!(handoff["flow"], "office");

    // Para 11 (L292-L337): items 1)-12), no durations.
    check_flow(
        r,
        "portal",
        &[
            S(1, Some("applicant"), None, "registers"),
            S(2, Some("applicant"), None, "password"),
            S(3, Some("portal"), None, "authenticity"),
            S(4, Some("portal"), None, "refusing authorisation"),
            S(5, Some("applicant"), None, "certificate"),
            S(6, Some("portal"), None, "revoked"),
            S(7, Some("portal"), None, "not confirmed"),
            S(8, Some("portal"), None, "gateway"),
            S(9, Some("regional_gateway"), None, "registers"),
            S(10, Some("executor"), None, "grounds"),
            S(11, Some("executor"), None, "violations"),
            // Not an item of the text: the authorised person signs the result.
            S(12, Some("head"), None, "authorised person"),
            S(13, Some("applicant"), None, "electronic document"),
        ],
    );
    let c2 = step(r, "portal", 6);
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
        r,
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
    let resolution = result_named(r, "guardianship or custodianship");
    assert_eq!(resolution["form"], "App. 1 to the Standard");
    assert_eq!(
        result_named(r, "acceptance of the documents")["barcode"],
        true
    );

    check_warnings(
        r,
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
    let r = regulation(SEED, 2);
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
        channels(r),
        ["intermediary", "office", "portal", "state_corporation"]
    );

    // L514-L516: 5 working days (provider, SC and portal); para 11 gives no term.
    check_term(r, "office", Some((5, "working_days")));
    check_term(r, "state_corporation", Some((5, "working_days")));
    check_term(r, "portal", Some((5, "working_days")));
    check_term(r, "intermediary", None);
    let sc = &r["term"]["state_corporation"];
    assert_eq!(sc["acceptance_day_counted"], false, "L517-L518");
    assert_eq!(sc["deliver_before_term"]["value"], 1, "L518-L521");
    // L660-L665
    check_unclaimed(r, Some((1, "months")), Some((1, "working_days")));

    // Para 5 (L489-L513), para 8 (L560-L575): 30 min / 20 min / 4 WD / 20 min / 15 min.
    check_flow(
        r,
        "office",
        &[
            S(1, Some("office_clerk"), Some((30, "minutes")), "journal"),
            S(2, Some("akim"), Some((20, "minutes")), "specialist"),
            S(
                3,
                Some("specialist"),
                Some((4, "working_days")),
                "certificate",
            ),
            S(4, Some("akim"), Some((20, "minutes")), "signs"),
            S(5, Some("office_clerk"), Some((15, "minutes")), "courier"),
        ],
    );
    let accept = step(r, "office", 1);
    assert_eq!(accept["branches"][0]["kind"], "refuse_acceptance");
    // L491-L493: "office employee OR State Corporation courier" is kept as the other reading.
    assert_eq!(accept["alternatives"][0]["field"], "role");
    assert_eq!(accept["alternatives"][0]["role"], "courier");

    // Para 10 (L593-L665): processes 1-10 and conditions 1-2 of the SC operator; 15 minutes
    // of processing (L609-L610) are tied to no process.
    check_flow(
        r,
        "state_corporation",
        &[
            S(
                1,
                Some("state_corporation_operator"),
                None,
                "monitoring system",
            ),
            S(2, Some("monitoring_system"), None, "authenticity"),
            S(3, Some("monitoring_system"), None, "authorises"),
            S(4, Some("state_corporation_operator"), None, "request form"),
            S(5, Some("monitoring_system"), None, "Individuals"),
            S(6, Some("individuals_db"), None, "exist"),
            S(7, Some("monitoring_system"), None, "cannot be obtained"),
            S(8, Some("state_corporation_operator"), None, "scans"),
            S(9, Some("state_corporation_operator"), None, "receipt"),
            S(10, Some("state_corporation_operator"), None, "gateway"),
            S(11, None, None, "one day"),
            S(
                12,
                Some("state_corporation_operator"),
                None,
                "power of attorney",
            ),
        ],
    );
    let p9 = step(r, "state_corporation", 11);
    assert_eq!(p9["kind"], "provider_flow");
    assert_eq!(p9["flow"], "office");
    assert_eq!(
        step(r, "state_corporation", 6)["checks"][0],
        "data_in_individuals_db"
    );

    // No portal steps in the text: the application, the personal cabinet (L476-L479), and the
    // provider's actions 1-4 of para 5 in between (the akim signs, L509-L510).
    check_flow(
        r,
        "portal",
        &[
            S(1, Some("applicant"), None, "portal"),
            S(2, Some("office_clerk"), Some((30, "minutes")), "registers"),
            S(3, Some("akim"), Some((20, "minutes")), "specialist"),
            S(
                4,
                Some("specialist"),
                Some((4, "working_days")),
                "certificate",
            ),
            S(5, Some("akim"), Some((20, "minutes")), "signs"),
            S(6, Some("portal"), None, "personal cabinet"),
        ],
    );
    assert_eq!(step(r, "portal", 5)["signs_result"], true);

    // Para 11 (L669-L688): 20 min, 1 "calendar working day", the provider (para 5), 20 min.
    check_flow(
        r,
        "intermediary",
        &[
            S(
                1,
                Some("intermediary_clerk"),
                Some((20, "minutes")),
                "para 10",
            ),
            S(
                2,
                Some("intermediary_clerk"),
                Some((1, "working_days")),
                "sends",
            ),
            S(3, None, None, "para 5"),
            S(
                4,
                Some("intermediary_clerk"),
                Some((20, "minutes")),
                "issues",
            ),
        ],
    );
    let forward = step(r, "intermediary", 2);
    assert_eq!(
        forward["alternatives"][0]["duration"]["unit"],
        "calendar_days"
    );
    assert_eq!(step(r, "intermediary", 3)["kind"], "provider_flow");

    // L459-L469 (certificate App. 1, refusal para 10), L499-L501/L604-L608 (App. 4 receipt),
    // L595-L603 (acceptance receipt), L677-L679 (intermediary refusal), L619-L621, L634-L636.
    check_results(
        r,
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
        result_named(r, "certificate on the provision")["form"],
        "App. 1 to the Standard"
    );
    assert_eq!(
        result_named(r, "receipt on refusal to accept")["form"],
        "App. 4 to the Standard"
    );

    check_warnings(
        r,
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

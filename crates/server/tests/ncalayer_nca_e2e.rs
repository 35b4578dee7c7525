//! The NCALayer journeys of `ncalayer_e2e.rs` (`tools/e2e/ncalayer.mjs`, Chromium) with NCA
//! RK's own GOST 34.10-2015 test keys (`../shared/ecp-test/gost2015`): the server trusts NCA's
//! test root, issuing CA and CRL (`--trust`/`--crl`), accepts its test identities
//! (`--test-identities`: the citizen account IIN 123456789011) and knows the provider by NCA's
//! test BIN 123456789021 (`--provider-bin`).
//! (a) the citizen signs and submits with `individual_valid.p12`; (b) with
//! `individual_revoked.p12` the portal refuses with its ЭЦП refusal; (c) an authentication key
//! (none among NCA's GOST 2015 keys and the RSA one expired in 2021: the development CA's AUTH
//! key of the provider's BIN, still trusted) and `individual_valid.p12` are refused for a
//! result; (d) the head signs a result with `legal_head.p12`.
//!
//! The clock: 2026-12-02 09:00 Almaty, inside the keys' validity (2026-06-16 → 2027-05-08).
//! Every seed regulation but `krg-free-meals-school` was repealed in 2020, so the journeys use
//! that one, at its demo provider `district_city_leb-1`.

use common::keys::{Signer, issue, nca_gost2015, nca_key};
use server::accounts::{Kind, NewAccount};
use server::signing::TrustConfig;
mod browser;
mod common;

const REG: &str = "krg-free-meals-school";
const PROVIDER: &str = "district_city_leb-1";
const NCA_IIN: &str = "123456789011";
const NCA_BIN: &str = "123456789021";
const NCA_PASSWORD: &str = "a long test password";
/// A demo citizen: the applicant of the office applications the head signs results of.
const DEMO_CITIZEN: &str = "100515500003";

/// A pupil born 2016-05-15 (a valid IIN, so the form's check passes).
fn pupil_iin() -> String {
    let born = jiff::civil::date(2016, 5, 15);
    (0..10_000)
        .find_map(|n| identity::Iin::from_parts(born, identity::Sex::Female, n).ok())
        .expect("an IIN")
        .as_str()
        .to_string()
}

struct Prepared {
    head_auth: common::keys::TestKey,
    applications: Vec<String>,
}

fn prepare(state: &server::AppState) -> Prepared {
    let hash = server::accounts::hash_password(NCA_PASSWORD, server::PasswordCost::Test).unwrap();
    state
        .accounts
        .create(
            &NewAccount {
                login: NCA_IIN,
                kind: Kind::Citizen,
                iin: Some(NCA_IIN),
                name: "Тест Тестов",
                org: None,
                roles: &[],
                phone: Some("+77010000009"),
            },
            &hash,
        )
        .expect("the NCA test citizen's account");
    Prepared {
        head_auth: issue(state, Signer::HeadAuth(PROVIDER)),
        applications: (0..2)
            .map(|_| browser::at_signing_step(state, REG, PROVIDER, DEMO_CITIZEN))
            .collect(),
    }
}

#[test]
fn signing_through_ncalayer_with_nca_gost_2015_test_keys() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let data = testkit::tempdir("ncalayer-nca-e2e");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("wss://127.0.0.1:{port}");
    let (server, base, prepared) = browser::serve_at(
        data.path(),
        "2026-12-02T04:00:00Z".parse().unwrap(),
        |o| {
            o.ncalayer_url = Some(url.clone());
            o.trust = TrustConfig {
                anchors: vec![
                    nca_gost2015("root_test_gost_2022.cer"),
                    nca_gost2015("nca_gost2022_test.cer"),
                ],
                crls: vec![nca_gost2015("nca_gost2022_test.crl")],
                test_identities: true,
                provider_bins: [(
                    PROVIDER.to_string(),
                    TrustConfig::parse_provider_bin(&format!("{PROVIDER}={NCA_BIN}"), true)
                        .unwrap()
                        .1,
                )]
                .into(),
            };
        },
        prepare,
    );
    // The double's key names are the ones the script picks.
    let (k, c) = nca_key("individual_valid.p12");
    let mut signer = ncalayer_double::Signer::named("citizen", k, c);
    for (name, file) in [
        ("revoked", "individual_revoked.p12"),
        ("head", "legal_head.p12"),
    ] {
        let (k, c) = nca_key(file);
        signer = signer.with_key(name, k, c);
    }
    let auth = prepared.head_auth;
    signer = signer.with_key("head-auth", auth.key, auth.certificate);
    let double = server
        .block_on(ncalayer_double::start(
            format!("127.0.0.1:{port}").parse().unwrap(),
            signer,
        ))
        .expect("the NCALayer double");
    let form = serde_json::json!({
        "fill": {
            "pupil_name": "Тестова Айша Тестқызы",
            "pupil_birth_date": "15.05.2016",
            "pupil_iin": pupil_iin(),
            "school": "№ 12 мектеп-гимназия",
            "phone": "+7 701 222 33 44",
        },
        "select": {"grade": "4", "category": "orphan"},
    })
    .to_string();
    let shots = std::env::var("QYZMET_SHOTS").unwrap_or_default();
    browser::run(
        &tools,
        "ncalayer.mjs",
        &base,
        &[
            ("NCALAYER_URL", &double.url()),
            ("QYZMET_SIGN_APPLICATIONS", &prepared.applications.join(",")),
            ("QYZMET_SHOTS", &shots),
            ("QYZMET_REG", REG),
            ("QYZMET_PROVIDER", PROVIDER),
            ("QYZMET_CITIZEN", NCA_IIN),
            ("QYZMET_CITIZEN_PW", NCA_PASSWORD),
            ("QYZMET_PORTAL_FORM", &form),
        ],
        "signing through NCALayer with NCA's GOST 2015 keys",
    );
    drop(double);
    drop(server);
}

// The same scenarios with the server on the PostgreSQL store (a fresh schema); screenshots
// under `target/e2e-artifacts/postgres/`.
crate::on_postgres!(signing_through_ncalayer_with_nca_gost_2015_test_keys);

//! Signing through NCALayer in a browser (`tools/e2e/ncalayer.mjs`, playwright-core driving
//! Debian's Chromium, the pages' own Content-Security-Policy in force) against the code under
//! test, with the NCALayer double (`ncalayer-double`) on a free port as the signer's NCALayer:
//! (a) a citizen signs and submits a portal application and sees it accepted; (b) with a
//! revoked key the portal refuses with its ЭЦП refusal; (c) an authentication key and a
//! citizen's key are refused for a result with a visible message, nothing recorded, and a
//! signer who cancels is told so; (d) the head signs a result with the head's key; the page
//! shows it signed. Screenshots at 390 px, kk and ru, of both signing steps go to
//! `target/e2e-artifacts/ncalayer/` (and `$QYZMET_SHOTS` if set).
//!
//! The keys: `common/keys.rs` (development CA today). Tools and serving: `browser/mod.rs`.

use common::keys::{Signer, TestKey, issue, revoke};
mod browser;
mod common;

const REG: &str = "ekr-free-meals-tvet";
const PROVIDER: &str = "tvet_organisation-1";
const CITIZEN: &str = "100515500003";

struct Prepared {
    keys: Vec<(&'static str, TestKey)>,
    applications: Vec<String>,
}

fn prepare(state: &server::AppState) -> Prepared {
    let revoked = issue(state, Signer::Citizen(CITIZEN));
    revoke(state, &revoked);
    Prepared {
        keys: vec![
            ("citizen", issue(state, Signer::Citizen(CITIZEN))),
            ("revoked", revoked),
            ("head", issue(state, Signer::Head(PROVIDER))),
            ("head-auth", issue(state, Signer::HeadAuth(PROVIDER))),
        ],
        applications: (0..2)
            .map(|_| browser::at_signing_step(state, REG, PROVIDER, CITIZEN))
            .collect(),
    }
}

#[test]
fn signing_through_ncalayer_in_a_browser() {
    let Some(tools) = browser::tools() else {
        return;
    };
    let data = testkit::tempdir("ncalayer-e2e");
    // The double's port first: the server's pages are given its URL.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("wss://127.0.0.1:{port}");
    let (server, base, prepared) =
        browser::serve_with(data.path(), |o| o.ncalayer_url = Some(url.clone()), prepare);
    let mut keys = prepared.keys.into_iter();
    let (name, first) = keys.next().unwrap();
    let mut signer = ncalayer_double::Signer::named(name, first.key, first.certificate);
    for (name, k) in keys {
        signer = signer.with_key(name, k.key, k.certificate);
    }
    let double = server
        .block_on(ncalayer_double::start(
            format!("127.0.0.1:{port}").parse().unwrap(),
            signer,
        ))
        .expect("the NCALayer double");
    let shots = std::env::var("QYZMET_SHOTS").unwrap_or_default();
    browser::run(
        &tools,
        "ncalayer.mjs",
        &base,
        &[
            ("NCALAYER_URL", &double.url()),
            ("QYZMET_SIGN_APPLICATIONS", &prepared.applications.join(",")),
            ("QYZMET_SHOTS", &shots),
        ],
        "signing through NCALayer",
    );
    drop(double);
    drop(server);
}

// The same scenarios with the server on the PostgreSQL store (a fresh schema); screenshots
// under `target/e2e-artifacts/postgres/`.
crate::on_postgres!(signing_through_ncalayer_in_a_browser);

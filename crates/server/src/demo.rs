//! Demo data for a sandbox: one provider organisation per provider type of the catalogue, the
//! State Corporation, staff accounts for every role the regulations give a person (at each
//! provider and at the State Corporation; each a named person, two for a role the head hands
//! files to by name, `<org>.<role>` and `<org>.<role>-2`), a monitor, an admin, and citizens with synthetic
//! valid IINs (`shared/spec/kz-facts.md` §1.3) — with known passwords, printed as a table.
//!
//! For: `qyzmet demo-data`, `serve --demo`, and tests. Idempotent: existing organisations are
//! updated, existing accounts kept. [`demo_data`] also creates the development CA under
//! `pki/` with a signing key for each provider's authorised person and each demo citizen
//! (`signing`). Demo passwords are published, so each is hashed once and the
//! hash shared by the accounts that use it. Not for: production provisioning. Also here:
//! [`ensure_admin`], which gives a fresh installation its `admin` with a one-time password.

use crate::AppState;
use crate::accounts::{
    Accounts, Kind, NewAccount, Org, PasswordCost, hash_password, hex, random_bytes,
};
use anyhow::{Context, Result};
use engine::STATE_CORPORATION;
use regulation::Party;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub const STAFF_PASSWORD: &str = "staff-demo-2019";
pub const CITIZEN_PASSWORD: &str = "citizen-demo-2019";
pub const MONITOR_PASSWORD: &str = "monitor-demo-2019";
pub const ADMIN_PASSWORD: &str = "admin-demo-2019";

/// Demo citizens: synthetic IINs that pass every check (kz-facts.md §1.3), names and phones.
pub const CITIZENS: [(&str, &str, &str); 4] = [
    ("100515500003", "Әлібек Қасымұлы Сейітов", "+77010000001"),
    ("000229600004", "Айгүл Нұрланқызы Омарова", "+77010000002"),
    ("851231400001", "Гүлнар Серікқызы Ахметова", "+77010000003"),
    ("900101300007", "Ерлан Болатұлы Жұмабаев", "+77010000004"),
];

/// Demo staff: each staff account is a person. Names are given in turn within an
/// organisation, so its people have distinct names (the list is longer than any
/// organisation's staff).
const STAFF_NAMES: [&str; 16] = [
    "Асель Маратқызы Жақсыбекова",
    "Нұрлан Ерланұлы Тоқтаров",
    "Динара Қайратқызы Смағұлова",
    "Ержан Серікұлы Бекмұхамбетов",
    "Гүлмира Бақытқызы Әбілова",
    "Руслан Асқарұлы Оспанов",
    "Жанар Темірқызы Құсайынова",
    "Арман Болатұлы Ибраев",
    "Сәуле Нұрғалиқызы Мұқанова",
    "Дәурен Мұратұлы Сәрсенбаев",
    "Ләззат Әсетқызы Жұмашева",
    "Бауыржан Қанатұлы Әлиев",
    "Айнұр Ғалымқызы Төлеуова",
    "Талғат Жомартұлы Нұрпейісов",
    "Мәдина Ерболқызы Сейітқалиева",
    "Самат Дидарұлы Қожахметов",
];

/// Names of the demo organisation of each provider type: (kk, ru, en).
fn demo_org_name(provider_type: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match provider_type {
        "district_city_leb" => (
            "Өскемен қаласының білім бөлімі (демо)",
            "Отдел образования города Усть-Каменогорска (демо)",
            "Ust-Kamenogorsk city education department (demo)",
        ),
        "district_leb" => (
            "Глубокое ауданының білім бөлімі (демо)",
            "Отдел образования Глубоковского района (демо)",
            "Glubokoye district education department (demo)",
        ),
        "education_organisation" => (
            "№ 12 білім беру ұйымы (демо)",
            "Организация образования № 12 (демо)",
            "Education organisation No. 12 (demo)",
        ),
        "local_akim" => (
            "Прапорщиков ауылдық округінің әкімі (демо)",
            "Аким Прапорщиковского сельского округа (демо)",
            "Akim of Praporshchikovo rural district (demo)",
        ),
        "region_district_city_leb" => (
            "Шығыс Қазақстан облысының білім басқармасы (демо)",
            "Управление образования Восточно-Казахстанской области (демо)",
            "East Kazakhstan region education office (demo)",
        ),
        "school" => (
            "№ 7 жалпы орта білім беру мектебі (демо)",
            "Общеобразовательная средняя школа № 7 (демо)",
            "General secondary school No. 7 (demo)",
        ),
        "settlement_village_rural_district_akims" => (
            "Белоусовка кенті әкімінің аппараты (демо)",
            "Аппарат акима поселка Белоусовка (демо)",
            "Office of the akim of Belousovka settlement (demo)",
        ),
        "tvet_organisation" => (
            "Өскемен көпсалалы колледжі (демо)",
            "Усть-Каменогорский многопрофильный колледж (демо)",
            "Ust-Kamenogorsk multi-profile college (demo)",
        ),
        "tvet_organisation_with_dormitory" => (
            "Орал жатақханасы бар колледжі (демо)",
            "Уральский колледж с общежитием (демо)",
            "Uralsk college with a dormitory (demo)",
        ),
        _ => return None,
    })
}

pub fn state_corporation_org() -> Org {
    Org {
        id: STATE_CORPORATION.into(),
        kind: "state_corporation".into(),
        provider_type: None,
        name_kk: "«Азаматтарға арналған үкімет» мемлекеттік корпорациясы".into(),
        name_ru: "Государственная корпорация «Правительство для граждан»".into(),
        name_en: "State Corporation “Government for Citizens”".into(),
        signing_role: None,
    }
}

/// One row of the printed table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DemoAccount {
    pub login: String,
    pub password: String,
    pub kind: String,
    pub org: String,
    pub roles: String,
    pub name: String,
    /// False when the account already existed (its password was left as it was).
    pub created: bool,
}

/// What [`demo_data`] made.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DemoSummary {
    pub organisations: Vec<Org>,
    pub accounts: Vec<DemoAccount>,
}

impl DemoSummary {
    /// The accounts as a plain-text table.
    pub fn table(&self) -> String {
        let headers = ["login", "password", "kind", "organisation", "roles", "name"];
        let rows: Vec<[String; 6]> = self
            .accounts
            .iter()
            .map(|a| {
                [
                    a.login.clone(),
                    if a.created {
                        a.password.clone()
                    } else {
                        "(kept)".into()
                    },
                    a.kind.clone(),
                    a.org.clone(),
                    a.roles.clone(),
                    a.name.clone(),
                ]
            })
            .collect();
        let mut w = headers.map(|h| h.chars().count());
        for r in &rows {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        let line = |cells: &[String]| {
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| format!("{c}{}", " ".repeat(w[i] - c.chars().count())))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        };
        let mut out = format!(
            "demo data: {} organisations, {} accounts\n",
            self.organisations.len(),
            self.accounts.len()
        );
        out.push_str(&line(&headers.map(String::from)));
        out.push('\n');
        out.push_str(&line(&w.map(|n| "-".repeat(n))));
        out.push('\n');
        for r in &rows {
            out.push_str(&line(r));
            out.push('\n');
        }
        out
    }
}

/// Creates the demo organisations and accounts in `database` (standard password hashing)
/// and the development CA with the demo keys under `data_dir`.
pub fn demo_data(
    data_dir: &Path,
    database: &crate::Database,
    regulations_dir: Option<&Path>,
) -> Result<DemoSummary> {
    demo_data_with(data_dir, database, regulations_dir, PasswordCost::Standard)
}

/// [`demo_data`] unless demo organisations exist already (then `None`).
pub fn demo_data_if_absent(
    data_dir: &Path,
    database: &crate::Database,
    regulations_dir: Option<&Path>,
) -> Result<Option<DemoSummary>> {
    let ctx = crate::load_context(regulations_dir)?;
    let store = database.open(data_dir, ctx)?;
    let seeded = store::Records::orgs(store.as_ref())?
        .iter()
        .any(|o| o.kind == "provider");
    // Closed (its writer joined) before anything else opens it.
    drop(store);
    if seeded {
        return Ok(None);
    }
    demo_data(data_dir, database, regulations_dir).map(Some)
}

pub fn demo_data_with(
    data_dir: &Path,
    database: &crate::Database,
    regulations_dir: Option<&Path>,
    cost: PasswordCost,
) -> Result<DemoSummary> {
    let ctx = crate::load_context(regulations_dir)?;
    let store = database.open(data_dir, ctx.clone())?;
    let accounts = Accounts::new(store.clone(), cost);
    let summary = seed(&accounts, &ctx, cost)?;
    drop(accounts);
    drop(store);
    // The development CA and the demo signing keys: each provider's authorised person and
    // each demo citizen (PKCS#8 keys and certificates under `pki/issued/`).
    let now = jiff::Timestamp::now();
    let pki = crate::signing::Pki::open_or_init(&data_dir.join(crate::signing::PKI_DIR), now)
        .context("cannot create the development CA")?;
    demo_keys(&pki, &ctx, &summary.organisations, now)
        .context("cannot issue the demo signing keys")?;
    Ok(summary)
}

/// Seeds an open accounts database from the catalogue in `ctx`.
pub fn seed(accounts: &Accounts, ctx: &engine::Ctx, cost: PasswordCost) -> Result<DemoSummary> {
    // Provider types (first seen names) and the people's roles of each; State Corporation roles.
    let mut types: BTreeMap<String, (String, String, String)> = BTreeMap::new();
    let mut provider_roles: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut sc_roles: BTreeSet<String> = BTreeSet::new();
    // Information systems get no accounts: their steps run by themselves.
    let mut system_roles: BTreeSet<String> = BTreeSet::new();
    for reg in ctx.regulations() {
        for r in &reg.roles {
            if reg.is_system_role(&r.get_ref().id) {
                system_roles.insert(r.get_ref().id.clone());
            }
        }
        let roles: Vec<(String, Option<Party>)> = reg
            .roles
            .iter()
            .map(|r| r.get_ref().id.clone())
            .map(|r| {
                let p = reg.party_of(&r);
                (r, p)
            })
            .collect();
        for p in &reg.providers {
            let p = p.get_ref();
            types.entry(p.id.clone()).or_insert_with(|| {
                (
                    p.kk.clone(),
                    p.name(crate::i18n::Lang::Ru).to_string(),
                    p.en.clone(),
                )
            });
            let set = provider_roles.entry(p.id.clone()).or_default();
            for (r, party) in &roles {
                if matches!(party, Some(Party::Provider | Party::Intermediary)) {
                    set.insert(r.clone());
                }
            }
        }
        for (r, party) in &roles {
            if *party == Some(Party::StateCorporation) {
                sc_roles.insert(r.clone());
            }
        }
    }
    let mut summary = DemoSummary::default();
    let sc = state_corporation_org();
    accounts.upsert_org(&sc)?;
    summary.organisations.push(sc);
    for (t, (kk, ru, en)) in &types {
        let (nkk, nru, nen) = demo_org_name(t)
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .unwrap_or_else(|| {
                (
                    format!("{kk} (демо)"),
                    format!("{ru} (демо)"),
                    format!("{en} (demo)"),
                )
            });
        let org = Org {
            id: format!("{t}-1"),
            kind: "provider".into(),
            provider_type: Some(t.clone()),
            name_kk: nkk,
            name_ru: nru,
            name_en: nen,
            signing_role: None,
        };
        accounts.upsert_org(&org)?;
        summary.organisations.push(org);
    }

    let mut hashes: BTreeMap<&str, String> = BTreeMap::new();
    let mut hash = |pw: &'static str| -> Result<String> {
        if let Some(h) = hashes.get(pw) {
            return Ok(h.clone());
        }
        let h = hash_password(pw, cost).map_err(anyhow::Error::msg)?;
        hashes.insert(pw, h.clone());
        Ok(h)
    };
    let mut add = |a: NewAccount<'_>, pw: &'static str, summary: &mut DemoSummary| -> Result<()> {
        let created = if accounts.by_login(a.login)?.is_some() {
            false
        } else {
            accounts.create(&a, &hash(pw)?)?;
            true
        };
        summary.accounts.push(DemoAccount {
            login: a.login.into(),
            password: pw.into(),
            kind: a.kind.as_str().into(),
            org: a.org.unwrap_or("").into(),
            roles: a.roles.join(","),
            name: a.name.into(),
            created,
        });
        Ok(())
    };
    // Roles the head hands files to by name (the executor's steps): two people each, so that
    // the head has a choice.
    let assigned_roles: BTreeSet<String> = ctx
        .plans()
        .flat_map(|p| p.steps.iter())
        .filter(|s| s.assigned_by.is_some())
        .map(|s| s.role.clone())
        .collect();
    let orgs: Vec<Org> = summary.organisations.clone();
    for (o, org) in orgs.iter().enumerate() {
        let roles: Vec<String> = match org.provider_type.as_deref() {
            Some(t) => provider_roles
                .get(t)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .collect(),
            None => sc_roles.iter().cloned().collect(),
        };
        let mut people = 0;
        for role in roles.into_iter().filter(|r| !system_roles.contains(r)) {
            let logins = if org.kind == "provider" && assigned_roles.contains(&role) {
                vec![format!("{}.{role}", org.id), format!("{}.{role}-2", org.id)]
            } else {
                vec![format!("{}.{role}", org.id)]
            };
            for login in logins {
                let name = STAFF_NAMES[(o * 3 + people) % STAFF_NAMES.len()];
                people += 1;
                add(
                    NewAccount {
                        login: &login,
                        kind: Kind::Staff,
                        iin: None,
                        name,
                        org: Some(&org.id),
                        roles: std::slice::from_ref(&role),
                        phone: None,
                    },
                    STAFF_PASSWORD,
                    &mut summary,
                )?;
            }
        }
    }
    add(
        NewAccount {
            login: "monitor",
            kind: Kind::Monitor,
            iin: None,
            name: "Мониторинг (демо)",
            org: None,
            roles: &[],
            phone: None,
        },
        MONITOR_PASSWORD,
        &mut summary,
    )?;
    add(
        NewAccount {
            login: "admin",
            kind: Kind::Admin,
            iin: None,
            name: "Әкімші (демо)",
            org: None,
            roles: &[],
            phone: None,
        },
        ADMIN_PASSWORD,
        &mut summary,
    )?;
    for (iin, name, phone) in CITIZENS {
        add(
            NewAccount {
                login: iin,
                kind: Kind::Citizen,
                iin: Some(iin),
                name,
                org: None,
                roles: &[],
                phone: Some(phone),
            },
            CITIZEN_PASSWORD,
            &mut summary,
        )?;
    }
    Ok(summary)
}

/// Gives a fresh installation its `admin` account; returns the one-time password to print.
pub fn ensure_admin(st: &AppState) -> Result<Option<String>> {
    let has_admin = st.accounts.list()?.iter().any(|a| a.kind == Kind::Admin);
    if has_admin {
        return Ok(None);
    }
    let pw = hex(&random_bytes::<9>());
    let hash = hash_password(&pw, st.accounts.cost()).map_err(anyhow::Error::msg)?;
    let created = st.accounts.create(
        &NewAccount {
            login: "admin",
            kind: Kind::Admin,
            iin: None,
            name: "Administrator",
            org: None,
            roles: &[],
            phone: None,
        },
        &hash,
    );
    let admin = match created {
        Ok(a) => a,
        // Another node sharing the store made it meanwhile: its console shows the password.
        Err(_) if st.accounts.list()?.iter().any(|a| a.kind == Kind::Admin) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    // Printed on a console: it must not stay the password.
    st.accounts.require_password_change(admin.id)?;
    Ok(Some(pw))
}

/// Issues the demo keys at demo-data time: a signing certificate for every provider
/// organisation and one for each demo citizen (`pki/issued/`). Existing ones are kept.
pub fn demo_keys(
    pki: &crate::signing::Pki,
    ctx: &engine::Ctx,
    orgs: &[Org],
    now: jiff::Timestamp,
) -> Result<(), identity::pki::PkiError> {
    for org in orgs.iter().filter(|o| o.kind == "provider") {
        let role = crate::signing::signing_role(ctx, org).unwrap_or_else(|| "head".into());
        pki.org_signer(&org.id, Some(org), &role, now)?;
    }
    for (iin, name, _) in CITIZENS {
        if let Ok(iin) = identity::Iin::parse(iin) {
            pki.citizen_key(&iin, name, now)?;
        }
    }
    Ok(())
}

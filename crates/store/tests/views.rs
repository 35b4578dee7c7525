//! The list rows: keyset pagination returns every row once and in order for every sort and
//! page size; each filter equals a brute-force filter over all rows (SLA judged by
//! `engine::sla`); search by IIN, id, receipt and name prefix within a scope.

mod common;

use common::*;
use engine::sla::Sla;
use engine::{Application, Command, Ctx, Outcome as Decision, STATE_CORPORATION, Status};
use jiff::{Timestamp, ToSpan};
use regulation::ChannelId;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::sync::OnceLock;
use store::views::{ListQuery, ListRow, Scope, SlaFilter, Sort};
use store::{Store, StoreError};

const PROVIDERS: &[&str] = &["college-1", "college-2", "college-3"];
const NAMES: &[&str] = &[
    "Асқар Нұрланұлы",
    "Айгүл Серікқызы",
    "Ержан Болатұлы",
    "Әлия Қайратқызы",
    "АЙДОС Маратұлы",
    "Иван Петров",
    "",
];

/// A small deterministic generator (the dataset must not change between runs).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

struct Data {
    db: Db,
    store: Arc<dyn Store>,
    ctx: std::sync::Arc<Ctx>,
    apps: Vec<Application>,
    rows: Vec<ListRow>,
    /// An instant after the last command, when some applications are late.
    now: Timestamp,
}

/// ~300 applications over five regulations, every channel, three providers, twenty
/// applicants, walked for a dozen rounds: some closed (issued and refused), some at each step;
/// once on each store.
fn data() -> &'static [Data] {
    static DATA: OnceLock<Vec<Data>> = OnceLock::new();
    DATA.get_or_init(|| dbs("views").into_iter().map(dataset).collect())
}

fn dataset(db: Db) -> Data {
    let ctx = catalogue_ctx();
    let store = db.open(ctx.clone());
    let mut rng = Lcg(7);
    let regs: Vec<(String, Vec<ChannelId>)> = ctx
        .regulations()
        .iter()
        .map(|r| {
            let chans = r
                .channel_ids()
                .into_iter()
                .filter(|c| ctx.plan(&r.id, r.version, *c).is_some())
                .collect();
            (r.id.clone(), chans)
        })
        .collect();
    let mut now = t0();
    let mut ids: Vec<String> = vec![];
    let mut n = 0;
    for round in 0..12 {
        let mut cmds: Vec<(Command, Timestamp)> = vec![];
        // Move some open applications on (automatic steps always).
        for id in &ids {
            let app = store.application(id).unwrap().unwrap();
            if app.status == Status::Closed {
                continue;
            }
            if let Some(c) = engine::automatic_step(&app, &ctx) {
                cmds.push((c, now));
                continue;
            }
            if rng.next(3) == 0 {
                continue;
            }
            let plan = ctx.plan(&app.regulation, app.version, app.channel).unwrap();
            let s = plan.step(app.step).unwrap();
            let outcome = match rng.next(10) {
                0 if s.refuse_acceptance.is_some() => Decision::RefuseAcceptance {
                    grounds: "incomplete".into(),
                },
                1 if s.motivated_refusal.is_some() => Decision::MotivatedRefusal {
                    grounds: "grounds".into(),
                    listed: vec![],
                },
                2 if s.refusal_notice.is_some() => Decision::Fail {
                    reason: "violations".into(),
                },
                _ => Decision::Done,
            };
            cmds.push((complete(&ctx, &app, outcome), now));
        }
        if round < 11 {
            for _ in 0..27 {
                n += 1;
                let (reg, chans) = &regs[rng.next(regs.len() as u64) as usize];
                let ch = chans[rng.next(chans.len() as u64) as usize];
                let id = format!("Q{n:04}");
                let provider = PROVIDERS[rng.next(3) as usize];
                let name = NAMES[rng.next(NAMES.len() as u64) as usize];
                cmds.push((
                    submit_as(&id, reg, ch, provider, &iin(rng.next(20)), name),
                    now + (rng.next(50) as i64).minutes(),
                ));
                ids.push(id);
            }
        }
        for r in store.execute_many(cmds) {
            r.unwrap();
        }
        now += (3 + rng.next(30) as i64).hours();
    }
    let apps: Vec<Application> = ids
        .iter()
        .map(|id| store.application(id).unwrap().unwrap())
        .collect();
    let rows: Vec<ListRow> = ids
        .iter()
        .map(|id| store.list_row(id).unwrap().unwrap())
        .collect();
    Data {
        db,
        store,
        ctx,
        apps,
        rows,
        now,
    }
}

/// Every page of `q`, checking each page's size and cursor.
fn all_pages(store: &Arc<dyn Store>, q: &ListQuery) -> Vec<ListRow> {
    let limit = if q.limit == 0 { 50 } else { q.limit };
    let mut q = q.clone();
    let mut out = vec![];
    for _ in 0..10_000 {
        let page = store.list(&q).unwrap();
        assert!(page.rows.len() <= limit);
        out.extend(page.rows.iter().cloned());
        match page.next {
            Some(next) => {
                assert_eq!(page.rows.len(), limit, "a page before the last is full");
                q.cursor = Some(next);
            }
            None => return out,
        }
    }
    panic!("pagination does not end");
}

/// `rows` ordered as `sort` says, ties by id.
fn sorted(mut rows: Vec<ListRow>, sort: Sort) -> Vec<ListRow> {
    // None (no deadline) after every instant.
    let due = |t: Option<Timestamp>| (t.is_none(), t);
    rows.sort_by(|a, b| match sort {
        Sort::StepDue => (due(a.step_due), &a.id).cmp(&(due(b.step_due), &b.id)),
        Sort::TermDue => (due(a.term_due), &a.id).cmp(&(due(b.term_due), &b.id)),
        Sort::Oldest => (a.submitted_at, &a.id).cmp(&(b.submitted_at, &b.id)),
        Sort::Newest => (b.submitted_at, &b.id).cmp(&(a.submitted_at, &a.id)),
    });
    rows
}

fn ids(rows: &[ListRow]) -> Vec<&str> {
    rows.iter().map(|r| r.id.as_str()).collect()
}

#[test]
fn the_dataset_is_varied() {
    for d in data() {
        d.db.announce("views");
        assert!(d.rows.len() >= 290);
        let count = |f: &dyn Fn(&Application) -> bool| d.apps.iter().filter(|a| f(a)).count();
        assert!(count(&|a| a.status == Status::Closed) > 20);
        assert!(count(&|a| a.status != Status::Closed) > 50);
        assert!(count(&|a| a.channel == ChannelId::Portal) > 20);
        assert!(count(&|a| a.channel == ChannelId::StateCorporation) > 20);
        assert!(count(&|a| a.closure == Some(engine::Closure::AcceptanceRefused)) > 0);
        assert!(count(&|a| a.status == Status::AwaitingIssue) > 0);
        let sla: Vec<Sla> = d
            .apps
            .iter()
            .filter_map(|a| engine::sla::sla(a, d.now, &d.ctx).map(|r| r.status))
            .collect();
        for s in [Sla::OnTime, Sla::AtRisk, Sla::Overdue] {
            assert!(sla.contains(&s), "no application {s:?} at {}", d.now);
        }
        // The list rows are the applications.
        for (a, r) in d.apps.iter().zip(&d.rows) {
            assert_eq!(r.id, a.id);
            assert_eq!(r.step, a.step);
            assert_eq!(r.step_due, a.step_due);
            assert_eq!(r.term_due, a.term_due);
            assert_eq!(r.submitted_at, a.submitted_at);
            assert_eq!(r.receipt, a.receipt);
            assert_eq!(r.status == "closed", a.status == Status::Closed);
        }
        assert_eq!(d.store.rebuild_views(false).unwrap().difference_count, 0);
    }
}

#[test]
fn every_sort_and_page_size_gives_every_row_once_in_order() {
    for d in data() {
        d.db.announce("views");
        for sort in [Sort::StepDue, Sort::TermDue, Sort::Newest, Sort::Oldest] {
            let want = sorted(d.rows.clone(), sort);
            for limit in [1, 7, 50, 500] {
                let got = all_pages(
                    &d.store,
                    &ListQuery {
                        sort,
                        limit,
                        ..ListQuery::default()
                    },
                );
                assert_eq!(ids(&got), ids(&want), "{sort:?}, pages of {limit}");
            }
        }
    }
}

#[test]
fn each_filter_equals_a_brute_force_filter() {
    for d in data() {
        d.db.announce("views");
        let app: HashMap<&str, &Application> = d.apps.iter().map(|a| (a.id.as_str(), a)).collect();
        let sla_of =
            |r: &ListRow| engine::sla::sla(app[r.id.as_str()], d.now, &d.ctx).map(|s| s.status);
        let holder = |r: &ListRow| -> Option<(String, String)> {
            let a = app[r.id.as_str()];
            if a.status == Status::Closed {
                return None;
            }
            let s = d
                .ctx
                .plan(&a.regulation, a.version, a.channel)
                .unwrap()
                .step(a.step)
                .unwrap();
            Some((engine::holder_org(a, s.party), s.role.clone()))
        };
        let mid = d.rows[d.rows.len() / 3].submitted_at;
        let late = d.rows[2 * d.rows.len() / 3].submitted_at;
        let some_iin = d.rows[5].applicant_iin.clone();
        type Filter<'a> = (&'a str, ListQuery, Box<dyn Fn(&ListRow) -> bool + 'a>);
        let q = ListQuery::default;
        let filters: Vec<Filter> = vec![
            (
                "inbox of college-1's clerks and heads",
                ListQuery {
                    holder: Some((
                        "college-1".into(),
                        vec!["office_clerk".into(), "head".into()],
                    )),
                    ..q()
                },
                Box::new(|r| {
                    holder(r).is_some_and(|(o, role)| {
                        o == "college-1" && (role == "office_clerk" || role == "head")
                    })
                }),
            ),
            (
                "inbox of the State Corporation's operators",
                ListQuery {
                    holder: Some((
                        STATE_CORPORATION.into(),
                        vec!["state_corporation_operator".into()],
                    )),
                    ..q()
                },
                Box::new(|r| {
                    holder(r).is_some_and(|(o, role)| {
                        o == STATE_CORPORATION && role == "state_corporation_operator"
                    })
                }),
            ),
            (
                "inbox with no roles",
                ListQuery {
                    holder: Some(("college-1".into(), vec![])),
                    ..q()
                },
                Box::new(|_| false),
            ),
            (
                "provider scope",
                ListQuery {
                    scope: Some(Scope::Provider("college-2".into())),
                    ..q()
                },
                Box::new(|r| app[r.id.as_str()].provider == "college-2"),
            ),
            (
                "State Corporation scope",
                ListQuery {
                    scope: Some(Scope::StateCorporation),
                    ..q()
                },
                Box::new(|r| app[r.id.as_str()].channel == ChannelId::StateCorporation),
            ),
            (
                "applicant scope",
                ListQuery {
                    scope: Some(Scope::Applicant(some_iin.clone())),
                    ..q()
                },
                Box::new(|r| app[r.id.as_str()].applicant_iin == some_iin),
            ),
            (
                "all scope",
                ListQuery {
                    scope: Some(Scope::All),
                    ..q()
                },
                Box::new(|_| true),
            ),
            (
                "regulation",
                ListQuery {
                    regulation: Some("ekr-camp-referrals".into()),
                    ..q()
                },
                Box::new(|r| app[r.id.as_str()].regulation == "ekr-camp-referrals"),
            ),
            (
                "channel",
                ListQuery {
                    channel: Some("portal".into()),
                    ..q()
                },
                Box::new(|r| app[r.id.as_str()].channel == ChannelId::Portal),
            ),
            (
                "step",
                ListQuery {
                    step: Some(1),
                    ..q()
                },
                Box::new(|r| app[r.id.as_str()].step == 1),
            ),
            (
                "open",
                ListQuery {
                    open: Some(true),
                    ..q()
                },
                Box::new(|r| app[r.id.as_str()].status != Status::Closed),
            ),
            (
                "closed",
                ListQuery {
                    open: Some(false),
                    ..q()
                },
                Box::new(|r| app[r.id.as_str()].status == Status::Closed),
            ),
            (
                "submitted from",
                ListQuery {
                    from: Some(mid),
                    ..q()
                },
                Box::new(|r| app[r.id.as_str()].submitted_at >= mid),
            ),
            (
                "submitted from/to",
                ListQuery {
                    from: Some(mid),
                    to: Some(late),
                    ..q()
                },
                Box::new(|r| {
                    let t = app[r.id.as_str()].submitted_at;
                    mid <= t && t < late
                }),
            ),
            (
                "on time",
                ListQuery {
                    sla: Some(SlaFilter::OnTime),
                    now: Some(d.now),
                    ..q()
                },
                Box::new(|r| sla_of(r) == Some(Sla::OnTime)),
            ),
            (
                "at risk",
                ListQuery {
                    sla: Some(SlaFilter::AtRisk),
                    now: Some(d.now),
                    ..q()
                },
                Box::new(|r| sla_of(r) == Some(Sla::AtRisk)),
            ),
            (
                "overdue",
                ListQuery {
                    sla: Some(SlaFilter::Overdue),
                    now: Some(d.now),
                    ..q()
                },
                Box::new(|r| sla_of(r) == Some(Sla::Overdue)),
            ),
            (
                "overdue, earlier",
                ListQuery {
                    sla: Some(SlaFilter::Overdue),
                    now: Some(late),
                    ..q()
                },
                Box::new(|r| {
                    engine::sla::sla(app[r.id.as_str()], late, &d.ctx).map(|s| s.status)
                        == Some(Sla::Overdue)
                }),
            ),
            (
                "a provider's open overdue applications",
                ListQuery {
                    scope: Some(Scope::Provider("college-1".into())),
                    open: Some(true),
                    sla: Some(SlaFilter::Overdue),
                    now: Some(d.now),
                    ..q()
                },
                Box::new(|r| {
                    let a = app[r.id.as_str()];
                    a.provider == "college-1" && sla_of(r) == Some(Sla::Overdue)
                }),
            ),
        ];
        for (what, query, keep) in &filters {
            let want_all: Vec<ListRow> = d.rows.iter().filter(|r| keep(r)).cloned().collect();
            if !what.contains("no roles") {
                assert!(!want_all.is_empty(), "{what}: the dataset has no such row");
            }
            for (sort, limit) in [(Sort::StepDue, 7), (Sort::Newest, 50), (Sort::TermDue, 3)] {
                let want = sorted(want_all.clone(), sort);
                let got = all_pages(
                    &d.store,
                    &ListQuery {
                        sort,
                        limit,
                        ..query.clone()
                    },
                );
                assert_eq!(ids(&got), ids(&want), "{what}, {sort:?} by {limit}");
            }
        }
        // `tasks` is the inbox of one role.
        let tasks = d.store.tasks("college-1", "head").unwrap();
        let want: BTreeSet<&str> = d
            .rows
            .iter()
            .filter(|r| holder(r).is_some_and(|(o, role)| o == "college-1" && role == "head"))
            .map(|r| r.id.as_str())
            .collect();
        assert_eq!(
            tasks
                .iter()
                .map(|t| t.application.as_str())
                .collect::<BTreeSet<_>>(),
            want
        );
    }
}

#[test]
fn watched_lists_exactly_the_late_candidates() {
    for d in data() {
        d.db.announce("views");
        let watched = d.store.watched(&Scope::All, None, None, d.now).unwrap();
        let got: BTreeSet<&str> = watched.iter().map(|r| r.id.as_str()).collect();
        // Everything at risk or overdue is watched.
        for a in &d.apps {
            if let Some(r) = engine::sla::sla(a, d.now, &d.ctx)
                && r.status != Sla::OnTime
            {
                assert!(got.contains(a.id.as_str()), "{} is {:?}", a.id, r.status);
            }
        }
        for r in &watched {
            assert_ne!(r.status, "closed");
        }
    }
}

#[test]
fn a_bad_cursor_is_refused() {
    for d in data() {
        d.db.announce("views");
        for cursor in ["garbage", "", "not-a-time|Q0001", "2019-12-02|Q0001"] {
            let r = d.store.list(&ListQuery {
                cursor: Some(cursor.into()),
                ..ListQuery::default()
            });
            assert!(
                matches!(&r, Err(StoreError::Conflict { rule, .. }) if rule == "cursor.invalid"),
                "{cursor:?}: {r:?}"
            );
        }
        // "No deadline" is a key of the deadline sorts only.
        let r = d.store.list(&ListQuery {
            cursor: Some("~|Q0001".into()),
            sort: Sort::Newest,
            ..ListQuery::default()
        });
        assert!(matches!(r, Err(StoreError::Conflict { .. })), "{r:?}");
        let ok = d.store.list(&ListQuery {
            cursor: Some("~|Q0001".into()),
            ..ListQuery::default()
        });
        assert!(ok.is_ok());
    }
}

#[test]
fn search_finds_by_iin_id_receipt_and_name_within_the_scope() {
    for d in data() {
        d.db.announce("views");
        let search = |scope: &Scope, text: &str| -> BTreeSet<String> {
            d.store
                .search(scope, text, 500)
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect()
        };
        let in_scope = |scope: &Scope, a: &Application| match scope {
            Scope::All => true,
            Scope::Provider(p) => &a.provider == p,
            Scope::StateCorporation => a.channel == ChannelId::StateCorporation,
            Scope::Applicant(i) => &a.applicant_iin == i,
        };
        let scopes = [
            Scope::All,
            Scope::Provider("college-3".into()),
            Scope::StateCorporation,
            Scope::Applicant(d.apps[0].applicant_iin.clone()),
        ];
        let brute = |scope: &Scope, f: &dyn Fn(&Application) -> bool| -> BTreeSet<String> {
            d.apps
                .iter()
                .filter(|a| in_scope(scope, a) && f(a))
                .map(|a| a.id.clone())
                .collect()
        };
        for scope in &scopes {
            // By IIN.
            let i = d.apps[3].applicant_iin.clone();
            assert_eq!(
                search(scope, &format!(" {i} ")),
                brute(scope, &|a| a.applicant_iin == i),
                "{scope:?}: IIN"
            );
            // By id.
            for a in d.apps.iter().step_by(37) {
                assert_eq!(
                    search(scope, &a.id),
                    brute(scope, &|b| b.id == a.id),
                    "{scope:?}: id {}",
                    a.id
                );
            }
            // By receipt number (State Corporation applications have one).
            let with_receipt: Vec<&Application> =
                d.apps.iter().filter(|a| a.receipt.is_some()).collect();
            assert!(with_receipt.len() > 5);
            for a in with_receipt.iter().step_by(5) {
                let receipt = a.receipt.clone().unwrap();
                assert_eq!(
                    search(scope, &receipt),
                    brute(scope, &|b| b.receipt.as_deref() == Some(receipt.as_str())),
                    "{scope:?}: receipt {receipt} of {}",
                    a.id
                );
            }
            // By name prefix, any case, Cyrillic included.
            for (text, prefix) in [
                ("асқар", "асқар"),
                ("АЙ", "ай"),
                ("Әлия  қайрат", "әлия қайрат"),
                ("айдос маратұлы", "айдос маратұлы"),
                ("иван", "иван"),
                ("Zzz", "zzz"),
            ] {
                assert_eq!(
                    search(scope, text),
                    brute(scope, &|a| {
                        !a.applicant_name.is_empty()
                            && store::views::name_key(&a.applicant_name).starts_with(prefix)
                    }),
                    "{scope:?}: name {text:?}"
                );
            }
        }
        // The scope really limits: some hits outside it exist.
        let everyone = search(&Scope::All, "ай");
        let college3 = search(&Scope::Provider("college-3".into()), "ай");
        assert!(!college3.is_empty() && college3.len() < everyone.len());
        assert!(search(&Scope::All, "   ").is_empty());
        // The limit holds.
        assert_eq!(d.store.search(&Scope::All, "а", 3).unwrap().len(), 3);
    }
}

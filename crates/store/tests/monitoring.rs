//! Monitoring aggregates kept step by step equal a full recomputation from the journal, after
//! any sequence of submissions, completions (refusals included) and waits (a property test);
//! `rebuild_views` finds a corrupted view row and repairs it; views missing after an upgrade
//! are rebuilt on open.

mod common;

use common::*;
use engine::{
    Application, Closure, Command, Ctx, Event, Outcome as Decision, Rejection, Status, apply,
    decide,
};
use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;
use regulation::ChannelId;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};
use store::views::{BUCKETS, Scope, bucket};
use store::{Action, Aggregates, GENESIS, SqliteStore, Store, StoreError, entry_hash, schema};

const PROVIDERS: &[&str] = &["college-1", "college-2", "college-3"];

fn shared_ctx() -> Arc<Ctx> {
    static CTX: OnceLock<Arc<Ctx>> = OnceLock::new();
    CTX.get_or_init(catalogue_ctx).clone()
}

/// The last instant submissions are made at (every regulation is repealed on 2020-03-10).
fn last_submission() -> Timestamp {
    "2020-03-01T00:00:00Z".parse().unwrap()
}

#[derive(Debug, Clone)]
enum Op {
    /// A new application: regulation, channel and provider picked by index.
    Submit {
        reg: u8,
        chan: u8,
        provider: u8,
    },
    /// Complete the current step of the `pick`-th open application with the `outcome`-th
    /// outcome its step allows (done, refusals).
    Complete {
        pick: u8,
        outcome: u8,
    },
    /// A command the engine refuses (the step after the current one): changes nothing.
    Wrong {
        pick: u8,
    },
    Wait {
        minutes: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<u8>(), any::<u8>(), 0u8..3)
            .prop_map(|(reg, chan, provider)| Op::Submit { reg, chan, provider }),
        6 => (any::<u8>(), any::<u8>()).prop_map(|(pick, outcome)| Op::Complete { pick, outcome }),
        1 => any::<u8>().prop_map(|pick| Op::Wrong { pick }),
        3 => prop_oneof![
            4 => 1i64..120,
            3 => 120i64..(3 * 1440),
            1 => (3 * 1440i64)..(12 * 1440),
        ]
        .prop_map(|minutes| Op::Wait { minutes }),
    ]
}

/// Run `ops` through the store (every write an action), returning the applications' ids.
fn run(store: &dyn Store, ctx: &Ctx, ops: &[Op]) -> Vec<String> {
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
    let mut apps: Vec<Application> = vec![];
    let open = |apps: &[Application], pick: u8| -> Option<usize> {
        let open: Vec<usize> = (0..apps.len())
            .filter(|i| apps[*i].status != Status::Closed)
            .collect();
        (!open.is_empty()).then(|| open[pick as usize % open.len()])
    };
    for op in ops {
        match op {
            Op::Submit {
                reg,
                chan,
                provider,
            } => {
                if now > last_submission() {
                    continue;
                }
                let (reg, chans) = &regs[*reg as usize % regs.len()];
                let ch = chans[*chan as usize % chans.len()];
                let id = format!("A{:03}", apps.len());
                let cmd = submit_as(
                    &id,
                    reg,
                    ch,
                    PROVIDERS[*provider as usize],
                    &iin(apps.len() as u64),
                    "",
                );
                let out = store
                    .act(Action::new(now).command(cmd).advance(id.clone()))
                    .unwrap();
                apps.push(out.application.unwrap());
            }
            Op::Complete { pick, outcome } => {
                let Some(i) = open(&apps, *pick) else {
                    continue;
                };
                let app = &apps[i];
                let plan = ctx.plan(&app.regulation, app.version, app.channel).unwrap();
                let s = plan.step(app.step).unwrap();
                assert!(!s.automatic, "advance left {} at an automatic step", app.id);
                let mut allowed = vec![Decision::Done];
                if s.refuse_acceptance.is_some() {
                    allowed.push(Decision::RefuseAcceptance {
                        grounds: "incomplete".into(),
                    });
                }
                if s.motivated_refusal.is_some() {
                    allowed.push(Decision::MotivatedRefusal {
                        grounds: "grounds".into(),
                        listed: vec![],
                    });
                }
                if s.refusal_notice.is_some() {
                    allowed.push(Decision::Fail {
                        reason: "violations".into(),
                    });
                }
                let d = allowed[*outcome as usize % allowed.len()].clone();
                let out = store
                    .act(
                        Action::new(now)
                            .command(complete(ctx, app, d))
                            .advance(app.id.clone()),
                    )
                    .unwrap();
                apps[i] = out.application.unwrap();
            }
            Op::Wrong { pick } => {
                let Some(i) = open(&apps, *pick) else {
                    continue;
                };
                let mut cmd = complete(ctx, &apps[i], Decision::Done);
                if let Command::Complete { step, .. } = &mut cmd {
                    *step += 1;
                }
                let r = store.act(Action::new(now).command(cmd));
                assert!(
                    matches!(r, Err(StoreError::Rejected(Rejection::WrongStep { .. }))),
                    "{r:?}"
                );
            }
            Op::Wait { minutes } => now += minutes.minutes(),
        }
    }
    for a in &apps {
        assert_eq!(store.application(&a.id).unwrap().as_ref(), Some(a));
    }
    apps.into_iter().map(|a| a.id).collect()
}

type StepKey = (String, String, String, usize, String);
type AppKey = (String, String, String);

#[derive(Debug, Default, PartialEq)]
struct StepSums {
    completed: u64,
    measured: u64,
    on_time: u64,
    seconds: i64,
    legal_seconds: i64,
    legal_n: u64,
    hist: Vec<u64>,
}

#[derive(Debug, Default, PartialEq)]
struct AppSums {
    submitted: u64,
    open: i64,
    term_measured: u64,
    term_on_time: u64,
    results_late: u64,
    results_late_days: u64,
}

#[derive(Debug, Default, PartialEq)]
struct Recomputed {
    steps: BTreeMap<StepKey, StepSums>,
    apps: BTreeMap<AppKey, AppSums>,
}

fn stored(a: &Aggregates) -> Recomputed {
    let mut r = Recomputed::default();
    for s in &a.steps {
        let key = (
            s.regulation.clone(),
            s.channel.clone(),
            s.provider.clone(),
            s.step,
            s.role.clone(),
        );
        let old = r.steps.insert(
            key,
            StepSums {
                completed: s.completed,
                measured: s.measured,
                on_time: s.on_time,
                seconds: s.seconds_sum,
                legal_seconds: s.legal_seconds_sum,
                legal_n: s.legal_n,
                hist: s.hist.clone(),
            },
        );
        assert!(old.is_none(), "one row per key");
    }
    for s in &a.apps {
        let key = (s.regulation.clone(), s.channel.clone(), s.provider.clone());
        let old = r.apps.insert(
            key,
            AppSums {
                submitted: s.submitted,
                open: s.open,
                term_measured: s.term_measured,
                term_on_time: s.term_on_time,
                results_late: s.results_late,
                results_late_days: s.results_late_days,
            },
        );
        assert!(old.is_none(), "one row per key");
    }
    r
}

/// The aggregates from the journal alone: each application's events, walked here (not with
/// `views::deltas`): a person's step is measured from the event that started it (submission
/// or the previous completion) to its completion, against the due instant that event set.
fn recompute(
    store: &dyn Store,
    ctx: &Ctx,
    ids: &[String],
    scope: &Scope,
    from: Option<&str>,
    to: Option<&str>,
) -> Recomputed {
    let mut r = Recomputed::default();
    for id in ids {
        let events = store.events(id).unwrap();
        let Some(Event::Submitted {
            regulation,
            version,
            channel,
            provider,
            applicant_iin,
            at: submitted,
            term_due,
            step_due,
            ..
        }) = events.first()
        else {
            panic!("{id} starts with {:?}", events.first())
        };
        let day = ctx.time.local_date(*submitted).to_string();
        let in_scope = match scope {
            Scope::All => true,
            Scope::Provider(p) => p == provider,
            Scope::StateCorporation => *channel == ChannelId::StateCorporation,
            Scope::Applicant(i) => i == applicant_iin,
        };
        if !in_scope
            || matches!(scope, Scope::Applicant(_))
            || from.is_some_and(|f| day.as_str() < f)
            || to.is_some_and(|t| day.as_str() >= t)
        {
            continue;
        }
        let plan = ctx.plan(regulation, *version, *channel).unwrap();
        let (reg, ch) = (regulation.clone(), channel.as_str().to_string());
        let mut start = *submitted;
        let mut due = *step_due;
        let mut closed = None;
        // When the result reached the State Corporation's desk to wait for the applicant.
        let mut ready = None;
        for e in &events[1..] {
            match e {
                Event::StepCompleted {
                    step, at, next_due, ..
                } => {
                    if ready.is_none()
                        && plan.next(*step).map(|n| n.index) == plan.sc_issue_index()
                        && plan.sc_issue_index().is_some()
                    {
                        ready = Some(*at);
                    }
                    let s = plan.step(*step).unwrap();
                    if !s.automatic {
                        let key = (
                            reg.clone(),
                            ch.clone(),
                            provider.clone(),
                            *step,
                            s.role.clone(),
                        );
                        let sums = r.steps.entry(key).or_insert_with(|| StepSums {
                            hist: vec![0; BUCKETS.len()],
                            ..StepSums::default()
                        });
                        let seconds = at.as_second() - start.as_second();
                        sums.completed += 1;
                        sums.seconds += seconds;
                        sums.hist[bucket(seconds as f64 / 60.0)] += 1;
                        if let Some(d) = due {
                            sums.measured += 1;
                            sums.on_time += (*at <= d) as u64;
                            sums.legal_seconds += d.as_second() - start.as_second();
                            sums.legal_n += 1;
                        }
                    }
                    start = *at;
                    due = *next_due;
                }
                Event::Closed { at, outcome, .. } => closed = Some((*at, *outcome)),
                other => panic!("{id}: unexpected {other:?}"),
            }
        }
        let sums = r.apps.entry((reg, ch, provider.clone())).or_default();
        sums.submitted += 1;
        // The result is judged at the State Corporation's desk, else at the closure.
        let result_at = match closed {
            None => ready,
            Some((at, Closure::Issued | Closure::RefusalIssued)) => ready.or(Some(at)),
            Some(_) => None,
        };
        if let Some(l) = result_at.and_then(|at| engine::sla::late(*term_due, at)) {
            sums.results_late += 1;
            sums.results_late_days += u64::from(l.working_days);
        }
        match closed {
            None => sums.open += 1,
            Some((at, _)) => {
                if let Some(t) = term_due {
                    sums.term_measured += 1;
                    sums.term_on_time += (at <= *t) as u64;
                }
            }
        }
    }
    r
}

/// The day of `t0() + days`, as the aggregates key it.
fn day(ctx: &Ctx, days: i64) -> String {
    ctx.time.local_date(t0() + (24 * days).hours()).to_string()
}

/// Compare stored and recomputed aggregates over the scopes and periods monitoring uses.
fn check(store: &dyn Store, ctx: &Ctx, ids: &[String], from: &str, to: &str) {
    let scopes = [
        Scope::All,
        Scope::Provider("college-1".into()),
        Scope::Provider("college-3".into()),
        Scope::StateCorporation,
        Scope::Applicant(iin(0)),
    ];
    for scope in &scopes {
        for (f, t) in [
            (None, None),
            (Some(from), Some(to)),
            (Some(from), None),
            (None, Some(to)),
        ] {
            let got = stored(&store.aggregates(scope, f, t).unwrap());
            let want = recompute(store, ctx, ids, scope, f, t);
            assert_eq!(got, want, "{scope:?} [{f:?}, {t:?})");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 32,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn aggregates_equal_a_full_recomputation(
        ops in prop::collection::vec(op(), 4..40),
        from in 0i64..20,
        span in 1i64..30,
    ) {
        for db in dbs("mon-prop") {
            let ctx = shared_ctx();
            let store = db.open(ctx.clone());
            let ids = run(&*store, &ctx, &ops);
            check(&*store, &ctx, &ids, &day(&ctx, from), &day(&ctx, from + span));
            let report = store.rebuild_views(false).unwrap();
            prop_assert_eq!(report.difference_count, 0, "{}: {:?}", db.name(), report.differences);
            prop_assert_eq!(report.applications, ids.len() as u64);
        }
    }
}

/// A fixed, varied sequence: many applications, every kind of completion, waits of minutes
/// to days.
fn fixed_ops(seed: u64, n: usize) -> Vec<Op> {
    let mut x = seed;
    let mut next = move |m: u64| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % m
    };
    (0..n)
        .map(|_| match next(10) {
            0..=2 => Op::Submit {
                reg: next(256) as u8,
                chan: next(256) as u8,
                provider: next(3) as u8,
            },
            3..=7 => Op::Complete {
                pick: next(256) as u8,
                outcome: next(256) as u8,
            },
            _ => Op::Wait {
                minutes: [5, 90, 600, 3000][next(4) as usize],
            },
        })
        .collect()
}

/// The late results listed are those the aggregates count, each with its list row's days.
fn late_results_match_the_counts(store: &dyn Store, ids: &[String]) {
    let agg = store.aggregates(&Scope::All, None, None).unwrap();
    let count: u64 = agg.apps.iter().map(|a| a.results_late).sum();
    let days: u64 = agg.apps.iter().map(|a| a.results_late_days).sum();
    assert!(count > 0, "the fixed sequence issues some results late");
    let listed = store.late_results(&Scope::All, None, None, 10_000).unwrap();
    assert_eq!(listed.len() as u64, count);
    assert_eq!(
        listed
            .iter()
            .map(|r| u64::from(r.late_days.unwrap()))
            .sum::<u64>(),
        days
    );
    for r in &listed {
        assert!(ids.contains(&r.id));
        let app = store.application(&r.id).unwrap().unwrap();
        let late = engine::sla::result_late(&app).expect("late");
        assert_eq!(r.late(), Some(late));
        assert_eq!(r.late_days, Some(late.working_days));
    }
    // Newest first, and a provider's scope lists only its own.
    assert!(
        listed
            .windows(2)
            .all(|w| (w[0].submitted_at, &w[0].id) >= (w[1].submitted_at, &w[1].id))
    );
    let mine = store
        .late_results(&Scope::Provider("college-1".into()), None, None, 10_000)
        .unwrap();
    assert_eq!(
        mine.len(),
        listed.iter().filter(|r| r.provider == "college-1").count()
    );
}

#[test]
fn rebuild_finds_a_corrupted_view_row_and_repairs_it() {
    each_db("mon-corrupt", |db| {
        let ctx = shared_ctx();
        let store = db.open(ctx.clone());
        let store = &*store;
        let ids = run(store, &ctx, &fixed_ops(3, 160));
        let (from, to) = (day(&ctx, 1), day(&ctx, 5));
        check(store, &ctx, &ids, &from, &to);
        assert_eq!(store.rebuild_views(false).unwrap().difference_count, 0);
        late_results_match_the_counts(store, &ids);

        // Corrupt one aggregate row, one histogram row and one list row behind the store's back.
        assert_eq!(
            db.exec(
                "UPDATE mon_steps SET completed = completed + 1, seconds_sum = seconds_sum + 60
              WHERE (day, regulation, channel, provider, step, role) =
                    (SELECT day, regulation, channel, provider, step, role FROM mon_steps
                      ORDER BY day, regulation, channel, provider, step, role LIMIT 1)"
            ),
            1
        );
        assert_eq!(
        db.exec(
            "DELETE FROM mon_hist WHERE (day, regulation, channel, provider, step, role, bucket) =
                    (SELECT day, regulation, channel, provider, step, role, bucket FROM mon_hist
                      ORDER BY n DESC LIMIT 1)"
        ),
        1
    );
        let victim =
            db.text("SELECT id FROM app_list WHERE status <> 'closed' ORDER BY id LIMIT 1");
        let row = store.list_row(&victim).unwrap().unwrap();
        db.exec(&format!(
            "UPDATE app_list SET holder_role = 'nobody' WHERE id = '{victim}'"
        ));
        assert_ne!(
            stored(&store.aggregates(&Scope::All, None, None).unwrap()),
            recompute(store, &ctx, &ids, &Scope::All, None, None)
        );

        let found = store.rebuild_views(false).unwrap();
        assert!(!found.replaced);
        // A changed row is both a live-only and a rebuild-only row; a deleted one rebuild-only.
        assert_eq!(found.difference_count, 5, "{:?}", found.differences);
        assert!(
            found
                .differences
                .iter()
                .any(|d| d.starts_with(&format!("app_list [{victim}]")))
        );
        assert!(
            found
                .differences
                .iter()
                .any(|d| d.starts_with("mon_steps ["))
        );
        assert!(
            found
                .differences
                .iter()
                .any(|d| d.starts_with("mon_hist ["))
        );
        // Checking changes nothing.
        assert_eq!(
            store
                .list_row(&victim)
                .unwrap()
                .unwrap()
                .holder_role
                .as_deref(),
            Some("nobody")
        );

        let fixed = store.rebuild_views(true).unwrap();
        assert!(fixed.replaced);
        assert_eq!(fixed.difference_count, 5);
        assert_eq!(store.rebuild_views(false).unwrap().difference_count, 0);
        assert_eq!(store.list_row(&victim).unwrap().unwrap(), row);
        check(store, &ctx, &ids, &from, &to);

        // The store goes on after a replacing rebuild (its caches were dropped with the views).
        let app = store.application(&victim).unwrap().unwrap();
        store
            .act(
                Action::new(app.step_started + 1.hours())
                    .command(done(&ctx, &app))
                    .advance(victim.clone()),
            )
            .unwrap();
        assert_eq!(store.rebuild_views(false).unwrap().difference_count, 0);
        check(store, &ctx, &ids, &from, &to);
        assert!(store.verify_journal().unwrap().is_ok());
    });
}

#[test]
fn views_dropped_and_marked_stale_are_rebuilt_on_open() {
    each_db("mon-stale", |db| {
        let ctx = shared_ctx();
        let (ids, rows) = {
            let store = db.open(ctx.clone());
            let store = &*store;
            let ids = run(store, &ctx, &fixed_ops(11, 120));
            let rows: Vec<_> = ids
                .iter()
                .map(|id| store.list_row(id).unwrap().unwrap())
                .collect();
            (ids, rows)
        };
        let stale_all = "DELETE FROM app_list; DELETE FROM mon_apps; DELETE FROM mon_steps;
         DELETE FROM mon_hist; UPDATE meta SET value = '1' WHERE key = 'views_stale';";
        db.batch(stale_all, stale_all);
        let store = db.open(ctx.clone());
        let store = &*store;
        for (id, row) in ids.iter().zip(&rows) {
            assert_eq!(store.list_row(id).unwrap().as_ref(), Some(row));
        }
        assert_eq!(store.rebuild_views(false).unwrap().difference_count, 0);
        check(store, &ctx, &ids, &day(&ctx, 0), &day(&ctx, 3));
        let stale = db.text("SELECT value FROM meta WHERE key = 'views_stale'");
        assert_eq!(stale, "0");
    });
}

/// Write an application as a v2 store did: its journal chain and its `applications` row.
fn write_v2(conn: &rusqlite::Connection, ctx: &Ctx, cmds: &[(Command, Timestamp)]) {
    let mut app: Option<Application> = None;
    let mut prev = GENESIS.to_string();
    let mut n = 0;
    let mut last_at = String::new();
    for (cmd, at) in cmds {
        let id = cmd.application();
        for e in decide(app.as_ref(), cmd, *at, ctx).unwrap() {
            app = apply(app, &e, ctx);
            n += 1;
            let json = serde_json::to_string(&e).unwrap();
            let hash = entry_hash(&prev, id, n, &json).unwrap();
            last_at = at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
            conn.execute(
                "INSERT INTO journal (application, app_seq, event, at, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                rusqlite::params![id, n, json, last_at, prev, hash],
            )
            .unwrap();
            prev = hash;
        }
    }
    let app = app.unwrap();
    let ts = |t: Option<Timestamp>| t.map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
    conn.execute(
        "INSERT INTO applications (id, regulation, version, channel, provider, status, step,
             step_due, term_due, closed_at, app_seq, journal_head, updated_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        rusqlite::params![
            app.id,
            app.regulation,
            app.version,
            app.channel.as_str(),
            app.provider,
            app.status.as_str(),
            app.step as i64,
            ts(app.step_due),
            ts(app.term_due),
            ts(app.closed_at),
            n,
            prev,
            last_at,
            serde_json::to_string(&app).unwrap()
        ],
    )
    .unwrap();
}

#[test]
fn a_v2_database_gets_its_views_from_the_journal() {
    let dir = tempdir("mon-v2");
    let ctx = shared_ctx();
    let reg = "ekr-free-meals-tvet";
    let mut ids = vec![];
    {
        let mut conn = rusqlite::Connection::open(dir.db()).unwrap();
        assert_eq!(schema::migrate_to(&mut conn, 2).unwrap(), vec![1, 2]);
        for (i, ch) in [
            ChannelId::Office,
            ChannelId::StateCorporation,
            ChannelId::Portal,
            ChannelId::Office,
        ]
        .into_iter()
        .enumerate()
        {
            let id = format!("old-{i}");
            let mut at = t0() + (i as i64 * 5).hours();
            let mut cmds = vec![(
                submit_as(&id, reg, ch, PROVIDERS[i % 3], &iin(i as u64), "Асқар"),
                at,
            )];
            // Walk it as far as `i + 2` completions (the first ones close), every step 40
            // minutes after the previous.
            let mut app =
                apply(None, &decide(None, &cmds[0].0, at, &ctx).unwrap()[0], &ctx).unwrap();
            for _ in 0..(8 - 2 * i) {
                if app.status == Status::Closed {
                    break;
                }
                at += 40.minutes();
                let cmd = engine::automatic_step(&app, &ctx).unwrap_or_else(|| done(&ctx, &app));
                for e in decide(Some(&app), &cmd, at, &ctx).unwrap() {
                    app = apply(Some(app), &e, &ctx).unwrap();
                }
                cmds.push((cmd, at));
            }
            write_v2(&conn, &ctx, &cmds);
            ids.push(id);
        }
    }
    let store = SqliteStore::open(dir.db(), ctx.clone()).unwrap();
    assert_eq!(store.schema_version().unwrap(), schema::LATEST);
    for id in &ids {
        let app = store.application(id).unwrap().unwrap();
        let row = store
            .list_row(id)
            .unwrap()
            .expect("a list row from the journal");
        assert_eq!(row, store::views::list_row(&app, &ctx, row.updated_at));
        assert_eq!(row.applicant_name, "Асқар");
    }
    assert!(
        store
            .list_row("old-0")
            .unwrap()
            .is_some_and(|r| r.status == "closed")
    );
    assert_eq!(store.rebuild_views(false).unwrap().difference_count, 0);
    check(&store, &ctx, &ids, &day(&ctx, 0), &day(&ctx, 1));
    assert!(store.verify_journal().unwrap().is_ok());
    // And it takes new work on an old, open application.
    let open = store.application("old-3").unwrap().unwrap();
    assert_ne!(open.status, Status::Closed);
    store
        .act(
            Action::new(open.step_started + 1.hours())
                .command(done(&ctx, &open))
                .advance("old-3"),
        )
        .unwrap();
    assert_eq!(store.rebuild_views(false).unwrap().difference_count, 0);
    check(&store, &ctx, &ids, &day(&ctx, 0), &day(&ctx, 1));
}

//! Seed-line tests: each reading of the catalogue that was fixed against its text (issue 10)
//! reads the seed at the cited lines, checks the words the reading rests on are there, and
//! checks that the regulation (and the plan the engine walks) now says it.

use engine::*;
use jiff::{Timestamp, ToSpan};
use regulation::{
    AnnotationKind, BranchKind, ChannelId, Regulation, ServiceForm, SourceRef, StepKind,
};
use std::sync::Arc;

mod common;

const SEED_000: &str = "000_cd611684e69fb158.txt";
const SEED_001: &str = "001_dc23ce679bee4007.txt";
const SEED_002: &str = "002_2e3e04865d2df02b.txt";
const SEED_003: &str = "003_69d7aea3d849092f.txt";
const SEED_004: &str = "004_9de5eb11759d78b6.txt";

/// Lines `from..=to` (1-based) of a seed text, whitespace closed up to single spaces; `None`
/// (and a skip note) when the texts are not here.
fn seed_lines(seed: &str, from: u32, to: u32) -> Option<String> {
    let path = testkit::seeds_dir().join(seed);
    if !testkit::require(
        path.is_file(),
        format_args!("the seed text {}", path.display()),
    ) {
        return None;
    }
    let text = std::fs::read_to_string(&path).expect("read the seed");
    let lines: Vec<&str> = text.lines().collect();
    assert!(to as usize <= lines.len(), "{seed} has no line {to}");
    let joined = lines[from as usize - 1..to as usize].join(" ");
    Some(joined.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The seed's lines say every one of `words`.
#[track_caller]
fn says(seed: &str, from: u32, to: u32, words: &[&str]) -> bool {
    let Some(text) = seed_lines(seed, from, to) else {
        return false;
    };
    for w in words {
        assert!(
            text.contains(w),
            "{seed} L{from}-L{to} should say `{w}`: {text}"
        );
    }
    true
}

fn regulations() -> &'static [Regulation] {
    static REGS: std::sync::OnceLock<Vec<Regulation>> = std::sync::OnceLock::new();
    REGS.get_or_init(testkit::seed_regulations)
}

fn reg(id: &str) -> &'static Regulation {
    regulations()
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no regulation {id}"))
}

fn covers(src: &SourceRef, line: u32) -> bool {
    src.ranges.iter().any(|&(a, b)| a <= line && line <= b)
}

fn steps<'r>(r: &'r Regulation, flow: &str) -> Vec<&'r regulation::Step> {
    r.flows[flow]
        .get_ref()
        .steps
        .iter()
        .map(|s| s.get_ref())
        .collect()
}

fn step<'r>(r: &'r Regulation, flow: &str, n: u32) -> &'r regulation::Step {
    steps(r, flow)
        .into_iter()
        .find(|s| s.n == n)
        .unwrap_or_else(|| panic!("{} flow {flow} has no step {n}", r.id))
}

fn annotation<'r>(r: &'r Regulation, about: &str) -> &'r regulation::Annotation {
    r.annotations
        .iter()
        .map(|a| a.get_ref())
        .find(|a| a.about == about)
        .unwrap_or_else(|| panic!("{}: no annotation about `{about}`", r.id))
}

/// A working morning inside the regulation's period in force (10:00 Almaty, a Monday).
fn monday_after_act(r: &Regulation) -> Timestamp {
    let act: jiff::civil::Date = r.act.get_ref().date.parse().unwrap();
    let mut day = act.checked_add(14.days()).unwrap();
    while day.weekday() != jiff::civil::Weekday::Monday {
        day = day.tomorrow().unwrap();
    }
    day.at(4, 0, 0, 0)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
}

fn submit(ctx: &Ctx, r: &Regulation, channel: ChannelId, id: &str) -> (Application, Timestamp) {
    let now = monday_after_act(r);
    let cmd = Command::Submit {
        application: id.into(),
        regulation: r.id.clone(),
        channel,
        provider: "provider-1".into(),
        applicant_iin: "100515500003".into(),
        applicant_name: String::new(),
        key: id.into(),
        signature: None,
        reception: Default::default(),
        data: ctx.sample_data(&r.id, now, 0),
    };
    let events = decide(None, &cmd, now, ctx).unwrap_or_else(|e| panic!("{id}: {e}"));
    (apply(None, &events[0], ctx).unwrap(), now)
}

/// Completes the current step of `app` as `actor` with `outcome`; returns the new state.
fn complete(
    ctx: &Ctx,
    app: &Application,
    actor: Actor,
    outcome: Outcome,
    now: Timestamp,
) -> Result<Application, Rejection> {
    let cmd = Command::Complete {
        application: app.id.clone(),
        step: app.step,
        actor,
        outcome,
        presented: Some(Presented::IdentityDocument),
    };
    let mut next = app.clone();
    for e in decide(Some(app), &cmd, now, ctx)? {
        next = apply(Some(next), &e, ctx).unwrap();
    }
    Ok(next)
}

/// Completes steps as their own role (`Done`) until `stop` says so of the current step.
fn walk_until(
    ctx: &Ctx,
    mut app: Application,
    now: &mut Timestamp,
    stop: impl Fn(&PlanStep) -> bool,
) -> Application {
    let plan = ctx.plan(&app.regulation, app.version, app.channel).unwrap();
    for _ in 0..plan.steps.len() {
        if app.status == Status::Closed {
            return app;
        }
        let s = plan.step(app.step).unwrap();
        if stop(s) {
            return app;
        }
        *now += 1.hours();
        let actor = Actor {
            role: ctx.step_role(&app, s),
            ..common::actor_for(&app, s)
        };
        app = complete(ctx, &app, actor, Outcome::Done, *now)
            .unwrap_or_else(|e| panic!("{} step {}: {e}", app.id, app.step));
    }
    panic!("{}: never stopped", app.id)
}

fn ctx() -> Arc<Ctx> {
    Arc::new(Ctx::new(regulations().to_vec(), Arc::new(common::Plain)))
}

// ---- 1. ekr-guardianship: the motivated refusal goes to the head's signature --------------

#[test]
fn guardianship_motivated_refusal_is_signed_by_the_head() {
    // Para 6: the result of action 3 is the draft resolution OR the motivated refusal, and it
    // is the basis of action 4, where the head signs the result (L178-L180).
    if !says(
        SEED_002,
        201,
        204,
        &[
            "3-іс-қимыл нәтижесі",
            "бас тарту туралы дәлелді жауап",
            "4-іс-қимылды орындауды бастау үшін негіз",
        ],
    ) || !says(SEED_002, 178, 180, &["басшысы", "нәтижесіне қол қояды"])
    {
        return;
    }
    let r = reg("ekr-guardianship");
    let refusal = step(r, "office", 3)
        .branches
        .iter()
        .map(|b| b.get_ref())
        .find(|b| b.kind == BranchKind::MotivatedRefusal)
        .expect("action 3 prepares the motivated refusal");
    assert_eq!(refusal.goto, Some(4), "the refusal goes to action 4");
    assert!(covers(&refusal.source, 201));
    let head = step(r, "office", 4);
    assert!(head.signs_result && head.role.as_deref() == Some("head"));

    // Through the engine: a State Corporation application refused at action 3 waits for the
    // head's signature, then closes with the motivated refusal.
    let ctx = ctx();
    let (app, mut now) = submit(&ctx, r, ChannelId::StateCorporation, "guardianship-refused");
    let plan = ctx
        .plan(&r.id, r.version, ChannelId::StateCorporation)
        .unwrap();
    let app = walk_until(&ctx, app, &mut now, |s| s.motivated_refusal.is_some());
    let at = plan.step(app.step).unwrap();
    assert_eq!(
        (at.flow.as_str(), at.n, at.role.as_str()),
        ("office", 3, "executor")
    );
    assert_eq!(
        plan.next_after(at.index, true)
            .map(|s| (s.n, s.role.as_str())),
        Some((4, "head"))
    );
    now += 1.hours();
    let refused = complete(
        &ctx,
        &app,
        common::actor_for(&app, at),
        Outcome::MotivatedRefusal {
            grounds: "para 10 of the Standard".into(),
            listed: vec![],
        },
        now,
    )
    .unwrap();
    let signing = plan.step(refused.step).unwrap();
    assert_eq!(
        (signing.flow.as_str(), signing.n, signing.role.as_str()),
        ("office", 4, "head")
    );
    assert!(signing.signs_result, "the refusal is signed like a result");
    let closed = walk_until(&ctx, refused, &mut now, |_| false);
    assert_eq!(closed.closure, Some(Closure::RefusalIssued));
    assert_eq!(closed.document.as_deref(), Some("refusal_motivated"));
}

// ---- 2. ekr-preschool-queue: "fully automated" against a manual chain --------------------

#[test]
fn preschool_queue_fully_automated_form_is_annotated_against_its_manual_steps() {
    if !says(
        SEED_001,
        101,
        102,
        &["электронды (толық автоматтандырылған)", "қағаз түрінде"],
    ) || !says(
        SEED_001,
        136,
        153,
        &["1-іс-қимыл", "басшысының", "орындаушысының", "5-іс-қимыл"],
    ) || !says(
        SEED_001,
        260,
        266,
        &["3-шарт", "қызметкерінің", "негіздерге"],
    ) {
        return;
    }
    let r = reg("ekr-preschool-queue");
    // What the text says stays: fully automated and paper.
    assert_eq!(
        r.service_form,
        [ServiceForm::FullyAutomated, ServiceForm::Paper]
    );
    let a = annotation(r, "service_form");
    assert_eq!(a.kind, AnnotationKind::Contradiction);
    for line in [101, 136, 260] {
        assert!(covers(&a.source, line), "the annotation cites L{line}");
    }
    assert!(
        a.chosen
            .as_deref()
            .is_some_and(|c| c.contains("fully_automated"))
    );
    // The manual chain and the manual check it is set against.
    let office = steps(r, "office");
    assert_eq!(office.len(), 5);
    assert!(office.iter().all(|s| s.kind == StepKind::Action));
    let c3 = step(r, "portal", 10);
    assert_eq!(
        (c3.kind, c3.role.as_deref()),
        (StepKind::Condition, Some("executor"))
    );
    assert!(!r.is_system_role("executor"));
}

// ---- 3. the e-queue: acceptance or collecting the result ---------------------------------

#[test]
fn e_queue_for_collecting_the_result_is_not_an_acceptance_queue() {
    // "мемлекеттік қызмет көрсету нәтижесін алу электрондық кезек күту тәртібімен"
    for (id, from, to) in [
        ("ekr-preschool-queue", 224, 226),
        ("ekr-externat-permission", 571, 573),
        ("ekr-school-document-duplicates", 750, 752),
    ] {
        if !says(
            SEED_001,
            from,
            to,
            &["нәтижесін алу электрондық кезек", "портал арқылы брондауға"],
        ) {
            return;
        }
        let sc = reg(id).state_corporation.as_ref().unwrap().get_ref();
        assert!(
            sc.e_queue_issue(),
            "{id}: the result is collected in e-queue order"
        );
        assert!(
            !sc.e_queue_acceptance(),
            "{id}: the text says nothing of acceptance"
        );
        assert_eq!(sc.e_queue_bookable_via_portal, Some(true), "{id}");
        assert!(covers(&sc.source, from), "{id}: cites L{from}");
    }
    // "Қабылдау ... "электрондық кезек" тәртібімен": the old meaning, acceptance.
    if !says(
        SEED_000,
        223,
        226,
        &["Қабылдау", "\"электрондық кезек\" тәртібімен", "броньдауға"],
    ) {
        return;
    }
    let sc = reg("ekr-free-meals-tvet")
        .state_corporation
        .as_ref()
        .unwrap()
        .get_ref();
    assert!(sc.e_queue_acceptance() && !sc.e_queue_issue());
    assert_eq!(sc.e_queue_bookable_via_portal, Some(true));
    // The application is handed to the ХҚО employee "in the order of the electronic queue".
    if !says(
        SEED_004,
        297,
        300,
        &[
            "өтінішті",
            "ХҚО қызметкеріне береді",
            "электрондық кезек ретімен",
        ],
    ) {
        return;
    }
    let sc = reg("wkr-tvet-document-duplicates")
        .state_corporation
        .as_ref()
        .unwrap()
        .get_ref();
    assert!(sc.e_queue_acceptance() && !sc.e_queue_issue());
    assert!(covers(&sc.source, 297));
}

// ---- 4. the paper result: printed, signed and sealed -------------------------------------

#[test]
fn paper_result_is_certified_with_signature_and_seal() {
    // The clause as ekr-preschool-queue encodes it (seed 001, L117-L120) and the four that
    // lacked it.
    let cases = [
        ("ekr-preschool-queue", SEED_001, 117, 120),
        ("ekr-guardianship", SEED_002, 139, 143),
        ("ekr-free-transport", SEED_002, 471, 475),
        ("ekr-camp-referrals", SEED_002, 795, 799),
        ("ekr-foster-family", SEED_002, 1207, 1211),
    ];
    for (id, seed, from, to) in cases {
        if !says(seed, from, to, &["басып шығарылады", "уәкілетті", "мөр"])
        {
            return;
        }
        let r = reg(id);
        let issuing: Vec<_> = steps(r, "office")
            .into_iter()
            .filter(|s| s.text_en.contains("seal") && covers(&s.source, from))
            .collect();
        assert_eq!(
            issuing.len(),
            1,
            "{id}: one provider step carries the clause (L{from})"
        );
        let s = issuing[0];
        assert!(
            s.text_en.contains("printed") && s.text_en.contains("authorised person"),
            "{id}: {}",
            s.text_en
        );
        assert_eq!(
            r.party_of(s.role.as_deref().unwrap()),
            Some(Party::Provider)
        );
        // The provider's last step: the result leaves the provider with it.
        assert_eq!(steps(r, "office").last().map(|l| l.n), Some(s.n), "{id}");
    }
}

// ---- 5. the portal result is signed by the provider's authorised person ------------------

/// (regulation, seed, the result clause's lines, condition 3's line)
const PORTAL_SIGNED: [(&str, &str, u32, u32, u32); 6] = [
    ("ekr-guardianship", SEED_002, 144, 147, 328),
    ("ekr-camp-referrals", SEED_002, 800, 803, 1033),
    ("ekr-foster-family", SEED_002, 1212, 1218, 1362),
    ("ekr-free-meals-tvet", SEED_000, 313, 315, 306),
    ("ekr-preschool-queue", SEED_001, 113, 116, 260),
    ("krg-free-meals-school", SEED_003, 18, 18, 65),
];

#[test]
fn portal_result_is_signed_by_the_authorised_person_not_the_executors_check() {
    let ctx = ctx();
    for (id, seed, from, to, c3) in PORTAL_SIGNED {
        if !says(seed, from, to, &["уәкілетті", "ЭЦҚ"]) || !says(seed, c3, c3, &["3-шарт"])
        {
            return;
        }
        let r = reg(id);
        let portal = steps(r, "portal");
        let check = portal
            .iter()
            .find(|s| s.kind == StepKind::Condition && covers(&s.source, c3))
            .unwrap_or_else(|| panic!("{id}: condition 3 at L{c3}"));
        assert!(!check.signs_result, "{id}: condition 3 only checks");
        let signing: Vec<_> = portal.iter().filter(|s| s.signs_result).collect();
        assert_eq!(signing.len(), 1, "{id}: one signing step");
        let s = signing[0];
        assert_eq!(s.role.as_deref(), Some("head"), "{id}");
        assert_eq!(s.kind, StepKind::Action, "{id}");
        assert!(
            s.n > check.n && covers(&s.source, from),
            "{id}: after condition 3, cites L{from}"
        );
        let a = annotation(r, "flows.portal signs_result");
        assert!(covers(&a.source, from) && covers(&a.source, c3), "{id}");

        // The plan: condition 3 passed goes to the head's signature, then to the applicant.
        let plan = ctx.plan(&r.id, r.version, ChannelId::Portal).unwrap();
        let at = plan.steps.iter().find(|p| p.n == check.n).unwrap();
        let next = plan.next(at.index).unwrap();
        assert_eq!(
            (next.n, next.role.as_str(), next.signs_result),
            (s.n, "head", true),
            "{id}"
        );
        assert_eq!(next.party, Party::Provider);
        assert!(!next.automatic, "{id}: a person signs");
        let after = plan.next(next.index).unwrap();
        assert_eq!(after.role, "applicant", "{id}");
    }
}

#[test]
fn portal_application_waits_for_the_heads_signature_after_the_check() {
    if !says(SEED_002, 144, 147, &["уәкілетті тұлғасының", "ЭЦҚ"]) {
        return;
    }
    let ctx = ctx();
    let r = reg("ekr-guardianship");
    let (app, mut now) = submit(&ctx, r, ChannelId::Portal, "guardianship-portal");
    let app = walk_until(&ctx, app, &mut now, |s| s.signs_result);
    let plan = ctx.plan(&r.id, r.version, ChannelId::Portal).unwrap();
    let s = plan.step(app.step).unwrap();
    assert_eq!((s.n, s.role.as_str()), (12, "head"));
    // The executor who checked the documents does not sign.
    let by_executor = complete(
        &ctx,
        &app,
        Actor {
            role: "executor".into(),
            org: "provider-1".into(),
        },
        Outcome::Done,
        now,
    );
    assert!(
        matches!(by_executor, Err(Rejection::WrongRole { ref expected, .. }) if expected == "head")
    );
    let closed = walk_until(&ctx, app, &mut now, |_| false);
    assert_eq!(closed.closure, Some(Closure::Issued));
}

// ---- 5b. the signing role is the organisation's ------------------------------------------

#[test]
fn an_organisations_signing_role_signs_and_the_regulations_role_is_refused() {
    let ctx = ctx();
    let r = reg("ekr-guardianship");
    let (app, mut now) = submit(&ctx, r, ChannelId::Portal, "guardianship-deputy");
    let app = walk_until(&ctx, app, &mut now, |s| s.signs_result);
    let plan = ctx
        .plan(&r.id, r.version, ChannelId::Portal)
        .unwrap()
        .clone();
    let s = plan.step(app.step).unwrap();
    assert_eq!(
        ctx.step_role(&app, s),
        "head",
        "by default the regulation's role"
    );

    // provider-1 gives its signature to the executor (a deputy with signing authority).
    assert_eq!(ctx.set_signer("provider-1", Some("executor")), None);
    assert_eq!(ctx.step_role(&app, s), "executor");
    // Another organisation's files, and the steps that sign nothing, are untouched.
    let other = Application {
        provider: "provider-2".into(),
        ..app.clone()
    };
    assert_eq!(ctx.step_role(&other, s), "head");
    let before = plan.step(app.step - 1).unwrap();
    assert!(!before.signs_result);
    assert_eq!(ctx.step_role(&app, before), before.role);

    let head = Actor {
        role: "head".into(),
        org: "provider-1".into(),
    };
    now += 1.hours();
    let refused = complete(&ctx, &app, head.clone(), Outcome::Done, now);
    assert_eq!(
        refused,
        Err(Rejection::WrongRole {
            step: app.step,
            expected: "executor".into(),
            got: "head".into(),
        })
    );
    // The signature too is the configured role's.
    let sign = |actor: Actor| Command::SignResult {
        application: app.id.clone(),
        step: app.step,
        actor,
        document: "result_resolution".into(),
        sha256: "ab".repeat(32),
        cms: "MIIB".into(),
        ru: None,
        signed_at: None,
    };
    assert!(matches!(
        decide(Some(&app), &sign(head), now, &ctx),
        Err(Rejection::WrongRole { .. })
    ));
    let deputy = Actor {
        role: "executor".into(),
        org: "provider-1".into(),
    };
    assert!(decide(Some(&app), &sign(deputy.clone()), now, &ctx).is_ok());
    let done = complete(&ctx, &app, deputy, Outcome::Done, now).unwrap();
    assert_ne!(
        done.step, app.step,
        "the configured role completed the signing step"
    );
    // Cleared: the regulation's role again.
    assert_eq!(
        ctx.set_signer("provider-1", None).as_deref(),
        Some("executor")
    );
    assert_eq!(ctx.step_role(&app, s), "head");
}

// ---- 6. externat and free transport: portal applications go through the provider ---------

#[test]
fn externat_and_free_transport_portal_applications_are_signed_by_the_provider() {
    // Free transport: the portal result is signed by the authorised person (L476-L479) and the
    // 5-working-day term covers portal applications (L514-L516). Externat: applications and
    // results go through the portal (L389-L394); para 5 is what the provider does (L414-L434).
    if !says(SEED_002, 476, 479, &["жеке кабинетіне", "уәкілетті", "ЭЦҚ"])
        || !says(
            SEED_002,
            514,
            516,
            &["портал арқылы өтініш берген кезде", "5 (бес) жұмыс күні"],
        )
        || !says(
            SEED_001,
            389,
            394,
            &["Өтініштерді қабылдау", "нәтижелерін беру", "веб-порталы"],
        )
        || !says(SEED_001, 432, 434, &["басшысының", "нәтижесіне қол қоюы"])
    {
        return;
    }
    let ctx = ctx();
    for (id, signer) in [
        ("ekr-free-transport", "akim"),
        ("ekr-externat-permission", "head"),
    ] {
        let r = reg(id);
        let plan = ctx.plan(&r.id, r.version, ChannelId::Portal).unwrap();
        let provider: Vec<&PlanStep> = plan
            .steps
            .iter()
            .filter(|s| s.party == Party::Provider)
            .collect();
        assert!(
            provider.len() >= 4,
            "{id}: the provider reviews ({} steps)",
            provider.len()
        );
        let signing: Vec<&&PlanStep> = provider.iter().filter(|s| s.signs_result).collect();
        assert_eq!(signing.len(), 1, "{id}");
        assert_eq!(signing[0].role, signer, "{id}");
        let last = plan.steps.last().unwrap();
        assert_eq!(
            last.party,
            Party::Portal,
            "{id}: the result goes out through the portal"
        );
        assert!(last.index > signing[0].index);
        assert!(
            annotation(r, "portal flow")
                .chosen
                .as_deref()
                .unwrap()
                .contains("1-4")
        );

        let (app, mut now) = submit(&ctx, r, ChannelId::Portal, &format!("{id}-portal"));
        let at_sign = walk_until(&ctx, app, &mut now, |s| s.signs_result);
        assert_eq!(plan.step(at_sign.step).unwrap().role, signer, "{id}");
        let closed = walk_until(&ctx, at_sign, &mut now, |_| false);
        assert_eq!(closed.closure, Some(Closure::Issued), "{id}");
        assert_eq!(closed.document, plan.result, "{id}");
    }
    assert!(reg("ekr-free-transport").term(ChannelId::Portal).is_some());
}

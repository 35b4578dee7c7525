//! The engine's rules on a small fixture regulation with an office and a State Corporation
//! flow, under a plain clock (days as 24 hours): who may act, branches, issue, unclaimed.

use engine::*;
use jiff::{Timestamp, ToSpan};
use regulation::{ChannelId, Regulation};
use std::sync::Arc;

mod common;
use common::Plain;

fn ctx() -> Ctx {
    let text = include_str!("fixtures/engine-sc.v1.toml");
    let reg: Regulation = toml::from_str(text).unwrap();
    Ctx::new(vec![reg], Arc::new(Plain))
}

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

const IIN: &str = "100515500003";

fn submit(channel: ChannelId, id: &str) -> Command {
    Command::Submit {
        application: id.into(),
        regulation: "engine-sc".into(),
        channel,
        provider: "college-1".into(),
        applicant_iin: IIN.into(),
        applicant_name: String::new(),
        key: format!("key-{id}"),
        signature: None,
        reception: Default::default(),
        data: Default::default(),
    }
}

fn actor(role: &str, org: &str) -> Actor {
    Actor {
        role: role.into(),
        org: org.into(),
    }
}

fn complete(id: &str, step: usize, a: Actor, outcome: Outcome) -> Command {
    Command::Complete {
        application: id.into(),
        step,
        actor: a,
        outcome,
        presented: None,
    }
}

/// Run a command and fold its events.
fn run(
    ctx: &Ctx,
    state: Option<Application>,
    cmd: &Command,
    now: Timestamp,
) -> Result<(Option<Application>, Vec<Event>), Rejection> {
    let events = decide(state.as_ref(), cmd, now, ctx)?;
    let mut s = state;
    for e in &events {
        s = apply(s, e, ctx);
    }
    Ok((s, events))
}

#[test]
fn office_application_runs_to_the_result() {
    let ctx = ctx();
    let now = t("2019-12-02T04:00:00Z");
    let (s, ev) = run(&ctx, None, &submit(ChannelId::Office, "a1"), now).unwrap();
    let app = s.unwrap();
    assert_eq!(app.step, 0);
    assert_eq!(app.step_due, Some(now + 20.minutes()));
    assert_eq!(app.term_due, Some(now + (24 * 10).hours()));
    assert!(
        matches!(ev[0], Event::Submitted { receipt: None, .. }),
        "the office gives no receipt number"
    );
    let (s, _) = run(
        &ctx,
        Some(app),
        &complete("a1", 0, actor("office_clerk", "college-1"), Outcome::Done),
        now + 10.minutes(),
    )
    .unwrap();
    let app = s.unwrap();
    assert_eq!((app.step, app.step_due), (1, Some(now + 25.minutes())));
    let (s, ev) = run(
        &ctx,
        Some(app),
        &complete("a1", 1, actor("head", "college-1"), Outcome::Done),
        now + 20.minutes(),
    )
    .unwrap();
    let app = s.unwrap();
    assert_eq!(app.status, Status::Closed);
    assert_eq!(app.closure, Some(Closure::Issued));
    assert_eq!(app.document.as_deref(), Some("notification"));
    assert!(matches!(ev.last(), Some(Event::Closed { .. })));
}

#[test]
fn only_the_current_role_of_the_right_provider_may_act() {
    let ctx = ctx();
    let now = t("2019-12-02T04:00:00Z");
    let (s, _) = run(&ctx, None, &submit(ChannelId::Office, "a2"), now).unwrap();
    let err = decide(
        s.as_ref(),
        &complete("a2", 0, actor("head", "college-1"), Outcome::Done),
        now,
        &ctx,
    )
    .unwrap_err();
    assert!(
        matches!(err, Rejection::WrongRole { ref expected, .. } if expected == "office_clerk"),
        "{err}"
    );
    let err = decide(
        s.as_ref(),
        &complete("a2", 0, actor("office_clerk", "college-2"), Outcome::Done),
        now,
        &ctx,
    )
    .unwrap_err();
    assert!(matches!(err, Rejection::WrongOrganisation { .. }), "{err}");
    let err = decide(
        s.as_ref(),
        &complete("a2", 1, actor("head", "college-1"), Outcome::Done),
        now,
        &ctx,
    )
    .unwrap_err();
    assert_eq!(err, Rejection::WrongStep { current: 0, got: 1 });
    let err = decide(s.as_ref(), &submit(ChannelId::Office, "a2"), now, &ctx).unwrap_err();
    assert!(matches!(err, Rejection::AlreadyExists { .. }));
}

#[test]
fn refusal_to_accept_ends_with_a_receipt() {
    let ctx = ctx();
    let now = t("2019-12-02T04:00:00Z");
    let (s, _) = run(&ctx, None, &submit(ChannelId::Office, "a3"), now).unwrap();
    let cmd = complete(
        "a3",
        0,
        actor("office_clerk", "college-1"),
        Outcome::RefuseAcceptance {
            grounds: "no ID copy".into(),
        },
    );
    let (s, _) = run(&ctx, s, &cmd, now).unwrap();
    let app = s.unwrap();
    assert_eq!(app.closure, Some(Closure::AcceptanceRefused));
    assert_eq!(app.document.as_deref(), Some("receipt_refusal"));
    let err = decide(
        Some(&app),
        &complete("a3", 1, actor("head", "college-1"), Outcome::Done),
        now,
        &ctx,
    )
    .unwrap_err();
    assert!(matches!(err, Rejection::ApplicationClosed { .. }));
    // The head's step has no refusal-to-accept branch.
    let (s, _) = run(&ctx, None, &submit(ChannelId::Office, "a3b"), now).unwrap();
    let (s, _) = run(
        &ctx,
        s,
        &complete("a3b", 0, actor("office_clerk", "college-1"), Outcome::Done),
        now,
    )
    .unwrap();
    let cmd = complete(
        "a3b",
        1,
        actor("head", "college-1"),
        Outcome::RefuseAcceptance {
            grounds: "x".into(),
        },
    );
    assert!(matches!(
        decide(s.as_ref(), &cmd, now, &ctx),
        Err(Rejection::NoSuchBranch { .. })
    ));
}

#[test]
fn motivated_refusal_needs_grounds_and_is_issued_as_a_refusal() {
    let ctx = ctx();
    let now = t("2019-12-02T04:00:00Z");
    let (s, _) = run(&ctx, None, &submit(ChannelId::Office, "a4"), now).unwrap();
    let (s, _) = run(
        &ctx,
        s,
        &complete("a4", 0, actor("office_clerk", "college-1"), Outcome::Done),
        now,
    )
    .unwrap();
    let empty = complete(
        "a4",
        1,
        actor("head", "college-1"),
        Outcome::MotivatedRefusal {
            grounds: " ".into(),
            listed: vec![],
        },
    );
    assert!(
        matches!(decide(s.as_ref(), &empty, now, &ctx), Err(Rejection::Invalid { ref field, .. }) if field == "grounds")
    );
    let cmd = complete(
        "a4",
        1,
        actor("head", "college-1"),
        Outcome::MotivatedRefusal {
            grounds: "not eligible".into(),
            listed: vec![],
        },
    );
    let (s, _) = run(&ctx, s, &cmd, now).unwrap();
    let app = s.unwrap();
    assert_eq!(app.closure, Some(Closure::RefusalIssued));
    assert_eq!(app.document.as_deref(), Some("motivated_refusal"));
}

#[test]
fn state_corporation_flow_with_receipt_issue_and_unclaimed_return() {
    let ctx = ctx();
    let now = t("2019-12-02T04:00:00Z");
    let (s, ev) = run(&ctx, None, &submit(ChannelId::StateCorporation, "s1"), now).unwrap();
    let Event::Submitted {
        receipt,
        term_due,
        deliver_due,
        ..
    } = &ev[0]
    else {
        panic!()
    };
    assert_eq!(receipt.as_deref(), Some(receipt_number("s1").as_str()));
    assert_eq!(receipt.as_ref().unwrap().len(), 12);
    // Acceptance day not counted: one more day; delivery one day before.
    assert_eq!(*term_due, Some(now + (24 * 11).hours()));
    assert_eq!(*deliver_due, Some(now + (24 * 10).hours()));
    let sc = |r: &str| actor(r, STATE_CORPORATION);
    let (s, _) = run(
        &ctx,
        s,
        &complete("s1", 0, sc("state_corporation_operator"), Outcome::Done),
        now,
    )
    .unwrap();
    let (s, _) = run(
        &ctx,
        s,
        &complete("s1", 1, sc("courier"), Outcome::Done),
        now,
    )
    .unwrap();
    let (s, _) = run(
        &ctx,
        s,
        &complete("s1", 2, actor("office_clerk", "college-1"), Outcome::Done),
        now,
    )
    .unwrap();
    let ready = now + 2.hours();
    let (s, _) = run(
        &ctx,
        s,
        &complete("s1", 3, actor("head", "college-1"), Outcome::Done),
        ready,
    )
    .unwrap();
    let app = s.unwrap();
    assert_eq!(app.status, Status::AwaitingIssue);
    assert_eq!(app.ready_at, Some(ready));
    // Issue needs ID or a notarised power of attorney.
    let issue = complete("s1", 4, sc("state_corporation_operator"), Outcome::Done);
    assert!(matches!(
        decide(Some(&app), &issue, ready, &ctx),
        Err(Rejection::IdentityRequired { .. })
    ));
    // Unclaimed: not before one month, then back to the provider, then re-requested.
    let ret = Command::ReturnUnclaimed {
        application: "s1".into(),
        actor: sc("state_corporation_operator"),
    };
    assert!(matches!(
        decide(Some(&app), &ret, ready + (24 * 29).hours(), &ctx),
        Err(Rejection::StoragePeriodNotOver { .. })
    ));
    let (s, _) = run(&ctx, Some(app), &ret, ready + (24 * 31).hours()).unwrap();
    let app = s.unwrap();
    assert_eq!(app.status, Status::ReturnedToProvider);
    assert!(matches!(
        decide(Some(&app), &issue, ready, &ctx),
        Err(Rejection::NotAwaitingIssue)
    ));
    let rereq = Command::ReRequest {
        application: "s1".into(),
        actor: sc("state_corporation_operator"),
    };
    let later = ready + (24 * 40).hours();
    let (s, _) = run(&ctx, Some(app), &rereq, later).unwrap();
    let app = s.unwrap();
    assert_eq!(
        (app.status, app.step_due),
        (Status::AwaitingIssue, Some(later + 24.hours()))
    );
    let issue = Command::Complete {
        application: "s1".into(),
        step: 4,
        actor: sc("state_corporation_operator"),
        outcome: Outcome::Done,
        presented: Some(Presented::NotarisedPowerOfAttorney),
    };
    let (s, _) = run(&ctx, Some(app), &issue, later + 1.hours()).unwrap();
    assert_eq!(s.unwrap().closure, Some(Closure::Issued));
}

#[test]
fn sla_status_follows_the_step_and_the_term() {
    let ctx = ctx();
    let now = t("2019-12-02T04:00:00Z");
    let (s, _) = run(&ctx, None, &submit(ChannelId::Office, "sla"), now).unwrap();
    let app = s.unwrap();
    let at = |m: i64| sla::sla(&app, now + m.minutes(), &ctx).unwrap();
    assert_eq!(at(5).status, sla::Sla::OnTime);
    assert_eq!(at(17).status, sla::Sla::AtRisk);
    let r = at(21);
    assert_eq!(
        (r.status, r.role.as_deref(), r.step),
        (sla::Sla::Overdue, Some("office_clerk"), Some(0))
    );
}

#[test]
fn repealed_and_not_yet_in_force_regulations_take_no_applications() {
    let ctx = ctx();
    let err = decide(
        None,
        &submit(ChannelId::Office, "r1"),
        t("2020-06-01T04:00:00Z"),
        &ctx,
    )
    .unwrap_err();
    assert!(matches!(err, Rejection::RegulationRepealed { .. }), "{err}");
    let err = decide(
        None,
        &submit(ChannelId::Office, "r2"),
        t("2019-01-01T04:00:00Z"),
        &ctx,
    )
    .unwrap_err();
    assert!(
        matches!(err, Rejection::RegulationNotYetInForce { .. }),
        "{err}"
    );
    let err = decide(
        None,
        &submit(ChannelId::Portal, "r3"),
        t("2019-12-01T04:00:00Z"),
        &ctx,
    )
    .unwrap_err();
    assert!(matches!(err, Rejection::ChannelNotAccepted { .. }), "{err}");
    let mut bad = submit(ChannelId::Office, "r4");
    if let Command::Submit { applicant_iin, .. } = &mut bad {
        *applicant_iin = "100515500004".into();
    }
    let err = decide(None, &bad, t("2019-12-01T04:00:00Z"), &ctx).unwrap_err();
    assert!(
        matches!(err, Rejection::Invalid { ref field, .. } if field == "applicant_iin"),
        "{err}"
    );
}

/// NCA's test IIN 123456789011 (wrong check digit) is refused unless the deployment runs a
/// test PKI (`accept_test_identities`); a non-digit string is refused even then.
#[test]
fn test_applicant_iins_only_on_a_test_pki() {
    let mut ctx = ctx();
    let now = t("2019-12-02T04:00:00Z");
    let with = |iin: &str| {
        let mut cmd = submit(ChannelId::Office, "nca");
        if let Command::Submit { applicant_iin, .. } = &mut cmd {
            *applicant_iin = iin.into();
        }
        cmd
    };
    let err = decide(None, &with("123456789011"), now, &ctx).unwrap_err();
    assert!(
        matches!(err, Rejection::Invalid { ref field, .. } if field == "applicant_iin"),
        "{err}"
    );
    ctx.accept_test_identities = true;
    assert!(decide(None, &with("123456789011"), now, &ctx).is_ok());
    let err = decide(None, &with("12345678901x"), now, &ctx).unwrap_err();
    assert!(
        matches!(err, Rejection::Invalid { ref field, .. } if field == "applicant_iin"),
        "{err}"
    );
}

#[test]
fn commands_and_events_round_trip_as_json() {
    let cmd = complete(
        "x",
        2,
        actor("head", "p"),
        Outcome::MotivatedRefusal {
            grounds: "g".into(),
            listed: vec![],
        },
    );
    let json = serde_json::to_string(&cmd).unwrap();
    assert!(
        json.contains("\"command\":\"complete\"")
            && json.contains("\"outcome\":\"motivated_refusal\""),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Command>(&json).unwrap(), cmd);
}

#[test]
fn the_head_signs_the_result_before_the_signing_step_completes() {
    let mut ctx = ctx();
    ctx.require_signatures = true;
    let now = t("2019-12-02T04:00:00Z");
    let (s, _) = run(&ctx, None, &submit(ChannelId::Office, "sig"), now).unwrap();
    let sign = |step: usize, who: Actor, sha: &str| Command::SignResult {
        application: "sig".into(),
        step,
        actor: who,
        document: "notification".into(),
        sha256: sha.into(),
        cms: "MIIB...".into(),
        ru: None,
        signed_at: None,
    };
    let sha = "a".repeat(64);
    // Not at the clerk's step, and only by the step's role.
    let err = decide(
        s.as_ref(),
        &sign(0, actor("office_clerk", "college-1"), &sha),
        now,
        &ctx,
    )
    .unwrap_err();
    assert_eq!(err, Rejection::NotASigningStep { step: 0 });
    let (s, _) = run(
        &ctx,
        s,
        &complete("sig", 0, actor("office_clerk", "college-1"), Outcome::Done),
        now,
    )
    .unwrap();
    let err = decide(
        s.as_ref(),
        &sign(1, actor("office_clerk", "college-1"), &sha),
        now,
        &ctx,
    )
    .unwrap_err();
    assert!(matches!(err, Rejection::WrongRole { .. }), "{err}");
    let err = decide(
        s.as_ref(),
        &sign(1, actor("head", "college-1"), "xyz"),
        now,
        &ctx,
    )
    .unwrap_err();
    assert!(
        matches!(err, Rejection::Invalid { ref field, .. } if field == "sha256"),
        "{err}"
    );
    // Completing the signing step without a signature is refused under the policy.
    let done = complete("sig", 1, actor("head", "college-1"), Outcome::Done);
    assert_eq!(
        decide(s.as_ref(), &done, now, &ctx).unwrap_err(),
        Rejection::SignatureRequired { step: 1 }
    );
    // The Russian copy's hash is checked like the original's.
    let with_ru = |ru_sha: &str| match sign(1, actor("head", "college-1"), &sha) {
        Command::SignResult {
            application,
            step,
            actor,
            document,
            sha256,
            cms,
            ..
        } => Command::SignResult {
            application,
            step,
            actor,
            document,
            sha256,
            cms,
            ru: Some(engine::SignedCopy {
                sha256: ru_sha.into(),
                cms: "MIIC...".into(),
            }),
            signed_at: None,
        },
        _ => unreachable!(),
    };
    let err = decide(s.as_ref(), &with_ru("xyz"), now, &ctx).unwrap_err();
    assert!(
        matches!(err, Rejection::Invalid { ref field, .. } if field == "ru.sha256"),
        "{err}"
    );
    // A signature of the Kazakh original alone journals as entries did before both copies
    // were signed: no `ru` key, so old entries keep their bytes and hashes.
    let old = decide(
        s.as_ref(),
        &sign(1, actor("head", "college-1"), &sha),
        now,
        &ctx,
    )
    .unwrap();
    let json = serde_json::to_value(&old[0]).unwrap();
    assert!(json.get("ru").is_none(), "{json}");
    let back: Event = serde_json::from_value(json).unwrap();
    assert_eq!(back, old[0]);
    // A signature prepared earlier (in the browser) is dated when it was prepared: within
    // the step, not in the future.
    let dated = |at: Timestamp| match sign(1, actor("head", "college-1"), &sha) {
        Command::SignResult {
            application,
            step,
            actor,
            document,
            sha256,
            cms,
            ru,
            ..
        } => Command::SignResult {
            application,
            step,
            actor,
            document,
            sha256,
            cms,
            ru,
            signed_at: Some(at),
        },
        _ => unreachable!(),
    };
    let secs = jiff::SignedDuration::from_secs;
    let (later, prepared) = (now + secs(10), now + secs(5));
    for bad in [later + secs(1), now - secs(1)] {
        let err = decide(s.as_ref(), &dated(bad), later, &ctx).unwrap_err();
        assert!(
            matches!(err, Rejection::Invalid { ref field, .. } if field == "signed_at"),
            "{bad}: {err}"
        );
    }
    let ev = decide(s.as_ref(), &dated(prepared), later, &ctx).unwrap();
    assert!(matches!(ev[0], Event::ResultSigned { at, .. } if at == prepared));
    let ru_sha = "C".repeat(64);
    let (s, ev) = run(&ctx, s, &with_ru(&ru_sha), now).unwrap();
    assert!(matches!(ev[0], Event::ResultSigned { step: 1, .. }));
    let app = s.clone().unwrap();
    assert_eq!(
        app.signature.as_ref().map(|x| x.sha256.as_str()),
        Some(sha.as_str())
    );
    let sig = app.signature.as_ref().unwrap();
    assert_eq!(sig.copy("ru").unwrap().sha256, "c".repeat(64), "lowercased");
    assert_eq!(sig.copy("kk").unwrap().sha256, sha);
    assert_eq!(app.step, 1, "signing records; it does not advance");
    let (s, _) = run(&ctx, s, &done, now).unwrap();
    assert_eq!(s.unwrap().closure, Some(Closure::Issued));
}

#[test]
fn a_refused_portal_request_leaves_one_closed_journal_entry() {
    let ctx = ctx();
    let sha = "b".repeat(64);
    let cmd = |app: &str| Command::RefuseRequest {
        application: app.into(),
        regulation: "engine-sc".into(),
        channel: ChannelId::Office,
        applicant_iin: IIN.into(),
        code: "ecp.iin_mismatch".into(),
        request_sha256: sha.clone(),
    };
    let now = t("2019-12-02T04:00:00Z");
    let err = decide(None, &cmd("refused-x"), now, &ctx).unwrap_err();
    assert!(
        matches!(err, Rejection::Invalid { ref field, .. } if field == "application"),
        "{err}"
    );
    let id = format!("refused-{sha}");
    let (s, ev) = run(&ctx, None, &cmd(&id), now).unwrap();
    assert!(matches!(&ev[..], [Event::RequestRefused { code, .. }] if code == "ecp.iin_mismatch"));
    let app = s.unwrap();
    assert_eq!(
        (app.status, app.closure),
        (Status::Closed, Some(Closure::RefusalNotice))
    );
    assert!(matches!(
        decide(Some(&app), &cmd(&id), now, &ctx),
        Err(Rejection::AlreadyExists { .. })
    ));
}

/// A motivated refusal goes where its branch's `goto` says (the step where it is signed), past
/// the steps of the granting path.
#[test]
fn a_motivated_refusal_goes_to_its_goto() {
    let text = include_str!("fixtures/engine-sc.v1.toml")
        .replacen(
            "source = \"L125-L129\"\n",
            "source = \"L125-L129\"\n\n[[flows.office.steps.branches]]\nkind = \"motivated_refusal\"\nresult = \"motivated_refusal\"\ncondition_en = \"grounds\"\ngoto = 3\nsource = \"L138-L140\"\n",
            1,
        )
        .replacen(
            "[[flows.office.steps]]\nn = 2\n",
            "[[flows.office.steps]]\nn = 2\nkind = \"action\"\nrole = \"office_clerk\"\ntext_en = \"prepares the grant\"\nsource = \"L141-L143\"\n\n[[flows.office.steps]]\nn = 3\n",
            1,
        );
    let reg: Regulation = toml::from_str(&text).unwrap();
    let ctx = Ctx::new(vec![reg], Arc::new(Plain));
    let plan = ctx.plan("engine-sc", 1, ChannelId::Office).unwrap();
    assert_eq!(plan.steps[0].motivated_refusal_goto, Some(2));
    assert_eq!(plan.next_after(0, true).map(|s| s.n), Some(3));
    assert_eq!(plan.next_after(0, false).map(|s| s.n), Some(2));

    let now = t("2019-12-02T04:00:00Z");
    let (s, _) = run(&ctx, None, &submit(ChannelId::Office, "g1"), now).unwrap();
    let refuse = Outcome::MotivatedRefusal {
        grounds: "para 10".into(),
        listed: vec![],
    };
    let (s, ev) = run(
        &ctx,
        s,
        &complete("g1", 0, actor("office_clerk", "college-1"), refuse),
        now + 10.minutes(),
    )
    .unwrap();
    let app = s.unwrap();
    assert_eq!(
        app.step, 2,
        "past the granting step, at the head's signature"
    );
    // The next step's due instant is the head's (15 minutes), not the skipped step's.
    assert!(
        matches!(ev[0], Event::StepCompleted { next_due: Some(d), .. } if d == now + 25.minutes())
    );
    let (s, _) = run(
        &ctx,
        Some(app),
        &complete("g1", 2, actor("head", "college-1"), Outcome::Done),
        now + 20.minutes(),
    )
    .unwrap();
    let app = s.unwrap();
    assert_eq!(app.closure, Some(Closure::RefusalIssued));
    assert_eq!(app.document.as_deref(), Some("motivated_refusal"));
}

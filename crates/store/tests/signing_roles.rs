//! An organisation's signing role: kept with the organisation, in the engine's context as soon
//! as the store opens, and when it changes the files waiting at a signing step move to the new
//! role's inbox, exactly where a rebuild of the views puts them; an action that fails takes the
//! change back, in the database and in the context.

mod common;

use common::*;
use engine::{Actor, Application, Command, Ctx, Outcome, Rejection, Status};
use jiff::ToSpan;
use regulation::{ChannelId, Regulation};
use std::sync::Arc;
use store::records::{Org, Record};
use store::views::ListQuery;
use store::{Action, Store, StoreError};

/// The fixture, with the head's step (the office's step 1) the one that signs the result.
fn signing_ctx() -> Arc<Ctx> {
    let text = include_str!("fixtures/store-sc.v1.toml").replacen(
        "role = \"head\"\n",
        "role = \"head\"\nsigns_result = true\n",
        1,
    );
    let reg: Regulation = toml::from_str(&text).unwrap();
    Arc::new(Ctx::new(vec![reg], Arc::new(Plain)))
}

fn org(signing_role: Option<&str>) -> Record {
    Record::Org(Org {
        id: PROVIDER.into(),
        kind: "provider".into(),
        provider_type: Some("education_organisations".into()),
        name_kk: "колледж".into(),
        name_ru: "колледж".into(),
        name_en: "college".into(),
        signing_role: signing_role.map(String::from),
    })
}

/// The ids in `role`'s inbox at the provider.
fn inbox(store: &Arc<dyn Store>, role: &str) -> Vec<String> {
    let q = ListQuery {
        holder: Some((PROVIDER.into(), vec![role.into()])),
        limit: 50,
        ..ListQuery::default()
    };
    store
        .list(&q)
        .unwrap()
        .rows
        .into_iter()
        .map(|r| r.id)
        .collect()
}

fn complete_as(app: &Application, role: &str) -> Command {
    Command::Complete {
        application: app.id.clone(),
        step: app.step,
        actor: Actor {
            role: role.into(),
            org: PROVIDER.into(),
        },
        outcome: Outcome::Done,
        presented: None,
    }
}

#[test]
fn the_signing_step_follows_the_organisations_signing_role() {
    each_db("signing-roles", |db| {
        let ctx = signing_ctx();
        let store = db.open(ctx.clone());
        let now = t0();
        // Two office files at the head's signing step (step 1 of the fixture), one still at the
        // clerk's.
        let mut waiting = vec![];
        for id in ["s1", "s2", "s3"] {
            let o = store
                .act(Action::new(now).command(submit(id, ChannelId::Office, id)))
                .unwrap();
            let app = o.application.unwrap();
            if id == "s3" {
                continue;
            }
            let o = store
                .act(Action::new(now + 5.minutes()).command(done(&ctx, &app)))
                .unwrap();
            waiting.push(o.application.unwrap());
        }
        let plan = ctx.plan(REGULATION, 1, ChannelId::Office).unwrap();
        assert!(plan.step(1).unwrap().signs_result);
        assert_eq!(inbox(&store, "head"), ["s1", "s2"]);

        // The college gives its signature to the office clerk (its deputy, say).
        store
            .act(Action::new(now + 10.minutes()).record(org(Some("office_clerk"))))
            .unwrap();
        assert_eq!(ctx.signer(PROVIDER).as_deref(), Some("office_clerk"));
        assert_eq!(
            store
                .org(PROVIDER)
                .unwrap()
                .unwrap()
                .signing_role
                .as_deref(),
            Some("office_clerk")
        );
        assert!(
            inbox(&store, "head").is_empty(),
            "moved out of the head's inbox"
        );
        assert_eq!(inbox(&store, "office_clerk"), ["s1", "s2", "s3"]);
        assert_eq!(store.rebuild_views(false).unwrap().difference_count, 0);

        // The head may no longer sign; the clerk does.
        let s1 = &waiting[0];
        let err = store
            .act(Action::new(now + 15.minutes()).command(complete_as(s1, "head")))
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Rejected(Rejection::WrongRole { ref expected, .. }) if expected == "office_clerk"),
            "{err:?}"
        );
        let o = store
            .act(Action::new(now + 15.minutes()).command(complete_as(s1, "office_clerk")))
            .unwrap();
        assert_eq!(o.application.unwrap().status, Status::Closed);

        // An action that fails after changing the role changes nothing.
        let s2 = &waiting[1];
        let err = store
            .act(
                Action::new(now + 20.minutes())
                    .record(org(None))
                    .command(complete_as(s2, "janitor")),
            )
            .unwrap_err();
        assert!(matches!(err, StoreError::Rejected(_)), "{err:?}");
        assert_eq!(ctx.signer(PROVIDER).as_deref(), Some("office_clerk"));
        assert_eq!(inbox(&store, "office_clerk"), ["s2", "s3"]);

        // Back to the regulation's role: s2 returns to the head.
        store
            .act(Action::new(now + 25.minutes()).record(org(None)))
            .unwrap();
        assert_eq!(ctx.signer(PROVIDER), None);
        assert_eq!(inbox(&store, "head"), ["s2"]);
        assert_eq!(inbox(&store, "office_clerk"), ["s3"]);
        assert_eq!(store.rebuild_views(false).unwrap().difference_count, 0);

        // Set again, then the store reopens with a fresh context: the role comes from the database.
        store
            .act(Action::new(now + 30.minutes()).record(org(Some("office_clerk"))))
            .unwrap();
        drop(store);
        let fresh = signing_ctx();
        assert_eq!(fresh.signer(PROVIDER), None);
        let store = db.open(fresh.clone());
        assert_eq!(fresh.signer(PROVIDER).as_deref(), Some("office_clerk"));
        assert_eq!(inbox(&store, "office_clerk"), ["s2", "s3"]);
        assert_eq!(store.rebuild_views(false).unwrap().difference_count, 0);
    });
}

//! Files checked on a portal form wait for its signing step a day at most: then they go, and
//! so do their bytes, unless an application links them.

mod common;

use common::*;

#[tokio::test]
async fn unsigned_form_uploads_expire() {
    let t = TestApp::new();
    let st = &t.state;
    let citizen = st.accounts.by_login(CITIZEN).unwrap().unwrap();
    let pdf = |s: &str| server::uploads::Upload {
        field: "documents".into(),
        filename: format!("{s}.pdf"),
        data: format!("%PDF-1.4\n{s}\n").into_bytes(),
    };
    let checked = server::uploads::check(vec![pdf("a"), pdf("b")]).unwrap();
    server::uploads::save_drafts(st, &citizen, "form-1", &checked).unwrap();
    assert_eq!(
        server::uploads::drafts(st, &citizen, "form-1")
            .unwrap()
            .len(),
        2
    );
    assert_eq!(server::uploads::stored_count(st).unwrap(), 2);
    // Within the day nothing goes.
    st.clock.advance(jiff::SignedDuration::from_hours(23));
    assert_eq!(server::uploads::expire_drafts(st).unwrap(), 0);
    assert_eq!(server::uploads::stored_count(st).unwrap(), 2);
    // A submitted application keeps its files; the abandoned form's go after a day.
    let who = t.citizen().await;
    let id = t.apply_portal(&who, REG, PROVIDER).await;
    let linked = st.store.files(&id).unwrap().len() as i64;
    st.clock.advance(jiff::SignedDuration::from_hours(2));
    assert_eq!(server::uploads::expire_drafts(st).unwrap(), 2);
    assert!(
        server::uploads::drafts(st, &citizen, "form-1")
            .unwrap()
            .is_empty()
    );
    assert_eq!(server::uploads::stored_count(st).unwrap(), linked);
}

// The same tests on the PostgreSQL store (each on a fresh schema).
crate::on_postgres!(unsigned_form_uploads_expire,);

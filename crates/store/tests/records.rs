//! The records beside the journal: accounts and their uniqueness, failed logins counted
//! atomically, sessions, API tokens, drafts and their expiry, e-queue bookings.

mod common;

use common::*;
use jiff::{Timestamp, ToSpan};
use regulation::ChannelId;
use std::sync::{Arc, Barrier};
use store::records::{NewAccount, Record, Written};
use store::{Action, Store, StoreError};

fn open(db: &Db) -> Arc<dyn Store> {
    db.open(ctx())
}

fn t() -> Timestamp {
    t0()
}

fn account(login: &str, iin: Option<&str>) -> NewAccount {
    NewAccount {
        login: login.into(),
        kind: "citizen".into(),
        iin: iin.map(String::from),
        name: format!("{login} name"),
        org: None,
        roles: vec!["applicant".into(), "viewer".into()],
        phone: Some("+77010000000".into()),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$x$y".into(),
        created_at: t(),
    }
}

fn write(store: &Arc<dyn Store>, r: Record) -> Result<Written, StoreError> {
    store
        .act(Action::new(t()).record(r))
        .map(|o| o.written.into_iter().next().unwrap())
}

fn id(w: Written) -> i64 {
    match w {
        Written::Id(i) => i,
        w => panic!("not an id: {w:?}"),
    }
}

fn rule(r: Result<impl std::fmt::Debug, StoreError>) -> String {
    match r {
        Err(StoreError::Conflict { rule, .. }) => rule,
        other => panic!("not a conflict: {other:?}"),
    }
}

#[test]
fn logins_and_iins_are_unique_and_a_conflict_keeps_nothing() {
    each_db("rec-accounts", |db| {
        let store = open(db);
        let a = id(write(&store, Record::Account(account("aigul", Some(IIN)))).unwrap());
        let row = store.account(a).unwrap().unwrap();
        assert_eq!(row.login, "aigul");
        assert_eq!(row.roles, vec!["applicant", "viewer"]);
        assert_eq!(row.failed, 0);
        assert_eq!(store.account_by_login("aigul").unwrap().unwrap().id, a);
        assert_eq!(store.account_by_login(IIN).unwrap().unwrap().id, a);
        assert_eq!(store.account_by_iin(IIN).unwrap().unwrap().id, a);

        assert_eq!(
            rule(write(&store, Record::Account(account("aigul", None)))),
            "account.login_taken"
        );
        assert_eq!(
            rule(write(&store, Record::Account(account("other", Some(IIN))))),
            "account.iin_taken"
        );
        // Accounts without IIN do not collide on it.
        id(write(&store, Record::Account(account("staff-1", None))).unwrap());
        id(write(&store, Record::Account(account("staff-2", None))).unwrap());
        // A conflict later in an action takes the earlier writes with it.
        let err = store
            .act(
                Action::new(t())
                    .record(Record::Account(account("fresh", Some(&iin(7)))))
                    .record(Record::Account(account("fresh", None))),
            )
            .unwrap_err();
        assert!(matches!(&err, StoreError::Conflict { rule, .. } if rule == "account.login_taken"));
        assert!(store.account_by_login("fresh").unwrap().is_none());
        assert_eq!(store.account_count().unwrap(), 3);
        assert_eq!(store.accounts().unwrap().len(), 3);
        // SetPassword resets the failures; an unknown login changes nothing.
        assert_eq!(
            write(
                &store,
                Record::SetPassword {
                    login: "nobody".into(),
                    password_hash: "h".into()
                }
            )
            .unwrap(),
            Written::Count(0)
        );
    });
}

#[test]
fn forty_parallel_failed_logins_all_count_and_lock() {
    each_db("rec-login", |db| {
        let store = open(db);
        let a = id(write(&store, Record::Account(account("target", None))).unwrap());
        let at = t();
        let barrier = Arc::new(Barrier::new(40));
        let handles: Vec<_> = (0..40)
            .map(|_| {
                let (store, barrier) = (store.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    store.act(Action::new(at).record(Record::LoginFailed {
                        account: a,
                        at,
                        lock_after: 5,
                        lock_minutes: vec![1, 5, 15],
                    }))
                })
            })
            .collect();
        let mut seen: Vec<i64> = handles
            .into_iter()
            .map(|h| match h.join().unwrap().unwrap().written[..] {
                [Written::Login { failed, .. }] => failed,
                ref w => panic!("{w:?}"),
            })
            .collect();
        seen.sort();
        assert_eq!(
            seen,
            (1..=40).collect::<Vec<_>>(),
            "each failure counted once"
        );
        let row = store.account(a).unwrap().unwrap();
        assert_eq!(row.failed, 40);
        // Past the schedule, the last lock length applies.
        assert_eq!(row.locked_until, Some(at + 15.minutes()));

        // The lock schedule, failure by failure, on a fresh account.
        let b = id(write(&store, Record::Account(account("b", None))).unwrap());
        let fail = |n: i64| {
            let at = t() + n.minutes();
            write(
                &store,
                Record::LoginFailed {
                    account: b,
                    at,
                    lock_after: 3,
                    lock_minutes: vec![1, 5],
                },
            )
            .unwrap()
        };
        assert_eq!(
            fail(0),
            Written::Login {
                failed: 1,
                locked_until: None
            }
        );
        assert_eq!(
            fail(1),
            Written::Login {
                failed: 2,
                locked_until: None
            }
        );
        assert_eq!(
            fail(2),
            Written::Login {
                failed: 3,
                locked_until: Some(t() + 3.minutes())
            }
        );
        assert_eq!(
            fail(3),
            Written::Login {
                failed: 4,
                locked_until: Some(t() + 8.minutes())
            }
        );
        // A success resets the count and the lock.
        write(&store, Record::LoginSucceeded { account: b }).unwrap();
        let row = store.account(b).unwrap().unwrap();
        assert_eq!((row.failed, row.locked_until), (0, None));
        // A failure for no account changes nothing.
        assert_eq!(
            write(
                &store,
                Record::LoginFailed {
                    account: 999,
                    at,
                    lock_after: 1,
                    lock_minutes: vec![1],
                }
            )
            .unwrap(),
            Written::Login {
                failed: 0,
                locked_until: None
            }
        );
        // SetPassword resets too.
        fail(4);
        assert_eq!(
            write(
                &store,
                Record::SetPassword {
                    login: "b".into(),
                    password_hash: "new".into()
                }
            )
            .unwrap(),
            Written::Count(1)
        );
        let row = store.account(b).unwrap().unwrap();
        assert_eq!((row.failed, row.locked_until), (0, None));
        assert_eq!(row.password_hash, "new");
    });
}

#[test]
fn sessions_expire_and_end() {
    each_db("rec-session", |db| {
        let store = open(db);
        let a = id(write(&store, Record::Account(account("s", None))).unwrap());
        let expires = t() + 1.hours();
        write(
            &store,
            Record::Session {
                token_hash: "h1".into(),
                account: a,
                csrf: "csrf-1".into(),
                created_at: t(),
                expires_at: expires,
            },
        )
        .unwrap();
        let (acc, csrf) = store.session("h1", t()).unwrap().unwrap();
        assert_eq!((acc.id, csrf.as_str()), (a, "csrf-1"));
        assert!(
            store
                .session("h1", expires - 1.seconds())
                .unwrap()
                .is_some()
        );
        assert!(store.session("h1", expires).unwrap().is_none(), "expired");
        assert!(store.session("h2", t()).unwrap().is_none());
        // The same token hash twice is a conflict of that action alone.
        let again = write(
            &store,
            Record::Session {
                token_hash: "h1".into(),
                account: a,
                csrf: "other".into(),
                created_at: t(),
                expires_at: expires,
            },
        );
        assert_eq!(rule(again), "session.exists");
        assert_eq!(store.session("h1", t()).unwrap().unwrap().1, "csrf-1");
        assert_eq!(store.stats().failed_batches, 0);
        assert_eq!(
            write(
                &store,
                Record::EndSession {
                    token_hash: "h1".into()
                }
            )
            .unwrap(),
            Written::Count(1)
        );
        assert!(store.session("h1", t()).unwrap().is_none());
    });
}

#[test]
fn tokens_are_revoked_by_their_owner_only_once() {
    each_db("rec-token", |db| {
        let store = open(db);
        let a = id(write(&store, Record::Account(account("owner", None))).unwrap());
        let b = id(write(&store, Record::Account(account("stranger", None))).unwrap());
        let tok = id(write(
            &store,
            Record::Token {
                token_hash: "th".into(),
                account: a,
                name: "ci".into(),
                scopes: vec!["read".into(), "act".into()],
                created_at: t(),
            },
        )
        .unwrap());
        let (acc, row) = store.token("th").unwrap().unwrap();
        assert_eq!((acc.id, row.id), (a, tok));
        assert_eq!(row.scopes, vec!["read", "act"]);
        let revoke = |account: i64| {
            write(
                &store,
                Record::RevokeToken {
                    account,
                    id: tok,
                    at: t() + 1.minutes(),
                },
            )
            .unwrap()
        };
        assert_eq!(revoke(b), Written::Count(0), "not the stranger's token");
        assert!(store.token("th").unwrap().is_some());
        assert_eq!(revoke(a), Written::Count(1));
        assert_eq!(revoke(a), Written::Count(0), "revoked once");
        assert!(store.token("th").unwrap().is_none());
        let listed = store.tokens(a).unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].revoked_at, Some(t() + 1.minutes()));
        assert!(store.tokens(b).unwrap().is_empty());
        // A second token with the same hash is refused, alone.
        let dup = write(
            &store,
            Record::Token {
                token_hash: "th".into(),
                account: b,
                name: "dup".into(),
                scopes: vec![],
                created_at: t(),
            },
        );
        assert_eq!(rule(dup), "token.exists");
        // A session of no account is refused too.
        let orphan = write(
            &store,
            Record::Session {
                token_hash: "h-orphan".into(),
                account: 999,
                csrf: "c".into(),
                created_at: t(),
                expires_at: t() + 1.hours(),
            },
        );
        assert_eq!(rule(orphan), "account.unknown");
        assert_eq!(store.stats().failed_batches, 0);
    });
}

fn blob(sha: &str, at: Timestamp) -> Record {
    Record::File {
        sha256: sha.into(),
        content_type: "application/pdf".into(),
        data: sha.as_bytes().to_vec(),
        created_at: at,
    }
}

fn sha(c: char) -> String {
    std::iter::repeat_n(c, 64).collect()
}

#[test]
fn drafts_replace_and_expire_but_linked_files_stay() {
    each_db("rec-drafts", |db| {
        let store = open(db);
        let old = t();
        let new = t() + 2.hours();
        let (a, b, c, d) = (sha('a'), sha('b'), sha('c'), sha('d'));
        store
            .act(
                Action::new(old)
                    .records([blob(&a, old), blob(&b, old), blob(&c, old)])
                    .record(Record::Drafts {
                        account: 1,
                        key: "form".into(),
                        files: vec![
                            ("doc".into(), "a.pdf".into(), a.clone()),
                            ("doc".into(), "b.pdf".into(), b.clone()),
                        ],
                        created_at: old,
                    }),
            )
            .unwrap();
        assert_eq!(store.drafts(1, "form").unwrap().len(), 2);
        // The same form again replaces its files.
        store
            .act(Action::new(old).record(Record::Drafts {
                account: 1,
                key: "form".into(),
                files: vec![("doc".into(), "c.pdf".into(), c.clone())],
                created_at: old,
            }))
            .unwrap();
        let kept = store.drafts(1, "form").unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].0.filename, "c.pdf");
        assert_eq!(kept[0].0.n, 1);
        assert_eq!(kept[0].1, c.as_bytes());
        // File `a` is also linked to an application; `d` is a newer draft of another account.
        store
            .execute(submit("app-1", ChannelId::Office, "k1"), old)
            .unwrap();
        store
            .act(
                Action::new(new)
                    .record(Record::LinkFile {
                        application: "app-1".into(),
                        field: "doc".into(),
                        filename: "a.pdf".into(),
                        sha256: a.clone(),
                    })
                    .record(blob(&d, new))
                    .record(Record::Drafts {
                        account: 2,
                        key: "form".into(),
                        files: vec![("doc".into(), "d.pdf".into(), d.clone())],
                        created_at: new,
                    }),
            )
            .unwrap();
        assert_eq!(store.file_count().unwrap(), 4);
        let dropped = write(
            &store,
            Record::ExpireDrafts {
                before: t() + 1.hours(),
            },
        )
        .unwrap();
        assert_eq!(dropped, Written::Count(1), "account 1's old draft");
        assert!(store.drafts(1, "form").unwrap().is_empty());
        assert_eq!(store.drafts(2, "form").unwrap().len(), 1);
        // `b` and `c` were only drafts: gone. `a` is linked, `d` a live draft: kept.
        assert_eq!(store.file_count().unwrap(), 2);
        assert_eq!(store.file("app-1", 1).unwrap().unwrap().1, a.as_bytes());
        // DropDrafts.
        assert_eq!(
            write(
                &store,
                Record::DropDrafts {
                    account: 2,
                    key: "form".into()
                }
            )
            .unwrap(),
            Written::Count(1)
        );
        write(&store, Record::ExpireDrafts { before: t() }).unwrap();
        assert_eq!(
            store.file_count().unwrap(),
            1,
            "only the linked file is left"
        );
        assert_eq!(store.files("app-1").unwrap().len(), 1);
    });
}

#[test]
fn linking_a_file_never_stored_is_a_conflict() {
    each_db("rec-link", |db| {
        let store = open(db);
        store
            .execute(submit("app-1", ChannelId::Office, "k1"), t())
            .unwrap();
        let r = write(
            &store,
            Record::LinkFile {
                application: "app-1".into(),
                field: "doc".into(),
                filename: "x.pdf".into(),
                sha256: sha('e'),
            },
        );
        assert_eq!(rule(r), "file.unknown");
        assert!(store.files("app-1").unwrap().is_empty());
        let r = write(
            &store,
            Record::Drafts {
                account: 1,
                key: "f".into(),
                files: vec![("doc".into(), "x.pdf".into(), sha('e'))],
                created_at: t(),
            },
        );
        assert_eq!(rule(r), "file.unknown");
        assert_eq!(store.stats().failed_batches, 0);
    });
}

#[test]
fn one_active_booking_per_application_and_per_slot() {
    each_db("rec-equeue", |db| {
        let store = open(db);
        let s1: Timestamp = "2019-12-10T05:00:00Z".parse().unwrap();
        let s2 = s1 + 20.minutes();
        assert_eq!(
            write(
                &store,
                Record::Slots {
                    centre: "c-1".into(),
                    starts: vec![s1, s2],
                }
            )
            .unwrap(),
            Written::Count(2)
        );
        // Again: nothing new.
        assert_eq!(
            write(
                &store,
                Record::Slots {
                    centre: "c-1".into(),
                    starts: vec![s1],
                }
            )
            .unwrap(),
            Written::Count(0)
        );
        let slots = store.slots(Some("c-1"), s1, s2 + 1.minutes()).unwrap();
        assert_eq!(slots.len(), 2);
        assert!(store.slots(Some("c-2"), s1, s2).unwrap().is_empty());
        let (x, y) = (slots[0].id, slots[1].id);
        let book = |slot: i64, app: &str| {
            write(
                &store,
                Record::Book {
                    slot,
                    application: app.into(),
                    account: 1,
                    at: t(),
                },
            )
        };
        let b = id(book(x, "A").unwrap());
        assert_eq!(rule(book(y, "A")), "equeue.already_booked");
        assert_eq!(rule(book(x, "B")), "equeue.slot_taken");
        assert_eq!(rule(book(999, "B")), "equeue.slot_unknown");
        let got = store.booking("A").unwrap().unwrap();
        assert_eq!((got.id, got.slot, got.start), (b, x, s1));
        assert_eq!(store.slots(None, s1, s2).unwrap()[0].taken, 1);
        assert_eq!(
            store
                .bookings(Some("c-1"), s1, s2 + 1.minutes())
                .unwrap()
                .len(),
            1
        );
        // Cancelling frees the slot for another application, and lets A choose again.
        assert_eq!(
            write(
                &store,
                Record::CancelBooking {
                    application: "A".into(),
                    at: t()
                }
            )
            .unwrap(),
            Written::Count(1)
        );
        assert!(store.booking("A").unwrap().is_none());
        assert_eq!(store.slots(None, s1, s2).unwrap()[0].taken, 0);
        id(book(x, "B").unwrap());
        id(book(y, "A").unwrap());
        assert_eq!(store.bookings(None, s1, s2 + 1.minutes()).unwrap().len(), 2);
        assert_eq!(
            write(
                &store,
                Record::CancelBooking {
                    application: "nobody".into(),
                    at: t()
                }
            )
            .unwrap(),
            Written::Count(0)
        );
    });
}

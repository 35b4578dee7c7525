//! The application layer: what people do — submit, take in, act on a step, sign, issue,
//! book, return unclaimed results — and what they see (summaries, timelines, lists,
//! monitoring), each user action built as one `store::Action`. It knows nothing of HTTP:
//! no requests, responses, cookies or pages; its errors are [`crate::Problem`]s (a rule, a
//! field, a category) that the HTTP shell turns into responses.
//!
//! Depends on: the engine, the store, identity, documents, the messages ([`crate::i18n`]).
//! Never on [`crate::http`] or [`crate::demo`].

pub mod access;
pub mod accounts;
pub mod catalogue;
pub mod clock;
pub mod docs;
pub mod encoding;
pub mod equeue;
pub mod metrics;
pub mod monitoring;
pub mod notify;
pub mod ops;
pub mod preschool;
pub mod signing;
pub mod statuses;
pub mod uploads;

//! JSON decoding: the API's strict body parser (`server::api::parse_json`: one document,
//! nothing after it, each failure a problem naming field and rule) on every request body
//! type, and the engine's `Command` / `Event` (journal entries) through serde_json. Never
//! panics; what is accepted serialises and parses back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use server::api::{self, BookingRequest, ClockJump, LoginRequest, NewToken, ReturnRequest};
use server::auth::{PasswordChange, Registration};
use server::ops::{ActionRequest, Intake, PortalSubmission};

/// The API parser: an accepted body serialises and is accepted again; a refused one is a
/// 4xx problem with a rule.
fn body<T: DeserializeOwned + Serialize>(data: &[u8]) {
    match api::parse_json::<T>(data) {
        Ok(v) => {
            let again = serde_json::to_vec(&v).unwrap();
            if let Err(p) = api::parse_json::<T>(&again) {
                panic!(
                    "{} accepted, its serialisation {:?} refused: {p:?}",
                    std::any::type_name::<T>(),
                    String::from_utf8_lossy(&again)
                );
            }
        }
        Err(p) => {
            assert!((400..500).contains(&p.status), "{p:?}");
            assert!(!p.rule.is_empty());
        }
    }
}

/// A journal type: what parses round-trips to an equal value.
fn journal<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(v) = serde_json::from_slice::<T>(data) {
        let again = serde_json::to_vec(&v).unwrap();
        let back: T = serde_json::from_slice(&again).unwrap_or_else(|e| {
            panic!(
                "{v:?} serialised as {:?} does not parse: {e}",
                String::from_utf8_lossy(&again)
            )
        });
        assert_eq!(back, v);
    }
}

fuzz_target!(|data: &[u8]| {
    body::<serde_json::Value>(data);
    body::<PortalSubmission>(data);
    body::<Intake>(data);
    body::<ActionRequest>(data);
    body::<Registration>(data);
    body::<PasswordChange>(data);
    body::<LoginRequest>(data);
    body::<NewToken>(data);
    body::<BookingRequest>(data);
    body::<ReturnRequest>(data);
    body::<ClockJump>(data);
    body::<engine::Command>(data);
    journal::<engine::Command>(data);
    journal::<engine::Event>(data);
});

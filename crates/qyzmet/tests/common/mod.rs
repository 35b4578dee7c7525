//! Helpers shared by the integration tests of the `qyzmet` binary; each test file takes what it
//! needs with `mod common;`.

pub mod seeds;
pub mod serve;
pub mod tools;

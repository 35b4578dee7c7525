//! Where the tests find the checkout and the tools that scripts/setup.sh installs.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The checkout's root (the catalogue, the scripts).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The `oha` load generator: on PATH or where `cargo install` puts it.
pub fn oha() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".cargo/bin"));
    }
    dirs.into_iter()
        .map(|d| d.join("oha"))
        .find(|p| p.is_file())
}

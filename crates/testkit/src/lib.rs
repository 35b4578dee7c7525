//! What the workspace's tests share: one rule for a missing outside tool (fail under CI, else
//! say why the test is skipped), the repository's data paths, temporary directories, and (with
//! features) the engine context over the seed catalogue and a store in a temporary directory.
//!
//! Not for production code: every crate takes this only as a dev-dependency.

use std::fmt::Display;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub use tempfile::TempDir;

/// Whether the tests run under CI (`CI` set and not empty, `false` or `0`), where a missing
/// prerequisite is a failure rather than a skip.
pub fn on_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

/// A prerequisite is missing: panics under CI; otherwise says on stderr why the test is skipped.
/// The message goes to the process's stderr itself, past the test harness's capture (which
/// swallows `eprintln!` of passing tests), so a skip is always seen.
pub fn skip(why: impl Display) {
    if on_ci() {
        panic!("{why} (required under CI; `bash scripts/setup.sh` installs it)");
    }
    let _ = writeln!(std::io::stderr(), "SKIPPED: {why}");
}

/// `ok`, or else [`skip`] with `what` and false: `if !require(found, "…") { return; }`.
pub fn require(ok: bool, what: impl Display) -> bool {
    if !ok {
        skip(format_args!("{what} is missing"));
    }
    ok
}

/// Whether the outside tool `name` runs (`name args…` exits successfully, e.g. with a version
/// flag); when it does not, see [`skip`].
pub fn require_tool(name: &str, args: &[&str]) -> bool {
    let run = Command::new(name).args(args).stdin(Stdio::null()).output();
    match run {
        Ok(o) if o.status.success() => true,
        Ok(o) => {
            skip(format_args!(
                "`{name} {}` failed ({}): {}",
                args.join(" "),
                o.status,
                String::from_utf8_lossy(&o.stderr).trim()
            ));
            false
        }
        Err(e) => {
            skip(format_args!("the `{name}` tool is not available ({e})"));
            false
        }
    }
}

/// The repository's root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The regulation files, `regulations/`.
pub fn regulations_dir() -> PathBuf {
    repo_root().join("regulations")
}

/// The original texts every `source = "Lnnn"` points into, `../shared/seeds`.
pub fn seeds_dir() -> PathBuf {
    repo_root().join("../shared/seeds")
}

/// A fresh directory under the system's temporary directory, named after `tag` and removed
/// when dropped.
pub fn tempdir(tag: &str) -> TempDir {
    tempfile::Builder::new()
        .prefix(&format!("qyzmet-{tag}-"))
        .tempdir()
        .expect("create a temporary directory")
}

#[cfg(feature = "engine")]
mod fixtures;
#[cfg(feature = "pg")]
pub mod pg;
#[cfg(feature = "engine")]
pub use fixtures::*;

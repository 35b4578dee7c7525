//! Regulations as data: the model of a state-service regulation (регламент), its TOML form,
//! the linter and the JSON export (the diagrams are the `diagram` crate).
//!
//! A regulation file says what the text says, with the seed line for every fact; this crate
//! never fills a gap the text leaves. Not for: running applications (that is `engine`) or
//! counting legal time (that is `calendar`).

pub mod export;
pub mod form;
mod lang;
pub mod lint;
pub mod model;
pub mod passport;

pub use form::*;
pub use lang::Lang;
pub use lint::{Diagnostic, Seeds, Severity};
pub use model::*;
pub use passport::{Appeal, AppealTo, Cost, Passport, Recipients, WaitFor, Waiting};

use std::path::{Path, PathBuf};

/// Where the paths of [`Catalogue::embedded`] start.
pub const EMBEDDED_PREFIX: &str = "<built-in>";

/// `(file name, text)` of every `regulations/*.toml` at build time (see `build.rs`).
pub const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/regulations.rs"));

/// One regulation file, parsed, with what the linter found in it.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    pub regulation: Regulation,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
    }
    pub fn warnings(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
    }
}

/// Parse and lint one file. A file that does not parse gives one error diagnostic with its
/// line and the rule broken; it never panics.
pub fn load_file(path: &Path, seeds: &Seeds) -> Result<Loaded, Diagnostic> {
    let text = std::fs::read_to_string(path).map_err(|e| Diagnostic {
        severity: Severity::Error,
        file: path.to_path_buf(),
        line: 0,
        column: 0,
        rule: "read",
        message: format!("cannot read the file: {e}"),
    })?;
    load_str(path, &text, seeds)
}

/// Parse and lint TOML text that claims to come from `path`.
pub fn load_str(path: &Path, text: &str, seeds: &Seeds) -> Result<Loaded, Diagnostic> {
    let regulation: Regulation = toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|s| lint::line_col(text, s.start))
            .unwrap_or((1, 1));
        Diagnostic {
            severity: Severity::Error,
            file: path.to_path_buf(),
            line,
            column,
            rule: "schema",
            message: e.message().trim().to_string(),
        }
    })?;
    let mut sink = lint::Sink {
        file: path,
        text,
        out: Vec::new(),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    lint::lint(&regulation, &name, seeds, &mut sink);
    Ok(Loaded {
        path: path.to_path_buf(),
        regulation,
        diagnostics: sink.out,
    })
}

/// The catalogue: every regulation file under a folder, in file-name order.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    pub regulations: Vec<Loaded>,
    /// Files that did not parse, and catalogue-level findings.
    pub failures: Vec<Diagnostic>,
}

impl Catalogue {
    /// Load `path` (a folder, searched recursively for `*.toml`, or one file).
    pub fn load(path: &Path, seeds: &Seeds) -> Catalogue {
        let mut files = Vec::new();
        collect_toml(path, &mut files);
        files.sort();
        Catalogue::collect(path, files.iter().map(|f| load_file(f, seeds)))
    }

    /// The folder or file `path` if given, else the built-in catalogue.
    pub fn load_or_embedded(path: Option<&Path>, seeds: &Seeds) -> Catalogue {
        match path {
            Some(p) => Catalogue::load(p, seeds),
            None => Catalogue::embedded(seeds),
        }
    }

    /// The seed catalogue built into this crate (the workspace's `regulations/` when it was
    /// compiled), so the binary needs no files around it. Its paths read `<built-in>/<file>`.
    pub fn embedded(seeds: &Seeds) -> Catalogue {
        let base = Path::new(EMBEDDED_PREFIX);
        Catalogue::collect(
            base,
            EMBEDDED
                .iter()
                .map(|(name, text)| load_str(&base.join(name), text, seeds)),
        )
    }

    fn collect(path: &Path, loaded: impl Iterator<Item = Result<Loaded, Diagnostic>>) -> Catalogue {
        let mut cat = Catalogue::default();
        for l in loaded {
            match l {
                Ok(l) => cat.regulations.push(l),
                Err(d) => cat.failures.push(d),
            }
        }
        if cat.regulations.is_empty() && cat.failures.is_empty() {
            cat.failures.push(Diagnostic {
                severity: Severity::Error,
                file: path.to_path_buf(),
                line: 0,
                column: 0,
                rule: "read",
                message: "no regulation files (*.toml) found here".into(),
            });
        }
        cat.check_unique();
        cat
    }

    fn check_unique(&mut self) {
        let mut seen = std::collections::BTreeMap::new();
        for l in &self.regulations {
            let key = (l.regulation.id.clone(), l.regulation.version);
            if let Some(prev) = seen.insert(key.clone(), l.path.clone()) {
                self.failures.push(Diagnostic {
                    severity: Severity::Error,
                    file: l.path.clone(),
                    line: 1,
                    column: 1,
                    rule: "version-unique",
                    message: format!("{} v{} is also defined in {}", key.0, key.1, prev.display()),
                });
            }
        }
    }

    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.failures
            .iter()
            .chain(self.regulations.iter().flat_map(|l| l.diagnostics.iter()))
    }

    pub fn error_count(&self) -> usize {
        self.diagnostics()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn get(&self, id: &str) -> Option<&Loaded> {
        // The newest version of an id.
        self.regulations
            .iter()
            .filter(|l| l.regulation.id == id)
            .max_by_key(|l| l.regulation.version)
    }
}

fn collect_toml(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_file() {
        out.push(path.to_path_buf());
        return;
    }
    let Ok(rd) = std::fs::read_dir(path) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_toml(&p, out);
        } else if p.extension().is_some_and(|x| x == "toml") {
            out.push(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_catalogue_is_the_workspace_one_and_clean() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../regulations");
        let no_seeds = Seeds::at(None);
        let built_in = Catalogue::embedded(&no_seeds);
        let on_disk = Catalogue::load(&dir, &no_seeds);
        assert_eq!(built_in.error_count(), 0, "{:?}", built_in.failures);
        let ids = |c: &Catalogue| {
            c.regulations
                .iter()
                .map(|l| (l.regulation.id.clone(), l.regulation.version))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&built_in), ids(&on_disk));
        assert!(built_in.regulations[0].path.starts_with(EMBEDDED_PREFIX));
    }
}

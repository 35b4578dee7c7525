//! Regulations as data: the model of a state-service regulation (регламент), its TOML form,
//! the linter and the JSON export (the diagrams are the `diagram` crate).
//!
//! A regulation file says what the text says, with the seed line for every fact; this crate
//! never fills a gap the text leaves. Not for: running applications (that is `engine`) or
//! counting legal time (that is `calendar`).

pub mod export;
mod lang;
pub mod lint;
pub mod model;

pub use lang::Lang;
pub use lint::{Diagnostic, Seeds, Severity};
pub use model::*;

use std::path::{Path, PathBuf};

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
        let mut cat = Catalogue::default();
        if files.is_empty() {
            cat.failures.push(Diagnostic {
                severity: Severity::Error,
                file: path.to_path_buf(),
                line: 0,
                column: 0,
                rule: "read",
                message: "no regulation files (*.toml) found here".into(),
            });
        }
        for f in files {
            match load_file(&f, seeds) {
                Ok(l) => cat.regulations.push(l),
                Err(d) => cat.failures.push(d),
            }
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

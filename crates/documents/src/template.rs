//! Templates: the wording of each document kind in each language, as data.
//!
//! For: loading `templates/common.<lang>.toml` and `templates/<kind>.<lang>.toml` — built into
//! the crate, or at run time from `$QYZMET_TEMPLATES` (so wording is edited without
//! recompiling) —, merging them (the kind's file overrides the
//! common one; `[labels]` are merged key by key) and filling `{placeholder}`s.
//!
//! Not for: layout (`render`) or choosing the kind (`DocKind::for_result`).
//!
//! # File format
//! ```toml
//! title = "Құжаттарды қабылдау туралы қолхат"   # the big heading
//! subtitle = ["№ {number}", "{title}"]          # centred lines under it
//! header = ["{provider}", "{service}"]          # top of the page: issuer, service
//! intro = ["Өтініш беруші {applicant_name} ..."] # paragraphs before the table
//! rows = ["number", "issued_at", "applicant_name", "applicant_iin"]  # table rows first;
//!                                               # the data's fields follow in their order
//! documents_heading = "Қабылданған құжаттар ({documents_count})"
//! grounds_heading = "Бас тарту негіздері"
//! appeal_heading = "Шағымдану тәртібі"           # the appeal route's list (refusals)
//! footer = ["..."]                              # paragraphs after the lists
//! signer_label = "Құжаттарды қабылдаған қызметкер"
//! signature_hint = "(қолы)"
//! verify_text = "Құжаттың түпнұсқалығын тексеру: {verification_url}"
//! barcode_caption = "Қолхат нөмірі: {number}"
//! page_footer = "Тексеру коды: {verification_code} · {page}/{pages} бет"
//! [labels]                                      # label of each row key / field key
//! number = "Қолхат нөмірі"
//! ```
//! Placeholders: `applicant_name`, `applicant_iin`, `application_id`, `regulation_id`,
//! `provider`, `service`, `title`, `number`, `issued_at` (dd.mm.yyyy HH:MM), `issued_date`,
//! `issued_time`, `signer_name`, `documents_count`, `grounds_count`, `verification_code`,
//! `verification_url`, every field key of the data, and in `page_footer` also `page` and
//! `pages`. `{{` and `}}` print braces. An unknown placeholder is an error naming the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::Error;
use crate::data::{DocKind, LANGS, Lang, printed};

/// Environment variable naming the templates directory.
pub const TEMPLATES_ENV: &str = "QYZMET_TEMPLATES";

/// One template file as written; every key optional so a kind's file can override only part
/// of `common.<lang>.toml`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    title: Option<String>,
    subtitle: Option<Vec<String>>,
    header: Option<Vec<String>>,
    intro: Option<Vec<String>>,
    rows: Option<Vec<String>>,
    documents_heading: Option<String>,
    grounds_heading: Option<String>,
    appeal_heading: Option<String>,
    footer: Option<Vec<String>>,
    signer_label: Option<String>,
    signature_hint: Option<String>,
    verify_text: Option<String>,
    barcode_caption: Option<String>,
    page_footer: Option<String>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

/// A merged template, ready to fill.
#[derive(Debug, Clone)]
pub struct Template {
    /// The file it came from (for error messages).
    pub path: PathBuf,
    /// Main heading.
    pub title: String,
    /// Lines centred under the title.
    pub subtitle: Vec<String>,
    /// Lines at the top of the page (issuer, service).
    pub header: Vec<String>,
    /// Paragraphs before the table.
    pub intro: Vec<String>,
    /// Keys of the table's first rows; the data's other fields follow.
    pub rows: Vec<String>,
    /// Heading of the documents list (empty: the list is not printed).
    pub documents_heading: String,
    /// Heading of the grounds list (empty: the list is not printed).
    pub grounds_heading: String,
    /// Heading of the appeal route's list (empty: the list is not printed).
    pub appeal_heading: String,
    /// Paragraphs after the lists.
    pub footer: Vec<String>,
    /// Label before the signer's name.
    pub signer_label: String,
    /// Small text under the signature line.
    pub signature_hint: String,
    /// Text beside the QR code.
    pub verify_text: String,
    /// Caption under the barcode.
    pub barcode_caption: String,
    /// Small line at the bottom of every page.
    pub page_footer: String,
    /// Row and field labels.
    pub labels: BTreeMap<String, String>,
}

impl Template {
    /// The label for a row or field key (the key itself when the template has none).
    pub fn label<'a>(&'a self, key: &'a str) -> &'a str {
        self.labels.get(key).map(String::as_str).unwrap_or(key)
    }

    /// Fills `{placeholders}` in `text` from `lookup`.
    pub fn fill(
        &self,
        text: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<String, Error> {
        fill(text, lookup).map_err(|msg| Error::Template {
            path: self.path.clone(),
            msg,
        })
    }
}

/// Replaces `{name}` with `lookup(name)`; `{{`/`}}` are literal braces.
fn fill(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(text.len() + 32);
    let mut rest = text;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if tail.starts_with('}') {
            return Err(format!("unmatched '}}' in {text:?}"));
        } else {
            let end = tail
                .find('}')
                .ok_or_else(|| format!("unclosed '{{' in {text:?}"))?;
            let name = tail[1..end].trim();
            let value = lookup(name)
                .ok_or_else(|| format!("unknown placeholder {{{name}}} in {text:?}"))?;
            out.push_str(&value);
            rest = &tail[end + 1..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Every template of every kind and language, loaded from one directory.
#[derive(Debug, Clone)]
pub struct TemplateSet {
    dir: PathBuf,
    templates: BTreeMap<(DocKind, Lang), Template>,
}

impl TemplateSet {
    /// Loads `common.<lang>.toml` and `<kind>.<lang>.toml` for every kind and language; a
    /// missing or malformed file, or a placeholder syntax error, fails the load.
    pub fn load(dir: &Path) -> Result<Self, Error> {
        Self::load_with(dir, |path| {
            std::fs::read_to_string(path).map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })
        })
    }

    /// The templates built into this crate (the workspace's `templates/` when it was
    /// compiled), so documents render from any directory. Paths read `<built-in>/<file>`.
    pub fn embedded() -> Result<Self, Error> {
        Self::load_with(Path::new(EMBEDDED_DIR), |path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            EMBEDDED
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, text)| text.to_string())
                .ok_or_else(|| Error::Io {
                    path: path.to_path_buf(),
                    source: std::io::ErrorKind::NotFound.into(),
                })
        })
    }

    fn load_with(dir: &Path, read: impl Fn(&Path) -> Result<String, Error>) -> Result<Self, Error> {
        let mut templates = BTreeMap::new();
        for lang in LANGS {
            let common_path = dir.join(format!("common.{}.toml", lang.code()));
            let common = parse_file(&common_path, &read(&common_path)?)?;
            for kind in DocKind::ALL {
                let path = dir.join(format!("{}.{}.toml", kind.code(), lang.code()));
                let own = parse_file(&path, &read(&path)?)?;
                let t = merge(&path, &common, own)?;
                check_syntax(&t)?;
                templates.insert((kind, lang), t);
            }
        }
        Ok(TemplateSet {
            dir: dir.to_path_buf(),
            templates,
        })
    }

    /// The directory the templates came from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The template of `kind` in `lang` (English reads Russian).
    pub fn get(&self, kind: DocKind, lang: Lang) -> &Template {
        // Every (kind, printed language) pair is loaded by `load`, or it failed.
        &self.templates[&(kind, printed(lang))]
    }
}

/// Where the paths of [`TemplateSet::embedded`] start.
pub const EMBEDDED_DIR: &str = "<built-in>";

/// `(file name, text)` of every `templates/*.toml` at build time (see `build.rs`).
const EMBEDDED: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/templates.rs"));

fn parse_file(path: &Path, text: &str) -> Result<TemplateFile, Error> {
    toml::from_str(text).map_err(|e| Error::Template {
        path: path.to_path_buf(),
        msg: e.to_string(),
    })
}

fn merge(path: &Path, common: &TemplateFile, own: TemplateFile) -> Result<Template, Error> {
    let s = |o: Option<String>, c: &Option<String>| o.or_else(|| c.clone()).unwrap_or_default();
    let v = |o: Option<Vec<String>>, c: &Option<Vec<String>>| {
        o.or_else(|| c.clone()).unwrap_or_default()
    };
    let mut labels = common.labels.clone();
    labels.extend(own.labels);
    let title = own
        .title
        .or_else(|| common.title.clone())
        .ok_or_else(|| Error::Template {
            path: path.to_path_buf(),
            msg: "no title".into(),
        })?;
    Ok(Template {
        path: path.to_path_buf(),
        title,
        subtitle: v(own.subtitle, &common.subtitle),
        header: v(own.header, &common.header),
        intro: v(own.intro, &common.intro),
        rows: v(own.rows, &common.rows),
        documents_heading: s(own.documents_heading, &common.documents_heading),
        grounds_heading: s(own.grounds_heading, &common.grounds_heading),
        appeal_heading: s(own.appeal_heading, &common.appeal_heading),
        footer: v(own.footer, &common.footer),
        signer_label: s(own.signer_label, &common.signer_label),
        signature_hint: s(own.signature_hint, &common.signature_hint),
        verify_text: s(own.verify_text, &common.verify_text),
        barcode_caption: s(own.barcode_caption, &common.barcode_caption),
        page_footer: s(own.page_footer, &common.page_footer),
        labels,
    })
}

/// Checks brace syntax of every text (placeholder names are checked when filled, since field
/// keys come with the data).
fn check_syntax(t: &Template) -> Result<(), Error> {
    let any = |_: &str| Some(String::new());
    let texts = [
        &t.title,
        &t.documents_heading,
        &t.grounds_heading,
        &t.appeal_heading,
    ]
    .into_iter()
    .chain([&t.signer_label, &t.signature_hint, &t.verify_text])
    .chain([&t.barcode_caption, &t.page_footer])
    .chain(&t.subtitle)
    .chain(&t.header)
    .chain(&t.intro)
    .chain(&t.footer)
    .chain(t.labels.values());
    for text in texts {
        t.fill(text, &any)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_and_escapes() {
        let look = |k: &str| (k == "a").then(|| "ә".to_string());
        assert_eq!(fill("x {a} {{y}} { a }", &look).unwrap(), "x ә {y} ә");
        assert!(
            fill("{b}", &look)
                .unwrap_err()
                .contains("unknown placeholder {b}")
        );
        assert!(fill("{a", &look).is_err());
        assert!(fill("a}", &look).is_err());
    }

    #[test]
    fn kind_file_overrides_common_and_merges_labels() {
        let common: TemplateFile =
            toml::from_str("title = \"C\"\nfooter = [\"f\"]\n[labels]\na = \"A\"\nb = \"B\"\n")
                .unwrap();
        let own: TemplateFile = toml::from_str("title = \"K\"\n[labels]\nb = \"B2\"\n").unwrap();
        let t = merge(Path::new("k.kk.toml"), &common, own).unwrap();
        assert_eq!(t.title, "K");
        assert_eq!(t.footer, vec!["f"]);
        assert_eq!(t.label("a"), "A");
        assert_eq!(t.label("b"), "B2");
        assert_eq!(t.label("zzz"), "zzz");
    }

    #[test]
    fn built_in_templates_are_the_workspace_ones_and_load() {
        let set = TemplateSet::embedded().unwrap();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
        let files = std::fs::read_dir(&dir).unwrap().count();
        assert_eq!(
            EMBEDDED.len(),
            files,
            "every file of {} is built in",
            dir.display()
        );
        let from_disk = TemplateSet::load(&dir).unwrap();
        for lang in Lang::ALL {
            for kind in DocKind::ALL {
                assert_eq!(set.get(kind, lang).title, from_disk.get(kind, lang).title);
            }
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<TemplateFile>("titel = \"x\"").is_err());
    }
}

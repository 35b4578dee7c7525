//! Printed documents of state services: receipts, results and refusals as PDF, in Kazakh and
//! Russian, each with a QR code that leads to its verification page.
//!
//! For: turning a [`DocumentData`] (filled by the caller from the application, the regulation
//! and the official's decision) into a PDF: the acceptance receipt (with its number as a
//! Code 128 barcode), the receipt on refusal to accept (with grounds), every result kind of
//! the regulations (notification, queue notification, referral, certificate, permission,
//! letter, duplicate, decision, resolution, contract), the motivated refusal, portal notices
//! and the receipt for a handed-over result. See [`DocKind`].
//!
//! Not for: deciding what to issue (the engine), storing documents or their hashes (the store),
//! or signing them (ЭЦП lives in `identity`).
//!
//! # Run-time inputs
//! - **Templates** (wording, labels, which rows to show): `templates/<kind>.<lang>.toml` plus
//!   `templates/common.<lang>.toml`, from `$QYZMET_TEMPLATES`, else the copy built into the
//!   crate from the workspace's `templates/` ([`template`] documents the format).
//! - **Fonts**: TrueType files, by default Debian `fonts-dejavu-core`
//!   ([`DEFAULT_FONT_REGULAR`], [`DEFAULT_FONT_BOLD`]); override with `$QYZMET_FONT_REGULAR`
//!   and `$QYZMET_FONT_BOLD`. A font lacking any Kazakh letter is refused at load.
//!
//! # Guarantees
//! - Text is real text: every font is embedded (subset, glyph ids kept) as a Type 0 font with
//!   a ToUnicode CMap, so `pdftotext` and copy/paste give back Kazakh letters intact.
//! - Deterministic: the same data, templates and font files give the same bytes (no clock, the
//!   only date is `issued_at`; the PDF `/ID` comes from the data hash).
//! - The QR code encodes `{verify_base_url}/verify/{code}`, where the code is derived from the
//!   canonical data ([`verification_code`]); [`content_hash`] of the PDF bytes, stored beside
//!   it, lets [`verify`] reject any changed copy.
//!
//! ```no_run
//! use documents::{DocKind, DocumentData, Lang, Localized, Renderer};
//! let renderer = Renderer::from_env()?;
//! let data = DocumentData {
//!     kind: DocKind::AcceptanceReceipt,
//!     title: Localized::default(),
//!     regulation_id: "ekr-free-meals-tvet".into(),
//!     service: Localized::new("Тегін тамақтандыру", "Бесплатное питание"),
//!     provider: Localized::new("№ 1 колледж", "Колледж № 1"),
//!     application_id: "A-1".into(),
//!     applicant_name: "Әлібек Қасымұлы".into(),
//!     applicant_iin: "900101300123".into(),
//!     number: "0012345678".into(),
//!     barcode: true,
//!     fields: vec![],
//!     documents: vec![Localized::new("Өтініш", "Заявление")],
//!     grounds: vec![],
//!     appeal: vec![],
//!     issued_at: jiff::civil::date(2024, 3, 12).at(10, 30, 0, 0),
//!     signer_name: "Сәрсенова Г.".into(),
//!     verify_base_url: "https://qyzmet.example.kz".into(),
//! };
//! let out = renderer.render(&data, Lang::Kk)?;
//! assert!(documents::verify(&out.pdf, &out.content_hash));
//! # Ok::<(), documents::Error>(())
//! ```

mod code128;
mod data;
mod font;
mod pdf;
mod render;
pub mod template;
mod verify;

use std::path::{Path, PathBuf};

pub use data::{DocKind, DocumentData, Field, LANGS, Lang, Localized, printed};
pub use font::{DEFAULT_FONT_BOLD, DEFAULT_FONT_REGULAR, REQUIRED_CHARS};
pub use render::Rendered;
pub use template::{EMBEDDED_DIR, TEMPLATES_ENV, Template, TemplateSet};
pub use verify::{canonical_data, content_hash, data_hash, verification_code, verify};

/// Environment variable overriding the regular font file.
pub const FONT_REGULAR_ENV: &str = "QYZMET_FONT_REGULAR";
/// Environment variable overriding the bold font file.
pub const FONT_BOLD_ENV: &str = "QYZMET_FONT_BOLD";

/// Everything that can go wrong loading templates and fonts or rendering.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A font file is not usable (not TrueType, broken, or lacks Kazakh letters).
    #[error("font {path}: {msg}")]
    Font {
        /// The font file.
        path: PathBuf,
        /// What is wrong.
        msg: String,
    },
    /// The text to print has a character the font cannot draw.
    #[error("font {font} has no glyph for {ch:?} (U+{:04X})", *ch as u32)]
    MissingGlyph {
        /// The character.
        ch: char,
        /// The font file.
        font: PathBuf,
    },
    /// A template file is malformed or names an unknown placeholder.
    #[error("template {path}: {msg}")]
    Template {
        /// The template file.
        path: PathBuf,
        /// What is wrong.
        msg: String,
    },
    /// The verification URL does not fit a QR code.
    #[error("QR code: {0}")]
    Qr(String),
    /// The number cannot be drawn as a Code 128 barcode.
    #[error("barcode: {0}")]
    Barcode(String),
}

/// Where templates and fonts come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Directory of `templates/*.toml`; `None`: the templates built into the crate.
    pub templates_dir: Option<PathBuf>,
    /// Regular TrueType face.
    pub font_regular: PathBuf,
    /// Bold TrueType face.
    pub font_bold: PathBuf,
}

impl Config {
    /// From the environment: `$QYZMET_TEMPLATES` (else the built-in templates),
    /// `$QYZMET_FONT_REGULAR` and `$QYZMET_FONT_BOLD` (else DejaVu Sans).
    pub fn from_env() -> Result<Config, Error> {
        let font = |var: &str, default: &str| {
            std::env::var_os(var)
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(default))
        };
        Ok(Config {
            templates_dir: std::env::var_os(TEMPLATES_ENV).map(PathBuf::from),
            font_regular: font(FONT_REGULAR_ENV, DEFAULT_FONT_REGULAR),
            font_bold: font(FONT_BOLD_ENV, DEFAULT_FONT_BOLD),
        })
    }

    /// Templates from `dir`, default fonts.
    pub fn with_templates(dir: impl AsRef<Path>) -> Config {
        Config {
            templates_dir: Some(dir.as_ref().to_path_buf()),
            font_regular: PathBuf::from(DEFAULT_FONT_REGULAR),
            font_bold: PathBuf::from(DEFAULT_FONT_BOLD),
        }
    }
}

/// Loaded templates and fonts; renders documents. Immutable and `Sync`: share one per process
/// (build a new one to pick up edited templates).
pub struct Renderer {
    templates: TemplateSet,
    regular: font::Font,
    bold: font::Font,
}

impl Renderer {
    /// Loads every template and both fonts, failing early on any problem.
    pub fn new(config: &Config) -> Result<Renderer, Error> {
        Ok(Renderer {
            templates: match &config.templates_dir {
                Some(dir) => TemplateSet::load(dir)?,
                None => TemplateSet::embedded()?,
            },
            regular: font::Font::load(&config.font_regular)?,
            bold: font::Font::load(&config.font_bold)?,
        })
    }

    /// [`Renderer::new`] with [`Config::from_env`].
    pub fn from_env() -> Result<Renderer, Error> {
        Renderer::new(&Config::from_env()?)
    }

    /// The loaded templates.
    pub fn templates(&self) -> &TemplateSet {
        &self.templates
    }

    /// Renders `data` in `lang` as a PDF (English reads the Russian document).
    pub fn render(&self, data: &DocumentData, lang: Lang) -> Result<Rendered, Error> {
        let lang = printed(lang);
        let t = self.templates.get(data.kind, lang);
        render::render(t, &self.regular, &self.bold, data, lang)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn renderer_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<super::Renderer>();
    }
}

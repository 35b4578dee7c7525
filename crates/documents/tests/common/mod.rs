//! Shared helpers of the documents integration tests: the renderer over the repository's
//! templates, sample data for every kind, and the external tools (poppler-utils, zbar-tools).
//!
//! A missing tool or font fails the test when `CI` is set; otherwise the test prints why and
//! returns.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use testkit::TempDir;

use documents::{Config, DocKind, DocumentData, Field, Lang, Localized, Renderer};

/// Every Kazakh-specific letter, capital and small.
pub const KAZAKH_LETTERS: &str = "ӘҒҚҢӨҰҮҺІәғқңөұүһі";

pub use testkit::repo_root;

pub fn templates_dir() -> PathBuf {
    repo_root().join("templates")
}

/// Whether a prerequisite is there; if not: panic under CI, else explain and return false.
pub fn require(ok: bool, what: &str, package: &str) -> bool {
    testkit::require(ok, format_args!("{what} (Debian package {package})"))
}

/// Whether the tool runs (it prints its version); if not: panic under CI, else explain and
/// return false.
pub fn have_tool(name: &str, package: &str) -> bool {
    // poppler's tools take `-v` only; zbarimg's `-v` means verbose.
    let flag = if name == "zbarimg" { "--version" } else { "-v" };
    let runs = Command::new(name)
        .arg(flag)
        .output()
        .is_ok_and(|o| o.status.success());
    require(runs, name, package)
}

/// The renderer over the repository's templates and the default fonts, or `None` (skipped)
/// when the fonts are not installed.
pub fn renderer() -> Option<Renderer> {
    let cfg = Config::with_templates(templates_dir());
    if !require(
        cfg.font_regular.is_file() && cfg.font_bold.is_file(),
        "DejaVu Sans",
        "fonts-dejavu-core",
    ) {
        return None;
    }
    Some(Renderer::new(&cfg).expect("renderer loads templates and fonts"))
}

/// A scratch directory; removed when dropped, unless the test is failing (then it is kept
/// for inspection and its path is printed).
pub struct Scratch(Option<TempDir>);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.as_ref().expect("until dropped").path()
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        self
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::thread::panicking()
            && let Some(dir) = self.0.take()
        {
            eprintln!("kept for inspection: {}", dir.keep().display());
        }
    }
}

pub fn scratch(name: &str) -> Scratch {
    Scratch(Some(testkit::tempdir(&format!("documents-{name}"))))
}

/// Text of a PDF by `pdftotext`, whitespace collapsed to single spaces.
pub fn pdftotext(pdf: &[u8], dir: &Path, name: &str) -> String {
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(
        out.status.success(),
        "pdftotext failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    collapse(&String::from_utf8(out.stdout).expect("pdftotext gives UTF-8"))
}

pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Renders every page at 150 dpi and returns what zbarimg decodes (`QR-Code:...`,
/// `CODE-128:...` lines) over all pages.
pub fn decode_symbols(pdf: &[u8], dir: &Path, name: &str) -> Vec<String> {
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, pdf).unwrap();
    let prefix = dir.join(name);
    let st = Command::new("pdftoppm")
        .args(["-r", "150", "-png"])
        .arg(&path)
        .arg(&prefix)
        .status()
        .expect("pdftoppm runs");
    assert!(st.success(), "pdftoppm failed on {}", path.display());
    let mut pngs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "png")
                && p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(&format!("{name}-"))
        })
        .collect();
    pngs.sort();
    assert!(!pngs.is_empty(), "pdftoppm wrote no page");
    let mut found = Vec::new();
    for png in pngs {
        let out = Command::new("zbarimg")
            .arg("-q")
            .arg(&png)
            .output()
            .expect("zbarimg runs");
        // Exit 4 = no symbol found on this page.
        found.extend(
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .map(str::to_string),
        );
    }
    found
}

/// Sample data of `kind`, with every Kazakh letter in it.
pub fn sample(kind: DocKind) -> DocumentData {
    let mut d = DocumentData {
        kind,
        title: Localized::new(
            "мемлекеттік қызмет көрсету нәтижесі",
            "результат оказания государственной услуги",
        ),
        regulation_id: "ekr-free-meals-tvet v1".into(),
        service: Localized::new(
            "Техникалық және кәсіптік білім беру ұйымдарында білім алушыларға тегін тамақтануды ұсыну",
            "Предоставление бесплатного питания обучающимся в организациях технического и профессионального образования",
        ),
        provider: Localized::new(
            "Өскемен жоғары политехникалық колледжі",
            "Усть-Каменогорский высший политехнический колледж",
        ),
        application_id: "APP-2024-000123".into(),
        applicant_name: "Әсемгүл Ғалымжанқызы Құрманғалиева".into(),
        applicant_iin: "900101450123".into(),
        number: String::new(),
        barcode: false,
        fields: vec![
            Field::new("child_name", "Өмірзақ Ұлан Һашимұлы"),
            Field::new(
                "note",
                Localized::new(
                    format!("Әліпби: {KAZAKH_LETTERS}"),
                    format!("Алфавит: {KAZAKH_LETTERS} ёЁ"),
                ),
            ),
        ],
        documents: vec![],
        grounds: vec![],
        appeal: vec![],
        issued_at: jiff::civil::date(2024, 3, 12).at(10, 30, 0, 0),
        signer_name: "Сәрсенова Гүлнұр Іңкәрқызы".into(),
        verify_base_url: "https://qyzmet.example.kz".into(),
    };
    let docs = || {
        vec![
            Localized::new(
                "Өтініш (Стандарттың 2-қосымшасы)",
                "Заявление (приложение 2 к Стандарту)",
            ),
            Localized::new(
                "Жеке басын куәландыратын құжат",
                "Документ, удостоверяющий личность",
            ),
            Localized::new(
                "Баланың туу туралы куәлігі",
                "Свидетельство о рождении ребенка",
            ),
        ]
    };
    match kind {
        DocKind::AcceptanceReceipt => {
            d.number = "0012345678".into();
            d.barcode = true;
            d.documents = docs();
            d.fields.push(Field::new("result_date", "26.03.2024"));
        }
        DocKind::RefusalToAcceptReceipt => {
            d.number = "KZ-77001234".into();
            d.barcode = true;
            d.documents = docs();
            d.grounds = vec![Localized::new(
                "Стандарттың 9-тармағында көзделген құжаттардың толық топтамасы ұсынылмады",
                "Не представлен полный пакет документов, предусмотренный пунктом 9 Стандарта",
            )];
        }
        DocKind::ResultReceivedReceipt => {
            d.number = "0012345679".into();
            d.barcode = true;
            d.fields.push(Field::new(
                "result_name",
                Localized::new("Анықтама", "Справка"),
            ));
        }
        DocKind::QueueNotification => d.fields.push(Field::new("queue_number", "148")),
        DocKind::Referral => d.fields.push(Field::new(
            "organization",
            Localized::new("«Балауса» балабақшасы", "Детский сад «Балауса»"),
        )),
        DocKind::Permission | DocKind::Letter => {
            d.fields.push(Field::new("order_number", "112-Ө"));
            d.fields.push(Field::new("order_date", "11.03.2024"));
        }
        DocKind::Duplicate => {
            d.fields.push(Field::new(
                "document_name",
                Localized::new(
                    "Жалпы орта білім туралы аттестат",
                    "Аттестат об общем среднем образовании",
                ),
            ));
            d.fields.push(Field::new("document_series", "ЖОБ 0012345"));
            d.fields.push(Field::new("issue_year", "2015"));
        }
        DocKind::MotivatedRefusal | DocKind::Notice => {
            d.grounds = vec![
                Localized::new(
                    "Көрсетілетін қызметті алушының мемлекеттік қызмет алу үшін ұсынған деректерінің анық еместігі анықталды",
                    "Установлена недостоверность данных, представленных услугополучателем для получения государственной услуги",
                ),
                Localized::new(
                    "Көрсетілетін қызметті алушының қызмет алуға қажетті талаптарға сәйкес келмеуі",
                    "Несоответствие услугополучателя требованиям, необходимым для оказания услуги",
                ),
            ];
        }
        _ => {}
    }
    d
}

/// The template's title for `kind` in `lang`, read back from the repository's templates.
pub fn template_title(r: &Renderer, kind: DocKind, lang: Lang) -> String {
    r.templates().get(kind, lang).title.clone()
}

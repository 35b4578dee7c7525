//! Integration tests of the documents crate against real tools: every kind in Kazakh and
//! Russian through `pdftotext` (text extracts intact, Kazakh letters included), `pdffonts`
//! (fonts embedded, subset, with ToUnicode), `pdftoppm` + `zbarimg` (QR decodes to the
//! verification URL, Code 128 to the receipt number), determinism and verification.

mod common;

use std::process::Command;

use common::*;
use documents::{
    Config, DocKind, DocumentData, Error, Field, LANGS, Lang, Localized, Renderer, content_hash,
    verification_code, verify,
};

#[test]
fn every_kind_in_both_languages_extracts_intact() {
    let Some(r) = renderer() else { return };
    if !have_tool("pdftotext", "poppler-utils") {
        return;
    }
    let dir = scratch("extract");
    for kind in DocKind::ALL {
        for lang in LANGS {
            let data = sample(kind);
            let out = r.render(&data, lang).unwrap();
            let name = format!("{kind}.{lang}");
            let text = pdftotext(&out.pdf, &dir, &name);
            let title = collapse(&template_title(&r, kind, lang));
            assert!(
                text.contains(&title),
                "{name}: title {title:?} not in {text:?}"
            );
            assert!(
                text.contains(&data.applicant_name),
                "{name}: applicant name"
            );
            assert!(text.contains(&data.signer_name), "{name}: signer name");
            assert!(text.contains(data.provider.get(lang)), "{name}: provider");
            for ch in KAZAKH_LETTERS.chars() {
                assert!(text.contains(ch), "{name}: {ch} lost in extraction");
            }
            assert!(text.contains(KAZAKH_LETTERS), "{name}: letters in order");
            assert!(
                text.contains(&out.verification_code),
                "{name}: code printed"
            );
            for g in &data.grounds {
                assert!(
                    text.contains(g.get(lang)),
                    "{name}: ground {:?}",
                    g.get(lang)
                );
            }
            for d in &data.documents {
                assert!(
                    text.contains(d.get(lang)),
                    "{name}: document {:?}",
                    d.get(lang)
                );
            }
            match lang {
                Lang::Kk => {
                    assert!(
                        text.contains("Көрсетілетін қызметті алушы"),
                        "{name}: kk label"
                    );
                }
                Lang::Ru => {
                    assert!(text.contains("Услугополучатель"), "{name}: ru label");
                    assert!(text.contains("ёЁ"), "{name}: ё");
                }
                Lang::En => unreachable!("documents are printed in kk and ru"),
            }
        }
    }
}

#[test]
fn kazakh_template_wording_extracts_intact() {
    let Some(r) = renderer() else { return };
    if !have_tool("pdftotext", "poppler-utils") {
        return;
    }
    let dir = scratch("wording");
    let cases = [
        (
            DocKind::AcceptanceReceipt,
            "Құжаттарды қабылдау туралы қолхат",
        ),
        (
            DocKind::RefusalToAcceptReceipt,
            "Құжаттарды қабылдаудан бас тарту туралы қолхат",
        ),
        (DocKind::MotivatedRefusal, "Дәлелді бас тарту"),
    ];
    for (kind, title) in cases {
        let out = r.render(&sample(kind), Lang::Kk).unwrap();
        let text = pdftotext(&out.pdf, &dir, kind.code());
        assert!(text.contains(title), "{kind}: {title:?} not in {text:?}");
    }
}

#[test]
fn fonts_are_embedded_subset_with_to_unicode() {
    let Some(r) = renderer() else { return };
    if !have_tool("pdffonts", "poppler-utils") {
        return;
    }
    let dir = scratch("fonts");
    let out = r
        .render(&sample(DocKind::AcceptanceReceipt), Lang::Kk)
        .unwrap();
    let path = dir.join("receipt.pdf");
    std::fs::write(&path, &out.pdf).unwrap();
    let o = Command::new("pdffonts").arg(&path).output().unwrap();
    let listing = String::from_utf8_lossy(&o.stdout);
    let fonts: Vec<&str> = listing.lines().skip(2).collect();
    assert_eq!(fonts.len(), 2, "regular and bold: {listing}");
    for line in fonts {
        assert!(line.contains("CID TrueType"), "{line}");
        assert!(line.contains("Identity-H"), "{line}");
        // emb sub uni
        assert!(
            line.contains("yes yes yes"),
            "embedded, subset, ToUnicode: {line}"
        );
        assert!(line.contains("+DejaVuSans"), "{line}");
    }
    // Subsetting keeps files small (whole DejaVu Sans + Bold would be ~1.4 MB).
    assert!(out.pdf.len() < 120_000, "{} bytes", out.pdf.len());
}

#[test]
fn qr_decodes_to_verification_url_on_every_kind() {
    let Some(r) = renderer() else { return };
    if !have_tool("pdftoppm", "poppler-utils") || !have_tool("zbarimg", "zbar-tools") {
        return;
    }
    let dir = scratch("qr");
    for kind in DocKind::ALL {
        for lang in LANGS {
            let data = sample(kind);
            let out = r.render(&data, lang).unwrap();
            assert_eq!(
                out.verification_url,
                format!("https://qyzmet.example.kz/verify/{}", out.verification_code)
            );
            let name = format!("{kind}.{lang}");
            let found = decode_symbols(&out.pdf, &dir, &name);
            let qr = format!("QR-Code:{}", out.verification_url);
            assert!(found.contains(&qr), "{name}: {qr} not in {found:?}");
            if data.barcode {
                let bar = format!("CODE-128:{}", data.number);
                assert!(found.contains(&bar), "{name}: {bar} not in {found:?}");
            }
        }
    }
}

#[test]
fn code128_decodes_for_several_receipt_numbers() {
    let Some(r) = renderer() else { return };
    if !have_tool("pdftoppm", "poppler-utils") || !have_tool("zbarimg", "zbar-tools") {
        return;
    }
    let dir = scratch("code128");
    for (i, number) in [
        "0012345678",
        "123",
        "KZ-2024/77-0001",
        "A1B2C3",
        "98765432109876",
    ]
    .into_iter()
    .enumerate()
    {
        let mut data = sample(DocKind::AcceptanceReceipt);
        data.number = number.into();
        let out = r.render(&data, Lang::Kk).unwrap();
        let found = decode_symbols(&out.pdf, &dir, &format!("n{i}"));
        let bar = format!("CODE-128:{number}");
        assert!(found.contains(&bar), "{bar} not in {found:?}");
    }
}

#[test]
fn same_input_gives_identical_bytes() {
    let Some(r) = renderer() else { return };
    let again = Renderer::new(&Config::with_templates(templates_dir())).unwrap();
    for kind in DocKind::ALL {
        for lang in LANGS {
            let data = sample(kind);
            let a = r.render(&data, lang).unwrap();
            let b = again.render(&data.clone(), lang).unwrap();
            assert_eq!(a, b, "{kind}.{lang}");
            assert_eq!(a.content_hash, content_hash(&a.pdf));
        }
    }
    // Any change of data changes the code and the bytes.
    let data = sample(DocKind::Certificate);
    let mut later = data.clone();
    later.issued_at = jiff::civil::date(2024, 3, 12).at(10, 31, 0, 0);
    let a = r.render(&data, Lang::Kk).unwrap();
    let b = r.render(&later, Lang::Kk).unwrap();
    assert_ne!(a.verification_code, b.verification_code);
    assert_ne!(a.pdf, b.pdf);
    // Kazakh and Russian copies are distinct documents.
    assert_ne!(
        verification_code(&data, Lang::Kk),
        verification_code(&data, Lang::Ru)
    );
    // No date other than issued_at is written.
    let text = String::from_utf8_lossy(&a.pdf);
    assert_eq!(text.matches("(D:").count(), 2, "CreationDate and ModDate");
    assert!(text.contains("/CreationDate (D:20240312103000)"));
}

#[test]
fn verify_rejects_a_one_byte_change() {
    let Some(r) = renderer() else { return };
    let out = r
        .render(&sample(DocKind::MotivatedRefusal), Lang::Kk)
        .unwrap();
    assert!(verify(&out.pdf, &out.content_hash));
    let n = out.pdf.len();
    for at in [0, 9, n / 3, n / 2, n - 7, n - 1] {
        let mut bad = out.pdf.clone();
        bad[at] = bad[at].wrapping_add(1);
        assert!(
            !verify(&bad, &out.content_hash),
            "change at byte {at} passed"
        );
    }
    let mut longer = out.pdf.clone();
    longer.push(b'\n');
    assert!(!verify(&longer, &out.content_hash));
    assert!(!verify(&out.pdf[..n - 1], &out.content_hash));
}

#[test]
fn every_result_of_the_regulations_renders() {
    let Some(r) = renderer() else { return };
    if !have_tool("pdftotext", "poppler-utils") {
        return;
    }
    let dir = scratch("regulations");
    let mut files: Vec<_> = std::fs::read_dir(repo_root().join("regulations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 11, "the 11 regulations");
    let mut kinds_seen = std::collections::BTreeSet::new();
    let mut count = 0;
    for file in &files {
        let reg: toml::Value = toml::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let reg_id = reg["id"].as_str().unwrap();
        let title = &reg["title"];
        for res in reg["results"].as_array().unwrap() {
            let id = res["id"].as_str().unwrap();
            let name_kk = res["name_kk"].as_str().unwrap();
            let name_en = res["name_en"].as_str().unwrap();
            let kind = DocKind::for_result(res["kind"].as_str().unwrap(), id, name_en);
            kinds_seen.insert(kind);
            let mut data = sample(kind);
            data.regulation_id = reg_id.into();
            data.title = Localized::new(name_kk, "");
            data.service = Localized::new(
                title["kk"].as_str().unwrap(),
                title["ru"].as_str().unwrap_or(""),
            );
            if res.get("barcode").and_then(|b| b.as_bool()) == Some(true) {
                data.number = "0098765432".into();
                data.barcode = true;
            }
            for lang in LANGS {
                let out = r.render(&data, lang).unwrap();
                let text = pdftotext(&out.pdf, &dir, &format!("{reg_id}.{id}.{lang}"));
                let service = collapse(data.service.get(lang));
                assert!(text.contains(&service), "{reg_id}/{id}.{lang}: service");
                count += 1;
            }
        }
    }
    assert!(count > 100, "{count} documents");
    // Every kind but the generic fallbacks is used by some regulation.
    for kind in [
        DocKind::AcceptanceReceipt,
        DocKind::RefusalToAcceptReceipt,
        DocKind::ResultReceivedReceipt,
        DocKind::Notification,
        DocKind::QueueNotification,
        DocKind::Referral,
        DocKind::Certificate,
        DocKind::Permission,
        DocKind::Duplicate,
        DocKind::Decision,
        DocKind::Resolution,
        DocKind::Contract,
        DocKind::MotivatedRefusal,
        DocKind::Notice,
    ] {
        assert!(
            kinds_seen.contains(&kind),
            "{kind} not used by any regulation"
        );
    }
}

#[test]
fn long_content_flows_onto_more_pages() {
    let Some(r) = renderer() else { return };
    if !have_tool("pdftotext", "poppler-utils")
        || !have_tool("pdftoppm", "poppler-utils")
        || !have_tool("zbarimg", "zbar-tools")
    {
        return;
    }
    let dir = scratch("long");
    let mut data = sample(DocKind::AcceptanceReceipt);
    data.documents = (1..=70)
        .map(|i| {
            Localized::same(format!(
                "Құжат №{i}: анықтама көшірмесі (түпнұсқасы салыстыру үшін ұсынылды)"
            ))
        })
        .collect();
    let out = r.render(&data, Lang::Kk).unwrap();
    let text = pdftotext(&out.pdf, &dir, "long");
    assert!(
        text.contains("Құжат №70: анықтама"),
        "last document printed"
    );
    assert!(text.contains("2/"), "page numbers");
    let found = decode_symbols(&out.pdf, &dir, "long");
    assert!(found.contains(&format!("QR-Code:{}", out.verification_url)));
    assert!(found.contains(&format!("CODE-128:{}", data.number)));
}

#[test]
fn templates_are_read_at_run_time() {
    if renderer().is_none() {
        return;
    }
    let dir = scratch("templates");
    for e in std::fs::read_dir(templates_dir()).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    // Edit a title: the new wording is used without recompiling.
    let path = dir.join("certificate.kk.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("title = \"Анықтама\"", "title = \"Жаңа анықтама\""),
    )
    .unwrap();
    let r = Renderer::new(&Config::with_templates(&dir)).unwrap();
    assert_eq!(
        r.templates().get(DocKind::Certificate, Lang::Kk).title,
        "Жаңа анықтама"
    );

    // An unknown placeholder fails rendering and names the file.
    std::fs::write(&path, "title = \"{no_such_thing}\"\n").unwrap();
    let r = Renderer::new(&Config::with_templates(&dir)).unwrap();
    let err = r
        .render(&sample(DocKind::Certificate), Lang::Kk)
        .unwrap_err();
    assert!(matches!(err, Error::Template { .. }), "{err}");
    assert!(
        err.to_string().contains("no_such_thing")
            && err.to_string().contains("certificate.kk.toml")
    );

    // A field key may be used as a placeholder.
    std::fs::write(&path, "title = \"Анықтама № {order_number}\"\n").unwrap();
    let r = Renderer::new(&Config::with_templates(&dir)).unwrap();
    let mut data = sample(DocKind::Certificate);
    data.fields.push(Field::new("order_number", "5"));
    r.render(&data, Lang::Kk).unwrap();

    // A missing template fails the load, naming the file.
    std::fs::remove_file(dir.join("notice.ru.toml")).unwrap();
    let err = Renderer::new(&Config::with_templates(&dir)).err().unwrap();
    assert!(err.to_string().contains("notice.ru.toml"), "{err}");

    // Unknown keys (typos) are refused.
    std::fs::copy(
        templates_dir().join("notice.ru.toml"),
        dir.join("notice.ru.toml"),
    )
    .unwrap();
    std::fs::write(&path, "titel = \"x\"\n").unwrap();
    let err = Renderer::new(&Config::with_templates(&dir)).err().unwrap();
    assert!(matches!(err, Error::Template { .. }), "{err}");
}

#[test]
fn bad_fonts_are_refused() {
    if renderer().is_none() {
        return;
    }
    let dir = scratch("fonts-bad");
    let mut cfg = Config::with_templates(templates_dir());
    cfg.font_regular = dir.join("absent.ttf");
    assert!(matches!(Renderer::new(&cfg), Err(Error::Io { .. })));
    let junk = dir.join("junk.ttf");
    std::fs::write(&junk, b"not a font at all").unwrap();
    cfg.font_regular = junk;
    assert!(matches!(Renderer::new(&cfg), Err(Error::Font { .. })));
}

#[test]
fn text_the_font_cannot_draw_is_an_error() {
    let Some(r) = renderer() else { return };
    let mut data = sample(DocKind::Certificate);
    data.applicant_name = "\u{E000}".into(); // private use: no glyph in DejaVu
    match r.render(&data, Lang::Kk) {
        Err(Error::MissingGlyph { ch, .. }) => assert_eq!(ch, '\u{E000}'),
        other => panic!("expected MissingGlyph, got {other:?}"),
    }
}

#[test]
fn barcode_refuses_non_ascii_numbers() {
    let Some(r) = renderer() else { return };
    let mut data: DocumentData = sample(DocKind::AcceptanceReceipt);
    data.number = "Қ-12".into();
    assert!(matches!(r.render(&data, Lang::Kk), Err(Error::Barcode(_))));
}

/// With `QYZMET_DOCUMENTS_SAMPLES=<dir>` set, writes every kind in both languages there
/// (`<kind>.<lang>.pdf`) for people to look at; otherwise does nothing.
#[test]
fn write_samples_when_asked() {
    let Some(dir) = std::env::var_os("QYZMET_DOCUMENTS_SAMPLES") else {
        return;
    };
    let Some(r) = renderer() else { return };
    std::fs::create_dir_all(&dir).unwrap();
    for kind in DocKind::ALL {
        for lang in LANGS {
            let out = r.render(&sample(kind), lang).unwrap();
            let path = std::path::Path::new(&dir).join(format!("{kind}.{lang}.pdf"));
            std::fs::write(path, &out.pdf).unwrap();
        }
    }
}

/// No two words of a page overlap (`pdftotext -bbox`), in every kind and language, with a
/// signer's name long enough to wrap over three lines: the signatory block once grew up into
/// the table above it.
#[test]
fn no_text_overlaps_other_text() {
    let Some(r) = renderer() else { return };
    if !have_tool("pdftotext", "poppler-utils") {
        return;
    }
    let dir = scratch("bbox");
    for kind in DocKind::ALL {
        for lang in LANGS {
            let mut data = sample(kind);
            data.signer_name = "Мемлекеттік корпорация қызметкері — «Азаматтарға арналған үкімет» мемлекеттік корпорациясы коммерциялық емес акционерлік қоғамы".into();
            let out = r.render(&data, lang).unwrap();
            let name = format!("{kind}.{lang}");
            let pdf = dir.join(format!("{name}.pdf"));
            std::fs::write(&pdf, &out.pdf).unwrap();
            let o = Command::new("pdftotext")
                .args(["-bbox", pdf.to_str().unwrap(), "-"])
                .output()
                .unwrap();
            let html = String::from_utf8_lossy(&o.stdout).to_string();
            for (p, page) in html.split("<page ").skip(1).enumerate() {
                let words: Vec<(f32, f32, f32, f32, String)> = page
                    .split("<word ")
                    .skip(1)
                    .map(|w| {
                        let attr = |k: &str| -> f32 {
                            let i = w.find(&format!("{k}=\"")).unwrap() + k.len() + 2;
                            w[i..].split('"').next().unwrap().parse().unwrap()
                        };
                        let text = w.split('>').nth(1).unwrap_or("").split('<').next().unwrap();
                        (
                            attr("xMin"),
                            attr("yMin"),
                            attr("xMax"),
                            attr("yMax"),
                            text.to_string(),
                        )
                    })
                    .collect();
                assert!(words.len() > 10, "{name}: words on page {p}");
                // A little slack: glyph boxes of adjacent lines may touch.
                let e = 1.0;
                for (i, a) in words.iter().enumerate() {
                    for b in &words[i + 1..] {
                        let overlap =
                            a.0 + e < b.2 && b.0 + e < a.2 && a.1 + e < b.3 && b.1 + e < a.3;
                        assert!(!overlap, "{name} page {}: {:?} overlaps {:?}", p + 1, a, b);
                    }
                }
            }
        }
    }
}

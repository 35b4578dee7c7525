//! Page layout: turns a template and a document's data into A4 pages and writes the PDF.
//!
//! For: the look of every document: issuer header, title, intro, the fields table, the lists
//! of documents and grounds, footer text, the signer line, the barcode (receipts) and the QR
//! code at the bottom right of the last page, and a page footer with the verification code on
//! every page. Long content flows onto further pages.
//!
//! Not for: wording (templates), fonts' internals (`font`), the PDF file structure (`pdf`) or
//! hashing (`verify`). Deterministic: nothing here reads a clock or draws random numbers.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use qrcode::{Color, EcLevel, QrCode};

use crate::Error;
use crate::code128;
use crate::data::{DocumentData, Lang};
use crate::font::{Font, UsedFont};
use crate::pdf::{PdfWriter, num, text_string};
use crate::template::Template;
use crate::verify;

/// A rendered document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The PDF file.
    pub pdf: Vec<u8>,
    /// The code printed on the document and encoded in its QR (see [`crate::verification_code`]).
    pub verification_code: String,
    /// The URL the QR code encodes: `{base}/verify/{code}`.
    pub verification_url: String,
    /// SHA-256 of `pdf`, hex: store it to [`crate::verify`] presented copies later.
    pub content_hash: String,
}

// A4 in points, margins (25 mm left, 15 mm right, 18 mm top, 20 mm bottom).
const PAGE_W: f32 = 595.276;
const PAGE_H: f32 = 841.89;
const ML: f32 = 70.866;
const MR: f32 = 42.52;
const MT: f32 = 51.0;
const MB: f32 = 56.7;
const CONTENT_W: f32 = PAGE_W - ML - MR;

/// Accent colour of the header rule (RGB).
const ACCENT: &str = "0 0.373 0.553";
/// QR module size in points (≈ 4.6 px at 150 dpi).
const QR_MODULE: f32 = 2.2;
/// Code 128 module (narrowest bar) in points (≈ 2.7 px at 150 dpi).
const BAR_MODULE: f32 = 1.3;
const BAR_HEIGHT: f32 = 38.0;

#[derive(Clone, Copy)]
enum Face {
    Regular,
    Bold,
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Center,
    Right,
}

struct Layout<'f> {
    reg: UsedFont<'f>,
    bold: UsedFont<'f>,
    pages: Vec<String>,
    ops: String,
    /// Top of the free space on the current page.
    y: f32,
}

impl<'f> Layout<'f> {
    fn new(reg: &'f Font, bold: &'f Font) -> Self {
        Layout {
            reg: UsedFont::new(reg),
            bold: UsedFont::new(bold),
            pages: Vec::new(),
            ops: String::new(),
            y: PAGE_H - MT,
        }
    }

    fn font(&self, face: Face) -> &'f Font {
        match face {
            Face::Regular => self.reg.font,
            Face::Bold => self.bold.font,
        }
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.ops));
        self.y = PAGE_H - MT;
    }

    fn at_top(&self) -> bool {
        self.y >= PAGE_H - MT - 0.01
    }

    /// Starts a new page unless `h` points fit above the bottom margin (or the page is empty).
    fn ensure(&mut self, h: f32) {
        if self.y - h < MB && !self.at_top() {
            self.new_page();
        }
    }

    /// Draws one line of text with its baseline at `y`.
    fn text(
        &mut self,
        face: Face,
        size: f32,
        x: f32,
        y: f32,
        s: &str,
        gray: f32,
    ) -> Result<(), Error> {
        if s.is_empty() {
            return Ok(());
        }
        let (name, hex) = match face {
            Face::Regular => ("F1", self.reg.encode(s)?),
            Face::Bold => ("F2", self.bold.encode(s)?),
        };
        let _ = writeln!(
            self.ops,
            "BT /{name} {} Tf {} g {} {} Td {hex} Tj ET",
            num(size),
            num(gray),
            num(x),
            num(y)
        );
        Ok(())
    }

    /// Draws `s` aligned within `[x, x + w]`.
    #[allow(clippy::too_many_arguments)]
    fn text_aligned(
        &mut self,
        face: Face,
        size: f32,
        x: f32,
        w: f32,
        y: f32,
        s: &str,
        align: Align,
        gray: f32,
    ) -> Result<(), Error> {
        let tw = self.font(face).width(s, size)?;
        let x = match align {
            Align::Left => x,
            Align::Center => x + (w - tw) / 2.0,
            Align::Right => x + w - tw,
        };
        self.text(face, size, x, y, s, gray)
    }

    /// Breaks `text` into lines no wider than `width`; `\n` forces a break.
    fn wrap(&self, face: Face, size: f32, text: &str, width: f32) -> Result<Vec<String>, Error> {
        let font = self.font(face);
        let mut lines = Vec::new();
        for para in text.split('\n') {
            let mut line = String::new();
            for word in para.split(' ').filter(|w| !w.is_empty()) {
                let candidate = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if font.width(&candidate, size)? <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                if font.width(word, size)? <= width {
                    line = word.to_string();
                } else {
                    // A word wider than the column (a URL, a long number): break anywhere.
                    for ch in word.chars() {
                        let mut c = line.clone();
                        c.push(ch);
                        if !line.is_empty() && font.width(&c, size)? > width {
                            lines.push(std::mem::replace(&mut line, ch.to_string()));
                        } else {
                            line = c;
                        }
                    }
                }
            }
            lines.push(line);
        }
        Ok(lines)
    }

    /// A wrapped paragraph across the content width, flowing onto new pages.
    fn paragraph(
        &mut self,
        face: Face,
        size: f32,
        text: &str,
        align: Align,
        x: f32,
        w: f32,
    ) -> Result<(), Error> {
        let lead = size * 1.38;
        for line in self.wrap(face, size, text, w)? {
            self.ensure(lead);
            let base = self.y - size;
            self.text_aligned(face, size, x, w, base, &line, align, 0.0)?;
            self.y -= lead;
        }
        Ok(())
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32, rgb: &str) {
        let _ = writeln!(
            self.ops,
            "q {rgb} RG {} w {} {} m {} {} l S Q",
            num(width),
            num(x1),
            num(y),
            num(x2),
            num(y)
        );
    }

    /// A two-column table (label | value) of `rows`, each row kept on one page.
    fn table(&mut self, rows: &[(String, String)]) -> Result<(), Error> {
        let size = 9.5;
        let lead = 12.6;
        let pad = 4.5;
        let lw = (CONTENT_W * 0.38).round();
        let vw = CONTENT_W - lw;
        for (label, value) in rows {
            let ll = self.wrap(Face::Regular, size, label, lw - 2.0 * pad)?;
            let vl = self.wrap(Face::Bold, size, value, vw - 2.0 * pad)?;
            let h = ll.len().max(vl.len()) as f32 * lead + 2.0 * pad - (lead - size) + 2.0;
            self.ensure(h);
            let top = self.y;
            let bottom = top - h;
            let _ = writeln!(
                self.ops,
                "q 0.94 0.95 0.96 rg {} {} {} {} re f Q",
                num(ML),
                num(bottom),
                num(lw),
                num(h)
            );
            let _ = writeln!(
                self.ops,
                "q 0.62 G 0.5 w {} {} {} {} re S {} {} m {} {} l S Q",
                num(ML),
                num(bottom),
                num(CONTENT_W),
                num(h),
                num(ML + lw),
                num(bottom),
                num(ML + lw),
                num(top)
            );
            let mut base = top - pad - size + 1.0;
            for l in &ll {
                self.text(Face::Regular, size, ML + pad, base, l, 0.2)?;
                base -= lead;
            }
            let mut base = top - pad - size + 1.0;
            for l in &vl {
                self.text(Face::Bold, size, ML + lw + pad, base, l, 0.0)?;
                base -= lead;
            }
            self.y = bottom;
        }
        Ok(())
    }

    /// A heading and a numbered list with hanging indent.
    fn list(&mut self, heading: &str, items: &[String]) -> Result<(), Error> {
        let size = 10.0;
        let lead = size * 1.38;
        self.y -= 8.0;
        self.ensure(lead * 2.0);
        self.paragraph(Face::Bold, 10.5, heading, Align::Left, ML, CONTENT_W)?;
        self.y -= 2.0;
        let indent = 20.0;
        for (i, item) in items.iter().enumerate() {
            let lines = self.wrap(Face::Regular, size, item, CONTENT_W - indent)?;
            for (j, line) in lines.iter().enumerate() {
                self.ensure(lead);
                let base = self.y - size;
                if j == 0 {
                    let n = format!("{}.", i + 1);
                    self.text_aligned(
                        Face::Regular,
                        size,
                        ML,
                        indent - 5.0,
                        base,
                        &n,
                        Align::Right,
                        0.0,
                    )?;
                }
                self.text(Face::Regular, size, ML + indent, base, line, 0.0)?;
                self.y -= lead;
            }
        }
        Ok(())
    }

    /// Vector rectangles for a set of dark cells, filled as one path (no seams).
    fn fill_rects(&mut self, rects: &[(f32, f32, f32, f32)]) {
        self.ops.push_str("q 0 g\n");
        for (x, y, w, h) in rects {
            let _ = writeln!(
                self.ops,
                "{} {} {} {} re",
                num(*x),
                num(*y),
                num(*w),
                num(*h)
            );
        }
        self.ops.push_str("f Q\n");
    }
}

/// Placeholder values of a document.
fn placeholders(
    data: &DocumentData,
    lang: Lang,
    code: &str,
    url: &str,
) -> BTreeMap<String, String> {
    let d = data.issued_at;
    let date = format!("{:02}.{:02}.{:04}", d.day(), d.month(), d.year());
    let time = format!("{:02}:{:02}", d.hour(), d.minute());
    let mut m = BTreeMap::new();
    for f in &data.fields {
        m.insert(f.key.clone(), f.value.get(lang).to_string());
    }
    let mut title: String = data.title.get(lang).to_string();
    if let Some(first) = title.chars().next() {
        title = first.to_uppercase().chain(title.chars().skip(1)).collect();
    }
    let builtin = [
        ("applicant_name", data.applicant_name.clone()),
        ("applicant_iin", data.applicant_iin.clone()),
        ("application_id", data.application_id.clone()),
        ("regulation_id", data.regulation_id.clone()),
        ("provider", data.provider.get(lang).to_string()),
        ("service", data.service.get(lang).to_string()),
        ("title", title),
        ("number", data.number.clone()),
        ("issued_at", format!("{date} {time}")),
        ("issued_date", date),
        ("issued_time", time),
        ("signer_name", data.signer_name.clone()),
        ("documents_count", data.documents.len().to_string()),
        ("grounds_count", data.grounds.len().to_string()),
        ("verification_code", code.to_string()),
        ("verification_url", url.to_string()),
    ];
    for (k, v) in builtin {
        m.insert(k.to_string(), v);
    }
    m
}

/// Fills a line; `None` when one of its placeholders is empty (the line is then left out, so
/// "№ {number}" disappears for a document without a number).
fn fill_line(
    t: &Template,
    text: &str,
    vals: &BTreeMap<String, String>,
) -> Result<Option<String>, Error> {
    let empty = std::cell::Cell::new(false);
    let look = |k: &str| {
        let v = vals.get(k).cloned();
        if v.as_deref() == Some("") {
            empty.set(true);
        }
        v
    };
    let s = t.fill(text, &look)?;
    Ok((!empty.get() && !s.trim().is_empty()).then_some(s))
}

fn fill_all(
    t: &Template,
    texts: &[String],
    vals: &BTreeMap<String, String>,
) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for s in texts {
        out.extend(fill_line(t, s, vals)?);
    }
    Ok(out)
}

/// Renders `data` in `lang` with template `t` and the two faces.
pub(crate) fn render(
    t: &Template,
    regular: &Font,
    bold: &Font,
    data: &DocumentData,
    lang: Lang,
) -> Result<Rendered, Error> {
    let code = verify::verification_code(data, lang);
    let url = data.verification_url(lang);
    let vals = placeholders(data, lang, &code, &url);
    let look = |k: &str| vals.get(k).cloned();
    let mut l = Layout::new(regular, bold);

    // Header: issuer and service, centred, over a double rule.
    let header = fill_all(t, &t.header, &vals)?;
    for (i, line) in header.iter().enumerate() {
        let (face, size) = if i == 0 {
            (Face::Bold, 11.0)
        } else {
            (Face::Regular, 9.5)
        };
        l.paragraph(face, size, line, Align::Center, ML, CONTENT_W)?;
    }
    l.y -= 3.0;
    l.hline(ML, PAGE_W - MR, l.y, 1.6, ACCENT);
    l.hline(ML, PAGE_W - MR, l.y - 2.6, 0.5, ACCENT);
    l.y -= 22.0;

    // Title and subtitle.
    let title = t.fill(&t.title, &look)?;
    l.paragraph(Face::Bold, 14.0, &title, Align::Center, ML, CONTENT_W)?;
    l.y -= 2.0;
    for line in fill_all(t, &t.subtitle, &vals)? {
        l.paragraph(Face::Regular, 10.5, &line, Align::Center, ML, CONTENT_W)?;
    }
    l.y -= 10.0;

    for p in fill_all(t, &t.intro, &vals)? {
        l.paragraph(Face::Regular, 10.5, &p, Align::Left, ML, CONTENT_W)?;
        l.y -= 4.0;
    }

    // Table: the template's rows first, then the data's other fields in order.
    let mut rows = Vec::new();
    for key in &t.rows {
        if let Some(v) = vals.get(key).filter(|v| !v.is_empty()) {
            rows.push((t.fill(t.label(key), &look)?, v.clone()));
        }
    }
    for f in &data.fields {
        if !t.rows.contains(&f.key) {
            let v = f.value.get(lang);
            if !v.is_empty() {
                let label = match &f.label {
                    Some(lb) => lb.get(lang).to_string(),
                    None => t.fill(t.label(&f.key), &look)?,
                };
                rows.push((label, v.to_string()));
            }
        }
    }
    if !rows.is_empty() {
        l.table(&rows)?;
    }

    if !data.documents.is_empty() && !t.documents_heading.is_empty() {
        let items: Vec<String> = data
            .documents
            .iter()
            .map(|d| d.get(lang).to_string())
            .collect();
        let heading = t.fill(&t.documents_heading, &look)?;
        l.list(&heading, &items)?;
    }
    if !data.grounds.is_empty() && !t.grounds_heading.is_empty() {
        let items: Vec<String> = data
            .grounds
            .iter()
            .map(|d| d.get(lang).to_string())
            .collect();
        let heading = t.fill(&t.grounds_heading, &look)?;
        l.list(&heading, &items)?;
    }

    if !data.appeal.is_empty() && !t.appeal_heading.is_empty() {
        let items: Vec<String> = data
            .appeal
            .iter()
            .map(|d| d.get(lang).to_string())
            .collect();
        let heading = t.fill(&t.appeal_heading, &look)?;
        l.list(&heading, &items)?;
    }

    let footer = fill_all(t, &t.footer, &vals)?;
    if !footer.is_empty() {
        l.y -= 8.0;
    }
    for p in footer {
        l.paragraph(Face::Regular, 9.5, &p, Align::Left, ML, CONTENT_W)?;
        l.y -= 3.0;
    }

    // Signer: label | signature line (hint under it) | name.
    if !data.signer_name.is_empty() || !t.signer_label.is_empty() {
        l.y -= 22.0;
        let size = 10.5;
        // Columns: label 34 % | signature line 36–58 % | name, right-aligned, to the edge.
        let label_w = CONTENT_W * 0.34;
        let lines = l.wrap(
            Face::Regular,
            size,
            &t.fill(&t.signer_label, &look)?,
            label_w,
        )?;
        let sx1 = ML + CONTENT_W * 0.36;
        let sx2 = ML + CONTENT_W * 0.58;
        let name_x = sx2 + 8.0;
        let name_lines = l.wrap(Face::Bold, size, &data.signer_name, PAGE_W - MR - name_x)?;
        // Label and name both run down from the block's top: a name of several lines grows
        // the block downwards, never up into the table above it.
        let lh = size * 1.3;
        let rows = lines.len().max(name_lines.len()).max(1);
        l.ensure(rows as f32 * lh + 14.0);
        let top = l.y - size;
        for (i, line) in lines.iter().enumerate() {
            l.text(Face::Regular, size, ML, top - i as f32 * lh, line, 0.0)?;
        }
        for (i, nl) in name_lines.iter().enumerate() {
            l.text_aligned(
                Face::Bold,
                size,
                name_x,
                PAGE_W - MR - name_x,
                top - i as f32 * lh,
                nl,
                Align::Right,
                0.0,
            )?;
        }
        let last_base = top - (rows - 1) as f32 * lh;
        l.hline(sx1, sx2, last_base - 2.0, 0.6, "0 0 0");
        let hint = t.fill(&t.signature_hint, &look)?;
        l.text_aligned(
            Face::Regular,
            7.0,
            sx1,
            sx2 - sx1,
            last_base - 10.0,
            &hint,
            Align::Center,
            0.35,
        )?;
        l.y = last_base - 14.0;
    }

    // Bottom block on the last page: barcode and verification text left, QR right.
    let qr = QrCode::with_error_correction_level(url.as_bytes(), EcLevel::M)
        .map_err(|e| Error::Qr(e.to_string()))?;
    let qw = qr.width();
    let qr_size = qw as f32 * QR_MODULE;
    let bars = if data.barcode && !data.number.is_empty() {
        Some(code128::modules(&data.number)?)
    } else {
        None
    };
    let left_w = CONTENT_W - qr_size - 24.0;
    let verify_text = t.fill(&t.verify_text, &look)?;
    let vsize = 8.0;
    let vlines = l.wrap(Face::Regular, vsize, &verify_text, left_w)?;
    let bar_block = if bars.is_some() {
        BAR_HEIGHT + 22.0
    } else {
        0.0
    };
    let left_h = bar_block + vlines.len() as f32 * vsize * 1.35;
    let block_h = qr_size.max(left_h);
    // Quiet zones: 4 QR modules / 10 bar modules of white around the symbols.
    if l.y - 4.0 * QR_MODULE - block_h < MB {
        l.new_page();
    }
    let block_top = MB + block_h;
    let qx = PAGE_W - MR - qr_size;
    let qtop = block_top;
    let colors = qr.to_colors();
    let mut rects = Vec::new();
    for row in 0..qw {
        let mut col = 0;
        while col < qw {
            if colors[row * qw + col] == Color::Dark {
                let start = col;
                while col < qw && colors[row * qw + col] == Color::Dark {
                    col += 1;
                }
                rects.push((
                    qx + start as f32 * QR_MODULE,
                    qtop - (row + 1) as f32 * QR_MODULE,
                    (col - start) as f32 * QR_MODULE,
                    QR_MODULE,
                ));
            } else {
                col += 1;
            }
        }
    }
    l.fill_rects(&rects);
    let mut y = block_top;
    if let Some(widths) = bars {
        let bx = ML + 10.0 * BAR_MODULE;
        let mut x = bx;
        let mut rects = Vec::new();
        for (i, w) in widths.iter().enumerate() {
            let ww = *w as f32 * BAR_MODULE;
            if i % 2 == 0 {
                rects.push((x, y - BAR_HEIGHT, ww, BAR_HEIGHT));
            }
            x += ww;
        }
        l.fill_rects(&rects);
        let caption = t.fill(&t.barcode_caption, &look)?;
        l.text_aligned(
            Face::Regular,
            8.5,
            bx,
            x - bx,
            y - BAR_HEIGHT - 11.0,
            &caption,
            Align::Center,
            0.0,
        )?;
        y -= bar_block;
    }
    let mut base = y - vsize;
    for line in &vlines {
        l.text(Face::Regular, vsize, ML, base, line, 0.3)?;
        base -= vsize * 1.35;
    }
    l.new_page();

    // Page footers, now that the page count is known.
    let pages = l.pages.len();
    let mut pages_ops = std::mem::take(&mut l.pages);
    for (i, ops) in pages_ops.iter_mut().enumerate() {
        let page_look = |k: &str| match k {
            "page" => Some((i + 1).to_string()),
            "pages" => Some(pages.to_string()),
            _ => vals.get(k).cloned(),
        };
        let text = t.fill(&t.page_footer, &page_look)?;
        std::mem::swap(&mut l.ops, ops);
        l.hline(ML, PAGE_W - MR, 40.0, 0.4, "0.6 0.6 0.6");
        l.text_aligned(
            Face::Regular,
            7.0,
            ML,
            CONTENT_W,
            30.0,
            &text,
            Align::Center,
            0.4,
        )?;
        std::mem::swap(&mut l.ops, ops);
    }

    // The file.
    let mut w = PdfWriter::new();
    let pages_ref = w.reserve();
    let f1 = l.reg.write(&mut w)?;
    let f2 = l.bold.write(&mut w)?;
    let mut kids = Vec::new();
    for ops in &pages_ops {
        let content = w.add_stream("", ops.as_bytes());
        kids.push(w.add(format!(
            "<< /Type /Page /Parent {pages_ref} /MediaBox [0 0 {} {}] \
             /Resources << /Font << /F1 {f1} /F2 {f2} >> >> /Contents {content} >>",
            num(PAGE_W),
            num(PAGE_H)
        )));
    }
    let kids_s: Vec<String> = kids.iter().map(|k| k.to_string()).collect();
    w.set(
        pages_ref,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids_s.join(" "),
            kids.len()
        ),
    );
    let catalog = w.add(format!(
        "<< /Type /Catalog /Pages {pages_ref} /Lang ({}) /ViewerPreferences << /DisplayDocTitle true >> >>",
        lang.bcp47()
    ));
    let d = data.issued_at;
    let pdf_date = format!(
        "(D:{:04}{:02}{:02}{:02}{:02}{:02})",
        d.year(),
        d.month(),
        d.day(),
        d.hour(),
        d.minute(),
        d.second()
    );
    let info = w.add(format!(
        "<< /Title {} /Subject {} /Producer (qyzmet documents) /CreationDate {pdf_date} /ModDate {pdf_date} >>",
        text_string(&title),
        text_string(&url)
    ));
    let hash = verify::data_hash(data, lang);
    let id: [u8; 16] = hash[..16].try_into().expect("32-byte hash");
    let pdf = w.finish(catalog, info, &id);
    let content_hash = verify::content_hash(&pdf);
    Ok(Rendered {
        pdf,
        verification_code: code,
        verification_url: url,
        content_hash,
    })
}

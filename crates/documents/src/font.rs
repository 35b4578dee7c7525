//! TrueType fonts loaded at run time, measured for layout, subset and embedded as PDF
//! Type 0 / CIDFontType2 fonts with a ToUnicode CMap.
//!
//! For: turning text into glyph ids (through the font's `cmap`), measuring it, remembering
//! which glyphs a document used, and writing those glyphs as an embedded font whose ToUnicode
//! CMap maps every glyph id back to its characters, so copy/paste and `pdftotext` give back
//! Kazakh (ә ғ қ ң ө ұ ү һ і ...) and Russian text intact.
//!
//! Not for: shaping (Cyrillic and Latin need none: one character, one glyph, no ligatures),
//! kerning, or font discovery. Font files are never committed: the default is Debian's
//! `fonts-dejavu-core`.
//!
//! Subsetting keeps glyph ids unchanged (so CID = GID, `/CIDToGIDMap /Identity`) and empties
//! every glyph the document does not use (plus composite components it needs): the `glyf`
//! table shrinks to the used outlines, the other required tables are copied.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::pdf::{ObjRef, PdfWriter, num};

/// Default regular face: Debian `fonts-dejavu-core`.
pub const DEFAULT_FONT_REGULAR: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
/// Default bold face: Debian `fonts-dejavu-core`.
pub const DEFAULT_FONT_BOLD: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

/// Letters a font must have to print Kazakh and Russian documents; checked at load.
pub const REQUIRED_CHARS: &str = "ӘәҒғҚқҢңӨөҰұҮүҺһІі\
АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя\
ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,:;()-/№«»\"'?!%";

/// One loaded face: its bytes, metrics and the glyphs used so far.
pub(crate) struct Font {
    path: PathBuf,
    data: Vec<u8>,
    ps_name: String,
    units_per_em: f32,
    ascender: i16,
    descender: i16,
    cap_height: i16,
    bbox: [i16; 4],
    italic_angle: f32,
    /// char → glyph id, for every character the font's Unicode cmap maps (built at load, so
    /// a loaded font is immutable and can be shared between threads).
    cmap: HashMap<char, u16>,
    /// Advance width of each glyph id, in font units.
    advances: Vec<u16>,
}

impl Font {
    /// Loads and checks a TrueType font (glyf outlines; CFF/OpenType fonts are refused).
    pub(crate) fn load(path: &Path) -> Result<Self, Error> {
        let data = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let bad = |msg: String| Error::Font {
            path: path.to_path_buf(),
            msg,
        };
        let face = ttf_parser::Face::parse(&data, 0).map_err(|e| bad(e.to_string()))?;
        if face.tables().glyf.is_none() {
            return Err(bad("not a TrueType (glyf) font".into()));
        }
        let ps_name = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .unwrap_or_else(|| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "Font".into())
            });
        // A PDF name may hold only regular characters.
        let ps_name: String = ps_name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let b = face.global_bounding_box();
        let mut font = Font {
            path: path.to_path_buf(),
            ps_name,
            units_per_em: face.units_per_em() as f32,
            ascender: face.ascender(),
            descender: face.descender(),
            cap_height: face.capital_height().unwrap_or(face.ascender()),
            bbox: [b.x_min, b.y_min, b.x_max, b.y_max],
            italic_angle: face.italic_angle(),
            cmap: HashMap::new(),
            advances: (0..face.number_of_glyphs())
                .map(|g| face.glyph_hor_advance(ttf_parser::GlyphId(g)).unwrap_or(0))
                .collect(),
            data: Vec::new(),
        };
        if let Some(cmap) = face.tables().cmap {
            for sub in cmap.subtables.into_iter().filter(|s| s.is_unicode()) {
                sub.codepoints(|cp| {
                    if let (Some(ch), Some(g)) = (char::from_u32(cp), sub.glyph_index(cp)) {
                        font.cmap.entry(ch).or_insert(g.0);
                    }
                });
            }
        }
        let missing: String = REQUIRED_CHARS
            .chars()
            .filter(|c| !font.cmap.contains_key(c))
            .collect();
        if !missing.is_empty() {
            return Err(bad(format!("lacks glyphs for {missing:?}")));
        }
        font.data = data;
        Ok(font)
    }

    /// Glyph id and advance (font units) of `ch`.
    pub(crate) fn glyph(&self, ch: char) -> Result<(u16, u16), Error> {
        let gid = *self.cmap.get(&ch).ok_or_else(|| Error::MissingGlyph {
            ch,
            font: self.path.clone(),
        })?;
        Ok((gid, self.advances.get(gid as usize).copied().unwrap_or(0)))
    }

    /// Width of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> Result<f32, Error> {
        let mut units = 0u32;
        for ch in text.chars() {
            units += self.glyph(ch)?.1 as u32;
        }
        Ok(units as f32 * size / self.units_per_em)
    }
}

/// A font as used by one document: the face plus the glyphs the document drew.
pub(crate) struct UsedFont<'f> {
    pub(crate) font: &'f Font,
    /// glyph id → characters it stands for (first one wins when two chars share a glyph).
    used: BTreeMap<u16, char>,
}

impl<'f> UsedFont<'f> {
    pub(crate) fn new(font: &'f Font) -> Self {
        UsedFont {
            font,
            used: BTreeMap::new(),
        }
    }

    /// Glyph ids for `text` as a PDF hex string `<....>` for `Tj`, recording them as used.
    pub(crate) fn encode(&mut self, text: &str) -> Result<String, Error> {
        let mut s = String::with_capacity(text.len() * 4 + 2);
        s.push('<');
        for ch in text.chars() {
            let (gid, _) = self.font.glyph(ch)?;
            self.used.entry(gid).or_insert(ch);
            let _ = write!(s, "{gid:04X}");
        }
        s.push('>');
        Ok(s)
    }

    /// Writes the Type 0 font with its descendant CIDFont, descriptor, subset font file and
    /// ToUnicode CMap; returns the Type 0 font's reference.
    pub(crate) fn write(&self, w: &mut PdfWriter) -> Result<ObjRef, Error> {
        let f = self.font;
        let gids: BTreeSet<u16> = self.used.keys().copied().collect();
        let subset = subset_truetype(&f.data, &gids).map_err(|msg| Error::Font {
            path: f.path.clone(),
            msg,
        })?;
        // Subset tag: six capitals derived from the glyph set, so equal input gives an equal
        // name (deterministic) and different subsets get different names.
        let tag = subset_tag(&gids, &f.ps_name);
        let base = format!("{tag}+{}", f.ps_name);
        let scale = 1000.0 / f.units_per_em;
        let s = |v: i16| num(v as f32 * scale);

        let file = w.add_stream(&format!("/Length1 {}", subset.len()), &subset);
        let descriptor = w.add(format!(
            "<< /Type /FontDescriptor /FontName /{base} /Flags 32 /FontBBox [{} {} {} {}] \
             /ItalicAngle {} /Ascent {} /Descent {} /CapHeight {} /StemV 80 /FontFile2 {file} >>",
            s(f.bbox[0]),
            s(f.bbox[1]),
            s(f.bbox[2]),
            s(f.bbox[3]),
            num(f.italic_angle),
            s(f.ascender),
            s(f.descender),
            s(f.cap_height),
        ));
        // Widths of the used glyphs, in consecutive runs: [g [w w w] g2 [w] ...].
        let mut widths = String::from("[");
        let mut prev: Option<u16> = None;
        for &g in &gids {
            let adv = num(*f.advances.get(g as usize).unwrap_or(&0) as f32 * scale);
            match prev {
                Some(p) if p + 1 == g => {
                    let _ = write!(widths, " {adv}");
                }
                Some(_) => {
                    let _ = write!(widths, "] {g} [{adv}");
                }
                None => {
                    let _ = write!(widths, "{g} [{adv}");
                }
            }
            prev = Some(g);
        }
        if prev.is_some() {
            widths.push(']');
        }
        widths.push(']');
        let cid = w.add(format!(
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{base} \
             /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
             /FontDescriptor {descriptor} /DW 0 /W {widths} /CIDToGIDMap /Identity >>"
        ));
        let to_unicode = w.add_stream("", to_unicode_cmap(&self.used).as_bytes());
        Ok(w.add(format!(
            "<< /Type /Font /Subtype /Type0 /BaseFont /{base} /Encoding /Identity-H \
             /DescendantFonts [{cid}] /ToUnicode {to_unicode} >>"
        )))
    }
}

/// The ToUnicode CMap: 2-byte codes (glyph ids) → UTF-16BE of the character drawn.
fn to_unicode_cmap(used: &BTreeMap<u16, char>) -> String {
    let mut s = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<(&u16, &char)> = used.iter().collect();
    // At most 100 entries per bfchar block (PDF limit).
    for chunk in entries.chunks(100) {
        let _ = writeln!(s, "{} beginbfchar", chunk.len());
        for (gid, ch) in chunk {
            let mut buf = [0u16; 2];
            let units: String = ch
                .encode_utf16(&mut buf)
                .iter()
                .map(|u| format!("{u:04X}"))
                .collect();
            let _ = writeln!(s, "<{gid:04X}> <{units}>");
        }
        s.push_str("endbfchar\n");
    }
    s.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    s
}

fn subset_tag(gids: &BTreeSet<u16>, name: &str) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    for g in gids {
        h.update(g.to_be_bytes());
    }
    h.finalize()[..6]
        .iter()
        .map(|b| (b'A' + b % 26) as char)
        .collect()
}

// ---------------------------------------------------------------------------------------
// TrueType subsetting (glyph ids kept).

fn rd16(d: &[u8], at: usize) -> Result<u16, String> {
    d.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| format!("truncated font at {at}"))
}

fn rd32(d: &[u8], at: usize) -> Result<u32, String> {
    d.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| format!("truncated font at {at}"))
}

fn checksum(d: &[u8]) -> u32 {
    d.chunks(4).fold(0u32, |acc, c| {
        let mut b = [0u8; 4];
        b[..c.len()].copy_from_slice(c);
        acc.wrapping_add(u32::from_be_bytes(b))
    })
}

/// Tables a CIDFontType2 font program needs (PDF 32000-1 §9.9), plus `OS/2`, `name` (font
/// names and licence, for viewers that look) and `post` cut to its format 3 header (no glyph
/// names); sorted by tag as the table directory requires.
const KEEP: [&[u8; 4]; 12] = [
    b"OS/2", b"cvt ", b"fpgm", b"glyf", b"head", b"hhea", b"hmtx", b"loca", b"maxp", b"name",
    b"post", b"prep",
];

/// Builds a TrueType font that keeps glyph ids but holds outlines only for `gids`, glyph 0
/// (.notdef) and the components of composite glyphs among them.
pub(crate) fn subset_truetype(data: &[u8], gids: &BTreeSet<u16>) -> Result<Vec<u8>, String> {
    let num_tables = rd16(data, 4)? as usize;
    let mut tables: BTreeMap<[u8; 4], &[u8]> = BTreeMap::new();
    for i in 0..num_tables {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = data
            .get(rec..rec + 4)
            .ok_or("truncated table directory")?
            .try_into()
            .map_err(|_| "bad tag")?;
        let off = rd32(data, rec + 8)? as usize;
        let len = rd32(data, rec + 12)? as usize;
        let body = data.get(off..off + len).ok_or("table outside the file")?;
        tables.insert(tag, body);
    }
    let get = |t: &[u8; 4]| {
        tables
            .get(t)
            .copied()
            .ok_or_else(|| format!("no {} table", String::from_utf8_lossy(t)))
    };
    let head = get(b"head")?;
    let maxp = get(b"maxp")?;
    let loca = get(b"loca")?;
    let glyf = get(b"glyf")?;
    let long_loca = rd16(head, 50)? != 0;
    let num_glyphs = rd16(maxp, 4)? as usize;
    let glyph_range = |g: usize| -> Result<(usize, usize), String> {
        if g >= num_glyphs {
            return Err(format!("glyph {g} beyond numGlyphs {num_glyphs}"));
        }
        let (a, b) = if long_loca {
            (rd32(loca, 4 * g)? as usize, rd32(loca, 4 * g + 4)? as usize)
        } else {
            (
                rd16(loca, 2 * g)? as usize * 2,
                rd16(loca, 2 * g + 2)? as usize * 2,
            )
        };
        if a > b || b > glyf.len() {
            return Err(format!("bad loca entry for glyph {g}"));
        }
        Ok((a, b))
    };

    // Closure over composite components.
    let mut keep: BTreeSet<u16> = gids.clone();
    keep.insert(0);
    let mut todo: Vec<u16> = keep.iter().copied().collect();
    while let Some(g) = todo.pop() {
        let (a, b) = glyph_range(g as usize)?;
        let gl = &glyf[a..b];
        if gl.len() < 10 || (rd16(gl, 0)? as i16) >= 0 {
            continue;
        }
        let mut at = 10;
        loop {
            let flags = rd16(gl, at)?;
            let comp = rd16(gl, at + 2)?;
            if keep.insert(comp) {
                todo.push(comp);
            }
            at += 4;
            at += if flags & 0x0001 != 0 { 4 } else { 2 };
            if flags & 0x0008 != 0 {
                at += 2;
            } else if flags & 0x0040 != 0 {
                at += 4;
            } else if flags & 0x0080 != 0 {
                at += 8;
            }
            if flags & 0x0020 == 0 {
                break;
            }
        }
    }

    // New glyf and (long) loca.
    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity((num_glyphs + 1) * 4);
    for g in 0..num_glyphs {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        if keep.contains(&(g as u16)) {
            let (a, b) = glyph_range(g)?;
            new_glyf.extend_from_slice(&glyf[a..b]);
            while new_glyf.len() % 4 != 0 {
                new_glyf.push(0);
            }
        }
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
    let mut new_head = head.to_vec();
    if new_head.len() < 54 {
        return Err("short head table".into());
    }
    new_head[8..12].copy_from_slice(&[0; 4]); // checkSumAdjustment, set below
    new_head[50..52].copy_from_slice(&1u16.to_be_bytes()); // indexToLocFormat = long

    let mut out_tables: Vec<([u8; 4], Vec<u8>)> = Vec::new();
    for tag in KEEP {
        let body = match tag {
            b"glyf" => new_glyf.clone(),
            b"loca" => new_loca.clone(),
            b"head" => new_head.clone(),
            b"post" => match tables.get(tag) {
                Some(b) if b.len() >= 32 => {
                    let mut p = b[..32].to_vec();
                    p[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
                    p
                }
                _ => continue,
            },
            _ => match tables.get(tag) {
                Some(b) => b.to_vec(),
                None => continue,
            },
        };
        out_tables.push((*tag, body));
    }

    // Write: offset table, directory (sorted by tag: KEEP is sorted), bodies 4-aligned.
    let n = out_tables.len() as u16;
    let mut es = 0u16;
    while (1u16 << (es + 1)) <= n {
        es += 1;
    }
    let search_range = (1u16 << es) * 16;
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    out.extend_from_slice(&n.to_be_bytes());
    out.extend_from_slice(&search_range.to_be_bytes());
    out.extend_from_slice(&es.to_be_bytes());
    out.extend_from_slice(&(n * 16 - search_range).to_be_bytes());
    let mut offset = 12 + 16 * out_tables.len();
    let mut head_at = 0;
    for (tag, body) in &out_tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(body).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        if tag == b"head" {
            head_at = offset;
        }
        offset += body.len().div_ceil(4) * 4;
    }
    for (_, body) in &out_tables {
        out.extend_from_slice(body);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }
    let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
    out[head_at + 8..head_at + 12].copy_from_slice(&adjust.to_be_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dejavu() -> Option<Font> {
        Font::load(Path::new(DEFAULT_FONT_REGULAR)).ok()
    }

    #[test]
    fn subset_parses_and_keeps_glyph_ids() {
        let Some(font) = dejavu() else {
            eprintln!("skipped: {DEFAULT_FONT_REGULAR} missing (Debian fonts-dejavu-core)");
            return;
        };
        let gids: BTreeSet<u16> = "Әәқ Ё".chars().map(|c| font.glyph(c).unwrap().0).collect();
        let sub = subset_truetype(&font.data, &gids).unwrap();
        assert!(sub.len() < font.data.len() / 4, "subset is small");
        let face = ttf_parser::Face::parse(&sub, 0).unwrap();
        for &g in &gids {
            let mut b = Bbox;
            // Every used glyph still has its outline under the same id (space has none).
            let has = face.outline_glyph(ttf_parser::GlyphId(g), &mut b).is_some();
            assert!(has || g == font.glyph(' ').unwrap().0, "glyph {g} kept");
        }
        let unused = font.glyph('Ж').unwrap().0;
        assert!(
            face.outline_glyph(ttf_parser::GlyphId(unused), &mut Bbox)
                .is_none()
        );
        assert_eq!(checksum(&sub), 0xB1B0_AFBA, "whole-font checksum");
    }

    struct Bbox;
    impl ttf_parser::OutlineBuilder for Bbox {
        fn move_to(&mut self, _: f32, _: f32) {}
        fn line_to(&mut self, _: f32, _: f32) {}
        fn quad_to(&mut self, _: f32, _: f32, _: f32, _: f32) {}
        fn curve_to(&mut self, _: f32, _: f32, _: f32, _: f32, _: f32, _: f32) {}
        fn close(&mut self) {}
    }

    #[test]
    fn to_unicode_maps_kazakh_letters() {
        let mut used = BTreeMap::new();
        used.insert(0x0123u16, 'ә');
        used.insert(0x0124u16, '😀');
        let cmap = to_unicode_cmap(&used);
        assert!(cmap.contains("<0123> <04D9>"));
        assert!(cmap.contains("<0124> <D83DDE00>"));
    }
}

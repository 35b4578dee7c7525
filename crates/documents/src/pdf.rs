//! A minimal PDF 1.7 object writer: numbered objects, Flate-compressed streams, a
//! cross-reference table and a trailer with a caller-given (fixed) document ID.
//!
//! For: serialising objects that `render` has already laid out, byte-for-byte deterministic
//! (no clock, no randomness, objects in the order they were added).
//!
//! Not for: layout, fonts or parsing PDFs. Dictionaries are written as text the caller builds;
//! this module only knows objects, streams, strings and the file structure.

use std::fmt::Write as _;

/// A reference to an indirect object (`n 0 R`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ObjRef(pub(crate) u32);

impl std::fmt::Display for ObjRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} 0 R", self.0)
    }
}

/// Collects indirect objects, then writes the whole file.
#[derive(Default)]
pub(crate) struct PdfWriter {
    /// Object bodies, index `i` is object number `i + 1`; `None` = reserved, not yet set.
    objects: Vec<Option<Vec<u8>>>,
}

impl PdfWriter {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Reserves an object number to be filled later with [`PdfWriter::set`] (for forward
    /// references such as a page's parent).
    pub(crate) fn reserve(&mut self) -> ObjRef {
        self.objects.push(None);
        ObjRef(self.objects.len() as u32)
    }

    /// Sets the body of a reserved object.
    pub(crate) fn set(&mut self, r: ObjRef, body: impl Into<Vec<u8>>) {
        self.objects[(r.0 - 1) as usize] = Some(body.into());
    }

    /// Adds an object whose body is `body` (a dictionary, array, ...).
    pub(crate) fn add(&mut self, body: impl Into<Vec<u8>>) -> ObjRef {
        let r = self.reserve();
        self.set(r, body);
        r
    }

    /// Adds a stream object, Flate-compressed; `dict_extra` is inserted into its dictionary
    /// (e.g. `/Length1 1234`).
    pub(crate) fn add_stream(&mut self, dict_extra: &str, data: &[u8]) -> ObjRef {
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(data, 9);
        let mut body = Vec::with_capacity(compressed.len() + 80);
        let sep = if dict_extra.is_empty() { "" } else { " " };
        body.extend_from_slice(
            format!(
                "<< /Length {} /Filter /FlateDecode{sep}{dict_extra} >>\nstream\n",
                compressed.len()
            )
            .as_bytes(),
        );
        body.extend_from_slice(&compressed);
        body.extend_from_slice(b"\nendstream");
        self.add(body)
    }

    /// Writes the file: header, objects, xref, trailer with `/Root`, `/Info` and `/ID`.
    pub(crate) fn finish(self, root: ObjRef, info: ObjRef, id: &[u8; 16]) -> Vec<u8> {
        let mut out: Vec<u8> = Vec::new();
        // The binary comment marks the file as binary for transfer tools.
        out.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
        let mut offsets = Vec::with_capacity(self.objects.len());
        for (i, obj) in self.objects.into_iter().enumerate() {
            offsets.push(out.len());
            out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
            out.extend_from_slice(&obj.expect("every reserved PDF object is set"));
            out.extend_from_slice(b"\nendobj\n");
        }
        let xref_at = out.len();
        let mut xref = format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1);
        for off in &offsets {
            // Each entry is 20 bytes: 10 + 1 + 5 + 1 + "n" + " \n".
            let _ = writeln!(xref, "{off:010} 00000 n ");
        }
        let id_hex = hex(id);
        let _ = write!(
            xref,
            "trailer\n<< /Size {} /Root {root} /Info {info} /ID [<{id_hex}> <{id_hex}>] >>\nstartxref\n{xref_at}\n%%EOF\n",
            offsets.len() + 1
        );
        out.extend_from_slice(xref.as_bytes());
        out
    }
}

/// Upper-case hex of bytes (PDF hex strings, IDs).
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// A PDF text string for metadata (`/Title` ...): UTF-16BE with BOM, as a hex string, so any
/// Kazakh or Russian text survives.
pub(crate) fn text_string(s: &str) -> String {
    let mut bytes = vec![0xFE, 0xFF];
    for u in s.encode_utf16() {
        bytes.extend_from_slice(&u.to_be_bytes());
    }
    format!("<{}>", hex(&bytes))
}

/// A number for content streams and dictionaries: at most 3 decimals, no trailing zeros, no
/// exponent (PDF has none), so output is stable and compact.
pub(crate) fn num(v: f32) -> String {
    let r = (v * 1000.0).round() / 1000.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        let s = format!("{r:.3}");
        s.trim_end_matches('0').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_compact() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-0.5), "-0.5");
        assert_eq!(num(12.3456), "12.346");
        assert_eq!(num(595.2756), "595.276");
    }

    #[test]
    fn text_string_is_utf16_with_bom() {
        assert_eq!(text_string("ә"), "<FEFF04D9>");
    }

    #[test]
    fn xref_offsets_point_at_objects() {
        let mut w = PdfWriter::new();
        let a = w.add("<< /Type /Catalog >>");
        let b = w.add("<< /Producer (x) >>");
        let pdf = w.finish(a, b, &[0; 16]);
        let start = pdf.windows(5).position(|w| w == b"xref\n").unwrap();
        let xref = std::str::from_utf8(&pdf[start..]).unwrap();
        let line = xref.lines().nth(3).unwrap();
        let off: usize = line[..10].parse().unwrap();
        assert!(pdf[off..].starts_with(b"1 0 obj"));
        assert!(pdf.ends_with(b"%%EOF\n"));
    }
}

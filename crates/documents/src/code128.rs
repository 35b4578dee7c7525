//! Code 128 barcodes (ISO/IEC 15417): encoding text into bar/space module widths.
//!
//! For: the barcode number of acceptance receipts, which the State Corporation scans. Code set
//! B carries printable ASCII; runs of four or more digits switch to code set C (two digits a
//! symbol), which keeps numeric receipt numbers short.
//!
//! Not for: drawing (the renderer turns the widths into PDF rectangles) or code set A (control
//! characters never appear in receipt numbers).

use crate::Error;

/// Bar/space widths (in modules) of symbol values 0..=105, then the stop pattern (106).
const PATTERNS: [&str; 107] = [
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212",
    "221213", "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221",
    "223211", "221132", "221231", "213212", "223112", "312131", "311222", "321122", "321221",
    "312212", "322112", "322211", "212123", "212321", "232121", "111323", "131123", "131321",
    "112313", "132113", "132311", "211313", "231113", "231311", "112133", "112331", "132131",
    "113123", "113321", "133121", "313121", "211331", "231131", "213113", "213311", "213131",
    "311123", "311321", "331121", "312113", "312311", "332111", "314111", "221411", "431111",
    "111224", "111422", "121124", "121421", "141122", "141221", "112214", "112412", "122114",
    "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111", "111242",
    "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311",
    "113141", "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
];

const START_B: u8 = 104;
const START_C: u8 = 105;
const CODE_B: u8 = 100; // switch to B while in C
const CODE_C: u8 = 99; // switch to C while in B
const STOP: u8 = 106;

/// Symbol values for `text`, with start, checksum and stop.
pub(crate) fn symbols(text: &str) -> Result<Vec<u8>, Error> {
    if text.is_empty() {
        return Err(Error::Barcode("empty barcode text".into()));
    }
    if let Some(c) = text.chars().find(|c| !(' '..='~').contains(c)) {
        return Err(Error::Barcode(format!(
            "{c:?} cannot be encoded in Code 128 set B/C (printable ASCII only)"
        )));
    }
    let b = text.as_bytes();
    let digit_run = |from: usize| b[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut out = Vec::new();
    let mut in_c;
    let mut i = 0;
    // Start in C when the text opens with 4+ digits (or is exactly 2 digits).
    let first = digit_run(0);
    if first >= 4 || (first == 2 && b.len() == 2) {
        out.push(START_C);
        in_c = true;
    } else {
        out.push(START_B);
        in_c = false;
    }
    while i < b.len() {
        if in_c {
            if digit_run(i) >= 2 {
                out.push((b[i] - b'0') * 10 + (b[i + 1] - b'0'));
                i += 2;
                continue;
            }
            out.push(CODE_B);
            in_c = false;
        }
        let run = digit_run(i);
        // Switch to C for 4+ digits that end the text or for 6+ digits inside it, taking an
        // even number of digits (an odd leading digit stays in B).
        if run >= 6 || (run >= 4 && i + run == b.len()) {
            if run % 2 == 1 {
                out.push(b[i] - b' ');
                i += 1;
            }
            out.push(CODE_C);
            in_c = true;
            continue;
        }
        out.push(b[i] - b' ');
        i += 1;
    }
    let check = out
        .iter()
        .enumerate()
        .map(|(pos, &v)| v as u32 * (pos.max(1) as u32))
        .sum::<u32>()
        % 103;
    out.push(check as u8);
    out.push(STOP);
    Ok(out)
}

/// Module widths, alternating bar, space, bar, ... starting with a bar, for `text`.
pub(crate) fn modules(text: &str) -> Result<Vec<u8>, Error> {
    Ok(symbols(text)?
        .into_iter()
        .flat_map(|s| PATTERNS[s as usize].bytes().map(|d| d - b'0'))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_have_eleven_modules_and_are_distinct() {
        for (i, p) in PATTERNS.iter().enumerate() {
            let sum: u32 = p.bytes().map(|d| (d - b'0') as u32).sum();
            assert_eq!(sum, if i == 106 { 13 } else { 11 }, "pattern {i}");
        }
        let set: std::collections::BTreeSet<_> = PATTERNS.iter().collect();
        assert_eq!(set.len(), PATTERNS.len());
    }

    #[test]
    fn checksum_of_pjj123c() {
        // "PJJ123C" in set B: start B, P J J 1 2 3 C, checksum
        // (104 + 48·1 + 42·2 + 42·3 + 17·4 + 18·5 + 19·6 + 35·7) mod 103 = 55, stop.
        let s = symbols("PJJ123C").unwrap();
        assert_eq!(s, vec![104, 48, 42, 42, 17, 18, 19, 35, 55, 106]);
    }

    #[test]
    fn digits_use_code_set_c() {
        let s = symbols("123456").unwrap();
        assert_eq!(&s[..4], &[START_C, 12, 34, 56]);
        let s = symbols("KZ-0012345678").unwrap();
        assert!(s.contains(&CODE_C));
        assert_eq!(s.len(), 1 + 3 + 1 + 5 + 2); // start, K Z -, code C, 5 pairs, check, stop
    }

    /// Reads symbol values back into text (sets B and C only), checking the checksum.
    fn decode(s: &[u8]) -> String {
        let (body, tail) = s.split_at(s.len() - 2);
        let check = body
            .iter()
            .enumerate()
            .map(|(pos, &v)| v as u32 * (pos.max(1) as u32))
            .sum::<u32>()
            % 103;
        assert_eq!(tail, &[check as u8, STOP]);
        let mut in_c = body[0] == START_C;
        let mut out = String::new();
        for &v in &body[1..] {
            match (in_c, v) {
                (true, CODE_B) => in_c = false,
                (false, CODE_C) => in_c = true,
                (true, v) => out.push_str(&format!("{v:02}")),
                (false, v) => out.push((v + b' ') as char),
            }
        }
        out
    }

    #[test]
    fn encodings_round_trip() {
        for text in [
            "0",
            "12",
            "123",
            "1234",
            "12345",
            "A1234567B",
            "A123456B",
            "KZ-2024/77-0001",
            "98765432109876",
            "x 9999999 y",
            "~!@#",
            "007",
        ] {
            assert_eq!(decode(&symbols(text).unwrap()), text, "{text}");
        }
    }

    #[test]
    fn non_ascii_is_refused() {
        assert!(symbols("Қ-1").is_err());
        assert!(symbols("").is_err());
    }
}

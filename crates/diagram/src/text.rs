//! Words and text metrics shared by both formats: XML escaping, durations and channels in
//! words, and an estimate of text width to wrap names into the boxes the layout gives them.
//! Not for: deciding what a diagram says (that is `graph`).

use regulation::*;

/// Escape text for XML character data and attribute values (both quote kinds), dropping the
/// control characters XML 1.0 does not allow.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// Collapse runs of white space (the TOML texts may be wrapped) into single spaces.
pub(crate) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn plural(n: u32, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The word for `lang` of an English, Kazakh and Russian triple.
pub(crate) fn tr(lang: Lang, en: &'static str, kk: &'static str, ru: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Kk => kk,
        Lang::Ru => ru,
    }
}

/// Russian plural form of `n`: one (1, 21), few (2-4, 22-24), many (the rest).
fn ru_plural(n: u32, one: &str, few: &str, many: &str) -> String {
    let w = match (n % 10, n % 100) {
        (1, h) if h != 11 => one,
        (2..=4, h) if !(12..=14).contains(&h) => few,
        _ => many,
    };
    format!("{n} {w}")
}

/// A duration in `lang` (Kazakh nouns do not change after a number).
pub(crate) fn duration_text_in(d: Duration, lang: Lang) -> String {
    let n = d.value;
    match lang {
        Lang::En => duration_text(d),
        Lang::Kk => format!(
            "{n} {}",
            match d.unit {
                Unit::Seconds => "секунд",
                Unit::Minutes => "минут",
                Unit::Hours => "сағат",
                Unit::WorkingDays => "жұмыс күні",
                Unit::CalendarDays => "күнтізбелік күн",
                Unit::DaysUnspecified => "күн",
                Unit::Months => "ай",
            }
        ),
        Lang::Ru => match d.unit {
            Unit::Seconds => ru_plural(n, "секунда", "секунды", "секунд"),
            Unit::Minutes => ru_plural(n, "минута", "минуты", "минут"),
            Unit::Hours => ru_plural(n, "час", "часа", "часов"),
            Unit::WorkingDays => ru_plural(n, "рабочий день", "рабочих дня", "рабочих дней"),
            Unit::CalendarDays => {
                ru_plural(n, "календарный день", "календарных дня", "календарных дней")
            }
            Unit::DaysUnspecified => ru_plural(n, "день", "дня", "дней"),
            Unit::Months => ru_plural(n, "месяц", "месяца", "месяцев"),
        },
    }
}

/// A duration as a reader says it: "20 minutes", "9 calendar days", "1 working day".
pub(crate) fn duration_text(d: Duration) -> String {
    let n = d.value;
    match d.unit {
        Unit::Seconds => plural(n, "second", "seconds"),
        Unit::Minutes => plural(n, "minute", "minutes"),
        Unit::Hours => plural(n, "hour", "hours"),
        Unit::WorkingDays => plural(n, "working day", "working days"),
        Unit::CalendarDays => plural(n, "calendar day", "calendar days"),
        Unit::DaysUnspecified => plural(n, "day", "days"),
        Unit::Months => plural(n, "month", "months"),
    }
}

/// ISO-8601 duration for a BPMN timer, and whether it is exact. Working days and days of an
/// unstated kind have no ISO-8601 unit: they become calendar days (`P10D`), which is not exact.
pub(crate) fn iso_duration(d: Duration) -> (String, bool) {
    let n = d.value;
    match d.unit {
        Unit::Seconds => (format!("PT{n}S"), true),
        Unit::Minutes => (format!("PT{n}M"), true),
        Unit::Hours => (format!("PT{n}H"), true),
        Unit::CalendarDays => (format!("P{n}D"), true),
        Unit::WorkingDays | Unit::DaysUnspecified => (format!("P{n}D"), false),
        Unit::Months => (format!("P{n}M"), true),
    }
}

/// How the diagrams name a channel.
pub(crate) fn channel_text(c: ChannelId) -> &'static str {
    match c {
        ChannelId::Office => "the provider's office",
        ChannelId::StateCorporation => "the State Corporation",
        ChannelId::Portal => "the e-government portal",
        ChannelId::Intermediary => "an intermediary",
    }
}

/// The caption of a flow in `lang`; Kazakh and Russian name the channel, never the flow id.
pub(crate) fn flow_caption_in(flow_id: &str, flow: &Flow, lang: Lang) -> String {
    let (kk, ru) = match flow.channel {
        ChannelId::Office => (
            "көрсетілетін қызметті берушінің кеңсесі арқылы",
            "через канцелярию услугодателя",
        ),
        ChannelId::StateCorporation => (
            "Мемлекеттік корпорация арқылы",
            "через Государственную корпорацию",
        ),
        ChannelId::Portal => (
            "«электрондық үкімет» порталы арқылы",
            "через портал «электронного правительства»",
        ),
        ChannelId::Intermediary => ("делдал арқылы", "через посредника"),
    };
    match lang {
        Lang::En => flow_caption(flow_id, flow),
        Lang::Kk => kk.to_string(),
        Lang::Ru => ru.to_string(),
    }
}

/// "through the State Corporation", plus the flow id where it is not the channel's own.
pub(crate) fn flow_caption(flow_id: &str, flow: &Flow) -> String {
    let c = channel_text(flow.channel);
    if flow_id == flow.channel.as_str() {
        format!("through {c}")
    } else {
        format!("through {c} (route `{flow_id}`)")
    }
}

/// Approximate advance width of `s` in DejaVu Sans (what `sans-serif` is on most Linux
/// systems; wider than Arial/Helvetica, so the estimate is safe for those too), in pixels.
pub(crate) fn text_width(s: &str, font_size: f64, bold: bool) -> f64 {
    let em: f64 =
        s.chars()
            .map(|c| match c {
                ' ' => 0.32,
                'i' | 'l' | 'j' | 'I' | '.' | ',' | ':' | ';' | '!' | '|' | '\'' | 'ı' | 'і'
                | 'ї' => 0.3,
                'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '-' | '/' | '"' | '`' => 0.42,
                'm' | 'w' | 'M' | 'W' | '%' | '@' | '—' | 'ш' | 'щ' | 'ж' | 'ю' | 'м' | 'ы'
                | 'Ш' | 'Щ' | 'Ж' | 'Ю' | 'Ы' | 'Ф' | 'ф' => 0.92,
                '0'..='9' => 0.64,
                c if c.is_uppercase() => 0.74,
                c if c.is_ascii() => 0.62,
                _ => 0.66,
            })
            .sum();
    em * font_size * if bold { 1.1 } else { 1.0 }
}

/// Wrap `text` into lines no wider than `width` px, at most `max_lines`; the last line kept
/// ends with "…" when text was cut. Words longer than a line are broken.
pub(crate) fn wrap(
    text: &str,
    width: f64,
    font_size: f64,
    bold: bool,
    max_lines: usize,
) -> Vec<String> {
    wrap_widths(text, &|_| width, font_size, bold, max_lines)
}

/// Like [`wrap`], with a width per line (for text inside a diamond).
pub(crate) fn wrap_widths(
    text: &str,
    width_of_line: &dyn Fn(usize) -> f64,
    font_size: f64,
    bold: bool,
    max_lines: usize,
) -> Vec<String> {
    let fits = |s: &str, line: usize| text_width(s, font_size, bold) <= width_of_line(line);
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut truncated = false;
    'words: for word in text.split_whitespace() {
        let candidate = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if fits(&candidate, lines.len()) {
            cur = candidate;
            continue;
        }
        if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
            if lines.len() == max_lines {
                truncated = true;
                break 'words;
            }
        }
        // Break a word that does not fit a line by itself.
        let mut rest = word.to_string();
        while !fits(&rest, lines.len()) {
            let mut cut = String::new();
            for c in rest.chars() {
                let mut t = cut.clone();
                t.push(c);
                t.push('-');
                if !fits(&t, lines.len()) && !cut.is_empty() {
                    break;
                }
                cut.push(c);
            }
            rest = rest[cut.len()..].to_string();
            lines.push(format!("{cut}-"));
            if lines.len() == max_lines {
                truncated = true;
                break 'words;
            }
        }
        cur = rest;
    }
    if !cur.is_empty() {
        if lines.len() < max_lines {
            lines.push(cur);
        } else {
            truncated = true;
        }
    }
    if truncated && !lines.is_empty() {
        let i = lines.len() - 1;
        if let Some(last) = lines.last_mut() {
            let mut s = last.trim_end_matches('-').to_string();
            while !s.is_empty() && !fits(&format!("{s}…"), i) {
                s.pop();
            }
            *last = format!("{}…", s.trim_end_matches([' ', ',', ';', ':']));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_control_characters() {
        assert_eq!(
            esc("a & b <c> \"d\" 'e'\u{1}"),
            "a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;"
        );
    }

    #[test]
    fn durations_read_and_map_to_iso() {
        let d = |value, unit| Duration { value, unit };
        assert_eq!(duration_text(d(1, Unit::Minutes)), "1 minute");
        assert_eq!(duration_text(d(9, Unit::CalendarDays)), "9 calendar days");
        assert_eq!(iso_duration(d(20, Unit::Minutes)), ("PT20M".into(), true));
        assert_eq!(iso_duration(d(30, Unit::Seconds)), ("PT30S".into(), true));
        assert_eq!(
            iso_duration(d(10, Unit::WorkingDays)),
            ("P10D".into(), false)
        );
        assert_eq!(iso_duration(d(1, Unit::Months)), ("P1M".into(), true));
    }

    #[test]
    fn wraps_within_width_and_marks_cuts() {
        let lines = wrap(
            "one two three four five six seven eight nine ten",
            60.0,
            10.0,
            false,
            3,
        );
        assert_eq!(lines.len(), 3);
        assert!(
            lines.iter().all(|l| text_width(l, 10.0, false) <= 60.0),
            "{lines:?}"
        );
        assert!(lines[2].ends_with('…'));
        let long = wrap("Электрондықүкіметшлюзіарқылы", 50.0, 10.0, false, 10);
        assert!(
            long.len() > 1 && long.iter().all(|l| text_width(l, 10.0, false) <= 50.0),
            "{long:?}"
        );
        assert_eq!(wrap("short", 100.0, 10.0, false, 2), vec!["short"]);
    }
}

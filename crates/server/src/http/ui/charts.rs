//! The monitoring page's SVG charts, drawn on the server so they show without JavaScript:
//! compliance per group (horizontal bars against 50/80/100 % guides) and time per step against
//! its legal duration (log scale). Every label is spliced by `maud`, so escaped.
//!
//! Not for: computing the figures (`monitoring`).

use maud::{Markup, html};

/// A horizontal bar chart of compliance (0–100%) per row, with the numbers as text.
pub fn compliance_svg(title: &str, rows: &[(String, f64, u64)]) -> Markup {
    let row_h = 26.0;
    let label_w = 300.0;
    let bar_w = 360.0;
    let h = 40.0 + row_h * rows.len().max(1) as f64 + 24.0;
    let w = label_w + bar_w + 90.0;
    let colour = |v: f64| {
        if v >= 0.9 {
            "#00703c"
        } else if v >= 0.8 {
            "#b58800"
        } else {
            "#d4351c"
        }
    };
    // Every element is closed explicitly: inline SVG is foreign content, where `<line>`
    // without `/>` or an end tag would swallow its siblings.
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (w) " " (h) } width="100%"
            role="img" aria-labelledby="c-t" {
            title id="c-t" { (title) }
            style { "text{font:13px sans-serif;fill:#0b0c0c}" }
            text x="0" y="18" style="font-weight:bold" { (title) }
            @for p in [0u32, 50, 80, 100] {
                @let x = label_w + bar_w * f64::from(p) / 100.0;
                line x1=(x) y1="28" x2=(x) y2=(h - 20.0) stroke="#b1b4b6"
                    stroke-dasharray=(if p == 80 { "4 3" } else { "0" }) {}
                text x=(x) y=(h - 6.0) text-anchor="middle" { (p) "%" }
            }
            @for (i, (label, v, n)) in rows.iter().enumerate() {
                @let y = 32.0 + row_h * i as f64;
                @let short: String = label.chars().take(44).collect();
                @let pct = format!("{:.0}% ({n})", v * 100.0);
                text x="0" y=(y + 14.0) { (short) }
                rect x=(label_w) y=(y) width=(format!("{:.1}", (bar_w * v).max(1.0))) height="18"
                    fill=(colour(*v)) {
                    title { (label) ": " (pct) }
                }
                text x=(format!("{:.1}", label_w + bar_w * v + 6.0)) y=(y + 14.0) { (pct) }
            }
        }
    }
}

/// Grouped bars per step: average and p90 time against the legal duration (minutes, log scale
/// so that 30 seconds and 9 days fit one chart).
pub fn steps_svg(
    title: &str,
    legend: [&str; 3],
    minutes: &str,
    rows: &[(String, f64, f64, Option<f64>)],
) -> Markup {
    let n0 = |x: f64| {
        if x.abs() < 0.5 {
            "0".to_string()
        } else {
            format!("{x:.0}")
        }
    };
    let row_h = 34.0;
    let label_w = 300.0;
    let bar_w = 360.0;
    let h = 60.0 + row_h * rows.len().max(1) as f64 + 24.0;
    let w = label_w + bar_w + 120.0;
    let max = rows
        .iter()
        .flat_map(|r| [r.1, r.2, r.3.unwrap_or(0.0)])
        .fold(1.0f64, f64::max);
    let scale = |m: f64| bar_w * ((m.max(0.0) + 1.0).ln() / (max + 1.0).ln());
    let f1 = |x: f64| format!("{x:.1}");
    let colours = ["#1d70b8", "#5694ca", "#0b0c0c"];
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (w) " " (h) } width="100%"
            role="img" aria-labelledby="s-t" {
            title id="s-t" { (title) }
            style { "text{font:12px sans-serif;fill:#0b0c0c}" }
            text x="0" y="18" style="font-weight:bold" { (title) }
            @for (i, (c, l)) in colours.iter().zip(legend).enumerate() {
                @let x = i as f64 * 200.0;
                rect x=(x) y="28" width="14" height="10" fill=(c) {}
                text x=(x + 18.0) y="37" { (l) }
            }
            @for (i, (label, avg, p90v, legal)) in rows.iter().enumerate() {
                @let y = 52.0 + row_h * i as f64;
                @let short: String = label.chars().take(44).collect();
                text x="0" y=(y + 14.0) { (short) }
                rect x=(label_w) y=(y) width=(f1(scale(*avg).max(1.0))) height="10" fill=(colours[0]) {
                    title { (label) }
                }
                rect x=(label_w) y=(y + 11.0) width=(f1(scale(*p90v).max(1.0))) height="10"
                    fill=(colours[1]) {}
                text x=(f1(label_w + scale(avg.max(*p90v)) + 6.0)) y=(y + 10.0) {
                    (format!("{} / {} {minutes}", n0(*avg), n0(*p90v)))
                }
                @if let Some(l) = legal {
                    @let x = f1(label_w + scale(*l));
                    line x1=(x) y1=(y - 3.0) x2=(x) y2=(y + 24.0) stroke=(colours[2]) stroke-width="3" {
                        title { (format!("{} {minutes}", n0(*l))) }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_with_escaped_labels() {
        let s = compliance_svg("A & B", &[("x<y".into(), 0.5, 2)]).into_string();
        assert!(s.starts_with("<svg") && s.contains("x&lt;y") && s.contains("A &amp; B"));
        assert!(s.contains("</line>") && s.contains("50% (2)"), "{s}");
        let s = steps_svg(
            "t",
            ["avg", "p90", "legal"],
            "мин",
            &[
                ("s".into(), 10.0, 20.0, Some(15.0)),
                ("z".into(), -0.2, 0.0, None),
            ],
        )
        .into_string();
        assert!(s.contains("<line") && s.ends_with("</svg>"));
        assert!(
            s.contains("10 / 20 мин") && s.contains("0 / 0 мин") && !s.contains("-0"),
            "{s}"
        );
    }
}

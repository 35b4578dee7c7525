//! SVG process diagrams, one per flow, in the manner of the regulations' appendix 2
//! ("business-process reference guide"): a title with the regulation and the channel,
//! horizontal swimlanes per role (name on the left), numbered boxes for actions and processes
//! with their duration under them, diamonds for conditions and for decisions after a step,
//! arrows in the text's order, branch arrows to red ends (refusals, refusal receipts and
//! notices) or green ends (results), and a legend. Standalone SVG 1.1; every text escaped and
//! wrapped to its box; full texts in `<title>` tooltips.

use super::common::*;
use crate::model::*;
use std::fmt::Write as _;

const M: f64 = 24.0; // outer margin
const HEAD_W: f64 = 190.0; // role column
const BOX_W: f64 = 180.0;
const BOX_H: f64 = 104.0;
const BOX_Y: f64 = 22.0; // box top below the lane top
const ROW_Y: f64 = BOX_Y + BOX_H / 2.0; // main-row centre below the lane top
const LANE_MAIN: f64 = 204.0;
const PILL_H: f64 = 46.0;
const SMALL_D: f64 = 36.0; // decision diamond
const FONT: &str = "DejaVu Sans, Arial, Helvetica, sans-serif";

const INK: &str = "#263238";
const MUTED: &str = "#607d8b";
const RED: &str = "#c62828";
const RED_FILL: &str = "#fdecea";
const GREEN: &str = "#2e7d32";
const GREEN_FILL: &str = "#e8f5e9";
const GREY: &str = "#546e7a";
const GREY_FILL: &str = "#eceff1";
const ORANGE: &str = "#e65100";

#[derive(Clone, Copy, Debug)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }
    fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }
    fn right(&self) -> f64 {
        self.x + self.w
    }
    fn bottom(&self) -> f64 {
        self.y + self.h
    }
}

fn col_width(kind: &NodeKind) -> f64 {
    match kind {
        NodeKind::Start => 90.0,
        NodeKind::Decision(_) => 100.0,
        _ => 220.0,
    }
}

fn band_height(k: BandKind) -> f64 {
    match k {
        BandKind::End => 80.0,
        BandKind::Step => 180.0,
    }
}

fn tone_colours(t: Tone) -> (&'static str, &'static str) {
    match t {
        Tone::Result => (GREEN, GREEN_FILL),
        Tone::Refusal => (RED, RED_FILL),
        Tone::Neutral => (GREY, GREY_FILL),
    }
}

/// `<text>` lines centred on `cx`, first baseline at `y`.
fn text_lines(
    out: &mut String,
    lines: &[String],
    cx: f64,
    y: f64,
    lh: f64,
    size: f64,
    attrs: &str,
) {
    for (i, l) in lines.iter().enumerate() {
        let _ = writeln!(
            out,
            r#"<text x="{cx:.1}" y="{:.1}" font-size="{size}" text-anchor="middle"{attrs}>{}</text>"#,
            y + i as f64 * lh,
            esc(l)
        );
    }
}

/// Lines for a diamond of `w`×`h` centred text: as few lines as the text needs, each as wide as
/// the diamond is at its height.
fn diamond_lines(text: &str, w: f64, h: f64, size: f64, lh: f64, max: usize) -> Vec<String> {
    for k in 1..=max {
        let width_at = |i: usize| {
            let dy = (i as f64 - (k as f64 - 1.0) / 2.0) * lh;
            let dy = dy.abs() + size * 0.5;
            (w * (1.0 - dy / (h / 2.0)) - 14.0).max(10.0)
        };
        let lines = wrap_widths(text, &width_at, size, false, k);
        let cut = lines.last().is_some_and(|l| l.ends_with('…'));
        if !cut || k == max {
            return lines;
        }
    }
    Vec::new()
}

/// "if <condition>" in at most two lines just above `r`, from `indent` px in.
fn caption_above(out: &mut String, r: &Rect, cond: &str, indent: f64) {
    if cond.is_empty() {
        return;
    }
    let c = wrap(&format!("if {cond}"), r.w - indent, 9.0, false, 2);
    let y0 = r.y - 5.0 - (c.len() as f64 - 1.0) * 11.0;
    for (i, l) in c.iter().enumerate() {
        let _ = writeln!(
            out,
            r#"<text x="{:.1}" y="{:.1}" font-size="9" font-style="italic" fill="{MUTED}">{}</text>"#,
            r.x + indent,
            y0 + i as f64 * 11.0,
            esc(l)
        );
    }
}

fn step_tooltip(reg: &Regulation, s: &Step) -> String {
    let mut t = format!("{}. {}", s.n, one_line(&s.text_en));
    if let Some(l) = &s.label {
        t = format!("{} — {t}", one_line(l));
    }
    if let Some(kk) = &s.text_kk {
        let _ = write!(t, "\n{}", one_line(kk));
    }
    if let Some(r) = &s.role {
        let _ = write!(t, "\nrole: {}", role_names(reg, r).0);
    }
    if let Some(i) = &s.input {
        let _ = write!(t, "\ninput: {}", one_line(i));
    }
    if let Some(o) = &s.output {
        let _ = write!(t, "\noutput: {}", one_line(o));
    }
    if let Some(d) = s.duration {
        let _ = write!(t, "\nduration: {}", duration_text(d));
    }
    for a in &s.alternatives {
        let _ = write!(t, "\ncontradiction: {}", one_line(&a.get_ref().note));
    }
    let _ = write!(t, "\nsource: {}", s.source);
    t
}

fn clock(out: &mut String, x: f64, y: f64) {
    let _ = writeln!(
        out,
        r#"<g stroke="{MUTED}" fill="none" stroke-width="1.2"><circle cx="{x:.1}" cy="{y:.1}" r="5"/><path d="M{x:.1},{:.1} V{y:.1} H{:.1}"/></g>"#,
        y - 3.0,
        x + 2.5
    );
}

fn path(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        let _ = write!(d, "{}{x:.1},{y:.1} ", if i == 0 { "M" } else { "L" });
    }
    d.trim_end().to_string()
}

/// One SVG diagram for the flow `flow_id`.
pub fn flow_svg(reg: &Regulation, flow_id: &str) -> Option<String> {
    let flow = reg.flows.get(flow_id)?.get_ref();
    let g = graph(reg, flow);

    // Columns and lanes.
    let mut col_w = vec![0.0; g.columns];
    for n in &g.nodes {
        if n.band == 0 {
            col_w[n.col] = col_width(&n.kind);
        }
    }
    let content_w: f64 = col_w.iter().sum::<f64>() + 20.0;
    let width = (M + HEAD_W + content_w + M).max(980.0).ceil();
    let inner_w = width - 2.0 * M;

    // Title block.
    let title = wrap(&one_line(&reg.title.get_ref().en), inner_w, 18.0, true, 3);
    let subtitle = format!(
        "Business-process reference guide: the service {}",
        flow_caption(flow_id, flow)
    );
    let subtitle = wrap(&subtitle, inner_w, 13.0, false, 2);
    let mut meta = Vec::new();
    if let Some(t) = reg.term(flow.channel) {
        let mut s = format!("Term: {}", duration_text(t.duration()));
        if let Some(f) = &t.from_en {
            let _ = write!(s, " {}", one_line(f));
        }
        meta.push(s);
    }
    let act = reg.act.get_ref();
    meta.push(format!(
        "Regulation {} v{} · {} · {} No. {} of {} · source {}, {}",
        reg.id,
        reg.version,
        reg.region,
        act.kind,
        act.number,
        act.date,
        reg.source.get_ref().seed,
        flow.source
    ));
    let meta = wrap(&meta.join(" · "), inner_w, 10.0, false, 3);
    let mut y = M + 18.0;
    let title_y = y;
    y += (title.len() as f64 - 1.0) * 23.0 + 22.0;
    let subtitle_y = y;
    y += (subtitle.len() as f64 - 1.0) * 17.0 + 17.0;
    let meta_y = y;
    y += (meta.len() as f64 - 1.0) * 13.0 + 16.0;

    let lanes_top = y;
    let (mut lane_y, mut lane_h, mut row_y) = (Vec::new(), Vec::new(), Vec::new());
    for l in &g.lanes {
        let mut rows = Vec::new();
        let mut r = y + LANE_MAIN;
        for k in &l.bands {
            rows.push(r);
            r += band_height(*k);
        }
        lane_y.push(y);
        lane_h.push(r - y);
        row_y.push(rows);
        y = r;
    }
    let lanes_bottom = y;

    // Legend below the lanes.
    let legend_top = lanes_bottom + 24.0;
    let item_w = 220.0;
    let per_row = ((inner_w / item_w).floor() as usize).max(1);
    let legend_items: usize = 10;
    let legend_rows = legend_items.div_ceil(per_row);
    let height = (legend_top + 26.0 + legend_rows as f64 * 40.0 + M).ceil();

    // Node geometry.
    let x0 = M + HEAD_W + 10.0;
    let mut col_x = Vec::with_capacity(g.columns);
    let mut x = x0;
    for w in &col_w {
        col_x.push(x);
        x += w;
    }
    let rects: Vec<Rect> = g
        .nodes
        .iter()
        .map(|n| {
            let lt = lane_y[n.lane];
            let cx = col_x[n.col] + col_w[n.col] / 2.0;
            if n.band > 0 {
                let top = row_y[n.lane][n.band - 1] + 26.0;
                let h = if matches!(n.kind, NodeKind::Step(_)) {
                    BOX_H
                } else {
                    PILL_H
                };
                return Rect {
                    x: cx - BOX_W / 2.0,
                    y: top,
                    w: BOX_W,
                    h,
                };
            }
            match &n.kind {
                NodeKind::Start => Rect {
                    x: cx - 14.0,
                    y: lt + ROW_Y - 14.0,
                    w: 28.0,
                    h: 28.0,
                },
                NodeKind::Decision(_) => Rect {
                    x: cx - SMALL_D / 2.0,
                    y: lt + ROW_Y - SMALL_D / 2.0,
                    w: SMALL_D,
                    h: SMALL_D,
                },
                NodeKind::End { .. } => Rect {
                    x: cx - BOX_W / 2.0,
                    y: lt + ROW_Y - 28.0,
                    w: BOX_W,
                    h: 56.0,
                },
                NodeKind::Step(st) if st.kind == StepKind::Condition => Rect {
                    x: cx - 100.0,
                    y: lt + ROW_Y - 54.0,
                    w: 200.0,
                    h: 108.0,
                },
                _ => Rect {
                    x: cx - BOX_W / 2.0,
                    y: lt + BOX_Y,
                    w: BOX_W,
                    h: BOX_H,
                },
            }
        })
        .collect();

    let mut s = String::new();
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="{FONT}">"#
    );
    let _ = writeln!(
        s,
        "<title>{}</title>",
        esc(&format!(
            "{} — {}",
            one_line(&reg.title.get_ref().en),
            flow_caption(flow_id, flow)
        ))
    );
    let _ = writeln!(
        s,
        "<desc>{}</desc>",
        esc(&format!(
            "Regulation {} v{}, flow `{flow_id}` (channel {}). Drawn by qyzmet.",
            reg.id,
            reg.version,
            flow.channel.as_str()
        ))
    );
    s.push_str("<defs>\n");
    for (id, colour) in [
        ("arrow", INK),
        ("arrow-red", RED),
        ("arrow-green", GREEN),
        ("arrow-grey", GREY),
        ("arrow-orange", ORANGE),
    ] {
        let _ = writeln!(
            s,
            r#"<marker id="{id}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="9" markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>"#
        );
    }
    s.push_str("</defs>\n");
    let _ = writeln!(
        s,
        r##"<rect x="0" y="0" width="{width:.0}" height="{height:.0}" fill="#ffffff"/>"##
    );

    // Title.
    for (i, l) in title.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text x="{M}" y="{:.1}" font-size="18" font-weight="bold" fill="{INK}">{}</text>"#,
            title_y + i as f64 * 23.0,
            esc(l)
        );
    }
    for (i, l) in subtitle.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text x="{M}" y="{:.1}" font-size="13" fill="{INK}">{}</text>"#,
            subtitle_y + i as f64 * 17.0,
            esc(l)
        );
    }
    for (i, l) in meta.iter().enumerate() {
        let _ = writeln!(
            s,
            r#"<text x="{M}" y="{:.1}" font-size="10" fill="{MUTED}">{}</text>"#,
            meta_y + i as f64 * 13.0,
            esc(l)
        );
    }

    // Lanes.
    s.push_str("<g id=\"lanes\">\n");
    for (li, l) in g.lanes.iter().enumerate() {
        let (ly, lh) = (lane_y[li], lane_h[li]);
        let fill = if li % 2 == 0 { "#fafbfc" } else { "#f2f5f8" };
        let _ = writeln!(
            s,
            r##"<rect x="{M}" y="{ly:.1}" width="{:.1}" height="{lh:.1}" fill="{fill}" stroke="#b0bec5"/>"##,
            inner_w
        );
        let _ = writeln!(
            s,
            r##"<rect x="{M}" y="{ly:.1}" width="{HEAD_W}" height="{lh:.1}" fill="#e3e9ee" stroke="#b0bec5"/>"##
        );
        let en = wrap(&l.en, HEAD_W - 16.0, 12.0, true, 4);
        let kk =
            l.kk.as_deref()
                .map(|k| wrap(k, HEAD_W - 16.0, 10.0, false, 4))
                .unwrap_or_default();
        let block = en.len() as f64 * 15.0
            + if kk.is_empty() {
                0.0
            } else {
                4.0 + kk.len() as f64 * 12.5
            };
        let top = ly + (lh.min(LANE_MAIN) - block) / 2.0 + 11.0;
        let cx = M + HEAD_W / 2.0;
        let _ = writeln!(
            s,
            "<g><title>{}</title>",
            esc(&match &l.kk {
                Some(k) => format!("{} / {k}", l.en),
                None => l.en.clone(),
            })
        );
        text_lines(
            &mut s,
            &en,
            cx,
            top,
            15.0,
            12.0,
            &format!(r#" font-weight="bold" fill="{INK}""#),
        );
        text_lines(
            &mut s,
            &kk,
            cx,
            top + en.len() as f64 * 15.0 + 4.0,
            12.5,
            10.0,
            &format!(r#" fill="{MUTED}""#),
        );
        s.push_str("</g>\n");
    }
    s.push_str("</g>\n");

    // Edges first, so that shapes cover their ends.
    s.push_str("<g id=\"arrows\" fill=\"none\" stroke-width=\"1.5\">\n");
    for e in &g.edges {
        let (a, b) = (rects[e.from], rects[e.to]);
        let na = &g.nodes[e.from];
        let from_small = matches!(na.kind, NodeKind::Decision(_));
        match &e.kind {
            EdgeKind::Next => {
                let (sx, sy) = (a.right(), a.cy());
                let (tx, ty) = (b.x, b.cy());
                let pts = if (sy - ty).abs() < 0.5 {
                    vec![(sx, sy), (tx, ty)]
                } else {
                    let vx = tx - 12.0;
                    vec![(sx, sy), (vx, sy), (vx, ty), (tx, ty)]
                };
                let _ = writeln!(
                    s,
                    r#"<path d="{}" stroke="{INK}" marker-end="url(#arrow)"/>"#,
                    path(&pts)
                );
                if e.default {
                    // Over the line after a decision; under it, by the diamond's edge, after a
                    // condition (whose diamond leaves little room before the next box).
                    let (word, x, y) = if from_small {
                        ("otherwise", sx + 3.0, sy - 5.0)
                    } else {
                        ("passed", sx - 8.0, sy + 12.0)
                    };
                    let _ = writeln!(
                        s,
                        r#"<text x="{x:.1}" y="{y:.1}" font-size="9" fill="{MUTED}" stroke="none">{word}</text>"#
                    );
                }
            }
            EdgeKind::Branch(b_) => {
                let tone = match &g.nodes[e.to].kind {
                    NodeKind::BranchEnd { tone, .. } => *tone,
                    _ => Tone::Refusal,
                };
                let (colour, marker) = match tone {
                    Tone::Result => (GREEN, "arrow-green"),
                    Tone::Refusal => (RED, "arrow-red"),
                    Tone::Neutral => (GREY, "arrow-grey"),
                };
                let pts = if na.band > 0 {
                    // From a failure-only step down to its end.
                    vec![(a.cx(), a.bottom()), (a.cx(), b.y)]
                } else {
                    let up = b.cy() < a.cy();
                    let sy = if up { a.y } else { a.bottom() };
                    if from_small {
                        vec![(a.cx(), sy), (a.cx(), b.cy()), (b.right(), b.cy())]
                    } else {
                        // A condition: a bus on the right of its column, clear of what hangs under it.
                        let bus = col_x[na.col] + col_w[na.col] - 8.0;
                        let ky = if up { sy - 8.0 } else { sy + 8.0 };
                        vec![
                            (a.cx(), sy),
                            (a.cx(), ky),
                            (bus, ky),
                            (bus, b.cy()),
                            (b.right(), b.cy()),
                        ]
                    }
                };
                let tip = b_.condition_en.as_deref().map(one_line).unwrap_or_default();
                let _ = writeln!(
                    s,
                    r#"<path d="{}" stroke="{colour}" marker-end="url(#{marker})"><title>{}</title></path>"#,
                    path(&pts),
                    esc(&tip)
                );
            }
            EdgeKind::Goto(b_) => {
                let top = lane_y[na.lane] + 8.0;
                let vx = b.x - 12.0;
                let pts = [
                    (a.cx(), a.y),
                    (a.cx(), top),
                    (vx, top),
                    (vx, b.cy()),
                    (b.x, b.cy()),
                ];
                let tip = b_.condition_en.as_deref().map(one_line).unwrap_or_default();
                let _ = writeln!(
                    s,
                    r#"<path d="{}" stroke="{ORANGE}" stroke-dasharray="5,3" marker-end="url(#arrow-orange)"><title>{}</title></path>"#,
                    path(&pts),
                    esc(&tip)
                );
                let label = wrap(
                    &format!("if {tip} → step {}", b_.goto.unwrap_or(0)),
                    240.0,
                    9.0,
                    false,
                    1,
                );
                for l in label {
                    let _ = writeln!(
                        s,
                        r#"<text x="{:.1}" y="{:.1}" font-size="9" fill="{ORANGE}" stroke="none">{}</text>"#,
                        a.cx().min(vx) + 4.0,
                        top + 11.0,
                        esc(&l)
                    );
                }
            }
        }
    }
    s.push_str("</g>\n");

    // Shapes.
    s.push_str("<g id=\"shapes\">\n");
    // The step the main path ends with hands out what the end shape names.
    let last_step = g
        .edges
        .iter()
        .find(|e| matches!(g.nodes[e.to].kind, NodeKind::End { .. }))
        .and_then(|e| match &g.nodes[e.from].kind {
            NodeKind::Step(st) => Some(st.n),
            NodeKind::Decision(st) => Some(st.n),
            _ => None,
        });
    for (ni, n) in g.nodes.iter().enumerate() {
        let r = rects[ni];
        match &n.kind {
            NodeKind::Start => {
                let _ = writeln!(
                    s,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="14" fill="#ffffff" stroke="{INK}" stroke-width="2"/>"##,
                    r.cx(),
                    r.cy()
                );
                let _ = writeln!(
                    s,
                    r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="{MUTED}">start</text>"#,
                    r.cx(),
                    r.bottom() + 13.0
                );
            }
            NodeKind::Decision(st) => {
                let (cx, cy, h) = (r.cx(), r.cy(), r.w / 2.0);
                let _ = writeln!(
                    s,
                    r##"<g><title>{}</title><path d="M{cx:.1},{:.1} L{:.1},{cy:.1} L{cx:.1},{:.1} L{:.1},{cy:.1} z" fill="#fff8e1" stroke="#f9a825" stroke-width="1.5"/><text x="{cx:.1}" y="{:.1}" font-size="14" font-weight="bold" text-anchor="middle" fill="#8d6e00">?</text></g>"##,
                    esc(&format!("decision after step {}", st.n)),
                    cy - h,
                    cx + h,
                    cy + h,
                    cx - h,
                    cy + 5.0
                );
            }
            NodeKind::Step(st) => {
                let _ = writeln!(s, "<g><title>{}</title>", esc(&step_tooltip(reg, st)));
                if n.band > 0 {
                    // Reached only through a branch: say when, above the box.
                    let cond: Vec<String> = g
                        .incoming(ni)
                        .filter_map(|(_, e)| match e.kind {
                            EdgeKind::Branch(b) | EdgeKind::Goto(b) => {
                                b.condition_en.as_deref().map(one_line)
                            }
                            EdgeKind::Next => None,
                        })
                        .collect();
                    caption_above(&mut s, &r, &cond.join("; "), 16.0);
                }
                let text = one_line(&st.text_en);
                match st.kind {
                    StepKind::Condition => {
                        let (cx, cy) = (r.cx(), r.cy());
                        let _ = writeln!(
                            s,
                            r##"<path d="M{cx:.1},{:.1} L{:.1},{cy:.1} L{cx:.1},{:.1} L{:.1},{cy:.1} z" fill="#fff8e1" stroke="#f9a825" stroke-width="1.5"/>"##,
                            r.y,
                            r.right(),
                            r.bottom(),
                            r.x
                        );
                        let lines = diamond_lines(&text, r.w, r.h, 10.0, 12.5, 5);
                        let first = cy - (lines.len() as f64 - 1.0) * 12.5 / 2.0 + 3.5;
                        text_lines(
                            &mut s,
                            &lines,
                            cx,
                            first,
                            12.5,
                            10.0,
                            &format!(r#" fill="{INK}""#),
                        );
                        if let Some(l) = &st.label {
                            let l = wrap(&one_line(l), 62.0, 9.0, false, 1);
                            for l in l {
                                let _ = writeln!(
                                    s,
                                    r#"<text x="{:.1}" y="{:.1}" font-size="9" fill="{MUTED}">{}</text>"#,
                                    r.x + 14.0,
                                    r.y + 10.0,
                                    esc(&l)
                                );
                            }
                        }
                    }
                    _ => {
                        let system = st.role.as_deref().is_some_and(is_system_role);
                        let (fill, stroke) = match st.kind {
                            StepKind::ProviderFlow => ("#f3e5f5", "#6a1b9a"),
                            _ if system => ("#e3f2fd", "#1565c0"),
                            _ => ("#ffffff", INK),
                        };
                        let _ = writeln!(
                            s,
                            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="8" ry="8" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>"#,
                            r.x, r.y, r.w, r.h
                        );
                        let mut caption = st.label.as_deref().map(one_line);
                        if st.kind == StepKind::ProviderFlow {
                            let _ = writeln!(
                                s,
                                r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="6" ry="6" fill="none" stroke="{stroke}"/>"#,
                                r.x + 3.0,
                                r.y + 3.0,
                                r.w - 6.0,
                                r.h - 6.0
                            );
                            let (mx, my) = (r.cx(), r.bottom() - 12.0);
                            let _ = writeln!(
                                s,
                                r#"<rect x="{:.1}" y="{:.1}" width="10" height="10" fill="none" stroke="{stroke}"/><path d="M{:.1},{my:.1} h6 M{mx:.1},{:.1} v6" stroke="{stroke}"/>"#,
                                mx - 5.0,
                                my - 5.0,
                                mx - 3.0,
                                my - 3.0
                            );
                            caption = Some(format!(
                                "provider's flow: {}",
                                st.flow.as_deref().unwrap_or("?")
                            ));
                        }
                        let max_lines = if caption.is_some() { 5 } else { 6 };
                        let max_lines = if st.kind == StepKind::ProviderFlow {
                            max_lines - 1
                        } else {
                            max_lines
                        };
                        let lines = wrap(&text, r.w - 18.0, 11.0, false, max_lines);
                        let lh = 13.5;
                        let cap_h = if caption.is_some() { 13.0 } else { 0.0 };
                        let block = cap_h + lines.len() as f64 * lh;
                        let avail = if st.kind == StepKind::ProviderFlow {
                            r.h - 16.0
                        } else {
                            r.h
                        };
                        let top = r.y + (avail - block) / 2.0 + 10.0;
                        if let Some(c) = caption {
                            let c = wrap(&c, r.w - 30.0, 9.0, false, 1);
                            text_lines(
                                &mut s,
                                &c,
                                r.cx(),
                                top,
                                13.0,
                                9.0,
                                &format!(r#" fill="{MUTED}""#),
                            );
                        }
                        text_lines(
                            &mut s,
                            &lines,
                            r.cx(),
                            top + cap_h,
                            lh,
                            11.0,
                            &format!(r#" fill="{INK}""#),
                        );
                    }
                }
                // The number as in the text.
                let num = st.n.to_string();
                let rad = if num.len() > 2 { 13.0 } else { 11.0 };
                let _ = writeln!(
                    s,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="{rad}" fill="{INK}"/><text x="{:.1}" y="{:.1}" font-size="11" font-weight="bold" text-anchor="middle" fill="#ffffff">{}</text>"##,
                    r.x + 2.0,
                    r.y + 2.0,
                    r.x + 2.0,
                    r.y + 6.0,
                    esc(&num)
                );
                // Duration and hand-outs under the shape.
                let mut under = r.bottom() + 16.0;
                if let Some(d) = st.duration {
                    clock(&mut s, r.x + 6.0, under - 4.0);
                    let alts: Vec<String> = st
                        .alternatives
                        .iter()
                        .filter_map(|a| a.get_ref().duration)
                        .map(duration_text)
                        .collect();
                    let _ = writeln!(
                        s,
                        r#"<text x="{:.1}" y="{under:.1}" font-size="10" fill="{INK}">{}</text>"#,
                        r.x + 15.0,
                        esc(&duration_text(d))
                    );
                    under += 14.0;
                    if !alts.is_empty() {
                        let alt = wrap(
                            &format!("text also says: {}", alts.join(", ")),
                            r.w,
                            9.0,
                            false,
                            1,
                        );
                        for a in alt {
                            let _ = writeln!(
                                s,
                                r#"<text x="{:.1}" y="{under:.1}" font-size="9" fill="{ORANGE}">{}</text>"#,
                                r.x,
                                esc(&a)
                            );
                        }
                        under += 13.0;
                    }
                }
                let also: Vec<&Branch> = g
                    .outgoing(ni)
                    .flat_map(|(_, e)| e.also.iter().copied())
                    .chain(
                        g.outgoing(ni)
                            .filter(|(_, e)| matches!(g.nodes[e.to].kind, NodeKind::Decision(_)))
                            .flat_map(|(_, e)| {
                                g.outgoing(e.to).flat_map(|(_, e2)| e2.also.iter().copied())
                            }),
                    )
                    .collect();
                if !also.is_empty() {
                    let l = wrap(&also_text(reg, &also), r.w, 9.0, false, 2);
                    for l in &l {
                        let _ = writeln!(
                            s,
                            r#"<text x="{:.1}" y="{under:.1}" font-size="9" fill="{RED}">{}</text>"#,
                            r.x,
                            esc(l)
                        );
                        under += 11.0;
                    }
                    under += 2.0;
                }
                // What the step hands out, unless an end shape right after it names it.
                let ends: Vec<&str> = g
                    .outgoing(ni)
                    .filter_map(|(_, e)| match &g.nodes[e.to].kind {
                        NodeKind::BranchEnd { name, .. } | NodeKind::End { name, .. } => {
                            Some(name.as_str())
                        }
                        _ => None,
                    })
                    .collect();
                let names: Vec<String> = if Some(st.n) == last_step && n.band == 0 {
                    Vec::new()
                } else {
                    st.produces
                        .iter()
                        .map(|id| result_name(reg, id))
                        .filter(|nm| !ends.contains(&nm.as_str()))
                        .collect()
                };
                if !names.is_empty() {
                    let l = wrap(&format!("issues: {}", names.join("; ")), r.w, 9.0, false, 2);
                    for (i, l) in l.iter().enumerate() {
                        let _ = writeln!(
                            s,
                            r#"<text x="{:.1}" y="{:.1}" font-size="9" fill="{GREEN}">{}</text>"#,
                            r.x,
                            under + i as f64 * 11.0,
                            esc(l)
                        );
                    }
                }
                s.push_str("</g>\n");
            }
            NodeKind::BranchEnd {
                branch, name, tone, ..
            } => {
                let (stroke, fill) = tone_colours(*tone);
                let cond = branch
                    .condition_en
                    .as_deref()
                    .map(one_line)
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "<g><title>{}</title>",
                    esc(&format!("{name}\nwhen: {cond}\nsource: {}", branch.source))
                );
                let _ = writeln!(
                    s,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="{:.1}" ry="{:.1}" fill="{fill}" stroke="{stroke}" stroke-width="2"/>"#,
                    r.x,
                    r.y,
                    r.w,
                    r.h,
                    r.h / 2.0,
                    r.h / 2.0
                );
                let lines = wrap(name, r.w - 24.0, 10.0, true, 3);
                let first = r.cy() - (lines.len() as f64 - 1.0) * 6.25 + 3.5;
                text_lines(
                    &mut s,
                    &lines,
                    r.cx(),
                    first,
                    12.5,
                    10.0,
                    &format!(r#" font-weight="bold" fill="{stroke}""#),
                );
                // After a failure-only step the step itself says when; its `stop` needs no words.
                if !g.incoming(ni).any(|(_, e)| g.nodes[e.from].band > 0) {
                    caption_above(&mut s, &r, &cond, 0.0);
                }
                s.push_str("</g>\n");
            }
            NodeKind::End { name, tone } => {
                let (stroke, fill) = tone_colours(*tone);
                let _ = writeln!(s, "<g><title>{}</title>", esc(name));
                let _ = writeln!(
                    s,
                    r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="{:.1}" ry="{:.1}" fill="{fill}" stroke="{stroke}" stroke-width="3"/>"#,
                    r.x,
                    r.y,
                    r.w,
                    r.h,
                    r.h / 2.0,
                    r.h / 2.0
                );
                let lines = wrap(name, r.w - 28.0, 10.0, true, 3);
                let first = r.cy() - (lines.len() as f64 - 1.0) * 6.25 + 3.5;
                text_lines(
                    &mut s,
                    &lines,
                    r.cx(),
                    first,
                    12.5,
                    10.0,
                    &format!(r#" font-weight="bold" fill="{stroke}""#),
                );
                s.push_str("</g>\n");
            }
        }
    }
    s.push_str("</g>\n");

    // Legend.
    let _ = writeln!(s, "<g id=\"legend\">");
    let _ = writeln!(
        s,
        r#"<text x="{M}" y="{:.1}" font-size="12" font-weight="bold" fill="{INK}">Legend</text>"#,
        legend_top + 4.0
    );
    for i in 0..legend_items {
        let (row, col) = (i / per_row, i % per_row);
        let lx = M + col as f64 * item_w;
        let cy = legend_top + 26.0 + row as f64 * 40.0;
        let sx = lx + 24.0; // symbol centre
        let label = match i {
            0 => {
                let _ = writeln!(
                    s,
                    r##"<circle cx="{sx:.1}" cy="{cy:.1}" r="9" fill="#ffffff" stroke="{INK}" stroke-width="2"/>"##
                );
                "start of the procedure"
            }
            1 => {
                let _ = writeln!(
                    s,
                    r##"<rect x="{:.1}" y="{:.1}" width="40" height="24" rx="5" fill="#ffffff" stroke="{INK}" stroke-width="1.5"/><circle cx="{:.1}" cy="{:.1}" r="7" fill="{INK}"/><text x="{:.1}" y="{:.1}" font-size="8" font-weight="bold" text-anchor="middle" fill="#ffffff">1</text>"##,
                    sx - 20.0,
                    cy - 12.0,
                    sx - 20.0,
                    cy - 12.0,
                    sx - 20.0,
                    cy - 9.0
                );
                "action of an employee (number as in the text)"
            }
            2 => {
                let _ = writeln!(
                    s,
                    r##"<rect x="{:.1}" y="{:.1}" width="40" height="24" rx="5" fill="#e3f2fd" stroke="#1565c0" stroke-width="1.5"/>"##,
                    sx - 20.0,
                    cy - 12.0
                );
                "process of an information system"
            }
            3 => {
                let _ = writeln!(
                    s,
                    r##"<path d="M{sx:.1},{:.1} L{:.1},{cy:.1} L{sx:.1},{:.1} L{:.1},{cy:.1} z" fill="#fff8e1" stroke="#f9a825" stroke-width="1.5"/>"##,
                    cy - 13.0,
                    sx + 20.0,
                    cy + 13.0,
                    sx - 20.0
                );
                "condition (a check)"
            }
            4 => {
                let _ = writeln!(
                    s,
                    r##"<path d="M{sx:.1},{:.1} L{:.1},{cy:.1} L{sx:.1},{:.1} L{:.1},{cy:.1} z" fill="#fff8e1" stroke="#f9a825" stroke-width="1.5"/><text x="{sx:.1}" y="{:.1}" font-size="10" font-weight="bold" text-anchor="middle" fill="#8d6e00">?</text>"##,
                    cy - 10.0,
                    sx + 10.0,
                    cy + 10.0,
                    sx - 10.0,
                    cy + 4.0
                );
                "decision: a branch leaves the step"
            }
            5 => {
                let _ = writeln!(
                    s,
                    r##"<rect x="{:.1}" y="{:.1}" width="40" height="24" rx="5" fill="#f3e5f5" stroke="#6a1b9a" stroke-width="1.5"/><rect x="{:.1}" y="{:.1}" width="34" height="18" rx="4" fill="none" stroke="#6a1b9a"/>"##,
                    sx - 20.0,
                    cy - 12.0,
                    sx - 17.0,
                    cy - 9.0
                );
                "the provider's flow (a sub-process)"
            }
            6 => {
                let _ = writeln!(
                    s,
                    r#"<rect x="{:.1}" y="{:.1}" width="40" height="20" rx="10" fill="{RED_FILL}" stroke="{RED}" stroke-width="2"/>"#,
                    sx - 20.0,
                    cy - 10.0
                );
                "refusal, refusal receipt or notice"
            }
            7 => {
                let _ = writeln!(
                    s,
                    r#"<rect x="{:.1}" y="{:.1}" width="40" height="20" rx="10" fill="{GREEN_FILL}" stroke="{GREEN}" stroke-width="2"/>"#,
                    sx - 20.0,
                    cy - 10.0
                );
                "result of the service"
            }
            8 => {
                let _ = writeln!(
                    s,
                    r#"<rect x="{:.1}" y="{:.1}" width="40" height="20" rx="10" fill="{GREY_FILL}" stroke="{GREY}" stroke-width="2"/>"#,
                    sx - 20.0,
                    cy - 10.0
                );
                "end with no result named"
            }
            _ => {
                clock(&mut s, sx, cy);
                "duration as in the text (orange: what the text also says)"
            }
        };
        let lines = wrap(label, item_w - 56.0, 10.0, false, 2);
        let first = cy - (lines.len() as f64 - 1.0) * 6.0 + 3.5;
        for (k, l) in lines.iter().enumerate() {
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" font-size="10" fill="{INK}">{}</text>"#,
                lx + 52.0,
                first + k as f64 * 12.0,
                esc(l)
            );
        }
    }
    s.push_str("</g>\n</svg>\n");
    let _ = lanes_top;
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_fixture::regulation;

    #[test]
    fn unknown_flow_gives_none() {
        assert!(flow_svg(&regulation(), "nope").is_none());
    }

    #[test]
    fn standalone_svg_with_title_lanes_numbers_and_legend() {
        let reg = regulation();
        for flow in ["office", "state_corporation", "portal"] {
            let s = flow_svg(&reg, flow).unwrap();
            assert!(
                s.contains(r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1""#),
                "{s}"
            );
            assert!(s.contains("viewBox=\"0 0 "));
            assert!(
                s.contains("Free meals &amp; &quot;snacks&quot; &lt;test&gt;"),
                "title escaped: {s}"
            );
            assert!(
                !s.contains("<test>") && !s.contains("& "),
                "unescaped text: {s}"
            );
            assert!(s.contains(">Legend</text>"));
            for st in &reg.flows[flow].get_ref().steps {
                let n = st.get_ref().n;
                assert!(
                    s.contains(&format!(">{n}</text>")),
                    "no number {n} in {flow}"
                );
            }
        }
    }

    #[test]
    fn branches_end_red_and_results_green() {
        let reg = regulation();
        let s = flow_svg(&reg, "office").unwrap();
        assert!(s.contains("office employee of the provider"));
        assert!(s.contains("кеңсе қызметкері"));
        assert!(
            s.contains(&format!(r#"fill="{RED_FILL}" stroke="{RED}""#)),
            "refusal end"
        );
        assert!(
            s.contains(&format!(
                r#"fill="{GREEN_FILL}" stroke="{GREEN}" stroke-width="3""#
            )),
            "result end"
        );
        assert!(
            s.contains(">receipt on refusal to</text>")
                || s.contains("receipt on refusal to accept"),
            "{s}"
        );
        assert!(s.contains("20 minutes"));
        assert!(s.contains("text also says: 30 minutes"), "{s}");
        assert!(s.contains("Term: 10 working days"));
        // The portal's condition is a diamond with its text.
        assert!(s.contains(">or motivated refusal</text>"), "{s}");
        let p = flow_svg(&reg, "portal").unwrap();
        assert!(p.contains("Checks the credentials"));
        assert!(p.contains("notice: authorisation"));
    }

    #[test]
    fn odd_flows_still_give_svg() {
        let reg = crate::render::test_fixture::odd_regulation();
        for k in reg.flows.keys() {
            let s = flow_svg(&reg, k).unwrap();
            assert!(s.ends_with("</svg>\n"));
        }
        let s = flow_svg(&reg, "portal").unwrap();
        assert!(s.contains("if sent back → step 1"), "{s}");
    }

    #[test]
    fn box_text_fits_its_box() {
        let long = "word ".repeat(200);
        let lines = wrap(&long, BOX_W - 18.0, 11.0, false, 6);
        assert_eq!(lines.len(), 6);
        assert!(
            lines
                .iter()
                .all(|l| text_width(l, 11.0, false) <= BOX_W - 18.0)
        );
        let d = diamond_lines(&long, BOX_W, BOX_H, 10.0, 12.5, 5);
        assert_eq!(d.len(), 5);
        assert!(d.last().unwrap().ends_with('…'));
    }
}

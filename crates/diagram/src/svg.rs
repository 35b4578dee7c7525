//! SVG process diagrams, one per flow, in the manner of the regulations' appendix 2
//! ("business-process reference guide"): a title with the regulation and the channel,
//! horizontal swimlanes per role (name on the left), numbered boxes for actions and processes
//! with their duration under them, diamonds for conditions and for decisions after a step,
//! arrows in the text's order, branch arrows to red ends (refusals, refusal receipts and
//! notices) or green ends (results), and a legend. Standalone SVG 1.1; every text escaped and
//! wrapped to its box; full texts in `<title>` tooltips.
//!
//! Every box and arrow is where the shared `layout` puts it; this module adds only the words,
//! colours and the page around the lanes.

use crate::graph::*;
use crate::layout::{Frame, LANE_MAIN, Layout, Point, Rect};
use crate::text::*;
use regulation::*;
use std::fmt::Write as _;

const M: f64 = 24.0; // outer margin
const HEAD_W: f64 = 190.0; // role column
const MIN_WIDTH: f64 = 980.0;
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
const AMBER: &str = "#f9a825";
const AMBER_FILL: &str = "#fff8e1";

fn tone_colours(t: Tone) -> (&'static str, &'static str) {
    match t {
        Tone::Result => (GREEN, GREEN_FILL),
        Tone::Refusal => (RED, RED_FILL),
        Tone::Neutral => (GREY, GREY_FILL),
    }
}

/// One SVG diagram for the flow `flow_id`, in English (with the Kazakh role names).
pub fn flow_svg(reg: &Regulation, flow_id: &str) -> Option<String> {
    flow_svg_in(reg, flow_id, Lang::En)
}

/// One SVG diagram for the flow `flow_id`, every word in `lang`: Kazakh and Russian drawings
/// carry no English, no ids and no seed line references.
pub fn flow_svg_in(reg: &Regulation, flow_id: &str, lang: Lang) -> Option<String> {
    let flow = reg.flows.get(flow_id)?.get_ref();
    let p = page(reg, flow_id, flow, lang);
    let mut s = String::new();
    write_prologue(&mut s, reg, flow_id, flow, p.width, p.height, lang);
    p.heading.write(&mut s);
    write_lanes(&mut s, &p.layout);
    write_edges(&mut s, &p.layout);
    write_nodes(&mut s, reg, &p.layout);
    write_legend(&mut s, &p.legend, lang);
    s.push_str("</svg>\n");
    Some(s)
}

/// The whole drawing: the heading, the lanes under it, the legend under them.
pub(crate) struct Page<'a> {
    width: f64,
    height: f64,
    heading: Heading,
    pub layout: Layout<'a>,
    legend: Legend,
}

pub(crate) fn page<'a>(reg: &'a Regulation, flow_id: &str, flow: &'a Flow, lang: Lang) -> Page<'a> {
    let frame = Frame {
        x: M,
        y: 0.0,
        head: HEAD_W,
        min_width: MIN_WIDTH - 2.0 * M,
    };
    // The width decides how the title wraps, and the title how far down the lanes begin.
    let layout = Layout::new(graph_in(reg, flow, lang), frame);
    let inner_w = layout.bounds.w;
    let width = (inner_w + 2.0 * M).ceil();
    let heading = Heading::new(reg, flow_id, flow, inner_w, lang);
    let layout = layout.moved_down(heading.bottom);
    let legend = Legend::new(layout.bounds.bottom() + 24.0, inner_w);
    let height = (legend.bottom() + M).ceil();
    Page {
        width,
        height,
        heading,
        layout,
        legend,
    }
}

fn title_in(reg: &Regulation, lang: Lang) -> String {
    let t = reg.title.get_ref();
    one_line(match lang {
        Lang::Kk => &t.kk,
        Lang::Ru => &t.ru,
        Lang::En => &t.en,
    })
}

fn write_prologue(
    s: &mut String,
    reg: &Regulation,
    flow_id: &str,
    flow: &Flow,
    w: f64,
    h: f64,
    lang: Lang,
) {
    let _ = writeln!(s, r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="{FONT}">"#
    );
    let _ = writeln!(
        s,
        "<title>{}</title>",
        esc(&format!(
            "{} — {}",
            title_in(reg, lang),
            flow_caption_in(flow_id, flow, lang)
        ))
    );
    let desc = match lang {
        Lang::En => format!(
            "Regulation {} v{}, flow `{flow_id}` (channel {}). Drawn by qyzmet.",
            reg.id,
            reg.version,
            flow.channel.as_str()
        ),
        Lang::Kk => format!("Регламенттің {}-нұсқасы.", reg.version),
        Lang::Ru => format!("Регламент, версия {}.", reg.version),
    };
    let _ = writeln!(s, "<desc>{}</desc>", esc(&desc));
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
        r##"<rect x="0" y="0" width="{w:.0}" height="{h:.0}" fill="#ffffff"/>"##
    );
}

/// Title, channel and the act, wrapped to the page.
struct Heading {
    title: Vec<String>,
    subtitle: Vec<String>,
    meta: Vec<String>,
    /// Where the lanes begin.
    bottom: f64,
}

impl Heading {
    const TITLE_Y: f64 = M + 18.0;

    fn new(reg: &Regulation, flow_id: &str, flow: &Flow, width: f64, lang: Lang) -> Heading {
        let title = wrap(&title_in(reg, lang), width, 18.0, true, 3);
        let subtitle = format!(
            "{} {}",
            tr(
                lang,
                "Business-process reference guide: the service",
                "Бизнес-процестер анықтамалығы: қызмет",
                "Справочник бизнес-процессов: услуга"
            ),
            flow_caption_in(flow_id, flow, lang)
        );
        let subtitle = wrap(&subtitle, width, 13.0, false, 2);
        let mut meta = Vec::new();
        if let Some(t) = reg.term(flow.channel) {
            let mut s = format!(
                "{}: {}",
                tr(lang, "Term", "Мерзімі", "Срок"),
                duration_text_in(t.duration(), lang)
            );
            if let (Lang::En, Some(f)) = (lang, &t.from_en) {
                let _ = write!(s, " {}", one_line(f));
            }
            meta.push(s);
        }
        let act = reg.act.get_ref();
        meta.push(match lang {
            Lang::En => format!(
                "Regulation {} v{} · {} · {} No. {} of {} · source {}, {}",
                reg.id,
                reg.version,
                reg.region,
                act.kind,
                act.number,
                act.date,
                reg.source.get_ref().seed,
                flow.source
            ),
            Lang::Kk => format!(
                "Регламенттің {}-нұсқасы · {} · {} № {} акт",
                reg.version,
                reg.region_in(lang),
                dotted(&act.date),
                act.number
            ),
            Lang::Ru => format!(
                "Регламент, версия {} · {} · акт № {} от {}",
                reg.version,
                reg.region_in(lang),
                act.number,
                dotted(&act.date)
            ),
        });
        let meta = wrap(&meta.join(" · "), width, 10.0, false, 3);
        let mut h = Heading {
            title,
            subtitle,
            meta,
            bottom: 0.0,
        };
        h.bottom = h.meta_y() + (h.meta.len() as f64 - 1.0) * 13.0 + 16.0;
        h
    }
    fn subtitle_y(&self) -> f64 {
        Self::TITLE_Y + (self.title.len() as f64 - 1.0) * 23.0 + 22.0
    }
    fn meta_y(&self) -> f64 {
        self.subtitle_y() + (self.subtitle.len() as f64 - 1.0) * 17.0 + 17.0
    }

    fn write(&self, s: &mut String) {
        let parts = [
            (
                &self.title,
                Self::TITLE_Y,
                23.0,
                r#"font-size="18" font-weight="bold""#,
                INK,
            ),
            (
                &self.subtitle,
                self.subtitle_y(),
                17.0,
                r#"font-size="13""#,
                INK,
            ),
            (&self.meta, self.meta_y(), 13.0, r#"font-size="10""#, MUTED),
        ];
        for (lines, y, lh, font, fill) in parts {
            for (i, l) in lines.iter().enumerate() {
                let _ = writeln!(
                    s,
                    r#"<text x="{M}" y="{:.1}" {font} fill="{fill}">{}</text>"#,
                    y + i as f64 * lh,
                    esc(l)
                );
            }
        }
    }
}

fn write_lanes(s: &mut String, l: &Layout) {
    s.push_str("<g id=\"lanes\">\n");
    for (li, (lane, lb)) in l.graph.lanes.iter().zip(&l.lanes).enumerate() {
        let r = lb.rect;
        let fill = if li % 2 == 0 { "#fafbfc" } else { "#f2f5f8" };
        let _ = writeln!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{fill}" stroke="#b0bec5"/>"##,
            r.x, r.y, r.w, r.h
        );
        let _ = writeln!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#e3e9ee" stroke="#b0bec5"/>"##,
            r.x, r.y, l.head, r.h
        );
        write_lane_name(s, lane, Rect { w: l.head, ..r });
    }
    s.push_str("</g>\n");
}

/// The role's name in English, bold, and in Kazakh under it, centred on the main row.
fn write_lane_name(s: &mut String, lane: &Lane, head: Rect) {
    let en = wrap(&lane.en, head.w - 16.0, 12.0, true, 4);
    let kk = lane
        .kk
        .as_deref()
        .map(|k| wrap(k, head.w - 16.0, 10.0, false, 4))
        .unwrap_or_default();
    let block = en.len() as f64 * 15.0
        + if kk.is_empty() {
            0.0
        } else {
            4.0 + kk.len() as f64 * 12.5
        };
    let top = head.y + (head.h.min(LANE_MAIN) - block) / 2.0 + 11.0;
    let _ = writeln!(
        s,
        "<g><title>{}</title>",
        esc(&match &lane.kk {
            Some(k) => format!("{} / {k}", lane.en),
            None => lane.en.clone(),
        })
    );
    let bold = format!(r#" font-weight="bold" fill="{INK}""#);
    text_lines(s, &en, head.cx(), top, 15.0, 12.0, &bold);
    let y = top + en.len() as f64 * 15.0 + 4.0;
    text_lines(
        s,
        &kk,
        head.cx(),
        y,
        12.5,
        10.0,
        &format!(r#" fill="{MUTED}""#),
    );
    s.push_str("</g>\n");
}

/// Edges first, so that shapes cover their ends.
fn write_edges(s: &mut String, l: &Layout) {
    s.push_str("<g id=\"arrows\" fill=\"none\" stroke-width=\"1.5\">\n");
    for (e, pts) in l.graph.edges.iter().zip(&l.edges) {
        match &e.kind {
            EdgeKind::Next => write_next(s, l, e, pts),
            EdgeKind::Branch(b) => write_branch(s, l, e, b, pts),
            EdgeKind::Goto(b) => write_goto(s, b, pts, l.graph.lang),
        }
    }
    s.push_str("</g>\n");
}

fn write_next(s: &mut String, l: &Layout, e: &Edge, pts: &[Point]) {
    let _ = writeln!(
        s,
        r#"<path d="{}" stroke="{INK}" marker-end="url(#arrow)"/>"#,
        path(pts)
    );
    if !e.default {
        return;
    }
    // Over the line after a decision; under it, by the diamond's edge, after a condition
    // (whose diamond leaves little room before the next box).
    let (sx, sy) = pts[0];
    let lang = l.graph.lang;
    let (word, x, y) = if matches!(l.graph.nodes[e.from].kind, NodeKind::Decision(_)) {
        (
            tr(lang, "otherwise", "әйтпесе", "иначе"),
            sx + 3.0,
            sy - 5.0,
        )
    } else {
        (tr(lang, "passed", "өтті", "пройдено"), sx - 8.0, sy + 12.0)
    };
    let _ = writeln!(
        s,
        r#"<text x="{x:.1}" y="{y:.1}" font-size="9" fill="{MUTED}" stroke="none">{word}</text>"#
    );
}

fn write_branch(s: &mut String, l: &Layout, e: &Edge, b: &Branch, pts: &[Point]) {
    let tone = match &l.graph.nodes[e.to].kind {
        NodeKind::BranchEnd { tone, .. } => *tone,
        _ => Tone::Refusal,
    };
    let (colour, marker) = match tone {
        Tone::Result => (GREEN, "arrow-green"),
        Tone::Refusal => (RED, "arrow-red"),
        Tone::Neutral => (GREY, "arrow-grey"),
    };
    let tip = branch_condition(b, l.graph.lang);
    let _ = writeln!(
        s,
        r#"<path d="{}" stroke="{colour}" marker-end="url(#{marker})"><title>{}</title></path>"#,
        path(pts),
        esc(&tip)
    );
}

/// A branch back (or on) to another step: dashed along the top of the lane, with its words.
fn write_goto(s: &mut String, b: &Branch, pts: &[Point], lang: Lang) {
    let tip = branch_condition(b, lang);
    let _ = writeln!(
        s,
        r#"<path d="{}" stroke="{ORANGE}" stroke-dasharray="5,3" marker-end="url(#arrow-orange)"><title>{}</title></path>"#,
        path(pts),
        esc(&tip)
    );
    let (x, top) = (pts[1].0.min(pts[2].0), pts[1].1);
    let label = wrap(
        &match lang {
            Lang::En => format!("if {tip} → step {}", b.goto.unwrap_or(0)),
            Lang::Kk => format!("{tip} → {}-қадам", b.goto.unwrap_or(0)),
            Lang::Ru => format!("{tip} → шаг {}", b.goto.unwrap_or(0)),
        },
        240.0,
        9.0,
        false,
        1,
    );
    for t in label {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-size="9" fill="{ORANGE}" stroke="none">{}</text>"#,
            x + 4.0,
            top + 11.0,
            esc(&t)
        );
    }
}

fn write_nodes(s: &mut String, reg: &Regulation, l: &Layout) {
    s.push_str("<g id=\"shapes\">\n");
    // The step the main path ends with hands out what the end shape names.
    let last_step = l
        .graph
        .edges
        .iter()
        .find(|e| matches!(l.graph.nodes[e.to].kind, NodeKind::End { .. }))
        .and_then(|e| match &l.graph.nodes[e.from].kind {
            NodeKind::Step(st) | NodeKind::Decision(st) => Some(st.n),
            _ => None,
        });
    for (ni, n) in l.graph.nodes.iter().enumerate() {
        let r = l.nodes[ni];
        match &n.kind {
            NodeKind::Start => write_start(s, r, l.graph.lang),
            NodeKind::Decision(st) => write_decision(s, r, st, l.graph.lang),
            NodeKind::Step(st) => {
                let last = Some(st.n) == last_step && n.band == 0;
                write_step(s, reg, l, ni, st, last)
            }
            NodeKind::BranchEnd {
                branch, name, tone, ..
            } => write_branch_end(s, l, ni, branch, name, *tone),
            NodeKind::End { name, tone } => {
                let _ = writeln!(s, "<g><title>{}</title>", esc(name));
                write_end_shape(s, r, l.column_of(ni).w, name, *tone, 3);
                s.push_str("</g>\n");
            }
        }
    }
    s.push_str("</g>\n");
}

fn write_start(s: &mut String, r: Rect, lang: Lang) {
    let _ = writeln!(
        s,
        r##"<circle cx="{:.1}" cy="{:.1}" r="{:.1}" fill="#ffffff" stroke="{INK}" stroke-width="2"/>"##,
        r.cx(),
        r.cy(),
        r.w / 2.0
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="{MUTED}">{}</text>"#,
        r.cx(),
        r.bottom() + 13.0,
        tr(lang, "start", "басы", "начало")
    );
}

fn write_decision(s: &mut String, r: Rect, st: &Step, lang: Lang) {
    let _ = writeln!(
        s,
        r##"<g><title>{}</title><path d="{}" fill="{AMBER_FILL}" stroke="{AMBER}" stroke-width="1.5"/><text x="{:.1}" y="{:.1}" font-size="14" font-weight="bold" text-anchor="middle" fill="#8d6e00">?</text></g>"##,
        esc(&match lang {
            Lang::En => format!("decision after step {}", st.n),
            Lang::Kk => format!("{}-қадамнан кейінгі шешім", st.n),
            Lang::Ru => format!("решение после шага {}", st.n),
        }),
        diamond(r),
        r.cx(),
        r.cy() + 5.0
    );
}

fn write_step(s: &mut String, reg: &Regulation, l: &Layout, ni: usize, st: &Step, last: bool) {
    let r = l.nodes[ni];
    let lang = l.graph.lang;
    let _ = writeln!(s, "<g><title>{}</title>", esc(&step_tooltip(reg, st, lang)));
    if l.graph.nodes[ni].band > 0 {
        // Reached only through a branch: say when, above the box.
        let cond: Vec<String> = l
            .graph
            .incoming(ni)
            .filter_map(|(_, e)| match e.kind {
                EdgeKind::Branch(b) | EdgeKind::Goto(b) => (lang != Lang::En
                    || b.condition_en.is_some())
                .then(|| branch_condition(b, lang)),
                EdgeKind::Next => None,
            })
            .collect();
        caption_above(
            s,
            r.x + 16.0,
            r.w - 16.0,
            r.y,
            &cond.join("; "),
            false,
            lang,
        );
    }
    match st.kind {
        StepKind::Condition => write_condition_shape(s, r, st, lang),
        _ => write_box_shape(s, r, st, l.graph.by_system(st), lang),
    }
    write_number(s, r, st.n);
    write_under_step(s, reg, l, ni, st, last);
    s.push_str("</g>\n");
}

/// A condition: its words inside the diamond, its label at the top left.
/// The step's label ("Process 3", "5-тармақ 1)"): the files write it in either language, so
/// only the English drawing shows it (the number in its circle is the text's own).
fn label_in(st: &Step, lang: Lang) -> Option<&str> {
    st.label.as_deref().filter(|_| lang == Lang::En)
}

fn write_condition_shape(s: &mut String, r: Rect, st: &Step, lang: Lang) {
    let _ = writeln!(
        s,
        r#"<path d="{}" fill="{AMBER_FILL}" stroke="{AMBER}" stroke-width="1.5"/>"#,
        diamond(r)
    );
    let lines = diamond_lines(&one_line(st.text(lang)), r.w, r.h, 10.0, 12.5, 5);
    let first = r.cy() - (lines.len() as f64 - 1.0) * 12.5 / 2.0 + 3.5;
    let ink = format!(r#" fill="{INK}""#);
    text_lines(s, &lines, r.cx(), first, 12.5, 10.0, &ink);
    if let Some(label) = label_in(st, lang) {
        for t in wrap(&one_line(label), 62.0, 9.0, false, 1) {
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" font-size="9" fill="{MUTED}">{}</text>"#,
                r.x + 14.0,
                r.y + 10.0,
                esc(&t)
            );
        }
    }
}

/// An action or process: a rounded box (blue for information systems, a double border and a
/// sub-process mark for the provider's flow) with its label and words.
fn write_box_shape(s: &mut String, r: Rect, st: &Step, system: bool, lang: Lang) {
    let sub = st.kind == StepKind::ProviderFlow;
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
    let mut caption = label_in(st, lang).map(one_line);
    if sub {
        write_subprocess_mark(s, r, stroke);
        caption = Some(match lang {
            Lang::En => format!("provider's flow: {}", st.flow.as_deref().unwrap_or("?")),
            Lang::Kk => "қызмет берушінің процесі".to_string(),
            Lang::Ru => "процесс услугодателя".to_string(),
        });
    }
    let max_lines = 6 - usize::from(caption.is_some()) - usize::from(sub);
    let lines = wrap(&one_line(st.text(lang)), r.w - 18.0, 11.0, false, max_lines);
    let lh = 13.5;
    let cap_h = if caption.is_some() { 13.0 } else { 0.0 };
    let block = cap_h + lines.len() as f64 * lh;
    let avail = if sub { r.h - 16.0 } else { r.h };
    let top = r.y + (avail - block) / 2.0 + 10.0;
    if let Some(c) = caption {
        let c = wrap(&c, r.w - 30.0, 9.0, false, 1);
        text_lines(
            s,
            &c,
            r.cx(),
            top,
            13.0,
            9.0,
            &format!(r#" fill="{MUTED}""#),
        );
    }
    text_lines(
        s,
        &lines,
        r.cx(),
        top + cap_h,
        lh,
        11.0,
        &format!(r#" fill="{INK}""#),
    );
}

fn write_subprocess_mark(s: &mut String, r: Rect, stroke: &str) {
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
}

/// The step's number as in the text, on its top-left corner.
fn write_number(s: &mut String, r: Rect, n: u32) {
    let num = n.to_string();
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
}

/// Under the shape: the duration (and what the text also says), branches that continue at the
/// next step, and what the step hands out.
fn write_under_step(
    s: &mut String,
    reg: &Regulation,
    l: &Layout,
    ni: usize,
    st: &Step,
    last: bool,
) {
    let r = l.nodes[ni];
    let lang = l.graph.lang;
    let mut under = r.bottom() + 16.0;
    if let Some(d) = st.duration {
        under = write_duration(s, r, under, st, d, lang);
    }
    let also = converging_branches(&l.graph, ni);
    if !also.is_empty() {
        for t in wrap(&also_text(reg, &also, lang), r.w, 9.0, false, 2) {
            small_text(s, r.x, under, RED, &t);
            under += 11.0;
        }
        under += 2.0;
    }
    // What the step hands out, unless an end shape right after it names it.
    let ends: Vec<&str> = l
        .graph
        .outgoing(ni)
        .filter_map(|(_, e)| match &l.graph.nodes[e.to].kind {
            NodeKind::BranchEnd { name, .. } | NodeKind::End { name, .. } => Some(name.as_str()),
            _ => None,
        })
        .collect();
    let names: Vec<String> = if last {
        Vec::new()
    } else {
        st.produces
            .iter()
            .map(|id| result_name(reg, id, lang))
            .filter(|nm| !ends.contains(&nm.as_str()))
            .collect()
    };
    if !names.is_empty() {
        let issues = tr(lang, "issues", "береді", "выдаёт");
        let lines = wrap(
            &format!("{issues}: {}", names.join("; ")),
            r.w,
            9.0,
            false,
            2,
        );
        for (i, t) in lines.iter().enumerate() {
            small_text(s, r.x, under + i as f64 * 11.0, GREEN, t);
        }
    }
}

/// A clock and the duration at baseline `y`; returns the next free baseline.
fn write_duration(s: &mut String, r: Rect, mut y: f64, st: &Step, d: Duration, lang: Lang) -> f64 {
    let x = r.x;
    clock(s, x + 6.0, y - 4.0);
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{y:.1}" font-size="10" fill="{INK}">{}</text>"#,
        x + 15.0,
        esc(&duration_text_in(d, lang))
    );
    y += 14.0;
    let alts: Vec<String> = st
        .alternatives
        .iter()
        .filter_map(|a| a.get_ref().duration)
        .map(|d| duration_text_in(d, lang))
        .collect();
    if !alts.is_empty() {
        let also = tr(lang, "text also says", "мәтінде тағы", "в тексте также");
        let text = format!("{also}: {}", alts.join(", "));
        for t in wrap(&text, r.w, 9.0, false, 1) {
            small_text(s, x, y, ORANGE, &t);
        }
        y += 13.0;
    }
    y
}

/// Branches that continue at the step after `ni` (or after its decision): said under `ni`.
fn converging_branches<'a>(g: &Graph<'a>, ni: usize) -> Vec<&'a Branch> {
    let direct = g.outgoing(ni).flat_map(|(_, e)| e.also.iter().copied());
    let via_decision = g
        .outgoing(ni)
        .filter(|(_, e)| matches!(g.nodes[e.to].kind, NodeKind::Decision(_)))
        .flat_map(|(_, e)| g.outgoing(e.to).flat_map(|(_, e2)| e2.also.iter().copied()));
    direct.chain(via_decision).collect()
}

fn write_branch_end(
    s: &mut String,
    l: &Layout,
    ni: usize,
    branch: &Branch,
    name: &str,
    tone: Tone,
) {
    let r = l.nodes[ni];
    let col = l.column_of(ni);
    let lang = l.graph.lang;
    let cond = match lang {
        Lang::En => branch
            .condition_en
            .as_deref()
            .map(one_line)
            .unwrap_or_default(),
        _ => branch_condition(branch, lang),
    };
    let tip = match lang {
        Lang::En => format!("{name}\nwhen: {cond}\nsource: {}", branch.source),
        _ => name.to_string(),
    };
    let _ = writeln!(s, "<g><title>{}</title>", esc(&tip));
    write_end_shape(s, r, col.w, name, tone, 2);
    // After a failure-only step the step itself says when; its `stop` needs no words.
    if !l
        .graph
        .incoming(ni)
        .any(|(_, e)| l.graph.nodes[e.from].band > 0)
    {
        caption_above(s, col.x + 5.0, col.w - 10.0, r.y, &cond, true, lang);
    }
    s.push_str("</g>\n");
}

/// An end: a ring in the colour of its outcome, its name under it.
fn write_end_shape(s: &mut String, r: Rect, room: f64, name: &str, tone: Tone, stroke_w: u8) {
    let (stroke, fill) = tone_colours(tone);
    let _ = writeln!(
        s,
        r#"<circle cx="{:.1}" cy="{:.1}" r="{:.1}" fill="{fill}" stroke="{stroke}" stroke-width="{stroke_w}"/>"#,
        r.cx(),
        r.cy(),
        r.w / 2.0
    );
    let lines = wrap(name, room - 10.0, 10.0, true, 3);
    let attrs = format!(r#" font-weight="bold" fill="{stroke}""#);
    text_lines(s, &lines, r.cx(), r.bottom() + 14.0, 12.5, 10.0, &attrs);
}

/// The legend under the lanes: one symbol and its words per item, as many per row as fit.
struct Legend {
    top: f64,
    per_row: usize,
}

const LEGEND_ITEM_W: f64 = 220.0;

#[derive(Clone, Copy)]
enum Symbol {
    Start,
    Action,
    System,
    Condition,
    Decision,
    SubProcess,
    End(Tone),
    Clock,
}

/// Each symbol with its words in English, Kazakh and Russian.
const LEGEND: [(Symbol, [&str; 3]); 10] = [
    (
        Symbol::Start,
        [
            "start of the procedure",
            "рәсімнің басы",
            "начало процедуры",
        ],
    ),
    (
        Symbol::Action,
        [
            "action of an employee (number as in the text)",
            "қызметкердің әрекеті (нөмірі мәтіндегідей)",
            "действие сотрудника (номер как в тексте)",
        ],
    ),
    (
        Symbol::System,
        [
            "process of an information system",
            "ақпараттық жүйенің процесі",
            "процесс информационной системы",
        ],
    ),
    (
        Symbol::Condition,
        [
            "condition (a check)",
            "шарт (тексеру)",
            "условие (проверка)",
        ],
    ),
    (
        Symbol::Decision,
        [
            "decision: a branch leaves the step",
            "шешім: қадамнан тармақ шығады",
            "решение: от шага отходит ветвь",
        ],
    ),
    (
        Symbol::SubProcess,
        [
            "the provider's flow (a sub-process)",
            "қызмет берушінің процесі (ішкі процесс)",
            "процесс услугодателя (подпроцесс)",
        ],
    ),
    (
        Symbol::End(Tone::Refusal),
        [
            "refusal, refusal receipt or notice",
            "бас тарту, бас тарту туралы қолхат немесе хабарлама",
            "отказ, расписка об отказе или сообщение",
        ],
    ),
    (
        Symbol::End(Tone::Result),
        [
            "result of the service",
            "қызмет көрсету нәтижесі",
            "результат услуги",
        ],
    ),
    (
        Symbol::End(Tone::Neutral),
        [
            "end with no result named",
            "нәтижесі аталмаған аяқталу",
            "завершение без названного результата",
        ],
    ),
    (
        Symbol::Clock,
        [
            "duration as in the text (orange: what the text also says)",
            "мәтіндегі ұзақтығы (қызғылт сары: мәтінде тағы айтылғаны)",
            "длительность по тексту (оранжевым: что ещё говорит текст)",
        ],
    ),
];

impl Legend {
    fn new(top: f64, width: f64) -> Legend {
        Legend {
            top,
            per_row: ((width / LEGEND_ITEM_W).floor() as usize).max(1),
        }
    }
    fn bottom(&self) -> f64 {
        self.top + 26.0 + LEGEND.len().div_ceil(self.per_row) as f64 * 40.0
    }
}

fn write_legend(s: &mut String, lg: &Legend, lang: Lang) {
    let _ = writeln!(s, "<g id=\"legend\">");
    let _ = writeln!(
        s,
        r#"<text x="{M}" y="{:.1}" font-size="12" font-weight="bold" fill="{INK}">{}</text>"#,
        lg.top + 4.0,
        tr(lang, "Legend", "Шартты белгілер", "Условные обозначения")
    );
    for (i, (symbol, labels)) in LEGEND.iter().enumerate() {
        let label = labels[match lang {
            Lang::En => 0,
            Lang::Kk => 1,
            Lang::Ru => 2,
        }];
        let (row, col) = (i / lg.per_row, i % lg.per_row);
        let lx = M + col as f64 * LEGEND_ITEM_W;
        let cy = lg.top + 26.0 + row as f64 * 40.0;
        legend_symbol(s, *symbol, lx + 24.0, cy);
        let lines = wrap(label, LEGEND_ITEM_W - 56.0, 10.0, false, 2);
        let first = cy - (lines.len() as f64 - 1.0) * 6.0 + 3.5;
        for (k, t) in lines.iter().enumerate() {
            let _ = writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" font-size="10" fill="{INK}">{}</text>"#,
                lx + 52.0,
                first + k as f64 * 12.0,
                esc(t)
            );
        }
    }
    s.push_str("</g>\n");
}

/// A legend symbol centred on (`x`, `y`).
fn legend_symbol(s: &mut String, sym: Symbol, x: f64, y: f64) {
    let small = Rect::centred(x, y, 40.0, 24.0);
    let (l, t) = (small.x, small.y);
    let _ = match sym {
        Symbol::Start => writeln!(
            s,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="9" fill="#ffffff" stroke="{INK}" stroke-width="2"/>"##
        ),
        Symbol::Action => writeln!(
            s,
            r##"<rect x="{l:.1}" y="{t:.1}" width="40" height="24" rx="5" fill="#ffffff" stroke="{INK}" stroke-width="1.5"/><circle cx="{l:.1}" cy="{t:.1}" r="7" fill="{INK}"/><text x="{l:.1}" y="{:.1}" font-size="8" font-weight="bold" text-anchor="middle" fill="#ffffff">1</text>"##,
            t + 3.0
        ),
        Symbol::System => writeln!(
            s,
            r##"<rect x="{l:.1}" y="{t:.1}" width="40" height="24" rx="5" fill="#e3f2fd" stroke="#1565c0" stroke-width="1.5"/>"##
        ),
        Symbol::Condition => writeln!(
            s,
            r#"<path d="{}" fill="{AMBER_FILL}" stroke="{AMBER}" stroke-width="1.5"/>"#,
            diamond(Rect::centred(x, y, 40.0, 26.0))
        ),
        Symbol::Decision => writeln!(
            s,
            r##"<path d="{}" fill="{AMBER_FILL}" stroke="{AMBER}" stroke-width="1.5"/><text x="{x:.1}" y="{:.1}" font-size="10" font-weight="bold" text-anchor="middle" fill="#8d6e00">?</text>"##,
            diamond(Rect::centred(x, y, 20.0, 20.0)),
            y + 4.0
        ),
        Symbol::SubProcess => writeln!(
            s,
            r##"<rect x="{l:.1}" y="{t:.1}" width="40" height="24" rx="5" fill="#f3e5f5" stroke="#6a1b9a" stroke-width="1.5"/><rect x="{:.1}" y="{:.1}" width="34" height="18" rx="4" fill="none" stroke="#6a1b9a"/>"##,
            l + 3.0,
            t + 3.0
        ),
        Symbol::End(tone) => {
            let (stroke, fill) = tone_colours(tone);
            writeln!(
                s,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="10" fill="{fill}" stroke="{stroke}" stroke-width="2"/>"#
            )
        }
        Symbol::Clock => {
            clock(s, x, y);
            Ok(())
        }
    };
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

/// One line of 9-px words from `x`, baseline `y`.
fn small_text(s: &mut String, x: f64, y: f64, fill: &str, text: &str) {
    let _ = writeln!(
        s,
        r#"<text x="{x:.1}" y="{y:.1}" font-size="9" fill="{fill}">{}</text>"#,
        esc(text)
    );
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

/// "if <condition>" in at most two lines ending just above `bottom`, within `width` px from
/// `x` (centred there when `centred`).
fn caption_above(
    out: &mut String,
    x: f64,
    width: f64,
    bottom: f64,
    cond: &str,
    centred: bool,
    lang: Lang,
) {
    if cond.is_empty() {
        return;
    }
    let text = match lang {
        Lang::En => format!("if {cond}"),
        _ => cond.to_string(),
    };
    let c = wrap(&text, width, 9.0, false, 2);
    let y0 = bottom - 5.0 - (c.len() as f64 - 1.0) * 11.0;
    let (x, anchor) = if centred {
        (x + width / 2.0, r#" text-anchor="middle""#)
    } else {
        (x, "")
    };
    for (i, l) in c.iter().enumerate() {
        let _ = writeln!(
            out,
            r#"<text x="{x:.1}" y="{:.1}" font-size="9" font-style="italic"{anchor} fill="{MUTED}">{}</text>"#,
            y0 + i as f64 * 11.0,
            esc(l)
        );
    }
}

fn step_tooltip(reg: &Regulation, s: &Step, lang: Lang) -> String {
    if lang != Lang::En {
        // Kazakh and Russian: the step's words, who does it and how long, nothing English.
        let mut t = format!("{}. {}", s.n, one_line(s.text(lang)));
        if let Some(r) = &s.role {
            let _ = write!(t, "\n{}", role_names(reg, r, lang).0);
        }
        if let Some(d) = s.duration {
            let _ = write!(t, "\n{}", duration_text_in(d, lang));
        }
        return t;
    }
    let mut t = format!("{}. {}", s.n, one_line(&s.text_en));
    if let Some(l) = &s.label {
        t = format!("{} — {t}", one_line(l));
    }
    if let Some(kk) = &s.text_kk {
        let _ = write!(t, "\n{}", one_line(kk));
    }
    if let Some(r) = &s.role {
        let _ = write!(t, "\nrole: {}", role_names(reg, r, lang).0);
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

/// `2019-12-03` as `03.12.2019`.
fn dotted(iso: &str) -> String {
    let p: Vec<&str> = iso.split('-').collect();
    match p.as_slice() {
        [y, m, d] => format!("{d}.{m}.{y}"),
        _ => iso.to_string(),
    }
}

/// The diamond inscribed in `r`.
fn diamond(r: Rect) -> String {
    let (cx, cy) = (r.cx(), r.cy());
    format!(
        "M{cx:.1},{:.1} L{:.1},{cy:.1} L{cx:.1},{:.1} L{:.1},{cy:.1} z",
        r.y,
        r.right(),
        r.bottom(),
        r.x
    )
}

fn path(points: &[Point]) -> String {
    let mut d = String::new();
    for (i, (x, y)) in points.iter().enumerate() {
        let _ = write!(d, "{}{x:.1},{y:.1} ", if i == 0 { "M" } else { "L" });
    }
    d.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{BOX_H, BOX_W};
    use crate::test_fixture::regulation;

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
        let reg = crate::test_fixture::odd_regulation();
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

    /// The words a drawing shows: `<text>` and `<title>` contents (what a reader or a
    /// tooltip shows), unescaped enough to split into words.
    fn shown_words(svg: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = svg;
        while let Some(i) = rest.find('>') {
            rest = &rest[i + 1..];
            let end = rest.find('<').unwrap_or(rest.len());
            let text = rest[..end]
                .replace("&quot;", "\"")
                .replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&#39;", "'");
            out.extend(text.split_whitespace().map(String::from));
            rest = &rest[end..];
        }
        out
    }

    #[test]
    fn kazakh_and_russian_drawings_carry_no_english_and_no_ids() {
        let cat = Catalogue::embedded(&Seeds::at(None));
        assert!(!cat.regulations.is_empty());
        for l in &cat.regulations {
            let reg = &l.regulation;
            for flow in reg.flows.keys() {
                for lang in [Lang::Kk, Lang::Ru] {
                    let s = flow_svg_in(reg, flow, lang).unwrap();
                    let latin: Vec<String> = shown_words(&s)
                        .into_iter()
                        .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
                        // Web addresses are named as the text names them.
                        .filter(|w| !w.contains("www.") && !w.contains("gov.kz"))
                        .collect();
                    assert!(latin.is_empty(), "{} {flow} {lang:?}: {latin:?}", reg.id);
                    assert!(!s.contains(&reg.id), "{} {flow} {lang:?}", reg.id);
                }
                // The English drawing stays as it was: English words and the seed reference.
                let en = flow_svg(reg, flow).unwrap();
                assert!(en.contains("Legend") && en.contains(&reg.id));
            }
        }
    }
}

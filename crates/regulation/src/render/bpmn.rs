//! BPMN 2.0 XML export.
//!
//! One `collaboration` with one participant and process per flow. Each process has a lane per
//! role of the flow (named "en / kk"), a start event, the steps in the text's order (action →
//! user task, process → service task for information systems and user task otherwise,
//! condition → exclusive gateway, provider_flow → call activity of the provider's process), an
//! exclusive gateway after any other step that has branches, an end event per branch (named by
//! the result it yields) and one after the last step. A step's duration is a non-interrupting
//! boundary timer (ISO-8601 `timeDuration`) plus a text annotation that says it in words;
//! working days have no ISO-8601 unit, so their timer counts calendar days and the annotation
//! keeps "working days". The BPMNDI part places every shape and edge so modelers display the
//! file as drawn.

use super::common::*;
use crate::model::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

const NS_BPMN: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
const NS_BPMNDI: &str = "http://www.omg.org/spec/BPMN/20100524/DI";
const NS_DC: &str = "http://www.omg.org/spec/DD/20100524/DC";
const NS_DI: &str = "http://www.omg.org/spec/DD/20100524/DI";
const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

// Layout (BPMNDI units are pixels in every modeler).
const POOL_X: f64 = 40.0;
const POOL_GAP: f64 = 50.0;
const POOL_HEAD: f64 = 30.0;
const LANE_HEAD: f64 = 30.0;
const LANE_MAIN: f64 = 215.0;
const ROW_Y: f64 = 115.0; // main-row centre below the lane top
const TASK_W: f64 = 160.0;
const TASK_H: f64 = 110.0;
const EVENT: f64 = 36.0;
const GATEWAY: f64 = 50.0;
const NOTE_W: f64 = 140.0;
const NOTE_H: f64 = 44.0;
const NOTE_Y: f64 = 8.0;

/// Unique NCName ids.
#[derive(Default)]
struct Ids {
    used: BTreeSet<String>,
}

impl Ids {
    fn make(&mut self, raw: &str) -> String {
        let mut s: String = raw
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
            s.insert(0, '_');
        }
        let mut id = s.clone();
        let mut k = 2;
        while !self.used.insert(id.clone()) {
            id = format!("{s}_{k}");
            k += 1;
        }
        id
    }
}

#[derive(Clone, Copy, Debug)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn centred(cx: f64, cy: f64, w: f64, h: f64) -> Rect {
        Rect {
            x: cx - w / 2.0,
            y: cy - h / 2.0,
            w,
            h,
        }
    }
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

fn bounds(r: Rect) -> String {
    format!(
        r#"<dc:Bounds x="{:.0}" y="{:.0}" width="{:.0}" height="{:.0}"/>"#,
        r.x, r.y, r.w, r.h
    )
}

/// The BPMN element a graph node becomes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Elem {
    Start,
    End,
    UserTask,
    ServiceTask,
    CallActivity,
    Gateway,
}

impl Elem {
    fn tag(self) -> &'static str {
        match self {
            Elem::Start => "startEvent",
            Elem::End => "endEvent",
            Elem::UserTask => "userTask",
            Elem::ServiceTask => "serviceTask",
            Elem::CallActivity => "callActivity",
            Elem::Gateway => "exclusiveGateway",
        }
    }
    fn is_activity(self) -> bool {
        matches!(
            self,
            Elem::UserTask | Elem::ServiceTask | Elem::CallActivity
        )
    }
}

fn elem_of(kind: &NodeKind) -> Elem {
    match kind {
        NodeKind::Start => Elem::Start,
        NodeKind::End { .. } | NodeKind::BranchEnd { .. } => Elem::End,
        NodeKind::Decision(_) => Elem::Gateway,
        NodeKind::Step(s) => match s.kind {
            StepKind::Condition => Elem::Gateway,
            StepKind::ProviderFlow => Elem::CallActivity,
            StepKind::Action | StepKind::Process => {
                if s.role.as_deref().is_some_and(is_system_role) {
                    Elem::ServiceTask
                } else {
                    Elem::UserTask
                }
            }
        },
    }
}

fn step_name(s: &Step) -> String {
    format!("{}. {}", s.n, one_line(&s.text_en))
}

fn step_doc(reg: &Regulation, s: &Step) -> String {
    let mut d = Vec::new();
    if let Some(l) = &s.label {
        d.push(format!("label: {}", one_line(l)));
    }
    if let Some(kk) = &s.text_kk {
        d.push(format!("kk: {}", one_line(kk)));
    }
    if let Some(i) = &s.input {
        d.push(format!("input: {}", one_line(i)));
    }
    if let Some(o) = &s.output {
        d.push(format!("output: {}", one_line(o)));
    }
    if !s.produces.is_empty() {
        let names: Vec<String> = s
            .produces
            .iter()
            .map(|id| {
                reg.result(id)
                    .map(|r| one_line(&r.name_en))
                    .unwrap_or_else(|| id.clone())
            })
            .collect();
        d.push(format!("issues: {}", names.join("; ")));
    }
    if !s.checks.is_empty() {
        let checks: Vec<String> = s
            .checks
            .iter()
            .map(|c| {
                serde_json::to_value(c)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default()
            })
            .collect();
        d.push(format!("checks: {}", checks.join(", ")));
    }
    if let Some(f) = &s.flow {
        d.push(format!("runs the provider's flow `{f}`"));
    }
    if let Some(dur) = s.duration {
        d.push(format!("duration: {}", duration_text(dur)));
    }
    for a in &s.alternatives {
        d.push(format!(
            "contradiction ({}): {}",
            a.get_ref().source,
            one_line(&a.get_ref().note)
        ));
    }
    d.push(format!("source: {}", s.source));
    d.join("\n")
}

/// The words of a duration annotation: "9 calendar days", plus what the text also says.
fn duration_note(s: &Step, d: Duration) -> String {
    let mut t = duration_text(d);
    let alts: Vec<String> = s
        .alternatives
        .iter()
        .filter_map(|a| a.get_ref().duration)
        .map(duration_text)
        .collect();
    if !alts.is_empty() {
        let _ = write!(t, " (the text also says {})", alts.join(", "));
    }
    t
}

/// Geometry of one pool: x of each column's left edge and width, lane tops and heights, and
/// the top of each band row (`row_y[lane][band - 1]`).
struct PoolLayout {
    col_x: Vec<f64>,
    col_w: Vec<f64>,
    lane_y: Vec<f64>,
    lane_h: Vec<f64>,
    row_y: Vec<Vec<f64>>,
    width: f64,
    height: f64,
}

fn col_width(kind: &NodeKind) -> f64 {
    match kind {
        NodeKind::Start => 150.0,
        NodeKind::Step(s) if s.kind == StepKind::Condition => 200.0,
        NodeKind::Step(_) => 220.0,
        NodeKind::Decision(_) => 100.0,
        NodeKind::End { .. } | NodeKind::BranchEnd { .. } => 130.0,
    }
}

fn band_height(k: BandKind) -> f64 {
    match k {
        BandKind::End => 110.0,
        BandKind::Step => 175.0,
    }
}

fn pool_layout(g: &Graph, y0: f64) -> PoolLayout {
    let mut col_w = vec![0.0; g.columns];
    for n in &g.nodes {
        if n.band == 0 {
            col_w[n.col] = col_width(&n.kind);
        }
    }
    let x0 = POOL_X + POOL_HEAD + LANE_HEAD;
    let mut col_x = Vec::with_capacity(g.columns);
    let mut x = x0;
    for w in &col_w {
        col_x.push(x);
        x += w;
    }
    let width = x + 20.0 - POOL_X;
    let (mut lane_y, mut lane_h, mut row_y) = (Vec::new(), Vec::new(), Vec::new());
    let mut y = y0;
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
    PoolLayout {
        col_x,
        col_w,
        lane_y,
        lane_h,
        row_y,
        width,
        height: y - y0,
    }
}

/// Shape bounds of every node.
fn node_rects(g: &Graph, p: &PoolLayout) -> Vec<Rect> {
    g.nodes
        .iter()
        .map(|n| {
            let x = p.col_x[n.col];
            let el = elem_of(&n.kind);
            let size = |cx: f64, cy: f64| match el {
                Elem::Start | Elem::End => Rect::centred(cx, cy, EVENT, EVENT),
                Elem::Gateway => Rect::centred(cx, cy, GATEWAY, GATEWAY),
                _ => Rect::centred(cx, cy, TASK_W, TASK_H),
            };
            if n.band > 0 {
                let top = p.row_y[n.lane][n.band - 1];
                let cx = x + p.col_w[n.col] / 2.0;
                return match el {
                    Elem::End => size(cx, top + 25.0),
                    _ => size(cx, top + 30.0 + TASK_H / 2.0),
                };
            }
            let cy = p.lane_y[n.lane] + ROW_Y;
            let cx = match &n.kind {
                NodeKind::Start | NodeKind::End { .. } => x + 60.0,
                NodeKind::Decision(_) => x + 50.0,
                _ => x + p.col_w[n.col] / 2.0,
            };
            size(cx, cy)
        })
        .collect()
}

fn waypoints(points: &[(f64, f64)]) -> String {
    let mut s = String::new();
    let mut last: Option<(f64, f64)> = None;
    for &(x, y) in points {
        if last.is_some_and(|(a, b)| (a - x).abs() < 0.5 && (b - y).abs() < 0.5) {
            continue;
        }
        let _ = write!(s, r#"<di:waypoint x="{x:.0}" y="{y:.0}"/>"#);
        last = Some((x, y));
    }
    s
}

/// Waypoints of an edge.
fn edge_points(g: &Graph, rects: &[Rect], p: &PoolLayout, e: &Edge) -> Vec<(f64, f64)> {
    let (a, b) = (rects[e.from], rects[e.to]);
    let (na, nb) = (&g.nodes[e.from], &g.nodes[e.to]);
    match e.kind {
        EdgeKind::Next => {
            let (sx, sy) = (a.right(), a.cy());
            let (tx, ty) = (b.x, b.cy());
            if (sy - ty).abs() < 0.5 {
                vec![(sx, sy), (tx, ty)]
            } else {
                // Turn at the left edge of the target's column: clear of what hangs under it.
                let vx = if nb.band == 0 {
                    p.col_x[nb.col] + 6.0
                } else {
                    tx - 15.0
                };
                vec![(sx, sy), (vx, sy), (vx, ty), (tx, ty)]
            }
        }
        EdgeKind::Branch(_) if na.band > 0 => vec![(a.cx(), a.bottom()), (b.cx(), b.y)],
        EdgeKind::Branch(_) => {
            let up = b.cy() < a.cy();
            let sy = if up { a.y } else { a.bottom() };
            if matches!(na.kind, NodeKind::Decision(_)) {
                vec![(a.cx(), sy), (a.cx(), b.cy()), (b.right(), b.cy())]
            } else {
                // A condition: a bus on the right of its column, clear of what hangs under it.
                let bus = p.col_x[na.col] + p.col_w[na.col] - 8.0;
                let ky = if up { sy - 8.0 } else { sy + 8.0 };
                vec![
                    (a.cx(), sy),
                    (a.cx(), ky),
                    (bus, ky),
                    (bus, b.cy()),
                    (b.right(), b.cy()),
                ]
            }
        }
        EdgeKind::Goto(_) => {
            let top = p.lane_y[na.lane] + 4.0;
            let vx = if nb.band == 0 {
                p.col_x[nb.col] + 6.0
            } else {
                b.x - 15.0
            };
            vec![
                (a.cx(), a.y),
                (a.cx(), top),
                (vx, top),
                (vx, b.cy()),
                (b.x, b.cy()),
            ]
        }
    }
}

struct FlowIds {
    participant: String,
    process: String,
}

/// BPMN 2.0 XML of every flow of the regulation.
pub fn to_bpmn(reg: &Regulation) -> String {
    let mut ids = Ids::default();
    let defs_id = ids.make(&format!("Definitions_{}", reg.id));
    let collab_id = ids.make("Collaboration_1");
    let flow_ids: BTreeMap<&str, FlowIds> = reg
        .flows
        .keys()
        .map(|k| {
            let f = FlowIds {
                participant: ids.make(&format!("Participant_{k}")),
                process: ids.make(&format!("Process_{k}")),
            };
            (k.as_str(), f)
        })
        .collect();

    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        r#"<bpmn:definitions xmlns:bpmn="{NS_BPMN}" xmlns:bpmndi="{NS_BPMNDI}" xmlns:dc="{NS_DC}" xmlns:di="{NS_DI}" xmlns:xsi="{NS_XSI}" id="{defs_id}" name="{}" targetNamespace="urn:qyzmet:regulation:{}:v{}" exporter="qyzmet" exporterVersion="{}">"#,
        esc(&one_line(&reg.title.get_ref().en)),
        esc(&reg.id),
        reg.version,
        env!("CARGO_PKG_VERSION"),
    );
    // Collaboration: one participant per flow.
    // (tDefinitions has no documentation in the XSD: the collaboration carries it.)
    let _ = writeln!(x, r#"  <bpmn:collaboration id="{collab_id}">"#);
    let _ = writeln!(
        x,
        "    <bpmn:documentation>{}</bpmn:documentation>",
        esc(&format!(
            "{} (regulation `{}` v{}, {}; {} No. {} of {} by {}; seed {} part {}, {})",
            one_line(&reg.title.get_ref().en),
            reg.id,
            reg.version,
            reg.region,
            reg.act.get_ref().kind,
            reg.act.get_ref().number,
            reg.act.get_ref().date,
            reg.act.get_ref().issuer,
            reg.source.get_ref().seed,
            reg.source.get_ref().part,
            reg.source.get_ref().lines
        ))
    );

    for (k, f) in ordered_flows(reg) {
        let fi = &flow_ids[k];
        let name = format!(
            "{} — {}",
            one_line(&reg.title.get_ref().en),
            flow_caption(k, f)
        );
        let _ = writeln!(
            x,
            r#"    <bpmn:participant id="{}" name="{}" processRef="{}"/>"#,
            fi.participant,
            esc(&name),
            fi.process
        );
    }
    x.push_str("  </bpmn:collaboration>\n");

    let mut di = String::new();
    let mut pool_y = 40.0;
    for (fk, flow) in ordered_flows(reg) {
        let k = fk;
        let fi = &flow_ids[fk];
        let g = graph(reg, flow);
        let p = pool_layout(&g, pool_y);
        let rects = node_rects(&g, &p);

        // Ids of nodes, edges and lanes.
        let node_ids: Vec<String> = g
            .nodes
            .iter()
            .map(|n| match &n.kind {
                NodeKind::Start => ids.make(&format!("Start_{fk}")),
                NodeKind::Step(s) => ids.make(&format!("Step_{fk}_{}", s.n)),
                NodeKind::Decision(s) => ids.make(&format!("Gateway_{fk}_{}", s.n)),
                NodeKind::BranchEnd { step, .. } => {
                    ids.make(&format!("End_{fk}_{}_{}", step.n, n.band))
                }
                NodeKind::End { .. } => ids.make(&format!("End_{fk}")),
            })
            .collect();
        let edge_ids: Vec<String> = (0..g.edges.len())
            .map(|i| ids.make(&format!("Flow_{fk}_{}", i + 1)))
            .collect();
        let lane_ids: Vec<String> = g
            .lanes
            .iter()
            .map(|l| ids.make(&format!("Lane_{fk}_{}", l.key)))
            .collect();

        // Timers and annotations, each with the node it belongs to.
        struct Timer {
            id: String,
            def: String,
            node: usize,
            d: Duration,
        }
        struct Note {
            id: String,
            assoc: String,
            node: usize,
            text: String,
        }
        let mut timers = Vec::new();
        let mut notes = Vec::new();
        for (i, n) in g.nodes.iter().enumerate() {
            if let NodeKind::Step(s) = &n.kind
                && let Some(d) = s.duration
            {
                if elem_of(&n.kind).is_activity() {
                    timers.push(Timer {
                        id: ids.make(&format!("Timer_{fk}_{}", s.n)),
                        def: ids.make(&format!("TimerDef_{fk}_{}", s.n)),
                        node: i,
                        d,
                    });
                }
                notes.push(Note {
                    id: ids.make(&format!("Annotation_{fk}_{}", s.n)),
                    assoc: ids.make(&format!("Association_{fk}_{}", s.n)),
                    node: i,
                    text: duration_note(s, d),
                });
            }
        }
        if let Some(t) = reg.term(flow.channel) {
            let mut text = format!("Term: {}", duration_text(t.duration()));
            if let Some(from) = &t.from_en {
                let _ = write!(text, " {}", one_line(from));
            }
            notes.push(Note {
                id: ids.make(&format!("Annotation_{fk}_term")),
                assoc: ids.make(&format!("Association_{fk}_term")),
                node: 0,
                text,
            });
        }

        // The process.
        let _ = writeln!(
            x,
            r#"  <bpmn:process id="{}" name="{}" isExecutable="false">"#,
            fi.process,
            esc(&flow_caption(k, flow))
        );
        let _ = writeln!(
            x,
            "    <bpmn:documentation>{}</bpmn:documentation>",
            esc(&format!(
                "flow `{k}` (channel {}), source {}",
                flow.channel.as_str(),
                flow.source
            ))
        );
        let _ = writeln!(
            x,
            r#"    <bpmn:laneSet id="{}">"#,
            ids.make(&format!("LaneSet_{fk}"))
        );
        for (li, l) in g.lanes.iter().enumerate() {
            let name = match &l.kk {
                Some(kk) => format!("{} / {}", l.en, kk),
                None => l.en.clone(),
            };
            let _ = writeln!(
                x,
                r#"      <bpmn:lane id="{}" name="{}">"#,
                lane_ids[li],
                esc(&name)
            );
            for (ni, n) in g.nodes.iter().enumerate() {
                if n.lane == li {
                    let _ = writeln!(
                        x,
                        "        <bpmn:flowNodeRef>{}</bpmn:flowNodeRef>",
                        node_ids[ni]
                    );
                }
            }
            for t in timers.iter().filter(|t| g.nodes[t.node].lane == li) {
                let _ = writeln!(x, "        <bpmn:flowNodeRef>{}</bpmn:flowNodeRef>", t.id);
            }
            x.push_str("      </bpmn:lane>\n");
        }
        x.push_str("    </bpmn:laneSet>\n");

        for (ni, n) in g.nodes.iter().enumerate() {
            let el = elem_of(&n.kind);
            let (name, doc) = match &n.kind {
                NodeKind::Start => ("start".to_string(), None),
                NodeKind::Step(s) => (step_name(s), Some(step_doc(reg, s))),
                NodeKind::Decision(s) => (format!("outcome of step {}", s.n), None),
                NodeKind::BranchEnd { name, branch, .. } => {
                    let mut d = format!("branch at step: {:?}", branch.kind);
                    if let Some(c) = &branch.condition_en {
                        let _ = write!(d, "; when: {}", one_line(c));
                    }
                    let _ = write!(d, "; source {}", branch.source);
                    (name.clone(), Some(d))
                }
                NodeKind::End { name, .. } => (name.clone(), None),
            };
            let mut attrs = format!(r#"id="{}" name="{}""#, node_ids[ni], esc(&name));
            if let NodeKind::Step(s) = &n.kind
                && s.kind == StepKind::ProviderFlow
            {
                let called = s
                    .flow
                    .as_deref()
                    .and_then(|f| flow_ids.get(f))
                    .map(|f| f.process.clone())
                    .unwrap_or_else(|| format!("Process_{}", s.flow.as_deref().unwrap_or("")));
                let _ = write!(attrs, r#" calledElement="{}""#, esc(&called));
            }
            if el == Elem::Gateway
                && let Some((ei, _)) = g.outgoing(ni).find(|(_, e)| e.default)
            {
                let _ = write!(attrs, r#" default="{}""#, edge_ids[ei]);
            }
            let _ = writeln!(x, "    <bpmn:{} {attrs}>", el.tag());
            if let Some(d) = doc {
                let _ = writeln!(
                    x,
                    "      <bpmn:documentation>{}</bpmn:documentation>",
                    esc(&d)
                );
            }
            for (ei, _) in g.incoming(ni) {
                let _ = writeln!(x, "      <bpmn:incoming>{}</bpmn:incoming>", edge_ids[ei]);
            }
            for (ei, _) in g.outgoing(ni) {
                let _ = writeln!(x, "      <bpmn:outgoing>{}</bpmn:outgoing>", edge_ids[ei]);
            }
            let _ = writeln!(x, "    </bpmn:{}>", el.tag());
        }
        for t in &timers {
            let (iso, exact) = iso_duration(t.d);
            let doc = if exact {
                format!("{} (ISO-8601 {iso})", duration_text(t.d))
            } else {
                format!(
                    "{}: BPMN (ISO-8601) has no unit for this kind of day, so the timer counts {iso} calendar days; the legal term is in the annotation",
                    duration_text(t.d)
                )
            };
            let _ = writeln!(
                x,
                r#"    <bpmn:boundaryEvent id="{}" name="{}" cancelActivity="false" attachedToRef="{}">"#,
                t.id,
                esc(&duration_text(t.d)),
                node_ids[t.node]
            );
            let _ = writeln!(
                x,
                "      <bpmn:documentation>{}</bpmn:documentation>",
                esc(&doc)
            );
            let _ = writeln!(x, r#"      <bpmn:timerEventDefinition id="{}">"#, t.def);
            let _ = writeln!(
                x,
                r#"        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">{iso}</bpmn:timeDuration>"#
            );
            x.push_str("      </bpmn:timerEventDefinition>\n    </bpmn:boundaryEvent>\n");
        }
        for (ei, e) in g.edges.iter().enumerate() {
            let mut name = match (&e.kind, e.default) {
                // After a failure-only step the step says it all; the `stop` needs no words.
                (EdgeKind::Branch(b), _)
                    if g.nodes[e.from].band > 0 && b.kind == BranchKind::Stop =>
                {
                    String::new()
                }
                (EdgeKind::Branch(b) | EdgeKind::Goto(b), _) => b
                    .condition_en
                    .as_deref()
                    .map(one_line)
                    .unwrap_or_else(|| format!("{:?}", b.kind).to_lowercase()),
                (EdgeKind::Next, true) => match &g.nodes[e.from].kind {
                    NodeKind::Step(_) => "check passed".to_string(),
                    _ => "otherwise".to_string(),
                },
                (EdgeKind::Next, false) => String::new(),
            };
            if !e.also.is_empty() {
                let also = also_text(reg, &e.also);
                name = if name.is_empty() {
                    also
                } else {
                    format!("{name}; {also}")
                };
            }
            let name_attr = if name.is_empty() {
                String::new()
            } else {
                format!(r#" name="{}""#, esc(&name))
            };
            let _ = write!(
                x,
                r#"    <bpmn:sequenceFlow id="{}"{name_attr} sourceRef="{}" targetRef="{}""#,
                edge_ids[ei], node_ids[e.from], node_ids[e.to]
            );
            match &e.kind {
                EdgeKind::Branch(b) | EdgeKind::Goto(b) => {
                    let mut doc = format!("{:?} branch", b.kind).to_lowercase();
                    if let Some(c) = &b.condition_en {
                        let _ = write!(doc, " when {}", one_line(c));
                    }
                    if let Some(r) = &b.result {
                        let _ = write!(doc, "; yields {}", result_name(reg, r));
                    }
                    if let Some(g) = b.goto {
                        let _ = write!(doc, "; continues at step {g}");
                    }
                    let _ = write!(doc, "; source {}", b.source);
                    let _ = writeln!(
                        x,
                        ">\n      <bpmn:documentation>{}</bpmn:documentation>\n    </bpmn:sequenceFlow>",
                        esc(&doc)
                    );
                }
                EdgeKind::Next if !e.also.is_empty() => {
                    let docs: Vec<String> = e
                        .also
                        .iter()
                        .map(|b| {
                            let mut d = format!("{:?} branch", b.kind).to_lowercase();
                            if let Some(c) = &b.condition_en {
                                let _ = write!(d, " when {}", one_line(c));
                            }
                            format!("{d} continues here too (source {})", b.source)
                        })
                        .collect();
                    let _ = writeln!(
                        x,
                        ">\n      <bpmn:documentation>{}</bpmn:documentation>\n    </bpmn:sequenceFlow>",
                        esc(&docs.join("\n"))
                    );
                }
                EdgeKind::Next => x.push_str("/>\n"),
            }
        }
        for n in &notes {
            let _ = writeln!(
                x,
                "    <bpmn:textAnnotation id=\"{}\">\n      <bpmn:text>{}</bpmn:text>\n    </bpmn:textAnnotation>",
                n.id,
                esc(&n.text)
            );
            let _ = writeln!(
                x,
                r#"    <bpmn:association id="{}" sourceRef="{}" targetRef="{}"/>"#,
                n.assoc, node_ids[n.node], n.id
            );
        }
        x.push_str("  </bpmn:process>\n");

        // Diagram interchange for this pool.
        let pool = Rect {
            x: POOL_X,
            y: pool_y,
            w: p.width,
            h: p.height,
        };
        let _ = writeln!(
            di,
            r#"      <bpmndi:BPMNShape id="{}" bpmnElement="{}" isHorizontal="true">{}</bpmndi:BPMNShape>"#,
            ids.make(&format!("{}_di", fi.participant)),
            fi.participant,
            bounds(pool)
        );
        for (li, lid) in lane_ids.iter().enumerate() {
            let r = Rect {
                x: POOL_X + POOL_HEAD,
                y: p.lane_y[li],
                w: p.width - POOL_HEAD,
                h: p.lane_h[li],
            };
            let _ = writeln!(
                di,
                r#"      <bpmndi:BPMNShape id="{}" bpmnElement="{lid}" isHorizontal="true">{}</bpmndi:BPMNShape>"#,
                ids.make(&format!("{lid}_di")),
                bounds(r)
            );
        }
        for (ni, n) in g.nodes.iter().enumerate() {
            let r = rects[ni];
            let el = elem_of(&n.kind);
            let label = match (&n.kind, el) {
                (_, Elem::Start | Elem::End) => Some(Rect {
                    x: r.cx() - 60.0,
                    y: r.bottom() + 4.0,
                    w: 120.0,
                    h: 54.0,
                }),
                (NodeKind::Decision(_), _) => Some(Rect {
                    x: r.cx() - 50.0,
                    y: r.y - 34.0,
                    w: 100.0,
                    h: 28.0,
                }),
                (_, Elem::Gateway) => Some(Rect {
                    x: r.cx() - 90.0,
                    y: p.lane_y[n.lane] + 6.0,
                    w: 180.0,
                    h: 56.0,
                }),
                _ => None,
            };
            let extra = if el == Elem::Gateway {
                r#" isMarkerVisible="true""#
            } else {
                ""
            };
            let label = label
                .map(|l| format!("<bpmndi:BPMNLabel>{}</bpmndi:BPMNLabel>", bounds(l)))
                .unwrap_or_default();
            let _ = writeln!(
                di,
                r#"      <bpmndi:BPMNShape id="{}" bpmnElement="{}"{extra}>{}{label}</bpmndi:BPMNShape>"#,
                ids.make(&format!("{}_di", node_ids[ni])),
                node_ids[ni],
                bounds(r)
            );
        }
        for t in &timers {
            let a = rects[t.node];
            let r = Rect::centred(a.right() - 20.0, a.bottom(), EVENT, EVENT);
            let label = Rect {
                x: r.cx() - 40.0,
                y: r.bottom() + 2.0,
                w: 80.0,
                h: 14.0,
            };
            let _ = writeln!(
                di,
                r#"      <bpmndi:BPMNShape id="{}" bpmnElement="{}">{}<bpmndi:BPMNLabel>{}</bpmndi:BPMNLabel></bpmndi:BPMNShape>"#,
                ids.make(&format!("{}_di", t.id)),
                t.id,
                bounds(r),
                bounds(label)
            );
        }
        for (ei, e) in g.edges.iter().enumerate() {
            let pts = edge_points(&g, &rects, &p, e);
            let label = match (&e.kind, e.default) {
                (EdgeKind::Branch(_), _) if g.nodes[e.from].band > 0 => {
                    let (x0, y0) = pts[0];
                    Some(Rect {
                        x: x0 + 6.0,
                        y: y0 + 2.0,
                        w: 120.0,
                        h: 28.0,
                    })
                }
                (EdgeKind::Branch(_), _) => {
                    // Above the last segment, into the shape hanging from the gateway.
                    let (x1, y1) = pts[pts.len() - 1];
                    let (x0, _) = pts[pts.len() - 2];
                    Some(Rect {
                        x: x1 + 4.0,
                        y: y1 - 30.0,
                        w: (x0 - x1 - 8.0).max(60.0),
                        h: 28.0,
                    })
                }
                (EdgeKind::Goto(_), _) => {
                    let (x0, y0) = pts[1];
                    Some(Rect {
                        x: x0 + 6.0,
                        y: y0,
                        w: 160.0,
                        h: 14.0,
                    })
                }
                (EdgeKind::Next, true) => {
                    let (x0, y0) = pts[0];
                    let h = if e.also.is_empty() { 14.0 } else { 42.0 };
                    Some(Rect {
                        x: x0 + 4.0,
                        y: y0 - h - 4.0,
                        w: 70.0,
                        h,
                    })
                }
                (EdgeKind::Next, false) if !e.also.is_empty() => {
                    let (x0, y0) = pts[0];
                    Some(Rect {
                        x: x0 + 4.0,
                        y: y0 + 4.0,
                        w: 90.0,
                        h: 42.0,
                    })
                }
                _ => None,
            };
            let label = label
                .map(|l| format!("<bpmndi:BPMNLabel>{}</bpmndi:BPMNLabel>", bounds(l)))
                .unwrap_or_default();
            let _ = writeln!(
                di,
                r#"      <bpmndi:BPMNEdge id="{}" bpmnElement="{}">{}{label}</bpmndi:BPMNEdge>"#,
                ids.make(&format!("{}_di", edge_ids[ei])),
                edge_ids[ei],
                waypoints(&pts)
            );
        }
        for n in &notes {
            let a = rects[n.node];
            let lane_top = p.lane_y[g.nodes[n.node].lane];
            let r = match &g.nodes[n.node].kind {
                _ if g.nodes[n.node].band > 0 => Rect {
                    x: a.x - NOTE_W - 10.0,
                    y: a.y,
                    w: NOTE_W,
                    h: NOTE_H,
                },
                NodeKind::Start => Rect {
                    x: a.cx() - 50.0,
                    y: lane_top + 4.0,
                    w: 140.0,
                    h: 60.0,
                },
                NodeKind::Step(s) if s.kind == StepKind::Condition => Rect {
                    x: a.right() + 10.0,
                    y: a.bottom() + 8.0,
                    w: 110.0,
                    h: 40.0,
                },
                _ => Rect {
                    x: a.x,
                    y: lane_top + NOTE_Y,
                    w: NOTE_W,
                    h: NOTE_H,
                },
            };
            let pts = if r.right() < a.x {
                [(a.x, a.y + 22.0), (r.right(), r.cy())]
            } else if r.y > a.bottom() {
                [(a.cx(), a.bottom()), (r.x, r.cy())]
            } else {
                [(a.cx(), a.y), (a.cx(), r.bottom())]
            };
            let _ = writeln!(
                di,
                r#"      <bpmndi:BPMNShape id="{}" bpmnElement="{}">{}</bpmndi:BPMNShape>"#,
                ids.make(&format!("{}_di", n.id)),
                n.id,
                bounds(r)
            );
            let _ = writeln!(
                di,
                r#"      <bpmndi:BPMNEdge id="{}" bpmnElement="{}">{}</bpmndi:BPMNEdge>"#,
                ids.make(&format!("{}_di", n.assoc)),
                n.assoc,
                waypoints(&pts)
            );
        }
        pool_y += p.height + POOL_GAP;
    }

    let _ = writeln!(
        x,
        r#"  <bpmndi:BPMNDiagram id="{}" name="{}">"#,
        ids.make("BPMNDiagram_1"),
        esc(&one_line(&reg.title.get_ref().en))
    );
    let _ = writeln!(
        x,
        r#"    <bpmndi:BPMNPlane id="{}" bpmnElement="{collab_id}">"#,
        ids.make("BPMNPlane_1")
    );
    x.push_str(&di);
    x.push_str("    </bpmndi:BPMNPlane>\n  </bpmndi:BPMNDiagram>\n</bpmn:definitions>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::test_fixture::regulation;

    fn count(hay: &str, needle: &str) -> usize {
        hay.matches(needle).count()
    }

    #[test]
    fn one_participant_and_process_per_flow_with_lanes_per_role() {
        let reg = regulation();
        let x = to_bpmn(&reg);
        assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
        assert!(x.contains(NS_BPMN));
        assert_eq!(count(&x, "<bpmn:collaboration "), 1);
        assert_eq!(count(&x, "<bpmn:participant "), reg.flows.len());
        assert_eq!(count(&x, "<bpmn:process "), reg.flows.len());
        // office: clerk + head; state_corporation: operator + provider; portal: applicant + portal.
        assert_eq!(count(&x, "<bpmn:lane "), 6);
        assert!(
            x.contains(r#"name="office employee of the provider / кеңсе қызметкері""#),
            "{x}"
        );
    }

    #[test]
    fn steps_become_the_right_elements() {
        let x = to_bpmn(&regulation());
        assert!(x.contains(r#"<bpmn:userTask id="Step_office_1" name="1. Accepts &amp; registers &lt;documents&gt;""#), "{x}");
        assert!(x.contains(r#"<bpmn:callActivity id="Step_state_corporation_2" name="2. The provider runs its flow" calledElement="Process_office""#), "{x}");
        assert!(
            x.contains(r#"<bpmn:exclusiveGateway id="Step_portal_2""#),
            "{x}"
        );
        assert!(x.contains(r#"<bpmn:serviceTask id="Step_portal_3""#), "{x}");
        assert!(x.contains(r#"<bpmn:userTask id="Step_portal_1""#), "{x}");
        // A decision after the action with a branch, and an end named by the refusal receipt.
        assert!(
            x.contains(
                r#"<bpmn:exclusiveGateway id="Gateway_office_1" name="outcome of step 1" default="#
            ),
            "{x}"
        );
        assert!(
            x.contains(r#"<bpmn:endEvent id="End_office_1_1" name="receipt on refusal to accept""#),
            "{x}"
        );
        assert!(
            x.contains(r#"<bpmn:endEvent id="End_office" name="notification on free meals""#),
            "{x}"
        );
        assert!(x.contains(r#"<bpmn:serviceTask id="Step_portal_4""#), "{x}");
        // The failure-only step hangs off the condition and ends with the notice.
        assert!(
            x.contains(
                r#"name="check passed" sourceRef="Step_portal_2" targetRef="Step_portal_4"/>"#
            ),
            "{x}"
        );
        assert!(x.contains(r#"name="credentials not confirmed" sourceRef="Step_portal_2" targetRef="Step_portal_3""#), "{x}");
        assert!(
            x.contains(
                r#"<bpmn:endEvent id="End_portal_3_2" name="notice: authorisation refused""#
            ),
            "{x}"
        );
        // The motivated refusal goes on to be issued: words on the flow, no gateway.
        assert!(!x.contains("Gateway_office_2"), "{x}");
        assert!(
            x.contains(
                r#"name="or motivated refusal" sourceRef="Step_office_2" targetRef="Step_office_3""#
            ),
            "{x}"
        );
    }

    #[test]
    fn durations_become_timers_and_annotations() {
        let x = to_bpmn(&regulation());
        assert!(x.contains(">PT20M</bpmn:timeDuration>"));
        assert!(x.contains(">P9D</bpmn:timeDuration>"));
        assert!(x.contains(">PT30S</bpmn:timeDuration>"));
        assert!(x.contains(r#"attachedToRef="Step_office_1""#));
        assert!(x.contains("<bpmn:text>9 calendar days</bpmn:text>"), "{x}");
        assert!(
            x.contains("<bpmn:text>20 minutes (the text also says 30 minutes)</bpmn:text>"),
            "{x}"
        );
        assert!(
            x.contains(
                "<bpmn:text>Term: 10 working days from handing the documents over</bpmn:text>"
            ),
            "{x}"
        );
        // Working days: calendar-day timer plus the words.
        assert!(
            x.contains(">P2D</bpmn:timeDuration>")
                && x.contains("<bpmn:text>2 working days</bpmn:text>"),
            "{x}"
        );
    }

    #[test]
    fn ids_are_unique_ncnames_and_references_resolve() {
        check_ids(&to_bpmn(&regulation()));
    }

    #[test]
    fn odd_flows_still_give_valid_bpmn() {
        let reg = crate::render::test_fixture::odd_regulation();
        let x = to_bpmn(&reg);
        check_ids(&x);
        assert_eq!(count(&x, "<bpmn:process "), reg.flows.len());
        // The flow without steps: start, end, one lane.
        assert!(
            x.contains(r#"<bpmn:startEvent id="Start________________""#),
            "{x}"
        );
        assert!(x.contains(r#"name="no role given""#), "{x}");
        // Back to step 1, and a branch to a step that does not exist ends the flow.
        assert!(
            x.contains(
                r#"name="sent back" sourceRef="Gateway_portal_4" targetRef="Step_portal_1""#
            ),
            "{x}"
        );
        assert!(
            x.contains(r#"<bpmn:endEvent id="End_portal_4_1" name="the flow stops""#),
            "{x}"
        );
    }

    fn check_ids(x: &str) {
        let mut ids = BTreeSet::new();
        for part in x.split(" id=\"").skip(1) {
            let id = &part[..part.find('"').unwrap()];
            assert!(
                id.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_'),
                "{id}"
            );
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c)),
                "{id}"
            );
            assert!(ids.insert(id.to_string()), "duplicate id {id}");
        }
        for attr in [
            "sourceRef",
            "targetRef",
            "bpmnElement",
            "processRef",
            "attachedToRef",
            "default",
        ] {
            for part in x.split(&format!(" {attr}=\"")).skip(1) {
                let id = &part[..part.find('"').unwrap()];
                assert!(ids.contains(id), "{attr}={id} does not resolve");
            }
        }
        for tag in ["flowNodeRef", "incoming", "outgoing"] {
            for part in x.split(&format!("<bpmn:{tag}>")).skip(1) {
                let id = &part[..part.find('<').unwrap()];
                assert!(ids.contains(id), "{tag} {id} does not resolve");
            }
        }
    }

    #[test]
    fn id_maker_sanitises_and_dedups() {
        let mut ids = Ids::default();
        assert_eq!(ids.make("Lane_office_офис"), "Lane_office_____");
        assert_eq!(ids.make("1abc"), "_1abc");
        assert_eq!(ids.make("a b"), "a_b");
        assert_eq!(ids.make("a_b"), "a_b_2");
    }
}

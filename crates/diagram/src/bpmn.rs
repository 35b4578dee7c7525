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

use crate::graph::*;
use crate::layout::{EVENT, Frame, Layout, Point, Rect};
use crate::text::*;
use regulation::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

const NS_BPMN: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
const NS_BPMNDI: &str = "http://www.omg.org/spec/BPMN/20100524/DI";
const NS_DC: &str = "http://www.omg.org/spec/DD/20100524/DC";
const NS_DI: &str = "http://www.omg.org/spec/DD/20100524/DI";
const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Where the pools stand (BPMNDI units are pixels in every modeler): stacked, one per flow,
/// each with the participant's header and then narrow lane headers.
const POOL_X: f64 = 40.0;
const POOL_Y: f64 = 40.0;
const POOL_GAP: f64 = 50.0;
const POOL_HEAD: f64 = 30.0;
const LANE_HEAD: f64 = 30.0;
const NOTE_W: f64 = 140.0;
const NOTE_H: f64 = 44.0;
const NOTE_Y: f64 = 8.0;

struct FlowIds {
    participant: String,
    process: String,
}

/// The layout of every flow as the BPMN file places it: one pool under the other, in the
/// order the regulation declares its channels.
pub(crate) fn layouts(reg: &Regulation) -> Vec<(&str, &Flow, Layout<'_>)> {
    let mut y = POOL_Y;
    ordered_flows(reg)
        .into_iter()
        .map(|(k, flow)| {
            let frame = Frame {
                x: POOL_X + POOL_HEAD,
                y,
                head: LANE_HEAD,
                min_width: 0.0,
            };
            let layout = Layout::new(graph(reg, flow), frame);
            y += layout.bounds.h + POOL_GAP;
            (k, flow, layout)
        })
        .collect()
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
    write_collaboration(&mut x, reg, &collab_id, &flow_ids);

    let mut di = String::new();
    for (k, flow, layout) in layouts(reg) {
        let fi = &flow_ids[k];
        let p = Process::new(&mut ids, reg, k, flow, &layout.graph);
        write_process(&mut x, reg, k, flow, fi, &flow_ids, &layout.graph, &p);
        write_pool_di(&mut di, &mut ids, fi, &layout, &p);
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

/// The collaboration: one participant per flow. (tDefinitions has no documentation in the
/// XSD: the collaboration carries it.)
fn write_collaboration(
    x: &mut String,
    reg: &Regulation,
    collab_id: &str,
    flow_ids: &BTreeMap<&str, FlowIds>,
) {
    let act = reg.act.get_ref();
    let src = reg.source.get_ref();
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
            act.kind,
            act.number,
            act.date,
            act.issuer,
            src.seed,
            src.part,
            src.lines
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
}

/// A duration's boundary timer on an activity.
struct Timer {
    id: String,
    def: String,
    node: usize,
    d: Duration,
}

/// A text annotation on a node, and its association.
struct Note {
    id: String,
    assoc: String,
    node: usize,
    text: String,
}

/// The ids of one process's elements, and its timers and annotations.
struct Process {
    nodes: Vec<String>,
    edges: Vec<String>,
    lanes: Vec<String>,
    lane_set: String,
    timers: Vec<Timer>,
    notes: Vec<Note>,
}

impl Process {
    fn new(ids: &mut Ids, reg: &Regulation, fk: &str, flow: &Flow, g: &Graph) -> Process {
        let nodes: Vec<String> = g
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
        let edges: Vec<String> = (0..g.edges.len())
            .map(|i| ids.make(&format!("Flow_{fk}_{}", i + 1)))
            .collect();
        let lanes: Vec<String> = g
            .lanes
            .iter()
            .map(|l| ids.make(&format!("Lane_{fk}_{}", l.key)))
            .collect();
        let mut timers = Vec::new();
        let mut notes = Vec::new();
        for (i, n) in g.nodes.iter().enumerate() {
            if let NodeKind::Step(s) = &n.kind
                && let Some(d) = s.duration
            {
                if elem_of(g, &n.kind).is_activity() {
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
        let lane_set = ids.make(&format!("LaneSet_{fk}"));
        Process {
            nodes,
            edges,
            lanes,
            lane_set,
            timers,
            notes,
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn write_process(
    x: &mut String,
    reg: &Regulation,
    k: &str,
    flow: &Flow,
    fi: &FlowIds,
    flow_ids: &BTreeMap<&str, FlowIds>,
    g: &Graph,
    p: &Process,
) {
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
    write_lane_set(x, g, p);
    for ni in 0..g.nodes.len() {
        write_node(x, reg, flow_ids, g, p, ni);
    }
    for t in &p.timers {
        write_timer(x, &p.nodes[t.node], t);
    }
    for ei in 0..g.edges.len() {
        write_sequence_flow(x, reg, g, p, ei);
    }
    for n in &p.notes {
        let _ = writeln!(
            x,
            "    <bpmn:textAnnotation id=\"{}\">\n      <bpmn:text>{}</bpmn:text>\n    </bpmn:textAnnotation>",
            n.id,
            esc(&n.text)
        );
        let _ = writeln!(
            x,
            r#"    <bpmn:association id="{}" sourceRef="{}" targetRef="{}"/>"#,
            n.assoc, p.nodes[n.node], n.id
        );
    }
    x.push_str("  </bpmn:process>\n");
}

fn write_lane_set(x: &mut String, g: &Graph, p: &Process) {
    let _ = writeln!(x, r#"    <bpmn:laneSet id="{}">"#, p.lane_set);
    for (li, l) in g.lanes.iter().enumerate() {
        let name = match &l.kk {
            Some(kk) => format!("{} / {}", l.en, kk),
            None => l.en.clone(),
        };
        let _ = writeln!(
            x,
            r#"      <bpmn:lane id="{}" name="{}">"#,
            p.lanes[li],
            esc(&name)
        );
        let refs = g
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, n)| n.lane == li)
            .map(|(ni, _)| &p.nodes[ni])
            .chain(
                p.timers
                    .iter()
                    .filter(|t| g.nodes[t.node].lane == li)
                    .map(|t| &t.id),
            );
        for id in refs {
            let _ = writeln!(x, "        <bpmn:flowNodeRef>{id}</bpmn:flowNodeRef>");
        }
        x.push_str("      </bpmn:lane>\n");
    }
    x.push_str("    </bpmn:laneSet>\n");
}

fn write_node(
    x: &mut String,
    reg: &Regulation,
    flow_ids: &BTreeMap<&str, FlowIds>,
    g: &Graph,
    p: &Process,
    ni: usize,
) {
    let n = &g.nodes[ni];
    let el = elem_of(g, &n.kind);
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
    let mut attrs = format!(r#"id="{}" name="{}""#, p.nodes[ni], esc(&name));
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
        let _ = write!(attrs, r#" default="{}""#, p.edges[ei]);
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
        let _ = writeln!(x, "      <bpmn:incoming>{}</bpmn:incoming>", p.edges[ei]);
    }
    for (ei, _) in g.outgoing(ni) {
        let _ = writeln!(x, "      <bpmn:outgoing>{}</bpmn:outgoing>", p.edges[ei]);
    }
    let _ = writeln!(x, "    </bpmn:{}>", el.tag());
}

fn write_timer(x: &mut String, attached_to: &str, t: &Timer) {
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
        r#"    <bpmn:boundaryEvent id="{}" name="{}" cancelActivity="false" attachedToRef="{attached_to}">"#,
        t.id,
        esc(&duration_text(t.d)),
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

/// The name a sequence flow shows: the branch's condition, "check passed"/"otherwise" for the
/// default way out of a gateway, and the branches that converge on it.
fn flow_name(reg: &Regulation, g: &Graph, e: &Edge) -> String {
    let name = match (&e.kind, e.default) {
        // After a failure-only step the step says it all; the `stop` needs no words.
        (EdgeKind::Branch(b), _) if g.nodes[e.from].band > 0 && b.kind == BranchKind::Stop => {
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
    if e.also.is_empty() {
        return name;
    }
    let also = also_text(reg, &e.also, Lang::En);
    if name.is_empty() {
        also
    } else {
        format!("{name}; {also}")
    }
}

/// What a sequence flow's documentation says about the branches it stands for.
fn flow_doc(reg: &Regulation, e: &Edge) -> Option<String> {
    match &e.kind {
        EdgeKind::Branch(b) | EdgeKind::Goto(b) => {
            let mut doc = format!("{:?} branch", b.kind).to_lowercase();
            if let Some(c) = &b.condition_en {
                let _ = write!(doc, " when {}", one_line(c));
            }
            if let Some(r) = &b.result {
                let _ = write!(doc, "; yields {}", result_name(reg, r, Lang::En));
            }
            if let Some(g) = b.goto {
                let _ = write!(doc, "; continues at step {g}");
            }
            let _ = write!(doc, "; source {}", b.source);
            Some(doc)
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
            Some(docs.join("\n"))
        }
        EdgeKind::Next => None,
    }
}

fn write_sequence_flow(x: &mut String, reg: &Regulation, g: &Graph, p: &Process, ei: usize) {
    let e = &g.edges[ei];
    let name = flow_name(reg, g, e);
    let name_attr = if name.is_empty() {
        String::new()
    } else {
        format!(r#" name="{}""#, esc(&name))
    };
    let _ = write!(
        x,
        r#"    <bpmn:sequenceFlow id="{}"{name_attr} sourceRef="{}" targetRef="{}""#,
        p.edges[ei], p.nodes[e.from], p.nodes[e.to]
    );
    match flow_doc(reg, e) {
        Some(doc) => {
            let _ = writeln!(
                x,
                ">\n      <bpmn:documentation>{}</bpmn:documentation>\n    </bpmn:sequenceFlow>",
                esc(&doc)
            );
        }
        None => x.push_str("/>\n"),
    }
}

/// Diagram interchange for one pool: every bound and waypoint comes from the layout; only
/// labels, timers and annotations (which the SVG draws differently) are placed here.
fn write_pool_di(di: &mut String, ids: &mut Ids, fi: &FlowIds, l: &Layout, p: &Process) {
    let pool = Rect {
        x: POOL_X,
        y: l.bounds.y,
        w: POOL_HEAD + l.bounds.w,
        h: l.bounds.h,
    };
    let _ = writeln!(
        di,
        r#"      <bpmndi:BPMNShape id="{}" bpmnElement="{}" isHorizontal="true">{}</bpmndi:BPMNShape>"#,
        ids.make(&format!("{}_di", fi.participant)),
        fi.participant,
        bounds(pool)
    );
    for (lane, lid) in l.lanes.iter().zip(&p.lanes) {
        let _ = writeln!(
            di,
            r#"      <bpmndi:BPMNShape id="{}" bpmnElement="{lid}" isHorizontal="true">{}</bpmndi:BPMNShape>"#,
            ids.make(&format!("{lid}_di")),
            bounds(lane.rect)
        );
    }
    for (ni, nid) in p.nodes.iter().enumerate() {
        let el = elem_of(&l.graph, &l.graph.nodes[ni].kind);
        let extra = if el == Elem::Gateway {
            r#" isMarkerVisible="true""#
        } else {
            ""
        };
        let label = node_label(l, ni)
            .map(|r| format!("<bpmndi:BPMNLabel>{}</bpmndi:BPMNLabel>", bounds(r)))
            .unwrap_or_default();
        let _ = writeln!(
            di,
            r#"      <bpmndi:BPMNShape id="{}" bpmnElement="{nid}"{extra}>{}{label}</bpmndi:BPMNShape>"#,
            ids.make(&format!("{nid}_di")),
            bounds(l.nodes[ni])
        );
    }
    for t in &p.timers {
        let a = l.nodes[t.node];
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
    for (ei, eid) in p.edges.iter().enumerate() {
        let label = edge_label(l, ei)
            .map(|r| format!("<bpmndi:BPMNLabel>{}</bpmndi:BPMNLabel>", bounds(r)))
            .unwrap_or_default();
        let _ = writeln!(
            di,
            r#"      <bpmndi:BPMNEdge id="{}" bpmnElement="{eid}">{}{label}</bpmndi:BPMNEdge>"#,
            ids.make(&format!("{eid}_di")),
            waypoints(&l.edges[ei])
        );
    }
    for n in &p.notes {
        let (r, pts) = note_place(l, n.node);
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
}

/// Where a node's name goes: under an event, over a decision, at the top of the lane over a
/// condition; inside a task (no label bounds).
fn node_label(l: &Layout, ni: usize) -> Option<Rect> {
    let r = l.nodes[ni];
    let kind = &l.graph.nodes[ni].kind;
    match (kind, elem_of(&l.graph, kind)) {
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
            y: l.lane_top(ni) + 6.0,
            w: 180.0,
            h: 44.0,
        }),
        _ => None,
    }
}

/// Where an edge's name goes, by the segment it names.
fn edge_label(l: &Layout, ei: usize) -> Option<Rect> {
    let e = &l.graph.edges[ei];
    let pts = &l.edges[ei];
    match (&e.kind, e.default) {
        (EdgeKind::Branch(_), _) if l.graph.nodes[e.from].band > 0 => {
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
    }
}

/// An annotation's box and its association's waypoints: above a main-row step (the layout
/// leaves room there), left of a band step, right under a condition, over the start.
fn note_place(l: &Layout, ni: usize) -> (Rect, [Point; 2]) {
    let a = l.nodes[ni];
    let lane_top = l.lane_top(ni);
    let n = &l.graph.nodes[ni];
    let r = match &n.kind {
        _ if n.band > 0 => Rect {
            x: a.x - NOTE_W - 10.0,
            y: a.y,
            w: NOTE_W,
            h: NOTE_H,
        },
        NodeKind::Start => Rect {
            x: a.cx() - 60.0,
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
    (r, pts)
}

fn waypoints(points: &[Point]) -> String {
    let mut s = String::new();
    let mut last: Option<Point> = None;
    for &(x, y) in points {
        if last.is_some_and(|(a, b)| (a - x).abs() < 0.5 && (b - y).abs() < 0.5) {
            continue;
        }
        let _ = write!(s, r#"<di:waypoint x="{x:.0}" y="{y:.0}"/>"#);
        last = Some((x, y));
    }
    s
}

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

fn elem_of(g: &Graph, kind: &NodeKind) -> Elem {
    match kind {
        NodeKind::Start => Elem::Start,
        NodeKind::End { .. } | NodeKind::BranchEnd { .. } => Elem::End,
        NodeKind::Decision(_) => Elem::Gateway,
        NodeKind::Step(s) => match s.kind {
            StepKind::Condition => Elem::Gateway,
            StepKind::ProviderFlow => Elem::CallActivity,
            StepKind::Action | StepKind::Process => {
                if g.by_system(s) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixture::regulation;

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
        let reg = crate::test_fixture::odd_regulation();
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

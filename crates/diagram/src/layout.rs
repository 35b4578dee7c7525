//! Where everything of one flow stands: lane boxes, column widths, one box per node and the
//! waypoints of every edge. Computed once per flow and written by both formats, so BPMN DI and
//! the SVG drawing cannot drift apart.
//!
//! A lane is a main row (steps in the text's order, left to right) with band rows under it for
//! what branches lead to. In the main row a step's box leaves room above it (BPMN annotations)
//! and below it (the SVG's duration and hand-outs). Every edge is a polyline of horizontal and
//! vertical segments that starts on the side of its source box and ends on the side of its
//! target box. Not for: text, colours or ids — each format decides those.

use crate::graph::*;
use regulation::StepKind;

/// Height of a lane's main row.
pub(crate) const LANE_MAIN: f64 = 240.0;
/// Top of a step's box below the lane top: room above for a duration annotation.
const BOX_TOP: f64 = 60.0;
pub(crate) const BOX_W: f64 = 180.0;
pub(crate) const BOX_H: f64 = 104.0;
/// Centre of the main row's shapes below the lane top.
const ROW_Y: f64 = BOX_TOP + BOX_H / 2.0;
/// Start and end events.
pub(crate) const EVENT: f64 = 36.0;
/// The decision after a step.
const GATEWAY: f64 = 50.0;
/// A condition: a diamond large enough to hold its words.
const COND_W: f64 = 200.0;
const COND_H: f64 = 108.0;
/// Space between the lanes' name column and the first column, and after the last one.
const LEAD: f64 = 10.0;
const TAIL: f64 = 20.0;
/// Where a goto edge runs, below the top of its lane.
const GOTO_Y: f64 = 6.0;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn centred(cx: f64, cy: f64, w: f64, h: f64) -> Rect {
        Rect {
            x: cx - w / 2.0,
            y: cy - h / 2.0,
            w,
            h,
        }
    }
    pub fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }
    pub fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    fn moved(self, dx: f64, dy: f64) -> Rect {
        Rect {
            x: self.x + dx,
            y: self.y + dy,
            ..self
        }
    }
}

pub(crate) type Point = (f64, f64);

/// What the two formats choose differently: where the lanes stand and how wide the column that
/// names them is (a modeler's narrow lane header, or the SVG's column of words).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    pub x: f64,
    pub y: f64,
    pub head: f64,
    /// The lanes stretch to at least this width.
    pub min_width: f64,
}

#[derive(Clone, Debug)]
pub(crate) struct LaneBox {
    /// The whole lane, name column included.
    pub rect: Rect,
    /// Top of each band row (`rows[band - 1]`).
    pub rows: Vec<f64>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Column {
    pub x: f64,
    pub w: f64,
}

/// One flow placed on a page.
#[derive(Clone, Debug)]
pub(crate) struct Layout<'a> {
    pub graph: Graph<'a>,
    pub head: f64,
    /// All lanes together.
    pub bounds: Rect,
    pub lanes: Vec<LaneBox>,
    pub columns: Vec<Column>,
    /// The shape of each node (its bounding box), by node index.
    pub nodes: Vec<Rect>,
    /// The waypoints of each edge, by edge index.
    pub edges: Vec<Vec<Point>>,
}

fn column_width(kind: &NodeKind) -> f64 {
    match kind {
        NodeKind::Start => 150.0,
        NodeKind::Step(_) => 220.0,
        NodeKind::Decision(_) => 100.0,
        NodeKind::End { .. } | NodeKind::BranchEnd { .. } => 160.0,
    }
}

/// Height of a band row: an end and its name, or a failure-only step with words around it.
fn band_height(k: BandKind) -> f64 {
    match k {
        BandKind::End => 110.0,
        BandKind::Step => 200.0,
    }
}

impl<'a> Layout<'a> {
    pub fn new(graph: Graph<'a>, frame: Frame) -> Layout<'a> {
        let columns = columns(&graph, frame.x + frame.head + LEAD);
        let natural = columns.last().map_or(0.0, |c| c.x + c.w) + TAIL - frame.x;
        let width = natural.max(frame.min_width);
        let lanes = lanes(&graph, frame.x, frame.y, width);
        let height = lanes.last().map_or(0.0, |l| l.rect.bottom()) - frame.y;
        let nodes: Vec<Rect> = (0..graph.nodes.len())
            .map(|i| node_box(&graph, &lanes, &columns, i))
            .collect();
        let edges = graph
            .edges
            .iter()
            .map(|e| edge_points(&graph, &lanes, &columns, &nodes, e))
            .collect();
        Layout {
            graph,
            head: frame.head,
            bounds: Rect {
                x: frame.x,
                y: frame.y,
                w: width,
                h: height,
            },
            lanes,
            columns,
            nodes,
            edges,
        }
    }

    /// The same layout `dy` lower (the SVG knows how tall its title is only once it knows the
    /// width).
    pub fn moved_down(mut self, dy: f64) -> Layout<'a> {
        self.bounds = self.bounds.moved(0.0, dy);
        for l in &mut self.lanes {
            l.rect = l.rect.moved(0.0, dy);
            l.rows.iter_mut().for_each(|r| *r += dy);
        }
        self.nodes.iter_mut().for_each(|r| *r = r.moved(0.0, dy));
        for pts in &mut self.edges {
            pts.iter_mut().for_each(|p| p.1 += dy);
        }
        self
    }

    /// The column of a node, where words about it may go.
    pub fn column_of(&self, node: usize) -> Column {
        self.columns[self.graph.nodes[node].col]
    }

    /// The top of the lane a node stands in.
    pub fn lane_top(&self, node: usize) -> f64 {
        self.lanes[self.graph.nodes[node].lane].rect.y
    }
}

/// Each column as wide as what its main row holds.
fn columns(g: &Graph, x0: f64) -> Vec<Column> {
    let mut w = vec![0.0; g.columns];
    for n in g.nodes.iter().filter(|n| n.band == 0) {
        w[n.col] = column_width(&n.kind);
    }
    let mut x = x0;
    w.into_iter()
        .map(|w| {
            let c = Column { x, w };
            x += w;
            c
        })
        .collect()
}

/// Lanes stacked from `y`, each its main row plus its band rows.
fn lanes(g: &Graph, x: f64, mut y: f64, width: f64) -> Vec<LaneBox> {
    g.lanes
        .iter()
        .map(|l| {
            let mut rows = Vec::with_capacity(l.bands.len());
            let mut r = y + LANE_MAIN;
            for k in &l.bands {
                rows.push(r);
                r += band_height(*k);
            }
            let lane = LaneBox {
                rect: Rect {
                    x,
                    y,
                    w: width,
                    h: r - y,
                },
                rows,
            };
            y = r;
            lane
        })
        .collect()
}

fn node_box(g: &Graph, lanes: &[LaneBox], columns: &[Column], i: usize) -> Rect {
    let n = &g.nodes[i];
    let c = columns[n.col];
    let cx = c.x + c.w / 2.0;
    if n.band > 0 {
        let top = lanes[n.lane].rows[n.band - 1];
        return match n.kind {
            NodeKind::Step(_) => Rect::centred(cx, top + 30.0 + BOX_H / 2.0, BOX_W, BOX_H),
            // Room above for "if <condition>".
            _ => Rect::centred(cx, top + 28.0 + EVENT / 2.0, EVENT, EVENT),
        };
    }
    let cy = lanes[n.lane].rect.y + ROW_Y;
    match &n.kind {
        NodeKind::Start | NodeKind::End { .. } | NodeKind::BranchEnd { .. } => {
            Rect::centred(cx, cy, EVENT, EVENT)
        }
        NodeKind::Decision(_) => Rect::centred(cx, cy, GATEWAY, GATEWAY),
        NodeKind::Step(s) if s.kind == StepKind::Condition => Rect::centred(cx, cy, COND_W, COND_H),
        NodeKind::Step(_) => Rect::centred(cx, cy, BOX_W, BOX_H),
    }
}

/// The x where an edge turns before entering `to` from the left: at the left of the target's
/// column when it is in a main row, clear of what hangs under the column before it.
fn turn_x(g: &Graph, columns: &[Column], nodes: &[Rect], to: usize) -> f64 {
    let n = &g.nodes[to];
    if n.band == 0 {
        columns[n.col].x + 6.0
    } else {
        nodes[to].x - 15.0
    }
}

fn edge_points(
    g: &Graph,
    lanes: &[LaneBox],
    columns: &[Column],
    nodes: &[Rect],
    e: &Edge,
) -> Vec<Point> {
    let (a, b) = (nodes[e.from], nodes[e.to]);
    let na = &g.nodes[e.from];
    match e.kind {
        EdgeKind::Next => {
            let (sx, sy) = (a.right(), a.cy());
            let (tx, ty) = (b.x, b.cy());
            if (sy - ty).abs() < 0.5 {
                vec![(sx, sy), (tx, ty)]
            } else {
                let vx = turn_x(g, columns, nodes, e.to);
                vec![(sx, sy), (vx, sy), (vx, ty), (tx, ty)]
            }
        }
        // From a failure-only step straight down to what it ends with.
        EdgeKind::Branch(_) if na.band > 0 => vec![(a.cx(), a.bottom()), (a.cx(), b.y)],
        EdgeKind::Branch(_) => {
            let up = b.cy() < a.cy();
            let sy = if up { a.y } else { a.bottom() };
            if matches!(na.kind, NodeKind::Decision(_)) {
                vec![(a.cx(), sy), (a.cx(), b.cy()), (b.right(), b.cy())]
            } else {
                // A condition: a bus on the right of its column, clear of what hangs under it.
                let c = columns[na.col];
                let bus = c.x + c.w - 8.0;
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
            let top = lanes[na.lane].rect.y + GOTO_Y;
            let vx = turn_x(g, columns, nodes, e.to);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_fixture::{odd_regulation, regulation};

    const FRAME: Frame = Frame {
        x: 24.0,
        y: 100.0,
        head: 190.0,
        min_width: 932.0,
    };

    fn overlap(a: &Rect, b: &Rect) -> bool {
        a.x < b.right() && b.x < a.right() && a.y < b.bottom() && b.y < a.bottom()
    }

    /// On the border of `r` (within half a pixel).
    fn on_border(p: Point, r: &Rect) -> bool {
        let near = |a: f64, b: f64| (a - b).abs() < 0.5;
        let inside_x = p.0 > r.x - 0.5 && p.0 < r.right() + 0.5;
        let inside_y = p.1 > r.y - 0.5 && p.1 < r.bottom() + 0.5;
        ((near(p.0, r.x) || near(p.0, r.right())) && inside_y)
            || ((near(p.1, r.y) || near(p.1, r.bottom())) && inside_x)
    }

    fn every_flow(check: impl Fn(&str, &Layout)) {
        for reg in [regulation(), odd_regulation()] {
            for (k, f) in &reg.flows {
                let l = Layout::new(graph(&reg, f.get_ref()), FRAME);
                check(k, &l);
            }
        }
    }

    #[test]
    fn no_two_nodes_overlap() {
        every_flow(|k, l| {
            for (i, a) in l.nodes.iter().enumerate() {
                for (j, b) in l.nodes.iter().enumerate().skip(i + 1) {
                    assert!(
                        !overlap(a, b),
                        "{k}: node {i} {a:?} overlaps node {j} {b:?}"
                    );
                }
            }
        });
    }

    #[test]
    fn nodes_stay_inside_their_lane_and_column() {
        every_flow(|k, l| {
            for (i, r) in l.nodes.iter().enumerate() {
                let lane = l.lanes[l.graph.nodes[i].lane].rect;
                let col = l.column_of(i);
                assert!(
                    r.y >= lane.y && r.bottom() <= lane.bottom(),
                    "{k}: node {i} leaves its lane"
                );
                assert!(
                    r.x >= col.x && r.right() <= col.x + col.w,
                    "{k}: node {i} leaves its column"
                );
            }
        });
    }

    #[test]
    fn every_edge_starts_and_ends_on_its_nodes_and_turns_square() {
        every_flow(|k, l| {
            for (i, (e, pts)) in l.graph.edges.iter().zip(&l.edges).enumerate() {
                let (first, last) = (pts[0], pts[pts.len() - 1]);
                assert!(on_border(first, &l.nodes[e.from]), "{k}: edge {i} {pts:?}");
                assert!(on_border(last, &l.nodes[e.to]), "{k}: edge {i} {pts:?}");
                for w in pts.windows(2) {
                    let (a, b) = (w[0], w[1]);
                    assert!(
                        (a.0 - b.0).abs() < 0.5 || (a.1 - b.1).abs() < 0.5,
                        "{k}: edge {i} has a slanted segment {pts:?}"
                    );
                }
            }
        });
    }

    #[test]
    fn lanes_stack_without_gaps_and_stretch_to_the_frame() {
        every_flow(|k, l| {
            let mut y = l.bounds.y;
            for lane in &l.lanes {
                assert_eq!(lane.rect.y, y, "{k}");
                assert_eq!(lane.rect.w, l.bounds.w, "{k}");
                y = lane.rect.bottom();
            }
            assert_eq!(y, l.bounds.bottom(), "{k}");
            assert!(l.bounds.w >= FRAME.min_width);
        });
    }

    #[test]
    fn moving_down_moves_everything() {
        let reg = regulation();
        let f = reg.flows["portal"].get_ref();
        let a = Layout::new(graph(&reg, f), FRAME);
        let b = Layout::new(graph(&reg, f), Frame { y: 150.0, ..FRAME });
        let c = a.clone().moved_down(50.0);
        assert_eq!(b.nodes, c.nodes);
        assert_eq!(b.edges, c.edges);
        assert_eq!(b.bounds, c.bounds);
    }
}

//! The flow as a graph: lanes (one per role, in the order roles first act), nodes (start,
//! steps, decisions, ends) in columns and band rows, and edges between them.
//!
//! The graph says only what the regulation says: one node per step in the text's order, one end
//! per branch (or an edge back to the step a branch continues at), and one end after the last
//! step. It has no coordinates: `layout` turns columns and rows into them.

use crate::text::{one_line, tr};
use regulation::*;

/// The flows in the order the regulation declares their channels, then by id.
pub(crate) fn ordered_flows(reg: &Regulation) -> Vec<(&str, &Flow)> {
    let chans = reg.channel_ids();
    let mut v: Vec<(&str, &Flow)> = reg
        .flows
        .iter()
        .map(|(k, f)| (k.as_str(), f.get_ref()))
        .collect();
    v.sort_by_key(|(k, f)| {
        (
            chans
                .iter()
                .position(|c| *c == f.channel)
                .unwrap_or(usize::MAX),
            *k != f.channel.as_str(),
            k.to_string(),
        )
    });
    v
}

/// What a band row under a lane's main row holds: ends only, or a step that runs only when a
/// branch fails (and is as tall as a box).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum BandKind {
    End,
    Step,
}

/// A lane: one role of the flow, or the provider that a `provider_flow` step hands over to.
#[derive(Debug, Clone)]
pub(crate) struct Lane {
    /// Role id, or `provider:<flow>` for the provider's lane.
    pub key: String,
    pub en: String,
    pub kk: Option<String>,
    /// Rows under the main row (row 1 is `bands[0]`), for what branches lead to.
    pub bands: Vec<BandKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tone {
    /// A result of kind "result".
    Result,
    /// A refusal, a refusal receipt, a refusal notice.
    Refusal,
    /// The flow ends with no result, or an end we cannot classify.
    Neutral,
}

#[derive(Debug, Clone)]
pub(crate) enum NodeKind<'a> {
    Start,
    /// A step; in a band row when it runs only after a branch (`goto`) and then stops.
    Step(&'a Step),
    /// The exclusive choice after a step (not a condition) that has branches.
    Decision(&'a Step),
    /// Where a branch ends the flow.
    BranchEnd {
        step: &'a Step,
        branch: &'a Branch,
        name: String,
        tone: Tone,
    },
    /// After the last step of the main path.
    End {
        name: String,
        tone: Tone,
    },
}

#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub kind: NodeKind<'a>,
    pub lane: usize,
    /// Column; a band node stands under the column of the step whose branch leads to it.
    pub col: usize,
    /// 0: the lane's main row; 1..: band rows under it.
    pub band: usize,
}

#[derive(Debug, Clone)]
pub(crate) enum EdgeKind<'a> {
    /// In the text's order.
    Next,
    /// A branch to what it leads to (an end, or a failure-only step) in a band row.
    Branch(&'a Branch),
    /// A branch that continues at another step of the main path.
    Goto(&'a Branch),
}

#[derive(Debug, Clone)]
pub(crate) struct Edge<'a> {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind<'a>,
    /// The way taken when no branch applies (out of a gateway).
    pub default: bool,
    /// Branches that continue at the very step this edge leads to (e.g. a motivated refusal
    /// that goes on to be signed and issued like the result): drawn as words on the edge.
    pub also: Vec<&'a Branch>,
}

#[derive(Debug, Clone)]
pub(crate) struct Graph<'a> {
    /// The regulation drawn: it says which roles are information systems.
    pub reg: &'a Regulation,
    /// The language of the words: names of lanes and ends.
    pub lang: Lang,
    pub lanes: Vec<Lane>,
    pub nodes: Vec<Node<'a>>,
    pub edges: Vec<Edge<'a>>,
    pub columns: usize,
}

impl<'a> Graph<'a> {
    /// Whether an information system, not a person, does `step` (its role is declared
    /// `kind = "system"`): drawn as a service task.
    pub fn by_system(&self, step: &Step) -> bool {
        step.role
            .as_deref()
            .is_some_and(|r| self.reg.is_system_role(r))
    }

    pub fn outgoing(&self, node: usize) -> impl Iterator<Item = (usize, &Edge<'a>)> {
        self.edges
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.from == node)
    }
    pub fn incoming(&self, node: usize) -> impl Iterator<Item = (usize, &Edge<'a>)> {
        self.edges
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.to == node)
    }
    /// Is the node an exclusive gateway (a decision, or a condition with branches)?
    pub fn is_gateway(&self, node: usize) -> bool {
        match &self.nodes[node].kind {
            NodeKind::Decision(_) => true,
            NodeKind::Step(s) => s.kind == StepKind::Condition,
            _ => false,
        }
    }
}

/// The name of the role `id`: in English with the Kazakh under it, or in Kazakh or Russian
/// alone (the id itself where it is not declared).
pub(crate) fn role_names(reg: &Regulation, id: &str, lang: Lang) -> (String, Option<String>) {
    match reg.roles.iter().map(|r| r.get_ref()).find(|r| r.id == id) {
        Some(r) if lang == Lang::En => (
            one_line(&r.en),
            Some(one_line(&r.kk)).filter(|s| !s.is_empty()),
        ),
        Some(r) => (one_line(r.name(lang)), None),
        None => (id.replace('_', " "), None),
    }
}

fn provider_lane(reg: &Regulation, called: &str, lang: Lang) -> Lane {
    let names: Vec<String> = reg
        .providers
        .iter()
        .map(|p| one_line(p.get_ref().name(lang)))
        .collect();
    let kk: Vec<String> = reg
        .providers
        .iter()
        .map(|p| one_line(&p.get_ref().kk))
        .collect();
    let names = if names.is_empty() {
        tr(
            lang,
            "the provider",
            "көрсетілетін қызметті беруші",
            "услугодатель",
        )
        .to_string()
    } else {
        names.join("; ")
    };
    Lane {
        key: format!("provider:{called}"),
        en: format!(
            "{}: {names}",
            tr(lang, "Provider", "Қызмет беруші", "Услугодатель")
        ),
        kk: Some(kk.join("; ")).filter(|s| !s.is_empty() && lang == Lang::En),
        bands: Vec::new(),
    }
}

fn result_tone(r: Option<&ResultDoc>) -> Tone {
    match r {
        Some(r) if r.kind == ResultKind::Result => Tone::Result,
        Some(_) => Tone::Refusal,
        None => Tone::Neutral,
    }
}

/// The name of a result id in `lang`, or the id where it is not declared.
pub(crate) fn result_name(reg: &Regulation, id: &str, lang: Lang) -> String {
    reg.result(id)
        .map(|r| one_line(r.name(lang)))
        .unwrap_or_else(|| id.replace('_', " "))
}

/// Name and tone of what a branch ends with.
fn branch_end(reg: &Regulation, b: &Branch, lang: Lang) -> (String, Tone) {
    let doc = b.result.as_deref().map(|id| (id, reg.result(id)));
    let tone = match (b.kind, doc.and_then(|d| d.1)) {
        (BranchKind::Result, _) => Tone::Result,
        (BranchKind::Stop, None) => Tone::Neutral,
        (_, r @ Some(_)) => result_tone(r),
        _ => Tone::Refusal,
    };
    let name = match doc {
        Some((id, _)) => result_name(reg, id, lang),
        None => branch_kind_text(b.kind, lang).to_string(),
    };
    (name, tone)
}

/// The end after a failure-only step: named by what the branch that leads there yields, or
/// what the step hands out.
fn failure_end(
    reg: &Regulation,
    via: &Branch,
    step: &Step,
    stop: &Branch,
    lang: Lang,
) -> (String, Tone) {
    if stop.result.is_some() {
        return branch_end(reg, stop, lang);
    }
    if let Some(id) = &via.result {
        return (
            result_name(reg, id, lang),
            result_tone(reg.result(id)).max_refusal(),
        );
    }
    if let Some(id) = step.produces.first() {
        return (result_name(reg, id, lang), result_tone(reg.result(id)));
    }
    branch_end(reg, stop, lang)
}

impl Tone {
    /// A branch that leads away from the main path yields a refusal unless it names a result.
    fn max_refusal(self) -> Tone {
        if self == Tone::Neutral {
            Tone::Refusal
        } else {
            self
        }
    }
}

/// How the main path ends: the results the last step hands out, if any.
fn main_end(reg: &Regulation, last: Option<&Step>, lang: Lang) -> (String, Tone) {
    let end = || tr(lang, "end", "соңы", "конец").to_string();
    let Some(last) = last else {
        return (end(), Tone::Neutral);
    };
    let docs: Vec<&ResultDoc> = last
        .produces
        .iter()
        .filter_map(|id| reg.result(id))
        .collect();
    let results: Vec<String> = docs
        .iter()
        .filter(|r| r.kind == ResultKind::Result)
        .map(|r| one_line(r.name(lang)))
        .collect();
    if !results.is_empty() {
        return (results.join("; "), Tone::Result);
    }
    if last.kind == StepKind::ProviderFlow {
        let name = tr(
            lang,
            "result of the provider's flow",
            "қызмет беруші процесінің нәтижесі",
            "результат процесса услугодателя",
        );
        return (name.to_string(), Tone::Result);
    }
    match docs.first() {
        Some(r) => (one_line(r.name(lang)), Tone::Neutral),
        None => (end(), Tone::Neutral),
    }
}

/// Steps the main path skips: the target of a branch's `goto` (a branch that is not a result)
/// that ends the flow itself (has a `stop` branch), like portal "Process 2: forms the refusal
/// notice" after "Condition 1". The engine's plans skip the same steps.
pub(crate) fn failure_only_steps(flow: &Flow) -> Vec<u32> {
    let steps: Vec<&Step> = flow.steps.iter().map(|s| s.get_ref()).collect();
    let mut out = Vec::new();
    for s in &steps {
        for b in s.branches.iter().map(|b| b.get_ref()) {
            let Some(g) = b.goto else { continue };
            if b.kind == BranchKind::Result || g == s.n || out.contains(&g) {
                continue;
            }
            let stops = steps.iter().find(|t| t.n == g).is_some_and(|t| {
                t.branches
                    .iter()
                    .any(|b| b.get_ref().kind == BranchKind::Stop && b.get_ref().goto.is_none())
            });
            if stops {
                out.push(g);
            }
        }
    }
    out
}

/// The flow as nodes and edges in columns, lanes and band rows.
pub(crate) fn graph<'a>(reg: &'a Regulation, flow: &'a Flow) -> Graph<'a> {
    graph_in(reg, flow, Lang::En)
}

/// The flow as nodes and edges, its words in `lang`.
pub(crate) fn graph_in<'a>(reg: &'a Regulation, flow: &'a Flow, lang: Lang) -> Graph<'a> {
    let steps: Vec<&Step> = flow.steps.iter().map(|s| s.get_ref()).collect();
    let failure_only = failure_only_steps(flow);
    let main: Vec<&Step> = steps
        .iter()
        .copied()
        .filter(|s| !failure_only.contains(&s.n))
        .collect();

    // Lanes in the order their roles first act in the text.
    let lane_key = |s: &Step| match (&s.role, s.kind) {
        (Some(r), _) => r.clone(),
        (None, StepKind::ProviderFlow) => format!("provider:{}", s.flow.as_deref().unwrap_or("")),
        (None, _) => "unassigned".to_string(), // a lane key, never shown
    };
    let mut lanes: Vec<Lane> = Vec::new();
    for s in &steps {
        let key = lane_key(s);
        if lanes.iter().any(|l| l.key == key) {
            continue;
        }
        lanes.push(match (&s.role, s.kind) {
            (Some(r), _) => {
                let (en, kk) = role_names(reg, r, lang);
                Lane {
                    key,
                    en,
                    kk,
                    bands: Vec::new(),
                }
            }
            (None, StepKind::ProviderFlow) => {
                provider_lane(reg, s.flow.as_deref().unwrap_or(""), lang)
            }
            (None, _) => Lane {
                key,
                en: tr(
                    lang,
                    "no role given",
                    "рөлі көрсетілмеген",
                    "роль не указана",
                )
                .to_string(),
                kk: None,
                bands: Vec::new(),
            },
        });
    }
    if lanes.is_empty() {
        // A flow without steps still gets a lane for its start and end.
        lanes.push(Lane {
            key: "unassigned".into(),
            en: "no role given".into(),
            kk: None,
            bands: Vec::new(),
        });
    }
    let lane_of = |s: &Step| lanes.iter().position(|l| l.key == lane_key(s)).unwrap_or(0);

    let mut nodes: Vec<Node> = Vec::new();
    let mut edges: Vec<Edge> = Vec::new();
    // Next free band row per (lane, column).
    let mut rows: std::collections::BTreeMap<(usize, usize), usize> = Default::default();
    let mut band_kinds: Vec<Vec<BandKind>> = vec![Vec::new(); lanes.len()];
    let mut take_row = |lane: usize, col: usize, kind: BandKind| -> usize {
        let r = rows.entry((lane, col)).or_insert(1);
        let row = *r;
        *r += 1;
        let kinds = &mut band_kinds[lane];
        if kinds.len() < row {
            kinds.resize(row, BandKind::End);
        }
        kinds[row - 1] = kinds[row - 1].max(kind);
        row
    };
    let mut band_node =
        |nodes: &mut Vec<Node<'a>>, kind: NodeKind<'a>, lane: usize, col: usize, bk: BandKind| {
            let band = take_row(lane, col, bk);
            nodes.push(Node {
                kind,
                lane,
                col,
                band,
            });
            nodes.len() - 1
        };

    nodes.push(Node {
        kind: NodeKind::Start,
        lane: main.first().map(|s| lane_of(s)).unwrap_or(0),
        col: 0,
        band: 0,
    });
    let mut col = 1;
    let mut prev = 0usize; // node the main path continues from
    let mut also: Vec<&Branch> = Vec::new(); // branches converging on the next step
    let mut step_node: Vec<(u32, usize)> = Vec::new();
    let mut gotos: Vec<(usize, &Branch, u32)> = Vec::new();
    for (i, s) in main.iter().enumerate() {
        let lane = lane_of(s);
        let id = nodes.len();
        nodes.push(Node {
            kind: NodeKind::Step(s),
            lane,
            col,
            band: 0,
        });
        step_node.push((s.n, id));
        edges.push(Edge {
            from: prev,
            to: id,
            kind: EdgeKind::Next,
            default: false,
            also: std::mem::take(&mut also),
        });
        let step_col = col;
        col += 1;
        prev = id;
        let next_n = main.get(i + 1).map(|t| t.n);
        // Sort the branches: converging ones label the next edge; the rest need a gateway.
        let mut leads: Vec<&Branch> = Vec::new();
        for b in s.branches.iter().map(|b| b.get_ref()) {
            match b.goto {
                Some(g) if Some(g) == next_n => also.push(b),
                _ => leads.push(b),
            }
        }
        if leads.is_empty() {
            continue;
        }
        let gateway = if s.kind == StepKind::Condition {
            id
        } else {
            let d = nodes.len();
            nodes.push(Node {
                kind: NodeKind::Decision(s),
                lane,
                col,
                band: 0,
            });
            edges.push(Edge {
                from: id,
                to: d,
                kind: EdgeKind::Next,
                default: false,
                also: Vec::new(),
            });
            col += 1;
            prev = d;
            d
        };
        for b in leads {
            let target = b
                .goto
                .and_then(|g| steps.iter().find(|t| t.n == g).copied());
            match target {
                Some(t)
                    if failure_only.contains(&t.n)
                        && !nodes
                            .iter()
                            .any(|n| matches!(n.kind, NodeKind::Step(x) if x.n == t.n)) =>
                {
                    let tl = lane_of(t);
                    let tn = band_node(&mut nodes, NodeKind::Step(t), tl, step_col, BandKind::Step);
                    step_node.push((t.n, tn));
                    edges.push(Edge {
                        from: gateway,
                        to: tn,
                        kind: EdgeKind::Branch(b),
                        default: false,
                        also: Vec::new(),
                    });
                    for tb in t.branches.iter().map(|x| x.get_ref()) {
                        if let Some(g) = tb.goto
                            && steps.iter().any(|x| x.n == g)
                        {
                            gotos.push((tn, tb, g));
                            continue;
                        }
                        let (name, tone) = if tb.kind == BranchKind::Stop {
                            failure_end(reg, b, t, tb, lang)
                        } else {
                            branch_end(reg, tb, lang)
                        };
                        let kind = NodeKind::BranchEnd {
                            step: t,
                            branch: tb,
                            name,
                            tone,
                        };
                        let e = band_node(&mut nodes, kind, tl, step_col, BandKind::End);
                        edges.push(Edge {
                            from: tn,
                            to: e,
                            kind: EdgeKind::Branch(tb),
                            default: false,
                            also: Vec::new(),
                        });
                    }
                }
                Some(t) => gotos.push((gateway, b, t.n)),
                None => {
                    let (name, tone) = branch_end(reg, b, lang);
                    let kind = NodeKind::BranchEnd {
                        step: s,
                        branch: b,
                        name,
                        tone,
                    };
                    let e = band_node(&mut nodes, kind, lane, step_col, BandKind::End);
                    edges.push(Edge {
                        from: gateway,
                        to: e,
                        kind: EdgeKind::Branch(b),
                        default: false,
                        also: Vec::new(),
                    });
                }
            }
        }
    }
    for (from, b, g) in gotos {
        if let Some(&(_, to)) = step_node.iter().find(|(n, _)| *n == g) {
            edges.push(Edge {
                from,
                to,
                kind: EdgeKind::Goto(b),
                default: false,
                also: Vec::new(),
            });
        }
    }
    let (name, tone) = main_end(reg, main.last().copied(), lang);
    let end = nodes.len();
    let end_lane = nodes[prev].lane;
    nodes.push(Node {
        kind: NodeKind::End { name, tone },
        lane: end_lane,
        col,
        band: 0,
    });
    edges.push(Edge {
        from: prev,
        to: end,
        kind: EdgeKind::Next,
        default: false,
        also,
    });
    for (l, kinds) in lanes.iter_mut().zip(band_kinds) {
        l.bands = kinds;
    }
    let mut g = Graph {
        reg,
        lang,
        lanes,
        nodes,
        edges,
        columns: col + 1,
    };
    // Out of a gateway, the way on in the text's order is the default.
    for i in 0..g.edges.len() {
        if g.is_gateway(g.edges[i].from) && matches!(g.edges[i].kind, EdgeKind::Next) {
            g.edges[i].default = true;
        }
    }
    g
}

/// Words for branches that continue at the next step: "or motivated refusal".
pub(crate) fn also_text(reg: &Regulation, also: &[&Branch], lang: Lang) -> String {
    let parts: Vec<String> = also
        .iter()
        .map(|b| match &b.result {
            Some(id) => result_name(reg, id, lang),
            None => branch_condition(b, lang),
        })
        .collect();
    let or = tr(lang, "or", "немесе", "или");
    format!("{or} {}", parts.join(&format!(", {or} ")))
}

/// What a branch ends in, in words.
pub(crate) fn branch_kind_text(k: BranchKind, lang: Lang) -> &'static str {
    match k {
        BranchKind::Stop => tr(
            lang,
            "the flow stops",
            "процесс тоқтайды",
            "процесс прекращается",
        ),
        BranchKind::RefuseAcceptance => tr(
            lang,
            "refusal to accept",
            "қабылдаудан бас тарту",
            "отказ в приёме",
        ),
        BranchKind::MotivatedRefusal => tr(
            lang,
            "motivated refusal",
            "дәлелді бас тарту",
            "мотивированный отказ",
        ),
        BranchKind::RefusalNotice => tr(
            lang,
            "refusal notice",
            "бас тарту туралы хабарлама",
            "сообщение об отказе",
        ),
        BranchKind::Result => tr(lang, "result", "нәтиже", "результат"),
    }
}

/// When a branch is taken: the text's condition in English; in Kazakh and Russian, which the
/// texts do not word, what the branch ends in.
pub(crate) fn branch_condition(b: &Branch, lang: Lang) -> String {
    match (lang, b.condition_en.as_deref()) {
        (Lang::En, Some(c)) => one_line(c),
        (Lang::En, None) => format!("{:?}", b.kind).to_lowercase(),
        _ => branch_kind_text(b.kind, lang).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_only_steps_leave_the_main_path() {
        let reg = crate::test_fixture::regulation();
        let portal = reg.flows["portal"].get_ref();
        assert_eq!(failure_only_steps(portal), vec![3]);
        let g = graph(&reg, portal);
        let node = |n: u32| {
            g.nodes
                .iter()
                .position(|x| matches!(x.kind, NodeKind::Step(s) if s.n == n))
                .unwrap()
        };
        let (c, f, r) = (node(2), node(3), node(4));
        assert!(
            g.edges
                .iter()
                .any(|e| e.from == c && e.to == r && e.default),
            "condition passes on to step 4"
        );
        assert!(
            g.edges
                .iter()
                .any(|e| e.from == c && e.to == f && matches!(e.kind, EdgeKind::Branch(_)))
        );
        assert!(
            g.nodes[f].band > 0 && g.nodes[f].col == g.nodes[c].col,
            "hangs under the condition"
        );
        let end = g.outgoing(f).map(|(_, e)| e.to).next().unwrap();
        match &g.nodes[end].kind {
            NodeKind::BranchEnd { name, tone, .. } => {
                assert_eq!(
                    (name.as_str(), *tone),
                    ("notice: authorisation refused", Tone::Refusal)
                )
            }
            k => panic!("{k:?}"),
        }
        assert_eq!(
            g.lanes[g.nodes[f].lane].bands,
            vec![BandKind::Step, BandKind::End]
        );
    }

    #[test]
    fn a_branch_that_continues_at_the_next_step_labels_the_way_there() {
        let reg = crate::test_fixture::regulation();
        let g = graph(&reg, reg.flows["office"].get_ref());
        assert_eq!(
            g.nodes
                .iter()
                .filter(|n| matches!(n.kind, NodeKind::Decision(_)))
                .count(),
            1,
            "only after step 1"
        );
        let into3 = g
            .edges
            .iter()
            .find(|e| matches!(g.nodes[e.to].kind, NodeKind::Step(s) if s.n == 3))
            .unwrap();
        assert_eq!(into3.also.len(), 1);
        assert_eq!(
            also_text(&reg, &into3.also, Lang::En),
            "or motivated refusal"
        );
    }
}

//! Diagrams of a regulation's flows: BPMN 2.0 XML (one pool per flow, one lane per role, timers
//! for durations, with diagram interchange) and standalone SVG in the manner of the
//! regulations' appendix 2 (one drawing per flow).
//!
//! For: drawing what a parsed [`regulation::Regulation`] says. Each flow becomes a `graph`
//! (lanes, nodes, edges: what to draw), the graph gets one `layout` (lane boxes, node boxes,
//! edge waypoints: where), and both formats write that same layout — a BPMN shape's bounds
//! are the box the SVG draws, up to where each format puts the pool on its page.
//!
//! Not for: parsing or checking regulations (that is `regulation`), running them (`engine`),
//! or charts of live data (the server's monitoring pages draw their own). Nothing here reads
//! files or a clock: the same regulation gives the same bytes.

mod bpmn;
mod graph;
mod layout;
mod svg;
mod text;

#[cfg(test)]
mod test_fixture;

pub use bpmn::to_bpmn;
pub use svg::{flow_svg, flow_svg_in};

#[cfg(test)]
mod tests {
    use crate::layout::{Layout, Rect};
    use crate::test_fixture::{odd_regulation, regulation};

    /// What the BPMN file says are the bounds of `element`.
    fn di_bounds(xml: &str, element: &str) -> Rect {
        let at = xml
            .find(&format!(r#"bpmnElement="{element}""#))
            .unwrap_or_else(|| panic!("no shape for {element}"));
        let b = &xml[at..];
        let b = &b[b.find("<dc:Bounds ").unwrap()..];
        let num = |attr: &str| -> f64 {
            let v = &b[b.find(&format!(r#" {attr}=""#)).unwrap() + attr.len() + 3..];
            v[..v.find('"').unwrap()].parse().unwrap()
        };
        Rect {
            x: num("x"),
            y: num("y"),
            w: num("width"),
            h: num("height"),
        }
    }

    /// `a` shifted so that its lanes' first column and top stand where `b`'s do.
    fn aligned(a: &Layout, b: &Layout, r: Rect) -> Rect {
        Rect {
            x: r.x - a.columns[0].x + b.columns[0].x,
            y: r.y - a.bounds.y + b.bounds.y,
            ..r
        }
    }

    #[test]
    fn bpmn_shapes_are_the_svg_boxes() {
        for reg in [regulation(), odd_regulation()] {
            let xml = crate::to_bpmn(&reg);
            for (k, flow, bpmn) in crate::bpmn::layouts(&reg) {
                let svg_text = crate::flow_svg(&reg, k).unwrap();
                let svg = crate::svg::page(&reg, k, flow, regulation::Lang::En).layout;
                assert_eq!(bpmn.nodes.len(), svg.nodes.len(), "{k}");
                for (i, (b, s)) in bpmn.nodes.iter().zip(&svg.nodes).enumerate() {
                    assert_eq!(aligned(&svg, &bpmn, *s), *b, "{k}: node {i}");
                }
                for (b, s) in bpmn.edges.iter().zip(&svg.edges) {
                    let s: Vec<_> = s
                        .iter()
                        .map(|p| {
                            let r = aligned(
                                &svg,
                                &bpmn,
                                Rect {
                                    x: p.0,
                                    y: p.1,
                                    w: 0.0,
                                    h: 0.0,
                                },
                            );
                            (r.x, r.y)
                        })
                        .collect();
                    assert_eq!(&s, b, "{k}");
                }
                // And the files say what the layouts say.
                for (i, n) in bpmn.graph.nodes.iter().enumerate() {
                    let crate::graph::NodeKind::Step(st) = n.kind else {
                        continue;
                    };
                    // (Ids of flows with other characters are sanitised.)
                    if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        let id = format!("Step_{k}_{}", st.n);
                        assert_eq!(di_bounds(&xml, &id), bpmn.nodes[i], "{id}");
                    }
                    let r = svg.nodes[i];
                    if st.kind != regulation::StepKind::Condition {
                        let rect = format!(
                            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="8""#,
                            r.x, r.y, r.w, r.h
                        );
                        assert!(svg_text.contains(&rect), "{k}: no {rect}");
                    }
                }
            }
        }
    }
}

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
pub use svg::flow_svg;

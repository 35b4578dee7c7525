//! Diagrams of a regulation: BPMN 2.0 XML (one lane per role, timers for durations) and an SVG
//! business-process diagram like the regulations' appendix 2 (one per channel).
//! Not for: layout of anything but a regulation's flows.

pub mod bpmn;
mod common;
pub mod svg;
#[cfg(test)]
pub(crate) mod test_fixture;

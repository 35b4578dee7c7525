//! Every regulation of the catalogue runs end to end on every channel that accepts
//! applications: submitted inside its period in force, walked step by step by the role of each
//! step, closed with the regulation's result.

use engine::*;
use jiff::{Timestamp, ToSpan};
use std::sync::Arc;

mod common;

/// A working morning inside the regulation's period in force.
fn in_force_instant(reg: &regulation::Regulation) -> Timestamp {
    let act: jiff::civil::Date = reg.act.get_ref().date.parse().unwrap();
    // Two weeks after the act, 10:00 Almaty (UTC+6 before 2024).
    let day = act.checked_add(14.days()).unwrap();
    day.at(4, 0, 0, 0)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
}

#[test]
fn every_regulation_runs_on_every_channel() {
    let regs = testkit::seed_regulations();
    assert!(!regs.is_empty());
    let ctx = Ctx::new(regs.clone(), Arc::new(common::Plain));
    let mut runs = 0;
    for reg in &regs {
        for ch in reg.channel_ids() {
            if !reg.channel(ch).unwrap().accepts {
                continue;
            }
            let now = in_force_instant(reg);
            let id = format!("{}-{}", reg.id, ch.as_str());
            let submit = Command::Submit {
                application: id.clone(),
                regulation: reg.id.clone(),
                channel: ch,
                provider: "provider-1".into(),
                applicant_iin: "100515500003".into(),
                applicant_name: String::new(),
                key: id.clone(),
                signature: None,
                reception: Default::default(),
                data: engine::form::sample_for(reg, now, 0),
            };
            let events = decide(None, &submit, now, &ctx).unwrap_or_else(|e| panic!("{id}: {e}"));
            let app = apply(None, &events[0], &ctx).unwrap();
            let plan = ctx.plan(&reg.id, reg.version, ch).unwrap();
            let mut t = now;
            let states = common::walk(&ctx, app, |_, _| {
                t += 1.minutes();
                t
            });
            let last = states.last().unwrap_or_else(|| panic!("{id}: no step"));
            assert_eq!(last.status, Status::Closed, "{id}: not closed");
            assert_eq!(last.closure, Some(Closure::Issued), "{id}");
            assert_eq!(
                last.document, plan.result,
                "{id}: closes with the regulation's result"
            );
            assert!(plan.result.is_some(), "{id}: the plan names its result");
            runs += 1;
        }
    }
    assert!(runs >= regs.len(), "ran {runs} applications");
}

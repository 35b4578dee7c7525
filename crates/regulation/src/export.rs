//! The JSON export of the catalogue (`qyzmet regulations export --format json`).
//!
//! The contract other tools read: an array of regulations, each with at least `id`,
//! `source.seed`, `source.part`, `title.kk`, `title.en`, `channels`, `term` (channel →
//! `{value, unit}` or null), `flows` (flow id → steps `{n, role, duration, text_en}`),
//! `results` (`{kind, name_en}`) and `warnings`. Fields may be added; none may change meaning.

use crate::{Loaded, model::*};
use serde_json::{Value, json};

fn duration(d: Option<Duration>) -> Value {
    match d {
        Some(d) => json!({"value": d.value, "unit": d.unit}),
        None => Value::Null,
    }
}

fn step_json(s: &Step) -> Value {
    json!({
        "n": s.n,
        "kind": s.kind,
        "label": s.label,
        "role": s.role,
        "flow": s.flow,
        "duration": duration(s.duration),
        "text_en": s.text_en,
        "text_kk": s.text_kk,
        "text_ru": s.text_ru,
        "input": s.input,
        "output": s.output,
        "produces": s.produces,
        "signs_result": s.signs_result,
        "checks": s.checks,
        "branches": s.branches.iter().map(|b| b.get_ref()).collect::<Vec<_>>(),
        "alternatives": s.alternatives.iter().map(|a| a.get_ref()).collect::<Vec<_>>(),
        "source": s.source,
    })
}

/// One regulation as the export contract describes it.
pub fn regulation_json(l: &Loaded) -> Value {
    let r = &l.regulation;
    let mut term = serde_json::Map::new();
    for c in r.channel_ids() {
        let v = match r.term(c) {
            Some(t) => json!({
                "value": t.value,
                "unit": t.unit,
                "from_en": t.from_en,
                "acceptance_day_counted": t.acceptance_day_counted,
                "deliver_before_term": t.deliver_before_term,
                "alternatives": t.alternatives.iter().map(|a| a.get_ref()).collect::<Vec<_>>(),
                "source": t.source,
            }),
            None => Value::Null,
        };
        term.insert(c.as_str().to_string(), v);
    }
    let flows: serde_json::Map<String, Value> = r
        .flows
        .iter()
        .map(|(k, f)| {
            (
                k.clone(),
                Value::Array(
                    f.get_ref()
                        .steps
                        .iter()
                        .map(|s| step_json(s.get_ref()))
                        .collect(),
                ),
            )
        })
        .collect();
    let flow_channels: serde_json::Map<String, Value> = r
        .flows
        .iter()
        .map(|(k, f)| (k.clone(), json!(f.get_ref().channel)))
        .collect();
    json!({
        "id": r.id,
        "version": r.version,
        "region": r.region,
        "region_kk": r.region_kk,
        "region_ru": r.region_ru,
        "source": {
            "seed": r.source.get_ref().seed,
            "part": r.source.get_ref().part,
            "lines": r.source.get_ref().lines,
            "file": l.path.file_name().map(|n| n.to_string_lossy().into_owned()),
        },
        "title": {"kk": r.title.get_ref().kk, "ru": r.title.get_ref().ru, "en": r.title.get_ref().en},
        "act": r.act.get_ref(),
        "status": r.status.get_ref(),
        "standard": r.standard.as_ref().map(|s| s.get_ref()),
        "service_form": r.service_form,
        "result_form": r.result_form,
        "providers": r.providers.iter().map(|p| p.get_ref()).collect::<Vec<_>>(),
        "channels": r.channel_ids(),
        "channel_details": r.channels.iter().map(|c| c.get_ref()).collect::<Vec<_>>(),
        "roles": r.roles.iter().map(|x| x.get_ref()).collect::<Vec<_>>(),
        "term": term,
        "flows": flows,
        "flow_channels": flow_channels,
        "state_corporation": r.state_corporation.as_ref().map(|s| s.get_ref()),
        "results": r.results.iter().map(|x| x.get_ref()).collect::<Vec<_>>(),
        "refusal_grounds": r.refusal_grounds.iter().map(|x| x.get_ref()).collect::<Vec<_>>(),
        "annotations": r.annotations.iter().map(|x| x.get_ref()).collect::<Vec<_>>(),
        "warnings": l.warnings().map(|d| format!("{}:{}: {}", d.rule, d.line, d.message)).collect::<Vec<_>>(),
    })
}

/// The whole catalogue, ordered by seed file and part.
pub fn catalogue_json(regs: &[Loaded]) -> Value {
    let mut sorted: Vec<&Loaded> = regs.iter().collect();
    sorted.sort_by(|a, b| {
        let (a, b) = (&a.regulation, &b.regulation);
        (
            &a.source.get_ref().seed,
            a.source.get_ref().part,
            &a.id,
            a.version,
        )
            .cmp(&(
                &b.source.get_ref().seed,
                b.source.get_ref().part,
                &b.id,
                b.version,
            ))
    });
    Value::Array(sorted.into_iter().map(regulation_json).collect())
}

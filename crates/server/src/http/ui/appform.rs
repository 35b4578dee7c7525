//! The application's data on pages, generated from the regulation's `[application]`
//! declarations: the form's inputs (portal and staff intake), the hidden copy carried to the
//! signing step, the document checklist of a channel, and the data as facts.
//!
//! Input names are `data.<field>`; a field of several choices has one select per rank,
//! `data.<field>.1`, `data.<field>.2`, ….

use super::Fields;
use crate::i18n::{Lang, Messages};
use crate::problem::FieldError;
use engine::{FormData, FormValue};
use maud::{Markup, html};
use regulation::{About, ApplicationForm, ChannelId, FieldDecl, FieldKind, Regulation};

fn form(reg: &Regulation) -> Option<&ApplicationForm> {
    reg.application.as_ref().map(|a| a.get_ref())
}

fn label(l: Lang, kk: &str, ru: &str) -> String {
    match l {
        Lang::Ru => ru.to_string(),
        _ => kk.to_string(),
    }
}

fn name(d: &FieldDecl) -> String {
    format!("data.{}", d.id)
}

fn max_choices(d: &FieldDecl) -> u32 {
    d.max_choices
        .unwrap_or(if d.kind == FieldKind::Choice { 1 } else { 3 })
}

/// The data a form post carries. Answers to questions whose condition does not hold are
/// dropped (a page shows every question; the API refuses them).
pub fn data_from(reg: &Regulation, f: &Fields) -> FormData {
    let mut out = FormData::new();
    let Some(form) = form(reg) else { return out };
    for decl in &form.fields {
        let d = decl.get_ref();
        if !engine::form::asked(d.when.as_ref(), &out) {
            continue;
        }
        let v = if d.kind == FieldKind::Choices {
            let mut picked: Vec<String> = (1..=max_choices(d))
                .filter_map(|i| f.opt(&format!("{}.{i}", name(d))))
                .collect();
            // A hidden copy carries them joined (the signing step).
            if picked.is_empty() {
                picked = f
                    .get(&name(d))
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
            if picked.is_empty() {
                continue;
            }
            FormValue::Many(picked)
        } else {
            match f.opt(&name(d)) {
                Some(s) => FormValue::One(s),
                None => continue,
            }
        };
        out.insert(d.id.clone(), v);
    }
    out
}

/// The contact phone the data gives (the service's unconditional phone field), if any.
pub fn phone_of(reg: &Regulation, data: &FormData) -> Option<String> {
    form(reg)?
        .fields
        .iter()
        .map(|d| d.get_ref())
        .find(|d| d.kind == FieldKind::Phone && d.when.is_none())
        .and_then(|d| data.get(&d.id))
        .map(|v| v.as_str().to_string())
}

/// A rejected value's message in the page's language (the API's English detail replaced).
pub fn localise(l: Lang, errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            if let Some(rule) = e.rule.strip_prefix("application.") {
                let limit = e
                    .detail
                    .rsplit(": ")
                    .next()
                    .unwrap_or("")
                    .split(|c: char| !c.is_ascii_digit())
                    .find(|s| !s.is_empty())
                    .and_then(|s| s.parse::<u64>().ok())
                    .unwrap_or(0);
                e.detail = l.t_in_args("appform-rule", rule, &[("count", limit.into())]);
            }
            e
        })
        .collect()
}

/// The form's inputs for the service's data, filled from `f` (a form post being corrected).
pub fn inputs(l: Lang, reg: &Regulation, f: &Fields, errors: &[FieldError]) -> Markup {
    let Some(form) = form(reg) else {
        return html! {};
    };
    let err = |n: &str| errors.iter().find(|e| e.field == n);
    // One fieldset per run of fields about the same person (the beneficiary, the applicant)
    // or about the application itself.
    let mut groups: Vec<(&'static str, Vec<&FieldDecl>)> = vec![];
    for decl in &form.fields {
        let d = decl.get_ref();
        let legend = match d.about {
            About::Beneficiary => l.t_in("appform-about", form.beneficiary.as_str()),
            About::Applicant => l.t("appform-about-applicant"),
            About::Application => l.t("appform-about-application"),
        };
        match groups.last_mut() {
            Some((g, v)) if *g == legend => v.push(d),
            _ => groups.push((legend, vec![d])),
        }
    }
    html! {
        @for (legend, fields) in &groups {
        fieldset.appform {
            legend { (legend) }
            @for d in fields {
                @let d = *d;
                @let n = name(d);
                @let e = err(&n);
                @let lab = label(l, &d.kk, &d.ru);
                @let hint = condition_hint(l, form, d);
                div.form-group.error[e.is_some()] {
                    label for={ "f-" (n) } {
                        (lab)
                        @if !d.required { " " span.optional { (l.t("appform-optional")) } }
                    }
                    @if let Some(h) = &hint { div.hint { (h) } }
                    @match d.kind {
                        FieldKind::Date => { div.hint { (l.t("appform-date_hint")) } }
                        FieldKind::Iin => { div.hint { (l.t("appform-iin_hint")) } }
                        FieldKind::Phone => { div.hint { (l.t("appform-phone_hint")) } }
                        _ => {}
                    }
                    @if let Some(e) = e { span.error-message id={ "f-" (n) "-error" } { (e.detail) } }
                    @match d.kind {
                        FieldKind::Choice => {
                            select id={ "f-" (n) } name=(n) aria-invalid=[e.map(|_| "true")] {
                                option value="" { "—" }
                                @for o in &d.options {
                                    option value=(o.id) selected[f.get(&n) == o.id] { (label(l, &o.kk, &o.ru)) }
                                }
                            }
                        }
                        FieldKind::Choices => {
                            @for i in 1..=max_choices(d) {
                                @let ni = format!("{n}.{i}");
                                @let picked = f.opt(&ni).or_else(|| f.get(&n).split(',').nth(i as usize - 1).map(|s| s.trim().to_string())).unwrap_or_default();
                                select id=[(i == 1).then(|| format!("f-{n}"))] name=(ni)
                                    aria-label={ (lab) " " (i) } {
                                    option value="" { (i) ". —" }
                                    @for o in &d.options {
                                        option value=(o.id) selected[picked == o.id] { (i) ". " (label(l, &o.kk, &o.ru)) }
                                    }
                                }
                            }
                        }
                        _ => {
                            @let (kind, mode, max) = match d.kind {
                                FieldKind::Iin => ("text", Some("numeric"), Some(12)),
                                FieldKind::Year => ("text", Some("numeric"), Some(4)),
                                FieldKind::Phone => ("tel", None, Some(20)),
                                FieldKind::Date => ("text", Some("numeric"), Some(10)),
                                _ => ("text", None, d.max_len.or(Some(200))),
                            };
                            input type=(kind) id={ "f-" (n) } name=(n) value=(f.get(&n))
                                inputmode=[mode] maxlength=[max]
                                placeholder=[(d.kind == FieldKind::Date).then(|| l.t("appform-date_placeholder"))]
                                aria-invalid=[e.map(|_| "true")];
                        }
                    }
                }
            }
        }
        }
    }
}

fn condition_hint(l: Lang, form: &ApplicationForm, d: &FieldDecl) -> Option<String> {
    let w = d.when.as_ref()?;
    let of = form
        .fields
        .iter()
        .map(|f| f.get_ref())
        .find(|f| f.id == w.field)?;
    let values: Vec<String> = w
        .values
        .iter()
        .filter_map(|v| of.options.iter().find(|o| &o.id == v))
        .map(|o| label(l, &o.kk, &o.ru))
        .collect();
    Some(l.t_args(
        "appform-only_when",
        &[
            ("field", label(l, &of.kk, &of.ru).into()),
            ("values", values.join("; ").into()),
        ],
    ))
}

/// The data as hidden inputs (carried from the form to its signing step).
pub fn hidden(data: &FormData) -> Markup {
    html! {
        @for (k, v) in data {
            input type="hidden" name={ "data." (k) } value=(v.items().join(","));
        }
    }
}

/// The value of a field as a person reads it (an option's name, a date dd.mm.yyyy).
pub fn value_text(l: Lang, d: &FieldDecl, v: &FormValue) -> String {
    engine::form::value_text(d, v, l)
}

/// (label, value) of every field the application carries, in the form's order.
pub fn facts(l: Lang, reg: &Regulation, data: &FormData) -> Vec<(String, String)> {
    let Some(form) = form(reg) else { return vec![] };
    form.fields
        .iter()
        .map(|f| f.get_ref())
        .filter_map(|d| {
            data.get(&d.id)
                .map(|v| (label(l, &d.kk, &d.ru), value_text(l, d, v)))
        })
        .collect()
}

/// The documents a channel asks for; with `data`, only those its answers call for.
pub fn checklist(
    l: Lang,
    reg: &Regulation,
    channel: ChannelId,
    data: Option<&FormData>,
    tick: bool,
) -> Markup {
    let Some(form) = form(reg) else {
        return html! {};
    };
    let docs: Vec<_> = form
        .documents
        .iter()
        .map(|d| d.get_ref())
        .filter(|d| d.from_state_systems || d.asked_on(channel))
        .filter(|d| data.is_none_or(|data| engine::form::asked(d.when.as_ref(), data)))
        .collect();
    html! {
        @if !docs.is_empty() {
            div.panel.checklist {
                h3 { (l.t("appform-documents")) }
                ul.checklist {
                    @for (i, d) in docs.iter().enumerate() {
                        li {
                            @if tick && !d.from_state_systems {
                                input type="checkbox" id={ "f-doc-" (i) } name="checklist" value=(d.id);
                                " "
                                label for={ "f-doc-" (i) } { b { (label(l, &d.kk, &d.ru)) } }
                            } @else {
                                b { (label(l, &d.kk, &d.ru)) }
                            }
                            " — " (label(l, &d.proves_kk, &d.proves_ru))
                            @if d.from_state_systems {
                                " " span.hint { (l.t("appform-from_state_systems")) }
                            } @else if let Some(w) = &d.when {
                                @if data.is_none() {
                                    @if let Some(of) = form.fields.iter().map(|f| f.get_ref()).find(|f| f.id == w.field) {
                                        " " span.hint { "(" (w.values.iter().filter_map(|v| of.options.iter().find(|o| &o.id == v)).map(|o| label(l, &o.kk, &o.ru)).collect::<Vec<_>>().join("; ")) ")" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

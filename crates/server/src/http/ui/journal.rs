//! An application's journal as staff read it: one row per entry, in the page's language —
//! when (dd.mm.yyyy HH:MM, Almaty), what happened in words, who (role and organisation, or
//! the applicant), and what it carried (receipt number, outcome, document, assignee).
//!
//! For: the application page. Not for: the entries themselves (`GET /api/applications/{id}`
//! gives them as the engine wrote them, with ids, hashes and signatures).

use super::portal::channel_name;
use crate::AppState;
use crate::catalogue;
use crate::html::{self, local};
use crate::i18n::{Lang, Messages};
use engine::{Actor, Event};
use maud::{Markup, html};
use regulation::Regulation;

/// The name of a result of `reg` in `l`: the regulation's own words, else its document
/// kind's (never the English name on a Kazakh or Russian page).
pub fn result_name(reg: Option<&Regulation>, id: &str, l: Lang) -> String {
    let Some(r) = reg.and_then(|r| r.result(id)) else {
        return l.t("doc-result").into();
    };
    let own = match l {
        Lang::Kk => r.name_kk.as_deref(),
        Lang::Ru => r.name_ru.as_deref(),
        Lang::En => Some(r.name_en.as_str()),
    };
    own.map(String::from).unwrap_or_else(|| {
        let kind = serde_json::to_value(r.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        let code = documents::DocKind::for_result(&kind, &r.id, &r.name_en).code();
        l.t_in("dockind", code).into()
    })
}

/// An organisation's name; an unknown one is not named (its id is not for people).
fn org(st: &AppState, l: Lang, id: &str) -> String {
    if id == engine::PORTAL {
        return l.t("org-portal").into();
    }
    st.accounts
        .org(id)
        .ok()
        .flatten()
        .map(|o| o.name(l).to_string())
        .unwrap_or_else(|| "—".into())
}

fn actor(st: &AppState, l: Lang, reg: Option<&Regulation>, a: &Actor) -> Markup {
    html! {
        (catalogue::role_name(reg, &a.role, l)) br;
        span.hint { (org(st, l, &a.org)) }
    }
}

/// One journal entry as (when, event, who, what).
fn row(
    st: &AppState,
    l: Lang,
    reg: Option<&Regulation>,
    e: &Event,
) -> (jiff::Timestamp, &'static str, Markup, Markup) {
    let step = |i: usize| l.t_args("journal-step", &[("n", (i + 1).into())]);
    match e {
        Event::Submitted {
            at,
            applicant_name,
            channel,
            receipt,
            signature,
            ..
        } => (
            *at,
            l.t("journal-submitted"),
            html! {
                @if applicant_name.is_empty() { (l.t("journal-applicant")) } @else { (applicant_name) }
            },
            html! {
                (channel_name(l, channel.as_str()))
                @if let Some(r) = receipt { "; " (l.t("journal-receipt")) " " (r) }
                @if signature.is_some() { "; " (l.t("journal-applicant_signed")) }
            },
        ),
        Event::StepCompleted {
            step: i,
            by,
            at,
            outcome,
            presented,
            ..
        } => {
            let (key, grounds) = match outcome {
                engine::Outcome::Done => ("done", None),
                engine::Outcome::RefuseAcceptance { grounds } => {
                    ("refuse_acceptance", Some(grounds))
                }
                engine::Outcome::MotivatedRefusal { grounds, .. } => {
                    ("motivated_refusal", Some(grounds))
                }
                engine::Outcome::Fail { reason } => ("fail", Some(reason)),
            };
            (
                *at,
                l.t("journal-step_completed"),
                actor(st, l, reg, by),
                html! {
                    (step(*i))
                    @if key != "done" { ": " (l.t_in("outcome", key)) }
                    @if let Some(g) = grounds.filter(|g| !g.trim().is_empty()) { " — " (g) }
                    @if let Some(p) = presented {
                        @let p = serde_json::to_value(p).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
                        "; " (l.t_in("journal-presented", &p))
                    }
                },
            )
        }
        Event::Closed {
            at,
            outcome,
            document,
        } => (
            *at,
            l.t("journal-closed"),
            html! { (l.t("journal-system")) },
            html! {
                (l.t_in("closure", outcome.as_str()))
                @if let Some(d) = document { "; " (result_name(reg, d, l)) }
            },
        ),
        Event::ReturnedToProvider { at, by } => (
            *at,
            l.t("journal-returned_to_provider"),
            actor(st, l, reg, by),
            html! { "—" },
        ),
        Event::ReRequested { at, by, due } => (
            *at,
            l.t("journal-re_requested"),
            actor(st, l, reg, by),
            html! { (l.t("journal-due")) " " (local(*due)) },
        ),
        Event::RequestRefused { at, channel, .. } => (
            *at,
            l.t("journal-request_refused"),
            html! { (l.t("journal-applicant")) },
            html! { (channel_name(l, channel.as_str())) },
        ),
        Event::ResultSigned {
            step: i,
            by,
            at,
            document,
            ru,
            ..
        } => (
            *at,
            l.t("journal-result_signed"),
            actor(st, l, reg, by),
            html! {
                (step(*i)) ": " (result_name(reg, document, l)) " ("
                @if ru.is_some() { (l.t("journal-both_copies")) } @else { (l.t("journal-kk_copy")) }
                ")"
            },
        ),
        Event::Assigned {
            step: i,
            by,
            at,
            assignee,
        } => (
            *at,
            l.t("journal-assigned"),
            actor(st, l, reg, by),
            html! { (step(*i)) ": " (assignee.name) },
        ),
    }
}

/// The journal table of an application's entries (as `Detail.events` carries them).
pub fn journal(
    st: &AppState,
    l: Lang,
    reg: Option<&Regulation>,
    events: &[serde_json::Value],
) -> Markup {
    let rows: Vec<_> = events
        .iter()
        .filter_map(|v| serde_json::from_value::<Event>(v.clone()).ok())
        .map(|e| row(st, l, reg, &e))
        .collect();
    html! {
        details {
            summary { (l.t("app-events")) }
            p.hint { (l.t("journal-intro")) }
            (html::table(
                &[l.t("journal-when"), l.t("journal-event"), l.t("journal-who"), l.t("journal-what")],
                html! {
                    @for (at, what, who, detail) in &rows {
                        tr { td { (local(*at)) } td { (what) } td { (who) } td { (detail) } }
                    }
                },
            ))
        }
    }
}

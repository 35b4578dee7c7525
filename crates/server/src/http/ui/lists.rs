//! The list controls of the workstation, the State Corporation desk and the cabinet: a search
//! and filter form (a plain GET form, so it works without JavaScript and its URL can be kept
//! and shared) and the link to the next page.
//!
//! For: rendering [`ops::ListParams`] back into a form and links. Not for: running the list
//! (that is `ops::list_page`, over the store's list rows).

use super::portal::title;
use crate::AppState;
use crate::html;
use crate::i18n::{Lang, Messages};
use crate::ops::ListParams;
use crate::problem::FieldError;
use maud::{Markup, html};

/// The query string of `p`, with `cursor` in place of its own.
pub fn query(p: &ListParams, cursor: Option<&str>) -> String {
    let step = p.step.map(|s| s.to_string());
    let limit = p.limit.map(|s| s.to_string());
    let pairs = [
        ("scope", p.scope.as_deref()),
        ("q", p.q.as_deref()),
        ("regulation", p.regulation.as_deref()),
        ("step", step.as_deref()),
        ("sla", p.sla.as_deref()),
        ("status", p.status.as_deref()),
        ("from", p.from.as_deref()),
        ("to", p.to.as_deref()),
        ("sort", p.sort.as_deref()),
        ("limit", limit.as_deref()),
        ("mine", p.mine.as_deref()),
        ("late", p.late.as_deref()),
        ("cursor", cursor),
    ];
    pairs
        .iter()
        .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
        .map(|(k, v)| format!("{k}={}", html::url_enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn options(l: Lang, any: bool, items: &[(&str, &str)]) -> Vec<(String, String)> {
    any.then(|| (String::new(), l.t("list-any").to_string()))
        .into_iter()
        .chain(items.iter().map(|(v, t)| (v.to_string(), t.to_string())))
        .collect()
}

/// The search and filter form; `action` is the page's own path.
pub fn filter_form(
    st: &AppState,
    l: Lang,
    p: &ListParams,
    action: &str,
    errors: &[FieldError],
    staff: bool,
) -> Markup {
    let regs: Vec<(String, String)> = std::iter::once((String::new(), l.t("list-any").into()))
        .chain(
            st.ctx
                .regulations()
                .iter()
                .map(|r| (r.id.clone(), title(l, r).to_string())),
        )
        .collect();
    let sla = options(
        l,
        true,
        &[
            ("on_time", l.t("sla-on_time")),
            ("at_risk", l.t("sla-at_risk")),
            ("overdue", l.t("sla-overdue")),
        ],
    );
    let status = options(
        l,
        true,
        &[
            ("open", l.t("list-status_open")),
            ("closed", l.t("list-status_closed")),
        ],
    );
    let sort = options(
        l,
        true,
        &[
            ("step_due", l.t("sort-step_due")),
            ("term_due", l.t("sort-term_due")),
            ("newest", l.t("sort-newest")),
            ("oldest", l.t("sort-oldest")),
        ],
    );
    let field = |name: &str| {
        errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.detail.clone())
    };
    html! {
        form.filters method="get" action=(action) role="search" {
            @if let Some(s) = p.scope.as_deref() { (html::hidden("scope", s)) }
            (text("q", l.t("list-search"), p.q.as_deref(), Some(l.t("list-search_hint")), field("q")))
            (choice("regulation", l.t("list-service"), &regs, p.regulation.as_deref(), field("regulation")))
            (choice("sla", l.t("list-filter_sla"), &sla, p.sla.as_deref(), field("sla")))
            (choice("status", l.t("list-status"), &status, p.status.as_deref(), field("status")))
            (text("from", l.t("list-from"), p.from.as_deref(), Some(l.t("list-date_hint")), field("from")))
            (text("to", l.t("list-to"), p.to.as_deref(), Some(l.t("list-date_hint")), field("to")))
            (choice("sort", l.t("list-sort"), &sort, p.sort.as_deref(), field("sort")))
            (tick("late", l.t("list-late_only"), p.late.as_deref()))
            @if staff { (tick("mine", l.t("list-mine"), p.mine.as_deref())) }
            button type="submit" class="secondary" { (l.t("list-apply")) }
        }
        p.print-link { a href={ (action) "?" (query(p, None)) (if query(p, None).is_empty() { "" } else { "&" }) "print=1" } { (l.t("list-print")) } }
    }
}

/// A filter checkbox (`1` when ticked).
fn tick(name: &str, label: &str, value: Option<&str>) -> Markup {
    let id = format!("flt-{name}");
    let on = value.is_some_and(|v| !v.is_empty() && v != "0");
    html! {
        div.form-group { div.checkboxes { div {
            input type="checkbox" id=(id) name=(name) value="1" checked[on];
            label for=(id) { (label) }
        } } }
    }
}

// The filter form's own controls: ids of their own (`flt-…`), since the page's other forms
// have fields of the same names.
fn text(
    name: &str,
    label: &str,
    value: Option<&str>,
    hint: Option<&str>,
    error: Option<String>,
) -> Markup {
    let id = format!("flt-{name}");
    html! {
        div.form-group.error[error.is_some()] {
            label for=(id) { (label) }
            @if let Some(h) = hint { div.hint id={ (id) "-hint" } { (h) } }
            @if let Some(e) = &error { p.error-message { (e) } }
            input type="text" id=(id) name=(name) value=(value.unwrap_or(""))
                aria-describedby=[hint.map(|_| format!("{id}-hint"))];
        }
    }
}

fn choice(
    name: &str,
    label: &str,
    options: &[(String, String)],
    selected: Option<&str>,
    error: Option<String>,
) -> Markup {
    let id = format!("flt-{name}");
    let selected = selected.unwrap_or("");
    html! {
        div.form-group.error[error.is_some()] {
            label for=(id) { (label) }
            @if let Some(e) = &error { p.error-message { (e) } }
            select id=(id) name=(name) {
                @for (v, t) in options {
                    option value=(v) selected[v == selected] { (t) }
                }
            }
        }
    }
}

/// "Next page" (keeping the filters), and "first page" once past it.
pub fn pager(l: Lang, p: &ListParams, action: &str, next: Option<&str>) -> Markup {
    html! {
        nav.pager aria-label=(l.t("list-pages")) {
            @if p.cursor.as_deref().is_some_and(|c| !c.is_empty()) {
                a href={ (action) "?" (query(p, None)) } { (l.t("list-first")) }
                " "
            }
            @if let Some(n) = next {
                a href={ (action) "?" (query(p, Some(n))) } rel="next" { (l.t("list-next")) }
            }
        }
    }
}

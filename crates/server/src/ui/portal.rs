//! Citizen-facing pages: the service catalogue with search, a service's page (facts, steps,
//! process diagrams and the application form generated from the regulation), the personal
//! cabinet, an application's status timeline (also the staff's page to act on the current
//! step), and the document verification page.
//!
//! Not for: staff intake desks (`desk`) or monitoring (`monitor`).

use super::{Fields, OrPage, Page, PageErr, banner, error_page, here, logged_in, ok, see_other};
use crate::AppState;
use crate::accounts::{IssuedDocument, Kind};
use crate::auth::Viewer;
use crate::catalogue::{self, Service};
use crate::html::{self, esc, local, opt_local, sla_tag};
use crate::i18n::Lang;
use crate::ops::{
    self, ActionRequest, Detail, OutcomeKind, PortalSubmission, PresentedKind, blocking,
};
use crate::problem::{FieldError, Problem};
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde::Deserialize;
use std::fmt::Write;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(services_page))
        .routes(routes!(service_page))
        .routes(routes!(apply_submit))
        .routes(routes!(cabinet_page))
        .routes(routes!(application_page))
        .routes(routes!(act_submit))
}

pub fn channel_name(l: Lang, c: &str) -> &'static str {
    l.t(&format!("channel.{c}"))
}

pub fn org_name(st: &AppState, l: Lang, id: &str) -> String {
    if id == engine::PORTAL {
        return l.t("org.portal").into();
    }
    st.accounts
        .org(id)
        .ok()
        .flatten()
        .map(|o| o.name(l).to_string())
        .unwrap_or_else(|| id.to_string())
}

fn unit_name(l: Lang, value: u32, unit: &str) -> String {
    format!("{value} {}", l.t(&format!("unit.{unit}")))
}

/// `15 minutes` (the engine's English duration) in the interface language.
pub fn duration_text(l: Lang, d: &str) -> String {
    match d.split_once(' ') {
        Some((n, unit)) => unit_name(l, n.parse().unwrap_or(0), &unit.replace(' ', "_")),
        None => d.to_string(),
    }
}

#[derive(Debug, Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

/// The service catalogue with search.
#[utoipa::path(get, path = "/services", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn services_page(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Query(q): Query<SearchQuery>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let orgs = st.accounts.orgs().map_err(Problem::from).or_page(&v, &h)?;
    let now = st.now();
    let query = q.q.unwrap_or_default();
    let services: Vec<Service> = catalogue::current_versions(&st.ctx, now)
        .into_iter()
        .map(|r| catalogue::service(&st.ctx, r, &orgs, now))
        .filter(|s| query.trim().is_empty() || catalogue::matches(s, &query))
        .collect();
    let mut body = format!(
        r#"<form method="get" action="/services" role="search"><div class="form-group"><label for="f-q">{}</label><div class="hint">{}</div><input type="search" id="f-q" name="q" value="{}"></div><button type="submit">{}</button></form>"#,
        l.t("services.search"),
        l.t("services.search_hint"),
        esc(&query),
        l.t("services.search_button")
    );
    let _ = write!(
        body,
        r#"<p role="status">{}</p>"#,
        l.tf("services.found", &[("n", &services.len().to_string())])
    );
    body.push_str("<ul class=\"services\">");
    for s in &services {
        let channels: Vec<&str> = s
            .channels
            .iter()
            .filter(|c| c.accepts)
            .map(|c| channel_name(l, &c.id))
            .collect();
        let _ = write!(
            body,
            r#"<li><h2 style="font-size:20px"><a href="/services/{}">{}</a></h2><p class="hint">{} · {}: {} · {}</p></li>"#,
            html::url_enc(&s.id),
            esc(s.title.get(l)),
            esc(&s.region),
            l.t("services.channels"),
            esc(&channels.join(", ")),
            if s.in_force {
                l.t("services.in_force")
            } else {
                l.t("services.not_in_force")
            }
        );
    }
    body.push_str("</ul>");
    ok(&v, &h, l.t("services.title"), &body)
}

fn apply_form(
    st: &AppState,
    v: &Viewer,
    reg: &regulation::Regulation,
    f: &Fields,
    errors: &[FieldError],
) -> String {
    let l = v.lang;
    let orgs = st.accounts.orgs().unwrap_or_default();
    let providers: Vec<(String, String)> = catalogue::providers_of(reg, &orgs)
        .into_iter()
        .map(|o| (o.id.clone(), o.name(l).to_string()))
        .collect();
    if providers.is_empty() {
        return format!("<p>{}</p>", l.t("apply.no_providers"));
    }
    let needs: String = reg
        .flow_for(regulation::ChannelId::Portal)
        .map(|(_, flow)| {
            flow.steps
                .iter()
                .map(|s| s.get_ref())
                .filter(|s| s.role.as_deref() == Some("applicant"))
                .filter_map(|s| s.input.clone())
                .map(|i| format!("<li>{}</li>", esc(&i)))
                .collect()
        })
        .unwrap_or_default();
    let phone = v
        .account
        .as_ref()
        .and_then(|a| a.phone.clone())
        .unwrap_or_default();
    let key = crate::accounts::new_secret();
    format!(
        r#"<h2 id="apply">{}</h2>{}{}<form method="post" action="/services/{}/apply" novalidate>{}<input type="hidden" name="key" value="{}">{}{}<div class="form-group{}"><fieldset class="checkboxes"><legend>{}</legend>{}<div><input type="checkbox" id="f-confirm" name="confirm" value="yes"{}><label for="f-confirm">{}</label></div></fieldset></div><button type="submit">{}</button></form>"#,
        l.t("apply.title"),
        html::error_summary(l, errors),
        if needs.is_empty() {
            String::new()
        } else {
            format!(
                r#"<div class="panel"><p>{}</p><ul>{needs}</ul></div>"#,
                l.t("apply.you_need")
            )
        },
        html::url_enc(&reg.id),
        html::csrf_input(v),
        esc(&key),
        html::select(
            "provider",
            l.t("apply.provider"),
            &providers,
            f.get("provider"),
            errors
        ),
        html::input(
            "tel",
            "phone",
            l.t("register.phone"),
            f.opt("phone").as_deref().unwrap_or(&phone),
            Some(l.t("apply.phone_hint")),
            errors,
            r#"autocomplete="tel""#
        ),
        if errors.iter().any(|e| e.field == "confirm") {
            " error"
        } else {
            ""
        },
        l.t("apply.declaration"),
        errors
            .iter()
            .find(|e| e.field == "confirm")
            .map(|e| format!(r#"<span class="error-message">{}</span>"#, esc(&e.detail)))
            .unwrap_or_default(),
        if f.get("confirm") == "yes" {
            " checked"
        } else {
            ""
        },
        l.t("apply.confirm"),
        l.t("apply.submit"),
    )
}

fn service_body(st: &AppState, v: &Viewer, reg: &regulation::Regulation, apply: String) -> String {
    let l = v.lang;
    let now = st.now();
    let orgs = st.accounts.orgs().unwrap_or_default();
    let d = catalogue::detail(&st.ctx, reg, &orgs, now);
    let s = &d.service;
    let mut b = String::new();
    let _ = write!(
        b,
        r#"<dl class="panel"><dt><b>{}</b></dt><dd>{} v{}</dd><dt><b>{}</b></dt><dd>{}</dd><dt><b>{}</b></dt><dd>{} {}{}</dd></dl>"#,
        l.t("service.id"),
        esc(&s.id),
        s.version,
        l.t("service.region"),
        esc(&s.region),
        l.t("service.act"),
        esc(&s.act_date),
        if s.in_force {
            l.t("services.in_force")
        } else {
            l.t("services.not_in_force")
        },
        s.repealed_on
            .as_ref()
            .map(|r| format!(" ({} {})", l.t("service.repealed_on"), esc(r)))
            .unwrap_or_default()
    );
    // Channels and terms.
    let _ = write!(
        b,
        "<h2>{}</h2><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        l.t("service.channels"),
        l.t("service.channel"),
        l.t("service.accepts"),
        l.t("service.issues"),
        l.t("service.term")
    );
    for c in &s.channels {
        let term = s
            .terms
            .iter()
            .find(|t| t.channel == c.id)
            .map(|t| unit_name(l, t.value, &t.unit))
            .unwrap_or_else(|| "—".into());
        let yes = |x: bool| {
            if x {
                l.t("common.yes")
            } else {
                l.t("common.no")
            }
        };
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            channel_name(l, &c.id),
            yes(c.accepts),
            yes(c.issues),
            esc(&term)
        );
    }
    b.push_str("</tbody></table>");
    // Providers.
    let _ = write!(b, "<h2>{}</h2><ul>", l.t("service.providers"));
    for p in &s.providers {
        let names: Vec<String> = p.organisations.iter().map(|o| esc(o.name.get(l))).collect();
        let _ = write!(
            b,
            "<li>{}{}</li>",
            esc(if l == Lang::En { &p.en } else { &p.kk }),
            if names.is_empty() {
                String::new()
            } else {
                format!(": {}", names.join(", "))
            }
        );
    }
    b.push_str("</ul>");
    b.push_str(&apply);
    // Steps per channel.
    for plan in &d.plans {
        let _ = write!(
            b,
            "<h2>{}: {}</h2><table><thead><tr><th scope=\"col\">#</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            l.t("service.steps"),
            channel_name(l, &plan.channel),
            l.t("timeline.who"),
            l.t("timeline.what"),
            l.t("timeline.duration")
        );
        for step in &plan.steps {
            let text = match l {
                Lang::Kk => step.text_kk.clone().unwrap_or_else(|| step.text_en.clone()),
                _ => step.text_en.clone(),
            };
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
                step.index + 1,
                esc(&catalogue::role_name(Some(reg), &step.role, l)),
                esc(&text),
                if step.only_on_failure {
                    format!(
                        " <span class=\"tag failure_only\">{}</span>",
                        l.t("timeline.failure_only")
                    )
                } else {
                    String::new()
                },
                step.duration
                    .as_deref()
                    .map(|d| esc(&duration_text(l, d)))
                    .unwrap_or_else(|| "—".into())
            );
        }
        b.push_str("</tbody></table>");
    }
    // Diagrams.
    let _ = write!(b, "<h2>{}</h2>", l.t("service.diagrams"));
    for flow in reg.flows.keys() {
        if let Some(svg) = regulation::render::svg::flow_svg(reg, flow) {
            let _ = write!(
                b,
                r#"<figure><figcaption>{} — <a href="/api/services/{}/diagram.svg?flow={}">SVG</a></figcaption>{}</figure>"#,
                esc(&l.tf("service.diagram_of", &[("flow", channel_name(l, flow))])),
                html::url_enc(&reg.id),
                html::url_enc(flow),
                strip_xml_prolog(&svg)
            );
        }
    }
    b
}

fn strip_xml_prolog(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

fn apply_section(
    st: &AppState,
    v: &Viewer,
    reg: &regulation::Regulation,
    f: &Fields,
    errors: &[FieldError],
) -> String {
    let l = v.lang;
    let portal = reg
        .channel(regulation::ChannelId::Portal)
        .is_some_and(|c| c.accepts);
    let in_force = st.ctx.in_force(&reg.id, st.now()).is_ok();
    if !in_force {
        return format!(
            r#"<h2 id="apply">{}</h2><p>{}</p>"#,
            l.t("apply.title"),
            l.t("apply.not_in_force")
        );
    }
    if !portal {
        return format!(
            r#"<h2 id="apply">{}</h2><p>{}</p>"#,
            l.t("apply.title"),
            l.t("apply.no_portal")
        );
    }
    match v.kind() {
        Some(Kind::Citizen) => apply_form(st, v, reg, f, errors),
        Some(_) => format!(
            r#"<h2 id="apply">{}</h2><p>{}</p>"#,
            l.t("apply.title"),
            l.t("apply.citizens_only")
        ),
        None => format!(
            r#"<h2 id="apply">{}</h2><p><a href="/login?next={}">{}</a></p>"#,
            l.t("apply.title"),
            html::url_enc(&format!("/services/{}", reg.id)),
            l.t("apply.login_first")
        ),
    }
}

/// A service: facts, steps, process diagrams, and the application form.
#[utoipa::path(get, path = "/services/{id}", tag = "ui", params(("id" = String, Path)), responses((status = 200, content_type = "text/html", body = String)))]
async fn service_page(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(id): Path<String>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let reg = catalogue::regulation(&st.ctx, &id, st.now())
        .ok_or_else(|| Problem::not_found("such service"))
        .or_page(&v, &h)?;
    let apply = apply_section(&st, &v, reg, &Fields::default(), &[]);
    let body = service_body(&st, &v, reg, apply);
    let t = reg.title.get_ref();
    ok(
        &v,
        &h,
        match l {
            Lang::Kk => &t.kk,
            Lang::Ru => &t.ru,
            Lang::En => &t.en,
        },
        &body,
    )
}

/// Apply on the portal (form post; same as `POST /api/applications`).
#[utoipa::path(post, path = "/services/{id}/apply", tag = "ui", params(("id" = String, Path)), responses((status = 303), (status = 422, content_type = "text/html", body = String)))]
async fn apply_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &format!("/services/{id}"))?.clone();
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    let reg = catalogue::regulation(&st.ctx, &id, st.now())
        .ok_or_else(|| Problem::not_found("such service"))
        .or_page(&v, &h)?;
    let mut errors = vec![];
    if f.get("confirm") != "yes" {
        errors.push(FieldError {
            field: "confirm".into(),
            rule: "required".into(),
            detail: l.t("apply.confirm_required").into(),
        });
    }
    let key = f.opt("key").unwrap_or_else(crate::accounts::new_secret);
    let req = PortalSubmission {
        regulation: reg.id.clone(),
        provider: f.get("provider").to_string(),
        phone: f.opt("phone"),
    };
    let result = if errors.is_empty() {
        let s = st.clone();
        blocking(move || ops::submit_portal(&s, &acc, &req, &key)).await
    } else {
        Err(Problem::fields(errors))
    };
    match result {
        Ok(out) => Ok(see_other(&format!(
            "/applications/{}?done=submitted",
            html::url_enc(&out.id)
        ))),
        Err(p) if p.status == 422 => {
            let errors = if p.errors.is_empty() {
                vec![FieldError {
                    field: p.field.clone().unwrap_or_default(),
                    rule: p.rule.clone(),
                    detail: p.detail.clone(),
                }]
            } else {
                p.errors.clone()
            };
            let apply = apply_section(&st, &v, reg, &f, &errors);
            let body = service_body(&st, &v, reg, apply);
            Ok(html::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                html::page(&v, &h, reg.title.get_ref().en.as_str(), &body),
            ))
        }
        Err(p) => Err(PageErr::from(error_page(&v, &h, &p))),
    }
}

/// Applications as a table (cabinet, inboxes).
pub fn applications_table(st: &AppState, l: Lang, apps: &[ops::Summary], staff: bool) -> String {
    if apps.is_empty() {
        return format!("<p>{}</p>", l.t("list.empty"));
    }
    let mut b = format!(
        "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>{}<th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        l.t("list.application"),
        l.t("list.service"),
        if staff {
            format!("<th scope=\"col\">{}</th>", l.t("list.applicant"))
        } else {
            String::new()
        },
        l.t("list.status"),
        l.t("list.holder"),
        l.t("list.due"),
    );
    for a in apps {
        let status = match &a.closure {
            Some(c) => format!(
                r#"<span class="tag closed">{}</span>"#,
                l.t(&format!("closure.{c}"))
            ),
            None => format!(
                "{} {}",
                l.t(&format!("status.{}", a.status)),
                sla_tag(l, a.sla.as_deref())
            ),
        };
        let holder = match (&a.role, &a.holder) {
            (Some(r), Some(o)) => {
                let reg = st
                    .ctx
                    .regulations()
                    .iter()
                    .find(|x| x.id == a.regulation && x.version == a.version)
                    .cloned();
                format!(
                    "{} — {}",
                    esc(&catalogue::role_name(reg.as_deref(), r, l)),
                    esc(&org_name(st, l, o))
                )
            }
            _ => "—".into(),
        };
        let _ = write!(
            b,
            r#"<tr><td><a href="/applications/{}">{}</a><br><span class="hint">{} · {}</span></td><td>{}</td>{}<td>{}</td><td>{}</td><td>{}</td></tr>"#,
            html::url_enc(&a.id),
            esc(&a.id),
            channel_name(l, &a.channel),
            local(a.submitted_at),
            esc(a.title.get(l)),
            if staff {
                format!(
                    "<td>{}<br><span class=\"hint\">{}</span></td>",
                    esc(&a.applicant_name),
                    esc(&a.applicant_iin)
                )
            } else {
                String::new()
            },
            status,
            holder,
            if a.closure.is_some() {
                "—".into()
            } else {
                opt_local(a.step_due.or(a.term_due))
            },
        );
    }
    b.push_str("</tbody></table>");
    b
}

/// The citizen's cabinet: their applications, results and receipts.
#[utoipa::path(get, path = "/cabinet", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn cabinet_page(State(st): State<AppState>, v: Viewer, uri: Uri) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &h)?.clone();
    if acc.kind != Kind::Citizen {
        return Ok(see_other("/"));
    }
    let s = st.clone();
    let a2 = acc.clone();
    let apps = blocking(move || ops::list(&s, &a2, "all"))
        .await
        .or_page(&v, &h)?;
    let mut body = banner(l, &uri);
    let _ = write!(
        body,
        r#"<p class="caption">{} · {}: {}</p>"#,
        esc(&acc.name),
        l.t("register.iin"),
        esc(acc.iin.as_deref().unwrap_or(""))
    );
    body.push_str(&applications_table(&st, l, &apps, false));
    // Results and receipts.
    let mut docs = String::new();
    for a in &apps {
        let Ok(Some(app)) = st.store.application(&a.id) else {
            continue;
        };
        for d in ops::document_links(&st, &app) {
            let _ = write!(
                docs,
                r#"<li>{} — {}: <a href="{}" lang="kk" hreflang="kk">PDF (қазақша)</a> · <a href="{}" lang="ru" hreflang="ru">PDF (на русском)</a></li>"#,
                esc(&a.id),
                l.t(&format!("doc.{}", d.kind)),
                esc(&d.url_kk),
                esc(&d.url_ru)
            );
        }
    }
    if !docs.is_empty() {
        let _ = write!(body, "<h2>{}</h2><ul>{docs}</ul>", l.t("cabinet.documents"));
    }
    let _ = write!(
        body,
        r#"<p><a class="button" href="/services">{}</a></p>"#,
        l.t("cabinet.apply_more")
    );
    ok(&v, &h, l.t("cabinet.title"), &body)
}

fn action_form(
    st: &AppState,
    v: &Viewer,
    d: &Detail,
    reg: Option<&regulation::Regulation>,
    errors: &[FieldError],
) -> String {
    let l = v.lang;
    let Some(cur) = d.current.as_ref().filter(|c| c.can_act) else {
        return String::new();
    };
    let outcomes: Vec<(String, String)> = cur
        .outcomes
        .iter()
        .map(|o| (o.clone(), l.t(&format!("outcome.{o}")).to_string()))
        .collect();
    let note_key = format!("act.note_for.{}", cur.role);
    let note_label = if l.t(&note_key) == note_key {
        l.t("act.note")
    } else {
        l.t(&note_key)
    };
    let presented = if cur.needs_presented {
        html::select(
            "presented",
            l.t("act.presented"),
            &[
                (String::new(), l.t("act.presented_none").to_string()),
                (
                    "identity_document".into(),
                    l.t("act.identity_document").to_string(),
                ),
                (
                    "notarised_power_of_attorney".into(),
                    l.t("act.power_of_attorney").to_string(),
                ),
            ],
            "",
            errors,
        )
    } else {
        String::new()
    };
    let _ = st;
    format!(
        r#"<section aria-labelledby="act-h" class="panel"><h2 id="act-h">{}</h2><p>{}</p>{}<form method="post" action="/applications/{}/act" novalidate>{}<input type="hidden" name="step" value="{}">{}{}{}{}<button type="submit">{}</button></form></section>"#,
        l.t("act.title"),
        esc(&catalogue::role_name(reg, &cur.role, l)),
        html::error_summary(l, errors),
        html::url_enc(&d.summary.id),
        html::csrf_input(v),
        cur.step,
        html::radios("outcome", l.t("act.outcome"), &outcomes, "done", errors),
        html::textarea("note", note_label, "", None, errors),
        html::textarea(
            "grounds",
            l.t("act.grounds"),
            "",
            Some(l.t("act.grounds_hint")),
            errors
        ),
        presented,
        l.t("act.submit"),
    )
}

fn application_body(
    st: &AppState,
    v: &Viewer,
    d: &Detail,
    uri: &Uri,
    errors: &[FieldError],
) -> String {
    let l = v.lang;
    let s = &d.summary;
    let reg = st
        .ctx
        .regulations()
        .iter()
        .find(|r| r.id == s.regulation && r.version == s.version)
        .cloned();
    let mut b = banner(l, uri);
    let status = match &s.closure {
        Some(c) => format!(
            r#"<span class="tag closed">{}</span>"#,
            l.t(&format!("closure.{c}"))
        ),
        None => format!(
            "{} {}",
            l.t(&format!("status.{}", s.status)),
            sla_tag(l, s.sla.as_deref())
        ),
    };
    let _ = write!(
        b,
        r#"<table><tbody><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">{}</th><td>{} ({})</td></tr><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">{}</th><td>{}</td></tr>"#,
        l.t("app.service"),
        esc(s.title.get(l)),
        l.t("app.provider"),
        esc(d.provider_name.get(l)),
        l.t("app.channel"),
        channel_name(l, &s.channel),
        l.t("app.status"),
        status,
        l.t("app.applicant"),
        esc(&s.applicant_name),
        esc(&s.applicant_iin),
        l.t("app.submitted"),
        local(s.submitted_at),
        l.t("app.term_due"),
        opt_local(s.term_due),
        l.t("app.version"),
        format_args!("{} v{}", esc(&s.regulation), s.version),
    );
    if let Some(r) = &s.receipt {
        let _ = write!(
            b,
            r#"<tr><th scope="row">{}</th><td><span class="receipt">{}</span></td></tr>"#,
            l.t("app.receipt"),
            esc(r)
        );
    }
    if let Some(g) = &d.refusal_grounds {
        let _ = write!(
            b,
            r#"<tr><th scope="row">{}</th><td>{}</td></tr>"#,
            l.t("app.refusal_grounds"),
            esc(g)
        );
    }
    b.push_str("</tbody></table>");
    if let Some(cur) = &d.current {
        let _ = write!(
            b,
            r#"<div class="panel" role="status"><p><b>{}</b> {} — {}. {} {}</p></div>"#,
            l.t("app.now_with"),
            esc(&catalogue::role_name(reg.as_deref(), &cur.role, l)),
            esc(&org_name(st, l, &cur.holder)),
            l.t("app.due"),
            opt_local(cur.due)
        );
    }
    b.push_str(&action_form(st, v, d, reg.as_deref(), errors));
    let sc_operator = v.account.as_ref().is_some_and(|a| {
        a.org.as_deref() == Some(engine::STATE_CORPORATION)
            && a.has_role("state_corporation_operator")
    });
    if s.status == "returned_to_provider" && sc_operator {
        let _ = write!(
            b,
            r#"<form method="post" action="/applications/{}/rerequest" class="panel">{}<p>{}</p><button type="submit">{}</button></form>"#,
            html::url_enc(&s.id),
            html::csrf_input(v),
            l.t("sc.rerequest_hint"),
            l.t("sc.rerequest")
        );
    }
    if !d.documents.is_empty() {
        let _ = write!(b, "<h2>{}</h2><ul>", l.t("app.documents"));
        for doc in &d.documents {
            let _ = write!(
                b,
                r#"<li>{}: <a href="{}" lang="kk" hreflang="kk">PDF (қазақша)</a> · <a href="{}" lang="ru" hreflang="ru">PDF (на русском)</a></li>"#,
                l.t(&format!("doc.{}", doc.kind)),
                esc(&doc.url_kk),
                esc(&doc.url_ru)
            );
        }
        b.push_str("</ul>");
    }
    // Timeline.
    let _ = write!(
        b,
        "<h2>{}</h2><table><thead><tr><th scope=\"col\">#</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        l.t("timeline.title"),
        l.t("timeline.who"),
        l.t("timeline.what"),
        l.t("timeline.duration"),
        l.t("timeline.due"),
        l.t("timeline.state"),
    );
    for t in &d.timeline {
        let state = format!(
            r#"<span class="tag {}">{}</span>"#,
            t.state,
            l.t(&format!("timeline.{}", t.state))
        );
        let done = match (t.completed_at, t.on_time) {
            (Some(at), ok) => format!(
                "<br><span class=\"hint\">{} {}{}</span>",
                l.t("timeline.completed"),
                local(at),
                match ok {
                    Some(true) => format!(" — {}", l.t("sla.on_time")),
                    Some(false) => format!(" — {}", l.t("sla.overdue")),
                    None => String::new(),
                }
            ),
            _ => String::new(),
        };
        let _ = write!(
            b,
            r#"<tr{}><td>{}</td><td>{}<br><span class="hint">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td>{}{}{}</td></tr>"#,
            if t.state == "current" {
                r#" class="current" aria-current="step""#
            } else {
                ""
            },
            t.index + 1,
            esc(&t.role_name),
            esc(&org_name(st, l, &t.holder)),
            esc(&t.text),
            t.duration
                .as_deref()
                .map(|x| esc(&duration_text(l, x)))
                .unwrap_or_else(|| "—".into()),
            opt_local(t.due),
            state,
            t.outcome
                .as_deref()
                .filter(|o| *o != "done")
                .map(|o| format!(" {}", l.t(&format!("outcome.{o}"))))
                .unwrap_or_default(),
            done
        );
    }
    b.push_str("</tbody></table>");
    if !d.notes.is_empty() {
        let _ = write!(b, "<h2>{}</h2><ul>", l.t("app.notes"));
        for n in d.notes.iter().filter(|n| !n.note.is_empty()) {
            let _ = write!(
                b,
                "<li><b>{}</b> ({}, {} {}): {}</li>",
                esc(&n.name),
                crate::accounts::parse_ts(&n.at)
                    .map(local)
                    .unwrap_or_default(),
                l.t("timeline.step"),
                n.step + 1,
                esc(&n.note)
            );
        }
        b.push_str("</ul>");
    }
    let _ = write!(
        b,
        "<details><summary>{}</summary><pre>{}</pre></details>",
        l.t("app.events"),
        esc(&serde_json::to_string_pretty(&d.events).unwrap_or_default())
    );
    b
}

/// An application: status, who holds it and until when, the timeline; the form to act for
/// the staff who hold the current step.
#[utoipa::path(get, path = "/applications/{id}", tag = "ui", params(("id" = String, Path)), responses((status = 200, content_type = "text/html", body = String)))]
async fn application_page(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(id): Path<String>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &h)?.clone();
    let s = st.clone();
    let d = blocking(move || {
        let app = ops::load_visible(&s, &acc, &id)?;
        ops::detail(&s, &acc, &app, l)
    })
    .await
    .or_page(&v, &h)?;
    let body = application_body(&st, &v, &d, &uri, &[]);
    ok(&v, &h, &l.tf("app.title", &[("id", &d.summary.id)]), &body)
}

/// Complete the current step (form post; same as `POST /api/applications/{id}/actions`).
#[utoipa::path(post, path = "/applications/{id}/act", tag = "ui", params(("id" = String, Path)), responses((status = 303), (status = 422, content_type = "text/html", body = String)))]
async fn act_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(id): Path<String>,
    Form(f): Form<Fields>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &format!("/applications/{id}"))?.clone();
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    let outcome = match f.get("outcome") {
        "done" | "" => OutcomeKind::Done,
        "refuse_acceptance" => OutcomeKind::RefuseAcceptance,
        "motivated_refusal" => OutcomeKind::MotivatedRefusal,
        "fail" => OutcomeKind::Fail,
        _ => {
            return Err(PageErr::from(error_page(
                &v,
                &h,
                &Problem::invalid("outcome", "enum", "unknown outcome"),
            )));
        }
    };
    let req = ActionRequest {
        step: f.get("step").parse().unwrap_or(usize::MAX),
        outcome,
        grounds: f.opt("grounds"),
        presented: match f.get("presented") {
            "identity_document" => Some(PresentedKind::IdentityDocument),
            "notarised_power_of_attorney" => Some(PresentedKind::NotarisedPowerOfAttorney),
            _ => None,
        },
        note: f.opt("note"),
    };
    let s = st.clone();
    let (a2, id2) = (acc.clone(), id.clone());
    match blocking(move || ops::act(&s, &a2, &id2, &req)).await {
        Ok(app) => Ok(see_other(&format!(
            "/applications/{}?done=acted",
            html::url_enc(&app.id)
        ))),
        Err(p) if p.status == 422 => {
            let s = st.clone();
            let d = blocking(move || {
                let app = ops::load_visible(&s, &acc, &id)?;
                ops::detail(&s, &acc, &app, l)
            })
            .await
            .or_page(&v, &h)?;
            let errors = if p.errors.is_empty() {
                vec![FieldError {
                    field: p.field.clone().unwrap_or_default(),
                    rule: p.rule.clone(),
                    detail: p.detail.clone(),
                }]
            } else {
                p.errors.clone()
            };
            let errors: Vec<FieldError> = errors
                .into_iter()
                .map(|mut e| {
                    let key = format!("problem.{}", e.rule);
                    if l.t(&key) != key {
                        e.detail = l.t(&key).into();
                    }
                    e
                })
                .collect();
            let body = application_body(&st, &v, &d, &uri, &errors);
            Ok(html::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                html::page(&v, &h, &l.tf("app.title", &[("id", &d.summary.id)]), &body),
            ))
        }
        Err(p) => Err(PageErr::from(error_page(&v, &h, &p))),
    }
}

/// The verification page of a document code.
pub fn verify_page(
    st: &AppState,
    v: &Viewer,
    code: &str,
    doc: Option<&IssuedDocument>,
) -> Response {
    let l = v.lang;
    let h = format!("/verify/{}", html::url_enc(code));
    let (status, body) = match doc {
        Some(d) => (
            StatusCode::OK,
            format!(
                r#"<div class="banner" role="status"><p>{}</p></div><table><tbody><tr><th scope="row">{}</th><td><code>{}</code></td></tr><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">SHA-256</th><td><code>{}</code></td></tr></tbody></table><p class="hint">{}</p>"#,
                l.t("verify.found"),
                l.t("verify.code"),
                esc(&d.code),
                l.t("verify.application"),
                esc(&d.application),
                l.t("verify.kind"),
                esc(&d.kind),
                l.t("verify.issued"),
                esc(&d.issued_at),
                esc(&d.content_hash),
                l.t("verify.signature_later"),
            ),
        ),
        None => (
            StatusCode::NOT_FOUND,
            format!(
                r#"<div class="error-summary" role="alert"><p>{}</p></div>"#,
                l.t("verify.not_found")
            ),
        ),
    };
    let _ = st;
    html::html(status, html::page(v, &h, l.t("verify.title"), &body))
}

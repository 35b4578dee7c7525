//! Citizen-facing pages: the service catalogue with search, a service's page (facts, steps,
//! process diagrams and the application form generated from the regulation), the personal
//! cabinet, an application's status timeline (also the staff's page to act on the current
//! step), and the document verification page.
//!
//! Not for: staff intake desks (`desk`) or monitoring (`monitor`).

use super::{
    AnyForm, Fields, OrPage, Page, PageErr, banner, error_page, here, logged_in, ok, see_other,
};
use crate::AppState;
use crate::accounts::Kind;
use crate::auth::Viewer;
use crate::catalogue::{self, Service};
use crate::html::{self, Input, local, opt_local};
use crate::i18n::{Lang, Messages};
use crate::ops::{
    self, ActionRequest, Detail, OutcomeKind, PortalSubmission, PresentedKind, blocking,
};
use crate::problem::{FieldError, Problem};
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(services_page))
        .routes(routes!(service_page))
        .routes(crate::api::with_body_limit(routes!(apply_submit)))
        .routes(routes!(request_json))
        .routes(routes!(cabinet_page))
        .routes(routes!(application_page))
        .routes(routes!(act_submit))
        .routes(routes!(to_sign_json))
        .routes(routes!(to_sign_pdf))
}

pub fn channel_name(l: Lang, c: &str) -> &'static str {
    l.t_in("channel", c)
}

pub fn org_name(st: &AppState, l: Lang, id: &str) -> String {
    if id == engine::PORTAL {
        return l.t("org-portal").into();
    }
    st.accounts
        .org(id)
        .ok()
        .flatten()
        .map(|o| o.name(l).to_string())
        .unwrap_or_else(|| id.to_string())
}

/// `5 working days` in the interface language, with its plural form.
fn unit_name(l: Lang, value: u32, unit: &str) -> String {
    let n = u64::from(value);
    match unit {
        "seconds" => l.t_count("unit-seconds", n),
        "minutes" => l.t_count("unit-minutes", n),
        "hours" => l.t_count("unit-hours", n),
        "working_days" => l.t_count("unit-working_days", n),
        "calendar_days" => l.t_count("unit-calendar_days", n),
        "days_unspecified" => l.t_count("unit-days_unspecified", n),
        "months" => l.t_count("unit-months", n),
        other => format!("{value} {other}"),
    }
}

/// `15 minutes` (the engine's English duration) in the interface language.
pub fn duration_text(l: Lang, d: &str) -> String {
    match d.split_once(' ') {
        Some((n, unit)) => unit_name(l, n.parse().unwrap_or(0), &unit.replace(' ', "_")),
        None => d.to_string(),
    }
}

/// A regulation's title in the interface language.
pub fn title(l: Lang, reg: &regulation::Regulation) -> &str {
    let t = reg.title.get_ref();
    match l {
        Lang::Kk => &t.kk,
        Lang::Ru => &t.ru,
        Lang::En => &t.en,
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
    let body = html! {
        form method="get" action="/services" role="search" {
            div.form-group {
                label for="f-q" { (l.t("services-search")) }
                div.hint { (l.t("services-search_hint")) }
                input type="search" id="f-q" name="q" value=(query);
            }
            button type="submit" { (l.t("services-search_button")) }
        }
        p role="status" { (l.t_count("services-found", services.len() as u64)) }
        ul.services {
            @for s in &services {
                @let channels: Vec<&str> = s
                    .channels
                    .iter()
                    .filter(|c| c.accepts)
                    .map(|c| channel_name(l, &c.id))
                    .collect();
                li {
                    h2 style="font-size:20px" {
                        a href={ "/services/" (html::url_enc(&s.id)) } { (s.title.get(l)) }
                    }
                    p.hint {
                        (s.region_name.get(l)) " · " (l.t("services-channels")) ": " (channels.join(", "))
                        " · " (in_force(l, s.in_force))
                    }
                }
            }
        }
    };
    ok(&v, &h, l.t("services-title"), body)
}

fn in_force(l: Lang, yes: bool) -> &'static str {
    if yes {
        l.t("services-in_force")
    } else {
        l.t("services-not_in_force")
    }
}

/// The warning about an open application of the same service for the same person (its id in
/// the form's `duplicate_of`), with the checkbox that confirms a repeated one.
pub fn duplicate_warning(l: Lang, f: &Fields, errors: &[FieldError]) -> Markup {
    let error = errors.iter().find(|e| e.field == "confirm_duplicate");
    let Some(id) = f.opt("duplicate_of").filter(|_| error.is_some()) else {
        return html! {};
    };
    html! {
        div.form-group.error.duplicate role="alert" {
            fieldset.checkboxes {
                legend { b { (l.t("duplicate-title")) } }
                p {
                    (l.t_args("duplicate-text", &[("id", id.as_str().into())])) " "
                    a href={ "/applications/" (html::url_enc(&id)) } { (id) }
                }
                (html::error_message(error))
                div {
                    input type="checkbox" id="f-confirm_duplicate" name="confirm_duplicate" value="yes";
                    label for="f-confirm_duplicate" { (l.t("duplicate-confirm")) }
                }
            }
        }
    }
}

/// The form's fields with `duplicate_of` set to the open application found, and the error
/// that asks to confirm a repeated one.
pub fn with_duplicate(l: Lang, f: &Fields, id: &str) -> (Fields, FieldError) {
    let mut f = Fields(
        f.0.iter()
            .filter(|(k, _)| k != "duplicate_of" && k != "confirm_duplicate")
            .cloned()
            .collect(),
    );
    f.0.push(("duplicate_of".into(), id.into()));
    (
        f,
        FieldError {
            field: "confirm_duplicate".into(),
            rule: "application.duplicate".into(),
            detail: l.t("duplicate-required").into(),
        },
    )
}

fn apply_heading(l: Lang) -> Markup {
    html! { h2 id="apply" { (l.t("apply-title")) } }
}

fn apply_form(
    st: &AppState,
    v: &Viewer,
    reg: &regulation::Regulation,
    f: &Fields,
    errors: &[FieldError],
) -> Markup {
    let l = v.lang;
    let orgs = st.accounts.orgs().unwrap_or_default();
    let providers: Vec<(String, String)> = catalogue::providers_of(reg, &orgs)
        .into_iter()
        .map(|o| (o.id.clone(), o.name(l).to_string()))
        .collect();
    if providers.is_empty() {
        return html! { p { (l.t("apply-no_providers")) } };
    }
    let needs: Vec<String> = reg
        .flow_for(regulation::ChannelId::Portal)
        .map(|(_, flow)| {
            flow.steps
                .iter()
                .map(|s| s.get_ref())
                .filter(|s| s.role.as_deref() == Some("applicant"))
                .filter_map(|s| s.input.clone())
                .collect()
        })
        .unwrap_or_default();
    let phone = v
        .account
        .as_ref()
        .and_then(|a| a.phone.clone())
        .unwrap_or_default();
    let phone = f.opt("phone").unwrap_or(phone);
    // The service's own contact phone (if its form asks one) is the SMS phone: asked once,
    // filled in from the account.
    let form_phone = reg.application.as_ref().and_then(|a| {
        a.get_ref()
            .fields
            .iter()
            .map(|d| d.get_ref())
            .find(|d| d.kind == regulation::FieldKind::Phone && d.when.is_none())
            .map(|d| format!("data.{}", d.id))
    });
    let mut filled = f.clone();
    if let Some(n) = &form_phone
        && filled.get(n).is_empty()
        && !phone.is_empty()
    {
        filled.0.push((n.clone(), phone.clone()));
    }
    let f = &filled;
    let confirm_error = errors.iter().find(|e| e.field == "confirm");
    html! {
        (apply_heading(l))
        (html::error_summary(l, errors))
        @if !needs.is_empty() {
            div.panel { p { (l.t("apply-you_need")) } ul { @for i in &needs { li { (i) } } } }
        }
        form method="post" action={ "/services/" (html::url_enc(&reg.id)) "/apply" }
            enctype="multipart/form-data" novalidate {
            (html::csrf_input(v))
            (html::hidden("key", &crate::accounts::new_secret()))
            (html::select("provider", l.t("apply-provider"), &providers, f.get("provider"), errors))
            (super::appform::inputs(l, reg, f, errors))
            (super::appform::checklist(l, reg, regulation::ChannelId::Portal, None, false))
            @if form_phone.is_none() {
                (Input::new("tel", "phone", l.t("register-phone"))
                    .value(&phone)
                    .hint(l.t("apply-phone_hint"))
                    .errors(errors)
                    .autocomplete("tel"))
            }
            (super::extras::file_input(l, errors))
            (duplicate_warning(l, f, errors))
            div.form-group.error[confirm_error.is_some()] {
                fieldset.checkboxes {
                    legend { (l.t("apply-declaration")) }
                    (html::error_message(confirm_error))
                    div {
                        input type="checkbox" id="f-confirm" name="confirm" value="yes"
                            checked[f.get("confirm") == "yes"];
                        label for="f-confirm" { (l.t("apply-confirm")) }
                    }
                }
            }
            button type="submit" { (l.t("apply-submit")) }
        }
    }
}

fn service_body(st: &AppState, v: &Viewer, reg: &regulation::Regulation, apply: Markup) -> Markup {
    let l = v.lang;
    let now = st.now();
    let orgs = st.accounts.orgs().unwrap_or_default();
    let d = catalogue::detail(&st.ctx, reg, &orgs, now);
    let s = &d.service;
    let yes = |x: bool| {
        if x {
            l.t("common-yes")
        } else {
            l.t("common-no")
        }
    };
    let channels = html! {
        @for c in &s.channels {
            @let term = s
                .terms
                .iter()
                .find(|t| t.channel == c.id)
                .map(|t| {
                    let term = unit_name(l, t.value, &t.unit);
                    if t.acceptance_day_counted {
                        term
                    } else {
                        format!("{term} ({})", l.t("passport-acceptance_day_not_counted"))
                    }
                })
                .unwrap_or_else(|| "—".into());
            tr {
                td { (channel_name(l, &c.id)) }
                td { (yes(c.accepts)) }
                td { (yes(c.issues)) }
                td { (term) }
            }
        }
    };
    html! {
        dl.panel {
            dt { b { (l.t("service-id")) } }
            dd { (l.t_args("service-version", &[("n", s.version.into())])) }
            dt { b { (l.t("service-region")) } }
            dd { (s.region_name.get(l)) }
            dt { b { (l.t("service-act")) } }
            dd {
                (html::date(&s.act_date)) " " (in_force(l, s.in_force))
                @if let Some(r) = &s.repealed_on { " (" (l.t("service-repealed_on")) " " (html::date(r)) ")" }
            }
        }
        (passport_section(l, &d.passport, html! {
            h3 { (l.t("service-channels")) }
            (html::table(
                &[
                    l.t("service-channel"),
                    l.t("service-accepts"),
                    l.t("service-issues"),
                    l.t("service-term"),
                ],
                channels,
            ))
        }))
        h2 { (l.t("service-providers")) }
        ul {
            @for p in &s.providers {
                @let names: Vec<&str> = p.organisations.iter().map(|o| o.name.get(l)).collect();
                li {
                    (p.name(l))
                    @if !names.is_empty() { ": " (names.join(", ")) }
                }
            }
        }
        (apply)
        @for plan in &d.plans {
            h2 { (l.t("service-steps")) ": " (channel_name(l, &plan.channel)) }
            (html::table(
                &["#", l.t("timeline-who"), l.t("timeline-what"), l.t("timeline-duration")],
                html! {
                    @for step in &plan.steps {
                        tr {
                            td { (step.index + 1) }
                            td { (catalogue::role_name(Some(reg), &step.role, l)) }
                            td {
                                (step.text(l))
                                @if step.only_on_failure {
                                    " " span.tag.failure_only { (l.t("timeline-failure_only")) }
                                }
                            }
                            td { (step.duration.as_deref().map(|d| duration_text(l, d)).unwrap_or_else(|| "—".into())) }
                        }
                    }
                },
            ))
        }
        h2 { (l.t("service-diagrams")) }
        @for flow in reg.flows.keys() {
            @if let Some(svg) = diagram::flow_svg_in(reg, flow, l) {
                @let channel = reg.flows[flow].get_ref().channel.as_str();
                figure {
                    figcaption {
                        (l.t_args("service-diagram_of", &[("flow", channel_name(l, channel).into())]))
                        " — "
                        a href={ "/api/services/" (html::url_enc(&reg.id)) "/diagram.svg?flow=" (html::url_enc(flow)) "&lang=" (l.code()) } { (l.t("service-diagram_file")) }
                    }
                    // Our own renderer's SVG, which escapes every text it draws.
                    (PreEscaped(strip_xml_prolog(&svg)))
                }
            }
        }
    }
}

/// The service passport: what the service gives, to whom, what it costs, where to apply and
/// in what term (`channels`), the documents, the closed list of refusal grounds with their
/// legal source, the appeal route with the complaint's term and the longest waits.
fn passport_section(l: Lang, p: &catalogue::PassportInfo, channels: Markup) -> Markup {
    let channel_list = |cs: &[String]| -> String {
        cs.iter()
            .map(|c| channel_name(l, c))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let grounds = |gs: &[catalogue::PassportGround]| {
        html! {
            ol.grounds {
                @for g in gs {
                    li {
                        (g.text.get(l))
                        br;
                        span.hint {
                            "(" (g.legal_source.get(l))
                            @if !g.channels.is_empty() { "; " (l.t_args("passport-only_on", &[("channels", channel_list(&g.channels).into())])) }
                            ")"
                        }
                    }
                }
            }
        }
    };
    html! {
        section #passport {
            h2 { (l.t("passport-title")) }
            dl.panel {
                @if !p.results.is_empty() {
                    dt { b { (l.t("passport-results")) } }
                    dd { (p.results.iter().map(|r| r.name.get(l)).collect::<Vec<_>>().join("; ")) }
                }
                @if !p.result_form.is_empty() {
                    dt { b { (l.t("passport-result_form")) } }
                    dd { (p.result_form.iter().map(|f| l.t_in("passport-result_form", f)).collect::<Vec<_>>().join(", ")) }
                }
                @if let Some(r) = &p.recipients {
                    dt { b { (l.t("passport-recipients")) } }
                    dd { (r.get(l)) }
                }
                @if let Some(c) = &p.cost {
                    dt { b { (l.t("passport-cost")) } }
                    dd { (c.get(l)) }
                }
            }
            (channels)
            @if !p.documents.is_empty() {
                h3 { (l.t("passport-documents")) }
                ul.checklist {
                    @for d in &p.documents {
                        li {
                            b { (d.name.get(l)) } " — " (d.proves.get(l))
                            @if d.from_state_systems {
                                " " span.hint { (l.t("appform-from_state_systems")) }
                            } @else {
                                @if !d.channels.is_empty() {
                                    " " span.hint { "(" (l.t_args("passport-only_on", &[("channels", channel_list(&d.channels).into())])) ")" }
                                }
                                @if d.conditional {
                                    " " span.hint { "(" (l.t("passport-conditional")) ")" }
                                }
                            }
                        }
                    }
                }
            }
            @if !p.refusal_grounds.is_empty() {
                h3 { (l.t("passport-grounds")) }
                p.hint { (l.t("passport-grounds_hint")) }
                (grounds(&p.refusal_grounds))
            }
            @if !p.acceptance_refusal_grounds.is_empty() {
                h3 { (l.t("passport-acceptance_grounds")) }
                (grounds(&p.acceptance_refusal_grounds))
            }
            @if p.refusal_grounds.is_empty() && p.acceptance_refusal_grounds.is_empty() {
                h3 { (l.t("passport-grounds")) }
                p { (l.t("passport-no_grounds")) }
            }
            @if !p.appeal.is_empty() {
                h3 { (l.t("passport-appeal")) }
                ol.appeal {
                    @for a in &p.appeal {
                        li {
                            (a.text.get(l))
                            @if let Some(t) = &a.term {
                                ": " (l.t_args("passport-appeal_term", &[("term", unit_name(l, t.value, &t.unit).into())]))
                            }
                            @if let Some(law) = &a.law {
                                br;
                                span.hint { (l.t_args("passport-appeal_law", &[("law", law.get(l).to_string().into())])) }
                            }
                        }
                    }
                }
            }
            @if !p.waiting.is_empty() {
                h3 { (l.t("passport-waiting")) }
                ul {
                    @for w in &p.waiting {
                        li {
                            (l.t_in_args("passport-waiting", &w.what, &[
                                ("channel", channel_name(l, &w.channel).into()),
                                ("max", unit_name(l, w.max.value, &w.max.unit).into()),
                            ]))
                        }
                    }
                }
            }
        }
    }
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
) -> Markup {
    let l = v.lang;
    let portal = reg
        .channel(regulation::ChannelId::Portal)
        .is_some_and(|c| c.accepts);
    let in_force = st.ctx.in_force(&reg.id, st.now()).is_ok();
    if !in_force {
        return html! { (apply_heading(l)) p { (l.t("apply-not_in_force")) } };
    }
    if !portal {
        return html! { (apply_heading(l)) p { (l.t("apply-no_portal")) } };
    }
    match v.kind() {
        Some(Kind::Citizen) => apply_form(st, v, reg, f, errors),
        Some(_) => html! { (apply_heading(l)) p { (l.t("apply-citizens_only")) } },
        None => html! {
            (apply_heading(l))
            p {
                a href={ "/login?next=" (html::url_enc(&format!("/services/{}", reg.id))) } {
                    (l.t("apply-login_first"))
                }
            }
        },
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
    ok(&v, &h, title(l, reg), body)
}

/// The signing step of the portal form: the application as it will be sent, the exact bytes
/// the ЭЦП must cover, a signature upload (file or pasted) and, on demo servers, signing
/// with the demo key.
fn signing_section(
    st: &AppState,
    v: &Viewer,
    reg: &regulation::Regulation,
    req: &PortalSubmission,
    key: &str,
    docs: &[(String, String)],
    errors: &[FieldError],
) -> Markup {
    let l = v.lang;
    let acc = v.account.as_ref();
    let iin = acc.and_then(|a| a.iin.clone()).unwrap_or_default();
    let hashes: Vec<String> = docs.iter().map(|d| d.1.clone()).collect();
    let bytes = req.request_bytes_with(&iin, key, &hashes);
    let phone = req.phone.as_deref().unwrap_or("");
    let hidden = html! {
        (html::csrf_input(v))
        (html::hidden("key", key))
        (html::hidden("provider", &req.provider))
        (html::hidden("phone", phone))
        (html::hidden("confirm", "yes"))
        (html::hidden("stage", "sign"))
        @if req.confirm_duplicate { (html::hidden("confirm_duplicate", "yes")) }
        (super::appform::hidden(&req.data))
    };
    let action = format!("/services/{}/apply", html::url_enc(&reg.id));
    let mut download = format!(
        "/services/{}/request.json?provider={}&phone={}&key={}",
        html::url_enc(&reg.id),
        html::url_enc(&req.provider),
        html::url_enc(phone),
        html::url_enc(key)
    );
    for (k, val) in &req.data {
        download.push_str(&format!(
            "&data.{}={}",
            html::url_enc(k),
            html::url_enc(&val.items().join(","))
        ));
    }
    let data_facts = super::appform::facts(l, reg, &req.data);
    let sig_error = errors.iter().find(|e| e.field == "signature");
    let demo = acc.is_some_and(|a| crate::signing::demo_signing_available(st, a));
    html! {
        h2 id="sign" { (title(l, reg)) }
        (html::error_summary(l, errors))
        (html::facts(&[
            (l.t("app-applicant"), html! { (iin) }),
            (l.t("app-provider"), html! { (org_name(st, l, &req.provider)) }),
            (l.t("register-phone"), html! { (req.phone.as_deref().unwrap_or("—")) }),
        ]))
        @if !data_facts.is_empty() {
            (html::facts(&data_facts.iter().map(|(k, val)| (k.as_str(), html! { (val) })).collect::<Vec<_>>()))
        }
        details.request-details {
            summary { (l.t("sign-request_details")) }
            p { (l.t("sign-intro")) }
            pre.request-bytes style="white-space:pre-wrap;word-break:break-all" {
                (String::from_utf8_lossy(&bytes))
            }
            p { a href=(download) download="request.json" { (l.t("sign-download")) } }
        }
        @if !docs.is_empty() {
            h3 { (l.t("upload-title")) }
            p.hint { (l.t("upload-signed_hint")) }
            ul.uploads { @for (name, sha) in docs { li { (name) " " code { (sha) } } } }
        }
        form method="post" action=(action) enctype="multipart/form-data" novalidate {
            (hidden)
            (ncalayer_box(st, l, "request", &[("data-bytes", crate::signing::base64_encode(&bytes))]))
            div.form-group.error[sig_error.is_some()] {
                label for="f-signature_file" { (l.t("sign-file")) }
                div.hint id="f-signature_file-hint" { (l.t("sign-file_hint")) }
                (html::error_message(sig_error))
                input type="file" id="f-signature_file" name="signature_file"
                    aria-describedby="f-signature_file-hint";
            }
            (html::textarea("signature", l.t("sign-paste"), "", Some(l.t("sign-paste_hint")), &[]))
            button type="submit" { (l.t("sign-submit")) }
        }
        (html::signing_script())
        @if demo {
            section.panel.demo-signing aria-labelledby="demo-sign-h" {
                h3 id="demo-sign-h" { (l.t("sign-demo_title")) }
                p { (l.t("sign-demo_text")) }
                form method="post" action=(action) {
                    (hidden)
                    button type="submit" name="sign" value="demo" class="secondary" { (l.t("sign-demo_button")) }
                }
            }
        }
    }
}

/// The NCALayer button of a signing form, hidden until `/static/ncalayer.js` shows it (without
/// the script, or without NCALayer, the file upload beside it signs): `mode` is `request` or
/// `result`, `attrs` its data (the bytes, or where the copies to sign come from).
pub fn ncalayer_box(st: &AppState, l: Lang, mode: &str, attrs: &[(&str, String)]) -> Markup {
    let (title, button) = match mode {
        "result" => (l.t("sign-ncalayer_title"), l.t("sign-result_button")),
        _ => (l.t("sign-ncalayer_title"), l.t("sign-ncalayer_button")),
    };
    let attr = |k: &str| attrs.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone());
    html! {
        div.panel.ncalayer hidden data-ncalayer=(mode) data-url=(st.ncalayer_url())
            data-locale=(l.code())
            data-bytes=[attr("data-bytes")] data-prepare=[attr("data-prepare")]
            data-msg-working=(l.t("sign-ncalayer_working"))
            data-msg-sending=(l.t("sign-ncalayer_sending"))
            data-msg-unavailable=(l.t("sign-ncalayer_unavailable"))
            data-msg-cancelled=(l.t("sign-ncalayer_cancelled"))
            data-msg-failed=(l.t("sign-ncalayer_failed")) {
            h3 { (title) }
            p.hint { (l.t("sign-ncalayer_hint")) }
            button type="button" data-ncalayer-sign { (button) }
            p data-ncalayer-status role="status" aria-live="polite" {}
        }
    }
}

/// The portal request a form (or the signing tool's download link) describes: the same
/// bytes to sign at every stage.
fn portal_request(reg: &regulation::Regulation, f: &super::Fields) -> PortalSubmission {
    let data = super::appform::data_from(reg, f);
    PortalSubmission {
        regulation: reg.id.clone(),
        provider: f.get("provider").to_string(),
        // The form's own contact phone is the SMS phone when it asks one (see `apply_form`).
        phone: f
            .opt("phone")
            .or_else(|| super::appform::phone_of(reg, &data)),
        signature: None,
        documents: vec![],
        data,
        confirm_duplicate: f.get("confirm_duplicate") == "yes",
    }
}

/// Apply on the portal (form post; same as `POST /api/applications`). The first post checks
/// the form and shows the signing step; the second carries the signature (an uploaded or
/// pasted CMS, or `sign=demo` on demo servers) and submits.
#[utoipa::path(post, path = "/services/{id}/apply", tag = "ui", params(("id" = String, Path)), responses((status = 200, content_type = "text/html", body = String), (status = 303), (status = 422, content_type = "text/html", body = String)))]
async fn apply_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(id): Path<String>,
    form: AnyForm,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let f = &form.fields;
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
            detail: l.t("apply-confirm_required").into(),
        });
    }
    let key = f.opt("key").unwrap_or_else(crate::accounts::new_secret);
    let req = portal_request(reg, f);
    let uploaded = form
        .files
        .iter()
        .find(|p| p.name == "signature_file" && !p.data.is_empty())
        .map(|p| p.data.clone())
        .or_else(|| f.opt("signature").map(String::into_bytes));
    let signature = if f.get("sign") == "demo" {
        Some(crate::signing::RequestSignature::DemoKey)
    } else {
        uploaded.map(crate::signing::RequestSignature::Cms)
    };
    // The form's files: checked at once (nothing is kept of a refused form), kept for the
    // signing step, which refers to them by the form's key.
    let files: Vec<crate::uploads::Upload> = form
        .files
        .iter()
        .filter(|p| p.name == "documents")
        .filter(|p| !p.data.is_empty() || !p.filename.as_deref().unwrap_or("").is_empty())
        .map(|p| crate::uploads::Upload {
            field: "documents".into(),
            filename: p.filename.clone().unwrap_or_default(),
            data: p.data.clone(),
        })
        .collect();
    let fresh = !files.is_empty() || f.get("stage") != "sign";
    let checked = match crate::uploads::check(files) {
        Ok(c) => c,
        Err(p) => {
            // The rule's words, naming the file (quoted in the English detail).
            errors.extend(p.errors.into_iter().map(|mut e| {
                let words = html::field_detail(l, &e).to_string();
                e.detail = match crate::problem::serde_field(&e.detail) {
                    Some(file) => format!("{words} ({file})"),
                    None => words,
                };
                e
            }));
            vec![]
        }
    };
    let draft_docs = |st: &AppState| -> Vec<(String, String)> {
        crate::uploads::drafts(st, &acc, &key)
            .unwrap_or_default()
            .into_iter()
            .map(|u| (u.filename, crate::uploads::sha256_hex(&u.data)))
            .collect()
    };
    let signing_page = |errors: &[FieldError], status: StatusCode| {
        let docs = draft_docs(&st);
        let body = signing_section(&st, &v, reg, &req, &key, &docs, errors);
        html::with_signing_script(html::html(
            status,
            html::page(&v, &h, l.t("sign-title"), body),
        ))
    };
    let result = if !errors.is_empty() {
        Err(Problem::fields(errors))
    } else if let Some(sig) = signature {
        let s = st.clone();
        let (a, r, k) = (acc.clone(), req.clone(), key.clone());
        blocking(move || {
            let uploads = if fresh {
                checked
                    .into_iter()
                    .map(|c| crate::uploads::Upload {
                        field: c.field,
                        filename: c.filename,
                        data: c.data,
                    })
                    .collect()
            } else {
                crate::uploads::drafts(&s, &a, &k)?
            };
            let out = ops::submit_portal(&s, &a, &r, &k, Some(sig), Some(uploads), l)?;
            crate::uploads::clear_drafts(&s, &a, &k)?;
            Ok(out)
        })
        .await
    } else {
        // Checked: on to the signing step (again, with the error, if it was sent unsigned).
        let s = st.clone();
        let (a, r) = (acc.clone(), req.clone());
        let confirmed = req.confirm_duplicate;
        let dup = blocking(move || {
            let (reg, _) = ops::check_portal(&s, &a, &r)?;
            if confirmed {
                return Ok(None);
            }
            ops::duplicate_of(&s, reg, a.iin.as_deref().unwrap_or_default(), &r.data, None)
        })
        .await;
        if let Ok(Some(id)) = &dup {
            // An open application of this service for the same person: the form again, with
            // the warning and the box that confirms a repeated one.
            let (f2, e) = with_duplicate(l, f, id);
            let apply = apply_section(&st, &v, reg, &f2, std::slice::from_ref(&e));
            let body = service_body(&st, &v, reg, apply);
            return Ok(html::html(
                StatusCode::CONFLICT,
                html::page(&v, &h, title(l, reg), body),
            ));
        }
        match dup.map(|_| ()) {
            Ok(()) if f.get("stage") == "sign" => {
                let e = FieldError {
                    field: "signature".into(),
                    rule: "signature.required".into(),
                    detail: l.t("sign-required").into(),
                };
                return Ok(signing_page(&[e], StatusCode::UNPROCESSABLE_ENTITY));
            }
            Ok(()) => {
                let s = st.clone();
                let (a, k) = (acc.clone(), key.clone());
                blocking(move || crate::uploads::save_drafts(&s, &a, &k, &checked))
                    .await
                    .or_page(&v, &h)?;
                return Ok(signing_page(&[], StatusCode::OK));
            }
            Err(p) => Err(p),
        }
    };
    match result {
        Ok(out) => Ok(see_other(&format!(
            "/applications/{}?done=submitted",
            html::url_enc(&out.id)
        ))),
        Err(p) if p.status == 422 && p.field.as_deref() == Some("signature") => {
            let e = FieldError {
                field: "signature".into(),
                rule: p.rule.clone(),
                detail: p.detail.clone(),
            };
            Ok(signing_page(
                &html::localise(l, vec![e]),
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
        Err(p) if p.status == 422 => {
            let errors = if p.errors.is_empty() {
                vec![FieldError {
                    field: p.field.clone().unwrap_or_default(),
                    rule: p.rule.clone(),
                    detail: p.detail.clone(),
                }]
            } else {
                super::appform::localise(l, p.errors.clone())
            };
            let errors = html::localise(l, errors);
            let apply = apply_section(&st, &v, reg, f, &errors);
            let body = service_body(&st, &v, reg, apply);
            Ok(html::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                html::page(&v, &h, title(l, reg), body),
            ))
        }
        Err(p) => Err(PageErr::from(error_page(&v, &h, &p))),
    }
}

/// The canonical request bytes of an application being signed, as a file for a signing tool
/// (`openssl cms -sign -binary -in request.json`, NCALayer).
#[utoipa::path(get, path = "/services/{id}/request.json", tag = "ui", params(("id" = String, Path)), responses((status = 200, content_type = "application/json", body = String)))]
async fn request_json(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(id): Path<String>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Page {
    let h = here(&uri);
    let acc = logged_in(&v, &h)?.clone();
    let reg = catalogue::regulation(&st.ctx, &id, st.now())
        .ok_or_else(|| Problem::not_found("such service"))
        .or_page(&v, &h)?;
    let q = super::Fields(pairs);
    let req = portal_request(reg, &q);
    let key = q.get("key");
    let hashes: Vec<String> = crate::uploads::drafts(&st, &acc, key)
        .unwrap_or_default()
        .iter()
        .map(|u| crate::uploads::sha256_hex(&u.data))
        .collect();
    let bytes = req.request_bytes_with(acc.iin.as_deref().unwrap_or_default(), key, &hashes);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/json"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"request.json\"",
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The status of an application: its closure, or its status and SLA tag; and how late its
/// result was issued.
fn status_html(l: Lang, a: &ops::Summary) -> Markup {
    html! {
        @if let Some(c) = a.closure.as_deref() {
            span.tag.closed { (l.t_in("closure", c)) }
        } @else {
            (l.t_in("status", &a.status)) " " (html::sla_tag(l, a.sla.as_deref()))
        }
        @if a.late.is_some() { " " (html::late_tag(l, a.late.as_ref())) }
    }
}

/// A citizen's status: its name, what a refusal gave and who refused, how late.
pub fn citizen_status_html(
    st: &AppState,
    l: Lang,
    status: crate::statuses::CitizenStatus,
    refusal: Option<crate::statuses::RefusalKind>,
    refused_by: Option<&str>,
    is_refusal: bool,
    late: Option<&ops::Late>,
) -> Markup {
    use crate::statuses::CitizenStatus;
    html! {
        span class={ "tag cstatus " (status.as_str()) } { (l.t_in("cstatus", status.as_str())) }
        @if let Some(k) = refusal {
            " " span.hint { (l.t_in("refusal_kind", k.as_str())) }
        }
        @if let Some(by) = refused_by {
            " " span.hint { (l.t_args("cstatus-refused_by", &[("org", org_name(st, l, by).into())])) }
        }
        @if is_refusal { " " span.hint { (l.t("refusal_kind-refusal_letter")) } }
        @if status == CitizenStatus::Returned { " " span.hint { (l.t("cstatus-returned_hint")) } }
        @if late.is_some() { " " (html::late_tag(l, late)) }
    }
}

/// Applications as a table (cabinet, inboxes).
pub fn applications_table(st: &AppState, l: Lang, apps: &[ops::Summary], staff: bool) -> Markup {
    if apps.is_empty() {
        return html! { p { (l.t("list-empty")) } };
    }
    let mut head = vec![l.t("list-application"), l.t("list-service")];
    if staff {
        head.push(l.t("list-applicant"));
        head.extend([l.t("list-status"), l.t("list-holder"), l.t("list-due")]);
    } else {
        // The applicant sees statuses and their legal dates, not who holds which step.
        head.extend([l.t("list-status"), l.t("statuses-due")]);
    }
    let holder = |a: &ops::Summary| match (&a.role, &a.holder) {
        (Some(r), Some(o)) => {
            let reg = st
                .ctx
                .regulations()
                .iter()
                .find(|x| x.id == a.regulation && x.version == a.version)
                .cloned();
            format!(
                "{} — {}",
                catalogue::role_name(reg.as_deref(), r, l),
                org_name(st, l, o)
            )
        }
        _ => "—".into(),
    };
    html::table(
        &head,
        html! {
            @for a in apps {
                tr {
                    td {
                        a href={ "/applications/" (html::url_enc(&a.id)) } { (a.id) }
                        br;
                        span.hint { (channel_name(l, &a.channel)) " · " (local(a.submitted_at)) }
                    }
                    td { (a.title.get(l)) }
                    @if staff {
                        td { (a.applicant_name) br; span.hint { (a.applicant_iin) } }
                    }
                    @if staff {
                        td { (status_html(l, a)) }
                        td { (holder(a)) }
                        td {
                            @if a.closure.is_some() { "—" } @else { (opt_local(a.step_due.or(a.term_due))) }
                        }
                    } @else {
                        @let open_late = if a.closure.is_none() && a.late.is_none() {
                            ops::Late::of(a.term_due, Some(st.now()))
                        } else {
                            None
                        };
                        td { (citizen_status_html(st, l, a.citizen_status, a.refusal_kind, None, false, a.late.as_ref().or(open_late.as_ref()))) }
                        td { (opt_local(a.citizen_status_due)) }
                    }
                }
            }
        },
    )
}

/// `: PDF (kk) · PDF (ru)`, and for a signed result its ЭЦП mark and verification link.
fn document_links_html(l: Lang, d: &ops::DocumentLink) -> Markup {
    html! {
        ": "
        a href=(d.url_kk) lang="kk" hreflang="kk" { "PDF (қазақша)" }
        @if d.signed { " " span.tag.signed { (l.t("doc-signed")) } }
        " · "
        a href=(d.url_ru) lang="ru" hreflang="ru" { "PDF (на русском)" }
        @if let Some(v) = &d.verify_url { " · " a href=(v) { (l.t("doc-verify")) } }
    }
}

#[derive(Debug, serde::Deserialize)]
struct CabinetQuery {
    cursor: Option<String>,
}

/// The cabinet's notifications: status changes and comments to the applicant, newest first.
fn notices_html(st: &AppState, l: Lang, notices: &[crate::statuses::Notice]) -> Markup {
    html! {
        section aria-labelledby="notices-h" {
            h2 id="notices-h" { (l.t("notifications-title")) }
            @if notices.is_empty() {
                p { (l.t("notifications-empty")) }
            } @else {
                ul.notices {
                    @for n in notices {
                        li {
                            span.hint { (local(n.at)) } " "
                            a href={ "/applications/" (html::url_enc(&n.application)) } { (n.application) } ": "
                            @if let Some(e) = &n.status {
                                (citizen_status_html(st, l, e.status, e.refusal, e.refused_by.as_deref(), e.is_refusal, e.late.as_ref()))
                            }
                            @if let Some(c) = &n.comment {
                                (l.t_args("notifications-comment", &[("text", c.as_str().into())]))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The citizen's cabinet: their applications (newest first, 20 a page), results and receipts.
#[utoipa::path(get, path = "/cabinet", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn cabinet_page(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Query(q): Query<CabinetQuery>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &h)?.clone();
    if acc.kind != Kind::Citizen {
        return Ok(see_other("/"));
    }
    let s = st.clone();
    let a2 = acc.clone();
    let params = ops::ListParams {
        cursor: q.cursor.filter(|c| !c.is_empty()),
        limit: Some(20),
        ..Default::default()
    };
    let p2 = params.clone();
    let page = blocking(move || ops::list_page(&s, &a2, &p2))
        .await
        .or_page(&v, &h)?;
    let apps = page.items;
    let ids: Vec<String> = apps.iter().map(|a| a.id.clone()).collect();
    let s = st.clone();
    let notices = blocking(move || crate::statuses::notices(&s, &ids, s.now(), 30))
        .await
        .or_page(&v, &h)?;
    // Results and receipts.
    let docs: Vec<(&str, ops::DocumentLink)> = apps
        .iter()
        .filter_map(|a| Some((a, st.store.application(&a.id).ok()??)))
        .flat_map(|(a, app)| {
            ops::document_links(&st, &app)
                .into_iter()
                .map(move |d| (a.id.as_str(), d))
        })
        .collect();
    let body = html! {
        (banner(l, &uri))
        p.caption { (acc.name) " · " (l.t("register-iin")) ": " (acc.iin.as_deref().unwrap_or("")) }
        (applications_table(&st, l, &apps, false))
        (super::lists::pager(l, &params, "/cabinet", page.next_cursor.as_deref()))
        @if !docs.is_empty() {
            h2 { (l.t("cabinet-documents")) }
            ul {
                @for (id, d) in &docs {
                    li { (id) " — " (l.t_in("doc", &d.kind)) (document_links_html(l, d)) }
                }
            }
        }
        p { a.button href="/services" { (l.t("cabinet-apply_more")) } }
        (notices_html(&st, l, &notices))
    };
    ok(&v, &h, l.t("cabinet-title"), body)
}

fn action_form(
    st: &AppState,
    v: &Viewer,
    d: &Detail,
    reg: Option<&regulation::Regulation>,
    f: &super::Fields,
    errors: &[FieldError],
) -> Markup {
    let l = v.lang;
    let Some(cur) = d.current.as_ref() else {
        return html! {};
    };
    if !cur.can_act {
        // Staff of the organisation see whose the step is, read-only.
        let same_org =
            v.account.as_ref().and_then(|a| a.org.as_deref()) == Some(cur.holder.as_str());
        return html! {
            @if let (Some(a), true) = (&cur.assignee, same_org) {
                div.panel role="status" { p { (l.t_args("act-readonly", &[("name", a.name.as_str().into())])) } }
            }
        };
    }
    let refusing_here = cur.outcomes.iter().any(|o| o == "motivated_refusal");
    let outcomes: Vec<(String, String)> = cur
        .outcomes
        .iter()
        .map(|o| {
            let label = if o == "done" && refusing_here {
                l.t("act-outcome_result")
            } else {
                l.t_in("outcome", o)
            };
            (o.clone(), label.to_string())
        })
        .collect();
    // A choice between outcomes is never made for the official: nothing is preselected then,
    // and after an error the form comes back as it was sent.
    let chosen = match (f.get("outcome"), outcomes.len()) {
        ("", 1) => "done",
        (o, _) => o,
    };
    let note_label = l
        .t_in_opt("act-note_for", &cur.role)
        .unwrap_or(l.t("act-note"));
    let presented = [
        (String::new(), l.t("act-presented_none").to_string()),
        (
            "identity_document".into(),
            l.t("act-identity_document").to_string(),
        ),
        (
            "notarised_power_of_attorney".into(),
            l.t("act-power_of_attorney").to_string(),
        ),
    ];
    let executors: Vec<(String, String)> =
        std::iter::once((String::new(), l.t("act-executor_choose").to_string()))
            .chain(
                cur.executors
                    .iter()
                    .map(|a| (a.login.clone(), a.name.clone())),
            )
            .collect();
    let ticked = f.all("refusal_grounds");
    let ground_error = errors.iter().find(|e| e.field == "refusal_grounds");
    let with_list = refusing_here && !cur.refusal_grounds.is_empty();
    html! {
        section.panel aria-labelledby="act-h" {
            h2 id="act-h" { (l.t("act-title")) }
            p { (catalogue::role_name(reg, &cur.role, l)) }
            @if let Some(a) = &cur.assignee {
                p { (l.t_args("act-assigned", &[("name", a.name.as_str().into())])) }
            }
            (html::error_summary(l, errors))
            form method="post" action={ "/applications/" (html::url_enc(&d.summary.id)) "/act" } enctype="multipart/form-data" novalidate {
                (html::csrf_input(v))
                (html::hidden("step", &cur.step.to_string()))
                (html::radios("outcome", l.t("act-outcome"), &outcomes, chosen, errors))
                @if !cur.executors.is_empty() {
                    (html::select("executor", l.t("act-executor"), &executors, f.get("executor"), errors))
                }
                (html::textarea("note", note_label, f.get("note"), Some(l.t("act-note_internal")), errors))
                (html::textarea("comment", l.t("act-public_comment"), f.get("comment"), Some(l.t("act-public_comment_hint")), errors))
                @if with_list {
                    div.form-group.error[ground_error.is_some()] {
                        fieldset.checkboxes id="f-refusal_grounds" {
                            legend { (l.t("act-refusal_grounds")) }
                            div.hint { (l.t("act-refusal_grounds_hint")) }
                            (html::error_message(ground_error))
                            @for g in &cur.refusal_grounds {
                                @let id = format!("f-ground-{}", g.id);
                                div {
                                    input type="checkbox" id=(id) name="refusal_grounds" value=(g.id)
                                        checked[ticked.iter().any(|t| *t == g.id.to_string())];
                                    label for=(id) { (g.text) }
                                }
                            }
                        }
                    }
                    (html::textarea("grounds", l.t("act-comment"), f.get("grounds"), Some(l.t("act-comment_hint")), errors))
                } @else {
                    (html::textarea("grounds", l.t("act-grounds"), f.get("grounds"), Some(l.t("act-grounds_hint")), errors))
                }
                @if cur.needs_presented {
                    (html::select("presented", l.t("act-presented"), &presented, f.get("presented"), errors))
                }
                @if cur.signs_result {
                    (result_signing(st, v, &d.summary.id, errors))
                }
                button type="submit" { (l.t("act-submit")) }
                @if cur.signs_result && st.config.demo {
                    section.panel.demo-signing aria-labelledby="demo-sign-h" {
                        h3 id="demo-sign-h" { (l.t("sign-result_demo_title")) }
                        p { (l.t("sign-result_demo_text")) }
                        button type="submit" name="sign" value="demo" class="secondary" { (l.t("sign-result_demo_button")) }
                    }
                }
            }
            @if cur.signs_result {
                (html::signing_script())
                p {
                    a href={ "/applications/" (html::url_enc(&d.summary.id)) "/preview.pdf?lang=" (documents::printed(l).code()) } {
                        (l.t("act-preview"))
                    }
                }
            }
        }
    }
}

/// The head's signature in the action form of a signing step: the NCALayer button (shown by
/// the script), and for another tool the two copies to download and their signatures to
/// attach. The copies are dated `signed_at`, the instant the page was made, which the form
/// carries back: the server renders the same bytes again to check the signatures.
fn result_signing(st: &AppState, v: &Viewer, id: &str, errors: &[FieldError]) -> Markup {
    let l = v.lang;
    let error = errors
        .iter()
        .find(|e| e.field.starts_with("signature") || e.field == "signed_at");
    let base = format!("/applications/{}", html::url_enc(id));
    html! {
        (html::hidden("signs", "1"))
        (html::hidden("signed_at", &st.now().to_string()))
        h3 { (l.t("sign-result_title")) }
        p { (l.t("sign-result_intro")) }
        (ncalayer_box(st, l, "result", &[("data-prepare", format!("{base}/to-sign"))]))
        details.other-tool open[error.is_some()] {
            summary { (l.t("sign-other_tool")) }
            p.hint { (l.t("sign-result_other_hint")) }
            p {
                button type="submit" formaction={ (base) "/to-sign.pdf?copy=kk" } formtarget="_blank" formnovalidate class="secondary" {
                    (l.t("sign-result_download_kk"))
                }
                " "
                button type="submit" formaction={ (base) "/to-sign.pdf?copy=ru" } formtarget="_blank" formnovalidate class="secondary" {
                    (l.t("sign-result_download_ru"))
                }
            }
            div.form-group.error[error.is_some()] id="f-signature" {
                (html::error_message(error))
                label for="f-signature_kk" { (l.t("sign-result_file_kk")) }
                input type="file" id="f-signature_kk" name="signature_kk";
                label for="f-signature_ru" { (l.t("sign-result_file_ru")) }
                input type="file" id="f-signature_ru" name="signature_ru";
            }
        }
    }
}

/// The action a form asks (the act form, also posted to prepare the copies to sign); `true`
/// when no outcome was chosen (one outcome is then implied, several are an error).
fn action_request(form: &AnyForm) -> Result<(ActionRequest, bool), Problem> {
    let f = &form.fields;
    let outcome = match f.get("outcome") {
        "done" => OutcomeKind::Done,
        "refuse_acceptance" => OutcomeKind::RefuseAcceptance,
        "motivated_refusal" => OutcomeKind::MotivatedRefusal,
        "fail" => OutcomeKind::Fail,
        // Nothing chosen: the form comes back with its error, as it was sent.
        "" => OutcomeKind::Done,
        _ => return Err(Problem::invalid("outcome", "enum", "unknown outcome")),
    };
    // A signature file as sent (DER is base64-encoded; PEM or base64 text is kept), or the
    // CMS the page's script put in.
    let signature_part = |file: &str, field: &str| {
        form.files
            .iter()
            .find(|p| p.name == file && !p.data.is_empty())
            .map(|p| {
                String::from_utf8(p.data.clone())
                    .unwrap_or_else(|e| crate::signing::base64_encode(e.as_bytes()))
            })
            .or_else(|| f.opt(field))
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
        comment: f.opt("comment"),
        executor: f.opt("executor"),
        refusal_grounds: f
            .all("refusal_grounds")
            .iter()
            .filter_map(|g| g.parse().ok())
            .collect(),
        // A page signs explicitly: the signer's CMSes, or the demo key's button.
        signature: (f.get("signs") == "1").then(|| ops::ResultSignatureRequest {
            signed_at: f.opt("signed_at"),
            kk: signature_part("signature_kk", "cms_kk"),
            ru: signature_part("signature_ru", "cms_ru"),
            demo_key: f.get("sign") == "demo",
        }),
    };
    Ok((req, f.get("outcome").is_empty()))
}

/// A step with a choice of outcomes needs one chosen; a single outcome is implied.
fn check_chosen(
    st: &AppState,
    acc: &crate::accounts::Account,
    id: &str,
    unchosen: bool,
    l: Lang,
) -> Result<(), Problem> {
    if unchosen {
        let app = ops::load_visible(st, acc, id)?;
        let d = ops::detail(st, acc, &app, l)?;
        if d.current.as_ref().is_some_and(|c| c.outcomes.len() > 1) {
            return Err(Problem::invalid(
                "outcome",
                "outcome.required",
                l.t("problem-outcome-required"),
            ));
        }
    }
    Ok(())
}

/// A problem's field errors in the page language (the rule's words where it has them).
fn localised_errors(l: Lang, p: &Problem) -> Vec<FieldError> {
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
            if let Some(t) = l.t_in_opt("problem", &e.rule) {
                e.detail = t.into();
            }
            e
        })
        .collect();
    html::localise(l, errors)
}

/// One copy of the result to sign, as the page's script takes it.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct CopyToSign {
    /// `kk` (the original) or `ru`.
    lang: String,
    /// SHA-256 of the PDF, hex.
    sha256: String,
    /// The PDF, base64: the exact bytes to sign (a detached CMS).
    data: String,
}

/// The copies of a result to sign and the instant they are dated.
#[derive(serde::Serialize, utoipa::ToSchema)]
struct ToSign {
    /// Post it back as `signed_at` with the signatures (RFC 3339).
    signed_at: String,
    /// The result id.
    document: String,
    copies: Vec<CopyToSign>,
}

/// The copies of the result the head is about to sign with the act form's outcome, dated
/// now, for the page's script to have NCALayer sign (form post; JSON, or problem+json with the
/// fields and rules named in the page language).
#[utoipa::path(post, path = "/applications/{id}/to-sign", tag = "ui", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/json", body = ToSign), (status = 422, content_type = "application/problem+json", body = Problem)))]
async fn to_sign_json(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(id): Path<String>,
    form: AnyForm,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &h)?.clone();
    let answer = async {
        v.check_csrf(Some(form.fields.get("csrf")))?;
        let (req, unchosen) = action_request(&form)?;
        let s = st.clone();
        blocking(move || {
            let app = ops::load_visible(&s, &acc, &id)?;
            crate::access::may_act(&acc, &app, &s.ctx)?;
            check_chosen(&s, &acc, &id, unchosen, l)?;
            ops::result_to_sign(&s, &acc, &id, &req, None, l)
        })
        .await
    };
    match answer.await {
        Ok(p) => Ok(axum::Json(ToSign {
            signed_at: p.at.to_string(),
            document: p.document,
            copies: p
                .copies
                .into_iter()
                .map(|(lang, r)| CopyToSign {
                    lang: lang.code().into(),
                    sha256: r.content_hash,
                    data: crate::signing::base64_encode(&r.pdf),
                })
                .collect(),
        })
        .into_response()),
        Err(p) => {
            let errors = localised_errors(l, &p);
            let mut out = p.clone();
            if let Some(first) = errors.first() {
                out.detail = first.detail.clone();
            }
            out.errors = errors;
            Ok(out.into_response())
        }
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct CopyQuery {
    /// `kk` (the original, default) or `ru`.
    copy: Option<String>,
}

/// One copy of the result to sign with another tool, dated as the act form says
/// (`signed_at`, the instant the page was made), the form's outcome (form post; the PDF).
#[utoipa::path(post, path = "/applications/{id}/to-sign.pdf", tag = "ui", params(("id" = String, Path), CopyQuery),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 422, content_type = "text/html", body = String)))]
async fn to_sign_pdf(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<CopyQuery>,
    form: AnyForm,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &h)?.clone();
    v.check_csrf(Some(form.fields.get("csrf")))
        .or_page(&v, &h)?;
    let (req, unchosen) = action_request(&form).or_page(&v, &h)?;
    let at = form.fields.get("signed_at").parse::<jiff::Timestamp>().ok();
    let ru = q.copy.as_deref() == Some("ru");
    let s = st.clone();
    let id2 = id.clone();
    let prepared = blocking(move || {
        // Who may act on it first: anyone else learns nothing of the form's faults.
        let app = ops::load_visible(&s, &acc, &id2)?;
        crate::access::may_act(&acc, &app, &s.ctx)?;
        let at =
            at.ok_or_else(|| Problem::invalid("signed_at", "rfc3339", l.t("sign-result_stale")))?;
        check_chosen(&s, &acc, &id2, unchosen, l)?;
        ops::result_to_sign(&s, &acc, &id2, &req, Some(at), l)
    })
    .await
    .or_page(&v, &h)?;
    let lang = if ru { "ru" } else { "kk" };
    let pdf = prepared
        .copies
        .into_iter()
        .find(|(x, _)| x.code() == lang)
        .map(|(_, r)| r.pdf)
        .unwrap_or_default();
    let name = format!(
        "{}-{lang}.pdf",
        id.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
    );
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (axum::http::header::CACHE_CONTROL, "no-store".to_string()),
        ],
        pdf,
    )
        .into_response())
}

/// The status history: status, since when, its legal due date.
fn status_history_html(st: &AppState, l: Lang, d: &Detail) -> Markup {
    if d.statuses.is_empty() {
        return html! {};
    }
    html! {
        h2 { (l.t("statuses-title")) }
        (html::table(
            &[l.t("list-status"), l.t("statuses-since"), l.t("statuses-due")],
            html! {
                @for e in d.statuses.iter().rev() {
                    tr.current[e.current] aria-current=[e.current.then_some("true")] {
                        td { (citizen_status_html(st, l, e.status, e.refusal, e.refused_by.as_deref(), e.is_refusal, e.late.as_ref())) }
                        td { (local(e.at)) }
                        td { (opt_local(e.due)) }
                    }
                }
            },
        ))
    }
}

fn application_body(
    st: &AppState,
    v: &Viewer,
    d: &Detail,
    uri: &Uri,
    f: &super::Fields,
    errors: &[FieldError],
) -> Markup {
    let l = v.lang;
    let s = &d.summary;
    let reg = st
        .ctx
        .regulations()
        .iter()
        .find(|r| r.id == s.regulation && r.version == s.version)
        .cloned();
    // The applicant sees statuses, dates and comments made to them; the steps, the journal
    // and the officials' internal notes are the staff's.
    let citizen = v.account.as_ref().is_none_or(|a| a.kind == Kind::Citizen);
    let mut facts = vec![
        (l.t("app-service"), html! { (s.title.get(l)) }),
        (l.t("app-provider"), html! { (d.provider_name.get(l)) }),
        (l.t("app-channel"), html! { (channel_name(l, &s.channel)) }),
        (
            l.t("app-status"),
            match (citizen, d.statuses.last()) {
                (true, Some(e)) => citizen_status_html(
                    st,
                    l,
                    e.status,
                    e.refusal,
                    e.refused_by.as_deref(),
                    e.is_refusal,
                    e.late.as_ref(),
                ),
                _ => status_html(l, s),
            },
        ),
        (
            l.t("app-applicant"),
            html! { (s.applicant_name) " (" (s.applicant_iin) ")" },
        ),
        (l.t("app-submitted"), html! { (local(s.submitted_at)) }),
        (
            l.t("app-accepted_at"),
            html! {
                (local(d.accepted_at))
                @if d.late_entry { " (" (l.t("app-late_entry")) ")" }
            },
        ),
        (l.t("app-term_due"), html! { (opt_local(s.term_due)) }),
        (
            l.t("app-version"),
            // The number only: the regulation's id is for the API, not for people.
            html! { (s.version) },
        ),
    ];
    if let Some(r) = &s.receipt {
        facts.push((l.t("app-receipt"), html! { span.receipt { (r) } }));
    }
    if !d.listed_grounds.is_empty() {
        facts.push((
            l.t("app-listed_grounds"),
            html! { ul { @for g in &d.listed_grounds { li { (g) } } } },
        ));
    }
    if let Some(g) = d
        .refusal_grounds
        .as_deref()
        .filter(|g| !g.trim().is_empty())
    {
        facts.push((l.t("app-refusal_grounds"), html! { (g) }));
    }
    let staff = v.account.as_ref().is_some_and(|a| a.kind == Kind::Staff);
    if let (Some(a), true) = (&d.assignee, staff) {
        facts.push((l.t("app-assignee"), html! { (a.name) }));
    }
    let sc_operator = v.account.as_ref().is_some_and(|a| {
        a.org.as_deref() == Some(engine::STATE_CORPORATION)
            && a.has_role("state_corporation_operator")
    });
    let timeline = html! {
        @for t in &d.timeline {
            @let current = t.state == "current";
            tr.current[current] aria-current=[current.then_some("step")] {
                td { (t.index + 1) }
                td { (t.role_name) br; span.hint { (org_name(st, l, &t.holder)) } }
                td { (t.text) }
                td { (t.duration.as_deref().map(|x| duration_text(l, x)).unwrap_or_else(|| "—".into())) }
                td { (opt_local(t.due)) }
                td {
                    span class={ "tag " (t.state) } { (l.t_in("timeline", &t.state)) }
                    @if let Some(o) = t.outcome.as_deref().filter(|o| *o != "done") {
                        " " (l.t_in("outcome", o))
                    }
                    @if let Some(at) = t.completed_at {
                        br;
                        span.hint {
                            (l.t("timeline-completed")) " " (local(at))
                            @match (t.on_time, &t.late) {
                                (_, Some(late)) => { " " (html::late_tag(l, Some(late))) }
                                (Some(true), None) => { " — " (l.t("sla-on_time")) }
                                _ => {}
                            }
                        }
                    }
                }
            }
        }
    };
    let data_facts = reg
        .as_ref()
        .map(|r| super::appform::facts(l, r, &d.data))
        .unwrap_or_default();
    html! {
        (banner(l, uri))
        (html::facts(&facts))
        @if !data_facts.is_empty() {
            h2 { (l.t("appform-data")) }
            (html::facts(&data_facts.iter().map(|(k, val)| (k.as_str(), html! { (val) })).collect::<Vec<_>>()))
        }
        @if let (Some(cur), false) = (&d.current, citizen) {
            div.panel role="status" {
                p {
                    b { (l.t("app-now_with")) } " "
                    (catalogue::role_name(reg.as_deref(), &cur.role, l)) " — " (org_name(st, l, &cur.holder))
                    ". " (l.t("app-due")) " " (opt_local(cur.due))
                }
            }
        }
        (super::queue::child_html(st, v, d))
        (super::extras::booking_html(v, d))
        (action_form(st, v, d, reg.as_deref(), f, errors))
        (super::extras::uploads_html(l, &d.uploads))
        @if s.status == "returned_to_provider" && sc_operator {
            form.panel method="post" action={ "/applications/" (html::url_enc(&s.id)) "/rerequest" } {
                (html::csrf_input(v))
                p { (l.t("sc-rerequest_hint")) }
                button type="submit" { (l.t("sc-rerequest")) }
            }
        }
        @if !d.documents.is_empty() {
            h2 { (l.t("app-documents")) }
            ul { @for doc in &d.documents { li { (l.t_in("doc", &doc.kind)) (document_links_html(l, doc)) } } }
        }
        (status_history_html(st, l, d))
        @if citizen {
            @let comments: Vec<&crate::accounts::Note> = d.notes.iter().filter(|n| n.public && !n.note.is_empty()).collect();
            @if !comments.is_empty() {
                h2 { (l.t("app-comments")) }
                ul.comments {
                    @for n in comments {
                        li {
                            (crate::accounts::parse_ts(&n.at).map(local).unwrap_or_default())
                            " — " (n.note)
                        }
                    }
                }
            }
        } @else {
            h2 { (l.t("timeline-title")) }
            (html::table(
                &[
                    "#",
                    l.t("timeline-who"),
                    l.t("timeline-what"),
                    l.t("timeline-duration"),
                    l.t("timeline-due"),
                    l.t("timeline-state"),
                ],
                timeline,
            ))
            @if !d.notes.is_empty() {
                h2 { (l.t("app-notes")) }
                ul {
                    @for n in d.notes.iter().filter(|n| !n.note.is_empty()) {
                        li {
                            b { (n.name) } " ("
                            (crate::accounts::parse_ts(&n.at).map(local).unwrap_or_default())
                            ", " (l.t("timeline-step")) " " (n.step + 1) "): "
                            @if n.public { span.tag.public { (l.t("app-comment_public")) } " " }
                            (n.note)
                        }
                    }
                }
            }
            (super::journal::journal(st, l, reg.as_deref(), &d.events))
        }
    }
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
    let signs = d
        .current
        .as_ref()
        .is_some_and(|c| c.can_act && c.signs_result);
    let body = application_body(&st, &v, &d, &uri, &super::Fields::default(), &[]);
    let title = l.t_args("app-title", &[("id", d.summary.id.as_str().into())]);
    let page = ok(&v, &h, &title, body)?;
    Ok(if signs {
        html::with_signing_script(page)
    } else {
        page
    })
}

/// Complete the current step (form post; same as `POST /api/applications/{id}/actions`).
#[utoipa::path(post, path = "/applications/{id}/act", tag = "ui", params(("id" = String, Path)), responses((status = 303), (status = 422, content_type = "text/html", body = String)))]
async fn act_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(id): Path<String>,
    form: AnyForm,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &format!("/applications/{id}"))?.clone();
    let f = form.fields.clone();
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    let (req, unchosen) = action_request(&form).or_page(&v, &h)?;
    let s = st.clone();
    let (a2, id2) = (acc.clone(), id.clone());
    let result = blocking(move || {
        check_chosen(&s, &a2, &id2, unchosen, l)?;
        ops::act(&s, &a2, &id2, &req, l)
    });
    match result.await {
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
            let errors = localised_errors(l, &p);
            let body = application_body(&st, &v, &d, &uri, &f, &errors);
            let title = l.t_args("app-title", &[("id", d.summary.id.as_str().into())]);
            Ok(html::with_signing_script(html::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                html::page(&v, &h, &title, body),
            )))
        }
        Err(p) => Err(PageErr::from(error_page(&v, &h, &p))),
    }
}

fn yes_no(l: Lang, b: bool) -> &'static str {
    if b {
        l.t("common-yes")
    } else {
        l.t("common-no")
    }
}

/// A document check as HTML: the verdict, the document and the signature in words, then the
/// hashes and the certificate's serial number as data in a labelled technical block.
fn check_html(l: Lang, d: &crate::signing::DocumentCheck) -> Markup {
    let doc = &d.document;
    let mut facts = vec![
        (l.t("verify-code"), html! { code { (doc.code) } }),
        (l.t("verify-application"), html! { (doc.application) }),
        (
            l.t("verify-kind"),
            html! { (l.t_in("dockind", &doc.kind)) ", " (l.t_in("doclang", &doc.lang)) },
        ),
        (
            l.t("verify-issued"),
            html! { (crate::accounts::parse_ts(&doc.issued_at).map(local).unwrap_or_else(|| doc.issued_at.clone())) },
        ),
    ];
    let mut technical = vec![(l.t("verify-sha256"), html! { code { (doc.content_hash) } })];
    if let Some(sig) = &d.signature {
        let signer = sig.signer.as_ref();
        facts.extend([
            (
                l.t("verify-signed_by"),
                html! {
                    (crate::catalogue::role_name(None, &sig.role, l)) " — "
                    (sig.organisation_name.as_deref().unwrap_or("—"))
                },
            ),
            (
                l.t("verify-signer"),
                html! {
                    @if let Some(c) = signer {
                        (c.common_name.as_deref().unwrap_or("—"))
                        @if let Some(o) = &c.organization { br; (o) }
                        @if let Some(b) = &c.bin { br; (l.t("verify-bin")) " " (b) }
                    } @else { "—" }
                },
            ),
            (
                l.t("verify-issuer"),
                // The CA's own name where it is in the page's script; else what it is.
                html! {
                    @match sig.chain.last().and_then(|c| c.common_name.as_deref()) {
                        Some(cn) if html::in_language(l, cn) => { (cn) }
                        _ => { (l.t("verify-trusted_ca")) }
                    }
                },
            ),
            (
                l.t("verify-signing_time"),
                html! { (local(sig.signing_time.unwrap_or(sig.signed_at))) },
            ),
            (
                l.t("verify-content_matches"),
                html! { (yes_no(l, sig.content_matches)) },
            ),
            (
                l.t("verify-signature_valid"),
                html! { (yes_no(l, sig.valid)) },
            ),
        ]);
        technical.push((
            l.t("verify-sha256_journal"),
            html! { code { (sig.sha256) } },
        ));
        if let Some(c) = signer {
            technical.push((l.t("verify-serial"), html! { code { (c.serial) } }));
        }
    }
    html! {
        @match d.status.as_str() {
            "valid" => { div.banner role="status" { p { (l.t("verify-valid")) } } }
            "invalid" => {
                div.error-summary role="alert" {
                    p { (l.t("verify-invalid")) }
                    @if let Some(r) = d.signature.as_ref().and_then(|s| s.refusal.as_ref()) {
                        p { (r.message) }
                    }
                }
            }
            _ => {
                div.banner role="status" { p { (l.t("verify-found")) } p { (l.t("verify-unsigned")) } }
            }
        }
        (html::facts(&facts))
        h2 { (l.t("verify-technical")) }
        p.hint { (l.t("verify-technical_hint")) }
        (html::facts(&technical))
    }
}

/// The upload form of `/verify`.
fn upload_form(l: Lang) -> Markup {
    html! {
        h2 id="upload-h" { (l.t("verify-upload_title")) }
        form method="post" action="/verify" enctype="multipart/form-data" novalidate {
            div.form-group {
                label for="f-file" { (l.t("verify-upload_file")) }
                input type="file" id="f-file" name="file" accept="application/pdf";
            }
            button type="submit" { (l.t("verify-upload_submit")) }
        }
    }
}

/// `/verify`: the form to check a PDF.
pub fn verify_form_page(v: &Viewer) -> Response {
    let l = v.lang;
    html::html(
        StatusCode::OK,
        html::page(v, "/verify", l.t("verify-title"), upload_form(l)),
    )
}

/// The answer to an uploaded PDF.
pub fn verify_upload_page(
    st: &AppState,
    v: &Viewer,
    r: Result<crate::signing::DocumentCheck, Problem>,
) -> Response {
    let l = v.lang;
    let _ = st;
    let (status, verdict) = match &r {
        Ok(d) => (
            if d.status == "invalid" {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::OK
            },
            check_html(l, d),
        ),
        Err(p) => (
            p.status_code(),
            html! { div.error-summary role="alert" { p {
                (if html::in_language(l, &p.detail) { p.detail.as_str() } else { html::status_words(l, p.status) })
            } } },
        ),
    };
    let body = html! { (verdict) (upload_form(l)) };
    html::html(status, html::page(v, "/verify", l.t("verify-title"), body))
}

/// The verification page of a document code.
pub fn verify_page(
    st: &AppState,
    v: &Viewer,
    code: &str,
    check: Option<&crate::signing::DocumentCheck>,
) -> Response {
    let l = v.lang;
    let h = format!("/verify/{}", html::url_enc(code));
    let (status, verdict) = match check {
        Some(d) => (StatusCode::OK, check_html(l, d)),
        None => (
            StatusCode::NOT_FOUND,
            html! { div.error-summary role="alert" { p { (l.t("verify-not_found")) } } },
        ),
    };
    let _ = st;
    let body = html! { (verdict) (upload_form(l)) };
    html::html(status, html::page(v, &h, l.t("verify-title"), body))
}

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
use crate::html::{self, esc, local, opt_local, sla_tag};
use crate::i18n::Lang;
use crate::ops::{
    self, ActionRequest, Detail, OutcomeKind, PortalSubmission, PresentedKind, blocking,
};
use crate::problem::{FieldError, Problem};
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::fmt::Write;
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
        r#"<h2 id="apply">{}</h2>{}{}<form method="post" action="/services/{}/apply" enctype="multipart/form-data" novalidate>{}<input type="hidden" name="key" value="{}">{}{}{}<div class="form-group{}"><fieldset class="checkboxes"><legend>{}</legend>{}<div><input type="checkbox" id="f-confirm" name="confirm" value="yes"{}><label for="f-confirm">{}</label></div></fieldset></div><button type="submit">{}</button></form>"#,
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
        super::extras::file_input(l, errors),
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
        if let Some(svg) = diagram::flow_svg(reg, flow) {
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
) -> String {
    let l = v.lang;
    let acc = v.account.as_ref();
    let iin = acc.and_then(|a| a.iin.clone()).unwrap_or_default();
    let hashes: Vec<String> = docs.iter().map(|d| d.1.clone()).collect();
    let bytes = req.request_bytes_with(&iin, key, &hashes);
    let hidden = format!(
        r#"{}<input type="hidden" name="key" value="{}"><input type="hidden" name="provider" value="{}"><input type="hidden" name="phone" value="{}"><input type="hidden" name="confirm" value="yes"><input type="hidden" name="stage" value="sign">"#,
        html::csrf_input(v),
        esc(key),
        esc(&req.provider),
        esc(req.phone.as_deref().unwrap_or("")),
    );
    let action = format!("/services/{}/apply", html::url_enc(&reg.id));
    let download = format!(
        "/services/{}/request.json?provider={}&phone={}&key={}",
        html::url_enc(&reg.id),
        html::url_enc(&req.provider),
        html::url_enc(req.phone.as_deref().unwrap_or("")),
        html::url_enc(key)
    );
    let mut b = format!(
        r#"<h2 id="sign">{}</h2>{}<table><tbody><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">{}</th><td>{}</td></tr></tbody></table><p>{}</p><pre class="request-bytes" style="white-space:pre-wrap;word-break:break-all">{}</pre><p><a href="{}" download="request.json">{}</a></p>"#,
        esc(&{
            let t = reg.title.get_ref();
            match l {
                Lang::Kk => t.kk.clone(),
                Lang::Ru => t.ru.clone(),
                Lang::En => t.en.clone(),
            }
        }),
        html::error_summary(l, errors),
        l.t("app.applicant"),
        esc(&iin),
        l.t("app.provider"),
        esc(&org_name(st, l, &req.provider)),
        l.t("register.phone"),
        esc(req.phone.as_deref().unwrap_or("—")),
        l.t("sign.intro"),
        esc(&String::from_utf8_lossy(&bytes)),
        esc(&download),
        l.t("sign.download"),
    );
    if !docs.is_empty() {
        let _ = write!(
            b,
            r#"<h3>{}</h3><p class="hint">{}</p><ul class="uploads">"#,
            l.t("upload.title"),
            l.t("upload.signed_hint")
        );
        for (name, sha) in docs {
            let _ = write!(b, "<li>{} <code>{}</code></li>", esc(name), esc(sha));
        }
        b.push_str("</ul>");
    }
    let err = |field: &str| errors.iter().find(|e| e.field == field);
    let _ = write!(
        b,
        r#"<form method="post" action="{}" enctype="multipart/form-data" novalidate>{}<div class="form-group{}"><label for="f-signature_file">{}</label><div class="hint" id="f-signature_file-hint">{}</div>{}<input type="file" id="f-signature_file" name="signature_file" aria-describedby="f-signature_file-hint"></div>{}<button type="submit">{}</button></form>"#,
        esc(&action),
        hidden,
        if err("signature").is_some() {
            " error"
        } else {
            ""
        },
        l.t("sign.file"),
        l.t("sign.file_hint"),
        err("signature")
            .map(|e| format!(r#"<span class="error-message">{}</span>"#, esc(&e.detail)))
            .unwrap_or_default(),
        html::textarea(
            "signature",
            l.t("sign.paste"),
            "",
            Some(l.t("sign.paste_hint")),
            &[]
        ),
        l.t("sign.submit"),
    );
    if acc.is_some_and(|a| crate::signing::demo_signing_available(st, a)) {
        let _ = write!(
            b,
            r#"<section class="panel demo-signing" aria-labelledby="demo-sign-h"><h3 id="demo-sign-h">{}</h3><p>{}</p><form method="post" action="{}">{}<button type="submit" name="sign" value="demo" class="secondary">{}</button></form></section>"#,
            l.t("sign.demo_title"),
            l.t("sign.demo_text"),
            esc(&action),
            hidden,
            l.t("sign.demo_button"),
        );
    }
    b
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
            detail: l.t("apply.confirm_required").into(),
        });
    }
    let key = f.opt("key").unwrap_or_else(crate::accounts::new_secret);
    let req = PortalSubmission {
        regulation: reg.id.clone(),
        provider: f.get("provider").to_string(),
        phone: f.opt("phone"),
        signature: None,
        documents: vec![],
    };
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
            errors.extend(p.errors.into_iter().map(|mut e| {
                let k = format!("problem.{}", e.rule);
                if l.t(&k) != k {
                    e.detail = format!("{} ({})", l.t(&k), e.detail);
                }
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
        html::html(status, html::page(&v, &h, l.t("sign.title"), &body))
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
        match blocking(move || ops::check_portal(&s, &a, &r).map(|_| ())).await {
            Ok(()) if f.get("stage") == "sign" => {
                let e = FieldError {
                    field: "signature".into(),
                    rule: "signature.required".into(),
                    detail: l.t("sign.required").into(),
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
            Ok(signing_page(&[e], StatusCode::UNPROCESSABLE_ENTITY))
        }
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
            let apply = apply_section(&st, &v, reg, f, &errors);
            let body = service_body(&st, &v, reg, apply);
            Ok(html::html(
                StatusCode::UNPROCESSABLE_ENTITY,
                html::page(&v, &h, reg.title.get_ref().en.as_str(), &body),
            ))
        }
        Err(p) => Err(PageErr::from(error_page(&v, &h, &p))),
    }
}

#[derive(Debug, Deserialize)]
struct RequestQuery {
    provider: Option<String>,
    phone: Option<String>,
    key: Option<String>,
}

/// The canonical request bytes of an application being signed, as a file for a signing tool
/// (`openssl cms -sign -binary -in request.json`, NCALayer).
#[utoipa::path(get, path = "/services/{id}/request.json", tag = "ui", params(("id" = String, Path)), responses((status = 200, content_type = "application/json", body = String)))]
async fn request_json(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<RequestQuery>,
) -> Page {
    let h = here(&uri);
    let acc = logged_in(&v, &h)?.clone();
    let reg = catalogue::regulation(&st.ctx, &id, st.now())
        .ok_or_else(|| Problem::not_found("such service"))
        .or_page(&v, &h)?;
    let req = PortalSubmission {
        regulation: reg.id.clone(),
        provider: q.provider.unwrap_or_default(),
        phone: q.phone.filter(|p| !p.trim().is_empty()),
        signature: None,
        documents: vec![],
    };
    let key = q.key.as_deref().unwrap_or_default();
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

/// `: PDF (kk) · PDF (ru)`, and for a signed result its ЭЦП mark and verification link.
fn document_links_html(l: Lang, d: &ops::DocumentLink) -> String {
    let mut out = format!(
        r#": <a href="{}" lang="kk" hreflang="kk">PDF (қазақша)</a>{} · <a href="{}" lang="ru" hreflang="ru">PDF (на русском)</a>"#,
        esc(&d.url_kk),
        if d.signed {
            format!(r#" <span class="tag signed">{}</span>"#, l.t("doc.signed"))
        } else {
            String::new()
        },
        esc(&d.url_ru)
    );
    if let Some(v) = &d.verify_url {
        let _ = write!(out, r#" · <a href="{}">{}</a>"#, esc(v), l.t("doc.verify"));
    }
    out
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
                r#"<li>{} — {}{}</li>"#,
                esc(&a.id),
                l.t(&format!("doc.{}", d.kind)),
                document_links_html(l, &d)
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
    b.push_str(&super::extras::booking_html(v, d));
    b.push_str(&action_form(st, v, d, reg.as_deref(), errors));
    b.push_str(&super::extras::uploads_html(l, &d.uploads));
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
                r#"<li>{}{}</li>"#,
                l.t(&format!("doc.{}", doc.kind)),
                document_links_html(l, doc)
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

fn yes_no(l: Lang, b: bool) -> &'static str {
    if b {
        l.t("common.yes")
    } else {
        l.t("common.no")
    }
}

/// A document check as HTML: the verdict, the document, the signature.
fn check_html(l: Lang, d: &crate::signing::DocumentCheck) -> String {
    let doc = &d.document;
    let mut b = match d.status.as_str() {
        "valid" => format!(
            r#"<div class="banner" role="status"><p>{}</p></div>"#,
            l.t("verify.valid")
        ),
        "invalid" => format!(
            r#"<div class="error-summary" role="alert"><p>{}</p>{}</div>"#,
            l.t("verify.invalid"),
            d.signature
                .as_ref()
                .and_then(|s| s.refusal.as_ref())
                .map(|r| format!("<p>{} (<code>{}</code>)</p>", esc(&r.message), esc(&r.code)))
                .unwrap_or_default()
        ),
        _ => format!(
            r#"<div class="banner" role="status"><p>{}</p><p>{}</p></div>"#,
            l.t("verify.found"),
            l.t("verify.unsigned")
        ),
    };
    let _ = write!(
        b,
        r#"<table><tbody><tr><th scope="row">{}</th><td><code>{}</code></td></tr><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">{}</th><td>{} ({})</td></tr><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">SHA-256</th><td><code>{}</code></td></tr>"#,
        l.t("verify.code"),
        esc(&doc.code),
        l.t("verify.application"),
        esc(&doc.application),
        l.t("verify.kind"),
        esc(&doc.kind),
        esc(&doc.lang),
        l.t("verify.issued"),
        crate::accounts::parse_ts(&doc.issued_at)
            .map(local)
            .unwrap_or_else(|| esc(&doc.issued_at)),
        esc(&doc.content_hash),
    );
    if let Some(sig) = &d.signature {
        let signer = sig.signer.as_ref();
        let _ = write!(
            b,
            r#"<tr><th scope="row">{}</th><td>{} — {}</td></tr><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">{}</th><td><code>{}</code></td></tr><tr><th scope="row">{}</th><td>{}</td></tr><tr><th scope="row">{}</th><td>{}</td></tr>"#,
            l.t("verify.signed_by"),
            esc(&crate::catalogue::role_name(None, &sig.role, l)),
            esc(sig
                .organisation_name
                .as_deref()
                .unwrap_or(&sig.organisation)),
            l.t("verify.signer"),
            signer
                .map(|c| esc(&c.subject))
                .unwrap_or_else(|| "—".into()),
            l.t("verify.issuer"),
            signer
                .map(|c| format!(
                    "{} ({} {})",
                    esc(&c.issuer),
                    l.t("verify.serial"),
                    esc(&c.serial)
                ))
                .unwrap_or_else(|| "—".into()),
            l.t("verify.signing_time"),
            sig.signing_time
                .map(local)
                .unwrap_or_else(|| local(sig.signed_at)),
            l.t("verify.sha256_journal"),
            esc(&sig.sha256),
            l.t("verify.content_matches"),
            yes_no(l, sig.content_matches),
            l.t("verify.signature_valid"),
            yes_no(l, sig.valid),
        );
    }
    b.push_str("</tbody></table>");
    b
}

/// The upload form of `/verify`.
fn upload_form(l: Lang) -> String {
    format!(
        r#"<h2 id="upload-h">{}</h2><form method="post" action="/verify" enctype="multipart/form-data" novalidate><div class="form-group"><label for="f-file">{}</label><input type="file" id="f-file" name="file" accept="application/pdf"></div><button type="submit">{}</button></form>"#,
        l.t("verify.upload_title"),
        l.t("verify.upload_file"),
        l.t("verify.upload_submit"),
    )
}

/// `/verify`: the form to check a PDF.
pub fn verify_form_page(v: &Viewer) -> Response {
    let l = v.lang;
    html::html(
        StatusCode::OK,
        html::page(v, "/verify", l.t("verify.title"), &upload_form(l)),
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
    let (status, mut body) = match &r {
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
            format!(
                r#"<div class="error-summary" role="alert"><p>{}</p></div>"#,
                esc(&p.detail)
            ),
        ),
    };
    body.push_str(&upload_form(l));
    html::html(status, html::page(v, "/verify", l.t("verify.title"), &body))
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
    let (status, mut body) = match check {
        Some(d) => (StatusCode::OK, check_html(l, d)),
        None => (
            StatusCode::NOT_FOUND,
            format!(
                r#"<div class="error-summary" role="alert"><p>{}</p></div>"#,
                l.t("verify.not_found")
            ),
        ),
    };
    let _ = st;
    body.push_str(&upload_form(l));
    html::html(status, html::page(v, &h, l.t("verify.title"), &body))
}

//! Staff desks: the provider's workstation (inbox of the steps the official's roles hold, with
//! due instants and SLA colour; office intake of a paper application with acceptance or a
//! refusal-to-accept receipt) and the State Corporation desk (operator intake with receipt
//! number, the collection sector's and courier's inboxes, issue after identity check on the
//! application page, unclaimed results and their batch return).
//!
//! Also: the inbox's print version (`?print=1`: the list alone, for the browser's print), the
//! State Corporation's lookup by IIN or receipt number with what can be done next, and the
//! preview of the result the head is about to sign.
//!
//! Not for: acting on a step (the application page in `portal` carries that form).

use super::portal::{applications_table, channel_name, title};
use super::{Fields, OrPage, Page, PageErr, banner, error_page, here, logged_in, ok, see_other};
use crate::AppState;
use crate::accounts::{Account, Kind};
use crate::auth::Viewer;
use crate::catalogue;
use crate::html::{self, Input};
use crate::i18n::{Lang, Messages};
use crate::ops::{self, Decision, Intake, blocking};
use crate::problem::{FieldError, Problem};
use axum::extract::{Form, Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use engine::STATE_CORPORATION;
use maud::{Markup, html};
use regulation::ChannelId;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(work_page))
        .routes(routes!(office_intake_submit))
        .routes(routes!(sc_page))
        .routes(routes!(sc_lookup_page))
        .routes(routes!(preview_pdf))
        .routes(routes!(sc_intake_submit))
        .routes(routes!(sc_return_submit))
        .routes(routes!(rerequest_submit))
}

/// Regulations `acc` may take in through `channel` (they hold the first step's role).
fn intake_regulations<'c>(
    st: &'c AppState,
    acc: &Account,
    channel: ChannelId,
) -> Vec<&'c regulation::Regulation> {
    let orgs = st.accounts.orgs().unwrap_or_default();
    let org = acc
        .org
        .as_deref()
        .and_then(|o| orgs.iter().find(|x| x.id == o));
    catalogue::current_versions(&st.ctx, st.now())
        .into_iter()
        .filter(|r| st.ctx.in_force(&r.id, st.now()).is_ok())
        .filter(|r| match channel {
            ChannelId::StateCorporation => true,
            _ => org
                .and_then(|o| o.provider_type.as_deref())
                .is_some_and(|t| r.providers.iter().any(|p| p.get_ref().id == t)),
        })
        .filter(|r| {
            st.ctx
                .plan(&r.id, r.version, channel)
                .and_then(|p| ops::first_person_step(p))
                .is_some_and(|s| acc.has_role(&s.role))
        })
        .collect()
}

fn intake_fields(
    v: &Viewer,
    reg: &regulation::Regulation,
    channel: ChannelId,
    f: &Fields,
    errors: &[FieldError],
) -> Markup {
    let l = v.lang;
    let decision = if f.get("decision").is_empty() {
        "accept"
    } else {
        f.get("decision")
    };
    let decisions = [
        ("accept".into(), l.t("intake-accept").into()),
        ("refuse".into(), l.t("intake-refuse").into()),
    ];
    html! {
        (Input::text("applicant_iin", l.t("intake-iin"))
            .value(f.get("applicant_iin"))
            .hint(l.t("register-iin_hint"))
            .errors(errors)
            .numeric(12)
            .autocomplete("off"))
        (Input::text("applicant_name", l.t("intake-name"))
            .value(f.get("applicant_name"))
            .errors(errors))
        (super::appform::inputs(l, reg, f, errors))
        (super::appform::checklist(l, reg, channel, None, true))
        (html::radios("decision", l.t("intake-decision"), &decisions, decision, errors))
        (html::textarea("grounds", l.t("intake-grounds"), f.get("grounds"), Some(l.t("intake-grounds_hint")), errors))
        (html::checkbox("late_entry", l.t("intake-late_entry"), !f.get("late_entry").is_empty(), errors))
        (super::portal::duplicate_warning(l, f, errors))
    }
}

fn office_form(
    st: &AppState,
    v: &Viewer,
    acc: &Account,
    params: &ops::ListParams,
    f: &Fields,
    errors: &[FieldError],
) -> Markup {
    let l = v.lang;
    let regs = intake_regulations(st, acc, ChannelId::Office);
    if regs.is_empty() {
        return html! {};
    }
    let options: Vec<(String, String)> =
        std::iter::once((String::new(), l.t("sc-choose").to_string()))
            .chain(regs.iter().map(|r| (r.id.clone(), title(l, r).to_string())))
            .collect();
    // The service first (its fields and documents make the form), unless there is one.
    let wanted = f
        .opt("regulation")
        .or_else(|| params.regulation.clone().filter(|r| !r.is_empty()));
    let chosen = match wanted {
        Some(id) => regs.iter().find(|r| r.id == id).copied(),
        None if regs.len() == 1 => Some(regs[0]),
        None => None,
    };
    let key = f.opt("key").unwrap_or_else(crate::accounts::new_secret);
    html! {
        section aria-labelledby="intake-h" {
            h2 id="intake-h" { (l.t("intake-office_title")) }
            @if regs.len() > 1 {
                form method="get" action="/work#intake-h" {
                    (html::select("regulation", l.t("intake-service"), &options, chosen.map(|r| r.id.as_str()).unwrap_or(""), &[]))
                    button type="submit" class="secondary" { (l.t("sc-choose_button")) }
                }
            }
            @if let Some(reg) = chosen {
                (html::error_summary(l, errors))
                form method="post" action="/work/intake" novalidate {
                    (html::csrf_input(v))
                    (html::hidden("key", &key))
                    (html::hidden("regulation", &reg.id))
                    p { b { (title(l, reg)) } }
                    (intake_fields(v, reg, ChannelId::Office, f, errors))
                    button type="submit" { (l.t("intake-submit")) }
                }
            }
        }
    }
}

/// The page of the list and its filters' errors (a bad filter shows its message, not a
/// failure of the page).
async fn list_of(
    st: &AppState,
    l: Lang,
    acc: &Account,
    p: &ops::ListParams,
) -> Result<(ops::ListPage, Vec<FieldError>), Problem> {
    let (s, a, q) = (st.clone(), acc.clone(), p.clone());
    match blocking(move || ops::list_page(&s, &a, &q)).await {
        Ok(page) => Ok((page, vec![])),
        Err(p) if p.status == StatusCode::UNPROCESSABLE_ENTITY => Ok((
            ops::ListPage {
                items: vec![],
                next_cursor: None,
            },
            problem_errors(l, &p),
        )),
        Err(p) => Err(p),
    }
}

async fn work_body(
    st: &AppState,
    v: &Viewer,
    acc: &Account,
    uri: &Uri,
    params: &ops::ListParams,
    f: &Fields,
    errors: &[FieldError],
) -> Result<Markup, Problem> {
    let l = v.lang;
    let (page, list_errors) = list_of(st, l, acc, params).await?;
    let org = acc
        .org
        .as_deref()
        .map(|o| super::portal::org_name(st, l, o))
        .unwrap_or_default();
    let roles: Vec<String> = acc
        .roles
        .iter()
        .map(|r| catalogue::role_name(None, r, l))
        .collect();
    let all = params.scope.as_deref() == Some("all");
    Ok(html! {
        (banner(l, uri))
        p.caption { (org) " · " (roles.join(", ")) }
        @if crate::preschool::staff_district(st, acc).is_ok() {
            p { a href="/work/queue" { (l.t("queue-staff_title")) } }
        }
        h2 { (if all { l.t("work-all") } else { l.t("work-inbox") }) }
        p {
            a href="?scope=inbox" aria-current=[(!all).then_some("page")] { (l.t("work-inbox")) }
            " · "
            a href="?scope=all" aria-current=[all.then_some("page")] { (l.t("work-all")) }
        }
        (super::lists::filter_form(st, l, params, "/work", &list_errors, true))
        (applications_table(st, l, &page.items, true))
        (super::lists::pager(l, params, "/work", page.next_cursor.as_deref()))
        (office_form(st, v, acc, params, f, errors))
    })
}

/// The provider's workstation: inbox (or all of the organisation's applications) with search,
/// filters and pages, and office intake.
#[utoipa::path(get, path = "/work", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn work_page(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Query(mut q): Query<ops::ListParams>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &h)?.clone();
    if acc.kind != Kind::Staff {
        return Err(PageErr::from(error_page(
            &v,
            &h,
            &Problem::forbidden("forbidden.not_staff", "staff only"),
        )));
    }
    if acc.org.as_deref() == Some(STATE_CORPORATION) {
        return Ok(see_other("/sc"));
    }
    if q.scope.as_deref() != Some("all") {
        q.scope = Some("inbox".into());
    }
    if printing(&uri) {
        let body = print_body(&st, l, &acc, &q, "/work")
            .await
            .or_page(&v, &h)?;
        return ok(&v, &h, l.t("work-title"), body);
    }
    let body = work_body(&st, &v, &acc, &uri, &q, &Fields::default(), &[])
        .await
        .or_page(&v, &h)?;
    ok(&v, &h, l.t("work-title"), body)
}

/// `?print=1`: the print version of a list.
fn printing(uri: &Uri) -> bool {
    uri.query()
        .unwrap_or("")
        .split('&')
        .any(|kv| kv == "print=1")
}

/// The list alone (up to 500 rows, its filters in words), for the browser's print; the
/// stylesheet's print rules hide the navigation.
async fn print_body(
    st: &AppState,
    l: Lang,
    acc: &Account,
    p: &ops::ListParams,
    action: &str,
) -> Result<Markup, Problem> {
    let mut p = p.clone();
    p.limit = Some(500);
    p.cursor = None;
    let (page, errors) = list_of(st, l, acc, &p).await?;
    let back = super::lists::query(&p, None);
    Ok(html! {
        p.no-print { (l.t("list-print_hint")) " " a href={ (action) "?" (back) } { (l.t("list-back")) } }
        p.caption { (html::local(st.now())) " · " (acc.name) }
        (html::error_summary(l, &errors))
        (applications_table(st, l, &page.items, true))
    })
}

fn problem_errors(l: Lang, p: &Problem) -> Vec<FieldError> {
    let errors = if p.errors.is_empty() {
        vec![FieldError {
            field: p.field.clone().unwrap_or_default(),
            rule: p.rule.clone(),
            detail: p.detail.clone(),
        }]
    } else {
        super::appform::localise(l, p.errors.clone())
    };
    errors
        .into_iter()
        .map(|mut e| {
            if e.rule.starts_with("application.") {
                // Worded by appform::localise.
            } else if let Some(t) = l.t_in_opt("problem", &e.rule) {
                e.detail = t.into();
            } else if e.rule == "required" {
                e.detail = l.t("form-required").into();
            }
            e.detail = html::field_detail(l, &e).to_string();
            e
        })
        .collect()
}

fn intake_request(st: &AppState, f: &Fields) -> Intake {
    let data = catalogue::regulation(&st.ctx, f.get("regulation"), st.now())
        .map(|reg| super::appform::data_from(reg, f))
        .unwrap_or_default();
    Intake {
        data,
        regulation: f.get("regulation").to_string(),
        applicant_iin: f.get("applicant_iin").trim().to_string(),
        applicant_name: f.get("applicant_name").to_string(),
        provider: f.opt("provider"),
        decision: if f.get("decision") == "refuse" {
            Decision::Refuse
        } else {
            Decision::Accept
        },
        grounds: f.opt("grounds"),
        late_entry: !f.get("late_entry").is_empty(),
        centre: f.opt("centre"),
        confirm_duplicate: f.get("confirm_duplicate") == "yes",
    }
}

/// The open application an intake refused as a duplicate (409 `application.duplicate`), if
/// that is why: the form comes back with the warning and the box to confirm.
async fn duplicate_form(
    st: &AppState,
    l: crate::i18n::Lang,
    f: &Fields,
    p: &Problem,
) -> Option<(Fields, Vec<FieldError>)> {
    if p.rule != "application.duplicate" {
        return None;
    }
    let req = intake_request(st, f);
    let s = st.clone();
    let id = blocking(move || {
        let Some(reg) = catalogue::regulation(&s.ctx, &req.regulation, s.now()) else {
            return Ok(None);
        };
        ops::duplicate_of(&s, reg, &req.applicant_iin, &req.data, None)
    })
    .await
    .ok()??;
    let (f2, e) = super::portal::with_duplicate(l, f, &id);
    Some((f2, vec![e]))
}

/// Register a paper application at the office (form post; same as `POST /api/office/applications`).
#[utoipa::path(post, path = "/work/intake", tag = "ui", responses((status = 303), (status = 422, content_type = "text/html", body = String)))]
async fn office_intake_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, "/work")?.clone();
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    let req = intake_request(&st, &f);
    let key = f.opt("key");
    let s = st.clone();
    let a2 = acc.clone();
    match blocking(move || ops::intake(&s, &a2, ChannelId::Office, &req, key.as_deref(), l)).await {
        Ok(out) => Ok(see_other(&format!(
            "/applications/{}?done=intake",
            html::url_enc(&out.id)
        ))),
        Err(p) if p.status == 422 || p.rule == "application.duplicate" => {
            let (f, errors, status) = match duplicate_form(&st, l, &f, &p).await {
                Some((f2, e)) => (f2, e, StatusCode::CONFLICT),
                None => (f, problem_errors(l, &p), StatusCode::UNPROCESSABLE_ENTITY),
            };
            let inbox = ops::ListParams {
                scope: Some("inbox".into()),
                ..Default::default()
            };
            let body = work_body(&st, &v, &acc, &uri, &inbox, &f, &errors)
                .await
                .or_page(&v, &h)?;
            Ok(html::html(
                status,
                html::page(&v, "/work", l.t("work-title"), body),
            ))
        }
        Err(p) => Err(PageErr::from(error_page(&v, &h, &p))),
    }
}

async fn sc_body(
    st: &AppState,
    v: &Viewer,
    acc: &Account,
    uri: &Uri,
    params: &ops::ListParams,
    f: &Fields,
    errors: &[FieldError],
) -> Result<Markup, Problem> {
    let l = v.lang;
    // The service chosen for intake also filters the inbox.
    let regulation = params.regulation.as_deref().filter(|r| !r.is_empty());
    let operator = acc.has_role("state_corporation_operator");
    // Intake: choose the service first (a GET form), then the application.
    let regs = intake_regulations(st, acc, ChannelId::StateCorporation);
    let options: Vec<(String, String)> =
        std::iter::once((String::new(), l.t("sc-choose").to_string()))
            .chain(regs.iter().map(|r| (r.id.clone(), title(l, r).to_string())))
            .collect();
    let chosen = regulation.and_then(|id| regs.iter().find(|r| r.id == id));
    let providers: Vec<(String, String)> = match chosen {
        Some(reg) => {
            let orgs = st.accounts.orgs()?;
            catalogue::providers_of(reg, &orgs)
                .into_iter()
                .map(|o| (o.id.clone(), o.name(l).to_string()))
                .collect()
        }
        None => vec![],
    };
    let centres: Vec<(String, String)> =
        std::iter::once((String::new(), l.t("intake-centre_default").to_string()))
            .chain(
                crate::equeue::centres()
                    .into_iter()
                    .map(|c| (c.id.clone(), c.name.get(l).to_string())),
            )
            .collect();
    let mut list = params.clone();
    list.scope = Some("inbox".into());
    let (inbox, list_errors) = list_of(st, l, acc, &list).await?;
    let unclaimed = if operator {
        let s = st.clone();
        let a2 = acc.clone();
        blocking(move || ops::unclaimed(&s, &a2)).await?
    } else {
        vec![]
    };
    let key = f.opt("key").unwrap_or_else(crate::accounts::new_secret);
    Ok(html! {
        (banner(l, uri))
        @if operator {
            p { a href="/sc/bookings" { (l.t("equeue-desk_link")) } }
        }
        (lookup_form(l, "", None))
        @if !regs.is_empty() {
            section aria-labelledby="sc-intake" {
                h2 id="sc-intake" { (l.t("sc-intake_title")) }
                form method="get" action="/sc" {
                    (html::select("regulation", l.t("intake-service"), &options, regulation.unwrap_or(""), &[]))
                    button type="submit" class="secondary" { (l.t("sc-choose_button")) }
                }
                @if let Some(reg) = chosen {
                    (html::error_summary(l, errors))
                    form method="post" action="/sc/intake" novalidate {
                        (html::csrf_input(v))
                        (html::hidden("key", &key))
                        (html::hidden("regulation", &reg.id))
                        p { b { (title(l, reg)) } }
                        (html::select("provider", l.t("apply-provider"), &providers, f.get("provider"), errors))
                        (html::select("centre", l.t("intake-centre"), &centres, f.get("centre"), errors))
                        (intake_fields(v, reg, ChannelId::StateCorporation, f, errors))
                        button type="submit" { (l.t("sc-intake_submit")) }
                    }
                }
            }
        }
        h2 { (l.t("work-inbox")) }
        (super::lists::filter_form(st, l, &list, "/sc", &list_errors, true))
        (applications_table(st, l, &inbox.items, true))
        (super::lists::pager(l, &list, "/sc", inbox.next_cursor.as_deref()))
        @if operator {
            h2 id="unclaimed" { (l.t("sc-unclaimed")) }
            p.hint { (l.t("sc-unclaimed_hint")) }
            @if unclaimed.is_empty() {
                p { (l.t("list-empty")) }
            } @else {
                form method="post" action="/sc/return" {
                    (html::csrf_input(v))
                    fieldset.checkboxes {
                        legend { (l.t("sc-unclaimed_select")) }
                        @for (i, a) in unclaimed.iter().enumerate() {
                            div {
                                input type="checkbox" id={ "u-" (i) } name="applications" value=(a.id) checked;
                                label for={ "u-" (i) } {
                                    (a.id) " — " (a.title.get(l)) " (" (a.applicant_name) ", "
                                    (channel_name(l, &a.channel)) ")"
                                }
                            }
                        }
                    }
                    button type="submit" class="warning" { (l.t("sc-return_submit")) }
                }
            }
        }
    })
}

fn require_sc(v: &Viewer, h: &str) -> Result<Account, PageErr> {
    let acc = logged_in(v, h)?.clone();
    if acc.kind != Kind::Staff || acc.org.as_deref() != Some(STATE_CORPORATION) {
        return Err(PageErr::from(error_page(
            v,
            h,
            &Problem::forbidden("forbidden.organisation", "State Corporation staff only"),
        )));
    }
    Ok(acc)
}

/// The State Corporation desk.
#[utoipa::path(get, path = "/sc", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn sc_page(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Query(q): Query<ops::ListParams>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = require_sc(&v, &h)?;
    if printing(&uri) {
        let mut q = q;
        q.scope = Some("inbox".into());
        let body = print_body(&st, l, &acc, &q, "/sc").await.or_page(&v, &h)?;
        return ok(&v, &h, l.t("sc-title"), body);
    }
    let body = sc_body(&st, &v, &acc, &uri, &q, &Fields::default(), &[])
        .await
        .or_page(&v, &h)?;
    ok(&v, &h, l.t("sc-title"), body)
}

/// The lookup form of the State Corporation desk (a GET form: works without JavaScript).
fn lookup_form(l: Lang, key: &str, error: Option<&FieldError>) -> Markup {
    html! {
        section aria-labelledby="sc-lookup" {
            h2 id="sc-lookup" { (l.t("sc-lookup_title")) }
            form method="get" action="/sc/lookup" role="search" {
                div.form-group.error[error.is_some()] {
                    label for="f-key" { (l.t("sc-lookup_label")) }
                    div.hint id="f-key-hint" { (l.t("sc-lookup_hint")) }
                    (html::error_message(error))
                    input type="text" id="f-key" name="key" value=(key) inputmode="numeric"
                        autocomplete="off" aria-describedby="f-key-hint";
                }
                button type="submit" { (l.t("sc-lookup_submit")) }
            }
        }
    }
}

#[derive(Debug, serde::Deserialize)]
struct LookupQuery {
    key: Option<String>,
}

/// What the desk can do next with an application it found.
fn next_step(l: Lang, acc: &Account, a: &ops::Summary) -> &'static str {
    let mine = a.holder.as_deref() == Some(STATE_CORPORATION)
        && a.role.as_deref().is_some_and(|r| acc.has_role(r));
    match a.status.as_str() {
        "awaiting_issue" if mine => l.t("sc-next-issue"),
        "returned_to_provider" => l.t("sc-next-rerequest"),
        "closed" => l.t("sc-next-closed"),
        _ if mine => l.t("sc-next-act"),
        _ => l.t("sc-next-open"),
    }
}

/// The State Corporation desk's lookup: the applications with this IIN or receipt number
/// taken in at the State Corporation, and what can be done with each.
#[utoipa::path(get, path = "/sc/lookup", tag = "ui", params(("key" = Option<String>, Query, description = "an IIN or a receipt number (12 digits)")),
    responses((status = 200, content_type = "text/html", body = String), (status = 422, content_type = "text/html", body = String)))]
async fn sc_lookup_page(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Query(q): Query<LookupQuery>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = require_sc(&v, &h)?;
    let key: String = q
        .key
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if key.len() != 12 || !key.bytes().all(|b| b.is_ascii_digit()) {
        let e = FieldError {
            field: "key".into(),
            rule: "lookup.invalid".into(),
            detail: l.t("problem-lookup-invalid").into(),
        };
        let body = html! {
            (html::error_summary(l, std::slice::from_ref(&e)))
            (lookup_form(l, &key, Some(&e)))
        };
        return Ok(html::html(
            StatusCode::UNPROCESSABLE_ENTITY,
            html::page(&v, &h, l.t("sc-lookup_title"), body),
        ));
    }
    let (s, a2, k) = (st.clone(), acc.clone(), key.clone());
    let found = blocking(move || {
        let p = ops::ListParams {
            q: Some(k),
            limit: Some(100),
            ..Default::default()
        };
        ops::list_page(&s, &a2, &p)
    })
    .await
    .or_page(&v, &h)?
    .items;
    let body = html! {
        (lookup_form(l, &key, None))
        @if found.is_empty() {
            p { (l.t("sc-lookup_none")) }
        } @else {
            p { (l.t_count("sc-lookup_found", found.len() as u64)) }
            ul.found {
                @for a in &found {
                    li {
                        a href={ "/applications/" (html::url_enc(&a.id)) } { (a.id) }
                        " — " (a.title.get(l))
                        br;
                        span.hint {
                            (a.applicant_name) " (" (a.applicant_iin) ")"
                            @if let Some(r) = &a.receipt { " · " (l.t("app-receipt")) ": " (r) }
                        }
                        br;
                        b { (next_step(l, &acc, a)) }
                    }
                }
            }
            (applications_table(&st, l, &found, true))
        }
        p { a href="/sc" { (l.t("list-back")) } }
    };
    ok(&v, &h, l.t("sc-lookup_title"), body)
}

/// The result the head is about to sign, as a PDF marked as a draft (not recorded, not signed).
#[utoipa::path(get, path = "/applications/{id}/preview.pdf", tag = "ui", params(("id" = String, Path), ("lang" = Option<String>, Query, description = "`kk` (default) or `ru`")),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 403, content_type = "text/html", body = String), (status = 404, content_type = "text/html", body = String)))]
async fn preview_pdf(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> Page {
    let h = here(&uri);
    let acc = logged_in(&v, &h)?.clone();
    let lang = documents::printed(v.lang);
    let s = st.clone();
    let pdf = blocking(move || {
        let app = ops::load_visible(&s, &acc, &id)?;
        crate::access::may_act(&acc, &app, &s.ctx)?;
        crate::docs::render_preview(&s, &app, lang)
    })
    .await
    .or_page(&v, &h)?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/pdf"),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "inline; filename=\"preview.pdf\"",
            ),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        pdf,
    )
        .into_response())
}

/// Take an application in at the State Corporation (form post; same as `POST /api/sc/applications`).
#[utoipa::path(post, path = "/sc/intake", tag = "ui", responses((status = 303), (status = 422, content_type = "text/html", body = String)))]
async fn sc_intake_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = require_sc(&v, "/sc")?;
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    let req = intake_request(&st, &f);
    let key = f.opt("key");
    let s = st.clone();
    let a2 = acc.clone();
    match blocking(move || {
        ops::intake(
            &s,
            &a2,
            ChannelId::StateCorporation,
            &req,
            key.as_deref(),
            l,
        )
    })
    .await
    {
        Ok(out) => Ok(see_other(&format!(
            "/applications/{}?done=intake",
            html::url_enc(&out.id)
        ))),
        Err(p) if p.status == 422 || p.rule == "application.duplicate" => {
            let (f, errors, status) = match duplicate_form(&st, l, &f, &p).await {
                Some((f2, e)) => (f2, e, StatusCode::CONFLICT),
                None => (f, problem_errors(l, &p), StatusCode::UNPROCESSABLE_ENTITY),
            };
            let reg = f.get("regulation").to_string();
            let chosen = ops::ListParams {
                regulation: Some(reg.clone()),
                ..Default::default()
            };
            let body = sc_body(&st, &v, &acc, &uri, &chosen, &f, &errors)
                .await
                .or_page(&v, &h)?;
            Ok(html::html(
                status,
                html::page(&v, "/sc", l.t("sc-title"), body),
            ))
        }
        Err(p) => Err(PageErr::from(error_page(&v, &h, &p))),
    }
}

/// Return the selected unclaimed results to their providers (form post; same as
/// `POST /api/sc/unclaimed/return`).
#[utoipa::path(post, path = "/sc/return", tag = "ui", responses((status = 303)))]
async fn sc_return_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Page {
    let h = here(&uri);
    let acc = require_sc(&v, "/sc")?;
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    let ids = f.all("applications");
    let s = st.clone();
    blocking(move || ops::return_unclaimed(&s, &acc, Some(ids)))
        .await
        .or_page(&v, &h)?;
    Ok(see_other("/sc?done=returned"))
}

/// Ask the provider for a returned result (form post; same as
/// `POST /api/sc/applications/{id}/rerequest`).
#[utoipa::path(post, path = "/applications/{id}/rerequest", tag = "ui", params(("id" = String, Path)), responses((status = 303)))]
async fn rerequest_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(f): Form<Fields>,
) -> Page {
    let h = here(&uri);
    let acc = require_sc(&v, &format!("/applications/{id}"))?;
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    let s = st.clone();
    let app = blocking(move || ops::rerequest(&s, &acc, &id))
        .await
        .or_page(&v, &h)?;
    Ok(see_other(&format!(
        "/applications/{}?done=acted",
        html::url_enc(&app.id)
    )))
}

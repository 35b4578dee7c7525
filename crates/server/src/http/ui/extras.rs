//! Pages of the portal's extras: the documents uploaded with an application (listed on its
//! page), and the State Corporation e-queue — a citizen books (and cancels) a time to collect
//! a result awaiting issue; the desk sees the day's bookings.

use super::{OrPage, Page, PageErr, error_page, here, logged_in, ok, see_other};
use crate::AppState;
use crate::accounts::Kind;
use crate::auth::Viewer;
use crate::equeue;
use crate::html::{self, Input, local};
use crate::i18n::{Lang, Messages};
use crate::ops::{Detail, blocking};
use crate::problem::{FieldError, Problem};
use crate::uploads::UploadInfo;
use axum::extract::{Form, Path, Query, State};
use axum::http::Uri;
use maud::{Markup, html};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(booking_page, booking_submit))
        .routes(routes!(booking_cancel))
        .routes(routes!(desk_bookings))
}

/// The list of uploaded documents with download links.
pub fn uploads_html(l: Lang, items: &[UploadInfo]) -> Markup {
    html! {
        @if !items.is_empty() {
            h2 { (l.t("upload-title")) }
            ul {
                @for u in items {
                    li {
                        a href=(u.url) download { (u.filename) }
                        " "
                        span.hint {
                            "(" (u.content_type) ", "
                            (l.t_args("upload-size", &[("kb", ((u.size + 1023) / 1024).into())])) ")"
                        }
                    }
                }
            }
        }
    }
}

/// The file input of the portal form.
pub fn file_input(l: Lang, errors: &[FieldError]) -> Markup {
    let errs: Vec<&FieldError> = errors
        .iter()
        .filter(|e| e.field.starts_with("documents"))
        .collect();
    html! {
        div.form-group.error[!errs.is_empty()] {
            label for="f-documents" { (l.t("upload-label")) }
            div.hint id="f-documents-hint" {
                (l.t_count("upload-hint", crate::uploads::MAX_FILES as u64))
            }
            @for e in &errs {
                span.error-message { (html::field_detail(l, e)) }
            }
            input type="file" id="f-documents" name="documents" multiple
                accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
                aria-describedby="f-documents-hint";
        }
    }
}

/// The e-queue section of an application's page.
pub fn booking_html(v: &Viewer, d: &Detail) -> Markup {
    let l = v.lang;
    let s = &d.summary;
    let applicant = v
        .account
        .as_ref()
        .is_some_and(|a| a.kind == Kind::Citizen && a.iin.as_deref() == Some(&s.applicant_iin));
    let id = html::url_enc(&s.id);
    html! {
        @if let Some(b) = &d.booking {
            section.panel aria-labelledby="equeue-h" {
                h2 id="equeue-h" { (l.t("equeue-section")) }
                p { b { (l.t("equeue-booked")) } " " (local(b.start)) " — " (equeue::centre_name(&b.centre, l)) }
                @if applicant {
                    form method="post" action={ "/applications/" (id) "/booking/cancel" } {
                        (html::csrf_input(v))
                        button type="submit" class="secondary" { (l.t("equeue-cancel")) }
                    }
                }
            }
        } @else if applicant && s.status == "awaiting_issue" {
            section.panel aria-labelledby="equeue-h" {
                h2 id="equeue-h" { (l.t("equeue-section")) }
                p { (l.t("equeue-intro")) }
                p { a.button href={ "/applications/" (id) "/booking" } { (l.t("equeue-book_link")) } }
            }
        }
    }
}

fn localised(l: Lang, p: &Problem) -> FieldError {
    FieldError {
        field: p.field.clone().unwrap_or_else(|| "slot".into()),
        rule: p.rule.clone(),
        detail: l
            .t_in_opt("problem", &p.rule)
            .map(String::from)
            .unwrap_or_else(|| {
                if html::in_language(l, &p.detail) {
                    p.detail.clone()
                } else {
                    l.t("problem-invalid").into()
                }
            }),
    }
}

#[derive(Debug, Deserialize)]
struct CentreQuery {
    centre: Option<String>,
}

async fn booking_body(
    st: &AppState,
    v: &Viewer,
    id: &str,
    centre: Option<String>,
    errors: &[FieldError],
) -> Result<Markup, Problem> {
    let l = v.lang;
    let centres = equeue::centres();
    let centre = centre
        .filter(|c| centres.iter().any(|x| &x.id == c))
        .unwrap_or_else(|| centres[0].id.clone());
    let s = st.clone();
    let c2 = centre.clone();
    let slots = blocking(move || equeue::slots(&s, Some(&c2), None)).await?;
    let opts: Vec<(String, String)> = centres
        .iter()
        .map(|c| (c.id.clone(), c.name.get(l).to_string()))
        .collect();
    let eid = html::url_enc(id);
    // Free times grouped by day, in order.
    let mut days: Vec<(String, Vec<(i64, String)>)> = vec![];
    for s in slots.iter().filter(|s| s.available) {
        let t = local(s.start);
        let (d, hm) = t.split_once(' ').unwrap_or((&t, ""));
        match days.last_mut() {
            Some((day, times)) if day == d => times.push((s.id, hm.to_string())),
            _ => days.push((d.to_string(), vec![(s.id, hm.to_string())])),
        }
    }
    Ok(html! {
        (html::error_summary(l, errors))
        p { (l.t("equeue-intro")) }
        form method="get" action={ "/applications/" (eid) "/booking" } {
            (html::select("centre", l.t("equeue-centre"), &opts, &centre, &[]))
            button type="submit" class="secondary" { (l.t("equeue-choose_centre")) }
        }
        @if days.is_empty() {
            p { (l.t("equeue-no_slots")) }
        } @else {
            form method="post" action={ "/applications/" (eid) "/booking" } novalidate {
                (html::csrf_input(v))
                (html::hidden("centre", &centre))
                @for (day, times) in &days {
                    div.form-group {
                        fieldset.radios.slots {
                            legend { (l.t("equeue-date")) ": " (day) }
                            @for (id, hm) in times {
                                div style="display:inline-block;margin-right:1em" {
                                    input type="radio" id={ "f-slot-" (id) } name="slot" value=(id);
                                    label for={ "f-slot-" (id) } { (hm) }
                                }
                            }
                        }
                    }
                }
                button type="submit" { (l.t("equeue-submit")) }
            }
        }
    })
}

/// Choose a time at a State Corporation centre to collect the result.
#[utoipa::path(get, path = "/applications/{id}/booking", tag = "ui", params(("id" = String, Path)), responses((status = 200, content_type = "text/html", body = String)))]
async fn booking_page(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(id): Path<String>,
    Query(q): Query<CentreQuery>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &h)?.clone();
    let s = st.clone();
    let i2 = id.clone();
    blocking(move || {
        crate::ops::load_visible(&s, &acc, &i2)?;
        Ok(())
    })
    .await
    .or_page(&v, &h)?;
    let body = booking_body(&st, &v, &id, q.centre, &[])
        .await
        .or_page(&v, &h)?;
    ok(&v, &h, l.t("equeue-title"), body)
}

/// Book the chosen time (form post; same as `POST /api/applications/{id}/booking`).
#[utoipa::path(post, path = "/applications/{id}/booking", tag = "ui", params(("id" = String, Path)), responses((status = 303), (status = 409, content_type = "text/html", body = String), (status = 422, content_type = "text/html", body = String)))]
async fn booking_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(id): Path<String>,
    Form(f): Form<super::Fields>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &h)?.clone();
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    let slot = f.get("slot").parse::<i64>();
    let s = st.clone();
    let i2 = id.clone();
    let r = match slot {
        Ok(slot) => blocking(move || equeue::book(&s, &acc, &i2, slot)).await,
        Err(_) => Err(Problem::invalid(
            "slot",
            "equeue.slot_unknown",
            l.t("problem-equeue-slot_unknown"),
        )),
    };
    match r {
        Ok(_) => Ok(see_other(&format!(
            "/applications/{}?done=booked",
            html::url_enc(&id)
        ))),
        Err(p) if p.status == 409 || p.status == 422 => {
            let e = localised(l, &p);
            let body = booking_body(&st, &v, &id, f.opt("centre"), &[e])
                .await
                .or_page(&v, &h)?;
            Ok(html::html(
                p.status_code(),
                html::page(&v, &h, l.t("equeue-title"), body),
            ))
        }
        Err(p) => Err(PageErr::from(error_page(&v, &h, &p))),
    }
}

/// Cancel the booking (form post; same as `DELETE /api/applications/{id}/booking`).
#[utoipa::path(post, path = "/applications/{id}/booking/cancel", tag = "ui", params(("id" = String, Path)), responses((status = 303)))]
async fn booking_cancel(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(id): Path<String>,
    Form(f): Form<super::Fields>,
) -> Page {
    let h = here(&uri);
    let acc = logged_in(&v, &h)?.clone();
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    let i2 = id.clone();
    blocking(move || equeue::cancel(&st, &acc, &i2))
        .await
        .or_page(&v, &h)?;
    Ok(see_other(&format!(
        "/applications/{}?done=booking_cancelled",
        html::url_enc(&id)
    )))
}

#[derive(Debug, Deserialize)]
struct DeskQuery {
    date: Option<String>,
    centre: Option<String>,
}

/// The State Corporation desk's e-queue bookings of a day.
#[utoipa::path(get, path = "/sc/bookings", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn desk_bookings(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Query(q): Query<DeskQuery>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &h)?.clone();
    let centre = q.centre.filter(|c| !c.is_empty());
    let c2 = centre.clone();
    let s = st.clone();
    let (day, rows) =
        blocking(move || equeue::day_bookings(&s, &acc, q.date.as_deref(), c2.as_deref()))
            .await
            .or_page(&v, &h)?;
    let day_text = day.strftime("%d.%m.%Y").to_string();
    let mut opts = vec![(String::new(), "—".to_string())];
    opts.extend(
        equeue::centres()
            .into_iter()
            .map(|c| (c.id.clone(), c.name.get(l).to_string())),
    );
    let body = html! {
        form method="get" action="/sc/bookings" {
            (Input::text("date", l.t("equeue-date"))
                .value(&day_text)
                .hint(l.t("monitoring-date_hint"))
                .style("max-width:12em"))
            (html::select("centre", l.t("equeue-centre"), &opts, centre.as_deref().unwrap_or(""), &[]))
            button type="submit" class="secondary" { (l.t("equeue-show")) }
        }
        @if rows.is_empty() {
            p { (l.t("equeue-none")) }
        } @else {
            (html::table(
                &[l.t("equeue-time"), l.t("equeue-centre"), l.t("equeue-application"), l.t("equeue-applicant")],
                html! {
                    @for r in &rows {
                        tr {
                            td { (local(r.start)) }
                            td { (equeue::centre_name(&r.centre, l)) }
                            td { a href={ "/applications/" (html::url_enc(&r.application)) } { (r.application) } }
                            td {
                                (r.applicant_name.as_deref().unwrap_or(""))
                                br;
                                span.hint { (r.applicant_iin.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                },
            ))
        }
    };
    ok(&v, &h, l.t("equeue-desk_title"), body)
}

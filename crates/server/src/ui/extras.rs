//! Pages of the portal's extras: the documents uploaded with an application (listed on its
//! page), and the State Corporation e-queue — a citizen books (and cancels) a time to collect
//! a result awaiting issue; the desk sees the day's bookings.

use super::{OrPage, Page, PageErr, error_page, here, logged_in, ok, see_other};
use crate::AppState;
use crate::accounts::Kind;
use crate::auth::Viewer;
use crate::equeue;
use crate::html::{self, esc, local};
use crate::i18n::Lang;
use crate::ops::{Detail, blocking};
use crate::problem::{FieldError, Problem};
use crate::uploads::UploadInfo;
use axum::extract::{Form, Path, Query, State};
use axum::http::Uri;
use serde::Deserialize;
use std::fmt::Write;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(booking_page, booking_submit))
        .routes(routes!(booking_cancel))
        .routes(routes!(desk_bookings))
}

/// The list of uploaded documents with download links.
pub fn uploads_html(l: Lang, items: &[UploadInfo]) -> String {
    if items.is_empty() {
        return String::new();
    }
    let mut b = format!("<h2>{}</h2><ul>", l.t("upload.title"));
    for u in items {
        let _ = write!(
            b,
            r#"<li><a href="{}" download>{}</a> <span class="hint">({}, {})</span></li>"#,
            esc(&u.url),
            esc(&u.filename),
            esc(&u.content_type),
            esc(&l.tf(
                "upload.size",
                &[("kb", &((u.size + 1023) / 1024).to_string())]
            )),
        );
    }
    b.push_str("</ul>");
    b
}

/// The file input of the portal form.
pub fn file_input(l: Lang, errors: &[FieldError]) -> String {
    let errs: Vec<&FieldError> = errors
        .iter()
        .filter(|e| e.field.starts_with("documents"))
        .collect();
    format!(
        r#"<div class="form-group{}"><label for="f-documents">{}</label><div class="hint" id="f-documents-hint">{}</div>{}<input type="file" id="f-documents" name="documents" multiple accept=".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png" aria-describedby="f-documents-hint"></div>"#,
        if errs.is_empty() { "" } else { " error" },
        l.t("upload.label"),
        l.t("upload.hint"),
        errs.iter()
            .map(|e| format!(
                r#"<span class="error-message">{} <code>{}</code></span>"#,
                esc(&e.detail),
                esc(&e.rule)
            ))
            .collect::<String>(),
    )
}

/// The e-queue section of an application's page.
pub fn booking_html(v: &Viewer, d: &Detail) -> String {
    let l = v.lang;
    let s = &d.summary;
    let applicant = v
        .account
        .as_ref()
        .is_some_and(|a| a.kind == Kind::Citizen && a.iin.as_deref() == Some(&s.applicant_iin));
    let id = html::url_enc(&s.id);
    match &d.booking {
        Some(b) => {
            let mut out = format!(
                r#"<section class="panel" aria-labelledby="equeue-h"><h2 id="equeue-h">{}</h2><p><b>{}</b> {} — {}</p>"#,
                l.t("equeue.section"),
                l.t("equeue.booked"),
                local(b.start),
                esc(&equeue::centre_name(&b.centre, l)),
            );
            if applicant {
                let _ = write!(
                    out,
                    r#"<form method="post" action="/applications/{id}/booking/cancel">{}<button type="submit" class="secondary">{}</button></form>"#,
                    html::csrf_input(v),
                    l.t("equeue.cancel"),
                );
            }
            out.push_str("</section>");
            out
        }
        None if applicant && s.status == "awaiting_issue" => format!(
            r#"<section class="panel" aria-labelledby="equeue-h"><h2 id="equeue-h">{}</h2><p>{}</p><p><a class="button" href="/applications/{id}/booking">{}</a></p></section>"#,
            l.t("equeue.section"),
            l.t("equeue.intro"),
            l.t("equeue.book_link"),
        ),
        None => String::new(),
    }
}

fn localised(l: Lang, p: &Problem) -> FieldError {
    let key = format!("problem.{}", p.rule);
    FieldError {
        field: p.field.clone().unwrap_or_else(|| "slot".into()),
        rule: p.rule.clone(),
        detail: if l.t(&key) == key {
            p.detail.clone()
        } else {
            l.t(&key).to_string()
        },
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
) -> Result<String, Problem> {
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
    let mut b = format!(
        r#"{}<p>{}</p><form method="get" action="/applications/{eid}/booking">{}<button type="submit" class="secondary">{}</button></form>"#,
        html::error_summary(l, errors),
        l.t("equeue.intro"),
        html::select("centre", l.t("equeue.centre"), &opts, &centre, &[]),
        l.t("equeue.choose_centre"),
    );
    let free: Vec<&equeue::Slot> = slots.iter().filter(|s| s.available).collect();
    if free.is_empty() {
        let _ = write!(b, "<p>{}</p>", l.t("equeue.no_slots"));
        return Ok(b);
    }
    let _ = write!(
        b,
        r#"<form method="post" action="/applications/{eid}/booking" novalidate>{}<input type="hidden" name="centre" value="{}">"#,
        html::csrf_input(v),
        esc(&centre)
    );
    let mut day = String::new();
    for s in free {
        let t = local(s.start);
        let (d, hm) = t.split_once(' ').unwrap_or((&t, ""));
        if d != day {
            if !day.is_empty() {
                b.push_str("</fieldset></div>");
            }
            day = d.to_string();
            let _ = write!(
                b,
                r#"<div class="form-group"><fieldset class="radios slots"><legend>{}: {}</legend>"#,
                l.t("equeue.date"),
                esc(d)
            );
        }
        let _ = write!(
            b,
            r#"<div style="display:inline-block;margin-right:1em"><input type="radio" id="f-slot-{id}" name="slot" value="{id}"><label for="f-slot-{id}">{}</label></div>"#,
            esc(hm),
            id = s.id,
        );
    }
    let _ = write!(
        b,
        r#"</fieldset></div><button type="submit">{}</button></form>"#,
        l.t("equeue.submit")
    );
    Ok(b)
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
    ok(&v, &h, l.t("equeue.title"), &body)
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
            l.t("problem.equeue.slot_unknown"),
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
                html::page(&v, &h, l.t("equeue.title"), &body),
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
    let mut opts = vec![(String::new(), "—".to_string())];
    opts.extend(
        equeue::centres()
            .into_iter()
            .map(|c| (c.id.clone(), c.name.get(l).to_string())),
    );
    let mut b = format!(
        r#"<form method="get" action="/sc/bookings"><div class="form-group"><label for="f-date">{}</label><input type="date" id="f-date" name="date" value="{}"></div>{}<button type="submit" class="secondary">{}</button></form>"#,
        l.t("equeue.date"),
        day,
        html::select(
            "centre",
            l.t("equeue.centre"),
            &opts,
            centre.as_deref().unwrap_or(""),
            &[]
        ),
        l.t("equeue.show"),
    );
    if rows.is_empty() {
        let _ = write!(b, "<p>{}</p>", l.t("equeue.none"));
    } else {
        let _ = write!(
            b,
            r#"<table><thead><tr><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th><th scope="col">{}</th></tr></thead><tbody>"#,
            l.t("equeue.time"),
            l.t("equeue.centre"),
            l.t("equeue.application"),
            l.t("equeue.applicant"),
        );
        for r in &rows {
            let _ = write!(
                b,
                r#"<tr><td>{}</td><td>{}</td><td><a href="/applications/{}">{}</a></td><td>{}<br><span class="hint">{}</span></td></tr>"#,
                local(r.start),
                esc(&equeue::centre_name(&r.centre, l)),
                html::url_enc(&r.application),
                esc(&r.application),
                esc(r.applicant_name.as_deref().unwrap_or("")),
                esc(r.applicant_iin.as_deref().unwrap_or("")),
            );
        }
        b.push_str("</tbody></table>");
    }
    ok(&v, &h, l.t("equeue.desk_title"), &b)
}

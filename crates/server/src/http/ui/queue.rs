//! Pages of the preschool queue: the child's place on the application's page (number, why it
//! changed, referrals to accept or decline), the public page of each district's lines and
//! referrals (registration numbers only: never names or IINs), and the district education
//! department's page to declare free places and confirm enrolment.

use super::{OrPage, Page, banner, error_page, here, logged_in, ok, see_other};
use crate::AppState;
use crate::accounts::Kind;
use crate::auth::Viewer;
use crate::html::{self, Input, local};
use crate::i18n::{Lang, Messages};
use crate::ops::{Detail, blocking};
use crate::preschool::{self, ReferralAct, ReferralView};
use crate::problem::Problem;
use axum::extract::{Form, Path, State};
use axum::http::Uri;
use maud::{Markup, html};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(public_index))
        .routes(routes!(public_district))
        .routes(routes!(referral_submit))
        .routes(routes!(category_submit))
        .routes(routes!(staff_page))
        .routes(routes!(declare_submit))
}

fn day(t: jiff::Timestamp) -> String {
    t.to_zoned_datetime(calendar::almaty())
        .strftime("%d.%m.%Y")
        .to_string()
}

/// The last day of a term that ends at a midnight: the day before it, inclusive.
fn last_day(end: jiff::Timestamp) -> String {
    day(end - jiff::SignedDuration::from_secs(1))
}

/// The rule that chose a referral's child, in words.
fn rule_words(l: Lang, r: &ReferralView) -> String {
    match r.rule.split(':').collect::<Vec<_>>()[..] {
        ["ratio", slot, given] if slot == given => l.t_in_args(
            "queue-rule",
            "ratio",
            &[("tier", l.t_in("queue-tier", slot).into())],
        ),
        ["ratio", slot, given] => l.t_in_args(
            "queue-rule",
            "ratio_other",
            &[
                ("tier", l.t_in("queue-tier", slot).into()),
                ("given", l.t_in("queue-tier", given).into()),
            ],
        ),
        _ => l.t("queue-rule-extraordinary").to_string(),
    }
}

/// The child's place on the application's page (the applicant and the staff who may see it).
pub fn child_html(st: &AppState, v: &Viewer, d: &Detail) -> Markup {
    let l = v.lang;
    let Some(c) = &d.queue else {
        return html! {};
    };
    let applicant = v.account.as_ref().is_some_and(|a| {
        a.kind == Kind::Citizen && a.iin.as_deref() == Some(&d.summary.applicant_iin)
    });
    // Staff at a counter answer for the applicant who came in person.
    let counter = |org: &str| {
        v.account
            .as_ref()
            .is_some_and(|a| preschool::at_counter(st, a, org))
    };
    let district_staff = v
        .account
        .as_ref()
        .is_some_and(|a| preschool::staff_district(st, a).is_ok_and(|dist| dist == c.district));
    let journal = if district_staff || v.kind() == Some(Kind::Staff) {
        preschool::journal(st, &d.summary.id).unwrap_or_default()
    } else {
        vec![]
    };
    let district = preschool::name(st, "district", &c.district, l);
    html! {
        section.panel aria-labelledby="queue-h" {
            h2 id="queue-h" { (l.t("queue-section")) }
            @if let Some(n) = c.number {
                p.queue-number { (l.t("queue-number")) " " b id="queue-number" { (n) } }
            }
            (html::facts(&[
                (l.t("queue-status"), html! { (l.t_in("queue-status", &c.status))
                    @if let Some(u) = c.stop_until { " " (l.t("queue-until")) " " (local(u)) } }),
                (l.t("queue-district"), html! { (district) " — " a href={ "/queue/" (html::url_enc(&c.district)) } { (l.t("queue-public_link")) } }),
                (l.t("queue-group"), html! { (c.group.as_deref().map(|g| preschool::name(st, "group", g, l)).unwrap_or_default()) }),
                (l.t("queue-category"), html! { (preschool::name(st, "category", &c.category, l)) }),
                (l.t("queue-registration"), html! { "№ " (c.registration) }),
            ]))
            @for r in &c.referrals {
                div.panel id={ "referral-" (r.id) } {
                    p {
                        b { (l.t("queue-referral")) " № " (r.id) }
                        ": " (preschool::name(st, "organisation", &r.organisation, l))
                        ", " (preschool::name(st, "group", &r.group, l))
                        ", " (l.t_in("queue-language", &r.language))
                    }
                    p {
                        (l.t_in("queue-referral_state", &r.state)) "."
                        @if r.state == "issued" { " " (l.t("queue-accept_by")) " " (last_day(r.accept_by)) "." }
                        @if let (Some(e), "accepted") = (r.enrol_by, r.state.as_str()) { " " (l.t("queue-enrol_by")) " " (last_day(e)) "." }
                    }
                    @if (applicant || counter(&r.organisation)) && (r.state == "issued" || r.state == "accepted") {
                        @if !applicant { p.hint { (l.t("queue-at_counter")) } }
                        div.actions {
                            @if r.state == "issued" {
                                (referral_form(v, r.id, "accept", l.t("queue-accept"), false))
                            }
                            @if r.state == "accepted" {
                                (referral_form(v, r.id, "extend", l.t("queue-extend"), true))
                            }
                            (referral_form(v, r.id, "decline", l.t("queue-decline"), true))
                        }
                    }
                }
            }
            @if district_staff && (c.status == "waiting" || c.status == "stop_listed") {
                (category_form(st, v, &d.summary.id, &c.category))
            }
            @if !journal.is_empty() {
                h3 { (l.t("queue-journal")) }
                (html::table(
                    &[l.t("queue-when"), l.t("queue-what"), l.t("queue-who")],
                    html! {
                        @for e in &journal {
                            tr {
                                td { (local(e.event.at())) }
                                td { (event_words(st, l, &e.event)) }
                                td { (e.actor.as_deref().unwrap_or(l.t("queue-system"))) }
                            }
                        }
                    },
                ))
            }
            @if !c.history.is_empty() {
                h3 { (l.t("queue-history")) }
                (html::table(
                    &[l.t("queue-when"), l.t("queue-number_col"), l.t("queue-why")],
                    html! {
                        @for h in c.history.iter().rev() {
                            tr {
                                td { (local(h.at)) }
                                td { (h.number) }
                                td { (l.t_in("queue-why", if h.own { "own" } else { &h.why })) }
                            }
                        }
                    },
                ))
            }
        }
    }
}

/// A queue event in words (the staff's journal of a child).
fn event_words(st: &AppState, l: Lang, e: &queue::Event) -> String {
    let kind = serde_json::to_value(e)
        .ok()
        .and_then(|v| v.get("event").and_then(|k| k.as_str()).map(String::from))
        .unwrap_or_default();
    let mut s = l.t_in("queue-event", &kind).to_string();
    match e {
        queue::Event::CategoryChanged {
            category, reason, ..
        } => {
            s.push_str(": ");
            s.push_str(&preschool::name(st, "category", category, l));
            if *reason == queue::CategoryReason::ProofExpired {
                s.push_str(" — ");
                s.push_str(l.t("queue-event-proof_expired"));
            }
        }
        queue::Event::ReferralIssued {
            referral,
            organisation,
            ..
        } => {
            s.push_str(&format!(
                " № {referral}: {}",
                preschool::name(st, "organisation", organisation, l)
            ));
        }
        _ => {}
    }
    s
}

/// The district's staff change a waiting child's category.
fn category_form(st: &AppState, v: &Viewer, id: &str, current: &str) -> Markup {
    let l = v.lang;
    let cats = preschool::categories(st, l);
    html! {
        form.panel method="post" action={ "/queue/children/" (html::url_enc(id)) "/category" } novalidate {
            (html::csrf_input(v))
            (html::select("category", l.t("queue-new_category"), &cats, current, &[]))
            (Input::text("proof_date", l.t("queue-proof_date")).hint(l.t("queue-proof_date_hint")).style("max-width:12em"))
            button type="submit" class="secondary" { (l.t("queue-change_category")) }
        }
    }
}

/// The district's staff change a waiting child's category (form post).
#[utoipa::path(post, path = "/queue/children/{id}/category", tag = "ui", params(("id" = String, Path)), responses((status = 303), (status = 404, content_type = "text/html", body = String), (status = 409, content_type = "text/html", body = String)))]
async fn category_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(id): Path<String>,
    Form(f): Form<super::Fields>,
) -> Page {
    let h = here(&uri);
    let acc = logged_in(&v, &h)?.clone();
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    let proof = match f.opt("proof_date") {
        None => None,
        Some(s) => Some(
            engine::form::parse_date(&s)
                .ok_or_else(|| {
                    Problem::invalid(
                        "proof_date",
                        "queue.proof_date",
                        v.lang.t("problem-queue-proof_date"),
                    )
                })
                .or_page(&v, &h)?,
        ),
    };
    let category = f.get("category").to_string();
    let s = st.clone();
    let i2 = id.clone();
    blocking(move || preschool::change_category(&s, &acc, &i2, &category, proof))
        .await
        .or_page(&v, &h)?;
    Ok(see_other(&format!(
        "/applications/{}?done=queue",
        html::url_enc(&id)
    )))
}

fn referral_form(v: &Viewer, id: u64, act: &str, label: &str, secondary: bool) -> Markup {
    html! {
        form method="post" action={ "/queue/referrals/" (id) "/" (act) } style="display:inline-block;margin-right:1em" {
            (html::csrf_input(v))
            button type="submit" class=[secondary.then_some("secondary")] { (label) }
        }
    }
}

/// The districts with a queue, each linking to its public page.
#[utoipa::path(get, path = "/queue", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn public_index(State(st): State<AppState>, v: Viewer, uri: Uri) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let districts = preschool::districts(&st, l);
    let body = html! {
        p { (l.t("queue-public_intro")) }
        ul {
            @for (id, name) in &districts {
                li { a href={ "/queue/" (html::url_enc(id)) } { (name) } }
            }
        }
    };
    ok(&v, &h, l.t("queue-public_title"), body)
}

/// A district's lines and referrals: registration numbers, categories' tiers, dates and the
/// rule that chose each referral's child — no names, no IINs.
#[utoipa::path(get, path = "/queue/{district}", tag = "ui", params(("district" = String, Path)), responses((status = 200, content_type = "text/html", body = String), (status = 404, content_type = "text/html", body = String)))]
async fn public_district(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(district): Path<String>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let view = preschool::district_view(&st, &district)
        .ok_or_else(|| Problem::not_found("district"))
        .or_page(&v, &h)?;
    let name = preschool::name(&st, "district", &district, l);
    let body = html! {
        p { (l.t("queue-district_intro")) }
        p { a href="/queue" { (l.t("queue-all_districts")) } }
        @if view.lines.is_empty() {
            p { (l.t("queue-empty")) }
        }
        @for (group, line) in &view.lines {
            h2 { (preschool::name(&st, "group", group, l)) }
            (html::table(
                &[l.t("queue-number_col"), l.t("queue-registration_col"), l.t("queue-tier"), l.t("queue-applied")],
                html! {
                    @for p in line {
                        tr {
                            td { (p.rank) }
                            td { "№ " (p.number) }
                            td {
                                (l.t_in("queue-tier", &p.tier))
                                @if let Some(u) = p.stop_until { br; span.hint { (l.t("queue-stop_list")) " " (local(u)) } }
                            }
                            td { (local(p.applied_at)) }
                        }
                    }
                },
            ))
        }
        h2 { (l.t("queue-referrals")) }
        @if view.referrals.is_empty() {
            p { (l.t("queue-no_referrals")) }
        } @else {
            // A list, not a table: each referral's words wrap on a phone.
            ul.referrals {
                @for r in &view.referrals {
                    li {
                        b { (day(r.issued_at)) " — " (l.t("queue-registration")) " № " (r.number) }
                        br;
                        (preschool::name(&st, "organisation", &r.organisation, l)) ", " (preschool::name(&st, "group", &r.group, l))
                        br;
                        span.hint { (l.t("queue-rule")) ": " (rule_words(l, r)) ". " (l.t("queue-rank")) ": " (r.rank) "." }
                        br;
                        (l.t("queue-status")) ": " (l.t_in("queue-referral_state", &r.state))
                    }
                }
            }
        }
    };
    ok(
        &v,
        &h,
        &format!("{} — {name}", l.t("queue-public_title")),
        body,
    )
}

/// The applicant accepts, declines or extends a referral; the district's staff confirm an
/// enrolment.
#[utoipa::path(post, path = "/queue/referrals/{id}/{act}", tag = "ui", params(("id" = u64, Path), ("act" = String, Path)), responses((status = 303), (status = 404, content_type = "text/html", body = String), (status = 409, content_type = "text/html", body = String)))]
async fn referral_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path((id, act)): Path<(u64, String)>,
    Form(f): Form<super::Fields>,
) -> Page {
    let h = here(&uri);
    let acc = logged_in(&v, &h)?.clone();
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    let act = match act.as_str() {
        "accept" => ReferralAct::Accept,
        "decline" => ReferralAct::Decline,
        "extend" => ReferralAct::Extend,
        "enrol" => ReferralAct::Enrol,
        _ => return Err(error_page(&v, &h, &Problem::not_found("referral")).into()),
    };
    let s = st.clone();
    let a2 = acc.clone();
    blocking(move || preschool::referral(&s, &a2, id, act))
        .await
        .or_page(&v, &h)?;
    let child = st
        .store
        .queue()
        .read(|q| q.referral(id).map(|r| r.child.clone()))
        .flatten()
        .unwrap_or_default();
    Ok(see_other(&if act == ReferralAct::Enrol {
        "/work/queue?done=queue".to_string()
    } else {
        format!("/applications/{}?done=queue", html::url_enc(&child))
    }))
}

fn staff_body(
    st: &AppState,
    v: &Viewer,
    district: &str,
    errors: &[crate::problem::FieldError],
) -> Markup {
    let l = v.lang;
    let orgs = preschool::organisations(st, district, l);
    let org_opts: Vec<(String, String)> = orgs
        .iter()
        .map(|(id, n, _)| (id.clone(), n.clone()))
        .collect();
    let groups = preschool::groups(st, l);
    let langs: Vec<(String, String)> = ["kk", "ru"]
        .iter()
        .map(|c| (c.to_string(), l.t_in("queue-language", c).to_string()))
        .collect();
    let view = preschool::district_view(st, district);
    html! {
        p { (l.t("queue-staff_intro")) " " a href={ "/queue/" (html::url_enc(district)) } { (l.t("queue-public_link")) } }
        (html::error_summary(l, errors))
        form.panel method="post" action="/work/queue/places" novalidate {
            (html::csrf_input(v))
            (html::select("organisation", l.t("queue-organisation"), &org_opts, "", errors))
            (html::select("group", l.t("queue-group"), &groups, "", errors))
            (html::select("language", l.t("queue-language_col"), &langs, "", errors))
            (Input::text("count", l.t("queue-count")).value("1").style("max-width:6em"))
            button type="submit" { (l.t("queue-declare")) }
        }
        @if let Some(view) = &view {
            p { (l.t_count("queue-open_places", view.open_places as u64)) }
            h2 { (l.t("queue-referrals")) }
            @if view.referrals.is_empty() {
                p { (l.t("queue-no_referrals")) }
            } @else {
                (html::table(
                    &[l.t("queue-issued"), l.t("queue-application"), l.t("queue-organisation"), l.t("queue-status"), ""],
                    html! {
                        @for r in &view.referrals {
                            tr {
                                td { (day(r.issued_at)) }
                                td { a href={ "/applications/" (html::url_enc(&r.child)) } { (r.child) } }
                                td { (preschool::name(st, "organisation", &r.organisation, l)) ", " (preschool::name(st, "group", &r.group, l)) }
                                td {
                                    (l.t_in("queue-referral_state", &r.state))
                                    @if r.state == "issued" { br; span.hint { (l.t("queue-accept_by")) " " (last_day(r.accept_by)) } }
                                }
                                td {
                                    @if r.state == "accepted" {
                                        (referral_form(v, r.id, "enrol", l.t("queue-enrol"), false))
                                    }
                                }
                            }
                        }
                    },
                ))
            }
        }
    }
}

/// The district education department's page: declare free places, see the referrals issued.
#[utoipa::path(get, path = "/work/queue", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn staff_page(State(st): State<AppState>, v: Viewer, uri: Uri) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &h)?.clone();
    let district = preschool::staff_district(&st, &acc).or_page(&v, &h)?;
    let body = html! {
        (banner(l, &uri))
        (staff_body(&st, &v, &district, &[]))
    };
    ok(&v, &h, l.t("queue-staff_title"), body)
}

/// Declare free places (form post; same as `POST /api/queue/places`).
#[utoipa::path(post, path = "/work/queue/places", tag = "ui", responses((status = 303), (status = 409, content_type = "text/html", body = String), (status = 422, content_type = "text/html", body = String)))]
async fn declare_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Form(f): Form<super::Fields>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &h)?.clone();
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    let district = preschool::staff_district(&st, &acc).or_page(&v, &h)?;
    let count = f.get("count").trim().parse::<u32>().unwrap_or(0);
    let (org, group, lang) = (
        f.get("organisation").to_string(),
        f.get("group").to_string(),
        f.get("language").to_string(),
    );
    let s = st.clone();
    let r = blocking(move || preschool::declare(&s, &acc, &org, &group, &lang, count)).await;
    match r {
        Ok(_) => Ok(see_other("/work/queue?done=places_declared")),
        Err(p) if p.status == 409 || p.status == 422 => {
            let e = crate::problem::FieldError {
                field: p.field.clone().unwrap_or_else(|| "count".into()),
                rule: p.rule.clone(),
                detail: l
                    .t_in_opt("problem", &p.rule)
                    .unwrap_or_else(|| l.t("problem-invalid"))
                    .to_string(),
            };
            let body = staff_body(&st, &v, &district, &[e]);
            Ok(html::html(
                p.status_code(),
                html::page(&v, &h, l.t("queue-staff_title"), body),
            ))
        }
        Err(p) => Err(error_page(&v, &h, &p).into()),
    }
}

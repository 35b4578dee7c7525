//! Monitoring and administration pages: SLA tables with server-rendered SVG bar charts
//! (compliance per service, time per step against its legal duration), overdue and at-risk
//! lists, CSV export; the admin page (simulated clock jump, accounts); API tokens.
//!
//! Not for: computing the figures (`monitoring`).

use super::charts;
use super::portal::applications_table;
use super::{Fields, OrPage, Page, PageErr, banner, error_page, here, logged_in, ok, see_other};
use crate::AppState;
use crate::access;
use crate::auth::{SCOPES, Via, Viewer};
use crate::html::{self, Input, local};
use crate::i18n::Lang;
use crate::i18n::Messages;
use crate::ops::blocking;
use crate::problem::Problem;
use crate::{catalogue, monitoring};
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, Uri};
use maud::{Markup, html};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(monitoring_page))
        .routes(routes!(admin_page))
        .routes(routes!(admin_clock_submit))
        .routes(routes!(tokens_page, tokens_submit))
        .routes(routes!(token_revoke_submit))
}

#[derive(Debug, Deserialize)]
struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

/// Compliance, or a dash when no step was measured (100% of nothing says nothing).
fn pct(x: f64, measured: u64) -> String {
    if measured == 0 {
        "—".into()
    } else {
        format!("{:.0}%", x * 100.0)
    }
}

/// Whole minutes; never "-0".
fn n0(x: f64) -> String {
    if x.abs() < 0.5 {
        "0".into()
    } else {
        format!("{x:.0}")
    }
}

/// A regulation's title in `l`, by id (the id if the catalogue has none).
fn service_name(st: &AppState, l: Lang, id: &str) -> String {
    st.ctx
        .regulations()
        .iter()
        .find(|r| r.id == id)
        .map(|r| super::portal::title(l, r).to_string())
        .unwrap_or_else(|| id.to_string())
}

/// SLA monitoring.
#[utoipa::path(get, path = "/monitoring", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn monitoring_page(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Query(q): Query<RangeQuery>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &h)?.clone();
    let s = st.clone();
    let (from, to) = (q.from.clone(), q.to.clone());
    let r = blocking(move || monitoring::report(&s, &acc, from.as_deref(), to.as_deref()))
        .await
        .or_page(&v, &h)?;
    let csv = format!(
        "/api/monitoring/sla?format=csv&lang={}{}{}",
        l.code(),
        q.from
            .as_deref()
            .map(|f| format!("&from={}", html::url_enc(f)))
            .unwrap_or_default(),
        q.to.as_deref()
            .map(|t| format!("&to={}", html::url_enc(t)))
            .unwrap_or_default()
    );
    let rows: Vec<(String, f64, u64)> = r
        .by_service
        .iter()
        .map(|c| (service_name(&st, l, &c.key), c.compliance, c.measured))
        .collect();
    let steps: Vec<(String, f64, f64, Option<f64>)> = r
        .by_step
        .iter()
        .filter(|s| s.completed > 0)
        .map(|s| {
            (
                format!(
                    "{} · {} № {} · {}",
                    service_name(&st, l, &s.regulation),
                    super::portal::channel_name(l, &s.channel),
                    s.step + 1,
                    catalogue::role_name(None, &s.role, l)
                ),
                s.avg_minutes,
                s.p90_minutes,
                s.legal_minutes,
            )
        })
        .collect();
    let compliance_head = [
        l.t("monitoring-key"),
        l.t("monitoring-measured"),
        l.t("monitoring-on_time"),
        l.t("monitoring-compliance"),
        l.t("monitoring-late_count"),
    ];
    let b = html! {
        (banner(l, &uri))
        form.panel method="get" action="/monitoring" {
            (Input::text("from", l.t("monitoring-from"))
                .value(q.from.as_deref().unwrap_or(""))
                .hint(l.t("monitoring-date_hint"))
                .style("max-width:12em"))
            (Input::text("to", l.t("monitoring-to"))
                .value(q.to.as_deref().unwrap_or(""))
                .style("max-width:12em"))
            button type="submit" class="secondary" { (l.t("monitoring-apply")) }
        }
        p {
            (l.t("monitoring-at")) ": " (local(r.at)) " · "
            (l.t_count("monitoring-applications", r.applications)) " · "
            span.tag.on_time { (l.t("sla-on_time")) " " (r.open_on_time) }
            " "
            span.tag.at_risk { (l.t("sla-at_risk")) " " (r.open_at_risk) }
            " "
            span.tag.overdue { (l.t("sla-overdue")) " " (r.open_overdue) }
            " · "
            span.tag.late { (l.t_count("monitoring-results_late", r.results_late)) }
            " · " a href=(csv) { "CSV" }
        }
        h2 { (l.t("monitoring-compliance_chart")) }
        figure { (charts::compliance_svg(l.t("monitoring-compliance_chart"), &rows)) }
        h2 { (l.t("monitoring-time_chart")) }
        figure {
            (charts::steps_svg(
                l.t("monitoring-time_chart"),
                [l.t("monitoring-avg"), l.t("monitoring-p90"), l.t("monitoring-legal")],
                l.t("monitoring-minutes_short"),
                &steps,
            ))
        }
        h2 { (l.t("monitoring-overdue")) }
        (applications_table(&st, l, &r.overdue, true))
        h2 { (l.t("monitoring-at_risk")) }
        (applications_table(&st, l, &r.at_risk, true))
        section id="late" aria-labelledby="late-h" {
            h2 id="late-h" { (l.t("monitoring-late")) }
            @if r.results_late > 0 {
                p { (l.t_args("monitoring-late_total", &[
                    ("count", r.results_late.into()),
                    ("days", r.results_late_days.into()),
                ])) }
            }
            (applications_table(&st, l, &r.late, true))
        }
        @for (title, rows, kind) in [
            (l.t("monitoring-by_service"), &r.by_service, 0),
            (l.t("monitoring-by_provider"), &r.by_provider, 1),
            (l.t("monitoring-by_role"), &r.by_role, 2),
        ] {
            h2 { (title) }
            (html::table(&compliance_head, html! {
                @for c in rows {
                    tr {
                        td {
                            (match kind {
                                0 => service_name(&st, l, &c.key),
                                1 => super::portal::org_name(&st, l, &c.key),
                                _ => catalogue::role_name(None, &c.key, l),
                            })
                        }
                        td { (c.measured) } td { (c.on_time) } td { (pct(c.compliance, c.measured)) }
                        td { (c.late) }
                    }
                }
            }))
        }
        h2 { (l.t("monitoring-by_step")) }
        (html::table(
            &[
                l.t("monitoring-step"),
                l.t("timeline-duration"),
                l.t("monitoring-measured"),
                l.t("monitoring-compliance"),
                l.t("monitoring-late_steps"),
                l.t("monitoring-avg"),
                l.t("monitoring-p90"),
                l.t("monitoring-legal"),
            ],
            html! {
                @for s in &r.by_step {
                    tr {
                        td {
                            (service_name(&st, l, &s.regulation)) " · "
                            (super::portal::channel_name(l, &s.channel))
                            " № " (s.step + 1) " · " (catalogue::role_name(None, &s.role, l))
                        }
                        td {
                            (s.legal_duration.as_deref().map(|d| super::portal::duration_text(l, d)).unwrap_or_else(|| "—".into()))
                        }
                        td { (s.measured) }
                        td { (pct(s.compliance, s.measured)) }
                        td { (s.late) }
                        td { (n0(s.avg_minutes)) }
                        td { (n0(s.p90_minutes)) }
                        td { (s.legal_minutes.map(n0).unwrap_or_else(|| "—".into())) }
                    }
                }
            },
        ))
    };
    ok(&v, &h, l.t("monitoring-title"), b)
}

/// Sandbox administration: the simulated clock, accounts.
#[utoipa::path(get, path = "/admin", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn admin_page(State(st): State<AppState>, v: Viewer, uri: Uri) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &h)?.clone();
    access::require_admin(&acc).or_page(&v, &h)?;
    let accounts = st.accounts.list().map_err(Problem::from).or_page(&v, &h)?;
    let b = html! {
        (banner(l, &uri))
        h2 { (l.t("admin-clock")) }
        p {
            (l.t("home-clock")) ": " b { (local(st.now())) }
            " (" (l.t_args("admin-offset", &[("count", (st.clock.offset().as_secs() / 60).into())])) ")"
        }
        @if st.clock_adjustable() {
            form method="post" action="/admin/clock/form" {
                (html::csrf_input(&v))
                (Input::new("number", "advance_minutes", l.t("admin-advance"))
                    .value("1440")
                    .hint(l.t("admin-advance_hint")))
                button type="submit" { (l.t("admin-advance_submit")) }
            }
        } @else {
            p { (l.t("admin-clock_fixed")) }
        }
        h2 { (l.t("admin-accounts")) }
        (html::table(
            &[l.t("admin-login"), l.t("admin-kind"), l.t("admin-org"), l.t("admin-roles")],
            html! {
                @for a in &accounts {
                    tr {
                        td { (a.login) }
                        td { (l.t_in("account_kind", a.kind.as_str())) }
                        td { (a.org.as_deref().map(|o| super::portal::org_name(&st, l, o)).unwrap_or_default()) }
                        td {
                            @for (i, r) in a.roles.iter().enumerate() {
                                @if i > 0 { "; " }
                                (catalogue::role_name(None, r, l))
                            }
                        }
                    }
                }
            },
        ))
    };
    ok(&v, &h, l.t("admin-title"), b)
}

/// Move the simulated clock (form post; same as `POST /admin/clock`).
#[utoipa::path(post, path = "/admin/clock/form", tag = "ui", responses((status = 303)))]
async fn admin_clock_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Page {
    let h = here(&uri);
    let acc = logged_in(&v, "/admin")?.clone();
    access::require_admin(&acc).or_page(&v, &h)?;
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    let minutes: i64 = f
        .get("advance_minutes")
        .trim()
        .parse()
        .map_err(|_| Problem::invalid("advance_minutes", "integer", "a whole number of minutes"))
        .or_page(&v, &h)?;
    crate::api::clock_jump(&st, minutes).or_page(&v, &h)?;
    Ok(see_other("/admin?done=clock"))
}

fn tokens_body(st: &AppState, v: &Viewer, created: Option<&str>) -> Result<Markup, Problem> {
    let l = v.lang;
    let acc = v.require()?;
    let tokens = st.accounts.tokens(acc.id)?;
    let scopes = SCOPES
        .iter()
        .filter(|s| **s != "admin" || acc.kind == crate::accounts::Kind::Admin)
        .filter(|s| {
            **s != "metrics"
                || matches!(
                    acc.kind,
                    crate::accounts::Kind::Admin | crate::accounts::Kind::Monitor
                )
        });
    Ok(html! {
        @if let Some(t) = created {
            div.banner role="status" { p { (l.t("tokens-created")) } p { code { (t) } } }
        }
        (html::table(
            &[l.t("tokens-name"), l.t("tokens-scopes"), l.t("tokens-created_at"), ""],
            html! {
                @for t in &tokens {
                    tr {
                        td { (t.name) }
                        td {
                            @for (i, sc) in t.scopes.iter().enumerate() {
                                @if i > 0 { "; " }
                                (l.t_in("tokens-scope", sc))
                            }
                        }
                        td {
                            (crate::accounts::parse_ts(&t.created_at)
                                .map(local)
                                .unwrap_or_else(|| t.created_at.clone()))
                        }
                        td {
                            @if t.revoked_at.is_some() {
                                (l.t("tokens-revoked"))
                            } @else {
                                form.inline method="post" action={ "/tokens/" (t.id) "/revoke" } {
                                    (html::csrf_input(v))
                                    button type="submit" class="warning" { (l.t("tokens-revoke")) }
                                }
                            }
                        }
                    }
                }
            },
        ))
        h2 { (l.t("tokens-new")) }
        form method="post" action="/tokens" {
            (html::csrf_input(v))
            (Input::text("name", l.t("tokens-name")).hint(l.t("tokens-name_hint")))
            div.form-group {
                fieldset.checkboxes {
                    legend { (l.t("tokens-scopes")) }
                    @for s in scopes {
                        div {
                            input type="checkbox" id={ "s-" (s) } name="scopes" value=(s);
                            label for={ "s-" (s) } { (l.t_in("tokens-scope", s)) }
                        }
                    }
                }
            }
            button type="submit" { (l.t("tokens-create")) }
        }
    })
}

/// Your API tokens.
#[utoipa::path(get, path = "/tokens", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn tokens_page(State(st): State<AppState>, v: Viewer, uri: Uri) -> Page {
    let (l, h) = (v.lang, here(&uri));
    logged_in(&v, &h)?;
    v.require_token_admin().or_page(&v, &h)?;
    let tokens = tokens_body(&st, &v, None).or_page(&v, &h)?;
    ok(
        &v,
        &h,
        l.t("tokens-title"),
        html! { (banner(l, &uri)) (tokens) },
    )
}

/// Create an API token (form post); its secret is shown once.
#[utoipa::path(post, path = "/tokens", tag = "ui", responses((status = 201, content_type = "text/html", body = String)))]
async fn tokens_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Form(f): Form<Fields>,
) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &h)?.clone();
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    if !matches!(v.via, Via::Session { .. }) {
        return Err(PageErr::from(error_page(
            &v,
            &h,
            &Problem::forbidden("token.session_only", "log in to create tokens"),
        )));
    }
    let (_, token, _) =
        crate::api::create_token_for(&st, &acc, f.get("name"), &f.all("scopes")).or_page(&v, &h)?;
    let body = tokens_body(&st, &v, Some(&token)).or_page(&v, &h)?;
    Ok(html::html(
        StatusCode::CREATED,
        html::page(&v, &h, l.t("tokens-title"), body),
    ))
}

/// Revoke an API token (form post).
#[utoipa::path(post, path = "/tokens/{id}/revoke", tag = "ui", params(("id" = i64, Path)), responses((status = 303)))]
async fn token_revoke_submit(
    State(st): State<AppState>,
    v: Viewer,
    uri: Uri,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> Page {
    let h = here(&uri);
    let acc = logged_in(&v, "/tokens")?.clone();
    v.require_token_admin().or_page(&v, &h)?;
    v.check_csrf(Some(f.get("csrf"))).or_page(&v, &h)?;
    if !st
        .accounts
        .revoke_token(acc.id, id)
        .map_err(Problem::from)
        .or_page(&v, &h)?
    {
        return Err(PageErr::from(error_page(
            &v,
            &h,
            &Problem::not_found("such live token of yours"),
        )));
    }
    Ok(see_other("/tokens?done=token_revoked"))
}

/// The monitoring report as CSV for a Kazakh or Russian reader: headers in `l`, services,
/// providers, roles and channels by name (never an id), durations in words; the columns and
/// rows of [`monitoring::csv`] (the English, machine-readable form with ids).
pub fn sla_csv(st: &AppState, l: Lang, r: &monitoring::Report) -> String {
    const COLUMNS: [&str; 15] = [
        "group",
        "name",
        "channel",
        "step",
        "role",
        "legal_duration",
        "measured",
        "on_time",
        "compliance",
        "completed",
        "avg_minutes",
        "p90_minutes",
        "legal_minutes",
        "late",
        "working_days_late",
    ];
    let mut rows: Vec<[String; 15]> = vec![];
    let num = |n: u64| n.to_string();
    let blank = || std::array::from_fn::<String, 15, _>(|_| String::new());
    for (group, list) in [
        ("service", &r.by_service),
        ("provider", &r.by_provider),
        ("role", &r.by_role),
    ] {
        for c in list {
            let mut row = blank();
            row[0] = l.t_in("csv-group", group).into();
            row[1] = match group {
                "service" => service_name(st, l, &c.key),
                "provider" => super::portal::org_name(st, l, &c.key),
                _ => catalogue::role_name(None, &c.key, l),
            };
            row[6] = num(c.measured);
            row[7] = num(c.on_time);
            row[8] = format!("{:.4}", c.compliance);
            row[13] = num(c.late);
            rows.push(row);
        }
    }
    for x in &r.by_step {
        let mut row = blank();
        row[0] = l.t_in("csv-group", "step").into();
        row[1] = service_name(st, l, &x.regulation);
        row[2] = super::portal::channel_name(l, &x.channel).into();
        row[3] = (x.step + 1).to_string();
        row[4] = catalogue::role_name(None, &x.role, l);
        row[5] = x
            .legal_duration
            .as_deref()
            .map(|d| super::portal::duration_text(l, d))
            .unwrap_or_default();
        row[6] = num(x.measured);
        row[7] = num(x.on_time);
        row[8] = format!("{:.4}", x.compliance);
        row[9] = num(x.completed);
        row[10] = format!("{:.1}", x.avg_minutes);
        row[11] = format!("{:.1}", x.p90_minutes);
        row[12] = x
            .legal_minutes
            .map(|m| format!("{m:.1}"))
            .unwrap_or_default();
        row[13] = num(x.late);
        rows.push(row);
    }
    let mut row = blank();
    row[0] = l.t_in("csv-group", "results_late").into();
    row[1] = l.t("csv-all").into();
    row[13] = num(r.results_late);
    row[14] = num(r.results_late_days);
    rows.push(row);
    for (kind, list) in [
        ("overdue", &r.overdue),
        ("at_risk", &r.at_risk),
        ("late", &r.late),
    ] {
        for a in list {
            let mut row = blank();
            row[0] = l.t_in("csv-group", kind).into();
            // The application's number: what staff quote and search by.
            row[1] = a.id.clone();
            row[2] = super::portal::channel_name(l, &a.channel).into();
            row[3] = (a.step + 1).to_string();
            row[4] = a
                .role
                .as_deref()
                .map(|x| catalogue::role_name(None, x, l))
                .unwrap_or_default();
            if let Some(late) = &a.late {
                row[13] = "1".into();
                row[14] = late.working_days.to_string();
            }
            rows.push(row);
        }
    }
    let mut w = csv::Writer::from_writer(vec![]);
    // Into memory: nothing can fail but running out of it.
    let _ = w.write_record(COLUMNS.map(|c| l.t_in("csv-col", c)));
    for row in &rows {
        let _ = w.write_record(row);
    }
    w.into_inner()
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

//! Monitoring and administration pages: SLA tables with server-rendered SVG bar charts
//! (compliance per service, time per step against its legal duration), overdue and at-risk
//! lists, CSV export; the admin page (simulated clock jump, accounts); API tokens.
//!
//! Not for: computing the figures (`monitoring`).

use super::portal::applications_table;
use super::{Fields, OrPage, Page, PageErr, banner, error_page, here, logged_in, ok, see_other};
use crate::AppState;
use crate::access;
use crate::auth::{SCOPES, Via, Viewer};
use crate::html::{self, esc, local};
use crate::monitoring;
use crate::ops::blocking;
use crate::problem::Problem;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, Uri};
use serde::Deserialize;
use std::fmt::Write;
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

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
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
    let mut b = banner(l, &uri);
    let _ = write!(
        b,
        r#"<form method="get" action="/monitoring" class="panel">{}{}<button type="submit" class="secondary">{}</button></form>"#,
        html::input(
            "text",
            "from",
            l.t("monitoring.from"),
            q.from.as_deref().unwrap_or(""),
            Some(l.t("monitoring.date_hint")),
            &[],
            r#"style="max-width:12em""#
        ),
        html::input(
            "text",
            "to",
            l.t("monitoring.to"),
            q.to.as_deref().unwrap_or(""),
            None,
            &[],
            r#"style="max-width:12em""#
        ),
        l.t("monitoring.apply"),
    );
    let csv = format!(
        "/api/monitoring/sla?format=csv{}{}",
        q.from
            .as_deref()
            .map(|f| format!("&from={}", html::url_enc(f)))
            .unwrap_or_default(),
        q.to.as_deref()
            .map(|t| format!("&to={}", html::url_enc(t)))
            .unwrap_or_default()
    );
    let _ = write!(
        b,
        r#"<p>{}: {} · {}: {} · <span class="tag on_time">{} {}</span> <span class="tag at_risk">{} {}</span> <span class="tag overdue">{} {}</span> · <a href="{}">CSV</a></p>"#,
        l.t("monitoring.at"),
        local(r.at),
        l.t("monitoring.applications"),
        r.applications,
        l.t("sla.on_time"),
        r.open_on_time,
        l.t("sla.at_risk"),
        r.open_at_risk,
        l.t("sla.overdue"),
        r.open_overdue,
        esc(&csv)
    );
    // Charts.
    let rows: Vec<(String, f64, u64)> = r
        .by_service
        .iter()
        .map(|c| (c.key.clone(), c.compliance, c.measured))
        .collect();
    let _ = write!(
        b,
        "<h2>{}</h2><figure>{}</figure>",
        l.t("monitoring.compliance_chart"),
        monitoring::compliance_svg(l.t("monitoring.compliance_chart"), &rows)
    );
    let steps: Vec<(String, f64, f64, Option<f64>)> = r
        .by_step
        .iter()
        .filter(|s| s.completed > 0)
        .map(|s| {
            (
                format!(
                    "{} · {} #{} {}",
                    s.regulation,
                    s.channel,
                    s.step + 1,
                    s.role
                ),
                s.avg_minutes,
                s.p90_minutes,
                s.legal_minutes,
            )
        })
        .collect();
    let _ = write!(
        b,
        "<h2>{}</h2><figure>{}</figure>",
        l.t("monitoring.time_chart"),
        monitoring::steps_svg(
            l.t("monitoring.time_chart"),
            [
                l.t("monitoring.avg"),
                l.t("monitoring.p90"),
                l.t("monitoring.legal")
            ],
            &steps
        )
    );
    // Overdue and at risk.
    let _ = write!(b, "<h2>{}</h2>", l.t("monitoring.overdue"));
    b.push_str(&applications_table(&st, l, &r.overdue, true));
    let _ = write!(b, "<h2>{}</h2>", l.t("monitoring.at_risk"));
    b.push_str(&applications_table(&st, l, &r.at_risk, true));
    // Tables.
    for (title, rows) in [
        (l.t("monitoring.by_service"), &r.by_service),
        (l.t("monitoring.by_provider"), &r.by_provider),
        (l.t("monitoring.by_role"), &r.by_role),
    ] {
        let _ = write!(
            b,
            "<h2>{title}</h2><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            l.t("monitoring.key"),
            l.t("monitoring.measured"),
            l.t("monitoring.on_time"),
            l.t("monitoring.compliance")
        );
        for c in rows {
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&c.key),
                c.measured,
                c.on_time,
                pct(c.compliance)
            );
        }
        b.push_str("</tbody></table>");
    }
    let _ = write!(
        b,
        "<h2>{}</h2><table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        l.t("monitoring.by_step"),
        l.t("monitoring.step"),
        l.t("timeline.duration"),
        l.t("monitoring.measured"),
        l.t("monitoring.compliance"),
        l.t("monitoring.avg"),
        l.t("monitoring.p90"),
        l.t("monitoring.legal"),
    );
    for s in &r.by_step {
        let _ = write!(
            b,
            "<tr><td>{} · {} #{} ({})</td><td>{}</td><td>{}</td><td>{}</td><td>{:.0}</td><td>{:.0}</td><td>{}</td></tr>",
            esc(&s.regulation),
            super::portal::channel_name(l, &s.channel),
            s.step + 1,
            esc(&s.role),
            s.legal_duration
                .as_deref()
                .map(|d| esc(&super::portal::duration_text(l, d)))
                .unwrap_or_else(|| "—".into()),
            s.measured,
            pct(s.compliance),
            s.avg_minutes,
            s.p90_minutes,
            s.legal_minutes
                .map(|m| format!("{m:.0}"))
                .unwrap_or_else(|| "—".into())
        );
    }
    b.push_str("</tbody></table>");
    ok(&v, &h, l.t("monitoring.title"), &b)
}

/// Sandbox administration: the simulated clock, accounts.
#[utoipa::path(get, path = "/admin", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn admin_page(State(st): State<AppState>, v: Viewer, uri: Uri) -> Page {
    let (l, h) = (v.lang, here(&uri));
    let acc = logged_in(&v, &h)?.clone();
    access::require_admin(&acc).or_page(&v, &h)?;
    let mut b = banner(l, &uri);
    let _ = write!(
        b,
        r#"<h2>{}</h2><p>{}: <b>{}</b> ({} {} min)</p>"#,
        l.t("admin.clock"),
        l.t("home.clock"),
        local(st.now()),
        l.t("admin.offset"),
        st.clock.offset().as_secs() / 60
    );
    if st.clock_adjustable() {
        let _ = write!(
            b,
            r#"<form method="post" action="/admin/clock/form">{}{}<button type="submit">{}</button></form>"#,
            html::csrf_input(&v),
            html::input(
                "number",
                "advance_minutes",
                l.t("admin.advance"),
                "1440",
                Some(l.t("admin.advance_hint")),
                &[],
                ""
            ),
            l.t("admin.advance_submit")
        );
    } else {
        let _ = write!(b, "<p>{}</p>", l.t("admin.clock_fixed"));
    }
    let accounts = st.accounts.list().map_err(Problem::from).or_page(&v, &h)?;
    let _ = write!(
        b,
        "<h2>{}</h2><table><thead><tr><th scope=\"col\">login</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        l.t("admin.accounts"),
        l.t("admin.kind"),
        l.t("admin.org"),
        l.t("admin.roles")
    );
    for a in accounts {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&a.login),
            a.kind.as_str(),
            esc(a.org.as_deref().unwrap_or("")),
            esc(&a.roles.join(", "))
        );
    }
    b.push_str("</tbody></table>");
    ok(&v, &h, l.t("admin.title"), &b)
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

fn tokens_body(st: &AppState, v: &Viewer, created: Option<&str>) -> Result<String, Problem> {
    let l = v.lang;
    let acc = v.require()?;
    let mut b = String::new();
    if let Some(t) = created {
        let _ = write!(
            b,
            r#"<div class="banner" role="status"><p>{}</p><p><code>{}</code></p></div>"#,
            l.t("tokens.created"),
            esc(t)
        );
    }
    let tokens = st.accounts.tokens(acc.id)?;
    let _ = write!(
        b,
        "<table><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\"></th></tr></thead><tbody>",
        l.t("tokens.name"),
        l.t("tokens.scopes"),
        l.t("tokens.created_at")
    );
    for t in &tokens {
        let action = if t.revoked_at.is_some() {
            l.t("tokens.revoked").to_string()
        } else {
            format!(
                r#"<form method="post" action="/tokens/{}/revoke" class="inline">{}<button type="submit" class="warning">{}</button></form>"#,
                t.id,
                html::csrf_input(v),
                l.t("tokens.revoke")
            )
        };
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{action}</td></tr>",
            esc(&t.name),
            esc(&t.scopes.join(", ")),
            esc(&t.created_at)
        );
    }
    b.push_str("</tbody></table>");
    let scopes: String = SCOPES
        .iter()
        .filter(|s| **s != "admin" || acc.kind == crate::accounts::Kind::Admin)
        .map(|s| format!(r#"<div><input type="checkbox" id="s-{s}" name="scopes" value="{s}"><label for="s-{s}">{s} — {}</label></div>"#, l.t(&format!("tokens.scope_{s}"))))
        .collect();
    let _ = write!(
        b,
        r#"<h2>{}</h2><form method="post" action="/tokens">{}{}<div class="form-group"><fieldset class="checkboxes"><legend>{}</legend>{scopes}</fieldset></div><button type="submit">{}</button></form>"#,
        l.t("tokens.new"),
        html::csrf_input(v),
        html::input(
            "text",
            "name",
            l.t("tokens.name"),
            "",
            Some(l.t("tokens.name_hint")),
            &[],
            ""
        ),
        l.t("tokens.scopes"),
        l.t("tokens.create"),
    );
    Ok(b)
}

/// Your API tokens.
#[utoipa::path(get, path = "/tokens", tag = "ui", responses((status = 200, content_type = "text/html", body = String)))]
async fn tokens_page(State(st): State<AppState>, v: Viewer, uri: Uri) -> Page {
    let (l, h) = (v.lang, here(&uri));
    logged_in(&v, &h)?;
    let mut body = banner(l, &uri);
    body.push_str(&tokens_body(&st, &v, None).or_page(&v, &h)?);
    ok(&v, &h, l.t("tokens.title"), &body)
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
        html::page(&v, &h, l.t("tokens.title"), &body),
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

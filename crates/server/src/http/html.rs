//! HTML building blocks for the server-rendered pages, as typed `maud` templates: the page
//! layout (skip link, header with navigation and language switcher, `lang` attribute, focus
//! styles), accessible form fields (labels, hints, error messages tied by `aria-describedby`,
//! an error summary), tables and SLA tags.
//!
//! For: producing markup safely — `maud` escapes every spliced value, so no text reaches a
//! page unescaped; `PreEscaped` is kept for markup we generate ourselves (the stylesheet, SVG
//! diagrams). Not for: what a page says (see `ui`) or interface messages (`locales/`).

use crate::accounts::Kind;
use crate::auth::Viewer;
use crate::i18n::{Lang, Messages};
use crate::problem::FieldError;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiff::Timestamp;
use maud::{DOCTYPE, Markup, PreEscaped, Render, html};
use std::fmt::Write;

/// Percent-encodes a query or path component.
pub fn url_enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// An instant as Almaty civil time, `02.12.2019 10:15` (dates are shown dd.mm.yyyy).
pub fn local(t: Timestamp) -> String {
    t.to_zoned_datetime(calendar::almaty())
        .strftime("%d.%m.%Y %H:%M")
        .to_string()
}

/// A date of the regulations' `2019-07-11` form as `11.07.2019`; other text unchanged.
pub fn date(iso: &str) -> String {
    match iso.split('-').collect::<Vec<_>>().as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => format!("{d}.{m}.{y}"),
        _ => iso.to_string(),
    }
}

pub fn opt_local(t: Option<Timestamp>) -> String {
    t.map(local).unwrap_or_else(|| "—".into())
}

const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;font-family:"DejaVu Sans",Arial,sans-serif;font-size:17px;line-height:1.45;color:#0b0c0c;background:#fff}
a{color:#1d70b8}a:visited{color:#4c2c92}a:hover{color:#003078}
a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus{outline:3px solid #ffdd00;outline-offset:0;box-shadow:0 -2px #ffdd00,0 4px #0b0c0c;background:#ffdd00;color:#0b0c0c}
input:focus,select:focus,textarea:focus{background:#fff;box-shadow:inset 0 0 0 2px #0b0c0c}
.skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;padding:8px;z-index:9}
header.top{background:#0b0c0c;color:#fff;padding:10px 20px;border-bottom:10px solid #1d70b8;display:flex;flex-wrap:wrap;align-items:center;gap:6px 18px}
header.top a{color:#fff;text-decoration:none}header.top a:focus{color:#0b0c0c}
header.top .brand{font-weight:bold;font-size:22px}
header.top nav{display:flex;flex-wrap:wrap;gap:6px 16px}
header.top .right{margin-left:auto;min-width:0;max-width:100%;display:flex;flex-wrap:wrap;align-items:center;gap:6px 14px}
header.top .langs{display:flex;gap:10px}
header.top .who{max-width:min(22em,100%);min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;color:#f3f2f1}
header.top form{display:inline}header.top button{background:none;border:1px solid #fff;color:#fff;padding:2px 8px;font:inherit;cursor:pointer;box-shadow:none}
.langs a[aria-current]{text-decoration:underline;font-weight:bold}
main{max-width:1100px;margin:0 auto;padding:20px}
h1{font-size:32px;margin:10px 0 20px}h2{font-size:24px;margin-top:30px}
h1,h2,h3,td,th,p,dd{overflow-wrap:break-word;hyphens:auto}
@media (max-width:480px){h1{font-size:26px}h2{font-size:21px}}
.caption{color:#505a5f;font-size:19px}
table{border-collapse:collapse;width:100%;margin:10px 0 25px}
.table-wrap{overflow-x:auto;margin:10px 0 25px}.table-wrap table{margin:0}
.facts th,.facts td{overflow-wrap:anywhere}
th,td{text-align:left;border-bottom:1px solid #b1b4b6;padding:8px 10px 8px 0;vertical-align:top}
th{font-weight:bold}
.form-group{margin-bottom:22px}.form-group.error{border-left:5px solid #d4351c;padding-left:12px}
label,legend{display:block;font-weight:bold;margin-bottom:4px}
.hint{color:#505a5f;margin-bottom:6px}
ul.referrals{list-style:none;padding:0}ul.referrals li{border-bottom:1px solid #b1b4b6;padding:8px 0}
.error-message{color:#d4351c;font-weight:bold;display:block;margin-bottom:6px;overflow-wrap:anywhere}
input[type=text],input[type=password],input[type=tel],input[type=search],input[type=number],select,textarea{font:inherit;border:2px solid #0b0c0c;padding:5px;width:100%;max-width:34em}
input[type=number]{max-width:10em}
textarea{min-height:5em}
.radios label,.checkboxes label{display:inline;font-weight:normal;margin-left:6px}
.radios div,.checkboxes div{margin:6px 0}
button,.button{font:inherit;background:#00703c;color:#fff;border:0;box-shadow:0 2px 0 #002d18;padding:8px 14px;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#f3f2f1;color:#0b0c0c;box-shadow:0 2px 0 #929191}
button.warning{background:#d4351c;box-shadow:0 2px 0 #55150b}
.error-summary{border:5px solid #d4351c;padding:15px;margin-bottom:25px;overflow-wrap:anywhere}
.error-summary h2{margin-top:0}
.banner{border:5px solid #00703c;padding:15px;margin-bottom:25px}
.panel{background:#f3f2f1;padding:15px;margin:15px 0}
.receipt{font-size:28px;font-weight:bold;letter-spacing:2px}
.tag{display:inline-block;padding:2px 8px;font-weight:bold;font-size:15px;text-transform:uppercase}
.tag.on_time{background:#cce2d8;color:#005a30}.tag.at_risk{background:#fff7bf;color:#594d00}.tag.overdue,.tag.late{background:#f6d7d2;color:#942514}
.tag.done{background:#cce2d8;color:#005a30}.tag.current{background:#bbd4ea;color:#0c2d4a}.tag.pending,.tag.not_reached,.tag.failure_only{background:#f3f2f1;color:#383f43}
.tag.closed{background:#e5e6e7;color:#0b0c0c}
tr.current td{background:#f3f9ff}
figure{margin:10px 0 25px;overflow-x:auto;border:1px solid #b1b4b6;padding:8px}
footer{border-top:1px solid #b1b4b6;margin-top:40px;padding:20px;color:#505a5f;font-size:15px}
.inline{display:inline}
.print-link{margin:0 0 15px}
@media print{header.top,footer,.skip,form.filters,nav.pager,.print-link,.no-print,section.panel form{display:none!important}main{max-width:none;padding:0}body{font-size:12px}a{color:#000;text-decoration:none}table{font-size:12px}}
"#;

/// Where the language switcher and `?lang=` links point: the current path and query without
/// `lang`.
pub fn with_lang(path_and_query: &str, lang: Lang) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut parts: Vec<&str> = query
        .split('&')
        .filter(|kv| !kv.is_empty() && !kv.starts_with("lang=") && !kv.starts_with("done="))
        .collect();
    let l = format!("lang={}", lang.code());
    parts.push(&l);
    format!("{path}?{}", parts.join("&"))
}

/// The main navigation of a viewer: (href, text).
fn nav_links(v: &Viewer) -> Vec<(&'static str, &'static str)> {
    let l = v.lang;
    let mut nav = vec![
        ("/services", l.t("nav-services")),
        ("/queue", l.t("nav-queue")),
    ];
    match v.kind() {
        Some(Kind::Citizen) => nav.push(("/cabinet", l.t("nav-cabinet"))),
        Some(Kind::Staff) => {
            let sc = v.account.as_ref().and_then(|a| a.org.as_deref())
                == Some(engine::STATE_CORPORATION);
            nav.push(if sc {
                ("/sc", l.t("nav-sc"))
            } else {
                ("/work", l.t("nav-work"))
            });
            nav.push(("/monitoring", l.t("nav-monitoring")));
        }
        Some(Kind::Monitor) => nav.push(("/monitoring", l.t("nav-monitoring"))),
        Some(Kind::Admin) => {
            nav.push(("/monitoring", l.t("nav-monitoring")));
            nav.push(("/admin", l.t("nav-admin")));
        }
        None => {}
    }
    nav
}

/// A whole page: the layout around `body`, with `title` as `<title>` and `<h1>`.
pub fn page(v: &Viewer, here: &str, title: &str, body: Markup) -> Markup {
    let l = v.lang;
    html! {
        (DOCTYPE)
        html lang=(l.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (l.t("brand")) }
                // Our own constant stylesheet.
                style { (PreEscaped(CSS)) }
            }
            body {
                a.skip href="#main" { (l.t("nav-skip")) }
                header.top {
                    a.brand href="/" { (l.t("brand")) }
                    nav aria-label=(l.t("nav-label")) {
                        @for (href, text) in nav_links(v) { a href=(href) { (text) } }
                    }
                    div.right {
                        nav.langs aria-label=(l.t("nav-languages")) {
                            @for x in Lang::ALL {
                                a href=(with_lang(here, x)) lang=(x.code()) hreflang=(x.code())
                                    aria-current=[(x == l).then_some("true")] { (x.native_name()) }
                            }
                        }
                        @if let Some(a) = &v.account {
                            span.who title=(a.login) { (a.name) }
                            a href=(crate::auth::PASSWORD_PAGE) title=(l.t("password-link")) { (l.t("nav-password")) }
                            a href="/tokens" { (l.t("nav-tokens")) }
                            form method="post" action="/logout" {
                                (csrf_input(v))
                                button type="submit" { (l.t("nav-logout")) }
                            }
                        } @else {
                            a href="/login" { (l.t("nav-login")) }
                            a href="/register" { (l.t("nav-register")) }
                        }
                    }
                }
                main id="main" tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
                footer { (l.t("footer-text")) }
            }
        }
    }
}

/// A page as a response.
pub fn html(status: StatusCode, page: Markup) -> Response {
    (status, Html(page.into_string())).into_response()
}

/// Marks a page that loads `/static/ncalayer.js` (a response extension): its
/// Content-Security-Policy lets our own script run and reach NCALayer.
#[derive(Debug, Clone, Copy)]
pub struct SigningScript;

/// The script of the signing pages, ours, served by this server (no inline code).
pub const NCALAYER_JS: &str = include_str!("../../assets/ncalayer.js");

/// The `<script>` that loads [`NCALAYER_JS`]; the page's response must carry [`SigningScript`]
/// ([`with_signing_script`]), or the browser refuses to run it.
pub fn signing_script() -> Markup {
    html! { script src="/static/ncalayer.js" defer {} }
}

/// Marks `res` as a page that runs the signing script.
pub fn with_signing_script(mut res: Response) -> Response {
    res.extensions_mut().insert(SigningScript);
    res
}

/// The CSRF hidden input of a form.
pub fn csrf_input(v: &Viewer) -> Markup {
    html! { input type="hidden" name="csrf" value=(v.csrf); }
}

/// A hidden input.
pub fn hidden(name: &str, value: &str) -> Markup {
    html! { input type="hidden" name=(name) value=(value); }
}

/// Whether an error's detail is already worded for a `l` page: English always; for Kazakh
/// and Russian Cyrillic text naming no id (`_`) nor code (`` ` ``). The API's own details are
/// English; handlers that know the request's language word theirs with Fluent messages.
pub fn in_language(l: Lang, detail: &str) -> bool {
    match l {
        Lang::En => !detail.is_empty(),
        _ => {
            detail.chars().any(|c| matches!(c, '\u{0400}'..='\u{04FF}'))
                && !detail.contains(['_', '`'])
        }
    }
}

/// What an HTTP status means, for an error page whose rule has no words of its own.
pub fn status_words(l: Lang, status: u16) -> &'static str {
    let key = match status {
        400 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503 => status.to_string(),
        s if s >= 500 => "500".into(),
        _ => "400".into(),
    };
    l.t_in("http_status", &key)
}

/// A field error in the page's language: its detail when worded for it, else its rule's
/// message, else "check this field".
pub fn field_detail(l: Lang, e: &FieldError) -> &str {
    if in_language(l, &e.detail) {
        &e.detail
    } else {
        l.t_in_opt("problem", &e.rule)
            .unwrap_or_else(|| l.t("problem-invalid"))
    }
}

/// Field errors as a `l` page shows them (see [`field_detail`]).
pub fn localise(l: Lang, errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.detail = field_detail(l, &e).to_string();
            e
        })
        .collect()
}

/// An error summary linking to the fields at fault.
pub fn error_summary(l: Lang, errors: &[FieldError]) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.error-summary role="alert" tabindex="-1" {
                h2 { (l.t("form-error_summary")) }
                ul {
                    @for e in errors {
                        li { a href={ "#f-" (e.field) } { (field_detail(l, e)) } }
                    }
                }
            }
        }
    }
}

fn err_for<'a>(errors: &'a [FieldError], name: &str) -> Option<&'a FieldError> {
    errors.iter().find(|e| e.field == name)
}

/// The error message of a field, if it has one.
pub fn error_message(e: Option<&FieldError>) -> Markup {
    html! {
        @if let Some(e) = e { span.error-message { (e.detail) } }
    }
}

/// A labelled input (text, tel, password, number, search) with its hint and error.
pub struct Input<'a> {
    kind: &'a str,
    name: &'a str,
    label: &'a str,
    value: &'a str,
    hint: Option<&'a str>,
    errors: &'a [FieldError],
    autocomplete: Option<&'a str>,
    inputmode: Option<&'a str>,
    maxlength: Option<u32>,
    no_spellcheck: bool,
    style: Option<&'a str>,
}

impl<'a> Input<'a> {
    pub fn new(kind: &'a str, name: &'a str, label: &'a str) -> Self {
        Input {
            kind,
            name,
            label,
            value: "",
            hint: None,
            errors: &[],
            autocomplete: None,
            inputmode: None,
            maxlength: None,
            no_spellcheck: false,
            style: None,
        }
    }
    pub fn text(name: &'a str, label: &'a str) -> Self {
        Self::new("text", name, label)
    }
    pub fn value(self, value: &'a str) -> Self {
        Input { value, ..self }
    }
    pub fn hint(self, hint: &'a str) -> Self {
        Input {
            hint: Some(hint),
            ..self
        }
    }
    pub fn errors(self, errors: &'a [FieldError]) -> Self {
        Input { errors, ..self }
    }
    pub fn autocomplete(self, a: &'a str) -> Self {
        Input {
            autocomplete: Some(a),
            ..self
        }
    }
    /// Digits only on phone keyboards, at most `max` of them.
    pub fn numeric(self, max: u32) -> Self {
        Input {
            inputmode: Some("numeric"),
            maxlength: Some(max),
            ..self
        }
    }
    pub fn no_spellcheck(self) -> Self {
        Input {
            no_spellcheck: true,
            ..self
        }
    }
    pub fn style(self, s: &'a str) -> Self {
        Input {
            style: Some(s),
            ..self
        }
    }
}

impl Render for Input<'_> {
    fn render(&self) -> Markup {
        let n = self.name;
        let e = err_for(self.errors, n);
        let described: Vec<String> = [
            self.hint.map(|_| format!("f-{n}-hint")),
            e.map(|_| format!("f-{n}-error")),
        ]
        .into_iter()
        .flatten()
        .collect();
        html! {
            div.form-group.error[e.is_some()] {
                label for={ "f-" (n) } { (self.label) }
                @if let Some(h) = self.hint { div.hint id={ "f-" (n) "-hint" } { (h) } }
                @if let Some(e) = e { span.error-message id={ "f-" (n) "-error" } { (e.detail) } }
                input type=(self.kind) id={ "f-" (n) } name=(n) value=(self.value)
                    aria-describedby=[(!described.is_empty()).then(|| described.join(" "))]
                    aria-invalid=[e.map(|_| "true")]
                    autocomplete=[self.autocomplete] inputmode=[self.inputmode]
                    maxlength=[self.maxlength] spellcheck=[self.no_spellcheck.then_some("false")]
                    style=[self.style];
            }
        }
    }
}

pub fn textarea(
    name: &str,
    label: &str,
    value: &str,
    hint: Option<&str>,
    errors: &[FieldError],
) -> Markup {
    let e = err_for(errors, name);
    html! {
        div.form-group.error[e.is_some()] {
            label for={ "f-" (name) } { (label) }
            @if let Some(h) = hint { div.hint { (h) } }
            (error_message(e))
            textarea id={ "f-" (name) } name=(name) rows="3" { (value) }
        }
    }
}

pub fn select(
    name: &str,
    label: &str,
    options: &[(String, String)],
    selected: &str,
    errors: &[FieldError],
) -> Markup {
    let e = err_for(errors, name);
    html! {
        div.form-group.error[e.is_some()] {
            label for={ "f-" (name) } { (label) }
            (error_message(e))
            select id={ "f-" (name) } name=(name) {
                @for (v, t) in options {
                    option value=(v) selected[v == selected] { (t) }
                }
            }
        }
    }
}

/// A checkbox with its label (value `1` when ticked).
pub fn checkbox(name: &str, label: &str, checked: bool, errors: &[FieldError]) -> Markup {
    let e = err_for(errors, name);
    html! {
        div.form-group.error[e.is_some()] {
            (error_message(e))
            div.checkboxes { div {
                input type="checkbox" id={ "f-" (name) } name=(name) value="1" checked[checked];
                label for={ "f-" (name) } { (label) }
            } }
        }
    }
}

/// A fieldset of radio buttons.
pub fn radios(
    name: &str,
    legend: &str,
    options: &[(String, String)],
    selected: &str,
    errors: &[FieldError],
) -> Markup {
    let e = err_for(errors, name);
    // The first option's id is the field's own, so that the error summary's link lands on it.
    let id = |i: usize| {
        if i == 0 {
            format!("f-{name}")
        } else {
            format!("f-{name}-{i}")
        }
    };
    html! {
        div.form-group.error[e.is_some()] {
            fieldset.radios {
                legend { (legend) }
                (error_message(e))
                @for (i, (v, t)) in options.iter().enumerate() {
                    div {
                        input type="radio" id=(id(i)) name=(name) value=(v) checked[v == selected];
                        label for=(id(i)) { (t) }
                    }
                }
            }
        }
    }
}

/// A table with column headings; a wide one scrolls inside its own box on a narrow screen; the page does not.
pub fn table(head: &[&str], body: Markup) -> Markup {
    html! {
        div.table-wrap tabindex="0" {
            table {
                thead { tr { @for h in head { th scope="col" { (h) } } } }
                tbody { (body) }
            }
        }
    }
}

/// A table of facts: a heading per row.
pub fn facts(rows: &[(&str, Markup)]) -> Markup {
    html! {
        table.facts { tbody {
            @for (k, v) in rows { tr { th scope="row" { (k) } td { (v) } } }
        } }
    }
}

/// An SLA status tag.
pub fn sla_tag(l: Lang, sla: Option<&str>) -> Markup {
    html! {
        @if let Some(s) = sla { span class={ "tag " (s) } { (l.t_in("sla", s)) } }
    }
}

/// How late an act was, in words: "late by 2 working days", "late the same day", or late by
/// less than a working day (only days off after the deadline's day).
pub fn late_text(l: Lang, late: &crate::ops::Late) -> String {
    if late.working_days > 0 {
        l.t_count("late-days", u64::from(late.working_days))
    } else if late.same_day {
        l.t("late-same_day").to_string()
    } else {
        l.t("late-within_day").to_string()
    }
}

/// A "late" tag (nothing when on time).
pub fn late_tag(l: Lang, late: Option<&crate::ops::Late>) -> Markup {
    html! {
        @if let Some(x) = late { span.tag.late { (late_text(l, x)) } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_urls() {
        assert_eq!(url_enc("a b/ә"), "a%20b%2F%D3%99");
    }

    #[test]
    fn fields_escape_and_tie_errors() {
        let errors = [FieldError {
            field: "iin".into(),
            rule: "iin.checksum".into(),
            detail: "bad <b>".into(),
        }];
        let s = Input::text("iin", "IIN & co")
            .value(r#""><script>"#)
            .hint("12 digits")
            .errors(&errors)
            .numeric(12)
            .render()
            .into_string();
        assert!(
            s.contains("IIN &amp; co") && s.contains("bad &lt;b&gt;"),
            "{s}"
        );
        assert!(s.contains(r#"value="&quot;&gt;&lt;script&gt;""#), "{s}");
        assert!(
            s.contains(r#"aria-describedby="f-iin-hint f-iin-error""#),
            "{s}"
        );
        assert!(s.contains(r#"class="form-group error""#) && s.contains(r#"maxlength="12""#));
        let s = error_summary(Lang::En, &errors).into_string();
        assert!(s.contains(r##"href="#f-iin""##), "{s}");
        assert!(error_summary(Lang::En, &[]).into_string().is_empty());
    }

    #[test]
    fn language_links_keep_the_query() {
        assert_eq!(
            with_lang("/services?q=x&lang=ru", Lang::En),
            "/services?q=x&lang=en"
        );
        assert_eq!(with_lang("/", Lang::Kk), "/?lang=kk");
    }
}

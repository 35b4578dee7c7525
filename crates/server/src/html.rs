//! HTML building blocks for the server-rendered pages: escaping, the page layout (skip link,
//! header with navigation and language switcher, `lang` attribute, focus styles) and accessible
//! form fields (labels, hints, error messages tied by `aria-describedby`, an error summary).
//!
//! For: producing markup safely — every text that is not a literal goes through [`esc`].
//! Not for: what a page says (see `ui`) or interface texts (`locales/`).

use crate::accounts::Kind;
use crate::auth::Viewer;
use crate::i18n::Lang;
use crate::problem::FieldError;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jiff::Timestamp;
use std::fmt::Write;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

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

/// An instant as Almaty civil time, `2019-12-02 10:15`.
pub fn local(t: Timestamp) -> String {
    t.to_zoned_datetime(calendar::almaty())
        .strftime("%Y-%m-%d %H:%M")
        .to_string()
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
header.top .right{margin-left:auto;display:flex;flex-wrap:wrap;align-items:center;gap:6px 14px}
header.top .langs{display:flex;gap:10px}
header.top .who{max-width:22em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;color:#f3f2f1}
header.top form{display:inline}header.top button{background:none;border:1px solid #fff;color:#fff;padding:2px 8px;font:inherit;cursor:pointer;box-shadow:none}
.langs a[aria-current]{text-decoration:underline;font-weight:bold}
main{max-width:1100px;margin:0 auto;padding:20px}
h1{font-size:32px;margin:10px 0 20px}h2{font-size:24px;margin-top:30px}
.caption{color:#505a5f;font-size:19px}
table{border-collapse:collapse;width:100%;margin:10px 0 25px}
th,td{text-align:left;border-bottom:1px solid #b1b4b6;padding:8px 10px 8px 0;vertical-align:top}
th{font-weight:bold}
.form-group{margin-bottom:22px}.form-group.error{border-left:5px solid #d4351c;padding-left:12px}
label,legend{display:block;font-weight:bold;margin-bottom:4px}
.hint{color:#505a5f;margin-bottom:6px}
.error-message{color:#d4351c;font-weight:bold;display:block;margin-bottom:6px}
input[type=text],input[type=password],input[type=tel],input[type=search],input[type=number],select,textarea{font:inherit;border:2px solid #0b0c0c;padding:5px;width:100%;max-width:34em}
input[type=number]{max-width:10em}
textarea{min-height:5em}
.radios label,.checkboxes label{display:inline;font-weight:normal;margin-left:6px}
.radios div,.checkboxes div{margin:6px 0}
button,.button{font:inherit;background:#00703c;color:#fff;border:0;box-shadow:0 2px 0 #002d18;padding:8px 14px;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary{background:#f3f2f1;color:#0b0c0c;box-shadow:0 2px 0 #929191}
button.warning{background:#d4351c;box-shadow:0 2px 0 #55150b}
.error-summary{border:5px solid #d4351c;padding:15px;margin-bottom:25px}
.error-summary h2{margin-top:0}
.banner{border:5px solid #00703c;padding:15px;margin-bottom:25px}
.panel{background:#f3f2f1;padding:15px;margin:15px 0}
.receipt{font-size:28px;font-weight:bold;letter-spacing:2px}
.tag{display:inline-block;padding:2px 8px;font-weight:bold;font-size:15px;text-transform:uppercase}
.tag.on_time{background:#cce2d8;color:#005a30}.tag.at_risk{background:#fff7bf;color:#594d00}.tag.overdue{background:#f6d7d2;color:#942514}
.tag.done{background:#cce2d8;color:#005a30}.tag.current{background:#bbd4ea;color:#0c2d4a}.tag.pending,.tag.not_reached,.tag.failure_only{background:#f3f2f1;color:#383f43}
.tag.closed{background:#e5e6e7;color:#0b0c0c}
tr.current td{background:#f3f9ff}
figure{margin:10px 0 25px;overflow-x:auto;border:1px solid #b1b4b6;padding:8px}
footer{border-top:1px solid #b1b4b6;margin-top:40px;padding:20px;color:#505a5f;font-size:15px}
.inline{display:inline}
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

/// A whole page.
pub fn page(v: &Viewer, here: &str, title: &str, body: &str) -> String {
    let l = v.lang;
    let mut nav = format!(r#"<a href="/services">{}</a>"#, l.t("nav.services"));
    match v.kind() {
        Some(Kind::Citizen) => {
            let _ = write!(nav, r#"<a href="/cabinet">{}</a>"#, l.t("nav.cabinet"));
        }
        Some(Kind::Staff) => {
            let sc = v.account.as_ref().and_then(|a| a.org.as_deref())
                == Some(engine::STATE_CORPORATION);
            if sc {
                let _ = write!(nav, r#"<a href="/sc">{}</a>"#, l.t("nav.sc"));
            } else {
                let _ = write!(nav, r#"<a href="/work">{}</a>"#, l.t("nav.work"));
            }
            let _ = write!(
                nav,
                r#"<a href="/monitoring">{}</a>"#,
                l.t("nav.monitoring")
            );
        }
        Some(Kind::Monitor) => {
            let _ = write!(
                nav,
                r#"<a href="/monitoring">{}</a>"#,
                l.t("nav.monitoring")
            );
        }
        Some(Kind::Admin) => {
            let _ = write!(
                nav,
                r#"<a href="/monitoring">{}</a><a href="/admin">{}</a>"#,
                l.t("nav.monitoring"),
                l.t("nav.admin")
            );
        }
        None => {}
    }
    let langs: String = Lang::ALL
        .iter()
        .map(|x| {
            format!(
                r#"<a href="{}" lang="{}" hreflang="{}"{}>{}</a>"#,
                esc(&with_lang(here, *x)),
                x.code(),
                x.code(),
                if *x == l {
                    r#" aria-current="true""#
                } else {
                    ""
                },
                x.native_name()
            )
        })
        .collect();
    let who = match &v.account {
        Some(a) => format!(
            r#"<span class="who" title="{}">{}</span><a href="/tokens">{}</a><form method="post" action="/logout"><input type="hidden" name="csrf" value="{}"><button type="submit">{}</button></form>"#,
            esc(&a.login),
            esc(&a.name),
            l.t("nav.tokens"),
            esc(&v.csrf),
            l.t("nav.logout")
        ),
        None => format!(
            r#"<a href="/login">{}</a><a href="/register">{}</a>"#,
            l.t("nav.login"),
            l.t("nav.register")
        ),
    };
    format!(
        r##"<!doctype html>
<html lang="{code}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} — qyzmet</title><style>{CSS}</style></head>
<body>
<a class="skip" href="#main">{skip}</a>
<header class="top"><a class="brand" href="/">qyzmet</a><nav aria-label="{navl}">{nav}</nav>
<div class="right"><nav class="langs" aria-label="{langl}">{langs}</nav>{who}</div></header>
<main id="main" tabindex="-1">
<h1>{title}</h1>
{body}
</main>
<footer>{footer}</footer>
</body></html>"##,
        code = l.code(),
        title = esc(title),
        skip = l.t("nav.skip"),
        navl = l.t("nav.label"),
        langl = l.t("nav.languages"),
        footer = l.t("footer.text"),
    )
}

pub fn html(status: StatusCode, body: String) -> Response {
    (status, Html(body)).into_response()
}

/// The CSRF hidden input of a form.
pub fn csrf_input(v: &Viewer) -> String {
    format!(
        r#"<input type="hidden" name="csrf" value="{}">"#,
        esc(&v.csrf)
    )
}

/// An error summary linking to the fields at fault.
pub fn error_summary(l: Lang, errors: &[FieldError]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let items: String = errors
        .iter()
        .map(|e| {
            format!(
                r##"<li><a href="#f-{}">{}</a></li>"##,
                esc(&e.field),
                esc(&e.detail)
            )
        })
        .collect();
    format!(
        r#"<div class="error-summary" role="alert" tabindex="-1"><h2>{}</h2><ul>{items}</ul></div>"#,
        l.t("form.error_summary")
    )
}

fn err_for<'a>(errors: &'a [FieldError], name: &str) -> Option<&'a FieldError> {
    errors.iter().find(|e| e.field == name)
}

/// A labelled text input.
pub fn input(
    kind: &str,
    name: &str,
    label: &str,
    value: &str,
    hint: Option<&str>,
    errors: &[FieldError],
    extra: &str,
) -> String {
    let e = err_for(errors, name);
    let mut described = vec![];
    let hint_html = hint
        .map(|h| {
            described.push(format!("f-{name}-hint"));
            format!(
                r#"<div class="hint" id="f-{}-hint">{}</div>"#,
                esc(name),
                esc(h)
            )
        })
        .unwrap_or_default();
    let err_html = e
        .map(|e| {
            described.push(format!("f-{name}-error"));
            format!(
                r#"<span class="error-message" id="f-{}-error">{}</span>"#,
                esc(name),
                esc(&e.detail)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<div class="form-group{}"><label for="f-{n}">{}</label>{hint_html}{err_html}<input type="{kind}" id="f-{n}" name="{n}" value="{}"{}{} {extra}></div>"#,
        if e.is_some() { " error" } else { "" },
        esc(label),
        esc(value),
        if described.is_empty() {
            String::new()
        } else {
            format!(r#" aria-describedby="{}""#, described.join(" "))
        },
        if e.is_some() {
            r#" aria-invalid="true""#
        } else {
            ""
        },
        n = esc(name),
    )
}

pub fn textarea(
    name: &str,
    label: &str,
    value: &str,
    hint: Option<&str>,
    errors: &[FieldError],
) -> String {
    let e = err_for(errors, name);
    format!(
        r#"<div class="form-group{}"><label for="f-{n}">{}</label>{}{}<textarea id="f-{n}" name="{n}" rows="3">{}</textarea></div>"#,
        if e.is_some() { " error" } else { "" },
        esc(label),
        hint.map(|h| format!(r#"<div class="hint">{}</div>"#, esc(h)))
            .unwrap_or_default(),
        e.map(|e| format!(r#"<span class="error-message">{}</span>"#, esc(&e.detail)))
            .unwrap_or_default(),
        esc(value),
        n = esc(name),
    )
}

pub fn select(
    name: &str,
    label: &str,
    options: &[(String, String)],
    selected: &str,
    errors: &[FieldError],
) -> String {
    let e = err_for(errors, name);
    let opts: String = options
        .iter()
        .map(|(v, t)| {
            format!(
                r#"<option value="{}"{}>{}</option>"#,
                esc(v),
                if v == selected { " selected" } else { "" },
                esc(t)
            )
        })
        .collect();
    format!(
        r#"<div class="form-group{}"><label for="f-{n}">{}</label>{}<select id="f-{n}" name="{n}">{opts}</select></div>"#,
        if e.is_some() { " error" } else { "" },
        esc(label),
        e.map(|e| format!(r#"<span class="error-message">{}</span>"#, esc(&e.detail)))
            .unwrap_or_default(),
        n = esc(name),
    )
}

/// A fieldset of radio buttons.
pub fn radios(
    name: &str,
    legend: &str,
    options: &[(String, String)],
    selected: &str,
    errors: &[FieldError],
) -> String {
    let e = err_for(errors, name);
    let items: String = options
        .iter()
        .enumerate()
        .map(|(i, (v, t))| {
            format!(
                r#"<div><input type="radio" id="f-{n}{}" name="{n}" value="{}"{}><label for="f-{n}{}">{}</label></div>"#,
                if i == 0 { String::new() } else { format!("-{i}") },
                esc(v),
                if v == selected { " checked" } else { "" },
                if i == 0 { String::new() } else { format!("-{i}") },
                esc(t),
                n = esc(name),
            )
        })
        .collect();
    format!(
        r#"<div class="form-group{}"><fieldset class="radios"><legend>{}</legend>{}{items}</fieldset></div>"#,
        if e.is_some() { " error" } else { "" },
        esc(legend),
        e.map(|e| format!(r#"<span class="error-message">{}</span>"#, esc(&e.detail)))
            .unwrap_or_default(),
    )
}

/// An SLA status tag.
pub fn sla_tag(l: Lang, sla: Option<&str>) -> String {
    match sla {
        Some(s) => format!(
            r#"<span class="tag {s}">{}</span>"#,
            l.t(&format!("sla.{s}"))
        ),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(url_enc("a b/ә"), "a%20b%2F%D3%99");
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

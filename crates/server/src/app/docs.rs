//! The documents of an application as PDFs: the receipt given at intake (acceptance, or
//! refusal to accept with grounds) and the result (the service's result, the motivated
//! refusal, or a portal notice), filled from the application, the regulation, the accounts
//! records and the officials' notes, rendered by the `documents` crate in Kazakh or Russian.
//!
//! For: choosing the document kind and filling `DocumentData`; recording each rendered
//! document's verification code and content hash for `/verify/{code}`. A signed result is
//! rendered from inputs frozen at its signing step ([`Signed`]: the result id, the signing
//! instant, the signing role), so that rendering it again gives exactly the bytes whose
//! SHA-256 the journal's `ResultSigned` carries. Not for: layout or wording (the `documents`
//! crate and `templates/`), making or checking signatures (`signing`).

use crate::AppState;
use crate::accounts::{IssuedDocument, ts};
use crate::problem::Problem;
use documents::{DocKind, DocumentData, Lang, Localized};
use engine::{Application, Closure, ResultSignature, Status};
use jiff::Timestamp;
use regulation::ChannelId;

/// The receipt an application has, if any: acceptance (once the first step is done) or
/// refusal to accept. The portal gives none (its notice of status is the page itself).
pub fn receipt_kind(app: &Application) -> Option<DocKind> {
    if app.channel == ChannelId::Portal {
        return None;
    }
    match app.closure {
        Some(Closure::AcceptanceRefused) => Some(DocKind::RefusalToAcceptReceipt),
        _ if app.step > 0 || app.status == Status::Closed => Some(DocKind::AcceptanceReceipt),
        _ => None,
    }
}

/// The result document of a closed application, if it has one.
pub fn result_kind(st: &AppState, app: &Application) -> Option<DocKind> {
    let closure = app.closure?;
    if closure == Closure::AcceptanceRefused {
        return None;
    }
    let reg = st
        .ctx
        .regulations()
        .iter()
        .find(|r| r.id == app.regulation && r.version == app.version)?;
    let found = app.document.as_deref().and_then(|id| reg.result(id));
    Some(match (found, closure) {
        (Some(r), _) => {
            let kind = serde_json::to_value(r.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            DocKind::for_result(&kind, &r.id, &r.name_en)
        }
        (None, Closure::RefusalIssued) => DocKind::MotivatedRefusal,
        (None, Closure::RefusalNotice) => DocKind::Notice,
        (None, _) => DocKind::Notification,
    })
}

/// The document kind of a result id of the application's regulation.
pub fn kind_of(st: &AppState, app: &Application, document: &str) -> DocKind {
    let reg = st
        .ctx
        .regulations()
        .iter()
        .find(|r| r.id == app.regulation && r.version == app.version);
    match reg.and_then(|r| r.result(document)) {
        Some(r) => {
            let kind = serde_json::to_value(r.kind)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default();
            DocKind::for_result(&kind, &r.id, &r.name_en)
        }
        None => DocKind::Notification,
    }
}

/// What a signing step froze of the result it signed.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The result id (the regulation's result or motivated refusal).
    pub document: String,
    /// The signing instant: the document's date and the journal's `ResultSigned.at`.
    pub at: Timestamp,
    /// The signing role (the signer printed is this role of the provider).
    pub role: String,
    /// Grounds of a motivated refusal.
    pub grounds: Option<String>,
}

fn renderer(st: &AppState) -> Result<&documents::Renderer, Problem> {
    st.renderer.as_ref().map_err(|e| {
        Problem::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "documents.unavailable",
            format!("documents cannot be rendered on this server: {e}"),
        )
    })
}

/// Renders a signed result from its frozen inputs (nothing is recorded).
pub fn render_signed(
    st: &AppState,
    app: &Application,
    signed: &Signed,
    lang: Lang,
) -> Result<documents::Rendered, Problem> {
    let renderer = renderer(st)?;
    let kind = kind_of(st, app, &signed.document);
    let data = fill(st, app, "result", kind, Some(signed), lang)?;
    renderer.render(&data, lang).map_err(Problem::internal)
}

/// Renders again the result a journal signature is on.
pub fn render_signature(
    st: &AppState,
    app: &Application,
    sig: &ResultSignature,
    lang: Lang,
) -> Result<documents::Rendered, Problem> {
    render_signed(
        st,
        app,
        &Signed {
            document: sig.document.clone(),
            at: sig.at,
            role: sig.by.role.clone(),
            grounds: app.refusal_grounds.clone(),
        },
        lang,
    )
}

/// Renders `which` (`receipt` or `result`) of `app` in `lang`; records its verification code.
/// A signed result is the signed document (in Kazakh, byte for byte what was signed; in
/// Russian, its copy from the same inputs).
pub fn render(
    st: &AppState,
    app: &Application,
    which: &str,
    lang: Lang,
) -> Result<Vec<u8>, Problem> {
    let renderer = renderer(st)?;
    if which == "result"
        && app.closure.is_some_and(|c| c != Closure::AcceptanceRefused)
        && let Some(sig) = app
            .signature
            .as_ref()
            .filter(|s| app.document.as_deref() == Some(s.document.as_str()))
    {
        let out = render_signature(st, app, sig, lang)?;
        st.accounts.record_document(&IssuedDocument {
            code: out.verification_code.clone(),
            application: app.id.clone(),
            kind: kind_of(st, app, &sig.document).code().into(),
            lang: lang.code().into(),
            content_hash: out.content_hash.clone(),
            issued_at: ts(sig.at),
        })?;
        return Ok(out.pdf);
    }
    let kind = match which {
        "receipt" => receipt_kind(app),
        "result" => result_kind(st, app),
        _ => None,
    }
    .ok_or_else(|| Problem::not_found(&format!("{which} for this application (yet)")))?;
    let data = fill(st, app, which, kind, None, lang)?;
    let out = renderer.render(&data, lang).map_err(Problem::internal)?;
    st.accounts.record_document(&IssuedDocument {
        code: out.verification_code.clone(),
        application: app.id.clone(),
        kind: kind.code().into(),
        lang: lang.code().into(),
        content_hash: out.content_hash.clone(),
        issued_at: ts(if which == "receipt" {
            app.submitted_at
        } else {
            app.closed_at.unwrap_or(app.submitted_at)
        }),
    })?;
    Ok(out.pdf)
}

fn fill(
    st: &AppState,
    app: &Application,
    which: &str,
    kind: DocKind,
    signed: Option<&Signed>,
    lang: Lang,
) -> Result<DocumentData, Problem> {
    let reg = st
        .ctx
        .regulations()
        .iter()
        .find(|r| r.id == app.regulation && r.version == app.version)
        .cloned()
        .ok_or_else(|| Problem::internal("the application's regulation is missing"))?;
    let title = reg.title.get_ref();
    let org = st.accounts.org(&app.provider)?;
    let notes = st.accounts.notes(&app.id)?;
    let plan = st.ctx.plan(&app.regulation, app.version, app.channel);
    let role_of = |step: usize| plan.and_then(|p| p.step(step)).map(|s| s.role.as_str());
    let signs = |step: usize| {
        plan.and_then(|p| p.step(step))
            .is_some_and(|s| s.signs_result)
    };
    let signer = if let Some(s) = signed {
        Some(signer_name(&s.role, org.as_ref(), &app.provider, lang))
    } else if which == "receipt" {
        notes.first().map(|n| n.name.clone())
    } else {
        notes
            .iter()
            .rev()
            .find(|n| signs(n.step) || matches!(role_of(n.step), Some("head" | "akim")))
            .or(notes.last())
            .map(|n| n.name.clone())
    }
    .unwrap_or_default();
    let result = signed
        .map(|s| s.document.as_str())
        .or(app.document.as_deref())
        .and_then(|id| reg.result(id));
    let at = if let Some(s) = signed {
        s.at
    } else if which == "receipt" {
        app.submitted_at
    } else {
        app.closed_at.unwrap_or(app.submitted_at)
    };
    let grounds: Vec<Localized> = match kind {
        DocKind::RefusalToAcceptReceipt | DocKind::Notice => notes
            .iter()
            .filter(|n| n.outcome == "refuse_acceptance" || n.outcome == "fail")
            .map(|n| Localized::same(n.note.clone()))
            .collect(),
        // The regulation's grounds chosen, in each language, then the official's own words.
        DocKind::MotivatedRefusal => app
            .listed_grounds
            .iter()
            .filter_map(|i| reg.refusal_grounds.get(*i))
            .map(|g| {
                Localized::new(
                    crate::catalogue::ground_text(g.get_ref(), crate::i18n::Lang::Kk),
                    crate::catalogue::ground_text(g.get_ref(), crate::i18n::Lang::Ru),
                )
            })
            .chain(
                signed
                    .map(|s| &s.grounds)
                    .unwrap_or(&app.refusal_grounds)
                    .iter()
                    .filter(|g| !g.trim().is_empty())
                    .map(|g| Localized::same(g.clone())),
            )
            .collect(),
        _ => vec![],
    };
    Ok(DocumentData {
        kind,
        title: match (which, result) {
            ("result", Some(r)) => {
                Localized::new(r.name(crate::i18n::Lang::Kk), r.name(crate::i18n::Lang::Ru))
            }
            _ => Localized::default(),
        },
        regulation_id: format!("{} v{}", reg.id, reg.version),
        service: Localized::new(title.kk.clone(), title.ru.clone()),
        provider: org
            .map(|o| Localized::new(o.name_kk, o.name_ru))
            .unwrap_or_else(|| Localized::same(app.provider.clone())),
        application_id: app.id.clone(),
        applicant_name: app.applicant_name.clone(),
        applicant_iin: app.applicant_iin.clone(),
        number: match which {
            "receipt" => app.receipt.clone().unwrap_or_else(|| app.id.clone()),
            _ => app.id.clone(),
        },
        barcode: which == "receipt" && kind.is_receipt(),
        fields: {
            let mut f = if kind == DocKind::AcceptanceReceipt {
                acceptance_fields(app, &signer)
            } else {
                vec![]
            };
            // The queue number at the document's instant (computed, never stored).
            if kind == DocKind::QueueNotification
                && let Some(n) = crate::preschool::number_at(st, &app.id, at)
            {
                f.insert(0, documents::Field::new("queue_number", n.to_string()));
            }
            f.extend(data_fields(&reg, app));
            f
        },
        documents: if which == "receipt" {
            vec![Localized::new("Өтініш", "Заявление")]
        } else {
            vec![]
        },
        grounds,
        appeal: match kind {
            DocKind::MotivatedRefusal => reg
                .passport
                .iter()
                .flat_map(|p| p.get_ref().appeal.iter())
                .map(|a| {
                    Localized::new(
                        crate::catalogue::appeal_line(a.get_ref(), crate::i18n::Lang::Kk),
                        crate::catalogue::appeal_line(a.get_ref(), crate::i18n::Lang::Ru),
                    )
                })
                .collect(),
            _ => vec![],
        },
        issued_at: at.to_zoned_datetime(calendar::almaty()).datetime(),
        signer_name: signer.clone(),
        verify_base_url: st.public_url.clone(),
    })
}

/// The application's data as rows, labelled as the regulation names its fields.
fn data_fields(reg: &regulation::Regulation, app: &Application) -> Vec<documents::Field> {
    let Some(form) = &reg.application else {
        return vec![];
    };
    form.get_ref()
        .fields
        .iter()
        .map(|f| f.get_ref())
        .filter_map(|d| {
            let v = app.data.get(&d.id)?;
            Some(documents::Field::labelled(
                format!("data.{}", d.id),
                Localized::new(d.kk.clone(), d.ru.clone()),
                Localized::new(
                    engine::form::value_text(d, v, crate::i18n::Lang::Kk),
                    engine::form::value_text(d, v, crate::i18n::Lang::Ru),
                ),
            ))
        })
        .collect()
}

/// The acceptance receipt's rows: who took the documents in, when the application counts as
/// accepted (the term counts from it), when the term ends and so the day the result will be
/// ready; `issued_at` is when it was handed in.
fn acceptance_fields(app: &Application, operator: &str) -> Vec<documents::Field> {
    let local = |t: jiff::Timestamp| {
        t.to_zoned_datetime(calendar::almaty())
            .strftime("%d.%m.%Y %H:%M")
            .to_string()
    };
    let mut f = vec![];
    if !operator.is_empty() {
        f.push(documents::Field::new("operator", Localized::same(operator)));
    }
    f.push(documents::Field::new(
        "accepted_at",
        Localized::same(local(app.accepted())),
    ));
    if let Some(due) = app.term_due {
        f.push(documents::Field::new(
            "term_due",
            Localized::same(local(due)),
        ));
        let day = due
            .to_zoned_datetime(calendar::almaty())
            .strftime("%d.%m.%Y");
        f.push(documents::Field::new(
            "ready_date",
            Localized::same(day.to_string()),
        ));
    }
    f
}

/// The result the head is about to sign, as it will be issued, marked as a draft
/// ("ЖОБА" / "ПРОЕКТ") and neither recorded nor signed: only at a signing step.
pub fn render_preview(st: &AppState, app: &Application, lang: Lang) -> Result<Vec<u8>, Problem> {
    let renderer = renderer(st)?;
    let plan = crate::ops::plan_of(st, app)?;
    let step = plan
        .step(app.step)
        .filter(|s| s.signs_result && app.status != Status::Closed)
        .ok_or_else(|| {
            Problem::not_found("result to preview: the result is signed at another step")
        })?;
    let document = crate::signing::signed_document_id(app, &plan, &engine::Outcome::Done)
        .unwrap_or_else(|| "result".into());
    let signed = Signed {
        document: document.clone(),
        at: st.now(),
        role: st.ctx.step_role(app, step),
        grounds: app.refusal_grounds.clone(),
    };
    let kind = kind_of(st, app, &document);
    let mut data = fill(st, app, "result", kind, Some(&signed), lang)?;
    data.title = Localized::new(
        format!("ЖОБА — {}", data.title.kk)
            .trim_end_matches(" — ")
            .to_string(),
        format!("ПРОЕКТ — {}", data.title.get(Lang::Ru))
            .trim_end_matches(" — ")
            .to_string(),
    );
    data.fields.insert(
        0,
        documents::Field::new(
            "draft",
            Localized::new("қол қойылмаған, берілмейді", "не подписан, не выдается"),
        ),
    );
    Ok(renderer.render(&data, lang).map_err(Problem::internal)?.pdf)
}

/// Who signs for an organisation, as printed on its results: the signing role's name and the
/// organisation's name, in the copy's language (English reads Russian, as documents do).
pub fn signer_name(
    role: &str,
    org: Option<&crate::accounts::Org>,
    org_id: &str,
    lang: Lang,
) -> String {
    let l = match lang {
        Lang::Kk => crate::i18n::Lang::Kk,
        _ => crate::i18n::Lang::Ru,
    };
    format!(
        "{} — {}",
        crate::catalogue::role_name(None, role, l),
        org.map(|o| o.name(l)).unwrap_or(org_id)
    )
}

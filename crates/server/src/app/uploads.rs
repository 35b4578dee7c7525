//! Documents a citizen uploads with a portal application: checked (at most [`MAX_FILES`]
//! files, each at most [`MAX_BYTES`], PDF/JPEG/PNG recognised by their magic bytes — the
//! name's extension, when it has one of these, must agree), stored by the store once per
//! SHA-256 and linked to the application in the submission's own transaction; listed and downloaded by whoever may see the
//! application. The portal request's signature covers the uploads' SHA-256 list.
//!
//! A rejected submission stores nothing: every file is checked before anything is written.

use crate::AppState;
use crate::accounts::Account;
use crate::problem::{FieldError, Problem};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use store::Record;
use utoipa::ToSchema;

/// Largest accepted file: 5 MiB.
pub const MAX_BYTES: usize = 5 * 1024 * 1024;
/// At most this many files per application.
pub const MAX_FILES: usize = 10;
/// The request body limit of the routes that take uploads (base64 JSON of ten full files).
pub const BODY_LIMIT: usize = 80 * 1024 * 1024;

/// A document sent with a portal application (JSON API).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct DocumentUpload {
    /// Which of the regulation's documents this is (free text; default `documents`).
    #[serde(default)]
    pub field: Option<String>,
    /// The file's name as the citizen had it.
    pub filename: String,
    /// The file's bytes, base64 (standard alphabet, padding optional).
    pub content_base64: String,
}

/// A file as received, before its check.
#[derive(Debug, Clone)]
pub struct Upload {
    pub field: String,
    pub filename: String,
    pub data: Vec<u8>,
}

/// A file that passed its check.
#[derive(Debug, Clone)]
pub struct Checked {
    pub field: String,
    pub filename: String,
    pub content_type: &'static str,
    pub sha256: String,
    pub data: Vec<u8>,
}

/// A document linked to an application, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UploadInfo {
    /// Its number within the application (1, 2, ...).
    pub n: i64,
    pub field: String,
    pub filename: String,
    /// `application/pdf`, `image/jpeg` or `image/png` (from the magic bytes).
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// Where to download it.
    pub url: String,
}

pub fn sha256_hex(data: &[u8]) -> String {
    crate::accounts::hex(&Sha256::digest(data))
}

/// The type the bytes are, by their magic bytes.
pub fn sniff(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

fn extension_type(filename: &str) -> Option<&'static str> {
    let ext = filename.rsplit_once('.')?.1.to_ascii_lowercase();
    match ext.as_str() {
        "pdf" => Some("application/pdf"),
        "jpg" | "jpeg" => Some("image/jpeg"),
        "png" => Some("image/png"),
        _ => None,
    }
}

/// Decodes the JSON API's uploads; a bad base64 names its field.
pub fn decode(docs: &[DocumentUpload]) -> Result<Vec<Upload>, Problem> {
    let mut out = vec![];
    let mut errors = vec![];
    for (i, d) in docs.iter().enumerate() {
        match crate::encoding::base64_decode(&d.content_base64) {
            Some(data) => out.push(Upload {
                field: d
                    .field
                    .clone()
                    .filter(|f| !f.trim().is_empty())
                    .unwrap_or_else(|| "documents".into()),
                filename: d.filename.clone(),
                data,
            }),
            None => errors.push(FieldError {
                field: format!("documents[{i}].content_base64"),
                rule: "base64".into(),
                detail: "`content_base64` is not base64".into(),
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Problem::fields(errors))
    }
}

/// The SHA-256 list of uploads (what the request signature covers), best effort: a file that
/// does not decode is left out (the submission refuses it anyway).
pub fn hashes_of(docs: &[DocumentUpload]) -> Vec<String> {
    docs.iter()
        .filter_map(|d| crate::encoding::base64_decode(&d.content_base64))
        .map(|b| sha256_hex(&b))
        .collect()
}

/// Checks every file: count, size, type. All errors at once; nothing is stored here.
pub fn check(uploads: Vec<Upload>) -> Result<Vec<Checked>, Problem> {
    let mut errors = vec![];
    if uploads.len() > MAX_FILES {
        errors.push(FieldError {
            field: "documents".into(),
            rule: "documents.too_many".into(),
            detail: format!("at most {MAX_FILES} files ({} sent)", uploads.len()),
        });
    }
    let mut out = vec![];
    for (i, u) in uploads.into_iter().enumerate() {
        let field = format!("documents[{i}]");
        if u.data.len() > MAX_BYTES {
            errors.push(FieldError {
                field,
                rule: "documents.too_large".into(),
                detail: format!(
                    "`{}` is {} bytes: a file is at most 5 MiB ({MAX_BYTES} bytes)",
                    u.filename,
                    u.data.len()
                ),
            });
            continue;
        }
        let sniffed = sniff(&u.data);
        let by_name = extension_type(&u.filename);
        let Some(ct) = sniffed.filter(|t| by_name.is_none_or(|n| n == *t)) else {
            errors.push(FieldError {
                field,
                rule: "documents.type".into(),
                detail: format!(
                    "`{}` is not a PDF, JPEG or PNG file (checked by its content{})",
                    u.filename,
                    if sniffed.is_some() {
                        ", which does not match its extension"
                    } else {
                        ""
                    }
                ),
            });
            continue;
        };
        out.push(Checked {
            field: u.field,
            filename: sanitize(&u.filename),
            content_type: ct,
            sha256: sha256_hex(&u.data),
            data: u.data,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Problem::fields(errors))
    }
}

/// A file name safe to show and to send back: no path, no control characters or quotes.
fn sanitize(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let s: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect();
    if s.trim().is_empty() {
        "document".into()
    } else {
        s
    }
}

/// The records that store `files` and link them to `application`, in order: part of the
/// submission's action, so the files exist exactly when the application does.
pub fn link_records(application: &str, files: &[Checked], now: Timestamp) -> Vec<Record> {
    let mut out = vec![];
    for c in files {
        out.push(file_record(c, now));
        out.push(Record::LinkFile {
            application: application.to_string(),
            field: c.field.clone(),
            filename: c.filename.clone(),
            sha256: c.sha256.clone(),
        });
    }
    out
}

fn file_record(c: &Checked, now: Timestamp) -> Record {
    Record::File {
        sha256: c.sha256.clone(),
        content_type: c.content_type.to_string(),
        data: c.data.clone(),
        created_at: now,
    }
}

/// Keeps checked files of a portal form for its signing step (replacing earlier ones).
pub fn save_drafts(
    st: &AppState,
    acc: &Account,
    key: &str,
    files: &[Checked],
) -> Result<(), Problem> {
    let now = st.now();
    let action = store::Action::new(now)
        .records(files.iter().map(|c| file_record(c, now)))
        .record(Record::Drafts {
            account: acc.id,
            key: key.to_string(),
            files: files
                .iter()
                .map(|c| (c.field.clone(), c.filename.clone(), c.sha256.clone()))
                .collect(),
            created_at: now,
        });
    st.store.act(action)?;
    Ok(())
}

/// The files kept for a portal form's signing step.
pub fn drafts(st: &AppState, acc: &Account, key: &str) -> Result<Vec<Upload>, Problem> {
    Ok(st
        .store
        .drafts(acc.id, key)?
        .into_iter()
        .map(|(f, data)| Upload {
            field: f.field,
            filename: f.filename,
            data,
        })
        .collect())
}

/// The record that forgets a form's drafts (part of the submission's action).
pub fn clear_drafts_record(acc: &Account, key: &str) -> Record {
    Record::DropDrafts {
        account: acc.id,
        key: key.to_string(),
    }
}

fn info(application: &str, f: store::records::FileRow) -> UploadInfo {
    UploadInfo {
        url: format!("/api/applications/{application}/uploads/{}", f.n),
        n: f.n,
        field: f.field,
        filename: f.filename,
        content_type: f.content_type,
        size: f.size,
        sha256: f.sha256,
    }
}

/// The documents linked to an application (check access first).
pub fn list(st: &AppState, application: &str) -> Result<Vec<UploadInfo>, Problem> {
    Ok(st
        .store
        .files(application)?
        .into_iter()
        .map(|f| info(application, f))
        .collect())
}

/// One linked document's bytes (check access first).
pub fn get(
    st: &AppState,
    application: &str,
    n: i64,
) -> Result<Option<(UploadInfo, Vec<u8>)>, Problem> {
    Ok(st
        .store
        .file(application, n)?
        .map(|(f, data)| (info(application, f), data)))
}

/// How many stored blobs there are (tests: a refused submission stores nothing).
pub fn stored_count(st: &AppState) -> Result<i64, Problem> {
    Ok(st.store.file_count()?)
}

/// Forgets a form's drafts (a submission does this itself, in its own action).
pub fn clear_drafts(st: &AppState, acc: &Account, key: &str) -> Result<(), Problem> {
    st.store
        .act(store::Action::new(st.now()).record(clear_drafts_record(acc, key)))?;
    Ok(())
}

/// How long files checked on a portal form wait for its signing step.
pub const DRAFT_HOURS: i64 = 24;

/// Drops drafts older than [`DRAFT_HOURS`] and the files nothing else refers to; returns how
/// many drafts went.
pub fn expire_drafts(st: &AppState) -> Result<usize, Problem> {
    let now = st.now();
    let before = now
        .checked_sub(jiff::SignedDuration::from_hours(DRAFT_HOURS))
        .unwrap_or(now);
    let o = st
        .store
        .act(store::Action::new(now).record(Record::ExpireDrafts { before }))?;
    Ok(match o.written.first() {
        Some(store::Written::Count(n)) => *n,
        _ => 0,
    })
}

//! Operations on a data directory: journal anchors (signed heads kept outside the database),
//! online backup and restore.
//!
//! An anchor is one JSON line `{at, seq, entries, head, key, signature}`: the journal's
//! running digest (`store::journal_digest`) up to global entry `seq`, signed with the
//! platform's anchor key (ECDSA P-256, `<data-dir>/anchor-key.pem`, made on first use; it is
//! not in the database, so rewriting the database cannot re-sign). `journal verify --anchor`
//! recomputes the digest at each anchored position: a journal rewritten and rehashed
//! throughout passes its own chains but not its anchors.
//!
//! Not for: reading or writing the live database other than through `store` (backups and
//! heads come from a read transaction beside the server).

use anyhow::{Context, Result, bail};
use identity::keys::{KeyAlgorithm, PrivateKey};
use identity::x509_cert::der::{Decode, Encode};
use identity::x509_cert::spki::SubjectPublicKeyInfoOwned;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use store::{JournalHead, SqliteStore, Store};

/// The anchor key's file inside the data directory.
pub const ANCHOR_KEY: &str = "anchor-key.pem";
/// Its public half, PEM.
pub const ANCHOR_PUB: &str = "anchor-key.pub.pem";
/// What an anchor's signature is bound to (changing it invalidates every anchor).
const PURPOSE: &str = "qyzmet/journal-anchor/v1";

/// One line of an anchor file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Anchor {
    /// When it was taken (RFC 3339).
    pub at: String,
    /// Global journal position (entry number) the head covers.
    pub seq: i64,
    /// Entries up to and including `seq`.
    pub entries: u64,
    /// The journal digest at `seq`, hex.
    pub head: String,
    /// The signer's public key (SubjectPublicKeyInfo DER, hex).
    pub key: String,
    /// ECDSA P-256 SHA-256 signature (DER, hex) over [`Anchor::message`].
    pub signature: String,
}

impl Anchor {
    fn message(at: &str, h: &JournalHead) -> Vec<u8> {
        format!("{PURPOSE}\n{at}\n{}\n{}\n{}", h.seq, h.entries, h.digest).into_bytes()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The anchor key of `data_dir`, made (owner-only) on first use.
pub fn anchor_key(data_dir: &Path) -> Result<PrivateKey> {
    let path = data_dir.join(ANCHOR_KEY);
    if path.is_file() {
        return PrivateKey::read_pem_file(&path)
            .with_context(|| format!("cannot read the anchor key {}", path.display()));
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let key = PrivateKey::generate(KeyAlgorithm::P256)?;
    let pem = key.to_pkcs8_pem()?;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot create the anchor key {}", path.display()))?;
    f.write_all(pem.as_bytes())?;
    f.sync_all()?;
    // The public half beside it: copy it wherever anchors are checked (`--anchor-key`).
    std::fs::write(data_dir.join(ANCHOR_PUB), public_pem(&key)?)?;
    Ok(key)
}

fn public_hex(key: &PrivateKey) -> Result<String> {
    Ok(hex(&key.public_key_info()?.to_der()?))
}

/// Sign the journal's current head and append it to `out` (synced). Returns the anchor.
pub fn append_anchor(db: &Path, key: &PrivateKey, out: &Path) -> Result<Anchor> {
    let head = SqliteStore::journal_heads_of(db, &[])
        .map_err(|e| anyhow::anyhow!("cannot read the journal of {}: {e}", db.display()))?
        .last;
    let at = jiff::Timestamp::now().to_string();
    let signature = key.sign(&Anchor::message(&at, &head))?;
    let anchor = Anchor {
        at,
        seq: head.seq,
        entries: head.entries,
        head: head.digest,
        key: public_hex(key)?,
        signature: hex(&signature),
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(out)
        .with_context(|| format!("cannot open {}", out.display()))?;
    writeln!(f, "{}", serde_json::to_string(&anchor)?)?;
    f.sync_all()?;
    Ok(anchor)
}

/// Append an anchor every `every` while the server runs (a thread; errors are logged). An
/// unchanged journal is not anchored again.
pub fn anchor_periodically(db: PathBuf, key: PrivateKey, out: PathBuf, every: std::time::Duration) {
    let spawned = std::thread::Builder::new()
        .name("journal-anchor".into())
        .spawn(move || {
            let mut last: Option<(i64, String)> = None;
            loop {
                std::thread::sleep(every);
                let head = match SqliteStore::journal_heads_of(&db, &[]) {
                    Ok(h) => h.last,
                    Err(e) => {
                        tracing::warn!("journal anchor: {e}");
                        continue;
                    }
                };
                if last.as_ref() == Some(&(head.seq, head.digest.clone())) {
                    continue;
                }
                match append_anchor(&db, &key, &out) {
                    Ok(a) => {
                        tracing::info!(seq = a.seq, head = %a.head, "journal anchored");
                        last = Some((a.seq, a.head));
                    }
                    Err(e) => tracing::warn!("journal anchor to {}: {e:#}", out.display()),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start journal anchoring: {e}");
    }
}

/// Check every anchor of `file` against the journal: signature by `trusted` (hex SPKI DER),
/// and the journal's digest at its position. Writes one line per failing anchor and a summary;
/// true when all hold.
pub fn verify_anchors(
    store: &dyn Store,
    file: &Path,
    trusted: &str,
    out: &mut impl Write,
) -> Result<bool> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let algorithms = identity::ecp::Algorithms::default();
    let mut anchors = vec![];
    let mut ok = true;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line_no = n + 1;
        let a: Anchor = match serde_json::from_str(line) {
            Ok(a) => a,
            Err(e) => {
                writeln!(out, "anchor line {line_no}: not an anchor: {e}")?;
                ok = false;
                continue;
            }
        };
        let signed = (|| -> Option<bool> {
            let spki = SubjectPublicKeyInfoOwned::from_der(&unhex(&a.key)?).ok()?;
            let head = JournalHead {
                seq: a.seq,
                entries: a.entries,
                digest: a.head.clone(),
            };
            let sa = identity::x509_cert::spki::AlgorithmIdentifierOwned {
                oid: identity::oids::ECDSA_WITH_SHA256,
                parameters: None,
            };
            let sig = unhex(&a.signature)?;
            Some(
                algorithms
                    .verify(&spki, &sa, None, &Anchor::message(&a.at, &head), &sig)
                    .is_ok(),
            )
        })()
        .unwrap_or(false);
        if a.key != trusted {
            writeln!(
                out,
                "anchor line {line_no} ({}): signed by another key than the platform's anchor key",
                a.at
            )?;
            ok = false;
        } else if !signed {
            writeln!(
                out,
                "anchor line {line_no} ({}): the signature does not verify (the line was altered)",
                a.at
            )?;
            ok = false;
        } else {
            anchors.push((line_no, a));
        }
    }
    let positions: Vec<i64> = anchors.iter().map(|(_, a)| a.seq).collect();
    let heads = store
        .journal_heads(&positions)
        .map_err(|e| anyhow::anyhow!("cannot read the journal: {e}"))?;
    // The last position that still matched, to narrow down where a rewrite happened.
    let mut held: Vec<i64> = vec![];
    for ((line_no, a), found) in anchors.iter().zip(&heads.at) {
        match found {
            None => {
                writeln!(
                    out,
                    "anchor line {line_no} ({}): the journal has no entry #{} any more (it ends at #{})",
                    a.at, a.seq, heads.last.seq
                )?;
                ok = false;
            }
            Some(h) if h.digest != a.head || h.entries != a.entries => {
                let after = held.iter().filter(|&&s| s < a.seq).max().copied();
                writeln!(
                    out,
                    "anchor line {line_no} ({}): the journal up to entry #{} differs from its anchored head{} — rewritten at or before entry #{}{}",
                    a.at,
                    a.seq,
                    if h.entries != a.entries {
                        format!(" ({} entries now, {} anchored)", h.entries, a.entries)
                    } else {
                        String::new()
                    },
                    a.seq,
                    after
                        .map(|s| format!(", after entry #{s} (an earlier anchor still holds)"))
                        .unwrap_or_default()
                )?;
                ok = false;
            }
            Some(_) => held.push(a.seq),
        }
    }
    if ok {
        writeln!(
            out,
            "anchors verified: {} signed head(s) in {}, the journal still holds each",
            anchors.len(),
            file.display()
        )?;
    }
    Ok(ok)
}

/// The trusted anchor public key: `--anchor-key` (a private or public PEM, or hex SPKI), or
/// the data directory's key.
pub fn trusted_key(explicit: Option<&Path>, data_dir: &Path) -> Result<String> {
    let path = explicit
        .map(Path::to_path_buf)
        .unwrap_or_else(|| data_dir.join(ANCHOR_KEY));
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the anchor key {}", path.display()))?;
    if let Ok(key) = PrivateKey::from_pem(&text) {
        return public_hex(&key);
    }
    if let Ok((label, der)) = identity::x509_cert::der::pem::decode_vec(text.trim().as_bytes())
        && label == "PUBLIC KEY"
    {
        return Ok(hex(&der));
    }
    let t = text.trim();
    if unhex(t).is_some() {
        return Ok(t.to_string());
    }
    bail!(
        "{}: not a private key, a PUBLIC KEY PEM or hex SubjectPublicKeyInfo",
        path.display()
    )
}

/// The anchor key's public half as PEM (to keep with the anchors, for `--anchor-key`).
pub fn public_pem(key: &PrivateKey) -> Result<String> {
    let der = key.public_key_info()?.to_der()?;
    Ok(identity::x509_cert::der::pem::encode_string(
        "PUBLIC KEY",
        identity::x509_cert::der::pem::LineEnding::LF,
        &der,
    )?)
}

/// `qyzmet backup`.
pub fn backup(db: &Path, to: &Path, out: &mut impl Write) -> Result<()> {
    let r = SqliteStore::backup(db, to)
        .map_err(|e| anyhow::anyhow!("backup of {} failed: {e}", db.display()))?;
    writeln!(
        out,
        "backed up {} to {}: {} bytes, {} journal entries (up to #{}, head {})",
        db.display(),
        to.display(),
        r.bytes,
        r.head.entries,
        r.head.seq,
        r.head.digest
    )?;
    Ok(())
}

/// `qyzmet restore`: the backup into a new data directory, then its journal verified and its
/// views checked against a rebuild (rebuilt when they differ). False when verification fails.
pub fn restore(
    from: &Path,
    data_dir: &Path,
    ctx: std::sync::Arc<engine::Ctx>,
    out: &mut impl Write,
) -> Result<bool> {
    if !from.is_file() {
        bail!("{}: no such backup file", from.display());
    }
    if data_dir.exists() && std::fs::read_dir(data_dir)?.next().is_some() {
        bail!(
            "{} is not empty: restore only into a new or empty directory (nothing was changed)",
            data_dir.display()
        );
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create {}", data_dir.display()))?;
    let db = data_dir.join("qyzmet.db");
    let partial = data_dir.join("qyzmet.db.partial");
    std::fs::copy(from, &partial)
        .with_context(|| format!("cannot copy {} to {}", from.display(), partial.display()))?;
    std::fs::File::open(&partial)?.sync_all()?;
    std::fs::rename(&partial, &db)?;
    std::fs::File::open(data_dir)?.sync_all()?;
    let store = crate::apps::open_store(&db, ctx)?;
    let verified = crate::apps::verify(&store, out)?;
    let mut views = crate::apps::rebuild_views(&store, false, out)?;
    if !views {
        writeln!(
            out,
            "the restored views differ from the journal: rebuilding them"
        )?;
        views = crate::apps::rebuild_views(&store, true, out)?
            && crate::apps::rebuild_views(&store, false, out)?;
    }
    store
        .close()
        .map_err(|e| anyhow::anyhow!("closing the store: {e}"))?;
    writeln!(
        out,
        "restored {} into {}{}",
        from.display(),
        db.display(),
        if verified && views {
            ""
        } else {
            " — BUT IT FAILED VERIFICATION (see above)"
        }
    )?;
    writeln!(
        out,
        "note: the database holds every record; the development CA (pki/) and the anchor key \
         ({ANCHOR_KEY}) are files of the old data directory: copy them if this one replaces it"
    )?;
    Ok(verified && views)
}

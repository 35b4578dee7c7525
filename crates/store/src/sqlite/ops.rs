//! Operations on a store's file that need no open store, so they run beside a live server:
//! the journal's digest at given positions (anchors) and an online, consistent backup.
//!
//! Both read through their own connection inside one read transaction: WAL lets the server's
//! writer go on meanwhile, and what they see is one committed instant.
//! Not for: writing the live database (only the store's writer does that).

use super::connect;
use crate::chain::{GENESIS, journal_digest};
use crate::{JournalHead, JournalHeads, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// A connection to an existing database (never creates one by mistake).
pub(crate) fn connect_existing(path: &Path) -> Result<Connection, StoreError> {
    if !path.is_file() {
        return Err(StoreError::Db(format!("no database at {}", path.display())));
    }
    // Open without CREATE first, so a path that vanishes in between is not created empty.
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    Ok(connect(path)?)
}

/// The journal digest at each position of `at` and at the end, in one pass over the hashes.
pub(crate) fn journal_heads(conn: &mut Connection, at: &[i64]) -> Result<JournalHeads, StoreError> {
    let tx = conn.transaction()?;
    let mut order: Vec<usize> = (0..at.len()).collect();
    order.sort_by_key(|&i| at[i]);
    let mut out: Vec<Option<JournalHead>> = vec![None; at.len()];
    let mut head = JournalHead {
        seq: 0,
        entries: 0,
        digest: GENESIS.to_string(),
    };
    let mut k = 0;
    {
        let mut stmt = tx.prepare("SELECT seq, hash FROM journal ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(0)?;
            let hash: String = r.get(1)?;
            // Positions before this entry: the head so far if it ends exactly there.
            while k < order.len() && at[order[k]] < seq {
                if at[order[k]] == head.seq {
                    out[order[k]] = Some(head.clone());
                }
                k += 1;
            }
            head.digest = journal_digest(&head.digest, seq, &hash).ok_or_else(|| {
                StoreError::Db(format!(
                    "journal entry #{seq}: hash `{hash}` is not 64 hex digits"
                ))
            })?;
            head.seq = seq;
            head.entries += 1;
        }
    }
    for &i in &order[k..] {
        if at[i] == head.seq {
            out[i] = Some(head.clone());
        }
    }
    Ok(JournalHeads {
        at: out,
        last: head,
    })
}

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BackupReport {
    pub bytes: u64,
    /// The journal as of the backup's instant.
    pub head: JournalHead,
}

/// Copy the database at `from` to `to` (which must not exist) as of one instant, while others
/// may be writing: `VACUUM INTO` (a compact copy, read in one transaction). Written to `to.partial`, synced,
/// checked, then renamed, so a file at `to` is always a whole backup.
pub(crate) fn backup(from: &Path, to: &Path) -> Result<BackupReport, StoreError> {
    let io = |what: &str, e: std::io::Error| StoreError::Db(format!("{what}: {e}"));
    if to.exists() {
        return Err(StoreError::Db(format!(
            "{} exists: a backup never overwrites a file",
            to.display()
        )));
    }
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let _ = std::fs::remove_file(&partial);
    let conn = connect_existing(from)?;
    let target = partial
        .to_str()
        .ok_or_else(|| StoreError::Db(format!("{}: not UTF-8", partial.display())))?;
    // One read transaction of its own: the copy is one committed instant.
    conn.execute("VACUUM INTO ?1", [target])?;
    drop(conn);
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(|e| io("cannot sync the backup", e))?;
    let mut check = Connection::open_with_flags(&partial, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
    let ok: String = check.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if ok != "ok" {
        return Err(StoreError::Db(format!(
            "the backup {} fails its integrity check: {ok}",
            partial.display()
        )));
    }
    let head = journal_heads(&mut check, &[])?.last;
    drop(check);
    std::fs::rename(&partial, to).map_err(|e| io("cannot rename the backup", e))?;
    if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or(0);
    Ok(BackupReport { bytes, head })
}

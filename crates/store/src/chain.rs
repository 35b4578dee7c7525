//! The journal's hash chains: how an entry's hash is computed, and a checker that walks
//! entries in global order and names the first one whose chain does not hold.
//!
//! Each application has its own chain: entry `n` stores the hash of entry `n - 1` of the same
//! application (the first stores [`GENESIS`]). Pure code, no database: the SQLite store feeds
//! it rows. Not for: deciding whether the journal agrees with the read views beyond each
//! chain's head (that is the store's job).

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// `prev_hash` of an application's first entry: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The hash of a journal entry, lowercase hex:
/// `sha256(prev_hash || len(application) || application || app_seq || event_json)` where
/// `prev_hash` is the previous hash as its 32 raw bytes, `len(application)` and `app_seq` are
/// big-endian u64, `application` and `event_json` are UTF-8 bytes. The length prefix keeps the
/// encoding unambiguous. Returns None when `prev_hash` is not 64 hex digits.
pub fn entry_hash(
    prev_hash: &str,
    application: &str,
    app_seq: i64,
    event_json: &str,
) -> Option<String> {
    let prev = unhex32(prev_hash)?;
    let mut h = Sha256::new();
    h.update(prev);
    h.update((application.len() as u64).to_be_bytes());
    h.update(application.as_bytes());
    h.update((app_seq as u64).to_be_bytes());
    h.update(event_json.as_bytes());
    Some(hex(&h.finalize()))
}

/// The journal's running digest, which anchors sign: starting from [`GENESIS`] (the empty
/// journal), each entry in global order folds in as
/// `sha256(prev_digest || seq || entry_hash)`, with both hashes as their 32 raw bytes and `seq`
/// a big-endian u64. The per-application chains alone cannot show a journal rewritten and
/// rehashed throughout; this one value per position can, against a signed copy kept outside
/// the database. Returns None when a hash is not 64 hex digits.
pub fn journal_digest(prev_digest: &str, seq: i64, entry_hash: &str) -> Option<String> {
    let prev = unhex32(prev_digest)?;
    let entry = unhex32(entry_hash)?;
    let mut h = Sha256::new();
    h.update(prev);
    h.update((seq as u64).to_be_bytes());
    h.update(entry);
    Some(hex(&h.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn unhex32(s: &str) -> Option<[u8; 32]> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = nibble(b[2 * i])? << 4 | nibble(b[2 * i + 1])?;
    }
    Some(out)
}

/// What is wrong with a journal entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    #[error(
        "expected entry {expected} of the application, found entry {found} (an entry is missing, duplicated or out of order)"
    )]
    Sequence { expected: i64, found: i64 },
    #[error("prev_hash {found} does not match the previous entry's hash {expected}")]
    PrevHash { expected: String, found: String },
    #[error(
        "stored hash {stored} does not match the recomputed {computed} (the entry was altered)"
    )]
    Hash { stored: String, computed: String },
    #[error("prev_hash `{0}` is not 64 lowercase hex digits")]
    Malformed(String),
    #[error("the event does not parse: {0}")]
    Event(String),
    #[error(
        "the application view says the chain ends at entry {view_seq} ({view_hash}), the journal ends at entry {journal_seq} ({journal_hash})"
    )]
    Head {
        view_seq: i64,
        view_hash: String,
        journal_seq: i64,
        journal_hash: String,
    },
}

/// A journal row as stored.
pub(crate) struct Row<'a> {
    pub application: &'a str,
    pub app_seq: i64,
    pub event: &'a str,
    pub prev_hash: &'a str,
    pub hash: &'a str,
}

/// Walks entries in global order, one chain per application.
#[derive(Default)]
pub(crate) struct Checker {
    /// Per application: the last entry's app_seq and stored hash.
    pub heads: HashMap<String, (i64, String)>,
}

impl Checker {
    pub fn check(&mut self, row: &Row<'_>) -> Result<(), Problem> {
        let (expected_seq, expected_prev) = match self.heads.get(row.application) {
            Some((seq, hash)) => (seq + 1, hash.as_str()),
            None => (1, GENESIS),
        };
        if row.app_seq != expected_seq {
            return Err(Problem::Sequence {
                expected: expected_seq,
                found: row.app_seq,
            });
        }
        if row.prev_hash != expected_prev {
            return Err(Problem::PrevHash {
                expected: expected_prev.to_string(),
                found: row.prev_hash.to_string(),
            });
        }
        let computed = entry_hash(row.prev_hash, row.application, row.app_seq, row.event)
            .ok_or_else(|| Problem::Malformed(row.prev_hash.to_string()))?;
        if computed != row.hash {
            return Err(Problem::Hash {
                stored: row.hash.to_string(),
                computed,
            });
        }
        if let Err(e) = serde_json::from_str::<engine::Event>(row.event) {
            return Err(Problem::Event(e.to_string()));
        }
        match self.heads.get_mut(row.application) {
            Some(h) => *h = (row.app_seq, row.hash.to_string()),
            None => {
                self.heads.insert(
                    row.application.to_string(),
                    (row.app_seq, row.hash.to_string()),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EV: &str =
        r#"{"event":"closed","at":"2019-12-02T04:00:00Z","outcome":"issued","document":null}"#;

    fn chain(app: &str, n: i64) -> Vec<(i64, String, String)> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let h = entry_hash(&prev, app, i, EV).unwrap();
                let row = (i, prev.clone(), h.clone());
                prev = h;
                row
            })
            .collect()
    }

    fn row<'a>(app: &'a str, r: &'a (i64, String, String)) -> Row<'a> {
        Row {
            application: app,
            app_seq: r.0,
            event: EV,
            prev_hash: &r.1,
            hash: &r.2,
        }
    }

    #[test]
    fn hash_is_stable_and_hex() {
        let h = entry_hash(GENESIS, "a1", 1, "{}").unwrap();
        assert_eq!(h.len(), 64);
        assert_eq!(h, entry_hash(GENESIS, "a1", 1, "{}").unwrap());
        assert_ne!(h, entry_hash(GENESIS, "a1", 2, "{}").unwrap());
        // The length prefix keeps ("a1", "1{}") and ("a", "11{}")-style splits apart.
        assert_ne!(
            entry_hash(GENESIS, "ab", 1, "c").unwrap(),
            entry_hash(GENESIS, "a", 1, "bc").unwrap()
        );
        assert_eq!(entry_hash("xyz", "a1", 1, "{}"), None);
    }

    #[test]
    fn journal_digest_depends_on_position_and_entry() {
        let e = entry_hash(GENESIS, "a1", 1, "{}").unwrap();
        let d = journal_digest(GENESIS, 1, &e).unwrap();
        assert_ne!(d, journal_digest(GENESIS, 2, &e).unwrap());
        assert_ne!(d, journal_digest(&e, 1, &e).unwrap());
        assert_eq!(journal_digest(GENESIS, 1, "zz"), None);
    }

    #[test]
    fn interleaved_chains_check_out() {
        let (a, b) = (chain("a", 3), chain("b", 2));
        let mut c = Checker::default();
        for r in [
            row("a", &a[0]),
            row("b", &b[0]),
            row("a", &a[1]),
            row("b", &b[1]),
            row("a", &a[2]),
        ] {
            c.check(&r).unwrap();
        }
        assert_eq!(c.heads.len(), 2);
    }

    #[test]
    fn names_what_is_broken() {
        let a = chain("a", 3);
        let mut c = Checker::default();
        c.check(&row("a", &a[0])).unwrap();
        // Skipping entry 2.
        assert!(matches!(
            c.check(&row("a", &a[2])),
            Err(Problem::Sequence {
                expected: 2,
                found: 3
            })
        ));
        // An altered event.
        let mut r = row("a", &a[1]);
        r.event =
            r#"{"event":"closed","at":"2019-12-03T04:00:00Z","outcome":"issued","document":null}"#;
        assert!(matches!(c.check(&r), Err(Problem::Hash { .. })));
        // A wrong link.
        let mut r = row("a", &a[1]);
        r.prev_hash = &a[1].2;
        assert!(matches!(c.check(&r), Err(Problem::PrevHash { .. })));
    }
}

//! Walking a journal read in global order, shared by the stores: [`Walk`] checks every
//! application's chain and then each chain's end against the `applications` view
//! (`Store::verify_journal`); [`Heads`] folds the journal's running digest at given positions
//! (`Store::journal_heads`).
//!
//! Not for: reading rows (each store feeds them from its own read transaction).

use crate::chain::{Checker, GENESIS, Problem, Row, journal_digest};
use crate::{Broken, JournalHead, JournalHeads, StoreError, VerifyReport};
use std::collections::HashSet;

/// A `verify_journal` in progress.
pub(crate) struct Walk {
    checker: Checker,
    report: VerifyReport,
}

impl Walk {
    pub fn new() -> Walk {
        Walk {
            checker: Checker::default(),
            report: VerifyReport {
                entries: 0,
                applications: 0,
                broken: None,
            },
        }
    }

    /// Check the next entry (global order); false once one is broken (stop reading).
    pub fn entry(&mut self, seq: i64, row: &Row<'_>) -> bool {
        self.report.entries += 1;
        match self.checker.check(row) {
            Ok(()) => true,
            Err(problem) => {
                self.report.broken = Some(Broken {
                    seq,
                    application: row.application.to_string(),
                    app_seq: row.app_seq,
                    problem,
                });
                false
            }
        }
    }

    /// The report: the first broken entry, or else whether each chain ends where the view
    /// (`views`: id, app_seq, journal_head) says — catches a cut-off tail or a rewritten last
    /// entry that the chain alone cannot show. `last_seq` gives an application's last global
    /// seq in the journal.
    pub fn finish(
        mut self,
        views: impl FnOnce() -> Result<Vec<(String, i64, String)>, StoreError>,
        mut last_seq: impl FnMut(&str) -> Result<i64, StoreError>,
    ) -> Result<VerifyReport, StoreError> {
        self.report.applications = self.checker.heads.len() as u64;
        if self.report.broken.is_some() {
            return Ok(self.report);
        }
        let mut found: Vec<Broken> = vec![];
        let mut seen = HashSet::new();
        for (id, view_seq, view_hash) in views()? {
            let (journal_seq, journal_hash) = self
                .checker
                .heads
                .get(&id)
                .cloned()
                .unwrap_or((0, String::new()));
            seen.insert(id.clone());
            if (journal_seq, &journal_hash) != (view_seq, &view_hash) {
                found.push(Broken {
                    seq: last_seq(&id)?,
                    application: id,
                    app_seq: journal_seq,
                    problem: Problem::Head {
                        view_seq,
                        view_hash,
                        journal_seq,
                        journal_hash,
                    },
                });
            }
        }
        for (id, (journal_seq, journal_hash)) in &self.checker.heads {
            if !seen.contains(id) {
                found.push(Broken {
                    seq: last_seq(id)?,
                    application: id.clone(),
                    app_seq: *journal_seq,
                    problem: Problem::Head {
                        view_seq: 0,
                        view_hash: String::new(),
                        journal_seq: *journal_seq,
                        journal_hash: journal_hash.clone(),
                    },
                });
            }
        }
        self.report.broken = found.into_iter().min_by_key(|b| b.seq);
        Ok(self.report)
    }
}

/// The journal's digest at each asked position, folded in one pass over `(seq, hash)` in
/// global order.
pub(crate) struct Heads<'a> {
    at: &'a [i64],
    order: Vec<usize>,
    out: Vec<Option<JournalHead>>,
    head: JournalHead,
    k: usize,
}

impl<'a> Heads<'a> {
    pub fn new(at: &'a [i64]) -> Heads<'a> {
        let mut order: Vec<usize> = (0..at.len()).collect();
        order.sort_by_key(|&i| at[i]);
        Heads {
            at,
            order,
            out: vec![None; at.len()],
            head: JournalHead {
                seq: 0,
                entries: 0,
                digest: GENESIS.to_string(),
            },
            k: 0,
        }
    }

    pub fn entry(&mut self, seq: i64, hash: &str) -> Result<(), StoreError> {
        // Positions before this entry: the head so far if it ends exactly there.
        while self.k < self.order.len() && self.at[self.order[self.k]] < seq {
            let i = self.order[self.k];
            if self.at[i] == self.head.seq {
                self.out[i] = Some(self.head.clone());
            }
            self.k += 1;
        }
        self.head.digest = journal_digest(&self.head.digest, seq, hash).ok_or_else(|| {
            StoreError::Db(format!(
                "journal entry #{seq}: hash `{hash}` is not 64 hex digits"
            ))
        })?;
        self.head.seq = seq;
        self.head.entries += 1;
        Ok(())
    }

    pub fn finish(mut self) -> JournalHeads {
        for &i in &self.order[self.k..] {
            if self.at[i] == self.head.seq {
                self.out[i] = Some(self.head.clone());
            }
        }
        JournalHeads {
            at: self.out,
            last: self.head,
        }
    }
}

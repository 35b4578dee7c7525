//! The pure half of a store's writer, shared by SQLite and PostgreSQL: what one command
//! writes (decided by the engine, folded, its view deltas and its journal entries hashed on
//! the chain's head) before any database sees it; how a submission's first result is kept
//! for its idempotency key and folded back; and what an action undoes in the writer's
//! memory when it rolls back.
//!
//! Not for: SQL. Each store writes what [`Decided`] holds in its own transaction.

use crate::chain::{GENESIS, entry_hash};
use crate::views::{self, Delta};
use crate::{Outcome, StoreError, instant};
use engine::{Application, Command, Ctx, Event, apply, decide};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Most automatic steps run in a row (a plan has far fewer; this only stops a loop).
pub(crate) const MAX_AUTOMATIC: usize = 64;

/// A row that does not decode: it fails the command that needs it, not the batch.
pub(crate) type Corrupt = String;

/// An application as a writer knows it: state plus the head of its journal chain.
#[derive(Clone)]
pub(crate) struct Cached {
    pub app: Application,
    pub head_seq: i64,
    pub head_hash: String,
}

/// An application's `applications` row, encoded: the columns both stores' writers send.
pub(crate) struct StateRow {
    pub id: String,
    pub regulation: String,
    pub version: u32,
    pub channel: &'static str,
    pub provider: String,
    pub status: &'static str,
    pub step: i64,
    pub step_due: Option<String>,
    pub term_due: Option<String>,
    pub closed_at: Option<String>,
    pub head_seq: i64,
    pub head_hash: String,
    /// When the command that left it ran (`updated_at`).
    pub at: String,
    /// The state itself.
    pub json: String,
}

impl StateRow {
    pub fn new(
        app: &Application,
        head_seq: i64,
        head_hash: String,
        at: String,
    ) -> serde_json::Result<StateRow> {
        Ok(StateRow {
            id: app.id.clone(),
            regulation: app.regulation.clone(),
            version: app.version,
            channel: app.channel.as_str(),
            provider: app.provider.clone(),
            status: app.status.as_str(),
            step: app.step as i64,
            step_due: app.step_due.map(instant::to_sql),
            term_due: app.term_due.map(instant::to_sql),
            closed_at: app.closed_at.map(instant::to_sql),
            head_seq,
            head_hash,
            at,
            json: serde_json::to_string(app)?,
        })
    }
}

/// One journal entry to write.
pub(crate) struct Entry {
    pub app_seq: i64,
    pub json: String,
    pub prev_hash: String,
    pub hash: String,
}

/// What a command does, before it is written.
pub(crate) struct Decided {
    pub events: Vec<Event>,
    pub app: Application,
    /// The aggregates' changes (none for a refused portal request: it is never counted).
    pub deltas: Vec<Delta>,
    pub entries: Vec<Entry>,
    /// The chain's head after the entries.
    pub head_seq: i64,
    pub head_hash: String,
    /// Whether the application gets a list row (a refused portal request is journalled,
    /// never listed or counted).
    pub listed: bool,
}

/// Decide `cmd` on `state` at `now`, fold its events and hash them onto the chain. The error
/// is this command's answer; nothing was written.
pub(crate) fn command(
    ctx: &Ctx,
    state: Option<&Cached>,
    cmd: &Command,
    now: Timestamp,
) -> Result<Decided, StoreError> {
    let id = cmd.application();
    let decided = catch_unwind(AssertUnwindSafe(|| {
        let events = decide(state.map(|c| &c.app), cmd, now, ctx)?;
        let mut app = state.map(|c| c.app.clone());
        let mut deltas = vec![];
        for e in &events {
            let next = apply(app.clone(), e, ctx);
            if let Some(n) = &next {
                deltas.extend(views::deltas(app.as_ref(), e, n, ctx));
            }
            app = next;
        }
        Ok::<_, engine::Rejection>((events, app, deltas))
    }));
    let (events, app, deltas) = match decided {
        Ok(Ok(x)) => x,
        Ok(Err(rejection)) => return Err(StoreError::Rejected(rejection)),
        Err(panic) => return Err(StoreError::Engine(panic_message(&panic))),
    };
    let Some(app) = app else {
        return Err(StoreError::Engine(format!(
            "the events of a command on `{id}` left no application"
        )));
    };
    let (mut head_seq, mut head_hash) = match state {
        Some(c) => (c.head_seq, c.head_hash.clone()),
        None => (0, GENESIS.to_string()),
    };
    // Hash every entry before writing any, so a corrupt head fails this command alone.
    let mut entries = Vec::with_capacity(events.len());
    for e in &events {
        let json = serde_json::to_string(e)
            .map_err(|e| StoreError::Db(format!("an event of `{id}` does not encode: {e}")))?;
        let app_seq = head_seq + 1;
        let Some(hash) = entry_hash(&head_hash, id, app_seq, &json) else {
            return Err(StoreError::Db(format!(
                "application `{id}`: the stored journal head `{head_hash}` is not a hash; run verify_journal"
            )));
        };
        entries.push(Entry {
            app_seq,
            json,
            prev_hash: std::mem::replace(&mut head_hash, hash.clone()),
            hash,
        });
        head_seq = app_seq;
    }
    let listed = !matches!(cmd, Command::RefuseRequest { .. });
    Ok(Decided {
        events,
        app,
        deltas: if listed { deltas } else { vec![] },
        entries,
        head_seq,
        head_hash,
        listed,
    })
}

/// What the idempotency table keeps for a submission: its first result, in full (as
/// earlier SQLite builds wrote it) …
#[derive(Serialize, Deserialize)]
pub(crate) struct FirstResult {
    pub events: Vec<Event>,
    pub application: Application,
}

/// … or, as now, how many journal entries of the application the submission wrote: the first
/// result is those entries, folded. Keeps the hot path from writing every submission twice.
#[derive(Serialize, Deserialize)]
pub(crate) struct FirstEntries {
    pub first_entries: i64,
}

/// The idempotency row of a submission that wrote its application's entries up to `head_seq`.
pub(crate) fn first_entries_json(head_seq: i64) -> String {
    format!("{{\"first_entries\":{head_seq}}}")
}

/// What an idempotency row says.
pub(crate) enum First {
    /// Fold the application's first `n` journal entries (see [`replay`]).
    Entries(i64),
    /// The first result, kept whole.
    Whole(Box<Outcome>),
}

/// Read an idempotency row's `result`.
pub(crate) fn first(key: &str, json: &str) -> Result<First, Corrupt> {
    if let Ok(FirstEntries { first_entries }) = serde_json::from_str::<FirstEntries>(json) {
        return Ok(First::Entries(first_entries));
    }
    match serde_json::from_str::<FirstResult>(json) {
        Ok(first) => Ok(First::Whole(Box::new(Outcome {
            events: first.events,
            application: first.application,
            replayed: true,
        }))),
        Err(e) => Err(format!(
            "idempotency key `{key}`: stored result does not decode: {e}"
        )),
    }
}

/// The first result of a submission: its journal entries (as stored), folded.
pub(crate) fn replay(
    key: &str,
    ctx: &Ctx,
    entries: impl IntoIterator<Item = String>,
) -> Result<Outcome, Corrupt> {
    let mut events = Vec::new();
    let mut app = None;
    for text in entries {
        match serde_json::from_str::<Event>(&text) {
            Ok(e) => {
                app = apply(app, &e, ctx);
                events.push(e);
            }
            Err(e) => {
                return Err(format!(
                    "idempotency key `{key}`: journal entry does not decode: {e}"
                ));
            }
        }
    }
    match app {
        Some(application) => Ok(Outcome {
            events,
            application,
            replayed: true,
        }),
        None => Err(format!(
            "idempotency key `{key}`: its journal entries are missing"
        )),
    }
}

/// What an action changed in the batch's memory, to undo if it is rolled back.
#[derive(Default)]
pub(crate) struct Undo {
    apps: Vec<(String, Option<Cached>)>,
    keys: Vec<String>,
    /// Organisations whose signing role the action set in the context, with the one before.
    pub signers: Vec<(String, Option<String>)>,
    /// The action changed the preschool queue in memory.
    pub queue: bool,
}

impl Undo {
    pub fn before(&mut self, overlay: &HashMap<String, Cached>, cmd: &Command) {
        let id = cmd.application();
        if !self.apps.iter().any(|(a, _)| a == id) {
            self.apps.push((id.to_string(), overlay.get(id).cloned()));
        }
        if let Command::Submit { key, .. } = cmd {
            self.keys.push(key.clone());
        }
    }

    pub fn restore(
        self,
        ctx: &Ctx,
        overlay: &mut HashMap<String, Cached>,
        keys: &mut HashMap<String, Outcome>,
    ) {
        for (org, prev) in self.signers.into_iter().rev() {
            ctx.set_signer(&org, prev.as_deref());
        }
        for (id, prev) in self.apps {
            match prev {
                Some(c) => overlay.insert(id, c),
                None => overlay.remove(&id),
            };
        }
        for k in self.keys {
            keys.remove(&k);
        }
    }
}

pub(crate) fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_entries_json_is_what_serde_writes() {
        assert_eq!(
            first_entries_json(3),
            serde_json::to_string(&FirstEntries { first_entries: 3 }).unwrap()
        );
    }
}

//! The preschool queue beside the journal: its events are appended in the same transaction as
//! the action that caused them (table `queue_events`, one hash chain), and its state — a
//! [`queue::Queue`] in memory — is their replay, loaded when the queue is attached.
//!
//! For: the cell the writer changes and readers read ([`QueueCell`]), the chain's encoding.
//! Not for: the rules of the queue (crate `queue`), pages.

use queue::{Event, Queue};
use std::sync::{RwLock, RwLockWriteGuard};

/// The application name the queue's chain uses in [`crate::entry_hash`].
pub const CHAIN: &str = "queue";

/// The queue as the store keeps it: None until [`crate::Store::attach_queue`].
#[derive(Default)]
pub struct QueueCell {
    inner: RwLock<Option<Queue>>,
}

impl QueueCell {
    /// Read the queue (None: no queue attached). Readers wait only while the writer applies
    /// an action's events.
    pub fn read<R>(&self, f: impl FnOnce(&Queue) -> R) -> Option<R> {
        let g = self.inner.read().unwrap_or_else(|p| p.into_inner());
        g.as_ref().map(f)
    }

    /// Whether a queue is attached.
    pub fn attached(&self) -> bool {
        self.read(|_| ()).is_some()
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Option<Queue>> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Replace the state by a fresh replay (after a rolled-back action changed it).
    pub(crate) fn replay(&self, events: impl IntoIterator<Item = Event>) {
        let mut g = self.write();
        if let Some(q) = g.as_mut() {
            let mut fresh = q.empty_like();
            for e in events {
                fresh.apply(&e);
            }
            *q = fresh;
        }
    }
}

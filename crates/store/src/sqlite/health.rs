//! Whether the store can still write, and why not: the database file deleted, moved or
//! replaced under a running store, made read-only, the disk full, the writer gone.
//!
//! SQLite keeps writing through its open descriptors into a file that was unlinked or
//! renamed away, and every commit "succeeds" into a file nobody will open again. So the store
//! records the file's identity (device + inode) at open and the writer compares it — one
//! `stat` — before and after each batch and once a second; a batch committed into a file that
//! is no longer at the path is never acknowledged. A vanished or replaced file is final (the
//! process must be restarted on the right file); read-only, disk full and I/O errors clear
//! themselves once a probe write succeeds again.
//!
//! Not for: reads (they go on from the open file; only writes can lose data) or what a
//! caller does about it (the server's `/ready` answers 503).

use crate::{Health, HealthState};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A file's identity: (device, inode).
pub(crate) type FileId = (u64, u64);

pub(crate) fn file_id(path: &Path) -> std::io::Result<FileId> {
    let m = std::fs::metadata(path)?;
    Ok((m.dev(), m.ino()))
}

/// The store's health, shared by the writer (which sets it) and readers of [`Health`].
pub(crate) struct Monitor {
    state: Mutex<Health>,
}

impl Monitor {
    pub fn new() -> Monitor {
        Monitor {
            state: Mutex::new(Health::ok()),
        }
    }

    pub fn get(&self) -> Health {
        self.state
            .lock()
            .map(|h| h.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    pub fn set(&self, h: Health) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if *s != h {
            if h.state == HealthState::Ok {
                eprintln_store(&format!("the store can write again (was: {})", s.message()));
            } else {
                eprintln_store(&h.message());
            }
            *s = h;
        }
    }
}

/// Faults are rare and must be seen even without a tracing subscriber: stderr.
fn eprintln_store(msg: &str) {
    eprintln!("store: {msg}");
}

/// The writer's view of the files it must keep writing to.
pub(crate) struct Files {
    pub path: PathBuf,
    db: FileId,
    wal: PathBuf,
    /// The WAL's identity once it exists (SQLite keeps it while any connection is open).
    wal_id: Option<FileId>,
}

impl Files {
    pub fn new(path: &Path) -> std::io::Result<Files> {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        let wal = PathBuf::from(wal);
        Ok(Files {
            path: path.to_path_buf(),
            db: file_id(path)?,
            wal_id: file_id(&wal).ok(),
            wal,
        })
    }

    /// Is the file at the path still the one the store opened? `Err`: the final fault.
    pub fn check(&mut self) -> Result<(), Health> {
        let name = self.path.display();
        match file_id(&self.path) {
            Ok(id) if id == self.db => {}
            Ok(_) => {
                return Err(Health::new(
                    HealthState::Replaced,
                    format!(
                        "the database file {name} was replaced by another file while the store \
                         had it open; writes are refused (restart the server on the right file)"
                    ),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Health::new(
                    HealthState::Gone,
                    format!(
                        "the database file {name} was deleted or moved while the store had it \
                         open; writes are refused (restore it and restart the server)"
                    ),
                ));
            }
            Err(e) => {
                return Err(Health::new(
                    HealthState::Gone,
                    format!("the database file {name} cannot be examined: {e}"),
                ));
            }
        }
        // Committed pages live in the WAL until a checkpoint: losing it loses them too.
        match (file_id(&self.wal), self.wal_id) {
            (Ok(id), None) => self.wal_id = Some(id),
            (Ok(id), Some(known)) if id == known => {}
            (_, Some(_)) => {
                return Err(Health::new(
                    HealthState::Gone,
                    format!(
                        "the write-ahead log {} was deleted or replaced while the store had it \
                         open; writes are refused (restart the server)",
                        self.wal.display()
                    ),
                ));
            }
            (Err(_), None) => {}
        }
        Ok(())
    }

    /// Can the file be opened for writing (catches chmod and read-only remounts, which the
    /// already open descriptor does not notice)?
    pub fn writable(&self) -> Result<(), Health> {
        match std::fs::OpenOptions::new().write(true).open(&self.path) {
            Ok(_) => Ok(()),
            Err(e) => Err(Health::new(
                HealthState::ReadOnly,
                format!(
                    "the database file {} cannot be written: {e}; writes are refused until it \
                     can",
                    self.path.display()
                ),
            )),
        }
    }
}

/// The health a failed write leaves, from SQLite's error code.
pub(crate) fn from_error(e: &rusqlite::Error, path: &Path) -> Health {
    use rusqlite::ErrorCode as C;
    let name = path.display();
    match e.sqlite_error_code() {
        Some(C::DiskFull) => Health::new(
            HealthState::Full,
            format!("the disk (or the database's size limit) is full writing {name}: {e}"),
        ),
        Some(C::ReadOnly) => Health::new(
            HealthState::ReadOnly,
            format!("the database file {name} is read-only: {e}"),
        ),
        Some(C::SystemIoFailure | C::CannotOpen) => Health::new(
            HealthState::IoError,
            format!("I/O error writing {name}: {e}"),
        ),
        _ => Health::ok(),
    }
}

//! The audit trail: one append-only, hash-chained JSON line per answered request, written and
//! flushed to disk (`fdatasync`) before the response leaves, so every answer a client got has its
//! record. Each record carries the SHA-256 of the one before ([`Entry::prev`]) and its own
//! ([`Entry::hash`], over its JSON without the hash), and a sequence number, so [`verify`] finds
//! any edit, deletion, insertion or reordering and names the first bad record (`fhir::audit_event`
//! writes the trail as FHIR AuditEvent NDJSON). May use: nothing else of Concord (no HTTP types
//! and no FHIR JSON: the `http` layer fills an [`Event`]).
//!
//! Each record is chained and appended by the request's own worker thread under one lock (so
//! chain order is file order): a one-line `write` to the page cache is about a microsecond,
//! while the earlier design, handing records to a writer thread, cost two thread switches per
//! request on two cores, and batching a worker's records by delaying them cost the answers as
//! much. Only `fdatasync` runs elsewhere, on a syncer thread, as a group commit: whatever was
//! written while the previous sync ran is synced together and then acknowledged.
//!
//! [`Sync::Interval`] trades strict durability for speed, on request: each record is written to
//! the file (the operating system's page cache) before its answer leaves, so a crash of the
//! server process loses nothing, but `fdatasync` runs at most every interval, so a power cut or
//! kernel crash can lose the records of the last interval. [`Sync::Always`] (the default) syncs
//! every record before its answer (group-committed).
//!
//! How a record reaches the file (one `write`, or a copy into a memory map) is `trail.rs`; a
//! trail rotated into closed segments that one chain runs through is `segments.rs`.

mod chain;
mod segments;
mod trail;

pub use chain::{
    Entry, GENESIS, Prepared, VerifyError, hex as chain_hex, unwritten, verify, verify_after,
};
pub use segments::files;
pub use trail::Mode;

use anyhow::{Context, Result};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use trail::Trail;

/// What happened, as the HTTP layer saw it (the chain fields are added by the writer).
#[derive(Debug, Clone, Default)]
pub struct Event {
    /// When, RFC 3339 UTC.
    pub time: String,
    /// The caller's `sub`, when authenticated.
    pub subject: Option<String>,
    /// The caller's client id, when authenticated.
    pub client_id: Option<String>,
    /// `GET /CodeSystem/$lookup`, …
    pub operation: String,
    /// The code system named (`system`, `url` of a code system operation), when one is.
    pub system: Option<String>,
    /// Its version, when named.
    pub version: Option<String>,
    /// SHA-256 of the request's query and body.
    pub params_digest: String,
    /// HTTP status.
    pub status: u16,
    /// `result` of a validation, when the answer has one.
    pub result: Option<bool>,
    /// The correlation id.
    pub correlation_id: String,
    /// The release that answered.
    pub release: String,
}

thread_local! {
    /// Each worker's buffer for the line it appends.
    static LINE: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(1024));
}

type Ack = tokio::sync::oneshot::Sender<std::result::Result<(), String>>;

/// How a trail is kept.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// When records reach the disk.
    pub sync: Sync,
    /// How records reach the file.
    pub mode: Mode,
    /// Close the live file and start a new one (continuing the chain) once it holds this many
    /// bytes; `None`: never.
    pub rotate_at: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sync: Sync::Always,
            mode: Mode::Append,
            rotate_at: None,
        }
    }
}

/// When records reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// `fdatasync` before every answer (group-committed).
    Always,
    /// Written before every answer; `fdatasync` at most this often.
    Interval(std::time::Duration),
}

/// The end of the chain and the file it is written to, behind one lock so that records are
/// chained and appended in the same order.
struct Chain {
    trail: Trail,
    seq: u64,
    prev: String,
    /// Failed writes not logged yet, and when the last was: a full disk refuses every
    /// request, and one log line each would flood the log.
    unlogged_failures: u64,
    last_failure_logged: Option<std::time::Instant>,
}

/// Written records waiting for the syncer (strict mode).
#[derive(Default)]
struct Unsynced {
    acks: Vec<Ack>,
    /// The syncer sleeps on the condition variable (and needs waking).
    idle: bool,
}

/// What every worker's handle shares.
struct Shared {
    chain: Mutex<Chain>,
    config: Config,
    path: PathBuf,
    /// The live file, for the syncer (a rotation replaces it).
    syncing: Mutex<Arc<File>>,
    unsynced: Mutex<Unsynced>,
    wake: Condvar,
    /// Interval mode: written since the syncer's last `fdatasync`.
    dirty: AtomicBool,
}

/// The trail's handle: cheap to clone, one per worker.
#[derive(Clone)]
pub struct AuditLog {
    shared: Arc<Shared>,
}

impl AuditLog {
    /// Opens (or creates) the trail at `path`, strict and appended, and starts its syncer.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, Config::default())
    }

    /// [`AuditLog::open`] with a choice of when records are synced, how they are written and
    /// when the live file is rotated. A last line cut short by a crash mid-write (never
    /// acknowledged: its response was not sent) is cut off, and said so. An empty live file
    /// continues the chain of the last closed segment.
    pub fn open_with(path: &Path, config: Config) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the audit directory {}", dir.display()))?;
        }
        let (trail, tail) = Trail::open(path, config.mode)?;
        let last = match tail.last {
            Some(l) => Some((l, path.to_path_buf())),
            None => match segments::segments(path)?.pop() {
                Some(segment) => {
                    let mut f = File::open(&segment).with_context(|| {
                        format!("opening the audit segment {}", segment.display())
                    })?;
                    trail::scan(&mut f)?.last.map(|l| (l, segment))
                }
                None => None,
            },
        };
        let (seq, prev) = match last {
            None => (0, GENESIS.to_string()),
            Some((l, file)) => {
                let e: Entry = serde_json::from_str(&l).with_context(|| {
                    format!(
                        "the last record of {} is not an audit record; run `concord audit verify`",
                        file.display()
                    )
                })?;
                (e.seq, e.hash.unwrap_or_default())
            }
        };
        let syncing = trail.sync_handle()?;
        let shared = Arc::new(Shared {
            chain: Mutex::new(Chain {
                trail,
                seq,
                prev,
                unlogged_failures: 0,
                last_failure_logged: None,
            }),
            config,
            path: path.to_path_buf(),
            syncing: Mutex::new(Arc::new(syncing)),
            unsynced: Mutex::default(),
            wake: Condvar::new(),
            dirty: AtomicBool::new(false),
        });
        let s = shared.clone();
        std::thread::Builder::new()
            .name("audit-sync".into())
            .spawn(move || syncer(&s))
            .context("starting the audit syncer")?;
        Ok(AuditLog { shared })
    }

    /// Leaves the trail exactly its records (a mapped trail's reserved space is cut off) once
    /// the server has stopped answering. Records after this are refused.
    pub fn close(&self) -> Result<()> {
        let mut c = self.shared.chain.lock().unwrap_or_else(|e| e.into_inner());
        c.trail
            .close()
            .with_context(|| format!("closing the audit trail {}", self.shared.path.display()))
    }

    /// The trail's path.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Records `event`; resolves once it is written (and, in strict mode, synced), or with why
    /// it could not be.
    ///
    /// The record is chained and appended on the calling thread: a `write` of one line to the
    /// page cache is about a microsecond, while handing records to a writer thread cost two
    /// thread switches per request on two cores, and delaying a write to batch it with the
    /// worker's next requests delayed their answers as much. Only `fdatasync` is left to
    /// another thread, which syncs whatever was written while the last one ran (group commit).
    pub async fn record(&self, event: Event) -> std::result::Result<(), String> {
        self.write(&event)?;
        match self.shared.config.sync {
            Sync::Interval(_) => {
                self.shared.dirty.store(true, Ordering::Release);
                Ok(())
            }
            Sync::Always => {
                let (ack, done) = tokio::sync::oneshot::channel();
                let wake = {
                    let mut u = self
                        .shared
                        .unsynced
                        .lock()
                        .unwrap_or_else(|e| e.into_inner());
                    u.acks.push(ack);
                    std::mem::take(&mut u.idle)
                };
                if wake {
                    self.shared.wake.notify_one();
                }
                done.await
                    .map_err(|_| "the audit syncer has stopped".to_string())?
            }
        }
    }

    /// Chains and appends `event` (whole, or cut back on failure). The event is serialized
    /// before the lock is taken: only linking, hashing and the append hold it.
    fn write(&self, event: &Event) -> std::result::Result<(), String> {
        let prepared = Prepared::new(event);
        LINE.with_borrow_mut(|line| self.append(&prepared, line))
    }

    /// Links, hashes and appends a prepared record under the chain's lock. The line is put
    /// together in `line`, a buffer of the calling thread: one shared by both workers moved
    /// between their caches with every record.
    fn append(&self, prepared: &Prepared, line: &mut Vec<u8>) -> std::result::Result<(), String> {
        let mut guard = self.shared.chain.lock().unwrap_or_else(|e| e.into_inner());
        let c = &mut *guard;
        line.clear();
        let seq = c.seq + 1;
        let prev = Entry::append_chained(line, seq, &c.prev, prepared);
        line.push(b'\n');
        match c.trail.append(line) {
            Ok(()) => {
                c.seq = seq;
                c.prev = prev;
                if self
                    .shared
                    .config
                    .rotate_at
                    .is_some_and(|limit| c.trail.len() >= limit)
                {
                    self.rotate(c);
                }
                Ok(())
            }
            Err(e) => {
                c.unlogged_failures += 1;
                let due = c
                    .last_failure_logged
                    .is_none_or(|t| t.elapsed() >= std::time::Duration::from_secs(1));
                if due {
                    tracing::error!(
                        error = %e,
                        refused = c.unlogged_failures,
                        "audit write failed; requests are refused until it succeeds (logged at most once a second, with the count refused since)"
                    );
                    c.unlogged_failures = 0;
                    c.last_failure_logged = Some(std::time::Instant::now());
                }
                Err(format!("writing the audit trail: {e}"))
            }
        }
    }

    /// Closes the live file (synced and cut to its records), renames it to its segment name and
    /// opens a new live file continuing the chain. The record that filled the file is already
    /// in it, so a failure here refuses no answer: it is logged, and the old file is reopened
    /// to go on with (or, failing that, the next records are refused).
    fn rotate(&self, c: &mut Chain) {
        let path = &self.shared.path;
        let segment = segments::segment_name(path, c.seq);
        let rotated = c.trail.close().map_err(anyhow::Error::from).and_then(|()| {
            std::fs::rename(path, &segment)
                .with_context(|| format!("renaming {} to {}", path.display(), segment.display()))
        });
        let reopened = Trail::open(path, self.shared.config.mode).and_then(|(trail, _)| {
            let handle = trail.sync_handle()?;
            Ok((trail, handle))
        });
        match reopened {
            Ok((trail, handle)) => {
                c.trail = trail;
                *self
                    .shared
                    .syncing
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) = Arc::new(handle);
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), audit = %path.display(), "audit trail not reopened after rotation; requests are refused")
            }
        }
        match rotated {
            Ok(()) => {
                tracing::info!(audit = %path.display(), segment = %segment.display(), last_seq = c.seq, "audit trail rotated")
            }
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), audit = %path.display(), "audit trail rotation failed; records go on in the same file")
            }
        }
    }
}

/// The syncer thread. Strict mode: whatever was written while the previous `fdatasync` ran is
/// synced together (group commit), then acknowledged. Interval mode: `fdatasync` every interval
/// when something was written.
fn syncer(shared: &Shared) {
    let live = || {
        shared
            .syncing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    };
    loop {
        match shared.config.sync {
            Sync::Interval(every) => {
                std::thread::sleep(every);
                if shared.dirty.swap(false, Ordering::AcqRel)
                    && let Err(e) = live().sync_data()
                {
                    tracing::error!(error = %e, "audit sync failed");
                }
            }
            Sync::Always => {
                let acks = {
                    let mut u = shared.unsynced.lock().unwrap_or_else(|e| e.into_inner());
                    while u.acks.is_empty() {
                        u.idle = true;
                        u = shared.wake.wait(u).unwrap_or_else(|e| e.into_inner());
                    }
                    u.idle = false;
                    std::mem::take(&mut u.acks)
                };
                // A rotation since these records were written synced their file in full
                // before the new one took its place.
                let synced = live().sync_data().map_err(|e| {
                    tracing::error!(error = %e, "audit sync failed; answers are withheld");
                    format!("syncing the audit trail: {e}")
                });
                for ack in acks {
                    let _ = ack.send(synced.clone());
                }
            }
        }
    }
}

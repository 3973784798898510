//! The audit trail: one append-only, hash-chained JSON line per answered request, written and
//! flushed to disk (`fdatasync`) before the response leaves, so every answer a client got has its
//! record. Each record carries the SHA-256 of the one before ([`Entry::prev`]) and its own
//! ([`Entry::hash`], over its JSON without the hash), and a sequence number, so [`verify`] finds
//! any edit, deletion, insertion or reordering and names the first bad record (`fhir::audit_event`
//! writes the trail as FHIR AuditEvent NDJSON). May use: nothing else of Concord (no HTTP types
//! and no FHIR JSON: the `http` layer fills an [`Event`]).
//!
//! Records are written by one thread in group commits: whatever arrived while the previous
//! batch was being synced is written and synced together, so under load one `fdatasync` covers
//! many requests instead of one each. Requests hand their records over through a shared queue
//! and wake the writer only when it is idle: while it writes and syncs, records pile up without
//! a thread switch each (on two cores the switches, not the hashing, were the cost).
//!
//! [`Sync::Interval`] trades strict durability for speed, on request: each record is written to
//! the file (the operating system's page cache) before its answer leaves, so a crash of the
//! server process loses nothing, but `fdatasync` runs at most every interval, so a power cut or
//! kernel crash can lose the records of the last interval. [`Sync::Always`] (the default) syncs
//! every batch before its answers.

mod chain;

pub use chain::{Entry, GENESIS, VerifyError, hex as chain_hex, verify};

use anyhow::{Context, Result};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

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

type Ack = tokio::sync::oneshot::Sender<std::result::Result<(), String>>;

/// Records waiting for the writer.
#[derive(Default)]
struct Queue {
    events: Vec<(Event, Ack)>,
    /// The writer sleeps on the condition variable (and needs waking).
    idle: bool,
}

/// The queue and the writer's wake-up.
#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
}

/// When records reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// `fdatasync` before every answer (group-committed).
    Always,
    /// Written before every answer; `fdatasync` at most this often.
    Interval(std::time::Duration),
}

/// The writer's handle: cheap to clone, one per worker.
#[derive(Clone)]
pub struct AuditLog {
    shared: Arc<Shared>,
    path: PathBuf,
}

impl AuditLog {
    /// Opens (or creates) the trail at `path` and starts its writer. A last line cut short by a
    /// crash mid-write (never acknowledged: its response was not sent) is cut off, and said so.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, Sync::Always)
    }

    /// [`AuditLog::open`] with a choice of when records are synced.
    pub fn open_with(path: &Path, sync: Sync) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the audit directory {}", dir.display()))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .with_context(|| format!("opening the audit trail {}", path.display()))?;
        let (seq, prev) = tail(&mut file, path)?;
        let shared = Arc::new(Shared::default());
        let s = shared.clone();
        std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || writer(file, seq, prev, &s, sync))
            .context("starting the audit writer")?;
        Ok(AuditLog {
            shared,
            path: path.to_path_buf(),
        })
    }

    /// The trail's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records `event`; resolves once it is on disk (or with why it could not be written).
    pub async fn record(&self, event: Event) -> std::result::Result<(), String> {
        let (ack, done) = tokio::sync::oneshot::channel();
        let wake = {
            let mut q = self.shared.queue.lock().unwrap_or_else(|e| e.into_inner());
            q.events.push((event, ack));
            std::mem::take(&mut q.idle)
        };
        if wake {
            self.shared.wake.notify_one();
        }
        done.await
            .map_err(|_| "the audit writer has stopped".to_string())?
    }
}

/// The sequence number and hash of the last whole record, cutting off a torn last line.
fn tail(file: &mut File, path: &Path) -> Result<(u64, String)> {
    file.seek(SeekFrom::Start(0))?;
    let mut reader = BufReader::new(&mut *file);
    let mut last = None;
    let mut good_len = 0u64;
    let mut line = String::new();
    loop {
        line.clear();
        let n = reader.read_line(&mut line)?;
        if n == 0 {
            break;
        }
        if !line.ends_with('\n') {
            break;
        }
        good_len += n as u64;
        last = Some(line.trim_end().to_string());
    }
    let len = file.metadata()?.len();
    if len > good_len {
        tracing::warn!(
            audit = %path.display(),
            bytes = len - good_len,
            "the audit trail ended in a torn record (a crash mid-write; its response was never sent): cut off"
        );
        file.set_len(good_len)?;
    }
    Ok(match last {
        None => (0, GENESIS.to_string()),
        Some(l) => {
            let e: Entry = serde_json::from_str(&l).with_context(|| {
                format!(
                    "the last record of {} is not an audit record; run `concord audit verify`",
                    path.display()
                )
            })?;
            (e.seq, e.hash.unwrap_or_default())
        }
    })
}

/// The writer loop: a batch is everything queued, written, synced (or, with
/// [`Sync::Interval`], left for the next interval's sync), then acknowledged.
fn writer(mut file: File, mut seq: u64, mut prev: String, shared: &Shared, sync: Sync) {
    let mut out = Vec::with_capacity(64 << 10);
    // The length of the acknowledged records: a failed batch is cut back to it.
    let mut good_len = file.metadata().map(|m| m.len()).unwrap_or(0);
    // Interval mode: written since the last sync, and when that was.
    let mut dirty = false;
    let mut synced_at = std::time::Instant::now();
    loop {
        let batch = {
            let mut q = shared.queue.lock().unwrap_or_else(|e| e.into_inner());
            while q.events.is_empty() {
                q.idle = true;
                match (sync, dirty) {
                    (Sync::Interval(every), true) => {
                        let left = every.saturating_sub(synced_at.elapsed());
                        let (guard, timeout) = shared
                            .wake
                            .wait_timeout(q, left)
                            .unwrap_or_else(|e| e.into_inner());
                        q = guard;
                        if timeout.timed_out() && q.events.is_empty() {
                            drop(q);
                            if let Err(e) = file.sync_data() {
                                tracing::error!(error = %e, "audit sync failed");
                            }
                            dirty = false;
                            synced_at = std::time::Instant::now();
                            q = shared.queue.lock().unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    _ => q = shared.wake.wait(q).unwrap_or_else(|e| e.into_inner()),
                }
            }
            q.idle = false;
            std::mem::take(&mut q.events)
        };
        out.clear();
        let (mut s, mut p) = (seq, prev.clone());
        for (event, _) in &batch {
            s += 1;
            let entry = Entry::chained(s, &p, event);
            p = entry.hash.clone().unwrap_or_default();
            out.extend_from_slice(entry.line().as_bytes());
            out.push(b'\n');
        }
        let sync_now = match sync {
            Sync::Always => true,
            Sync::Interval(every) => synced_at.elapsed() >= every,
        };
        let written = file
            .write_all(&out)
            .and_then(|_| if sync_now { file.sync_data() } else { Ok(()) })
            .map_err(|e| format!("writing the audit trail: {e}"));
        if written.is_ok() {
            seq = s;
            prev = p;
            good_len += out.len() as u64;
            dirty = !sync_now;
            if sync_now {
                synced_at = std::time::Instant::now();
            }
        } else {
            tracing::error!(error = ?written, "audit write failed; requests are refused until it succeeds");
            // Nothing of the batch counts: cut back to the last acknowledged record.
            let _ = file.set_len(good_len);
        }
        for (_, ack) in batch {
            let _ = ack.send(written.clone());
        }
    }
}

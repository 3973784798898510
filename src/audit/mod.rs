//! The audit trail: one append-only, hash-chained JSON line per answered request, written and
//! flushed to disk (`fdatasync`) before the response leaves, so every answer a client got has its
//! record. Each record carries the SHA-256 of the one before ([`Entry::prev`]) and its own
//! ([`Entry::hash`], over its JSON without the hash), and a sequence number, so [`verify`] finds
//! any edit, deletion, insertion or reordering and names the first bad record. [`export`] writes
//! the trail as FHIR AuditEvent NDJSON. May use: nothing else of Concord (no HTTP types: the
//! `http` layer fills an [`Event`]).
//!
//! Records are written by one thread in group commits: whatever arrived while the previous
//! batch was being synced is written and synced together, so under load one `fdatasync` covers
//! many requests instead of one each.

mod chain;
mod export;

pub use chain::{Entry, GENESIS, VerifyError, hex as chain_hex, verify};
pub use export::export;

use anyhow::{Context, Result};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;

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

/// The writer's handle: cheap to clone, one per worker.
#[derive(Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<(Event, Ack)>,
    path: PathBuf,
}

impl AuditLog {
    /// Opens (or creates) the trail at `path` and starts its writer. A last line cut short by a
    /// crash mid-write (never acknowledged: its response was not sent) is cut off, and said so.
    pub fn open(path: &Path) -> Result<Self> {
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
        let (tx, rx) = mpsc::channel::<(Event, Ack)>();
        std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || writer(file, seq, prev, rx))
            .context("starting the audit writer")?;
        Ok(AuditLog {
            tx,
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
        self.tx
            .send((event, ack))
            .map_err(|_| "the audit writer has stopped".to_string())?;
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

/// The writer loop: a batch is everything queued, written, synced, then acknowledged.
fn writer(mut file: File, mut seq: u64, mut prev: String, rx: mpsc::Receiver<(Event, Ack)>) {
    let mut out = Vec::with_capacity(64 << 10);
    // The length of the acknowledged records: a failed batch is cut back to it.
    let mut good_len = file.metadata().map(|m| m.len()).unwrap_or(0);
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < 4096 {
            match rx.try_recv() {
                Ok(x) => batch.push(x),
                Err(_) => break,
            }
        }
        out.clear();
        let (mut s, mut p) = (seq, prev.clone());
        for (event, _) in &batch {
            s += 1;
            let entry = Entry::chained(s, &p, event);
            p = entry.hash.clone().unwrap_or_default();
            out.extend_from_slice(entry.line().as_bytes());
            out.push(b'\n');
        }
        let written = file
            .write_all(&out)
            .and_then(|_| file.sync_data())
            .map_err(|e| format!("writing the audit trail: {e}"));
        if written.is_ok() {
            seq = s;
            prev = p;
            good_len += out.len() as u64;
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

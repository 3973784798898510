//! The audit trail: one append-only, hash-chained JSON line per answered request, on disk
//! (`fdatasync`) before the response leaves, so every answer a client got has its record. Each
//! record carries the SHA-256 of the one before ([`Entry::prev`]) and its own ([`Entry::hash`],
//! over its JSON without the hash), and a sequence number, so [`verify`] finds any edit,
//! deletion, insertion or reordering and names the first bad record (`fhir::audit_event` writes
//! the trail as FHIR AuditEvent NDJSON). May use: `clock` (stamps for the records the syncer
//! writes itself), nothing else of Concord (no HTTP types and no FHIR JSON: the `http` layer
//! fills an [`Event`]).
//!
//! A worker serializes its record and copies it into the staging ring (`staging.rs`, a shared
//! memory map of a file beside the trail: the record survives a crash of the server from that
//! moment). One syncer thread takes what was staged every couple of milliseconds, chains and
//! hashes it, appends it to the trail with one `write` (`trail.rs`) and syncs: before
//! acknowledging in strict mode ([`Sync::Always`], the default, a group commit), at most every
//! interval with [`Sync::Interval`] (a power cut or kernel crash can then lose the last
//! interval). Earlier designs and why they went: a writer thread the answer waited for (two
//! thread switches per request on two cores), and a worker chaining and appending its own
//! record under one lock (a `write` or fresh memory-mapped pages, a contended lock and a hash
//! per request: a fifth of a `$validate-code`).
//!
//! A trail rotated into closed segments that one chain runs through is `segments.rs`; the
//! event's JSON is `event.rs`.

mod chain;
mod event;
mod segments;
mod staging;
mod trail;

pub use chain::{Entry, GENESIS, VerifyError, hex as chain_hex, unwritten, verify, verify_after};
pub use event::Event;
pub use segments::files;

use anyhow::{Context, Result};
use staging::{Batch, Staging};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use trail::Trail;

thread_local! {
    /// Each worker's buffer for the record it stages.
    static BODY: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(Vec::with_capacity(1024));
}

type Ack = tokio::sync::oneshot::Sender<std::result::Result<(), String>>;

/// How a trail is kept.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// When records reach the disk.
    pub sync: Sync,
    /// Close the live file and start a new one (continuing the chain) once it holds this many
    /// bytes; `None`: never.
    pub rotate_at: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sync: Sync::Always,
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

/// How often the syncer takes what was staged while records come in: the live file lags the
/// answers by about this much.
const DRAIN: Duration = Duration::from_millis(2);
/// How long an idle syncer sleeps between looks (at most the sync interval): an idle server
/// should not wake 500 times a second. Records staged meanwhile are safe in the ring; strict
/// answers and a full ring wake the syncer at once.
const IDLE: Duration = Duration::from_millis(100);
/// How long a record waits for room in a full ring (the trail cannot be written) before its
/// answer is refused.
const ROOM_WAIT: Duration = Duration::from_secs(5);

/// The end of the chain and the trail file: the syncer's, and a stopping server's.
struct Chain {
    trail: Trail,
    seq: u64,
    prev: String,
    /// The batch being appended and its lines (kept for their buffers).
    batch: Batch,
    lines: Vec<u8>,
    /// Appended since the last `fdatasync`, and when that was.
    dirty: bool,
    synced_at: Instant,
    /// Failed appends and syncs: a full disk fails every batch, and one log line each would
    /// flood the log.
    failures: Throttle,
    /// Appends still to fail (tests of a trail that cannot be written: a full disk cannot be
    /// arranged in this sandbox).
    #[cfg(test)]
    fail_appends: u32,
}

/// Strict-mode answers waiting for the syncer, and whether it sleeps.
#[derive(Default)]
struct Unsynced {
    /// Each with the seq of the record it waits for.
    acks: Vec<(u64, Ack)>,
    /// The syncer waits on the condition variable (and needs waking).
    idle: bool,
    /// A worker found the ring full.
    nudged: bool,
}

/// What every worker's handle shares.
struct Shared {
    /// `None` once the trail is closed.
    ring: Mutex<Option<Staging>>,
    chain: Mutex<Chain>,
    config: Config,
    path: PathBuf,
    unsynced: Mutex<Unsynced>,
    wake: Condvar,
    /// Room freed in the ring.
    room: tokio::sync::Notify,
    /// The last append or sync failed: records are refused until one succeeds.
    failing: AtomicBool,
    /// Records of refusals that could not be staged (an outage at full load refuses thousands
    /// of answers a second).
    lost: Throttle,
}

/// Counts events that would flood the log and says when to log them: at most once a second,
/// with how many there were since the last line.
#[derive(Default)]
struct Throttle {
    since_logged: AtomicU64,
    logged_at: AtomicU64,
}

impl Throttle {
    /// Counts one; `Some(count since the last line)` when a line is due.
    fn count(&self) -> Option<u64> {
        self.since_logged.fetch_add(1, Ordering::Relaxed);
        let second = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        (self.logged_at.swap(second, Ordering::Relaxed) != second)
            .then(|| self.since_logged.swap(0, Ordering::Relaxed))
    }
}

/// The trail's handle: cheap to clone, one per worker.
#[derive(Clone)]
pub struct AuditLog {
    shared: Arc<Shared>,
}

impl AuditLog {
    /// Opens (or creates) the trail at `path`, strict, and starts its syncer.
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_with(path, Config::default())
    }

    /// [`AuditLog::open`] with a choice of when records are synced and when the live file is
    /// rotated. A last line cut short by a crash mid-write (never acknowledged) is cut off, and
    /// records a killed server left staged are appended, each said so in the log. An empty
    /// live file continues the chain of the last closed segment.
    pub fn open_with(path: &Path, config: Config) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the audit directory {}", dir.display()))?;
        }
        let (mut trail, tail) = Trail::open(path)?;
        let (seq, prev) = last_link(path, tail)?;
        let (seq, prev) = recover(&mut trail, path, seq, prev)?;
        let staging = Staging::create(path, seq)?;
        let shared = Arc::new(Shared {
            ring: Mutex::new(Some(staging)),
            chain: Mutex::new(Chain {
                trail,
                seq,
                prev,
                batch: Batch::default(),
                lines: Vec::new(),
                dirty: false,
                synced_at: Instant::now(),
                failures: Throttle::default(),
                #[cfg(test)]
                fail_appends: 0,
            }),
            config,
            path: path.to_path_buf(),
            unsynced: Mutex::default(),
            wake: Condvar::new(),
            room: tokio::sync::Notify::new(),
            failing: AtomicBool::new(false),
            lost: Throttle::default(),
        });
        let s = shared.clone();
        std::thread::Builder::new()
            .name("audit-sync".into())
            .spawn(move || syncer(&s))
            .context("starting the audit syncer")?;
        Ok(AuditLog { shared })
    }

    /// Appends what is staged, syncs, and leaves the trail exactly its records (the ring file
    /// goes) once the server has stopped answering. Records after this are refused.
    pub fn close(&self) -> Result<()> {
        let mut c = lock(&self.shared.chain);
        let Some(mut staging) = lock(&self.shared.ring).take() else {
            return Ok(());
        };
        staging.take(&mut c.batch);
        append_batch(&mut c).map_err(anyhow::Error::msg)?;
        staging.appended(&c.batch);
        c.trail
            .close()
            .with_context(|| format!("closing the audit trail {}", self.shared.path.display()))?;
        staging.remove()
    }

    /// The trail's path.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// Records `event`: it is serialized and staged at once, so what is returned borrows
    /// nothing of it. `Ok(None)`: staged, and nothing to wait for (interval mode, the usual
    /// case). `Ok(Some(wait))`: the answer must wait for `wait` (strict mode's sync, or a full
    /// ring's room). `Err`: why it cannot be recorded; the caller answers 503 instead, and the
    /// record staged says so (status 503) when the ring has room.
    ///
    /// Staging is one copy into the shared ring under a lock held for that copy alone; the
    /// syncer chains, hashes and appends what was staged in batches (see `staging.rs`). A
    /// record written on the worker under the chain's lock instead (the earlier design) cost a
    /// `write` or fresh memory-mapped pages, a contended lock and a hash per request on the
    /// request path: a fifth of a `$validate-code`. The wait is boxed only when there is one:
    /// an unboxed future (368 bytes, for the rare full ring) was copied into every request's
    /// middleware state.
    pub fn record(&self, event: &Event<'_>) -> std::result::Result<Option<Waiting>, String> {
        // The record's JSON, kept only when the ring is full and the answer has to wait.
        let staged = BODY.with_borrow_mut(|body| {
            body.clear();
            event.write_json(body);
            match stage(&self.shared, body) {
                Ok(Some(seq)) => Ok(Ok(seq)),
                Ok(None) => Ok(Err(body.clone())),
                Err(e) => {
                    // The answer becomes a refusal (503), and its record says so: staged
                    // despite the failing trail, it is appended once the trail recovers.
                    body.clear();
                    Event {
                        status: 503,
                        result: None,
                        ..*event
                    }
                    .write_json(body);
                    stage_anyway(&self.shared, body, "a refused answer");
                    Err(e)
                }
            }
        })?;
        if staged.is_ok() && matches!(self.shared.config.sync, Sync::Interval(_)) {
            return Ok(None);
        }
        let shared = self.shared.clone();
        Ok(Some(Box::pin(async move {
            let seq = match staged {
                Ok(seq) => seq,
                Err(body) => wait_for_room(&shared, &body).await?,
            };
            match shared.config.sync {
                Sync::Interval(_) => Ok(()),
                Sync::Always => {
                    let (ack, done) = tokio::sync::oneshot::channel();
                    let wake = {
                        let mut u = lock(&shared.unsynced);
                        u.acks.push((seq, ack));
                        std::mem::take(&mut u.idle)
                    };
                    if wake {
                        shared.wake.notify_one();
                    }
                    done.await
                        .map_err(|_| "the audit syncer has stopped".to_string())?
                }
            }
        })))
    }
}

/// What an answer waits for before it may leave: see [`AuditLog::record`].
pub type Waiting = std::pin::Pin<Box<dyn Future<Output = std::result::Result<(), String>> + Send>>;

/// Resolves once what [`AuditLog::record`] returned allows the answer to leave, or with why
/// it may not. Its future holds only that result (a pointer or a message).
pub async fn settled(
    recording: std::result::Result<Option<Waiting>, String>,
) -> std::result::Result<(), String> {
    match recording {
        Ok(None) => Ok(()),
        Ok(Some(wait)) => wait.await,
        Err(e) => Err(e),
    }
}

/// Stages `body`: its seq, or `Ok(None)` when the ring has no room for it now.
fn stage(shared: &Shared, body: &[u8]) -> std::result::Result<Option<u64>, String> {
    if shared.failing.load(Ordering::Acquire) {
        return Err("the audit trail could not be written at the last attempt".into());
    }
    into_ring(shared, body)
}

/// Stages `body` whether or not the trail is failing: its seq, `Ok(None)` when the ring is full.
fn into_ring(shared: &Shared, body: &[u8]) -> std::result::Result<Option<u64>, String> {
    match lock(&shared.ring).as_mut() {
        Some(staging) => staging.stage(body),
        None => Err("the audit trail is closed".into()),
    }
}

/// Stages `body` once the syncer has made room (the trail could not be written for a while),
/// or gives up after [`ROOM_WAIT`].
async fn wait_for_room(shared: &Shared, body: &[u8]) -> std::result::Result<u64, String> {
    let waiting = async {
        loop {
            let room = shared.room.notified();
            tokio::pin!(room);
            room.as_mut().enable();
            if let Some(seq) = stage(shared, body)? {
                return Ok(seq);
            }
            lock(&shared.unsynced).nudged = true;
            shared.wake.notify_one();
            room.await;
        }
    };
    tokio::time::timeout(ROOM_WAIT, waiting)
        .await
        .map_err(|_| "the audit staging ring stayed full".to_string())?
}

/// Locks, through a poisoned lock (a panicked holder left the data as consistent as any
/// other failure would).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The seq and hash the next record links to: the live file's last record, or, when it has
/// none, the last closed segment's.
fn last_link(path: &Path, tail: trail::Tail) -> Result<(u64, String)> {
    let last = match tail.last {
        Some(l) => Some((l, path.to_path_buf())),
        None => match segments::segments(path)?.pop() {
            Some(segment) => {
                let mut f = File::open(&segment)
                    .with_context(|| format!("opening the audit segment {}", segment.display()))?;
                trail::scan(&mut f)?.last.map(|l| (l, segment))
            }
            None => None,
        },
    };
    Ok(match last {
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
    })
}

/// Appends, chained and synced, the records a killed server left staged after the trail's
/// last (`seq`, `prev`); returns the new end of the chain.
fn recover(trail: &mut Trail, path: &Path, seq: u64, prev: String) -> Result<(u64, String)> {
    let ring = staging::path_of(path);
    let batch = staging::pending(&ring, seq)?;
    if batch.records.is_empty() {
        return Ok((seq, prev));
    }
    let mut lines = Vec::new();
    let (seq, prev) = chain_lines(&batch, &mut lines, seq, &prev);
    trail
        .append(&lines)
        .and_then(|()| trail.sync())
        .with_context(|| {
            format!(
                "appending staged records to the audit trail {}",
                path.display()
            )
        })?;
    tracing::warn!(
        audit = %path.display(),
        records = batch.records.len(),
        "appended the records a stopped server had staged in {} but not yet written to the trail",
        ring.display()
    );
    Ok((seq, prev))
}

/// Completes the trail at `path` when a server was killed with records staged: appends them,
/// as that server's next start would, and removes the ring. A trail a running server holds is
/// left to it (its syncer appends what is staged within milliseconds). Returns how many
/// records were appended.
pub fn complete(path: &Path) -> Result<usize> {
    let ring = staging::path_of(path);
    if !ring.exists() {
        return Ok(0);
    }
    let Some((mut trail, tail)) = Trail::try_open(path)? else {
        return Ok(0);
    };
    let (seq, prev) = last_link(path, tail)?;
    let (end, _) = recover(&mut trail, path, seq, prev)?;
    trail
        .close()
        .with_context(|| format!("closing the audit trail {}", path.display()))?;
    std::fs::remove_file(&ring)
        .with_context(|| format!("removing the audit staging file {}", ring.display()))?;
    Ok((end - seq) as usize)
}

/// Chains the records of `c.batch` after the chain's end and appends them in one `write`; the
/// chain moves on only when the write succeeded.
fn append_batch(c: &mut Chain) -> std::result::Result<(), String> {
    let Chain {
        batch,
        lines,
        trail,
        seq: end,
        prev: link,
        dirty,
        ..
    } = c;
    if batch.records.is_empty() {
        return Ok(());
    }
    lines.clear();
    let (seq, prev) = chain_lines(batch, lines, *end, link);
    trail
        .append(lines)
        .map_err(|e| format!("writing the audit trail: {e}"))?;
    *end = seq;
    *link = prev;
    *dirty = true;
    Ok(())
}

/// The records of `batch` as chained lines after record `seq` (hash `prev`), appended to
/// `lines`; returns the new end of the chain. Staged records carry the seq they get here,
/// except after a kill, when a batch recovered follows whatever the trail ends with.
fn chain_lines(batch: &Batch, lines: &mut Vec<u8>, seq: u64, prev: &str) -> (u64, String) {
    let (mut seq, mut prev) = (seq, prev.to_string());
    for (_, body) in batch.iter() {
        seq += 1;
        prev = Entry::append_chained(lines, seq, &prev, body);
        lines.push(b'\n');
    }
    (seq, prev)
}

/// Takes what was staged, appends it, and syncs (strict mode: always; interval mode: once the
/// interval is up); returns how many records it appended. On failure the batch stays staged
/// for the next attempt and records are refused meanwhile.
fn flush(shared: &Shared) -> std::result::Result<usize, String> {
    let mut guard = lock(&shared.chain);
    let c = &mut *guard;
    match lock(&shared.ring).as_mut() {
        Some(staging) => staging.take(&mut c.batch),
        None => return Err("the audit trail is closed".into()),
    }
    let appended = injected_failure(c).map_or_else(|| append_batch(c), Err);
    {
        let mut ring = lock(&shared.ring);
        if let Some(staging) = ring.as_mut() {
            match &appended {
                Ok(()) => staging.appended(&c.batch),
                Err(_) => staging.untake(),
            }
        }
    }
    if appended.is_ok() && !c.batch.records.is_empty() {
        shared.room.notify_waiters();
    }
    let due = match shared.config.sync {
        Sync::Interval(every) => c.synced_at.elapsed() >= every,
        Sync::Always => true,
    };
    let result = appended.and_then(|()| {
        if c.dirty && due {
            c.trail
                .sync()
                .map_err(|e| format!("syncing the audit trail: {e}"))?;
            c.dirty = false;
            c.synced_at = Instant::now();
        }
        Ok(c.batch.records.len())
    });
    match &result {
        Ok(_) => {
            shared.failing.store(false, Ordering::Release);
            if shared
                .config
                .rotate_at
                .is_some_and(|limit| c.trail.len() >= limit)
            {
                rotate(c, &shared.path);
            }
        }
        Err(e) => {
            shared.failing.store(true, Ordering::Release);
            if let Some(failures) = c.failures.count() {
                tracing::error!(
                    error = %e,
                    failures,
                    "audit trail not written; answers are refused until it is (logged at most once a second, with the failures since)"
                );
            }
        }
    }
    result
}

/// An append failure a test asked for.
#[cfg(test)]
fn injected_failure(c: &mut Chain) -> Option<String> {
    (c.fail_appends > 0).then(|| {
        c.fail_appends -= 1;
        "injected append failure".to_string()
    })
}

#[cfg(not(test))]
fn injected_failure(_: &mut Chain) -> Option<String> {
    None
}

/// Records that the answers to records `seqs` were withheld (503): their records were staged
/// saying what the handler answered, and reach the trail once it can be written again, so
/// without this note the trail would claim answers that never left. Each note is staged like
/// any record (after those it names, so the chain holds both in order), bypassing the refusal
/// that keeps new requests out while the trail fails; it names the record and, when the failed
/// batch still holds it, its correlation id and operation.
fn withhold(shared: &Shared, seqs: &[u64]) {
    if seqs.is_empty() {
        return;
    }
    let originals: std::collections::HashMap<u64, serde_json::Value> = {
        let c = lock(&shared.chain);
        c.batch
            .iter()
            .filter(|(seq, _)| seqs.contains(seq))
            .filter_map(|(seq, body)| Some((seq, serde_json::from_slice(body).ok()?)))
            .collect()
    };
    let time = crate::clock::now_rfc3339_millis();
    let mut body = Vec::new();
    for &seq in seqs {
        let original = originals.get(&seq);
        let field = |name: &str| original.and_then(|o| o[name].as_str()).unwrap_or("");
        let operation = format!(
            "answer withheld: {} (record {seq}; the audit trail could not be written)",
            field("operation")
        );
        body.clear();
        Event {
            time: time.as_str(),
            operation: &operation,
            status: 503,
            correlation_id: field("correlation_id"),
            release: field("release"),
            params_digest: field("params_digest"),
            ..Default::default()
        }
        .write_json(&mut body);
        // Lost (and logged) only when the ring is full: the trail will then say this record's
        // answer left, though it was withheld.
        stage_anyway(shared, &body, "a withheld answer's note");
    }
}

/// Stages `body` even while the trail fails (records of refusals, which must not be refused
/// themselves). When the ring is full or closed the record is lost, and the losses are logged
/// (throttled).
fn stage_anyway(shared: &Shared, body: &[u8], what: &str) {
    let why = match into_ring(shared, body) {
        Ok(Some(_)) => return,
        Ok(None) => "the audit staging ring is full".to_string(),
        Err(e) => e,
    };
    if let Some(lost) = shared.lost.count() {
        tracing::error!(error = %why, lost, "the record of {what} could not be staged; records lost since the last such line");
    }
}

/// Closes the live file (synced and unlocked), renames it to its segment name and opens a new
/// live file continuing the chain. The records that filled the file are already in it, so a
/// failure here refuses no answer: it is logged, and the old file is reopened to go on with
/// (or, failing that, the next batches fail and answers are refused).
fn rotate(c: &mut Chain, path: &Path) {
    let segment = segments::segment_name(path, c.seq);
    let rotated = c.trail.close().map_err(anyhow::Error::from).and_then(|()| {
        std::fs::rename(path, &segment)
            .with_context(|| format!("renaming {} to {}", path.display(), segment.display()))
    });
    match Trail::open(path) {
        Ok((trail, _)) => c.trail = trail,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), audit = %path.display(), "audit trail not reopened after rotation; answers are refused")
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

/// The syncer thread: every [`DRAIN`] while records come in, every [`IDLE`] (or the sync
/// interval) otherwise, and at once when a strict-mode answer waits or the ring is full, it
/// takes what was staged and appends it; strict mode syncs before acknowledging (whatever was
/// staged meanwhile shares the sync: group commit), interval mode syncs once the interval is
/// up. It ends once the trail is closed.
fn syncer(shared: &Shared) {
    let idle = match shared.config.sync {
        Sync::Interval(every) => every.min(IDLE),
        Sync::Always => IDLE,
    };
    let busy = DRAIN.min(idle);
    let mut wait = busy;
    loop {
        let acks = {
            let mut u = lock(&shared.unsynced);
            u.idle = true;
            let (mut u, _) = shared
                .wake
                .wait_timeout_while(u, wait, |u| u.acks.is_empty() && !u.nudged)
                .unwrap_or_else(|e| e.into_inner());
            u.idle = false;
            u.nudged = false;
            std::mem::take(&mut u.acks)
        };
        if lock(&shared.ring).is_none() {
            // Closed: the server has stopped answering.
            for (_, ack) in acks {
                let _ = ack.send(Err("the audit trail is closed".into()));
            }
            return;
        }
        let done = flush(shared);
        // Back to the short cadence while records come in (or a failure is retried).
        wait = match &done {
            Ok(0) => idle,
            _ => busy,
        };
        let done = done.map(|_| ());
        let withheld: Vec<u64> = match &done {
            Ok(()) => Vec::new(),
            Err(_) => acks.iter().map(|(seq, _)| *seq).collect(),
        };
        // Noted before the refusals leave: a server killed right after still has the notes
        // in its ring.
        withhold(shared, &withheld);
        for (_, ack) in acks {
            let _ = ack.send(done.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_withheld_for_a_failed_append_is_noted_after_its_record() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.ndjson");
        let log = AuditLog::open_with(&path, Config::default()).unwrap();
        // Three appends fail: the first answer's, then two retries (the syncer retries every
        // 2 ms), so the answers right after it meet a failing trail.
        lock(&log.shared.chain).fail_appends = 3;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let answer = |operation: &str, correlation_id: &str| {
            rt.block_on(settled(log.record(&Event {
                operation,
                correlation_id,
                status: 200,
                params_digest: "d1",
                ..Default::default()
            })))
        };
        let refused = answer("GET /first", "c-1");
        assert!(
            refused.is_err(),
            "strict mode: no answer without its record"
        );
        // The next append succeeds; answers are refused (and recorded as refused) until the
        // syncer has retried.
        let mut refused = 0;
        while answer("GET /second", "c-2").is_err() {
            refused += 1;
            assert!(refused < 500, "the trail never recovered");
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(refused > 0, "no answer met the failing trail");
        log.close().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(verify(text.as_bytes()).unwrap().0, 3 + refused, "{text}");
        let entries: Vec<Entry> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        // The record as the handler answered, then the note that the answer did not leave.
        assert_eq!(
            (entries[0].operation.as_str(), entries[0].status),
            ("GET /first", 200)
        );
        assert_eq!(
            entries[1].operation,
            format!(
                "answer withheld: GET /first (record {}; the audit trail could not be written)",
                entries[0].seq
            )
        );
        assert_eq!(
            (entries[1].status, entries[1].correlation_id.as_str()),
            (503, "c-1")
        );
        // Each refusal while the trail failed has its record, then the answer that left.
        for refusal in &entries[2..2 + refused as usize] {
            assert_eq!(
                (refusal.operation.as_str(), refusal.status),
                ("GET /second", 503)
            );
            assert_eq!(refusal.result, None);
        }
        let last = entries.last().unwrap();
        assert_eq!((last.operation.as_str(), last.status), ("GET /second", 200));
    }

    fn event(operation: &str) -> Vec<u8> {
        let mut out = Vec::new();
        Event {
            operation,
            status: 200,
            ..Default::default()
        }
        .write_json(&mut out);
        out
    }

    /// A server killed with records staged: `complete` appends them after the trail's last
    /// record (skipping one the syncer had appended without saying so), the chain verifies,
    /// and the ring is gone; a trail held by a running server is left alone.
    #[test]
    fn a_killed_servers_staged_records_complete_the_trail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.ndjson");
        let log = AuditLog::open_with(
            &path,
            Config {
                sync: Sync::Interval(Duration::from_secs(3600)),
                rotate_at: None,
            },
        )
        .unwrap();
        let wait = log
            .record(&Event {
                operation: "first",
                ..Default::default()
            })
            .unwrap();
        assert!(wait.is_none(), "interval mode: nothing to wait for");
        log.close().unwrap();
        // As a killed server leaves it: records 2 and 3 staged, record 2 already appended.
        let (mut trail, _) = Trail::open(&path).unwrap();
        let mut staging = Staging::create(&path, 1).unwrap();
        for op in ["second", "third"] {
            staging.stage(&event(op)).unwrap().unwrap();
        }
        let mut line = Vec::new();
        let first: Entry =
            serde_json::from_str(std::fs::read_to_string(&path).unwrap().trim()).unwrap();
        Entry::append_chained(
            &mut line,
            2,
            first.hash.as_deref().unwrap(),
            &event("second"),
        );
        line.push(b'\n');
        trail.append(&line).unwrap();
        assert_eq!(complete(&path).unwrap(), 0, "a held trail was touched");
        drop(trail);
        drop(staging);
        assert_eq!(complete(&path).unwrap(), 1);
        assert!(!staging::path_of(&path).exists());
        let text = std::fs::read_to_string(&path).unwrap();
        let ops: Vec<String> = text
            .lines()
            .map(|l| serde_json::from_str::<Entry>(l).unwrap().operation)
            .collect();
        assert_eq!(ops, ["first", "second", "third"]);
        assert_eq!(verify(text.as_bytes()).unwrap().0, 3);
        assert_eq!(complete(&path).unwrap(), 0);
    }
}

//! The staging ring: where a worker leaves its record before the answer goes out, for the
//! syncer to chain and append to the trail a moment later.
//!
//! The ring is a file beside the trail (`<trail>.staging`) mapped shared: a record copied into
//! it is in the operating system's page cache the moment the copy is made, so a server killed
//! right after answering has lost nothing; the next open of the trail (a restart, or `concord
//! audit verify`) appends whatever the syncer had not. A worker's part is one copy under a
//! lock held for that copy alone; no system call, no page fault once the ring is warm (its
//! pages are reused lap after lap), no hashing. The syncer takes what was staged in batches,
//! so the trail gets one `write` per batch, and the live trail file is always exactly its
//! records.
//!
//! Layout: a [`HEADER`]-byte header (magic, then where the syncer's consumption ends: ring
//! offset and the last seq appended), then [`RING`] bytes of slots. A slot is a 16-byte head
//! (`seq` u64, body length u32, kind u32) and the body, padded to 16 bytes. The body is written
//! first and `seq` last, so a slot cut short by a kill has a stale `seq` and ends the walk; a
//! slot that would cross the ring's end is preceded by a padding slot up to it. Slots carry
//! the chain's own seq (assigned here, in ring order), so after a kill the records already in
//! the trail are told from the others by seq alone, even when the syncer had appended a batch
//! and not yet recorded that in the header. May use: `std` and `memmap2` (nothing of Concord).

use anyhow::{Context, Result, bail};
use std::fs::OpenOptions;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{Ordering, compiler_fence};

/// Bytes of slots. At ~450 bytes a record, about 18,000 records: the syncer takes them every
/// couple of milliseconds, so the ring fills only when the trail cannot be written.
pub const RING: usize = 8 << 20;
/// The header's size (a page, so the slots start page-aligned).
const HEADER: usize = 4096;
const MAGIC: &[u8; 8] = b"CCSTAGE1";
/// A slot's head: seq, body length, kind.
const HEAD: usize = 16;
const RECORD: u32 = 1;
const PAD: u32 = 2;
/// The largest record the ring takes (a record is a few hundred bytes; the request headers
/// and query it names are bounded far below this by the HTTP server).
pub const MAX_RECORD: usize = RING / 8;

/// The staging file of the trail at `trail`.
pub fn path_of(trail: &Path) -> PathBuf {
    let mut name = trail.as_os_str().to_owned();
    name.push(".staging");
    PathBuf::from(name)
}

/// The open ring.
pub struct Staging {
    map: memmap2::MmapMut,
    path: PathBuf,
    /// Logical offsets (they only grow): the next slot goes at `head`; the syncer has taken
    /// everything before `taken` and appended everything before `tail`.
    head: u64,
    taken: u64,
    tail: u64,
    /// The seq of the next record staged, and of the first record after `taken`.
    next_seq: u64,
    taken_seq: u64,
}

/// Records staged and not yet appended, as [`Staging::take`] or a recovery found them.
#[derive(Default)]
pub struct Batch {
    /// The bodies, one after another.
    pub bytes: Vec<u8>,
    /// Each record's seq and end in `bytes`.
    pub records: Vec<(u64, usize)>,
    /// The logical offset just after the last slot taken.
    end: u64,
}

impl Batch {
    /// The records: seq and body.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &[u8])> {
        let mut start = 0;
        self.records.iter().map(move |&(seq, end)| {
            let body = &self.bytes[start..end];
            start = end;
            (seq, body)
        })
    }

    fn push(&mut self, seq: u64, body: &[u8]) {
        self.bytes.extend_from_slice(body);
        self.records.push((seq, self.bytes.len()));
    }

    /// Empties it, keeping its buffers.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.records.clear();
    }
}

/// The records staged in the ring file at `path` after `last_seq` (the last record of the
/// trail), read without changing anything; empty when there is no ring file.
pub fn pending(path: &Path, last_seq: u64) -> Result<Batch> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Batch::default()),
        Err(e) => {
            return Err(e)
                .with_context(|| format!("reading the audit staging file {}", path.display()));
        }
    };
    found(&bytes, path, last_seq)
}

/// The records after `last_seq` in a ring file's bytes.
fn found(bytes: &[u8], path: &Path, last_seq: u64) -> Result<Batch> {
    if bytes.len() != HEADER + RING || &bytes[..8] != MAGIC {
        bail!(
            "{} is not a Concord audit staging file (or one of another size); move it away to open the trail",
            path.display()
        );
    }
    let tail_pos = u64_at(bytes, 8) as usize % RING;
    let tail_seq = u64_at(bytes, 16);
    let mut batch = Batch::default();
    walk(
        &bytes[HEADER..],
        tail_pos,
        tail_seq + 1,
        RING as u64,
        |seq, body| {
            if seq > last_seq {
                batch.push(seq, body);
            }
        },
    );
    Ok(batch)
}

impl Staging {
    /// Creates the ring file of the trail at `trail` afresh (zeros written, so a full disk is
    /// this error and never a fault on a later copy), for records after `last_seq`. Recover
    /// what a killed server left in it first ([`pending`]).
    pub fn create(trail: &Path, last_seq: u64) -> Result<Staging> {
        let path = path_of(trail);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .with_context(|| format!("creating the audit staging file {}", path.display()))?;
        let zeros = vec![0u8; 1 << 20];
        let mut at = 0;
        while at < HEADER + RING {
            let n = zeros.len().min(HEADER + RING - at);
            file.write_all_at(&zeros[..n], at as u64)
                .with_context(|| format!("writing the audit staging file {}", path.display()))?;
            at += n;
        }
        // SAFETY: the file is this server's own, sized above, and opened only by the server that
        // holds the trail's lock; nothing truncates it while mapped.
        let mut map = unsafe { memmap2::MmapMut::map_mut(&file) }
            .with_context(|| format!("mapping the audit staging file {}", path.display()))?;
        map[..8].copy_from_slice(MAGIC);
        map[16..24].copy_from_slice(&last_seq.to_le_bytes());
        Ok(Staging {
            map,
            path,
            head: 0,
            taken: 0,
            tail: 0,
            next_seq: last_seq + 1,
            taken_seq: last_seq + 1,
        })
    }

    /// Stages one record's body and returns its seq, or `None` when the ring has no room for it
    /// until the syncer has appended more.
    pub fn stage(&mut self, body: &[u8]) -> std::result::Result<Option<u64>, String> {
        if body.len() > MAX_RECORD {
            return Err(format!(
                "an audit record of {} bytes is over the {MAX_RECORD}-byte limit",
                body.len()
            ));
        }
        let need = (HEAD + body.len()).next_multiple_of(HEAD);
        let pos = (self.head % RING as u64) as usize;
        let to_end = RING - pos;
        let pad = if need > to_end { to_end } else { 0 };
        if self.head + (pad + need) as u64 - self.tail > RING as u64 {
            return Ok(None);
        }
        let seq = self.next_seq;
        let slots = &mut self.map[HEADER..];
        let pos = if pad > 0 {
            put_head(slots, pos, seq, (pad - HEAD) as u32, PAD);
            0
        } else {
            pos
        };
        // A plain copy: non-temporal stores (tried, to spare the worker's caches) only moved
        // the cost into the fence they need, ≈0.3 µs a record in profiles, with no throughput
        // difference in six alternating rounds.
        slots[pos + HEAD..pos + HEAD + body.len()].copy_from_slice(body);
        put_head(slots, pos, seq, body.len() as u32, RECORD);
        self.head += (pad + need) as u64;
        self.next_seq += 1;
        Ok(Some(seq))
    }

    /// Copies the records staged since the last take into `batch` (cleared first).
    pub fn take(&mut self, batch: &mut Batch) {
        batch.clear();
        let pos = (self.taken % RING as u64) as usize;
        let span = self.head - self.taken;
        let walked = walk(
            &self.map[HEADER..],
            pos,
            self.taken_seq,
            span,
            |seq, body| batch.push(seq, body),
        );
        debug_assert_eq!(walked, span, "the ring's slots end at its head");
        self.taken = self.head;
        self.taken_seq = self.next_seq;
        batch.end = self.head;
    }

    /// Marks `batch` (the last one taken) appended to the trail: its space is free again. Until
    /// then a restart would append it (again, if the trail holds it: seqs tell).
    pub fn appended(&mut self, batch: &Batch) {
        let Some(&(last, _)) = batch.records.last() else {
            return;
        };
        self.tail = batch.end;
        self.map[8..16].copy_from_slice(&(self.tail % RING as u64).to_le_bytes());
        self.map[16..24].copy_from_slice(&last.to_le_bytes());
    }

    /// Gives a batch that could not be appended back, to be taken again.
    pub fn untake(&mut self) {
        self.taken = self.tail;
        self.taken_seq = u64_at(&self.map, 16) + 1;
    }

    /// Whether records staged are not appended yet.
    pub fn is_empty(&self) -> bool {
        self.head == self.tail
    }

    /// Removes the ring file once everything staged is appended (a clean stop).
    pub fn remove(self) -> Result<()> {
        if !self.is_empty() {
            bail!("records are still staged in {}", self.path.display());
        }
        drop(self.map);
        std::fs::remove_file(&self.path)
            .with_context(|| format!("removing the audit staging file {}", self.path.display()))
    }
}

/// Writes a slot's head at `pos`: length and kind, then `seq` last, each after what it vouches
/// for. The fences keep the compiler from moving the stores; the processor keeps a thread's
/// own stores in order, and a killed process stops between instructions, so its page cache
/// holds every store before the last.
fn put_head(slots: &mut [u8], pos: usize, seq: u64, len: u32, kind: u32) {
    compiler_fence(Ordering::Release);
    slots[pos + 8..pos + 12].copy_from_slice(&len.to_le_bytes());
    slots[pos + 12..pos + 16].copy_from_slice(&kind.to_le_bytes());
    compiler_fence(Ordering::Release);
    slots[pos..pos + 8].copy_from_slice(&seq.to_le_bytes());
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

/// Walks the slots from ring offset `pos`, the first of them numbered `seq`, for at most
/// `span` bytes, handing each record to `f`; stops at a slot whose seq is not the next one
/// (older, or cut short) or whose length does not fit. Returns the bytes walked.
fn walk(
    slots: &[u8],
    mut pos: usize,
    mut seq: u64,
    span: u64,
    mut f: impl FnMut(u64, &[u8]),
) -> u64 {
    let mut walked = 0u64;
    while walked + (HEAD as u64) <= span {
        if u64_at(slots, pos) != seq {
            break;
        }
        let len =
            u32::from_le_bytes(slots[pos + 8..pos + 12].try_into().expect("4 bytes")) as usize;
        let kind = u32::from_le_bytes(slots[pos + 12..pos + 16].try_into().expect("4 bytes"));
        let size = (HEAD + len).next_multiple_of(HEAD);
        if size > RING - pos || walked + size as u64 > span {
            break;
        }
        match kind {
            RECORD => {
                f(seq, &slots[pos + HEAD..pos + HEAD + len]);
                seq += 1;
            }
            PAD => {}
            _ => break,
        }
        walked += size as u64;
        pos = (pos + size) % RING;
    }
    walked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(b: &Batch) -> Vec<(u64, Vec<u8>)> {
        b.iter().map(|(s, x)| (s, x.to_vec())).collect()
    }

    #[test]
    fn staged_records_are_taken_in_order_across_the_ring_end_and_found_after_a_kill() {
        let dir = tempfile::tempdir().unwrap();
        let trail = dir.path().join("audit.ndjson");
        let mut s = Staging::create(&trail, 41).unwrap();
        let mut batch = Batch::default();
        let body = vec![b'x'; 1000];
        let mut seq = 41;
        // Several laps of the ring, taken and appended as the syncer does.
        for round in 0..50 {
            let mut expected = Vec::new();
            for _ in 0..400 {
                seq += 1;
                let mut b = body.clone();
                b.extend_from_slice(seq.to_string().as_bytes());
                assert_eq!(s.stage(&b).unwrap(), Some(seq), "round {round}");
                expected.push((seq, b));
            }
            s.take(&mut batch);
            assert_eq!(bodies(&batch), expected);
            s.appended(&batch);
        }
        // Staged, taken but not appended, then staged more: a kill now.
        let a = s.stage(b"{\"a\":1}").unwrap().unwrap();
        s.take(&mut batch);
        let b = s.stage(b"{\"b\":2}").unwrap().unwrap();
        let on_disk = std::fs::read(path_of(&trail)).unwrap();
        let p = found(&on_disk, &path_of(&trail), seq).unwrap();
        assert_eq!(
            bodies(&p),
            vec![(a, b"{\"a\":1}".to_vec()), (b, b"{\"b\":2}".to_vec())]
        );
        // The syncer had appended `a` but not said so: the trail's last seq tells.
        let p = found(&on_disk, &path_of(&trail), a).unwrap();
        assert_eq!(bodies(&p), vec![(b, b"{\"b\":2}".to_vec())]);
        // A slot cut short (its seq never written) ends the walk.
        let mut torn = on_disk.clone();
        let tail_pos = u64_at(&torn, 8) as usize;
        let second = tail_pos + (HEAD + 7).next_multiple_of(HEAD);
        torn[HEADER + second..HEADER + second + 8].copy_from_slice(&0u64.to_le_bytes());
        let p = found(&torn, &path_of(&trail), seq).unwrap();
        assert_eq!(bodies(&p), vec![(a, b"{\"a\":1}".to_vec())]);
    }

    #[test]
    fn a_full_ring_refuses_until_appended_and_a_clean_stop_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let trail = dir.path().join("audit.ndjson");
        let mut s = Staging::create(&trail, 0).unwrap();
        let body = vec![b'y'; MAX_RECORD - HEAD];
        let mut n = 0;
        while s.stage(&body).unwrap().is_some() {
            n += 1;
        }
        assert_eq!(n, 8);
        assert!(s.stage(&vec![b'z'; MAX_RECORD + 1]).is_err());
        let mut batch = Batch::default();
        s.take(&mut batch);
        assert_eq!(batch.records.len(), 8);
        assert!(!s.is_empty());
        s.untake();
        s.take(&mut batch);
        assert_eq!(batch.records.len(), 8);
        s.appended(&batch);
        assert_eq!(s.stage(b"{}").unwrap(), Some(9));
        s.take(&mut batch);
        s.appended(&batch);
        s.remove().unwrap();
        assert!(!path_of(&trail).exists());
        assert!(pending(&path_of(&trail), 0).unwrap().records.is_empty());
        std::fs::write(path_of(&trail), b"not a ring").unwrap();
        let e = pending(&path_of(&trail), 0).err().unwrap().to_string();
        assert!(e.contains("not a Concord audit staging file"), "{e}");
    }
}

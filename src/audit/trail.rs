//! The trail's file: where whole records end when it is opened, and how a line is appended.
//!
//! Two ways to append, chosen at start ([`Mode`]):
//! - [`Mode::Append`] (the default): one `write(2)` per record at the end of the file (this
//!   server holds the file's lock, so nothing else writes there). The file is always exactly
//!   its records, so a log shipper can follow it as it grows.
//! - [`Mode::Mapped`]: the file is reserved ahead in [`CHUNK`]s (zeros written, so a full disk
//!   is an error at reservation, never a `SIGBUS` at a write) and records are copied into a
//!   shared memory map of it: no system call per record, and the copy is in the page cache the
//!   moment it is made, so a killed server loses nothing it answered for, as with `write`.
//!   The price is the unwritten, zero-filled tail of the live file: a reader stops at the first
//!   NUL byte ([`super::verify`] and `concord audit export` do), and the file is cut to its
//!   records when the server stops ([`Trail::close`]) or next opens it. A shipper that follows
//!   the live file line by line would read that tail, so ship closed files in this mode.
//!
//! Either way `fdatasync` on the file (the syncer's) makes the records durable: Linux writes
//! back pages dirtied through a shared map with the file's other dirty pages.

use anyhow::{Context, Result};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// How records reach the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// One `write` per record; the file is always exactly its records.
    #[default]
    Append,
    /// Copied into a memory map of space reserved ahead; the live file ends in zeros.
    Mapped,
}

/// Space reserved at a time in [`Mode::Mapped`].
pub const CHUNK: u64 = 8 << 20;

/// The open trail.
pub struct Trail {
    sink: Sink,
    /// Bytes of whole records.
    len: u64,
}

enum Sink {
    Append(File),
    Mapped(Mapped),
    /// After [`Trail::close`]: a mapped trail's map is gone with its reserved space.
    Closed(File),
}

/// A window of the file mapped from a page boundary at or before the end of the records to
/// the end of the reserved space.
struct Mapped {
    file: File,
    map: memmap2::MmapMut,
    /// File offset of the map's first byte.
    start: u64,
    /// File length: records plus reserved space.
    reserved: u64,
}

/// Where the whole records of an existing trail end, and what follows them.
#[derive(Debug, PartialEq)]
pub struct Tail {
    /// Bytes of whole records.
    pub len: u64,
    /// The last whole record's line (without its newline), if any.
    pub last: Option<String>,
    /// Bytes of a torn record after them (a crash mid-write).
    pub torn: u64,
    /// Something other than zeros after the first zero byte: records written after space
    /// that never was (a power cut can persist a later page of a mapped trail and not an
    /// earlier one, in interval mode).
    pub stray: bool,
}

impl Trail {
    /// Opens (or creates) the trail at `path` for appending in `mode`, after the last whole
    /// record. A line cut short by a crash mid-write (never acknowledged: its answer was not
    /// sent) and reserved space are cut off; records after unwritten space are cut off too but
    /// kept beside the trail, never dropped unseen.
    pub fn open(path: &Path, mode: Mode) -> Result<(Trail, Tail)> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .with_context(|| format!("opening the audit trail {}", path.display()))?;
        // One writer per trail: two servers appending to one file would break its chain (and
        // overwrite each other's records in mapped mode). The lock goes with the process.
        file.try_lock().map_err(|e| match e {
            std::fs::TryLockError::WouldBlock => anyhow::anyhow!(
                "the audit trail {} is in use by another running server; give each server its own --audit file",
                path.display()
            ),
            std::fs::TryLockError::Error(e) => anyhow::Error::new(e)
                .context(format!("locking the audit trail {}", path.display())),
        })?;
        let tail = scan(&mut file)
            .with_context(|| format!("reading the audit trail {}", path.display()))?;
        let size = file.metadata()?.len();
        if tail.stray {
            let mut kept = path.as_os_str().to_owned();
            kept.push(format!(
                ".cut-{}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs()
            ));
            let kept = std::path::PathBuf::from(kept);
            file.seek(SeekFrom::Start(tail.len))?;
            std::io::copy(
                &mut (&file).take(size - tail.len),
                &mut File::create(&kept)?,
            )
            .with_context(|| format!("keeping the audit trail's cut tail in {}", kept.display()))?;
            tracing::warn!(
                audit = %path.display(),
                bytes = size - tail.len,
                kept = %kept.display(),
                "the audit trail holds records after unwritten space (a power cut while a mapped trail synced at intervals?): they are cut off and kept aside; run `concord audit verify` on both"
            );
        } else if tail.torn > 0 {
            tracing::warn!(
                audit = %path.display(),
                bytes = tail.torn,
                "the audit trail ended in a torn record (a crash mid-write; its response was never sent): cut off"
            );
        }
        if size != tail.len {
            file.set_len(tail.len)?;
        }
        file.seek(SeekFrom::End(0))?;
        let sink = match mode {
            Mode::Append => Sink::Append(file),
            Mode::Mapped => Sink::Mapped(Mapped::new(file, tail.len)?),
        };
        let trail = Trail {
            sink,
            len: tail.len,
        };
        Ok((trail, tail))
    }

    /// Bytes of whole records.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// A handle on the same file for `fdatasync`.
    pub fn sync_handle(&self) -> Result<File> {
        let file = match &self.sink {
            Sink::Append(f) | Sink::Closed(f) => f,
            Sink::Mapped(m) => &m.file,
        };
        file.try_clone()
            .context("opening the audit trail for its syncer")
    }

    /// Appends `line` (a whole record with its newline) or, failing, leaves the trail at its
    /// last whole record.
    pub fn append(&mut self, line: &[u8]) -> std::io::Result<()> {
        match &mut self.sink {
            Sink::Append(f) => {
                if let Err(e) = f.write_all(line) {
                    // A torn line would break the chain: cut back to the last whole record, and
                    // write the next one there (the file is not opened `O_APPEND`, as its
                    // reserved space would be appended to in mapped mode).
                    let _ = f.set_len(self.len);
                    let _ = f.seek(SeekFrom::Start(self.len));
                    return Err(e);
                }
            }
            Sink::Mapped(m) => m.copy(self.len, line)?,
            Sink::Closed(_) => {
                return Err(std::io::Error::other("the audit trail is closed"));
            }
        }
        self.len += line.len() as u64;
        Ok(())
    }

    /// Cuts a mapped trail's reserved space off, so the stopped server leaves exactly its
    /// records.
    pub fn close(&mut self) -> std::io::Result<()> {
        let file = match &self.sink {
            Sink::Append(f) | Sink::Closed(f) => f.try_clone()?,
            Sink::Mapped(m) => {
                m.map.flush()?;
                m.file.try_clone()?
            }
        };
        // The map goes first: nothing may touch the space about to be cut off.
        self.sink = Sink::Closed(file.try_clone()?);
        file.set_len(self.len)?;
        file.sync_all()?;
        // Another writer may take it now (a rotation reopens it when its rename failed).
        file.unlock()
    }
}

impl Mapped {
    fn new(file: File, len: u64) -> Result<Mapped> {
        let mut reserved = len;
        let (map, start) = window(&file, &mut reserved, len, len)
            .context("reserving space for the audit trail")?;
        Ok(Mapped {
            file,
            map,
            start,
            reserved,
        })
    }

    /// Copies `line` to file offset `at`, reserving more space first when it does not fit.
    fn copy(&mut self, at: u64, line: &[u8]) -> std::io::Result<()> {
        let end = at + line.len() as u64;
        if end > self.start + self.map.len() as u64 {
            (self.map, self.start) = window(&self.file, &mut self.reserved, at, end)?;
        }
        let from = (at - self.start) as usize;
        self.map[from..from + line.len()].copy_from_slice(line);
        Ok(())
    }
}

/// Bytes mapped at a time. Small on purpose: the syncer's `fdatasync` write-protects every
/// dirty page it cleans, and a page still mapped costs an interrupt of the other cores to flush
/// it from their TLBs; pages already unmapped (the window moved on, one flush for all of them)
/// cost nothing. At one 4 KiB page per ~9 records, 16 pages hold ~150 records.
const WINDOW: u64 = 64 << 10;

/// Reserves `file` up to at least `end` (a [`CHUNK`] past the records ending at `at`) and
/// maps a [`WINDOW`] from `at`'s page (more when one record needs more).
fn window(
    file: &File,
    reserved: &mut u64,
    at: u64,
    end: u64,
) -> std::io::Result<(memmap2::MmapMut, u64)> {
    let page = page_size();
    let start = at / page * page;
    let map_end = (start + WINDOW).max(end.div_ceil(page) * page);
    let wanted = map_end.max(at + CHUNK);
    if map_end > *reserved {
        // Reserved as far as it goes: on a nearly full disk the zeros written so far still
        // count (and a retry starts after them instead of writing them again), and records go
        // on while the window fits.
        // Zeros are written, not merely allocated (`posix_fallocate`): a full disk is this
        // error, not a SIGBUS later, and the blocks are already written, so the syncer's
        // `fdatasync` writes data only, with no journalled conversion of unwritten extents
        // per sync.
        use std::os::unix::fs::FileExt;
        static ZEROS: [u8; 1 << 16] = [0; 1 << 16];
        while *reserved < wanted {
            let n = (wanted - *reserved).min(ZEROS.len() as u64) as usize;
            if let Err(e) = file.write_all_at(&ZEROS[..n], *reserved) {
                if *reserved < map_end {
                    return Err(e);
                }
                break;
            }
            *reserved += n as u64;
        }
    }
    // SAFETY: the file is this server's own trail, opened read-write and reserved past
    // `map_end`; nothing of this process truncates it while the map lives, and the
    // deployment notes say the trail is not to be truncated from outside while served.
    let map = unsafe {
        memmap2::MmapOptions::new()
            .offset(start)
            .len((map_end - start) as usize)
            .map_mut(file)
    }?;
    Ok((map, start))
}

fn page_size() -> u64 {
    // SAFETY: sysconf only reads a system constant.
    let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if p > 0 { p as u64 } else { 4096 }
}

/// How far back from the end of the written bytes [`scan`] looks: space lost to a power cut
/// lies within the last sync interval's writes, far less than this.
const RECENT: u64 = 4 * CHUNK;

/// Where the whole records of a trail end: after the last newline before the first NUL byte
/// (a mapped trail's unwritten space) or the end. Only the recent part is read (a trail grows
/// for years; reading all of it held up every start), from [`RECENT`] bytes before the last
/// written byte, unless that part holds too little to place the last record.
pub fn scan<R: Read + Seek>(r: &mut R) -> std::io::Result<Tail> {
    let end = written_end(r)?;
    let from = end.saturating_sub(RECENT);
    let mut s = forward(r, from)?;
    if from > 0 && (s.newlines < 2 || s.starts_zero) {
        s = forward(r, 0)?;
    }
    let last = if s.len > s.last_start {
        let mut line = vec![0; (s.len - s.last_start - 1) as usize];
        r.seek(SeekFrom::Start(s.last_start))?;
        r.read_exact(&mut line)?;
        Some(String::from_utf8_lossy(&line).into_owned())
    } else {
        None
    };
    Ok(Tail {
        len: s.len,
        last,
        torn: s.hole.unwrap_or(s.end) - s.len,
        stray: s.stray,
    })
}

/// The offset just after the last byte that is not zero.
fn written_end<R: Read + Seek>(r: &mut R) -> std::io::Result<u64> {
    let mut end = r.seek(SeekFrom::End(0))?;
    let mut block = vec![0u8; 1 << 20];
    while end > 0 {
        let n = end.min(block.len() as u64);
        r.seek(SeekFrom::Start(end - n))?;
        r.read_exact(&mut block[..n as usize])?;
        if let Some(i) = block[..n as usize].iter().rposition(|&b| b != 0) {
            return Ok(end - n + i as u64 + 1);
        }
        end -= n;
    }
    Ok(0)
}

/// What a forward read from an offset found.
struct Forward {
    /// Just after the last newline before the first zero byte (or the offset read from).
    len: u64,
    /// Just after the newline before that one: where the last whole line starts.
    last_start: u64,
    newlines: u64,
    /// The first zero byte.
    hole: Option<u64>,
    /// Something other than zeros after it.
    stray: bool,
    /// The first byte read was zero.
    starts_zero: bool,
    end: u64,
}

fn forward<R: Read + Seek>(r: &mut R, from: u64) -> std::io::Result<Forward> {
    r.seek(SeekFrom::Start(from))?;
    let mut f = Forward {
        len: from,
        last_start: from,
        newlines: 0,
        hole: None,
        stray: false,
        starts_zero: false,
        end: from,
    };
    let mut block = vec![0u8; 1 << 20];
    let mut first = true;
    loop {
        let n = r.read(&mut block)?;
        if n == 0 {
            break;
        }
        let b = &block[..n];
        if first {
            f.starts_zero = b[0] == 0;
            first = false;
        }
        let rest = match f.hole {
            Some(_) => b,
            None => {
                let written = b.iter().position(|&x| x == 0).unwrap_or(n);
                for (i, _) in b[..written]
                    .iter()
                    .enumerate()
                    .filter(|(_, x)| **x == b'\n')
                {
                    f.last_start = f.len;
                    f.len = f.end + i as u64 + 1;
                    f.newlines += 1;
                }
                if written < n {
                    f.hole = Some(f.end + written as u64);
                }
                &b[written..]
            }
        };
        f.stray |= rest.iter().any(|&x| x != 0);
        f.end += n as u64;
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tail(bytes: &[u8]) -> (u64, Option<String>, u64, bool) {
        let t = scan(&mut std::io::Cursor::new(bytes)).unwrap();
        (t.len, t.last, t.torn, t.stray)
    }

    #[test]
    fn whole_records_end_at_the_last_newline_before_unwritten_space() {
        let s = |x: &str| Some(x.to_string());
        assert_eq!(tail(b"a\nb\n"), (4, s("b"), 0, false));
        assert_eq!(tail(b"a\nbc\ntor"), (5, s("bc"), 3, false));
        assert_eq!(tail(b"a\nb\n\0\0\0\0"), (4, s("b"), 0, false));
        assert_eq!(tail(b"a\nb\nto\0\0\0c\n"), (4, s("b"), 2, true));
        assert_eq!(tail(b""), (0, None, 0, false));
        assert_eq!(tail(b"\0\0"), (0, None, 0, false));
        assert_eq!(tail(b"torn"), (0, None, 4, false));
        // Lines across read blocks.
        let mut big = vec![b'x'; 3 << 20];
        big[(1 << 20) + 5] = b'\n';
        big.push(b'\n');
        let t = scan(&mut std::io::Cursor::new(&big)).unwrap();
        assert_eq!(t.len, big.len() as u64);
        assert_eq!(t.last.unwrap().len(), (2 << 20) - 6);
        // A long trail: only its recent part is read, and the last record is found there.
        let mut long = Vec::new();
        let mut i = 0;
        while long.len() as u64 <= RECENT + (1 << 20) {
            long.extend_from_slice(format!("record {i}\n").as_bytes());
            i += 1;
        }
        let records = long.len() as u64;
        long.extend_from_slice(b"torn");
        long.resize(long.len() + (3 << 20), 0);
        assert_eq!(
            tail(&long),
            (records, Some(format!("record {}", i - 1)), 4, false)
        );
    }

    fn read(path: &Path) -> Vec<u8> {
        std::fs::read(path).unwrap()
    }

    #[test]
    fn a_mapped_trail_reserves_ahead_grows_and_closes_to_its_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.ndjson");
        let (mut t, tail) = Trail::open(&path, Mode::Mapped).unwrap();
        assert_eq!(tail.len, 0);
        let line = vec![b'x'; 999];
        let mut expected = Vec::new();
        // Past one chunk, so the map is moved on once.
        for _ in 0..(CHUNK / 1000 + 10) {
            let mut l = line.clone();
            l.push(b'\n');
            t.append(&l).unwrap();
            expected.extend_from_slice(&l);
        }
        let live = read(&path);
        assert!(live.len() as u64 > expected.len() as u64);
        assert_eq!(&live[..expected.len()], &expected[..]);
        assert!(live[expected.len()..].iter().all(|&b| b == 0));
        // A server killed now (no close): the next open finds the records and nothing else.
        drop(t);
        let (mut again, tail) = Trail::open(&path, Mode::Mapped).unwrap();
        assert_eq!(tail.len, expected.len() as u64);
        again.append(b"y\n").unwrap();
        again.close().unwrap();
        expected.extend_from_slice(b"y\n");
        assert_eq!(read(&path), expected);
    }

    #[test]
    fn a_trail_has_one_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.ndjson");
        let first = Trail::open(&path, Mode::Append).unwrap();
        let second = Trail::open(&path, Mode::Mapped).err().unwrap();
        assert!(
            second
                .to_string()
                .contains("in use by another running server"),
            "{second}"
        );
        drop(first);
        assert!(Trail::open(&path, Mode::Mapped).is_ok());
    }

    #[test]
    fn records_after_unwritten_space_are_cut_off_and_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.ndjson");
        std::fs::write(&path, b"a\n\0\0late\n").unwrap();
        let (_, tail) = Trail::open(&path, Mode::Append).unwrap();
        assert_eq!(tail.len, 2);
        assert_eq!(read(&path), b"a\n");
        let kept: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p != &path)
            .collect();
        assert_eq!(kept.len(), 1);
        assert_eq!(read(&kept[0]), b"\0\0late\n");
    }
}

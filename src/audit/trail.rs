//! The trail's file: where whole records end when it is opened, and how a batch of lines is
//! appended. This server holds the file's lock, so nothing else writes to it; it is always
//! exactly its records (the staging ring holds what is not appended yet), so a log shipper can
//! follow it as it grows. `fdatasync` (the syncer's) makes appended records durable.
//!
//! Trails written by earlier servers that copied records into a memory map of zero-filled space
//! may end in zeros: [`scan`] stops at the first NUL byte, and opening cuts the zeros off.

use anyhow::{Context, Result};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// The open trail.
pub struct Trail {
    file: File,
    /// Bytes of whole records.
    len: u64,
    closed: bool,
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
    /// Opens (or creates) the trail at `path` for appending, after the last whole record. A line cut short by a crash mid-write (never acknowledged: its answer was not
    /// sent) and reserved space are cut off; records after unwritten space are cut off too but
    /// kept beside the trail, never dropped unseen.
    pub fn open(path: &Path) -> Result<(Trail, Tail)> {
        Self::try_open(path)?.ok_or_else(|| {
            anyhow::anyhow!(
                "the audit trail {} is in use by another running server; give each server its own --audit file",
                path.display()
            )
        })
    }

    /// [`Trail::open`], or `None` when another running server holds the trail.
    pub fn try_open(path: &Path) -> Result<Option<(Trail, Tail)>> {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .with_context(|| format!("opening the audit trail {}", path.display()))?;
        // One writer per trail: two servers appending to one file would break its chain (and
        // overwrite each other's staging ring). The lock goes with the process.
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("locking the audit trail {}", path.display())));
            }
        }
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
                "the audit trail holds records after unwritten space (a trail an earlier, memory-mapping Concord wrote, after a power cut?): they are cut off and kept aside; run `concord audit verify` on both"
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
        let trail = Trail {
            file,
            len: tail.len,
            closed: false,
        };
        Ok(Some((trail, tail)))
    }

    /// Bytes of whole records.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Appends `lines` (whole records with their newlines) or, failing, leaves the trail at
    /// its last whole record.
    pub fn append(&mut self, lines: &[u8]) -> std::io::Result<()> {
        if self.closed {
            return Err(std::io::Error::other("the audit trail is closed"));
        }
        if let Err(e) = self.file.write_all(lines) {
            // A torn line would break the chain: cut back to the last whole record, and write
            // the next batch there.
            let _ = self.file.set_len(self.len);
            let _ = self.file.seek(SeekFrom::Start(self.len));
            return Err(e);
        }
        self.len += lines.len() as u64;
        Ok(())
    }

    /// `fdatasync`: the records appended so far are on disk.
    pub fn sync(&self) -> std::io::Result<()> {
        self.file.sync_data()
    }

    /// Syncs and unlocks the file (another writer may take it: a rotation reopens it when its
    /// rename failed); appends after this are refused.
    pub fn close(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        self.closed = true;
        self.file.sync_all()?;
        self.file.unlock()
    }
}

/// How far back from the end of the written bytes [`scan`] looks: space lost to a power cut
/// lies within the last sync interval's writes, far less than this.
const RECENT: u64 = 32 << 20;

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
    fn a_closed_trail_is_its_records_and_reopens_after_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.ndjson");
        let (mut t, tail) = Trail::open(&path).unwrap();
        assert_eq!(tail.len, 0);
        t.append(b"a\nb\n").unwrap();
        t.append(b"c\n").unwrap();
        t.close().unwrap();
        assert!(t.append(b"d\n").is_err());
        assert_eq!(read(&path), b"a\nb\nc\n");
        let (mut again, tail) = Trail::open(&path).unwrap();
        assert_eq!((tail.len, tail.last.as_deref()), (6, Some("c")));
        again.append(b"d\n").unwrap();
        assert_eq!(read(&path), b"a\nb\nc\nd\n");
    }

    #[test]
    fn a_trail_has_one_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.ndjson");
        let first = Trail::open(&path).unwrap();
        let second = Trail::open(&path).err().unwrap();
        assert!(
            second
                .to_string()
                .contains("in use by another running server"),
            "{second}"
        );
        drop(first);
        assert!(Trail::open(&path).is_ok());
    }

    #[test]
    fn records_after_unwritten_space_are_cut_off_and_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.ndjson");
        std::fs::write(&path, b"a\n\0\0late\n").unwrap();
        let (_, tail) = Trail::open(&path).unwrap();
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

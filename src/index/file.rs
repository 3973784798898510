//! The index file of a release (`index.bin`, next to the SQLite store): written once by
//! `import`, memory-mapped read-only by `serve`. It holds named *parts* (one per structure
//! and code system version, e.g. `cs/12/hierarchy`), each a set of named *sections*: arrays of
//! plain-old-data values read in place through [`Slab`]s (small string lists are sections
//! too), so opening costs nothing per concept and only the pages a request reads become
//! resident.
//!
//! ```text
//! 0   "CONCIDX1"
//! 8   u64 LE  offset of the directory
//! 16  u64 LE  length of the directory
//! 24  sections, each starting on an 8-byte boundary
//! …   directory: u32 layout version, u32 parts, then per part its name, u32 sections and per
//!     section its name, u64 offset and u64 length (names: u32 length + UTF-8; all LE)
//! ```

use super::slab::{Csr, Slab};
use bytemuck::Pod;
use std::collections::BTreeMap;
use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// File name of the index inside a release.
pub const INDEX_FILE: &str = "index.bin";
const MAGIC: &[u8; 8] = b"CONCIDX1";
const HEADER: u64 = 24;
/// Layout version of the parts; a file of another version is refused.
pub const FORMAT: u32 = 2;

/// A damaged or foreign index file.
#[derive(Debug, thiserror::Error)]
#[error("index file {path}: {message}; re-import the data with `concord import`")]
pub struct Damaged {
    /// The file.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Section name → (offset, length in bytes).
type PartEntry = BTreeMap<String, (u64, u64)>;

#[derive(Debug, Default)]
struct Directory {
    format: u32,
    parts: BTreeMap<String, PartEntry>,
}

impl Directory {
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let name = |out: &mut Vec<u8>, s: &str| {
            out.extend_from_slice(&(s.len() as u32).to_le_bytes());
            out.extend_from_slice(s.as_bytes());
        };
        out.extend_from_slice(&self.format.to_le_bytes());
        out.extend_from_slice(&(self.parts.len() as u32).to_le_bytes());
        for (part, sections) in &self.parts {
            name(&mut out, part);
            out.extend_from_slice(&(sections.len() as u32).to_le_bytes());
            for (section, (offset, len)) in sections {
                name(&mut out, section);
                out.extend_from_slice(&offset.to_le_bytes());
                out.extend_from_slice(&len.to_le_bytes());
            }
        }
        out
    }

    /// Decodes a directory; `None` when it is cut short or a name is not UTF-8.
    fn decode(mut b: &[u8]) -> Option<Directory> {
        fn take<'a>(b: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
            let (head, tail) = (b.get(..n)?, b.get(n..)?);
            *b = tail;
            Some(head)
        }
        let u32_ = |b: &mut &[u8]| Some(u32::from_le_bytes(take(b, 4)?.try_into().ok()?));
        let u64_ = |b: &mut &[u8]| Some(u64::from_le_bytes(take(b, 8)?.try_into().ok()?));
        let name = |b: &mut &[u8]| {
            let n = u32_(b)? as usize;
            String::from_utf8(take(b, n)?.to_vec()).ok()
        };
        let format = u32_(&mut b)?;
        let mut parts = BTreeMap::new();
        for _ in 0..u32_(&mut b)? {
            let part = name(&mut b)?;
            let mut sections = BTreeMap::new();
            for _ in 0..u32_(&mut b)? {
                let section = name(&mut b)?;
                sections.insert(section, (u64_(&mut b)?, u64_(&mut b)?));
            }
            parts.insert(part, sections);
        }
        Some(Directory { format, parts })
    }
}

/// Writes an index file.
pub struct Writer {
    out: std::io::BufWriter<std::fs::File>,
    pos: u64,
    dir: Directory,
}

/// One part being written.
#[derive(Default)]
pub struct PartWriter {
    entry: PartEntry,
}

impl Writer {
    /// Creates `path`.
    pub fn create(path: &Path) -> std::io::Result<Writer> {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
        out.write_all(MAGIC)?;
        out.write_all(&[0u8; 16])?;
        Ok(Writer {
            out,
            pos: HEADER,
            dir: Directory {
                format: FORMAT,
                parts: BTreeMap::new(),
            },
        })
    }

    /// Writes one section of part `p`.
    pub fn put<T: Pod>(
        &mut self,
        p: &mut PartWriter,
        name: &str,
        data: &[T],
    ) -> std::io::Result<()> {
        let pad = (8 - self.pos % 8) % 8;
        self.out.write_all(&[0u8; 8][..pad as usize])?;
        self.pos += pad;
        let bytes: &[u8] = bytemuck::cast_slice(data);
        self.out.write_all(bytes)?;
        p.entry
            .insert(name.to_string(), (self.pos, bytes.len() as u64));
        self.pos += bytes.len() as u64;
        Ok(())
    }

    /// Writes the two sections of a [`Csr`] (`name.starts`, `name.items`).
    pub fn put_csr<T: Pod>(
        &mut self,
        p: &mut PartWriter,
        name: &str,
        c: &Csr<T>,
    ) -> std::io::Result<()> {
        self.put(p, &format!("{name}.starts"), &c.starts)?;
        self.put(p, &format!("{name}.items"), &c.items)
    }

    /// Writes a list of strings as one section (a [`Csr`] of their bytes).
    pub fn put_strs<'s>(
        &mut self,
        p: &mut PartWriter,
        name: &str,
        strs: impl Iterator<Item = &'s str>,
    ) -> std::io::Result<()> {
        self.put_csr(p, name, &Csr::pack(strs.map(|s| s.bytes())))
    }

    /// Records part `name`.
    pub fn finish_part(&mut self, name: &str, p: PartWriter) {
        self.dir.parts.insert(name.to_string(), p.entry);
    }

    /// Writes the directory and flushes the file to disk; returns its size in bytes.
    pub fn finish(mut self) -> std::io::Result<u64> {
        let dir = self.dir.encode();
        self.out.write_all(&dir)?;
        let offset = self.pos;
        self.out.seek(SeekFrom::Start(8))?;
        self.out.write_all(&offset.to_le_bytes())?;
        self.out.write_all(&(dir.len() as u64).to_le_bytes())?;
        let file = self.out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(offset + dir.len() as u64)
    }
}

/// An index file opened read-only.
pub struct IndexFile {
    path: PathBuf,
    map: Arc<memmap2::Mmap>,
    dir: Directory,
}

/// One part of an opened index file.
pub struct Part<'a> {
    file: &'a IndexFile,
    name: &'a str,
    entry: &'a PartEntry,
}

impl IndexFile {
    /// Maps `path` and reads its directory.
    pub fn open(path: &Path) -> Result<IndexFile, Damaged> {
        let damaged = |message: String| Damaged {
            path: path.display().to_string(),
            message,
        };
        let file = std::fs::File::open(path).map_err(|e| damaged(e.to_string()))?;
        // SAFETY: a release's files are immutable once published (imports write a new release
        // directory and never touch a published one), so the mapped bytes do not change under
        // the references handed out.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| damaged(e.to_string()))?;
        // Requests read a few entries here and there; read-ahead would only fill memory.
        let _ = map.advise(memmap2::Advice::Random);
        if map.len() < HEADER as usize || &map[..8] != MAGIC {
            return Err(damaged("not a Concord index file".into()));
        }
        let word = |at: usize| u64::from_le_bytes(map[at..at + 8].try_into().unwrap_or_default());
        let (offset, len) = (word(8) as usize, word(16) as usize);
        let bytes = offset
            .checked_add(len)
            .and_then(|end| map.get(offset..end))
            .ok_or_else(|| damaged("truncated (directory out of range)".into()))?;
        let dir = Directory::decode(bytes).ok_or_else(|| damaged("damaged directory".into()))?;
        if dir.format != FORMAT {
            return Err(damaged(format!(
                "layout version {}, this Concord reads {FORMAT}",
                dir.format
            )));
        }
        Ok(IndexFile {
            path: path.to_path_buf(),
            map: Arc::new(map),
            dir,
        })
    }

    /// Checks that the index file at `path` can be read by this Concord: `Ok` when it opens,
    /// or when there is no file (the server then builds its indexes from the store); the
    /// reason otherwise (another version's layout, damage).
    pub fn check(path: &Path) -> Result<(), Damaged> {
        if path.exists() {
            IndexFile::open(path)?;
        }
        Ok(())
    }

    /// Part `name`, when the file has it.
    pub fn part<'a>(&'a self, name: &'a str) -> Option<Part<'a>> {
        self.dir.parts.get(name).map(|entry| Part {
            file: self,
            name,
            entry,
        })
    }

    /// Asks the kernel to read the whole file into the page cache in the background, so the
    /// first requests after a start do not each wait on the disk. Page-cache pages count
    /// towards the process's memory only once a request touches them.
    pub fn prefetch(&self) {
        let _ = self.map.advise(memmap2::Advice::WillNeed);
    }

    /// The size of the file in bytes.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True for an empty file (never, once opened).
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

impl Part<'_> {
    /// An error naming the file and this part.
    pub fn damaged(&self, message: String) -> Damaged {
        Damaged {
            path: self.file.path.display().to_string(),
            message: format!("part {}: {message}", self.name),
        }
    }

    /// Section `name` read in place.
    pub fn slab<T: Pod>(&self, name: &str) -> Result<Slab<T>, Damaged> {
        let &(offset, len) = self
            .entry
            .get(name)
            .ok_or_else(|| self.damaged(format!("no section {name}")))?;
        let bytes = (offset as usize)
            .checked_add(len as usize)
            .and_then(|end| self.file.map.get(offset as usize..end))
            .ok_or_else(|| self.damaged(format!("section {name} out of range")))?;
        Slab::mapped(bytes, self.file.map.clone())
            .ok_or_else(|| self.damaged(format!("section {name} misaligned")))
    }

    /// The two sections of a [`Csr`]; offsets are checked to be in order and in range, so a
    /// list read later is always inside the items.
    pub fn csr<T: Pod>(&self, name: &str) -> Result<Csr<T>, Damaged> {
        let starts: Slab<u32> = self.slab(&format!("{name}.starts"))?;
        let items: Slab<T> = self.slab(&format!("{name}.items"))?;
        let ordered = starts.windows(2).all(|w| w[0] <= w[1]);
        if !ordered || starts.last().is_some_and(|l| *l as usize > items.len()) {
            return Err(self.damaged(format!("section {name}: list offsets out of order")));
        }
        Ok(Csr { starts, items })
    }

    /// A list of strings written by [`Writer::put_strs`].
    pub fn strs(&self, name: &str) -> Result<Vec<String>, Damaged> {
        let c: Csr<u8> = self.csr(name)?;
        (0..c.entries())
            .map(|i| {
                String::from_utf8(c.at(i).to_vec())
                    .map_err(|_| self.damaged(format!("section {name}: not UTF-8")))
            })
            .collect()
    }

    /// A single number written as a one-element section.
    pub fn number(&self, name: &str) -> Result<u64, Damaged> {
        self.slab::<u64>(name)?
            .first()
            .copied()
            .ok_or_else(|| self.damaged(format!("section {name} is empty")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_and_damage_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(INDEX_FILE);
        let mut w = Writer::create(&path).unwrap();
        let mut p = PartWriter::default();
        w.put(&mut p, "bytes", b"abc").unwrap();
        w.put(&mut p, "words", &[7u64, 8]).unwrap();
        w.put_csr(
            &mut p,
            "lists",
            &Csr::pack([vec![1u32], vec![2, 3]].into_iter()),
        )
        .unwrap();
        w.put_strs(&mut p, "names", ["a", "", "çé"].into_iter())
            .unwrap();
        w.put(&mut p, "n", &[42u64]).unwrap();
        w.finish_part("cs/1/x", p);
        w.finish().unwrap();
        let f = IndexFile::open(&path).unwrap();
        let part = f.part("cs/1/x").unwrap();
        assert_eq!(part.number("n").unwrap(), 42);
        assert_eq!(part.strs("names").unwrap(), ["a", "", "çé"]);
        assert_eq!(&*part.slab::<u8>("bytes").unwrap(), b"abc");
        assert_eq!(&*part.slab::<u64>("words").unwrap(), &[7, 8]);
        assert_eq!(part.csr::<u32>("lists").unwrap().at(1), &[2, 3]);
        assert!(
            part.slab::<u8>("nope")
                .unwrap_err()
                .to_string()
                .contains("no section nope")
        );
        assert!(f.part("cs/2/x").is_none());
        assert!(IndexFile::check(&path).is_ok());
        std::fs::write(&path, b"CONCIDX1\0\0").unwrap();
        let e = IndexFile::open(&path).err().unwrap().to_string();
        assert!(e.contains("re-import"), "{e}");
        assert!(IndexFile::check(&path).is_err());
        assert!(IndexFile::check(&dir.path().join("absent.bin")).is_ok());
    }

    #[test]
    fn a_file_of_another_layout_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(INDEX_FILE);
        let mut w = Writer::create(&path).unwrap();
        w.dir.format = FORMAT - 1;
        w.finish().unwrap();
        let e = IndexFile::open(&path).err().unwrap().to_string();
        assert!(
            e.contains(&format!(
                "layout version {}, this Concord reads {FORMAT}",
                FORMAT - 1
            )),
            "{e}"
        );
        assert!(IndexFile::check(&path).is_err());
    }
}

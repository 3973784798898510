//! Opening what the user points at — a folder, a `.zip`, a single (optionally gzipped) file — as a
//! flat list of named members that can each be read as a byte stream.
//!
//! Zip members are read straight from the archive; `.gz` members are decompressed on the fly.
//! A truncated or corrupt archive is reported here, naming the archive.

use crate::{Error, Result};
use flate2::read::GzDecoder;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// One readable member of a source.
#[derive(Debug, Clone)]
pub struct Member {
    /// Path inside the source (`/`-separated), or the file name for a single file.
    pub name: String,
    /// Where its bytes live.
    location: Location,
    /// Size in bytes as stored (before gzip decompression), for progress reporting.
    pub size: u64,
}

#[derive(Debug, Clone)]
enum Location {
    File(PathBuf),
    Zip { archive: PathBuf, index: usize },
}

impl Member {
    /// The base name without directories and without a trailing `.gz`.
    pub fn base_name(&self) -> &str {
        let base = self.name.rsplit('/').next().unwrap_or(&self.name);
        base.strip_suffix(".gz").unwrap_or(base)
    }

    /// A description for error messages: `archive.zip!member` or the file path.
    pub fn display(&self) -> String {
        match &self.location {
            Location::File(p) => p.display().to_string(),
            Location::Zip { archive, .. } => format!("{}!{}", archive.display(), self.name),
        }
    }

    /// Opens the member for reading, decompressing `.gz` members.
    pub fn open(&self) -> Result<Box<dyn Read + Send>> {
        let raw: Box<dyn Read + Send> = match &self.location {
            Location::File(p) => Box::new(BufReader::with_capacity(
                1 << 20,
                File::open(p).map_err(|e| Error::file(p.display().to_string(), e.to_string()))?,
            )),
            Location::Zip { archive, index } => {
                // Each member gets its own archive handle so members can be read independently.
                let file = File::open(archive)
                    .map_err(|e| Error::file(archive.display().to_string(), e.to_string()))?;
                let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
                    Error::file(
                        archive.display().to_string(),
                        format!("not a readable zip: {e}"),
                    )
                })?;
                let mut entry = zip.by_index(*index).map_err(|e| {
                    Error::file(self.display(), format!("cannot read zip member: {e}"))
                })?;
                // Members are small relative to memory only in fixtures; stream large ones
                // through a bounded buffer instead of keeping the archive borrowed.
                let mut buf = Vec::with_capacity(entry.size() as usize);
                entry
                    .read_to_end(&mut buf)
                    .map_err(|e| Error::file(self.display(), format!("corrupt zip member: {e}")))?;
                Box::new(std::io::Cursor::new(buf))
            }
        };
        if self.name.ends_with(".gz") || self.name.ends_with(".tgz") {
            Ok(Box::new(BufReader::with_capacity(
                1 << 20,
                GzDecoder::new(raw),
            )))
        } else {
            Ok(raw)
        }
    }

    /// Reads the whole member into a string (UTF-8 checked).
    pub fn read_to_string(&self) -> Result<String> {
        let mut s = String::new();
        self.open()?
            .read_to_string(&mut s)
            .map_err(|e| Error::file(self.display(), format!("cannot read as UTF-8 text: {e}")))?;
        Ok(s)
    }
}

/// Lists the members of `path`: every file below a folder (sorted), every file in a zip, or the
/// file itself.
pub fn members(path: &Path) -> Result<Vec<Member>> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Error::file(&shown, e.to_string()))?;
    if meta.is_dir() {
        let mut out = Vec::new();
        walk(path, path, &mut out)?;
        out.sort_by(|a, b| a.name.cmp(&b.name));
        return Ok(out);
    }
    if is_zip(path)? {
        let file = File::open(path).map_err(|e| Error::file(&shown, e.to_string()))?;
        let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| {
            Error::file(
                &shown,
                format!("not a readable zip archive (truncated or corrupt?): {e}"),
            )
        })?;
        let mut out = Vec::new();
        for index in 0..zip.len() {
            let entry = zip.by_index(index).map_err(|e| {
                Error::file(&shown, format!("corrupt zip directory entry {index}: {e}"))
            })?;
            if entry.is_dir() {
                continue;
            }
            let name = entry
                .name()
                .map_err(|e| {
                    Error::file(
                        &shown,
                        format!("zip member {index} has an unreadable name: {e}"),
                    )
                })?
                .to_string();
            // macOS resource forks ride along in many hand-made zips; they are not content.
            if name.starts_with("__MACOSX/")
                || name.rsplit('/').next().is_some_and(|b| b.starts_with("._"))
            {
                continue;
            }
            out.push(Member {
                name,
                size: entry.compressed_size(),
                location: Location::Zip {
                    archive: path.to_path_buf(),
                    index,
                },
            });
        }
        return Ok(out);
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    Ok(vec![Member {
        name,
        size: meta.len(),
        location: Location::File(path.to_path_buf()),
    }])
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<Member>) -> Result<()> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::file(dir.display().to_string(), e.to_string()))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::file(dir.display().to_string(), e.to_string()))?;
        let path = entry.path();
        let meta = entry
            .metadata()
            .map_err(|e| Error::file(path.display().to_string(), e.to_string()))?;
        if meta.is_dir() {
            walk(root, &path, out)?;
        } else {
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            out.push(Member {
                name,
                size: meta.len(),
                location: Location::File(path),
            });
        }
    }
    Ok(())
}

/// A gzip decoder over bytes in memory (embedded datasets).
pub fn gunzip(bytes: &[u8]) -> impl Read + '_ {
    GzDecoder::new(bytes)
}

/// True when the file starts with a zip signature (so misnamed archives are still recognised).
pub fn is_zip(path: &Path) -> Result<bool> {
    let mut magic = [0u8; 4];
    let mut f =
        File::open(path).map_err(|e| Error::file(path.display().to_string(), e.to_string()))?;
    let n = f
        .read(&mut magic)
        .map_err(|e| Error::file(path.display().to_string(), e.to_string()))?;
    Ok(n == 4 && (magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06"))
}

//! Input units of the bulk verbs: the lines of NDJSON files, read one at a time (memory is one
//! line, whatever the file's size), or the units of a dead-letter file being re-run, each
//! with the source and line it first came from.

use super::deadletter;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// One unit to process.
#[derive(Debug, Clone)]
pub struct Unit {
    /// The file it came from.
    pub source: String,
    /// Its 1-based line (or message number).
    pub line: u64,
    /// A message control id (HL7 v2), when known.
    pub message_id: Option<String>,
    /// The bytes, without the line end.
    pub bytes: Vec<u8>,
    /// Why the unit cannot be processed at all (a line over the limit); set by the reader.
    pub refused: Option<String>,
}

/// The longest line read in full; a longer one is a unit refused as too long (its first
/// bytes are kept for the dead letter).
pub const MAX_RESOURCE_LINE: usize = 64 << 20;

/// The files a path names: the file itself, or the `.ndjson` / `.jsonl` files in a folder
/// (sorted, so runs are repeatable).
pub fn files(path: &Path, extensions: &[&str]) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out: Vec<PathBuf> = std::fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// The lines of an NDJSON file as units (blank lines are skipped but keep their numbers).
pub fn lines(path: &Path) -> std::io::Result<impl Iterator<Item = std::io::Result<Unit>> + use<>> {
    let source = path.display().to_string();
    let mut reader = std::io::BufReader::with_capacity(
        1 << 20,
        std::fs::File::open(path)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?,
    );
    let mut line = 0u64;
    Ok(std::iter::from_fn(move || {
        loop {
            let mut buf = Vec::new();
            let mut refused = None;
            // Read up to the limit; past it, keep the head and skip to the line end.
            let n = match std::io::Read::take(&mut reader, MAX_RESOURCE_LINE as u64 + 1)
                .read_until(b'\n', &mut buf)
            {
                Ok(n) => n,
                Err(e) => return Some(Err(e)),
            };
            if n == 0 {
                return None;
            }
            line += 1;
            if buf.len() > MAX_RESOURCE_LINE && buf.last() != Some(&b'\n') {
                refused = Some(format!("line longer than {MAX_RESOURCE_LINE} bytes"));
                buf.truncate(4096);
                let mut sink = Vec::new();
                loop {
                    sink.clear();
                    match std::io::Read::take(&mut reader, 1 << 20).read_until(b'\n', &mut sink) {
                        Ok(0) => break,
                        Ok(_) if sink.last() == Some(&b'\n') => break,
                        Ok(_) => continue,
                        Err(e) => return Some(Err(e)),
                    }
                }
            }
            while matches!(buf.last(), Some(b'\n' | b'\r')) {
                buf.pop();
            }
            if refused.is_none() && buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            return Some(Ok(Unit {
                source: source.clone(),
                line,
                message_id: None,
                bytes: buf,
                refused,
            }));
        }
    }))
}

/// The units of a dead-letter file, as they first came (source, line, original bytes).
pub fn from_dead_letter(path: &Path) -> anyhow::Result<Vec<Unit>> {
    Ok(deadletter::originals(path)?
        .into_iter()
        .map(|e| Unit {
            bytes: e.bytes(),
            source: e.source,
            line: e.line,
            message_id: e.message_id,
            refused: None,
        })
        .collect())
}

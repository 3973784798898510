//! The dead-letter file: one JSON line per unit that yielded no result — its source (file and
//! line, or message id), the reason, and the original bytes (as text when they are UTF-8,
//! else as hex, so a corrupt unit is kept exactly). Re-running a dead-letter file
//! reads each entry's `original` back as the unit (see [`originals`]).

use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// One dead-lettered unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Where it came from: a file path.
    pub source: String,
    /// Its line (1-based), or message number in a batch.
    pub line: u64,
    /// A message control id, for HL7 v2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// Why it yielded no result.
    pub reason: String,
    /// The original bytes, when UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    /// The original bytes in hex, when not UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_hex: Option<String>,
}

impl Entry {
    /// An entry for `bytes` from `source` line `line`.
    pub fn new(source: &str, line: u64, reason: &str, bytes: &[u8]) -> Self {
        let (original, original_hex) = match std::str::from_utf8(bytes) {
            Ok(s) => (Some(s.to_string()), None),
            Err(_) => (
                None,
                Some(bytes.iter().map(|b| format!("{b:02x}")).collect()),
            ),
        };
        Entry {
            source: source.into(),
            line,
            message_id: None,
            reason: reason.into(),
            original,
            original_hex,
        }
    }

    /// The original bytes.
    pub fn bytes(&self) -> Vec<u8> {
        match (&self.original, &self.original_hex) {
            (Some(s), _) => s.as_bytes().to_vec(),
            (None, Some(h)) => (0..h.len() / 2)
                .filter_map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).ok())
                .collect(),
            (None, None) => Vec::new(),
        }
    }
}

/// A dead-letter file being written; created on the first entry, so a clean run leaves none.
pub struct DeadLetter {
    path: Option<PathBuf>,
    append: bool,
    out: Option<std::io::BufWriter<std::fs::File>>,
    /// Entries written.
    pub count: u64,
}

impl DeadLetter {
    /// Dead letters go to `path`; `None` keeps only the count (the caller must then refuse to
    /// drop units silently — the CLI requires a path whenever a unit fails).
    pub fn new(path: Option<&Path>) -> Self {
        DeadLetter {
            path: path.map(Path::to_path_buf),
            append: false,
            out: None,
            count: 0,
        }
    }

    /// Dead letters appended to `path` (a long-running listener: a restart keeps what an
    /// earlier run left).
    pub fn appending(path: &Path) -> Self {
        DeadLetter {
            append: true,
            ..DeadLetter::new(Some(path))
        }
    }

    /// Appends an entry (synced when the file is finished).
    pub fn push(&mut self, e: &Entry) -> std::io::Result<()> {
        self.count += 1;
        let Some(path) = &self.path else {
            return Ok(());
        };
        if self.out.is_none() {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            let f = std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .append(self.append)
                .truncate(!self.append)
                .open(path)?;
            self.out = Some(std::io::BufWriter::new(f));
        }
        let w = self.out.as_mut().expect("opened above");
        serde_json::to_writer(&mut *w, e)?;
        w.write_all(b"\n")
    }

    /// Flushes and syncs what was written so far (a listener calls this before it answers).
    pub fn sync(&mut self) -> std::io::Result<()> {
        if let Some(w) = self.out.as_mut() {
            w.flush()?;
            w.get_ref().sync_data()?;
        }
        Ok(())
    }

    /// Flushes and syncs the file. A run without dead letters removes the file a previous
    /// run left at the same path, so what is there always belongs to the last run (re-running
    /// a dead-letter file into itself empties it once every unit goes through).
    pub fn finish(mut self) -> std::io::Result<u64> {
        if let Some(mut w) = self.out.take() {
            w.flush()?;
            w.get_ref().sync_all()?;
        } else if let Some(p) = &self.path
            && !self.append
            && p.exists()
        {
            std::fs::remove_file(p)?;
        }
        Ok(self.count)
    }
}

/// Reads a dead-letter file back, entry by entry. A line of the file that
/// is not an entry is an error naming the line.
pub fn originals(path: &Path) -> anyhow::Result<Vec<Entry>> {
    let f = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let e: Entry = serde_json::from_str(&line).map_err(|e| {
            anyhow::anyhow!(
                "{} line {}: not a dead-letter entry: {e}",
                path.display(),
                i + 1
            )
        })?;
        out.push(e);
    }
    Ok(out)
}

/// True when `path` is a dead-letter file (its first line is an entry), so a bulk verb given
/// one re-runs its units.
pub fn is_dead_letter(path: &Path) -> bool {
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    let mut first = String::new();
    if std::io::BufReader::new(f).read_line(&mut first).is_err() {
        return false;
    }
    serde_json::from_str::<Entry>(&first).is_ok_and(|e| !e.reason.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_keep_their_bytes_exactly() {
        let e = Entry::new("f", 3, "bad", b"\xff{\"x\"");
        assert_eq!(e.bytes(), b"\xff{\"x\"");
        let e = Entry::new("f", 3, "bad", b"{\"code\":");
        assert_eq!(e.original.as_deref(), Some("{\"code\":"));
        assert_eq!(e.bytes(), b"{\"code\":");
    }
}

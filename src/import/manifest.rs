//! `manifest.json`: what a release holds and where it came from (format version, sources with
//! checksums, code systems, row counts). Written with every release; read by `status` and by
//! the server, which refuses a release of another format version.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// A release manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Store format version; must equal [`crate::store::FORMAT_VERSION`].
    pub format_version: i32,
    /// Concord version that wrote it.
    pub concord_version: String,
    /// UTC time of publication (RFC 3339).
    pub created: String,
    /// Every source imported into this release, oldest first.
    pub sources: Vec<SourceEntry>,
    /// Loaded code system versions.
    pub code_systems: Vec<CodeSystemEntry>,
    /// Row count per table.
    pub counts: BTreeMap<String, i64>,
}

/// One imported source.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SourceEntry {
    /// Path as given.
    pub path: String,
    /// Detected format.
    pub kind: String,
    /// SHA-256 of the content (of every file, in name order, for a folder).
    pub sha256: String,
    /// Size in bytes.
    pub bytes: u64,
    /// When it was imported.
    pub imported: String,
}

/// One loaded code system version.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CodeSystemEntry {
    /// Canonical URL.
    pub url: String,
    /// Version.
    pub version: String,
    /// Family.
    pub family: String,
    /// Concepts.
    pub concepts: i64,
}

impl Manifest {
    /// Reads and checks a manifest.
    pub fn read(path: &Path) -> Result<Manifest> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let m: Manifest =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        if m.format_version != crate::store::FORMAT_VERSION {
            bail!(
                "{} has format version {}, this Concord reads {}; re-import the data",
                path.display(),
                m.format_version,
                crate::store::FORMAT_VERSION
            );
        }
        Ok(m)
    }

    /// Writes the manifest.
    pub fn write(&self, path: &Path) -> Result<()> {
        std::fs::write(path, serde_json::to_string_pretty(self)? + "\n")
            .with_context(|| format!("writing {}", path.display()))
    }
}

/// SHA-256 and byte size of a file or of every file below a folder.
pub fn checksum(path: &Path) -> Result<(String, u64)> {
    let mut files = Vec::new();
    collect(path, &mut files)?;
    files.sort();
    let mut hasher = Sha256::new();
    let mut total = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    for f in files {
        let mut file =
            std::fs::File::open(&f).with_context(|| format!("reading {}", f.display()))?;
        loop {
            let n = file.read(&mut buf)?;
            if n == 0 {
                break;
            }
            total += n as u64;
            hasher.update(&buf[..n]);
        }
    }
    let digest = hasher.finalize();
    Ok((digest.iter().map(|b| format!("{b:02x}")).collect(), total))
}

fn collect(path: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    if path.is_dir() {
        for e in std::fs::read_dir(path)? {
            collect(&e?.path(), out)?;
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

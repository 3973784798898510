//! The data directory and its releases.
//!
//! ```text
//! DIR/CURRENT                      name of the published release (replaced atomically)
//! DIR/releases/<name>/concord.db   the SQLite store
//! DIR/releases/<name>/manifest.json
//! DIR/releases/<name>/index.bin    the index file (`index::file`), mapped by the server
//! DIR/staging-<name>/              an import in progress (removed if it fails)
//! ```
//! An import copies the current store into a staging directory, writes there, then renames the
//! directory into `releases/` and swaps `CURRENT`: a failed or killed import never touches the
//! release being served. The previous release is kept (one step of rollback); older ones are
//! removed.

use super::manifest::Manifest;
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// File name of the store inside a release.
pub const DB_FILE: &str = "concord.db";
/// File name of the manifest inside a release.
pub const MANIFEST_FILE: &str = "manifest.json";

/// A data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

/// A published release.
#[derive(Debug, Clone)]
pub struct Release {
    /// Its directory.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
}

impl Release {
    /// Path of its store.
    pub fn db_path(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }

    /// Path of its index file.
    pub fn index_path(&self) -> PathBuf {
        self.dir.join(crate::index::file::INDEX_FILE)
    }
}

/// An import in progress.
pub struct Staging {
    /// The staging directory.
    pub dir: PathBuf,
    name: String,
    published: bool,
}

impl Staging {
    /// Path of the store being written.
    pub fn db_path(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

impl DataDir {
    /// A data directory at `root` (created on first import).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }

    /// The root path.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The published release, if any.
    pub fn current(&self) -> Result<Option<Release>> {
        let pointer = self.root.join("CURRENT");
        let name = match std::fs::read_to_string(&pointer) {
            Ok(s) => s.trim().to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).with_context(|| format!("reading {}", pointer.display())),
        };
        let dir = self.root.join("releases").join(&name);
        let manifest = Manifest::read(&dir.join(MANIFEST_FILE)).with_context(|| {
            format!(
                "release {name} in {} is damaged; re-import the data",
                self.root.display()
            )
        })?;
        Ok(Some(Release { dir, manifest }))
    }

    /// Creates a staging directory holding a copy of the current store (if any).
    pub fn stage(&self) -> Result<(Staging, Option<Release>)> {
        std::fs::create_dir_all(self.root.join("releases"))
            .with_context(|| format!("cannot create data directory {}", self.root.display()))?;
        let name = release_name();
        let dir = self.root.join(format!("staging-{name}"));
        std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let staging = Staging {
            dir,
            name,
            published: false,
        };
        let current = self.current()?;
        if let Some(cur) = &current {
            std::fs::copy(cur.db_path(), staging.db_path()).with_context(|| {
                format!("copying the current store {}", cur.db_path().display())
            })?;
        }
        Ok((staging, current))
    }

    /// Publishes a finished staging directory with its manifest, atomically.
    pub fn publish(&self, mut staging: Staging, manifest: &Manifest) -> Result<Release> {
        manifest.write(&staging.dir.join(MANIFEST_FILE))?;
        let target = self.root.join("releases").join(&staging.name);
        if target.exists() {
            bail!("release directory {} already exists", target.display());
        }
        std::fs::rename(&staging.dir, &target)
            .with_context(|| format!("publishing {}", target.display()))?;
        staging.published = true;
        let previous = self.current().ok().flatten();
        let tmp = self.root.join("CURRENT.tmp");
        std::fs::write(&tmp, format!("{}\n", staging.name))?;
        std::fs::rename(&tmp, self.root.join("CURRENT"))?;
        self.collect_garbage(&staging.name, previous.as_ref())?;
        Ok(Release {
            dir: target,
            manifest: manifest.clone(),
        })
    }

    /// Removes releases other than the current and the previous one, and stale staging dirs.
    fn collect_garbage(&self, current: &str, previous: Option<&Release>) -> Result<()> {
        let keep_prev =
            previous.and_then(|p| p.dir.file_name().map(|n| n.to_string_lossy().to_string()));
        for entry in std::fs::read_dir(self.root.join("releases"))?.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name != current && Some(&name) != keep_prev.as_ref() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        Ok(())
    }
}

fn release_name() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!(
        "{}-{:09}-{}",
        crate::clock::timestamp_compact(now.as_secs()),
        now.subsec_nanos(),
        std::process::id()
    )
}

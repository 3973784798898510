//! Writes the index file of a release: every version's hierarchy and term index, built from
//! the committed store one version at a time (so peak memory is that of the largest version).
//! Called by `import` before the release is published.

use super::cache::{build, build_terms, hierarchy_part, terms_part};
use super::file::Writer;
use crate::store::Store;
use std::path::Path;

/// Why the index could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] crate::store::Error),
    /// Writing the file failed.
    #[error("writing the index file: {0}")]
    Io(#[from] std::io::Error),
}

/// What was written.
#[derive(Debug, Clone, Copy)]
pub struct Written {
    /// Versions indexed.
    pub versions: usize,
    /// File size in bytes.
    pub bytes: u64,
}

/// Writes the index of `versions` (code system version keys) of `store` to `path`;
/// `done(n)` is told after each version.
pub fn write(
    store: &Store,
    versions: &[i64],
    path: &Path,
    done: &mut dyn FnMut(usize),
) -> Result<Written, WriteError> {
    let mut w = Writer::create(path)?;
    for (n, &cs) in versions.iter().enumerate() {
        let h = build(store, cs)?;
        h.write(&mut w, &hierarchy_part(cs))?;
        let terms = build_terms(&h);
        terms.write(&mut w, &terms_part(cs))?;
        done(n + 1);
    }
    Ok(Written {
        versions: versions.len(),
        bytes: w.finish()?,
    })
}

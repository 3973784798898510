//! `concord serve`.

use super::common::*;
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::Arc;

/// `concord serve`.
pub fn serve(
    data: &Path,
    addr: &str,
    workers: Option<usize>,
    default_language: &str,
    limits: crate::ops::expand::Limits,
) -> Result<()> {
    let mut t = open(data, default_language)?;
    t.limits = limits;
    let t = Arc::new(t);
    t.warm_up()?;
    release_scratch();
    // Term indexes are built behind the first requests rather than before them.
    let warm = t.clone();
    std::thread::spawn(move || {
        if let Err(e) = warm.warm_up_terms() {
            tracing::warn!(error = %e, "building the search indexes failed; search will retry");
        }
        release_scratch();
    });
    let workers = workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    tracing::info!(%addr, workers, code_systems = t.catalog().len(), "serving");
    eprintln!(
        "Concord serving {} code system versions on http://{addr} (data: {})",
        t.catalog().len(),
        data.display()
    );
    crate::http::run(t, addr, workers).with_context(|| format!("serving on {addr}"))
}

/// Hands the memory the index builds used and freed back to the OS now: mimalloc otherwise
/// keeps it for a while, and the server would sit at several times its working size right
/// after start (1.8 GB against ≈0.5 GB at International scale).
fn release_scratch() {
    // SAFETY: mi_collect only walks and trims the allocator's own free pages.
    unsafe { libmimalloc_sys::mi_collect(true) };
}

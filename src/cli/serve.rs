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
    let workers = workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    tracing::info!(
        %addr,
        workers,
        code_systems = t.catalog().len(),
        index_bytes = t.index_bytes().unwrap_or(0),
        "serving"
    );
    eprintln!(
        "Concord serving {} code system versions on http://{addr} (data: {})",
        t.catalog().len(),
        data.display()
    );
    crate::http::run(t, addr, workers).with_context(|| format!("serving on {addr}"))
}

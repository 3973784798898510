//! `concord openapi`: the OpenAPI document the server serves, written to a file.

use anyhow::{Context, Result};
use std::path::Path;

/// The OpenAPI document as pretty JSON (what `concord openapi` writes).
pub fn openapi_json() -> Result<String> {
    Ok(crate::http::openapi::document().to_pretty_json()? + "\n")
}

/// `concord openapi`.
pub fn write_openapi(out: &Path) -> Result<()> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, openapi_json()?).with_context(|| format!("writing {}", out.display()))
}

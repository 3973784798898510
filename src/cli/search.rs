//! `concord search`: the typeahead engine of `/search`, offline.

use super::common::*;
use crate::ops::{RequestContext, valueset};
use anyhow::{Result, anyhow};
use std::path::Path;
use std::process::ExitCode;

/// What `concord search` was asked.
#[derive(Debug, Clone)]
pub struct SearchArgs {
    /// Code system.
    pub system: Option<String>,
    /// Version.
    pub version: Option<String>,
    /// ECL scope.
    pub ecl: Option<String>,
    /// Value set scope.
    pub value_set: Option<String>,
    /// Dialect.
    pub language: String,
    /// Page size.
    pub limit: usize,
    /// Page start.
    pub offset: usize,
    /// Active concepts only.
    pub active_only: bool,
    /// JSON output.
    pub json: bool,
    /// The words.
    pub text: String,
}

/// `concord search`: the `/search` engine, offline.
pub fn search(data: &Path, a: SearchArgs) -> Result<ExitCode> {
    let t = open(data, &a.language)?;
    let ctx = RequestContext {
        languages: vec![a.language.clone()],
        ..Default::default()
    };
    let system = match a.system {
        Some(s) => system_url(&s),
        None => crate::ops::search::default_system(&t)
            .ok_or_else(|| {
                anyhow!(
                    "give --system (no SNOMED CT release is loaded, and not exactly one ICD classification)"
                )
            })?,
    };
    let value_set = match &a.value_set {
        Some(url) => Some(valueset::resolve_value_set(&t, &ctx, url, None)?),
        None => None,
    };
    let req = crate::ops::search::SearchRequest {
        text: a.text,
        system,
        version: a.version,
        ecl: a.ecl,
        value_set,
        refset: None,
        offset: a.offset,
        limit: a.limit.max(1),
        active_only: a.active_only,
    };
    let r = match crate::ops::search::search(&t, &ctx, &req) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        for h in &r.hits {
            let preferred = h
                .preferred
                .as_ref()
                .filter(|p| **p != h.term)
                .map(|p| format!("  [{p}]"))
                .unwrap_or_default();
            let category = h
                .category
                .as_ref()
                .map(|c| format!("  ({c})"))
                .unwrap_or_default();
            println!("{:<18} {}{preferred}{category}", h.code, h.term);
        }
        eprintln!(
            "{} of {} concepts in {}|{}",
            r.hits.len(),
            r.total,
            r.system,
            r.version
        );
    }
    Ok(if r.total > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

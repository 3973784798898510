//! FHIR R4 terminology resources: `CodeSystem`, `ValueSet` and `ConceptMap` from JSON files,
//! `Bundle`s, folders, and FHIR npm packages (`.tgz` with a `package/` folder). Resources are
//! handed on as JSON values (the store keeps them whole); other resource types are counted as
//! skipped, never dropped silently.

pub mod concepts;

use crate::source::{self, Member};
use crate::{Error, Result};
use flate2::read::GzDecoder;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// A terminology resource and where it came from.
#[derive(Debug, Clone)]
pub struct FhirResource {
    /// `CodeSystem`, `ValueSet` or `ConceptMap`.
    pub resource_type: String,
    /// The resource JSON.
    pub json: Value,
    /// File (and package member) it was read from.
    pub source: String,
}

/// The terminology resources of one path, plus counts of what was skipped by resource type.
#[derive(Debug, Default)]
pub struct FhirContent {
    /// CodeSystem, ValueSet and ConceptMap resources in source order.
    pub resources: Vec<FhirResource>,
    /// Other resources (by `resourceType`) and non-resource files (`(not a resource)`).
    pub skipped: BTreeMap<String, u64>,
    /// npm package name and version when read from a package.
    pub package: Option<(String, String)>,
}

const WANTED: &[&str] = &["CodeSystem", "ValueSet", "ConceptMap"];

/// Reads every terminology resource below `path`.
pub fn read(path: &Path) -> Result<FhirContent> {
    let shown = path.display().to_string();
    let lower = shown.to_lowercase();
    let mut out = FhirContent::default();
    if lower.ends_with(".tgz") || lower.ends_with(".tar.gz") {
        let file = std::fs::File::open(path).map_err(|e| Error::file(&shown, e.to_string()))?;
        let mut archive = tar::Archive::new(GzDecoder::new(std::io::BufReader::new(file)));
        let entries = archive
            .entries()
            .map_err(|e| Error::file(&shown, format!("not a readable .tgz package: {e}")))?;
        for entry in entries {
            let mut entry = entry.map_err(|e| {
                Error::file(&shown, format!("corrupt .tgz package (truncated?): {e}"))
            })?;
            let name = entry
                .path()
                .map(|p| p.to_string_lossy().to_string())
                .unwrap_or_default();
            if !name.ends_with(".json") {
                continue;
            }
            let mut text = String::new();
            entry
                .read_to_string(&mut text)
                .map_err(|e| Error::file(format!("{shown}!{name}"), format!("cannot read: {e}")))?;
            let where_ = format!("{shown}!{name}");
            if name.ends_with("package/package.json") {
                let v: Value = parse_json(&where_, &text)?;
                let s = |k: &str| {
                    v.get(k)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                };
                out.package = Some((s("name"), s("version")));
                continue;
            }
            if name.rsplit('/').next().is_some_and(|b| b.starts_with('.'))
                || name.contains("/other/")
                || name.contains("/example/")
            {
                *out.skipped
                    .entry("(package index or example)".into())
                    .or_default() += 1;
                continue;
            }
            add(&mut out, &where_, parse_json(&where_, &text)?);
        }
        return Ok(out);
    }
    for member in source::members(path)? {
        if !member.base_name().ends_with(".json") {
            *out.skipped.entry("(not a .json file)".into()).or_default() += 1;
            continue;
        }
        read_member(&member, &mut out)?;
    }
    Ok(out)
}

fn read_member(member: &Member, out: &mut FhirContent) -> Result<()> {
    let text = member.read_to_string()?;
    let where_ = member.display();
    add(out, &where_, parse_json(&where_, &text)?);
    Ok(())
}

/// Parses JSON with the error's line in the message.
pub fn parse_json(file: &str, text: &str) -> Result<Value> {
    serde_json::from_str(text)
        .map_err(|e| Error::line(file, e.line() as u64, format!("malformed JSON: {e}")))
}

fn add(out: &mut FhirContent, source: &str, v: Value) {
    let rt = v
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if rt == "Bundle" {
        if let Some(entries) = v.get("entry").and_then(Value::as_array) {
            for e in entries {
                if let Some(r) = e.get("resource") {
                    add(out, source, r.clone());
                }
            }
        }
        return;
    }
    if WANTED.contains(&rt.as_str()) {
        out.resources.push(FhirResource {
            resource_type: rt,
            json: v,
            source: source.to_string(),
        });
    } else {
        let key = if rt.is_empty() {
            "(not a resource)".to_string()
        } else {
            rt
        };
        *out.skipped.entry(key).or_default() += 1;
    }
}

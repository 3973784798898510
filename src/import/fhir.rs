//! FHIR resource import: CodeSystem concepts (nested or flat, with designations, properties and
//! `parent`/`subsumedBy` links) become the same concept/designation/property/is-a rows as every
//! other family; the resource itself (without `concept`) is kept for read and search. ValueSets
//! and ConceptMaps are stored whole. A resource with the same url and version as a loaded one
//! replaces it.

use super::{SourceReport, replace_existing};
use crate::store::Store;
use crate::store::write::{NewCodeSystem, ResourceTable};
use anyhow::Result;
use concord_loaders::fhir_res::{FhirContent, FhirResource};
use serde_json::Value;
use std::path::Path;

/// Imports every resource of `content`.
pub fn import(store: &Store, path: &Path, content: &FhirContent) -> Result<SourceReport> {
    let mut report = SourceReport::new(path, "fhir");
    if let Some((n, v)) = &content.package {
        report.note(format!("FHIR package {n}#{v}"));
    }
    for (kind, n) in &content.skipped {
        report.note(format!("skipped {n} × {kind} (not terminology resources)"));
    }
    let (mut cs_n, mut vs_n, mut cm_n) = (0, 0, 0);
    for r in &content.resources {
        let Some(url) = r.json.get("url").and_then(Value::as_str) else {
            report.warn(format!(
                "{}: {} without a url is not loaded",
                r.source, r.resource_type
            ));
            continue;
        };
        let version = r.json.get("version").and_then(Value::as_str).unwrap_or("");
        match r.resource_type.as_str() {
            "CodeSystem" => {
                code_system(store, r, url, version, &mut report)?;
                cs_n += 1;
            }
            "ValueSet" => {
                if store.put_resource(ResourceTable::ValueSet, url, version, &r.json, &r.source)? {
                    report.note(format!("ValueSet {url}|{version} replaced by {}", r.source));
                }
                vs_n += 1;
            }
            _ => {
                if store.put_resource(
                    ResourceTable::ConceptMap,
                    url,
                    version,
                    &r.json,
                    &r.source,
                )? {
                    report.note(format!(
                        "ConceptMap {url}|{version} replaced by {}",
                        r.source
                    ));
                }
                cm_n += 1;
            }
        }
    }
    report.total_rows = content.resources.len() as u64;
    report.rows.push(("CodeSystem".into(), cs_n));
    report.rows.push(("ValueSet".into(), vs_n));
    report.rows.push(("ConceptMap".into(), cm_n));
    Ok(report)
}

fn code_system(
    store: &Store,
    r: &FhirResource,
    url: &str,
    version: &str,
    report: &mut SourceReport,
) -> Result<()> {
    let s = |k: &str| r.json.get(k).and_then(Value::as_str).map(str::to_string);
    let mut header = r.json.clone();
    if let Some(o) = header.as_object_mut() {
        o.remove("concept");
    }
    let cs = store.insert_code_system(&NewCodeSystem {
        url: url.into(),
        version: format!("pending:{}", r.source),
        family: "fhir".into(),
        name: s("name"),
        title: s("title"),
        status: s("status"),
        content: s("content").unwrap_or_else(|| "complete".into()),
        hierarchy_meaning: s("hierarchyMeaning"),
        resource: Some(serde_json::to_string(&header)?),
        source: r.source.clone(),
        ..Default::default()
    })?;
    replace_existing(store, cs, url, version, report)?;
    if let Some(concepts) = r.json.get("concept").and_then(Value::as_array) {
        for c in concepts {
            concept(store, cs, c, None)?;
        }
    }
    report.code_systems.push((
        url.to_string(),
        version.to_string(),
        store.concept_count(cs)?,
    ));
    Ok(())
}

fn concept(store: &Store, cs: i64, c: &Value, parent: Option<&str>) -> Result<()> {
    let Some(code) = c.get("code").and_then(Value::as_str) else {
        return Ok(());
    };
    let display = c.get("display").and_then(Value::as_str);
    let mut active = true;
    for p in c
        .get("property")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = p.get("code").and_then(Value::as_str).unwrap_or_default();
        let Some((kind, value)) = property_value(p) else {
            continue;
        };
        if (name == "status" && matches!(value.as_str(), "retired" | "inactive" | "deprecated"))
            || (name == "inactive" && value == "true")
        {
            active = false;
        }
        if matches!(name, "parent" | "subsumedBy") && kind == "code" {
            store.insert_is_a(cs, code, &value)?;
        }
        store.insert_property(cs, code, name, &kind, &value)?;
    }
    store.insert_concept(cs, code, display, active, None)?;
    if let Some(def) = c.get("definition").and_then(Value::as_str) {
        store.insert_property(cs, code, "definition", "string", def)?;
    }
    for (i, d) in c
        .get("designation")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let Some(term) = d.get("value").and_then(Value::as_str) else {
            continue;
        };
        let use_code = d.pointer("/use/code").and_then(Value::as_str);
        store.insert_designation(
            cs,
            &format!("{code}#{i}"),
            code,
            d.get("language").and_then(Value::as_str),
            use_code,
            term,
        )?;
    }
    if let Some(p) = parent {
        store.insert_is_a(cs, code, p)?;
    }
    for child in c
        .get("concept")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        concept(store, cs, child, Some(code))?;
    }
    Ok(())
}

/// `(kind, value as text)` of a CodeSystem concept property.
fn property_value(p: &Value) -> Option<(String, String)> {
    let o = p.as_object()?;
    for (k, v) in o {
        if let Some(kind) = k.strip_prefix("value") {
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Object(_) => serde_json::to_string(v).ok()?,
                other => other.to_string(),
            };
            let kind = if kind == "Coding" {
                "Coding".to_string()
            } else {
                kind.to_ascii_lowercase()
            };
            let kind = if kind == "datetime" {
                "dateTime".to_string()
            } else {
                kind
            };
            return Some((kind, text));
        }
    }
    None
}

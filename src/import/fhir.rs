//! FHIR resource import: CodeSystem concepts (nested or flat, with designations, properties and
//! `parent`/`subsumedBy` links) become the same concept/designation/property/is-a rows as every
//! other family; the resource itself (without `concept`) is kept for read and search. ValueSets
//! and ConceptMaps are stored whole. A resource with the same url and version as a loaded one
//! replaces it.

use super::{SourceReport, replace_existing};
use crate::store::Store;
use crate::store::write::{NewCodeSystem, NewDesignation, ResourceTable};
use anyhow::Result;
use concord_loaders::fhir_res::concepts::code_system_concepts;
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
    for (seq, c) in code_system_concepts(&r.json).into_iter().enumerate() {
        store.insert_concept(
            cs,
            &c.code,
            c.display.as_deref(),
            c.active,
            None,
            seq as i64,
        )?;
        for p in &c.properties {
            store.insert_property(cs, &c.code, &p.code, &p.kind, &p.value)?;
        }
        if let Some(def) = &c.definition {
            store.insert_property(cs, &c.code, "definition", "string", def)?;
        }
        for (i, d) in c.designations.iter().enumerate() {
            store.insert_designation(
                cs,
                &NewDesignation {
                    id: &format!("{}#{i}", c.code),
                    code: &c.code,
                    language: d.language.as_deref(),
                    use_code: d.use_code.as_deref(),
                    term: &d.value,
                    active: d.active,
                },
            )?;
        }
        for parent in &c.parents {
            store.insert_is_a(cs, &c.code, parent)?;
        }
    }
    report.code_systems.push((
        url.to_string(),
        version.to_string(),
        store.concept_count(cs)?,
    ));
    Ok(())
}

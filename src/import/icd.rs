//! ICD-10 family import: a [`Classification`] from the loaders becomes one code system version
//! with concepts (kind chapter/block/category), is-a edges from the parents, the long title as a
//! designation, and every rubric (inclusion, exclusion, note, excludes1, codeFirst, …) kept as a
//! property named after its kind. Dagger/asterisk marks become the `usage` property.

use super::{SourceReport, replace_existing};
use crate::store::Store;
use crate::store::write::{NewCodeSystem, NewDesignation};
use anyhow::Result;
use concord_loaders::icd10::Classification;
use std::path::Path;

/// Imports a parsed classification under `url`.
pub fn import(
    store: &Store,
    path: &Path,
    c: &Classification,
    url: &str,
    family: &str,
    version: Option<&str>,
) -> Result<SourceReport> {
    let mut report = SourceReport::new(path, family);
    let version = version
        .map(str::to_string)
        .unwrap_or_else(|| c.version.clone());
    let cs = store.insert_code_system(&NewCodeSystem {
        url: url.into(),
        version: format!("pending:{}", path.display()),
        family: family.into(),
        name: Some(c.name.replace('-', "")).filter(|s| !s.is_empty()),
        title: Some(c.title.clone()).filter(|s| !s.is_empty()),
        status: Some("active".into()),
        content: "complete".into(),
        release_date: c.date.clone(),
        hierarchy_meaning: Some("classified-with".into()),
        source: path.display().to_string(),
        ..Default::default()
    })?;
    replace_existing(store, cs, url, &version, &mut report)?;
    let mut generated = 0u64;
    for (seq, e) in c.entries.iter().enumerate() {
        store.insert_concept(
            cs,
            &e.code,
            Some(&e.display),
            true,
            Some(&e.kind),
            seq as i64,
        )?;
        store.insert_designation(
            cs,
            &NewDesignation {
                id: &format!("{}#preferred", e.code),
                code: &e.code,
                language: Some("en"),
                use_code: Some("preferred"),
                term: &e.display,
                active: true,
            },
        )?;
        store.insert_property(cs, &e.code, "kind", "code", &e.kind)?;
        if let Some(u) = &e.usage {
            store.insert_property(cs, &e.code, "usage", "code", u)?;
        }
        for (i, r) in e.rubrics.iter().enumerate() {
            if r.kind == "preferredLong" {
                store.insert_designation(
                    cs,
                    &NewDesignation {
                        id: &format!("{}#{i}", e.code),
                        code: &e.code,
                        language: r.language.as_deref(),
                        use_code: Some("preferredLong"),
                        term: &r.text,
                        active: true,
                    },
                )?;
            }
            store.insert_property(cs, &e.code, &r.kind, "string", &r.text)?;
        }
        for p in &e.parents {
            if p != &e.code {
                store.insert_is_a(cs, &e.code, p)?;
            }
        }
        generated += u64::from(e.generated);
    }
    report.total_rows = c.entries.len() as u64;
    if generated > 0 {
        report.note(format!(
            "{generated} codes generated from modifiers / 7th-character rules"
        ));
    }
    report
        .code_systems
        .push((url.to_string(), version, store.concept_count(cs)?));
    Ok(report)
}

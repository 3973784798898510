//! Resource views: CodeSystem summaries for read/search (the stored FHIR resource when there is
//! one, else a `content: not-present` summary for SNOMED CT / ICD-10), and searchset Bundles.

use crate::model::{CodeSystemVersion, Family};
use serde_json::{Value, json};

/// The id a loaded code system version is read by: the FHIR resource id, else one derived from
/// the family and version (`snomed-900000000000207008-20210731`, `icd10cm-2026`).
pub fn code_system_id(cs: &CodeSystemVersion, resource: Option<&Value>) -> String {
    if let Some(id) = resource.and_then(|r| r.get("id")).and_then(Value::as_str) {
        return id.to_string();
    }
    match cs.family {
        Family::Snomed => format!(
            "snomed-{}-{}",
            cs.edition_module.clone().unwrap_or_default(),
            cs.release_date.clone().unwrap_or_default()
        ),
        f => format!(
            "{}-{}",
            f.as_str(),
            cs.version
                .replace(|c: char| !c.is_ascii_alphanumeric() && c != '.', "-")
        ),
    }
}

/// A CodeSystem resource describing a loaded version (without its concepts).
pub fn code_system(cs: &CodeSystemVersion, stored: Option<Value>) -> Value {
    let id = code_system_id(cs, stored.as_ref());
    let mut r = stored.unwrap_or_else(|| {
        json!({
            "resourceType": "CodeSystem",
            "url": cs.url,
            "version": cs.version,
            "name": cs.name.clone().unwrap_or_else(|| cs.family.as_str().to_uppercase()),
            "title": cs.title,
            "status": "active",
            "hierarchyMeaning": "is-a",
        })
    });
    r["id"] = json!(id);
    r["content"] = json!("not-present");
    r["count"] = json!(cs.concept_count);
    if r.get("title").is_some_and(Value::is_null) {
        r.as_object_mut().map(|o| o.remove("title"));
    }
    r
}

/// A searchset Bundle: one page of the matches, the `total` of all of them, and its
/// `self`/`next`/`previous` links.
pub fn bundle(
    base: &str,
    resource_type: &str,
    entries: Vec<Value>,
    total: usize,
    links: &[(&str, String)],
) -> Value {
    let entry: Vec<Value> = entries
        .into_iter()
        .map(|r| {
            let id = r.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
            json!({"fullUrl": format!("{base}/{resource_type}/{id}"), "resource": r, "search": {"mode": "match"}})
        })
        .collect();
    let link: Vec<Value> = links
        .iter()
        .map(|(relation, url)| json!({"relation": relation, "url": url}))
        .collect();
    json!({"resourceType": "Bundle", "type": "searchset", "total": total, "link": link, "entry": entry})
}

//! A FHIR CodeSystem held in memory for one request (`tx-resource`): the same concept shape the
//! store holds, built from the resource JSON with the same rules the importer applies.

use super::hierarchy::Hierarchy;
use crate::model::{CodeSystemVersion, Concept, Designation, Family, Property};
use serde_json::Value;
use std::collections::HashMap;

/// One concept with everything the operations read.
#[derive(Debug, Clone)]
pub struct MemConcept {
    /// The concept.
    pub concept: Concept,
    /// Designations.
    pub designations: Vec<Designation>,
    /// Properties.
    pub properties: Vec<Property>,
    /// Parents.
    pub parents: Vec<String>,
}

/// A CodeSystem resource in memory.
#[derive(Debug)]
pub struct MemCodeSystem {
    /// Identity.
    pub meta: CodeSystemVersion,
    /// Concepts by code.
    pub concepts: HashMap<String, MemConcept>,
    /// Hierarchy.
    pub hierarchy: Hierarchy,
}

impl MemCodeSystem {
    /// Builds from CodeSystem JSON; `None` when it has no url.
    pub fn from_json(json: &Value) -> Option<Self> {
        let s = |k: &str| json.get(k).and_then(Value::as_str).map(str::to_string);
        let url = s("url")?;
        let mut concepts = HashMap::new();
        for c in json
            .get("concept")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            walk(c, None, &mut concepts);
        }
        let edges: Vec<(String, String)> = concepts
            .values()
            .flat_map(|c: &MemConcept| {
                c.parents
                    .iter()
                    .map(|p| (c.concept.code.clone(), p.clone()))
            })
            .collect();
        let hierarchy = Hierarchy::from_edges(edges.iter().map(|(a, b)| (a.as_str(), b.as_str())));
        Some(MemCodeSystem {
            meta: CodeSystemVersion {
                id: -1,
                url,
                version: s("version").unwrap_or_default(),
                family: Family::Fhir,
                name: s("name"),
                title: s("title"),
                content: s("content").unwrap_or_else(|| "complete".into()),
                edition_module: None,
                release_date: None,
                concept_count: concepts.len() as i64,
            },
            concepts,
            hierarchy,
        })
    }
}

fn walk(c: &Value, parent: Option<&str>, out: &mut HashMap<String, MemConcept>) {
    let Some(code) = c.get("code").and_then(Value::as_str) else {
        return;
    };
    let mut properties = Vec::new();
    let mut parents: Vec<String> = parent.map(str::to_string).into_iter().collect();
    let mut active = true;
    for p in c
        .get("property")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = p
            .get("code")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let Some((kind, value)) = p.as_object().and_then(|o| {
            o.iter().find_map(|(k, v)| {
                k.strip_prefix("value").map(|t| {
                    (
                        t.to_string(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
            })
        }) else {
            continue;
        };
        if (name == "status" && matches!(value.as_str(), "retired" | "inactive" | "deprecated"))
            || (name == "inactive" && value == "true")
        {
            active = false;
        }
        if matches!(name.as_str(), "parent" | "subsumedBy") {
            parents.push(value.clone());
        }
        let kind = match kind.as_str() {
            "Coding" => "Coding".to_string(),
            "DateTime" => "dateTime".to_string(),
            k => k.to_ascii_lowercase(),
        };
        properties.push(Property { name, kind, value });
    }
    if let Some(def) = c.get("definition").and_then(Value::as_str) {
        properties.push(Property {
            name: "definition".into(),
            kind: "string".into(),
            value: def.into(),
        });
    }
    let designations = c
        .get("designation")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, d)| {
            Some(Designation {
                id: format!("{code}#{i}"),
                language: d
                    .get("language")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                use_code: d
                    .pointer("/use/code")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                term: d.get("value").and_then(Value::as_str)?.to_string(),
                case_significance: None,
                active: true,
                acceptability: vec![],
            })
        })
        .collect();
    out.insert(
        code.to_string(),
        MemConcept {
            concept: Concept {
                code: code.to_string(),
                display: c.get("display").and_then(Value::as_str).map(str::to_string),
                active,
                effective_time: None,
                module: None,
                definition_status: None,
                kind: None,
            },
            designations,
            properties,
            parents,
        },
    );
    for child in c
        .get("concept")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        walk(child, Some(code), out);
    }
}

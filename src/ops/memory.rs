//! A FHIR CodeSystem held in memory for one request (`tx-resource`): the same concept shape the
//! store holds, built from the resource JSON with the same rules the importer applies.

use crate::index::hierarchy::Hierarchy;
use crate::model::{CodeSystemVersion, Concept, Designation, Family, Property};
use concord_loaders::fhir_res::concepts::code_system_concepts;
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
        let concepts: HashMap<String, MemConcept> = code_system_concepts(json)
            .into_iter()
            .map(|c| {
                let mut properties: Vec<Property> = c
                    .properties
                    .into_iter()
                    .map(|p| Property {
                        name: p.code,
                        kind: p.kind,
                        value: p.value,
                    })
                    .collect();
                if let Some(def) = c.definition {
                    properties.push(Property {
                        name: "definition".into(),
                        kind: "string".into(),
                        value: def,
                    });
                }
                let designations = c
                    .designations
                    .into_iter()
                    .enumerate()
                    .map(|(i, d)| Designation {
                        id: format!("{}#{i}", c.code),
                        language: d.language,
                        use_code: d.use_code,
                        term: d.value,
                        case_significance: None,
                        active: true,
                        acceptability: vec![],
                    })
                    .collect();
                let concept = Concept {
                    code: c.code.clone(),
                    display: c.display,
                    active: c.active,
                    effective_time: None,
                    module: None,
                    definition_status: None,
                    kind: None,
                };
                (
                    c.code,
                    MemConcept {
                        concept,
                        designations,
                        properties,
                        parents: c.parents,
                    },
                )
            })
            .collect();
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

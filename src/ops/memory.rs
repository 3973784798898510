//! A FHIR CodeSystem held in memory for one request (`tx-resource`): the same concept shape the
//! store holds. `fhir` builds it from the resource JSON with the importer's flattening rules.

use crate::index::hierarchy::Hierarchy;
use crate::model::{CodeSystemVersion, Concept, Designation, Property};
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
    /// Codes in the order the resource lists them (expansions follow it).
    pub order: Vec<String>,
    /// Hierarchy.
    pub hierarchy: Hierarchy,
}

impl MemCodeSystem {
    /// A code system of `concepts` (code and concept, in the resource's order) with the
    /// hierarchy their parents give; `meta.concept_count` is set here.
    pub fn new(mut meta: CodeSystemVersion, list: Vec<(String, MemConcept)>) -> Self {
        let order: Vec<String> = list.iter().map(|(c, _)| c.clone()).collect();
        let concepts: HashMap<String, MemConcept> = list.into_iter().collect();
        let edges: Vec<(String, String)> = concepts
            .values()
            .flat_map(|c: &MemConcept| {
                c.parents
                    .iter()
                    .map(|p| (c.concept.code.clone(), p.clone()))
            })
            .collect();
        let hierarchy = Hierarchy::from_edges(edges.iter().map(|(a, b)| (a.as_str(), b.as_str())));
        meta.concept_count = concepts.len() as i64;
        MemCodeSystem {
            meta,
            concepts,
            order,
            hierarchy,
        }
    }
}

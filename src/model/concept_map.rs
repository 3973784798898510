//! A FHIR R4 ConceptMap as `$translate` reads it: groups of source elements with their targets,
//! dependencies and the group's `unmapped` rule. Deserialized from the resource's JSON (stored,
//! sent inline, or sent as a `tx-resource`) once, so the operations work on typed values and the
//! JSON field names live only here. Every member is optional: a map missing a field is read as
//! far as it goes, as before.

use serde::Deserialize;

/// A ConceptMap.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ConceptMap {
    /// Canonical URL.
    pub url: Option<String>,
    /// Business version.
    pub version: Option<String>,
    /// Groups (one source system → one target system each).
    pub group: Vec<MapGroup>,
}

/// `ConceptMap.group`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MapGroup {
    /// Source system.
    pub source: Option<String>,
    /// Target system.
    pub target: Option<String>,
    /// Mapped source codes.
    pub element: Vec<MapElement>,
    /// What happens to source codes no element lists.
    pub unmapped: Option<Unmapped>,
}

/// `ConceptMap.group.element`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MapElement {
    /// Source code.
    pub code: Option<String>,
    /// Source display.
    pub display: Option<String>,
    /// Targets.
    pub target: Vec<MapTarget>,
}

/// `ConceptMap.group.element.target`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MapTarget {
    /// Target code.
    pub code: Option<String>,
    /// Target display.
    pub display: Option<String>,
    /// R4 ConceptMapEquivalence.
    pub equivalence: Option<String>,
    /// Comment.
    pub comment: Option<String>,
    /// Other elements the mapping depends on.
    pub depends_on: Vec<MapDependency>,
    /// Other concepts the mapping produces.
    pub product: Vec<MapDependency>,
}

/// `dependsOn` / `product`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MapDependency {
    /// The element (property URI).
    pub property: Option<String>,
    /// Code system of the value.
    pub system: Option<String>,
    /// The value.
    pub value: Option<String>,
    /// Display of the value.
    pub display: Option<String>,
}

/// `ConceptMap.group.unmapped`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Unmapped {
    /// `provided` | `fixed` | `other-map`.
    pub mode: Option<String>,
    /// The fixed code.
    pub code: Option<String>,
    /// Its display.
    pub display: Option<String>,
    /// The other map (`other-map`).
    pub url: Option<String>,
}

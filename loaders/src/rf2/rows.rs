//! Typed RF2 rows, named after the RF2 columns (snake_case). Ids are checked SCTIDs (`u64`)
//! except refset member ids (UUIDs) and effective times, kept as `yyyymmdd` text (empty for
//! unpublished content, which sorts as newer than any date in [`newer_or_same`]).

/// `sct2_Concept` row.
#[derive(Debug, Clone, PartialEq)]
pub struct ConceptRow {
    /// Concept SCTID.
    pub id: u64,
    /// `yyyymmdd`, or empty for unpublished content.
    pub effective_time: String,
    /// Active flag.
    pub active: bool,
    /// Module SCTID.
    pub module_id: u64,
    /// Primitive (900000000000074008) or fully defined (900000000000073002).
    pub definition_status_id: u64,
}

/// `sct2_Description` or `sct2_TextDefinition` row.
#[derive(Debug, Clone, PartialEq)]
pub struct DescriptionRow {
    /// Description SCTID.
    pub id: u64,
    /// `yyyymmdd` or empty.
    pub effective_time: String,
    /// Active flag.
    pub active: bool,
    /// Module SCTID.
    pub module_id: u64,
    /// The concept described.
    pub concept_id: u64,
    /// ISO 639-1 language code.
    pub language_code: String,
    /// FSN, synonym or definition type SCTID.
    pub type_id: u64,
    /// The term.
    pub term: String,
    /// Case significance SCTID.
    pub case_significance_id: u64,
}

/// `sct2_Relationship`, `sct2_StatedRelationship` or `sct2_RelationshipConcreteValues` row.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationshipRow {
    /// Relationship SCTID.
    pub id: u64,
    /// `yyyymmdd` or empty.
    pub effective_time: String,
    /// Active flag.
    pub active: bool,
    /// Module SCTID.
    pub module_id: u64,
    /// Source concept.
    pub source_id: u64,
    /// Destination concept (absent for concrete values).
    pub destination_id: Option<u64>,
    /// Concrete value as written in RF2 (`#12.5`, `"text"`), for concrete-value rows.
    pub value: Option<String>,
    /// Role group number (0 = ungrouped).
    pub relationship_group: i64,
    /// Attribute type SCTID.
    pub type_id: u64,
    /// Inferred / stated / additional.
    pub characteristic_type_id: u64,
    /// Existential / universal.
    pub modifier_id: u64,
}

/// Any reference set member: the six common columns plus the pattern's extra columns as text.
#[derive(Debug, Clone, PartialEq)]
pub struct RefsetRow {
    /// Member UUID.
    pub id: String,
    /// `yyyymmdd` or empty.
    pub effective_time: String,
    /// Active flag.
    pub active: bool,
    /// Module SCTID.
    pub module_id: u64,
    /// The refset concept.
    pub refset_id: u64,
    /// The member component (concept, description or relationship SCTID).
    pub referenced_component_id: String,
    /// Extra columns, one per pattern letter, in file order.
    pub fields: Vec<String>,
}

/// One row of any RF2 file Concord stores.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// Concept file row.
    Concept(ConceptRow),
    /// Description or text definition row.
    Description(DescriptionRow),
    /// Relationship (any characteristic) or concrete value row.
    Relationship(RelationshipRow),
    /// Refset member row.
    Refset(RefsetRow),
}

/// RF2 "latest row wins": true when a row with effective time `new` replaces one with `old`.
/// Unpublished rows (empty effective time) are newer than every published one.
pub fn newer_or_same(new: &str, old: &str) -> bool {
    match (new.is_empty(), old.is_empty()) {
        (true, _) => true,
        (false, true) => false,
        (false, false) => new >= old,
    }
}

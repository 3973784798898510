//! The canonical clinical model: the words every other module shares. No I/O here.
//!
//! One model serves every code system family: a [`CodeSystemVersion`] owns concepts, each with
//! designations, properties and parents; SNOMED CT adds relationships and refset members on the
//! same shape. Well-known SNOMED CT ids live in [`sct`], canonical URLs in [`uri`].

pub mod concept_map;
pub mod expression;
pub mod nesting;
pub mod rf2_fields;
pub mod sct;
pub mod uri;
pub mod value_set;

use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// The kind prefix of a property that stands for a concept extension (`extension:string`,
/// `extension:decimal`: label, order, weight, shown in expansions; `extension:echo`: rendering
/// hints carried to expansions as extensions). The FHIR loader writes it
/// (`concord_loaders::fhir_res::concepts::EXTENSION_KIND`; a test holds the two equal).
pub const EXTENSION_KIND: &str = "extension:";

/// The family a code system belongs to; decides which importer built it and which rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// SNOMED CT from RF2.
    Snomed,
    /// WHO ICD-10 (ClaML).
    Icd10,
    /// ICD-10-CM (CDC tabular XML or CMS flat file).
    Icd10cm,
    /// A FHIR CodeSystem resource.
    Fhir,
}

impl Family {
    /// Lower-case name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Snomed => "snomed",
            Family::Icd10 => "icd10",
            Family::Icd10cm => "icd10cm",
            Family::Fhir => "fhir",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "snomed" => Some(Family::Snomed),
            "icd10" => Some(Family::Icd10),
            "icd10cm" => Some(Family::Icd10cm),
            "fhir" => Some(Family::Fhir),
            _ => None,
        }
    }
}

/// The extension giving a resource's standards status (`deprecated`, `withdrawn`, …).
pub const STANDARDS_STATUS: &str =
    "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status";

/// One loaded version of a code system.
#[derive(Debug, Clone, Serialize)]
pub struct CodeSystemVersion {
    /// Store key.
    pub id: i64,
    /// Canonical URL (`http://snomed.info/sct`).
    pub url: String,
    /// Version (for SNOMED CT the version URI).
    pub version: String,
    /// Family.
    pub family: Family,
    /// Computer-friendly name.
    pub name: Option<String>,
    /// Human title.
    pub title: Option<String>,
    /// FHIR content mode (`complete`, `fragment`, `not-present`, …).
    pub content: String,
    /// SNOMED CT edition module id.
    pub edition_module: Option<String>,
    /// Release date `yyyymmdd` where known.
    pub release_date: Option<String>,
    /// Number of concepts.
    pub concept_count: i64,
    /// The properties the code system declares: (code, uri) (FHIR CodeSystem.property).
    pub property_uris: Vec<(String, String)>,
    /// The language of its displays (FHIR CodeSystem.language).
    pub language: Option<String>,
    /// Publication status (`draft`, `active`, `retired`).
    pub status: Option<String>,
    /// Marked experimental (for testing, not real use).
    pub experimental: bool,
    /// Standards status extension (`deprecated`, `withdrawn`, …).
    pub standards_status: Option<String>,
    /// Codes differ by case (FHIR `caseSensitive`; true unless the code system says false).
    pub case_sensitive: bool,
    /// The code system a supplement supplements (FHIR `supplements`).
    pub supplements: Option<String>,
}

impl CodeSystemVersion {
    /// A CodeSystem resource without its codes (`content = not-present`, as the HL7 packages
    /// declare SNOMED CT or LOINC): no code can be looked up in it, so it counts as not loaded.
    pub fn is_stub(&self) -> bool {
        self.content == "not-present"
    }

    /// `url|version`, or the url alone for a code system without a version (how expansions
    /// and messages name the version used).
    pub fn canonical(&self) -> String {
        match self.version.as_str() {
            "" => self.url.clone(),
            v => format!("{}|{v}", self.url),
        }
    }
}

/// A concept (or class, or code) of one code system version.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Concept {
    /// The code.
    pub code: String,
    /// Default display.
    pub display: Option<String>,
    /// Active flag.
    pub active: bool,
    /// `yyyymmdd` of the current row (SNOMED CT).
    pub effective_time: Option<String>,
    /// Module id (SNOMED CT).
    pub module: Option<String>,
    /// Definition status id (SNOMED CT).
    pub definition_status: Option<String>,
    /// Kind (`chapter`, `block`, `category` for ICD-10).
    pub kind: Option<String>,
}

/// A designation (SNOMED CT description, ICD label, FHIR designation).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Designation {
    /// Description id or synthetic key.
    pub id: String,
    /// Language code.
    pub language: Option<String>,
    /// Use: SNOMED description type id, or a FHIR designation use code.
    pub use_code: Option<String>,
    /// The term.
    pub term: String,
    /// Case significance id (SNOMED CT).
    pub case_significance: Option<String>,
    /// Active flag.
    pub active: bool,
    /// Acceptability per language refset: (refset id, acceptability id).
    pub acceptability: Vec<(String, String)>,
    /// Extensions passed on with it (FHIR designations sent with a request): (url, value key,
    /// value as text). Not kept by the store yet.
    pub extensions: Vec<(String, String, String)>,
}

/// What the operations read of a designation, borrowed from where it is held (the in-memory
/// index) or owned (read from the store, or sent with the request). Reading a concept's
/// designations this way costs no copy of its terms.
#[derive(Debug, Clone, PartialEq)]
pub struct DesignationView<'a> {
    /// Language code.
    pub language: Option<Cow<'a, str>>,
    /// Use: SNOMED description type id, or a FHIR designation use code.
    pub use_code: Option<Cow<'a, str>>,
    /// The term.
    pub term: Cow<'a, str>,
    /// Case significance id (SNOMED CT).
    pub case_significance: Option<Cow<'a, str>>,
    /// Active flag.
    pub active: bool,
    /// Acceptability per language refset: (refset id, acceptability id).
    pub acceptability: Cow<'a, [(String, String)]>,
    /// The supplement it comes from (`url|version`), when not from the code system itself.
    pub source: Option<Cow<'a, str>>,
    /// Extensions passed on with it: (url, value key, value as text).
    pub extensions: Cow<'a, [(String, String, String)]>,
}

impl From<Designation> for DesignationView<'_> {
    fn from(d: Designation) -> Self {
        DesignationView {
            language: d.language.map(Cow::Owned),
            use_code: d.use_code.map(Cow::Owned),
            term: Cow::Owned(d.term),
            case_significance: d.case_significance.map(Cow::Owned),
            active: d.active,
            acceptability: Cow::Owned(d.acceptability),
            source: None,
            extensions: Cow::Owned(d.extensions),
        }
    }
}

/// A property value of a concept.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Property {
    /// Property code (`kind`, `inclusion`, `excludes1`, or a FHIR property code).
    pub name: String,
    /// Value type: `code`, `string`, `boolean`, `integer`, `decimal`, `dateTime`, `Coding`.
    pub kind: String,
    /// Value as text.
    pub value: String,
}

/// A SNOMED CT relationship (attribute), possibly concrete.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Relationship {
    /// Relationship id.
    pub id: String,
    /// Attribute type id.
    pub type_id: String,
    /// Destination concept (absent for concrete values).
    pub destination: Option<String>,
    /// Concrete value as written in RF2 (`#5`, `"text"`).
    pub value: Option<String>,
    /// Role group.
    pub group: i64,
    /// Characteristic type id.
    pub characteristic: String,
}

/// A historical association or inactivation reason of an inactive SNOMED CT concept.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Association {
    /// Association refset id (REPLACED BY, SAME AS, …).
    pub refset: String,
    /// Target concept.
    pub target: String,
}

#[cfg(test)]
mod extension_kind_tests {
    #[test]
    fn the_loader_and_the_model_name_extension_properties_alike() {
        assert_eq!(
            super::EXTENSION_KIND,
            concord_loaders::fhir_res::concepts::EXTENSION_KIND
        );
    }
}

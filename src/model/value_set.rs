//! A FHIR R4 ValueSet as `$expand` and `$validate-code` read it: the `compose` (includes and
//! excludes of concepts, filters and other value sets) and, for value sets published only as an
//! expansion, `expansion.contains`. Deserialized from the resource's JSON (stored, sent inline,
//! or sent as a `tx-resource`) once, so the operations work on typed values and the JSON field
//! names live only here. Every member is optional, as in FHIR.

use serde::Deserialize;

/// A ValueSet.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ValueSet {
    /// Canonical URL.
    pub url: Option<String>,
    /// Business version.
    pub version: Option<String>,
    /// Computer name.
    pub name: Option<String>,
    /// Human title.
    pub title: Option<String>,
    /// publication status.
    pub status: Option<String>,
    /// For testing, not real use.
    pub experimental: Option<bool>,
    /// Date last changed.
    pub date: Option<String>,
    /// Publisher.
    pub publisher: Option<String>,
    /// Natural language description.
    pub description: Option<String>,
    /// The definition.
    pub compose: Option<Compose>,
    /// A published expansion (used when there is no compose).
    pub expansion: Option<Expansion>,
}

/// `ValueSet.compose`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Compose {
    /// Whether inactive codes are in the value set (absent: the server decides).
    pub inactive: Option<bool>,
    /// What is included.
    pub include: Vec<ComposeItem>,
    /// What is excluded.
    pub exclude: Vec<ComposeItem>,
}

/// `ValueSet.compose.include` / `exclude`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ComposeItem {
    /// Code system.
    pub system: Option<String>,
    /// Code system version.
    pub version: Option<String>,
    /// Listed concepts.
    pub concept: Vec<ComposeConcept>,
    /// Filters (all must hold).
    pub filter: Vec<ComposeFilter>,
    /// Value sets whose intersection this item takes.
    pub value_set: Vec<String>,
}

/// `ValueSet.compose.include.concept`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ComposeConcept {
    /// The code.
    pub code: String,
    /// A display for this value set.
    pub display: Option<String>,
    /// Other designations for this value set.
    pub designation: Vec<ComposeDesignation>,
}

/// `ValueSet.compose.include.concept.designation`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ComposeDesignation {
    /// Language.
    pub language: Option<String>,
    /// Use.
    #[serde(rename = "use")]
    pub use_: Option<PlainCoding>,
    /// Term.
    pub value: String,
}

/// A Coding as a value set names it (also how a `Coding`-valued property is stored).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PlainCoding {
    /// System.
    pub system: Option<String>,
    /// Version.
    pub version: Option<String>,
    /// Code.
    pub code: Option<String>,
    /// Display.
    pub display: Option<String>,
}

/// `ValueSet.compose.include.filter`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ComposeFilter {
    /// Property (`concept`, `code`, `constraint`, a code system property).
    pub property: String,
    /// Operator (`is-a`, `=`, `in`, `regex`, …).
    pub op: String,
    /// Value.
    pub value: String,
}

/// `ValueSet.expansion`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Expansion {
    /// The codes.
    pub contains: Vec<Contains>,
}

/// `ValueSet.expansion.contains`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Contains {
    /// System.
    pub system: Option<String>,
    /// Version.
    pub version: Option<String>,
    /// Code (absent for a grouping entry).
    pub code: Option<String>,
    /// Display.
    pub display: Option<String>,
    /// Not selectable.
    #[serde(rename = "abstract")]
    pub abstract_: Option<bool>,
    /// Inactive.
    pub inactive: Option<bool>,
    /// Nested entries.
    pub contains: Vec<Contains>,
}

impl PlainCoding {
    /// A `Coding` property value as the store keeps it (its JSON text).
    pub fn from_stored(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }
}

impl ValueSet {
    /// `url|version` for messages.
    pub fn canonical(&self) -> String {
        let url = self.url.as_deref().unwrap_or("(contained)");
        match &self.version {
            Some(v) => format!("{url}|{v}"),
            None => url.to_string(),
        }
    }

    /// Every `expansion.contains` entry, nested ones flattened.
    pub fn expansion_codes(&self) -> Vec<&Contains> {
        fn walk<'a>(list: &'a [Contains], out: &mut Vec<&'a Contains>) {
            for c in list {
                out.push(c);
                walk(&c.contains, out);
            }
        }
        let mut out = Vec::new();
        if let Some(e) = &self.expansion {
            walk(&e.contains, &mut out);
        }
        out
    }
}

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
    /// Resource id (how a contained value set is referenced: `#id`).
    pub id: Option<String>,
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
    /// The language of its texts.
    pub language: Option<String>,
    /// The definition.
    pub compose: Option<Compose>,
    /// A published expansion (used when there is no compose).
    pub expansion: Option<Expansion>,
    /// Contained resources; value sets among them are referenced from the compose as `#id`.
    pub contained: Vec<ValueSet>,
    /// Extensions (the standards status among them).
    pub extension: Vec<Extension>,
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
    /// Extensions; `valueset-expansion-parameter` ones give expansion parameter defaults.
    pub extension: Vec<Extension>,
}

/// A FHIR extension, with the value types value sets use.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Extension {
    /// What it is.
    pub url: String,
    /// Nested extensions.
    pub extension: Vec<Extension>,
    /// A code value.
    pub value_code: Option<String>,
    /// A string value.
    pub value_string: Option<String>,
    /// A boolean value.
    pub value_boolean: Option<bool>,
    /// A canonical value.
    pub value_canonical: Option<String>,
    /// An integer value.
    pub value_integer: Option<i64>,
    /// A decimal value.
    pub value_decimal: Option<f64>,
    /// An id value.
    pub value_id: Option<String>,
}

impl Extension {
    /// The value with the name of its FHIR element (`valueCode`, `valueBoolean`, …), as text.
    pub fn typed_value(&self) -> Option<(&'static str, String)> {
        if let Some(v) = &self.value_code {
            Some(("valueCode", v.clone()))
        } else if let Some(v) = &self.value_string {
            Some(("valueString", v.clone()))
        } else if let Some(v) = &self.value_id {
            Some(("valueId", v.clone()))
        } else if let Some(v) = self.value_boolean {
            Some(("valueBoolean", v.to_string()))
        } else if let Some(v) = &self.value_canonical {
            Some(("valueCanonical", v.clone()))
        } else if let Some(v) = self.value_integer {
            Some(("valueInteger", v.to_string()))
        } else {
            self.value_decimal.map(|v| ("valueDecimal", v.to_string()))
        }
    }

    /// The value as text.
    pub fn value(&self) -> Option<String> {
        self.value_code
            .clone()
            .or_else(|| self.value_string.clone())
            .or_else(|| self.value_id.clone())
            .or_else(|| self.value_boolean.map(|b| b.to_string()))
    }
}

/// Extension giving a default for an expansion parameter (name and value parts).
const EXPANSION_PARAMETER: &str =
    "http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter";

impl Compose {
    /// The default the value set gives for expansion parameter `name`.
    pub fn expansion_parameter(&self, name: &str) -> Option<String> {
        self.extension
            .iter()
            .filter(|e| e.url == EXPANSION_PARAMETER)
            .find(|e| {
                e.extension
                    .iter()
                    .any(|p| p.url == "name" && p.value().as_deref() == Some(name))
            })
            .and_then(|e| e.extension.iter().find(|p| p.url == "value"))
            .and_then(Extension::value)
    }
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
    /// Extensions (`valueset-deprecated`, the standards status).
    pub extension: Vec<Extension>,
}

impl ComposeConcept {
    /// True when the value set marks this concept deprecated (`valueset-deprecated` true, or
    /// a standards status of deprecated).
    pub fn deprecated(&self) -> bool {
        self.extension.iter().any(|e| {
            let v = e.value();
            (e.url == "http://hl7.org/fhir/StructureDefinition/valueset-deprecated"
                && v.as_deref() == Some("true"))
                || (e.url == super::STANDARDS_STATUS && v.as_deref() == Some("deprecated"))
        })
    }
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
    /// Extensions (the SNOMED CT description id, a standards status).
    pub extension: Vec<Extension>,
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
    /// Extensions on `op` (`_op`): an R5 operator (`child-of`, …) sent to an R4 server travels in
    /// the 5.0 cross-version extension with `op` left out.
    #[serde(rename = "_op")]
    pub op_element: Option<ElementExtensions>,
}

/// The extensions of a primitive element (`_op` and the like).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ElementExtensions {
    /// The extensions.
    pub extension: Vec<CodeExtension>,
}

/// An extension with a code value.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CodeExtension {
    /// Extension URL.
    pub url: String,
    /// `valueCode`.
    pub value_code: Option<String>,
}

/// The 5.0 cross-version extension carrying an R5 filter operator.
pub const R5_FILTER_OP: &str =
    "http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.compose.include.filter.op";

impl ComposeFilter {
    /// The operator, from `op` or from the R5 cross-version extension on it.
    pub fn operator(&self) -> &str {
        if !self.op.is_empty() {
            return &self.op;
        }
        self.op_element
            .iter()
            .flat_map(|e| &e.extension)
            .find(|x| x.url == R5_FILTER_OP)
            .and_then(|x| x.value_code.as_deref())
            .unwrap_or_default()
    }
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
    /// A value set this one contains, by its `#id` reference.
    pub fn contained_value_set(&self, reference: &str) -> Option<&ValueSet> {
        let id = reference.strip_prefix('#')?;
        self.contained.iter().find(|c| c.id.as_deref() == Some(id))
    }

    /// The code system supplements it requires (`valueset-supplement`), as canonicals.
    pub fn supplements(&self) -> Vec<String> {
        self.extension
            .iter()
            .filter(|e| e.url == "http://hl7.org/fhir/StructureDefinition/valueset-supplement")
            .filter_map(|e| e.value_canonical.clone().or_else(|| e.value()))
            .collect()
    }

    /// The standards status extension's value (`deprecated`, `withdrawn`, …).
    pub fn standards_status(&self) -> Option<String> {
        self.extension
            .iter()
            .find(|e| e.url == super::STANDARDS_STATUS)
            .and_then(Extension::value)
    }

    /// `url|version` (or the url alone), as messages name the value set.
    pub fn canonical(&self) -> String {
        // tx.fhir.org's word for a value set without a url (sent inline).
        let url = self.url.as_deref().unwrap_or("(unidentified)");
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

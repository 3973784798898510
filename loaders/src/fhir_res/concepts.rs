//! The concepts of a FHIR CodeSystem resource, flattened: nesting and `parent`/`subsumedBy`
//! properties become parent links, `status` retired/inactive/deprecated and `inactive` = true
//! make a concept inactive, and property values keep their FHIR type. One reading for both the
//! importer and request-supplied (`tx-resource`) code systems.

use serde_json::Value;

/// A designation of a concept.
#[derive(Debug, Clone, PartialEq)]
pub struct FhirDesignation {
    /// Language.
    pub language: Option<String>,
    /// `use.code`.
    pub use_code: Option<String>,
    /// The term.
    pub value: String,
    /// False when its standards-status extension retires it (`withdrawn`, `retired`,
    /// `deprecated`): still understood as a display, no longer a correct one.
    pub active: bool,
    /// Extensions a server passes on with the designation (its SNOMED CT description id, its
    /// standards status): (url, value key, value as text).
    pub extensions: Vec<(String, String, String)>,
}

/// A property value of a concept.
#[derive(Debug, Clone, PartialEq)]
pub struct FhirProperty {
    /// Property code.
    pub code: String,
    /// FHIR type: code, string, boolean, integer, decimal, dateTime or Coding.
    pub kind: String,
    /// Value as text (Coding values as their JSON).
    pub value: String,
}

/// A concept with everything a terminology server reads.
#[derive(Debug, Clone, PartialEq)]
pub struct FhirConcept {
    /// Code.
    pub code: String,
    /// Display.
    pub display: Option<String>,
    /// Definition.
    pub definition: Option<String>,
    /// Active unless marked retired/inactive.
    pub active: bool,
    /// Designations.
    pub designations: Vec<FhirDesignation>,
    /// Properties in resource order.
    pub properties: Vec<FhirProperty>,
    /// Parents: the enclosing concept and `parent`/`subsumedBy` property values.
    pub parents: Vec<String>,
}

/// Every concept of a CodeSystem resource, depth first.
pub fn code_system_concepts(resource: &Value) -> Vec<FhirConcept> {
    let mut out = Vec::new();
    for c in resource
        .get("concept")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        walk(c, None, &mut out);
    }
    out
}

fn walk(c: &Value, parent: Option<&str>, out: &mut Vec<FhirConcept>) {
    let Some(code) = c.get("code").and_then(Value::as_str) else {
        return;
    };
    let mut concept = FhirConcept {
        code: code.to_string(),
        display: c.get("display").and_then(Value::as_str).map(str::to_string),
        definition: c
            .get("definition")
            .and_then(Value::as_str)
            .map(str::to_string),
        active: true,
        designations: Vec::new(),
        properties: Vec::new(),
        parents: parent.map(str::to_string).into_iter().collect(),
    };
    // The standards-status extension on a concept says the same as a status property.
    let standards = standards_status(c);
    concept.properties.extend(extension_properties(c));
    let has_status = c
        .get("property")
        .and_then(Value::as_array)
        .is_some_and(|ps| {
            ps.iter()
                .any(|p| p.get("code").and_then(Value::as_str) == Some("status"))
        });
    if let (Some(s), false) = (standards, has_status) {
        concept.properties.push(FhirProperty {
            code: "status".into(),
            kind: "code".into(),
            value: s.to_string(),
        });
        if matches!(s, "retired" | "withdrawn") {
            concept.active = false;
        }
    }
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
        let Some((kind, value)) = property_value(p) else {
            continue;
        };
        // A deprecated concept is still active (its use is discouraged, not invalid).
        if (name == "status" && matches!(value.as_str(), "retired" | "inactive"))
            || (name == "inactive" && value == "true")
        {
            concept.active = false;
        }
        if matches!(name.as_str(), "parent" | "subsumedBy")
            && kind == "code"
            && !concept.parents.contains(&value)
        {
            concept.parents.push(value.clone());
        }
        concept.properties.push(FhirProperty {
            code: name,
            kind,
            value,
        });
    }
    for d in c
        .get("designation")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(term) = d.get("value").and_then(Value::as_str) {
            concept.designations.push(FhirDesignation {
                language: d
                    .get("language")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                use_code: use_code(d),
                value: term.to_string(),
                active: !matches!(
                    standards_status(d),
                    Some("withdrawn" | "retired" | "deprecated")
                ),
                extensions: designation_extensions(d),
            });
        }
    }
    out.push(concept);
    for child in c
        .get("concept")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        walk(child, Some(code), out);
    }
}

/// The kind prefix of a property that comes from a concept extension rather than a declared
/// property: `extension:string` / `extension:decimal` (label, order, weight: shown in
/// expansions), `extension:echo` (rendering hints, carried to expansions as extensions).
pub const EXTENSION_KIND: &str = "extension:";

/// Concept extensions a terminology server passes on: `codesystem-label` → `label`,
/// `codesystem-conceptOrder` → `order`, `itemWeight` → `weight`, and the rendering hints
/// (`rendering-style`, `rendering-xhtml`) under their own URL.
fn extension_properties(c: &Value) -> Vec<FhirProperty> {
    const SD: &str = "http://hl7.org/fhir/StructureDefinition/";
    let mut out = Vec::new();
    for e in c
        .get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(url) = e.get("url").and_then(Value::as_str) else {
            continue;
        };
        let Some((key, v)) = e
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.starts_with("value")))
        else {
            continue;
        };
        let text = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let (code, kind) = match url.strip_prefix(SD) {
            Some("codesystem-label") => ("label".to_string(), "extension:string"),
            Some("codesystem-conceptOrder") => ("order".to_string(), "extension:decimal"),
            Some("itemWeight") => ("weight".to_string(), "extension:decimal"),
            Some("rendering-style" | "rendering-xhtml") if key == "valueString" => {
                (url.to_string(), "extension:echo")
            }
            _ => continue,
        };
        out.push(FhirProperty {
            code,
            kind: kind.to_string(),
            value: text,
        });
    }
    out
}

/// The designation extensions passed on to expansions (others are ignored, as unknown
/// extensions are): the SNOMED CT description id and the standards status.
pub fn designation_extensions(d: &Value) -> Vec<(String, String, String)> {
    const PASSED_ON: [&str; 2] = [
        "http://hl7.org/fhir/StructureDefinition/coding-sctdescid",
        "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
    ];
    d.get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let url = e.get("url").and_then(Value::as_str)?;
            if !PASSED_ON.contains(&url) {
                return None;
            }
            let (key, v) = e
                .as_object()?
                .iter()
                .find(|(k, _)| k.starts_with("value"))?;
            Some((url.to_string(), key.clone(), v.as_str()?.to_string()))
        })
        .collect()
}

/// The value of an element's standards-status extension.
fn standards_status(element: &Value) -> Option<&str> {
    element
        .get("extension")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|e| {
            e.get("url").and_then(Value::as_str)
                == Some(
                    "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
                )
        })
        .and_then(|e| e.get("valueCode").and_then(Value::as_str))
}

/// `(FHIR type, value as text)` of a concept property.
fn property_value(p: &Value) -> Option<(String, String)> {
    let (key, v) = p
        .as_object()?
        .iter()
        .find(|(k, _)| k.starts_with("value"))?;
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Object(_) => serde_json::to_string(v).ok()?,
        other => other.to_string(),
    };
    let kind = match &key["value".len()..] {
        "Coding" => "Coding".to_string(),
        "DateTime" => "dateTime".to_string(),
        k => k.to_ascii_lowercase(),
    };
    Some((kind, text))
}

/// The designation-usage code system, the default system of a designation's use.
const DESIGNATION_USAGE: &str = "http://terminology.hl7.org/CodeSystem/designation-usage";

/// A designation's use as stored: its code, or `system|code` when the use names another code
/// system than designation-usage (so it is given back with the system it came with).
fn use_code(d: &Value) -> Option<String> {
    let code = d.pointer("/use/code").and_then(Value::as_str)?;
    match d.pointer("/use/system").and_then(Value::as_str) {
        Some(system) if system != DESIGNATION_USAGE => Some(format!("{system}|{code}")),
        _ => Some(code.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn nesting_properties_and_status() {
        let cs = json!({"concept": [{"code": "a", "concept": [{"code": "b", "property": [{"code": "status", "valueCode": "retired"}, {"code": "parent", "valueCode": "c"}]}]}, {"code": "c", "definition": "C", "designation": [{"language": "fr", "value": "Cé"}]}]});
        let v = super::code_system_concepts(&cs);
        assert_eq!(
            v.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(v[1].parents, ["a", "c"]);
        assert!(!v[1].active);
        assert_eq!(v[2].designations[0].value, "Cé");
        assert_eq!(v[2].definition.as_deref(), Some("C"));
    }

    #[test]
    fn deprecated_concepts_stay_active_and_standards_status_is_their_status() {
        let cs = json!({"concept": [
            {"code": "d", "property": [{"code": "status", "valueCode": "deprecated"}]},
            {"code": "e", "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status", "valueCode": "deprecated"}]},
            {"code": "u", "designation": [{"use": {"system": "http://example.org/uses", "code": "old"}, "value": "x"}]}]});
        let v = super::code_system_concepts(&cs);
        assert!(v[0].active && v[1].active);
        assert_eq!(v[1].properties[0].code, "status");
        assert_eq!(v[1].properties[0].value, "deprecated");
        assert_eq!(
            v[2].designations[0].use_code.as_deref(),
            Some("http://example.org/uses|old")
        );
    }
}

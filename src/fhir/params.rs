//! Operation parameters from either wire form: a GET query (`code=…&system=…`, codings as
//! `system|code`) or a POST `Parameters` resource (`valueX`, `resource`, `part`). A parameter
//! written with no FHIR data type (`valueFoo`) or with more than one value is refused here.
//! Every error names the parameter and says how to fix it.

use crate::ops::{Coding, Error, Result};
use serde_json::Value;

/// One parameter value.
#[derive(Debug, Clone)]
pub enum ParamValue {
    /// A primitive (query value or `valueString`/`valueCode`/…).
    Text(String),
    /// A complex value (`valueCoding`, `valueCodeableConcept`, a `resource`, or `part`s).
    Json(Value),
}

/// Whether a `value[x]` key names a primitive or a complex FHIR data type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// `valueString`, `valueCode`, `valueBoolean`, …: the value is a JSON primitive.
    Primitive,
    /// `valueCoding`, `valueQuantity`, …: the value is a JSON object.
    Complex,
}

/// The kind of FHIR data type a `Parameters.parameter.value[x]` key names, `None` when the
/// suffix is no FHIR type (R4's open types, plus R5's `integer64` and `CodeableReference`,
/// which the terminology-ecosystem tests convert from).
pub fn value_kind(key: &str) -> Option<ValueKind> {
    const PRIMITIVE: &[&str] = &[
        "Base64Binary",
        "Boolean",
        "Canonical",
        "Code",
        "Date",
        "DateTime",
        "Decimal",
        "Id",
        "Instant",
        "Integer",
        "Integer64",
        "Markdown",
        "Oid",
        "PositiveInt",
        "String",
        "Time",
        "UnsignedInt",
        "Uri",
        "Url",
        "Uuid",
    ];
    const COMPLEX: &[&str] = &[
        "Address",
        "Age",
        "Annotation",
        "Attachment",
        "CodeableConcept",
        "CodeableReference",
        "Coding",
        "ContactDetail",
        "ContactPoint",
        "Contributor",
        "Count",
        "DataRequirement",
        "Distance",
        "Dosage",
        "Duration",
        "Expression",
        "HumanName",
        "Identifier",
        "Meta",
        "Money",
        "ParameterDefinition",
        "Period",
        "Quantity",
        "Range",
        "Ratio",
        "Reference",
        "RelatedArtifact",
        "SampledData",
        "Signature",
        "Timing",
        "TriggerDefinition",
        "UsageContext",
    ];
    let suffix = key.strip_prefix("value")?;
    if PRIMITIVE.contains(&suffix) {
        Some(ValueKind::Primitive)
    } else if COMPLEX.contains(&suffix) {
        Some(ValueKind::Complex)
    } else {
        None
    }
}

/// The parameters of one request.
#[derive(Debug, Clone, Default)]
pub struct Params {
    items: Vec<(String, ParamValue)>,
    /// How each parameter of a `Parameters` body was written (`valueBoolean`, `part`,
    /// `resource`, …), in order, for checking against the operation's definition.
    written: Vec<(String, String)>,
}

impl Params {
    /// From query pairs.
    pub fn from_query(pairs: Vec<(String, String)>) -> Self {
        Params {
            items: pairs
                .into_iter()
                .filter(|(k, _)| !k.starts_with('_'))
                .map(|(k, v)| (k, ParamValue::Text(v)))
                .collect(),
            written: Vec::new(),
        }
    }

    /// From a `Parameters` resource.
    pub fn from_parameters(body: &Value) -> Result<Self> {
        if body.get("resourceType").and_then(Value::as_str) != Some("Parameters") {
            return Err(Error::invalid(
                "body",
                "the request body must be a FHIR Parameters resource (resourceType 'Parameters')",
            ));
        }
        let list = match body.get("parameter") {
            None => &[][..],
            Some(Value::Array(a)) => a.as_slice(),
            Some(_) => {
                return Err(Error::invalid(
                    "parameter",
                    "Parameters.parameter must be an array of parameters",
                ));
            }
        };
        let mut items = Vec::new();
        let mut written = Vec::new();
        for p in list {
            let Some(name) = p.get("name").and_then(Value::as_str) else {
                return Err(Error::invalid(
                    "parameter",
                    "every Parameters.parameter needs a name",
                ));
            };
            // FHIR's inv-1: one value, resource or part set; and a value of a FHIR type.
            let given: Vec<&String> = p
                .as_object()
                .map(|o| {
                    o.keys()
                        .filter(|k| k.starts_with("value") || *k == "resource" || *k == "part")
                        .collect()
                })
                .unwrap_or_default();
            if let [_, _, ..] = given.as_slice() {
                let keys: Vec<&str> = given.iter().map(|k| k.as_str()).collect();
                return Err(Error::invalid(
                    name,
                    format!(
                        "parameter '{name}' has {} where a parameter takes one value, resource or part",
                        keys.join(" and ")
                    ),
                ));
            }
            let key = given.first().map(|k| k.to_string()).unwrap_or_default();
            if key.starts_with("value") && value_kind(&key).is_none() {
                return Err(Error::invalid(
                    name,
                    format!(
                        "parameter '{name}' is written as {key}, which is not a FHIR data type (valueString, valueCode, valueUri, valueBoolean, valueCoding, …)"
                    ),
                ));
            }
            written.push((name.to_string(), key));
            let value = if let Some(r) = p.get("resource") {
                ParamValue::Json(r.clone())
            } else if p.get("part").is_some() {
                ParamValue::Json(p.clone())
            } else if let Some((_, v)) = p
                .as_object()
                .and_then(|o| o.iter().find(|(k, _)| k.starts_with("value")))
            {
                match v {
                    Value::String(s) => ParamValue::Text(s.clone()),
                    Value::Bool(b) => ParamValue::Text(b.to_string()),
                    Value::Number(n) => ParamValue::Text(n.to_string()),
                    other => ParamValue::Json(other.clone()),
                }
            } else {
                return Err(Error::invalid(
                    name,
                    format!("parameter '{name}' has no value"),
                ));
            };
            items.push((name.to_string(), value));
        }
        Ok(Params { items, written })
    }

    /// The names given, in order (repeats included).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.items.iter().map(|(n, _)| n.as_str())
    }

    /// How each parameter of a `Parameters` body was written: (name, `valueX` / `part` /
    /// `resource`); empty for a query.
    pub fn written(&self) -> &[(String, String)] {
        &self.written
    }

    /// These parameters without any named `name`.
    pub fn without(&self, name: &str) -> Params {
        Params {
            written: self
                .written
                .iter()
                .filter(|(n, _)| n != name)
                .cloned()
                .collect(),
            items: self
                .items
                .iter()
                .filter(|(n, _)| n != name)
                .cloned()
                .collect(),
        }
    }

    /// Adds the parameters of `other` whose names this set does not have.
    pub fn extend_missing(&mut self, other: Params) {
        // Names present before, so a repeated parameter of `other` comes over whole.
        let own: std::collections::HashSet<String> =
            self.items.iter().map(|(n, _)| n.clone()).collect();
        for (k, v) in other.items {
            if !own.contains(&k) {
                self.items.push((k, v));
            }
        }
    }

    /// The value of a parameter that may appear at most once.
    fn single(&self, name: &str) -> Result<Option<&ParamValue>> {
        let mut it = self.all(name);
        let first = it.next();
        if it.next().is_some() {
            return Err(Error::invalid(
                name,
                format!("parameter '{name}' may appear only once"),
            ));
        }
        Ok(first)
    }

    /// Every value of a parameter.
    pub fn all(&self, name: &str) -> impl Iterator<Item = &ParamValue> {
        self.items
            .iter()
            .filter(move |(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// A single text parameter; repeated or complex values are errors.
    pub fn text(&self, name: &str) -> Result<Option<String>> {
        let first = self.single(name)?;
        match first {
            None => Ok(None),
            Some(ParamValue::Text(s)) if s.is_empty() => {
                Err(Error::invalid(name, format!("parameter '{name}' is empty")))
            }
            Some(ParamValue::Text(s)) => Ok(Some(s.clone())),
            Some(ParamValue::Json(_)) => Err(Error::invalid(
                name,
                format!("parameter '{name}' must be a primitive value"),
            )),
        }
    }

    /// Every text value of a repeating parameter.
    pub fn texts(&self, name: &str) -> Vec<String> {
        self.all(name)
            .filter_map(|v| {
                if let ParamValue::Text(s) = v {
                    Some(s.clone())
                } else {
                    None
                }
            })
            .collect()
    }

    /// A boolean parameter.
    pub fn boolean(&self, name: &str) -> Result<Option<bool>> {
        match self.text(name)?.as_deref() {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(v) => Err(Error::invalid(
                name,
                format!("parameter '{name}' must be true or false, not '{v}'"),
            )),
        }
    }

    /// A Coding parameter (`valueCoding`, or `system|code` in a query).
    pub fn coding(&self, name: &str) -> Result<Option<Coding>> {
        let first = self.single(name)?;
        match first {
            None => Ok(None),
            Some(ParamValue::Json(v)) => Ok(Some(coding_from_json(v))),
            Some(ParamValue::Text(s)) => match s.rsplit_once('|') {
                Some((system, code)) => Ok(Some(Coding {
                    system: Some(system.to_string()).filter(|s| !s.is_empty()),
                    code: Some(code.into()),
                    ..Default::default()
                })),
                None => Err(Error::invalid(
                    name,
                    format!(
                        "parameter '{name}' must be a Coding; in a query write it as system|code"
                    ),
                )),
            },
        }
    }

    /// A CodeableConcept parameter (POST only).
    pub fn codeable_concept(&self, name: &str) -> Result<Option<Vec<Coding>>> {
        match self.all(name).next() {
            None => Ok(None),
            Some(ParamValue::Json(v)) => {
                let codings: Vec<Coding> = v
                    .get("coding")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(coding_from_json)
                    .collect();
                if codings.is_empty() {
                    return Err(Error::invalid(
                        name,
                        format!("parameter '{name}' has no coding"),
                    ));
                }
                Ok(Some(codings))
            }
            Some(ParamValue::Text(_)) => Err(Error::invalid(
                name,
                format!(
                    "parameter '{name}' must be a CodeableConcept (send it with POST Parameters)"
                ),
            )),
        }
    }

    /// The `text` of a CodeableConcept parameter.
    pub fn codeable_concept_text(&self, name: &str) -> Option<String> {
        match self.all(name).next() {
            Some(ParamValue::Json(v)) => v.get("text").and_then(Value::as_str).map(str::to_string),
            _ => None,
        }
    }

    /// Resources passed in a parameter (`tx-resource`, `valueSet`).
    pub fn resources(&self, name: &str) -> Result<Vec<Value>> {
        self.all(name)
            .map(|v| match v {
                ParamValue::Json(r) if r.get("resourceType").is_some() => Ok(r.clone()),
                _ => Err(Error::invalid(
                    name,
                    format!("parameter '{name}' must carry a resource"),
                )),
            })
            .collect()
    }
}

/// A Coding from its JSON.
pub fn coding_from_json(v: &Value) -> Coding {
    let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Coding {
        system: s("system"),
        version: s("version"),
        code: s("code"),
        display: s("display"),
    }
}

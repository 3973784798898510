//! Operation parameters from either wire form: a GET query (`code=…&system=…`, codings as
//! `system|code`) or a POST `Parameters` resource (`valueX`, `resource`, `part`). Every error
//! names the parameter and says how to fix it.

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
            let key = p
                .as_object()
                .and_then(|o| {
                    o.keys()
                        .find(|k| k.starts_with("value") || *k == "resource" || *k == "part")
                })
                .cloned()
                .unwrap_or_default();
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

//! Operation results → FHIR `Parameters`.

use super::outcome;
use crate::ops::Coding;
use crate::ops::lookup::{LookupProperty, LookupResult, Value as PValue};
use crate::ops::subsumes::Outcome;
use crate::ops::validate::ValidateResult;
use serde_json::{Map, Value, json};

/// Coding JSON without empty members.
pub fn coding(c: &Coding) -> Value {
    let mut m = Map::new();
    for (k, v) in [
        ("system", &c.system),
        ("version", &c.version),
        ("code", &c.code),
        ("display", &c.display),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    }
    Value::Object(m)
}

fn param(name: &str, key: &str, value: Value) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    m.insert(key.into(), value);
    Value::Object(m)
}

fn parameters(list: Vec<Value>) -> Value {
    json!({"resourceType": "Parameters", "parameter": list})
}

fn value_part(v: &PValue) -> (&'static str, Value) {
    match v {
        PValue::Code(c) => ("valueCode", json!(c)),
        PValue::Coding(c) => ("valueCoding", coding(c)),
        PValue::String(s) => ("valueString", json!(s)),
        PValue::Boolean(b) => ("valueBoolean", json!(b)),
        PValue::Integer(i) => ("valueInteger", json!(i)),
        PValue::Decimal(d) => (
            "valueDecimal",
            d.parse::<f64>()
                .map(|f| json!(f))
                .unwrap_or_else(|_| json!(d)),
        ),
        PValue::DateTime(d) => ("valueDateTime", json!(d)),
    }
}

fn property(p: &LookupProperty, part_name: &str) -> Value {
    let (key, value) = value_part(&p.value);
    let mut parts = vec![
        param("code", "valueCode", json!(p.code)),
        param("value", key, value),
    ];
    if let Some(d) = &p.description {
        parts.push(param("description", "valueString", json!(d)));
    }
    for s in &p.sub {
        parts.push(property(s, "subproperty"));
    }
    json!({"name": part_name, "part": parts})
}

/// `$lookup` output.
pub fn lookup(r: &LookupResult) -> Value {
    let mut list = vec![
        param("name", "valueString", json!(r.name)),
        param("version", "valueString", json!(r.version)),
    ];
    if let Some(d) = &r.display {
        list.push(param("display", "valueString", json!(d)));
    }
    for d in &r.designations {
        let mut parts = Vec::new();
        if let Some(l) = &d.language {
            parts.push(param("language", "valueCode", json!(l)));
        }
        if let Some(u) = &d.use_ {
            parts.push(param("use", "valueCoding", coding(u)));
        }
        parts.push(param("value", "valueString", json!(d.value)));
        list.push(json!({"name": "designation", "part": parts}));
    }
    for p in &r.properties {
        list.push(property(p, "property"));
    }
    parameters(list)
}

/// `$validate-code` output. Beyond the R4 parameters (`result`, `message`, `display`) it returns
/// `code`, `system`, `version`, `inactive` and `issues` as the HL7 terminology ecosystem does,
/// and for inactive SNOMED CT concepts `inactivationReason` (valueCoding) and one `replacement`
/// per historical association (parts `relationship` valueString and `concept` valueCoding).
pub fn validate(r: &ValidateResult) -> Value {
    let mut list = vec![param("result", "valueBoolean", json!(r.result))];
    if let Some(m) = &r.message {
        list.push(param("message", "valueString", json!(m)));
    }
    if let Some(d) = &r.display {
        list.push(param("display", "valueString", json!(d)));
    }
    if let Some(c) = &r.code {
        list.push(param("code", "valueCode", json!(c)));
    }
    if let Some(s) = &r.system {
        list.push(param("system", "valueUri", json!(s)));
    }
    if let Some(v) = &r.version {
        list.push(param("version", "valueString", json!(v)));
    }
    if let Some(i) = r.inactive {
        list.push(param("inactive", "valueBoolean", json!(i)));
    }
    if let Some(reason) = &r.inactivation_reason {
        list.push(param("inactivationReason", "valueCoding", coding(reason)));
    }
    for x in &r.replacements {
        list.push(json!({"name": "replacement", "part": [
            param("relationship", "valueString", json!(x.relationship)),
            param("concept", "valueCoding", coding(&x.target))
        ]}));
    }
    if !r.issues.is_empty() {
        list.push(param("issues", "resource", outcome::from_issues(&r.issues)));
    }
    parameters(list)
}

/// `$subsumes` output.
pub fn subsumes(o: Outcome) -> Value {
    parameters(vec![param("outcome", "valueCode", json!(o.code()))])
}

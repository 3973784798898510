//! FHIR Bulk Data files (NDJSON of Condition, Observation, Procedure, MedicationRequest,
//! AllergyIntolerance, Encounter, …): every Coding anywhere in every resource, checked, counted
//! per resource type and element path, and optionally annotated with its canonical concept.
//!
//! A Coding is any JSON object with string `system` and `code` and no `value` (a Quantity has
//! a UCUM code and a value; it is a measurement, not a coding). Paths are written as FHIRPath
//! without indexes for the report (`Condition.code.coding`) and with them for findings
//! (`Condition.code.coding[1]`).

use crate::ops::normalize::{Input, NormalizeRequest, normalize};
use crate::ops::validate::{Issue, IssueKind, Severity, ValidateRequest, validate};
use crate::ops::{Coding, RequestContext, Terminology};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A Coding found in a resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// `Condition.code.coding`.
    pub path: String,
    /// `Condition.code.coding[0]`.
    pub location: String,
    /// The coding.
    pub coding: Coding,
}

/// Every Coding in `resource`, in document order.
pub fn codings(resource: &Value) -> Vec<Found> {
    let ty = resource
        .get("resourceType")
        .and_then(Value::as_str)
        .unwrap_or("Resource");
    let mut out = Vec::new();
    walk(resource, ty, ty, &mut out);
    out
}

fn is_coding(o: &serde_json::Map<String, Value>) -> bool {
    o.get("system").is_some_and(Value::is_string)
        && o.get("code").is_some_and(Value::is_string)
        && !o.contains_key("value")
}

fn walk(v: &Value, path: &str, location: &str, out: &mut Vec<Found>) {
    match v {
        Value::Object(o) => {
            if is_coding(o) {
                out.push(Found {
                    path: path.into(),
                    location: location.into(),
                    coding: crate::fhir::params::coding_from_json(v),
                });
                return;
            }
            for (k, x) in o {
                // A contained resource starts its own paths.
                if k == "contained" {
                    if let Value::Array(list) = x {
                        for r in list {
                            walk(
                                r,
                                &format!("{path}.contained"),
                                &format!("{location}.contained"),
                                out,
                            );
                        }
                    }
                    continue;
                }
                walk(x, &format!("{path}.{k}"), &format!("{location}.{k}"), out);
            }
        }
        Value::Array(list) => {
            for (i, x) in list.iter().enumerate() {
                walk(x, path, &format!("{location}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// What became of one coding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Valid and active.
    Valid,
    /// Not valid (unknown system, unknown code, wrong display).
    Invalid,
    /// Valid but inactive.
    Inactive,
}

/// Counts for one (resource type, path).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Counts {
    /// Codings seen.
    pub codings: u64,
    /// Valid and active.
    pub valid: u64,
    /// Invalid.
    pub invalid: u64,
    /// Inactive.
    pub inactive: u64,
    /// Valid, but with no canonical concept (no map leads into the canonical model).
    pub unmapped: u64,
}

/// The report of a bulk run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Report {
    /// Resources read.
    pub resources: u64,
    /// Counts per `ResourceType.path`.
    pub paths: BTreeMap<String, Counts>,
    /// `(system|code, why)` → how often; the worst are listed in [`Report::top_offenders`].
    #[serde(skip)]
    offenders: BTreeMap<(String, String), u64>,
}

impl Report {
    /// Counts over every path.
    pub fn totals(&self) -> Counts {
        let mut t = Counts::default();
        for c in self.paths.values() {
            t.codings += c.codings;
            t.valid += c.valid;
            t.invalid += c.invalid;
            t.inactive += c.inactive;
            t.unmapped += c.unmapped;
        }
        t
    }

    /// The `n` codings most often invalid, inactive or unmapped: (`system|code`, why, count).
    pub fn top_offenders(&self, n: usize) -> Vec<(String, String, u64)> {
        let mut v: Vec<_> = self
            .offenders
            .iter()
            .map(|((c, why), n)| (c.clone(), why.clone(), *n))
            .collect();
        v.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        v.truncate(n);
        v
    }

    /// The report as JSON (with the top 20 offenders).
    pub fn to_json(&self) -> Value {
        json!({
            "resources": self.resources,
            "totals": self.totals(),
            "paths": self.paths,
            "topOffenders": self.top_offenders(20).into_iter().map(|(c, why, n)| json!({"coding": c, "why": why, "count": n})).collect::<Vec<_>>(),
        })
    }
}

/// Checks every coding of one resource, counting into `report`; with `annotate`, adds each
/// CodeableConcept's canonical coding and equivalents to its `coding` list (marked with the
/// `normalized` extension) and returns the annotated resource.
pub fn check_resource(
    t: &Terminology,
    resource: &mut Value,
    report: &mut Report,
    annotate: bool,
) -> Result<Vec<Issue>, String> {
    if resource
        .get("resourceType")
        .and_then(Value::as_str)
        .is_none()
    {
        return Err("not a FHIR resource (no resourceType)".into());
    }
    report.resources += 1;
    let ctx = RequestContext::default();
    let mut findings = Vec::new();
    let mut additions: Vec<(String, Vec<Value>)> = Vec::new();
    for f in codings(resource) {
        let counts = report.paths.entry(f.path.clone()).or_default();
        counts.codings += 1;
        let key = format!(
            "{}|{}",
            f.coding.system.as_deref().unwrap_or_default(),
            f.coding.code.as_deref().unwrap_or_default()
        );
        let v = validate(
            t,
            &ctx,
            &ValidateRequest {
                codings: vec![f.coding.clone()],
                ..Default::default()
            },
        )
        .map_err(|e| format!("{}: {e}", f.location))?;
        let verdict = match (v.result, v.inactive) {
            (false, _) => Verdict::Invalid,
            (true, Some(true)) => Verdict::Inactive,
            (true, _) => Verdict::Valid,
        };
        match verdict {
            Verdict::Valid => counts.valid += 1,
            Verdict::Invalid => counts.invalid += 1,
            Verdict::Inactive => counts.inactive += 1,
        }
        let why = match verdict {
            Verdict::Invalid => Some(
                v.issues
                    .iter()
                    .find(|i| i.severity == Severity::Error)
                    .map(|i| i.kind.tx_code())
                    .unwrap_or("invalid")
                    .to_string(),
            ),
            Verdict::Inactive => Some("inactive".to_string()),
            Verdict::Valid => None,
        };
        // Whether the coding has a place in the canonical model (and, when annotating, what).
        let in_canonical = f.coding.system.as_deref() == Some(t.canonical_system.as_str());
        let normalized = if verdict != Verdict::Invalid && (annotate || !in_canonical) {
            normalize(
                t,
                &ctx,
                &NormalizeRequest::new(Input::Codings(vec![f.coding.clone()]), &t.canonical_system),
            )
            .ok()
        } else {
            None
        };
        let unmapped = verdict != Verdict::Invalid
            && !in_canonical
            && normalized.as_ref().is_none_or(|n| n.canonical.is_none());
        let counts = report.paths.get_mut(&f.path).expect("entered above");
        if unmapped {
            counts.unmapped += 1;
        }
        // The validator's own findings about the coding, located in the resource and named
        // after it; an unmapped coding gets a note of its own.
        let reference = format!(
            "{}/{}",
            resource["resourceType"].as_str().unwrap_or_default(),
            resource["id"].as_str().unwrap_or_default()
        );
        if verdict != Verdict::Valid {
            findings.extend(
                v.issues
                    .iter()
                    .filter(|i| i.severity != Severity::Information)
                    .map(|i| Issue {
                        expression: f.location.clone(),
                        text: format!("{reference}: {}", i.text),
                        ..i.clone()
                    }),
            );
        }
        if unmapped {
            findings.push(Issue {
                severity: Severity::Warning,
                kind: IssueKind::ProcessNote,
                text: format!(
                    "{reference}: {key} has no concept in {} (no map leads there)",
                    t.canonical_system
                ),
                expression: f.location.clone(),
                message_id: None,
            });
        }
        if let Some(why) = why.or(unmapped.then(|| "unmapped".to_string())) {
            *report.offenders.entry((key, why)).or_default() += 1;
        }
        if annotate && let Some(n) = normalized {
            let mut add = Vec::new();
            let mark = |c: &Coding, how: &str| {
                let mut j = json!({"system": c.system, "code": c.code});
                if let Some(d) = &c.display {
                    j["display"] = json!(d);
                }
                j["extension"] = json!([{"url": NORMALIZED_EXTENSION, "valueCode": how}]);
                j
            };
            if let (Some(c), Some(how)) = (&n.canonical, n.how)
                && c.code != f.coding.code
            {
                add.push(mark(c, how.code()));
            }
            for e in &n.equivalents {
                if let Some(c) = &e.concept
                    && matches!(
                        e.rule_outcome.as_deref(),
                        Some("fired" | "unconditional") | None
                    )
                    && !(c.system == f.coding.system && c.code == f.coding.code)
                {
                    add.push(mark(c, "equivalent"));
                }
            }
            if !add.is_empty() {
                // The `coding` list the coding sits in: its location without the last index.
                let list = f.location.rsplit_once('[').map(|(l, _)| l.to_string());
                if let Some(list) = list.filter(|l| l.ends_with(".coding")) {
                    additions.push((list, add));
                }
            }
        }
    }
    for (list, add) in additions {
        if let Some(arr) = pointer(resource, &list).and_then(Value::as_array_mut) {
            for a in add {
                if !arr.contains(&a) {
                    arr.push(a);
                }
            }
        }
    }
    Ok(findings)
}

/// The extension marking a coding Concord added: `valueCode` says how it was reached
/// (`identity`, `replacement`, `reverse-map`, `rollup`, `equivalent`).
pub const NORMALIZED_EXTENSION: &str =
    "http://concord-terminology.org/fhir/StructureDefinition/normalized";

/// The element at a location (`Condition.code.coding`, `X.a[1].b`).
fn pointer<'a>(resource: &'a mut Value, location: &str) -> Option<&'a mut Value> {
    let mut at = resource;
    for step in location.split('.').skip(1) {
        let (name, indexes) = match step.split_once('[') {
            Some((n, rest)) => (n, Some(rest)),
            None => (step, None),
        };
        at = at.get_mut(name)?;
        if let Some(rest) = indexes {
            for i in rest.split('[') {
                let i: usize = i.trim_end_matches(']').parse().ok()?;
                at = at.get_mut(i)?;
            }
        }
    }
    Some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_coding_is_found_with_its_path_and_quantities_are_not() {
        let r = json!({
            "resourceType": "Observation",
            "code": {"coding": [{"system": "http://loinc.org", "code": "2339-0"}, {"system": "s", "code": "c"}]},
            "valueQuantity": {"value": 5.1, "system": "http://unitsofmeasure.org", "code": "mmol/L"},
            "component": [{"code": {"coding": [{"system": "a", "code": "b"}]}}],
            "extension": [{"url": "u", "valueCoding": {"system": "x", "code": "y"}}]
        });
        let found: Vec<(String, String)> = codings(&r)
            .into_iter()
            .map(|f| (f.path, f.location))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "Observation.code.coding".to_string(),
                    "Observation.code.coding[0]".to_string()
                ),
                (
                    "Observation.code.coding".into(),
                    "Observation.code.coding[1]".into()
                ),
                (
                    "Observation.component.code.coding".into(),
                    "Observation.component[0].code.coding[0]".into()
                ),
                (
                    "Observation.extension.valueCoding".into(),
                    "Observation.extension[0].valueCoding".into()
                ),
            ]
        );
        let mut r = r;
        assert!(
            pointer(&mut r, "Observation.component[0].code.coding")
                .unwrap()
                .is_array()
        );
    }
}

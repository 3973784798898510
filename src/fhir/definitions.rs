//! What each operation takes, from its OperationDefinition (FHIR R4, the R5 names validators
//! also send, and the terminology-ecosystem IG's extra parameters), and the check of a request
//! against it: a parameter the operation does not define, or one written with the wrong type
//! (`valueCoding` where a boolean goes), is a 400 naming it. Cardinality is checked where each
//! value is read ([`super::params::Params`]: "may appear only once").
//!
//! FHIR lets a client ask for lenient handling (`Prefer: handling=lenient`, read by `http`):
//! then unknown parameters are ignored, as tx.fhir.org does.

use super::params::{Params, ValueKind, value_kind};
use crate::ops::{Error, Result};

/// The type of a parameter, as far as its wire form goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Any primitive: string, code, uri, canonical, date, …
    Text,
    /// `valueBoolean`.
    Boolean,
    /// `valueInteger` (or another integer type).
    Integer,
    /// `valueCoding`.
    Coding,
    /// `valueCodeableConcept`.
    CodeableConcept,
    /// A `resource`.
    Resource,
    /// `part`s.
    Parts,
    /// Either a primitive or a resource/complex value (rare; not type-checked).
    Any,
}

use Kind::*;

/// Shared by every terminology operation (the tx-ecosystem IG's request parameters).
const COMMON: &[(&str, Kind)] = &[
    ("tx-resource", Resource),
    ("displayLanguage", Text),
    ("system-version", Text),
    ("force-system-version", Text),
    ("check-system-version", Text),
    ("default-valueset-version", Text),
    ("useSupplement", Text),
    ("profile", Any),
    ("diagnostics", Boolean),
    ("default-to-latest-version", Boolean),
    ("cache-id", Text),
    // The HL7 terminology test harness sends a request id with every request
    // (tx-ecosystem tests/parameters-default.json); tx.fhir.org ignores it, and so do we.
    ("uuid", Any),
];

const LOOKUP: &[(&str, Kind)] = &[
    ("code", Text),
    ("system", Text),
    ("version", Text),
    ("coding", Coding),
    ("date", Text),
    ("property", Text),
    ("url", Text),
];

const VALIDATE: &[(&str, Kind)] = &[
    ("url", Text),
    ("context", Text),
    ("valueSet", Resource),
    ("valueSetVersion", Text),
    ("codeSystem", Resource),
    ("code", Text),
    ("system", Text),
    ("systemVersion", Text),
    ("version", Text),
    ("display", Text),
    ("coding", Coding),
    ("codeableConcept", CodeableConcept),
    ("date", Text),
    ("abstract", Boolean),
    ("inferSystem", Boolean),
    ("activeOnly", Boolean),
    ("lenient-display-validation", Boolean),
    ("valueset-membership-only", Boolean),
    ("mode", Text),
    ("limit", Integer),
];

const EXPAND: &[(&str, Kind)] = &[
    ("url", Text),
    ("valueSet", Resource),
    ("valueSetVersion", Text),
    ("context", Text),
    ("contextDirection", Text),
    ("filter", Text),
    ("date", Text),
    ("offset", Integer),
    ("count", Integer),
    ("includeDesignations", Boolean),
    ("designation", Text),
    ("includeDefinition", Boolean),
    ("activeOnly", Boolean),
    ("excludeNested", Boolean),
    ("excludeNotForUI", Boolean),
    ("excludePostCoordinated", Boolean),
    ("property", Text),
    ("exclude-system", Text),
    ("limit", Integer),
    ("incomplete-ok", Boolean),
    ("paging", Boolean),
    ("version", Text),
    // Snowstorm's switch from its default page to its largest one (clients written for
    // Snowstorm send it; so does the HL7 suite's ECL `MINUS` test). Without `count` this
    // server already answers up to its limit (`--max-expansion`), so it changes nothing.
    ("allowMaximumSizeExpansion", Boolean),
];

const SUBSUMES: &[(&str, Kind)] = &[
    ("codeA", Text),
    ("codeB", Text),
    ("system", Text),
    ("version", Text),
    ("codingA", Coding),
    ("codingB", Coding),
];

const TRANSLATE: &[(&str, Kind)] = &[
    ("url", Text),
    ("conceptMap", Resource),
    ("conceptMapVersion", Text),
    ("code", Text),
    ("system", Text),
    ("version", Text),
    ("source", Text),
    ("coding", Coding),
    ("codeableConcept", CodeableConcept),
    ("target", Text),
    ("targetsystem", Text),
    ("targetSystem", Text),
    ("dependency", Parts),
    ("reverse", Boolean),
    ("unconditionalOnly", Boolean),
    ("sourceCode", Text),
    ("sourceSystem", Text),
    ("sourceVersion", Text),
    ("sourceCoding", Coding),
    ("sourceCodeableConcept", CodeableConcept),
    ("sourceScope", Text),
    ("targetCode", Text),
    ("targetCoding", Coding),
    ("targetCodeableConcept", CodeableConcept),
    ("targetScope", Text),
];

const NORMALIZE: &[(&str, Kind)] = &[
    ("coding", Coding),
    ("codeableConcept", CodeableConcept),
    ("text", Text),
    ("system", Text),
    ("code", Text),
    ("version", Text),
    ("display", Text),
    ("dependency", Parts),
    ("target", Text),
    ("canonical", Text),
];

const BATCH: &[(&str, Kind)] = &[("validation", Resource)];

/// A list of (parameter, kind) an operation defines.
type Defined = &'static [(&'static str, Kind)];

/// The operation a path is, with the parameters it defines; `None` for paths that are not
/// operations taking `Parameters`.
fn definition(path: &str) -> Option<(&'static str, Vec<Defined>)> {
    Some(match path {
        "/CodeSystem/$lookup" => ("$lookup", vec![LOOKUP, COMMON]),
        "/CodeSystem/$validate-code" | "/$validate-code" => {
            ("$validate-code", vec![VALIDATE, COMMON])
        }
        "/ValueSet/$validate-code" => ("$validate-code", vec![VALIDATE, COMMON]),
        "/ValueSet/$batch-validate-code" => ("$batch-validate-code", vec![BATCH, VALIDATE, COMMON]),
        "/ValueSet/$expand" => ("$expand", vec![EXPAND, COMMON]),
        "/CodeSystem/$subsumes" => ("$subsumes", vec![SUBSUMES, COMMON]),
        "/ConceptMap/$translate" => ("$translate", vec![TRANSLATE, COMMON]),
        "/$normalize" => ("$normalize", vec![NORMALIZE, COMMON]),
        _ => return None,
    })
}

/// Does `key` (`valueBoolean`, `part`, `resource`, …) fit `kind`?
fn fits(kind: Kind, key: &str) -> bool {
    match kind {
        Any => true,
        // A primitive written as any primitive type: clients differ (valueUri, valueString,
        // valueCanonical for a url), and FHIR's string-based types all read the same.
        Text => value_kind(key) == Some(ValueKind::Primitive),
        // A boolean or integer sent as a string is read (and refused there if it does not
        // parse), so only complex forms are wrong here.
        Boolean => matches!(key, "valueBoolean" | "valueString" | "valueCode"),
        Integer => matches!(
            key,
            "valueInteger"
                | "valueUnsignedInt"
                | "valuePositiveInt"
                | "valueInteger64"
                | "valueString"
                | "valueDecimal"
        ),
        Coding => key == "valueCoding",
        CodeableConcept => key == "valueCodeableConcept",
        Resource => key == "resource",
        Parts => key == "part",
    }
}

/// Checks a request's parameters against the definition of the operation at `path`.
pub fn check(path: &str, p: &Params, lenient: bool) -> Result<()> {
    let Some((op, lists)) = definition(path) else {
        return Ok(());
    };
    let find = |name: &str| {
        lists
            .iter()
            .flat_map(|l| l.iter())
            .find(|(n, _)| *n == name)
            .map(|(_, k)| *k)
    };
    if !lenient && let Some(unknown) = p.names().find(|n| find(n).is_none()) {
        let mut known: Vec<&str> = lists[0].iter().map(|(n, _)| *n).collect();
        known.sort_unstable();
        return Err(Error::invalid(
            unknown,
            format!(
                "'{unknown}' is not a parameter of {op}; it takes {} (and the common tx-resource, displayLanguage, system-version, …). Send 'Prefer: handling=lenient' to have unknown parameters ignored",
                known.join(", ")
            ),
        ));
    }
    for (name, key) in p.written() {
        if let Some(kind) = find(name)
            && !fits(kind, key)
        {
            let want = match kind {
                Text => "a primitive value (valueString, valueUri, valueCode, …)",
                Boolean => "valueBoolean",
                Integer => "valueInteger",
                Coding => "valueCoding",
                CodeableConcept => "valueCodeableConcept",
                Resource => "a resource",
                Parts => "parts",
                Any => "a value",
            };
            return Err(Error::invalid(
                name,
                format!("parameter '{name}' of {op} must be {want}, not {key}"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(params: serde_json::Value) -> Params {
        Params::from_parameters(&json!({"resourceType": "Parameters", "parameter": params}))
            .unwrap()
    }

    #[test]
    fn unknown_and_mistyped_parameters_are_named() {
        let ok = body(
            json!([{"name": "url", "valueUri": "http://x"}, {"name": "code", "valueCode": "a"}]),
        );
        assert!(check("/CodeSystem/$validate-code", &ok, false).is_ok());
        let unknown = body(json!([{"name": "colour", "valueString": "red"}]));
        let e = check("/CodeSystem/$lookup", &unknown, false).unwrap_err();
        assert!(
            e.to_string()
                .contains("'colour' is not a parameter of $lookup"),
            "{e}"
        );
        assert!(check("/CodeSystem/$lookup", &unknown, true).is_ok());
        let mistyped = body(json!([{"name": "activeOnly", "valueCoding": {"code": "x"}}]));
        let e = check("/ValueSet/$expand", &mistyped, false).unwrap_err();
        assert!(e.to_string().contains("must be valueBoolean"), "{e}");
        let q = Params::from_query(vec![
            ("count".into(), "5".into()),
            ("nope".into(), "1".into()),
        ]);
        assert!(check("/ValueSet/$expand", &q, false).is_err());
    }
}

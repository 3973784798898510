//! The OperationDefinitions of Concord's own operations (`$normalize`), served at
//! `/OperationDefinition/{id}` and named by the CapabilityStatement.

use serde_json::{Value, json};

/// The canonical of `$normalize`'s definition.
pub const NORMALIZE_URL: &str = "http://concord-terminology.org/fhir/OperationDefinition/normalize";

fn param(name: &str, use_: &str, min: u32, max: &str, ty: Option<&str>, doc: &str) -> Value {
    let mut p = json!({"name": name, "use": use_, "min": min, "max": max, "documentation": doc});
    if let Some(t) = ty {
        p["type"] = json!(t);
    }
    p
}

/// `$normalize`'s OperationDefinition.
pub fn normalize() -> Value {
    let coding_parts = |what: &str| {
        vec![
            param(
                "concept",
                "out",
                0,
                "1",
                Some("Coding"),
                &format!(
                    "The {what} concept (absent when the map says the source cannot be classified)."
                ),
            ),
            param(
                "relationship",
                "out",
                1,
                "1",
                Some("code"),
                "ConceptMap equivalence of the concept to the canonical one (never `equivalent` for a reverse map).",
            ),
            param(
                "map",
                "out",
                0,
                "1",
                Some("string"),
                "The map (implicit ConceptMap canonical) or association refset used.",
            ),
            param("mapGroup", "out", 0, "1", Some("integer"), "Map group."),
            param(
                "mapPriority",
                "out",
                0,
                "1",
                Some("integer"),
                "Map priority within its group.",
            ),
            param("rule", "out", 0, "1", Some("string"), "The map rule."),
            param(
                "ruleOutcome",
                "out",
                0,
                "1",
                Some("code"),
                "`fired` (the rule held on the context), `unconditional`, or `candidate` (undecided without more context).",
            ),
            param("advice", "out", 0, "1", Some("string"), "Map advice."),
        ]
    };
    let mut equivalent = param(
        "equivalent",
        "out",
        0,
        "*",
        None,
        "An equivalent in a target system: the canonical concept's forward map, evaluated on the patient context.",
    );
    equivalent["part"] = json!(coding_parts("target"));
    let mut candidate = param(
        "candidate",
        "out",
        0,
        "*",
        None,
        "A runner-up for the canonical concept, best first.",
    );
    candidate["part"] = json!(coding_parts("candidate"));
    let mut step = param(
        "step",
        "out",
        0,
        "*",
        None,
        "One step from the input to the canonical concept, in order.",
    );
    step["part"] = json!([
        param(
            "how",
            "out",
            1,
            "1",
            Some("code"),
            "identity | replacement | reverse-map | rollup | text | map"
        ),
        param(
            "from",
            "out",
            0,
            "1",
            Some("Coding"),
            "Where the step started."
        ),
        param(
            "text",
            "out",
            0,
            "1",
            Some("string"),
            "The text searched (a text step)."
        ),
        param("to", "out", 1, "1", Some("Coding"), "Where it led."),
        param(
            "relationship",
            "out",
            1,
            "1",
            Some("code"),
            "`to` relative to `from` (ConceptMap equivalence)."
        ),
        param(
            "via",
            "out",
            0,
            "1",
            Some("string"),
            "The association, map or match that led there."
        ),
    ]);
    let mut dependency = param(
        "dependency",
        "in",
        0,
        "*",
        None,
        "Patient context for map rules, as `$translate` takes it: sex, age at onset, co-existing conditions.",
    );
    dependency["part"] = json!([
        param(
            "element",
            "in",
            0,
            "1",
            Some("uri"),
            "http://hl7.org/fhir/StructureDefinition/Patient#Patient.gender (sex: male/female or SNOMED CT 248153007/248152002), http://snomed.info/id/445518008 (age at onset), http://snomed.info/id/404684003 (co-condition)"
        ),
        param(
            "concept",
            "in",
            0,
            "1",
            Some("CodeableConcept"),
            "The value (sex or a condition)."
        ),
        param("value", "in", 0, "1", Some("Quantity"), "The age."),
    ]);
    json!({
        "resourceType": "OperationDefinition",
        "id": "normalize",
        "url": NORMALIZE_URL,
        "version": env!("CARGO_PKG_VERSION"),
        "name": "Normalize",
        "title": "Normalise a coding, CodeableConcept or text to the canonical clinical model",
        "status": "active",
        "kind": "operation",
        "affectsState": false,
        "code": "normalize",
        "description": "Finds the canonical concept (SNOMED CT unless the server or the request names another system) for a coding, a CodeableConcept or free text; says how it was reached (identity, inactive → replacement, ICD-10-CM → ICD-10 roll-up → reverse map candidates, ICD-10 → reverse map candidates, text → search match); and lists its equivalents in every loaded target system, with map rules evaluated on the patient context. Reverse-map results are ranked, flagged inexact and never called equivalent. A POST with an application/x-ndjson or application/fhir+ndjson body of codings (or {\"text\":…} objects) answers one Parameters line per input line, in order, with `line` first.",
        "system": true,
        "type": false,
        "instance": false,
        "parameter": [
            param("coding", "in", 0, "1", Some("Coding"), "The coding to normalise."),
            param("codeableConcept", "in", 0, "1", Some("CodeableConcept"), "A concept: a coding already in the canonical system is used first, else the first that normalises."),
            param("text", "in", 0, "1", Some("string"), "Free text, searched in the canonical system."),
            param("system", "in", 0, "1", Some("uri"), "With `code`: the system (a GET form of `coding`)."),
            param("code", "in", 0, "1", Some("code"), "With `system`: the code."),
            param("version", "in", 0, "1", Some("string"), "With `code`: the system version."),
            param("display", "in", 0, "1", Some("string"), "With `code`: the display, checked (a mismatch is a warning)."),
            dependency,
            param("target", "in", 0, "*", Some("uri"), "Systems to give equivalents in (default: every system a loaded map of the canonical system reaches)."),
            param("canonical", "in", 0, "1", Some("uri"), "The canonical system for this request (default: the server's, SNOMED CT unless configured)."),
            param("canonical", "out", 0, "1", Some("Coding"), "The canonical concept; absent when the input could not be normalised (see issues)."),
            param("how", "out", 0, "1", Some("code"), "identity | replacement | reverse-map | rollup | text | map"),
            param("score", "out", 0, "1", Some("decimal"), "For a text match: 0–1, the match tier (exact 1, prefix 0.9, fuzzy 0.7) times the share of the term's words the text covers."),
            step,
            equivalent,
            candidate,
            param("issues", "out", 0, "1", Some("OperationOutcome"), "Warnings (ambiguous, inexact, inactive, display mismatch, undecided rules, unmapped) and, when nothing was found, the error."),
        ]
    })
}

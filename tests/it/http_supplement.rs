//! Code system supplements and retired designations over HTTP, with request-supplied
//! (`tx-resource`) code systems: a supplement is not a code system to validate against, its
//! designations say where they come from, and a designation its standards status retires is
//! no longer a correct display.

use crate::server::*;
use serde_json::{Value, json};

const BASE: &str = "http://example.org/sup/base";
const SUP: &str = "http://example.org/sup/supplement";

fn resources() -> Vec<Value> {
    let base = json!({"resourceType": "CodeSystem", "url": BASE, "version": "1", "status": "active",
        "content": "complete", "language": "en", "concept": [
            {"code": "a", "display": "Alpha", "designation": [
                {"language": "de", "value": "Altes Alpha", "extension": [{
                    "url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status",
                    "valueCode": "withdrawn"}]}]}]});
    let sup = json!({"resourceType": "CodeSystem", "url": SUP, "version": "0.2", "status": "active",
        "content": "supplement", "supplements": BASE,
        "concept": [{"code": "a", "designation": [{"language": "nl", "value": "Alfa"}]}]});
    vec![
        json!({"name": "tx-resource", "resource": base}),
        json!({"name": "tx-resource", "resource": sup}),
    ]
}

fn call(op: &str, mut parameter: Vec<Value>) -> (u16, Value) {
    parameter.extend(resources());
    let (s, _, p) = post_params(
        op,
        json!({"resourceType": "Parameters", "parameter": parameter}),
    );
    (s, p)
}

#[test]
fn a_supplement_is_not_a_system_to_validate_against() {
    let (s, p) = call(
        "/CodeSystem/$validate-code",
        vec![json!({"name": "coding", "valueCoding": {"system": SUP, "code": "a"}})],
    );
    assert_eq!(s, 200, "{p}");
    assert_eq!(param(&p, "result").unwrap()["valueBoolean"], false);
    assert_eq!(
        param(&p, "message").unwrap()["valueString"],
        format!(
            "CodeSystem {SUP}|0.2 is a supplement, so can't be used as a value in Coding.system"
        )
    );
    let (s, p) = call(
        "/CodeSystem/$lookup",
        vec![
            json!({"name": "system", "valueUri": SUP}),
            json!({"name": "code", "valueCode": "a"}),
        ],
    );
    assert_eq!(s, 400, "{p}");
    assert!(p.to_string().contains("is a supplement"), "{p}");
}

#[test]
fn lookup_names_the_supplement_a_designation_comes_from() {
    let (s, p) = call(
        "/CodeSystem/$lookup",
        vec![
            json!({"name": "system", "valueUri": BASE}),
            json!({"name": "code", "valueCode": "a"}),
            json!({"name": "useSupplement", "valueCanonical": SUP}),
        ],
    );
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        param(&p, "used-supplement").unwrap()["valueCanonical"],
        format!("{SUP}|0.2")
    );
    let designations = params(&p, "designation");
    let nl = designations
        .iter()
        .find(|d| part(d, "language").unwrap()["valueCode"] == "nl")
        .unwrap();
    assert_eq!(
        part(nl, "source").unwrap()["valueCanonical"],
        format!("{SUP}|0.2")
    );
    // The display is a designation in the code system's language too.
    assert!(
        designations
            .iter()
            .any(|d| part(d, "value").unwrap()["valueString"] == "Alpha"
                && part(d, "language").unwrap()["valueCode"] == "en")
    );
}

#[test]
fn a_retired_designation_is_no_longer_a_correct_display() {
    let (s, p) = call(
        "/CodeSystem/$validate-code",
        vec![
            json!({"name": "url", "valueUri": BASE}),
            json!({"name": "code", "valueCode": "a"}),
            json!({"name": "display", "valueString": "Altes Alpha"}),
        ],
    );
    assert_eq!(s, 200, "{p}");
    assert_eq!(param(&p, "result").unwrap()["valueBoolean"], true, "{p}");
    let issue = &param(&p, "issues").unwrap()["resource"]["issue"][0];
    assert_eq!(issue["severity"], "warning");
    assert_eq!(issue["details"]["coding"][0]["code"], "display-comment");
    assert_eq!(
        issue["details"]["text"],
        "'Altes Alpha' is no longer considered a correct display for code 'a' (status = deprecated). The correct display is one of Alpha."
    );
}

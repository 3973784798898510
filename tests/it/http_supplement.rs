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

#[test]
fn concept_extensions_become_expansion_properties_and_the_value_set_overrides_them() {
    const SD: &str = "http://hl7.org/fhir/StructureDefinition/";
    let cs = json!({"resourceType": "CodeSystem", "url": "http://example.org/ext/cs", "version": "1",
        "status": "active", "content": "complete", "concept": [
            {"code": "a", "display": "A", "extension": [
                {"url": format!("{SD}codesystem-conceptOrder"), "valueInteger": 7},
                {"url": format!("{SD}codesystem-label"), "valueString": "(a)"},
                {"url": format!("{SD}itemWeight"), "valueDecimal": 1.5},
                {"url": format!("{SD}rendering-style"), "valueString": "font-weight: bold"}]},
            {"code": "b", "display": "B", "extension": [
                {"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status", "valueCode": "deprecated"}]}]});
    let expand = |compose: Value| {
        let (s, _, e) = post_params(
            "/ValueSet/$expand",
            json!({"resourceType": "Parameters", "parameter": [
                {"name": "tx-resource", "resource": cs.clone()},
                {"name": "valueSet", "resource": {"resourceType": "ValueSet", "url": "http://example.org/ext/vs",
                    "status": "active", "compose": compose}}]}),
        );
        assert_eq!(s, 200, "{e}");
        e
    };
    let prop = |e: &Value, code: &str, name: &str| -> Option<Value> {
        let c = e["expansion"]["contains"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)?
            .clone();
        c["extension"].as_array()?.iter().find_map(|x| {
            let parts = x["extension"].as_array()?;
            let is = parts
                .iter()
                .any(|p| p["url"] == "code" && p["valueCode"] == name);
            is.then(|| parts.iter().find(|p| p["url"] == "value").unwrap().clone())
        })
    };
    let e = expand(json!({"include": [{"system": "http://example.org/ext/cs"}]}));
    assert_eq!(prop(&e, "a", "order").unwrap()["valueDecimal"], 7, "{e}");
    assert_eq!(prop(&e, "a", "label").unwrap()["valueString"], "(a)");
    assert_eq!(prop(&e, "a", "weight").unwrap()["valueDecimal"], 1.5);
    // A deprecated (still active) concept says so.
    assert_eq!(prop(&e, "b", "status").unwrap()["valueCode"], "deprecated");
    // The rendering hint travels with the code, and the properties are declared.
    let a = e["expansion"]["contains"][0].to_string();
    assert!(a.contains("rendering-style"), "{a}");
    assert!(
        e["expansion"]
            .to_string()
            .contains("concept-properties#itemWeight"),
        "{e}"
    );
    // $lookup keeps to the code system's declared properties.
    let (_, _, l) = post_params(
        "/CodeSystem/$lookup",
        json!({"resourceType": "Parameters", "parameter": [
            {"name": "system", "valueUri": "http://example.org/ext/cs"},
            {"name": "code", "valueCode": "a"},
            {"name": "tx-resource", "resource": cs.clone()}]}),
    );
    assert!(!l.to_string().contains("\"order\""), "{l}");
    // A value set listing the codes gives them its own order and label.
    let e = expand(
        json!({"include": [{"system": "http://example.org/ext/cs", "concept": [
        {"code": "a", "extension": [
            {"url": format!("{SD}valueset-conceptOrder"), "valueInteger": 0},
            {"url": format!("{SD}valueset-label"), "valueString": "i."},
            {"url": format!("{SD}valueset-deprecated"), "valueBoolean": true}]}]}]}),
    );
    assert_eq!(prop(&e, "a", "order").unwrap()["valueDecimal"], 0);
    assert_eq!(prop(&e, "a", "label").unwrap()["valueString"], "i.");
    let deprecated = e["expansion"]["contains"][0]["extension"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["url"] == format!("{SD}valueset-deprecated"))
        .cloned()
        .unwrap();
    assert_eq!(deprecated["valueBoolean"], true);
}

#[test]
fn expansions_carry_designation_extensions_and_the_value_set_designations() {
    const SCTDESC: &str = "http://hl7.org/fhir/StructureDefinition/coding-sctdescid";
    let cs = json!({"resourceType": "CodeSystem", "url": "http://example.org/des/cs", "version": "1",
        "status": "active", "content": "complete", "concept": [
            {"code": "a", "display": "A", "designation": [
                {"language": "de", "value": "Ah", "extension": [
                    {"url": SCTDESC, "valueId": "123"},
                    {"url": "http://example.org/unknown", "valueString": "ignored"}]},
                {"language": "de", "value": "Altes A", "extension": [
                    {"url": "http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status", "valueCode": "withdrawn"}]}]}]});
    let (s, _, e) = post_params(
        "/ValueSet/$expand",
        json!({"resourceType": "Parameters", "parameter": [
            {"name": "includeDesignations", "valueBoolean": true},
            {"name": "tx-resource", "resource": cs},
            {"name": "valueSet", "resource": {"resourceType": "ValueSet", "url": "http://example.org/des/vs",
                "status": "active", "compose": {"include": [{"system": "http://example.org/des/cs",
                    "concept": [{"code": "a", "designation": [{"language": "nl", "value": "Aa",
                        "extension": [{"url": SCTDESC, "valueId": "456"}]}]}]}]}}}]}),
    );
    assert_eq!(s, 200, "{e}");
    let designations = e["expansion"]["contains"][0]["designation"]
        .as_array()
        .unwrap()
        .clone();
    let find = |v: &str| designations.iter().find(|d| d["value"] == v).cloned();
    // The description id travels with the term; unknown extensions do not.
    let ah = find("Ah").expect("Ah");
    assert_eq!(ah["extension"], json!([{"url": SCTDESC, "valueId": "123"}]));
    // A retired term is listed with the status that retires it.
    let old = find("Altes A").expect("retired designation listed");
    assert_eq!(old["extension"][0]["valueCode"], "withdrawn");
    // The value set's own designation of the listed code is added.
    let aa = find("Aa").expect("value set designation");
    assert_eq!(aa["extension"][0]["valueId"], "456");
}

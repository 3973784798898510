//! `$translate` over HTTP: structured SNOMED CT → ICD-10 matches, rule evaluation with patient
//! context, undecided groups, inactive sources, reverse use and FHIR ConceptMaps.

use crate::server::*;
use serde_json::{Value, json};

const MAP: &str = "http://snomed.info/sct?fhir_cm=447562003";

fn dep_sex(s: &str) -> Value {
    json!({"name": "dependency", "part": [
        {"name": "element", "valueUri": "http://hl7.org/fhir/StructureDefinition/Patient#Patient.gender"},
        {"name": "concept", "valueCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/administrative-gender", "code": s}]}}]})
}

fn dep_age(value: f64, unit: &str) -> Value {
    json!({"name": "dependency", "part": [
        {"name": "element", "valueUri": "http://snomed.info/id/445518008"},
        {"name": "value", "valueQuantity": {"value": value, "system": "http://unitsofmeasure.org", "code": unit}}]})
}

fn dep_condition(code: &str) -> Value {
    json!({"name": "dependency", "part": [
        {"name": "element", "valueUri": "http://snomed.info/id/404684003"},
        {"name": "concept", "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": code}]}}]})
}

fn translate(code: &str, deps: Vec<Value>) -> Value {
    let mut parameter = vec![
        json!({"name": "system", "valueUri": "http://snomed.info/sct"}),
        json!({"name": "code", "valueCode": code}),
        json!({"name": "targetsystem", "valueUri": "http://hl7.org/fhir/sid/icd-10"}),
    ];
    parameter.extend(deps);
    let (s, _, p) = post_params(
        "/ConceptMap/$translate",
        json!({"resourceType": "Parameters", "parameter": parameter}),
    );
    assert_eq!(s, 200, "{p}");
    p
}

/// (target code or "-", group, ruleOutcome) of every match.
fn targets(p: &Value) -> Vec<(String, i64, String)> {
    params(p, "match")
        .into_iter()
        .map(|m| {
            (
                part(m, "concept")
                    .map(|c| c["valueCoding"]["code"].as_str().unwrap().to_string())
                    .unwrap_or_else(|| "-".into()),
                part(m, "mapGroup")
                    .map(|g| g["valueInteger"].as_i64().unwrap())
                    .unwrap_or(0),
                part(m, "ruleOutcome").unwrap()["valueCode"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

fn t(code: &str, group: i64, outcome: &str) -> (String, i64, String) {
    (code.into(), group, outcome.into())
}

#[test]
fn unconditional_map_row_with_its_structure() {
    let (s, _, p) = get(&format!(
        "/ConceptMap/$translate?url={MAP}&system=http://snomed.info/sct&code=44054006"
    ));
    assert_eq!(s, 200, "{p}");
    assert_eq!(param(&p, "result").unwrap()["valueBoolean"], true);
    let m = param(&p, "match").unwrap();
    assert_eq!(part(m, "equivalence").unwrap()["valueCode"], "relatedto");
    assert_eq!(
        part(m, "concept").unwrap()["valueCoding"]["system"],
        "http://hl7.org/fhir/sid/icd-10"
    );
    assert_eq!(part(m, "concept").unwrap()["valueCoding"]["code"], "E11.9");
    assert_eq!(part(m, "originMap").unwrap()["valueCanonical"], MAP);
    assert_eq!(part(m, "mapGroup").unwrap()["valueInteger"], 1);
    assert_eq!(part(m, "mapPriority").unwrap()["valueInteger"], 1);
    assert_eq!(part(m, "mapRule").unwrap()["valueString"], "TRUE");
    assert_eq!(part(m, "mapAdvice").unwrap()["valueString"], "ALWAYS E11.9");
    assert_eq!(
        part(m, "mapCategory").unwrap()["valueCoding"]["code"],
        "447637006"
    );
    assert_eq!(
        part(m, "correlation").unwrap()["valueCoding"]["code"],
        "447561005"
    );
}

#[test]
fn age_rule_needs_context_and_then_decides() {
    let p = translate("73211009", vec![]);
    assert_eq!(
        targets(&p),
        vec![t("E10.9", 1, "candidate"), t("E14.9", 1, "candidate")]
    );
    assert!(
        param(&p, "message").unwrap()["valueString"]
            .as_str()
            .unwrap()
            .contains("needs age at onset")
    );
    assert_eq!(
        targets(&translate("73211009", vec![dep_age(8.0, "a")])),
        vec![t("E10.9", 1, "fired")]
    );
    assert_eq!(
        targets(&translate("73211009", vec![dep_age(30.0, "mo")])),
        vec![t("E10.9", 1, "fired")],
        "30 months < 12 years"
    );
    assert_eq!(
        targets(&translate("73211009", vec![dep_age(40.0, "a")])),
        vec![t("E14.9", 1, "fired")]
    );
}

#[test]
fn sex_rule_per_group() {
    assert_eq!(
        targets(&translate("46635009", vec![dep_sex("female")])),
        vec![t("E10.9", 1, "unconditional"), t("O24.0", 2, "fired")]
    );
    let male = translate("46635009", vec![dep_sex("male")]);
    assert_eq!(
        targets(&male),
        vec![t("E10.9", 1, "unconditional"), t("-", 2, "fired")]
    );
    assert_eq!(
        part(params(&male, "match")[1], "equivalence").unwrap()["valueCode"],
        "unmatched"
    );
    assert_eq!(
        targets(&translate(
            "46635009",
            vec![json!({"name": "dependency", "part": [
        {"name": "element", "valueUri": "http://hl7.org/fhir/StructureDefinition/Patient#Patient.gender"},
        {"name": "concept", "valueCoding": {"system": "http://snomed.info/sct", "code": "248152002"}}]})]
        )),
        vec![t("E10.9", 1, "unconditional"), t("O24.0", 2, "fired")]
    );
}

#[test]
fn co_condition_rule_holds_for_a_subsumed_condition() {
    // The rule names 73211009 Diabetes mellitus; the patient has its descendant 44054006.
    assert_eq!(
        targets(&translate("271737000", vec![dep_condition("44054006")])),
        vec![t("D63.8", 1, "fired")]
    );
    assert_eq!(
        targets(&translate("271737000", vec![dep_condition("22298006")])),
        vec![t("D64.9", 1, "fired")]
    );
    assert_eq!(
        targets(&translate("271737000", vec![])),
        vec![t("D63.8", 1, "candidate"), t("D64.9", 1, "candidate")]
    );
}

#[test]
fn inactive_source_is_followed_and_said() {
    let p = translate("3000002002", vec![]);
    assert_eq!(targets(&p), vec![t("E11.9", 1, "unconditional")]);
    assert!(
        param(&p, "message").unwrap()["valueString"]
            .as_str()
            .unwrap()
            .contains("3000002002 is inactive; translated REPLACED BY 44054006")
    );
    assert_eq!(
        part(param(&p, "match").unwrap(), "via").unwrap()["valueCode"],
        "3000002002"
    );
}

#[test]
fn reverse_use_is_flagged_and_can_be_restricted() {
    let (s, _, p) = get(&format!(
        "/ConceptMap/$translate?url={MAP}&system=http://hl7.org/fhir/sid/icd-10&code=E10.9&reverse=true"
    ));
    assert_eq!(s, 200, "{p}");
    let found: Vec<(String, String)> = params(&p, "match")
        .into_iter()
        .map(|m| {
            (
                part(m, "concept").unwrap()["valueCoding"]["code"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                part(m, "equivalence").unwrap()["valueCode"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("46635009".to_string(), "narrower".to_string()),
            ("73211009".to_string(), "inexact".to_string())
        ]
    );
    assert!(
        param(&p, "message").unwrap()["valueString"]
            .as_str()
            .unwrap()
            .contains("not clinically safe without review")
    );
    let (_, _, p) = get(&format!(
        "/ConceptMap/$translate?url={MAP}&system=http://hl7.org/fhir/sid/icd-10&code=E10.9&reverse=true&unconditionalOnly=true"
    ));
    assert_eq!(params(&p, "match").len(), 1);
    let (_, _, p) = get(
        "/ConceptMap/$translate?system=http://hl7.org/fhir/sid/icd-10&code=E11.9&targetsystem=http://snomed.info/sct",
    );
    assert_eq!(
        part(param(&p, "match").unwrap(), "concept").unwrap()["valueCoding"]["code"],
        "44054006"
    );
}

#[test]
fn fhir_concept_maps_answer_too() {
    let (s, _, p) = get(
        "/ConceptMap/$translate?url=http://example.org/fhir/ConceptMap/colours-rgb&system=http://example.org/fhir/CodeSystem/colours&code=red",
    );
    assert_eq!(s, 200, "{p}");
    let m = param(&p, "match").unwrap();
    assert_eq!(part(m, "concept").unwrap()["valueCoding"]["code"], "R");
    assert_eq!(part(m, "equivalence").unwrap()["valueCode"], "equivalent");
    // an inline map with an unmapped rule
    let body = json!({"resourceType": "Parameters", "parameter": [
        {"name": "system", "valueUri": "http://example.org/a"}, {"name": "code", "valueCode": "zzz"},
        {"name": "conceptMap", "resource": {"resourceType": "ConceptMap", "status": "active", "group": [{"source": "http://example.org/a", "target": "http://example.org/b",
            "element": [{"code": "x", "target": [{"code": "y", "equivalence": "wider"}]}], "unmapped": {"mode": "fixed", "code": "other", "display": "Other"}}]}}]});
    let (s, _, p) = post_params("/ConceptMap/$translate", body);
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        part(param(&p, "match").unwrap(), "concept").unwrap()["valueCoding"]["code"],
        "other"
    );
}

#[test]
fn reverse_translations_answer_in_the_shape_their_request_names() {
    const URL: &str = "url=http://example.org/fhir/ConceptMap/colours-rgb";
    // R4 `reverse=true`: the source codes found are the matches' concepts.
    let (s, _, p) = get(&format!(
        "/ConceptMap/$translate?{URL}&system=http://example.org/fhir/CodeSystem/rgb&code=R&reverse=true"
    ));
    assert_eq!(s, 200, "{p}");
    let m = param(&p, "match").unwrap();
    assert_eq!(part(m, "concept").unwrap()["valueCoding"]["code"], "red");
    assert!(part(m, "source").is_none(), "{p}");
    // R5 `targetCode`: the queried target is the concept, the source code found is `source`
    // (as tx.fhir.org answers, tx-ecosystem translate/translate-reverse).
    let (s, _, p) = get(&format!(
        "/ConceptMap/$translate?{URL}&targetSystem=http://example.org/fhir/CodeSystem/rgb&targetCode=R"
    ));
    assert_eq!(s, 200, "{p}");
    let m = param(&p, "match").unwrap();
    assert_eq!(part(m, "concept").unwrap()["valueCoding"]["code"], "R");
    assert_eq!(
        part(m, "concept").unwrap()["valueCoding"]["system"],
        "http://example.org/fhir/CodeSystem/rgb"
    );
    assert_eq!(part(m, "source").unwrap()["valueCoding"]["code"], "red");
    // Without a url, the stored maps leading to the target's system are found.
    for q in [
        "targetSystem=http://example.org/fhir/CodeSystem/rgb&targetCode=R",
        "system=http://example.org/fhir/CodeSystem/rgb&code=R&reverse=true&targetsystem=http://example.org/fhir/CodeSystem/colours",
    ] {
        let (s, _, p) = get(&format!("/ConceptMap/$translate?{q}"));
        assert_eq!(s, 200, "{q}: {p}");
        let m = param(&p, "match").unwrap();
        assert_eq!(
            part(m, "originMap").unwrap()["valueCanonical"]
                .as_str()
                .unwrap()
                .split('|')
                .next(),
            Some("http://example.org/fhir/ConceptMap/colours-rgb"),
            "{p}"
        );
    }
    // And none leads to a system no map targets: the message says which way was searched.
    let (s, _, p) = get(
        "/ConceptMap/$translate?targetSystem=http://example.org/fhir/CodeSystem/colours&targetCode=red",
    );
    assert_eq!(s, 404, "{p}");
    assert!(p.to_string().contains("no concept map to 'http://example.org/fhir/CodeSystem/colours' is known for a reverse translation"), "{p}");
}

#[test]
fn tx_resource_concept_maps_carry_depends_on_and_bad_maps_are_named() {
    let map = json!({"resourceType": "ConceptMap", "url": "http://example.org/cm/dep", "status": "active",
        "group": [{"source": "http://example.org/a", "target": "http://example.org/b", "element": [{"code": "x",
            "target": [{"code": "y", "equivalence": "narrower", "comment": "only for adults",
                "dependsOn": [{"property": "http://example.org/age", "system": "http://example.org/ages", "value": "adult"}]}]}]}]});
    let body = json!({"resourceType": "Parameters", "parameter": [
        {"name": "url", "valueUri": "http://example.org/cm/dep"},
        {"name": "system", "valueUri": "http://example.org/a"}, {"name": "code", "valueCode": "x"},
        {"name": "tx-resource", "resource": map}]});
    let (s, _, p) = post_params("/ConceptMap/$translate", body);
    assert_eq!(s, 200, "{p}");
    let m = param(&p, "match").unwrap();
    assert_eq!(part(m, "concept").unwrap()["valueCoding"]["code"], "y");
    assert_eq!(part(m, "equivalence").unwrap()["valueCode"], "narrower");
    assert_eq!(
        part(m, "comment").unwrap()["valueString"],
        "only for adults"
    );
    let dep = part(m, "dependsOn").unwrap();
    assert_eq!(
        part(dep, "element").unwrap()["valueUri"],
        "http://example.org/age"
    );
    assert_eq!(
        part(dep, "concept").unwrap()["valueCoding"]["code"],
        "adult"
    );

    let bad = json!({"resourceType": "Parameters", "parameter": [
        {"name": "system", "valueUri": "http://example.org/a"}, {"name": "code", "valueCode": "x"},
        {"name": "conceptMap", "resource": {"resourceType": "ConceptMap", "group": "not a list"}}]});
    let (s, _, p) = post_params("/ConceptMap/$translate", bad);
    assert_eq!(s, 400, "{p}");
    assert_eq!(p["resourceType"], "OperationOutcome");
    assert_eq!(p["issue"][0]["expression"][0], "conceptMap", "{p}");
}

#[test]
fn icd10cm_rolls_up_to_the_who_category() {
    let (s, _, p) = get(
        "/ConceptMap/$translate?system=http://hl7.org/fhir/sid/icd-10-cm&code=E11.9&targetsystem=http://hl7.org/fhir/sid/icd-10",
    );
    assert_eq!(s, 200, "{p}");
    let m = param(&p, "match").unwrap();
    assert_eq!(part(m, "concept").unwrap()["valueCoding"]["code"], "E11");
    assert_eq!(part(m, "equivalence").unwrap()["valueCode"], "wider");
    // The same with the R5 parameter names.
    let (s, _, p) = get(
        "/ConceptMap/$translate?sourceSystem=http://hl7.org/fhir/sid/icd-10-cm&sourceCode=E11.9&targetSystem=http://hl7.org/fhir/sid/icd-10",
    );
    assert_eq!(s, 200, "{p}");
    let m = param(&p, "match").unwrap();
    assert_eq!(part(m, "concept").unwrap()["valueCoding"]["code"], "E11");
}

#[test]
fn translate_errors_name_the_parameter() {
    assert_outcome(
        &get(&format!("/ConceptMap/$translate?url={MAP}&code=1")),
        400,
        "'system'",
    );
    assert_outcome(
        &get(&format!(
            "/ConceptMap/$translate?url={MAP}&system=http://snomed.info/sct&code=12345"
        )),
        404,
        "Unable to find code '12345'",
    );
    assert_outcome(
        &get(
            "/ConceptMap/$translate?system=http://snomed.info/sct&code=44054006&targetsystem=http://example.org/nothing",
        ),
        404,
        "no SNOMED CT map to 'http://example.org/nothing'",
    );
    let body = json!({"resourceType": "Parameters", "parameter": [
        {"name": "system", "valueUri": "http://snomed.info/sct"}, {"name": "code", "valueCode": "73211009"},
        {"name": "targetsystem", "valueUri": "http://hl7.org/fhir/sid/icd-10"},
        {"name": "dependency", "part": [{"name": "element", "valueUri": "http://snomed.info/id/445518008"}, {"name": "value", "valueQuantity": {"value": 3, "code": "h"}}]}]});
    assert_outcome(
        &post_params("/ConceptMap/$translate", body),
        400,
        "age unit 'h'",
    );
}

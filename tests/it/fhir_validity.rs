//! Every kind of response body parses as a FHIR R4 resource according to `fhir.resources`
//! (Python, FHIR 4.0.1 models), a library nobody here wrote. Ignored by default because it needs
//! that package: `.ci/run` installs it (tests/requirements-fhir.txt) into a virtualenv and points
//! `CONCORD_FHIR_PYTHON` at it.

use crate::common::*;
use crate::server::*;
use serde_json::json;

#[test]
#[ignore = "needs python with fhir.resources (tests/requirements-fhir.txt); run by .ci/run"]
fn shared_every_response_body_is_valid_fhir_r4() {
    let sct = "http://snomed.info/sct";
    let gets = [
        "/metadata".to_string(),
        "/metadata?mode=terminology".into(),
        format!("/CodeSystem/$lookup?system={sct}&code=73211009"),
        format!("/CodeSystem/$lookup?system={sct}&code=3000004001"),
        format!("/CodeSystem/$lookup?system={sct}&code=3000002002"),
        "/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=E11".into(),
        "/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10&code=A01.0".into(),
        "/CodeSystem/$lookup?system=http://example.org/fhir/CodeSystem/colours&code=red".into(),
        format!("/CodeSystem/$validate-code?url={sct}&code=44054006"),
        format!("/CodeSystem/$validate-code?url={sct}&code=3000002002"),
        format!("/CodeSystem/$validate-code?url={sct}&code=22298006&display=Wrong"),
        "/CodeSystem/$validate-code?url=http://hl7.org/fhir/sid/icd-10&code=E11.9".into(),
        "/CodeSystem/$validate-code?url=http://example.org/none&code=1".into(),
        "/ValueSet/$validate-code?url=http://example.org/fhir/ValueSet/warm&code=blue".into(),
        format!("/CodeSystem/$subsumes?system={sct}&codeA=73211009&codeB=44054006"),
        "/ConceptMap/$translate?url=http://snomed.info/sct?fhir_cm=447562003&system=http://snomed.info/sct&code=73211009".into(),
        "/ConceptMap/$translate?url=http://snomed.info/sct?fhir_cm=447562003&system=http://snomed.info/sct&code=46635009".into(),
        "/ConceptMap/$translate?url=http://snomed.info/sct?fhir_cm=447562003&system=http://hl7.org/fhir/sid/icd-10&code=E10.9&reverse=true".into(),
        "/ConceptMap/$translate?url=http://example.org/fhir/ConceptMap/colours-rgb&system=http://example.org/fhir/CodeSystem/colours&code=red".into(),
        "/CodeSystem?url=http://snomed.info/sct".into(),
        "/CodeSystem/concord-colours".into(),
        "/ValueSet?name=Warm".into(),
        "/ConceptMap/concord-colours-to-rgb".into(),
        format!("/CodeSystem/$lookup?system={sct}&code=1"),
        "/CodeSystem/$lookup?code=1".into(),
        "/nowhere".into(),
        format!("/CodeSystem/$lookup?system={sct}&code=73211009&_format=xml"),
        "/ValueSet/$expand?url=http://example.org/fhir/ValueSet/warm&includeDesignations=true".into(),
        format!("/ValueSet/$expand?url={sct}?fhir_vs=isa/64572001&count=2&offset=1&filter=diab&property=parent&property=inactive"),
        format!("/ValueSet/$expand?url={sct}?fhir_vs=ecl/%3C%3C"),
        format!("/ValueSet/$expand?url={sct}?fhir_vs=isa/271737000&includeDesignations=true&activeOnly=true"),
    ];
    let mut bodies: Vec<serde_json::Value> = gets.iter().map(|p| get(p).2).collect();
    bodies.push(
        post_params(
            "/CodeSystem/$validate-code",
            json!({"resourceType": "Parameters", "parameter": [{"name": "codeableConcept", "valueCodeableConcept": {"coding": [
                {"system": "http://hl7.org/fhir/sid/icd-10", "code": "E11.9"}, {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9"}]}}]}),
        )
        .2,
    );
    bodies.push(post("/CodeSystem/$lookup", "application/xml", "<x/>").2);
    bodies.push(post("/CodeSystem/$lookup", "application/fhir+json", "{").2);
    let dir = tmp();
    for (i, b) in bodies.iter().enumerate() {
        assert!(
            b.get("resourceType").is_some(),
            "body {i} is not a resource: {b}"
        );
        std::fs::write(dir.path().join(format!("{i:03}.json")), b.to_string()).unwrap();
    }
    let python = std::env::var("CONCORD_FHIR_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::process::Command::new(&python)
        .arg(root().join("tests/fhir_validate.py"))
        .arg(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e}"));
    let report = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "FHIR R4 validation failed (install: pip install -r tests/requirements-fhir.txt):\n{report}"
    );
    assert!(
        report.contains(&format!("{} passed, 0 failed", bodies.len())),
        "{report}"
    );
}

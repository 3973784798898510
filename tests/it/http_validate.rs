//! `$validate-code` over HTTP: every reason a code fails, and value sets.

use crate::server::*;
use serde_json::{Value, json};

fn result(p: &Value) -> bool {
    param(p, "result").unwrap()["valueBoolean"]
        .as_bool()
        .unwrap()
}

fn issue_codes(p: &Value) -> Vec<String> {
    issue_field(p, "/details/coding/0/code")
}

fn message(p: &Value) -> String {
    param(p, "message")
        .map(|m| m["valueString"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

fn cs(query: &str) -> Value {
    let (s, ct, p) = get(&format!("/CodeSystem/$validate-code?{query}"));
    assert_eq!(s, 200, "{p}");
    assert!(ct.starts_with("application/fhir+json"));
    p
}

#[test]
fn a_valid_code_returns_true_with_its_display() {
    let p = cs("url=http://snomed.info/sct&code=44054006&display=Type%20II%20diabetes%20mellitus");
    assert!(result(&p), "{p}");
    assert_eq!(
        param(&p, "display").unwrap()["valueString"],
        "Type 2 diabetes mellitus"
    );
    assert!(issue_codes(&p).is_empty());
}

#[test]
fn unknown_code_unknown_system_unknown_version() {
    let p = cs("url=http://snomed.info/sct&code=12345678");
    assert!(!result(&p));
    assert_eq!(issue_codes(&p), ["invalid-code"]);
    let p = cs("url=http://example.org/unknown&code=1");
    assert!(!result(&p));
    assert_eq!(issue_codes(&p), ["not-found"]);
    assert!(message(&p).contains("could not be found, so the code cannot be validated"));
    let p = cs("url=http://hl7.org/fhir/sid/icd-10-cm&code=E11.9&version=2019");
    assert!(!result(&p));
    assert_eq!(
        message(&p),
        "A definition for CodeSystem 'http://hl7.org/fhir/sid/icd-10-cm' version '2019' could not be found, so the code cannot be validated. Valid versions: 2026"
    );
    assert_eq!(
        issue_field(&p, "/extension/0/valueString"),
        ["UNKNOWN_CODESYSTEM_VERSION"]
    );
    // CodeSystem/$validate-code rests on that code system: it is the cause of the failure
    // (tx.fhir.org's x-caused-by-unknown-system; x-unknown-system is for a coding's system
    // beside a value set that does not use it).
    assert_eq!(
        param(&p, "x-caused-by-unknown-system").unwrap()["valueCanonical"],
        "http://hl7.org/fhir/sid/icd-10-cm|2019"
    );
    assert!(param(&p, "x-unknown-system").is_none());
}

#[test]
fn a_coding_without_a_system_is_a_finding_and_a_bare_code_without_url_a_400() {
    let (s, _, p) = post_params(
        "/CodeSystem/$validate-code",
        json!({"resourceType": "Parameters", "parameter": [
            {"name": "coding", "valueCoding": {"code": "OBG"}}]}),
    );
    assert_eq!(s, 200, "{p}");
    assert!(!result(&p));
    assert_eq!(
        message(&p),
        "Coding has no system. A code with no system has no defined meaning, and it cannot be validated. A system should be provided"
    );
    assert_eq!(issue_field(&p, "/severity"), ["warning"]);
    assert_eq!(issue_codes(&p), ["invalid-data"]);
    let (s, _, o) = get("/CodeSystem/$validate-code?code=OBG");
    assert_eq!(s, 400, "{o}");
    assert!(
        o.to_string()
            .contains("'url' (the code system) is required with 'code'")
    );
}

#[test]
fn a_code_of_another_system_is_named() {
    let p = cs("url=http://hl7.org/fhir/sid/icd-10&code=E11.9");
    assert!(!result(&p));
    assert!(
        message(&p).contains(
            "the code exists in http://hl7.org/fhir/sid/icd-10-cm, which is a different code system"
        ),
        "{}",
        message(&p)
    );
}

#[test]
fn wrong_display_lists_the_valid_ones() {
    let p = cs("url=http://snomed.info/sct&code=22298006&display=Heart%20failure");
    assert!(!result(&p));
    assert_eq!(issue_codes(&p), ["invalid-display"]);
    let m = message(&p);
    assert!(
        m.contains("Wrong Display Name 'Heart failure'")
            && m.contains("'Myocardial infarction'")
            && m.contains("'Heart attack'"),
        "{m}"
    );
}

#[test]
fn inactive_concepts_carry_reason_and_replacements() {
    let p = cs("url=http://snomed.info/sct&code=3000002002");
    assert!(result(&p), "inactive codes are valid, with a warning");
    assert_eq!(param(&p, "inactive").unwrap()["valueBoolean"], true);
    assert_eq!(
        param(&p, "inactivationReason").unwrap()["valueCoding"]["code"],
        "900000000000483008"
    );
    let r = param(&p, "replacement").unwrap();
    assert_eq!(
        part(r, "relationship").unwrap()["valueString"],
        "REPLACED BY"
    );
    assert_eq!(
        part(r, "concept").unwrap()["valueCoding"]["code"],
        "44054006"
    );
    assert_eq!(issue_codes(&p), ["code-comment"]);
    assert_eq!(
        param(&p, "issues").unwrap()["resource"]["issue"][0]["severity"],
        "warning"
    );
    let p = cs("url=http://snomed.info/sct&code=3000001009");
    assert_eq!(
        part(param(&p, "replacement").unwrap(), "relationship").unwrap()["valueString"],
        "SAME AS"
    );
}

#[test]
fn abstract_codes_rejected_on_request() {
    assert!(result(&cs(
        "url=http://hl7.org/fhir/sid/icd-10-cm&code=E08-E13"
    )));
    let p = cs("url=http://hl7.org/fhir/sid/icd-10-cm&code=E08-E13&abstract=false");
    assert!(!result(&p));
    assert_eq!(issue_codes(&p), ["code-rule"]);
    assert_eq!(
        message(&p),
        "Code 'http://hl7.org/fhir/sid/icd-10-cm#E08-E13' is abstract, and not allowed in this context"
    );
    assert_eq!(
        issue_field(&p, "/extension/0/valueString"),
        ["ABSTRACT_CODE_NOT_ALLOWED"]
    );

    // In a value set: a concept marked notSelectable is a member unless abstract codes are
    // refused, and then it is neither valid nor a member.
    let body = |abstract_ok: bool| {
        json!({"resourceType": "Parameters", "parameter": [
            {"name": "url", "valueUri": "http://example.org/tx/ns-vs"},
            {"name": "coding", "valueCoding": {"system": "http://example.org/tx/ns", "code": "group"}},
            {"name": "abstract", "valueBoolean": abstract_ok},
            {"name": "tx-resource", "resource": {"resourceType": "CodeSystem", "url": "http://example.org/tx/ns", "version": "1", "status": "active", "content": "complete",
                "property": [{"code": "notSelectable", "uri": "http://hl7.org/fhir/concept-properties#notSelectable", "type": "boolean"}],
                "concept": [{"code": "group", "display": "Group", "property": [{"code": "notSelectable", "valueBoolean": true}],
                    "concept": [{"code": "leaf", "display": "Leaf"}]}]}},
            {"name": "tx-resource", "resource": {"resourceType": "ValueSet", "url": "http://example.org/tx/ns-vs", "version": "2", "status": "active",
                "compose": {"include": [{"system": "http://example.org/tx/ns"}]}}}
        ]})
    };
    let (s, _, p) = post_params("/ValueSet/$validate-code", body(true));
    assert_eq!(s, 200, "{p}");
    assert!(result(&p), "{p}");
    let (_, _, p) = post_params("/ValueSet/$validate-code", body(false));
    assert!(!result(&p), "{p}");
    assert_eq!(issue_codes(&p), ["code-rule", "not-in-vs"], "{p}");
    assert_eq!(
        message(&p),
        "Code 'http://example.org/tx/ns#group' is abstract, and not allowed in this context; \
         The provided code 'http://example.org/tx/ns#group' was not found in the value set 'http://example.org/tx/ns-vs|2'"
    );
}

#[test]
fn codeable_concept_is_valid_when_any_coding_is() {
    let body = json!({"resourceType": "Parameters", "parameter": [{"name": "codeableConcept", "valueCodeableConcept": {"coding": [
        {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9", "display": "Nonsense"},
        {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9"}]}}]});
    let (s, _, p) = post_params("/CodeSystem/$validate-code", body);
    assert_eq!(s, 200, "{p}");
    assert!(result(&p), "{p}");
    let issues = &param(&p, "issues").unwrap()["resource"]["issue"];
    assert_eq!(
        issues[0]["expression"][0],
        "CodeableConcept.coding[0].display"
    );
    assert_eq!(issues[0]["severity"], "warning");

    // A code its own code system does not have is wrong wherever it stands: the concept fails.
    let body = json!({"resourceType": "Parameters", "parameter": [{"name": "codeableConcept", "valueCodeableConcept": {"coding": [
        {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9"},
        {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "ZZZ.9"}]}}]});
    let (s, _, p) = post_params("/CodeSystem/$validate-code", body);
    assert_eq!(s, 200, "{p}");
    assert!(!result(&p), "{p}");
    assert_eq!(issue_field(&p, "/severity"), ["error"]);
    assert_eq!(issue_codes(&p), ["invalid-code"]);
}

#[test]
fn value_sets_stored_implicit_and_supplied() {
    let vs = |q: &str| {
        let (s, _, p) = get(&format!("/ValueSet/$validate-code?{q}"));
        assert_eq!(s, 200, "{p}");
        p
    };
    assert!(result(&vs(
        "url=http://example.org/fhir/ValueSet/warm&system=http://example.org/fhir/CodeSystem/colours&code=red"
    )));
    let p = vs("url=http://example.org/fhir/ValueSet/warm&code=blue");
    assert!(
        !result(&p),
        "system inferred from the value set; blue is cool"
    );
    assert_eq!(issue_codes(&p), ["not-in-vs"]);
    assert!(result(&vs(
        "url=http://snomed.info/sct?fhir_vs=isa/73211009&system=http://snomed.info/sct&code=44054006"
    )));
    assert!(!result(&vs(
        "url=http://snomed.info/sct?fhir_vs=isa/73211009&system=http://snomed.info/sct&code=22298006"
    )));
    assert!(result(&vs(
        "url=http://snomed.info/sct?fhir_vs=refset/900000000000497000&system=http://snomed.info/sct&code=44054006"
    )));
    assert!(result(&vs(
        "url=http://snomed.info/sct?fhir_vs&system=http://snomed.info/sct&code=22298006"
    )));
    assert_outcome(
        &get("/ValueSet/$validate-code?url=http://example.org/nothing&code=1"),
        404,
        "could not be found",
    );
    assert_outcome(&get("/ValueSet/$validate-code?code=1"), 400, "'url'");

    // tx-resource: a CodeSystem and a ValueSet used for this request only.
    let body = |code: &str| {
        json!({"resourceType": "Parameters", "parameter": [
            {"name": "url", "valueUri": "http://example.org/tx/vs"},
            {"name": "coding", "valueCoding": {"system": "http://example.org/tx/cs", "code": code}},
            {"name": "tx-resource", "resource": {"resourceType": "CodeSystem", "url": "http://example.org/tx/cs", "version": "1", "status": "active", "content": "complete",
                "concept": [{"code": "a", "display": "A", "concept": [{"code": "b", "display": "B"}]}, {"code": "c", "display": "C"}]}},
            {"name": "tx-resource", "resource": {"resourceType": "ValueSet", "url": "http://example.org/tx/vs", "status": "active",
                "compose": {"include": [{"system": "http://example.org/tx/cs", "filter": [{"property": "concept", "op": "descendent-of", "value": "a"}]}]}}}
        ]})
    };
    let (s, _, p) = post_params("/ValueSet/$validate-code", body("b"));
    assert_eq!(s, 200, "{p}");
    assert!(result(&p), "{p}");
    assert_eq!(param(&p, "display").unwrap()["valueString"], "B");
    let (_, _, p) = post_params("/ValueSet/$validate-code", body("c"));
    assert!(!result(&p), "{p}");
    // ... and not afterwards.
    assert_outcome(
        &get("/ValueSet/$validate-code?url=http://example.org/tx/vs&code=b"),
        404,
        "could not be found",
    );
}

#[test]
fn validate_parameter_errors_name_the_parameter() {
    let r = get("/CodeSystem/$validate-code?code=1");
    assert_outcome(&r, 400, "parameter 'url'");
    assert_eq!(r.2["issue"][0]["expression"][0], "url");
    assert_outcome(
        &get("/CodeSystem/$validate-code?url=http://snomed.info/sct&code=1&abstract=maybe"),
        400,
        "must be true or false",
    );
    assert_outcome(
        &get("/CodeSystem/$validate-code?url=x&code=1&coding=x|1"),
        400,
        "exactly one of code, coding or codeableConcept",
    );
}

#[test]
fn batch_validation_answers_each_entry_with_shared_defaults() {
    let entry = |code: &str| {
        json!({"name": "validation", "resource": {"resourceType": "Parameters", "parameter": [
            {"name": "coding", "valueCoding": {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}}]}})
    };
    let params = json!({"resourceType": "Parameters", "parameter": [
        {"name": "url", "valueUri": "http://hl7.org/fhir/sid/icd-10-cm?fhir_vs"},
        entry("E11.9"), entry("E11.99"),
        {"name": "validation", "resource": {"resourceType": "Parameters", "parameter": [
            {"name": "display", "valueString": "no code here"}]}}]});
    let (st, _, body) = crate::server::post_params("/ValueSet/$batch-validate-code", params);
    assert_eq!(st, 200, "{body}");
    let list = body["parameter"].as_array().unwrap();
    assert_eq!(list.len(), 3, "{body}");
    let result = |i: usize| {
        list[i]["resource"]["parameter"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "result")
            .map(|p| p["valueBoolean"].clone())
    };
    assert_eq!(result(0), Some(json!(true)), "{body}");
    assert_eq!(result(1), Some(json!(false)), "{body}");
    assert_eq!(
        list[2]["resource"]["resourceType"], "OperationOutcome",
        "{body}"
    );
}

#[test]
fn version_parameters_choose_force_and_check_the_code_system_version() {
    let cs = |v: &str, display: &str| {
        json!({"name": "tx-resource", "resource": {"resourceType": "CodeSystem",
            "url": "http://example.org/cs/versioned", "version": v, "status": "active",
            "content": "complete", "concept": [{"code": "a", "display": display}]}})
    };
    let run = |extra: Value| {
        let mut params = vec![
            cs("1.0.0", "One"),
            cs("2.0.0", "Two"),
            json!({"name": "url", "valueUri": "http://example.org/cs/versioned"}),
            json!({"name": "code", "valueCode": "a"}),
        ];
        params.push(extra);
        let (st, _, body) = post_params(
            "/CodeSystem/$validate-code",
            json!({"resourceType": "Parameters", "parameter": params}),
        );
        assert_eq!(st, 200, "{body}");
        body
    };
    let param = |b: &Value, name: &str| {
        b["parameter"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
    };
    let chosen = run(
        json!({"name": "system-version", "valueCanonical": "http://example.org/cs/versioned|1.0.0"}),
    );
    assert_eq!(
        param(&chosen, "version").unwrap()["valueString"],
        "1.0.0",
        "{chosen}"
    );
    let forced = run(
        json!({"name": "force-system-version", "valueCanonical": "http://example.org/cs/versioned|2.0.0"}),
    );
    assert_eq!(
        param(&forced, "version").unwrap()["valueString"],
        "2.0.0",
        "{forced}"
    );
    let checked = run(
        json!({"name": "check-system-version", "valueCanonical": "http://example.org/cs/versioned|3.x"}),
    );
    assert_eq!(
        param(&checked, "result").unwrap()["valueBoolean"],
        false,
        "{checked}"
    );
    assert!(
        checked.to_string().contains("required to be '3.x'"),
        "{checked}"
    );
}

#[test]
fn supplements_add_designations_when_asked_for() {
    let base = json!({"name": "tx-resource", "resource": {"resourceType": "CodeSystem",
        "url": "http://example.org/cs/base", "version": "1", "status": "active", "content": "complete",
        "concept": [{"code": "a", "display": "Alpha"}]}});
    let supplement = json!({"name": "tx-resource", "resource": {"resourceType": "CodeSystem",
        "url": "http://example.org/cs/base-nl", "version": "1", "status": "active",
        "content": "supplement", "supplements": "http://example.org/cs/base",
        "concept": [{"code": "a", "designation": [{"language": "nl", "value": "Alfa"}]}]}});
    let run = |extra: Option<Value>| {
        let mut params = vec![
            base.clone(),
            supplement.clone(),
            json!({"name": "url", "valueUri": "http://example.org/cs/base"}),
            json!({"name": "code", "valueCode": "a"}),
            json!({"name": "display", "valueString": "Alfa"}),
        ];
        params.extend(extra);
        let (st, _, body) = post_params(
            "/CodeSystem/$validate-code",
            json!({"resourceType": "Parameters", "parameter": params}),
        );
        assert_eq!(st, 200, "{body}");
        body["parameter"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "result")
            .unwrap()["valueBoolean"]
            .clone()
    };
    assert_eq!(
        run(None),
        json!(false),
        "without the supplement 'Alfa' is not a display"
    );
    assert_eq!(
        run(Some(
            json!({"name": "useSupplement", "valueCanonical": "http://example.org/cs/base-nl"})
        )),
        json!(true)
    );
}

#[test]
fn membership_only_checks_membership_and_a_bare_code_names_the_systems_searched() {
    let cs = json!({"name": "tx-resource", "resource": {"resourceType": "CodeSystem",
        "url": "http://example.org/mo/cs", "version": "1", "status": "active", "content": "complete",
        "concept": [{"code": "a", "display": "A"}, {"code": "b", "display": "B"}]}});
    let vs = json!({"name": "tx-resource", "resource": {"resourceType": "ValueSet",
        "url": "http://example.org/mo/vs", "status": "active",
        "compose": {"include": [{"system": "http://example.org/mo/cs", "concept": [{"code": "a"}]}]}}});
    let run = |extra: Vec<Value>| {
        let mut parameter = vec![
            json!({"name": "url", "valueUri": "http://example.org/mo/vs"}),
            cs.clone(),
            vs.clone(),
        ];
        parameter.extend(extra);
        let (s, _, p) = post_params(
            "/ValueSet/$validate-code",
            json!({"resourceType": "Parameters", "parameter": parameter}),
        );
        assert_eq!(s, 200, "{p}");
        p
    };
    // A wrong display and an unknown code are findings ...
    let coding = |code: &str, display: &str| json!({"name": "coding", "valueCoding": {"system": "http://example.org/mo/cs", "code": code, "display": display}});
    let p = run(vec![coding("a", "Wrong")]);
    assert!(
        issue_codes(&p).contains(&"invalid-display".to_string()),
        "{p}"
    );
    let p = run(vec![coding("zz", "Z")]);
    assert!(issue_codes(&p).contains(&"invalid-code".to_string()), "{p}");
    // ... unless only membership is asked about.
    let only = json!({"name": "valueset-membership-only", "valueBoolean": true});
    let p = run(vec![coding("a", "Wrong"), only.clone()]);
    assert!(result(&p) && issue_codes(&p).is_empty(), "{p}");
    let p = run(vec![coding("zz", "Z"), only]);
    assert!(!result(&p), "{p}");
    assert_eq!(issue_codes(&p), ["not-in-vs"]);
    // A bare code no system of the value set has: the systems looked in are named.
    let p = run(vec![json!({"name": "code", "valueCode": "zz"})]);
    assert!(
        message(&p).contains("it is not a code of http://example.org/mo/cs"),
        "{p}"
    );
}

#[test]
fn value_set_and_coding_versions_must_agree() {
    let cs = |version: &str, display: &str| {
        json!({"name": "tx-resource", "resource": {"resourceType": "CodeSystem", "url": "http://example.org/tx/ver",
            "version": version, "status": "active", "content": "complete",
            "concept": [{"code": "a", "display": display}]}})
    };
    let check_with = |include_version: Option<&str>, coding_version: Option<&str>, extra: Value| {
        let mut include = json!({"system": "http://example.org/tx/ver"});
        if let Some(v) = include_version {
            include["version"] = json!(v);
        }
        let mut coding = json!({"system": "http://example.org/tx/ver", "code": "a"});
        if let Some(v) = coding_version {
            coding["version"] = json!(v);
        }
        let mut body = json!({"resourceType": "Parameters", "parameter": [
            {"name": "url", "valueUri": "http://example.org/tx/ver-vs"},
            {"name": "coding", "valueCoding": coding},
            cs("1.0.0", "A one"), cs("2.0.0", "A two"),
            {"name": "tx-resource", "resource": {"resourceType": "ValueSet", "url": "http://example.org/tx/ver-vs",
                "status": "active", "compose": {"include": [include]}}}
        ]});
        if !extra.is_null() {
            body["parameter"].as_array_mut().unwrap().push(extra);
        }
        let (s, _, p) = post_params("/ValueSet/$validate-code", body);
        assert_eq!(s, 200, "{p}");
        p
    };
    let check = |include_version: Option<&str>, coding_version: Option<&str>| {
        check_with(include_version, coding_version, Value::Null)
    };
    let ids = |p: &Value| issue_field(p, "/extension/0/valueString");
    let text = |p: &Value, name: &str| param(p, name).map(|v| v.to_string()).unwrap_or_default();

    // The versions agree, or the coding's fits the include's wildcard.
    assert!(result(&check(Some("1.0.0"), Some("1.0.0"))));
    let p = check(Some("1.x"), None);
    assert!(result(&p), "{p}");
    assert_eq!(
        text(&p, "display"),
        r#"{"name":"display","valueString":"A one"}"#
    );

    // Pinned to 1.0.0, the coding says 2.0.0: checked in 1.0.0, and false.
    let p = check(Some("1.0.0"), Some("2.0.0"));
    assert!(!result(&p));
    assert_eq!(ids(&p), ["VALUESET_VALUE_MISMATCH"]);
    assert_eq!(
        message(&p),
        "The code system 'http://example.org/tx/ver' version '1.0.0' in the ValueSet include is different to the one in the value ('2.0.0')"
    );
    assert!(text(&p, "version").contains("1.0.0"), "{p}");

    // Versionless include: it means the latest, 2.0.0.
    let p = check(None, Some("1.0.0"));
    assert!(!result(&p));
    assert_eq!(ids(&p), ["VALUESET_VALUE_MISMATCH"]);
    assert!(result(&check(None, Some("2.0.0"))));

    // A version nobody has: unknown, and the default the include means is noted.
    let p = check(None, Some("9"));
    assert!(!result(&p));
    assert_eq!(
        ids(&p),
        [
            "UNKNOWN_CODESYSTEM_VERSION",
            "VALUESET_VALUE_MISMATCH_DEFAULT"
        ]
    );
    assert_eq!(
        message(&p),
        "A definition for CodeSystem 'http://example.org/tx/ver' version '9' could not be found, so the code cannot be validated. Valid versions: 1.0.0 or 2.0.0"
    );
    assert_eq!(
        param(&p, "x-caused-by-unknown-system").unwrap()["valueCanonical"],
        "http://example.org/tx/ver|9"
    );

    // The include names a version nobody has.
    let p = check(Some("3"), None);
    assert!(!result(&p));
    assert_eq!(ids(&p), ["UNKNOWN_CODESYSTEM_VERSION"]);

    // A forced version replaces the value set's; a coding that fits it is checked in it.
    let force = |v: &str| json!({"name": "force-system-version", "valueCanonical": format!("http://example.org/tx/ver|{v}")});
    assert!(result(&check_with(
        Some("2.0.0"),
        Some("1.0.0"),
        force("1.x")
    )));
    let p = check_with(Some("2.0.0"), Some("9"), force("1.x"));
    assert_eq!(
        ids(&p),
        [
            "VALUESET_VALUE_MISMATCH_CHANGED",
            "UNKNOWN_CODESYSTEM_VERSION"
        ]
    );
    // A check that the version in use breaks is said, and the code still described.
    let p = check_with(
        Some("2.0.0"),
        None,
        json!({"name": "check-system-version", "valueCanonical": "http://example.org/tx/ver|1.x"}),
    );
    assert!(!result(&p));
    assert_eq!(ids(&p), ["VALUESET_VERSION_CHECK"]);
    assert_eq!(
        text(&p, "display"),
        r#"{"name":"display","valueString":"A two"}"#
    );
}

#[test]
fn a_malformed_code_system_sent_with_the_request_is_a_400_naming_what_is_wrong() {
    for (cs, said) in [
        (
            json!({"resourceType": "CodeSystem", "url": "http://example.org/m", "content": "complete",
                "concept": {"code": "a"}}),
            "CodeSystem.concept must be an array of concepts",
        ),
        (
            json!({"resourceType": "CodeSystem", "url": "http://example.org/m", "content": "complete",
                "concept": [{"code": "a", "concept": [{"display": "no code"}]}]}),
            "CodeSystem.concept[0].concept[0] has no code",
        ),
        (
            json!({"resourceType": "CodeSystem", "url": 5}),
            "CodeSystem.url must be a string",
        ),
        (
            json!({"resourceType": "CodeSystem", "content": "complete"}),
            "a CodeSystem in tx-resource needs a url",
        ),
    ] {
        let (s, _, o) = post_params(
            "/CodeSystem/$validate-code",
            json!({"resourceType": "Parameters", "parameter": [
                {"name": "url", "valueUri": "http://example.org/m"},
                {"name": "code", "valueCode": "a"},
                {"name": "tx-resource", "resource": cs}]}),
        );
        assert_eq!(s, 400, "{o}");
        let text = o["issue"][0]["details"]["text"].as_str().unwrap();
        assert!(text.contains(said), "{text}");
        assert_eq!(o["issue"][0]["expression"][0], "tx-resource");
    }
}

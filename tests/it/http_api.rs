//! The API surface: metadata, read/search, HTTP errors, correlation ids, OpenAPI and its UI.

use crate::common::*;
use crate::server::*;

#[test]
fn capability_statement_and_terminology_capabilities() {
    let (s, _, c) = get("/metadata");
    assert_eq!(s, 200);
    assert_eq!(c["resourceType"], "CapabilityStatement");
    assert_eq!(
        c["instantiates"][0],
        "http://hl7.org/fhir/CapabilityStatement/terminology-server"
    );
    // The features the HL7 validator checks before it uses a terminology server: the version
    // of the ecosystem test suite passed, and code systems accepted as `tx-resource`.
    let feature = |definition: &str| {
        c["extension"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["extension"][0]["valueCanonical"] == definition)
            .map(|e| e["extension"][1].clone())
            .unwrap_or_else(|| panic!("no feature {definition}"))
    };
    let version = feature("http://hl7.org/fhir/uv/tx-tests/FeatureDefinition/test-version");
    assert!(version["valueCode"].as_str().unwrap() >= "1.6.0");
    assert_eq!(
        feature("http://hl7.org/fhir/uv/tx-ecosystem/FeatureDefinition/CodeSystemAsParameter")["valueBoolean"],
        true
    );
    let ops: Vec<&str> = c["rest"][0]["resource"][0]["operation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["lookup", "validate-code", "subsumes"]);
    let (_, _, t) = get("/metadata?mode=terminology");
    assert_eq!(t["resourceType"], "TerminologyCapabilities");
    let systems = t["codeSystem"].as_array().unwrap();
    let sct = systems
        .iter()
        .find(|x| x["uri"] == "http://snomed.info/sct")
        .unwrap();
    assert_eq!(
        sct["version"][0]["code"],
        "http://snomed.info/sct/900000000000207008/version/20250131"
    );
    assert_eq!(sct["version"][0]["isDefault"], true);
    assert!(
        systems
            .iter()
            .any(|x| x["uri"] == "http://hl7.org/fhir/sid/icd-10-cm"
                && x["version"][0]["code"] == "2026")
    );
    assert_outcome(&get("/metadata?mode=bogus"), 400, "mode 'bogus'");
}

#[test]
fn read_and_search_resources() {
    let (s, _, b) = get("/CodeSystem?url=http://snomed.info/sct");
    assert_eq!(s, 200);
    assert_eq!(b["resourceType"], "Bundle");
    assert_eq!(b["total"], 1);
    let id = b["entry"][0]["resource"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(id, "snomed-900000000000207008-20250131");
    assert_eq!(b["entry"][0]["resource"]["count"], 17);
    let (s, _, r) = get(&format!("/CodeSystem/{id}"));
    assert_eq!(
        (s, r["url"].as_str()),
        (200, Some("http://snomed.info/sct"))
    );
    let (_, _, r) = get("/CodeSystem/concord-colours");
    assert_eq!(r["name"], "Colours");
    assert!(
        r.get("concept").is_none(),
        "CodeSystem reads leave the concepts out"
    );
    let (_, _, b) = get("/ValueSet?name=Warm");
    assert_eq!(b["total"], 1);
    let (s, _, r) = get("/ValueSet/concord-warm");
    assert_eq!(
        (s, r["url"].as_str()),
        (200, Some("http://example.org/fhir/ValueSet/warm"))
    );
    let (_, _, b) = get("/ConceptMap?url=http://example.org/fhir/ConceptMap/colours-rgb");
    assert_eq!(b["total"], 1);
    assert_outcome(&get("/ValueSet/nope"), 404, "ValueSet/nope is not known");
    assert_outcome(&get("/CodeSystem?_count=x"), 400, "_count");
}

#[test]
fn http_errors_are_operation_outcomes_with_the_right_status() {
    assert_outcome(&get("/Patient/1"), 404, "unknown resource type");
    assert_outcome(&get("/a/b/c"), 404, "no route GET /a/b/c");
    let r = client()
        .delete(format!("{}/CodeSystem/$lookup", server().base))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert_eq!(r.headers()["allow"], "GET, POST");
    assert_eq!(
        r.json::<serde_json::Value>().unwrap()["resourceType"],
        "OperationOutcome"
    );
    assert_outcome(
        &post(
            "/CodeSystem/$lookup",
            "application/fhir+json",
            "{\"resourceType\": \"Parameters\", ",
        ),
        400,
        "malformed JSON body at line 1",
    );
    assert_outcome(
        &post("/CodeSystem/$lookup", "application/xml", "<Parameters/>"),
        415,
        "Content-Type 'application/xml' is not supported",
    );
    assert_outcome(
        &post(
            "/CodeSystem/$lookup",
            "application/fhir+json",
            "{\"resourceType\": \"Patient\"}",
        ),
        400,
        "must be a FHIR Parameters resource",
    );
    assert_outcome(
        &get("/CodeSystem/$lookup?system=http://snomed.info/sct&code=73211009&_format=xml"),
        406,
        "_format 'xml'",
    );
    assert_eq!(
        get("/CodeSystem/$lookup?system=http://snomed.info/sct&code=73211009&_format=json").0,
        200
    );
    // A form-encoded POST is a valid FHIR operation call too.
    let (s, _, _) = post(
        "/CodeSystem/$lookup",
        "application/x-www-form-urlencoded",
        "system=http%3A%2F%2Fsnomed.info%2Fsct&code=73211009",
    );
    assert_eq!(s, 200);
}

#[test]
fn correlation_ids_are_echoed_or_generated() {
    let r = client()
        .get(format!("{}/health", server().base))
        .header("X-Correlation-Id", "abc-123")
        .send()
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "abc-123");
    let r = client()
        .get(format!("{}/health", server().base))
        .send()
        .unwrap();
    assert!(
        r.headers()["x-request-id"]
            .to_str()
            .unwrap()
            .starts_with("concord-")
    );
    // A traced request: its trace id is the correlation id, and the answer names this
    // server's own span in the same trace.
    let r = client()
        .get(format!("{}/health", server().base))
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .send()
        .unwrap();
    assert_eq!(
        r.headers()["x-request-id"],
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    let back = r.headers()["traceresponse"].to_str().unwrap();
    assert!(
        back.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
        "{back}"
    );
    let span = back.split('-').nth(2).unwrap();
    assert_eq!(span.len(), 16);
    assert_ne!(span, "00f067aa0ba902b7");
}

#[test]
fn openapi_document_is_current_and_served_with_its_ui() {
    let committed = std::fs::read_to_string(root().join("openapi/openapi.json"))
        .expect("openapi/openapi.json is committed");
    assert_eq!(
        committed,
        concord::cli::openapi_json().unwrap(),
        "run `cargo run -- openapi` and commit openapi/openapi.json"
    );
    let served: serde_json::Value = client()
        .get(format!("{}/openapi.json", server().base))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(
        served,
        serde_json::from_str::<serde_json::Value>(&committed).unwrap()
    );
    for path in [
        "/CodeSystem/$lookup",
        "/CodeSystem/$validate-code",
        "/ValueSet/$validate-code",
        "/CodeSystem/$subsumes",
        "/metadata",
    ] {
        assert!(served["paths"][path].is_object(), "{path} documented");
    }
    let ui = client()
        .get(format!("{}/swagger-ui/index.html", server().base))
        .send()
        .unwrap();
    assert_eq!(ui.status().as_u16(), 200);
    assert!(ui.text().unwrap().contains("swagger"));
    let js = client()
        .get(format!("{}/swagger-ui/swagger-ui-bundle.js", server().base))
        .send()
        .unwrap();
    assert_eq!(
        js.status().as_u16(),
        200,
        "the UI's script is served from the binary, no CDN"
    );
}

#[test]
fn the_versions_operation_says_r4() {
    let (st, ct, body) = crate::server::get("/$versions");
    assert_eq!(st, 200, "{body}");
    assert!(ct.starts_with("application/fhir+json"), "{ct}");
    assert_eq!(body["parameter"][0]["valueCode"], "4.0", "{body}");
    let (_, _, cap) = crate::server::get("/metadata");
    assert!(
        cap.to_string().contains("CapabilityStatement-versions"),
        "{cap}"
    );
}

#[test]
fn resource_search_pages_concatenate_and_unknown_parameters_are_refused() {
    // Every ValueSet, paged one at a time by following `next`, is the whole set once.
    let (_, _, all) = get("/ValueSet?_count=500");
    let total = all["total"].as_u64().unwrap() as usize;
    assert!(total >= 2, "{all}");
    let ids = |b: &serde_json::Value| -> Vec<String> {
        b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resource"]["id"].as_str().unwrap().to_string())
            .collect()
    };
    let mut seen = Vec::new();
    let mut next = Some(format!("{}/ValueSet?_count=1", server().base));
    while let Some(url) = next {
        let b: serde_json::Value = client().get(&url).send().unwrap().json().unwrap();
        assert_eq!(b["total"].as_u64().unwrap() as usize, total);
        assert_eq!(b["entry"].as_array().unwrap().len(), 1);
        seen.extend(ids(&b));
        next = b["link"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["relation"] == "next")
            .map(|l| l["url"].as_str().unwrap().to_string());
    }
    assert_eq!(seen, ids(&all));
    // The default page is bounded, and says where the rest is.
    let (_, _, b) = get("/ValueSet?_count=1&_offset=1");
    let relations: Vec<&str> = b["link"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["relation"].as_str().unwrap())
        .collect();
    assert!(
        relations.contains(&"previous") && relations.contains(&"self"),
        "{b}"
    );
    // A parameter the server does not know is refused by name, not silently ignored.
    assert_outcome(
        &get("/ValueSet?_text=diabetes"),
        400,
        "'_text' is not supported",
    );
    assert_outcome(&get("/CodeSystem?_offset=-1"), 400, "_offset");
}

#[test]
fn the_api_answers_under_fhir_as_well_as_at_the_root() {
    let (s, _, root) =
        get("/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=E11.9");
    let (s2, ct, under) =
        get("/fhir/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=E11.9");
    assert_eq!((s, s2), (200, 200), "{under}");
    assert!(ct.starts_with("application/fhir+json"));
    assert_eq!(param(&root, "display"), param(&under, "display"));
    assert_eq!(
        get("/fhir/metadata").2["resourceType"],
        "CapabilityStatement"
    );
    // Only the exact prefix: /fhirx is not the API.
    assert_outcome(&get("/fhirx/metadata"), 404, "/fhirx");
}

#[test]
fn parameters_are_checked_against_the_operation_definition() {
    // An unknown parameter is named, with what the operation takes…
    let (s, _, o) =
        get("/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=E11.9&colour=red");
    assert_eq!(s, 400, "{o}");
    let text = o["issue"][0]["diagnostics"].as_str().unwrap();
    assert!(
        text.contains("'colour' is not a parameter of $lookup"),
        "{text}"
    );
    assert_eq!(o["issue"][0]["expression"][0], "colour");
    // …unless the client asks for lenient handling.
    let r = client()
        .get(format!(
            "{}/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=E11.9&colour=red",
            server().base
        ))
        .header("Prefer", "handling=lenient")
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // A value of the wrong type is named too.
    let (s, _, o) = post_params(
        "/ValueSet/$expand",
        serde_json::json!({"resourceType": "Parameters", "parameter": [
            {"name": "url", "valueUri": "http://hl7.org/fhir/ValueSet/administrative-gender"},
            {"name": "count", "valueCoding": {"code": "5"}}]}),
    );
    assert_eq!(s, 400, "{o}");
    assert!(
        o["issue"][0]["diagnostics"]
            .as_str()
            .unwrap()
            .contains("'count' of $expand must be valueInteger")
    );
    // A value of no FHIR type, or two values in one parameter, are named as well.
    let url = serde_json::json!({"name": "url", "valueUri": "http://hl7.org/fhir/ValueSet/administrative-gender"});
    for (param, said) in [
        (
            serde_json::json!({"name": "code", "valueFoo": "male"}),
            "parameter 'code' is written as valueFoo, which is not a FHIR data type",
        ),
        (
            serde_json::json!({"name": "code", "valueCode": "male", "valueString": "female"}),
            "parameter 'code' has valueCode and valueString where a parameter takes one",
        ),
        (
            serde_json::json!({"name": "code", "valueQuantity": {"value": 1}}),
            "'code' of $validate-code must be a primitive value",
        ),
    ] {
        let (s, _, o) = post_params(
            "/ValueSet/$validate-code",
            serde_json::json!({"resourceType": "Parameters", "parameter": [url, param]}),
        );
        assert_eq!(s, 400, "{o}");
        let text = o["issue"][0]["diagnostics"].as_str().unwrap();
        assert!(text.contains(said), "{text}");
        assert_eq!(o["issue"][0]["expression"][0], "code");
    }
}

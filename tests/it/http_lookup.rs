//! `$lookup` and `$subsumes` over real HTTP against the fixture server.

use crate::server::*;
use serde_json::json;

const SCT: &str = "http://snomed.info/sct";

#[test]
fn snomed_lookup_returns_display_designations_and_properties() {
    let (s, ct, p) = get(&format!("/CodeSystem/$lookup?system={SCT}&code=73211009"));
    assert_eq!(s, 200, "{p}");
    assert!(ct.starts_with("application/fhir+json"));
    assert_eq!(
        param(&p, "display").unwrap()["valueString"],
        "Diabetes mellitus"
    );
    assert_eq!(
        param(&p, "version").unwrap()["valueString"],
        "http://snomed.info/sct/900000000000207008/version/20250131"
    );
    let designations = params(&p, "designation");
    assert_eq!(designations.len(), 3);
    let fsn = designations
        .iter()
        .find(|d| part(d, "use").unwrap()["valueCoding"]["code"] == "900000000000003001")
        .unwrap();
    assert_eq!(
        part(fsn, "value").unwrap()["valueString"],
        "Diabetes mellitus (disorder)"
    );
    let props = properties(&p);
    let has =
        |code: &str, value: serde_json::Value| props.iter().any(|(c, v)| c == code && *v == value);
    assert!(has("parent", json!("64572001")));
    assert!(has("child", json!("44054006")) && has("child", json!("46635009")));
    assert!(has("inactive", json!(false)));
    assert!(has("module", json!("900000000000207008")));
    assert!(has("effectiveTime", json!("2025-01-31")));
    // The shape FHIR validators expect: code and system echoed, SNOMED CT named by edition, no
    // SNOMED CT guidance extras unless asked for.
    assert_eq!(param(&p, "code").unwrap()["valueCode"], "73211009");
    assert_eq!(param(&p, "system").unwrap()["valueUri"], SCT);
    assert_eq!(
        param(&p, "name").unwrap()["valueString"],
        "http://snomed.info/sct|http://snomed.info/sct/900000000000207008/version/20250131"
    );
    assert!(
        !has("sufficientlyDefined", json!(false)) && !has("moduleId", json!("900000000000207008"))
    );
    assert!(designations.iter().all(|d| d.get("extension").is_none()));
    assert!(
        has("363698007", json!("113331007")),
        "attribute as property"
    );
    assert!(
        !props.iter().any(|(c, _)| c.starts_with("normalForm")),
        "normal forms are generated only on request"
    );
    let attr = params(&p, "property")
        .into_iter()
        .find(|x| part(x, "code").unwrap()["valueCode"] == "363698007")
        .unwrap();
    assert_eq!(
        part(attr, "code-display").unwrap()["valueString"],
        "Finding site"
    );
    assert!(part(attr, "subproperty").is_none());
    // `*`: the SNOMED CT FHIR guidance's extras as well.
    let (_, _, all) = get(&format!(
        "/CodeSystem/$lookup?system={SCT}&code=73211009&property=*"
    ));
    let props = properties(&all);
    let has =
        |code: &str, value: serde_json::Value| props.iter().any(|(c, v)| c == code && *v == value);
    assert!(has("sufficientlyDefined", json!(false)));
    assert!(has("moduleId", json!("900000000000207008")));
    let attr = params(&all, "property")
        .into_iter()
        .find(|x| part(x, "code").unwrap()["valueCode"] == "363698007")
        .unwrap();
    let sub = part(attr, "subproperty").unwrap();
    assert_eq!(part(sub, "value").unwrap()["valueInteger"], 1, "role group");
}

#[test]
fn snomed_normal_forms_on_request_and_with_star() {
    let terse = json!("<<< 64572001 : { 363698007 = 113331007 }");
    let full = json!(
        "<<< 64572001|Disease| : { 363698007|Finding site| = 113331007|Endocrine system structure| }"
    );
    let (_, _, p) = get(&format!(
        "/CodeSystem/$lookup?system={SCT}&code=73211009&property=normalForm&property=normalFormTerse"
    ));
    assert_eq!(
        properties(&p),
        vec![
            ("normalFormTerse".to_string(), terse.clone()),
            ("normalForm".to_string(), full.clone())
        ]
    );
    let (_, _, all) = get(&format!(
        "/CodeSystem/$lookup?system={SCT}&code=73211009&property=*"
    ));
    let all = properties(&all);
    for (code, value) in [
        ("normalFormTerse", terse),
        ("normalForm", full),
        ("parent", json!("64572001")),
        ("363698007", json!("113331007")),
    ] {
        assert!(
            all.iter().any(|(c, v)| c == code && *v == value),
            "{code} in {all:?}"
        );
    }
}

#[test]
fn snomed_concrete_values_and_property_selection() {
    let (_, _, p) = get(&format!(
        "/CodeSystem/$lookup?system={SCT}&code=3000004001&property=1142135004"
    ));
    assert_eq!(properties(&p), vec![("1142135004".to_string(), json!(500))]);
}

#[test]
fn display_language_picks_the_dialect_preferred_term() {
    let path = format!("/CodeSystem/$lookup?system={SCT}&code=271737000&property=inactive");
    let display = |p: &serde_json::Value| {
        param(p, "display").unwrap()["valueString"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(display(&get(&path).2), "Anemia", "server default en-US");
    assert_eq!(
        display(&get(&format!("{path}&displayLanguage=en-GB")).2),
        "Anaemia"
    );
    assert_eq!(
        display(&get(&format!("{path}&displayLanguage=en-x-900000000000508004")).2),
        "Anaemia"
    );
    let base = &server().base;
    assert_eq!(
        display(
            &get_from(
                base,
                &path,
                &[("Accept-Language", "en-GB;q=0.9, en-US;q=0.5")]
            )
            .2
        ),
        "Anaemia"
    );
    assert_eq!(
        display(
            &get_from(
                base,
                &format!("{path}&displayLanguage=en-US"),
                &[("Accept-Language", "en-GB")]
            )
            .2
        ),
        "Anemia"
    );
}

#[test]
fn related_terms_follow_the_requested_dialect() {
    // 271737000 is a child of 64572001; its preferred term is Anemia (en-US), Anaemia (en-GB).
    let child_term = |extra: &str, headers: &[(&str, &str)]| {
        let (s, _, p) = get_from(
            &server().base,
            &format!("/CodeSystem/$lookup?system={SCT}&code=64572001&property=child{extra}"),
            headers,
        );
        assert_eq!(s, 200, "{p}");
        params(&p, "property")
            .into_iter()
            .find(|x| part(x, "value").unwrap()["valueCode"] == "271737000")
            .map(|x| part(x, "description").unwrap()["valueString"].clone())
            .unwrap()
    };
    assert_eq!(child_term("", &[]), "Anemia");
    assert_eq!(child_term("&displayLanguage=en-GB", &[]), "Anaemia");
    assert_eq!(child_term("", &[("Accept-Language", "en-GB")]), "Anaemia");
    assert_eq!(
        child_term("&displayLanguage=en-x-900000000000508004", &[]),
        "Anaemia"
    );
}

#[test]
fn snomed_version_uris_resolve() {
    let ok = get(&format!(
        "/CodeSystem/$lookup?system={SCT}&code=73211009&version=http://snomed.info/sct/900000000000207008/version/20250131"
    ));
    assert_eq!(ok.0, 200);
    let module_only = get(&format!(
        "/CodeSystem/$lookup?system={SCT}&code=73211009&version=http://snomed.info/sct/900000000000207008"
    ));
    assert_eq!(module_only.0, 200);
    assert_outcome(
        &get(&format!(
            "/CodeSystem/$lookup?system={SCT}&code=73211009&version=http://snomed.info/sct/900000000000207008/version/20990131"
        )),
        404,
        "Valid versions: http://snomed.info/sct/900000000000207008/version/20250131",
    );
}

#[test]
fn icd10cm_and_icd10_lookup_carry_kind_hierarchy_and_rubrics() {
    let (s, _, p) = get("/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=E11");
    assert_eq!(s, 200);
    let props = properties(&p);
    assert!(props.contains(&("kind".into(), json!("category"))));
    assert!(props.contains(&("parent".into(), json!("E08-E13"))));
    assert!(props.contains(&("child".into(), json!("E11.9"))));
    assert!(props.contains(&(
        "excludes1".into(),
        json!("type 1 diabetes mellitus (E10.-)")
    )));
    let (_, _, p) = get("/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10&code=A01.0");
    let props = properties(&p);
    assert!(props.contains(&("usage".into(), json!("dagger"))));
    assert!(props.contains(&(
        "inclusion".into(),
        json!("Infection due to Salmonella typhi")
    )));
    assert!(props.contains(&("exclusion".into(), json!("paratyphoid fever (A01.4)"))));
}

#[test]
fn fhir_code_system_lookup_returns_declared_properties() {
    let (s, _, p) =
        get("/CodeSystem/$lookup?system=http://example.org/fhir/CodeSystem/colours&code=red");
    assert_eq!(s, 200);
    assert!(properties(&p).contains(&("hex".into(), json!("#ff0000"))));
    assert!(properties(&p).contains(&("parent".into(), json!("warm"))));
    let (_, _, p) = get(
        "/CodeSystem/$lookup?system=http://example.org/fhir/CodeSystem/colours&code=red&displayLanguage=fr",
    );
    assert_eq!(param(&p, "display").unwrap()["valueString"], "Rouge");
}

#[test]
fn lookup_by_post_parameters_with_coding() {
    let body = json!({"resourceType": "Parameters", "parameter": [
        {"name": "coding", "valueCoding": {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "S06.0X0A"}}]});
    let (s, _, p) = post_params("/CodeSystem/$lookup", body);
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        param(&p, "display").unwrap()["valueString"],
        "Concussion without loss of consciousness, initial encounter"
    );
}

#[test]
fn lookup_errors_are_operation_outcomes() {
    assert_outcome(
        &get(&format!("/CodeSystem/$lookup?system={SCT}&code=12345")),
        404,
        "Unable to find code '12345'",
    );
    assert_outcome(
        &get("/CodeSystem/$lookup?system=http://example.org/nothing&code=1"),
        404,
        "A definition for CodeSystem 'http://example.org/nothing' could not be found",
    );
    let r = get("/CodeSystem/$lookup?code=1");
    assert_outcome(&r, 400, "parameter 'system' is required");
    assert_eq!(r.2["issue"][0]["expression"][0], "system");
    assert_outcome(
        &get("/CodeSystem/$lookup?system=x"),
        400,
        "parameter 'code' is required",
    );
}

#[test]
fn subsumes_gives_all_four_outcomes() {
    let outcome = |a: &str, b: &str| {
        let (s, _, p) = get(&format!(
            "/CodeSystem/$subsumes?system={SCT}&codeA={a}&codeB={b}"
        ));
        assert_eq!(s, 200, "{p}");
        param(&p, "outcome").unwrap()["valueCode"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(outcome("73211009", "73211009"), "equivalent");
    assert_eq!(outcome("404684003", "44054006"), "subsumes");
    assert_eq!(outcome("44054006", "64572001"), "subsumed-by");
    assert_eq!(outcome("44054006", "22298006"), "not-subsumed");
    let (_, _, p) = get(
        "/CodeSystem/$subsumes?codingA=http://hl7.org/fhir/sid/icd-10-cm|S06&codingB=http://hl7.org/fhir/sid/icd-10-cm|S06.9XXA",
    );
    assert_eq!(param(&p, "outcome").unwrap()["valueCode"], "subsumes");
    let (_, _, p) = get(
        "/CodeSystem/$subsumes?system=http://example.org/fhir/CodeSystem/colours&codeA=red&codeB=warm",
    );
    assert_eq!(param(&p, "outcome").unwrap()["valueCode"], "subsumed-by");
    assert_outcome(
        &get(&format!(
            "/CodeSystem/$subsumes?system={SCT}&codeA=73211009&codeB=1"
        )),
        404,
        "codeB: unknown code '1'",
    );
    assert_outcome(
        &get(&format!(
            "/CodeSystem/$subsumes?system={SCT}&codeA=73211009"
        )),
        400,
        "parameter 'codeB'",
    );
}

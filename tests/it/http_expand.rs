//! `ValueSet/$expand` over HTTP on the fixture server: stored, inline and implicit value sets,
//! ECL, paging that concatenates to the whole expansion, `$validate-code` agreeing with
//! `$expand`, the cost bound, and ECL syntax errors with their position.

use crate::common::*;
use crate::server::{assert_outcome, get, param, post, post_params};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// The codes of an expansion, a nested one read depth-first (each parent before its children).
fn codes(vs: &Value) -> Vec<String> {
    fn walk(list: &Value, out: &mut Vec<String>) {
        for c in list.as_array().into_iter().flatten() {
            out.push(c["code"].as_str().unwrap().to_string());
            walk(&c["contains"], out);
        }
    }
    let mut out = Vec::new();
    walk(&vs["expansion"]["contains"], &mut out);
    out
}

fn expand(query: &str) -> Value {
    let (st, _, body) = get(&format!("/ValueSet/$expand?{query}"));
    assert_eq!(st, 200, "{query}: {body}");
    assert_eq!(body["resourceType"], "ValueSet");
    body
}

fn ecl_url(ecl: &str) -> String {
    let enc: String = form_urlencoded::byte_serialize(ecl.as_bytes()).collect();
    format!("url=http://snomed.info/sct?fhir_vs=ecl/{enc}")
}

#[test]
fn stored_value_set_with_an_is_a_filter() {
    let vs = expand("url=http://example.org/fhir/ValueSet/warm");
    let got: BTreeSet<String> = codes(&vs).into_iter().collect();
    assert!(got.contains("warm") && got.contains("red"), "{vs}");
    // Not asked either way, a hierarchy filter keeps the code system's tree (as tx.fhir.org
    // answers); excludeNested=true flattens it.
    let top = vs["expansion"]["contains"].as_array().unwrap();
    assert_eq!(top.len(), 1, "warm at the top, the rest under it: {vs}");
    assert_eq!(top[0]["code"], "warm");
    let flat = expand("url=http://example.org/fhir/ValueSet/warm&excludeNested=true");
    assert_eq!(
        flat["expansion"]["contains"].as_array().unwrap().len(),
        got.len()
    );
    assert_eq!(vs["expansion"]["total"], got.len());
    assert_eq!(vs["url"], "http://example.org/fhir/ValueSet/warm");
    let used = vs["expansion"]["parameter"].to_string();
    assert!(
        used.contains("used-codesystem")
            && used.contains("http://example.org/fhir/CodeSystem/colours|1.0.0"),
        "{used}"
    );
}

#[test]
fn ecl_implicit_value_sets_follow_the_hierarchy_and_refinements() {
    let mut got = codes(&expand(&ecl_url("<< 73211009 |Diabetes mellitus|")));
    got.sort();
    assert_eq!(got, ["44054006", "46635009", "73211009"]);
    let got = codes(&expand(&ecl_url("< 73211009")));
    assert_eq!(got.len(), 2);
    // Refinement: the finding site of Diabetes mellitus (rf2-mini: 113331007, group 1).
    assert_eq!(
        codes(&expand(&ecl_url("< 64572001 : 363698007 = << 123037004"))),
        ["73211009"]
    );
    assert_eq!(
        codes(&expand(&ecl_url("< 64572001 : { 363698007 = 113331007 }"))),
        ["73211009"]
    );
    // Children of it inherit nothing: refinements read each concept's own relationships.
    assert!(codes(&expand(&ecl_url("< 73211009 : 363698007 = *"))).is_empty());
    // Reverse: what Diabetes mellitus has as its finding site.
    assert_eq!(
        codes(&expand(&ecl_url("* : R 363698007 = 73211009"))),
        ["113331007"]
    );
    assert_eq!(
        codes(&expand(&ecl_url("73211009 . 363698007"))),
        ["113331007"]
    );
    // Compound expressions.
    let mut got = codes(&expand(&ecl_url("<< 64572001 MINUS << 73211009")));
    got.sort();
    assert_eq!(got, ["22298006", "271737000", "64572001"]);
    assert_eq!(
        codes(&expand(&ecl_url("<< 73211009 AND >> 44054006"))).len(),
        2
    );
    // Parents and the top of a set.
    assert_eq!(codes(&expand(&ecl_url(">! 44054006"))), ["73211009"]);
    assert_eq!(codes(&expand(&ecl_url("!!> (<< 73211009)"))), ["73211009"]);
    // Members of the simple refset; description filters.
    assert!(!codes(&expand(&ecl_url("^ 447562003"))).is_empty());
    assert_eq!(
        codes(&expand(&ecl_url(
            "< 64572001 {{ term = \"diab mell typ 2\" }}"
        ))),
        ["44054006"]
    );
    assert_eq!(
        codes(&expand(&ecl_url(
            "< 64572001 {{ term = \"anaem\", dialect = en-gb (prefer) }}"
        ))),
        ["271737000"]
    );
    assert!(
        codes(&expand(&ecl_url(
            "< 64572001 {{ term = \"anaem\", dialect = en-us (prefer) }}"
        )))
        .is_empty()
    );
}

#[test]
fn ecl_syntax_errors_and_unsupported_constructs_are_clear() {
    let (st, _, body) = get(&format!(
        "/ValueSet/$expand?{}",
        ecl_url("<< 73211009 OR < 64572001 MINUS < 1234567")
    ));
    assert_eq!(st, 400, "{body}");
    let text = body["issue"][0]["details"]["text"].as_str().unwrap();
    assert!(
        text.contains("position 26") && text.contains("parentheses"),
        "{text}"
    );
    assert_eq!(body["issue"][0]["expression"][0], "url");
    assert_eq!(
        body["issue"][0]["extension"][0]["valueString"],
        "INVALID_ECL"
    );
    assert_eq!(
        body["issue"][0]["details"]["coding"][0]["code"],
        "vs-invalid"
    );
    // A concept id the release never had is an error, not an empty set.
    let (st, _, body) = get(&format!("/ValueSet/$expand?{}", ecl_url("< 99999999")));
    assert_eq!(st, 400, "{body}");
    let text = body["issue"][0]["details"]["text"].as_str().unwrap();
    assert!(
        text.contains("'< 99999999'") && text.contains("unknown SNOMED CT concept id 99999999"),
        "{text}"
    );
    let (st, _, body) = get(&format!(
        "/ValueSet/$expand?{}",
        ecl_url("^ [mapTarget] 447562003")
    ));
    assert_eq!(st, 422, "{body}");
    assert_eq!(body["issue"][0]["code"], "not-supported");
    assert!(
        body.to_string().contains(
            "'mapTarget' of reference set 447562003 holds values that are not SNOMED CT concepts"
        ),
        "{body}"
    );
}

#[test]
fn pages_concatenate_to_the_whole_expansion() {
    let body = |offset: usize, count: Option<usize>| {
        let mut params = vec![
            json!({"name": "valueSet", "resource": {"resourceType": "ValueSet", "compose": {"include": [
                {"system": "http://hl7.org/fhir/sid/icd-10-cm"}]}}}),
            json!({"name": "offset", "valueInteger": offset}),
        ];
        if let Some(c) = count {
            params.push(json!({"name": "count", "valueInteger": c}));
        }
        json!({"resourceType": "Parameters", "parameter": params}).to_string()
    };
    let (st, _, whole) = post("/ValueSet/$expand", "application/fhir+json", &body(0, None));
    assert_eq!(st, 200, "{whole}");
    let all = codes(&whole);
    let total = whole["expansion"]["total"].as_u64().unwrap() as usize;
    assert_eq!(all.len(), total);
    assert!(total > 10, "{total}");
    let mut paged = Vec::new();
    let mut offset = 0;
    while offset < total {
        let (_, _, page) = post(
            "/ValueSet/$expand",
            "application/fhir+json",
            &body(offset, Some(4)),
        );
        assert_eq!(page["expansion"]["total"], total);
        assert_eq!(page["expansion"]["offset"], offset);
        paged.extend(codes(&page));
        offset += 4;
    }
    assert_eq!(paged, all, "pages in order, nothing lost or repeated");
    assert_eq!(paged.iter().collect::<BTreeSet<_>>().len(), total);
}

#[test]
fn validate_code_agrees_with_expand() {
    let system_codes = |system: &str| -> Vec<String> {
        let body = json!({"resourceType": "Parameters", "parameter": [
            {"name": "valueSet", "resource": {"resourceType": "ValueSet", "compose": {"include": [{"system": system}]}}}
        ]})
        .to_string();
        codes(&post("/ValueSet/$expand", "application/fhir+json", &body).2)
    };
    for (url, system) in [
        (
            "http://snomed.info/sct?fhir_vs=ecl/<< 64572001 MINUS << 73211009".to_string(),
            "http://snomed.info/sct",
        ),
        (
            "http://snomed.info/sct?fhir_vs=ecl/< 404684003 : 363698007 = *".to_string(),
            "http://snomed.info/sct",
        ),
        (
            "http://snomed.info/sct?fhir_vs=isa/64572001".to_string(),
            "http://snomed.info/sct",
        ),
        (
            "http://example.org/fhir/ValueSet/warm".to_string(),
            "http://example.org/fhir/CodeSystem/colours",
        ),
    ] {
        let enc: String = form_urlencoded::byte_serialize(url.as_bytes()).collect();
        let inside: BTreeSet<String> = codes(&expand(&format!("url={enc}"))).into_iter().collect();
        for code in system_codes(system) {
            let (st, _, body) = get(&format!(
                "/ValueSet/$validate-code?url={enc}&system={system}&code={code}"
            ));
            assert_eq!(st, 200, "{body}");
            let valid = param(&body, "result").unwrap()["valueBoolean"]
                .as_bool()
                .unwrap();
            assert_eq!(valid, inside.contains(&code), "{url} {code}: {body}");
        }
    }
}

#[test]
fn filter_active_only_and_designations() {
    let vs = expand("url=http://snomed.info/sct?fhir_vs&filter=diab%20typ&count=10");
    let mut got = codes(&vs);
    got.sort();
    // Words match as prefixes in any order; the inactive "Sugar diabetes type 2" too.
    assert_eq!(got, ["3000002002", "44054006", "46635009"], "{vs}");
    let vs = expand("url=http://snomed.info/sct?fhir_vs&filter=typ%20diab&activeOnly=true");
    let mut got = codes(&vs);
    got.sort();
    assert_eq!(got, ["44054006", "46635009"], "{vs}");
    let all = expand("url=http://snomed.info/sct?fhir_vs");
    let active = expand("url=http://snomed.info/sct?fhir_vs&activeOnly=true");
    assert_eq!(
        all["expansion"]["total"].as_u64().unwrap() - 2,
        active["expansion"]["total"].as_u64().unwrap(),
        "rf2-mini has two inactive concepts"
    );
    let vs = expand(
        "url=http://snomed.info/sct?fhir_vs=isa/271737000&includeDesignations=true&displayLanguage=en-GB",
    );
    let c = &vs["expansion"]["contains"][0];
    assert_eq!(c["display"], "Anaemia", "{vs}");
    assert!(c["designation"].as_array().unwrap().len() >= 2, "{vs}");
}

#[test]
fn expansions_over_the_limit_are_refused_with_a_way_forward() {
    let d = tmp();
    import_ok(
        d.path(),
        &[fixture("icd/icd10cm-mini.xml").to_str().unwrap()],
    );
    let mut t = concord::cli::open(d.path(), "en-US").unwrap();
    t.limits.max_unpaged = 5;
    let base = crate::server::start_engine(t);
    let inline = |count: Option<i64>| {
        let mut params = vec![
            json!({"name": "valueSet", "resource": {"resourceType": "ValueSet",
            "compose": {"include": [{"system": "http://hl7.org/fhir/sid/icd-10-cm"}]}}}),
        ];
        if let Some(c) = count {
            params.push(json!({"name": "count", "valueInteger": c}));
        }
        client_post(
            &base,
            &json!({"resourceType": "Parameters", "parameter": params}).to_string(),
        )
    };
    let (st, body) = inline(None);
    assert_eq!(st, 422, "{body}");
    assert_eq!(body["issue"][0]["code"], "too-costly");
    let text = body["issue"][0]["details"]["text"].as_str().unwrap();
    assert!(text.contains("(>5)"), "{text}");
    // The way forward is in the diagnostics.
    let diagnostics = body["issue"][0]["diagnostics"].as_str().unwrap();
    assert!(
        diagnostics.contains("'count'") && diagnostics.contains("It has 21"),
        "{diagnostics}"
    );
    let (st, body) = inline(Some(3));
    assert_eq!(st, 200, "{body}");
    assert_eq!(codes(&body).len(), 3);
}

fn client_post(base: &str, body: &str) -> (u16, Value) {
    let r = crate::server::client()
        .post(format!("{base}/ValueSet/$expand"))
        .header("Content-Type", "application/fhir+json")
        .body(body.to_string())
        .send()
        .unwrap();
    let st = r.status().as_u16();
    (st, r.json().unwrap())
}

#[test]
fn a_filter_without_a_value_is_an_invalid_value_set() {
    let vs = json!({"resourceType": "ValueSet", "compose": {"include": [
        {"system": "http://hl7.org/fhir/sid/icd-10-cm", "filter": [{"property": "concept", "op": "is-a"}]}]}});
    for op in ["$expand", "$validate-code"] {
        let mut parameter = vec![json!({"name": "valueSet", "resource": vs})];
        if op == "$validate-code" {
            parameter
                .push(json!({"name": "system", "valueUri": "http://hl7.org/fhir/sid/icd-10-cm"}));
            parameter.push(json!({"name": "code", "valueCode": "E11"}));
        }
        let body = json!({"resourceType": "Parameters", "parameter": parameter}).to_string();
        let (st, _, o) = post(&format!("/ValueSet/{op}"), "application/fhir+json", &body);
        assert_eq!(st, 400, "{op}: {o}");
        let issue = &o["issue"][0];
        assert_eq!(issue["code"], "invalid");
        assert_eq!(issue["details"]["coding"][0]["code"], "vs-invalid");
        assert_eq!(
            issue["expression"][0],
            "ValueSet.compose.include[0].filter[0]"
        );
        assert!(
            issue["details"]["text"]
                .as_str()
                .unwrap()
                .contains("op = is-a has no value"),
            "{o}"
        );
    }
}

#[test]
fn contained_value_sets_and_r5_filter_operators_sent_to_r4() {
    // An R5 `child-of` reaches an R4 server in the 5.0 cross-version extension on `op`; the
    // compose names a value set it contains as `#id`.
    let body = json!({"resourceType": "Parameters", "parameter": [{"name": "valueSet", "resource": {
        "resourceType": "ValueSet",
        "contained": [{"resourceType": "ValueSet", "id": "warm", "compose": {"include": [
            {"system": "http://example.org/fhir/CodeSystem/colours", "filter": [{"property": "concept",
             "_op": {"extension": [{"url": "http://hl7.org/fhir/5.0/StructureDefinition/extension-ValueSet.compose.include.filter.op", "valueCode": "child-of"}]},
             "value": "warm"}]}]}}],
        "compose": {"include": [{"valueSet": ["#warm"]}]}}}]})
    .to_string();
    let (st, _, vs) = post("/ValueSet/$expand", "application/fhir+json", &body);
    assert_eq!(st, 200, "{vs}");
    let got: BTreeSet<String> = codes(&vs).into_iter().collect();
    assert!(
        got.contains("red") && !got.contains("warm"),
        "children only: {vs}"
    );
}

#[test]
fn icd_code_systems_answer_the_implicit_value_set_forms_too() {
    let all = expand("url=http://hl7.org/fhir/sid/icd-10-cm?fhir_vs&count=1000");
    let every = codes(&all);
    assert!(every.contains(&"E11".to_string()), "{all}");
    let isa = codes(&expand(
        "url=http://hl7.org/fhir/sid/icd-10-cm?fhir_vs=isa/E11&count=1000",
    ));
    assert!(isa.contains(&"E11".to_string()) && isa.len() > 1, "{isa:?}");
    assert!(isa.iter().all(|c| c.starts_with("E11")), "{isa:?}");
    assert!(isa.len() < every.len());
    // A system that is not loaded is still an unknown value set, not an empty one.
    let (st, _, body) = get("/ValueSet/$expand?url=http://example.org/nothing?fhir_vs");
    assert_eq!(st, 404, "{body}");
}

#[test]
fn circular_value_sets_are_refused_naming_the_pathway() {
    let vs = |n: u8, other: u8| {
        json!({"name": "tx-resource", "resource": {"resourceType": "ValueSet",
            "url": format!("http://example.org/vs/c{n}"), "version": "1",
            "compose": {"include": [{"system": "http://hl7.org/fhir/sid/icd-10-cm"},
                                    {"valueSet": [format!("http://example.org/vs/c{other}")]}]}}})
    };
    let params = json!({"resourceType": "Parameters", "parameter": [
        {"name": "url", "valueUri": "http://example.org/vs/c1"}, vs(1, 2), vs(2, 1)]});
    let (st, _, body) = crate::server::post_params("/ValueSet/$expand", params);
    assert_eq!(st, 400, "{body}");
    assert_eq!(body["issue"][0]["code"], "processing");
    let text = body["issue"][0]["details"]["text"].as_str().unwrap();
    assert!(
        text.contains("http://example.org/vs/c1|1") && text.contains("pathway"),
        "{text}"
    );
}

#[test]
fn a_value_set_sent_inline_that_includes_itself_is_refused() {
    // The request's own `valueSet` is registered under no URL; naming that URL in its own
    // compose is still a circle, not an unknown value set.
    for op in ["/ValueSet/$expand", "/ValueSet/$validate-code"] {
        let params = json!({"resourceType": "Parameters", "parameter": [
            {"name": "valueSet", "resource": {"resourceType": "ValueSet",
                "url": "http://example.org/vs/self", "version": "2",
                "compose": {"include": [{"valueSet": ["http://example.org/vs/self"]}]}}},
            {"name": "code", "valueCode": "E11.9"},
            {"name": "system", "valueUri": "http://hl7.org/fhir/sid/icd-10-cm"}]});
        let params = if op.ends_with("expand") {
            json!({"resourceType": "Parameters", "parameter": [params["parameter"][0]]})
        } else {
            params
        };
        let (st, _, body) = crate::server::post_params(op, params);
        assert_eq!(st, 400, "{op}: {body}");
        let text = body["issue"][0]["details"]["text"].as_str().unwrap();
        assert!(
            text.contains("circularity pointing to http://example.org/vs/self"),
            "{op}: {text}"
        );
    }
}

#[test]
fn snowstorms_allow_maximum_size_expansion_is_taken() {
    let params = json!({"resourceType": "Parameters", "parameter": [
        {"name": "url", "valueUri": "http://example.org/fhir/ValueSet/ordered"},
        {"name": "allowMaximumSizeExpansion", "valueBoolean": true}]});
    let (st, _, body) = crate::server::post_params("/ValueSet/$expand", params);
    assert_eq!(st, 200, "{body}");
    assert_eq!(body["expansion"]["total"], 3, "{body}");
}

#[test]
fn a_client_may_lower_the_unpaged_limit_with_a_header() {
    let (st, _, body) = crate::server::get_from(
        &crate::server::server().base,
        "/ValueSet/$expand?url=http://hl7.org/fhir/sid/icd-10-cm?fhir_vs",
        &[("X-TOO-COSTLY-THRESHOLD", "3")],
    );
    assert_eq!(st, 422, "{body}");
    assert_eq!(body["issue"][0]["code"], "too-costly");
}

#[test]
fn expansions_keep_the_code_systems_definition_order() {
    // A stored code system (imported in definition order z, a, m) expands in that order.
    let vs = expand("url=http://example.org/fhir/ValueSet/ordered");
    assert_eq!(codes(&vs), ["z", "a", "m"], "{vs}");
}

/// Two versions of one code system, sent with the request.
fn two_versions() -> Vec<Value> {
    let cs = |version: &str, concepts: Value| {
        json!({"name": "tx-resource", "resource": {"resourceType": "CodeSystem",
            "url": "http://example.org/ov", "version": version, "status": "active",
            "content": "complete", "concept": concepts}})
    };
    vec![
        cs(
            "1.0.0",
            json!([{"code": "a", "display": "A"}, {"code": "b", "display": "B"}, {"code": "c", "display": "C"}]),
        ),
        cs(
            "2.0.0",
            json!([{"code": "a", "display": "A"}, {"code": "b", "display": "B2"}, {"code": "d", "display": "D"}]),
        ),
    ]
}

fn expand_with(compose: Value, extra: Vec<Value>) -> Value {
    let mut parameter = two_versions();
    parameter.push(
        json!({"name": "valueSet", "resource": {"resourceType": "ValueSet",
        "url": "http://example.org/ov-vs", "status": "active", "compose": compose}}),
    );
    parameter.extend(extra);
    let (s, _, e) = post_params(
        "/ValueSet/$expand",
        json!({"resourceType": "Parameters", "parameter": parameter}),
    );
    assert_eq!(s, 200, "{e}");
    e
}

fn members(e: &Value) -> Vec<(String, String)> {
    e["expansion"]["contains"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["code"].as_str().unwrap().to_string(),
                c["version"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn pair(code: &str, version: &str) -> (String, String) {
    (code.to_string(), version.to_string())
}

#[test]
fn a_named_version_comes_before_the_latest_reached_by_default() {
    let sys = "http://example.org/ov";
    // Version 1.0.0 named, then the system without a version (so the latest, 2.0.0): a code
    // in both is listed at the named version first (as tx.fhir.org does), where two named
    // versions list the newest first (the test below).
    let e = expand_with(
        json!({"include": [{"system": sys, "version": "1.0.0"}, {"system": sys}]}),
        vec![],
    );
    let m = members(&e);
    let at = |code: &str, version: &str| m.iter().position(|p| *p == pair(code, version));
    for code in ["a", "b"] {
        assert!(at(code, "1.0.0") < at(code, "2.0.0"), "{code}: {m:?}");
        assert!(at(code, "2.0.0").is_some(), "{m:?}");
    }
    assert_eq!(m.len(), 6, "{m:?}");
}

#[test]
fn versions_side_by_side_exclusions_and_versions_match() {
    let sys = "http://example.org/ov";
    let both = json!([{"system": sys, "version": "1.0.0"}, {"system": sys, "version": "2.0.0"}]);
    // Side by side: each version's codes, the newer version first where both have a code.
    let e = expand_with(json!({"include": both}), vec![]);
    assert_eq!(
        members(&e),
        [
            pair("a", "2.0.0"),
            pair("b", "2.0.0"),
            pair("c", "1.0.0"),
            pair("a", "1.0.0"),
            pair("b", "1.0.0"),
            pair("d", "2.0.0")
        ]
    );
    // A listed code of a named version is excluded from that version only.
    let e = expand_with(
        json!({"include": both, "exclude": [{"system": sys, "version": "1.0.0", "concept": [{"code": "b"}]}]}),
        vec![],
    );
    let m = members(&e);
    assert!(
        m.contains(&pair("b", "2.0.0")) && !m.contains(&pair("b", "1.0.0")),
        "{m:?}"
    );
    // A whole version excluded removes its codes from every version, and says so.
    let e = expand_with(
        json!({"include": [{"system": sys, "version": "2.0.0"}], "exclude": [{"system": sys, "version": "1.0.0"}]}),
        vec![],
    );
    assert_eq!(members(&e), [pair("d", "2.0.0")]);
    assert!(
        e["expansion"]["parameter"]
            .to_string()
            .contains("versionsMatch")
    );
    // versionsMatch true: one member per code, at the latest version that has it.
    let e = expand_with(
        json!({"include": both, "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/valueset-expansion-parameter",
            "extension": [{"url": "name", "valueCode": "versionsMatch"}, {"url": "value", "valueString": "true"}]}]}),
        vec![],
    );
    assert_eq!(
        members(&e),
        [
            pair("a", "2.0.0"),
            pair("b", "2.0.0"),
            pair("c", "1.0.0"),
            pair("d", "2.0.0")
        ]
    );
    // A system-version default the value set never needed (it names its versions) is not
    // echoed as used; one it needed is.
    let default = json!({"name": "system-version", "valueCanonical": format!("{sys}|1.0.0")});
    let e = expand_with(json!({"include": both}), vec![default.clone()]);
    assert!(
        !e["expansion"]["parameter"]
            .to_string()
            .contains("system-version")
    );
    let e = expand_with(json!({"include": [{"system": sys}]}), vec![default]);
    assert!(
        e["expansion"]["parameter"]
            .to_string()
            .contains("system-version")
    );
    let codes: Vec<String> = members(&e).into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, ["a", "b", "c"], "version 1.0.0's codes");
}

#[test]
fn the_definition_goes_with_the_expansion_only_when_asked() {
    let request = |include_definition: bool| {
        let mut parameter = two_versions();
        parameter.push(
            json!({"name": "valueSet", "resource": {"resourceType": "ValueSet",
            "url": "http://example.org/ov-defined", "status": "active",
            "extension": [{"url": "http://example.org/ext/note", "valueString": "kept"},
                          {"url": "http://example.org/ext/flag", "valueBoolean": true}],
            "compose": {"include": [{"system": "http://example.org/ov", "version": "1.0.0"}]}}}),
        );
        parameter.push(json!({"name": "includeDefinition", "valueBoolean": include_definition}));
        let (s, _, e) = post_params(
            "/ValueSet/$expand",
            json!({"resourceType": "Parameters", "parameter": parameter}),
        );
        assert_eq!(s, 200, "{e}");
        e
    };
    let with = request(true);
    assert_eq!(
        with["extension"],
        json!([{"url": "http://example.org/ext/note", "valueString": "kept"},
               {"url": "http://example.org/ext/flag", "valueBoolean": true}]),
        "{with}"
    );
    let without = request(false);
    assert!(without.get("extension").is_none(), "{without}");
    assert_eq!(members(&without).len(), 3, "{without}");
}

#[test]
fn include_versions_wildcards_unknown_versions_and_version_checks() {
    let run = |include_version: &str, extra: Value| {
        let mut body = json!({"resourceType": "Parameters", "parameter": [
            {"name": "valueSet", "resource": {"resourceType": "ValueSet", "status": "active",
                "compose": {"include": [{"system": "http://example.org/tx/ver", "version": include_version}]}}},
            {"name": "tx-resource", "resource": {"resourceType": "CodeSystem", "url": "http://example.org/tx/ver",
                "version": "1.0.0", "status": "active", "content": "complete", "concept": [{"code": "a"}]}},
            {"name": "tx-resource", "resource": {"resourceType": "CodeSystem", "url": "http://example.org/tx/ver",
                "version": "1.2.0", "status": "active", "content": "complete", "concept": [{"code": "a"}, {"code": "b"}]}}
        ]});
        if !extra.is_null() {
            body["parameter"].as_array_mut().unwrap().push(extra);
        }
        post_params("/ValueSet/$expand", body)
    };
    // A wildcard means the latest version that fits.
    let (s, _, vs) = run("1.x", Value::Null);
    assert_eq!(s, 200, "{vs}");
    assert_eq!(codes(&vs), ["a", "b"]);
    // A version nobody has.
    let r = run("3", Value::Null);
    assert_outcome(
        &r,
        404,
        "A definition for CodeSystem 'http://example.org/tx/ver' version '3' could not be found, so the value set cannot be expanded. Valid versions: 1.0.0 or 1.2.0",
    );
    assert_eq!(r.2["issue"][0]["code"], "not-found");
    // A version a check does not allow.
    let check = json!({"name": "check-system-version", "valueCanonical": "http://example.org/tx/ver|1.0.x"});
    let r = run("1.2.0", check);
    assert_outcome(
        &r,
        400,
        "required to be '1.0.x' by a version-check parameter",
    );
    assert_eq!(r.2["issue"][0]["code"], "exception");
    assert_eq!(
        r.2["issue"][0]["details"]["coding"][0]["code"],
        "version-error"
    );
}

#[test]
fn default_valueset_version_chooses_an_imported_value_set() {
    let run = |extra: Value| {
        let vs = |version: &str, code: &str| {
            json!({"name": "tx-resource", "resource": {"resourceType": "ValueSet", "url": "http://example.org/tx/imported",
                "version": version, "status": "active",
                "compose": {"include": [{"system": "http://example.org/tx/cs", "concept": [{"code": code}]}]}}})
        };
        let mut body = json!({"resourceType": "Parameters", "parameter": [
            {"name": "valueSet", "resource": {"resourceType": "ValueSet", "status": "active",
                "compose": {"include": [{"valueSet": ["http://example.org/tx/imported"]}]}}},
            {"name": "tx-resource", "resource": {"resourceType": "CodeSystem", "url": "http://example.org/tx/cs",
                "version": "1", "status": "active", "content": "complete", "concept": [{"code": "a"}, {"code": "b"}]}},
            vs("1.0.0", "a"), vs("2.0.0", "b")
        ]});
        if !extra.is_null() {
            body["parameter"].as_array_mut().unwrap().push(extra);
        }
        post_params("/ValueSet/$expand", body)
    };
    // No version named: the latest supplied.
    let (s, _, vs) = run(Value::Null);
    assert_eq!(s, 200, "{vs}");
    assert_eq!(codes(&vs), ["b"]);
    let pinned = |v: &str| json!({"name": "default-valueset-version", "valueUri": format!("http://example.org/tx/imported|{v}")});
    let (s, _, vs) = run(pinned("1.0.0"));
    assert_eq!(s, 200, "{vs}");
    assert_eq!(codes(&vs), ["a"]);
    assert!(
        vs["expansion"]["parameter"]
            .to_string()
            .contains("default-valueset-version"),
        "echoed: {vs}"
    );
    // Pinned to a version not held: said as an include that cannot be found, in that version.
    let unknown = run(pinned("3.0.0"));
    assert_outcome(
        &unknown,
        404,
        "Unable to find included value set 'http://example.org/tx/imported' version '3.0.0'",
    );
    assert!(
        unknown.2.to_string().contains("VS_EXP_IMPORT_UNK_PINNED"),
        "{}",
        unknown.2
    );
}

#[test]
fn not_selectable_is_known_by_its_uri_whatever_its_code() {
    let body = json!({"resourceType": "Parameters", "parameter": [
        {"name": "valueSet", "resource": {"resourceType": "ValueSet", "status": "active",
            "compose": {"include": [{"system": "http://example.org/tx/ns2"}]}}},
        {"name": "tx-resource", "resource": {"resourceType": "CodeSystem", "url": "http://example.org/tx/ns2",
            "version": "1", "status": "active", "content": "complete",
            "property": [{"code": "not-selectable", "uri": "http://hl7.org/fhir/concept-properties#notSelectable", "type": "boolean"}],
            "concept": [{"code": "group", "property": [{"code": "not-selectable", "valueBoolean": true}]},
                {"code": "leaf", "property": [{"code": "not-selectable", "valueBoolean": false}]}]}}
    ]});
    let (s, _, vs) = post_params("/ValueSet/$expand", body);
    assert_eq!(s, 200, "{vs}");
    let contains = vs["expansion"]["contains"].as_array().unwrap();
    let abstract_of =
        |code: &str| contains.iter().find(|c| c["code"] == code).unwrap()["abstract"].as_bool();
    assert_eq!(abstract_of("group"), Some(true), "{vs}");
    assert_eq!(abstract_of("leaf"), None, "{vs}");
}

#[test]
fn deeply_nested_ecl_is_refused_and_the_server_stays_up() {
    // A few thousand brackets once overflowed a worker's stack and aborted the server.
    let ecl = format!("{}<< 73211009{}", "(".repeat(5000), ")".repeat(5000));
    let (st, _, body) = get(&format!("/ValueSet/$expand?{}", ecl_url(&ecl)));
    assert_eq!(st, 400, "{body}");
    let text = body["issue"][0]["details"]["text"].as_str().unwrap();
    assert!(
        text.contains("at most 50 levels of nested brackets"),
        "{text}"
    );
    assert!(
        text.chars().count() < 400,
        "the expression is quoted cut: {text}"
    );
    let (st, _, _) = get("/health");
    assert_eq!(st, 200);
}

#[test]
fn member_filters_select_refset_members_by_their_columns() {
    let set = |ecl: &str| -> BTreeSet<String> {
        codes(&expand(&format!("{}&count=100", ecl_url(ecl))))
            .into_iter()
            .collect()
    };
    let of = |codes: &[&str]| -> BTreeSet<String> { codes.iter().map(|c| c.to_string()).collect() };
    // Which concepts the ICD-10 map sends to E10.9 (the map's own rows, every rule).
    assert_eq!(
        set(r#"^ 447562003 {{ M mapTarget = "E10.9" }}"#),
        of(&["46635009", "73211009"])
    );
    assert_eq!(
        set(r#"^ 447562003 {{ M mapTarget = wild:"E1*" }}"#),
        of(&["44054006", "46635009", "73211009"])
    );
    assert_eq!(set("^ 447562003 {{ M mapGroup = #2 }}"), of(&["46635009"]));
    assert_eq!(
        set(r#"^ 447562003 {{ M mapGroup = #1, mapTarget != "E10.9" }}"#),
        of(&["22298006", "271737000", "44054006", "73211009"])
    );
    // The concepts in a column: the target of a REPLACED BY association.
    assert_eq!(
        set("^ [targetComponentId] 900000000000526001"),
        of(&["44054006"])
    );
    // Members chosen by a concept column: the inactive concept whose association points into
    // diabetes.
    assert_eq!(
        set("^ 900000000000527005 {{ M targetComponentId = << 73211009 }}"),
        of(&["3000001009"])
    );
    assert_eq!(
        set("^ 900000000000527005 {{ M targetComponentId = << 22298006 }}"),
        BTreeSet::new()
    );
    // A column the refset does not have is named, not an empty set.
    let (st, _, body) = get(&format!(
        "/ValueSet/$expand?{}",
        ecl_url("^ 900000000000526001 {{ M mapTarget = \"x\" }}")
    ));
    assert_eq!(st, 422, "{body}");
    assert!(
        body.to_string()
            .contains("'mapTarget' is not a column of reference set 900000000000526001"),
        "{body}"
    );
}

//! SNOMED CT post-coordinated expressions over HTTP: `$validate-code` (code system and value
//! set), `$lookup` and `$expand` of a value set that lists one, against the fixture release.

use crate::server::*;
use serde_json::{Value, json};

const SCT: &str = "http://snomed.info/sct";
const GOOD: &str = "73211009:363698007=113331007";

fn validate(code: &str, extra: &str) -> Value {
    let code = code.replace('+', "%2B").replace('|', "%7C");
    let (s, _, p) = get(&format!(
        "/CodeSystem/$validate-code?url={SCT}&code={code}{extra}"
    ));
    assert_eq!(s, 200, "{p}");
    p
}

fn issue_texts(p: &Value) -> Vec<String> {
    param(p, "issues").unwrap()["resource"]["issue"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["details"]["text"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_valid_expression_is_valid_with_its_terms_and_says_what_was_not_checked() {
    let p = validate(GOOD, "");
    assert_eq!(param(&p, "result").unwrap()["valueBoolean"], true, "{p}");
    assert_eq!(
        param(&p, "display").unwrap()["valueString"],
        "73211009|Diabetes mellitus|:363698007|Finding site|=113331007|Endocrine system structure|"
    );
    let issues = &param(&p, "issues").unwrap()["resource"]["issue"];
    assert_eq!(issues[0]["severity"], "information");
    assert_eq!(issues[0]["details"]["coding"][0]["code"], "process-note");
    assert!(
        issues[0]["details"]["text"]
            .as_str()
            .unwrap()
            .contains("MRCM")
    );
    // Terms and white space as a person writes them are the same expression.
    let p = validate(
        "73211009 |Diabetes| : 363698007 |Finding site| = 113331007",
        "",
    );
    assert_eq!(param(&p, "result").unwrap()["valueBoolean"], true, "{p}");
}

#[test]
fn an_invalid_expression_is_an_unknown_code_with_the_reason() {
    // An unknown concept as a value.
    let p = validate("73211009:363698007=1234567890", "");
    assert_eq!(param(&p, "result").unwrap()["valueBoolean"], false);
    let texts = issue_texts(&p);
    assert!(
        texts[0].starts_with("Unknown code '73211009:363698007=1234567890'"),
        "{texts:?}"
    );
    assert!(texts[0].ends_with("(International Edition)"), "{texts:?}");
    assert_eq!(
        texts[1],
        "Not a valid expression: Concept 1234567890 not found"
    );
    // A concept that is not an attribute in an attribute's place.
    let p = validate("73211009:113331007=363698007", "");
    assert_eq!(
        issue_texts(&p)[1],
        "Not a valid expression: Concept 113331007 is not valid in this context (must be a descendent of one of 410662002,106237007)"
    );
    // Not grammar: where and what was expected.
    let p = validate("73211009:363698007", "");
    assert_eq!(
        issue_texts(&p)[1],
        "Not a valid expression: expected '=' at character 19"
    );
}

#[test]
fn lookup_of_an_expression_refines_its_focus_concept() {
    let (s, _, p) = get(&format!(
        "/CodeSystem/$lookup?system={SCT}&code={}",
        "44054006:363698007=113331007"
    ));
    assert_eq!(s, 200, "{p}");
    assert_eq!(
        param(&p, "display").unwrap()["valueString"],
        "44054006|Type 2 diabetes mellitus|:363698007|Finding site|=113331007|Endocrine system structure|"
    );
    assert_eq!(
        param(&p, "code").unwrap()["valueCode"],
        "44054006:363698007=113331007"
    );
    let props = properties(&p);
    assert!(
        props.contains(&("parent".to_string(), json!("73211009"))),
        "{props:?}"
    );
    assert!(props.contains(&("363698007".to_string(), json!("113331007"))));
    // An invalid one is not found, with the reason.
    let (s, _, p) = get(&format!(
        "/CodeSystem/$lookup?system={SCT}&code={}",
        "44054006:363698007=999999999"
    ));
    assert_eq!(s, 404);
    assert!(p.to_string().contains("Concept 999999999 not found"), "{p}");
}

#[test]
fn value_sets_admit_expressions_by_their_rules() {
    let vs = |include: Value| {
        json!({"resourceType": "ValueSet", "url": "http://example.org/vs/pc", "version": "1",
               "status": "active", "compose": {"include": [include]}})
    };
    let check = |include: Value, code: &str| -> bool {
        let (s, _, p) = post_params(
            "/ValueSet/$validate-code",
            json!({"resourceType": "Parameters", "parameter": [
                {"name": "valueSet", "resource": vs(include)},
                {"name": "system", "valueUri": SCT},
                {"name": "code", "valueCode": code}]}),
        );
        assert_eq!(s, 200, "{p}");
        param(&p, "result").unwrap()["valueBoolean"]
            .as_bool()
            .unwrap()
    };
    let isa = |extra: Option<&str>| {
        let mut filter = vec![json!({"property": "concept", "op": "is-a", "value": "64572001"})];
        if let Some(v) = extra {
            filter.push(json!({"property": "expressions", "op": "=", "value": v}));
        }
        json!({"system": SCT, "filter": filter})
    };
    // A rule admits an expression whose focus concept meets it, unless it says no.
    assert!(check(isa(None), GOOD));
    assert!(check(isa(Some("true")), GOOD));
    assert!(!check(isa(Some("false")), GOOD));
    assert!(
        check(isa(Some("false")), "73211009"),
        "plain concepts stay members"
    );
    assert!(
        !check(isa(None), "113331007:363698007=113331007"),
        "focus outside the rule"
    );
    // Listed concepts admit only the expressions listed (written any way).
    let listed = json!({"system": SCT, "concept": [{"code": "73211009"}, {"code": "73211009 : 363698007 = 113331007"}]});
    assert!(check(listed.clone(), GOOD));
    assert!(!check(
        json!({"system": SCT, "concept": [{"code": "73211009"}]}),
        GOOD
    ));
    // $expand lists a listed expression with its terms; a rule that admits expressions is
    // unclosed, one that refuses them is not.
    let (s, _, e) = post_params(
        "/ValueSet/$expand",
        json!({"resourceType": "Parameters", "parameter": [{"name": "valueSet", "resource": vs(listed)}]}),
    );
    assert_eq!(s, 200, "{e}");
    let contains = e["expansion"]["contains"].as_array().unwrap();
    assert!(contains.iter().any(|c| c["code"] == "73211009 : 363698007 = 113331007"
        && c["display"] == "73211009|Diabetes mellitus|:363698007|Finding site|=113331007|Endocrine system structure|"), "{e}");
    let unclosed = |include: Value| {
        let (_, _, e) = post_params(
            "/ValueSet/$expand",
            json!({"resourceType": "Parameters", "parameter": [{"name": "valueSet", "resource": vs(include)}]}),
        );
        e["expansion"]["extension"]
            .to_string()
            .contains("valueset-unclosed")
    };
    assert!(unclosed(isa(None)));
    assert!(!unclosed(isa(Some("false"))));
}

#[test]
fn a_deeply_nested_expression_is_refused_with_the_reason_and_the_server_stays_up() {
    let deep = format!(
        "{}113331007{}",
        "73211009:363698007=(".repeat(3000),
        ")".repeat(3000)
    );
    let p = validate(&deep, "");
    assert_eq!(param(&p, "result").unwrap()["valueBoolean"], false);
    assert!(
        issue_texts(&p)
            .iter()
            .any(|t| t.contains("at most 50 levels of nested brackets")),
        "{p}"
    );
    let (st, _, _) = get("/health");
    assert_eq!(st, 200);
}

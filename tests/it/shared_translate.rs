//! `$translate` on the real SNOMED CT → ICD-10 map (2014 International Delta, 24,468 rows) loaded
//! on top of the Snow Owl 2021 sample: every active row is served (rows in = rows served), and
//! age, sex and co-condition cases give the answers the map rows themselves state.

use crate::common::*;
use crate::server::{get_from, param, params, part, start};
use serde_json::{Value, json};
use std::collections::BTreeMap;

const MAP_FILE: &str = "snomed-sample-rvf/der2_iisssccRefset_ExtendedMapDelta_INT_20140131.txt.gz";

struct Row {
    active: bool,
    group: i64,
    priority: i64,
    rule: String,
    target: String,
}

fn map_rows() -> BTreeMap<String, Vec<Row>> {
    let m = concord_loaders::source::members(&shared(MAP_FILE))
        .unwrap()
        .remove(0);
    let mut text = String::new();
    std::io::Read::read_to_string(&mut m.open().unwrap(), &mut text).unwrap();
    let mut out: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        out.entry(c[5].to_string()).or_default().push(Row {
            active: c[2] == "1",
            group: c[6].parse().unwrap(),
            priority: c[7].parse().unwrap(),
            rule: c[8].to_string(),
            target: c[10].to_string(),
        });
    }
    out
}

fn server() -> (String, tempfile::TempDir) {
    let d = tmp();
    import_ok(
        d.path(),
        &[
            shared("snomed-sample-snowowl/SnomedCT_InternationalRF2_PRODUCTION_20210731T120000Z-minified.zip").to_str().unwrap(),
            shared(MAP_FILE).to_str().unwrap(),
        ],
    );
    (start(d.path()), d)
}

fn post(base: &str, body: Value) -> Value {
    let r = reqwest::blocking::Client::new()
        .post(format!("{base}/ConceptMap/$translate"))
        .header("Content-Type", "application/fhir+json")
        .body(body.to_string())
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json().unwrap()
}

#[test]
#[ignore = "needs ../shared/data"]
fn shared_real_icd10_map_every_active_row_is_served() {
    let rows = map_rows();
    let (base, _d) = server();
    let client = reqwest::blocking::Client::new();
    let (mut rows_in, mut rows_served) = (0usize, 0usize);
    for (source, list) in &rows {
        let mut active: Vec<&Row> = list.iter().filter(|r| r.active).collect();
        active.sort_by_key(|r| (r.group, r.priority));
        rows_in += active.len();
        let p: Value = client
            .get(format!("{base}/ConceptMap/$translate?url=http://snomed.info/sct?fhir_cm=447562003&system=http://snomed.info/sct&code={source}"))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let served: Vec<(i64, i64, String, String)> = params(&p, "match")
            .into_iter()
            .map(|m| {
                (
                    part(m, "mapGroup").unwrap()["valueInteger"]
                        .as_i64()
                        .unwrap(),
                    part(m, "mapPriority").unwrap()["valueInteger"]
                        .as_i64()
                        .unwrap(),
                    part(m, "mapRule").unwrap()["valueString"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    part(m, "concept")
                        .map(|c| c["valueCoding"]["code"].as_str().unwrap().to_string())
                        .unwrap_or_default(),
                )
            })
            .collect();
        // Without patient context every row of every group is returned (TRUE rows stand alone).
        let expected: Vec<(i64, i64, String, String)> = active
            .iter()
            .map(|r| (r.group, r.priority, r.rule.clone(), r.target.clone()))
            .collect();
        assert_eq!(served, expected, "source {source}");
        rows_served += served.len();
    }
    assert_eq!(rows_in, 24_468 - 1_351, "active rows in the delta");
    assert_eq!(rows_served, rows_in, "rows in = rows served");
}

#[test]
#[ignore = "needs ../shared/data"]
fn shared_real_icd10_map_rules_decide_with_context() {
    let rows = map_rows();
    let (base, _d) = server();
    let ask = |code: &str, deps: Vec<Value>| -> Vec<String> {
        let mut parameter = vec![
            json!({"name": "url", "valueUri": "http://snomed.info/sct?fhir_cm=447562003"}),
            json!({"name": "system", "valueUri": "http://snomed.info/sct"}),
            json!({"name": "code", "valueCode": code}),
        ];
        parameter.extend(deps);
        let p = post(
            &base,
            json!({"resourceType": "Parameters", "parameter": parameter}),
        );
        params(&p, "match")
            .into_iter()
            .map(|m| {
                part(m, "concept")
                    .map(|c| c["valueCoding"]["code"].as_str().unwrap().to_string())
                    .unwrap_or_default()
            })
            .collect()
    };
    // What the rows say, read straight from the file: the target of the row whose rule names the
    // condition, and the OTHERWISE TRUE target.
    let target_of = |code: &str, pred: &dyn Fn(&str) -> bool| {
        rows[code]
            .iter()
            .find(|r| r.active && pred(&r.rule))
            .unwrap()
            .target
            .clone()
    };
    let age = |v: f64, unit: &str| json!({"name": "dependency", "part": [{"name": "element", "valueUri": "http://snomed.info/id/445518008"}, {"name": "value", "valueQuantity": {"value": v, "code": unit}}]});
    let sex = |s: &str| json!({"name": "dependency", "part": [{"name": "element", "valueUri": "http://hl7.org/fhir/StructureDefinition/Patient#Patient.gender"}, {"name": "concept", "valueCodeableConcept": {"coding": [{"code": s}]}}]});
    let cond = |c: &str| json!({"name": "dependency", "part": [{"name": "element", "valueUri": "http://snomed.info/id/404684003"}, {"name": "concept", "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": c}]}}]});

    // 10633002: IFA age at onset <= 28.0 days → P29.0, OTHERWISE TRUE → I50.0
    let newborn = target_of("10633002", &|r| r.contains("<= 28.0 days"));
    let otherwise = target_of("10633002", &|r| r == "OTHERWISE TRUE");
    assert_eq!((newborn.as_str(), otherwise.as_str()), ("P29.0", "I50.0"));
    assert_eq!(ask("10633002", vec![age(10.0, "d")]), vec![newborn.clone()]);
    assert_eq!(ask("10633002", vec![age(3.0, "wk")]), vec![newborn]);
    assert_eq!(ask("10633002", vec![age(45.0, "a")]), vec![otherwise]);
    assert_eq!(
        ask("10633002", vec![]).len(),
        2,
        "undecided without context"
    );

    // 398318005: IFA 248152002 Female → N76.8, OTHERWISE TRUE → N49.8
    let female = target_of("398318005", &|r| r.contains("248152002"));
    let male = target_of("398318005", &|r| r == "OTHERWISE TRUE");
    assert_eq!(ask("398318005", vec![sex("female")]), vec![female]);
    assert_eq!(ask("398318005", vec![sex("male")]), vec![male]);

    // 10070005: group 1 TRUE → T37.8; group 2 co-condition rules, OTHERWISE TRUE → X44
    let g1 = target_of("10070005", &|r| r == "TRUE");
    let intentional = target_of("10070005", &|r| r.contains("291671006"));
    let fallback = rows["10070005"]
        .iter()
        .find(|r| r.active && r.group == 2 && r.rule == "OTHERWISE TRUE")
        .unwrap()
        .target
        .clone();
    assert_eq!(
        ask("10070005", vec![cond("291671006")]),
        vec![g1.clone(), intentional]
    );
    assert_eq!(
        ask("10070005", vec![sex("female")]),
        vec![g1, fallback],
        "context given, no such condition: the fallback"
    );
}

#[test]
#[ignore = "needs ../shared/data"]
fn shared_real_icd10_map_reverse_and_cli() {
    let (base, d) = server();
    let (s, _, p) = get_from(
        &base,
        "/ConceptMap/$translate?url=http://snomed.info/sct?fhir_cm=447562003&system=http://hl7.org/fhir/sid/icd-10&code=I50.0&reverse=true",
        &[],
    );
    assert_eq!(s, 200);
    let n = params(&p, "match").len();
    assert!(n >= 1, "{p}");
    assert!(
        param(&p, "message").unwrap()["valueString"]
            .as_str()
            .unwrap()
            .contains("not clinically safe")
    );
    let out = concord(&[
        "translate",
        "--data",
        d.path().to_str().unwrap(),
        "--target",
        "icd10",
        "--sex",
        "female",
        "sct",
        "398318005",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("N76.8"));
}

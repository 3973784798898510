//! The offline CLI forms: `concord lookup` and `concord validate` on CSV / NDJSON files.

use crate::common::*;
use std::path::Path;
use std::process::Output;

/// `concord lookup --data DATA SYSTEM CODE`.
fn lookup(data: &Path, system: &str, code: &str) -> Output {
    concord(&["lookup", "--data", data.to_str().unwrap(), system, code])
}

/// `concord validate --data DATA FILE`.
fn validate(data: &Path, file: &Path) -> Output {
    concord(&[
        "validate",
        "--data",
        data.to_str().unwrap(),
        file.to_str().unwrap(),
    ])
}

#[test]
fn lookup_prints_display_and_properties() {
    let d = sct_icd10cm_mini_data();
    let out = lookup(d.path(), "sct", "73211009");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s = text(&out.stdout);
    assert!(s.starts_with("Diabetes mellitus (SNOMED CT http://snomed.info/sct/900000000000207008/version/20250131)"), "{s}");
    assert!(s.contains("  parent = 64572001 |Disease|"), "{s}");
    let out = concord(&[
        "lookup",
        "--data",
        d.path().to_str().unwrap(),
        "--json",
        "icd10cm",
        "E11.9",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["resourceType"], "Parameters");
    let out = lookup(d.path(), "sct", "1234");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("Unable to find code '1234'"));
}

#[test]
fn validate_csv_reports_every_row_and_fails_when_any_is_invalid() {
    let d = sct_icd10cm_mini_data();
    let t = tmp();
    let csv = t.path().join("codes.csv");
    std::fs::write(
        &csv,
        "system,code,display\nhttp://snomed.info/sct,44054006,Type 2 diabetes mellitus\nsct,22298006,Heart failure\nicd10cm,E11.9,\nhttp://snomed.info/sct,,\nicd10cm,\"unterminated\n",
    )
    .unwrap();
    let out = validate(d.path(), &csv);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let rows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 5, "{rows:?}");
    assert_eq!(
        (rows[0]["line"].as_u64(), rows[0]["valid"].as_bool()),
        (Some(2), Some(true))
    );
    assert_eq!(rows[1]["valid"], false);
    assert!(
        rows[1]["message"]
            .as_str()
            .unwrap()
            .contains("Wrong Display Name")
    );
    assert_eq!(rows[2]["valid"], true);
    assert_eq!(
        (rows[3]["line"].as_u64(), rows[3]["error"].as_str()),
        (Some(5), Some("no code"))
    );
    assert_eq!(rows[4]["valid"], false);
    assert!(text(&out.stderr).contains("2 valid, 3 invalid"));
}

#[test]
fn validate_ndjson_with_a_value_set_and_a_bad_line() {
    let d = sct_icd10cm_mini_data();
    let t = tmp();
    let f = t.path().join("codes.ndjson");
    std::fs::write(
        &f,
        "{\"system\":\"http://snomed.info/sct\",\"code\":\"44054006\"}\n{not json}\n{\"system\":\"http://snomed.info/sct\",\"code\":\"22298006\"}\n",
    )
    .unwrap();
    let out = concord(&[
        "validate",
        "--data",
        d.path().to_str().unwrap(),
        "--value-set",
        "http://snomed.info/sct?fhir_vs=isa/73211009",
        f.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let rows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows[0]["valid"], true);
    assert_eq!(rows[1]["line"], 2);
    assert!(
        rows[1]["error"]
            .as_str()
            .unwrap()
            .starts_with("malformed JSON")
    );
    assert_eq!(rows[2]["valid"], false);
    assert_eq!(rows[2]["issues"][0], "not-in-vs");
    let ok = t.path().join("ok.ndjson");
    std::fs::write(&ok, "{\"system\":\"icd10cm\",\"code\":\"E11.9\"}\n").unwrap();
    let out = validate(d.path(), &ok);
    assert!(out.status.success());
}

#[test]
fn translate_one_code_and_a_file() {
    let d = sct_icd10cm_mini_data();
    let dir = d.path().to_str().unwrap();
    let out = concord(&[
        "translate",
        "--data",
        dir,
        "--target",
        "icd10",
        "--age",
        "8a",
        "sct",
        "73211009",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("group 1 priority 1 relatedto E10.9"),
        "{}",
        text(&out.stdout)
    );
    let t = tmp();
    let f = t.path().join("codes.csv");
    std::fs::write(&f, "system,code,target,sex,age,conditions\nsct,46635009,icd10,female,,\nsct,271737000,icd10,,,44054006\nsct,12345,icd10,,,\nsct,73211009,icd10,,3h,\n").unwrap();
    let out = concord(&["translate", "--data", dir, "--file", f.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a row without a target fails the run"
    );
    let rows: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 4);
    let codes = |r: &serde_json::Value| {
        r["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["code"].as_str().unwrap_or("-").to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(codes(&rows[0]), ["E10.9", "O24.0"]);
    assert_eq!(codes(&rows[1]), ["D63.8"]);
    assert!(
        rows[2]["error"]
            .as_str()
            .unwrap()
            .contains("Unable to find code '12345'")
    );
    assert!(rows[3]["error"].as_str().unwrap().contains("age unit 'h'"));
}

#[test]
fn a_code_system_loaded_only_as_a_stub_is_not_loaded_and_says_so() {
    // The HL7 packages declare SNOMED CT with `content: not-present`; with no release imported,
    // no SNOMED code is "unknown" — the code system is, and the answer says why.
    let d = tmp();
    import_snomed_stub(d.path());
    let said = "A definition for CodeSystem 'http://snomed.info/sct' could not be found";
    let hint = "only a CodeSystem resource without its codes is loaded here";
    let out = lookup(d.path(), "sct", "73211009");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains(said) && err.contains(hint), "{err}");
    let csv = d.path().join("codes.csv");
    std::fs::write(&csv, "system,code\nhttp://snomed.info/sct,73211009\n").unwrap();
    let out = validate(d.path(), &csv);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let row: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert_eq!(row["valid"], false, "{row}");
    let message = row["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(said) && message.contains("so the code cannot be validated"),
        "{row}"
    );
    assert!(!message.contains("Unknown code"), "{row}");
}

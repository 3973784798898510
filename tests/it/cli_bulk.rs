//! `concord bulk` on a Bulk Data export with valid, invalid and inactive codings and two
//! corrupt lines: the counts match, the dead-letter file holds exactly the corrupt lines, and
//! re-running it processes only those (twice, the same).

use crate::common::*;
use serde_json::Value;
use std::path::Path;

fn bulk(data: &Path, args: &[&str]) -> (i32, String) {
    let mut a = vec!["bulk", args[0], "--data", data.to_str().unwrap(), "-q"];
    a.extend_from_slice(&args[1..]);
    let out = concord(&a);
    (out.status.code().unwrap_or(-1), text(&out.stderr))
}

#[test]
fn a_bulk_export_is_counted_and_its_corrupt_lines_dead_lettered() {
    let d = sct_icd10cm_mini_data();
    let out = tmp();
    let out_dir = out.path().join("run1");
    let (rc, err) = bulk(
        d.path(),
        &[
            "normalize",
            fixture("bulk").to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            "--annotate",
        ],
    );
    assert_eq!(rc, 2, "{err}");
    assert!(
        err.contains("in: 9 lines = 7 results + 2 dead-letter"),
        "{err}"
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["resources"], 7);
    let c = &report["paths"]["Condition.code.coding"];
    assert_eq!(
        (
            c["codings"].as_u64(),
            c["valid"].as_u64(),
            c["invalid"].as_u64(),
            c["inactive"].as_u64()
        ),
        (Some(6), Some(3), Some(2), Some(1))
    );
    let v = &report["paths"]["Observation.valueCodeableConcept.coding"];
    assert_eq!(v["inactive"], 1);
    // The UCUM quantity is a measurement, not a coding.
    assert_eq!(report["totals"]["codings"], 9);
    let offenders: Vec<&str> = report["topOffenders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["coding"].as_str().unwrap())
        .collect();
    assert!(offenders.contains(&"http://snomed.info/sct|12345678"));

    // Exactly the corrupt lines, with source, line, reason and the original bytes.
    let dl = out_dir.join("dead-letter.ndjson");
    let entries = ndjson_file(&dl);
    let at: Vec<(String, u64)> = entries
        .iter()
        .map(|e| {
            (
                Path::new(e["source"].as_str().unwrap())
                    .file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string(),
                e["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        at,
        [
            ("Condition.ndjson".to_string(), 5),
            ("Observation.ndjson".into(), 2)
        ]
    );
    let original_line = std::fs::read_to_string(fixture("bulk/Observation.ndjson"))
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(entries[1]["original"], original_line);
    assert!(
        entries[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("not JSON")
    );

    // The annotated copy adds the canonical coding to the ICD-10-CM condition.
    let annotated = std::fs::read_to_string(out_dir.join("Condition.annotated.ndjson")).unwrap();
    let c2: Value = serde_json::from_str(annotated.lines().nth(1).unwrap()).unwrap();
    let codes: Vec<&str> = c2["code"]["coding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(&codes[..2], ["E11.9", "44054006"]);

    // Re-running the dead-letter file processes only its two units; twice gives the same.
    let again = out.path().join("again.ndjson");
    for _ in 0..2 {
        let (rc, err) = bulk(
            d.path(),
            &[
                "validate",
                dl.to_str().unwrap(),
                "--dead-letter",
                again.to_str().unwrap(),
                "--out",
                out.path().join("run2").to_str().unwrap(),
            ],
        );
        assert_eq!(rc, 2);
        assert!(
            err.contains("in: 2 lines = 0 results + 2 dead-letter"),
            "{err}"
        );
        assert_eq!(ndjson_file(&again), entries);
    }
    // After a fix, the re-run goes through and leaves no dead letters behind.
    let mut fixed = entries[0].clone();
    fixed["original"] = Value::String(
        r#"{"resourceType":"Condition","id":"c5","code":{"coding":[{"system":"http://snomed.info/sct","code":"44054006"}]}}"#.into(),
    );
    std::fs::write(&again, format!("{fixed}\n")).unwrap();
    let (rc, err) = bulk(
        d.path(),
        &[
            "validate",
            again.to_str().unwrap(),
            "--dead-letter",
            again.to_str().unwrap(),
        ],
    );
    assert_eq!(rc, 0, "{err}");
    assert!(
        err.contains("in: 1 lines = 1 results + 0 dead-letter"),
        "{err}"
    );
    assert!(!again.exists());
}

//! Import through the CLI on the hand-written fixtures: exact counts, Full == Snapshot, Delta on
//! top of a base, accumulation across code systems, ICD-10 generation rules, FHIR resources.

use crate::common::*;

#[test]
fn rf2_mini_snapshot_loads_with_exact_counts() {
    let d = tmp();
    let out = import_ok(d.path(), &[rf2_mini().to_str().unwrap()]);
    assert!(
        out.contains("http://snomed.info/sct/900000000000207008/version/20250131: 17 concepts"),
        "{out}"
    );
    let s = status(d.path());
    assert_eq!(count(&s, "concept"), 17);
    assert_eq!(count(&s, "designation"), 39);
    assert_eq!(
        count(&s, "relationship"),
        16,
        "15 relationships + 1 concrete value"
    );
    assert_eq!(count(&s, "is_a"), 14);
    assert_eq!(count(&s, "refset_member"), 78 + 2 + 2 + 9 + 1 + 2);
    assert_eq!(count(&s, "map_entry"), 10);
    assert_eq!(s["format_version"], concord::store::FORMAT_VERSION);
    assert_eq!(s["sources"][0]["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn rf2_mini_full_gives_the_same_snapshot() {
    let (a, b) = (tmp(), tmp());
    import_ok(
        a.path(),
        &["--release-type", "snapshot", rf2_mini().to_str().unwrap()],
    );
    import_ok(
        b.path(),
        &["--release-type", "full", rf2_mini().to_str().unwrap()],
    );
    assert_eq!(snomed_digest(a.path()), snomed_digest(b.path()));
    // and the older Full rows really were there and lost to the newer ones
    let db = open_db(b.path());
    let active: bool = db
        .query_row(
            "SELECT active FROM concept WHERE code = '3000001009'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(!active);
}

#[test]
fn rf2_delta_applies_on_top_of_the_loaded_release() {
    let d = tmp();
    import_ok(d.path(), &[rf2_mini().to_str().unwrap()]);
    let out = import_ok(
        d.path(),
        &["--release-type", "delta", rf2_mini().to_str().unwrap()],
    );
    assert!(out.contains("version/20250731"), "{out}");
    let s = status(d.path());
    let versions: Vec<String> = code_systems(&s).into_iter().map(|c| c.1).collect();
    assert_eq!(
        versions,
        vec![
            "http://snomed.info/sct/900000000000207008/version/20250131".to_string(),
            "http://snomed.info/sct/900000000000207008/version/20250731".to_string()
        ],
        "base and delta-applied versions coexist"
    );
    let db = open_db(d.path());
    let (active, ds): (bool, String) = db
        .query_row(
            "SELECT d.active, c.definition_status FROM designation d JOIN concept c ON c.cs = d.cs AND c.code = '46635009'
             WHERE d.term = 'Heart attack' AND d.cs = (SELECT max(id) FROM code_system)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(!active, "the Delta inactivated the synonym");
    assert_eq!(ds, "900000000000074008");
}

#[test]
fn rf2_delta_without_a_base_is_refused() {
    let d = tmp();
    let out = import(
        d.path(),
        &["--release-type", "delta", rf2_mini().to_str().unwrap()],
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("this is a Delta, but no SNOMED CT release is loaded"),
        "{err}"
    );
    assert!(!d.path().join("CURRENT").exists(), "nothing was published");
}

#[test]
fn imports_accumulate_and_a_reimport_replaces_only_that_version() {
    let d = tmp();
    import_ok(d.path(), &[rf2_mini().to_str().unwrap()]);
    import_ok(d.path(), &[fixture("icd/claml-mini.xml").to_str().unwrap()]);
    let s = status(d.path());
    let cs = code_systems(&s);
    assert_eq!(cs.len(), 2, "{cs:?}");
    assert!(
        cs.iter()
            .any(|c| c.0 == "http://snomed.info/sct" && c.2 == 17)
    );
    assert!(
        cs.iter()
            .any(|c| c.0 == "http://hl7.org/fhir/sid/icd-10" && c.1 == "2019-mini" && c.2 == 12)
    );
    let out = import_ok(d.path(), &[fixture("icd/claml-mini.xml").to_str().unwrap()]);
    assert!(
        out.contains("replaces the loaded http://hl7.org/fhir/sid/icd-10|2019-mini"),
        "{out}"
    );
    let s2 = status(d.path());
    assert_eq!(code_systems(&s2), cs);
    assert_eq!(count(&s2, "concept"), count(&s, "concept"));
    assert_eq!(
        s2["sources"].as_array().unwrap().len(),
        3,
        "sources accumulate in the manifest"
    );
}

#[test]
fn icd10cm_tabular_generates_seventh_characters_and_honours_the_stated_exception() {
    let d = tmp();
    import_ok(
        d.path(),
        &[fixture("icd/icd10cm-mini.xml").to_str().unwrap()],
    );
    let codes = codes_of(d.path(), "http://hl7.org/fhir/sid/icd-10-cm");
    let expected = [
        "19", "4", "E08-E13", "E11", "E11.9", "S00-S09", "S06", "S06.0", "S06.0X", "S06.0X0",
        "S06.0X0A", "S06.0X0D", "S06.0X0S", "S06.0X7", "S06.0X7A", "S06.9", "S06.9XXA", "S06.9XXD",
        "S06.9XXS", "T07", "T07.XXXA",
    ];
    assert_eq!(codes, expected);
    let db = open_db(d.path());
    let parent: String = db
        .query_row("SELECT parent FROM is_a WHERE child = 'T07'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        parent, "19",
        "a single-category block is its category, hanging under the chapter"
    );
    let notes: Vec<String> = db
        .prepare("SELECT name || ': ' || value FROM property WHERE code = 'E11' AND name <> 'kind' ORDER BY rowid")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        notes,
        [
            "includes: diabetes (mellitus) due to insulin secretory defect",
            "excludes1: type 1 diabetes mellitus (E10.-)",
            "useAdditionalCode: code to identify control using insulin (Z79.4)"
        ]
    );
}

#[test]
fn claml_modifiers_rubrics_and_usage() {
    let d = tmp();
    import_ok(d.path(), &[fixture("icd/claml-mini.xml").to_str().unwrap()]);
    let codes = codes_of(d.path(), "http://hl7.org/fhir/sid/icd-10");
    assert_eq!(
        codes,
        [
            "A00-A09", "A01", "A01.0", "E11", "G01", "I", "S02", "S02.0", "S02.00", "S02.01",
            "S02.1", "S02.10"
        ]
    );
    let db = open_db(d.path());
    let props: Vec<(String, String)> = pairs(
        &db,
        "SELECT name, value FROM property WHERE code = 'A01.0' ORDER BY rowid",
    );
    assert_eq!(
        props,
        [
            ("kind".into(), "category".into()),
            ("usage".into(), "dagger".into()),
            (
                "inclusion".into(),
                "Infection due to Salmonella typhi".into()
            ),
            ("exclusion".into(), "paratyphoid fever (A01.4)".into())
        ]
    );
    let parent: String = db
        .query_row("SELECT parent FROM is_a WHERE child = 'S02.10'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(parent, "S02.1");
}

#[test]
fn fhir_resources_load_with_hierarchy_properties_and_maps() {
    let d = tmp();
    let out = import_ok(d.path(), &[fixture("fhir").to_str().unwrap()]);
    assert!(
        out.contains("http://example.org/fhir/CodeSystem/colours|1.0.0: 6 concepts"),
        "{out}"
    );
    let s = status(d.path());
    assert_eq!(count(&s, "value_set"), 2, "warm and ordered");
    assert_eq!(count(&s, "concept_map"), 1);
    let db = open_db(d.path());
    let parent: String = db
        .query_row("SELECT parent FROM is_a WHERE child = 'red'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(parent, "warm");
    let active: bool = db
        .query_row("SELECT active FROM concept WHERE code = 'mauve'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(!active, "status=retired marks the concept inactive");
    let fr: String = db
        .query_row(
            "SELECT term FROM designation WHERE code = 'red' AND language = 'fr'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(fr, "Rouge");
}

#[test]
fn default_dataset_icd10cm_has_every_entry() {
    let d = tmp();
    import_ok(
        d.path(),
        &[root()
            .join("data/icd10cm-tabular-April-1-2026.xml.gz")
            .to_str()
            .unwrap()],
    );
    let s = status(d.path());
    assert_eq!(
        code_systems(&s),
        vec![(
            "http://hl7.org/fhir/sid/icd-10-cm".into(),
            "2026".into(),
            98_466
        )]
    );
}

#[test]
fn import_writes_the_index_file_and_a_damaged_one_is_refused_by_name() {
    let d = tmp();
    let out = import_ok(d.path(), &[rf2_mini().to_str().unwrap()]);
    assert!(out.contains("index: 1 code system versions"), "{out}");
    let index = current_release(d.path()).join("index.bin");
    assert!(std::fs::metadata(&index).unwrap().len() > 1000);
    let lookup = || {
        concord(&[
            "lookup",
            "--data",
            d.path().to_str().unwrap(),
            "sct",
            "73211009",
        ])
    };
    let ok = lookup();
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    // Cut short: the directory at the end is gone, so the server must not start on it.
    let bytes = std::fs::read(&index).unwrap();
    std::fs::write(&index, &bytes[..bytes.len() / 2]).unwrap();
    let bad = lookup();
    assert!(!bad.status.success());
    let err = text(&bad.stderr);
    assert!(
        err.contains("index.bin") && err.contains("re-import"),
        "names the file and the way out: {err}"
    );
}

#[test]
fn experimental_snomed_content_is_versioned_xsct_and_resolved_by_it() {
    let d = tmp();
    let out = import_ok(d.path(), &["--experimental", rf2_mini().to_str().unwrap()]);
    let xsct = "http://snomed.info/xsct/900000000000207008/version/20250131";
    assert!(
        out.contains(&format!("http://snomed.info/sct|{xsct}")) || out.contains(xsct),
        "{out}"
    );
    let lookup = |system: &str| {
        concord(&[
            "lookup",
            "--data",
            d.path().to_str().unwrap(),
            system,
            "73211009",
        ])
    };
    let ok = lookup(xsct);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    assert!(text(&ok.stdout).contains("Diabetes mellitus"));
    // The published URI of the same module and date is another edition: not loaded.
    let published = lookup("http://snomed.info/sct/900000000000207008/version/20250131");
    assert!(!published.status.success());
    assert!(
        text(&published.stderr).contains(xsct),
        "{}",
        text(&published.stderr)
    );
    // A code system resource that only names SNOMED CT (as the HL7 packages do) does not
    // become the edition a request without a version gets.
    import_snomed_stub(d.path());
    let unversioned = lookup("http://snomed.info/sct");
    assert!(
        text(&unversioned.stdout).contains(xsct),
        "{}{}",
        text(&unversioned.stdout),
        text(&unversioned.stderr)
    );
    // Loaded side by side with the published edition: each answers by its own URI, and a
    // request naming no version gets the published one, although the xsct URI sorts later.
    import_ok(d.path(), &[rf2_mini().to_str().unwrap()]);
    let both = lookup(xsct);
    assert!(text(&both.stdout).contains(xsct), "{}", text(&both.stdout));
    let published_uri = "http://snomed.info/sct/900000000000207008/version/20250131";
    let by_published = lookup(published_uri);
    assert!(
        text(&by_published.stdout).contains(published_uri),
        "{}",
        text(&by_published.stderr)
    );
    let unversioned = lookup("http://snomed.info/sct");
    assert!(
        text(&unversioned.stdout).contains(published_uri),
        "{}",
        text(&unversioned.stdout)
    );
}

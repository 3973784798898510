//! Import tests on the public data in `../shared/data` (ignored by default; `.ci/run` runs them).

use crate::common::*;
use std::collections::{BTreeSet, HashMap};

const SNOWOWL_2021: &str =
    "snomed-sample-snowowl/SnomedCT_InternationalRF2_PRODUCTION_20210731T120000Z-minified.zip";
const SNOWOWL_2016: &str = "snomed-sample-snowowl/SnomedCT_RF2Release_INT_20160731_minified.zip";

#[test]
#[ignore = "needs ../shared/data"]
fn shared_snowowl_2021_snapshot_exact_counts() {
    let d = tmp();
    let out = import_ok(d.path(), &[shared(SNOWOWL_2021).to_str().unwrap()]);
    assert!(
        out.contains("http://snomed.info/sct/900000000000207008/version/20210731: 2026 concepts"),
        "{out}"
    );
    let s = status(d.path());
    assert_eq!(count(&s, "concept"), 2026);
    assert_eq!(count(&s, "designation"), 5055 + 151);
    assert_eq!(count(&s, "relationship"), 2921 + 2031);
    assert_eq!(count(&s, "is_a"), 1985);
    // Snapshot refset rows: 75+311+10266+7+2025+3+176+3+166+3+147+21+1992
    assert_eq!(count(&s, "refset_member"), 15195);
    assert_eq!(count(&s, "map_entry"), 2025 + 7);
    let db = open_db(d.path());
    let active: i64 = db
        .query_row("SELECT count(*) FROM concept WHERE active = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(active, 1960);
}

#[test]
#[ignore = "needs ../shared/data"]
fn shared_full_and_snapshot_give_identical_snapshots_and_snowstorm_mini_loads() {
    for pkg in [SNOWOWL_2021, SNOWOWL_2016] {
        let (a, b) = (tmp(), tmp());
        import_ok(
            a.path(),
            &["--release-type", "snapshot", shared(pkg).to_str().unwrap()],
        );
        import_ok(
            b.path(),
            &["--release-type", "full", shared(pkg).to_str().unwrap()],
        );
        assert_eq!(snomed_digest(a.path()), snomed_digest(b.path()), "{pkg}");
    }
    // Snowstorm's dummy content uses made-up ids without valid check digits: strict import
    // refuses it, `--lenient-ids` loads it.
    let mini = shared("snomed-sample-snowstorm/SnomedCT_MiniRF2");
    let t = tmp();
    let strict = import(t.path(), &[mini.to_str().unwrap()]);
    assert!(
        text(&strict.stderr).contains("SCTID 200001001 has a Concept partition"),
        "{}",
        text(&strict.stderr)
    );
    let (a, b) = (tmp(), tmp());
    import_ok(
        a.path(),
        &[
            "--lenient-ids",
            "--release-type",
            "snapshot",
            mini.to_str().unwrap(),
        ],
    );
    import_ok(
        b.path(),
        &[
            "--lenient-ids",
            "--release-type",
            "full",
            mini.to_str().unwrap(),
        ],
    );
    // Its Full and Snapshot are not the same release (the Snapshot has an OWL refset and fewer
    // concrete values than the Full), so only loading both is checked here.
    let db = open_db(a.path());
    let concrete: i64 = db
        .query_row(
            "SELECT count(*) FROM relationship WHERE value IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        concrete, 5,
        "every concrete value row kept (the file has 5 data rows below its comments)"
    );
}

#[test]
#[ignore = "needs ../shared/data"]
fn shared_snowowl_edge_cases_each_load_or_fail_clearly() {
    let base = tmp();
    import_ok(base.path(), &[shared(SNOWOWL_2021).to_str().unwrap()]);
    let dir = shared("snomed-sample-snowowl/edge-cases");
    let mut zips: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    zips.sort();
    assert_eq!(zips.len(), 33);
    let (mut loaded, mut failed) = (0, 0);
    for zip in zips {
        let d = tmp();
        // Most are Deltas: apply them to the 2021 release, as a user would.
        for e in std::fs::read_dir(base.path()).unwrap() {
            let e = e.unwrap();
            copy_all(&e.path(), &d.path().join(e.file_name()));
        }
        let before = status(d.path());
        let out = import(d.path(), &[zip.to_str().unwrap()]);
        if out.status.success() {
            loaded += 1;
        } else {
            failed += 1;
            let err = text(&out.stderr);
            let name = zip.file_name().unwrap().to_str().unwrap();
            assert!(
                err.contains(name) && err.contains(".txt:"),
                "{name}: unclear failure: {err}"
            );
            assert_eq!(
                status(d.path()),
                before,
                "{name}: a failed import must leave the release untouched"
            );
        }
    }
    assert_eq!((loaded, failed), (28, 5), "loaded/failed");
}

fn copy_all(from: &std::path::Path, to: &std::path::Path) {
    if from.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            copy_all(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}

#[test]
#[ignore = "needs ../shared/data"]
fn shared_rvf_every_file_type_recognised_or_explicitly_skipped() {
    let pkg = concord_loaders::rf2::Rf2Package::open(&shared(
        "snomed-sample-rvf/SnomedCT_RegressionTest_20130731",
    ))
    .unwrap();
    assert!(pkg.skipped.is_empty(), "{:?}", pkg.skipped);
    let kinds: BTreeSet<String> = pkg
        .files
        .iter()
        .map(|f| match &f.name.kind {
            concord_loaders::rf2::ContentKind::Refset { summary, pattern } => {
                format!("{pattern}Refset_{summary}")
            }
            k => format!("{k:?}"),
        })
        .collect();
    for k in [
        "Concept",
        "Description",
        "TextDefinition",
        "Relationship",
        "StatedRelationship",
        "Identifier",
        "sRefset_OWLExpression",
        "cRefset_Language",
        "cRefset_Association",
        "cRefset_AttributeValue",
        "Refset_Simple",
        "sRefset_SimpleMap",
        "iissscRefset_ComplexMap",
        "iisssccRefset_ExtendedMap",
        "cRefset_MRCMModuleScope",
        "cciRefset_RefsetDescriptor",
        "ciRefset_DescriptionType",
        "ssRefset_ModuleDependency",
        "scccRefset_MapCorrelationOrigin",
        "sscccRefset_ExpressionAssociation",
    ] {
        assert!(kinds.contains(k), "{k} not recognised; have {kinds:?}");
    }
    // The set deliberately holds invalid rows (it tests a validator): the import must stop with
    // file and line rather than load them.
    let d = tmp();
    let out = import(
        d.path(),
        &[shared("snomed-sample-rvf/SnomedCT_RegressionTest_20130731")
            .to_str()
            .unwrap()],
    );
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("sct2_Concept_Snapshot_INT_20130731.txt:8: id: SCTID 703649005 has a bad Verhoeff check digit"));
}

#[test]
#[ignore = "needs ../shared/data"]
fn shared_rvf_icd10_map_delta_every_row_stored_intact() {
    let d = tmp();
    import_ok(d.path(), &[shared(SNOWOWL_2021).to_str().unwrap()]);
    let map = shared("snomed-sample-rvf/der2_iisssccRefset_ExtendedMapDelta_INT_20140131.txt.gz");
    let out = import_ok(d.path(), &[map.to_str().unwrap()]);
    assert!(
        out.contains("24468 map rows name source concepts that are not in this release"),
        "{out}"
    );
    let mut text_rows = String::new();
    std::io::Read::read_to_string(&mut flate2_reader(&map), &mut text_rows).unwrap();
    let db = open_db(d.path());
    let mut st = db
        .prepare(
            "SELECT source_code, map_group, map_priority, coalesce(map_rule,''), coalesce(map_advice,''), target_code,
                    coalesce(correlation,''), coalesce(category,''), active
             FROM map_entry WHERE refset = '447562003' AND source_code = ?2 AND member_id = ?1",
        )
        .unwrap();
    let mut n = 0;
    for line in text_rows.lines().skip(1) {
        let c: Vec<&str> = line.split('\t').collect();
        let row: (
            String,
            i64,
            i64,
            String,
            String,
            String,
            String,
            String,
            bool,
        ) = st
            .query_row([c[0], c[5]], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            })
            .unwrap_or_else(|e| panic!("row {} missing: {e}", c[0]));
        assert_eq!(
            row,
            (
                c[5].into(),
                c[6].parse().unwrap(),
                c[7].parse().unwrap(),
                c[8].into(),
                c[9].into(),
                c[10].into(),
                c[11].into(),
                c[12].into(),
                c[2] == "1"
            ),
            "row {}",
            c[0]
        );
        n += 1;
    }
    assert_eq!(n, 24_468);
}

fn flate2_reader(p: &std::path::Path) -> Box<dyn std::io::Read> {
    let m = concord_loaders::source::members(p).unwrap().remove(0);
    m.open().unwrap()
}

#[test]
#[ignore = "needs ../shared/data"]
fn shared_icd10cm_2026_reproduces_the_code_list_with_right_parents() {
    let d = tmp();
    import_ok(
        d.path(),
        &[shared("icd10cm-2026/icd10cm-tabular-April-1-2026.xml.gz")
            .to_str()
            .unwrap()],
    );
    let mut list = String::new();
    std::io::Read::read_to_string(
        &mut flate2_reader(&shared("icd10cm-2026/code-list-April-2026.txt.gz")),
        &mut list,
    )
    .unwrap();
    let lines: Vec<&str> = list.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 98_505);
    let expected: BTreeSet<&str> = lines.iter().copied().collect();
    assert_eq!(expected.len(), 98_466);
    let codes = codes_of(d.path(), "http://hl7.org/fhir/sid/icd-10-cm");
    let ours: BTreeSet<String> = codes.iter().map(|c| c.replace('.', "")).collect();
    assert_eq!(
        ours.len(),
        codes.len(),
        "no two codes collapse when the dot is removed"
    );
    let expected: BTreeSet<String> = expected.into_iter().map(str::to_string).collect();
    assert_eq!(ours, expected);

    let db = open_db(d.path());
    let parents: HashMap<String, String> = pairs(&db, "SELECT child, parent FROM is_a");
    let set: BTreeSet<&str> = codes.iter().map(String::as_str).collect();
    for code in &codes {
        let parent = parents.get(code);
        if code.chars().all(|c| c.is_ascii_digit()) {
            assert!(parent.is_none(), "chapter {code} has no parent");
        } else if code.contains('-') || (code.len() == 3 && !code.contains('.')) {
            let p = parent.unwrap_or_else(|| panic!("{code} has no parent"));
            assert!(
                p.chars().all(|c| c.is_ascii_digit()) || (p.contains('-') && in_range(code, p)),
                "{code} under {p}"
            );
        } else {
            // A dotted code's parent is its longest listed prefix; generated 7th-character codes
            // skip the placeholder X padding (S06.9XXA → S06.9), listed placeholders stay (H21.1X).
            let mut prefix = code.clone();
            let want = loop {
                prefix.pop();
                let p = prefix.trim_end_matches('.');
                if set.contains(p) {
                    break p.to_string();
                }
                let trimmed = p.trim_end_matches('X').trim_end_matches('.');
                if code.len() == 8 && set.contains(trimmed) {
                    break trimmed.to_string();
                }
            };
            assert_eq!(parent, Some(&want), "parent of {code}");
        }
    }
    let notes: i64 = db.query_row("SELECT count(*) FROM property WHERE name IN ('excludes1','excludes2','inclusionTerm','codeFirst','codeAlso','useAdditionalCode','includes','notes','sevenChrNote')", [], |r| r.get(0)).unwrap();
    assert!(notes > 20_000, "notes kept: {notes}");
}

/// True when a 3-character category belongs to a block `A00-A09`. Categories with a letter in
/// third place (C4A, D3A, M1A, Z3A) sit inside blocks out of alphabetical order (C4A is in
/// C43-C44), so for them only the first character is compared.
fn in_range(code: &str, range: &str) -> bool {
    let (lo, hi) = range.split_once('-').unwrap();
    let c = &code[..3.min(code.len())];
    (lo <= c && c <= hi)
        || (c.as_bytes()[2].is_ascii_alphabetic() && lo.as_bytes()[0] == c.as_bytes()[0])
}

#[test]
#[ignore = "needs ../shared/data"]
fn shared_who_icd10_2019_claml_all_classes() {
    let d = tmp();
    let out = import_ok(
        d.path(),
        &[shared("icd10-who-2019-claml/icd10-who-2019.claml.xml.gz")
            .to_str()
            .unwrap()],
    );
    assert!(
        out.contains("http://hl7.org/fhir/sid/icd-10|2019: 12542 concepts"),
        "{out}"
    );
    let db = open_db(d.path());
    let kinds: Vec<(String, i64)> = pairs(
        &db,
        "SELECT kind, count(*) FROM concept GROUP BY kind ORDER BY kind",
    );
    assert_eq!(
        kinds,
        [
            ("block".to_string(), 274),
            ("category".to_string(), 2050 + 10_196),
            ("chapter".to_string(), 22)
        ]
    );
}

#[test]
#[ignore = "needs ../shared/data"]
fn shared_claml_modifier_fixture_generates_its_codes() {
    let d = tmp();
    import_ok(
        d.path(),
        &[
            "--system-url",
            "http://example.org/claml",
            shared("icd10-claml-fixtures/aehrc-modifiers-test.xml")
                .to_str()
                .unwrap(),
        ],
    );
    let codes = codes_of(d.path(), "http://example.org/claml");
    // D is modified by M then N; N2 is excluded after M1 (excludeOnPrecedingModifier "M M1").
    assert_eq!(
        codes,
        [
            "A", "A.1", "A.2", "A.3", "B", "BM1", "BM2", "C", "CM1", "D", "DM1", "DM1N1", "DM2",
            "DM2N1", "DM2N2"
        ]
    );
    for f in ["aehrc-simple-claml.xml", "thehyve-test.xml"] {
        let d = tmp();
        import_ok(
            d.path(),
            &[
                "--system-url",
                "http://example.org/claml",
                shared(&format!("icd10-claml-fixtures/{f}"))
                    .to_str()
                    .unwrap(),
            ],
        );
    }
}

#[test]
#[ignore = "needs ../shared/data"]
fn shared_hl7_terminology_all_code_systems_and_value_sets() {
    let d = tmp();
    import_ok(
        d.path(),
        &[shared("fhir-packages/hl7.terminology.r4-7.0.1.tgz")
            .to_str()
            .unwrap()],
    );
    let s = status(d.path());
    assert_eq!(count(&s, "code_system"), 897);
    assert_eq!(count(&s, "value_set"), 2499);
}

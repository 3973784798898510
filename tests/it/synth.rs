//! The synthetic release generator: its output imports cleanly with exactly the counts its
//! manifest states, Full loads to the same snapshot as Snapshot, an extension layers on top, and
//! a seed always gives the same release.

use crate::common::*;
use serde_json::Value;

fn synth(out: &std::path::Path, seed: &str) -> Value {
    let o = concord(&[
        "synth",
        "--scale",
        "0.01",
        "--seed",
        seed,
        "--out",
        out.to_str().unwrap(),
        "--full",
        "--extension",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    serde_json::from_str(&std::fs::read_to_string(out.join("synth-manifest.json")).unwrap())
        .unwrap()
}

#[test]
fn synthetic_release_imports_with_the_manifest_counts() {
    let out = tmp();
    let m = synth(out.path(), "7");
    let n = |k: &str| m["summary"][k].as_i64().unwrap_or_else(|| panic!("{k}"));
    assert!(n("concepts") > 3_700 && n("map_rows") > 1_000, "{m}");
    let pkg = out.path().join(m["package"].as_str().unwrap());
    let d = tmp();
    import_ok(d.path(), &[pkg.to_str().unwrap()]);
    let s = status(d.path());
    assert_eq!(count(&s, "concept"), n("concepts"));
    assert_eq!(count(&s, "designation"), n("descriptions"));
    assert_eq!(
        count(&s, "relationship"),
        n("relationships") + n("concrete_values")
    );
    assert_eq!(
        count(&s, "refset_member"),
        n("language_members")
            + n("associations")
            + n("inactivation_indicators")
            + n("map_rows")
            + 3
    );
    assert_eq!(count(&s, "map_entry"), n("map_rows"));
    let db = open_db(d.path());
    let active: i64 = db
        .query_row("SELECT count(*) FROM concept WHERE active = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(active, n("active_concepts"));
    let edges: i64 = db
        .query_row(
            "SELECT count(*) FROM relationship WHERE active = 1 AND type_id = '116680003'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(count(&s, "is_a"), edges);
    // Every file's row count in the manifest is what the import read.
    let out_text = import_ok(tmp().path(), &[pkg.to_str().unwrap()]);
    for (file, rows) in m["files"].as_object().unwrap() {
        if file.contains("/Snapshot/") && file.starts_with(m["package"].as_str().unwrap()) {
            let rel = file.split_once('/').unwrap().1;
            assert!(
                out_text.contains(&format!("{:>10}  {rel}", rows.as_i64().unwrap())),
                "{rel}: {rows}\n{out_text}"
            );
        }
    }

    // Full gives the same snapshot.
    let full = tmp();
    import_ok(
        full.path(),
        &["--release-type", "full", pkg.to_str().unwrap()],
    );
    assert_eq!(snomed_digest(d.path()), snomed_digest(full.path()));
    assert!(
        n("full_older_versions") > 0,
        "the Full really has older rows"
    );
}

/// The UK edition's shape, imported as an NHS user does: International, then the clinical
/// extension, then the drug extension, each in its own command. Each extension is layered on
/// the edition its module dependency refset names and becomes one edition version of its own;
/// the editions below stay served under their own URIs.
#[test]
fn extension_chain_imported_after_its_base_layers() {
    let out = tmp();
    let m = synth(out.path(), "7");
    let n = |k: &str| m["summary"][k].as_i64().unwrap();
    let pkg = out.path().join(m["package"].as_str().unwrap());
    let exts: Vec<String> = m["extension_packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| out.path().join(e.as_str().unwrap()).display().to_string())
        .collect();
    assert_eq!(exts.len(), 2, "{m}");
    let d = tmp();
    import_ok(d.path(), &[pkg.to_str().unwrap()]);
    let concepts_of = |ext: &str, date: &str| {
        m["files"][format!(
            "{}/Snapshot/Terminology/sct2_Concept_Snapshot_{ext}_{date}.txt",
            std::path::Path::new(ext_name(&m, ext)).display()
        )]
        .as_i64()
        .unwrap()
    };
    let clinical = import_ok(d.path(), &[&exts[0]]);
    assert!(
        clinical.contains(
            "layered on the loaded edition http://snomed.info/sct/900000000000207008/version/20250131"
        ),
        "{clinical}"
    );
    let drug = import_ok(d.path(), &[&exts[1]]);
    assert!(
        drug.contains(
            "layered on the loaded edition http://snomed.info/sct/11000000101/version/20250401"
        ),
        "{drug}"
    );
    let s = status(d.path());
    let versions = code_systems(&s);
    let find = |v: &str| {
        versions
            .iter()
            .find(|c| c.1 == v)
            .unwrap_or_else(|| panic!("{v} not in {versions:?}"))
            .2
    };
    let int = find("http://snomed.info/sct/900000000000207008/version/20250131");
    let uk = find("http://snomed.info/sct/11000000101/version/20250401");
    let dr = find("http://snomed.info/sct/11000001102/version/20250501");
    assert_eq!(int, n("concepts"));
    assert_eq!(uk, int + concepts_of("XX1000000", "20250401"));
    assert_eq!(dr, uk + concepts_of("XX1000001", "20250501"));
    assert_eq!(
        concepts_of("XX1000000", "20250401"),
        201,
        "0.01 × 20,000 extension concepts + the module concept"
    );

    // Served: extension concepts and descriptions under their edition, International as it was.
    let base = crate::server::start(d.path());
    let db = open_db(d.path());
    let (drug_concept, drug_parent): (String, String) = db
        .query_row(
            "SELECT child, parent FROM is_a WHERE child LIKE '%100000110%' AND child <> '11000001102'
             AND cs = (SELECT id FROM code_system WHERE version LIKE '%/11000001102/%') LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let (uk_concept, int_parent): (String, String) = db
        .query_row(
            "SELECT child, parent FROM is_a WHERE child = ?1
             AND cs = (SELECT id FROM code_system WHERE version LIKE '%/11000000101/%')",
            [&drug_parent],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let get = |p: &str| crate::server::get_from(&base, p, &[]);
    for (version, code, found) in [
        (
            "http://snomed.info/sct/11000001102",
            drug_concept.as_str(),
            true,
        ),
        (
            "http://snomed.info/sct/11000001102",
            uk_concept.as_str(),
            true,
        ),
        (
            "http://snomed.info/sct/11000001102/version/20250501",
            int_parent.as_str(),
            true,
        ),
        (
            "http://snomed.info/sct/11000000101",
            uk_concept.as_str(),
            true,
        ),
        (
            "http://snomed.info/sct/11000000101",
            drug_concept.as_str(),
            false,
        ),
        (
            "http://snomed.info/sct/900000000000207008/version/20250131",
            int_parent.as_str(),
            true,
        ),
        (
            "http://snomed.info/sct/900000000000207008",
            uk_concept.as_str(),
            false,
        ),
    ] {
        let (st, _, body) = get(&format!(
            "/CodeSystem/$lookup?system=http://snomed.info/sct&version={version}&code={code}"
        ));
        assert_eq!(st == 200, found, "{version} {code}: {body}");
        if found && code != int_parent {
            let designations = body["parameter"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|p| p["name"] == "designation")
                .count();
            assert!(designations >= 2, "the extension's descriptions: {body}");
            assert!(
                body.to_string()
                    .contains("\"version\",\"valueString\":\"http://snomed.info/sct/"),
                "{body}"
            );
        }
    }
    // Subsumption across the three modules, in the drug edition.
    let (st, _, body) = get(&format!(
        "/CodeSystem/$subsumes?system=http://snomed.info/sct&version=http://snomed.info/sct/11000001102&codeA={int_parent}&codeB={drug_concept}"
    ));
    assert_eq!(st, 200, "{body}");
    assert!(body.to_string().contains("\"subsumes\""), "{body}");
    // Importing both in one command gives the same versions.
    let one = tmp();
    import_ok(one.path(), &[pkg.to_str().unwrap(), &exts[0], &exts[1]]);
    let again: Vec<(String, String, i64)> = code_systems(&status(one.path()));
    assert_eq!(again, versions);

    // The drug extension without its clinical base is refused, naming what is missing, and the
    // published release stays as it was.
    let alone = tmp();
    import_ok(alone.path(), &[pkg.to_str().unwrap()]);
    let before = status(alone.path());
    let o = import(alone.path(), &[&exts[1]]);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("module 11000000101 version 20250401"), "{err}");
    assert_eq!(status(alone.path())["code_systems"], before["code_systems"]);
}

fn ext_name<'a>(m: &'a Value, ns: &str) -> &'a str {
    m["extension_packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .find(|e| e.contains(ns))
        .unwrap()
}

#[test]
fn a_seed_always_gives_the_same_release() {
    let (a, b) = (tmp(), tmp());
    let (ma, mb) = (synth(a.path(), "3"), synth(b.path(), "3"));
    assert_eq!(ma["files"], mb["files"]);
    let file = "Snapshot/Terminology/sct2_Description_Snapshot-en_INT_20250131.txt";
    let pa = a.path().join(ma["package"].as_str().unwrap()).join(file);
    let pb = b.path().join(mb["package"].as_str().unwrap()).join(file);
    assert_eq!(std::fs::read(pa).unwrap(), std::fs::read(pb).unwrap());
    let c = tmp();
    assert_ne!(synth(c.path(), "4")["files"], ma["files"]);
}

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

    // The extension layers on the International release.
    let ext = out.path().join(m["extension_package"].as_str().unwrap());
    let layered = import_ok(d.path(), &[ext.to_str().unwrap()]);
    assert!(
        layered.contains("layered on the loaded edition 900000000000207008"),
        "{layered}"
    );
    let s = status(d.path());
    let ext_cs = code_systems(&s)
        .into_iter()
        .find(|c| c.1.contains("/version/20250401"))
        .unwrap();
    assert!(
        ext_cs.1.starts_with("http://snomed.info/sct/11000000101/"),
        "{ext_cs:?}"
    );
    let ext_concepts = m["files"][format!(
        "{}/Snapshot/Terminology/sct2_Concept_Snapshot_XX1000000_20250401.txt",
        m["extension_package"].as_str().unwrap()
    )]
    .as_i64()
    .unwrap();
    assert_eq!(
        ext_concepts, 201,
        "0.01 × 20,000 extension concepts + the module concept"
    );
    assert_eq!(
        ext_cs.2,
        n("concepts") + ext_concepts,
        "International + extension concepts"
    );
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

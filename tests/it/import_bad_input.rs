//! Bad input: every broken file stops the import with file, line and problem, exits non-zero,
//! and leaves the previously published release exactly as it was.

use crate::common::*;
use std::path::{Path, PathBuf};

/// Copies the rf2-mini Snapshot into `dir` and lets `edit` damage one file.
fn broken_rf2(dir: &Path, file: &str, edit: impl Fn(String) -> String) -> PathBuf {
    let src = rf2_mini().join("Snapshot");
    let dst = dir.join("Broken/Snapshot");
    for sub in ["Terminology", "Refset/Language"] {
        std::fs::create_dir_all(dst.join(sub)).unwrap();
        for e in std::fs::read_dir(src.join(sub)).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().to_string();
            let text = std::fs::read_to_string(e.path()).unwrap();
            let text = if name.starts_with(file) {
                edit(text)
            } else {
                text
            };
            std::fs::write(dst.join(sub).join(&name), text).unwrap();
        }
    }
    dir.join("Broken")
}

fn replace_line(text: String, n: usize, f: impl Fn(&str) -> String) -> String {
    text.split("\r\n")
        .enumerate()
        .map(|(i, l)| if i + 1 == n { f(l) } else { l.to_string() })
        .collect::<Vec<_>>()
        .join("\r\n")
}

/// Publishes a good release, tries `bad`, and checks the failure and that nothing changed.
fn assert_refused(bad: &Path, extra: &[&str], expect: &[&str]) {
    let d = tmp();
    import_ok(d.path(), &[fixture("icd/claml-mini.xml").to_str().unwrap()]);
    let before = status(d.path());
    let current = std::fs::read_to_string(d.path().join("CURRENT")).unwrap();
    let mut args: Vec<&str> = extra.to_vec();
    args.push(bad.to_str().unwrap());
    let out = import(d.path(), &args);
    let err = text(&out.stderr);
    assert!(
        !out.status.success(),
        "import of {} should fail",
        bad.display()
    );
    for e in expect {
        assert!(err.contains(e), "error should mention {e:?}:\n{err}");
    }
    assert!(err.contains("the published release is unchanged"), "{err}");
    assert_eq!(
        status(d.path()),
        before,
        "status still shows the good release"
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("CURRENT")).unwrap(),
        current
    );
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("staging-")
        })
        .collect();
    assert!(leftovers.is_empty(), "staging directory removed");
}

#[test]
fn wrong_column_count_names_file_and_line() {
    let t = tmp();
    let bad = broken_rf2(t.path(), "sct2_Description", |s| {
        replace_line(s, 4, |l| l.replacen('\t', "", 1))
    });
    assert_refused(
        &bad,
        &[],
        &[
            "sct2_Description_Snapshot-en_INT_20250131.txt:4",
            "expected 9 tab-separated columns, found 8",
        ],
    );
}

#[test]
fn missing_header_is_refused() {
    let t = tmp();
    let bad = broken_rf2(t.path(), "sct2_Concept", |s| {
        s.split_once("\r\n").unwrap().1.to_string()
    });
    assert_refused(
        &bad,
        &[],
        &[
            "sct2_Concept_Snapshot_INT_20250131.txt:1",
            "missing or wrong RF2 header",
        ],
    );
}

#[test]
fn non_numeric_id_is_refused() {
    let t = tmp();
    let bad = broken_rf2(t.path(), "sct2_Concept", |s| {
        replace_line(s, 3, |l| l.replacen("404684003", "40468400X", 1))
    });
    assert_refused(
        &bad,
        &[],
        &[
            "sct2_Concept_Snapshot_INT_20250131.txt:3",
            "'40468400X' is not an SCTID",
        ],
    );
}

#[test]
fn bad_verhoeff_check_digit_is_refused() {
    let t = tmp();
    let bad = broken_rf2(t.path(), "sct2_Concept", |s| {
        replace_line(s, 3, |l| l.replacen("404684003", "404684004", 1))
    });
    assert_refused(
        &bad,
        &[],
        &[
            "sct2_Concept_Snapshot_INT_20250131.txt:3",
            "404684004 has a bad Verhoeff check digit",
        ],
    );
}

#[test]
fn wrong_partition_is_refused() {
    let t = tmp();
    // 1000001012 is a valid description id, used here where a concept id belongs.
    let bad = broken_rf2(t.path(), "sct2_Concept", |s| {
        replace_line(s, 3, |l| l.replacen("404684003", "1000001012", 1))
    });
    assert_refused(
        &bad,
        &[],
        &[
            "sct2_Concept_Snapshot_INT_20250131.txt:3",
            "Description partition where a Concept id is required",
        ],
    );
}

#[test]
fn truncated_zip_is_refused() {
    let t = tmp();
    let zip_path = t.path().join("pkg.zip");
    {
        let mut w = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for e in std::fs::read_dir(rf2_mini().join("Snapshot/Terminology")).unwrap() {
            let e = e.unwrap();
            w.start_file(
                format!(
                    "Pkg/Snapshot/Terminology/{}",
                    e.file_name().to_string_lossy()
                ),
                opts,
            )
            .unwrap();
            std::io::Write::write_all(&mut w, &std::fs::read(e.path()).unwrap()).unwrap();
        }
        w.finish().unwrap();
    }
    let bytes = std::fs::read(&zip_path).unwrap();
    std::fs::write(&zip_path, &bytes[..bytes.len() / 2]).unwrap();
    assert_refused(
        &zip_path,
        &["--kind", "snomed"],
        &[
            "pkg.zip",
            "not a readable zip archive (truncated or corrupt?)",
        ],
    );
}

#[test]
fn malformed_xml_names_the_line() {
    let t = tmp();
    let bad = t.path().join("broken-claml.xml");
    let text = std::fs::read_to_string(fixture("icd/claml-mini.xml"))
        .unwrap()
        .replacen("</Class>", "</Klass>", 1);
    std::fs::write(&bad, text).unwrap();
    assert_refused(&bad, &[], &["broken-claml.xml:", "malformed XML"]);
}

#[test]
fn malformed_json_names_the_line() {
    let t = tmp();
    let bad = t.path().join("cs.json");
    std::fs::write(
        &bad,
        "{\n  \"resourceType\": \"CodeSystem\",\n  \"url\": \n}\n",
    )
    .unwrap();
    assert_refused(&bad, &[], &["cs.json:4", "malformed JSON"]);
}

#[test]
fn delta_without_base_is_refused_and_keeps_other_content() {
    assert_refused(
        &rf2_mini(),
        &["--release-type", "delta"],
        &["this is a Delta, but no SNOMED CT release is loaded"],
    );
}

#[test]
fn a_release_with_an_unreadable_index_is_refused_by_serve_with_the_import_to_run() {
    let d = tmp();
    let claml = fixture("icd/claml-mini.xml");
    import_ok(d.path(), &[claml.to_str().unwrap()]);
    // As an index written by another Concord version (or damaged) looks to this one.
    let index = current_release(d.path()).join("index.bin");
    std::fs::write(&index, b"CONCIDX1 from elsewhere").unwrap();
    let out = concord(&[
        "serve",
        "--data",
        d.path().to_str().unwrap(),
        "--addr",
        "127.0.0.1:0",
    ]);
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("cannot be served by this Concord"), "{err}");
    assert!(err.contains("index.bin"), "{err}");
    assert!(
        err.contains(&format!(
            "concord import --data {} {}",
            d.path().display(),
            claml.display()
        )),
        "the import to run, with the release's source: {err}"
    );
}

//! The layering ARCHITECTURE.md describes, held by reading the code: which of Concord's modules
//! each module may name (`crate::x` in `use` lines or paths) and which outside crates it may
//! not. Test modules (`#[cfg(test)]` and after) are left out: tests may reach anywhere.

use crate::common::root;
use std::path::{Path, PathBuf};

/// (module, modules of this crate it may use, outside crates it must not use)
const RULES: &[(&str, &[&str], &[&str])] = &[
    (
        "model",
        &[],
        &["actix_web", "rusqlite", "concord_loaders", "fst"],
    ),
    (
        "clock",
        &[],
        &["actix_web", "rusqlite", "concord_loaders", "serde_json"],
    ),
    (
        "store",
        &["model"],
        &["actix_web", "concord_loaders", "fst"],
    ),
    (
        "index",
        &["store", "model"],
        &["actix_web", "rusqlite", "serde_json", "concord_loaders"],
    ),
    (
        "ecl",
        &["index", "model"],
        &["actix_web", "rusqlite", "serde_json", "concord_loaders"],
    ),
    (
        "ops",
        &["ecl", "index", "store", "model"],
        &["actix_web", "rusqlite", "serde_json", "concord_loaders"],
    ),
    (
        "fhir",
        &["ops", "ecl", "model", "audit"],
        &["actix_web", "rusqlite"],
    ),
    // Authentication and the audit trail: their own rooms, below `http`, knowing nothing of
    // the terminology.
    (
        "auth",
        &[],
        &["actix_web", "rusqlite", "concord_loaders", "fst"],
    ),
    (
        "audit",
        // Time stamps for the records the syncer writes itself.
        &["clock"],
        &["actix_web", "rusqlite", "concord_loaders", "fst"],
    ),
    // Bulk work (NDJSON streams, Bulk Data files, dead letters) and HL7 v2: above the
    // operations and their wire format, below every transport.
    // The web page: static assets, knowing nothing of the server.
    (
        "ui",
        &[],
        &["actix_web", "rusqlite", "concord_loaders", "fst"],
    ),
    (
        "bulk",
        &["fhir", "ops", "model", "clock"],
        &["actix_web", "rusqlite", "concord_loaders", "fst"],
    ),
    (
        "v2",
        &["bulk", "ops", "model", "clock"],
        &["actix_web", "rusqlite", "concord_loaders", "fst"],
    ),
    (
        "http",
        &[
            "fhir", "ops", "model", "clock", "auth", "audit", "bulk", "ui",
        ],
        &["rusqlite", "concord_loaders"],
    ),
    (
        "import",
        &["store", "index", "model", "clock"],
        &["actix_web"],
    ),
];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// A file's production code: everything before its first `#[cfg(test)]`, comments dropped.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    // Cut at the test module, not at the first `#[cfg(test)]`: a test-only field or function
    // higher up would hide the rest of the file.
    let end = text
        .match_indices("#[cfg(test)]")
        .find(|&(i, m)| text[i + m.len()..].trim_start().starts_with("mod "))
        .map_or(text.len(), |(i, _)| i);
    let text = &text[..end];
    text.lines()
        .map(|l| l.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn each_layer_uses_only_the_layers_below_it() {
    let src = root().join("src");
    let mut problems = Vec::new();
    for (module, allowed, forbidden) in RULES {
        let mut list = Vec::new();
        let dir = src.join(module);
        if dir.is_dir() {
            files(&dir, &mut list);
        } else {
            list.push(src.join(format!("{module}.rs")));
        }
        assert!(
            !list.is_empty() && list[0].exists(),
            "no source for {module}"
        );
        for f in list {
            let c = code(&f);
            let shown = f.strip_prefix(root()).unwrap().display().to_string();
            for (i, _) in c.match_indices("crate::") {
                let used: String = c[i + 7..]
                    .chars()
                    .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '_')
                    .collect();
                if used != *module && !allowed.contains(&used.as_str()) {
                    problems.push(format!("{shown}: {module} uses crate::{used}"));
                }
            }
            for ext in *forbidden {
                if c.contains(&format!("{ext}::")) || c.contains(&format!("use {ext}")) {
                    problems.push(format!("{shown}: {module} uses {ext}"));
                }
            }
        }
    }
    // SQL lives in the store only.
    let mut all = Vec::new();
    files(&src, &mut all);
    for f in all {
        if f.starts_with(src.join("store")) {
            continue;
        }
        let c = code(&f);
        for needle in ["SELECT ", "INSERT INTO", "rusqlite"] {
            if c.contains(needle) {
                problems.push(format!("{}: SQL outside store ({needle})", f.display()));
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "layering broken:\n{}",
        problems.join("\n")
    );
}

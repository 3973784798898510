//! The embedded default dataset: licence-clean content compiled into the binary so
//! `concord serve` works on a fresh machine with no downloads — ICD-10-CM 2026 (public domain,
//! CDC tabular XML), HL7 Terminology (THO) 7.0.1 and the FHIR R4 core terminology resources
//! (CC0). See `data/README.md`.

use crate::import::{self, ImportOptions, release::Release};
use anyhow::{Context, Result};
use std::path::Path;

/// (file name, bytes) of every embedded source, imported in this order.
pub const FILES: &[(&str, &[u8])] = &[
    (
        "icd10cm-tabular-April-1-2026.xml.gz",
        include_bytes!("../data/icd10cm-tabular-April-1-2026.xml.gz"),
    ),
    (
        "hl7.fhir.r4.examples-4.0.1-terminology-subset.tgz",
        include_bytes!("../data/hl7.fhir.r4.examples-4.0.1-terminology-subset.tgz"),
    ),
    (
        "hl7.terminology.r4-7.0.1.tgz",
        include_bytes!("../data/hl7.terminology.r4-7.0.1.tgz"),
    ),
];

/// Directory (inside the data directory) the embedded sources are written to while imported.
const SOURCES_DIR: &str = "embedded-sources";

/// Whether a release's source `path` is one of the embedded files (imported from the data
/// directory's temporary copy, which is gone once imported).
pub fn is_embedded_source(path: &str) -> bool {
    let p = Path::new(path);
    p.parent().and_then(Path::file_name) == Some(std::ffi::OsStr::new(SOURCES_DIR))
        && FILES
            .iter()
            .any(|(name, _)| p.file_name() == Some(name.as_ref()))
}

/// Whether `release` was imported from the embedded dataset alone (so importing it again
/// loses nothing).
pub fn is_embedded_only(release: &Release) -> bool {
    !release.manifest.sources.is_empty()
        && release
            .manifest
            .sources
            .iter()
            .all(|s| is_embedded_source(&s.path))
}

/// Imports the embedded dataset into `data` as a new release (the previous one, if any, stays
/// addressable until the new one is published).
pub fn import_into(data: &Path) -> Result<Release> {
    let tmp = data.join(SOURCES_DIR);
    std::fs::create_dir_all(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let mut paths = Vec::new();
    for (name, bytes) in FILES {
        let p = tmp.join(name);
        std::fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))?;
        paths.push(p);
    }
    let report = import::run(
        data,
        &paths,
        &ImportOptions {
            progress: true,
            ..Default::default()
        },
    );
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(report?.release)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(paths: &[&str]) -> Release {
        let sources: Vec<serde_json::Value> = paths
            .iter()
            .map(|p| {
                serde_json::json!({"path": p, "kind": "fhir", "sha256": "", "bytes": 0,
                    "imported": ""})
            })
            .collect();
        let manifest = serde_json::from_value(serde_json::json!({
            "format_version": crate::store::FORMAT_VERSION, "concord_version": "0",
            "created": "", "sources": sources, "code_systems": [], "counts": {}
        }))
        .unwrap();
        Release {
            dir: "r".into(),
            manifest,
        }
    }

    #[test]
    fn only_a_release_of_the_embedded_sources_counts_as_embedded() {
        let embedded: Vec<String> = FILES
            .iter()
            .map(|(n, _)| format!("concord-data/{SOURCES_DIR}/{n}"))
            .collect();
        let all: Vec<&str> = embedded.iter().map(String::as_str).collect();
        assert!(is_embedded_only(&release(&all)));
        let mut more = all.clone();
        more.push("/releases/SnomedCT_InternationalRF2");
        assert!(
            !is_embedded_only(&release(&more)),
            "a SNOMED CT release too"
        );
        assert!(!is_embedded_only(&release(&[
            "elsewhere/hl7.terminology.r4-7.0.1.tgz"
        ])));
        assert!(!is_embedded_only(&release(&[])));
    }
}

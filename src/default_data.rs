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

/// Imports the embedded dataset into `data` (which must hold no release yet).
pub fn import_into(data: &Path) -> Result<Release> {
    let tmp = data.join("embedded-sources");
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

//! Guessing the format of a path given to `import`: SNOMED CT RF2, WHO ClaML, ICD-10-CM tabular
//! XML, the CMS ICD-10-CM flat codes file, or FHIR JSON / npm package.

use crate::source;
use crate::{Error, Result};
use std::io::Read;
use std::path::Path;

/// The formats Concord imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// SNOMED CT RF2 (zip, folder, or a single RF2 file).
    Snomed,
    /// WHO ICD-10 (or any classification) in ClaML.
    Claml,
    /// CDC ICD-10-CM tabular XML.
    Icd10CmTabular,
    /// CMS ICD-10-CM "codes" flat file.
    Icd10CmFlat,
    /// FHIR JSON resource, Bundle, folder of JSON, or npm package `.tgz`.
    Fhir,
}

/// Detects the format of `path` from names and the first bytes of its content.
pub fn detect(path: &Path) -> Result<Format> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| Error::file(&shown, e.to_string()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if meta.is_dir() || source::is_zip(path)? {
        let members = source::members(path)?;
        if members
            .iter()
            .any(|m| crate::rf2::filename::parse(m.base_name()).is_some())
        {
            return Ok(Format::Snomed);
        }
        if members.iter().any(|m| m.name.ends_with(".json")) {
            return Ok(Format::Fhir);
        }
        return Err(Error::file(
            &shown,
            "no RF2 files or FHIR JSON resources found; use --kind to say what it is",
        ));
    }
    if name.ends_with(".tgz") || name.ends_with(".tar.gz") {
        return Ok(Format::Fhir);
    }
    let base = name.strip_suffix(".gz").unwrap_or(&name);
    if crate::rf2::filename::parse(&original_case_base(path)).is_some() {
        return Ok(Format::Snomed);
    }
    let head = sniff(path, 4096)?;
    if base.ends_with(".json") || head.trim_start().starts_with('{') {
        return Ok(Format::Fhir);
    }
    if head.contains("<ClaML") {
        return Ok(Format::Claml);
    }
    if head.contains("<ICD10CM.tabular") {
        return Ok(Format::Icd10CmTabular);
    }
    if base.ends_with(".txt")
        && head
            .lines()
            .next()
            .is_some_and(crate::icd10::cm_flat::looks_like_flat_line)
    {
        return Ok(Format::Icd10CmFlat);
    }
    Err(Error::file(
        &shown,
        "cannot tell the format; use --kind snomed|icd10|icd10cm|fhir",
    ))
}

fn original_case_base(path: &Path) -> String {
    let n = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    n.strip_suffix(".gz").map(str::to_string).unwrap_or(n)
}

/// Reads up to `n` (decompressed) bytes of a single file as lossy text.
pub fn sniff(path: &Path, n: usize) -> Result<String> {
    let member = source::members(path)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::file(path.display().to_string(), "empty"))?;
    let mut buf = vec![0u8; n];
    let mut r = member.open()?;
    let mut filled = 0;
    while filled < n {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(k) => filled += k,
            Err(e) => return Err(Error::file(member.display(), format!("cannot read: {e}"))),
        }
    }
    buf.truncate(filled);
    Ok(String::from_utf8_lossy(&buf).to_string())
}

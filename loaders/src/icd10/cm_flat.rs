//! CMS ICD-10-CM "codes" flat file: each line is a code without its dot, left-justified in
//! eight columns, then the long description (`A000    Cholera due to …`). Only billable codes
//! are listed and no hierarchy is given, so entries have no parents.

use super::{ClassEntry, Classification};
use crate::{Error, Result};

/// True when a line has the flat-file shape.
pub fn looks_like_flat_line(line: &str) -> bool {
    let code = line.get(..8).unwrap_or_default().trim_end();
    code.len() >= 3
        && code.as_bytes()[0].is_ascii_uppercase()
        && code.bytes().all(|b| b.is_ascii_alphanumeric())
        && line.len() > 8
}

/// Parses the file; `version` is usually taken from the file name by the caller.
pub fn parse(file: &str, text: &str, version: &str) -> Result<Classification> {
    let mut out = Classification {
        name: "ICD-10-CM".into(),
        title: "International Classification of Diseases, Tenth Revision, Clinical Modification"
            .into(),
        version: version.to_string(),
        ..Default::default()
    };
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if !looks_like_flat_line(line) {
            return Err(Error::line(
                file,
                i as u64 + 1,
                "not an ICD-10-CM flat-file line (code in columns 1-8, then description)",
            ));
        }
        let raw = line[..8].trim_end();
        let code = if raw.len() > 3 {
            format!("{}.{}", &raw[..3], &raw[3..])
        } else {
            raw.to_string()
        };
        out.entries.push(ClassEntry {
            code,
            kind: "category".into(),
            display: line[8..].trim().to_string(),
            parents: vec![],
            rubrics: vec![],
            usage: None,
            generated: false,
        });
    }
    Ok(out)
}

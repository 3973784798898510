//! Canonical code system URLs and SNOMED CT edition/version URIs.

/// SNOMED CT.
pub const SNOMED: &str = "http://snomed.info/sct";
/// WHO ICD-10.
pub const ICD10: &str = "http://hl7.org/fhir/sid/icd-10";
/// ICD-10-CM.
pub const ICD10CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";

/// The canonical URL for a short name people type (`sct`, `snomed`, `icd10`, `icd10cm`);
/// anything else is taken as a URL already.
pub fn alias(s: &str) -> String {
    match s.to_ascii_lowercase().as_str() {
        "sct" | "snomed" | "snomedct" => SNOMED.into(),
        "icd10" | "icd-10" => ICD10.into(),
        "icd10cm" | "icd-10-cm" => ICD10CM.into(),
        _ => s.to_string(),
    }
}

/// Unpublished (experimental) SNOMED CT content: versions are
/// `http://snomed.info/xsct/{module}/version/{date}`, of the same system `http://snomed.info/sct`.
pub const SNOMED_EXPERIMENTAL: &str = "http://snomed.info/xsct";

/// A canonical reference split into url and version (`url|version`).
pub fn split_canonical(c: &str) -> (&str, Option<&str>) {
    match c.split_once('|') {
        Some((u, v)) => (u, Some(v)),
        None => (c, None),
    }
}

/// True when canonical reference `wanted` (`url` or `url|version`) names this url and version.
pub fn canonical_matches(wanted: &str, url: &str, version: &str) -> bool {
    let (u, v) = split_canonical(wanted);
    u == url && v.is_none_or(|v| v == version)
}

/// `http://snomed.info/sct/{module}/version/{date}`.
pub fn snomed_version(module: &str, date: &str) -> String {
    format!("{SNOMED}/{module}/version/{date}")
}

/// The version URI of an edition release, `xsct` for experimental content.
pub fn snomed_version_of(module: &str, date: &str, experimental: bool) -> String {
    let base = if experimental {
        SNOMED_EXPERIMENTAL
    } else {
        SNOMED
    };
    format!("{base}/{module}/version/{date}")
}

/// A parsed SNOMED CT version parameter: edition module and optional date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnomedVersion {
    /// Edition module id.
    pub module: String,
    /// `yyyymmdd`, absent for "latest of this edition".
    pub date: Option<String>,
    /// An `xsct` (experimental) URI.
    pub experimental: bool,
}

/// Parses `http://snomed.info/sct/{module}[/version/{date}]` (or `xsct`).
pub fn parse_snomed_version(v: &str) -> Option<SnomedVersion> {
    let (rest, experimental) = match v.strip_prefix(SNOMED_EXPERIMENTAL) {
        Some(rest) => (rest, true),
        None => (v.strip_prefix(SNOMED)?, false),
    };
    let rest = rest.strip_prefix('/')?;
    let mut parts = rest.split('/');
    let module = parts.next()?.to_string();
    if module.is_empty() || !module.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match (parts.next(), parts.next(), parts.next()) {
        (None, None, None) => Some(SnomedVersion {
            module,
            date: None,
            experimental,
        }),
        (Some("version"), Some(d), None)
            if d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Some(SnomedVersion {
                module,
                date: Some(d.to_string()),
                experimental,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_edition_and_version_uris() {
        let v = parse_snomed_version("http://snomed.info/sct/900000000000207008/version/20210731")
            .unwrap();
        assert_eq!(v.module, "900000000000207008");
        assert_eq!(v.date.as_deref(), Some("20210731"));
        assert_eq!(
            parse_snomed_version("http://snomed.info/sct/900000000000207008")
                .unwrap()
                .date,
            None
        );
        assert!(parse_snomed_version("http://snomed.info/sct/abc").is_none());
        assert!(parse_snomed_version("http://snomed.info/sct/1/version/2021").is_none());
    }
}

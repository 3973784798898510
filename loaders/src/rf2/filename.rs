//! The RF2 file-name grammar:
//! `FileType_ContentType_ContentSubType_CountryNamespace_VersionDate.txt`, for example
//! `sct2_Description_Snapshot-en_INT_20210731.txt` or
//! `der2_iisssccRefset_ExtendedMapFull_INT_20140131.txt`.
//!
//! `FileType` is `sct2` (core), `der2` (derivative) or their pre-release `x` forms; for refsets
//! the content type is `<pattern>Refset`, where each pattern letter types one extra column
//! (`c` component id, `i` integer, `s` string).

/// Release type carried in the content sub-type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ReleaseType {
    /// Every version of every component.
    Full,
    /// The latest version of every component.
    Snapshot,
    /// Changes since the previous release.
    Delta,
}

impl ReleaseType {
    /// Parses `full` / `snapshot` / `delta` (any case).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "full" => Some(Self::Full),
            "snapshot" => Some(Self::Snapshot),
            "delta" => Some(Self::Delta),
            _ => None,
        }
    }
}

/// What a file holds, from its content type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ContentKind {
    /// `sct2_Concept`
    Concept,
    /// `sct2_Description`
    Description,
    /// `sct2_TextDefinition`
    TextDefinition,
    /// `sct2_Relationship` (inferred)
    Relationship,
    /// `sct2_StatedRelationship`
    StatedRelationship,
    /// `sct2_RelationshipConcreteValues`
    RelationshipConcreteValues,
    /// `sct2_Identifier` (alternate identifiers; recognised, not stored)
    Identifier,
    /// Any reference set; `pattern` is the extra-column pattern (`""`, `c`, `iissscc`, …) and
    /// `summary` the human part of the name (`Language`, `ExtendedMap`, `OWLExpression`, …).
    Refset {
        /// Extra-column pattern letters.
        pattern: String,
        /// Summary name, e.g. `Language`.
        summary: String,
    },
}

/// A parsed RF2 file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rf2FileName {
    /// `sct2`, `der2`, `xsct2` or `xder2`.
    pub file_type: String,
    /// What the file holds.
    pub kind: ContentKind,
    /// Full, Snapshot or Delta.
    pub release_type: ReleaseType,
    /// Language code of description/language files (`en`, `en-GB`), if any.
    pub language: Option<String>,
    /// `INT`, or a country code / namespace such as `GB1000000`.
    pub namespace: String,
    /// `yyyymmdd` (a trailing `T…Z` time is dropped).
    pub date: String,
}

/// Parses an RF2 file name (base name, without a `.gz` suffix). `None` if it does not follow the
/// grammar; callers report such files as skipped.
pub fn parse(name: &str) -> Option<Rf2FileName> {
    let stem = name.strip_suffix(".txt")?;
    let mut parts: Vec<&str> = stem.split('_').collect();
    // Some published packages write the sub-type with an extra underscore
    // (`sct2_sRefset_OWLExpression_Delta_INT_20230421.txt`); read it as `OWLExpressionDelta`.
    let joined;
    if parts.len() == 6 && split_subtype(parts[3]).is_some_and(|(summary, _, _)| summary.is_empty())
    {
        joined = format!("{}{}", parts[2], parts[3]);
        parts = vec![parts[0], parts[1], &joined, parts[4], parts[5]];
    }
    if parts.len() != 5 {
        return None;
    }
    let file_type = parts[0];
    if !matches!(file_type, "sct2" | "der2" | "xsct2" | "xder2") {
        return None;
    }
    let (summary, release_type, language) = split_subtype(parts[2])?;
    let date: String = parts[4].chars().take(8).collect();
    if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let content = parts[1];
    let kind = if let Some(pattern) = content.strip_suffix("Refset") {
        if !pattern.bytes().all(|b| matches!(b, b'c' | b'i' | b's')) {
            return None;
        }
        ContentKind::Refset {
            pattern: pattern.to_string(),
            summary: summary.to_string(),
        }
    } else {
        if !summary.is_empty() {
            return None;
        }
        match content {
            "Concept" => ContentKind::Concept,
            "Description" => ContentKind::Description,
            "TextDefinition" => ContentKind::TextDefinition,
            "Relationship" => ContentKind::Relationship,
            "StatedRelationship" => ContentKind::StatedRelationship,
            "RelationshipConcreteValues" => ContentKind::RelationshipConcreteValues,
            "Identifier" => ContentKind::Identifier,
            _ => return None,
        }
    };
    Some(Rf2FileName {
        file_type: file_type.to_string(),
        kind,
        release_type,
        language,
        namespace: parts[3].to_string(),
        date,
    })
}

/// Splits `LanguageSnapshot-en` into (`Language`, Snapshot, `en`).
fn split_subtype(sub: &str) -> Option<(&str, ReleaseType, Option<String>)> {
    let (head, language) = match sub.split_once('-') {
        Some((h, l)) => (h, Some(l.to_string())),
        None => (sub, None),
    };
    for (suffix, rt) in [
        ("Full", ReleaseType::Full),
        ("Snapshot", ReleaseType::Snapshot),
        ("Delta", ReleaseType::Delta),
    ] {
        if let Some(summary) = head.strip_suffix(suffix) {
            return Some((summary, rt, language));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_core_and_refset_names() {
        let f = parse("sct2_Description_Snapshot-en_INT_20210731.txt").unwrap();
        assert_eq!(f.kind, ContentKind::Description);
        assert_eq!(f.release_type, ReleaseType::Snapshot);
        assert_eq!(f.language.as_deref(), Some("en"));
        let f = parse("der2_iisssccRefset_ExtendedMapDelta_INT_20140131.txt").unwrap();
        assert_eq!(
            f.kind,
            ContentKind::Refset {
                pattern: "iissscc".into(),
                summary: "ExtendedMap".into()
            }
        );
        assert_eq!(f.release_type, ReleaseType::Delta);
        let f = parse("sct2_sRefset_OWLExpressionFull_INT_20210731.txt").unwrap();
        assert!(
            matches!(f.kind, ContentKind::Refset { ref summary, .. } if summary == "OWLExpression")
        );
        let f = parse("der2_Refset_SimpleSnapshot_GB1000000_20240925.txt").unwrap();
        assert_eq!(f.namespace, "GB1000000");
        let f = parse("sct2_sRefset_OWLExpression_Delta_INT_20230421.txt").unwrap();
        assert_eq!(f.release_type, ReleaseType::Delta);
        assert!(parse("der2_sRefset_SimpleMapTo_INT_20220712.txt").is_none());
        assert!(parse("Readme_en_20210731.txt").is_none());
        assert!(parse("sct2_Concept_Snapshot_INT_2021.txt").is_none());
        assert!(parse("der2_qRefset_SimpleSnapshot_INT_20210731.txt").is_none());
    }
}

//! Streaming reader for one RF2 file: checks the header against the file's content type, then
//! turns each line into a typed [`Row`], checking column counts, SCTIDs (Verhoeff check digit
//! and partition), flags and dates. The first bad line stops the read with file + line.
//!
//! Lines starting with `#` and blank lines are skipped: Snowstorm's fixtures annotate rows that
//! way, and a trailing empty line is common in hand-made packages.

use super::filename::ContentKind;
use super::package::Rf2File;
use super::rows::*;
use super::sctid::{self, Partition};
use crate::{Error, Result};
use std::io::{BufRead, BufReader};

const CONCEPT: &[&str] = &[
    "id",
    "effectiveTime",
    "active",
    "moduleId",
    "definitionStatusId",
];
const DESCRIPTION: &[&str] = &[
    "id",
    "effectiveTime",
    "active",
    "moduleId",
    "conceptId",
    "languageCode",
    "typeId",
    "term",
    "caseSignificanceId",
];
const RELATIONSHIP: &[&str] = &[
    "id",
    "effectiveTime",
    "active",
    "moduleId",
    "sourceId",
    "destinationId",
    "relationshipGroup",
    "typeId",
    "characteristicTypeId",
    "modifierId",
];
const CONCRETE: &[&str] = &[
    "id",
    "effectiveTime",
    "active",
    "moduleId",
    "sourceId",
    "value",
    "relationshipGroup",
    "typeId",
    "characteristicTypeId",
    "modifierId",
];
const REFSET: &[&str] = &[
    "id",
    "effectiveTime",
    "active",
    "moduleId",
    "refsetId",
    "referencedComponentId",
];
/// The RF2 specification's Identifier layout; releases before 2017 put `identifierSchemeId` first.
const IDENTIFIER: &[&str] = &[
    "alternateIdentifier",
    "effectiveTime",
    "active",
    "moduleId",
    "identifierSchemeId",
    "referencedComponentId",
];
const IDENTIFIER_OLD: &[&str] = &[
    "identifierSchemeId",
    "alternateIdentifier",
    "effectiveTime",
    "active",
    "moduleId",
    "referencedComponentId",
];

/// How strictly rows are checked.
#[derive(Debug, Clone, Copy)]
pub struct Checks<'a> {
    /// Verify SCTID Verhoeff check digits and partitions. Only synthetic test content with
    /// made-up ids needs this off; ids must still be 6-18 digits.
    pub strict_ids: bool,
    /// With `strict_ids` off: where the ids that fail the strict check are counted, so the
    /// caller can warn about what it accepted instead of accepting it silently.
    pub accepted: Option<&'a std::sync::Mutex<Accepted>>,
}

impl Default for Checks<'_> {
    fn default() -> Self {
        Checks {
            strict_ids: true,
            accepted: None,
        }
    }
}

/// SCTIDs accepted by lenient checks although they fail the check digit or partition check.
#[derive(Debug, Default)]
pub struct Accepted {
    /// How many ids.
    pub count: u64,
    /// The first, as `file:line: message`.
    pub first: Option<String>,
}

/// Reads every row of `file` with the default (strict) checks; see [`read_with`].
pub fn read(file: &Rf2File, sink: impl FnMut(Row) -> Result<()>) -> Result<u64> {
    read_with(file, Checks::default(), sink)
}

/// Reads every row of `file`, calling `sink` for each; returns the number of data rows.
/// `Identifier` files are checked but produce no rows (Concord does not store them).
/// An empty (zero-byte) file yields no rows.
pub fn read_with(
    file: &Rf2File,
    checks: Checks,
    mut sink: impl FnMut(Row) -> Result<()>,
) -> Result<u64> {
    let shown = file.member.display();
    let mut lines = BufReader::with_capacity(1 << 20, file.member.open()?);
    let mut buf = String::new();
    let mut line_no = 0u64;
    let mut header: Option<usize> = None;
    let mut rows = 0u64;
    let pattern_len = match &file.name.kind {
        ContentKind::Refset { pattern, .. } => pattern.len(),
        _ => 0,
    };
    loop {
        buf.clear();
        let n = lines.read_line(&mut buf).map_err(|e| {
            Error::line(
                &shown,
                line_no + 1,
                format!("cannot read line (not UTF-8 or truncated?): {e}"),
            )
        })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let line = buf.trim_end_matches(['\n', '\r']);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let Some(width) = header else {
            header = Some(
                check_header(&file.name.kind, &cols, pattern_len)
                    .map_err(|m| Error::line(&shown, line_no, m))?,
            );
            continue;
        };
        if cols.len() != width {
            return Err(Error::line(
                &shown,
                line_no,
                format!(
                    "expected {width} tab-separated columns, found {}",
                    cols.len()
                ),
            ));
        }
        let lenient = std::cell::Cell::new(None);
        let row = parse_row(&file.name.kind, &cols, checks, &lenient)
            .map_err(|m| Error::line(&shown, line_no, m))?;
        if let (Some(why), Some(acc)) = (lenient.take(), checks.accepted) {
            let mut acc = acc.lock().unwrap_or_else(|e| e.into_inner());
            acc.count += 1;
            acc.first
                .get_or_insert_with(|| format!("{shown}:{line_no}: {why}"));
        }
        rows += 1;
        if let Some(row) = row {
            sink(row)?;
        }
    }
    // A zero-byte file (published releases ship some, e.g. empty Identifier files) holds no
    // rows; a file whose first line is data fails the header check above instead.
    Ok(rows)
}

fn check_header(kind: &ContentKind, cols: &[&str], pattern_len: usize) -> Result<usize, String> {
    let expected: &[&str] = match kind {
        ContentKind::Concept => CONCEPT,
        ContentKind::Description | ContentKind::TextDefinition => DESCRIPTION,
        ContentKind::Relationship | ContentKind::StatedRelationship => RELATIONSHIP,
        ContentKind::RelationshipConcreteValues => CONCRETE,
        ContentKind::Identifier
            if cols
                .first()
                .is_some_and(|c| c.eq_ignore_ascii_case("identifierSchemeId")) =>
        {
            IDENTIFIER_OLD
        }
        ContentKind::Identifier => IDENTIFIER,
        ContentKind::Refset { .. } => REFSET,
    };
    // Column names are compared case-insensitively: real releases spell `refSetId` too.
    let prefix_ok = cols.len() >= expected.len()
        && expected
            .iter()
            .zip(cols)
            .all(|(e, c)| e.eq_ignore_ascii_case(c.trim_start_matches('\u{feff}')));
    if !prefix_ok {
        return Err(format!(
            "missing or wrong RF2 header: expected columns starting [{}], found [{}]",
            expected.join(", "),
            cols.join(", ")
        ));
    }
    let width = expected.len() + pattern_len;
    if cols.len() != width {
        return Err(format!(
            "header has {} columns but this file type needs {width}",
            cols.len()
        ));
    }
    Ok(width)
}

/// Checks one id. Lenient checks accept any 6-18 digit number and note in `lenient` why the
/// strict check would have refused it.
fn id(
    s: &str,
    what: &str,
    part: Option<Partition>,
    checks: Checks,
    lenient: &std::cell::Cell<Option<String>>,
) -> Result<u64, String> {
    match sctid::check(s, part) {
        Ok(n) => Ok(n),
        Err(m) if checks.strict_ids => Err(format!("{what}: {m}")),
        Err(m) => {
            let n = sctid::digits(s).map_err(|e| format!("{what}: {e}"))?;
            lenient.set(Some(format!("{what}: {m}")));
            Ok(n)
        }
    }
}

fn active(s: &str) -> Result<bool, String> {
    match s {
        "1" => Ok(true),
        "0" => Ok(false),
        _ => Err(format!("active must be 0 or 1, found '{s}'")),
    }
}

fn effective_time(s: &str) -> Result<String, String> {
    if s.is_empty() || (s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit())) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "effectiveTime must be yyyymmdd or empty, found '{s}'"
        ))
    }
}

fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                *c == b'-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn parse_row(
    kind: &ContentKind,
    c: &[&str],
    checks: Checks,
    lenient: &std::cell::Cell<Option<String>>,
) -> Result<Option<Row>, String> {
    use Partition::*;
    let id = |s: &str, what: &str, part: Option<Partition>| id(s, what, part, checks, lenient);
    Ok(Some(match kind {
        ContentKind::Concept => Row::Concept(ConceptRow {
            id: id(c[0], "id", Some(Concept))?,
            effective_time: effective_time(c[1])?,
            active: active(c[2])?,
            module_id: id(c[3], "moduleId", Some(Concept))?,
            definition_status_id: id(c[4], "definitionStatusId", Some(Concept))?,
        }),
        ContentKind::Description | ContentKind::TextDefinition => {
            Row::Description(DescriptionRow {
                id: id(c[0], "id", Some(Description))?,
                effective_time: effective_time(c[1])?,
                active: active(c[2])?,
                module_id: id(c[3], "moduleId", Some(Concept))?,
                concept_id: id(c[4], "conceptId", Some(Concept))?,
                language_code: c[5].to_string(),
                type_id: id(c[6], "typeId", Some(Concept))?,
                term: c[7].to_string(),
                case_significance_id: id(c[8], "caseSignificanceId", Some(Concept))?,
            })
        }
        ContentKind::Relationship
        | ContentKind::StatedRelationship
        | ContentKind::RelationshipConcreteValues => {
            let concrete = matches!(kind, ContentKind::RelationshipConcreteValues);
            Row::Relationship(RelationshipRow {
                id: id(c[0], "id", Some(Relationship))?,
                effective_time: effective_time(c[1])?,
                active: active(c[2])?,
                module_id: id(c[3], "moduleId", Some(Concept))?,
                source_id: id(c[4], "sourceId", Some(Concept))?,
                destination_id: if concrete {
                    None
                } else {
                    Some(id(c[5], "destinationId", Some(Concept))?)
                },
                value: if concrete {
                    if c[5].is_empty() {
                        return Err("concrete value is empty".into());
                    }
                    Some(c[5].to_string())
                } else {
                    None
                },
                relationship_group: c[6]
                    .parse()
                    .map_err(|_| format!("relationshipGroup must be a number, found '{}'", c[6]))?,
                type_id: id(c[7], "typeId", Some(Concept))?,
                characteristic_type_id: id(c[8], "characteristicTypeId", Some(Concept))?,
                modifier_id: id(c[9], "modifierId", Some(Concept))?,
            })
        }
        ContentKind::Identifier => return Ok(None),
        ContentKind::Refset { pattern, .. } => {
            if !is_uuid(c[0]) {
                return Err(format!("refset member id '{}' is not a UUID", c[0]));
            }
            let referenced = c[5];
            id(referenced, "referencedComponentId", None)?;
            for (letter, value) in pattern.bytes().zip(&c[6..]) {
                match letter {
                    b'c' if !value.is_empty() => {
                        id(value, "component column", None)?;
                    }
                    b'i' if !value.is_empty() && value.parse::<i64>().is_err() => {
                        return Err(format!("integer column holds '{value}'"));
                    }
                    _ => {}
                }
            }
            Row::Refset(RefsetRow {
                id: c[0].to_ascii_lowercase(),
                effective_time: effective_time(c[1])?,
                active: active(c[2])?,
                module_id: id(c[3], "moduleId", Some(Concept))?,
                refset_id: id(c[4], "refsetId", Some(Concept))?,
                referenced_component_id: referenced.to_string(),
                fields: c[6..].iter().map(|s| s.to_string()).collect(),
            })
        }
    }))
}

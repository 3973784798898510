//! Read queries used by the operations and by `status`. Every query is a prepared, cached
//! statement keyed by code system version; hot paths return owned model values.

use super::{Result, Store};
use crate::model::concept_map::ConceptMap;
use crate::model::value_set::ValueSet;
use crate::model::{
    Association, CodeSystemVersion, Concept, Designation, Family, Property, Relationship,
};
use rusqlite::{OptionalExtension, Row, params};

fn code_system_row(r: &Row) -> rusqlite::Result<CodeSystemVersion> {
    let family: String = r.get(3)?;
    Ok(CodeSystemVersion {
        id: r.get(0)?,
        url: r.get(1)?,
        version: r.get(2)?,
        family: Family::parse(&family).unwrap_or(Family::Fhir),
        name: r.get(4)?,
        title: r.get(5)?,
        content: r.get(6)?,
        edition_module: r.get(7)?,
        release_date: r.get(8)?,
        concept_count: r.get(9)?,
        property_uris: r
            .get::<_, Option<String>>(10)?
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(c, u)| (c.to_string(), u.to_string()))
            .collect(),
        language: r.get(11)?,
        status: r.get(12)?,
        experimental: r.get::<_, Option<bool>>(13)?.unwrap_or(false),
        standards_status: r.get(14)?,
        case_sensitive: r.get::<_, Option<bool>>(15)?.unwrap_or(true),
        supplements: r.get(16)?,
    })
}

const CS_COLUMNS: &str =
    "id, url, version, family, name, title, content, edition_module, release_date,
    (SELECT count(*) FROM concept c WHERE c.cs = code_system.id),
    (SELECT group_concat(json_extract(p.value, '$.code') || ' ' || json_extract(p.value, '$.uri'), char(10))
     FROM json_each(code_system.resource, '$.property') p WHERE json_extract(p.value, '$.uri') IS NOT NULL),
    json_extract(resource, '$.language'), status, json_extract(resource, '$.experimental'),
    (SELECT json_extract(e.value, '$.valueCode') FROM json_each(code_system.resource, '$.extension') e
     WHERE json_extract(e.value, '$.url') = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-standards-status'),
    json_extract(resource, '$.caseSensitive'), json_extract(resource, '$.supplements')";

impl Store {
    /// Every loaded code system version, by url then version.
    pub fn code_systems(&self) -> Result<Vec<CodeSystemVersion>> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {CS_COLUMNS} FROM code_system ORDER BY url, version"
        ))?;
        let v = st
            .query_map([], code_system_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    /// The stored FHIR CodeSystem JSON (without concepts) of a version, if it came from FHIR.
    pub fn code_system_resource(&self, cs: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT resource FROM code_system WHERE id = ?1",
                [cs],
                |r| r.get(0),
            )
            .optional()?
            .flatten())
    }

    /// One concept.
    pub fn concept(&self, cs: i64, code: &str) -> Result<Option<Concept>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT code, display, active, effective_time, module, definition_status, kind FROM concept WHERE cs = ?1 AND code = ?2",
            )?
            .query_row(params![cs, code], concept_row)
            .optional()?)
    }

    /// Designations of a concept with their language refset acceptability (active members).
    pub fn designations(&self, cs: i64, code: &str) -> Result<Vec<Designation>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, language, use_code, term, case_significance, active, acceptability
             FROM designation WHERE cs = ?1 AND code = ?2",
        )?;
        let v = st
            .query_map(params![cs, code], designation_row)?
            .collect::<rusqlite::Result<Vec<Designation>>>()?;
        // Sorted here, not in SQL: an ORDER BY makes SQLite (built with STAT4) re-prepare the
        // statement on every new binding, a full parse per request.
        let mut v = v;
        sort_designations(&mut v);
        Ok(v)
    }

    /// Every designation of a version, borrowed row by row (for the index).
    pub fn each_designation(&self, cs: i64, mut f: impl FnMut(DesignationRow<'_>)) -> Result<()> {
        let mut st = self.conn.prepare(
            "SELECT code, id, language, use_code, term, case_significance, active, acceptability
             FROM designation WHERE cs = ?1",
        )?;
        let mut rows = st.query([cs])?;
        while let Some(r) = rows.next()? {
            f(DesignationRow {
                code: text(r, 0)?,
                id: text(r, 1)?,
                language: opt_text(r, 2)?,
                use_code: opt_text(r, 3)?,
                term: text(r, 4)?,
                case_significance: opt_text(r, 5)?,
                active: r.get(6)?,
                acceptability: opt_text(r, 7)?.unwrap_or_default(),
            });
        }
        Ok(())
    }

    /// Properties of a concept in stored order.
    pub fn properties(&self, cs: i64, code: &str) -> Result<Vec<Property>> {
        let mut st = self.conn.prepare_cached(
            "SELECT name, kind, value, rowid FROM property WHERE cs = ?1 AND code = ?2",
        )?;
        let v = st
            .query_map(params![cs, code], |r| {
                Ok((
                    r.get::<_, i64>(3)?,
                    Property {
                        name: r.get(0)?,
                        kind: r.get(1)?,
                        value: r.get(2)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<Vec<(i64, Property)>>>()?;
        let mut v = v;
        v.sort_by_key(|(rowid, _)| *rowid);
        Ok(v.into_iter().map(|(_, p)| p).collect())
    }

    /// Direct parents.
    pub fn parents(&self, cs: i64, code: &str) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT parent FROM is_a WHERE cs = ?1 AND child = ?2")?;
        let mut v: Vec<String> = st
            .query_map(params![cs, code], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        v.sort();
        Ok(v)
    }

    /// Direct children.
    pub fn children(&self, cs: i64, code: &str) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT child FROM is_a WHERE cs = ?1 AND parent = ?2")?;
        let mut v: Vec<String> = st
            .query_map(params![cs, code], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        v.sort();
        Ok(v)
    }

    /// Every (child, parent) edge of a version, borrowed row by row (for the index).
    pub fn each_edge(&self, cs: i64, mut f: impl FnMut(&str, &str)) -> Result<()> {
        let mut st = self
            .conn
            .prepare("SELECT child, parent FROM is_a WHERE cs = ?1")?;
        let mut rows = st.query([cs])?;
        while let Some(r) = rows.next()? {
            f(text(r, 0)?, text(r, 1)?);
        }
        Ok(())
    }

    /// Every property of a version with its concept code, in stored order (for the index).
    pub fn all_properties(&self, cs: i64) -> Result<Vec<(String, Property)>> {
        let mut st = self
            .conn
            .prepare("SELECT code, name, kind, value FROM property WHERE cs = ?1 ORDER BY rowid")?;
        let v = st
            .query_map([cs], |r| {
                Ok((
                    r.get(0)?,
                    Property {
                        name: r.get(1)?,
                        kind: r.get(2)?,
                        value: r.get(3)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    /// Every concept row of a version (for the in-memory index).
    pub fn all_concepts(&self, cs: i64) -> Result<Vec<Concept>> {
        let mut st = self.conn.prepare(
            "SELECT code, display, active, effective_time, module, definition_status, kind FROM concept WHERE cs = ?1 ORDER BY seq",
        )?;
        let v = st
            .query_map([cs], concept_row)?
            .collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    /// Every active, non-stated relationship of a version, borrowed row by row (for the
    /// index).
    pub fn each_relationship(&self, cs: i64, mut f: impl FnMut(RelationshipRow<'_>)) -> Result<()> {
        let mut st = self.conn.prepare(
            "SELECT source, id, type_id, destination, value, rel_group, characteristic FROM relationship
             WHERE cs = ?1 AND active = 1 AND characteristic <> '900000000000010007'",
        )?;
        let mut rows = st.query([cs])?;
        while let Some(r) = rows.next()? {
            f(RelationshipRow {
                source: text(r, 0)?,
                id: text(r, 1)?,
                type_id: text(r, 2)?,
                destination: opt_text(r, 3)?,
                value: opt_text(r, 4)?,
                group: r.get(5)?,
                characteristic: text(r, 6)?,
            });
        }
        Ok(())
    }

    /// Active relationships of a SNOMED CT concept (all but stated).
    pub fn relationships(&self, cs: i64, code: &str) -> Result<Vec<Relationship>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, type_id, destination, value, rel_group, characteristic FROM relationship
             WHERE cs = ?1 AND source = ?2 AND active = 1 AND characteristic <> '900000000000010007'",
        )?;
        let v = st
            .query_map(params![cs, code], |r| {
                Ok(Relationship {
                    id: r.get(0)?,
                    type_id: r.get(1)?,
                    destination: r.get(2)?,
                    value: r.get(3)?,
                    group: r.get(4)?,
                    characteristic: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<Relationship>>>()?;
        let mut v = v;
        v.sort_by(|a, b| {
            (a.group, &a.type_id, &a.destination).cmp(&(b.group, &b.type_id, &b.destination))
        });
        Ok(v)
    }

    /// Active historical associations from a component (REPLACED BY, SAME AS, …).
    pub fn associations(&self, cs: i64, component: &str) -> Result<Vec<Association>> {
        let mut st = self.conn.prepare_cached(
            "SELECT refset, fields FROM refset_member WHERE cs = ?1 AND component = ?2 AND active = 1
             AND file_kind LIKE 'Association%'",
        )?;
        let v = st
            .query_map(params![cs, component], |r| {
                Ok(Association {
                    refset: r.get(0)?,
                    target: r.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<Association>>>()?;
        let mut v = v;
        v.sort_by(|a, b| (&a.refset, &a.target).cmp(&(&b.refset, &b.target)));
        Ok(v)
    }

    /// Active attribute-value refset values of a component: (refset, value id).
    pub fn attribute_values(&self, cs: i64, component: &str) -> Result<Vec<(String, String)>> {
        let mut st = self.conn.prepare_cached(
            "SELECT refset, fields FROM refset_member WHERE cs = ?1 AND component = ?2 AND active = 1 AND file_kind = 'AttributeValue'",
        )?;
        let v = st
            .query_map(params![cs, component], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    /// True when a component is an active member of a refset.
    pub fn in_refset(&self, cs: i64, refset: &str, component: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM refset_member WHERE cs = ?1 AND component = ?2 AND refset = ?3 AND active = 1 LIMIT 1")?
            .exists(params![cs, component, refset])?)
    }

    /// True when a reference set has an active member.
    pub fn refset_exists(&self, cs: i64, refset: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM refset_member WHERE cs = ?1 AND refset = ?2 AND active = 1 LIMIT 1",
            )?
            .exists(params![cs, refset])?)
    }

    /// Referenced components of the active members of a reference set (ECL `^`, `refset/X`).
    pub fn refset_members(&self, cs: i64, refset: &str) -> Result<Vec<String>> {
        // The partial index answers every refset but language ones; those are read whole.
        let mut st = self.conn.prepare_cached(
            "SELECT component FROM refset_member WHERE cs = ?1 AND refset = ?2 AND active = 1
             AND file_kind <> 'Language'",
        )?;
        let v: Vec<String> = st
            .query_map(params![cs, refset], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if !v.is_empty() {
            return Ok(v);
        }
        let mut st = self.conn.prepare_cached(
            "SELECT component FROM refset_member WHERE cs = ?1 AND refset = ?2 AND active = 1
             AND file_kind = 'Language'",
        )?;
        let v = st
            .query_map(params![cs, refset], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    /// Every member of a reference set, active or not, with its extra columns (ECL member
    /// filters and member-of with fields).
    pub fn refset_rows(&self, cs: i64, refset: &str) -> Result<Vec<RefsetRow>> {
        // As for `refset_members`: the partial index answers every refset but language ones.
        let mut out = Vec::new();
        for kinds in ["file_kind <> 'Language'", "file_kind = 'Language'"] {
            let mut st = self.conn.prepare_cached(&format!(
                "SELECT component, active, effective_time, module, file_kind, fields
                 FROM refset_member WHERE cs = ?1 AND refset = ?2 AND {kinds}"
            ))?;
            let rows = st.query_map(params![cs, refset], |r| {
                let fields: String = r.get(5)?;
                Ok(RefsetRow {
                    component: r.get(0)?,
                    active: r.get::<_, i64>(1)? == 1,
                    effective_time: r.get(2)?,
                    module: r.get(3)?,
                    kind: r.get(4)?,
                    fields: if fields.is_empty() {
                        Vec::new()
                    } else {
                        fields.split('\t').map(str::to_string).collect()
                    },
                })
            })?;
            for row in rows {
                out.push(row?);
            }
            if !out.is_empty() {
                break;
            }
        }
        Ok(out)
    }

    /// Active members of association refsets: (source component, target), for ECL history
    /// supplements.
    pub fn association_pairs(&self, cs: i64, refsets: &[&str]) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        let mut st = self.conn.prepare_cached(
            "SELECT component, fields FROM refset_member WHERE cs = ?1 AND refset = ?2 AND active = 1
             AND file_kind <> 'Language'",
        )?;
        for refset in refsets {
            let rows = st.query_map(params![cs, refset], |r| Ok((r.get(0)?, r.get(1)?)))?;
            for row in rows {
                out.push(row?);
            }
        }
        Ok(out)
    }

    /// A ValueSet or ConceptMap resource by url and optional version (latest version when
    /// none is given). `table` is `value_set` or `concept_map`.
    pub fn resource(
        &self,
        table: &str,
        url: &str,
        version: Option<&str>,
    ) -> Result<Option<String>> {
        let sql = format!(
            "SELECT resource FROM {table} WHERE url = ?1 AND (?2 IS NULL OR version = ?2) ORDER BY version DESC LIMIT 1"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row(params![url, version], |r| r.get(0))
            .optional()?)
    }

    /// A ValueSet or ConceptMap resource by its FHIR id.
    pub fn resource_by_id(&self, table: &str, id: &str) -> Result<Option<String>> {
        let sql = format!(
            "SELECT resource FROM {table} WHERE json_extract(resource, '$.id') = ?1 ORDER BY version DESC LIMIT 1"
        );
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    /// Search resources by url, version and name (any may be absent); returns JSON texts.
    pub fn search_resources(
        &self,
        table: &str,
        url: Option<&str>,
        version: Option<&str>,
        name: Option<&str>,
        page: (i64, i64),
    ) -> Result<(i64, Vec<String>)> {
        const WHERE: &str = "WHERE (?1 IS NULL OR url = ?1) AND (?2 IS NULL OR version = ?2)
             AND (?3 IS NULL OR name LIKE ?3 || '%' OR title LIKE ?3 || '%')";
        let total: i64 = self
            .conn
            .prepare_cached(&format!("SELECT count(*) FROM {table} {WHERE}"))?
            .query_row(params![url, version, name], |r| r.get(0))?;
        let sql = format!(
            "SELECT resource FROM {table} {WHERE} ORDER BY url, version LIMIT ?4 OFFSET ?5"
        );
        let mut st = self.conn.prepare_cached(&sql)?;
        let v = st
            .query_map(params![url, version, name, page.0, page.1], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok((total, v))
    }

    /// Map rows whose source is `code` in one refset, ordered by group then priority.
    pub fn map_rows(&self, cs: i64, refset: &str, code: &str) -> Result<Vec<MapRow>> {
        let mut st = self.conn.prepare_cached(
            "SELECT member_id, source_code, target_code, map_group, map_priority, map_rule, map_advice, correlation, category
             FROM map_entry WHERE cs = ?1 AND refset = ?2 AND source_code = ?3 AND active = 1",
        )?;
        let v = st
            .query_map(params![cs, refset, code], map_row)?
            .collect::<rusqlite::Result<Vec<MapRow>>>()?;
        let mut v = v;
        v.sort_by(|a, b| {
            (a.group, a.priority, &a.member_id).cmp(&(b.group, b.priority, &b.member_id))
        });
        Ok(v)
    }

    /// Map rows whose target is `code` in one refset (reverse use).
    pub fn map_rows_by_target(&self, cs: i64, refset: &str, code: &str) -> Result<Vec<MapRow>> {
        let mut st = self.conn.prepare_cached(
            "SELECT member_id, source_code, target_code, map_group, map_priority, map_rule, map_advice, correlation, category
             FROM map_entry WHERE cs = ?1 AND refset = ?2 AND target_code = ?3 AND active = 1",
        )?;
        let mut v: Vec<MapRow> = st
            .query_map(params![cs, refset, code], map_row)?
            .collect::<rusqlite::Result<_>>()?;
        v.sort_by(|a, b| (&a.source, a.group, a.priority).cmp(&(&b.source, b.group, b.priority)));
        Ok(v)
    }

    /// Active map rows of a source code in any refset (0 means "not mapped at all").
    pub fn map_rows_any(&self, cs: i64, code: &str) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM map_entry WHERE cs = ?1 AND source_code = ?2")?
            .query_row(params![cs, code], |r| r.get(0))?)
    }

    /// Map refsets with rows in a version.
    pub fn map_refsets(&self, cs: i64) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT DISTINCT refset FROM map_entry WHERE cs = ?1")?;
        let mut v: Vec<String> = st
            .query_map([cs], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        v.sort();
        Ok(v)
    }

    /// ConceptMaps with a group from `source` to `target` (either may be left open).
    pub fn concept_maps_for(
        &self,
        source: Option<&str>,
        target: Option<&str>,
    ) -> Result<Vec<ConceptMap>> {
        let mut st = self.conn.prepare_cached(
            "SELECT resource FROM concept_map WHERE EXISTS (SELECT 1 FROM json_each(resource, '$.group') g
               WHERE (?1 IS NULL OR json_extract(g.value, '$.source') = ?1) AND (?2 IS NULL OR json_extract(g.value, '$.target') = ?2))",
        )?;
        let texts: Vec<String> = st
            .query_map(params![source, target], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        texts.iter().map(|t| Ok(serde_json::from_str(t)?)).collect()
    }

    /// A ConceptMap by url and optional version (latest version when none is given).
    pub fn concept_map(&self, url: &str, version: Option<&str>) -> Result<Option<ConceptMap>> {
        match self.resource("concept_map", url, version)? {
            Some(text) => Ok(Some(serde_json::from_str(&text)?)),
            None => Ok(None),
        }
    }

    /// A ValueSet by url and optional version (latest version when none is given).
    pub fn value_set(&self, url: &str, version: Option<&str>) -> Result<Option<ValueSet>> {
        match self.resource("value_set", url, version)? {
            Some(text) => Ok(Some(serde_json::from_str(&text)?)),
            None => Ok(None),
        }
    }

    /// URLs of the code systems holding `code` (to explain a code sent with the wrong system).
    pub fn systems_with_code(&self, code: &str) -> Result<Vec<String>> {
        let mut st = self.conn.prepare_cached(
            "SELECT DISTINCT s.url FROM concept c JOIN code_system s ON s.id = c.cs WHERE c.code = ?1 ORDER BY s.url LIMIT 5",
        )?;
        let v = st
            .query_map([code], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    /// Concept codes of a version (for tests and exports), in code order.
    pub fn codes(&self, cs: i64) -> Result<Vec<String>> {
        let mut st = self
            .conn
            .prepare("SELECT code FROM concept WHERE cs = ?1 ORDER BY code")?;
        let v = st
            .query_map([cs], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(v)
    }

    /// A deterministic text dump of one SNOMED CT version's content tables, used to prove that a
    /// Full release and its Snapshot load identically.
    pub fn snapshot_digest(&self, cs: i64) -> Result<String> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for (t, cols, key) in [
            (
                "concept",
                "code, display, active, effective_time, module, definition_status",
                "code",
            ),
            (
                "designation",
                "id, code, language, use_code, term, case_significance, active, effective_time, module",
                "id",
            ),
            (
                "relationship",
                "id, source, destination, value, rel_group, type_id, characteristic, modifier, active, effective_time, module",
                "id",
            ),
            (
                "refset_member",
                "id, refset, component, active, effective_time, module, file_kind, pattern, fields",
                "id",
            ),
            ("is_a", "child, parent", "child, parent"),
            (
                "map_entry",
                "member_id, source_code, target_code, map_group, map_priority, map_rule, map_advice, correlation, category, active",
                "member_id",
            ),
        ] {
            let mut st = self.conn.prepare(&format!(
                "SELECT {cols} FROM {t} WHERE cs = ?1 ORDER BY {key}"
            ))?;
            let n = st.column_count();
            let mut rows = st.query([cs])?;
            while let Some(r) = rows.next()? {
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    h.update(format!("{v:?}\t").as_bytes());
                }
                h.update(b"\n");
            }
        }
        Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

/// Active designations first, then by id: the order every designation list is served in.
pub fn sort_designations(v: &mut [Designation]) {
    v.sort_by(|a, b| b.active.cmp(&a.active).then_with(|| a.id.cmp(&b.id)));
}

/// A designation from `SELECT id, language, use_code, term, case_significance, active,
/// acceptability`; acceptability is stored as `refset:acceptability …`.
fn designation_row(r: &Row) -> rusqlite::Result<Designation> {
    let acc: Option<String> = r.get(6)?;
    Ok(Designation {
        id: r.get(0)?,
        language: r.get(1)?,
        use_code: r.get(2)?,
        term: r.get(3)?,
        case_significance: r.get(4)?,
        active: r.get(5)?,
        acceptability: parse_acceptability(acc.as_deref().unwrap_or_default()),
        extensions: vec![],
    })
}

/// A designation row as stored, borrowed from SQLite.
#[derive(Debug, Clone, Copy)]
pub struct DesignationRow<'a> {
    /// Concept code.
    pub code: &'a str,
    /// Description id or synthetic key.
    pub id: &'a str,
    /// Language code.
    pub language: Option<&'a str>,
    /// Use code.
    pub use_code: Option<&'a str>,
    /// The term.
    pub term: &'a str,
    /// Case significance id.
    pub case_significance: Option<&'a str>,
    /// Active flag.
    pub active: bool,
    /// `refset:acceptability …` (unparsed; empty for none).
    pub acceptability: &'a str,
}

/// A relationship row as stored, borrowed from SQLite.
#[derive(Debug, Clone, Copy)]
pub struct RelationshipRow<'a> {
    /// Source concept.
    pub source: &'a str,
    /// Relationship id.
    pub id: &'a str,
    /// Attribute type id.
    pub type_id: &'a str,
    /// Destination (absent for concrete values).
    pub destination: Option<&'a str>,
    /// Concrete value as in RF2.
    pub value: Option<&'a str>,
    /// Role group.
    pub group: i64,
    /// Characteristic type id.
    pub characteristic: &'a str,
}

/// Column `i` as borrowed text.
fn text<'r>(r: &'r Row, i: usize) -> rusqlite::Result<&'r str> {
    Ok(opt_text(r, i)?.unwrap_or_default())
}

/// Column `i` as borrowed text, `None` for NULL.
fn opt_text<'r>(r: &'r Row, i: usize) -> rusqlite::Result<Option<&'r str>> {
    r.get_ref(i)?.as_str_or_null().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// `refset:acceptability …` → pairs.
pub fn parse_acceptability(s: &str) -> Vec<(String, String)> {
    s.split(' ')
        .filter_map(|p| {
            p.split_once(':')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        })
        .collect()
}

/// A concept from `SELECT code, display, active, effective_time, module, definition_status, kind`.
fn concept_row(r: &Row) -> rusqlite::Result<Concept> {
    Ok(Concept {
        code: r.get(0)?,
        display: r.get(1)?,
        active: r.get(2)?,
        effective_time: r.get(3)?,
        module: r.get(4)?,
        definition_status: r.get(5)?,
        kind: r.get(6)?,
    })
}

fn map_row(r: &Row) -> rusqlite::Result<MapRow> {
    Ok(MapRow {
        member_id: r.get(0)?,
        source: r.get(1)?,
        target: r.get(2)?,
        group: r.get(3)?,
        priority: r.get(4)?,
        rule: r.get(5)?,
        advice: r.get(6)?,
        correlation: r.get(7)?,
        category: r.get(8)?,
    })
}

/// One member of a reference set as stored: its referenced component, status and extra columns
/// (in file order; their names come from the file's kind, [`crate::model::rf2_fields`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RefsetRow {
    /// `referencedComponentId`.
    pub component: String,
    /// `active`.
    pub active: bool,
    /// `effectiveTime`.
    pub effective_time: String,
    /// `moduleId`.
    pub module: String,
    /// The file's kind (`Association`, `ExtendedMap`, …).
    pub kind: String,
    /// The extra columns' values.
    pub fields: Vec<String>,
}

/// One map row.
#[derive(Debug, Clone, serde::Serialize, PartialEq)]
pub struct MapRow {
    /// Refset member id.
    pub member_id: String,
    /// Source code.
    pub source: String,
    /// Target code ('' = no target).
    pub target: String,
    /// mapGroup.
    pub group: Option<i64>,
    /// mapPriority.
    pub priority: Option<i64>,
    /// mapRule.
    pub rule: Option<String>,
    /// mapAdvice.
    pub advice: Option<String>,
    /// correlationId.
    pub correlation: Option<String>,
    /// mapCategoryId.
    pub category: Option<String>,
}

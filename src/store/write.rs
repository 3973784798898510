//! Import-side statements: code system registration, RF2 upserts ("latest row per id wins",
//! so Full, Snapshot and Delta files all load through the same statements), generic concept
//! inserts for ICD-10 and FHIR, and the tables derived after a SNOMED CT import.

use super::{Result, Store};
use crate::model::sct;
use rusqlite::{OptionalExtension, params};

/// Registration data of a new code system version.
#[derive(Debug, Clone, Default)]
pub struct NewCodeSystem {
    /// Canonical URL.
    pub url: String,
    /// Version (may be provisional until the content is read, see [`Store::set_identity`]).
    pub version: String,
    /// Family name as stored.
    pub family: String,
    /// Name.
    pub name: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Status.
    pub status: Option<String>,
    /// FHIR content mode.
    pub content: String,
    /// SNOMED edition module.
    pub edition_module: Option<String>,
    /// Release date.
    pub release_date: Option<String>,
    /// FHIR hierarchyMeaning.
    pub hierarchy_meaning: Option<String>,
    /// Resource JSON without concepts.
    pub resource: Option<String>,
    /// Source description (paths).
    pub source: String,
}

/// A loaded SNOMED CT version, as a base an extension may be layered on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadedEdition {
    /// Code system version key.
    pub id: i64,
    /// Edition module id.
    pub module: String,
    /// Version date (`yyyymmdd`).
    pub date: String,
    /// Concepts it holds (a layered edition holds its base's too).
    pub concepts: i64,
}

impl Store {
    /// Starts the import transaction.
    pub fn begin(&self) -> Result<()> {
        self.conn.execute_batch("BEGIN")?;
        Ok(())
    }

    /// Commits the import transaction and refreshes the planner statistics.
    pub fn commit(&self) -> Result<()> {
        self.conn.execute_batch("COMMIT")?;
        self.analyze()
    }

    /// Refreshes planner statistics (sampled, so it stays fast on large tables). Only the
    /// `sqlite_stat1` summary is kept: with `sqlite_stat4` samples present SQLite re-prepares a
    /// statement on every new binding (a full SQL parse per lookup, measured as the top cost of
    /// `$validate-code`), and per-value samples buy nothing for key lookups.
    pub fn analyze(&self) -> Result<()> {
        self.conn
            .execute_batch("PRAGMA analysis_limit = 2000; ANALYZE;")?;
        let stat4: i64 = self.conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat4'",
            [],
            |r| r.get(0),
        )?;
        if stat4 > 0 {
            self.conn.execute_batch("DELETE FROM sqlite_stat4;")?;
        }
        Ok(())
    }

    /// Registers a code system version and returns its key.
    pub fn insert_code_system(&self, c: &NewCodeSystem) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO code_system (url, version, family, name, title, status, content, edition_module, release_date,
                hierarchy_meaning, resource, source) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
            params![
                c.url, c.version, c.family, c.name, c.title, c.status, c.content, c.edition_module, c.release_date,
                c.hierarchy_meaning, c.resource, c.source
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Sets the final identity of a SNOMED CT version once its content is known.
    pub fn set_identity(
        &self,
        id: i64,
        version: &str,
        edition_module: &str,
        release_date: &str,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE code_system SET version = ?2, edition_module = ?3, release_date = ?4 WHERE id = ?1",
            params![id, version, edition_module, release_date],
        )?;
        Ok(())
    }

    /// Sets the version of a registered code system.
    pub fn set_version(&self, id: i64, version: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE code_system SET version = ?2 WHERE id = ?1",
            params![id, version],
        )?;
        Ok(())
    }

    /// The key of a code system version, if loaded (excluding `except`).
    pub fn find_code_system(&self, url: &str, version: &str, except: i64) -> Result<Option<i64>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM code_system WHERE url = ?1 AND version = ?2 AND id <> ?3",
                params![url, version, except],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Every loaded SNOMED CT version, newest first.
    pub fn loaded_editions(&self) -> Result<Vec<LoadedEdition>> {
        let mut st = self.conn.prepare(
            "SELECT id, COALESCE(edition_module, ''), COALESCE(release_date, ''),
                    (SELECT count(*) FROM concept WHERE cs = code_system.id)
             FROM code_system WHERE family = 'snomed' AND version NOT LIKE 'pending:%'
             ORDER BY release_date DESC, id DESC",
        )?;
        let rows = st.query_map([], |r| {
            Ok(LoadedEdition {
                id: r.get(0)?,
                module: r.get(1)?,
                date: r.get(2)?,
                concepts: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// True when version `cs` holds content of `module` (a concept in it, or a module
    /// dependency row naming it).
    pub fn has_module(&self, cs: i64, module: &str) -> Result<bool> {
        let found: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 WHERE EXISTS (SELECT 1 FROM concept WHERE cs = ?1 AND module = ?2)
                   OR EXISTS (SELECT 1 FROM refset_member WHERE cs = ?1 AND file_kind = 'ModuleDependency'
                              AND (module = ?2 OR component = ?2))",
                params![cs, module],
                |r| r.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }

    /// Removes a code system version and all its content.
    pub fn delete_code_system(&self, id: i64) -> Result<()> {
        for t in content_tables() {
            self.conn
                .execute(&format!("DELETE FROM {t} WHERE cs = ?1"), [id])?;
        }
        self.conn
            .execute("DELETE FROM code_system WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Copies all content of version `from` into version `to` (the base a Delta applies to).
    pub fn copy_content(&self, from: i64, to: i64) -> Result<()> {
        for (t, cols) in CONTENT_COLUMNS {
            self.conn.execute(
                &format!("INSERT INTO {t} (cs, {cols}) SELECT ?2, {cols} FROM {t} WHERE cs = ?1"),
                params![from, to],
            )?;
        }
        Ok(())
    }

    /// A concept of a non-RF2 code system (listed once per version; a repeat replaces it);
    /// `seq` is its place in the definition, which expansions keep.
    pub fn insert_concept(
        &self,
        cs: i64,
        code: &str,
        display: Option<&str>,
        active: bool,
        kind: Option<&str>,
        seq: i64,
    ) -> Result<()> {
        self.conn
            .prepare_cached("INSERT OR REPLACE INTO concept (cs, code, display, active, kind, seq) VALUES (?1,?2,?3,?4,?5,?6)")?
            .execute(params![cs, code, display, active, kind, seq])?;
        Ok(())
    }

    /// A designation of a non-RF2 concept.
    pub fn insert_designation(&self, cs: i64, d: &NewDesignation) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT OR REPLACE INTO designation (cs, id, code, language, use_code, term, active) VALUES (?1,?2,?3,?4,?5,?6,?7)",
            )?
            .execute(params![cs, d.id, d.code, d.language, d.use_code, d.term, d.active])?;
        Ok(())
    }

    /// A property value.
    pub fn insert_property(
        &self,
        cs: i64,
        code: &str,
        name: &str,
        kind: &str,
        value: &str,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO property (cs, code, name, kind, value) VALUES (?1,?2,?3,?4,?5)",
            )?
            .execute(params![cs, code, name, kind, value])?;
        Ok(())
    }

    /// A direct is-a edge.
    pub fn insert_is_a(&self, cs: i64, child: &str, parent: &str) -> Result<()> {
        self.conn
            .prepare_cached("INSERT OR IGNORE INTO is_a (cs, child, parent) VALUES (?1,?2,?3)")?
            .execute(params![cs, child, parent])?;
        Ok(())
    }

    /// Rebuilds the tables derived from a SNOMED CT version's rows: is-a edges, map entries
    /// and the default display (en-US preferred term, then en-GB, then FSN).
    pub fn derive_snomed(&self, cs: i64) -> Result<()> {
        // Fresh statistics first: without them SQLite scans whole tables in the correlated
        // subqueries below (seconds on a 2k-concept sample, hours at International scale).
        self.analyze()?;
        self.conn.execute("DELETE FROM is_a WHERE cs = ?1", [cs])?;
        let inferred = self.conn.execute(
            "INSERT OR IGNORE INTO is_a (cs, child, parent) SELECT cs, source, destination FROM relationship
             WHERE cs = ?1 AND active = 1 AND type_id = ?2 AND characteristic <> ?3 AND destination IS NOT NULL",
            params![cs, sct::IS_A, sct::STATED],
        )?;
        if inferred == 0 {
            // Packages with only stated relationships (authoring exports) still get a hierarchy.
            self.conn.execute(
                "INSERT OR IGNORE INTO is_a (cs, child, parent) SELECT cs, source, destination FROM relationship
                 WHERE cs = ?1 AND active = 1 AND type_id = ?2 AND destination IS NOT NULL",
                params![cs, sct::IS_A],
            )?;
        }
        tracing::info!("is-a edges derived");
        self.derive_map_entries(cs)?;
        tracing::info!("map entries derived");
        let preferred = |refset: &str| format!("{refset}:{}", sct::PREFERRED);
        self.conn.execute(
            "UPDATE concept SET display = COALESCE(
               (SELECT term FROM designation d WHERE d.cs = concept.cs AND d.code = concept.code AND d.active = 1
                  AND d.use_code = ?2 AND instr(d.acceptability, ?3) > 0 LIMIT 1),
               (SELECT term FROM designation d WHERE d.cs = concept.cs AND d.code = concept.code AND d.active = 1
                  AND d.use_code = ?2 AND instr(d.acceptability, ?4) > 0 LIMIT 1),
               (SELECT term FROM designation WHERE cs = concept.cs AND code = concept.code AND active = 1 AND use_code = ?5 LIMIT 1),
               (SELECT term FROM designation WHERE cs = concept.cs AND code = concept.code AND use_code <> ?6 ORDER BY active DESC LIMIT 1))
             WHERE cs = ?1",
            params![cs, sct::SYNONYM, preferred(sct::LANG_US), preferred(sct::LANG_GB), sct::FSN, sct::DEFINITION],
        )?;
        Ok(())
    }

    fn derive_map_entries(&self, cs: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM map_entry WHERE cs = ?1", [cs])?;
        let mut select = self.conn.prepare(
            "SELECT id, refset, component, active, pattern, fields FROM refset_member
             WHERE cs = ?1 AND file_kind IN ('SimpleMap', 'SimpleMapWithDescription', 'ComplexMap', 'ExtendedMap')",
        )?;
        let mut insert = self.conn.prepare(
            "INSERT INTO map_entry (cs, refset, member_id, source_code, target_code, map_group, map_priority, map_rule,
             map_advice, correlation, category, active) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
        )?;
        let mut rows = select.query([cs])?;
        while let Some(r) = rows.next()? {
            let (id, refset, component, active, pattern, fields): (
                String,
                String,
                String,
                bool,
                String,
                String,
            ) = (
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            );
            let f: Vec<&str> = fields.split('\t').collect();
            let opt = |i: usize| f.get(i).filter(|s| !s.is_empty()).map(|s| s.to_string());
            let int = |i: usize| f.get(i).and_then(|s| s.parse::<i64>().ok());
            if pattern.starts_with("iisss") {
                // ComplexMap iisssc / ExtendedMap iissscc: group, priority, rule, advice, target, correlation[, category]
                insert.execute(params![
                    cs,
                    refset,
                    id,
                    component,
                    f.get(4).copied().unwrap_or(""),
                    int(0),
                    int(1),
                    opt(2),
                    opt(3),
                    opt(5),
                    opt(6),
                    active
                ])?;
            } else {
                // SimpleMap s / SimpleMapWithDescription ss: target first.
                insert.execute(params![
                    cs,
                    refset,
                    id,
                    component,
                    f.first().copied().unwrap_or(""),
                    None::<i64>,
                    None::<i64>,
                    None::<String>,
                    None::<String>,
                    None::<String>,
                    None::<String>,
                    active
                ])?;
            }
        }
        Ok(())
    }

    /// Map rows whose source concept is not in the version (kept; reported as a warning).
    pub fn map_rows_without_source(&self, cs: i64) -> Result<i64> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM map_entry m WHERE m.cs = ?1
             AND NOT EXISTS (SELECT 1 FROM concept c WHERE c.cs = m.cs AND c.code = m.source_code)",
            [cs],
            |r| r.get(0),
        )?)
    }

    /// Stores a ValueSet or ConceptMap resource (`table` is `value_set` or `concept_map`);
    /// returns true when it replaced one with the same url and version.
    pub fn put_resource(
        &self,
        table: ResourceTable,
        url: &str,
        version: &str,
        json: &serde_json::Value,
        source: &str,
    ) -> Result<bool> {
        let s = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let replaced = self.conn.execute(
            &format!(
                "DELETE FROM {} WHERE url = ?1 AND version = ?2",
                table.name()
            ),
            params![url, version],
        )? > 0;
        let text = serde_json::to_string(json)?;
        match table {
            ResourceTable::ValueSet => self.conn.execute(
                "INSERT INTO value_set (url, version, name, title, status, resource, source) VALUES (?1,?2,?3,?4,?5,?6,?7)",
                params![url, version, s("name"), s("title"), s("status"), text, source],
            )?,
            ResourceTable::ConceptMap => {
                let uri = |a: &str, b: &str| s(a).or_else(|| s(b));
                self.conn.execute(
                    "INSERT INTO concept_map (url, version, name, title, status, source_uri, target_uri, resource, source)
                     VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
                    params![url, version, s("name"), s("title"), s("status"), uri("sourceUri", "sourceCanonical"),
                        uri("targetUri", "targetCanonical"), text, source],
                )?
            }
        };
        Ok(replaced)
    }

    /// Row counts of every table, for the import summary and the manifest.
    pub fn table_counts(&self) -> Result<Vec<(String, i64)>> {
        let mut out = Vec::new();
        let tables = ["code_system"]
            .into_iter()
            .chain(content_tables())
            .chain(["value_set", "concept_map"]);
        for t in tables {
            let n: i64 = self
                .conn
                .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?;
            out.push((t.to_string(), n));
        }
        Ok(out)
    }

    /// Concept count of one version.
    pub fn concept_count(&self, cs: i64) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM concept WHERE cs = ?1", [cs], |r| {
                r.get(0)
            })?)
    }
}

/// The two tables holding whole FHIR resources.
#[derive(Debug, Clone, Copy)]
pub enum ResourceTable {
    /// `value_set`
    ValueSet,
    /// `concept_map`
    ConceptMap,
}

impl ResourceTable {
    fn name(self) -> &'static str {
        match self {
            ResourceTable::ValueSet => "value_set",
            ResourceTable::ConceptMap => "concept_map",
        }
    }
}

const CONTENT_COLUMNS: &[(&str, &str)] = &[
    (
        "concept",
        "code, display, active, effective_time, module, definition_status, kind, seq",
    ),
    (
        "designation",
        "id, code, language, use_code, term, case_significance, active, effective_time, module, acceptability",
    ),
    ("property", "code, name, kind, value"),
    ("is_a", "child, parent"),
    (
        "relationship",
        "id, source, destination, value, rel_group, type_id, characteristic, modifier, active, effective_time, module",
    ),
    (
        "refset_member",
        "id, refset, component, active, effective_time, module, file_kind, pattern, fields",
    ),
    (
        "map_entry",
        "refset, member_id, source_code, target_code, map_group, map_priority, map_rule, map_advice, correlation, category, active",
    ),
];

/// Tables whose rows belong to one code system version (`cs` column).
fn content_tables() -> impl Iterator<Item = &'static str> {
    CONTENT_COLUMNS.iter().map(|(t, _)| *t)
}

/// A designation of a non-RF2 concept, as [`Store::insert_designation`] writes it.
pub struct NewDesignation<'a> {
    /// Row id, unique in the code system (`code#n`).
    pub id: &'a str,
    /// The concept's code.
    pub code: &'a str,
    /// Language.
    pub language: Option<&'a str>,
    /// Use (`system|code` when not of the designation-usage system).
    pub use_code: Option<&'a str>,
    /// The term.
    pub term: &'a str,
    /// False for a retired term.
    pub active: bool,
}

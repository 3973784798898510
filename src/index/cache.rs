//! The indexes of the loaded versions, shared by every worker: each version's hierarchy and
//! typeahead term index, opened from the release's index file on first use (mapping costs
//! nothing per concept), or built from the store when the file does not hold the version.

use super::file::{Damaged, IndexFile};
use super::hierarchy::Hierarchy;
use super::terms::{TermIndex, TermInput};
use crate::model::sct;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Indexes by code system version key.
#[derive(Default)]
pub struct Indexes {
    file: Option<IndexFile>,
    built: RwLock<HashMap<i64, Arc<Hierarchy>>>,
    terms: RwLock<HashMap<i64, Arc<TermIndex>>>,
}

/// The store, lent by the caller (the engine keeps one connection per thread).
pub type WithStore<'a, T, E> =
    &'a dyn Fn(&dyn Fn(&Store) -> crate::store::Result<T>) -> Result<T, E>;

fn cached<T, E>(
    map: &RwLock<HashMap<i64, Arc<T>>>,
    cs: i64,
    build: impl FnOnce() -> Result<T, E>,
) -> Result<Arc<T>, E> {
    if let Some(v) = map.read().unwrap_or_else(|e| e.into_inner()).get(&cs) {
        return Ok(v.clone());
    }
    let v = Arc::new(build()?);
    map.write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(cs, v.clone());
    Ok(v)
}

/// Part name of version `cs`'s hierarchy in an index file.
pub fn hierarchy_part(cs: i64) -> String {
    format!("cs/{cs}/hierarchy")
}

/// Part name of version `cs`'s term index in an index file.
pub fn terms_part(cs: i64) -> String {
    format!("cs/{cs}/terms")
}

impl Indexes {
    /// Indexes read from `file` (versions it lacks are built from the store).
    pub fn mapped(file: IndexFile) -> Self {
        Indexes {
            file: Some(file),
            ..Default::default()
        }
    }

    /// The index file, when there is one.
    pub fn file(&self) -> Option<&IndexFile> {
        self.file.as_ref()
    }

    /// The hierarchy of version `cs`.
    pub fn get<E: From<Damaged>>(
        &self,
        cs: i64,
        with_store: WithStore<'_, Hierarchy, E>,
    ) -> Result<Arc<Hierarchy>, E> {
        cached(&self.built, cs, || {
            let name = hierarchy_part(cs);
            match self.file.as_ref().and_then(|f| f.part(&name)) {
                Some(part) => Ok(Hierarchy::open(&part)?),
                None => with_store(&|s: &Store| build(s, cs)),
            }
        })
    }

    /// The term index of version `cs` (over `h`'s positions).
    pub fn terms<E: From<Damaged>>(
        &self,
        cs: i64,
        h: &Hierarchy,
        with_store: WithStore<'_, TermIndex, E>,
    ) -> Result<Arc<TermIndex>, E> {
        cached(&self.terms, cs, || {
            let name = terms_part(cs);
            match self.file.as_ref().and_then(|f| f.part(&name)) {
                Some(part) => Ok(TermIndex::open(&part)?),
                None => with_store(&|s: &Store| build_terms(s, cs, h)),
            }
        })
    }
}

/// Builds the index of version `cs` from its stored rows.
pub fn build(s: &Store, cs: i64) -> crate::store::Result<Hierarchy> {
    let (edges, concepts, rels, designations, properties) = (
        s.all_edges(cs)?,
        s.all_concepts(cs)?,
        s.all_relationships(cs)?,
        s.all_designations(cs)?,
        s.all_properties(cs)?,
    );
    Ok(super::build::Builder::new()
        .concepts(concepts.iter())
        .edges(edges.iter().map(|(c, p)| (c.as_str(), p.as_str())))
        .relationships(rels.iter().map(|(s, r)| (s.as_str(), r)))
        .designations(designations.iter().map(|(c, d)| (c.as_str(), d)))
        .properties(properties.iter().map(|(c, p)| (c.as_str(), p)))
        .freeze())
}

/// Rubrics whose text is another name for an ICD code (searchable like a synonym).
const SEARCHABLE_PROPERTIES: &[&str] = &["inclusion", "inclusionTerm", "includes"];

/// Builds the term index of version `cs`: SNOMED CT descriptions from the hierarchy (text
/// definitions left out), else each concept's display, its stored designations and its
/// inclusion terms.
pub fn build_terms(s: &Store, cs: i64, h: &Hierarchy) -> crate::store::Result<TermIndex> {
    if h.has_designations() {
        let mut inputs = Vec::new();
        for pos in 0..h.len() as u32 {
            if h.row_at(pos).is_none() {
                continue;
            }
            for (_, d) in h.designations_at(pos) {
                use std::borrow::Cow;
                // Views of the hierarchy borrow from it, so the terms outlive this loop.
                let (Cow::Borrowed(text), Cow::Borrowed(acceptability)) = (d.term, d.acceptability)
                else {
                    continue;
                };
                let use_code = d.use_code.as_deref();
                if use_code == Some(sct::DEFINITION) {
                    continue;
                }
                let with = |acc: &str| {
                    acceptability
                        .iter()
                        .filter(|(_, a)| a == acc)
                        .map(|(r, _)| r.as_str())
                        .collect::<Vec<_>>()
                };
                inputs.push(TermInput {
                    concept: pos,
                    text,
                    active: d.active,
                    display: false,
                    fsn: use_code == Some(sct::FSN),
                    preferred_in: with(sct::PREFERRED),
                    acceptable_in: with(sct::ACCEPTABLE),
                });
            }
        }
        return Ok(TermIndex::build(inputs.into_iter()));
    }
    let designations = s.all_designations(cs)?;
    let extra = s.all_property_values(cs, SEARCHABLE_PROPERTIES)?;
    let mut inputs = Vec::new();
    for pos in 0..h.len() as u32 {
        if let Some(row) = h.row_at(pos)
            && let Some(d) = row.display
        {
            inputs.push(TermInput::plain(pos, d, true));
        }
    }
    for (code, d) in &designations {
        if let Some(pos) = h.position(code)
            && h.row_at(pos)
                .is_some_and(|r| r.display != Some(d.term.as_str()))
        {
            inputs.push(TermInput {
                active: d.active,
                ..TermInput::plain(pos, &d.term, false)
            });
        }
    }
    for (code, text) in &extra {
        if let Some(pos) = h.position(code) {
            inputs.push(TermInput::plain(pos, text, false));
        }
    }
    Ok(TermIndex::build(inputs.into_iter()))
}

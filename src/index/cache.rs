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
    pub fn terms<E: From<Damaged>>(&self, cs: i64, h: &Hierarchy) -> Result<Arc<TermIndex>, E> {
        cached(&self.terms, cs, || {
            let name = terms_part(cs);
            match self.file.as_ref().and_then(|f| f.part(&name)) {
                Some(part) => Ok(TermIndex::open(&part)?),
                None => Ok(build_terms(h)),
            }
        })
    }
}

/// Builds the index of version `cs` from its stored rows, streamed (no model copy of the
/// version is held).
pub fn build(s: &Store, cs: i64) -> crate::store::Result<Hierarchy> {
    let mut b = super::build::Builder::new();
    for c in s.all_concepts(cs)? {
        b.concept(&c);
    }
    s.each_edge(cs, |c, p| b.edge(c, p))?;
    s.each_relationship(cs, |r| b.relationship(r))?;
    s.each_designation(cs, |d| b.designation(d))?;
    for (code, p) in s.all_properties(cs)? {
        b.property(&code, &p);
    }
    Ok(b.freeze())
}

/// Rubrics whose text is another name for an ICD code (searchable like a synonym).
const SEARCHABLE_PROPERTIES: &[&str] = &["inclusion", "inclusionTerm", "includes"];

/// Builds the term index of version `cs` from its hierarchy: SNOMED CT descriptions (text
/// definitions left out) with their dialects, else each concept's display, its other
/// designations and its inclusion terms. Terms are fed to the builder as they are read.
pub fn build_terms(h: &Hierarchy) -> TermIndex {
    let positions = (0..h.len() as u32).filter(|p| h.row_at(*p).is_some());
    if h.has_designations() {
        let terms = positions.flat_map(|pos| {
            h.designations_at(pos).filter_map(move |(_, d)| {
                use std::borrow::Cow;
                // Views of the hierarchy borrow from it, so the terms outlive this closure.
                let (Cow::Borrowed(text), Cow::Borrowed(acceptability)) = (d.term, d.acceptability)
                else {
                    return None;
                };
                let use_code = d.use_code.as_deref();
                if use_code == Some(sct::DEFINITION) {
                    return None;
                }
                let with = |acc: &str| {
                    acceptability
                        .iter()
                        .filter(|(_, a)| a == acc)
                        .map(|(r, _)| r.as_str())
                        .collect::<Vec<_>>()
                };
                Some(TermInput {
                    concept: pos,
                    text,
                    active: d.active,
                    display: false,
                    fsn: use_code == Some(sct::FSN),
                    preferred_in: with(sct::PREFERRED),
                    acceptable_in: with(sct::ACCEPTABLE),
                })
            })
        });
        return TermIndex::build(terms);
    }
    let terms = positions.flat_map(|pos| {
        let display = h.row_at(pos).and_then(|r| r.display);
        let own = display.map(|d| TermInput::plain(pos, d, true));
        let others = h
            .designations_at(pos)
            .filter_map(move |(_, d)| match d.term {
                std::borrow::Cow::Borrowed(t) if Some(t) != display => Some(TermInput {
                    active: d.active,
                    ..TermInput::plain(pos, t, false)
                }),
                _ => None,
            });
        let inclusions = h
            .properties_at(pos)
            .filter(|(name, _)| SEARCHABLE_PROPERTIES.contains(name))
            .map(move |(_, value)| TermInput::plain(pos, value, false));
        own.into_iter().chain(others).chain(inclusions)
    });
    TermIndex::build(terms)
}

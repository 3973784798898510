//! The indexes of the loaded versions, built on first use (or at start by `warm_up`) and
//! shared by every worker.

use super::hierarchy::Hierarchy;
use crate::store::Store;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// Built indexes by code system version key.
#[derive(Default)]
pub struct Indexes {
    built: RwLock<HashMap<i64, Arc<Hierarchy>>>,
}

impl Indexes {
    /// The index of version `cs`, built from the store `with_store` lends on first use.
    pub fn get<E>(
        &self,
        cs: i64,
        with_store: impl FnOnce(
            &dyn Fn(&Store) -> crate::store::Result<Hierarchy>,
        ) -> Result<Hierarchy, E>,
    ) -> Result<Arc<Hierarchy>, E> {
        if let Some(h) = self
            .built
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&cs)
        {
            return Ok(h.clone());
        }
        let h = Arc::new(with_store(&|s: &Store| build(s, cs))?);
        self.built
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(cs, h.clone());
        Ok(h)
    }
}

/// Builds the index of version `cs` from its stored rows.
pub fn build(s: &Store, cs: i64) -> crate::store::Result<Hierarchy> {
    let (edges, concepts, rels, designations) = (
        s.all_edges(cs)?,
        s.all_concepts(cs)?,
        s.all_relationships(cs)?,
        s.all_designations(cs)?,
    );
    Ok(Hierarchy::build(
        edges.iter().map(|(c, p)| (c.as_str(), p.as_str())),
        concepts.iter(),
        rels.iter().map(|(s, r)| (s.as_str(), r)),
    )
    .with_designations(designations.iter().map(|(c, d)| (c.as_str(), d))))
}

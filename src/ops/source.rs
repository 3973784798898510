//! [`Source`]: one resolved code system version, whichever way it is held — in the store
//! (SNOMED CT, ICD-10, loaded FHIR CodeSystems) or in memory (a `tx-resource` CodeSystem sent
//! with the request). Operations are written once against this trait.

use super::Result;
use super::engine::Terminology;
use super::memory::MemCodeSystem;
use crate::index::hierarchy::Attribute;
use crate::model::{CodeSystemVersion, Concept, DesignationView, Family, Property};
use std::borrow::Cow;
use std::sync::Arc;

/// A code system version the operations can read.
pub trait Source {
    /// Identity and metadata.
    fn meta(&self) -> &CodeSystemVersion;
    /// The supplements read with it (`url|version`), in the order asked for.
    fn supplements(&self) -> Vec<String> {
        Vec::new()
    }
    /// One concept.
    fn concept(&self, code: &str) -> Result<Option<Concept>>;
    /// Its designations.
    fn designations(&self, code: &str) -> Result<Vec<DesignationView<'_>>>;
    /// Its properties.
    fn properties(&self, code: &str) -> Result<Vec<Property>>;
    /// Direct parents.
    fn parents(&self, code: &str) -> Result<Vec<String>>;
    /// Direct children.
    fn children(&self, code: &str) -> Result<Vec<String>>;
    /// True when `a` is `b` or an ancestor of `b`.
    fn subsumes(&self, a: &str, b: &str) -> Result<bool>;
    /// Every descendant of `code`.
    fn descendants(&self, code: &str) -> Result<Vec<String>>;
    /// The synonym preferred in SNOMED CT language refset `refset` for `code`, if any.
    fn preferred_term(&self, code: &str, refset: &str) -> Result<Option<Cow<'_, str>>> {
        Ok(super::language::preferred_term(
            self.designations(code)?,
            refset,
        ))
    }
    /// SNOMED CT: the language refsets whose members are descriptions in `language` (an RF2
    /// language code such as `sv`), so a plain BCP-47 tag finds its dialect's terms.
    fn language_refsets(&self, _language: &str) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
    /// Every code of the version, in a stable order (expansions page through it).
    fn codes(&self) -> Result<Vec<String>>;
    /// The version's index, when it has one (ECL evaluates over it).
    fn index_ref(&self) -> Result<Option<&crate::index::Hierarchy>> {
        Ok(None)
    }
    /// The store key when the version lives in the store (SNOMED CT extras need it).
    fn store_id(&self) -> Option<i64>;
    /// The default display of a code (for the codes a `$lookup` property points at).
    fn display(&self, code: &str) -> Result<Option<String>> {
        Ok(self.concept(code)?.and_then(|c| c.display))
    }
    /// Direct parents (`up`) or children with their default displays, sorted by code.
    fn linked(&self, code: &str, up: bool) -> Result<Vec<Linked<'_>>> {
        let codes = if up {
            self.parents(code)?
        } else {
            self.children(code)?
        };
        codes
            .into_iter()
            .map(|c| {
                let d = self.display(&c)?;
                Ok((Cow::Owned(c), d.map(Cow::Owned)))
            })
            .collect()
    }
    /// The active SNOMED CT attribute relationships of a concept when they are held in memory
    /// (`None`: read them from the store).
    fn attributes(&self, _code: &str) -> Result<Option<Vec<Attribute<'_>>>> {
        Ok(None)
    }
    /// True when the concept may not be used in data (ICD chapters/blocks, `notSelectable`;
    /// SNOMED CT has no abstract concepts).
    fn is_abstract(&self, code: &str) -> Result<bool> {
        if self.meta().family == Family::Snomed {
            return Ok(false);
        }
        let c = self.concept(code)?;
        if c.as_ref()
            .and_then(|c| c.kind.as_deref())
            .is_some_and(|k| matches!(k, "chapter" | "block"))
        {
            return Ok(true);
        }
        // The notSelectable property by its code, or by its URI whatever the code system
        // calls it (tx.fhir.org counts both; the suite's notSelectable reprop/unprop tests).
        const NOT_SELECTABLE: &str = "http://hl7.org/fhir/concept-properties#notSelectable";
        let declared = &self.meta().property_uris;
        let means_not_selectable = |name: &str| {
            name == "notSelectable"
                || declared
                    .iter()
                    .any(|(c, uri)| c == name && uri == NOT_SELECTABLE)
        };
        Ok(self
            .properties(code)?
            .iter()
            .any(|p| p.value == "true" && means_not_selectable(&p.name)))
    }
}

/// A code with its display, borrowed when the version is held in memory.
pub type Linked<'a> = (Cow<'a, str>, Option<Cow<'a, str>>);

/// A version held in the store.
pub struct StoreSource<'a> {
    /// The engine.
    pub engine: &'a Terminology,
    /// The version.
    pub cs: CodeSystemVersion,
    /// The version's in-memory index, fetched once per request (not once per lookup).
    index: std::cell::OnceCell<std::sync::Arc<crate::index::Hierarchy>>,
}

impl<'a> StoreSource<'a> {
    /// A source over one stored version.
    pub fn new(engine: &'a Terminology, cs: CodeSystemVersion) -> Self {
        StoreSource {
            engine,
            cs,
            index: std::cell::OnceCell::new(),
        }
    }

    fn index(&self) -> Result<&crate::index::Hierarchy> {
        if let Some(h) = self.index.get() {
            return Ok(h);
        }
        let h = self.engine.hierarchy(self.cs.id)?;
        Ok(self.index.get_or_init(|| h))
    }
}

impl Source for StoreSource<'_> {
    fn meta(&self) -> &CodeSystemVersion {
        &self.cs
    }
    fn concept(&self, code: &str) -> Result<Option<Concept>> {
        let h = self.index()?;
        if let Some(c) = h.concept(code) {
            return Ok(Some(c));
        }
        if h.has_records() && !h.contains(code) {
            return Ok(None);
        }
        self.engine.with_store(|s| Ok(s.concept(self.cs.id, code)?))
    }
    fn designations(&self, code: &str) -> Result<Vec<DesignationView<'_>>> {
        if let Some(d) = self.index()?.designations(code) {
            return Ok(d);
        }
        let owned = self
            .engine
            .with_store(|s| Ok(s.designations(self.cs.id, code)?))?;
        Ok(owned.into_iter().map(DesignationView::from).collect())
    }
    fn attributes(&self, code: &str) -> Result<Option<Vec<Attribute<'_>>>> {
        Ok(self.index()?.attributes(code))
    }
    fn codes(&self) -> Result<Vec<String>> {
        let h = self.index()?;
        if h.has_records() {
            return Ok((0..h.len() as u32)
                .filter(|i| h.has_row_at(*i))
                .map(|i| h.code_at(i).to_string())
                .collect());
        }
        self.engine
            .with_store(|s| Ok(s.all_concepts(self.cs.id)?))
            .map(|v| v.into_iter().map(|c| c.code).collect())
    }
    fn index_ref(&self) -> Result<Option<&crate::index::Hierarchy>> {
        Ok(Some(self.index()?))
    }
    fn language_refsets(&self, language: &str) -> Result<Vec<String>> {
        Ok(self.index()?.language_refsets(language).unwrap_or_default())
    }
    fn preferred_term(&self, code: &str, refset: &str) -> Result<Option<Cow<'_, str>>> {
        if let Some(held) = self.index()?.preferred_term(code, refset) {
            return Ok(held.map(Cow::Borrowed));
        }
        Ok(super::language::preferred_term(
            self.designations(code)?,
            refset,
        ))
    }
    fn properties(&self, code: &str) -> Result<Vec<Property>> {
        if let Some(p) = self.index()?.properties(code) {
            return Ok(p);
        }
        self.engine
            .with_store(|s| Ok(s.properties(self.cs.id, code)?))
    }
    fn parents(&self, code: &str) -> Result<Vec<String>> {
        let h = self.index()?;
        Ok(h.parents_of(code).into_iter().map(str::to_string).collect())
    }
    fn children(&self, code: &str) -> Result<Vec<String>> {
        let h = self.index()?;
        Ok(h.children_of(code)
            .into_iter()
            .map(str::to_string)
            .collect())
    }
    fn display(&self, code: &str) -> Result<Option<String>> {
        let h = self.index()?;
        if let Some(d) = h.display(code) {
            return Ok(Some(d.to_string()));
        }
        if h.has_records() {
            // Every row is in memory: a code without a display has none in the store either.
            return Ok(None);
        }
        Ok(self.concept(code)?.and_then(|c| c.display))
    }
    fn linked(&self, code: &str, up: bool) -> Result<Vec<Linked<'_>>> {
        let h = self.index()?;
        if !h.has_records() {
            // Rows are in the store: look each display up there.
            let codes = if up {
                h.parents_of(code)
            } else {
                h.children_of(code)
            };
            return codes
                .into_iter()
                .map(|c| Ok((Cow::Borrowed(c), self.display(c)?.map(Cow::Owned))))
                .collect();
        }
        Ok(h.linked(code, up)
            .into_iter()
            .map(|(c, d)| (Cow::Borrowed(c), d.map(Cow::Borrowed)))
            .collect())
    }
    fn subsumes(&self, a: &str, b: &str) -> Result<bool> {
        Ok(self.index()?.subsumes(a, b))
    }
    fn descendants(&self, code: &str) -> Result<Vec<String>> {
        Ok(self
            .engine
            .hierarchy(self.cs.id)?
            .descendants(code)
            .into_iter()
            .map(str::to_string)
            .collect())
    }
    fn store_id(&self) -> Option<i64> {
        Some(self.cs.id)
    }
}

/// A version supplied with the request.
pub struct MemSource(pub Arc<MemCodeSystem>);

impl MemSource {
    /// A copy of one list of a concept (empty for unknown codes).
    fn field<T: Clone>(
        &self,
        code: &str,
        list: impl Fn(&super::memory::MemConcept) -> &Vec<T>,
    ) -> Vec<T> {
        self.0
            .concepts
            .get(code)
            .map(|c| list(c).clone())
            .unwrap_or_default()
    }
}

impl Source for MemSource {
    fn meta(&self) -> &CodeSystemVersion {
        &self.0.meta
    }
    fn codes(&self) -> Result<Vec<String>> {
        Ok(self.0.order.clone())
    }
    fn concept(&self, code: &str) -> Result<Option<Concept>> {
        Ok(self.0.concepts.get(code).map(|c| c.concept.clone()))
    }
    fn designations(&self, code: &str) -> Result<Vec<DesignationView<'_>>> {
        Ok(self
            .field(code, |c| &c.designations)
            .into_iter()
            .map(DesignationView::from)
            .collect())
    }
    fn properties(&self, code: &str) -> Result<Vec<Property>> {
        Ok(self.field(code, |c| &c.properties))
    }
    fn parents(&self, code: &str) -> Result<Vec<String>> {
        Ok(self.field(code, |c| &c.parents))
    }
    fn children(&self, code: &str) -> Result<Vec<String>> {
        Ok(self
            .0
            .hierarchy
            .children_of(code)
            .into_iter()
            .map(str::to_string)
            .collect())
    }
    fn subsumes(&self, a: &str, b: &str) -> Result<bool> {
        Ok(self.0.hierarchy.subsumes(a, b))
    }
    fn descendants(&self, code: &str) -> Result<Vec<String>> {
        Ok(self
            .0
            .hierarchy
            .descendants(code)
            .into_iter()
            .map(str::to_string)
            .collect())
    }
    fn store_id(&self) -> Option<i64> {
        None
    }
}

/// A version read together with supplements the request asked for (`useSupplement`, a value
/// set's `valueset-supplement`): their designations and properties are added to the
/// concept's own.
pub struct Supplemented<'a> {
    /// The supplemented version.
    pub base: Box<dyn Source + 'a>,
    /// The supplements, in the order asked for.
    pub supplements: Vec<Arc<MemCodeSystem>>,
}

impl Source for Supplemented<'_> {
    fn meta(&self) -> &CodeSystemVersion {
        self.base.meta()
    }
    fn supplements(&self) -> Vec<String> {
        self.supplements
            .iter()
            .map(|s| s.meta.canonical())
            .collect()
    }
    fn concept(&self, code: &str) -> Result<Option<Concept>> {
        self.base.concept(code)
    }
    fn designations(&self, code: &str) -> Result<Vec<DesignationView<'_>>> {
        let mut all = self.base.designations(code)?;
        for s in &self.supplements {
            if let Some(c) = s.concepts.get(code) {
                let source = s.meta.canonical();
                all.extend(c.designations.iter().cloned().map(|d| DesignationView {
                    source: Some(Cow::Owned(source.clone())),
                    ..DesignationView::from(d)
                }));
            }
        }
        Ok(all)
    }
    fn properties(&self, code: &str) -> Result<Vec<Property>> {
        let mut all = self.base.properties(code)?;
        for s in &self.supplements {
            if let Some(c) = s.concepts.get(code) {
                all.extend(c.properties.iter().cloned());
            }
        }
        Ok(all)
    }
    fn parents(&self, code: &str) -> Result<Vec<String>> {
        self.base.parents(code)
    }
    fn children(&self, code: &str) -> Result<Vec<String>> {
        self.base.children(code)
    }
    fn subsumes(&self, a: &str, b: &str) -> Result<bool> {
        self.base.subsumes(a, b)
    }
    fn descendants(&self, code: &str) -> Result<Vec<String>> {
        self.base.descendants(code)
    }
    fn codes(&self) -> Result<Vec<String>> {
        self.base.codes()
    }
    fn index_ref(&self) -> Result<Option<&crate::index::Hierarchy>> {
        self.base.index_ref()
    }
    fn store_id(&self) -> Option<i64> {
        self.base.store_id()
    }
    fn language_refsets(&self, language: &str) -> Result<Vec<String>> {
        self.base.language_refsets(language)
    }
    fn attributes(&self, code: &str) -> Result<Option<Vec<Attribute<'_>>>> {
        self.base.attributes(code)
    }
}

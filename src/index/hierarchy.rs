//! An in-memory index of one code system version: codes interned to `u32`, parent and child
//! adjacency lists, and each concept's row (display, status, module, effective time, kind — the
//! small repeated strings interned once). Subsumption walks up from the more specific code, so
//! its cost is bounded by depth × fan-in (SNOMED CT: depth ≤ ~30) rather than by the size of the
//! hierarchy; concept rows, parents, children and the displays `$lookup` shows for them are
//! answered without touching the store (at International scale those were most of a lookup's
//! random page reads). Reads hand out borrowed views (designations, attributes, neighbours with
//! their displays) found by interned position, so a `$lookup` probes the hash map once for the
//! requested code and copies no term; lists are sorted once at build, in answer order.

use crate::model::{Concept, Designation, DesignationView, Relationship};
use std::borrow::Cow;
// FxHash: the index is probed several times per request with short trusted keys (codes from
// the store), so SipHash's DoS resistance buys nothing here.
use rustc_hash::FxHashMap as HashMap;

/// No interned string.
const NONE: u16 = u16::MAX;

/// A concept row held in memory.
#[derive(Debug)]
struct Record {
    display: Option<Box<str>>,
    active: bool,
    effective_time: u16,
    module: u16,
    definition_status: u16,
    kind: u16,
}

/// An active attribute relationship held in memory (codes interned).
#[derive(Debug)]
struct Rel {
    id: u64,
    type_id: u32,
    destination: u32,
    value: Option<Box<str>>,
    group: u16,
    characteristic: u16,
}

/// A designation held in memory (SNOMED CT descriptions: numeric ids).
#[derive(Debug)]
struct Desig {
    id: u64,
    term: Box<str>,
    language: u16,
    use_code: u16,
    acceptability: u16,
    case_significance: u16,
    active: bool,
}

/// No destination (a concrete value).
const NO_DESTINATION: u32 = u32::MAX;

/// An active attribute relationship borrowed from the index, with the displays of its type and
/// destination.
#[derive(Debug)]
pub struct Attribute<'a> {
    /// Relationship id.
    pub id: u64,
    /// Attribute type id.
    pub type_id: &'a str,
    /// Destination concept (absent for concrete values).
    pub destination: Option<&'a str>,
    /// Concrete value as written in RF2.
    pub value: Option<&'a str>,
    /// Role group.
    pub group: i64,
    /// Characteristic type id.
    pub characteristic: Option<&'a str>,
    /// The attribute type's display.
    pub type_display: Option<&'a str>,
    /// The destination's display (none for concrete values).
    pub destination_display: Option<&'a str>,
}

/// A concept row read by position.
#[derive(Debug, Clone, Copy)]
pub struct RowView<'a> {
    /// Default display.
    pub display: Option<&'a str>,
    /// Active flag.
    pub active: bool,
    /// Effective time (`yyyymmdd`).
    pub effective_time: Option<&'a str>,
    /// Module id.
    pub module: Option<&'a str>,
    /// Definition status id.
    pub definition_status: Option<&'a str>,
}

/// An active relationship read by position.
#[derive(Debug, Clone, Copy)]
pub struct RelView<'a> {
    /// Attribute type (position).
    pub type_id: u32,
    /// Destination (position); `None` for a concrete value.
    pub destination: Option<u32>,
    /// Concrete value as in RF2 (`#5`, `"text"`).
    pub value: Option<&'a str>,
    /// Role group.
    pub group: u16,
}

/// Adjacency and concept rows of one code system version.
#[derive(Debug, Default)]
pub struct Hierarchy {
    index: HashMap<Box<str>, u32>,
    codes: Vec<Box<str>>,
    records: Vec<Option<Record>>,
    parents: Vec<Vec<u32>>,
    children: Vec<Vec<u32>>,
    strings: Vec<Box<str>>,
    string_index: HashMap<Box<str>, u16>,
    with_records: bool,
    overflow: bool,
    rels: Vec<Vec<Rel>>,
    with_rels: bool,
    desigs: Vec<Vec<Desig>>,
    /// Each small string parsed as `refset:acceptability …` (used for designations' values).
    acceptability: Vec<Vec<(String, String)>>,
    /// Per language refset: position + 1 of each concept's preferred synonym (0: none).
    preferred: HashMap<Box<str>, Vec<u16>>,
    /// Per language code (lower case, as in descriptions): the language refsets its
    /// descriptions are members of, in first-seen order.
    languages: HashMap<Box<str>, Vec<Box<str>>>,
    with_desigs: bool,
    /// Incoming active relationships per concept (source, type, group), built on first use
    /// (ECL reverse attributes).
    incoming: std::sync::OnceLock<Vec<Vec<(u32, u32, u16)>>>,
}

impl Hierarchy {
    /// Builds from (child, parent) edges only.
    pub fn from_edges<'a>(edges: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        Self::build(edges, std::iter::empty(), std::iter::empty())
    }

    /// Builds from (child, parent) edges and the version's concept rows.
    pub fn build<'a>(
        edges: impl Iterator<Item = (&'a str, &'a str)>,
        concepts: impl Iterator<Item = &'a Concept>,
        relationships: impl Iterator<Item = (&'a str, &'a Relationship)>,
    ) -> Self {
        let mut h = Hierarchy::default();
        for c in concepts {
            h.with_records = true;
            let i = h.intern(&c.code);
            let record = Record {
                display: c.display.as_deref().map(Box::from),
                active: c.active,
                effective_time: h.small(c.effective_time.as_deref()),
                module: h.small(c.module.as_deref()),
                definition_status: h.small(c.definition_status.as_deref()),
                kind: h.small(c.kind.as_deref()),
            };
            h.records[i as usize] = Some(record);
        }
        for (c, p) in edges {
            let (c, p) = (h.intern(c), h.intern(p));
            h.parents[c as usize].push(p);
            h.children[p as usize].push(c);
        }
        for (source, r) in relationships {
            // Ids that are not numbers (never in RF2) keep the relationship out of memory.
            let Ok(id) = r.id.parse::<u64>() else {
                continue;
            };
            h.with_rels = true;
            let s = h.intern(source);
            let rel = Rel {
                id,
                type_id: h.intern(&r.type_id),
                destination: r
                    .destination
                    .as_deref()
                    .map(|d| h.intern(d))
                    .unwrap_or(NO_DESTINATION),
                value: r.value.as_deref().map(Box::from),
                group: u16::try_from(r.group).unwrap_or(u16::MAX),
                characteristic: h.small(Some(&r.characteristic)),
            };
            h.rels[s as usize].push(rel);
        }
        // Sorted once here so that requests read lists in answer order without sorting.
        let codes = &h.codes;
        for list in h.parents.iter_mut().chain(h.children.iter_mut()) {
            list.sort_unstable_by(|a, b| codes[*a as usize].cmp(&codes[*b as usize]));
            list.shrink_to_fit();
        }
        let code = |i: u32| (i != NO_DESTINATION).then(|| &*codes[i as usize]);
        for list in h.rels.iter_mut() {
            list.sort_by(|a, b| {
                (a.group, code(a.type_id), code(a.destination)).cmp(&(
                    b.group,
                    code(b.type_id),
                    code(b.destination),
                ))
            });
            list.shrink_to_fit();
        }
        h
    }

    /// Adds the designations of a version. Only versions whose designation ids are all numbers
    /// (SNOMED CT descriptions) are held; any other id leaves designations to the store.
    pub fn with_designations<'a>(
        mut self,
        designations: impl Iterator<Item = (&'a str, &'a Designation)>,
    ) -> Self {
        let mut held = Vec::new();
        for (code, d) in designations {
            let Ok(id) = d.id.parse::<u64>() else {
                return self;
            };
            held.push((code, id, d));
        }
        if held.is_empty() {
            // Nothing to hold (a code system with displays only): designations stay with the
            // store, and search indexes the displays.
            return self;
        }
        for (code, id, d) in held {
            if let Some(lang) = &d.language {
                let refsets = self
                    .languages
                    .entry(Box::from(lang.to_ascii_lowercase().as_str()))
                    .or_default();
                for (refset, _) in &d.acceptability {
                    if !refsets.iter().any(|r| **r == **refset) {
                        refsets.push(Box::from(refset.as_str()));
                    }
                }
            }
            let c = self.intern(code);
            let acc = d
                .acceptability
                .iter()
                .map(|(r, a)| format!("{r}:{a}"))
                .collect::<Vec<_>>()
                .join(" ");
            let desig = Desig {
                id,
                term: Box::from(d.term.as_str()),
                language: self.small(d.language.as_deref()),
                use_code: self.small(d.use_code.as_deref()),
                acceptability: self.small(Some(&acc)),
                case_significance: self.small(d.case_significance.as_deref()),
                active: d.active,
            };
            self.desigs[c as usize].push(desig);
        }
        for list in self.desigs.iter_mut() {
            // The store's order: active first, then by id as text.
            list.sort_by(|a, b| {
                b.active
                    .cmp(&a.active)
                    .then_with(|| a.id.to_string().cmp(&b.id.to_string()))
            });
            list.shrink_to_fit();
        }
        // Parsed once per distinct value rather than once per designation read.
        self.acceptability = self
            .strings
            .iter()
            .map(|s| crate::store::read::parse_acceptability(s))
            .collect();
        self.index_preferred_terms();
        self.with_desigs = true;
        self
    }

    /// For each language refset, the position (+1) of every concept's preferred synonym in its
    /// designation list: two bytes per concept and refset (≈0.7 MB each at International scale),
    /// so a term in another dialect is one read, not a scan of the concept's designations.
    fn index_preferred_terms(&mut self) {
        let n = self.codes.len();
        let synonym = self.string_index.get(crate::model::sct::SYNONYM).copied();
        for (i, list) in self.desigs.iter().enumerate() {
            for (pos, d) in list.iter().enumerate().take(usize::from(u16::MAX) - 1) {
                if !d.active || Some(d.use_code) != synonym {
                    continue;
                }
                let Some(acc) = self.acceptability.get(d.acceptability as usize) else {
                    continue;
                };
                for (refset, a) in acc {
                    if a == crate::model::sct::PREFERRED {
                        let slots = self
                            .preferred
                            .entry(Box::from(refset.as_str()))
                            .or_insert_with(|| vec![0; n]);
                        if slots[i] == 0 {
                            slots[i] = pos as u16 + 1;
                        }
                    }
                }
            }
        }
    }

    /// The synonym preferred in language refset `refset` for `code`, when the index holds
    /// designations (`None`: ask the store); `Some(None)` when the concept has none.
    pub fn preferred_term(&self, code: &str, refset: &str) -> Option<Option<&str>> {
        if !self.with_desigs || self.overflow {
            return None;
        }
        let Some(&i) = self.index.get(code) else {
            return Some(None);
        };
        let pos = self
            .preferred
            .get(refset)
            .and_then(|slots| slots.get(i as usize))
            .copied()
            .unwrap_or(0);
        Some(
            pos.checked_sub(1)
                .and_then(|p| self.desigs[i as usize].get(usize::from(p)))
                .map(|d| &*d.term),
        )
    }

    /// The language refsets whose members are descriptions in `language` (an RF2 language
    /// code such as `sv`), when the index holds designations.
    pub fn language_refsets(&self, language: &str) -> Option<Vec<String>> {
        if !self.with_desigs {
            return None;
        }
        Some(
            self.languages
                .get(language.to_ascii_lowercase().as_str())
                .map(|v| v.iter().map(|r| r.to_string()).collect())
                .unwrap_or_default(),
        )
    }

    /// The designations of a concept, borrowed, when the index holds them.
    pub fn designations(&self, code: &str) -> Option<Vec<DesignationView<'_>>> {
        if !self.with_desigs || self.overflow {
            return None;
        }
        let Some(&i) = self.index.get(code) else {
            return Some(Vec::new());
        };
        Some(self.designations_at(i).map(|(_, d)| d).collect())
    }

    /// A held designation as the operations read it, borrowed.
    fn view<'s>(&'s self, d: &'s Desig) -> DesignationView<'s> {
        DesignationView {
            language: self.str_at(d.language).map(Cow::Borrowed),
            use_code: self.str_at(d.use_code).map(Cow::Borrowed),
            term: Cow::Borrowed(&d.term),
            case_significance: self.str_at(d.case_significance).map(Cow::Borrowed),
            active: d.active,
            acceptability: Cow::Borrowed(
                self.acceptability
                    .get(d.acceptability as usize)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            ),
        }
    }

    /// The active attribute relationships of a concept (sorted by group, type, destination),
    /// when the index holds them.
    pub fn relationships(&self, code: &str) -> Option<Vec<Relationship>> {
        Some(
            self.attributes(code)?
                .into_iter()
                .map(|a| Relationship {
                    id: a.id.to_string(),
                    type_id: a.type_id.to_string(),
                    destination: a.destination.map(str::to_string),
                    value: a.value.map(str::to_string),
                    group: a.group,
                    characteristic: a.characteristic.unwrap_or_default().to_string(),
                })
                .collect(),
        )
    }

    /// [`Self::relationships`] with the displays of each type and destination, read by position
    /// rather than by a further lookup per code.
    pub fn attributes(&self, code: &str) -> Option<Vec<Attribute<'_>>> {
        if !self.with_rels || self.overflow {
            return None;
        }
        let Some(&i) = self.index.get(code) else {
            return Some(Vec::new());
        };
        Some(
            self.rels[i as usize]
                .iter()
                .map(|r| Attribute {
                    id: r.id,
                    type_id: &self.codes[r.type_id as usize],
                    destination: (r.destination != NO_DESTINATION)
                        .then(|| &*self.codes[r.destination as usize]),
                    value: r.value.as_deref(),
                    group: i64::from(r.group),
                    characteristic: self.str_at(r.characteristic),
                    type_display: self.display_at(r.type_id),
                    destination_display: (r.destination != NO_DESTINATION)
                        .then(|| self.display_at(r.destination))
                        .flatten(),
                })
                .collect(),
        )
    }

    fn intern(&mut self, code: &str) -> u32 {
        if let Some(i) = self.index.get(code) {
            return *i;
        }
        let i = self.codes.len() as u32;
        self.index.insert(Box::from(code), i);
        self.codes.push(Box::from(code));
        self.records.push(None);
        self.rels.push(Vec::new());
        self.desigs.push(Vec::new());
        self.parents.push(Vec::new());
        self.children.push(Vec::new());
        i
    }

    /// Interns a small repeated string (module, status, date, kind); `NONE` for absent.
    fn small(&mut self, s: Option<&str>) -> u16 {
        let Some(s) = s else { return NONE };
        if let Some(i) = self.string_index.get(s) {
            return *i;
        }
        if self.strings.len() >= NONE as usize - 1 {
            // More distinct values than a u16 holds: rows can no longer be rebuilt faithfully,
            // so `concept` answers nothing and callers read the store.
            self.overflow = true;
            return NONE;
        }
        let i = self.strings.len() as u16;
        self.strings.push(Box::from(s));
        self.string_index.insert(Box::from(s), i);
        i
    }

    fn text(&self, i: u16) -> Option<String> {
        self.str_at(i).map(str::to_string)
    }

    fn str_at(&self, i: u16) -> Option<&str> {
        (i != NONE).then(|| &*self.strings[i as usize])
    }

    fn record(&self, code: &str) -> Option<&Record> {
        self.index
            .get(code)
            .and_then(|i| self.records[*i as usize].as_ref())
    }

    /// True when the code is known (has a row or an edge).
    pub fn contains(&self, code: &str) -> bool {
        self.index.contains_key(code)
    }

    /// How many codes are interned (positions are `0..len`).
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// True when nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    /// The interned position of a code.
    pub fn position(&self, code: &str) -> Option<u32> {
        self.index.get(code).copied()
    }

    /// The code at a position.
    pub fn code_at(&self, pos: u32) -> &str {
        &self.codes[pos as usize]
    }

    /// Direct parents by position.
    pub fn parents_at(&self, pos: u32) -> &[u32] {
        &self.parents[pos as usize]
    }

    /// Direct children by position.
    pub fn children_at(&self, pos: u32) -> &[u32] {
        &self.children[pos as usize]
    }

    /// True when the code at a position has a concept row (is a concept of the version).
    pub fn has_row_at(&self, pos: u32) -> bool {
        !self.overflow && self.records[pos as usize].is_some()
    }

    /// True when the concept at a position has a row and is active (no row view built).
    pub fn active_at(&self, pos: u32) -> bool {
        !self.overflow
            && self.records[pos as usize]
                .as_ref()
                .is_some_and(|r| r.active)
    }

    /// The concept row at a position: `None` for codes known only from edges (or when the
    /// index holds no rows).
    pub fn row_at(&self, pos: u32) -> Option<RowView<'_>> {
        if self.overflow {
            return None;
        }
        self.records[pos as usize].as_ref().map(|r| RowView {
            display: r.display.as_deref(),
            active: r.active,
            effective_time: self.str_at(r.effective_time),
            module: self.str_at(r.module),
            definition_status: self.str_at(r.definition_status),
        })
    }

    /// The active attribute relationships of the concept at a position.
    pub fn relationships_at(&self, pos: u32) -> impl Iterator<Item = RelView<'_>> {
        self.rels[pos as usize].iter().map(|r| RelView {
            type_id: r.type_id,
            destination: (r.destination != NO_DESTINATION).then_some(r.destination),
            value: r.value.as_deref(),
            group: r.group,
        })
    }

    /// Active relationships pointing at the concept at a position: (source, type, group).
    pub fn incoming_at(&self, pos: u32) -> &[(u32, u32, u16)] {
        let all = self.incoming.get_or_init(|| {
            let mut v: Vec<Vec<(u32, u32, u16)>> = vec![Vec::new(); self.codes.len()];
            for (source, list) in self.rels.iter().enumerate() {
                for r in list {
                    if r.destination != NO_DESTINATION {
                        v[r.destination as usize].push((source as u32, r.type_id, r.group));
                    }
                }
            }
            v
        });
        &all[pos as usize]
    }

    /// True when the index holds designations (SNOMED CT descriptions).
    pub fn has_designations(&self) -> bool {
        self.with_desigs && !self.overflow
    }

    /// The designations of the concept at a position, with their description ids.
    pub fn designations_at(&self, pos: u32) -> impl Iterator<Item = (u64, DesignationView<'_>)> {
        self.desigs[pos as usize]
            .iter()
            .map(|d| (d.id, self.view(d)))
    }

    /// True when built with concept rows: then a code without a row is not in the version.
    pub fn has_records(&self) -> bool {
        self.with_records && !self.overflow
    }

    /// The default display of a code.
    pub fn display(&self, code: &str) -> Option<&str> {
        self.record(code).and_then(|r| r.display.as_deref())
    }

    fn display_at(&self, i: u32) -> Option<&str> {
        self.records[i as usize]
            .as_ref()
            .and_then(|r| r.display.as_deref())
    }

    /// The concept row, when the index holds it.
    pub fn concept(&self, code: &str) -> Option<Concept> {
        if self.overflow {
            return None;
        }
        let r = self.record(code)?;
        Some(Concept {
            code: code.to_string(),
            display: r.display.as_deref().map(str::to_string),
            active: r.active,
            effective_time: self.text(r.effective_time),
            module: self.text(r.module),
            definition_status: self.text(r.definition_status),
            kind: self.text(r.kind),
        })
    }

    /// Direct parents, sorted.
    pub fn parents_of(&self, code: &str) -> Vec<&str> {
        self.linked(code, true)
            .into_iter()
            .map(|(c, _)| c)
            .collect()
    }

    /// Direct children, sorted.
    pub fn children_of(&self, code: &str) -> Vec<&str> {
        self.linked(code, false)
            .into_iter()
            .map(|(c, _)| c)
            .collect()
    }

    /// Direct parents (`up`) or children with their default displays, sorted by code.
    pub fn linked(&self, code: &str, up: bool) -> Vec<(&str, Option<&str>)> {
        let lists = if up { &self.parents } else { &self.children };
        self.index
            .get(code)
            .map(|i| {
                lists[*i as usize]
                    .iter()
                    .map(|j| (&*self.codes[*j as usize], self.display_at(*j)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// True when `ancestor` is `code` or one of its ancestors.
    pub fn subsumes(&self, ancestor: &str, code: &str) -> bool {
        if ancestor == code {
            return true;
        }
        let (Some(&a), Some(&c)) = (self.index.get(ancestor), self.index.get(code)) else {
            return false;
        };
        let mut seen = rustc_hash::FxHashSet::default();
        let mut stack = vec![c];
        while let Some(x) = stack.pop() {
            for &p in &self.parents[x as usize] {
                if p == a {
                    return true;
                }
                if seen.insert(p) {
                    stack.push(p);
                }
            }
        }
        false
    }

    /// Every descendant of `code` (not including it).
    pub fn descendants(&self, code: &str) -> Vec<&str> {
        let Some(&start) = self.index.get(code) else {
            return Vec::new();
        };
        let mut seen = rustc_hash::FxHashSet::default();
        let mut stack = vec![start];
        let mut out = Vec::new();
        while let Some(x) = stack.pop() {
            for &c in &self.children[x as usize] {
                if seen.insert(c) {
                    out.push(&*self.codes[c as usize]);
                    stack.push(c);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsumption_follows_every_parent_and_rows_round_trip() {
        let a = Concept {
            code: "a".into(),
            display: Some("A".into()),
            active: true,
            effective_time: Some("20250131".into()),
            module: None,
            definition_status: None,
            kind: Some("chapter".into()),
        };
        let r = Relationship {
            id: "2000001022".into(),
            type_id: "363698007".into(),
            destination: Some("x".into()),
            value: None,
            group: 1,
            characteristic: "900000000000011006".into(),
        };
        let h = Hierarchy::build(
            [("b", "a"), ("c", "b"), ("c", "x"), ("d", "c")].into_iter(),
            [&a].into_iter(),
            [("d", &r)].into_iter(),
        );
        assert_eq!(h.relationships("d"), Some(vec![r.clone()]));
        assert_eq!(h.relationships("a"), Some(vec![]));
        assert!(h.subsumes("a", "d"));
        assert!(h.subsumes("x", "d"));
        assert!(h.subsumes("d", "d"));
        assert!(!h.subsumes("d", "a"));
        assert!(!h.subsumes("q", "a"));
        let mut desc = h.descendants("b");
        desc.sort();
        assert_eq!(desc, ["c", "d"]);
        assert_eq!(h.parents_of("c"), ["b", "x"]);
        assert_eq!(h.children_of("b"), ["c"]);
        assert_eq!(h.display("a"), Some("A"));
        assert_eq!(h.concept("a"), Some(a));
        assert_eq!(h.concept("b"), None);
        assert!(h.has_records() && !Hierarchy::from_edges([("b", "a")].into_iter()).has_records());
    }
}

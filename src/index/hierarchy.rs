//! The index of one code system version, read in place: codes mapped to positions by an fst,
//! and per position the concept row (display, status, module, effective time, kind — the small
//! repeated strings interned once), parents and children, active attribute relationships (and
//! the ones pointing at it), designations and properties, all in flat arrays ([`Slab`]s) that
//! are either just built ([`super::build::Builder`]) or mapped from the release's index file
//! ([`super::file`]). Opening a mapped hierarchy reads only its small string table, so the
//! server starts at once and holds in memory only the pages requests read.
//!
//! Subsumption walks up from the more specific code, so its cost is bounded by depth × fan-in
//! (SNOMED CT: depth ≤ ~30) rather than by the size of the hierarchy. Reads hand out borrowed
//! views found by position, so a `$lookup` probes the fst once for the requested code and
//! copies no term; lists were sorted once at build, in answer order.

use super::file::{Damaged, Part, PartWriter, Writer};
use super::slab::{Csr, Slab, Span};
use crate::model::{Concept, DesignationView, Property, Relationship};
use bytemuck::{Pod, Zeroable};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// No interned string.
pub(super) const NONE: u16 = u16::MAX;
/// No destination (a concrete value).
pub(super) const NO_DESTINATION: u32 = u32::MAX;
/// [`Row::flags`]: the position is a concept of the version (not only an edge end).
pub(super) const ROW: u32 = 1;
/// [`Row::flags`]: the concept is active.
pub(super) const ROW_ACTIVE: u32 = 2;

/// A concept row.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(super) struct Row {
    pub display: Span,
    pub effective_time: u16,
    pub module: u16,
    pub definition_status: u16,
    pub kind: u16,
    pub flags: u32,
}

/// An active attribute relationship (codes as positions).
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(super) struct Rel {
    pub id: u64,
    pub type_id: u32,
    pub destination: u32,
    pub value: Span,
    pub group: u16,
    pub characteristic: u16,
    pub _pad: u32,
}

/// An active relationship pointing at a concept.
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub struct Incoming {
    /// Source concept (position).
    pub source: u32,
    /// Attribute type (position).
    pub type_id: u32,
    /// Role group.
    pub group: u16,
    /// Padding.
    pub _pad: u16,
}

/// A designation (SNOMED CT descriptions keep their numeric id; others 0).
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(super) struct Desig {
    pub id: u64,
    pub term: Span,
    pub language: u16,
    pub use_code: u16,
    pub acceptability: u16,
    pub case_significance: u16,
    pub active: u32,
    pub _pad: u32,
}

/// A property (name and kind interned).
#[repr(C)]
#[derive(Debug, Clone, Copy, Pod, Zeroable)]
pub(super) struct Prop {
    pub name: u16,
    pub kind: u16,
    pub value: Span,
}

/// What a version's index holds.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Flags {
    /// Concept rows (a code without one is not in the version).
    pub records: bool,
    /// Attribute relationships.
    pub rels: bool,
    /// Designations.
    pub desigs: bool,
    /// SNOMED CT descriptions (every designation id a number): dialects, ECL filters.
    pub snomed: bool,
    /// Properties.
    pub props: bool,
    /// More distinct small strings than fit: rows, designations and properties are left to
    /// the store.
    pub overflow: bool,
}

impl Flags {
    fn to_bytes(self) -> [u8; 6] {
        [
            self.records,
            self.rels,
            self.desigs,
            self.snomed,
            self.props,
            self.overflow,
        ]
        .map(u8::from)
    }

    fn from_bytes(b: &[u8]) -> Flags {
        let at = |i: usize| b.get(i).is_some_and(|x| *x != 0);
        Flags {
            records: at(0),
            rels: at(1),
            desigs: at(2),
            snomed: at(3),
            props: at(4),
            overflow: at(5),
        }
    }
}

/// The small tables of a version's index (read whole when it is opened).
#[derive(Debug, Default)]
pub(super) struct Meta {
    pub strings: Vec<String>,
    /// Per language code (lower case, as in descriptions): the language refsets its
    /// descriptions are members of, in first-seen order.
    pub languages: BTreeMap<String, Vec<String>>,
    /// The language refsets of [`Parts::preferred`], in order.
    pub preferred: Vec<String>,
    pub flags: Flags,
}

/// The arrays of a version's index.
pub(super) struct Parts {
    pub index: Slab<u8>,
    pub heap: Slab<u8>,
    pub codes: Slab<Span>,
    pub rows: Slab<Row>,
    pub parents: Csr<u32>,
    pub children: Csr<u32>,
    pub rels: Csr<Rel>,
    pub desigs: Csr<Desig>,
    pub props: Csr<Prop>,
    pub incoming: Csr<Incoming>,
    /// Per language refset: position + 1 of each concept's preferred synonym (0: none).
    pub preferred: Vec<Slab<u16>>,
}

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

/// The index of one code system version.
pub struct Hierarchy {
    index: fst::Map<Slab<u8>>,
    p: Parts,
    meta: Meta,
    /// Each small string parsed as `refset:acceptability …` (designations' acceptability).
    acceptability: Vec<Vec<(String, String)>>,
    /// Bit per position: the code has a concept row; and: that row is active. Built at open
    /// (a pass over the rows): searches and expansions ask this of every candidate, and a bit
    /// in a cache-resident set is far cheaper than a row read from the mapped file.
    has_row: super::ConceptSet,
    active: super::ConceptSet,
}

impl std::fmt::Debug for Hierarchy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hierarchy[{} codes]", self.len())
    }
}

impl Default for Hierarchy {
    fn default() -> Self {
        super::build::Builder::new().freeze()
    }
}

impl Hierarchy {
    /// Builds from (child, parent) edges only.
    pub fn from_edges<'a>(edges: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        super::build::Builder::new().edges(edges).freeze()
    }

    /// Builds from (child, parent) edges, the version's concept rows and relationships.
    pub fn build<'a>(
        edges: impl Iterator<Item = (&'a str, &'a str)>,
        concepts: impl Iterator<Item = &'a Concept>,
        relationships: impl Iterator<Item = (&'a str, &'a Relationship)>,
    ) -> Self {
        super::build::Builder::new()
            .concepts(concepts)
            .edges(edges)
            .relationships(relationships)
            .freeze()
    }

    /// Puts a built index together (the fst bytes come from the builder, so they are valid).
    pub(super) fn assemble(meta: Meta, p: Parts) -> Self {
        let index = fst::Map::new(Slab::owned(p.index.to_vec())).unwrap_or_else(|_| empty_map());
        Self::with(meta, p, index)
    }

    fn with(meta: Meta, p: Parts, index: fst::Map<Slab<u8>>) -> Self {
        // Parsed once per distinct value rather than once per designation read.
        let acceptability = meta
            .strings
            .iter()
            .map(|s| crate::store::read::parse_acceptability(s))
            .collect();
        let n = p.rows.len();
        let (mut has_row, mut active) = (super::ConceptSet::empty(n), super::ConceptSet::empty(n));
        for (i, r) in (0u32..).zip(p.rows.iter()) {
            if r.flags & ROW != 0 {
                has_row.insert(i);
                if r.flags & ROW_ACTIVE != 0 {
                    active.insert(i);
                }
            }
        }
        Hierarchy {
            index,
            p,
            meta,
            acceptability,
            has_row,
            active,
        }
    }

    /// Writes the index as part `name` of an index file.
    pub fn write(&self, w: &mut Writer, name: &str) -> std::io::Result<()> {
        let mut part = PartWriter::default();
        let p = &self.p;
        w.put(&mut part, "index", self.index.as_fst().as_bytes())?;
        w.put(&mut part, "heap", &p.heap)?;
        w.put(&mut part, "codes", &p.codes)?;
        w.put(&mut part, "rows", &p.rows)?;
        w.put_csr(&mut part, "parents", &p.parents)?;
        w.put_csr(&mut part, "children", &p.children)?;
        w.put_csr(&mut part, "rels", &p.rels)?;
        w.put_csr(&mut part, "desigs", &p.desigs)?;
        w.put_csr(&mut part, "props", &p.props)?;
        w.put_csr(&mut part, "incoming", &p.incoming)?;
        for (i, slots) in p.preferred.iter().enumerate() {
            w.put(&mut part, &format!("preferred.{i}"), slots)?;
        }
        let m = &self.meta;
        w.put_strs(&mut part, "strings", m.strings.iter().map(String::as_str))?;
        w.put_strs(
            &mut part,
            "preferred",
            m.preferred.iter().map(String::as_str),
        )?;
        // "language refset refset …": neither language codes nor SCTIDs hold spaces.
        let languages: Vec<String> = m
            .languages
            .iter()
            .map(|(l, refsets)| {
                std::iter::once(l.as_str())
                    .chain(refsets.iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        w.put_strs(&mut part, "languages", languages.iter().map(String::as_str))?;
        w.put(&mut part, "flags", &m.flags.to_bytes())?;
        w.finish_part(name, part);
        Ok(())
    }

    /// Opens a part written by [`Self::write`], reading in place.
    pub fn open(part: &Part<'_>) -> Result<Self, Damaged> {
        let meta = Meta {
            strings: part.strs("strings")?,
            preferred: part.strs("preferred")?,
            languages: part
                .strs("languages")?
                .iter()
                .filter_map(|l| {
                    let mut words = l.split(' ').map(str::to_string);
                    Some((words.next()?, words.collect()))
                })
                .collect(),
            flags: Flags::from_bytes(&part.slab::<u8>("flags")?),
        };
        let index = fst::Map::new(part.slab::<u8>("index")?)
            .map_err(|e| part.damaged(format!("code map: {e}")))?;
        let p = Parts {
            index: Slab::empty(),
            heap: part.slab("heap")?,
            codes: part.slab("codes")?,
            rows: part.slab("rows")?,
            parents: part.csr("parents")?,
            children: part.csr("children")?,
            rels: part.csr("rels")?,
            desigs: part.csr("desigs")?,
            props: part.csr("props")?,
            incoming: part.csr("incoming")?,
            preferred: (0..meta.preferred.len())
                .map(|i| part.slab(&format!("preferred.{i}")))
                .collect::<Result<_, _>>()?,
        };
        let n = p.codes.len();
        let lists = [
            p.parents.entries(),
            p.children.entries(),
            p.rels.entries(),
            p.desigs.entries(),
            p.props.entries(),
            p.incoming.entries(),
        ];
        if p.rows.len() != n || lists.iter().any(|l| *l != n) {
            return Err(part.damaged(format!("{n} codes but lists of other lengths")));
        }
        Ok(Self::with(meta, p, index))
    }

    fn flags(&self) -> Flags {
        self.meta.flags
    }

    fn heap_str(&self, s: Span) -> Option<&str> {
        s.get(&self.p.heap)
    }

    fn str_at(&self, i: u16) -> Option<&str> {
        (i != NONE)
            .then(|| self.meta.strings.get(i as usize).map(String::as_str))
            .flatten()
    }

    fn text(&self, i: u16) -> Option<String> {
        self.str_at(i).map(str::to_string)
    }

    fn row(&self, pos: u32) -> Option<&Row> {
        self.p.rows.get(pos as usize).filter(|r| r.flags & ROW != 0)
    }

    fn record(&self, code: &str) -> Option<&Row> {
        self.position(code).and_then(|i| self.row(i))
    }

    /// The synonym preferred in language refset `refset` for `code`, when the index holds
    /// SNOMED CT descriptions (`None`: ask the store); `Some(None)` when the concept has none.
    pub fn preferred_term(&self, code: &str, refset: &str) -> Option<Option<&str>> {
        let f = self.flags();
        if !f.snomed || f.overflow {
            return None;
        }
        let Some(i) = self.position(code) else {
            return Some(None);
        };
        let slot = self
            .meta
            .preferred
            .iter()
            .position(|r| r == refset)
            .and_then(|k| self.p.preferred.get(k))
            .and_then(|slots| slots.get(i as usize))
            .copied()
            .unwrap_or(0);
        Some(
            slot.checked_sub(1)
                .and_then(|s| self.p.desigs.at(i as usize).get(usize::from(s)))
                .and_then(|d| self.heap_str(d.term)),
        )
    }

    /// The language refsets whose members are descriptions in `language` (an RF2 language
    /// code such as `sv`), when the index holds SNOMED CT descriptions.
    pub fn language_refsets(&self, language: &str) -> Option<Vec<String>> {
        if !self.flags().snomed {
            return None;
        }
        Some(
            self.meta
                .languages
                .get(language.to_ascii_lowercase().as_str())
                .cloned()
                .unwrap_or_default(),
        )
    }

    /// The designations of a concept, borrowed, when the index holds them.
    pub fn designations(&self, code: &str) -> Option<Vec<DesignationView<'_>>> {
        let f = self.flags();
        if !f.desigs || f.overflow {
            return None;
        }
        let Some(i) = self.position(code) else {
            return Some(Vec::new());
        };
        Some(self.designations_at(i).map(|(_, d)| d).collect())
    }

    /// The properties of a concept in stored order, when the index holds them (a version
    /// without any answers `Some` of nothing: its store has none either).
    pub fn properties(&self, code: &str) -> Option<Vec<Property>> {
        let f = self.flags();
        if f.overflow || !f.records {
            return None;
        }
        let Some(i) = self.position(code) else {
            return Some(Vec::new());
        };
        Some(
            self.p
                .props
                .at(i as usize)
                .iter()
                .map(|p| Property {
                    name: self.text(p.name).unwrap_or_default(),
                    kind: self.text(p.kind).unwrap_or_default(),
                    value: self.heap_str(p.value).unwrap_or_default().to_string(),
                })
                .collect(),
        )
    }

    /// The properties of the concept at a position as (name, value), borrowed.
    pub fn properties_at(&self, pos: u32) -> impl Iterator<Item = (&str, &str)> {
        self.p.props.at(pos as usize).iter().map(|p| {
            (
                self.str_at(p.name).unwrap_or_default(),
                self.heap_str(p.value).unwrap_or_default(),
            )
        })
    }

    /// A held designation as the operations read it, borrowed.
    fn view(&self, d: &Desig) -> DesignationView<'_> {
        DesignationView {
            language: self.str_at(d.language).map(Cow::Borrowed),
            use_code: self.str_at(d.use_code).map(Cow::Borrowed),
            term: Cow::Borrowed(self.heap_str(d.term).unwrap_or_default()),
            case_significance: self.str_at(d.case_significance).map(Cow::Borrowed),
            active: d.active != 0,
            acceptability: Cow::Borrowed(
                self.acceptability
                    .get(d.acceptability as usize)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            ),
            source: None,
            extensions: Cow::Borrowed(&[]),
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
        let f = self.flags();
        if !f.rels || f.overflow {
            return None;
        }
        let Some(i) = self.position(code) else {
            return Some(Vec::new());
        };
        let dest = |r: &Rel| (r.destination != NO_DESTINATION).then_some(r.destination);
        Some(
            self.p
                .rels
                .at(i as usize)
                .iter()
                .map(|r| Attribute {
                    id: r.id,
                    type_id: self.code_at(r.type_id),
                    destination: dest(r).map(|d| self.code_at(d)),
                    value: self.heap_str(r.value),
                    group: i64::from(r.group),
                    characteristic: self.str_at(r.characteristic),
                    type_display: self.display_at(r.type_id),
                    destination_display: dest(r).and_then(|d| self.display_at(d)),
                })
                .collect(),
        )
    }

    /// True when the code is known (has a row or an edge).
    pub fn contains(&self, code: &str) -> bool {
        self.position(code).is_some()
    }

    /// How many codes are interned (positions are `0..len`).
    pub fn len(&self) -> usize {
        self.p.codes.len()
    }

    /// True when nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.p.codes.is_empty()
    }

    /// The interned position of a code.
    pub fn position(&self, code: &str) -> Option<u32> {
        self.index.get(code).map(|v| v as u32)
    }

    /// The code at a position.
    pub fn code_at(&self, pos: u32) -> &str {
        self.p
            .codes
            .get(pos as usize)
            .and_then(|s| self.heap_str(*s))
            .unwrap_or_default()
    }

    /// Direct parents by position.
    pub fn parents_at(&self, pos: u32) -> &[u32] {
        self.p.parents.at(pos as usize)
    }

    /// Direct children by position.
    pub fn children_at(&self, pos: u32) -> &[u32] {
        self.p.children.at(pos as usize)
    }

    /// True when the code at a position has a concept row (is a concept of the version).
    pub fn has_row_at(&self, pos: u32) -> bool {
        !self.flags().overflow && self.has_row.contains(pos)
    }

    /// True when the concept at a position has a row and is active (no row view built).
    pub fn active_at(&self, pos: u32) -> bool {
        !self.flags().overflow && self.active.contains(pos)
    }

    /// The concept row at a position: `None` for codes known only from edges (or when the
    /// index holds no rows).
    pub fn row_at(&self, pos: u32) -> Option<RowView<'_>> {
        if self.flags().overflow {
            return None;
        }
        self.row(pos).map(|r| RowView {
            display: self.heap_str(r.display),
            active: r.flags & ROW_ACTIVE != 0,
            effective_time: self.str_at(r.effective_time),
            module: self.str_at(r.module),
            definition_status: self.str_at(r.definition_status),
        })
    }

    /// The active relationships of the concept at a position.
    pub fn relationships_at(&self, pos: u32) -> impl Iterator<Item = RelView<'_>> {
        self.p.rels.at(pos as usize).iter().map(|r| RelView {
            type_id: r.type_id,
            destination: (r.destination != NO_DESTINATION).then_some(r.destination),
            value: self.heap_str(r.value),
            group: r.group,
        })
    }

    /// Active relationships pointing at the concept at a position.
    pub fn incoming_at(&self, pos: u32) -> &[Incoming] {
        self.p.incoming.at(pos as usize)
    }

    /// True when the index holds SNOMED CT descriptions.
    pub fn has_designations(&self) -> bool {
        let f = self.flags();
        f.snomed && !f.overflow
    }

    /// The designations of the concept at a position, with their description ids (0 when
    /// not a number).
    pub fn designations_at(&self, pos: u32) -> impl Iterator<Item = (u64, DesignationView<'_>)> {
        self.p
            .desigs
            .at(pos as usize)
            .iter()
            .map(|d| (d.id, self.view(d)))
    }

    /// True when built with concept rows: then a code without a row is not in the version.
    pub fn has_records(&self) -> bool {
        let f = self.flags();
        f.records && !f.overflow
    }

    /// The default display of a code.
    pub fn display(&self, code: &str) -> Option<&str> {
        self.record(code).and_then(|r| self.heap_str(r.display))
    }

    fn display_at(&self, i: u32) -> Option<&str> {
        self.row(i).and_then(|r| self.heap_str(r.display))
    }

    /// The concept row, when the index holds it.
    pub fn concept(&self, code: &str) -> Option<Concept> {
        if self.flags().overflow {
            return None;
        }
        let r = self.record(code)?;
        Some(Concept {
            code: code.to_string(),
            display: self.heap_str(r.display).map(str::to_string),
            active: r.flags & ROW_ACTIVE != 0,
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
        let Some(i) = self.position(code) else {
            return Vec::new();
        };
        let list = if up {
            self.parents_at(i)
        } else {
            self.children_at(i)
        };
        list.iter()
            .map(|j| (self.code_at(*j), self.display_at(*j)))
            .collect()
    }

    /// True when `ancestor` is `code` or one of its ancestors.
    pub fn subsumes(&self, ancestor: &str, code: &str) -> bool {
        if ancestor == code {
            return true;
        }
        let (Some(a), Some(c)) = (self.position(ancestor), self.position(code)) else {
            return false;
        };
        let mut seen = rustc_hash::FxHashSet::default();
        let mut stack = vec![c];
        while let Some(x) = stack.pop() {
            for &p in self.parents_at(x) {
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
        let Some(start) = self.position(code) else {
            return Vec::new();
        };
        // Depth first, children in their order: a code's subtree follows it, as a code system
        // nests its concepts (tx.fhir.org pages an is-a expansion in this order, the suite's
        // simple/simple-expand-isa-o2c2). A code with several parents comes once, at its first
        // place.
        let mut seen = rustc_hash::FxHashSet::default();
        let mut stack: Vec<u32> = self.children_at(start).iter().rev().copied().collect();
        let mut out = Vec::new();
        while let Some(x) = stack.pop() {
            if !seen.insert(x) {
                continue;
            }
            out.push(self.code_at(x));
            stack.extend(
                self.children_at(x)
                    .iter()
                    .rev()
                    .copied()
                    .filter(|c| !seen.contains(c)),
            );
        }
        out
    }
}

/// An fst map with no keys.
fn empty_map() -> fst::Map<Slab<u8>> {
    let bytes = fst::MapBuilder::memory().into_inner().unwrap_or_default();
    fst::Map::new(Slab::owned(bytes)).expect("an empty fst is valid")
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

    #[test]
    fn descendants_come_depth_first_in_child_order_each_once() {
        // 2 ─ 2a ─ 2aI, 2aII; 2 ─ 2b; 2aII also under 2b (two parents).
        let h = Hierarchy::from_edges(
            [
                ("2a", "2"),
                ("2aI", "2a"),
                ("2aII", "2a"),
                ("2b", "2"),
                ("2aII", "2b"),
            ]
            .into_iter(),
        );
        assert_eq!(h.descendants("2"), ["2a", "2aI", "2aII", "2b"]);
        assert_eq!(h.descendants("2b"), ["2aII"]);
        assert!(h.descendants("2aI").is_empty());
    }

    #[test]
    fn a_written_index_answers_like_the_built_one() {
        use crate::model::{Designation, Property};
        let concept = |code: &str, active| Concept {
            code: code.into(),
            display: Some(format!("{code} display")),
            active,
            effective_time: Some("20250131".into()),
            module: Some("900000000000207008".into()),
            definition_status: None,
            kind: None,
        };
        let (a, b) = (concept("100", true), concept("200", false));
        let d = |id: &str, term: &str, acc: &str| Designation {
            id: id.into(),
            language: Some("en".into()),
            use_code: Some(crate::model::sct::SYNONYM.into()),
            term: term.into(),
            case_significance: None,
            active: true,
            acceptability: vec![("900000000000508004".into(), acc.into())],
            extensions: vec![],
        };
        let designations = [
            (
                "200",
                d("12", "Two acceptable", crate::model::sct::ACCEPTABLE),
            ),
            (
                "200",
                d("11", "Two preferred", crate::model::sct::PREFERRED),
            ),
        ];
        let prop = Property {
            name: "inclusion".into(),
            kind: "string".into(),
            value: "also this".into(),
        };
        let r = Relationship {
            id: "3000001020".into(),
            type_id: "363698007".into(),
            destination: Some("100".into()),
            value: None,
            group: 0,
            characteristic: "900000000000011006".into(),
        };
        let built = super::super::build::Builder::new()
            .concepts([&a, &b].into_iter())
            .edges([("200", "100")].into_iter())
            .relationships([("200", &r)].into_iter())
            .designations(designations.iter().map(|(c, d)| (*c, d)))
            .properties([("200", &prop)].into_iter())
            .freeze();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("index.bin");
        let mut w = Writer::create(&path).unwrap();
        built.write(&mut w, "cs/1/hierarchy").unwrap();
        w.finish().unwrap();
        let file = super::super::file::IndexFile::open(&path).unwrap();
        let mapped = Hierarchy::open(&file.part("cs/1/hierarchy").unwrap()).unwrap();
        for h in [&built, &mapped] {
            assert_eq!(h.concept("200"), Some(b.clone()));
            assert_eq!(h.concept("999"), None);
            assert!(h.subsumes("100", "200") && !h.subsumes("200", "100"));
            assert_eq!(h.linked("100", false), [("200", Some("200 display"))]);
            assert_eq!(h.relationships("200"), Some(vec![r.clone()]));
            let incoming = h.incoming_at(h.position("100").unwrap());
            assert_eq!(incoming.len(), 1);
            assert_eq!(h.code_at(incoming[0].source), "200");
            assert_eq!(h.properties("200"), Some(vec![prop.clone()]));
            assert_eq!(h.properties("100"), Some(vec![]));
            let terms: Vec<String> = h
                .designations("200")
                .unwrap()
                .into_iter()
                .map(|d| d.term.to_string())
                .collect();
            assert_eq!(terms, ["Two preferred", "Two acceptable"], "ordered by id");
            assert_eq!(
                h.preferred_term("200", "900000000000508004"),
                Some(Some("Two preferred"))
            );
            assert_eq!(
                h.language_refsets("EN"),
                Some(vec!["900000000000508004".to_string()])
            );
            assert!(h.has_designations() && h.has_records() && !h.active_at(1));
        }
    }
}

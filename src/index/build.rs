//! Builds a [`Hierarchy`] from a version's rows: codes are interned to positions in first-seen
//! order and every string goes into one byte heap as it arrives; lists are gathered as flat
//! (position, item) runs, sorted once in answer order and packed into the arrays the hierarchy
//! reads (and the index file stores). Rows are taken one at a time, borrowed, so `import` can
//! stream them from the store without holding a model copy of the version.

use super::hierarchy::{
    Desig, Flags, Hierarchy, Incoming, Meta, NO_DESTINATION, NONE, Parts, Prop, ROW, ROW_ACTIVE,
    Rel, Row,
};
use super::slab::{Csr, Heap, Slab, Span};
use crate::model::{Concept, Designation, Property, Relationship};
use crate::store::read::{DesignationRow, RelationshipRow};
use rustc_hash::FxHashMap as HashMap;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// Gathers a version's rows.
#[derive(Default)]
pub struct Builder {
    index: HashMap<Box<str>, u32>,
    heap: Heap,
    codes: Vec<Span>,
    rows: Vec<Row>,
    edges: Vec<(u32, u32)>,
    rels: Vec<(u32, Rel)>,
    /// (concept, designation, its id when not a number).
    desigs: Vec<(u32, Desig, Option<Box<str>>)>,
    props: Vec<(u32, Prop)>,
    strings: Vec<Box<str>>,
    string_index: HashMap<Box<str>, u16>,
    /// Which small strings have been read as acceptability (their refsets noted).
    acceptability_seen: Vec<bool>,
    languages: BTreeMap<String, Vec<String>>,
    numeric_ids: bool,
    flags: Flags,
}

/// An empty concept row.
const NO_ROW: Row = Row {
    display: Span::NONE,
    effective_time: NONE,
    module: NONE,
    definition_status: NONE,
    kind: NONE,
    flags: 0,
};

impl Builder {
    /// An empty builder.
    pub fn new() -> Self {
        Builder {
            numeric_ids: true,
            ..Default::default()
        }
    }

    fn intern(&mut self, code: &str) -> u32 {
        if let Some(i) = self.index.get(code) {
            return *i;
        }
        let i = self.codes.len() as u32;
        self.index.insert(Box::from(code), i);
        self.codes.push(self.heap.push(Some(code)));
        self.rows.push(NO_ROW);
        i
    }

    /// Interns a small repeated string (module, status, date, kind, language, property name,
    /// acceptability); `NONE` for absent.
    fn small(&mut self, s: Option<&str>) -> u16 {
        let Some(s) = s else { return NONE };
        if let Some(i) = self.string_index.get(s) {
            return *i;
        }
        if self.strings.len() >= NONE as usize - 1 {
            // More distinct values than a u16 holds: rows can no longer be rebuilt faithfully,
            // so the hierarchy answers nothing of them and callers read the store.
            self.flags.overflow = true;
            return NONE;
        }
        let i = self.strings.len() as u16;
        self.strings.push(Box::from(s));
        self.string_index.insert(Box::from(s), i);
        i
    }

    /// Adds one concept row.
    pub fn concept(&mut self, c: &Concept) {
        self.flags.records = true;
        let i = self.intern(&c.code);
        let row = Row {
            display: self.heap.push(c.display.as_deref()),
            effective_time: self.small(c.effective_time.as_deref()),
            module: self.small(c.module.as_deref()),
            definition_status: self.small(c.definition_status.as_deref()),
            kind: self.small(c.kind.as_deref()),
            flags: ROW | if c.active { ROW_ACTIVE } else { 0 },
        };
        self.rows[i as usize] = row;
    }

    /// Adds one (child, parent) edge.
    pub fn edge(&mut self, child: &str, parent: &str) {
        let (c, p) = (self.intern(child), self.intern(parent));
        self.edges.push((c, p));
    }

    /// Adds one active attribute relationship.
    pub fn relationship(&mut self, r: RelationshipRow<'_>) {
        // Ids that are not numbers (never in RF2) keep the relationship out of the index.
        let Ok(id) = r.id.parse::<u64>() else {
            return;
        };
        self.flags.rels = true;
        let s = self.intern(r.source);
        let rel = Rel {
            id,
            type_id: self.intern(r.type_id),
            destination: r
                .destination
                .map(|d| self.intern(d))
                .unwrap_or(NO_DESTINATION),
            value: self.heap.push(r.value),
            group: u16::try_from(r.group).unwrap_or(u16::MAX),
            characteristic: self.small(Some(r.characteristic)),
            _pad: 0,
        };
        self.rels.push((s, rel));
    }

    /// Adds one designation. When every id is a number (SNOMED CT descriptions) the hierarchy
    /// also answers dialect questions and ECL description filters.
    pub fn designation(&mut self, d: DesignationRow<'_>) {
        self.flags.desigs = true;
        let id = d.id.parse::<u64>().ok();
        self.numeric_ids &= id.is_some();
        let acceptability = self.small(Some(d.acceptability));
        if let Some(lang) = d.language {
            self.note_language(lang, acceptability);
        }
        let c = self.intern(d.code);
        let desig = Desig {
            id: id.unwrap_or(0),
            term: self.heap.push(Some(d.term)),
            language: self.small(d.language),
            use_code: self.small(d.use_code),
            acceptability,
            case_significance: self.small(d.case_significance),
            active: u32::from(d.active),
            _pad: 0,
        };
        self.desigs
            .push((c, desig, id.is_none().then(|| Box::from(d.id))));
    }

    /// Notes the language refsets of a language (once per distinct acceptability value).
    fn note_language(&mut self, language: &str, acceptability: u16) {
        let lang = language.to_ascii_lowercase();
        let known = self.languages.contains_key(&lang);
        let i = acceptability as usize;
        if acceptability == NONE || (known && self.acceptability_seen.get(i) == Some(&true)) {
            self.languages.entry(lang).or_default();
            return;
        }
        if self.acceptability_seen.len() <= i {
            self.acceptability_seen.resize(i + 1, false);
        }
        self.acceptability_seen[i] = true;
        let refsets = self.languages.entry(lang).or_default();
        for (refset, _) in crate::store::read::parse_acceptability(&self.strings[i]) {
            if !refsets.contains(&refset) {
                refsets.push(refset);
            }
        }
    }

    /// Adds one property (in stored order).
    pub fn property(&mut self, code: &str, p: &Property) {
        self.flags.props = true;
        let c = self.intern(code);
        let prop = Prop {
            name: self.small(Some(&p.name)),
            kind: self.small(Some(&p.kind)),
            value: self.heap.push(Some(&p.value)),
        };
        self.props.push((c, prop));
    }

    /// Adds concept rows.
    pub fn concepts<'a>(mut self, concepts: impl Iterator<Item = &'a Concept>) -> Self {
        concepts.for_each(|c| self.concept(c));
        self
    }

    /// Adds (child, parent) edges.
    pub fn edges<'a>(mut self, edges: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        edges.for_each(|(c, p)| self.edge(c, p));
        self
    }

    /// Adds active attribute relationships (source code, relationship).
    pub fn relationships<'a>(
        mut self,
        relationships: impl Iterator<Item = (&'a str, &'a Relationship)>,
    ) -> Self {
        for (source, r) in relationships {
            self.relationship(RelationshipRow {
                source,
                id: &r.id,
                type_id: &r.type_id,
                destination: r.destination.as_deref(),
                value: r.value.as_deref(),
                group: r.group,
                characteristic: &r.characteristic,
            });
        }
        self
    }

    /// Adds designations (concept code, designation).
    pub fn designations<'a>(
        mut self,
        designations: impl Iterator<Item = (&'a str, &'a Designation)>,
    ) -> Self {
        for (code, d) in designations {
            let acceptability = d
                .acceptability
                .iter()
                .map(|(r, a)| format!("{r}:{a}"))
                .collect::<Vec<_>>()
                .join(" ");
            self.designation(DesignationRow {
                code,
                id: &d.id,
                language: d.language.as_deref(),
                use_code: d.use_code.as_deref(),
                term: &d.term,
                case_significance: d.case_significance.as_deref(),
                active: d.active,
                acceptability: &acceptability,
            });
        }
        self
    }

    /// Adds properties (concept code, property), in stored order.
    pub fn properties<'a>(
        mut self,
        properties: impl Iterator<Item = (&'a str, &'a Property)>,
    ) -> Self {
        properties.for_each(|(c, p)| self.property(c, p));
        self
    }

    fn code(&self, i: u32) -> &str {
        self.codes[i as usize]
            .get(&self.heap.bytes)
            .unwrap_or_default()
    }

    /// Sorts every list in answer order and packs the result.
    pub fn freeze(mut self) -> Hierarchy {
        let n = self.codes.len();
        self.flags.snomed = self.flags.desigs && self.numeric_ids;
        let code_order = self.code_order();
        let rank = |i: u32| code_order[i as usize];
        let mut edges = std::mem::take(&mut self.edges);
        edges.sort_unstable_by_key(|(c, p)| (*c, rank(*p)));
        let parents = pack(n, edges.iter().map(|(c, p)| (*c, *p)));
        edges.sort_unstable_by_key(|(c, p)| (*p, rank(*c)));
        let children = pack(n, edges.iter().map(|(c, p)| (*p, *c)));
        drop(edges);
        let rank_or_none = |i: u32| (i != NO_DESTINATION).then(|| rank(i));
        let mut rels = std::mem::take(&mut self.rels);
        // Stable: relationships with equal keys keep their stored order.
        rels.sort_by_key(|(s, r)| (*s, r.group, rank(r.type_id), rank_or_none(r.destination)));
        let incoming = {
            let mut v: Vec<(u32, Incoming)> = rels
                .iter()
                .filter(|(_, r)| r.destination != NO_DESTINATION)
                .map(|(s, r)| {
                    let inc = Incoming {
                        source: *s,
                        type_id: r.type_id,
                        group: r.group,
                        _pad: 0,
                    };
                    (r.destination, inc)
                })
                .collect();
            v.sort_by_key(|(d, _)| *d);
            pack(n, v.into_iter())
        };
        let rels = pack(n, rels.into_iter());
        let mut desigs = std::mem::take(&mut self.desigs);
        // The store's order: active first, then by id as text.
        desigs.sort_by(|(a, x, xt), (b, y, yt)| {
            a.cmp(b)
                .then_with(|| y.active.cmp(&x.active))
                .then_with(|| match (xt, yt) {
                    (Some(p), Some(q)) => p.cmp(q),
                    _ => id_text_order(x.id, y.id),
                })
        });
        let (preferred_refsets, preferred) = self.preferred_terms(&desigs);
        let desigs = pack(n, desigs.into_iter().map(|(c, d, _)| (c, d)));
        let mut props = std::mem::take(&mut self.props);
        props.sort_by_key(|(c, _)| *c);
        let props = pack(n, props.into_iter());
        // The code → position map needs its keys in order.
        let mut by_code: Vec<u32> = (0..n as u32).collect();
        by_code.sort_unstable_by_key(|i| rank(*i));
        let mut map = fst::MapBuilder::memory();
        for i in by_code {
            // Keys are distinct and inserted in order, so this cannot fail.
            let _ = map.insert(self.code(i).as_bytes(), u64::from(i));
        }
        let meta = Meta {
            strings: self.strings.iter().map(|s| s.to_string()).collect(),
            languages: std::mem::take(&mut self.languages),
            preferred: preferred_refsets,
            flags: self.flags,
        };
        Hierarchy::assemble(
            meta,
            Parts {
                index: Slab::owned(map.into_inner().unwrap_or_default()),
                heap: Slab::owned(std::mem::take(&mut self.heap.bytes)),
                codes: Slab::owned(std::mem::take(&mut self.codes)),
                rows: Slab::owned(std::mem::take(&mut self.rows)),
                parents,
                children,
                rels,
                desigs,
                props,
                incoming,
                preferred: preferred.into_iter().map(Slab::owned).collect(),
            },
        )
    }

    /// Each position's rank in code order.
    fn code_order(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.codes.len() as u32).collect();
        order.sort_unstable_by(|a, b| self.code(*a).cmp(self.code(*b)));
        let mut rank = vec![0u32; order.len()];
        for (r, i) in order.into_iter().enumerate() {
            rank[i as usize] = r as u32;
        }
        rank
    }

    /// For each language refset, the position (+1) of every concept's preferred synonym in its
    /// (sorted) designation list: two bytes per concept and refset (≈0.7 MB each at
    /// International scale), so a term in another dialect is one read, not a scan.
    fn preferred_terms(
        &self,
        desigs: &[(u32, Desig, Option<Box<str>>)],
    ) -> (Vec<String>, Vec<Vec<u16>>) {
        let n = self.codes.len();
        let (mut refsets, mut slots): (Vec<String>, Vec<Vec<u16>>) = (Vec::new(), Vec::new());
        if !self.flags.snomed {
            return (refsets, slots);
        }
        let synonym = self.string_index.get(crate::model::sct::SYNONYM).copied();
        let parsed: Vec<Vec<(String, String)>> = self
            .strings
            .iter()
            .map(|s| crate::store::read::parse_acceptability(s))
            .collect();
        let (mut concept, mut pos) = (u32::MAX, 0usize);
        for (c, d, _) in desigs {
            if *c != concept {
                (concept, pos) = (*c, 0);
            } else {
                pos += 1;
            }
            if d.active == 0 || Some(d.use_code) != synonym || pos >= usize::from(u16::MAX) - 1 {
                continue;
            }
            let Some(acc) = parsed.get(d.acceptability as usize) else {
                continue;
            };
            for (refset, a) in acc {
                if a != crate::model::sct::PREFERRED {
                    continue;
                }
                let k = match refsets.iter().position(|r| r == refset) {
                    Some(k) => k,
                    None => {
                        refsets.push(refset.clone());
                        slots.push(vec![0; n]);
                        refsets.len() - 1
                    }
                };
                if slots[k][*c as usize] == 0 {
                    slots[k][*c as usize] = pos as u16 + 1;
                }
            }
        }
        (refsets, slots)
    }
}

/// Packs (entry, item) pairs sorted by entry into per-entry lists of `n` entries.
fn pack<T: bytemuck::Pod + Send + Sync>(n: usize, pairs: impl Iterator<Item = (u32, T)>) -> Csr<T> {
    let mut starts = vec![0u32; n + 1];
    let mut items = Vec::new();
    for (entry, item) in pairs {
        starts[entry as usize + 1] += 1;
        items.push(item);
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    Csr {
        starts: Slab::owned(starts),
        items: Slab::owned(items),
    }
}

/// The order of two numbers' decimal texts (as the store sorts ids): left-aligned digits
/// compared, then the shorter first.
fn id_text_order(a: u64, b: u64) -> Ordering {
    let digits = |x: u64| x.checked_ilog10().unwrap_or(0) + 1;
    let aligned = |x: u64| u128::from(x) * 10u128.pow(20 - digits(x));
    aligned(a)
        .cmp(&aligned(b))
        .then_with(|| digits(a).cmp(&digits(b)))
}

#[cfg(test)]
mod tests {
    #[test]
    fn numeric_ids_order_as_their_text() {
        let mut v = [9u64, 12, 100, 1, 1000000000000000000, 99];
        v.sort_by(|a, b| super::id_text_order(*a, *b));
        let mut t: Vec<String> = v.iter().map(u64::to_string).collect();
        let sorted = {
            let mut s = t.clone();
            s.sort();
            s
        };
        assert_eq!(t, sorted);
        t.clear();
    }
}

//! Builds a [`Hierarchy`] from a version's rows: codes are interned to positions in first-seen
//! order, lists are gathered per position, sorted once in answer order, then packed into the
//! flat arrays the hierarchy reads (and the index file stores). Used by `import` (which writes
//! the result into the release) and for code systems sent with a request.

use super::hierarchy::{
    Desig, Flags, Hierarchy, Incoming, Meta, NO_DESTINATION, NONE, Prop, ROW, ROW_ACTIVE, Rel, Row,
};
use super::slab::{Csr, Heap, Slab, Span};
use crate::model::{Concept, Designation, Property, Relationship};
use rustc_hash::FxHashMap as HashMap;
use std::collections::BTreeMap;

/// A relationship before packing (value not yet in the heap).
struct RelIn {
    id: u64,
    type_id: u32,
    destination: u32,
    value: Option<Box<str>>,
    group: u16,
    characteristic: u16,
}

/// A designation before packing.
struct DesigIn {
    id: u64,
    /// The id as text (designations are ordered by it, as the store orders them).
    id_text: Box<str>,
    term: Box<str>,
    language: u16,
    use_code: u16,
    acceptability: u16,
    case_significance: u16,
    active: bool,
}

/// Gathers a version's rows.
#[derive(Default)]
pub struct Builder {
    index: HashMap<Box<str>, u32>,
    codes: Vec<Box<str>>,
    records: Vec<Option<(Option<Box<str>>, bool, [u16; 4])>>,
    parents: Vec<Vec<u32>>,
    children: Vec<Vec<u32>>,
    rels: Vec<Vec<RelIn>>,
    desigs: Vec<Vec<DesigIn>>,
    props: Vec<Vec<(u16, u16, Box<str>)>>,
    strings: Vec<Box<str>>,
    string_index: HashMap<Box<str>, u16>,
    languages: BTreeMap<String, Vec<String>>,
    flags: Flags,
}

impl Builder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
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
        self.props.push(Vec::new());
        self.parents.push(Vec::new());
        self.children.push(Vec::new());
        i
    }

    /// Interns a small repeated string (module, status, date, kind, language, property name);
    /// `NONE` for absent.
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

    /// Adds concept rows.
    pub fn concepts<'a>(mut self, concepts: impl Iterator<Item = &'a Concept>) -> Self {
        for c in concepts {
            self.flags.records = true;
            let i = self.intern(&c.code);
            let small = [
                self.small(c.effective_time.as_deref()),
                self.small(c.module.as_deref()),
                self.small(c.definition_status.as_deref()),
                self.small(c.kind.as_deref()),
            ];
            self.records[i as usize] = Some((c.display.as_deref().map(Box::from), c.active, small));
        }
        self
    }

    /// Adds (child, parent) edges.
    pub fn edges<'a>(mut self, edges: impl Iterator<Item = (&'a str, &'a str)>) -> Self {
        for (c, p) in edges {
            let (c, p) = (self.intern(c), self.intern(p));
            self.parents[c as usize].push(p);
            self.children[p as usize].push(c);
        }
        self
    }

    /// Adds active attribute relationships (source code, relationship).
    pub fn relationships<'a>(
        mut self,
        relationships: impl Iterator<Item = (&'a str, &'a Relationship)>,
    ) -> Self {
        for (source, r) in relationships {
            // Ids that are not numbers (never in RF2) keep the relationship out of the index.
            let Ok(id) = r.id.parse::<u64>() else {
                continue;
            };
            self.flags.rels = true;
            let s = self.intern(source);
            let rel = RelIn {
                id,
                type_id: self.intern(&r.type_id),
                destination: r
                    .destination
                    .as_deref()
                    .map(|d| self.intern(d))
                    .unwrap_or(NO_DESTINATION),
                value: r.value.as_deref().map(Box::from),
                group: u16::try_from(r.group).unwrap_or(u16::MAX),
                characteristic: self.small(Some(&r.characteristic)),
            };
            self.rels[s as usize].push(rel);
        }
        self
    }

    /// Adds designations (concept code, designation). When every id is a number (SNOMED CT
    /// descriptions) the hierarchy also answers dialect questions and ECL description filters.
    pub fn designations<'a>(
        mut self,
        designations: impl Iterator<Item = (&'a str, &'a Designation)>,
    ) -> Self {
        let mut numeric = true;
        for (code, d) in designations {
            self.flags.desigs = true;
            let id = d.id.parse::<u64>();
            numeric &= id.is_ok();
            if let Some(lang) = &d.language {
                let refsets = self.languages.entry(lang.to_ascii_lowercase()).or_default();
                for (refset, _) in &d.acceptability {
                    if !refsets.contains(refset) {
                        refsets.push(refset.clone());
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
            let desig = DesigIn {
                id: id.unwrap_or(0),
                id_text: Box::from(d.id.as_str()),
                term: Box::from(d.term.as_str()),
                language: self.small(d.language.as_deref()),
                use_code: self.small(d.use_code.as_deref()),
                acceptability: self.small(Some(&acc)),
                case_significance: self.small(d.case_significance.as_deref()),
                active: d.active,
            };
            self.desigs[c as usize].push(desig);
        }
        self.flags.snomed = self.flags.desigs && numeric;
        self
    }

    /// Adds properties (concept code, property), in stored order.
    pub fn properties<'a>(
        mut self,
        properties: impl Iterator<Item = (&'a str, &'a Property)>,
    ) -> Self {
        for (code, p) in properties {
            self.flags.props = true;
            let c = self.intern(code);
            let (name, kind) = (self.small(Some(&p.name)), self.small(Some(&p.kind)));
            self.props[c as usize].push((name, kind, Box::from(p.value.as_str())));
        }
        self
    }

    /// Sorts every list in answer order and packs the result.
    pub fn freeze(mut self) -> Hierarchy {
        let codes = &self.codes;
        for list in self.parents.iter_mut().chain(self.children.iter_mut()) {
            list.sort_unstable_by(|a, b| codes[*a as usize].cmp(&codes[*b as usize]));
        }
        let code = |i: u32| (i != NO_DESTINATION).then(|| &*codes[i as usize]);
        for list in self.rels.iter_mut() {
            list.sort_by(|a, b| {
                (a.group, code(a.type_id), code(a.destination)).cmp(&(
                    b.group,
                    code(b.type_id),
                    code(b.destination),
                ))
            });
        }
        for list in self.desigs.iter_mut() {
            // The store's order: active first, then by id as text.
            list.sort_by(|a, b| {
                b.active
                    .cmp(&a.active)
                    .then_with(|| a.id_text.cmp(&b.id_text))
            });
        }
        let n = self.codes.len();
        let mut heap = Heap::default();
        let code_spans: Vec<Span> = self.codes.iter().map(|c| heap.push(Some(c))).collect();
        let rows: Vec<Row> = self
            .records
            .iter()
            .map(|r| match r {
                Some((display, active, small)) => Row {
                    display: heap.push(display.as_deref()),
                    effective_time: small[0],
                    module: small[1],
                    definition_status: small[2],
                    kind: small[3],
                    flags: ROW | if *active { ROW_ACTIVE } else { 0 },
                },
                None => Row {
                    display: Span::NONE,
                    effective_time: NONE,
                    module: NONE,
                    definition_status: NONE,
                    kind: NONE,
                    flags: 0,
                },
            })
            .collect();
        let rels = Csr::pack(self.rels.iter().map(|list| {
            list.iter()
                .map(|r| Rel {
                    id: r.id,
                    type_id: r.type_id,
                    destination: r.destination,
                    value: heap.push(r.value.as_deref()),
                    group: r.group,
                    characteristic: r.characteristic,
                    _pad: 0,
                })
                .collect::<Vec<_>>()
        }));
        let mut incoming: Vec<Vec<Incoming>> = vec![Vec::new(); n];
        for (source, list) in self.rels.iter().enumerate() {
            for r in list {
                if r.destination != NO_DESTINATION {
                    incoming[r.destination as usize].push(Incoming {
                        source: source as u32,
                        type_id: r.type_id,
                        group: r.group,
                        _pad: 0,
                    });
                }
            }
        }
        let desigs = Csr::pack(self.desigs.iter().map(|list| {
            list.iter()
                .map(|d| Desig {
                    id: d.id,
                    term: heap.push(Some(&d.term)),
                    language: d.language,
                    use_code: d.use_code,
                    acceptability: d.acceptability,
                    case_significance: d.case_significance,
                    active: u32::from(d.active),
                    _pad: 0,
                })
                .collect::<Vec<_>>()
        }));
        let props = Csr::pack(self.props.iter().map(|list| {
            list.iter()
                .map(|(name, kind, value)| Prop {
                    name: *name,
                    kind: *kind,
                    value: heap.push(Some(value)),
                })
                .collect::<Vec<_>>()
        }));
        let (preferred_refsets, preferred) = self.preferred_terms();
        // The code → position map needs its keys in order.
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_unstable_by(|a, b| self.codes[*a as usize].cmp(&self.codes[*b as usize]));
        let mut map = fst::MapBuilder::memory();
        for i in order {
            // Keys are distinct and inserted in order, so this cannot fail.
            let _ = map.insert(self.codes[i as usize].as_bytes(), u64::from(i));
        }
        let meta = Meta {
            strings: self.strings.iter().map(|s| s.to_string()).collect(),
            languages: self.languages,
            preferred: preferred_refsets,
            flags: self.flags,
        };
        Hierarchy::assemble(
            meta,
            super::hierarchy::Parts {
                index: Slab::owned(map.into_inner().unwrap_or_default()),
                heap: Slab::owned(heap.bytes),
                codes: Slab::owned(code_spans),
                rows: Slab::owned(rows),
                parents: Csr::pack(self.parents.into_iter()),
                children: Csr::pack(self.children.into_iter()),
                rels,
                desigs,
                props,
                incoming: Csr::pack(incoming.into_iter()),
                preferred: preferred.into_iter().map(Slab::owned).collect(),
            },
        )
    }

    /// For each language refset, the position (+1) of every concept's preferred synonym in its
    /// (sorted) designation list: two bytes per concept and refset (≈0.7 MB each at
    /// International scale), so a term in another dialect is one read, not a scan.
    fn preferred_terms(&self) -> (Vec<String>, Vec<Vec<u16>>) {
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
        for (i, list) in self.desigs.iter().enumerate() {
            for (pos, d) in list.iter().enumerate().take(usize::from(u16::MAX) - 1) {
                if !d.active || Some(d.use_code) != synonym {
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
                    if slots[k][i] == 0 {
                        slots[k][i] = pos as u16 + 1;
                    }
                }
            }
        }
        (refsets, slots)
    }
}

//! Evaluates an ECL expression over one code system version's index: hierarchy operators walk
//! the parent/child lists, refinements read each candidate's active relationships (incoming ones
//! for reverse attributes), filters read concept rows and descriptions, and sets combine as
//! bitsets. Reference set members (with their columns, for member filters and `^ [fields]`)
//! and historical associations come from the caller (they live in the store). A construct not
//! evaluated yet is an [`EvalError::NotSupported`] naming it: never a wrong set. A deadline
//! bounds the work.

use super::ConceptSet;
use super::ast::*;
use crate::index::Hierarchy;
use std::time::Instant;

/// Why an evaluation did not produce a set.
#[derive(Debug, Clone, PartialEq)]
pub enum EvalError {
    /// A valid construct the evaluator does not handle yet (named).
    NotSupported(String),
    /// The time budget ran out.
    TooCostly(String),
    /// Reading the store failed.
    Data(String),
    /// The expression names a concept id the release does not have.
    UnknownConcept(String),
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EvalError::NotSupported(s) | EvalError::TooCostly(s) | EvalError::Data(s) => {
                f.write_str(s)
            }
            EvalError::UnknownConcept(id) => write!(f, "unknown SNOMED CT concept id {id}"),
        }
    }
}

type R<T> = Result<T, EvalError>;

/// What the evaluator needs beyond the index.
pub trait Data {
    /// The index of the version.
    fn index(&self) -> &Hierarchy;
    /// Active members (referenced component ids) of a reference set.
    fn refset_members(&self, refset: &str) -> R<Vec<String>>;
    /// Active historical associations of the given refsets: (inactive source, target).
    fn associations(&self, refsets: &[&str]) -> R<Vec<(String, String)>>;
    /// Every member of a reference set, active or not, with its named columns (member filters
    /// and member-of with fields).
    fn refset_rows(&self, refset: &str) -> R<Vec<MemberRow>>;
}

/// One reference set member as member filters read it.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberRow {
    /// `referencedComponentId`.
    pub component: String,
    /// `active`.
    pub active: bool,
    /// `effectiveTime`.
    pub effective_time: String,
    /// `moduleId`.
    pub module: String,
    /// The extra columns: (RF2 name, value).
    pub fields: Vec<(&'static str, String)>,
}

impl MemberRow {
    /// The value of a column by its RF2 name (`referencedComponentId` included).
    fn field(&self, name: &str) -> Option<&str> {
        if name == "referencedComponentId" {
            return Some(&self.component);
        }
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The association refsets of each history profile (ECL 2.2, history supplements).
const HISTORY_MIN: &[&str] = &["900000000000527005"];
const HISTORY_MOD: &[&str] = &[
    "900000000000527005",
    "900000000000526001",
    "900000000000528000",
    "1186924009",
];
const HISTORY_MAX: &[&str] = &[
    "900000000000527005",
    "900000000000526001",
    "900000000000528000",
    "1186924009",
    "900000000000523009",
    "900000000000530003",
    "900000000000524003",
    "900000000000525002",
    "900000000000531004",
    "1186921001",
];

/// Evaluates `expr`; work stops with [`EvalError::TooCostly`] after `deadline`.
pub fn evaluate(data: &dyn Data, expr: &Expr, deadline: Option<Instant>) -> R<ConceptSet> {
    Evaluator { data, deadline }.expr(expr)
}

struct Evaluator<'a> {
    data: &'a dyn Data,
    deadline: Option<Instant>,
}

impl Evaluator<'_> {
    fn h(&self) -> &Hierarchy {
        self.data.index()
    }

    fn empty(&self) -> ConceptSet {
        ConceptSet::empty(self.h().len())
    }

    fn check_time(&self) -> R<()> {
        if self.deadline.is_some_and(|d| Instant::now() > d) {
            return Err(EvalError::TooCostly(
                "the ECL evaluation ran out of its time budget; narrow the expression".into(),
            ));
        }
        Ok(())
    }

    fn expr(&self, e: &Expr) -> R<ConceptSet> {
        self.check_time()?;
        match e {
            Expr::Sub(s) => self.sub(s),
            Expr::And(items) => {
                let mut it = items.iter();
                let mut acc = self.sub(it.next().expect("two items"))?;
                for s in it {
                    acc.and(&self.sub(s)?);
                }
                Ok(acc)
            }
            Expr::Or(items) => {
                let mut acc = self.empty();
                for s in items {
                    acc.or(&self.sub(s)?);
                }
                Ok(acc)
            }
            Expr::Minus(a, b) => {
                let mut acc = self.sub(a)?;
                acc.minus(&self.sub(b)?);
                Ok(acc)
            }
            Expr::Refined(s, r) => {
                let candidates = self.sub(s)?;
                let mut out = self.empty();
                let compiled = self.compile_refinement(r)?;
                for (n, c) in candidates.iter().enumerate() {
                    if n.is_multiple_of(4096) {
                        self.check_time()?;
                    }
                    if self.refinement_holds(&compiled, c)? {
                        out.insert(c);
                    }
                }
                Ok(out)
            }
            Expr::Dotted(s, attrs) => {
                let mut current = self.sub(s)?;
                for a in attrs {
                    let types = self.sub(a)?;
                    let mut next = self.empty();
                    for c in current.iter() {
                        for r in self.h().relationships_at(c) {
                            if types.contains(r.type_id)
                                && let Some(d) = r.destination
                            {
                                next.insert(d);
                            }
                        }
                    }
                    current = next;
                }
                Ok(current)
            }
        }
    }

    /// Every concept of the version (codes with a row).
    fn all(&self) -> ConceptSet {
        let h = self.h();
        let mut s = self.empty();
        for i in 0..h.len() as u32 {
            if h.has_row_at(i) {
                s.insert(i);
            }
        }
        s
    }

    fn focus(&self, f: &Focus) -> R<ConceptSet> {
        match f {
            Focus::Any => Ok(self.all()),
            Focus::Concept(c) => {
                let mut s = self.empty();
                // A concept the release never had is an error in the expression, not an empty
                // set: a typo would otherwise pass as "no members".
                let Some(i) = self.h().position(&c.id) else {
                    return Err(EvalError::UnknownConcept(c.id.clone()));
                };
                if self.h().has_row_at(i) {
                    s.insert(i);
                }
                Ok(s)
            }
            Focus::Nested(e) => self.expr(e),
            Focus::AltId { scheme, code } => Err(EvalError::NotSupported(format!(
                "alternate identifiers ({scheme}#{code}) are not evaluated yet"
            ))),
        }
    }

    fn sub(&self, s: &SubExpr) -> R<ConceptSet> {
        // `^ X` names a reference set by id, whether or not the release defines the concept.
        let mut set = match (&s.member_of, &s.focus) {
            (Some(_), Focus::Concept(_)) => self.empty(),
            _ => self.focus(&s.focus)?,
        };
        if let Some(m) = &s.member_of {
            let refsets: Vec<String> = match &s.focus {
                Focus::Concept(c) => vec![c.id.clone()],
                _ => set
                    .iter()
                    .map(|i| self.h().code_at(i).to_string())
                    .collect(),
            };
            // Plain `^ X` reads only the referenced components (the store's partial index);
            // filters and fields need whole member rows.
            set = if matches!(m, MemberOf::Components) && s.member_filters.is_empty() {
                let mut members = self.empty();
                for id in refsets {
                    for m in self.data.refset_members(&id)? {
                        self.insert_concept(&mut members, &m);
                    }
                }
                members
            } else {
                self.members_filtered(m, &refsets, &s.member_filters)?
            };
        }
        if let Some(op) = s.op {
            set = self.apply(op, &set)?;
        }
        for block in &s.filters {
            set = self.filter(set, block)?;
        }
        if let Some(h) = &s.history {
            set = self.history(set, h)?;
        }
        Ok(set)
    }

    /// Adds `code` to `set` when it is a concept of the release.
    fn insert_concept(&self, set: &mut ConceptSet, code: &str) {
        if let Some(i) = self.h().position(code)
            && self.h().has_row_at(i)
        {
            set.insert(i);
        }
    }

    /// `^ X {{ M … }}` and `^ [fields] X`: the members of the refsets that pass every member
    /// filter block (only active members unless a block asks about `active`), giving their
    /// referenced components or the concepts in the fields named.
    fn members_filtered(
        &self,
        member_of: &MemberOf,
        refsets: &[String],
        blocks: &[Vec<MemberFilter>],
    ) -> R<ConceptSet> {
        let filters: Vec<&MemberFilter> = blocks.iter().flatten().collect();
        let asks_active = filters
            .iter()
            .any(|f| matches!(f, MemberFilter::Common(CommonFilter::Active(_))));
        // Each filter's concept values or ids, worked out once, not per member.
        let mut concepts: Vec<Option<ConceptSet>> = Vec::with_capacity(filters.len());
        let mut ids: Vec<Option<Vec<String>>> = Vec::with_capacity(filters.len());
        for f in &filters {
            concepts.push(match f {
                MemberFilter::Field {
                    comparison: Comparison::Concept { value, .. },
                    ..
                } => Some(self.sub(value)?),
                _ => None,
            });
            ids.push(match f {
                MemberFilter::Common(CommonFilter::Module { modules, .. }) => {
                    Some(self.ids(modules)?)
                }
                _ => None,
            });
        }
        let mut out = self.empty();
        for refset in refsets {
            for row in self.data.refset_rows(refset)? {
                if !asks_active && !row.active {
                    continue;
                }
                let mut keep = true;
                for (k, f) in filters.iter().enumerate() {
                    if !self.member_holds(
                        &row,
                        refset,
                        f,
                        concepts[k].as_ref(),
                        ids[k].as_deref(),
                    )? {
                        keep = false;
                        break;
                    }
                }
                if !keep {
                    continue;
                }
                match member_of {
                    MemberOf::Components => self.insert_concept(&mut out, &row.component),
                    MemberOf::Fields(names) => {
                        for name in names {
                            if name == "*" {
                                self.insert_concept(&mut out, &row.component);
                                for (_, v) in &row.fields {
                                    self.insert_concept(&mut out, v);
                                }
                            } else {
                                let v =
                                    row.field(name).ok_or_else(|| unknown_field(name, refset))?;
                                // A column of codes of another system (`mapTarget`) or of text
                                // has no place in a set of concepts: said, not dropped.
                                if !v.is_empty() && !v.bytes().all(|b| b.is_ascii_digit()) {
                                    return Err(EvalError::NotSupported(format!(
                                        "'{name}' of reference set {refset} holds values that are not SNOMED CT concepts ('{v}'); ^ [fields] gives concepts only"
                                    )));
                                }
                                self.insert_concept(&mut out, v);
                            }
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// Whether one member passes one member filter.
    fn member_holds(
        &self,
        row: &MemberRow,
        refset: &str,
        f: &MemberFilter,
        concepts: Option<&ConceptSet>,
        ids: Option<&[String]>,
    ) -> R<bool> {
        Ok(match f {
            MemberFilter::Common(CommonFilter::Active(a)) => row.active == *a,
            MemberFilter::Common(CommonFilter::Module { negated, .. }) => {
                ids.is_some_and(|ids| ids.contains(&row.module)) != *negated
            }
            MemberFilter::Common(CommonFilter::EffectiveTime { op, times }) => {
                time_matches(*op, &row.effective_time, times)
            }
            MemberFilter::Field { name, comparison } => {
                let Some(value) = row.field(name) else {
                    return Err(unknown_field(name, refset));
                };
                match comparison {
                    Comparison::Concept { negated, .. } => {
                        let inside = self
                            .h()
                            .position(value)
                            .is_some_and(|i| concepts.is_some_and(|c| c.contains(i)));
                        inside != *negated
                    }
                    Comparison::Number { op, value: want } => {
                        match (value.parse::<f64>(), want.parse::<f64>()) {
                            (Ok(have), Ok(want)) => number_holds(*op, have, want),
                            _ => false,
                        }
                    }
                    Comparison::Text { negated, terms } => {
                        whole_value_matches(terms, value) != *negated
                    }
                    Comparison::Boolean {
                        negated,
                        value: want,
                    } => (matches!(value, "1" | "true") == *want) != *negated,
                }
            }
        })
    }

    fn apply(&self, op: Op, set: &ConceptSet) -> R<ConceptSet> {
        let h = self.h();
        let walk = |up: bool, include_self: bool, direct: bool| -> R<ConceptSet> {
            let mut out = self.empty();
            let mut stack: Vec<u32> = set.iter().collect();
            if include_self {
                out.or(set);
            }
            if direct {
                for c in stack {
                    let next = if up {
                        h.parents_at(c)
                    } else {
                        h.children_at(c)
                    };
                    for &n in next {
                        out.insert(n);
                    }
                }
                return Ok(out);
            }
            let mut seen = self.empty();
            let mut steps = 0usize;
            while let Some(c) = stack.pop() {
                steps += 1;
                if steps.is_multiple_of(65_536) {
                    self.check_time()?;
                }
                let next = if up {
                    h.parents_at(c)
                } else {
                    h.children_at(c)
                };
                for &n in next {
                    if seen.insert(n) {
                        out.insert(n);
                        stack.push(n);
                    }
                }
            }
            Ok(out)
        };
        match op {
            Op::DescendantOf => walk(false, false, false),
            Op::DescendantOrSelfOf => walk(false, true, false),
            Op::ChildOf => walk(false, false, true),
            Op::ChildOrSelfOf => walk(false, true, true),
            Op::AncestorOf => walk(true, false, false),
            Op::AncestorOrSelfOf => walk(true, true, false),
            Op::ParentOf => walk(true, false, true),
            Op::ParentOrSelfOf => walk(true, true, true),
            Op::Top => {
                let mut out = self.empty();
                for c in set.iter() {
                    if !h.parents_at(c).iter().any(|p| set.contains(*p)) {
                        out.insert(c);
                    }
                }
                Ok(out)
            }
            Op::Bottom => {
                let mut out = self.empty();
                for c in set.iter() {
                    if !h.children_at(c).iter().any(|p| set.contains(*p)) {
                        out.insert(c);
                    }
                }
                Ok(out)
            }
        }
    }

    /// Ids named by a filter's set.
    fn ids(&self, s: &IdSet) -> R<Vec<String>> {
        Ok(match s {
            IdSet::Ids(v) => v.clone(),
            IdSet::Expr(e) => self
                .sub(e)?
                .iter()
                .map(|i| self.h().code_at(i).to_string())
                .collect(),
        })
    }

    fn filter(&self, set: ConceptSet, block: &FilterBlock) -> R<ConceptSet> {
        let h = self.h();
        match block {
            FilterBlock::Concept(filters) => {
                let mut out = set;
                for f in filters {
                    let keep: Box<dyn Fn(u32) -> bool + '_> = match f {
                        ConceptFilter::Common(CommonFilter::Active(a)) => {
                            let a = *a;
                            Box::new(move |c| h.row_at(c).is_some_and(|r| r.active == a))
                        }
                        ConceptFilter::Common(CommonFilter::Module { negated, modules }) => {
                            let ids = self.ids(modules)?;
                            let neg = *negated;
                            Box::new(move |c| {
                                h.row_at(c).is_some_and(|r| {
                                    r.module.is_some_and(|m| ids.iter().any(|x| x == m)) != neg
                                })
                            })
                        }
                        ConceptFilter::DefinitionStatus { negated, statuses } => {
                            let ids = self.ids(statuses)?;
                            let neg = *negated;
                            Box::new(move |c| {
                                h.row_at(c).is_some_and(|r| {
                                    r.definition_status
                                        .is_some_and(|m| ids.iter().any(|x| x == m))
                                        != neg
                                })
                            })
                        }
                        ConceptFilter::Common(CommonFilter::EffectiveTime { op, times }) => {
                            let (op, times) = (*op, times.clone());
                            Box::new(move |c| {
                                h.row_at(c).is_some_and(|r| {
                                    time_matches(op, r.effective_time.unwrap_or(""), &times)
                                })
                            })
                        }
                    };
                    let mut next = self.empty();
                    for c in out.iter() {
                        if keep(c) {
                            next.insert(c);
                        }
                    }
                    out = next;
                }
                Ok(out)
            }
            FilterBlock::Description(filters) => {
                if !h.has_designations() {
                    return Err(EvalError::NotSupported(
                        "description filters on a code system without SNOMED CT descriptions"
                            .into(),
                    ));
                }
                let mut tests = filters
                    .iter()
                    .map(|f| self.description_test(f))
                    .collect::<R<Vec<_>>>()?;
                // Only active descriptions count unless the block says otherwise.
                if !filters
                    .iter()
                    .any(|f| matches!(f, DescriptionFilter::Common(CommonFilter::Active(_))))
                {
                    tests.push(Box::new(|_, d| d.active));
                }
                let mut out = self.empty();
                for c in set.iter() {
                    if h.designations_at(c)
                        .any(|(id, d)| tests.iter().all(|t| t(id, &d)))
                    {
                        out.insert(c);
                    }
                }
                Ok(out)
            }
        }
    }

    #[allow(clippy::type_complexity)]
    fn description_test(
        &self,
        f: &DescriptionFilter,
    ) -> R<Box<dyn Fn(u64, &crate::model::DesignationView) -> bool>> {
        Ok(match f {
            DescriptionFilter::Term { negated, terms } => {
                let (terms, neg) = (terms.clone(), *negated);
                Box::new(move |_, d| terms.iter().any(|t| term_matches(t, &d.term)) != neg)
            }
            DescriptionFilter::Language { negated, codes } => {
                let (codes, neg) = (codes.clone(), *negated);
                Box::new(move |_, d| {
                    d.language
                        .as_deref()
                        .is_some_and(|l| codes.iter().any(|c| c.eq_ignore_ascii_case(l)))
                        != neg
                })
            }
            DescriptionFilter::Type { negated, types } => {
                let (ids, neg) = (self.ids(types)?, *negated);
                Box::new(move |_, d| {
                    d.use_code
                        .as_deref()
                        .is_some_and(|u| ids.iter().any(|x| x == u))
                        != neg
                })
            }
            DescriptionFilter::Dialect { negated, dialects } => {
                let mut wanted: Vec<(String, Vec<String>)> = Vec::new();
                for (d, acc) in dialects {
                    match d {
                        IdOrAlias::Id(set) => {
                            for id in self.ids(set)? {
                                wanted.push((id, acc.clone()));
                            }
                        }
                        IdOrAlias::Alias(a) => {
                            let id = match a.to_ascii_lowercase().as_str() {
                                "en-gb" => "900000000000508004",
                                "en-us" => "900000000000509007",
                                _ => {
                                    return Err(EvalError::NotSupported(format!(
                                        "dialect alias '{a}' is not known; use dialectId with the language reference set"
                                    )));
                                }
                            };
                            wanted.push((id.to_string(), acc.clone()));
                        }
                    }
                }
                let neg = *negated;
                Box::new(move |_, d| {
                    let any = d.acceptability.iter().any(|(refset, a)| {
                        wanted
                            .iter()
                            .any(|(w, acc)| w == refset && (acc.is_empty() || acc.contains(a)))
                    });
                    any != neg
                })
            }
            DescriptionFilter::Common(CommonFilter::Active(a)) => {
                let a = *a;
                Box::new(move |_, d| d.active == a)
            }
            DescriptionFilter::Id { negated, ids } => {
                let ids: Vec<u64> = ids.iter().filter_map(|i| i.parse().ok()).collect();
                let neg = *negated;
                Box::new(move |id, _| ids.contains(&id) != neg)
            }
            DescriptionFilter::Common(_) => {
                return Err(EvalError::NotSupported(
                    "description moduleId and effectiveTime filters are not evaluated yet".into(),
                ));
            }
        })
    }

    fn history(&self, set: ConceptSet, h: &History) -> R<ConceptSet> {
        let refsets: Vec<String> = match h {
            History::Min => HISTORY_MIN.iter().map(|s| s.to_string()).collect(),
            History::Mod => HISTORY_MOD.iter().map(|s| s.to_string()).collect(),
            History::Max | History::Default => HISTORY_MAX.iter().map(|s| s.to_string()).collect(),
            History::Subset(e) => self
                .expr(e)?
                .iter()
                .map(|i| self.h().code_at(i).to_string())
                .collect(),
        };
        let refs: Vec<&str> = refsets.iter().map(String::as_str).collect();
        let mut out = set.clone();
        for (source, target) in self.data.associations(&refs)? {
            let (Some(s), Some(t)) = (self.h().position(&source), self.h().position(&target))
            else {
                continue;
            };
            if set.contains(t) && self.h().has_row_at(s) {
                out.insert(s);
            }
        }
        Ok(out)
    }

    fn compile_refinement(&self, r: &Refinement) -> R<CRefinement> {
        Ok(match r {
            Refinement::Attributes(a) => CRefinement::Attributes(self.compile_set(a)?),
            Refinement::Group(card, a) => CRefinement::Group(
                card.unwrap_or(Cardinality { min: 1, max: None }),
                self.compile_set(a)?,
            ),
            Refinement::And(v) => CRefinement::And(
                v.iter()
                    .map(|x| self.compile_refinement(x))
                    .collect::<R<_>>()?,
            ),
            Refinement::Or(v) => CRefinement::Or(
                v.iter()
                    .map(|x| self.compile_refinement(x))
                    .collect::<R<_>>()?,
            ),
        })
    }

    fn compile_set(&self, a: &AttributeSet) -> R<CSet> {
        Ok(match a {
            AttributeSet::One(a) => CSet::One(Box::new(self.compile_attribute(a)?)),
            AttributeSet::And(v) => {
                CSet::And(v.iter().map(|x| self.compile_set(x)).collect::<R<_>>()?)
            }
            AttributeSet::Or(v) => {
                CSet::Or(v.iter().map(|x| self.compile_set(x)).collect::<R<_>>()?)
            }
        })
    }

    fn compile_attribute(&self, a: &Attribute) -> R<CAttribute> {
        let any_type = matches!(a.name.focus, Focus::Any)
            && a.name.op.is_none()
            && a.name.member_of.is_none()
            && a.name.filters.is_empty();
        let types = if any_type {
            None
        } else {
            Some(self.sub(&a.name)?)
        };
        let value = match &a.comparison {
            Comparison::Concept { negated, value } => {
                let any = matches!(value.focus, Focus::Any)
                    && value.op.is_none()
                    && value.member_of.is_none()
                    && value.filters.is_empty();
                CValue::Concept {
                    negated: *negated,
                    set: if any { None } else { Some(self.sub(value)?) },
                }
            }
            Comparison::Number { op, value } => CValue::Number {
                op: *op,
                value: value.parse().map_err(|_| {
                    EvalError::NotSupported(format!("number '{value}' could not be read"))
                })?,
            },
            Comparison::Text { negated, terms } => CValue::Text {
                negated: *negated,
                terms: terms.clone(),
            },
            Comparison::Boolean { negated, value } => CValue::Boolean {
                negated: *negated,
                value: *value,
            },
        };
        if a.reverse && !matches!(value, CValue::Concept { .. }) {
            return Err(EvalError::NotSupported(
                "reverse attributes compare concepts only".into(),
            ));
        }
        Ok(CAttribute {
            cardinality: a.cardinality,
            reverse: a.reverse,
            types,
            value,
        })
    }

    fn refinement_holds(&self, r: &CRefinement, c: u32) -> R<bool> {
        Ok(match r {
            CRefinement::Attributes(set) => {
                let rels: Vec<Edge> = self.edges(c);
                self.set_holds(set, c, &rels)
            }
            CRefinement::Group(card, set) => {
                let groups = self.groups(c);
                let n = groups.iter().filter(|g| self.set_holds(set, c, g)).count() as u32;
                n >= card.min && card.max.is_none_or(|m| n <= m)
            }
            CRefinement::And(v) => {
                for x in v {
                    if !self.refinement_holds(x, c)? {
                        return Ok(false);
                    }
                }
                true
            }
            CRefinement::Or(v) => {
                for x in v {
                    if self.refinement_holds(x, c)? {
                        return Ok(true);
                    }
                }
                false
            }
        })
    }

    /// Outgoing active relationships of `c`.
    fn edges(&self, c: u32) -> Vec<Edge<'_>> {
        self.h().relationships_at(c).map(Edge::from).collect()
    }

    /// The role groups of `c`: each numbered group whole, and each ungrouped relationship as a
    /// group of its own.
    fn groups(&self, c: u32) -> Vec<Vec<Edge<'_>>> {
        let mut numbered: std::collections::BTreeMap<u16, Vec<Edge>> = Default::default();
        let mut out = Vec::new();
        for r in self.h().relationships_at(c) {
            let e = Edge::from(r);
            if r.group == 0 {
                out.push(vec![e]);
            } else {
                numbered.entry(r.group).or_default().push(e);
            }
        }
        out.extend(numbered.into_values());
        out
    }

    fn set_holds(&self, s: &CSet, c: u32, rels: &[Edge]) -> bool {
        match s {
            CSet::One(a) => self.attribute_holds(a, c, rels),
            CSet::And(v) => v.iter().all(|x| self.set_holds(x, c, rels)),
            CSet::Or(v) => v.iter().any(|x| self.set_holds(x, c, rels)),
        }
    }

    fn attribute_holds(&self, a: &CAttribute, c: u32, rels: &[Edge]) -> bool {
        let card = a.cardinality.unwrap_or(Cardinality { min: 1, max: None });
        let n = if a.reverse {
            // Reverse attributes look at the relationships pointing at the concept (in a
            // group only those of the group make sense, so groups are not applied).
            self.h()
                .incoming_at(c)
                .iter()
                .filter(|r| {
                    a.types.as_ref().is_none_or(|t| t.contains(r.type_id))
                        && match &a.value {
                            CValue::Concept { negated, set } => {
                                set.as_ref().is_none_or(|s| s.contains(r.source)) != *negated
                            }
                            _ => false,
                        }
                })
                .count()
        } else {
            rels.iter()
                .filter(|e| {
                    a.types.as_ref().is_none_or(|t| t.contains(e.type_id))
                        && value_matches(&a.value, e)
                })
                .count()
        };
        let n = n as u32;
        if card.min == 0 {
            // [0..n]: a limit, whatever else the concept has.
            return card.max.is_none_or(|m| n <= m);
        }
        n >= card.min && card.max.is_none_or(|m| n <= m)
    }
}

/// A relationship as refinements compare it.
struct Edge<'a> {
    type_id: u32,
    destination: Option<u32>,
    value: Option<&'a str>,
}

impl<'a> From<crate::index::hierarchy::RelView<'a>> for Edge<'a> {
    fn from(r: crate::index::hierarchy::RelView<'a>) -> Self {
        Edge {
            type_id: r.type_id,
            destination: r.destination,
            value: r.value,
        }
    }
}

enum CRefinement {
    Attributes(CSet),
    Group(Cardinality, CSet),
    And(Vec<CRefinement>),
    Or(Vec<CRefinement>),
}

enum CSet {
    One(Box<CAttribute>),
    And(Vec<CSet>),
    Or(Vec<CSet>),
}

struct CAttribute {
    cardinality: Option<Cardinality>,
    reverse: bool,
    /// Attribute types (`None`: any).
    types: Option<ConceptSet>,
    value: CValue,
}

enum CValue {
    Concept {
        negated: bool,
        /// `None`: any value.
        set: Option<ConceptSet>,
    },
    Number {
        op: NumOp,
        value: f64,
    },
    Text {
        negated: bool,
        terms: Vec<TypedTerm>,
    },
    Boolean {
        negated: bool,
        value: bool,
    },
}

fn value_matches(v: &CValue, e: &Edge) -> bool {
    match v {
        CValue::Concept { negated, set } => match e.destination {
            Some(d) => set.as_ref().is_none_or(|s| s.contains(d)) != *negated,
            None => false,
        },
        CValue::Number { op, value } => {
            let Some(n) = e
                .value
                .and_then(|v| v.strip_prefix('#'))
                .and_then(|v| v.parse::<f64>().ok())
            else {
                return false;
            };
            number_holds(*op, n, *value)
        }
        CValue::Text { negated, terms } => {
            let Some(text) = e
                .value
                .and_then(|v| v.strip_prefix('"'))
                .and_then(|v| v.strip_suffix('"'))
            else {
                return false;
            };
            whole_value_matches(terms, text) != *negated
        }
        CValue::Boolean { negated, value } => {
            let Some(b) = e.value.and_then(|v| match v {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            }) else {
                return false;
            };
            (b == *value) != *negated
        }
    }
}

/// ECL term matching: `match` — every search word starts a word of the term (any order, any
/// case); `wild` — the whole term matches the pattern, `*` standing for any run of characters.
pub fn term_matches(t: &TypedTerm, term: &str) -> bool {
    match t {
        TypedTerm::Match(words) => {
            let lower = term.to_lowercase();
            let term_words: Vec<&str> = lower
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .collect();
            words.iter().all(|w| {
                let w = w.to_lowercase();
                term_words.iter().any(|tw| tw.starts_with(&w))
            })
        }
        TypedTerm::Wild(p) => wild_matches(p, term),
    }
}

/// `have op want` for a numeric comparison (concrete values, numeric member columns).
fn number_holds(op: NumOp, have: f64, want: f64) -> bool {
    match op {
        NumOp::Eq => have == want,
        NumOp::Ne => have != want,
        NumOp::Lt => have < want,
        NumOp::Le => have <= want,
        NumOp::Gt => have > want,
        NumOp::Ge => have >= want,
    }
}

/// Whether a single-valued string (a concrete value, a member column) matches any of the
/// terms: a `match` term must be the whole value, a `wild` pattern must cover it.
fn whole_value_matches(terms: &[TypedTerm], value: &str) -> bool {
    terms.iter().any(|t| match t {
        TypedTerm::Match(words) => words.join(" ") == value,
        TypedTerm::Wild(p) => wild_matches(p, value),
    })
}

/// A member filter or field list naming a column the reference set does not have.
fn unknown_field(name: &str, refset: &str) -> EvalError {
    EvalError::NotSupported(format!(
        "'{name}' is not a column of reference set {refset} (or the columns of its kind of file are not known)"
    ))
}

fn wild_matches(pattern: &str, text: &str) -> bool {
    // Compiled once per pattern and thread, not once per term tested: a filter is tried on
    // every description in scope, and compiling a long pattern each time made one request
    // with a few hundred `*` run for seconds.
    thread_local! {
        static COMPILED: std::cell::RefCell<std::collections::HashMap<String, Option<regex::Regex>>> =
            Default::default();
    }
    COMPILED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(pattern) {
            if cache.len() >= 64 {
                cache.clear();
            }
            cache.insert(pattern.to_string(), wild_regex(pattern));
        }
        cache[pattern].as_ref().is_some_and(|r| r.is_match(text))
    })
}

/// The regular expression a `wild:` pattern stands for (`None` if it cannot be built).
fn wild_regex(pattern: &str) -> Option<regex::Regex> {
    let mut re = String::from("(?is)^");
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'*') => {
                chars.next();
                re.push_str("\\*");
            }
            '*' => re.push_str(".*"),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).ok()
}

fn time_matches(op: NumOp, value: &str, times: &[String]) -> bool {
    times.iter().any(|t| match op {
        NumOp::Eq => value == t,
        NumOp::Ne => value != t,
        NumOp::Lt => value < t.as_str(),
        NumOp::Le => value <= t.as_str(),
        NumOp::Gt => value > t.as_str(),
        NumOp::Ge => value >= t.as_str(),
    })
}

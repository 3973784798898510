//! `ValueSet/$expand`: the codes a value set holds, paged, with displays in the requested
//! language. Compose includes and excludes are evaluated as sets — the index answers hierarchy
//! filters and ECL, listed concepts are checked to exist, other filters are tested per code with
//! the same [`valueset::filter_holds`] `$validate-code` uses, so both always agree. SNOMED CT
//! implicit value sets (`fhir_vs`, `isa/`, `refset/`, `ecl/`) and value sets published only as
//! an expansion are expanded too.
//!
//! Cost bounds: without `count`, an expansion larger than the configured limit is refused as
//! `too-costly` (page with `count`/`offset` or narrow with `filter`), and all work stops at the
//! time budget with the same answer. Never a hang, never an unbounded answer.

use super::engine::{RequestContext, Terminology};
use super::source::Source;
use super::valueset::{self, SnomedImplicit, ValueSetDef};
use super::{Error, Result, language, messages, resolve};
use crate::ecl::ast::TypedTerm;
use crate::model::value_set::{ComposeConcept, ComposeItem, ValueSet};
use crate::model::{Family, uri};
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// Size and time limits of an expansion.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest expansion returned without `count`.
    pub max_unpaged: usize,
    /// Time budget of one expansion.
    pub budget: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_unpaged: 10_000,
            budget: Duration::from_secs(10),
        }
    }
}

/// An `$expand` request in domain terms.
#[derive(Debug, Clone)]
pub struct ExpandRequest {
    /// The value set.
    pub value_set: ValueSetDef,
    /// Text filter (every word must start a word of a term).
    pub filter: Option<String>,
    /// Page size.
    pub count: Option<usize>,
    /// Page start.
    pub offset: usize,
    /// Leave inactive codes out.
    pub active_only: bool,
    /// Return designations.
    pub include_designations: bool,
    /// Only designations in these languages or with these uses (`system|code`).
    pub designations: Vec<String>,
    /// Return properties with these names.
    pub properties: Vec<String>,
    /// `excludeNested`: `Some(false)` asks for the code system's hierarchy in the expansion.
    pub exclude_nested: Option<bool>,
    /// `includeDefinition`: the value set's definition (its extensions) goes with the
    /// expansion.
    pub include_definition: bool,
    /// The value set came in the request's `valueSet` parameter rather than by reference.
    pub sent_inline: bool,
    /// The request's parameters to echo in `expansion.parameter`: (name, value type, value).
    pub echo: Vec<(String, &'static str, String)>,
}

/// One designation of an expanded code.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemDesignation {
    /// Language.
    pub language: Option<String>,
    /// Use (system, code, display).
    pub use_: Option<(String, String, Option<String>)>,
    /// Term.
    pub value: String,
    /// Extensions passed on with it (description id, standards status).
    pub extensions: Vec<Typed>,
}

/// A value with its FHIR type: (name or url, value key such as `valueCode`, value as text).
pub type Typed = (String, String, String);

/// One code of the expansion.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Code system.
    pub system: String,
    /// Code system version.
    pub version: String,
    /// Code.
    pub code: String,
    /// Display in the requested language.
    pub display: Option<String>,
    /// Inactive code.
    pub inactive: bool,
    /// Not for use in data (ICD chapters and blocks, `notSelectable`).
    pub abstract_: bool,
    /// Designations, when asked for.
    pub designations: Vec<ItemDesignation>,
    /// Properties asked for: (code, value as text, value type).
    pub properties: Vec<(String, String, String)>,
    /// Codes of the expansion whose parent this is (a nested expansion).
    pub children: Vec<Item>,
    /// Extensions the code carries into the expansion: the value set's marks (deprecated,
    /// standards status) and the code system's rendering hints: (url, value key such as
    /// `valueCode`, value as text).
    pub marks: Vec<Typed>,
    /// The expansion holds codes of more than one version of this system: say which.
    pub show_version: bool,
}

/// The expansion.
#[derive(Debug, Clone, PartialEq)]
pub struct Expansion {
    /// The value set's own metadata (url, version, name, title, status, …), echoed with the
    /// expansion; its compose and any published expansion are left out.
    pub meta: ValueSet,
    /// Codes in the whole expansion (after filter and activeOnly).
    pub total: usize,
    /// Page start.
    pub offset: usize,
    /// Parameters the expansion used: (name, value type, value).
    pub parameters: Vec<(String, &'static str, String)>,
    /// The properties the codes carry, declared once: (code, uri where the code system
    /// declares one).
    pub properties: Vec<(String, Option<String>)>,
    /// The value set has members no expansion lists (SNOMED CT included by rule: its
    /// compositional grammar; a fragment code system): the expansion is unclosed.
    pub unclosed: bool,
    /// Why, where it can be said.
    pub unclosed_reasons: Vec<String>,
    /// The page.
    pub contains: Vec<Item>,
}

/// A code of the expansion before its details are read.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Member {
    system: String,
    version: Option<String>,
    code: String,
}

/// Runs `$expand`.
pub fn expand(t: &Terminology, ctx: &RequestContext, req: &ExpandRequest) -> Result<Expansion> {
    valueset::reached_value_sets(t, ctx, &req.value_set)?;
    valueset::require_supplements(t, ctx, Some(&req.value_set))?;
    let mut e = Expander::new(t, ctx);
    let max_unpaged = ctx
        .max_unpaged
        .map_or(t.limits.max_unpaged, |m| m.min(t.limits.max_unpaged));
    let limit = req.count.unwrap_or(max_unpaged + 1);
    let (total, page) = match e.snomed_implicit(req, limit)? {
        Some(found) => found,
        None => e.general(req, limit)?,
    };
    if req.count.is_none() && total > max_unpaged {
        // Named as the client named it, as tx.fhir.org does: by its canonical when found by
        // reference (the suite's big/expand-no-limit), by its url when sent inline
        // (snomed/expand-too-big).
        let name = if req.sent_inline {
            req.value_set.url()
        } else {
            req.value_set.canonical()
        };
        return Err(Error::TooCostly(super::messages::too_costly(
            &name,
            total,
            max_unpaged,
        )));
    }
    let mut contains = Vec::with_capacity(page.len());
    let mut parents = Vec::with_capacity(page.len());
    let nest = nests(req)
        && (req.exclude_nested == Some(false)
            || page.iter().all(|m| {
                e.source(&m.system, m.version.as_deref())
                    .is_ok_and(|s| s.meta().family == Family::Fhir)
            }));
    for m in &page {
        contains.push(e.item(m, req)?);
        if nest {
            let src = e.source(&m.system, m.version.as_deref())?;
            parents.push(src.parents(&m.code)?);
        }
    }
    // A system the expansion used in more than one version says which version each code is
    // from.
    let mut versions: HashMap<String, HashSet<String>> = HashMap::new();
    for src in e.sources.values() {
        versions
            .entry(src.meta().url.clone())
            .or_default()
            .insert(src.meta().version.clone());
    }
    // So does one whose value set names several versions of it, even when a forced version
    // made them one.
    let named = |system: &str| {
        let mut v = req.value_set.include_versions(system, None);
        v.sort();
        v.dedup();
        v.len() > 1
    };
    for item in contains.iter_mut() {
        item.show_version = versions
            .get(item.system.as_str())
            .is_some_and(|v| v.len() > 1)
            || named(item.system.as_str());
    }
    if nest {
        contains = nested(contains, &parents);
    }
    let meta = match &req.value_set {
        ValueSetDef::Resource(vs) => ValueSet {
            compose: None,
            expansion: None,
            // A value set resource that states no status is of unknown status (R4 requires
            // one); the implicit `?fhir_vs` forms are active.
            status: vs.status.clone().or_else(|| {
                (!vs.url.as_deref().is_some_and(|u| u.contains("?fhir_vs")))
                    .then(|| "unknown".to_string())
            }),
            // The value set's own extensions are part of its definition: echoed when the
            // definition is asked for (`includeDefinition`, tx-ecosystem
            // `parameters/parameters-expand-enum-definitions3`).
            extension: if req.include_definition {
                vs.extension.clone()
            } else {
                Vec::new()
            },
            ..(**vs).clone()
        },
        ValueSetDef::Snomed { url, kind, .. } => ValueSet {
            url: Some(url.clone()),
            // The names tx.fhir.org gives the whole-edition implicit value set.
            name: (*kind == SnomedImplicit::All).then(|| "ALLSNOMEDCT".to_string()),
            title: (*kind == SnomedImplicit::All)
                .then(|| "SNOMED CT Reference Set (All of SNOMED CT)".to_string()),
            ..Default::default()
        },
    };
    // The parameters the caller gave that shaped the expansion, echoed as given (the
    // terminology ecosystem's convention), then the code system versions used.
    let mut parameters = req.echo.clone();
    // A `system-version` default or a `check-system-version` shaped the expansion only where
    // an include named no version.
    parameters.retain(|(name, _, value)| {
        !matches!(name.as_str(), "system-version" | "check-system-version")
            || e.defaulted.contains(uri::split_canonical(value).0)
    });
    let mut used: Vec<String> = e.sources.values().map(|s| s.meta().canonical()).collect();
    used.sort();
    used.dedup();
    for u in used {
        parameters.push(("used-codesystem".into(), "valueUri", u));
    }
    for v in &e.used_value_sets {
        parameters.push(("used-valueset".into(), "valueUri", v.canonical()));
    }
    let mut supplements: Vec<String> = e.sources.values().flat_map(|s| s.supplements()).collect();
    supplements.sort();
    supplements.dedup();
    for s in supplements {
        parameters.push(("used-supplement".into(), "valueUri", s));
    }
    // Exclusions applied across versions of a system that the expansion used in several.
    let several_versions = versions.values().any(|v| v.len() > 1);
    if e.versions_match && several_versions {
        parameters.push(("versionsMatch".into(), "valueBoolean", "true".into()));
    }
    let mut warnings: Vec<super::status::StatusWarning> = e
        .sources
        .values()
        .flat_map(|s| super::status::of_code_system(s.meta()))
        .collect();
    if let ValueSetDef::Resource(vs) = &req.value_set {
        warnings.extend(super::status::of_value_set(vs));
    }
    warnings.extend(
        e.used_value_sets
            .iter()
            .flat_map(super::status::of_value_set),
    );
    warnings.sort();
    warnings.dedup();
    for w in warnings {
        parameters.push((w.param, "valueUri", w.uri));
    }
    let mut properties = Vec::new();
    let asked = req.properties.iter().map(String::as_str);
    // The concept-extension properties first (label, order, weight), then status and those asked.
    for name in ["weight", "label", "order", "status"]
        .into_iter()
        .chain(asked)
    {
        let name = &name.to_string();
        if properties
            .iter()
            .any(|(n, _): &(String, Option<String>)| n == name)
        {
            continue;
        }
        if !carries(&contains, name) {
            continue;
        }
        let uri = e
            .sources
            .values()
            .find_map(|s| {
                s.meta()
                    .property_uris
                    .iter()
                    .find(|(c, _)| c == name)
                    .map(|(_, u)| u.clone())
            })
            .or_else(|| {
                // A property a supplement declares (sent with the request).
                ctx.code_systems.iter().find_map(|c| {
                    c.meta
                        .property_uris
                        .iter()
                        .find(|(c, _)| c == name)
                        .map(|(_, u)| u.clone())
                })
            })
            .or_else(|| {
                // `weight` is the itemWeight extension's property.
                let standard = if name == "weight" { "itemWeight" } else { name };
                (STANDARD_PROPERTIES.contains(&standard) || matches!(standard, "label" | "order"))
                    .then(|| format!("http://hl7.org/fhir/concept-properties#{standard}"))
            });
        properties.push((name.clone(), uri));
    }
    let mut unclosed = !e.unclosed.is_empty();
    let mut unclosed_reasons: Vec<String> = e
        .unclosed
        .iter()
        .filter(|(_, whole)| **whole)
        .map(|(system, _)| super::messages::grammar_unclosed(system))
        .collect();
    let mut fragments: Vec<String> = e
        .sources
        .values()
        .filter(|s| s.meta().content == "fragment")
        .map(|s| s.meta().canonical())
        .collect();
    fragments.sort();
    fragments.dedup();
    for f in fragments {
        unclosed = true;
        unclosed_reasons.push(super::messages::fragment_unclosed(
            f.split('|').next().unwrap_or(&f),
        ));
        parameters.push(("used-fragment".into(), "valueUri", f));
    }
    Ok(Expansion {
        meta,
        total,
        offset: req.offset,
        parameters,
        properties,
        unclosed,
        unclosed_reasons,
        contains,
    })
}

/// Properties FHIR defines for every code system (`http://hl7.org/fhir/concept-properties`).
const STANDARD_PROPERTIES: &[&str] = &[
    "status",
    "inactive",
    "effectiveDate",
    "deprecationDate",
    "retirementDate",
    "notSelectable",
    "parent",
    "child",
    "partOf",
    "synonym",
    "comment",
    "itemWeight",
    "definition",
];

/// True when some code (at any depth) carries property `name`.
fn carries(items: &[Item], name: &str) -> bool {
    items
        .iter()
        .any(|i| i.properties.iter().any(|(c, _, _)| c == name) || carries(&i.children, name))
}

/// True when the expansion keeps the code systems' hierarchy. Never for a page (a page
/// cannot keep a tree), an enumeration (whose order is the value set author's; the terminology
/// ecosystem's `parameters` suite expects those flat) or a value set imported whole. Asked for
/// (`excludeNested` false): unless a text filter cut the tree. Not asked either way: as
/// tx.fhir.org answers, a direct include of a whole code system that no text filter searched,
/// or a hierarchy filter (`is-a`, `descendent-of`), with nothing excluded — the suite's
/// `vs-expand-versionless` and `search-filter-yes` (against `search-all-yes`, flat) — for
/// code systems given as FHIR resources (the caller checks the family: SNOMED CT and the ICD
/// classifications stay flat).
fn nests(req: &ExpandRequest) -> bool {
    let ValueSetDef::Resource(vs) = &req.value_set else {
        return false;
    };
    let Some(compose) = &vs.compose else {
        return false;
    };
    if req.count.is_some() || req.offset != 0 || compose.include.is_empty() {
        return false;
    }
    if compose.include.iter().any(|i| !i.concept.is_empty()) {
        return false;
    }
    match req.exclude_nested {
        Some(false) => req.filter.is_none(),
        Some(true) => false,
        // Exclusions cut the tree (the suite's tho/act-exclusion expects that flat).
        None if !compose.exclude.is_empty() => false,
        None => compose.include.iter().all(|i| {
            let hierarchy_filter = !i.filter.is_empty()
                && i.filter
                    .iter()
                    .all(|f| matches!(f.operator(), "is-a" | "descendent-of"));
            i.system.is_some()
                && i.value_set.is_empty()
                && ((i.filter.is_empty() && req.filter.is_none()) || hierarchy_filter)
        }),
    }
}

/// Puts each code under its first direct parent (of the same system) that is in the
/// expansion, keeping the expansion's order; the others stay at the top.
fn nested(items: Vec<Item>, parents: &[Vec<String>]) -> Vec<Item> {
    let index: HashMap<(&str, &str), usize> = items
        .iter()
        .enumerate()
        .map(|(i, it)| ((it.system.as_str(), it.code.as_str()), i))
        .collect();
    let parent_of: Vec<Option<usize>> = items
        .iter()
        .zip(parents)
        .enumerate()
        .map(|(i, (it, ps))| {
            ps.iter()
                .filter_map(|p| index.get(&(it.system.as_str(), p.as_str())).copied())
                .find(|&j| j != i)
        })
        .collect();
    // A cycle (never in a valid hierarchy) would hide its codes: those stay at the top.
    let roots_to = |mut i: usize| {
        for _ in 0..items.len() {
            match parent_of[i] {
                Some(p) => i = p,
                None => return true,
            }
        }
        false
    };
    let parent_of: Vec<Option<usize>> = (0..items.len())
        .map(|i| parent_of[i].filter(|_| roots_to(i)))
        .collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    for (i, p) in parent_of.iter().enumerate() {
        if let Some(p) = p {
            children[*p].push(i);
        }
    }
    let mut slots: Vec<Option<Item>> = items.into_iter().map(Some).collect();
    fn build(i: usize, children: &[Vec<usize>], slots: &mut [Option<Item>]) -> Option<Item> {
        let mut item = slots[i].take()?;
        item.children = children[i]
            .iter()
            .filter_map(|c| build(*c, children, slots))
            .collect();
        Some(item)
    }
    (0..slots.len())
        .filter(|i| parent_of[*i].is_none())
        .filter_map(|i| build(i, &children, &mut slots))
        .collect()
}

/// Every (system, code) of a value set, for scoping a search.
pub fn member_codes(
    t: &Terminology,
    ctx: &RequestContext,
    vs: &ValueSetDef,
) -> Result<Vec<(String, String)>> {
    let mut e = Expander::new(t, ctx);
    Ok(e.members(vs, 0)?
        .into_iter()
        .map(|m| (m.system, m.code))
        .collect())
}

struct Expander<'t> {
    t: &'t Terminology,
    ctx: &'t RequestContext,
    deadline: Instant,
    /// Resolved code system versions by (system, version asked for).
    sources: HashMap<(String, Option<String>), Box<dyn Source + 't>>,
    /// Displays a compose lists for its concepts, by (system, code).
    displays: HashMap<(String, String), String>,
    /// What a compose says of the concepts it lists, by (system, code).
    listed: HashMap<(String, String), Listed>,
    /// Value sets the compose included or excluded (`used-valueset`), in first-use order.
    used_value_sets: Vec<ValueSet>,
    /// An exclusion was applied across code system versions (`versionsMatch` stated).
    versions_match: bool,
    /// Systems whose version came from the request's `system-version` default (an include
    /// that named none): only those defaults are echoed as used.
    defaulted: HashSet<String>,
    /// Systems with a grammar (SNOMED CT) included by rule rather than by enumeration: the
    /// expansion is unclosed (true: the whole system, whose grammar is the reason).
    unclosed: std::collections::BTreeMap<String, bool>,
}

impl<'t> Expander<'t> {
    fn new(t: &'t Terminology, ctx: &'t RequestContext) -> Self {
        Expander {
            t,
            ctx,
            deadline: Instant::now() + t.limits.budget,
            sources: HashMap::new(),
            displays: HashMap::new(),
            listed: HashMap::new(),
            used_value_sets: Vec::new(),
            versions_match: false,
            defaulted: HashSet::new(),
            unclosed: Default::default(),
        }
    }

    /// Members of the value set, then the text filter and `activeOnly`, then the page.
    fn general(&mut self, req: &ExpandRequest, limit: usize) -> Result<(usize, Vec<Member>)> {
        let members = self.members(&req.value_set, 0)?;
        let words: Vec<String> = req
            .filter
            .as_deref()
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let inactive_allowed = match &req.value_set {
            ValueSetDef::Resource(vs) => vs.compose.as_ref().and_then(|c| c.inactive),
            _ => None,
        };
        let active_only = req.active_only || inactive_allowed == Some(false);
        let (total, page) = match (
            words.is_empty(),
            self.ranked(&members, &words.join(" "), active_only, req.offset, limit)?,
        ) {
            // A text filter over one indexed code system: the search engine ranks the matches.
            (false, Some(found)) => found,
            _ => {
                let kept = self.keep(members, &words, active_only)?;
                let total = kept.len();
                let page: Vec<Member> = kept.into_iter().skip(req.offset).take(limit).collect();
                (total, page)
            }
        };
        Ok((total, page))
    }

    /// SNOMED CT implicit value sets (`fhir_vs`, `isa/`, `refset/`, `ecl/`) as a set over the
    /// index: the page and the total come from the set (or from the search engine scoped by
    /// it) without listing every member first, so `<< 404684003` with `count=0` or a typeahead
    /// over all of SNOMED CT costs the set, not a string per concept.
    fn snomed_implicit(
        &mut self,
        req: &ExpandRequest,
        limit: usize,
    ) -> Result<Option<(usize, Vec<Member>)>> {
        let ValueSetDef::Snomed { version, kind, .. } = &req.value_set else {
            return Ok(None);
        };
        let (t, ctx, deadline) = (self.t, self.ctx, self.deadline);
        match kind {
            SnomedImplicit::All => self.mark_unclosed(uri::SNOMED, true),
            SnomedImplicit::IsA(_) | SnomedImplicit::Ecl(_) => {
                self.mark_unclosed(uri::SNOMED, false)
            }
            SnomedImplicit::Refset(_) => {}
        }
        let src = self.source(uri::SNOMED, version.as_deref())?;
        let (Some(cs), Some(h)) = (src.store_id(), src.index_ref()?) else {
            return Ok(None);
        };
        let expression = match kind {
            SnomedImplicit::All => None,
            SnomedImplicit::IsA(root) => Some(format!("<< {root}")),
            SnomedImplicit::Refset(refset) => Some(format!("^ {refset}")),
            SnomedImplicit::Ecl(text) => Some(text.clone()),
        };
        let scope = match &expression {
            Some(e) => Some(super::ecl::evaluate(t, src, e, "url", Some(deadline))?.0),
            None => None,
        };
        let in_scope = |c: u32| match &scope {
            Some(s) => s.contains(c),
            None => h.has_row_at(c),
        };
        let accept = |c: u32| in_scope(c) && (!req.active_only || h.active_at(c));
        let version = Some(src.meta().version.clone());
        let member = |c: u32| Member {
            system: uri::SNOMED.into(),
            version: version.clone(),
            code: h.code_at(c).to_string(),
        };
        if let Some(filter) = req.filter.as_deref().filter(|f| !f.trim().is_empty()) {
            let terms = t.terms(cs)?;
            let dialect = language::first_refset(src, &ctx.languages, &t.default_language)?;
            let found = terms.search(filter, dialect.as_deref(), &accept, req.offset, limit);
            let page = found.hits.iter().map(|hit| member(hit.concept)).collect();
            return Ok(Some((found.total, page)));
        }
        let mut total = 0;
        let mut page = Vec::new();
        for c in 0..h.len() as u32 {
            if !accept(c) {
                continue;
            }
            if total >= req.offset && page.len() < limit {
                page.push(member(c));
            }
            total += 1;
        }
        Ok(Some((total, page)))
    }
    /// Members that pass `activeOnly` and the text filter (word prefixes, any order), tested
    /// one by one: the path for value sets spanning code systems or held only in the request.
    fn keep(
        &mut self,
        members: Vec<Member>,
        words: &[String],
        active_only: bool,
    ) -> Result<Vec<Member>> {
        if !active_only && words.is_empty() {
            return Ok(members);
        }
        let term = TypedTerm::Match(words.to_vec());
        let matches = |t: &str| crate::ecl::eval::term_matches(&term, t);
        let mut kept = Vec::with_capacity(members.len());
        for (n, m) in members.into_iter().enumerate() {
            if n.is_multiple_of(2048) {
                self.check_time()?;
            }
            let listed = self
                .displays
                .get(&(m.system.clone(), m.code.clone()))
                .cloned();
            let src = self.source(&m.system, m.version.as_deref())?;
            let Some(concept) = src.concept(&m.code)? else {
                continue;
            };
            if active_only && !concept.active {
                continue;
            }
            if !words.is_empty() {
                let hit = listed.as_deref().is_some_and(matches)
                    || concept.display.as_deref().is_some_and(matches)
                    || m.code.eq_ignore_ascii_case(&words.join(" "))
                    || src
                        .designations(&m.code)?
                        .iter()
                        .any(|d| d.active && matches(&d.term));
                if !hit {
                    continue;
                }
            }
            kept.push(m);
        }
        Ok(kept)
    }

    /// The ranked page of a text filter when every member is of one stored code system
    /// version (its term index ranks them: exact, prefix, typo); `None` otherwise.
    fn ranked(
        &mut self,
        members: &[Member],
        filter: &str,
        active_only: bool,
        offset: usize,
        limit: usize,
    ) -> Result<Option<(usize, Vec<Member>)>> {
        let Some(first) = members.first() else {
            return Ok(None);
        };
        if filter.is_empty()
            || members
                .iter()
                .any(|m| m.system != first.system || m.version != first.version)
        {
            return Ok(None);
        }
        let (t, ctx) = (self.t, self.ctx);
        let src = self.source(&first.system, first.version.as_deref())?;
        let (Some(cs), Some(h)) = (src.store_id(), src.index_ref()?) else {
            return Ok(None);
        };
        let terms = t.terms(cs)?;
        let mut scope = crate::ecl::ConceptSet::empty(h.len());
        for m in members {
            if let Some(p) = h.position(&m.code) {
                scope.insert(p);
            }
        }
        let dialect = language::first_refset(src, &ctx.languages, &t.default_language)?;
        let accept = |c: u32| scope.contains(c) && (!active_only || h.active_at(c));
        let found = terms.search(filter, dialect.as_deref(), &accept, offset, limit);
        let page = found
            .hits
            .iter()
            .map(|hit| Member {
                system: first.system.clone(),
                version: first.version.clone(),
                code: h.code_at(hit.concept).to_string(),
            })
            .collect();
        Ok(Some((found.total, page)))
    }

    fn check_time(&self) -> Result<()> {
        within_budget(self.t, self.deadline)
    }

    fn source(&mut self, system: &str, version: Option<&str>) -> Result<&(dyn Source + 't)> {
        if version.is_none()
            && (resolve::version_param(&self.ctx.system_versions, system).is_some()
                || resolve::version_required(self.ctx, system).is_some())
        {
            self.defaulted.insert(system.to_string());
        }
        // A versionless include under a `check-system-version` parameter: the latest version
        // the check allows.
        let version = version.or_else(|| resolve::version_required(self.ctx, system));
        let key = (system.to_string(), version.map(str::to_string));
        if !self.sources.contains_key(&key) {
            let src =
                resolve::code_system(self.t, self.ctx, system, version).map_err(|e| match e {
                    resolve::ResolveError::UnknownVersion { .. } => Error::Issue {
                        code: "not-found",
                        tx_code: "not-found",
                        message_id: messages::id::UNKNOWN_CODE_SYSTEM_VERSION_EXPANDING,
                        message: e.text(Some("the value set cannot be expanded")),
                    },
                    resolve::ResolveError::NoContent(_) => {
                        Error::NotFound(e.text(Some("the value set cannot be expanded")))
                    }
                    e => e.into(),
                })?;
            // A stub supplied with the request (stored stubs are refused by `resolve`).
            if src.meta().is_stub() {
                return Err(Error::NotFound(format!(
                    "{system} is known here only by a CodeSystem resource without its concepts (content = not-present); import the code system itself to expand value sets drawn from it"
                )));
            }
            self.sources.insert(key.clone(), src);
        }
        Ok(self.sources[&key].as_ref())
    }

    /// The members of a value set, in a stable order, each once.
    fn members(&mut self, vs: &ValueSetDef, depth: usize) -> Result<Vec<Member>> {
        if depth > 16 {
            return Err(Error::NotSupported(
                "value set includes nest more than 16 levels (circular?)".into(),
            ));
        }
        self.check_time()?;
        match vs {
            ValueSetDef::Snomed { version, kind, .. } => {
                let version = version.clone();
                let deadline = self.deadline;
                let t = self.t;
                let src = self.source(uri::SNOMED, version.as_deref())?;
                let codes: Vec<String> = match kind {
                    SnomedImplicit::All => src.codes()?,
                    SnomedImplicit::IsA(root) => self_and_descendants(src, root)?,
                    SnomedImplicit::Refset(refset) => match src.store_id() {
                        Some(cs) => t.with_store(|s| Ok(s.refset_members(cs, refset)?))?,
                        None => vec![],
                    },
                    SnomedImplicit::Ecl(text) => ecl_codes(t, src, text, "url", deadline)?,
                };
                let version = Some(src.meta().version.clone());
                Ok(codes
                    .into_iter()
                    .map(|code| Member {
                        system: uri::SNOMED.into(),
                        version: version.clone(),
                        code,
                    })
                    .collect())
            }
            ValueSetDef::Resource(vs) => self.resource_members(vs, depth),
        }
    }

    fn resource_members(&mut self, vs: &ValueSet, depth: usize) -> Result<Vec<Member>> {
        let Some(compose) = &vs.compose else {
            return Ok(vs
                .expansion_codes()
                .into_iter()
                .filter_map(|c| {
                    Some(Member {
                        system: c.system.clone()?,
                        version: c.version.clone(),
                        code: c.code.clone()?,
                    })
                })
                .collect());
        };
        // A code is one member per code system version: two versions of a system included
        // side by side both stay (the terminology ecosystem's `overload` suite), unless the
        // value set says versions match (`versionsMatch` true), when each code is one member
        // at the latest version that has it.
        let versions_match =
            compose.expansion_parameter("versionsMatch").as_deref() == Some("true");
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        // Versions an include names, and versions reached only by an include naming none (the
        // latest): the same code from both lists the named version first.
        let (mut named, mut defaulted) = (HashSet::new(), HashSet::new());
        for inc in &compose.include {
            for m in self.item_members(inc, vs, depth)? {
                let at = (m.system.clone(), m.version.clone());
                if inc.version.is_some() {
                    named.insert(at);
                } else {
                    defaulted.insert(at);
                }
                if seen.insert((m.system.clone(), m.version.clone(), m.code.clone())) {
                    out.push(m);
                }
            }
        }
        let defaulted: HashSet<(String, Option<String>)> =
            defaulted.difference(&named).cloned().collect();
        if versions_match {
            self.versions_match = true;
            out = latest_version_each(out);
        }
        if !compose.exclude.is_empty() {
            // An exclusion by rule (a whole version, a filter) removes the code in every
            // version, unless the value set says versions must not be matched (`versionsMatch`
            // false); listed codes of a named version are removed from that version only.
            let by_version =
                compose.expansion_parameter("versionsMatch").as_deref() == Some("false");
            let mut excluded = HashSet::new();
            for exc in &compose.exclude {
                let scoped = by_version || (!exc.concept.is_empty() && exc.version.is_some());
                if !scoped {
                    self.versions_match = true;
                }
                for m in self.item_members(exc, vs, depth)? {
                    let version = scoped.then(|| m.version.clone()).flatten();
                    excluded.insert((m.system, version, m.code));
                }
            }
            out.retain(|m| {
                !excluded.contains(&(m.system.clone(), None, m.code.clone()))
                    && !excluded.contains(&(m.system.clone(), m.version.clone(), m.code.clone()))
            });
        }
        Ok(newest_version_first(out, &defaulted))
    }

    /// The codes one include (or exclude) item selects.
    fn item_members(
        &mut self,
        item: &ComposeItem,
        parent: &ValueSet,
        depth: usize,
    ) -> Result<Vec<Member>> {
        let mut from_value_sets: Option<HashSet<(String, String)>> = None;
        let mut value_set_members = Vec::new();
        for url in &item.value_set {
            let vs = valueset::resolve_within(self.t, self.ctx, parent, url).map_err(|e| {
                // Pinned to a version not held: tx.fhir.org's import wording, not the plain
                // unknown value set (the suite's default-valueset-version tests).
                let (bare, pinned) = uri::split_canonical(url);
                let pinned =
                    pinned.or_else(|| resolve::version_param(&self.ctx.value_set_versions, bare));
                match (e, pinned) {
                    (Error::NotFound(_), Some(v)) => Error::Issue {
                        code: "not-found",
                        tx_code: "not-found",
                        message_id: messages::id::IMPORT_UNKNOWN_PINNED,
                        message: messages::import_unknown_pinned(bare, v),
                    },
                    (e, _) => e,
                }
            })?;
            // A contained value set is part of this one, not a value set it uses.
            let contained = parent.contained_value_set(url).is_some();
            if let ValueSetDef::Resource(v) = &vs
                && !contained
                && !self
                    .used_value_sets
                    .iter()
                    .any(|u| u.canonical() == v.canonical())
            {
                self.used_value_sets.push(ValueSet {
                    compose: None,
                    expansion: None,
                    contained: Vec::new(),
                    ..(**v).clone()
                });
            }
            let members = self.members(&vs, depth + 1)?;
            let keys: HashSet<(String, String)> = members
                .iter()
                .map(|m| (m.system.clone(), m.code.clone()))
                .collect();
            from_value_sets = Some(match from_value_sets {
                None => keys,
                Some(acc) => acc.intersection(&keys).cloned().collect(),
            });
            if value_set_members.is_empty() {
                value_set_members = members;
            }
        }
        let Some(system) = item.system.as_deref() else {
            // Only value sets: their intersection, in the first one's order.
            let keep = from_value_sets.unwrap_or_default();
            return Ok(value_set_members
                .into_iter()
                .filter(|m| keep.contains(&(m.system.clone(), m.code.clone())))
                .collect());
        };
        let version = item.version.clone();
        // A SNOMED CT rule admits post-coordinated expressions too (unless it says
        // `expressions = false`), and those cannot be listed: the expansion is unclosed.
        let no_expressions = item
            .filter
            .iter()
            .any(|f| f.property == valueset::EXPRESSIONS_FILTER && f.value != "true");
        if system == uri::SNOMED && item.concept.is_empty() && !no_expressions {
            self.mark_unclosed(system, item.filter.is_empty());
        }
        let (t, ctx) = (self.t, self.ctx);
        let deadline = self.deadline;
        let mut rendered = Vec::new();
        let src = self.source(system, version.as_deref())?;
        let mut codes: Vec<String> = if !item.concept.is_empty() {
            let mut v = Vec::new();
            for c in &item.concept {
                if src.meta().family == Family::Snomed && super::expression::is_expression(&c.code)
                {
                    // A listed expression is a member when it is valid, shown with its terms.
                    let dialect =
                        super::language::Dialect::new(src, &ctx.languages, &t.default_language)?;
                    if let Ok(checked) = super::expression::check(src, &dialect, &c.code)? {
                        rendered.push((c.code.clone(), checked.display));
                        v.push(c.code.clone());
                    }
                } else if src.concept(&c.code)?.is_some() {
                    v.push(c.code.clone());
                }
            }
            v
        } else {
            // Narrow with the first filter the index can answer, then test the rest per code.
            let mut narrowed: Option<Vec<String>> = None;
            for f in &item.filter {
                if let Some(v) = index_filter(t, src, f, deadline)? {
                    narrowed = Some(v);
                    break;
                }
            }
            match narrowed {
                Some(v) => v,
                None => src.codes()?,
            }
        };
        if !item.filter.is_empty() {
            let mut kept = Vec::with_capacity(codes.len());
            for (n, code) in codes.into_iter().enumerate() {
                if n.is_multiple_of(2048) {
                    within_budget(t, deadline)?;
                }
                let mut all = true;
                for f in &item.filter {
                    if !valueset::filter_holds(t, src, f, &code)? {
                        all = false;
                        break;
                    }
                }
                if all {
                    kept.push(code);
                }
            }
            codes = kept;
        }
        let resolved_version = Some(src.meta().version.clone());
        let mut out: Vec<Member> = codes
            .into_iter()
            .map(|code| Member {
                system: system.to_string(),
                version: resolved_version.clone(),
                code,
            })
            .collect();
        for c in &item.concept {
            self.remember_display(system, c);
        }
        for (code, display) in rendered {
            self.displays.insert((system.to_string(), code), display);
        }
        if let Some(keep) = from_value_sets {
            out.retain(|m| keep.contains(&(m.system.clone(), m.code.clone())));
        }
        Ok(out)
    }

    fn mark_unclosed(&mut self, system: &str, whole: bool) {
        let e = self.unclosed.entry(system.to_string()).or_insert(false);
        *e |= whole;
    }

    fn remember_display(&mut self, system: &str, c: &ComposeConcept) {
        if let Some(d) = &c.display {
            self.displays
                .insert((system.to_string(), c.code.clone()), d.clone());
        }
        // What the value set says of a listed concept overrides the code system: its place
        // (`valueset-conceptOrder`), label and weight become properties of the code.
        const SD: &str = "http://hl7.org/fhir/StructureDefinition/";
        let mut props = Vec::new();
        for e in &c.extension {
            let prop = match e.url.strip_prefix(SD) {
                Some("valueset-conceptOrder") => e
                    .value_integer
                    .map(|i| ("order", i.to_string(), "valueDecimal")),
                Some("valueset-label") => {
                    e.value_string.clone().map(|s| ("label", s, "valueString"))
                }
                Some("itemWeight") => e
                    .value_decimal
                    .map(|d| ("weight", d.to_string(), "valueDecimal"))
                    .or_else(|| {
                        e.value_integer
                            .map(|i| ("weight", i.to_string(), "valueDecimal"))
                    }),
                _ => None,
            };
            if let Some((code, value, key)) = prop {
                props.push((code.to_string(), value, key.to_string()));
            }
        }
        let designations: Vec<ItemDesignation> =
            c.designation
                .iter()
                .map(|d| ItemDesignation {
                    language: d.language.clone(),
                    use_: d.use_.as_ref().and_then(|u| {
                        Some((u.system.clone()?, u.code.clone()?, u.display.clone()))
                    }),
                    value: d.value.clone(),
                    extensions: d
                        .extension
                        .iter()
                        .filter(|e| {
                            e.url == "http://hl7.org/fhir/StructureDefinition/coding-sctdescid"
                                || e.url == crate::model::STANDARDS_STATUS
                        })
                        .filter_map(typed)
                        .collect(),
                })
                .collect();
        // A deprecation mark or an alternative definition on the listed concept goes with it
        // into the expansion.
        let marks: Vec<Typed> = c
            .extension
            .iter()
            .filter(|e| {
                e.url == "http://hl7.org/fhir/StructureDefinition/valueset-deprecated"
                    || e.url
                        == "http://hl7.org/fhir/StructureDefinition/valueset-concept-definition"
                    || e.url == crate::model::STANDARDS_STATUS
            })
            .filter_map(typed)
            .collect();
        if !(marks.is_empty() && props.is_empty() && designations.is_empty()) {
            self.listed.insert(
                (system.to_string(), c.code.clone()),
                Listed {
                    marks,
                    properties: props,
                    designations,
                },
            );
        }
    }

    fn item(&mut self, m: &Member, req: &ExpandRequest) -> Result<Item> {
        let listed = self
            .displays
            .get(&(m.system.clone(), m.code.clone()))
            .cloned();
        let languages = self.ctx.languages.clone();
        let default_language = self.t.default_language.clone();
        let exclusive = self.ctx.languages_exclusive;
        let Listed {
            mut marks,
            properties: listed_properties,
            designations: listed_designations,
        } = self
            .listed
            .get(&(m.system.clone(), m.code.clone()))
            .cloned()
            .unwrap_or_default();
        let src = self.source(&m.system, m.version.as_deref())?;
        let concept = src.concept(&m.code)?;
        let designations = src.designations(&m.code)?;
        let mut display = match &concept {
            Some(c) if listed.is_none() || !languages.is_empty() => {
                language::display(src, c, &designations, &languages, &default_language)?
            }
            _ => listed.clone(),
        }
        .or(listed);
        // Only the requested languages will do (`*; q=0`): the code system's own display,
        // in another language, is not shown as the display.
        if exclusive
            && let Some(c) = &concept
            && display.is_some()
            && display == c.display
            && !src
                .meta()
                .language
                .as_deref()
                .is_some_and(|l| language::in_any(l, &languages))
            && !designations.iter().any(|d| {
                d.active
                    && Some(&*d.term) == display.as_deref()
                    && d.language
                        .as_deref()
                        .is_some_and(|l| language::in_any(l, &languages))
            })
        {
            display = None;
        }
        let mut item = Item {
            system: m.system.clone(),
            version: src.meta().version.clone(),
            code: m.code.clone(),
            display,
            inactive: concept.as_ref().is_some_and(|c| !c.active),
            abstract_: src.is_abstract(&m.code)?,
            designations: vec![],
            properties: vec![],
            children: vec![],
            marks: vec![],
            show_version: false,
        };
        if req.include_designations {
            let family = src.meta().family;
            // A display taken from a designation in another language: the code system's own
            // display becomes a designation (preferred for its language), and the designation
            // now shown as the display is not repeated.
            let translated = concept
                .as_ref()
                .and_then(|c| c.display.as_deref())
                .filter(|own| item.display.as_deref() != Some(*own));
            if let Some(own) = translated {
                item.designations.push(ItemDesignation {
                    language: src.meta().language.clone(),
                    use_: Some((
                        "http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra".into(),
                        "preferredForLanguage".into(),
                        Some("Preferred For Language".into()),
                    )),
                    value: own.to_string(),
                    extensions: vec![],
                });
            }
            // SNOMED CT: the fully specified name, then the terms preferred in a language
            // refset (acceptable synonyms are for search, not for an expansion's labels).
            let snomed = family == Family::Snomed;
            // A retired FHIR designation is still listed: its standards-status extension says
            // what it is, and a reader may still meet the term.
            let mut listed: Vec<&crate::model::DesignationView<'_>> = designations
                .iter()
                .filter(|d| d.active || !snomed)
                .filter(|d| {
                    !snomed
                        || d.acceptability
                            .iter()
                            .any(|(_, a)| a == crate::model::sct::PREFERRED)
                })
                .collect();
            if snomed {
                listed.sort_by_key(|d| d.use_code.as_deref() != Some(crate::model::sct::FSN));
            }
            for d in listed {
                if translated.is_some() && item.display.as_deref() == Some(&*d.term) {
                    continue;
                }
                let use_ = d.use_code.as_deref().map(|u| {
                    let c = super::lookup::use_coding(family, std::borrow::Cow::Borrowed(u));
                    (
                        c.system.to_string(),
                        c.code.to_string(),
                        c.display.map(str::to_string),
                    )
                });
                let wanted = req.designations.is_empty()
                    || req.designations.iter().any(|w| {
                        // A language as a token of BCP 47 (`urn:ietf:bcp:47|es`) or bare.
                        let lang = w.strip_prefix("urn:ietf:bcp:47|").unwrap_or(w);
                        d.language.as_deref() == Some(lang)
                            || use_
                                .as_ref()
                                .is_some_and(|(s, c, _)| w == &format!("{s}|{c}") || w == c)
                    });
                if wanted {
                    item.designations.push(ItemDesignation {
                        language: d.language.as_deref().map(str::to_string),
                        use_,
                        value: d.term.to_string(),
                        extensions: d.extensions.to_vec(),
                    });
                }
            }
            // The value set's own designations of a listed code come after the code system's.
            for d in listed_designations {
                if !item
                    .designations
                    .iter()
                    .any(|x| x.value == d.value && x.language == d.language)
                {
                    item.designations.push(d);
                }
            }
        }
        // Read once: the status and the concept extensions below both come from them.
        let own_properties = src.properties(&m.code)?;
        if !req.properties.iter().any(|p| p == "status") {
            // An inactive code says so with its status (the code system's own status
            // property when it has one, e.g. `retired`); so does an active one whose status is
            // not plain active (`deprecated`: usable, discouraged).
            let own = own_properties
                .iter()
                .find(|p| p.name == "status")
                .map(|p| p.value.clone())
                .filter(|s| s != "active");
            let status = match (item.inactive, own) {
                (_, Some(s)) => Some(s),
                (true, None) => Some("inactive".to_string()),
                (false, None) => None,
            };
            if let Some(status) = status {
                item.properties
                    .push(("status".into(), status, "valueCode".into()));
            }
        }
        // Concept extensions: label, order and weight as properties (the value set's first),
        // rendering hints as extensions of the code (what a form renders a choice with).
        for p in listed_properties {
            if !item.properties.iter().any(|(c, _, _)| *c == p.0) {
                item.properties.push(p);
            }
        }
        for p in own_properties {
            let Some(kind) = p.kind.strip_prefix(crate::model::EXTENSION_KIND) else {
                continue;
            };
            match kind {
                "echo" => {
                    if !marks.iter().any(|(u, _, _)| *u == p.name) {
                        marks.push((p.name, "valueString".into(), p.value));
                    }
                }
                _ => {
                    let key = if kind == "decimal" {
                        "valueDecimal"
                    } else {
                        "valueString"
                    };
                    if !item.properties.iter().any(|(c, _, _)| *c == p.name) {
                        item.properties.push((p.name, p.value, key.into()));
                    }
                }
            }
        }
        item.marks = marks;
        for p in &req.properties {
            match p.as_str() {
                "inactive" => item.properties.push((
                    p.clone(),
                    item.inactive.to_string(),
                    "valueBoolean".into(),
                )),
                "parent" => {
                    for parent in src.parents(&m.code)? {
                        item.properties
                            .push((p.clone(), parent, "valueCode".into()));
                    }
                }
                name => {
                    for prop in src.properties(&m.code)? {
                        if prop.name == name {
                            let kind = match prop.kind.as_str() {
                                "code" => "valueCode",
                                "boolean" => "valueBoolean",
                                "integer" => "valueInteger",
                                "decimal" => "valueDecimal",
                                "dateTime" => "valueDateTime",
                                _ => "valueString",
                            };
                            item.properties.push((p.clone(), prop.value, kind.into()));
                        }
                    }
                }
            }
        }
        Ok(item)
    }
}

/// `too-costly` once the expansion's time budget is spent.
fn within_budget(t: &Terminology, deadline: Instant) -> Result<()> {
    if Instant::now() > deadline {
        return Err(Error::TooCostly(format!(
            "the expansion ran out of its {} s time budget; narrow it with 'filter' or a smaller value set",
            t.limits.budget.as_secs_f64()
        )));
    }
    Ok(())
}

/// `code` and every descendant, `code` first.
fn self_and_descendants(src: &dyn Source, code: &str) -> Result<Vec<String>> {
    if src.concept(code)?.is_none() {
        return Ok(vec![]);
    }
    let mut v = vec![code.to_string()];
    v.extend(src.descendants(code)?);
    Ok(v)
}

/// The codes an ECL expression selects, in index order.
fn ecl_codes(
    t: &Terminology,
    src: &dyn Source,
    text: &str,
    param: &str,
    deadline: Instant,
) -> Result<Vec<String>> {
    let (set, index) = super::ecl::evaluate(t, src, text, param, Some(deadline))?;
    Ok(set.iter().map(|i| index.code_at(i).to_string()).collect())
}

/// What a compose says of a concept it lists, beyond its display.
#[derive(Debug, Clone, Default)]
struct Listed {
    /// Extensions carried to the expanded code: deprecation, standards status, an alternative
    /// definition.
    marks: Vec<Typed>,
    /// Properties that take the place of the code system's (order, label, weight).
    properties: Vec<Typed>,
    /// The value set's own designations of the code.
    designations: Vec<ItemDesignation>,
}

/// An extension as a typed value carried into the expansion: (url, value element, value).
fn typed(e: &crate::model::value_set::Extension) -> Option<Typed> {
    let (key, value) = e.typed_value()?;
    Some((e.url.clone(), key.to_string(), value))
}

/// One member per code: the one of the latest version (versions compared as
/// [`resolve::version_key`] orders them), in the place the code first appeared.
fn latest_version_each(members: Vec<Member>) -> Vec<Member> {
    let mut best: HashMap<(String, String), Member> = HashMap::new();
    let mut order = Vec::new();
    for m in members {
        let key = (m.system.clone(), m.code.clone());
        match best.get(&key) {
            None => {
                order.push(key.clone());
                best.insert(key, m);
            }
            Some(b) if version_newer(&m.version, &b.version) => {
                best.insert(key, m);
            }
            Some(_) => {}
        }
    }
    order.into_iter().filter_map(|k| best.remove(&k)).collect()
}

/// True when version `a` is later than `b`.
fn version_newer(a: &Option<String>, b: &Option<String>) -> bool {
    let key = |v: &Option<String>| v.as_deref().map(resolve::version_key);
    key(a) > key(b)
}

/// The same code from several versions of a system, listed newest version first (where the
/// code first appears), versions the value set names before a version reached only by an
/// include that names none (`defaulted`: tx.fhir.org lists them so, terminology-ecosystem test
/// `overload/expand-mixed`, while two named versions come newest first, `overload/expand-all`);
/// every other member keeps its place.
fn newest_version_first(
    mut members: Vec<Member>,
    defaulted: &HashSet<(String, Option<String>)>,
) -> Vec<Member> {
    let mut at: HashMap<(String, String), Vec<usize>> = HashMap::new();
    for (i, m) in members.iter().enumerate() {
        at.entry((m.system.clone(), m.code.clone()))
            .or_default()
            .push(i);
    }
    for places in at.values().filter(|p| p.len() > 1) {
        let mut group: Vec<Member> = places.iter().map(|&i| members[i].clone()).collect();
        group.sort_by_cached_key(|m| {
            let reached_by_default = defaulted.contains(&(m.system.clone(), m.version.clone()));
            let version = m.version.as_deref().map(resolve::version_key);
            (reached_by_default, std::cmp::Reverse(version))
        });
        for (&i, m) in places.iter().zip(group) {
            members[i] = m;
        }
    }
    members
}

/// The codes a filter selects when the index can list them directly (hierarchy filters, ECL,
/// SNOMED CT refsets); `None` when the filter has to be tested code by code.
fn index_filter(
    t: &Terminology,
    src: &dyn Source,
    f: &crate::model::value_set::ComposeFilter,
    deadline: Instant,
) -> Result<Option<Vec<String>>> {
    let (property, op, value) = (f.property.as_str(), f.operator(), f.value.as_str());
    Ok(match (property, op) {
        ("concept" | "code", "is-a") => Some(self_and_descendants(src, value)?),
        ("concept" | "code", "descendent-of") => Some(src.descendants(value)?),
        ("concept" | "code", "child-of") => Some(src.children(value)?),
        ("concept" | "code", "=") => Some(
            src.concept(value)?
                .map(|_| vec![value.to_string()])
                .unwrap_or_default(),
        ),
        ("concept", "in") if src.meta().family == Family::Snomed => match src.store_id() {
            Some(cs) => {
                let mut v = Vec::new();
                for r in value.split(',') {
                    v.extend(t.with_store(|s| Ok(s.refset_members(cs, r.trim())?))?);
                }
                Some(v)
            }
            None => Some(vec![]),
        },
        // ECL inside a value set: the finding names the expression, not a request parameter.
        ("constraint" | "expression", "=") => Some(ecl_codes(t, src, value, "", deadline)?),
        _ => None,
    })
}

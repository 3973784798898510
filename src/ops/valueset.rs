//! Value set membership for `$validate-code`: stored ValueSets, request-supplied ones
//! (`tx-resource`) and SNOMED CT implicit value sets (`http://snomed.info/sct?fhir_vs`,
//! `?fhir_vs=isa/X`, `?fhir_vs=refset/X`). Compose is evaluated per code, never by expanding:
//! an include matches when its system matches and its concept list, every filter and every
//! referenced value set hold; any matching exclude removes the code.
//!
//! Filters: `is-a`, `descendent-of`, `is-not-a`, `=`, `in`, `regex`, `exists` on the concept
//! (`concept`/`code`) or on a concept property; SNOMED CT `concept in <refset>`. ECL
//! (`constraint`/`expression`) is reported as not supported, naming the filter.

use super::engine::{RequestContext, Terminology};
use super::source::Source;
use super::{Error, Result, resolve};
use crate::model::expression::{self, Expression};
use crate::model::uri;
use crate::model::value_set::{Compose, ComposeFilter, ComposeItem, ValueSet};

/// A value set ready for membership checks.
#[derive(Debug, Clone)]
pub enum ValueSetDef {
    /// A ValueSet resource (stored or supplied).
    Resource(Box<ValueSet>),
    /// A SNOMED CT implicit value set.
    Snomed {
        /// Canonical URL as given.
        url: String,
        /// Edition/version the URL names, if any.
        version: Option<String>,
        /// What it selects.
        kind: SnomedImplicit,
    },
}

/// SNOMED CT implicit value set kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum SnomedImplicit {
    /// Every concept.
    All,
    /// `isa/X`: X and its descendants.
    IsA(String),
    /// `refset/X`: members of X.
    Refset(String),
    /// `ecl/…`: the concepts an expression constraint selects.
    Ecl(String),
}

impl ValueSetDef {
    /// True when the value set leaves inactive codes out (`compose.inactive` false).
    pub fn excludes_inactive(&self) -> bool {
        match self {
            ValueSetDef::Resource(vs) => {
                vs.compose.as_ref().and_then(|c| c.inactive) == Some(false)
            }
            ValueSetDef::Snomed { .. } => false,
        }
    }

    /// The value set's url (`(unidentified)` for one sent without).
    pub fn url(&self) -> String {
        match self {
            ValueSetDef::Resource(v) => v.url.clone().unwrap_or_else(|| "(unidentified)".into()),
            ValueSetDef::Snomed { url, .. } => url.clone(),
        }
    }

    /// `url|version` of the value set.
    pub fn canonical(&self) -> String {
        match self {
            ValueSetDef::Resource(v) => v.canonical(),
            ValueSetDef::Snomed { url, .. } => url.clone(),
        }
    }

    /// The version each include of `system` names, in order (`None`: a versionless include);
    /// with `code`, only the includes that can hold it (listing it, or listing no codes).
    pub fn include_versions(&self, system: &str, code: Option<&str>) -> Vec<Option<String>> {
        match self {
            ValueSetDef::Resource(v) => v
                .compose
                .iter()
                .flat_map(|c| &c.include)
                .filter(|i| i.system.as_deref() == Some(system))
                .filter(|i| {
                    code.is_none_or(|code| {
                        i.concept.is_empty() || i.concept.iter().any(|c| c.code == code)
                    })
                })
                .map(|i| i.version.clone())
                .collect(),
            ValueSetDef::Snomed { .. } => Vec::new(),
        }
    }

    /// The code systems its includes name, each once, in order.
    pub fn systems(&self) -> Vec<String> {
        match self {
            ValueSetDef::Snomed { .. } => vec![uri::SNOMED.into()],
            ValueSetDef::Resource(v) => {
                let mut systems: Vec<String> = Vec::new();
                for s in v
                    .compose
                    .iter()
                    .flat_map(|c| &c.include)
                    .filter_map(|i| i.system.as_deref())
                {
                    if !systems.iter().any(|x| x == s) {
                        systems.push(s.to_string());
                    }
                }
                systems
            }
        }
    }
}

/// Refuses a value set whose compose cannot be evaluated (today: a filter without a value),
/// naming the element, before any code is tested against it.
pub fn check(vs: ValueSet) -> Result<ValueSet> {
    if let Some(c) = &vs.compose {
        for (kind, items) in [("include", &c.include), ("exclude", &c.exclude)] {
            for (i, item) in items.iter().enumerate() {
                for (j, f) in item.filter.iter().enumerate() {
                    if f.value.is_empty() {
                        return Err(Error::InvalidValueSet {
                            element: format!("ValueSet.compose.{kind}[{i}].filter[{j}]"),
                            message: format!(
                                "The system {} filter with property = {}, op = {} has no value",
                                item.system.as_deref().unwrap_or("(none)"),
                                f.property,
                                f.operator()
                            ),
                        });
                    }
                }
            }
        }
    }
    Ok(vs)
}

/// A value set a compose names: one `parent` contains (`#id`), else by canonical URL.
pub fn resolve_within(
    t: &Terminology,
    ctx: &RequestContext,
    parent: &ValueSet,
    reference: &str,
) -> Result<ValueSetDef> {
    match parent.contained_value_set(reference) {
        Some(vs) => Ok(ValueSetDef::Resource(Box::new(check(vs.clone())?))),
        None => resolve_value_set(t, ctx, reference, None),
    }
}

/// Finds a value set by canonical URL (optionally `url|version`).
pub fn resolve_value_set(
    t: &Terminology,
    ctx: &RequestContext,
    url: &str,
    version: Option<&str>,
) -> Result<ValueSetDef> {
    let (url, version) = match uri::split_canonical(url) {
        (u, Some(v)) => (u, Some(v)),
        (u, None) => (u, version),
    };
    if let Some(def) = implicit(url)? {
        check_implicit(t, ctx, &def, url)?;
        return Ok(def);
    }
    if let Some(vs) = implicit_other(t, ctx, url) {
        return Ok(ValueSetDef::Resource(Box::new(vs)));
    }
    // A reference without a version takes the request's `default-valueset-version` for it.
    let version = version.or_else(|| super::resolve::version_param(&ctx.value_set_versions, url));
    let matches = |v: &ValueSet| {
        v.url.as_deref() == Some(url) && version.is_none_or(|ver| v.version.as_deref() == Some(ver))
    };
    // Of several supplied versions and none named: the latest.
    if let Some(v) = ctx
        .value_sets
        .iter()
        .filter(|v| matches(v))
        .max_by_key(|v| super::resolve::version_key(v.version.as_deref().unwrap_or_default()))
    {
        return Ok(ValueSetDef::Resource(Box::new(check(v.clone())?)));
    }
    match t.stored_value_set(url, version)? {
        Some(vs) => Ok(ValueSetDef::Resource(Box::new(check((*vs).clone())?))),
        None => Err(Error::NotFound(match version {
            Some(v) => format!("A definition for the value Set '{url}|{v}' could not be found"),
            None => format!("A definition for the value Set '{url}' could not be found"),
        })),
    }
}

fn implicit(url: &str) -> Result<Option<ValueSetDef>> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok(None);
    };
    if !(base == uri::SNOMED || base.starts_with("http://snomed.info/sct/")) {
        return Ok(None);
    }
    let version = (base != uri::SNOMED).then(|| base.to_string());
    let kind = match query {
        "fhir_vs" => SnomedImplicit::All,
        q => match q.strip_prefix("fhir_vs=") {
            Some(rest) if rest.starts_with("isa/") => SnomedImplicit::IsA(rest[4..].to_string()),
            Some(rest) if rest.starts_with("refset/") => {
                SnomedImplicit::Refset(rest[7..].to_string())
            }
            Some(rest) if rest.starts_with("ecl/") => {
                SnomedImplicit::Ecl(percent_decode(&rest[4..]))
            }
            _ => {
                return Err(Error::NotSupported(format!(
                    "'{url}' is not a SNOMED CT implicit value set form this server knows (fhir_vs, fhir_vs=isa/X, fhir_vs=refset/X, fhir_vs=ecl/…)"
                )));
            }
        },
    };
    Ok(Some(ValueSetDef::Snomed {
        url: url.to_string(),
        version,
        kind,
    }))
}

/// An implicit value set whose root concept or reference set the edition lacks is not a
/// value set at all (rather than an empty one).
fn check_implicit(
    t: &Terminology,
    ctx: &RequestContext,
    def: &ValueSetDef,
    url: &str,
) -> Result<()> {
    let ValueSetDef::Snomed { version, kind, .. } = def else {
        return Ok(());
    };
    let Ok(src) = resolve::code_system(t, ctx, uri::SNOMED, version.as_deref()) else {
        return Ok(());
    };
    let exists = match kind {
        SnomedImplicit::IsA(root) => src.concept(root)?.is_some(),
        SnomedImplicit::Refset(refset) => match src.store_id() {
            Some(cs) => t.with_store(|s| Ok(s.refset_exists(cs, refset)?))?,
            None => true,
        },
        SnomedImplicit::All | SnomedImplicit::Ecl(_) => true,
    };
    if exists {
        Ok(())
    } else {
        Err(Error::NotFound(format!(
            "A definition for the value Set '{url}' could not be found"
        )))
    }
}

/// The `?fhir_vs` forms for any other loaded code system (the SNOMED CT convention, which
/// coders and pages try on ICD-10 too): `{system}?fhir_vs` is every code, `?fhir_vs=isa/X` is X
/// and its descendants; written as the compose they stand for.
fn implicit_other(t: &Terminology, ctx: &RequestContext, url: &str) -> Option<ValueSet> {
    let (base, query) = url.split_once('?')?;
    let loaded =
        t.versions_of(base).next().is_some() || ctx.code_systems.iter().any(|c| c.meta.url == base);
    if !loaded {
        return None;
    }
    let filter = match query {
        "fhir_vs" => Vec::new(),
        q => vec![ComposeFilter {
            property: "concept".into(),
            op: "is-a".into(),
            value: q.strip_prefix("fhir_vs=isa/")?.to_string(),
            ..Default::default()
        }],
    };
    Some(ValueSet {
        url: Some(url.to_string()),
        compose: Some(Compose {
            include: vec![ComposeItem {
                system: Some(base.to_string()),
                filter,
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    })
}

/// Fails when a supplement the request or the value set requires (`useSupplement`, the
/// `valueset-supplement` extension; `url` or `url|version`) is not known: answering without it
/// would silently drop the designations or properties it was asked for.
pub fn require_supplements(
    t: &Terminology,
    ctx: &RequestContext,
    vs: Option<&ValueSetDef>,
) -> Result<()> {
    let from_vs = match vs {
        Some(ValueSetDef::Resource(v)) => v.supplements(),
        _ => Vec::new(),
    };
    for wanted in ctx.use_supplements.iter().chain(&from_vs) {
        let found = ctx
            .code_systems
            .iter()
            .any(|c| uri::canonical_matches(wanted, &c.meta.url, &c.meta.version))
            || t.catalog()
                .iter()
                .any(|c| uri::canonical_matches(wanted, &c.url, &c.version));
        if !found {
            return Err(Error::NotFound(super::messages::supplement_missing(wanted)));
        }
    }
    Ok(())
}

/// The value set and every value set its compose includes or excludes, each once (those that
/// cannot be resolved are left out: membership reports them). A value set that reaches itself
/// again has no definite content: refused, naming the pathway.
pub fn reached_value_sets(
    t: &Terminology,
    ctx: &RequestContext,
    vs: &ValueSetDef,
) -> Result<Vec<ValueSet>> {
    // A value set is known by its canonical, a contained one by its id.
    fn key(vs: &ValueSet) -> String {
        match (&vs.url, &vs.id) {
            (None, Some(id)) => format!("#{id}"),
            _ => vs.canonical(),
        }
    }
    fn walk(
        t: &Terminology,
        ctx: &RequestContext,
        vs: &ValueSet,
        path: &mut Vec<String>,
        out: &mut Vec<ValueSet>,
    ) -> Result<()> {
        if path.len() > 32 {
            return Ok(());
        }
        if !out.iter().any(|u| key(u) == key(vs)) {
            out.push(vs.clone());
        }
        path.push(key(vs));
        for item in vs
            .compose
            .iter()
            .flat_map(|c| c.include.iter().chain(&c.exclude))
        {
            for url in &item.value_set {
                let Ok(ValueSetDef::Resource(inner)) = resolve_within(t, ctx, vs, url) else {
                    // Registered nowhere, yet naming a value set on its own pathway (the
                    // request's own `valueSet` has no registered URL): circular all the same.
                    if let Some(hit) = path
                        .iter()
                        .find(|k| *k == url || k.split('|').next() == Some(url.as_str()))
                    {
                        return Err(Error::CircularValueSet(
                            super::messages::circular_value_set(hit, path),
                        ));
                    }
                    continue;
                };
                if path.contains(&key(&inner)) {
                    return Err(Error::CircularValueSet(
                        super::messages::circular_value_set(&inner.canonical(), path),
                    ));
                }
                walk(t, ctx, &inner, path, out)?;
            }
        }
        path.pop();
        Ok(())
    }
    let mut out = Vec::new();
    if let ValueSetDef::Resource(v) = vs {
        walk(t, ctx, v, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}

/// True when the value set lists `system|code` with a deprecation mark.
pub fn marks_deprecated(vs: &ValueSetDef, system: &str, code: &str) -> bool {
    let ValueSetDef::Resource(v) = vs else {
        return false;
    };
    v.compose.iter().flat_map(|c| &c.include).any(|i| {
        i.system.as_deref() == Some(system)
            && i.concept.iter().any(|c| c.code == code && c.deprecated())
    })
}

/// True when `system|code` is in the value set.
pub fn contains(
    t: &Terminology,
    ctx: &RequestContext,
    vs: &ValueSetDef,
    system: &str,
    version: Option<&str>,
    code: &str,
    depth: usize,
) -> Result<bool> {
    if depth > 16 {
        return Err(Error::NotSupported(
            "value set includes nest more than 16 levels (circular?)".into(),
        ));
    }
    match vs {
        ValueSetDef::Snomed {
            version: vs_version,
            kind,
            ..
        } => {
            if system != uri::SNOMED {
                return Ok(false);
            }
            let src = resolve::code_system_unchecked(
                t,
                ctx,
                uri::SNOMED,
                vs_version.as_deref().or(version),
            )?;
            // An expression is in an implicit value set when one of its focus concepts is.
            if let Ok(e) = expression::parse(code)
                && expression::is_expression(code)
            {
                for focus in &e.body.focus {
                    if contains(t, ctx, vs, system, version, &focus.id, depth + 1)? {
                        return Ok(!matches!(kind, SnomedImplicit::Refset(_)));
                    }
                }
                return Ok(false);
            }
            if src.concept(code)?.is_none() {
                return Ok(false);
            }
            match kind {
                SnomedImplicit::All => Ok(true),
                SnomedImplicit::IsA(root) => src.subsumes(root, code),
                SnomedImplicit::Refset(refset) => match src.store_id() {
                    Some(cs) => t.with_store(|s| Ok(s.in_refset(cs, refset, code)?)),
                    None => Ok(false),
                },
                SnomedImplicit::Ecl(text) => in_ecl(t, src.as_ref(), text, "url", code),
            }
        }
        ValueSetDef::Resource(vs) => {
            let Some(compose) = &vs.compose else {
                // No compose: an expansion may still list the codes.
                return Ok(vs.expansion_codes().iter().any(|c| {
                    c.system.as_deref() == Some(system) && c.code.as_deref() == Some(code)
                }));
            };
            let mut included = false;
            for inc in &compose.include {
                if item_matches(t, ctx, vs, inc, system, version, code, depth)? {
                    included = true;
                    break;
                }
            }
            if !included {
                return Ok(false);
            }
            for exc in &compose.exclude {
                if item_matches(t, ctx, vs, exc, system, version, code, depth)? {
                    return Ok(false);
                }
            }
            if compose.inactive == Some(false) && !expression::is_expression(code) {
                // The value set leaves inactive codes out.
                let src = resolve::code_system_unchecked(t, ctx, system, version)?;
                return Ok(src.concept(code)?.is_some_and(|c| c.active));
            }
            Ok(true)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn item_matches(
    t: &Terminology,
    ctx: &RequestContext,
    parent: &ValueSet,
    item: &ComposeItem,
    system: &str,
    version: Option<&str>,
    code: &str,
    depth: usize,
) -> Result<bool> {
    for vs_url in &item.value_set {
        let vs = resolve_within(t, ctx, parent, vs_url)?;
        if !contains(t, ctx, &vs, system, version, code, depth + 1)? {
            return Ok(false);
        }
    }
    let Some(item_system) = item.system.as_deref() else {
        return Ok(!item.value_set.is_empty());
    };
    if item_system != system {
        return Ok(false);
    }
    // A SNOMED CT expression (already checked valid by the caller).
    let parsed = (system == uri::SNOMED && expression::is_expression(code))
        .then(|| expression::parse(code).ok())
        .flatten();
    if let Some(e) = &parsed {
        return expression_matches(t, ctx, item, version, e);
    }
    if !item.concept.is_empty() && !item.concept.iter().any(|c| c.code == code) {
        return Ok(false);
    }
    let item_version = item.version.as_deref().or(version);
    let src = resolve::code_system_unchecked(t, ctx, item_system, item_version)?;
    if src.concept(code)?.is_none() {
        return Ok(false);
    }
    for f in &item.filter {
        if !filter_holds(t, src.as_ref(), f, code)? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Whether a compose item admits a SNOMED CT expression. Listed concepts admit only the
/// expressions listed (compared without terms or white space); a rule admits an expression when
/// its focus concepts meet every filter — unless the item says `expressions = false`. A rule
/// with no filter (the whole code system) admits every valid expression.
fn expression_matches(
    t: &Terminology,
    ctx: &RequestContext,
    item: &ComposeItem,
    version: Option<&str>,
    e: &Expression,
) -> Result<bool> {
    if !item.concept.is_empty() {
        let canonical = e.canonical();
        return Ok(item.concept.iter().any(|c| {
            expression::parse(&c.code).is_ok_and(|listed| listed.canonical() == canonical)
        }));
    }
    let src = resolve::code_system(t, ctx, uri::SNOMED, item.version.as_deref().or(version))?;
    for f in &item.filter {
        if f.property == EXPRESSIONS_FILTER {
            if f.value != "true" {
                return Ok(false);
            }
            continue;
        }
        let mut any = false;
        for focus in &e.body.focus {
            any |= filter_holds(t, src.as_ref(), f, &focus.id)?;
        }
        if !any {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The SNOMED CT filter that says whether post-coordinated expressions are members of a rule's
/// value set (`expressions = true|false`; absent, they are).
pub const EXPRESSIONS_FILTER: &str = "expressions";

/// True when `code` of `src` meets one compose filter. The one place filters are decided, for
/// `$validate-code` and for `$expand` (which narrows with the index first where it can).
pub fn filter_holds(
    t: &Terminology,
    src: &dyn Source,
    f: &ComposeFilter,
    code: &str,
) -> Result<bool> {
    let (property, op, value) = (f.property.as_str(), f.operator(), f.value.as_str());
    Ok(match (property, op) {
        ("concept" | "code", "is-a") => src.subsumes(value, code)?,
        ("concept" | "code", "descendent-of") => value != code && src.subsumes(value, code)?,
        ("concept" | "code", "is-not-a") => !src.subsumes(value, code)?,
        ("concept" | "code", "generalizes") => src.subsumes(code, value)?,
        ("concept" | "code", "child-of") => src.parents(code)?.iter().any(|p| p == value),
        ("concept" | "code", "=") => value == code,
        ("concept", "in" | "not-in") if src.meta().family == crate::model::Family::Snomed => {
            let inside = match src.store_id() {
                Some(cs) => value
                    .split(',')
                    .map(|r| t.with_store(|s| Ok(s.in_refset(cs, r.trim(), code)?)))
                    .collect::<Result<Vec<bool>>>()?
                    .into_iter()
                    .any(|b| b),
                None => false,
            };
            inside == (op == "in")
        }
        ("concept" | "code", "in") => value.split(',').any(|v| v.trim() == code),
        ("concept" | "code", "not-in") => !value.split(',').any(|v| v.trim() == code),
        ("concept" | "code", "regex") => full_match(value, code)?,
        // Whether expressions are admitted says nothing about a plain concept.
        (EXPRESSIONS_FILTER, "=") if src.meta().family == crate::model::Family::Snomed => true,
        // ECL inside a value set: the finding names the expression, not a request parameter.
        ("constraint" | "expression", "=") => in_ecl(t, src, value, "", code)?,
        (_, "exists") => {
            let has = src.properties(code)?.iter().any(|p| p.name == property);
            has == (value == "true")
        }
        (_, "=" | "in" | "not-in" | "regex") => {
            let props = src.properties(code)?;
            let concept = src.concept(code)?;
            let mut values: Vec<String> = props
                .into_iter()
                .filter(|p| p.name == property)
                .map(|p| p.value)
                .collect();
            if property == "inactive" {
                values.push((!concept.map(|c| c.active).unwrap_or(true)).to_string());
            }
            match op {
                "=" => values.iter().any(|v| v == value),
                "in" => values
                    .iter()
                    .any(|v| value.split(',').any(|x| x.trim() == v)),
                "not-in" => !values
                    .iter()
                    .any(|v| value.split(',').any(|x| x.trim() == v)),
                _ => values
                    .iter()
                    .map(|v| full_match(value, v))
                    .collect::<Result<Vec<bool>>>()?
                    .into_iter()
                    .any(|b| b),
            }
        }
        _ => {
            return Err(Error::NotSupported(format!(
                "value set filter operator '{op}' on '{property}' is not supported"
            )));
        }
    })
}

/// True when `code` is in the set the ECL `text` selects over `src`.
fn in_ecl(t: &Terminology, src: &dyn Source, text: &str, param: &str, code: &str) -> Result<bool> {
    let (set, index) = super::ecl::evaluate(t, src, text, param, None)?;
    Ok(index.position(code).is_some_and(|p| set.contains(p)))
}

/// Undoes percent-encoding left in an implicit value set URL (`ecl/%3C%3C%2073211009`).
pub fn percent_decode(s: &str) -> String {
    form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_string())
}

fn full_match(pattern: &str, text: &str) -> Result<bool> {
    let re = regex::Regex::new(&format!("^(?:{pattern})$")).map_err(|e| {
        Error::invalid(
            "valueSet",
            format!("value set regex filter '{pattern}' is invalid: {e}"),
        )
    })?;
    Ok(re.is_match(text))
}

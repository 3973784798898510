//! `$lookup`: everything known about one code — display in the requested language,
//! designations, and properties. SNOMED CT adds parent/child, inactive, module, effectiveTime
//! and one property per attribute relationship (code = attribute id, `code-display` its name),
//! as FHIR validators expect them from tx.fhir.org; `property=*` (or each by name) adds what the
//! SNOMED CT FHIR guidance and Snowstorm also return: `moduleId`, `sufficientlyDefined`, role
//! groups as subproperties, designation use-context extensions and the normal forms. A
//! post-coordinated expression answers with its focus concept's properties refined by its own
//! attributes. ICD-10 adds kind and every rubric; FHIR CodeSystems return their declared
//! properties.

use super::engine::{RequestContext, Terminology};
use super::source::{Linked, Source};
use super::{Coding, Error, Result, language, resolve};
use crate::model::{Family, sct};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A `$lookup` request in domain terms.
#[derive(Debug, Clone, Default)]
pub struct LookupRequest {
    /// Code system URL.
    pub system: String,
    /// Version (SNOMED CT: edition/version URI).
    pub version: Option<String>,
    /// Code.
    pub code: String,
    /// Properties wanted (empty: all but the generated normal forms; `*`: all).
    pub properties: Vec<String>,
}

/// A property value. Text borrows from the code system version where it is held in memory.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// `valueCode`
    Code(Cow<'a, str>),
    /// `valueCoding`
    Coding(Coding),
    /// `valueString`
    String(Cow<'a, str>),
    /// `valueBoolean`
    Boolean(bool),
    /// `valueInteger`
    Integer(i64),
    /// `valueDecimal` (kept as text so no precision is lost)
    Decimal(String),
    /// `valueDateTime`
    DateTime(String),
}

/// One property of the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupProperty<'a> {
    /// Property code.
    pub code: Cow<'a, str>,
    /// Value.
    pub value: Value<'a>,
    /// Human description (e.g. the display of a coded value).
    pub description: Option<Cow<'a, str>>,
    /// The display of the property's code (a SNOMED CT attribute's name).
    pub code_display: Option<Cow<'a, str>>,
    /// Sub-properties (e.g. the role group of an attribute).
    pub sub: Vec<LookupProperty<'a>>,
}

/// The use of a designation as a coding (its system and display are fixed strings).
#[derive(Debug, Clone, PartialEq)]
pub struct UseCoding<'a> {
    /// Code system URL.
    pub system: Cow<'a, str>,
    /// Code.
    pub code: Cow<'a, str>,
    /// Display, when the code is a known SNOMED CT description type.
    pub display: Option<&'static str>,
}

/// One designation of the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupDesignation<'a> {
    /// Language.
    pub language: Option<Cow<'a, str>>,
    /// Use.
    pub use_: Option<UseCoding<'a>>,
    /// Term.
    pub value: Cow<'a, str>,
    /// SNOMED CT: acceptability per language refset, (refset id, acceptability id).
    pub acceptability: Cow<'a, [(String, String)]>,
    /// The supplement it comes from (`url|version`).
    pub source: Option<Cow<'a, str>>,
}

/// The `$lookup` answer.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupResult<'a> {
    /// The code looked up.
    pub code: String,
    /// Its code system.
    pub system: String,
    /// Supplements whose designations or properties the answer carries (`url|version`).
    pub used_supplements: Vec<String>,
    /// Code system name as `$lookup` answers it ([`name`]).
    pub name: String,
    /// The code system's title, for people (`SNOMED CT`).
    pub title: String,
    /// Code system version.
    pub version: String,
    /// Display in the chosen language.
    pub display: Option<String>,
    /// Designations.
    pub designations: Vec<LookupDesignation<'a>>,
    /// Properties.
    pub properties: Vec<LookupProperty<'a>>,
    /// What the caller should know about the answer (a display that had to fall back).
    pub notes: Vec<String>,
    /// The concept's definition (FHIR `concept.definition`), as `$lookup`'s own `definition`.
    pub definition: Option<String>,
    /// Not for use in data (ICD chapters and blocks, `notSelectable`).
    pub abstract_: bool,
}

fn prop<'a>(code: impl Into<Cow<'a, str>>, value: Value<'a>) -> LookupProperty<'a> {
    LookupProperty {
        code: code.into(),
        value,
        description: None,
        code_display: None,
        sub: vec![],
    }
}

/// Runs `$lookup` and hands the answer to `answer`. The answer borrows from the resolved code
/// system version (its in-memory index), which lives only for this call, so the caller
/// converts or prints it inside `answer` instead of receiving copies of every term.
pub fn lookup<R>(
    t: &Terminology,
    ctx: &RequestContext,
    req: &LookupRequest,
    answer: impl FnOnce(&LookupResult<'_>) -> R,
) -> Result<R> {
    super::valueset::require_supplements(t, ctx, None)?;
    let source = resolve::code_system(t, ctx, &req.system, req.version.as_deref())?;
    Ok(answer(&build(t, ctx, req, source.as_ref())?))
}

fn build<'s>(
    t: &Terminology,
    ctx: &RequestContext,
    req: &LookupRequest,
    source: &'s dyn Source,
) -> Result<LookupResult<'s>> {
    let meta = source.meta();
    if meta.content == "supplement" {
        return Err(Error::Invalid {
            param: "system".into(),
            message: super::messages::supplement_as_system(&meta.canonical(), "system"),
        });
    }
    if meta.family == Family::Snomed && super::expression::is_expression(&req.code) {
        return post_coordinated(t, ctx, req, source);
    }
    let Some(concept) = source.concept(&req.code)? else {
        let hint = resolve::dotted_icd(source, &req.code)?
            .map(|d| format!("; did you mean '{d}'? (ICD-10 codes are written with their dot)"))
            .unwrap_or_default();
        return Err(Error::NotFound(format!(
            "Unable to find code '{}' in {} version {}{hint}",
            req.code, meta.url, meta.version
        )));
    };
    let designations = source.designations(&req.code)?;
    let display = language::display(
        source,
        &concept,
        &designations,
        &ctx.languages,
        &t.default_language,
    )?;
    let mut notes = Vec::new();
    let display = Some(display.unwrap_or_else(|| {
        let (d, note) = language::fallback_display(&req.code, &designations);
        notes.push(note);
        d
    }));
    let all = req.properties.iter().any(|w| w == "*");
    let asked = |p: &str| all || req.properties.iter().any(|w| w == p);
    let wanted = |p: &str| req.properties.is_empty() || asked(p);
    let mut properties = Vec::new();
    let dialect = language::Dialect::new(source, &ctx.languages, &t.default_language)?;
    let linked = |up: bool| -> Result<Vec<Linked<'s>>> {
        source
            .linked(&req.code, up)?
            .into_iter()
            .map(|(c, d)| {
                let d = dialect.term(source, &c, d)?;
                Ok((c, d))
            })
            .collect()
    };
    let parents = linked(true)?;
    for (name, up) in [("parent", true), ("child", false)] {
        if wanted(name) {
            let linked = if up { parents.clone() } else { linked(false)? };
            for (c, d) in linked {
                properties.push(LookupProperty {
                    description: d,
                    ..prop(name, Value::Code(c))
                });
            }
        }
    }
    if wanted("inactive") {
        properties.push(prop("inactive", Value::Boolean(!concept.active)));
    }
    // A FHIR code system's display is a designation in the code system's language too (as
    // tx.fhir.org lists it, so a client reading designations alone sees every term).
    let own = (meta.family == Family::Fhir)
        .then(|| concept.display.clone())
        .flatten()
        .map(|d| LookupDesignation {
            language: meta.language.clone().map(Cow::Owned),
            use_: Some(preferred_for_language()),
            value: Cow::Owned(d),
            acceptability: Cow::Borrowed(&[]),
            source: None,
        });
    // Moved, not copied: the display above was the last reader.
    let out_designations = own
        .into_iter()
        .chain(
            designations
                .into_iter()
                .filter(|d| d.active)
                .map(|d| LookupDesignation {
                    use_: d.use_code.map(|u| use_coding(meta.family, u)),
                    language: d.language,
                    value: d.term,
                    // The use-context extensions they become are one of the `*` extras.
                    acceptability: if all {
                        d.acceptability
                    } else {
                        Cow::Borrowed(&[])
                    },
                    source: d.source,
                }),
        )
        .collect();
    let mut definition = None;
    match (meta.family, source.store_id()) {
        (Family::Snomed, Some(cs)) => {
            let wants = Wanted {
                listed: &wanted,
                asked: &asked,
                all,
            };
            let related = Related {
                parents: &parents,
                dialect: &dialect,
            };
            snomed_properties(t, source, cs, &concept, &related, &wants, &mut properties)?
        }
        _ => {
            for p in source.properties(&req.code)? {
                if p.name == "definition" {
                    definition = Some(p.value);
                    continue;
                }
                // Concept extensions (label, order, rendering hints) are for expansions.
                if matches!(p.name.as_str(), "parent" | "child" | "inactive")
                    || !wanted(&p.name)
                    || p.kind.starts_with(crate::model::EXTENSION_KIND)
                {
                    continue;
                }
                let value = typed(&p.kind, p.value);
                properties.push(prop(p.name, value));
            }
        }
    }
    let abstract_ = source.is_abstract(&concept.code)?;
    Ok(LookupResult {
        code: req.code.clone(),
        system: meta.url.clone(),
        used_supplements: source.supplements(),
        abstract_,
        name: name(meta),
        title: meta
            .title
            .clone()
            .or(meta.name.clone())
            .unwrap_or_else(|| meta.url.clone()),
        version: meta.version.clone(),
        display,
        designations: out_designations,
        properties,
        notes,
        definition,
    })
}

/// The code system's name as `$lookup` gives it: a FHIR code system by its computer name (as
/// tx.fhir.org answers), the classifications by their title, and SNOMED CT by edition and
/// version (`http://snomed.info/sct|{version URI}`), which tells editions apart where the
/// title cannot (as tx.fhir.org answers; tx-ecosystem `snomed/lookup`).
fn name(meta: &crate::model::CodeSystemVersion) -> String {
    match meta.family {
        Family::Snomed => format!("{}|{}", meta.url, meta.version),
        Family::Fhir => meta
            .name
            .clone()
            .or(meta.title.clone())
            .unwrap_or_else(|| meta.url.clone()),
        _ => meta
            .title
            .clone()
            .or(meta.name.clone())
            .unwrap_or_else(|| meta.url.clone()),
    }
}

/// `$lookup` of a SNOMED CT post-coordinated expression: its display (the expression with
/// terms) as the one designation, and its focus concept's properties with the expression's
/// own attributes in place of those of the same type.
fn post_coordinated<'s>(
    t: &Terminology,
    ctx: &RequestContext,
    req: &LookupRequest,
    source: &'s dyn Source,
) -> Result<LookupResult<'s>> {
    let meta = source.meta();
    let dialect = language::Dialect::new(source, &ctx.languages, &t.default_language)?;
    let checked = match super::expression::check(source, &dialect, &req.code)? {
        Ok(c) => c,
        Err(reason) => {
            return Err(Error::NotFound(format!(
                "Unable to find code '{}' in {} version {}; {}",
                req.code,
                meta.url,
                meta.version,
                super::messages::invalid_expression(&reason)
            )));
        }
    };
    let body = &checked.expression.body;
    let focus = LookupRequest {
        code: body.focus[0].id.clone(),
        ..req.clone()
    };
    let mut out = build(t, ctx, &focus, source)?;
    let refined: Vec<(&str, &str)> = body
        .attributes()
        .filter_map(|(_, a)| match &a.value {
            crate::model::expression::AttributeValue::Concept(v) => {
                Some((a.name.id.as_str(), v.id.as_str()))
            }
            _ => None,
        })
        .collect();
    out.properties
        .retain(|p| !refined.iter().any(|(name, _)| p.code == *name));
    let term = |code: &str| -> Result<Option<Cow<'s, str>>> {
        dialect.term(source, code, source.display(code)?.map(Cow::Owned))
    };
    for (name, value) in refined {
        out.properties.push(LookupProperty {
            description: term(value)?,
            code_display: term(name)?,
            ..prop(name.to_string(), Value::Code(Cow::Owned(value.to_string())))
        });
    }
    let language = ctx
        .languages
        .first()
        .cloned()
        .unwrap_or_else(|| t.default_language.clone());
    out.code = req.code.clone();
    out.display = Some(checked.display.clone());
    out.designations = vec![LookupDesignation {
        language: Some(Cow::Owned(language)),
        use_: Some(preferred_for_language()),
        value: Cow::Owned(checked.display),
        acceptability: Cow::Borrowed(&[]),
        source: None,
    }];
    Ok(out)
}

/// The use of the designation that is the display in its language.
fn preferred_for_language() -> UseCoding<'static> {
    UseCoding {
        system: Cow::Borrowed("http://terminology.hl7.org/CodeSystem/hl7TermMaintInfra"),
        code: Cow::Borrowed("preferredForLanguage"),
        display: Some("Preferred For Language"),
    }
}

fn typed(kind: &str, v: String) -> Value<'static> {
    match kind {
        "code" => Value::Code(Cow::Owned(v)),
        "boolean" => Value::Boolean(v == "true"),
        "integer" => v
            .parse()
            .map(Value::Integer)
            .unwrap_or(Value::String(Cow::Owned(v))),
        "decimal" => Value::Decimal(v),
        "dateTime" => Value::DateTime(v),
        "Coding" => match crate::model::value_set::PlainCoding::from_stored(&v) {
            Some(c) => Value::Coding(Coding {
                system: c.system,
                version: c.version,
                code: c.code,
                display: c.display,
            }),
            None => Value::String(Cow::Owned(v)),
        },
        _ => Value::String(Cow::Owned(v)),
    }
}

/// The use coding of a designation: SNOMED CT description types, else the FHIR designation-use
/// code system (or the ICD rubric kind).
pub fn use_coding(family: Family, code: Cow<'_, str>) -> UseCoding<'_> {
    if family == Family::Snomed {
        let display = match &*code {
            sct::FSN => Some("Fully specified name"),
            sct::SYNONYM => Some("Synonym"),
            sct::DEFINITION => Some("Definition"),
            _ => None,
        };
        return UseCoding {
            system: Cow::Borrowed(crate::model::uri::SNOMED),
            code,
            display,
        };
    }
    // Stored as `system|code` when the code system named another system for the use.
    let split = |s: &str| {
        s.split_once('|')
            .map(|(a, b)| (a.to_string(), b.to_string()))
    };
    if let Some((system, c)) = split(&code) {
        return UseCoding {
            system: Cow::Owned(system),
            code: Cow::Owned(c),
            display: None,
        };
    }
    UseCoding {
        system: Cow::Borrowed("http://terminology.hl7.org/CodeSystem/designation-usage"),
        code,
        display: None,
    }
}

/// Which properties a request wants: `listed` is true for every property when none were named;
/// `asked` only for those named (or `*`). The generated normal forms are `asked`-only, as in
/// Snowstorm: most callers never read them and each costs a term per attribute.
struct Wanted<'a> {
    listed: &'a dyn Fn(&str) -> bool,
    asked: &'a dyn Fn(&str) -> bool,
    /// `property=*`: everything, the SNOMED CT FHIR guidance's extras included.
    all: bool,
}

/// What a SNOMED CT lookup shows of related concepts: the parents (with their terms) and the
/// dialect the terms of attribute types and values are chosen in.
struct Related<'a, 's> {
    parents: &'a [Linked<'s>],
    dialect: &'a language::Dialect,
}

/// An attribute relationship with the displays of its type and destination.
struct Attr<'a> {
    type_id: Cow<'a, str>,
    destination: Option<Cow<'a, str>>,
    value: Option<Cow<'a, str>>,
    group: i64,
    type_display: Option<Cow<'a, str>>,
    destination_display: Option<Cow<'a, str>>,
}

/// The active attribute relationships (not is-a) of a concept: from memory when the version's
/// index holds them, else from the store.
fn attributes<'s>(
    t: &Terminology,
    source: &'s dyn Source,
    cs: i64,
    code: &str,
    dialect: &language::Dialect,
) -> Result<Vec<Attr<'s>>> {
    let attrs = if let Some(held) = source.attributes(code)? {
        held.into_iter()
            .map(|a| Attr {
                type_id: Cow::Borrowed(a.type_id),
                destination: a.destination.map(Cow::Borrowed),
                value: a.value.map(Cow::Borrowed),
                group: a.group,
                type_display: a.type_display.map(Cow::Borrowed),
                destination_display: a.destination_display.map(Cow::Borrowed),
            })
            .collect()
    } else {
        let mut out = Vec::new();
        for rel in t.with_store(|s| Ok(s.relationships(cs, code)?))? {
            let destination_display = match &rel.destination {
                Some(d) => source.display(d)?.map(Cow::Owned),
                None => None,
            };
            out.push(Attr {
                type_display: source.display(&rel.type_id)?.map(Cow::Owned),
                type_id: Cow::Owned(rel.type_id),
                destination: rel.destination.map(Cow::Owned),
                value: rel.value.map(Cow::Owned),
                group: rel.group,
                destination_display,
            });
        }
        out
    };
    attrs
        .into_iter()
        .filter(|a| a.type_id != sct::IS_A)
        .map(|mut a| {
            a.type_display = dialect.term(source, &a.type_id, a.type_display)?;
            if let Some(d) = &a.destination {
                a.destination_display = dialect.term(source, d, a.destination_display)?;
            }
            Ok(a)
        })
        .collect()
}

fn snomed_properties<'s>(
    t: &Terminology,
    source: &'s dyn Source,
    cs: i64,
    concept: &crate::model::Concept,
    related: &Related<'_, 's>,
    wanted: &Wanted,
    out: &mut Vec<LookupProperty<'s>>,
) -> Result<()> {
    let defined = concept.definition_status.as_deref() == Some(sct::DEFINED);
    let term = |code: &str| -> Result<Option<Cow<'s, str>>> {
        let stored = source.display(code)?.filter(|s| !s.is_empty());
        related.dialect.term(source, code, stored.map(Cow::Owned))
    };
    // The SNOMED CT FHIR guidance's extras: asked for by name or `*`.
    if (wanted.asked)("sufficientlyDefined") {
        out.push(prop("sufficientlyDefined", Value::Boolean(defined)));
    }
    let module = concept.module.clone().unwrap_or_default();
    if (wanted.asked)("moduleId") {
        out.push(prop("moduleId", Value::Code(Cow::Owned(module.clone()))));
    }
    if (wanted.listed)("module") {
        out.push(LookupProperty {
            description: term(&module)?,
            ..prop("module", Value::Code(Cow::Owned(module)))
        });
    }
    if (wanted.listed)("effectiveTime") {
        let date = concept.effective_time.clone().unwrap_or_default();
        out.push(prop("effectiveTime", Value::DateTime(iso_date(&date))));
    }
    let attrs = attributes(t, source, cs, &concept.code, related.dialect)?;
    for a in &attrs {
        if !(wanted.listed)(&a.type_id) {
            continue;
        }
        let value = match (&a.destination, &a.value) {
            (Some(d), _) => Value::Code(d.clone()),
            (None, Some(v)) => concrete(v),
            (None, None) => continue,
        };
        out.push(LookupProperty {
            code: a.type_id.clone(),
            value,
            description: a
                .destination
                .as_ref()
                .map(|_| a.destination_display.clone().unwrap_or_default()),
            code_display: a.type_display.clone(),
            sub: if wanted.all || (wanted.asked)("group") {
                vec![prop("group", Value::Integer(a.group))]
            } else {
                vec![]
            },
        });
    }
    for (name, terms) in [("normalFormTerse", false), ("normalForm", true)] {
        if (wanted.asked)(name) {
            let form = normal_form(defined, related.parents, &attrs, terms);
            out.push(prop(name, Value::String(Cow::Owned(form))));
        }
    }
    if !concept.active {
        for (refset, value) in t.with_store(|s| Ok(s.attribute_values(cs, &concept.code)?))? {
            if refset == sct::CONCEPT_INACTIVATION && (wanted.listed)("inactivationReason") {
                out.push(LookupProperty {
                    description: term(&value)?,
                    ..prop("inactivationReason", Value::Code(Cow::Owned(value)))
                });
            }
        }
        for a in t.with_store(|s| Ok(s.associations(cs, &concept.code)?))? {
            let name = sct::association_name(&a.refset)
                .map(str::to_string)
                .unwrap_or_else(|| a.refset.clone());
            if (wanted.listed)(&name) || (wanted.listed)("association") {
                out.push(LookupProperty {
                    description: term(&a.target)?,
                    ..prop(name, Value::Code(Cow::Owned(a.target)))
                });
            }
        }
    }
    Ok(())
}

/// An RF2 date (`20050131`) as a FHIR date (`2005-01-31`); anything else as it is.
fn iso_date(d: &str) -> String {
    if d.len() == 8 && d.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}-{}", &d[..4], &d[4..6], &d[6..])
    } else {
        d.to_string()
    }
}

/// RF2 concrete values: `#12.5` numbers, `"text"` strings.
fn concrete<'a>(v: &Cow<'a, str>) -> Value<'a> {
    if let Some(n) = v.strip_prefix('#') {
        return match n.parse::<i64>() {
            Ok(i) => Value::Integer(i),
            Err(_) => Value::Decimal(n.to_string()),
        };
    }
    match v {
        Cow::Borrowed(b) => Value::String(Cow::Borrowed(b.trim_matches('"'))),
        Cow::Owned(o) => Value::String(Cow::Owned(o.trim_matches('"').to_string())),
    }
}

/// SNOMED CT compositional grammar normal form from the stated-or-inferred view: definition
/// status, focus concepts (parents), then ungrouped attributes and `{ }` role groups; with
/// `terms`, each id is followed by `|display|`.
fn normal_form(defined: bool, parents: &[Linked], attrs: &[Attr], terms: bool) -> String {
    let name = |code: &str, display: &Option<Cow<str>>| {
        if terms {
            format!("{code}|{}|", display.as_deref().unwrap_or_default())
        } else {
            code.to_string()
        }
    };
    let mut s = String::from(if defined { "=== " } else { "<<< " });
    s.push_str(
        &parents
            .iter()
            .map(|(c, d)| name(c, d))
            .collect::<Vec<_>>()
            .join(" + "),
    );
    let mut groups: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for a in attrs {
        let value = match (&a.destination, &a.value) {
            (Some(d), _) => name(d, &a.destination_display),
            (None, Some(v)) => v.to_string(),
            _ => continue,
        };
        groups.entry(a.group).or_default().push(format!(
            "{} = {}",
            name(&a.type_id, &a.type_display),
            value
        ));
    }
    if !groups.is_empty() {
        let mut parts = Vec::new();
        for (g, attrs) in groups {
            if g == 0 {
                parts.push(attrs.join(", "));
            } else {
                parts.push(format!("{{ {} }}", attrs.join(", ")));
            }
        }
        s.push_str(" : ");
        s.push_str(&parts.join(", "));
    }
    s
}

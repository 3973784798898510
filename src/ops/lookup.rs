//! `$lookup`: everything known about one code — display in the requested language,
//! designations, and properties. SNOMED CT adds parent/child, inactive, sufficientlyDefined,
//! moduleId, effectiveTime, one property per attribute relationship (code = attribute id, with
//! its role group and concrete values) and, when asked for by name or `*`, the normal forms;
//! ICD-10 adds kind and every rubric; FHIR CodeSystems return their declared properties.

use super::engine::{RequestContext, Terminology};
use super::source::Source;
use super::{Coding, Error, Result, language, resolve};
use crate::model::{Family, Relationship, sct};
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

/// A property value.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Value {
    /// `valueCode`
    Code(String),
    /// `valueCoding`
    Coding(Coding),
    /// `valueString`
    String(String),
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
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LookupProperty {
    /// Property code.
    pub code: String,
    /// Value.
    pub value: Value,
    /// Human description (e.g. the display of a coded value).
    pub description: Option<String>,
    /// Sub-properties (e.g. the role group of an attribute).
    pub sub: Vec<LookupProperty>,
}

/// One designation of the answer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LookupDesignation {
    /// Language.
    pub language: Option<String>,
    /// Use.
    pub use_: Option<Coding>,
    /// Term.
    pub value: String,
}

/// The `$lookup` answer.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LookupResult {
    /// Code system name.
    pub name: String,
    /// Code system version.
    pub version: String,
    /// Display in the chosen language.
    pub display: Option<String>,
    /// Designations.
    pub designations: Vec<LookupDesignation>,
    /// Properties.
    pub properties: Vec<LookupProperty>,
}

fn prop(code: &str, value: Value) -> LookupProperty {
    LookupProperty {
        code: code.into(),
        value,
        description: None,
        sub: vec![],
    }
}

/// Runs `$lookup`.
pub fn lookup(t: &Terminology, ctx: &RequestContext, req: &LookupRequest) -> Result<LookupResult> {
    let source = resolve::code_system(t, ctx, &req.system, req.version.as_deref())?;
    let meta = source.meta().clone();
    let concept = source.concept(&req.code)?.ok_or_else(|| {
        Error::NotFound(format!(
            "Unable to find code '{}' in {} version {}",
            req.code, meta.url, meta.version
        ))
    })?;
    let designations = source.designations(&req.code)?;
    let display = language::display(
        source.as_ref(),
        &concept,
        &designations,
        &ctx.languages,
        &t.default_language,
    )?;
    let all = req.properties.iter().any(|w| w == "*");
    let asked = |p: &str| all || req.properties.iter().any(|w| w == p);
    let wanted = |p: &str| req.properties.is_empty() || asked(p);
    let mut properties = Vec::new();
    let parents = source.linked(&req.code, true)?;
    for (name, up) in [("parent", true), ("child", false)] {
        if wanted(name) {
            let linked = if up {
                parents.clone()
            } else {
                source.linked(&req.code, false)?
            };
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
    let out_designations = designations
        .iter()
        .filter(|d| d.active)
        .map(|d| LookupDesignation {
            language: d.language.clone(),
            use_: d.use_code.as_ref().map(|u| use_coding(meta.family, u)),
            value: d.term.clone(),
        })
        .collect();
    match (meta.family, source.store_id()) {
        (Family::Snomed, Some(cs)) => {
            let wants = Wanted {
                listed: &wanted,
                asked: &asked,
            };
            snomed_properties(
                t,
                source.as_ref(),
                cs,
                &concept,
                &parents,
                &wants,
                &mut properties,
            )?
        }
        _ => {
            for p in source.properties(&req.code)? {
                if matches!(p.name.as_str(), "parent" | "child" | "inactive") || !wanted(&p.name) {
                    continue;
                }
                properties.push(prop(&p.name, typed(&p.kind, &p.value)));
            }
        }
    }
    Ok(LookupResult {
        name: meta
            .title
            .clone()
            .or(meta.name.clone())
            .unwrap_or_else(|| meta.url.clone()),
        version: meta.version.clone(),
        display,
        designations: out_designations,
        properties,
    })
}

fn typed(kind: &str, v: &str) -> Value {
    match kind {
        "code" => Value::Code(v.into()),
        "boolean" => Value::Boolean(v == "true"),
        "integer" => v
            .parse()
            .map(Value::Integer)
            .unwrap_or_else(|_| Value::String(v.into())),
        "decimal" => Value::Decimal(v.into()),
        "dateTime" => Value::DateTime(v.into()),
        "Coding" => serde_json::from_str::<serde_json::Value>(v)
            .map(|j| {
                let s = |k: &str| j.get(k).and_then(|x| x.as_str()).map(str::to_string);
                Value::Coding(Coding {
                    system: s("system"),
                    version: s("version"),
                    code: s("code"),
                    display: s("display"),
                })
            })
            .unwrap_or_else(|_| Value::String(v.into())),
        _ => Value::String(v.into()),
    }
}

/// The use coding of a designation: SNOMED CT description types, else the FHIR designation-use
/// code system (or the ICD rubric kind).
pub fn use_coding(family: Family, code: &str) -> Coding {
    if family == Family::Snomed {
        let display = match code {
            sct::FSN => Some("Fully specified name"),
            sct::SYNONYM => Some("Synonym"),
            sct::DEFINITION => Some("Definition"),
            _ => None,
        };
        return Coding {
            system: Some(crate::model::uri::SNOMED.into()),
            code: Some(code.into()),
            display: display.map(str::to_string),
            version: None,
        };
    }
    Coding {
        system: Some("http://terminology.hl7.org/CodeSystem/designation-usage".into()),
        code: Some(code.into()),
        ..Default::default()
    }
}

/// Which properties a request wants: `listed` is true for every property when none were named;
/// `asked` only for those named (or `*`). The generated normal forms are `asked`-only, as in
/// Snowstorm: most callers never read them and each costs a term per attribute.
struct Wanted<'a> {
    listed: &'a dyn Fn(&str) -> bool,
    asked: &'a dyn Fn(&str) -> bool,
}

/// An attribute relationship with the displays of its type and destination.
struct Attr {
    rel: Relationship,
    type_display: Option<String>,
    destination_display: Option<String>,
}

fn attributes(t: &Terminology, source: &dyn Source, cs: i64, code: &str) -> Result<Vec<Attr>> {
    let attrs = if let Some(held) = t.hierarchy(cs)?.attributes(code) {
        held.into_iter()
            .map(|a| Attr {
                rel: a.rel,
                type_display: a.type_display.map(str::to_string),
                destination_display: a.destination_display.map(str::to_string),
            })
            .collect()
    } else {
        let mut out = Vec::new();
        for rel in t.with_store(|s| Ok(s.relationships(cs, code)?))? {
            let destination_display = match &rel.destination {
                Some(d) => source.display(d)?,
                None => None,
            };
            out.push(Attr {
                type_display: source.display(&rel.type_id)?,
                destination_display,
                rel,
            });
        }
        out
    };
    Ok(attrs
        .into_iter()
        .filter(|a| a.rel.type_id != sct::IS_A)
        .collect())
}

fn snomed_properties(
    t: &Terminology,
    source: &dyn Source,
    cs: i64,
    concept: &crate::model::Concept,
    parents: &[(String, Option<String>)],
    wanted: &Wanted,
    out: &mut Vec<LookupProperty>,
) -> Result<()> {
    let defined = concept.definition_status.as_deref() == Some(sct::DEFINED);
    if (wanted.listed)("sufficientlyDefined") {
        out.push(prop("sufficientlyDefined", Value::Boolean(defined)));
    }
    if (wanted.listed)("moduleId") {
        out.push(prop(
            "moduleId",
            Value::Code(concept.module.clone().unwrap_or_default()),
        ));
    }
    if (wanted.listed)("effectiveTime") {
        out.push(prop(
            "effectiveTime",
            Value::String(concept.effective_time.clone().unwrap_or_default()),
        ));
    }
    let attrs = attributes(t, source, cs, &concept.code)?;
    for a in &attrs {
        let r = &a.rel;
        if !(wanted.listed)(&r.type_id) {
            continue;
        }
        let value = match (&r.destination, &r.value) {
            (Some(d), _) => Value::Code(d.clone()),
            (None, Some(v)) => concrete(v),
            (None, None) => continue,
        };
        out.push(LookupProperty {
            code: r.type_id.clone(),
            value,
            description: r
                .destination
                .as_ref()
                .map(|_| a.destination_display.clone().unwrap_or_default()),
            sub: vec![prop("group", Value::Integer(r.group))],
        });
    }
    if (wanted.asked)("normalFormTerse") {
        out.push(prop(
            "normalFormTerse",
            Value::String(normal_form(defined, parents, &attrs, false)),
        ));
    }
    if (wanted.asked)("normalForm") {
        out.push(prop(
            "normalForm",
            Value::String(normal_form(defined, parents, &attrs, true)),
        ));
    }
    let term = |code: &str| -> Result<String> { Ok(source.display(code)?.unwrap_or_default()) };
    if !concept.active {
        for (refset, value) in t.with_store(|s| Ok(s.attribute_values(cs, &concept.code)?))? {
            if refset == sct::CONCEPT_INACTIVATION && (wanted.listed)("inactivationReason") {
                out.push(LookupProperty {
                    description: Some(term(&value)?).filter(|s| !s.is_empty()),
                    ..prop("inactivationReason", Value::Code(value))
                });
            }
        }
        for a in t.with_store(|s| Ok(s.associations(cs, &concept.code)?))? {
            let name = sct::association_name(&a.refset)
                .map(str::to_string)
                .unwrap_or_else(|| a.refset.clone());
            if (wanted.listed)(&name) || (wanted.listed)("association") {
                out.push(LookupProperty {
                    description: Some(term(&a.target)?).filter(|s| !s.is_empty()),
                    ..prop(&name, Value::Code(a.target))
                });
            }
        }
    }
    Ok(())
}

/// RF2 concrete values: `#12.5` numbers, `"text"` strings.
fn concrete(v: &str) -> Value {
    if let Some(n) = v.strip_prefix('#') {
        return match n.parse::<i64>() {
            Ok(i) => Value::Integer(i),
            Err(_) => Value::Decimal(n.to_string()),
        };
    }
    Value::String(v.trim_matches('"').to_string())
}

/// SNOMED CT compositional grammar normal form from the stated-or-inferred view: definition
/// status, focus concepts (parents), then ungrouped attributes and `{ }` role groups; with
/// `terms`, each id is followed by `|display|`.
fn normal_form(
    defined: bool,
    parents: &[(String, Option<String>)],
    attrs: &[Attr],
    terms: bool,
) -> String {
    let name = |code: &str, display: &Option<String>| {
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
        let r = &a.rel;
        let value = match (&r.destination, &r.value) {
            (Some(d), _) => name(d, &a.destination_display),
            (None, Some(v)) => v.clone(),
            _ => continue,
        };
        groups.entry(r.group).or_default().push(format!(
            "{} = {}",
            name(&r.type_id, &a.type_display),
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

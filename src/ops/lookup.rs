//! `$lookup`: everything known about one code — display in the requested language,
//! designations, and properties. SNOMED CT adds parent/child, inactive, sufficientlyDefined,
//! moduleId, effectiveTime, normal forms and one property per attribute relationship (code =
//! attribute id, with its role group and concrete values); ICD-10 adds kind and every rubric;
//! FHIR CodeSystems return their declared properties.

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
    /// Properties wanted (empty: all).
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
    let wanted = |p: &str| req.properties.is_empty() || req.properties.iter().any(|w| w == p);
    let mut properties = Vec::new();
    let display_of = |code: &str| -> Result<Option<String>> { source.display(code) };
    for (name, codes) in [
        ("parent", source.parents(&req.code)?),
        ("child", source.children(&req.code)?),
    ] {
        if wanted(name) {
            for c in codes {
                properties.push(LookupProperty {
                    description: display_of(&c)?,
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
            snomed_properties(t, source.as_ref(), cs, &concept, &wanted, &mut properties)?
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

fn snomed_properties(
    t: &Terminology,
    source: &dyn Source,
    cs: i64,
    concept: &crate::model::Concept,
    wanted: &dyn Fn(&str) -> bool,
    out: &mut Vec<LookupProperty>,
) -> Result<()> {
    let defined = concept.definition_status.as_deref() == Some(sct::DEFINED);
    if wanted("sufficientlyDefined") {
        out.push(prop("sufficientlyDefined", Value::Boolean(defined)));
    }
    if wanted("moduleId") {
        out.push(prop(
            "moduleId",
            Value::Code(concept.module.clone().unwrap_or_default()),
        ));
    }
    if wanted("effectiveTime") {
        out.push(prop(
            "effectiveTime",
            Value::String(concept.effective_time.clone().unwrap_or_default()),
        ));
    }
    let rels = match t.hierarchy(cs)?.relationships(&concept.code) {
        Some(r) => r,
        None => t.with_store(|s| Ok(s.relationships(cs, &concept.code)?))?,
    };
    let term = |code: &str| -> Result<String> { Ok(source.display(code)?.unwrap_or_default()) };
    for r in rels.iter().filter(|r| r.type_id != sct::IS_A) {
        if !wanted(&r.type_id) {
            continue;
        }
        let value = match (&r.destination, &r.value) {
            (Some(d), _) => Value::Code(d.clone()),
            (None, Some(v)) => concrete(v),
            (None, None) => continue,
        };
        let description = match &r.destination {
            Some(d) => Some(term(d)?),
            None => None,
        };
        out.push(LookupProperty {
            code: r.type_id.clone(),
            value,
            description,
            sub: vec![prop("group", Value::Integer(r.group))],
        });
    }
    if wanted("normalForm") || wanted("normalFormTerse") {
        let parents = source.parents(&concept.code)?;
        if wanted("normalFormTerse") {
            out.push(prop(
                "normalFormTerse",
                Value::String(normal_form(defined, &parents, &rels, &|c| {
                    Ok(c.to_string())
                })?),
            ));
        }
        if wanted("normalForm") {
            let with_term = |c: &str| -> Result<String> { Ok(format!("{c}|{}|", term(c)?)) };
            out.push(prop(
                "normalForm",
                Value::String(normal_form(defined, &parents, &rels, &with_term)?),
            ));
        }
    }
    let inactive_extras = !concept.active;
    if inactive_extras {
        for (refset, value) in t.with_store(|s| Ok(s.attribute_values(cs, &concept.code)?))? {
            if refset == sct::CONCEPT_INACTIVATION && wanted("inactivationReason") {
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
            if wanted(&name) || wanted("association") {
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
/// status, focus concepts (parents), then ungrouped attributes and `{ }` role groups.
fn normal_form(
    defined: bool,
    parents: &[String],
    rels: &[Relationship],
    name: &dyn Fn(&str) -> Result<String>,
) -> Result<String> {
    let mut s = String::from(if defined { "=== " } else { "<<< " });
    s.push_str(
        &parents
            .iter()
            .map(|p| name(p))
            .collect::<Result<Vec<_>>>()?
            .join(" + "),
    );
    let mut groups: BTreeMap<i64, Vec<String>> = BTreeMap::new();
    for r in rels.iter().filter(|r| r.type_id != sct::IS_A) {
        let value = match (&r.destination, &r.value) {
            (Some(d), _) => name(d)?,
            (None, Some(v)) => v.clone(),
            _ => continue,
        };
        groups
            .entry(r.group)
            .or_default()
            .push(format!("{} = {}", name(&r.type_id)?, value));
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
    Ok(s)
}

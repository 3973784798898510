//! `Parameters` → operation requests, with the FHIR rules for which parameters go together.
//! Every error names the parameter.

use super::params::Params;
use crate::model::concept_map::ConceptMap;
use crate::model::value_set::ValueSet;
use crate::ops::engine::{RequestContext, Terminology};
use crate::ops::lookup::LookupRequest;
use crate::ops::memory::{MemCodeSystem, MemConcept};
use crate::ops::search::SearchRequest;
use crate::ops::validate::ValidateRequest;
use crate::ops::valueset::{self, ValueSetDef};
use crate::ops::{Coding, Error, Result};
use serde::Deserialize;

/// `$lookup`: `code` + `system` (+ `version`), or `coding`.
pub fn lookup(p: &Params) -> Result<LookupRequest> {
    let (system, code, version) = match p.coding("coding")? {
        Some(c) => {
            if p.text("code")?.is_some() {
                return Err(Error::invalid(
                    "coding",
                    "give either coding or code + system, not both",
                ));
            }
            let code = c
                .code
                .ok_or_else(|| Error::invalid("coding", "coding has no code"))?;
            let system = c
                .system
                .ok_or_else(|| Error::invalid("coding", "coding has no system"))?;
            (system, code, c.version.or(p.text("version")?))
        }
        None => {
            let code = p.text("code")?.ok_or_else(|| {
                Error::invalid("code", "parameter 'code' is required (or give 'coding')")
            })?;
            let system = p.text("system")?.ok_or_else(|| {
                Error::invalid("system", "parameter 'system' is required with 'code'")
            })?;
            (system, code, p.text("version")?)
        }
    };
    Ok(LookupRequest {
        system,
        version,
        code,
        properties: p.texts("property"),
    })
}

/// The codings of a `$validate-code` request: `code` (+ `system`/`url`, `version`, `display`),
/// or `coding`, or `codeableConcept`. `default_system` is the CodeSystem `url` for
/// CodeSystem/$validate-code.
/// The codings to validate and how they came: (codings, from a CodeableConcept, as plain
/// `code` parameters).
fn codings(p: &Params, default_system: Option<String>) -> Result<(Vec<Coding>, bool, bool)> {
    let given = [
        p.text("code")?.is_some(),
        p.all("coding").next().is_some(),
        p.all("codeableConcept").next().is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(Error::invalid(
            "code",
            "give exactly one of code, coding or codeableConcept",
        ));
    }
    if let Some(cc) = p.codeable_concept("codeableConcept")? {
        return Ok((cc, true, false));
    }
    if let Some(mut c) = p.coding("coding")? {
        if c.code.is_none() {
            return Err(Error::invalid("coding", "coding has no code"));
        }
        if c.display.is_none() {
            c.display = p.text("display")?;
        }
        return Ok((vec![c], false, false));
    }
    // No one parameter is at fault (any of several would do), so the finding has no
    // expression; the text names them, as tx.fhir.org words it.
    let code = p.text("code")?.ok_or_else(|| {
        Error::invalid(
            "",
            "Unable to find code to validate (looked for coding | codeableConcept | code+system | code+inferSystem in parameters",
        )
    })?;
    let system = p.text("system")?.or(default_system);
    Ok((
        vec![Coding {
            system,
            version: p.text("version")?.or(p.text("systemVersion")?),
            code: Some(code),
            display: p.text("display")?,
        }],
        false,
        true,
    ))
}

/// CodeSystem/$validate-code.
pub fn validate_code_system(p: &Params) -> Result<ValidateRequest> {
    let url = p.text("url")?;
    let (codings, cc, plain) = codings(p, url.clone())?;
    // A bare `code` needs `url`; a Coding without a system is a finding of the answer
    // (Coding_has_no_system__cannot_validate, a warning, result false), as validators expect.
    if plain && codings[0].system.is_none() {
        return Err(Error::invalid(
            "url",
            "parameter 'url' (the code system) is required with 'code'",
        ));
    }
    Ok(ValidateRequest {
        codings,
        codeable_concept: cc,
        plain_code: plain,
        value_set: None,
        reject_abstract: p.boolean("abstract")? == Some(false),
        lenient_display: p.boolean("lenient-display-validation")?.unwrap_or(false),
        membership_only: p.boolean("valueset-membership-only")?.unwrap_or(false),
        codeable_concept_text: p.codeable_concept_text("codeableConcept"),
        active_only: p.boolean("activeOnly")?.unwrap_or(false),
    })
}

/// The value set an operation works on: an inline `valueSet`, else `url` (+ `valueSetVersion`).
fn value_set_param(t: &Terminology, ctx: &RequestContext, p: &Params) -> Result<ValueSetDef> {
    let inline = p.resources("valueSet")?.into_iter().next();
    match (inline, p.text("url")?) {
        (Some(v), _) => Ok(ValueSetDef::Resource(Box::new(valueset::check(
            value_set(&v, "valueSet")?,
        )?))),
        (None, Some(url)) => {
            valueset::resolve_value_set(t, ctx, &url, p.text("valueSetVersion")?.as_deref())
        }
        (None, None) => Err(Error::invalid(
            "url",
            "parameter 'url' (the value set) or 'valueSet' is required",
        )),
    }
}

/// ValueSet/$validate-code: the value set from `url` (+ `valueSetVersion`) or an inline `valueSet`.
pub fn validate_value_set(
    t: &Terminology,
    ctx: &mut RequestContext,
    p: &Params,
) -> Result<ValidateRequest> {
    let vs = value_set_param(t, ctx, p)?;
    value_set_defaults(ctx, &vs);
    let (codings, cc, plain) = codings(p, None)?;
    Ok(ValidateRequest {
        codings,
        codeable_concept: cc,
        plain_code: plain,
        value_set: Some(vs),
        reject_abstract: p.boolean("abstract")? == Some(false),
        lenient_display: p.boolean("lenient-display-validation")?.unwrap_or(false),
        membership_only: p.boolean("valueset-membership-only")?.unwrap_or(false),
        codeable_concept_text: p.codeable_concept_text("codeableConcept"),
        active_only: p.boolean("activeOnly")?.unwrap_or(false),
    })
}

/// A language list with quality values in canonical spacing (`de, *; q=0`); others as given.
fn canonical_language_list(list: &str) -> String {
    if list.contains(';') {
        list.split(',')
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        list.to_string()
    }
}

/// What a value set asks of the request that uses it: its supplements are used as if the
/// request had named them, and without a language from the request its own default (its
/// `valueset-expansion-parameter` displayLanguage, else its language) applies.
fn value_set_defaults(ctx: &mut RequestContext, vs: &crate::ops::valueset::ValueSetDef) {
    if let crate::ops::valueset::ValueSetDef::Resource(v) = vs {
        for url in v.supplements() {
            if !ctx.use_supplements.contains(&url) {
                ctx.use_supplements.push(url);
            }
        }
    }
    if ctx.languages.is_empty()
        && let crate::ops::valueset::ValueSetDef::Resource(vs) = vs
        && let Some(lang) = vs
            .compose
            .as_ref()
            .and_then(|c| c.expansion_parameter("displayLanguage"))
            .or_else(|| vs.language.clone())
    {
        ctx.languages = crate::ops::language::parse_accept_language(&lang);
        ctx.languages_exclusive = crate::ops::language::excludes_others(&lang);
        ctx.languages_as_given = Some(lang);
    }
}

/// `$batch-validate-code`: the parameters of each `validation` (a Parameters resource), with
/// the request's other parameters as defaults they override. A malformed entry is that entry's
/// error, not the batch's.
pub fn batch_validations(p: &Params) -> Result<Vec<Result<Params>>> {
    let shared = p.without("validation");
    Ok(p.resources("validation")?
        .into_iter()
        .map(|v| {
            let mut own = Params::from_parameters(&v)?;
            own.extend_missing(shared.clone());
            Ok(own)
        })
        .collect())
}

/// ValueSet/$expand: the value set from `url` (+ `valueSetVersion`), an inline `valueSet`, or
/// a `tx-resource`, and the paging, filter and content parameters.
pub fn expand(
    t: &Terminology,
    ctx: &mut RequestContext,
    p: &Params,
) -> Result<crate::ops::expand::ExpandRequest> {
    let value_set = value_set_param(t, ctx, p)?;
    value_set_defaults(ctx, &value_set);
    let mut echo = expansion_echo(p)?;
    // A language list with quality values is stated as parsed, in canonical spacing
    // (`de, *; q=0`); a plain list as given.
    for (name, _, value) in echo.iter_mut() {
        if name == "displayLanguage" {
            *value = canonical_language_list(value);
        }
    }
    // The language the expansion was made for is stated however it was chosen (header or
    // value set default), as the terminology ecosystem reports it.
    if let Some(lang) = &ctx.languages_as_given
        && !echo.iter().any(|(n, _, _)| n == "displayLanguage")
    {
        echo.push((
            "displayLanguage".into(),
            "valueCode",
            canonical_language_list(lang),
        ));
        echo.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let number = |name: &str| -> Result<Option<usize>> {
        match p.text(name)? {
            None => Ok(None),
            Some(v) => v.trim().parse::<usize>().map(Some).map_err(|_| {
                Error::invalid(
                    name,
                    format!("parameter '{name}' must be a non-negative integer, not '{v}'"),
                )
            }),
        }
    };
    Ok(crate::ops::expand::ExpandRequest {
        value_set,
        filter: p.text("filter")?.filter(|f| !f.trim().is_empty()),
        count: number("count")?,
        offset: number("offset")?.unwrap_or(0),
        active_only: p.boolean("activeOnly")?.unwrap_or(false),
        include_designations: p.boolean("includeDesignations")?.unwrap_or(false)
            || !p.texts("designation").is_empty(),
        designations: p.texts("designation"),
        properties: p.texts("property"),
        exclude_nested: p.boolean("excludeNested")?,
        include_definition: p.boolean("includeDefinition")?.unwrap_or(false),
        sent_inline: p.all("valueSet").next().is_some(),
        echo,
    })
}

/// The `$expand` parameters an expansion reports back when the request gave them.
fn expansion_echo(p: &Params) -> Result<Vec<(String, &'static str, String)>> {
    const ECHOED: &[(&str, &str)] = &[
        ("activeOnly", "valueBoolean"),
        ("count", "valueInteger"),
        ("designation", "valueString"),
        ("displayLanguage", "valueCode"),
        ("excludeNested", "valueBoolean"),
        ("filter", "valueString"),
        ("includeDefinition", "valueBoolean"),
        ("includeDesignations", "valueBoolean"),
        ("offset", "valueInteger"),
        ("check-system-version", "valueUri"),
        ("force-system-version", "valueUri"),
        ("system-version", "valueUri"),
        ("default-valueset-version", "valueUri"),
    ];
    let mut out = Vec::new();
    for (name, kind) in ECHOED {
        if *kind == "valueBoolean" {
            if let Some(b) = p.boolean(name)? {
                out.push((name.to_string(), *kind, b.to_string()));
            }
        } else {
            for v in p.texts(name) {
                out.push((name.to_string(), *kind, v));
            }
        }
    }
    // In name (then value) order, as tx.fhir.org lists them.
    out.sort_by(|a, b| (&a.0, &a.2).cmp(&(&b.0, &b.2)));
    Ok(out)
}

/// `GET /search`: `q` (required), `system` (URL or sct/icd10/icd10cm; by default SNOMED CT
/// when loaded, else the one ICD classification loaded, else required), `version`, `ecl`,
/// `valueSet`, `refset`, `limit` (1-1000, default 20), `offset`, `active` (default true:
/// active concepts only).
pub fn search(t: &Terminology, ctx: &RequestContext, p: &Params) -> Result<SearchRequest> {
    let text = p
        .text("q")?
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| {
            Error::invalid("q", "parameter 'q' (the words to search for) is required")
        })?;
    let system = match p.text("system")? {
        Some(s) => crate::model::uri::alias(&s),
        None => match crate::ops::search::default_system(t) {
            Some(s) => s,
            None => {
                let mut loaded: Vec<&str> = t.catalog().iter().map(|c| c.url.as_str()).collect();
                loaded.sort();
                loaded.dedup();
                // Name a few, not thousands: the full list is in /metadata?mode=terminology.
                let shown: Vec<&str> = loaded.iter().copied().take(5).collect();
                return Err(Error::invalid(
                    "system",
                    format!(
                        "parameter 'system' is required (no SNOMED CT release is loaded, and not exactly one ICD classification); {} code systems are, e.g. {} (all in /metadata?mode=terminology); icd10, icd10cm and sct are accepted as short names",
                        loaded.len(),
                        shown.join(", ")
                    ),
                ));
            }
        },
    };
    let number = |name: &str, default: usize, max: usize| -> Result<usize> {
        match p.text(name)? {
            None => Ok(default),
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if n <= max => Ok(n),
                _ => Err(Error::invalid(
                    name,
                    format!("parameter '{name}' must be a whole number from 0 to {max}, not '{v}'"),
                )),
            },
        }
    };
    let value_set = match p.text("valueSet")? {
        Some(url) => Some(valueset::resolve_value_set(t, ctx, &url, None)?),
        None => None,
    };
    Ok(SearchRequest {
        text,
        system,
        version: p.text("version")?,
        ecl: p.text("ecl")?.filter(|e| !e.trim().is_empty()),
        value_set,
        refset: p.text("refset")?,
        offset: number("offset", 0, usize::MAX)?,
        limit: number("limit", 20, 1000)?.max(1),
        active_only: p.boolean("active")?.unwrap_or(true),
    })
}

/// `$subsumes`: (system, version, codeA, codeB) from codes or codings.
pub fn subsumes(p: &Params) -> Result<(String, Option<String>, String, String)> {
    let a = p.coding("codingA")?;
    let b = p.coding("codingB")?;
    let system = p.text("system")?;
    let pick = |coding: Option<Coding>,
                code: Option<String>,
                name: &str|
     -> Result<(Option<String>, String)> {
        match (coding, code) {
            (Some(c), None) => Ok((
                c.system,
                c.code
                    .ok_or_else(|| Error::invalid(name, format!("{name} has no code")))?,
            )),
            (None, Some(code)) => Ok((None, code)),
            (Some(_), Some(_)) => Err(Error::invalid(
                name,
                format!("give {name} as a code or a coding, not both"),
            )),
            (None, None) => Err(Error::invalid(
                name,
                format!(
                    "parameter '{}' (or '{}') is required",
                    name.replace("coding", "code"),
                    name
                ),
            )),
        }
    };
    let (sa, code_a) = pick(a, p.text("codeA")?, "codingA")?;
    let (sb, code_b) = pick(b, p.text("codeB")?, "codingB")?;
    let system = match (system, sa, sb) {
        (Some(s), _, _) => s,
        (None, Some(x), Some(y)) if x != y => {
            return Err(Error::invalid(
                "codingB",
                format!("codingA and codingB are from different systems ({x}, {y})"),
            ));
        }
        (None, Some(x), _) | (None, None, Some(x)) => x,
        (None, None, None) => {
            return Err(Error::invalid(
                "system",
                "parameter 'system' is required with codeA/codeB",
            ));
        }
    };
    Ok((system, p.text("version")?, code_a, code_b))
}

/// Element URIs of the `dependency` parameters that carry patient context (documented in the
/// OpenAPI description and the CapabilityStatement).
pub const DEPENDENCY_SEX: &str = "http://hl7.org/fhir/StructureDefinition/Patient#Patient.gender";
/// Age at onset (with a `value` part holding a UCUM `valueQuantity`: a, mo, wk, d).
pub const DEPENDENCY_AGE: &str = "http://snomed.info/id/445518008";
/// A co-existing condition (SNOMED CT coding; repeatable).
pub const DEPENDENCY_CONDITION: &str = "http://snomed.info/id/404684003";

/// One side of a translation as given: (system, code, version).
type SideCoding = (Option<String>, Option<String>, Option<String>);

/// The patient context of map rules, from `dependency` parameters (the `$translate`
/// convention, shared by `$normalize`): sex, age at onset and co-existing conditions.
pub fn map_context(p: &Params) -> Result<crate::ops::maprule::Context> {
    use crate::ops::maprule::Context;
    let mut context = Context::default();
    for d in p.all("dependency") {
        let super::params::ParamValue::Json(v) = d else {
            return Err(Error::invalid(
                "dependency",
                "dependency needs parts (element, concept or value); send it with POST Parameters",
            ));
        };
        context.given = true;
        let parts = v
            .get("part")
            .and_then(serde_json::Value::as_array)
            .cloned()
            .unwrap_or_default();
        let part = |n: &str| {
            parts
                .iter()
                .find(|x| x.get("name").and_then(serde_json::Value::as_str) == Some(n))
        };
        let element = part("element")
            .and_then(|x| x.get("valueUri").or(x.get("valueString")))
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default();
        let codings: Vec<Coding> = match part("concept") {
            Some(c) => match (
                c.get("valueCodeableConcept"),
                c.get("valueCoding"),
                c.get("valueCode"),
            ) {
                (Some(cc), _, _) => cc
                    .get("coding")
                    .and_then(serde_json::Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(super::params::coding_from_json)
                    .collect(),
                (None, Some(x), _) => vec![super::params::coding_from_json(x)],
                (None, None, Some(code)) => vec![Coding {
                    code: code.as_str().map(str::to_string),
                    ..Default::default()
                }],
                _ => vec![],
            },
            None => vec![],
        };
        match element {
            DEPENDENCY_SEX => {
                let c = codings.first().and_then(|c| c.code.clone()).ok_or_else(|| Error::invalid("dependency", "the sex dependency needs a concept (male/female or 248153007/248152002)"))?;
                context.sex = Some(
                    crate::ops::maprule::sex(&c)
                        .map_err(|m| Error::invalid("dependency", m))?
                        .to_string(),
                );
            }
            DEPENDENCY_AGE => {
                let q = part("value")
                    .and_then(|x| x.get("valueQuantity"))
                    .ok_or_else(|| {
                        Error::invalid(
                            "dependency",
                            "the age-at-onset dependency needs a 'value' part with a valueQuantity",
                        )
                    })?;
                let value = q
                    .get("value")
                    .and_then(serde_json::Value::as_f64)
                    .ok_or_else(|| {
                        Error::invalid("dependency", "age valueQuantity has no numeric value")
                    })?;
                let unit = q
                    .get("code")
                    .or(q.get("unit"))
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("a");
                context.age_years = Some(
                    crate::ops::maprule::age_years(value, unit)
                        .map_err(|m| Error::invalid("dependency", m))?,
                );
            }
            DEPENDENCY_CONDITION => context
                .conditions
                .extend(codings.into_iter().filter_map(|c| c.code)),
            other => {
                return Err(Error::invalid(
                    "dependency",
                    format!(
                        "dependency element '{other}' is not one this server evaluates ({DEPENDENCY_SEX}, {DEPENDENCY_AGE}, {DEPENDENCY_CONDITION})"
                    ),
                ));
            }
        }
    }
    Ok(context)
}

/// `$translate`: the source code, the map to use, and patient context from `dependency`.
///
/// With it, the coding to echo as each match's `concept` when the request is an R5 reverse
/// translation (`targetCode`/`targetCoding`): tx.fhir.org answers those with the queried target
/// as `concept` and the source code found as a `source` coding part (tx-ecosystem
/// `translate/translate-reverse`), while an R4 `reverse=true` keeps R4's shape, the source
/// codes as `concept`.
pub fn translate(
    p: &Params,
) -> Result<(
    crate::ops::translate::TranslateRequest,
    Option<crate::ops::Coding>,
)> {
    // R5 names the sides: source* to translate forward, target* to find what maps to a
    // target code (a reverse translation); the R4 names are the source side.
    let side = |prefix: &str| -> Result<Option<SideCoding>> {
        let name = |n: &str| {
            if prefix.is_empty() {
                n.to_string()
            } else {
                let mut c = n.chars();
                let first = c.next().map(|f| f.to_ascii_uppercase()).unwrap_or_default();
                format!("{prefix}{first}{}", c.as_str())
            }
        };
        Ok(
            match (
                p.coding(&name("coding"))?,
                p.codeable_concept(&name("codeableConcept"))?,
            ) {
                (Some(c), _) => Some((c.system, c.code, c.version)),
                (None, Some(cc)) => {
                    let c = cc.into_iter().next().unwrap_or_default();
                    Some((c.system, c.code, c.version))
                }
                (None, None) => p.text(&name("code"))?.map(|code| {
                    (
                        p.text(&name("system")).ok().flatten(),
                        Some(code),
                        p.text(&name("version")).ok().flatten(),
                    )
                }),
            },
        )
    };
    let (forward, backward) = (side("")?.or(side("source")?), side("target")?);
    let reverse_r5 = forward.is_none() && backward.is_some();
    let (system, code, version) = match (forward, backward) {
        (Some(f), _) => f,
        (None, Some(b)) => b,
        (None, None) => (None, None, None),
    };
    let code = code.ok_or_else(|| {
        Error::invalid(
            "code",
            "parameter 'code' (with 'system'), 'coding' or 'codeableConcept' is required (R5: sourceCode with sourceSystem, sourceCoding, or targetCode with targetSystem for a reverse translation)",
        )
    })?;
    let system = system
        .ok_or_else(|| Error::invalid("system", "parameter 'system' is required with 'code'"))?;
    let context = map_context(p)?;
    let url = p
        .text("url")?
        .or(p.text("source")?.filter(|s| s.contains("?fhir_cm=")));
    let queried = reverse_r5.then(|| crate::ops::Coding {
        system: Some(system.clone()),
        version: version.clone(),
        code: Some(code.clone()),
        display: None,
    });
    let request = crate::ops::translate::TranslateRequest {
        system,
        code,
        version,
        url,
        map_version: p.text("conceptMapVersion")?,
        concept_map: p
            .resources("conceptMap")?
            .into_iter()
            .next()
            .map(|r| concept_map(&r, "conceptMap"))
            .transpose()?,
        target_system: if reverse_r5 {
            p.text("sourceSystem")?
        } else {
            p.text("targetsystem")?.or(p.text("targetSystem")?)
        },
        context,
        reverse: reverse_r5 || p.boolean("reverse")?.unwrap_or(false),
        unconditional_only: p.boolean("unconditionalOnly")?.unwrap_or(false),
    };
    Ok((request, queried))
}

/// A ConceptMap resource sent in parameter `name`, typed.
/// A CodeSystem resource sent with the request, flattened by the same reader the importer uses
/// (nested concepts, properties, designations); `None` when it has no url.
pub fn mem_code_system(json: &serde_json::Value) -> Option<MemCodeSystem> {
    use crate::model::{CodeSystemVersion, Concept, Designation, Family, Property};
    let s = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let url = s("url")?;
    let concepts = concord_loaders::fhir_res::concepts::code_system_concepts(json)
        .into_iter()
        .map(|c| {
            let mut properties: Vec<Property> = c
                .properties
                .into_iter()
                .map(|p| Property {
                    name: p.code,
                    kind: p.kind,
                    value: p.value,
                })
                .collect();
            if let Some(def) = c.definition {
                properties.push(Property {
                    name: "definition".into(),
                    kind: "string".into(),
                    value: def,
                });
            }
            let designations = c
                .designations
                .into_iter()
                .enumerate()
                .map(|(i, d)| Designation {
                    id: format!("{}#{i}", c.code),
                    language: d.language,
                    use_code: d.use_code,
                    term: d.value,
                    case_significance: None,
                    active: d.active,
                    acceptability: vec![],
                    extensions: d.extensions,
                })
                .collect();
            let concept = Concept {
                code: c.code.clone(),
                display: c.display,
                active: c.active,
                effective_time: None,
                module: None,
                definition_status: None,
                kind: None,
            };
            (
                c.code,
                MemConcept {
                    concept,
                    designations,
                    properties,
                    parents: c.parents,
                },
            )
        })
        .collect::<Vec<_>>();
    let meta = CodeSystemVersion {
        id: -1,
        url,
        version: s("version").unwrap_or_default(),
        family: Family::Fhir,
        name: s("name"),
        title: s("title"),
        content: s("content").unwrap_or_else(|| "complete".into()),
        edition_module: None,
        release_date: None,
        concept_count: 0,
        language: s("language"),
        status: s("status"),
        supplements: s("supplements"),
        case_sensitive: json
            .get("caseSensitive")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(true),
        experimental: json
            .get("experimental")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
        standards_status: json
            .get("extension")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .find(|e| {
                e.get("url").and_then(serde_json::Value::as_str)
                    == Some(crate::model::STANDARDS_STATUS)
            })
            .and_then(|e| e.get("valueCode")?.as_str())
            .map(str::to_string),
        property_uris: json
            .get("property")
            .and_then(serde_json::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| {
                Some((
                    p.get("code")?.as_str()?.to_string(),
                    p.get("uri")?.as_str()?.to_string(),
                ))
            })
            .collect(),
    };
    Some(MemCodeSystem::new(meta, concepts))
}

/// A ValueSet sent as parameter `name`, typed.
pub fn value_set(r: &serde_json::Value, name: &str) -> Result<ValueSet> {
    ValueSet::deserialize(r)
        .map_err(|e| Error::invalid(name, format!("the ValueSet in '{name}' is not valid: {e}")))
}

fn concept_map(r: &serde_json::Value, name: &str) -> Result<ConceptMap> {
    ConceptMap::deserialize(r).map_err(|e| {
        Error::invalid(
            name,
            format!("the ConceptMap in '{name}' is not valid: {e}"),
        )
    })
}

/// What is wrong with the shape of a CodeSystem sent with a request, with the path to it: the
/// reader of its concepts is lenient (packages carry odd ones), so a request's own resource is
/// held to the JSON shape here rather than read as "no concepts".
fn code_system_shape(r: &serde_json::Value) -> std::result::Result<(), String> {
    use serde_json::Value;
    for key in ["url", "version", "content", "status", "language"] {
        if r.get(key).is_some_and(|v| !v.is_string()) {
            return Err(format!("CodeSystem.{key} must be a string"));
        }
    }
    fn concepts(list: Option<&Value>, path: &str) -> std::result::Result<(), String> {
        let Some(list) = list else { return Ok(()) };
        let Some(items) = list.as_array() else {
            return Err(format!("{path} must be an array of concepts"));
        };
        for (i, c) in items.iter().enumerate() {
            let here = format!("{path}[{i}]");
            if !c.is_object() {
                return Err(format!("{here} must be an object"));
            }
            if !c.get("code").is_some_and(Value::is_string) {
                return Err(format!("{here} has no code"));
            }
            if c.get("display").is_some_and(|d| !d.is_string()) {
                return Err(format!("{here}.display must be a string"));
            }
            concepts(c.get("concept"), &format!("{here}.concept"))?;
        }
        Ok(())
    }
    concepts(r.get("concept"), "CodeSystem.concept")
}

/// `tx-resource` (and `codeSystem`) parameters: CodeSystems, ValueSets and ConceptMaps used for
/// this request only.
pub fn add_tx_resources(p: &Params, ctx: &mut RequestContext) -> Result<()> {
    for (name, r) in p
        .resources("tx-resource")?
        .into_iter()
        .map(|r| ("tx-resource", r))
        .chain(
            p.resources("codeSystem")?
                .into_iter()
                .map(|r| ("codeSystem", r)),
        )
    {
        match r.get("resourceType").and_then(|v| v.as_str()) {
            Some("CodeSystem") => {
                if let Err(problem) = code_system_shape(&r) {
                    return Err(Error::invalid(
                        name,
                        format!("the CodeSystem in '{name}' is not valid: {problem}"),
                    ));
                }
                let cs = mem_code_system(&r).ok_or_else(|| {
                    Error::invalid(name, format!("a CodeSystem in {name} needs a url"))
                })?;
                ctx.code_systems.push(std::sync::Arc::new(cs));
            }
            Some("ValueSet") => ctx.value_sets.push(value_set(&r, name)?),
            Some("ConceptMap") => ctx.concept_maps.push(concept_map(&r, name)?),
            _ => {}
        }
    }
    Ok(())
}

/// `$normalize`: exactly one of `coding`, `codeableConcept`, `text`, or `code` with `system`
/// (+ `display`, `version`); patient context as `dependency`; `target` systems (repeating).
pub fn normalize(
    p: &Params,
    canonical_system: &str,
) -> Result<crate::ops::normalize::NormalizeRequest> {
    use crate::ops::normalize::{Input, NormalizeRequest};
    let coding = p.coding("coding")?;
    let cc = p.codeable_concept("codeableConcept")?;
    let text = p.text("text")?;
    let plain = p.text("code")?.map(|code| -> Result<Coding> {
        Ok(Coding {
            system: Some(p.text("system")?.ok_or_else(|| {
                Error::invalid("system", "parameter 'system' is required with 'code'")
            })?),
            version: p.text("version")?,
            code: Some(code),
            display: p.text("display")?,
        })
    });
    let mut inputs = Vec::new();
    if let Some(c) = coding {
        inputs.push(Input::Codings(vec![c]));
    }
    if let Some(cc) = cc {
        inputs.push(Input::Codings(cc));
    }
    if let Some(t) = text {
        inputs.push(Input::Text(t));
    }
    if let Some(c) = plain {
        inputs.push(Input::Codings(vec![c?]));
    }
    if inputs.len() != 1 {
        return Err(Error::invalid(
            "coding",
            "exactly one of 'coding', 'codeableConcept', 'text' or 'code' (with 'system') is required",
        ));
    }
    let input = inputs.remove(0);
    Ok(NormalizeRequest {
        input,
        context: map_context(p)?,
        targets: p.texts("target"),
        canonical_system: p
            .text("canonical")?
            .unwrap_or_else(|| canonical_system.to_string()),
    })
}

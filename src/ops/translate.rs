//! `$translate`: SNOMED CT map refsets (ICD-10 extended map and every other simple, complex or
//! extended map), FHIR ConceptMap resources, reverse use, and ICD-10-CM → WHO ICD-10 roll-up.
//!
//! SNOMED CT maps keep their structure: every match carries its map group, priority, rule,
//! advice, category and correlation, and matches come ordered by group then priority. With
//! patient context (sex, age at onset, co-existing conditions) each group's rules are evaluated
//! in priority order — first true wins, `OTHERWISE TRUE` as the fallback — and exactly one
//! target per group is returned with the rule that fired. Without enough context the group's
//! remaining candidates are returned with their rules, and the message names the context that
//! would decide. A retired source concept is followed through SAME AS / REPLACED BY first.

use super::engine::{RequestContext, Terminology};
use super::maprule::{self, Context, Rule, Truth};
use super::source::Source;
use super::{Coding, Error, Result, resolve};
use crate::model::concept_map::{ConceptMap, MapGroup};
use crate::model::{Family, sct, uri};
use crate::store::read::MapRow;

/// A `$translate` request in domain terms.
#[derive(Debug, Clone, Default)]
pub struct TranslateRequest {
    /// Source system.
    pub system: String,
    /// Source code.
    pub code: String,
    /// Source system version.
    pub version: Option<String>,
    /// Concept map canonical (`http://snomed.info/sct?fhir_cm=447562003` or a ConceptMap url).
    pub url: Option<String>,
    /// Concept map version.
    pub map_version: Option<String>,
    /// A ConceptMap supplied with the request.
    pub concept_map: Option<ConceptMap>,
    /// Target system.
    pub target_system: Option<String>,
    /// Patient context from `dependency` parameters.
    pub context: Context,
    /// Use the map backwards (target → source).
    pub reverse: bool,
    /// Reverse use: keep only unconditional (`TRUE`) map rows.
    pub unconditional_only: bool,
}

/// One match.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Match {
    /// FHIR R4 ConceptMapEquivalence code.
    pub equivalence: String,
    /// The target (absent when the map says the source cannot be mapped).
    pub concept: Option<Coding>,
    /// Canonical of the map used.
    pub source: String,
    /// Map group (SNOMED CT maps).
    pub group: Option<i64>,
    /// Map priority.
    pub priority: Option<i64>,
    /// Map rule text.
    pub rule: Option<String>,
    /// Map advice.
    pub advice: Option<String>,
    /// Map category.
    pub category: Option<Coding>,
    /// Correlation.
    pub correlation: Option<Coding>,
    /// `fired` (its rule held), `candidate` (undecided without more context) or
    /// `unconditional` (TRUE rows and maps without rules).
    pub rule_outcome: Option<String>,
    /// The source code this match came from when an inactive source was followed.
    pub via: Option<String>,
    /// ConceptMap `dependsOn` / `product` elements: (part name, property uri, value coding).
    pub elements: Vec<(String, String, Coding)>,
    /// ConceptMap comment.
    pub comment: Option<String>,
}

/// The `$translate` answer.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct TranslateResult {
    /// At least one match names a target.
    pub result: bool,
    /// What the caller must know (undecided groups, followed associations, reverse use).
    pub message: Option<String>,
    /// Matches, ordered by map group then priority.
    pub matches: Vec<Match>,
}

/// Known SNOMED CT map refsets: (refset id, the code system of its targets). A map refset not
/// listed here is still served, its targets without a system (and a message saying so): a
/// wrong system would make every target look like a code it is not.
pub const MAP_REFSETS: &[(&str, &str)] = &[
    (sct::ICD10_MAP, uri::ICD10),
    ("900000000000497000", "http://read.info/ctv3"),
    ("446608001", "http://terminology.hl7.org/CodeSystem/icd-o-3"),
    ("6011000124106", uri::ICD10CM),
    // UK edition: ICD-10 (5th edition) and OPCS-4 complex maps.
    ("999002271000000101", uri::ICD10),
    ("1126441000000105", "https://fhir.nhs.uk/Id/opcs-4"),
    ("1382401000000109", "https://fhir.nhs.uk/Id/opcs-4"),
];

/// The historical association refsets served as implicit concept maps, with the equivalence
/// each implies (FHIR R4 SNOMED CT page, "Implicit Concept Maps"). Targets are SNOMED CT.
const ASSOCIATION_MAPS: &[(&str, &str)] = &[
    (sct::SAME_AS, "equal"),
    (sct::REPLACED_BY, "equivalent"),
    (sct::POSSIBLY_EQUIVALENT_TO, "inexact"),
    (sct::WAS_A, "wider"),
    (sct::ALTERNATIVE, "relatedto"),
    (sct::MOVED_TO, "disjoint"),
    ("900000000000525002", "disjoint"),  // MOVED FROM
    ("900000000000531004", "relatedto"), // REFERS TO
    ("1186921001", "relatedto"),         // POSSIBLY REPLACED BY
    ("1186924009", "inexact"),           // PARTIALLY EQUIVALENT TO
];

fn association_equivalence(refset: &str) -> Option<&'static str> {
    ASSOCIATION_MAPS
        .iter()
        .find(|(r, _)| *r == refset)
        .map(|(_, e)| *e)
}

/// The implicit ConceptMap canonical of a map refset.
pub fn implicit_url(refset: &str) -> String {
    format!("{}?fhir_cm={refset}", uri::SNOMED)
}

fn target_system_of(refset: &str) -> Option<&'static str> {
    MAP_REFSETS
        .iter()
        .find(|(r, _)| *r == refset)
        .map(|(_, s)| *s)
}

/// Runs `$translate`.
pub fn translate(
    t: &Terminology,
    ctx: &RequestContext,
    req: &TranslateRequest,
) -> Result<TranslateResult> {
    let implicit = req
        .url
        .as_deref()
        .and_then(|u| u.split_once("?fhir_cm="))
        .map(|(base, refset)| (base.to_string(), refset.to_string()));
    if req.concept_map.is_some() || (req.url.is_some() && implicit.is_none()) {
        return concept_map(t, ctx, req);
    }
    let snomed_source = req.system == uri::SNOMED && !req.reverse;
    let snomed_target =
        req.target_system.as_deref() == Some(uri::SNOMED) || (req.reverse && implicit.is_some());
    if snomed_source {
        return snomed_forward(t, ctx, req, implicit);
    }
    if snomed_target {
        return snomed_reverse(t, ctx, req, implicit);
    }
    if req.system == uri::ICD10CM && req.target_system.as_deref() == Some(uri::ICD10) {
        return icd10cm_rollup(t, ctx, req);
    }
    // Any stored ConceptMap from this system (to the target system, if given).
    concept_map(t, ctx, req)
}

fn map_refsets_for(
    t: &Terminology,
    cs: i64,
    req: &TranslateRequest,
    implicit: &Option<(String, String)>,
) -> Result<Vec<String>> {
    if let Some((_, refset)) = implicit {
        return Ok(vec![refset.clone()]);
    }
    let loaded = t.with_store(|s| Ok(s.map_refsets(cs)?))?;
    Ok(match &req.target_system {
        Some(target) => {
            let v: Vec<String> = loaded
                .into_iter()
                .filter(|r| target_system_of(r) == Some(target.as_str()))
                .collect();
            if v.is_empty() {
                return Err(Error::NotFound(format!(
                    "no SNOMED CT map to '{target}' is loaded (known map refsets: {})",
                    MAP_REFSETS
                        .iter()
                        .map(|(r, s)| format!("{r} → {s}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            v
        }
        None => loaded,
    })
}

fn snomed_forward(
    t: &Terminology,
    ctx: &RequestContext,
    req: &TranslateRequest,
    implicit: Option<(String, String)>,
) -> Result<TranslateResult> {
    let version = req.version.clone().or_else(|| {
        implicit
            .as_ref()
            .map(|(b, _)| b.clone())
            .filter(|b| b != uri::SNOMED)
    });
    let src = resolve::code_system(t, ctx, uri::SNOMED, version.as_deref())?;
    let cs = src
        .store_id()
        .ok_or_else(|| Error::NotSupported("SNOMED CT maps need a loaded release".into()))?;
    if let Some((_, refset)) = &implicit
        && let Some(equivalence) = association_equivalence(refset)
    {
        return association_map(t, src.as_ref(), cs, refset, equivalence, &req.code);
    }
    let refsets = map_refsets_for(t, cs, req, &implicit)?;
    let mut messages = Vec::new();
    // A retired concept is followed through its SAME AS / REPLACED BY associations.
    let mut sources = vec![(req.code.clone(), None::<String>)];
    let source_concept = src.concept(&req.code)?;
    if let Some(c) = &source_concept
        && !c.active
    {
        let assoc = t.with_store(|s| Ok(s.associations(cs, &req.code)?))?;
        let follow: Vec<_> = assoc
            .iter()
            .filter(|a| a.refset == sct::SAME_AS || a.refset == sct::REPLACED_BY)
            .collect();
        if !follow.is_empty() {
            sources = follow
                .iter()
                .map(|a| (a.target.clone(), Some(req.code.clone())))
                .collect();
            messages.push(format!(
                "{} is inactive; translated {}",
                req.code,
                follow
                    .iter()
                    .map(|a| format!(
                        "{} {}",
                        sct::association_name(&a.refset).unwrap_or("→"),
                        a.target
                    ))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ));
        } else {
            messages.push(format!(
                "{} is inactive and has no SAME AS / REPLACED BY association to follow",
                req.code
            ));
        }
    } else if source_concept.is_none() && t.with_store(|s| Ok(s.map_rows_any(cs, &req.code)?))? == 0
    {
        return Err(Error::NotFound(format!(
            "Unable to find code '{}' in {} version {}",
            req.code,
            uri::SNOMED,
            src.meta().version
        )));
    }
    let hierarchy = t.hierarchy(cs)?;
    let subsumes = |a: &str, b: &str| hierarchy.subsumes(a, b);
    let mut matches = Vec::new();
    for (code, via) in &sources {
        for refset in &refsets {
            let rows = t.with_store(|s| Ok(s.map_rows(cs, refset, code)?))?;
            let target_system = target_system_of(refset);
            if target_system.is_none() && !rows.is_empty() {
                messages.push(format!(
                    "the code system of map {refset}'s targets is not known to this server; its targets are returned without a system"
                ));
            }
            let mut group_start = 0;
            while group_start < rows.len() {
                let g = rows[group_start].group;
                let group_end = rows[group_start..]
                    .iter()
                    .position(|r| r.group != g)
                    .map(|p| group_start + p)
                    .unwrap_or(rows.len());
                let group = &rows[group_start..group_end];
                evaluate_group(
                    t,
                    ctx,
                    src.as_ref(),
                    refset,
                    target_system,
                    group,
                    &req.context,
                    &subsumes,
                    via,
                    &mut matches,
                    &mut messages,
                )?;
                group_start = group_end;
            }
        }
    }
    Ok(finish(matches, messages))
}

#[allow(clippy::too_many_arguments)]
fn evaluate_group(
    t: &Terminology,
    ctx: &RequestContext,
    src: &dyn Source,
    refset: &str,
    target_system: Option<&str>,
    group: &[MapRow],
    context: &Context,
    subsumes: &dyn Fn(&str, &str) -> bool,
    via: &Option<String>,
    out: &mut Vec<Match>,
    messages: &mut Vec<String>,
) -> Result<()> {
    let has_rules = group.iter().any(|r| r.rule.is_some());
    for (i, row) in group.iter().enumerate() {
        let (outcome, decided) = match &row.rule {
            None => (Some("unconditional"), false),
            Some(text) => match maprule::parse(text) {
                Ok(Rule::True) => (Some("unconditional"), true),
                Ok(rule) => match maprule::eval(&rule, context, subsumes) {
                    Truth::True => (Some("fired"), true),
                    Truth::False => continue,
                    Truth::Unknown => {
                        let mut needs: Vec<&str> = Vec::new();
                        for r in &group[i..] {
                            if let Some(Ok(rule)) = r.rule.as_deref().map(maprule::parse) {
                                needs.extend(maprule::needs(&rule));
                            }
                        }
                        needs.sort();
                        needs.dedup();
                        messages.push(format!(
                            "map group {} of {} is undecided: rule '{}' needs {}; every remaining candidate is returned",
                            row.group.unwrap_or(0),
                            row.source,
                            text,
                            needs.join(", ")
                        ));
                        for r in &group[i..] {
                            out.push(map_match(
                                t,
                                ctx,
                                src,
                                refset,
                                target_system,
                                r,
                                Some("candidate"),
                                via,
                            )?);
                        }
                        return Ok(());
                    }
                },
                Err(why) => {
                    messages.push(format!("map group {} of {}: {why}; the row is returned as a candidate, not evaluated", row.group.unwrap_or(0), row.source));
                    out.push(map_match(
                        t,
                        ctx,
                        src,
                        refset,
                        target_system,
                        row,
                        Some("candidate"),
                        via,
                    )?);
                    continue;
                }
            },
        };
        out.push(map_match(
            t,
            ctx,
            src,
            refset,
            target_system,
            row,
            outcome,
            via,
        )?);
        if decided && has_rules {
            return Ok(());
        }
    }
    Ok(())
}

/// A historical association refset as an implicit concept map: the concept's active
/// associations of that kind, each with the equivalence the association implies.
fn association_map(
    t: &Terminology,
    src: &dyn Source,
    cs: i64,
    refset: &str,
    equivalence: &str,
    code: &str,
) -> Result<TranslateResult> {
    if src.concept(code)?.is_none() {
        return Err(Error::NotFound(format!(
            "Unable to find code '{code}' in {} version {}",
            uri::SNOMED,
            src.meta().version
        )));
    }
    let mut matches = Vec::new();
    for a in t.with_store(|s| Ok(s.associations(cs, code)?))? {
        if a.refset != refset {
            continue;
        }
        matches.push(Match {
            equivalence: equivalence.into(),
            concept: Some(snomed_coding(&a.target, src.display(&a.target)?)),
            source: implicit_url(refset),
            ..Default::default()
        });
    }
    let mut messages = Vec::new();
    if !matches.is_empty() {
        messages.push(format!(
            "{} association: {code} → {}",
            sct::association_name(refset).unwrap_or(refset),
            matches
                .iter()
                .filter_map(|m| m.concept.as_ref().and_then(|c| c.code.clone()))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(finish(matches, messages))
}

fn snomed_coding(code: &str, display: Option<String>) -> Coding {
    Coding {
        system: Some(uri::SNOMED.into()),
        code: Some(code.into()),
        display,
        version: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn map_match(
    t: &Terminology,
    ctx: &RequestContext,
    src: &dyn Source,
    refset: &str,
    target_system: Option<&str>,
    row: &MapRow,
    outcome: Option<&str>,
    via: &Option<String>,
) -> Result<Match> {
    let concept = (!row.target.is_empty()).then(|| Coding {
        system: target_system.map(str::to_string),
        code: Some(row.target.clone()),
        display: target_system.and_then(|s| target_display(t, ctx, s, &row.target)),
        version: None,
    });
    let equivalence = if concept.is_none() {
        "unmatched"
    } else {
        match row.correlation.as_deref() {
            Some("447556008") => "equal",
            Some("447557004") => "narrower",
            Some("447558009") => "wider",
            Some("447559001") => "inexact",
            Some("447560006") => "unmatched",
            _ => "relatedto",
        }
    };
    let display = |c: &Option<String>| -> Result<Option<Coding>> {
        Ok(match c {
            Some(c) => Some(snomed_coding(c, src.display(c)?)),
            None => None,
        })
    };
    Ok(Match {
        equivalence: equivalence.into(),
        concept,
        source: implicit_url(refset),
        group: row.group,
        priority: row.priority,
        rule: row.rule.clone(),
        advice: row.advice.clone(),
        category: display(&row.category)?,
        correlation: display(&row.correlation)?,
        rule_outcome: outcome.map(str::to_string),
        via: via.clone(),
        ..Default::default()
    })
}

/// Display of a target code when its code system is loaded.
fn target_display(
    t: &Terminology,
    ctx: &RequestContext,
    system: &str,
    code: &str,
) -> Option<String> {
    let src = resolve::code_system(t, ctx, system, None).ok()?;
    src.display(code).ok().flatten()
}

fn finish(matches: Vec<Match>, mut messages: Vec<String>) -> TranslateResult {
    let result = matches.iter().any(|m| m.concept.is_some());
    if matches.is_empty() {
        messages.push("no mapping found".into());
    }
    TranslateResult {
        result,
        message: (!messages.is_empty()).then(|| messages.join("; ")),
        matches,
    }
}

fn snomed_reverse(
    t: &Terminology,
    ctx: &RequestContext,
    req: &TranslateRequest,
    implicit: Option<(String, String)>,
) -> Result<TranslateResult> {
    let src = resolve::code_system(
        t,
        ctx,
        uri::SNOMED,
        implicit
            .as_ref()
            .map(|(b, _)| b.as_str())
            .filter(|b| *b != uri::SNOMED),
    )?;
    let cs = src
        .store_id()
        .ok_or_else(|| Error::NotSupported("SNOMED CT maps need a loaded release".into()))?;
    let refsets: Vec<String> = match &implicit {
        Some((_, r)) => vec![r.clone()],
        None => t
            .with_store(|s| Ok(s.map_refsets(cs)?))?
            .into_iter()
            .filter(|r| target_system_of(r) == Some(req.system.as_str()))
            .collect(),
    };
    if refsets.is_empty() {
        return Err(Error::NotFound(format!(
            "no SNOMED CT map from '{}' is loaded for reverse use",
            req.system
        )));
    }
    let mut matches = Vec::new();
    for refset in &refsets {
        for row in t.with_store(|s| Ok(s.map_rows_by_target(cs, refset, &req.code)?))? {
            let unconditional = matches!(row.rule.as_deref(), None | Some("TRUE"));
            if req.unconditional_only && !unconditional {
                continue;
            }
            let display = src.display(&row.source)?;
            matches.push(Match {
                // The SNOMED CT concept is usually narrower than the classification code it maps
                // to; a conditional row only holds for some patients.
                equivalence: if unconditional { "narrower" } else { "inexact" }.into(),
                concept: Some(snomed_coding(&row.source, display)),
                source: implicit_url(refset),
                group: row.group,
                priority: row.priority,
                rule: row.rule.clone(),
                advice: row.advice.clone(),
                rule_outcome: Some(
                    if unconditional {
                        "unconditional"
                    } else {
                        "candidate"
                    }
                    .into(),
                ),
                ..Default::default()
            });
        }
    }
    let mut messages = vec![
        "reverse use of a SNOMED CT map: these are candidates whose forward map leads to this code; they are not equivalents, and choosing one is not clinically safe without review".to_string(),
    ];
    if req.unconditional_only {
        messages.push("only unconditional (TRUE) map rows were considered".into());
    }
    Ok(finish(matches, messages))
}

fn icd10cm_rollup(
    t: &Terminology,
    ctx: &RequestContext,
    req: &TranslateRequest,
) -> Result<TranslateResult> {
    let cm = resolve::code_system(t, ctx, uri::ICD10CM, req.version.as_deref())?;
    let who = resolve::code_system(t, ctx, uri::ICD10, None).map_err(|_| {
        Error::NotFound(
            "WHO ICD-10 is not loaded; import its ClaML to translate ICD-10-CM to ICD-10".into(),
        )
    })?;
    let source = cm.concept(&req.code)?.ok_or_else(|| {
        Error::NotFound(format!(
            "Unable to find code '{}' in {}",
            req.code,
            uri::ICD10CM
        ))
    })?;
    let mut code = req.code.clone();
    loop {
        if let Some(c) = who.concept(&code)? {
            let same = code == req.code;
            let equivalence = match (same, &c.display, &source.display) {
                (true, Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => "equivalent",
                (true, _, _) => "inexact",
                (false, _, _) => "wider",
            };
            let message = if same {
                format!(
                    "{code} exists in both ICD-10-CM and WHO ICD-10{}",
                    if equivalence == "inexact" {
                        " with different titles; check the meaning"
                    } else {
                        ""
                    }
                )
            } else {
                format!(
                    "ICD-10-CM {} rolls up to the WHO ICD-10 category {code}, which is broader",
                    req.code
                )
            };
            let m = Match {
                equivalence: equivalence.into(),
                concept: Some(Coding {
                    system: Some(uri::ICD10.into()),
                    code: Some(code.clone()),
                    display: c.display,
                    version: Some(who.meta().version.clone()),
                }),
                source: format!("{}?rollup={}", uri::ICD10CM, uri::ICD10),
                ..Default::default()
            };
            return Ok(TranslateResult {
                result: true,
                message: Some(message),
                matches: vec![m],
            });
        }
        match cm.parents(&code)?.into_iter().next() {
            Some(p) if cm.meta().family == Family::Icd10cm => code = p,
            _ => {
                return Ok(finish(
                    vec![],
                    vec![format!(
                        "no WHO ICD-10 code coincides with {} or its ancestors",
                        req.code
                    )],
                ));
            }
        }
    }
}

/// Translation with FHIR ConceptMap resources (stored, supplied with the request, or found by
/// source and target system).
fn concept_map(
    t: &Terminology,
    ctx: &RequestContext,
    req: &TranslateRequest,
) -> Result<TranslateResult> {
    let supplied = |m: &&ConceptMap| req.url.is_none() || m.url == req.url;
    let maps: Vec<ConceptMap> = match (&req.concept_map, &req.url) {
        (Some(m), _) => vec![m.clone()],
        (None, _) if ctx.concept_maps.iter().any(|m| supplied(&m)) => {
            ctx.concept_maps.iter().filter(supplied).cloned().collect()
        }
        (None, Some(url)) => vec![
            t.with_store(|s| Ok(s.concept_map(url, req.map_version.as_deref())?))?
                .ok_or_else(|| {
                    Error::NotFound(format!("ConceptMap '{url}' is not known to this server"))
                })?,
        ],
        (None, None) => {
            t.with_store(|s| Ok(s.concept_maps_for(&req.system, req.target_system.as_deref())?))?
        }
    };
    if maps.is_empty() {
        return Err(Error::NotFound(format!(
            "no concept map from '{}'{} is known; give url or targetsystem",
            req.system,
            req.target_system
                .as_ref()
                .map(|t| format!(" to '{t}'"))
                .unwrap_or_default()
        )));
    }
    let mut matches = Vec::new();
    let mut messages = Vec::new();
    for map in &maps {
        let canonical = map.url.as_deref().unwrap_or("(inline ConceptMap)");
        for group in &map.group {
            let (from, to) = if req.reverse {
                (group.target.as_deref(), group.source.as_deref())
            } else {
                (group.source.as_deref(), group.target.as_deref())
            };
            if from.is_some_and(|f| f != req.system)
                || (req.target_system.is_some()
                    && to.is_some()
                    && to != req.target_system.as_deref())
            {
                continue;
            }
            let mut found = false;
            for element in &group.element {
                for target in &element.target {
                    let (source_code, target_code, target_display) = if req.reverse {
                        (&target.code, &element.code, &element.display)
                    } else {
                        (&element.code, &target.code, &target.display)
                    };
                    if source_code.as_deref() != Some(req.code.as_str()) {
                        continue;
                    }
                    found = true;
                    let equivalence = target.equivalence.as_deref().unwrap_or("equivalent");
                    let elements = [
                        ("dependsOn", &target.depends_on),
                        ("product", &target.product),
                    ]
                    .into_iter()
                    .flat_map(|(part, list)| {
                        list.iter().map(move |d| {
                            (
                                part.to_string(),
                                d.property.clone().unwrap_or_default(),
                                Coding {
                                    system: d.system.clone(),
                                    code: d.value.clone(),
                                    display: d.display.clone(),
                                    version: None,
                                },
                            )
                        })
                    })
                    .collect();
                    matches.push(Match {
                        equivalence: if req.reverse {
                            reverse_equivalence(equivalence)
                        } else {
                            equivalence
                        }
                        .to_string(),
                        concept: target_code.as_ref().map(|c| Coding {
                            system: to.map(str::to_string),
                            code: Some(c.clone()),
                            display: target_display.clone(),
                            version: None,
                        }),
                        source: canonical.to_string(),
                        elements,
                        comment: target.comment.clone(),
                        rule_outcome: Some("unconditional".into()),
                        ..Default::default()
                    });
                }
            }
            if !found && !req.reverse {
                unmapped(group, &req.code, to, canonical, &mut matches, &mut messages);
            }
        }
    }
    Ok(finish(matches, messages))
}

/// ConceptMap `group.unmapped`: what to do with a code no element lists.
fn unmapped(
    group: &MapGroup,
    code: &str,
    to: Option<&str>,
    canonical: &str,
    out: &mut Vec<Match>,
    messages: &mut Vec<String>,
) {
    let Some(u) = &group.unmapped else {
        return;
    };
    let mode = u.mode.as_deref().unwrap_or_default();
    let target = match mode {
        "provided" => Some((code.to_string(), None)),
        "fixed" => u.code.clone().map(|c| (c, u.display.clone())),
        "other-map" => {
            messages.push(format!(
                "unmapped codes go to {} (other-map), which is not followed",
                u.url.as_deref().unwrap_or("?")
            ));
            None
        }
        _ => None,
    };
    if let Some((c, display)) = target {
        out.push(Match {
            equivalence: if mode == "provided" {
                "equal"
            } else {
                "inexact"
            }
            .into(),
            concept: Some(Coding {
                system: to.map(str::to_string),
                code: Some(c),
                display,
                version: None,
            }),
            source: canonical.to_string(),
            comment: Some(format!("from the group's unmapped rule (mode {mode})")),
            rule_outcome: Some("unconditional".into()),
            ..Default::default()
        });
    }
}

/// The equivalence seen from the other side.
fn reverse_equivalence(e: &str) -> &str {
    match e {
        "wider" => "narrower",
        "narrower" => "wider",
        "subsumes" => "specializes",
        "specializes" => "subsumes",
        other => other,
    }
}

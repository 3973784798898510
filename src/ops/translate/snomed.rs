//! SNOMED CT map refsets as implicit concept maps: forward with rule evaluation per map group,
//! historical associations, and reverse use (target code → source candidates).

use super::super::engine::{RequestContext, Terminology};
use super::super::maprule::{self, Context, Rule, Truth};
use super::super::source::Source;
use super::super::{Coding, Error, Result, resolve};
use super::*;
use crate::model::{sct, uri};
use crate::store::read::MapRow;

pub(super) fn map_refsets_for(
    t: &Terminology,
    cs: i64,
    req: &TranslateRequest,
    implicit: &Option<(String, String)>,
) -> Result<Vec<String>> {
    if let Some((_, refset)) = implicit {
        return Ok(vec![refset.clone()]);
    }
    let loaded = t.map_refsets(cs)?;
    Ok(match &req.target_system {
        Some(target) => {
            let v: Vec<String> = loaded
                .iter()
                .filter(|r| target_system_of(r) == Some(target.as_str()))
                .cloned()
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
        None => loaded.to_vec(),
    })
}

pub(super) fn snomed_forward(
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
pub(super) fn evaluate_group(
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
pub(super) fn association_map(
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

pub(super) fn snomed_coding(code: &str, display: Option<String>) -> Coding {
    Coding {
        system: Some(uri::SNOMED.into()),
        code: Some(code.into()),
        display,
        version: None,
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) fn map_match(
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

pub(super) fn snomed_reverse(
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
            .map_refsets(cs)?
            .iter()
            .filter(|r| target_system_of(r) == Some(req.system.as_str()))
            .cloned()
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

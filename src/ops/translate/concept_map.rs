//! Translation with FHIR ConceptMap resources (stored, sent with the request, or found by
//! source and target system), with `unmapped` rules and reverse use.

use super::super::engine::{RequestContext, Terminology};
use super::super::{Coding, Error, Result};
use super::*;
use crate::model::concept_map::{ConceptMap, MapGroup};

/// Translation with FHIR ConceptMap resources (stored, supplied with the request, or found by
/// source and target system).
pub(super) fn concept_map(
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
            // Reverse use looks for maps whose groups lead *to* the code's system (from the
            // other system, when one is named).
            let (here, other) = (Some(req.system.as_str()), req.target_system.as_deref());
            let (source, target) = if req.reverse {
                (other, here)
            } else {
                (here, other)
            };
            t.with_store(|s| Ok(s.concept_maps_for(source, target)?))?
        }
    };
    if maps.is_empty() {
        let other = req.target_system.as_deref();
        return Err(Error::NotFound(if req.reverse {
            format!(
                "no concept map to '{}'{} is known for a reverse translation; give url or the source system (sourceSystem, or targetsystem with reverse=true)",
                req.system,
                other.map(|t| format!(" from '{t}'")).unwrap_or_default()
            )
        } else {
            format!(
                "no concept map from '{}'{} is known; give url or targetsystem",
                req.system,
                other.map(|t| format!(" to '{t}'")).unwrap_or_default()
            )
        }));
    }
    let mut matches = Vec::new();
    let mut messages = Vec::new();
    for map in &maps {
        // The map that answered, as a versioned canonical (`originMap`).
        let canonical = match (&map.url, &map.version) {
            (Some(u), Some(v)) => format!("{u}|{v}"),
            (Some(u), None) => u.clone(),
            (None, _) => "(inline ConceptMap)".to_string(),
        };
        let canonical = canonical.as_str();
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
                        // A FHIR ConceptMap has no map rules: nothing was decided by one.
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
pub(super) fn unmapped(
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
            ..Default::default()
        });
    }
}

/// The equivalence seen from the other side.
pub(super) fn reverse_equivalence(e: &str) -> &str {
    match e {
        "wider" => "narrower",
        "narrower" => "wider",
        "subsumes" => "specializes",
        "specializes" => "subsumes",
        other => other,
    }
}

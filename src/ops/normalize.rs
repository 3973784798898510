//! `$normalize`: one coding, CodeableConcept or free text in, the canonical concept out (SNOMED
//! CT unless configured otherwise), with how it was reached and its equivalents in every loaded
//! target system.
//!
//! The routes, each reported as a step:
//! - **identity**: the input is an active concept of the canonical system;
//! - **replacement**: an inactive one, followed through its historical association (REPLACED BY
//!   and SAME AS before the weaker ones);
//! - **reverse-map**: a classification code (ICD-10) is the target of forward map rows; their
//!   sources are candidates, ranked, and the best is chosen — never "equivalent", always flagged
//!   inexact, because a classification code groups many clinical meanings;
//! - **rollup**: an ICD-10-CM code no map names is rolled up through its own hierarchy to the
//!   ICD-10 code it shares, then reverse-mapped;
//! - **text**: a search of the canonical system, with the match's score.
//!
//! Equivalents are the canonical concept's forward maps evaluated on the patient context; an
//! undecided group keeps its candidates and says which context would decide. Composes
//! [`super::validate`], [`super::translate`] and [`super::search`]; reads no store itself.

use super::engine::{RequestContext, Terminology};
use super::maprule::Context;
use super::search::{SearchHit, SearchRequest};
use super::translate::{self, Match, TranslateRequest};
use super::validate::{self, Issue, IssueKind, Severity, ValidateRequest};
use super::{Coding, Error, Result, resolve};
use crate::model::{Family, uri};

/// What to normalise.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// One coding, or the codings of a CodeableConcept (the first that normalises wins, a
    /// coding already in the canonical system first).
    Codings(Vec<Coding>),
    /// Free text.
    Text(String),
}

/// A `$normalize` request in domain terms.
#[derive(Debug, Clone)]
pub struct NormalizeRequest {
    /// The input.
    pub input: Input,
    /// Patient context for map rules (sex, age at onset, co-conditions).
    pub context: Context,
    /// Target systems for equivalents; empty: every system a loaded map reaches.
    pub targets: Vec<String>,
    /// The canonical code system.
    pub canonical_system: String,
}

impl NormalizeRequest {
    /// `input` normalised to `canonical_system` with no patient context, and equivalents in
    /// every system a loaded map reaches (what the bulk paths ask).
    pub fn new(input: Input, canonical_system: &str) -> Self {
        NormalizeRequest {
            input,
            context: Context::default(),
            targets: Vec::new(),
            canonical_system: canonical_system.to_string(),
        }
    }
}

/// How the canonical concept was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum How {
    /// The input is the canonical concept.
    Identity,
    /// An inactive input, followed through a historical association.
    Replacement,
    /// Reverse use of a map to a classification.
    ReverseMap,
    /// ICD-10-CM rolled up to ICD-10, then reverse-mapped.
    Rollup,
    /// A text search.
    Text,
    /// A forward map (a ConceptMap or map refset into the canonical system).
    Map,
}

impl How {
    /// The `how` code.
    pub fn code(self) -> &'static str {
        match self {
            How::Identity => "identity",
            How::Replacement => "replacement",
            How::ReverseMap => "reverse-map",
            How::Rollup => "rollup",
            How::Text => "text",
            How::Map => "map",
        }
    }
}

/// One step from the input to the canonical concept.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Step {
    /// What the step did.
    pub how: How,
    /// From.
    pub from: Coding,
    /// To.
    pub to: Coding,
    /// The map (canonical url) or association refset used.
    pub via: Option<String>,
    /// `to` relative to `from` (ConceptMap equivalence).
    pub relationship: String,
}

/// A concept the canonical one maps to (or a candidate that did not win).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Equivalent {
    /// The concept; `None` when the map says the source cannot be classified.
    pub concept: Option<Coding>,
    /// ConceptMap equivalence.
    pub relationship: String,
    /// The map used.
    pub map: Option<String>,
    /// Map group and priority.
    pub group: Option<i64>,
    /// Map priority.
    pub priority: Option<i64>,
    /// The map rule.
    pub rule: Option<String>,
    /// `fired`, `candidate` or `unconditional`.
    pub rule_outcome: Option<String>,
    /// Map advice.
    pub advice: Option<String>,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct NormalizeResult {
    /// The canonical concept (`None`: the input could not be normalised; see `issues`).
    pub canonical: Option<Coding>,
    /// How.
    pub how: Option<How>,
    /// The score of a text match, 0–1.
    pub score: Option<f64>,
    /// The steps taken, in order.
    pub steps: Vec<Step>,
    /// Equivalents in the target systems.
    pub equivalents: Vec<Equivalent>,
    /// The runners-up, best first.
    pub candidates: Vec<Equivalent>,
    /// Warnings (ambiguous, inexact, inactive, display mismatch, undecided rules) and errors.
    pub issues: Vec<Issue>,
}

/// Runs `$normalize`.
pub fn normalize(
    t: &Terminology,
    ctx: &RequestContext,
    req: &NormalizeRequest,
) -> Result<NormalizeResult> {
    // A code system known only as a stub (THO lists SNOMED CT with `content: not-present`) is
    // not a model anything can land on.
    let loaded = resolve::code_system(t, ctx, &req.canonical_system, None)
        .is_ok_and(|s| !s.meta().is_stub() && s.meta().concept_count > 0);
    if !loaded {
        return Err(Error::NotFound(format!(
            "the canonical code system {} is not loaded: import it (for SNOMED CT, a release with its maps), or name a loaded one with 'canonical' (the server's default is set by --canonical-system)",
            req.canonical_system
        )));
    }
    let mut out = match &req.input {
        Input::Text(text) => by_text(t, ctx, req, text)?,
        Input::Codings(codings) => by_codings(t, ctx, req, codings)?,
    };
    if let Some(canonical) = out.canonical.clone() {
        equivalents(t, ctx, req, &canonical, &mut out)?;
    }
    Ok(out)
}

fn issue(severity: Severity, kind: IssueKind, text: String, expression: &str) -> Issue {
    Issue {
        severity,
        kind,
        text,
        expression: expression.into(),
        message_id: None,
    }
}

fn warning(kind: IssueKind, text: String) -> Issue {
    issue(Severity::Warning, kind, text, "")
}

/// The input is its own canonical concept.
fn identity(mut out: NormalizeResult, known: Coding) -> NormalizeResult {
    out.canonical = Some(known.clone());
    out.how = Some(How::Identity);
    out.steps.push(Step {
        how: How::Identity,
        from: known.clone(),
        to: known,
        via: None,
        relationship: "equal".into(),
    });
    out
}

/// The words of a text, lower-cased.
fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

fn coding(system: &str, code: &str, display: Option<String>) -> Coding {
    Coding {
        system: Some(system.into()),
        code: Some(code.into()),
        display,
        version: None,
    }
}

fn by_text(
    t: &Terminology,
    ctx: &RequestContext,
    req: &NormalizeRequest,
    text: &str,
) -> Result<NormalizeResult> {
    if text.trim().is_empty() {
        return Err(Error::invalid("text", "parameter 'text' is empty"));
    }
    let found = super::search::search(
        t,
        ctx,
        &SearchRequest {
            text: text.into(),
            system: req.canonical_system.clone(),
            version: None,
            ecl: None,
            value_set: None,
            refset: None,
            offset: 0,
            limit: 5,
            active_only: true,
        },
    )?;
    let mut out = NormalizeResult::default();
    let scored: Vec<(f64, &SearchHit)> = found
        .hits
        .iter()
        .map(|h| (text_score(text, h), h))
        .collect();
    let Some((score, best)) = scored.first() else {
        out.issues.push(issue(
            Severity::Error,
            IssueKind::NotFound,
            format!(
                "no concept of {} matches the text '{text}'",
                req.canonical_system
            ),
            "text",
        ));
        return Ok(out);
    };
    let as_coding = |h: &SearchHit| coding(&found.system, &h.code, h.preferred.clone());
    out.canonical = Some(as_coding(best));
    out.how = Some(How::Text);
    out.score = Some(*score);
    out.steps.push(Step {
        how: How::Text,
        from: Coding {
            display: Some(text.into()),
            ..Default::default()
        },
        to: as_coding(best),
        via: Some(format!("matched '{}' ({})", best.term, best.tier)),
        relationship: if best.tier == "exact" {
            "equivalent"
        } else {
            "inexact"
        }
        .into(),
    });
    for (s, h) in scored.iter().skip(1) {
        if (s - score).abs() < 1e-9 {
            out.issues.push(warning(
                IssueKind::ProcessNote,
                format!(
                    "ambiguous: '{text}' matches {} |{}| as well as the chosen concept",
                    h.code, h.term
                ),
            ));
        }
        out.candidates.push(Equivalent {
            concept: Some(as_coding(h)),
            relationship: "inexact".into(),
            ..Default::default()
        });
    }
    if best.tier == "fuzzy" {
        out.issues.push(warning(
            IssueKind::ProcessNote,
            format!(
                "inexact: '{text}' matched '{}' only with spelling tolerance",
                best.term
            ),
        ));
    }
    Ok(out)
}

/// How well a search hit covers the text: the tier's weight times the share of the matched
/// term's words the text accounts for (so "diabetes" scores lower on "Type 2 diabetes
/// mellitus" than on "Diabetes").
fn text_score(text: &str, hit: &SearchHit) -> f64 {
    let tier = match hit.tier {
        "exact" => 1.0,
        "prefix" => 0.9,
        _ => 0.7,
    };
    let term_words = words(&hit.term).count().max(1) as f64;
    let coverage = (words(text).count() as f64 / term_words).min(1.0);
    ((tier * coverage) * 1000.0).round() / 1000.0
}

fn by_codings(
    t: &Terminology,
    ctx: &RequestContext,
    req: &NormalizeRequest,
    codings: &[Coding],
) -> Result<NormalizeResult> {
    if codings.is_empty() {
        return Err(Error::invalid(
            "coding",
            "one of 'coding', 'codeableConcept' or 'text' is required",
        ));
    }
    // A coding already in the canonical system is the most direct route.
    let mut order: Vec<&Coding> = codings.iter().collect();
    order.sort_by_key(|c| c.system.as_deref() != Some(req.canonical_system.as_str()));
    let mut issues = Vec::new();
    for c in order {
        let mut out = by_coding(t, ctx, req, c)?;
        if out.canonical.is_some() {
            out.issues.splice(0..0, issues);
            return Ok(out);
        }
        issues.append(&mut out.issues);
    }
    Ok(NormalizeResult {
        issues,
        ..Default::default()
    })
}

fn by_coding(
    t: &Terminology,
    ctx: &RequestContext,
    req: &NormalizeRequest,
    c: &Coding,
) -> Result<NormalizeResult> {
    let system = c
        .system
        .clone()
        .ok_or_else(|| Error::invalid("coding", "the coding has no system"))?;
    let code = c
        .code
        .clone()
        .ok_or_else(|| Error::invalid("coding", "the coding has no code"))?;
    // The same checks `$validate-code` makes; a wrong display is a warning here.
    let v = validate::validate(
        t,
        ctx,
        &ValidateRequest {
            codings: vec![c.clone()],
            lenient_display: true,
            ..Default::default()
        },
    )?;
    let mut out = NormalizeResult {
        issues: v.issues.clone(),
        ..Default::default()
    };
    // A classification that is not loaded can still be reverse-mapped: the maps name its
    // codes. The code itself is then unchecked, which is said.
    let unloaded = !v.result && v.system_not_loaded() && system != req.canonical_system;
    if unloaded {
        for i in &mut out.issues {
            if i.severity == Severity::Error {
                i.severity = Severity::Warning;
                i.text = format!(
                    "{} (the code was not checked; maps were still searched)",
                    i.text
                );
            }
        }
    } else if !v.result {
        return Ok(out);
    }
    let known = coding(&system, &code, v.display.clone());
    if system == req.canonical_system {
        return Ok(if v.inactive == Some(true) {
            replacement(out, known, &v.replacements)
        } else {
            identity(out, known)
        });
    }
    reverse(t, ctx, req, out, known, c.version.clone())
}

/// The strength of a historical association as a route to a replacement (the lower, the
/// surer), from the equivalence its implicit concept map gives it.
fn association_rank(refset: &str) -> u8 {
    match translate::association_equivalence(refset) {
        Some("equal") => 0,
        Some("equivalent") => 1,
        Some("inexact") => 2,
        Some("wider") => 3,
        Some("relatedto") => 4,
        _ => 5,
    }
}

fn replacement(
    mut out: NormalizeResult,
    inactive: Coding,
    replacements: &[validate::Replacement],
) -> NormalizeResult {
    let mut ranked: Vec<&validate::Replacement> = replacements.iter().collect();
    ranked.sort_by_key(|r| (association_rank(&r.refset), r.target.code.clone()));
    let Some(best) = ranked.first() else {
        // Nothing to follow: the inactive concept is still the best identity there is.
        out.issues.push(warning(
            IssueKind::CodeComment,
            format!(
                "inactive: {} has no historical association to follow; it is kept as the canonical concept",
                inactive.code.as_deref().unwrap_or_default()
            ),
        ));
        return identity(out, inactive);
    };
    let relationship = translate::association_equivalence(&best.refset).unwrap_or("relatedto");
    out.canonical = Some(best.target.clone());
    out.how = Some(How::Replacement);
    out.steps.push(Step {
        how: How::Replacement,
        from: inactive.clone(),
        to: best.target.clone(),
        via: Some(format!("{} ({})", best.relationship, best.refset)),
        relationship: relationship.into(),
    });
    let same_strength = ranked
        .iter()
        .skip(1)
        .filter(|r| association_rank(&r.refset) == association_rank(&best.refset))
        .count();
    if same_strength > 0 {
        out.issues.push(warning(
            IssueKind::ProcessNote,
            format!(
                "ambiguous: {} has {} {} targets; the first by code was chosen",
                inactive.code.as_deref().unwrap_or_default(),
                same_strength + 1,
                best.relationship
            ),
        ));
    }
    for r in ranked.iter().skip(1) {
        out.candidates.push(Equivalent {
            concept: Some(r.target.clone()),
            relationship: translate::association_equivalence(&r.refset)
                .unwrap_or("relatedto")
                .into(),
            map: Some(r.refset.clone()),
            ..Default::default()
        });
    }
    out
}

/// Maps from `system` into the canonical system: a forward map where one exists, else the
/// reverse use of the canonical system's maps; ICD-10-CM codes no map names are rolled up.
fn reverse(
    t: &Terminology,
    ctx: &RequestContext,
    req: &NormalizeRequest,
    mut out: NormalizeResult,
    known: Coding,
    version: Option<String>,
) -> Result<NormalizeResult> {
    let system = known.system.clone().unwrap_or_default();
    let code = known.code.clone().unwrap_or_default();
    let to_canonical = |system: &str, code: &str| -> Result<Vec<Match>> {
        let r = translate::translate(
            t,
            ctx,
            &TranslateRequest {
                system: system.into(),
                code: code.into(),
                version: version
                    .clone()
                    .filter(|_| system == known.system.as_deref().unwrap_or_default()),
                target_system: Some(req.canonical_system.clone()),
                context: req.context.clone(),
                ..Default::default()
            },
        );
        match r {
            Ok(r) => Ok(r
                .matches
                .into_iter()
                .filter(|m| m.concept.is_some())
                .collect()),
            // No map between the two systems: no candidates from this route.
            Err(Error::NotFound(_)) => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    };
    let mut matches = to_canonical(&system, &code)?;
    let mut rolled_up = false;
    // The ICD-10 codes a roll-up tried, for the message when none is mapped.
    let mut tried: Vec<String> = Vec::new();
    if matches.is_empty() && system == uri::ICD10CM {
        // ICD-10-CM extends WHO ICD-10: a code and its ancestors are ICD-10 codes where WHO's
        // classification has them (every code, when WHO ICD-10 is not loaded to say).
        let cm = resolve::code_system(t, ctx, uri::ICD10CM, None)?;
        let who = resolve::code_system(t, ctx, uri::ICD10, None).ok();
        let mut at = Some(code.clone());
        while let Some(c) = at {
            tried.push(c.clone());
            let in_who = match &who {
                Some(w) => w.concept(&c)?.is_some(),
                None => true,
            };
            if in_who {
                matches = to_canonical(uri::ICD10, &c)?;
                if !matches.is_empty() {
                    let display = who.as_ref().map(|w| w.display(&c)).transpose()?.flatten();
                    let rolled = coding(uri::ICD10, &c, display);
                    out.steps.push(Step {
                        how: How::Rollup,
                        from: known.clone(),
                        to: rolled,
                        via: Some(format!("{}?rollup={}", uri::ICD10CM, uri::ICD10)),
                        relationship: if c == code { "equivalent" } else { "wider" }.into(),
                    });
                    rolled_up = true;
                    break;
                }
            }
            at = match cm.meta().family {
                Family::Icd10cm => cm.parents(&c)?.into_iter().next(),
                _ => None,
            };
        }
    }
    if matches.is_empty() {
        out.issues.push(issue(
            Severity::Error,
            IssueKind::NotFound,
            format!(
                "no map leads from {system} code '{code}' to {}{}",
                req.canonical_system,
                if tried.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (rolled up through {}; no map names any of them as an ICD-10 code)",
                        tried.join(", ")
                    )
                }
            ),
            "coding",
        ));
        return Ok(out);
    }
    let reversed = matches
        .iter()
        .any(|m| m.rule_outcome.as_deref() == Some("candidate") || m.equivalence == "narrower");
    let ranked = rank(t, ctx, req, matches, known.display.as_deref())?;
    let best = &ranked[0];
    let concept = best.concept.clone().unwrap_or_default();
    let is_reverse = reversed || best.source.contains("?fhir_cm=");
    let step = if is_reverse {
        How::ReverseMap
    } else {
        How::Map
    };
    let from = out
        .steps
        .last()
        .map(|s| s.to.clone())
        .unwrap_or(known.clone());
    let relationship = if is_reverse {
        // A classification code groups many clinical meanings: never "equivalent".
        "inexact".to_string()
    } else {
        best.equivalence.clone()
    };
    out.steps.push(Step {
        how: step,
        from,
        to: concept.clone(),
        via: Some(best.source.clone()),
        relationship,
    });
    out.canonical = Some(concept);
    out.how = Some(if rolled_up { How::Rollup } else { step });
    if is_reverse {
        out.issues.push(warning(
            IssueKind::ProcessNote,
            format!(
                "inexact: {system} '{code}' was normalised by reverse use of a map; the concept chosen is one meaning the code covers, not its equivalent"
            ),
        ));
    }
    if ranked.len() > 1 {
        out.issues.push(warning(
            IssueKind::ProcessNote,
            format!(
                "ambiguous: {} candidates map to {system} '{code}'; the most general unconditional one was chosen",
                ranked.len()
            ),
        ));
    }
    for m in ranked.into_iter().skip(1) {
        out.candidates.push(equivalent(m, "inexact"));
    }
    Ok(out)
}

fn equivalent(m: Match, relationship: &str) -> Equivalent {
    Equivalent {
        concept: m.concept,
        relationship: relationship.into(),
        map: Some(m.source),
        group: m.group,
        priority: m.priority,
        rule: m.rule,
        rule_outcome: m.rule_outcome,
        advice: m.advice,
    }
}

/// Orders reverse-map candidates best first: unconditional rows before rule-bound ones, the
/// most general (subsuming the most other candidates) first, then the closest in wording to
/// the source's display, then map group and priority, then code; one entry per concept.
fn rank(
    t: &Terminology,
    ctx: &RequestContext,
    req: &NormalizeRequest,
    mut matches: Vec<Match>,
    display: Option<&str>,
) -> Result<Vec<Match>> {
    let code_of = |m: &Match| {
        m.concept
            .as_ref()
            .and_then(|c| c.code.clone())
            .unwrap_or_default()
    };
    matches.sort_by_key(|m| (code_of(m), m.group, m.priority));
    matches.dedup_by_key(|m| code_of(m));
    let src = resolve::code_system(t, ctx, &req.canonical_system, None)?;
    let codes: Vec<String> = matches.iter().map(code_of).collect();
    let mut keyed = Vec::with_capacity(matches.len());
    for m in matches {
        let c = code_of(&m);
        let mut general = 0usize;
        for other in &codes {
            if *other != c && src.subsumes(&c, other)? {
                general += 1;
            }
        }
        let unconditional = matches!(m.rule.as_deref(), None | Some("TRUE"));
        let likeness = similarity(
            display.unwrap_or_default(),
            m.concept
                .as_ref()
                .and_then(|c| c.display.as_deref())
                .unwrap_or_default(),
        );
        keyed.push(((!unconditional, std::cmp::Reverse(general)), likeness, m));
    }
    keyed.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(b.1.total_cmp(&a.1))
            .then_with(|| (a.2.group, a.2.priority).cmp(&(b.2.group, b.2.priority)))
            .then_with(|| code_of(&a.2).cmp(&code_of(&b.2)))
    });
    Ok(keyed.into_iter().map(|k| k.2).collect())
}

/// Shared words over all words (Jaccard), case-insensitive.
fn similarity(a: &str, b: &str) -> f64 {
    let set = |s: &str| -> std::collections::BTreeSet<String> { words(s).collect() };
    let (a, b) = (set(a), set(b));
    let union = a.union(&b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(&b).count() as f64 / union as f64
}

/// The canonical concept's forward maps to each target system, on the patient context.
fn equivalents(
    t: &Terminology,
    ctx: &RequestContext,
    req: &NormalizeRequest,
    canonical: &Coding,
    out: &mut NormalizeResult,
) -> Result<()> {
    let targets = if req.targets.is_empty() {
        default_targets(t, ctx, &req.canonical_system)?
    } else {
        req.targets.clone()
    };
    for target in targets {
        if target == req.canonical_system {
            continue;
        }
        let r = translate::translate(
            t,
            ctx,
            &TranslateRequest {
                system: req.canonical_system.clone(),
                code: canonical.code.clone().unwrap_or_default(),
                target_system: Some(target.clone()),
                context: req.context.clone(),
                ..Default::default()
            },
        );
        let r = match r {
            Ok(r) => r,
            Err(Error::NotFound(m)) => {
                out.issues.push(issue(
                    Severity::Information,
                    IssueKind::ProcessNote,
                    format!("no equivalent in {target}: {m}"),
                    "",
                ));
                continue;
            }
            Err(e) => return Err(e),
        };
        let undecided = r
            .matches
            .iter()
            .any(|m| m.rule_outcome.as_deref() == Some("candidate"));
        if undecided {
            out.issues.push(warning(
                IssueKind::ProcessNote,
                format!(
                    "undecided: the map to {target} has rules this context does not decide{}",
                    r.message.map(|m| format!(" ({m})")).unwrap_or_default()
                ),
            ));
        } else if r.matches.is_empty() {
            out.issues.push(issue(
                Severity::Information,
                IssueKind::ProcessNote,
                format!("unmapped: no equivalent in {target}"),
                "",
            ));
        }
        for m in r.matches {
            let rel = m.equivalence.clone();
            out.equivalents.push(equivalent(m, &rel));
        }
    }
    Ok(())
}

/// Every system the canonical system's loaded maps reach.
fn default_targets(t: &Terminology, ctx: &RequestContext, canonical: &str) -> Result<Vec<String>> {
    let Ok(src) = resolve::code_system(t, ctx, canonical, None) else {
        return Ok(Vec::new());
    };
    let Some(cs) = src.store_id() else {
        return Ok(Vec::new());
    };
    let mut out: Vec<String> = t
        .map_refsets(cs)?
        .iter()
        .filter_map(|r| translate::target_system_of(r))
        .map(str::to_string)
        .collect();
    out.sort();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_similarity_and_text_scores() {
        assert!(
            similarity(
                "Type 2 diabetes mellitus without complications",
                "Type 2 diabetes mellitus"
            ) > similarity(
                "Type 2 diabetes mellitus without complications",
                "Diabetes mellitus"
            )
        );
        let hit = |term: &str, tier| SearchHit {
            code: "1".into(),
            term: term.into(),
            preferred: None,
            category: None,
            active: true,
            tier,
        };
        assert_eq!(text_score("diabetes", &hit("Diabetes", "exact")), 1.0);
        assert_eq!(
            text_score(
                "type II diabetes",
                &hit("Type II diabetes mellitus", "exact")
            ),
            0.75
        );
        assert!(text_score("diab", &hit("Diabetes", "prefix")) < 1.0);
    }

    #[test]
    fn surer_associations_rank_first() {
        use crate::model::sct;
        assert!(association_rank(sct::SAME_AS) < association_rank(sct::REPLACED_BY));
        assert!(association_rank(sct::REPLACED_BY) < association_rank(sct::WAS_A));
    }
}

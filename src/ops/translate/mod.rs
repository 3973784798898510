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
use super::maprule::Context;
use super::{Coding, Result, resolve};
use crate::model::concept_map::ConceptMap;
use crate::model::{sct, uri};

mod concept_map;
mod rollup;
mod snomed;

use concept_map::concept_map;
use rollup::icd10cm_rollup;
use snomed::{snomed_forward, snomed_reverse};

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
    /// Canonical of the map used (`url|version` where the map has a version).
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
pub(super) const ASSOCIATION_MAPS: &[(&str, &str)] = &[
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

pub(super) fn association_equivalence(refset: &str) -> Option<&'static str> {
    ASSOCIATION_MAPS
        .iter()
        .find(|(r, _)| *r == refset)
        .map(|(_, e)| *e)
}

/// The implicit ConceptMap canonical of a map refset.
pub fn implicit_url(refset: &str) -> String {
    format!("{}?fhir_cm={refset}", uri::SNOMED)
}

pub(super) fn target_system_of(refset: &str) -> Option<&'static str> {
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

/// Display of a target code when its code system is loaded.
pub(super) fn target_display(
    t: &Terminology,
    ctx: &RequestContext,
    system: &str,
    code: &str,
) -> Option<String> {
    let src = resolve::code_system(t, ctx, system, None).ok()?;
    src.display(code).ok().flatten()
}

pub(super) fn finish(matches: Vec<Match>, mut messages: Vec<String>) -> TranslateResult {
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

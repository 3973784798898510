//! Typeahead search for coders (`GET /search`, `concord search`, and `$expand?filter=`): words
//! as prefixes in any order, typos forgiven, ranked (see [`crate::index::terms`]), one hit per
//! concept with the term that matched, the preferred term in the requested dialect and the
//! semantic tag (SNOMED CT) or chapter (ICD). Scoped by code system and version, an ECL
//! expression, a value set or a reference set; active concepts only unless asked.

use super::engine::{RequestContext, Terminology};
use super::source::Source;
use super::valueset::ValueSetDef;
use super::{Error, Result, language, resolve};
use crate::ecl::ConceptSet;
use crate::model::Family;

/// A search in domain terms.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The words typed.
    pub text: String,
    /// Code system.
    pub system: String,
    /// Version.
    pub version: Option<String>,
    /// Only concepts this ECL expression selects.
    pub ecl: Option<String>,
    /// Only codes of this value set.
    pub value_set: Option<ValueSetDef>,
    /// Only members of this reference set.
    pub refset: Option<String>,
    /// Page start.
    pub offset: usize,
    /// Page size.
    pub limit: usize,
    /// Leave inactive concepts out.
    pub active_only: bool,
}

/// One concept found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchHit {
    /// Code.
    pub code: String,
    /// The term that matched.
    pub term: String,
    /// The preferred term in the requested dialect.
    pub preferred: Option<String>,
    /// SNOMED CT semantic tag, or the ICD chapter.
    pub category: Option<String>,
    /// Active concept.
    pub active: bool,
    /// How it matched: `exact`, `prefix` or `fuzzy`.
    #[serde(rename = "match")]
    pub tier: &'static str,
}

/// A page of hits.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SearchResult {
    /// Code system.
    pub system: String,
    /// Version searched.
    pub version: String,
    /// Concepts matched in all.
    pub total: usize,
    /// Page start.
    pub offset: usize,
    /// The page.
    pub hits: Vec<SearchHit>,
}

/// The code system a search without one covers: SNOMED CT when a release is loaded (a THO
/// CodeSystem stub for it does not count), else the clinical classification when exactly one
/// is (ICD-10 or ICD-10-CM, as on the default dataset: a coder typing a diagnosis there means
/// it). `None` when that leaves a choice to the caller.
pub fn default_system(t: &Terminology) -> Option<String> {
    if t.catalog().iter().any(|c| c.family == Family::Snomed) {
        return Some(crate::model::uri::SNOMED.to_string());
    }
    let mut icd: Vec<&str> = t
        .catalog()
        .iter()
        .filter(|c| matches!(c.family, Family::Icd10 | Family::Icd10cm))
        .map(|c| c.url.as_str())
        .collect();
    icd.sort_unstable();
    icd.dedup();
    match icd[..] {
        [only] => Some(only.to_string()),
        _ => None,
    }
}

/// Runs a search.
pub fn search(t: &Terminology, ctx: &RequestContext, req: &SearchRequest) -> Result<SearchResult> {
    let src = resolve::code_system(t, ctx, &req.system, req.version.as_deref())?;
    let (Some(cs), Some(h)) = (src.store_id(), src.index_ref()?) else {
        return Err(Error::NotSupported(format!(
            "search covers loaded code systems; {} was sent with the request",
            req.system
        )));
    };
    let terms = t.terms(cs)?;
    let mut scope: Option<ConceptSet> = None;
    let mut narrow = |set: ConceptSet| {
        scope = Some(match scope.take() {
            None => set,
            Some(mut s) => {
                s.and(&set);
                s
            }
        });
    };
    if let Some(e) = &req.ecl {
        narrow(super::ecl::evaluate(t, src.as_ref(), e, "ecl", None)?.0);
    }
    if let Some(r) = &req.refset {
        narrow(super::ecl::evaluate(t, src.as_ref(), &format!("^ {r}"), "refset", None)?.0);
    }
    if let Some(vs) = &req.value_set {
        let mut set = ConceptSet::empty(h.len());
        for (system, code) in super::expand::member_codes(t, ctx, vs)? {
            if system == src.meta().url
                && let Some(p) = h.position(&code)
            {
                set.insert(p);
            }
        }
        narrow(set);
    }
    let dialect = language::first_refset(src.as_ref(), &ctx.languages, &t.default_language)?;
    let accept = |c: u32| {
        scope.as_ref().is_none_or(|s| s.contains(c)) && (!req.active_only || h.active_at(c))
    };
    let found = terms.search(
        &req.text,
        dialect.as_deref(),
        &accept,
        req.offset,
        req.limit,
    );
    let mut hits = Vec::with_capacity(found.hits.len());
    for hit in found.hits {
        let code = h.code_at(hit.concept).to_string();
        let concept = src.concept(&code)?;
        let designations = src.designations(&code)?;
        let preferred = match &concept {
            Some(c) => language::display(
                src.as_ref(),
                c,
                &designations,
                &ctx.languages,
                &t.default_language,
            )?,
            None => None,
        };
        hits.push(SearchHit {
            category: category(src.as_ref(), &code, &designations)?,
            active: concept.as_ref().is_some_and(|c| c.active),
            term: hit.term.to_string(),
            preferred,
            tier: ["exact", "prefix", "fuzzy"][hit.tier.min(2) as usize],
            code,
        });
    }
    Ok(SearchResult {
        system: src.meta().url.clone(),
        version: src.meta().version.clone(),
        total: found.total,
        offset: req.offset,
        hits,
    })
}

/// SNOMED CT: the semantic tag of the fully specified name; ICD: the chapter's title.
fn category(
    src: &dyn Source,
    code: &str,
    designations: &[crate::model::DesignationView],
) -> Result<Option<String>> {
    match src.meta().family {
        Family::Snomed => Ok(designations
            .iter()
            .filter(|d| d.active && d.use_code.as_deref() == Some(crate::model::sct::FSN))
            .find_map(|d| {
                let t = d.term.trim_end();
                let open = t.rfind('(')?;
                t.ends_with(')')
                    .then(|| t[open + 1..t.len() - 1].to_string())
            })),
        Family::Icd10 | Family::Icd10cm => {
            let mut current = code.to_string();
            for _ in 0..12 {
                let c = src.concept(&current)?;
                if c.as_ref().and_then(|c| c.kind.as_deref()) == Some("chapter") {
                    return Ok(c.and_then(|c| c.display));
                }
                match src.parents(&current)?.into_iter().next() {
                    Some(p) => current = p,
                    None => break,
                }
            }
            Ok(None)
        }
        Family::Fhir => Ok(None),
    }
}

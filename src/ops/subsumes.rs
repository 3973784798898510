//! `$subsumes`: how two codes of one code system relate in its hierarchy.

use super::engine::{RequestContext, Terminology};
use super::{Error, Result, resolve};

/// The four outcomes FHIR defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Outcome {
    /// Same concept.
    Equivalent,
    /// A is an ancestor of B.
    Subsumes,
    /// A is a descendant of B.
    SubsumedBy,
    /// Neither.
    NotSubsumed,
}

impl Outcome {
    /// The FHIR code.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Equivalent => "equivalent",
            Outcome::Subsumes => "subsumes",
            Outcome::SubsumedBy => "subsumed-by",
            Outcome::NotSubsumed => "not-subsumed",
        }
    }
}

/// Runs `$subsumes` for `code_a` and `code_b` in `system`.
pub fn subsumes(
    t: &Terminology,
    ctx: &RequestContext,
    system: &str,
    version: Option<&str>,
    code_a: &str,
    code_b: &str,
) -> Result<Outcome> {
    let src = resolve::code_system(t, ctx, system, version)?;
    for (param, code) in [("codeA", code_a), ("codeB", code_b)] {
        if src.concept(code)?.is_none() {
            return Err(Error::NotFound(format!(
                "{param}: unknown code '{code}' in {} version {}",
                src.meta().url,
                src.meta().version
            )));
        }
    }
    Ok(if code_a == code_b {
        Outcome::Equivalent
    } else if src.subsumes(code_a, code_b)? {
        Outcome::Subsumes
    } else if src.subsumes(code_b, code_a)? {
        Outcome::SubsumedBy
    } else {
        Outcome::NotSubsumed
    })
}

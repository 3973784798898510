//! ECL for the operations: parses an expression, evaluates it over a resolved SNOMED CT
//! version's index (reference set members and associations read from the store), and turns
//! ECL's errors into operation errors — a syntax error or a concept id the release does not
//! have is a 400 (`INVALID_ECL`) naming the parameter, with the position and what was
//! expected; a construct not evaluated yet is `not-supported`, a blown budget `too-costly`.

use super::engine::Terminology;
use super::source::Source;
use super::{Error, Result};
use crate::ecl::{self, ConceptSet, EvalError};
use crate::index::Hierarchy;
use std::time::Instant;

struct Data<'a> {
    t: &'a Terminology,
    cs: i64,
    index: &'a Hierarchy,
}

impl ecl::Data for Data<'_> {
    fn index(&self) -> &Hierarchy {
        self.index
    }
    fn refset_members(&self, refset: &str) -> Result<Vec<String>, EvalError> {
        self.t
            .with_store(|s| Ok(s.refset_members(self.cs, refset)?))
            .map_err(|e| EvalError::Data(e.to_string()))
    }
    fn associations(&self, refsets: &[&str]) -> Result<Vec<(String, String)>, EvalError> {
        self.t
            .with_store(|s| Ok(s.association_pairs(self.cs, refsets)?))
            .map_err(|e| EvalError::Data(e.to_string()))
    }
    fn refset_rows(&self, refset: &str) -> Result<Vec<ecl::eval::MemberRow>, EvalError> {
        let rows = self
            .t
            .with_store(|s| Ok(s.refset_rows(self.cs, refset)?))
            .map_err(|e| EvalError::Data(e.to_string()))?;
        Ok(rows
            .into_iter()
            .map(|r| ecl::eval::MemberRow {
                // Columns of a kind of file RF2 does not name stay unnamed (a filter on them
                // says so).
                fields: crate::model::rf2_fields::names(&r.kind)
                    .map(|names| names.iter().copied().zip(r.fields).collect())
                    .unwrap_or_default(),
                component: r.component,
                active: r.active,
                effective_time: r.effective_time,
                module: r.module,
            })
            .collect())
    }
}

/// Evaluates the ECL `text` (given as parameter `param`) over `src`; the set is over
/// `src`'s index positions.
pub fn evaluate<'s>(
    t: &Terminology,
    src: &'s dyn Source,
    text: &str,
    param: &str,
    deadline: Option<Instant>,
) -> Result<(ConceptSet, &'s Hierarchy)> {
    // Quoted back in findings, a long expression is cut (the position in the error still
    // points into the whole text).
    let shown: String = if text.chars().count() > 200 {
        text.chars().take(200).chain("…".chars()).collect()
    } else {
        text.to_string()
    };
    let text_in = |what: &str| format!("ECL '{shown}': {what}");
    let expr = ecl::parse(text).map_err(|e| Error::InvalidEcl {
        param: param.to_string(),
        message: format!("Invalid ECL expression '{shown}': {e}"),
    })?;
    let (Some(cs), Some(index)) = (src.store_id(), src.index_ref()?) else {
        return Err(Error::NotSupported(format!(
            "ECL needs a loaded SNOMED CT release; {} is not one",
            src.meta().url
        )));
    };
    let set = ecl::evaluate(&Data { t, cs, index }, &expr, deadline).map_err(|e| match e {
        EvalError::NotSupported(m) => Error::NotSupported(text_in(&m)),
        EvalError::TooCostly(m) => Error::TooCostly(text_in(&m)),
        EvalError::Data(m) => Error::Internal(m),
        e @ EvalError::UnknownConcept(_) => Error::InvalidEcl {
            param: param.to_string(),
            message: format!("Invalid ECL expression '{shown}': {e}"),
        },
    })?;
    Ok((set, index))
}

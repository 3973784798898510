//! SNOMED CT post-coordinated expressions against one code system version: an expression is
//! valid when it parses ([`crate::model::expression`]), every concept it names is in the
//! version, and every attribute name is a concept model attribute (or a linkage concept). The
//! concept model itself (MRCM domains and ranges) is not checked, and the answer says so.
//!
//! Membership of a value set goes by the focus concepts: a refinement only narrows its focus,
//! so an expression whose focus concept is in an `is-a` filter's hierarchy is in it too. A
//! classifier could place some expressions lower still; that is not attempted.

use super::Result;
use super::language::Dialect;
use super::source::Source;
use crate::model::expression::{self, Expression};
use std::borrow::Cow;

/// |Concept model attribute| and |Linkage concept|: an attribute name descends from one.
const ATTRIBUTE_ROOTS: [&str; 2] = ["410662002", "106237007"];

/// A valid expression with its display.
pub struct Checked {
    /// The parsed expression.
    pub expression: Expression,
    /// Written with each concept's term in the request's dialect:
    /// `367430006|Repair of tendon of hand|:{272741003|Laterality|=24028007|Right|}`.
    pub display: String,
}

/// Checks `code` as an expression in `source`. `Ok(Err(reason))` when it is not a valid one.
pub fn check(
    source: &dyn Source,
    dialect: &Dialect,
    code: &str,
) -> Result<std::result::Result<Checked, String>> {
    let expression = match expression::parse(code) {
        Ok(e) => e,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let mut named = Vec::new();
    expression
        .body
        .walk(&mut |c, attribute| named.push((c.id.as_str(), attribute)));
    for (id, attribute) in named {
        if source.concept(id)?.is_none() {
            return Ok(Err(format!("Concept {id} not found")));
        }
        if attribute {
            let mut allowed = false;
            for root in ATTRIBUTE_ROOTS {
                allowed |= source.subsumes(root, id)?;
            }
            if !allowed {
                return Ok(Err(format!(
                    "Concept {id} is not valid in this context (must be a descendent of one of {})",
                    ATTRIBUTE_ROOTS.join(",")
                )));
            }
        }
    }
    let display = display(source, dialect, &expression)?;
    Ok(Ok(Checked {
        expression,
        display,
    }))
}

/// The expression with each concept's term in the dialect.
fn display(source: &dyn Source, dialect: &Dialect, e: &Expression) -> Result<String> {
    let mut terms = std::collections::HashMap::new();
    for c in e.concepts() {
        if !terms.contains_key(&c.id) {
            let stored = source.display(&c.id)?.map(Cow::Owned);
            let term = dialect.term(source, &c.id, stored)?.map(Cow::into_owned);
            terms.insert(c.id.clone(), term);
        }
    }
    Ok(e.render(&|id| terms.get(id).cloned().flatten()))
}

/// True when `code` is written as an expression (a SNOMED CT code that is not a plain SCTID).
pub fn is_expression(code: &str) -> bool {
    expression::is_expression(code)
}

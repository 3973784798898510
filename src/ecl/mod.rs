//! SNOMED CT Expression Constraint Language (ECL 2.2): a pure parser to a syntax tree
//! ([`parser`], [`ast`]) and an evaluator over a version's index ([`eval`]) that produces a
//! [`ConceptSet`] (the index's bitset of positions). The parser accepts the whole brief
//! syntax; what the evaluator does not evaluate yet is reported by name. May use: `index`,
//! `model`. Never uses `store` directly (reference set members and associations come through
//! [`eval::Data`]), `ops`, `fhir` or `http`.

pub mod ast;
pub mod eval;
pub mod parser;

pub use crate::index::ConceptSet;
pub use eval::{Data, EvalError, evaluate};
pub use parser::{ParseError, parse};

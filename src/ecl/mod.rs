//! SNOMED CT Expression Constraint Language (ECL 2.2): a pure parser to a syntax tree
//! ([`parser`], [`ast`]) and an evaluator over a version's index ([`eval`]) that produces a
//! [`set::ConceptSet`]. The parser accepts the whole brief syntax; what the evaluator does not
//! evaluate yet is reported by name. May use: `index`, `model`. Never uses `store` directly
//! (reference set members and associations come through [`eval::Data`]), `ops`, `fhir` or
//! `http`.

pub mod ast;
pub mod eval;
pub mod parser;
pub mod set;

pub use eval::{Data, EvalError, evaluate};
pub use parser::{ParseError, parse};
pub use set::ConceptSet;

//! Read-optimised structures over each code system version: the [`hierarchy::Hierarchy`]
//! (codes, parents/children, concept rows, relationships, designations, properties) and the
//! typeahead [`terms::TermIndex`]. `import` builds them ([`build`], [`release`]) and writes
//! them into the release's index file ([`file`]); the server maps that file read-only and
//! shares the opened structures ([`cache`]). Operations (`ops`) and the ECL evaluator (`ecl`)
//! read through these instead of issuing SQL per concept. May use: `store`, `model`. Never
//! uses `ops`, `fhir` or `http`.

pub mod build;
pub mod cache;
pub mod file;
pub mod hierarchy;
pub mod release;
pub mod set;
pub mod slab;
pub mod terms;

pub use cache::Indexes;
pub use hierarchy::Hierarchy;
pub use set::ConceptSet;

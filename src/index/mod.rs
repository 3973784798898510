//! Read-optimised structures over one code system version, built from the store: the
//! in-memory [`hierarchy::Hierarchy`] (interned codes, parents/children, concept rows,
//! relationships, designations) and the per-version cache that holds them for the server.
//! Operations (`ops`) and the ECL evaluator (`ecl`) read through these instead of issuing SQL
//! per concept. May use: `store`, `model`. Never uses `ops`, `fhir` or `http`.

pub mod cache;
pub mod hierarchy;
pub mod terms;

pub use cache::Indexes;
pub use hierarchy::Hierarchy;

//! Concord: a FHIR R4 terminology and concept-mapping server over one canonical clinical model.
//!
//! Layers, each using only those to its right:
//! `http → fhir → ops → ecl → index → store → model`, and
//! `import → (concord_loaders, store) → model`.
//! See ARCHITECTURE.md for the map and its invariants.
#![deny(missing_docs)]

pub mod audit;
pub mod auth;
pub mod bulk;
pub mod cli;
pub mod clock;
pub mod default_data;
pub mod ecl;
pub mod fhir;
pub mod http;
pub mod import;
pub mod index;
pub mod model;
pub mod ops;
pub mod store;
pub mod synth;
pub mod ui;
pub mod v2;

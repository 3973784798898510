//! `concord-loaders`: pure readers for the terminology release formats Concord ingests.
//!
//! Each reader turns files into typed row streams and knows nothing about storage: no SQLite,
//! no search index, no HTTP. Every error names the file and, where there is one, the line.
//!
//! - [`rf2`]: SNOMED CT RF2 releases (zip, folder or single file; Full/Snapshot/Delta).
//! - [`icd10`]: WHO ICD-10 as ClaML 2.0 and the CDC ICD-10-CM tabular XML / flat code files.
//! - [`fhir_res`]: FHIR R4 CodeSystem/ValueSet/ConceptMap JSON files and FHIR npm packages.
//! - [`detect`]: guess which of the above a path holds.
#![deny(missing_docs)]

pub mod detect;
pub mod error;
pub mod fhir_res;
pub mod icd10;
pub mod rf2;
pub mod source;
pub mod xml;

pub use error::{Error, Result};

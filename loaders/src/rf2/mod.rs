//! SNOMED CT Release Format 2 (RF2): file-name grammar, SCTID checks and streaming row readers.
//!
//! A release is a set of tab-separated files whose names follow the RF2 grammar
//! `FileType_ContentType_ContentSubType_CountryNamespace_VersionDate.txt`; [`filename`] parses
//! it, [`package`] classifies the members of a zip or folder (and reports what it skips), and
//! [`reader`] streams typed rows with file + line in every error.

pub mod filename;
pub mod package;
pub mod reader;
pub mod rows;
pub mod sctid;

pub use filename::{ContentKind, ReleaseType, Rf2FileName};
pub use package::{Rf2File, Rf2Package, Skipped};
pub use rows::{ConceptRow, DescriptionRow, RefsetRow, RelationshipRow, Row};

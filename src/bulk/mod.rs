//! Bulk work at exchange boundaries: NDJSON lines of codings (or text) answered one result per
//! line, in order, whatever the transport (the HTTP stream, the CLI); FHIR Bulk Data files
//! whose every Coding is checked; and the dead-letter file that receives every unit that
//! could not be processed, with its source, reason and original bytes, so nothing is dropped.
//!
//! May use: `ops` (the operations), `fhir` (the Parameters each line answers with), `model`.
//! Knows nothing of actix or of the CLI's argument parsing.

pub mod deadletter;
pub mod jobs;
pub mod line;
pub mod resources;
pub mod run;
pub mod units;

pub use line::{Job, answer_line};

//! FHIR R4 wire format: the only module that knows FHIR JSON shapes. Parses `Parameters` (from
//! a GET query or a POST body) into typed values with errors that name the parameter, and turns
//! operation results into `Parameters`, `OperationOutcome`, `CapabilityStatement`,
//! `TerminologyCapabilities`, `Bundle` and `CodeSystem` resources, and audit records into
//! `AuditEvent`s. Pure functions, no I/O. May use: `ops`, `model`, `audit`, `serde_json`.

pub mod audit_event;
pub mod capability;
pub mod convert;
pub mod definitions;
pub mod json;
pub mod operation_definition;
pub mod outcome;
pub mod params;
pub mod requests;
pub mod resources;

/// The FHIR JSON media type.
pub const FHIR_JSON: &str = "application/fhir+json";

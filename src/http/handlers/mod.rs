//! Route handlers, one file per resource: extract, call one operation, convert, respond.
//! Shared here: the reply type and the FHIR JSON response helpers.

mod bulk;
mod code_system;
mod concept_map;
mod normalize;
mod resources;
mod search;
mod service;
mod ui;
mod value_set;

pub use bulk::{bulk_normalize, bulk_validate, job_delete, job_file, job_status};
pub use code_system::{lookup, subsumes, validate_code_system};
pub use concept_map::translate;
pub use normalize::{normalize, normalize_definition, normalize_stream, validate_stream};
pub use resources::{metadata, read, search};
pub use search::search as text_search;
pub use service::{health, method_not_allowed, not_found, versions};
pub use ui::{root as ui_root, ui};
pub use value_set::{batch_validate, expand, validate_value_set};

use super::error::ApiError;
use crate::fhir::FHIR_JSON;
use actix_web::{HttpRequest, HttpResponse};

type Reply = Result<HttpResponse, ApiError>;

pub(crate) fn fhir(v: &impl serde::Serialize) -> HttpResponse {
    fhir_json(serde_json::to_vec(v).unwrap_or_default())
}

pub(crate) fn fhir_json(body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok().content_type(FHIR_JSON).body(body)
}

pub(crate) fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

//! System-level operations: `$normalize` (and its OperationDefinition) and `$validate-code`,
//! each also a bulk NDJSON stream ([`crate::http::stream`]).

use super::{Reply, fhir, fhir_json};
use crate::bulk::Job;
use crate::fhir::{convert, operation_definition, requests};
use crate::http::release::Current;
use crate::http::{request, stream};
use crate::ops;
use actix_web::{HttpRequest, HttpResponse, web};

/// `GET|POST /$normalize` with Parameters.
pub async fn normalize(t: Current, req: HttpRequest, body: web::Bytes) -> Reply {
    let (p, ctx) = request::operation(&req, &body)?;
    let nreq = requests::normalize(&p, &t.canonical_system)?;
    let r = ops::normalize::normalize(&t, &ctx, &nreq)?;
    Ok(fhir_json(convert::normalize(&r).to_json()))
}

/// `POST /$normalize` with an NDJSON body.
pub async fn normalize_stream(t: Current, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    stream::bulk(t, req, payload, Job::Normalize).await
}

/// `POST /$validate-code` with an NDJSON body.
pub async fn validate_stream(t: Current, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    stream::bulk(t, req, payload, Job::Validate).await
}

/// `GET /OperationDefinition/normalize`.
pub async fn normalize_definition() -> Reply {
    Ok(fhir(&operation_definition::normalize()))
}

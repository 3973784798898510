//! `ConceptMap/$translate`.

use super::{Reply, fhir_json};
use crate::fhir::{convert, requests};
use crate::http::release::Current;
use crate::http::request;
use crate::ops;
use actix_web::{HttpRequest, web};

/// `GET|POST /ConceptMap/$translate`.
pub async fn translate(t: Current, req: HttpRequest, body: web::Bytes) -> Reply {
    let (p, ctx) = request::operation(&req, &body)?;
    let (request, queried) = requests::translate(&p)?;
    let r = ops::translate::translate(&t, &ctx, &request)?;
    Ok(fhir_json(
        convert::translate(&r, queried.as_ref()).to_json(),
    ))
}

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
    let r = ops::translate::translate(&t, &ctx, &requests::translate(&p)?)?;
    Ok(fhir_json(convert::translate(&r).to_json()))
}

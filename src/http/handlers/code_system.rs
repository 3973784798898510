//! `CodeSystem` operations: `$lookup`, `$validate-code`, `$subsumes`.

use super::{Reply, fhir, fhir_json};
use crate::fhir::{convert, requests};
use crate::http::release::Current;
use crate::http::request;
use crate::ops;
use actix_web::{HttpRequest, web};

/// `GET|POST /CodeSystem/$lookup`.
pub async fn lookup(t: Current, req: HttpRequest, body: web::Bytes) -> Reply {
    let (p, ctx) = request::operation(&req, &body)?;
    let req = requests::lookup(&p)?;
    Ok(ops::lookup::lookup(&t, &ctx, &req, |r| {
        fhir_json(convert::lookup(r).to_json())
    })?)
}

/// `GET|POST /CodeSystem/$validate-code`.
pub async fn validate_code_system(t: Current, req: HttpRequest, body: web::Bytes) -> Reply {
    let (p, ctx) = request::operation(&req, &body)?;
    let r = ops::validate::validate(&t, &ctx, &requests::validate_code_system(&p)?)?;
    crate::http::audit::note_result(&req, r.result);
    Ok(fhir_json(convert::validate(&r).to_json()))
}

/// `GET|POST /CodeSystem/$subsumes`.
pub async fn subsumes(t: Current, req: HttpRequest, body: web::Bytes) -> Reply {
    let (p, ctx) = request::operation(&req, &body)?;
    let (system, version, a, b) = requests::subsumes(&p)?;
    let o = ops::subsumes::subsumes(&t, &ctx, &system, version.as_deref(), &a, &b)?;
    Ok(fhir(&convert::subsumes(o)))
}

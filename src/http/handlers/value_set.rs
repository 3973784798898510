//! `ValueSet` operations: `$validate-code` and `$expand`.

use super::{Reply, fhir, fhir_json};
use crate::fhir::{convert, requests};
use crate::http::request;
use crate::ops::{self, Terminology};
use actix_web::{HttpRequest, web};

/// `GET|POST /ValueSet/$validate-code`.
pub async fn validate_value_set(
    t: web::Data<Terminology>,
    req: HttpRequest,
    body: web::Bytes,
) -> Reply {
    let (p, ctx) = request::operation(&req, &body)?;
    let vreq = requests::validate_value_set(&t, &ctx, &p)?;
    let r = ops::validate::validate(&t, &ctx, &vreq)?;
    Ok(fhir_json(convert::validate(&r).to_json()))
}

/// `GET|POST /ValueSet/$expand`.
pub async fn expand(t: web::Data<Terminology>, req: HttpRequest, body: web::Bytes) -> Reply {
    let (p, mut ctx) = request::operation(&req, &body)?;
    let ereq = requests::expand(&t, &mut ctx, &p)?;
    let e = ops::expand::expand(&t, &ctx, &ereq)?;
    Ok(fhir(&convert::expansion(&e, &crate::clock::now_rfc3339())))
}

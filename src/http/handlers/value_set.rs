//! `ValueSet` operations: `$validate-code` and `$expand`.

use super::{Reply, fhir, fhir_json};
use crate::fhir::{convert, requests};
use crate::http::release::Current;
use crate::http::request;
use crate::ops;
use actix_web::{HttpRequest, web};

/// `GET|POST /ValueSet/$validate-code`.
pub async fn validate_value_set(t: Current, req: HttpRequest, body: web::Bytes) -> Reply {
    let (p, mut ctx) = request::operation(&req, &body)?;
    let vreq = requests::validate_value_set(&t, &mut ctx, &p)?;
    let r = ops::validate::validate(&t, &ctx, &vreq)?;
    crate::http::audit::note_result(&req, r.result);
    Ok(fhir_json(convert::validate(&r).to_json()))
}

/// `POST /ValueSet/$batch-validate-code`: every `validation` parameter (a Parameters
/// resource) is validated as a `ValueSet/$validate-code` of its own, with the request's other
/// parameters (`url`, `tx-resource`, …) as defaults its own parameters override. One entry's
/// failure is that entry's OperationOutcome, not the batch's.
pub async fn batch_validate(t: Current, req: HttpRequest, body: web::Bytes) -> Reply {
    let (p, _) = request::operation(&req, &body)?;
    let mut entries = Vec::new();
    for own in requests::batch_validations(&p)? {
        let one = (|| -> Result<Vec<u8>, crate::http::error::ApiError> {
            let own = own?;
            let mut ctx = request::context(&req, &own)?;
            let vreq = requests::validate_value_set(&t, &mut ctx, &own)?;
            let r = ops::validate::validate(&t, &ctx, &vreq)?;
            Ok(convert::validate(&r).to_json())
        })();
        entries.push(match one {
            Ok(answer) => answer,
            Err(crate::http::error::ApiError::Op(e)) => {
                serde_json::to_vec(&crate::http::error::op_outcome(&e)).unwrap_or_default()
            }
            Err(e) => return Err(e),
        });
    }
    Ok(fhir_json(convert::batch(&entries)))
}

/// `GET|POST /ValueSet/$expand`.
pub async fn expand(t: Current, req: HttpRequest, body: web::Bytes) -> Reply {
    let (p, mut ctx) = request::operation(&req, &body)?;
    let ereq = requests::expand(&t, &mut ctx, &p)?;
    let e = ops::expand::expand(&t, &ctx, &ereq)?;
    Ok(fhir(&convert::expansion(&e, &crate::clock::now_rfc3339())))
}

//! The authentication middleware: when a [`Verifier`] is configured, every request outside the
//! public paths needs a bearer token granting its operation. A refusal is an OperationOutcome:
//! 401 with `WWW-Authenticate: Bearer …` (RFC 6750) for a missing or bad token, 403 for a token
//! without the grant. The caller ([`Principal`]) is left in the request's extensions for the
//! audit trail.

use super::error::ApiError;
use crate::auth::{AuthError, Principal, Verifier};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use std::sync::Arc;

/// Paths anyone may read: liveness and readiness, the capability statement (clients discover
/// the server and its security from it), the FHIR versions, the metrics and the API description.
fn public(path: &str) -> bool {
    matches!(
        path,
        "/health" | "/healthz" | "/readyz" | "/metadata" | "/$versions" | "/metrics"
    ) || path == "/openapi.json"
        || path.starts_with("/swagger-ui")
        // The web page itself is static; the API calls it makes are checked as any other.
        || path == "/"
        || path == "/ui"
        || path.starts_with("/ui/")
}

/// The operation (for [`crate::auth::ScopeRules`]) a path belongs to; `None` for paths that need
/// only a valid token (unknown ones, which answer 404 to an authenticated caller).
pub fn operation(path: &str) -> Option<&'static str> {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    Some(match first {
        "CodeSystem" => "CodeSystem",
        "ValueSet" => "ValueSet",
        "ConceptMap" => "ConceptMap",
        "search" => "search",
        // System-level code checks read code systems (and, for $normalize, their maps).
        "$validate-code" | "$normalize" | "$bulk-validate" | "$bulk-normalize" | "jobs" => {
            "CodeSystem"
        }
        "$reload" => "admin",
        _ => return None,
    })
}

/// Checks the caller, then runs the request.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let verifier = req
        .app_data::<web::Data<Option<Arc<Verifier>>>>()
        .and_then(|v| v.get_ref().clone());
    let Some(verifier) = verifier.filter(|_| !public(req.path())) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        // Not `to_str`: its byte-by-byte check of a kilobyte token showed in profiles, and
        // the token is compared whole against verified ones or verified in full anyway.
        .and_then(|h| std::str::from_utf8(h.as_bytes()).ok());
    let checked = verifier
        .authenticate(header)
        .and_then(|who| match operation(req.path()) {
            Some(op) => verifier.authorize(&who, op).map(|_| who),
            None => Ok(who),
        });
    match checked {
        Ok(who) => {
            req.extensions_mut().insert::<Arc<Principal>>(who);
            Ok(next.call(req).await?.map_into_left_body())
        }
        Err(e) => {
            crate::http::metrics::auth_rejected(&e);
            let response = refusal(&e);
            Ok(req.into_response(response).map_into_right_body())
        }
    }
}

/// The OperationOutcome and status of a refusal, with its `WWW-Authenticate` challenge.
fn refusal(e: &AuthError) -> actix_web::HttpResponse {
    let (status, code) = match e {
        AuthError::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden"),
        _ => (StatusCode::UNAUTHORIZED, "login"),
    };
    let mut response = ApiError::http(status, code, e.to_string()).error_response();
    let mut challenge = String::from("Bearer realm=\"concord\"");
    if let Some(code) = e.bearer_error() {
        // Quotes and backslashes would end the quoted string early.
        let text = e.to_string().replace(['"', '\\'], "'");
        challenge.push_str(&format!(", error=\"{code}\", error_description=\"{text}\""));
    }
    if let Ok(v) = HeaderValue::from_str(&challenge) {
        response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
    }
    response
}

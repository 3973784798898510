//! Service endpoints and the answers for unknown routes and methods.

use crate::http::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};

/// `GET /health`: a trivial endpoint (liveness, and the baseline in load tests).
pub async fn health() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(r#"{"status":"ok"}"#)
}

/// `GET|POST /$versions`: the FHIR versions served (R4 only), so clients can check before
/// they send anything.
pub async fn versions() -> HttpResponse {
    HttpResponse::Ok()
        .content_type(crate::fhir::FHIR_JSON)
        .body(
            r#"{"resourceType":"Parameters","parameter":[{"name":"version","valueCode":"4.0"},{"name":"default","valueCode":"4.0"}]}"#,
        )
}

/// Unknown routes.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    actix_web::ResponseError::error_response(&ApiError::http(
        StatusCode::NOT_FOUND,
        "not-found",
        format!(
            "no route {} {}; see /openapi.json or /swagger-ui/ for what this server offers",
            req.method(),
            req.path()
        ),
    ))
}

/// Known routes with a method they do not take.
pub async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let mut res = actix_web::ResponseError::error_response(&ApiError::http(
        StatusCode::METHOD_NOT_ALLOWED,
        "not-supported",
        format!("{} is not allowed on {}", req.method(), req.path()),
    ));
    let path = req.path();
    let allow = if path.ends_with("/$reload")
        || path.ends_with("/$batch-validate-code")
        || path.starts_with("/$bulk-")
    {
        "POST"
    } else if path.starts_with("/jobs/") && path.matches('/').count() == 2 {
        "GET, DELETE"
    } else if path.contains('$') {
        "GET, POST"
    } else {
        "GET"
    };
    res.headers_mut().insert(
        actix_web::http::header::ALLOW,
        actix_web::http::header::HeaderValue::from_static(allow),
    );
    res
}

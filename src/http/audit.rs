//! The audit middleware: after each API request is answered, and before the answer leaves,
//! its [`Event`] is on disk in the audit trail. A trail that cannot be written refuses the
//! answer (503): no response goes out without its record. Liveness, readiness, metrics and the
//! API description are not transactions and are not recorded.

use super::request::CorrelationId;
use crate::audit::{AuditLog, Event};
use crate::auth::Principal;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use sha2::{Digest, Sha256};

/// The release name the server answers from (set once at start).
#[derive(Clone)]
pub struct ReleaseName(pub String);

fn recorded(path: &str) -> bool {
    !matches!(
        path,
        "/health" | "/healthz" | "/readyz" | "/metrics" | "/openapi.json"
    ) && !path.starts_with("/swagger-ui")
}

/// Records the request once answered; the answer waits for the record.
pub async fn audit(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let log = req.app_data::<web::Data<AuditLog>>().cloned();
    let Some(log) = log.filter(|_| recorded(req.path())) else {
        return Ok(next
            .call(req)
            .await?
            .map_into_boxed_body()
            .map_into_left_body());
    };
    // The body is read here (and put back for the handler) to digest it.
    let body = match req.extract::<web::Bytes>().await {
        Ok(b) => b,
        // Unreadable or over the size limit: refused before any operation ran.
        Err(e) => {
            let refused = e.error_response();
            return Ok(req.into_response(refused).map_into_right_body());
        }
    };
    req.set_payload(payload_of(body.clone()));
    let operation = format!("{} {}", req.method(), req.path());
    let query = req.query_string().to_string();
    let mut digest = Sha256::new();
    digest.update(query.as_bytes());
    digest.update([0]);
    digest.update(&body);
    let params_digest = crate::audit::chain_hex(&digest.finalize());
    let (system, version) = named_system(req.path(), &query, &body);
    let validation = req.path().ends_with("$validate-code");
    let res = next.call(req).await?.map_into_boxed_body();
    let (http_req, res) = res.into_parts();
    let status = res.status().as_u16();
    // A validation's result is read from its answer (so the answer is buffered).
    let (res, result) = if validation {
        let (head, body) = res.into_parts();
        let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
        let result = if memfind(&bytes, br#""name":"result","valueBoolean":true"#) {
            Some(true)
        } else if memfind(&bytes, br#""name":"result","valueBoolean":false"#) {
            Some(false)
        } else {
            None
        };
        (head.set_body(BoxBody::new(bytes)), result)
    } else {
        (res, None)
    };
    let who = http_req.extensions().get::<Principal>().cloned();
    let correlation_id = http_req
        .extensions()
        .get::<CorrelationId>()
        .map(|c| c.0.clone())
        .unwrap_or_default();
    let release = http_req
        .app_data::<web::Data<ReleaseName>>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let event = Event {
        time: crate::clock::now_rfc3339_millis(),
        subject: who.as_ref().and_then(|w| w.subject.clone()),
        client_id: who.as_ref().and_then(|w| w.client_id.clone()),
        operation,
        system,
        version,
        params_digest,
        status,
        result,
        correlation_id,
        release,
    };
    match log.record(event).await {
        Ok(()) => Ok(ServiceResponse::new(http_req, res).map_into_left_body()),
        Err(e) => {
            tracing::error!(error = %e, "audit record not written; answer withheld");
            let refused = super::error::ApiError::http(
                StatusCode::SERVICE_UNAVAILABLE,
                "transient",
                "the audit trail cannot be written, so no answer is given; try again later",
            )
            .error_response();
            Ok(ServiceResponse::new(http_req, refused).map_into_right_body())
        }
    }
}

fn memfind(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn payload_of(bytes: web::Bytes) -> actix_web::dev::Payload {
    let (_, mut payload) = actix_http::h1::Payload::create(true);
    payload.unread_data(bytes);
    actix_web::dev::Payload::from(payload)
}

/// The code system (and version) a request names: `system`, or a code system operation's
/// `url`, from the query or a Parameters body (or a `coding`'s system).
fn named_system(path: &str, query: &str, body: &[u8]) -> (Option<String>, Option<String>) {
    let code_system_op = path.starts_with("/CodeSystem/");
    let mut system = None;
    let mut url = None;
    let mut version = None;
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "system" => system = Some(v.into_owned()),
            "url" => url = Some(v.into_owned()),
            "version" | "systemVersion" => version = Some(v.into_owned()),
            _ => {}
        }
    }
    if system.is_none()
        && url.is_none()
        && !body.is_empty()
        && let Ok(v) = serde_json::from_slice::<serde_json::Value>(body)
    {
        for p in v["parameter"].as_array().into_iter().flatten() {
            let value = ["valueUri", "valueCanonical", "valueString"]
                .iter()
                .find_map(|k| p[*k].as_str())
                .map(str::to_string);
            match p["name"].as_str() {
                Some("system") => system = value,
                Some("url") => url = value,
                Some("version") => version = value,
                Some("coding") if system.is_none() => {
                    system = p["valueCoding"]["system"].as_str().map(str::to_string)
                }
                _ => {}
            }
        }
    }
    let system = system.or(url.filter(|_| code_system_op));
    (system, version)
}

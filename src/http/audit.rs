//! The audit middleware: after each API request is answered, and before the answer leaves,
//! its [`Event`] is on disk in the audit trail (a validation's handler notes its result with
//! [`note_result`]). A trail that cannot be written refuses the
//! answer (503), and the refusal's own record waits in the staging ring until the trail can be
//! written again: no response goes out without its record. Liveness, readiness, metrics and the
//! API description are not transactions and are not recorded.

use super::release::Answered;
use super::request::CorrelationId;
use crate::audit::{AuditLog, Event};
use crate::auth::Principal;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// A validation's result, left in the request's extensions by the handler for its record.
#[derive(Clone, Copy)]
struct ValidationResult(bool);

/// Notes a `$validate-code` result for the audit record of the request.
pub fn note_result(req: &actix_web::HttpRequest, result: bool) {
    req.extensions_mut().insert(ValidationResult(result));
}

fn recorded(path: &str) -> bool {
    !matches!(
        path,
        "/health" | "/healthz" | "/readyz" | "/metrics" | "/openapi.json"
    ) && !path.starts_with("/swagger-ui")
        && path != "/"
        && path != "/ui"
        && !path.starts_with("/ui/")
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
    // An NDJSON bulk stream is not read here: it may be larger than memory, and is answered
    // as it arrives. Its record (written before the first answer line leaves) digests the
    // query only and says it was a stream.
    let streamed = super::stream::has_ndjson_body(req.headers());
    // A request without a body (a GET, as most are) has nothing to read and put back.
    let bodiless = !req
        .headers()
        .contains_key(actix_web::http::header::CONTENT_LENGTH)
        && !req
            .headers()
            .contains_key(actix_web::http::header::TRANSFER_ENCODING);
    let body = if streamed || bodiless {
        web::Bytes::new()
    } else {
        // The body is read here (and put back for the handler) to digest it.
        match req.extract::<web::Bytes>().await {
            Ok(b) => b,
            // Unreadable or over the size limit: refused before any operation ran.
            Err(e) => {
                let refused = e.error_response();
                return Ok(req.into_response(refused).map_into_right_body());
            }
        }
    };
    if !streamed && !bodiless {
        req.set_payload(payload_of(body.clone()));
    }
    // Put together without `format!` (its machinery showed in the record's cost).
    let (method, path) = (req.method().as_str(), req.path());
    let mut operation = String::with_capacity(method.len() + path.len() + 20);
    operation.push_str(method);
    operation.push(' ');
    operation.push_str(path);
    if streamed {
        operation.push_str(" (ndjson stream)");
    }
    let mut digest = Sha256::new();
    digest.update(req.query_string().as_bytes());
    digest.update([0]);
    digest.update(&body);
    let params_digest = crate::audit::chain_hex(&digest.finalize());
    let res = next.call(req).await?.map_into_boxed_body();
    let (http_req, res) = res.into_parts();
    // Named by the operation as it read its parameters, else read here (a request refused
    // before any operation read them).
    let unnoted =
        (!http_req.extensions().contains::<NamedSystem>()).then(|| named_system(&http_req, &body));
    // The release that answered; for a request no handler took one for (refused before), the
    // release in service now.
    let in_service = (!http_req.extensions().contains::<Answered>()).then(|| {
        http_req
            .app_data::<web::Data<super::release::Serving>>()
            .map(|s| s.name())
            .unwrap_or_default()
    });
    let time = crate::clock::now_rfc3339_millis();
    // The event borrows from the request; it is serialized and staged by `record` before the
    // borrow ends, and only the wait (if any) is awaited.
    let recorded = {
        let ext = http_req.extensions();
        let (system, version) = match (&unnoted, ext.get::<NamedSystem>()) {
            (Some((s, v)), _) | (None, Some(NamedSystem(s, v))) => (s.as_deref(), v.as_deref()),
            (None, None) => (None, None),
        };
        let who = ext.get::<Arc<Principal>>();
        log.record(&Event {
            time: time.as_str(),
            subject: who.and_then(|w| w.subject.as_deref()),
            client_id: who.and_then(|w| w.client_id.as_deref()),
            operation: &operation,
            system,
            version,
            params_digest: &params_digest,
            status: res.status().as_u16(),
            result: ext.get::<ValidationResult>().map(|r| r.0),
            correlation_id: ext.get::<CorrelationId>().map_or("", |c| c.0.as_str()),
            release: match (&in_service, ext.get::<Answered>()) {
                (Some(name), _) => name,
                (None, Some(Answered(name))) => name,
                (None, None) => "",
            },
        })
    };
    match crate::audit::settled(recorded).await {
        Ok(()) => Ok(ServiceResponse::new(http_req, res).map_into_left_body()),
        Err(e) => {
            // Not an error line per refusal: during an outage at full load that would be
            // thousands a second. The syncer logs the failing trail once a second, with counts.
            tracing::debug!(error = %e, "audit record not written; answer withheld");
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

fn payload_of(bytes: web::Bytes) -> actix_web::dev::Payload {
    let (_, mut payload) = actix_http::h1::Payload::create(true);
    payload.unread_data(bytes);
    actix_web::dev::Payload::from(payload)
}

/// The code system (and version) a request names — `system`, a code system operation's
/// `url`, or a `coding`'s system — read as the operation reads its parameters.
fn named_system(
    req: &actix_web::HttpRequest,
    body: &web::Bytes,
) -> (Option<String>, Option<String>) {
    if body.is_empty() {
        // The query alone (most requests): read the three names without building the whole
        // parameter set, which this would do a second time for every request.
        let code_system_op = req.path().starts_with("/CodeSystem/");
        let (mut system, mut url, mut version, mut coding) = (None, None, None, false);
        // Only the pairs wanted are decoded (decoding every one showed in profiles); a key
        // written with escapes is decoded to be sure.
        for pair in req.query_string().split('&') {
            let raw = pair.split_once('=').map_or(pair, |(k, _)| k);
            let wanted = matches!(raw, "system" | "url" | "version" | "coding");
            if !wanted && !raw.contains(['%', '+']) {
                continue;
            }
            let Some((k, v)) = form_urlencoded::parse(pair.as_bytes()).next() else {
                continue;
            };
            match &*k {
                "system" if system.is_none() => system = Some(v.into_owned()),
                "url" if code_system_op && url.is_none() => url = Some(v.into_owned()),
                "version" if version.is_none() => version = Some(v.into_owned()),
                "coding" => coding = true,
                _ => {}
            }
        }
        if system.is_some() || url.is_some() || !coding {
            return (system.or(url), version);
        }
    }
    match super::request::params(req, body) {
        Ok(p) => system_in(req, &p),
        Err(_) => (None, None),
    }
}

/// The code system (and version) named by parameters already read.
fn system_in(
    req: &actix_web::HttpRequest,
    p: &crate::fhir::params::Params,
) -> (Option<String>, Option<String>) {
    let text = |name: &str| p.text(name).ok().flatten();
    let system = text("system")
        .or_else(|| {
            req.path()
                .starts_with("/CodeSystem/")
                .then(|| text("url"))
                .flatten()
        })
        .or_else(|| p.coding("coding").ok().flatten().and_then(|c| c.system));
    (system, text("version"))
}

/// The code system a request names, noted by the operation that read its parameters, so the
/// record does not read them a second time.
struct NamedSystem(Option<String>, Option<String>);

/// Notes the code system (and version) the parameters `p` of the request name, for its record
/// (nothing without an audit trail: no record will read it).
pub fn note_system(req: &actix_web::HttpRequest, p: &crate::fhir::params::Params) {
    if req.app_data::<web::Data<AuditLog>>().is_none() {
        return;
    }
    let (system, version) = system_in(req, p);
    req.extensions_mut().insert(NamedSystem(system, version));
}

#[cfg(test)]
mod tests {
    use super::named_system;
    use actix_web::test::TestRequest;
    use actix_web::web::Bytes;

    fn pair(s: Option<&str>, v: Option<&str>) -> (Option<String>, Option<String>) {
        (s.map(str::to_string), v.map(str::to_string))
    }

    #[test]
    fn the_named_system_comes_from_the_query_or_the_body() {
        let get = |uri: &str| TestRequest::get().uri(uri).to_http_request();
        let none = Bytes::new();
        assert_eq!(
            named_system(
                &get("/CodeSystem/$lookup?system=http%3A%2F%2Fsnomed.info%2Fsct&version=v1&code=1"),
                &none
            ),
            pair(Some("http://snomed.info/sct"), Some("v1"))
        );
        // A code system operation's `url` names the code system; a value set's does not.
        assert_eq!(
            named_system(
                &get("/CodeSystem/$validate-code?url=http://x&code=1"),
                &none
            ),
            pair(Some("http://x"), None)
        );
        assert_eq!(
            named_system(&get("/ValueSet/$validate-code?url=http://vs&code=1"), &none),
            pair(None, None)
        );
        // A body is read as the operation reads it.
        let post = TestRequest::post()
            .uri("/CodeSystem/$validate-code")
            .insert_header(("Content-Type", "application/fhir+json"))
            .to_http_request();
        let body = Bytes::from_static(
            br#"{"resourceType":"Parameters","parameter":[{"name":"coding","valueCoding":{"system":"http://y","code":"1"}}]}"#,
        );
        assert_eq!(named_system(&post, &body), pair(Some("http://y"), None));
    }
}

//! Throttling and limits: a per-client request rate (token bucket by client address,
//! `actix-governor`; behind trusted proxies, the address their `X-Forwarded-For` names), a cap on expensive operations in flight (expansions and batches), the
//! largest request body, and the rule that every refusal — these, and any error actix answers
//! itself (a body over the limit, a bad header) — reaches the client as a FHIR
//! OperationOutcome with its status.

use super::error::ApiError;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{ResponseError, web};
use std::sync::Arc;

/// The limits a server runs with.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Requests per second per client address; 0: no rate limit.
    pub rate_per_second: u32,
    /// How many requests a client may send at once above its rate.
    pub burst: u32,
    /// Expensive operations (`$expand`, `$batch-validate-code`) in flight at once.
    pub max_expensive: usize,
    /// Largest request body, in bytes (larger: 413).
    pub max_body: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed: behind one, the rate limit keys on
    /// the client the proxy names rather than on the proxy.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// How long a request may take to arrive and be answered (a slow body, a stalled client);
    /// `None`: no limit. NDJSON streams and Bulk Data kick-offs are exempt (their bodies are
    /// large by design).
    pub request_timeout: Option<std::time::Duration>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            rate_per_second: 0,
            burst: 0,
            max_expensive: 64,
            max_body: 16 << 20,
            trusted_proxies: Vec::new(),
            request_timeout: Some(std::time::Duration::from_secs(30)),
        }
    }
}

/// The request time limit, as app data.
#[derive(Clone, Copy)]
pub struct RequestTimeout(pub std::time::Duration);

/// Answers 408 when a request is not read and answered within [`Limits::request_timeout`].
/// The limit is checked wherever the request waits (its body arriving, a permit, the audit
/// record); an operation's own CPU work is bounded by its budget (`--expansion-timeout`).
pub async fn deadline(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limit = req.app_data::<web::Data<RequestTimeout>>().map(|t| t.0);
    let streamed = super::stream::has_ndjson_body(req.headers());
    let Some(limit) = limit.filter(|_| !streamed) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    match actix_web::rt::time::timeout(limit, next.call(req)).await {
        Ok(res) => Ok(res?.map_into_boxed_body()),
        // An error, not a response: the request went with the abandoned call, and the outer
        // layer (`outcome_for_errors`) answers errors as OperationOutcomes.
        Err(_) => Err(ApiError::http(
            StatusCode::REQUEST_TIMEOUT,
            "timeout",
            format!(
                "the request was not received and answered within {} s; send the whole body promptly",
                limit.as_secs_f64()
            ),
        )
        .into()),
    }
}

/// The rate limit's key: the client's address. A request from a trusted proxy is keyed on the
/// address its `X-Forwarded-For` names: read from the right, the first hop that is not itself a
/// trusted proxy (the left part of the header is whatever the client wrote, so it is never
/// believed). IPv6 clients are keyed by their /56, as providers hand out such prefixes.
#[derive(Debug, Clone)]
pub struct ClientKey(pub Arc<Vec<std::net::IpAddr>>);

impl ClientKey {
    /// The key of a request from `peer` with these `X-Forwarded-For` values.
    pub fn key(&self, peer: std::net::IpAddr, forwarded: &[&str]) -> std::net::IpAddr {
        let mut client = peer;
        if self.0.contains(&peer) {
            let hops = forwarded
                .iter()
                .flat_map(|h| h.split(','))
                .map(str::trim)
                .collect::<Vec<_>>();
            for hop in hops.iter().rev() {
                let Ok(ip) = hop.parse::<std::net::IpAddr>() else {
                    break;
                };
                client = ip;
                if !self.0.contains(&ip) {
                    break;
                }
            }
        }
        match client {
            std::net::IpAddr::V6(v6) => {
                let mut octets = v6.octets();
                octets[7..16].fill(0);
                std::net::IpAddr::V6(octets.into())
            }
            v4 => v4,
        }
    }
}

impl actix_governor::KeyExtractor for ClientKey {
    type Key = std::net::IpAddr;
    type KeyExtractionError = actix_governor::SimpleKeyExtractionError<&'static str>;

    fn extract(&self, req: &ServiceRequest) -> Result<Self::Key, Self::KeyExtractionError> {
        let peer = req.peer_addr().map(|a| a.ip()).ok_or_else(|| {
            actix_governor::SimpleKeyExtractionError::new("no peer address to rate-limit by")
        })?;
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|h| h.to_str().ok())
            .collect();
        Ok(self.key(peer, &forwarded))
    }
}

/// The semaphore of expensive operations.
#[derive(Clone)]
pub struct Expensive(pub Arc<tokio::sync::Semaphore>);

fn expensive(path: &str) -> bool {
    path.ends_with("/$expand") || path.ends_with("/$batch-validate-code")
}

/// Refuses an expensive operation when the cap is reached (429, `Retry-After: 1`), rather
/// than queueing it behind the others until every worker is busy expanding.
pub async fn cap_expensive(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let sem = req.app_data::<web::Data<Expensive>>().map(|e| e.0.clone());
    let Some(sem) = sem.filter(|_| expensive(req.path())) else {
        return Ok(next
            .call(req)
            .await?
            .map_into_boxed_body()
            .map_into_left_body());
    };
    match sem.try_acquire_owned() {
        Ok(permit) => {
            let res = next.call(req).await?;
            drop(permit);
            Ok(res.map_into_boxed_body().map_into_left_body())
        }
        Err(_) => {
            super::metrics::throttled("concurrency");
            let mut r = ApiError::http(
                StatusCode::TOO_MANY_REQUESTS,
                "throttled",
                "too many expansions and batches are running; retry in a second",
            )
            .error_response();
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            Ok(req.into_response(r).map_into_right_body())
        }
    }
}

/// Turns any error answer that is not already an OperationOutcome (actix's own: a body over
/// the limit, a rate-limit refusal, a malformed request) into one, keeping status and headers.
pub async fn outcome_for_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let res = match next.call(req).await {
        Ok(r) => r.map_into_boxed_body(),
        Err(e) => {
            // An error that escaped a handler or middleware: answered here.
            return Err(e);
        }
    };
    let status = res.status();
    let is_fhir = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|c| c.starts_with(crate::fhir::FHIR_JSON));
    if status.as_u16() < 400 || is_fhir {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let headers = res.headers().clone();
    let text = actix_web::body::to_bytes(res.into_body())
        .await
        .ok()
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .filter(|t| !t.is_empty() && t.len() < 500);
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            super::metrics::throttled("size");
            (
                "too-costly",
                "the request body is larger than this server accepts (--max-body)".to_string(),
            )
        }
        StatusCode::TOO_MANY_REQUESTS => {
            super::metrics::throttled("rate");
            (
                "throttled",
                format!(
                    "too many requests from this client; {}",
                    text.as_deref().unwrap_or("slow down")
                ),
            )
        }
        _ => (
            "processing",
            text.unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_string()),
        ),
    };
    let mut out = ApiError::http(status, code, message).error_response();
    for (k, v) in headers.iter() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    Ok(ServiceResponse::new(req, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<std::net::IpAddr>().unwrap();
        let k = ClientKey(Arc::new(vec![ip("10.0.0.1"), ip("10.0.0.2")]));
        // Not from a proxy: the header is the client's own claim and is ignored.
        assert_eq!(k.key(ip("192.0.2.1"), &["203.0.113.5"]), ip("192.0.2.1"));
        // Through two trusted proxies: the first untrusted hop from the right.
        assert_eq!(
            k.key(ip("10.0.0.1"), &["6.6.6.6, 203.0.113.5, 10.0.0.2"]),
            ip("203.0.113.5")
        );
        // A proxy that sent no header: the proxy itself.
        assert_eq!(k.key(ip("10.0.0.1"), &[]), ip("10.0.0.1"));
        // Garbage stops the walk at the last good hop.
        assert_eq!(k.key(ip("10.0.0.1"), &["junk, 10.0.0.2"]), ip("10.0.0.2"));
        // IPv6 clients by /56.
        assert_eq!(
            k.key(ip("2001:db8:1:2aff::1"), &[]),
            ip("2001:db8:1:2a00::")
        );
    }
}

//! Request plumbing: parameters from query or body (with media type checks), `_format`
//! negotiation, the language preference, `tx-resource`s, and correlation ids.

use super::error::ApiError;
use crate::fhir::params::Params;
use crate::ops::RequestContext;
use crate::ops::language::parse_accept_language;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, web};
use std::sync::atomic::{AtomicU64, Ordering};

/// Query pairs of a request, percent-decoded (`+` as space; bytes that are not UTF-8 become
/// U+FFFD, as browsers and serde_urlencoded do, so a query can never fail to parse).
pub fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect()
}

/// Rejects `_format` values and `Accept` headers asking for anything but FHIR JSON.
pub fn check_format(req: &HttpRequest) -> Result<(), ApiError> {
    check_format_in(req, &query_pairs(req))
}

/// [`check_format`] with the query already parsed.
fn check_format_in(req: &HttpRequest, pairs: &[(String, String)]) -> Result<(), ApiError> {
    if let Some((_, f)) = pairs.iter().find(|(k, _)| k == "_format") {
        let ok = matches!(
            f.as_str(),
            "json" | "application/json" | "application/fhir+json" | "fhir+json"
        ) || f.starts_with("application/fhir+json;")
            || f.starts_with("application/json;");
        if !ok {
            return Err(ApiError::http(
                StatusCode::NOT_ACCEPTABLE,
                "not-supported",
                format!(
                    "_format '{f}' is not supported; this server speaks FHIR JSON (_format=json)"
                ),
            ));
        }
    }
    if let Some(accept) = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|h| h.to_str().ok())
    {
        let json_ok = accept.split(',').any(|a| {
            let a = a.trim().split(';').next().unwrap_or("").trim();
            matches!(
                a,
                "*/*" | "application/*" | "application/json" | "application/fhir+json" | ""
            )
        });
        if !json_ok {
            return Err(ApiError::http(
                StatusCode::NOT_ACCEPTABLE,
                "not-supported",
                format!("cannot answer with '{accept}'; this server speaks application/fhir+json"),
            ));
        }
    }
    Ok(())
}

/// Operation parameters from a GET query or a POST body (Parameters resource or a form).
pub fn params(req: &HttpRequest, body: &web::Bytes) -> Result<Params, ApiError> {
    let query = query_pairs(req);
    check_format_in(req, &query)?;
    if req.method() != Method::POST {
        return Ok(Params::from_query(query));
    }
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/fhir+json" | "application/json" => {
            let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
                ApiError::http(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    format!(
                        "malformed JSON body at line {}, column {}: {e}",
                        e.line(),
                        e.column()
                    ),
                )
            })?;
            let mut p = Params::from_parameters(&value)?;
            // Query parameters may accompany a POST; the body wins for the same name.
            p.extend_missing(Params::from_query(query));
            Ok(p)
        }
        "application/x-www-form-urlencoded" => {
            let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|e| {
                ApiError::http(
                    StatusCode::BAD_REQUEST,
                    "invalid",
                    format!("malformed form body: {e}"),
                )
            })?;
            Ok(Params::from_query(pairs))
        }
        "" => Err(ApiError::http(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not-supported",
            "POST needs Content-Type: application/fhir+json (a Parameters resource)",
        )),
        other => Err(ApiError::http(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not-supported",
            format!(
                "Content-Type '{other}' is not supported; send application/fhir+json (a Parameters resource)"
            ),
        )),
    }
}

/// True when the request's `Prefer` header holds `token` (`respond-async`,
/// `handling=lenient`), however it is spaced or combined with others.
pub fn prefers(req: &HttpRequest, token: &str) -> bool {
    req.headers().get_all("prefer").any(|h| {
        h.to_str().is_ok_and(|p| {
            p.split([',', ';'])
                .any(|x| x.trim().eq_ignore_ascii_case(token))
        })
    })
}

/// An operation's parameters and its context: what every `$operation` handler starts with.
pub fn operation(
    req: &HttpRequest,
    body: &web::Bytes,
) -> Result<(Params, RequestContext), ApiError> {
    let p = params(req, body)?;
    super::audit::note_system(req, &p);
    crate::fhir::definitions::check(req.path(), &p, prefers(req, "handling=lenient"))?;
    let ctx = context(req, &p)?;
    Ok((p, ctx))
}

/// The per-request context: display language and `tx-resource` content.
pub fn context(req: &HttpRequest, p: &Params) -> Result<RequestContext, ApiError> {
    let mut ctx = RequestContext::default();
    if let Some(lang) = p.text("displayLanguage")? {
        if !crate::ops::language::is_language_list(&lang) {
            return Err(crate::ops::Error::Processing {
                tx_code: "invalid-display",
                message_id: "INVALID_DISPLAY_NAME",
                message: format!("Invalid displayLanguage: '{lang}'"),
            }
            .into());
        }
        ctx.languages = parse_accept_language(&lang);
        ctx.languages_exclusive = crate::ops::language::excludes_others(&lang);
        ctx.languages_as_given = Some(lang);
    } else if let Some(h) = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|h| h.to_str().ok())
    {
        ctx.languages = parse_accept_language(h);
        ctx.languages_as_given = Some(h.to_string());
    }
    ctx.use_supplements = p.texts("useSupplement");
    let pairs = |name: &str| -> Vec<(String, String)> {
        p.texts(name)
            .into_iter()
            .filter_map(|v| {
                v.split_once('|')
                    .map(|(s, ver)| (s.to_string(), ver.to_string()))
            })
            .collect()
    };
    ctx.system_versions = pairs("system-version");
    ctx.force_system_versions = pairs("force-system-version");
    ctx.check_system_versions = pairs("check-system-version");
    ctx.value_set_versions = pairs("default-valueset-version");
    // A client may lower the unpaged expansion limit, by header or by the `limit` parameter
    // tx.fhir.org accepts.
    ctx.max_unpaged = req
        .headers()
        .get("x-too-costly-threshold")
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or(p.text("limit").ok().flatten())
        .and_then(|h| h.trim().parse::<usize>().ok());
    crate::fhir::requests::add_tx_resources(p, &mut ctx)?;
    Ok(ctx)
}

/// Serves the API under `/fhir` as well as at the root: clients are usually configured with
/// a base ending in `/fhir`. The prefix is taken off before anything else sees the request, so
/// routing, authentication, metrics and the audit trail know one set of paths.
pub async fn fhir_base(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let path = req.path();
    if path == "/fhir" || path.starts_with("/fhir/") {
        let rest = &path["/fhir".len()..];
        let rest = if rest.is_empty() { "/" } else { rest };
        let pq = match req.query_string() {
            "" => rest.to_string(),
            q => format!("{rest}?{q}"),
        };
        if let Ok(uri) = pq.parse::<actix_web::http::Uri>() {
            req.head_mut().uri = uri.clone();
            req.match_info_mut().get_mut().update(&uri);
        }
    }
    next.call(req).await
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// This process's id, read once: `std::process::id()` is a system call each time (the C
/// library no longer caches it), and a generated correlation id names it on every request.
fn pid() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(std::process::id)
}

/// The request's correlation id, left in its extensions for the audit trail.
#[derive(Debug, Clone)]
pub struct CorrelationId(pub String);

/// The trace id and the caller's span id (the parent of this server's span) of a valid W3C
/// `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`).
fn trace_parts(traceparent: &str) -> Option<(&str, &str)> {
    let mut parts = traceparent.split('-');
    let (_, trace, span, _) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (hex(trace, 32)
        && hex(span, 16)
        && trace != "00000000000000000000000000000000"
        && span != "0000000000000000")
        .then_some((trace, span))
}

/// Takes the caller's correlation id (`X-Request-ID`, `X-Correlation-ID`, else the trace id of
/// a W3C `traceparent`) or makes one, echoes it as `X-Request-ID`, and runs the request inside a
/// tracing span carrying it (`request_id`, `trace_id`, this server's `span_id` and the caller's
/// `parent_span_id`), so every log line of the request and its audit record can be joined with
/// the caller's logs; a traced request gets `traceresponse` back.
pub async fn correlation_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    use actix_web::HttpMessage;
    use tracing::Instrument;
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|h| h.to_str().ok())
            .filter(|s| !s.is_empty() && s.len() <= 200)
            .map(str::to_string)
    };
    let traceparent = header("traceparent");
    let parts = traceparent.as_deref().and_then(trace_parts);
    let trace = parts.map(|(t, _)| t.to_string());
    let parent_span = parts.map(|(_, s)| s.to_string());
    // This server's span: a fresh 64-bit id, so the caller's trace can place the request.
    // Unique, not secret: a thread-local generator (a v4 UUID asked the kernel for randomness
    // on every request, which showed in profiles).
    let span_id = format!("{:016x}", fastrand::u64(1..));
    let given = header("x-request-id")
        .or_else(|| header("x-correlation-id"))
        .or_else(|| trace.clone());
    let id = given.unwrap_or_else(|| {
        format!(
            "concord-{:x}-{}",
            pid(),
            NEXT_ID.fetch_add(1, Ordering::Relaxed)
        )
    });
    req.extensions_mut().insert(CorrelationId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        trace_id = trace.as_deref().unwrap_or(""),
        span_id = %span_id,
        parent_span_id = parent_span.as_deref().unwrap_or(""),
        method = %req.method(),
        path = %req.path()
    );
    let start = std::time::Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    // The access log line (at info: off unless CONCORD_LOG asks for it), inside the request's
    // span so it carries request_id and trace_id.
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            latency_us = start.elapsed().as_micros() as u64,
            "answered"
        )
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), v);
    }
    // W3C Trace Context level 2 `traceresponse`: the trace and this server's span, so a caller
    // can find the server's log lines for its request.
    if let Some(t) = &trace
        && let Ok(v) = HeaderValue::from_str(&format!("00-{t}-{span_id}-01"))
    {
        res.headers_mut()
            .insert(header::HeaderName::from_static("traceresponse"), v);
    }
    Ok(res)
}

#[cfg(test)]
mod trace_tests {
    #[test]
    fn traceparent_gives_its_trace_id() {
        assert_eq!(
            super::trace_parts("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            Some(("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"))
        );
        assert_eq!(super::trace_parts("00-xyz-00f067aa0ba902b7-01"), None);
        assert_eq!(
            super::trace_parts("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
            None
        );
        assert_eq!(
            super::trace_parts("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"),
            None
        );
    }
}

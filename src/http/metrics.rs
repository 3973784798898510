//! Prometheus metrics at `/metrics` (OpenMetrics text, `prometheus-client`): requests and their
//! latency by route and status, the release in service, and the requests refused by
//! authentication or throttling. One process-wide registry: a scrape reads what every worker
//! counted.

use crate::auth::AuthError;
use actix_web::HttpResponse;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::OnceLock;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReleaseLabels {
    release: String,
}

struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram>,
    auth_rejections: Family<ReasonLabels, Counter>,
    throttled: Family<ReasonLabels, Counter>,
    release: Family<ReleaseLabels, Gauge>,
}

fn metrics() -> &'static Metrics {
    static M: OnceLock<Metrics> = OnceLock::new();
    M.get_or_init(|| {
        let mut registry = Registry::with_prefix("concord");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route pattern, method and status",
            requests.clone(),
        );
        // 50 µs to ~1.6 s: sub-millisecond lookups and multi-second expansions both resolve.
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.00005, 2.0, 16))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time to answer, by route pattern",
            latency.clone(),
        );
        let auth_rejections = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "auth_rejections",
            "Requests refused by authentication (401) or authorisation (403)",
            auth_rejections.clone(),
        );
        let throttled = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "throttled_requests",
            "Requests refused by a rate, size or concurrency limit",
            throttled.clone(),
        );
        let release = Family::<ReleaseLabels, Gauge>::default();
        registry.register(
            "release_info",
            "The release in service (value 1)",
            release.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            auth_rejections,
            throttled,
            release,
        }
    })
}

/// Counts and times every request by its route pattern (not its path, so the label set
/// stays small whatever codes are asked for).
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let start = Instant::now();
    let method = req.method().to_string();
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let m = metrics();
    m.requests
        .get_or_create(&RequestLabels {
            route: route.clone(),
            method,
            status: res.status().as_u16(),
        })
        .inc();
    m.latency
        .get_or_create(&RouteLabels { route })
        .observe(start.elapsed().as_secs_f64());
    Ok(res)
}

/// Counts a refusal by authentication.
pub fn auth_rejected(e: &AuthError) {
    let reason = match e {
        AuthError::Missing => "missing",
        AuthError::Invalid(_) => "invalid",
        AuthError::Forbidden { .. } => "forbidden",
    };
    metrics()
        .auth_rejections
        .get_or_create(&ReasonLabels {
            reason: reason.into(),
        })
        .inc();
}

/// Counts a refusal by a limit (`rate`, `size`, `concurrency`).
pub fn throttled(reason: &str) {
    metrics()
        .throttled
        .get_or_create(&ReasonLabels {
            reason: reason.into(),
        })
        .inc();
}

/// Marks `release` as the one in service (and any other as not).
pub fn set_release(release: &str) {
    let m = metrics();
    m.release.clear();
    m.release
        .get_or_create(&ReleaseLabels {
            release: release.into(),
        })
        .set(1);
}

/// `GET /metrics`.
pub async fn scrape() -> HttpResponse {
    let mut text = String::new();
    if prometheus_client::encoding::text::encode(&mut text, &metrics().registry).is_err() {
        return HttpResponse::InternalServerError().finish();
    }
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(text)
}

//! Limits over HTTP: oversized bodies get 413, bursts over the rate get 429, and expensive
//! operations over the cap get 429 with Retry-After — each as an OperationOutcome; and
//! `/metrics` counts requests and refusals.

use crate::common::*;
use crate::server::*;
use concord::http::limits::Limits;
use serde_json::Value;

fn limited(limits: Limits) -> String {
    let dir = icd10cm_mini_data();
    let t = concord::cli::open(dir.path(), "en-US").unwrap();
    // The data directory must outlive the server (which runs until the test process ends).
    std::mem::forget(dir);
    start_with(
        t,
        concord::http::Options {
            limits,
            ..Default::default()
        },
    )
}

fn outcome(r: reqwest::blocking::Response) -> (u16, Option<String>, Value) {
    let s = r.status().as_u16();
    let retry = r
        .headers()
        .get("retry-after")
        .map(|h| h.to_str().unwrap().to_string());
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("application/fhir+json"), "{ct}");
    (s, retry, r.json().unwrap())
}

#[test]
fn an_oversized_body_gets_413_as_an_operation_outcome() {
    let base = limited(Limits {
        max_body: 1000,
        ..Default::default()
    });
    let body = format!(
        r#"{{"resourceType":"Parameters","parameter":[{{"name":"code","valueCode":"{}"}}]}}"#,
        "x".repeat(5000)
    );
    let r = client()
        .post(format!("{base}/CodeSystem/$lookup"))
        .header("Content-Type", "application/fhir+json")
        .body(body)
        .send()
        .unwrap();
    let (s, _, o) = outcome(r);
    assert_eq!(s, 413, "{o}");
    assert_eq!(o["resourceType"], "OperationOutcome");
    assert!(
        o.to_string().contains("larger than this server accepts"),
        "{o}"
    );
}

#[test]
fn a_burst_over_the_rate_gets_429_as_an_operation_outcome() {
    let base = limited(Limits {
        rate_per_second: 2,
        burst: 3,
        ..Default::default()
    });
    let c = client();
    let statuses: Vec<u16> = (0..10)
        .map(|_| {
            c.get(format!("{base}/CodeSystem?_count=1"))
                .send()
                .unwrap()
                .status()
                .as_u16()
        })
        .collect();
    assert!(
        statuses.iter().filter(|s| **s == 200).count() >= 3,
        "{statuses:?}"
    );
    assert!(statuses.contains(&429), "{statuses:?}");
    let (s, _, o) = outcome(c.get(format!("{base}/CodeSystem?_count=1")).send().unwrap());
    assert_eq!(s, 429);
    assert_eq!(o["issue"][0]["code"], "throttled");
    // The refusals are counted.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let m = c
        .get(format!("{base}/metrics"))
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        m.contains("concord_throttled_requests_total{reason=\"rate\"}"),
        "{m}"
    );
}

#[test]
fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_rate() {
    let base = limited(Limits {
        rate_per_second: 1,
        burst: 2,
        trusted_proxies: vec!["127.0.0.1".parse().unwrap()],
        ..Default::default()
    });
    let c = client();
    let get = |forwarded: &str| {
        c.get(format!("{base}/CodeSystem?_count=1"))
            .header("X-Forwarded-For", forwarded)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    // One client through the proxy exhausts its own bucket…
    let first: Vec<u16> = (0..4).map(|_| get("198.51.100.7")).collect();
    assert!(first.contains(&429), "{first:?}");
    // …while another, behind the same proxy, is still served; a client that puts a forged
    // address at the left of the header is still keyed on what the proxy appended.
    assert_eq!(get("203.0.113.9"), 200);
    assert_eq!(get("10.9.9.9, 198.51.100.7"), 429);
}

#[test]
fn a_body_that_never_finishes_gets_408_within_the_time_limit() {
    use std::io::{Read, Write};
    let base = limited(Limits {
        request_timeout: Some(std::time::Duration::from_millis(500)),
        ..Default::default()
    });
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    // Headers promise 200 bytes; 20 arrive, then nothing.
    write!(
        s,
        "POST /CodeSystem/$lookup HTTP/1.1\r\nHost: x\r\nContent-Type: application/fhir+json\r\nContent-Length: 200\r\n\r\n{{\"resourceType\":\"Pa"
    )
    .unwrap();
    let started = std::time::Instant::now();
    let mut answer = vec![0u8; 4096];
    let n = s.read(&mut answer).unwrap();
    let text = String::from_utf8_lossy(&answer[..n]).to_string();
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("OperationOutcome"), "{text}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn metrics_count_requests_by_route_and_status() {
    // The registry is process-wide (as in the server), and `cargo test` runs every test in one
    // process: counts are compared before and after, and only ever grow.
    let base = limited(Limits::default());
    let c = client();
    let scrape = || -> String {
        c.get(format!("{base}/metrics"))
            .send()
            .unwrap()
            .text()
            .unwrap()
    };
    let value = |m: &str, series: &str| -> u64 {
        m.lines()
            .find(|l| l.starts_with(series))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let ok =
        r#"concord_http_requests_total{route="/CodeSystem/$lookup",method="GET",status="200"}"#;
    let missing =
        r#"concord_http_requests_total{route="/CodeSystem/$lookup",method="GET",status="404"}"#;
    let before = scrape();
    c.get(format!(
        "{base}/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=E11.9"
    ))
    .send()
    .unwrap();
    c.get(format!(
        "{base}/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=NOPE"
    ))
    .send()
    .unwrap();
    let r = c.get(format!("{base}/metrics")).send().unwrap();
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let m = r.text().unwrap();
    assert!(value(&m, ok) > value(&before, ok), "{m}");
    assert!(value(&m, missing) > value(&before, missing), "{m}");
    for needle in [
        "concord_http_request_duration_seconds_bucket{",
        "concord_release_info{release=",
    ] {
        assert!(m.contains(needle), "{needle} not in\n{m}");
    }
    // Liveness and readiness.
    assert_eq!(
        c.get(format!("{base}/healthz"))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        c.get(format!("{base}/readyz"))
            .send()
            .unwrap()
            .status()
            .as_u16(),
        200
    );
}

#[actix_web::test]
async fn the_cap_refuses_the_operation_over_it_while_one_runs() {
    use actix_web::{App, test, web};
    use concord::http::limits::{Expensive, cap_expensive};
    use std::sync::Arc;
    // One permit; the expansion handler waits until told to finish.
    let gate = Arc::new(tokio::sync::Notify::new());
    let g = gate.clone();
    let app = test::init_service(
        App::new()
            .app_data(web::Data::new(Expensive(Arc::new(
                tokio::sync::Semaphore::new(1),
            ))))
            .wrap(actix_web::middleware::from_fn(cap_expensive))
            .route(
                "/ValueSet/$expand",
                web::get().to(move || {
                    let g = g.clone();
                    async move {
                        g.notified().await;
                        "done"
                    }
                }),
            )
            .route("/CodeSystem/$lookup", web::get().to(|| async { "ok" })),
    )
    .await;
    let first = test::call_service(
        &app,
        test::TestRequest::get()
            .uri("/ValueSet/$expand")
            .to_request(),
    );
    let second = async {
        // Runs while the first holds the permit.
        let r = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/ValueSet/$expand")
                .to_request(),
        )
        .await;
        let lookup = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/CodeSystem/$lookup")
                .to_request(),
        )
        .await;
        gate.notify_one();
        (r, lookup)
    };
    let (first, (second, lookup)) = futures_join(first, second).await;
    assert_eq!(first.status().as_u16(), 200);
    assert_eq!(second.status().as_u16(), 429);
    assert_eq!(second.headers().get("retry-after").unwrap(), "1");
    assert_eq!(
        lookup.status().as_u16(),
        200,
        "cheap operations are not capped"
    );
}

/// Polls two futures together on one task (no extra crate): the first is polled first.
async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    let mut a = std::pin::pin!(a);
    let mut b = std::pin::pin!(b);
    let mut ra = None;
    let mut rb = None;
    std::future::poll_fn(|cx| {
        if ra.is_none()
            && let std::task::Poll::Ready(v) = a.as_mut().poll(cx)
        {
            ra = Some(v);
        }
        if rb.is_none()
            && let std::task::Poll::Ready(v) = b.as_mut().poll(cx)
        {
            rb = Some(v);
        }
        if ra.is_some() && rb.is_some() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    (ra.unwrap(), rb.unwrap())
}

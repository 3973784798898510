//! Micro-benchmark of one audit record on the request path (serialize, chain, hash, append),
//! without HTTP: `cargo run --release --example audit_bench [append|mapped]`. The syncer runs
//! as in `serve --audit-sync-ms 10`. Reported in BENCHMARKS.md.

fn main() {
    let mode = match std::env::args().nth(1).as_deref() {
        Some("mapped") => concord::audit::Mode::Mapped,
        _ => concord::audit::Mode::Append,
    };
    let path = std::path::PathBuf::from(format!("/tmp/ab-{}.ndjson", std::process::id()));
    let log = concord::audit::AuditLog::open_with(
        &path,
        concord::audit::Config {
            sync: concord::audit::Sync::Interval(std::time::Duration::from_millis(10)),
            mode,
            rotate_at: None,
        },
    )
    .unwrap();
    let ev = concord::audit::Event {
        time: concord::clock::now_rfc3339_millis(),
        subject: Some("bench-client".into()),
        client_id: Some("bench-client".into()),
        operation: "GET /CodeSystem/$lookup".into(),
        system: Some("http://hl7.org/fhir/sid/icd-10-cm".into()),
        version: None,
        params_digest: "a".repeat(64),
        status: 200,
        result: None,
        correlation_id: "concord-1234-56789".into(),
        release: "20261130T140100-abcdef".into(),
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let n = 500_000;
    let t = std::time::Instant::now();
    rt.block_on(async {
        for _ in 0..n {
            log.record(ev.clone()).await.unwrap();
        }
    });
    let el = t.elapsed();
    println!(
        "{:?}: {:.0} ns/record",
        mode,
        el.as_nanos() as f64 / n as f64
    );
    log.close().unwrap();
    std::fs::remove_file(&path).unwrap();
}

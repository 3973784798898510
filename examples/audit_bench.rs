//! Micro-benchmark of one audit record on the request path (serialized and staged; the syncer
//! chains, hashes and appends in batches as in `serve --audit-sync-ms 10`), without HTTP:
//! `cargo run --release --example audit_bench`. Reported in BENCHMARKS.md. The time per record
//! is the caller's; the process CPU per record (the syncer's share included) is printed too.

fn main() {
    let path = std::path::PathBuf::from(format!("/tmp/ab-{}.ndjson", std::process::id()));
    let log = concord::audit::AuditLog::open_with(
        &path,
        concord::audit::Config {
            sync: concord::audit::Sync::Interval(std::time::Duration::from_millis(10)),
            rotate_at: None,
        },
    )
    .unwrap();
    let time = concord::clock::now_rfc3339_millis();
    let digest = "a".repeat(64);
    let ev = concord::audit::Event {
        time: time.as_str(),
        subject: Some("bench-client"),
        client_id: Some("bench-client"),
        operation: "GET /CodeSystem/$lookup",
        system: Some("http://hl7.org/fhir/sid/icd-10-cm"),
        version: None,
        params_digest: &digest,
        status: 200,
        result: None,
        correlation_id: "concord-1234-56789",
        release: "20261130T140100-abcdef",
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let n = 500_000;
    let cpu0 = cpu_ticks();
    let t = std::time::Instant::now();
    rt.block_on(async {
        for _ in 0..n {
            concord::audit::settled(log.record(&ev)).await.unwrap();
        }
    });
    let el = t.elapsed();
    log.close().unwrap();
    let cpu = cpu_ticks() - cpu0;
    println!(
        "{:.0} ns/record for the caller, {:.0} ns/record of process CPU",
        el.as_nanos() as f64 / n as f64,
        cpu as f64 * 1e7 / n as f64
    );
    std::fs::remove_file(&path).unwrap();
}

/// User and system CPU of this process so far, in 10 ms ticks.
fn cpu_ticks() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

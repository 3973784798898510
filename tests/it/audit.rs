//! The audit trail through the binary, as an operator runs it: `concord serve --audit FILE`
//! under load, killed with SIGKILL, must have a record for every request that got an answer,
//! and `concord audit verify` must find the chain whole; edits, deletions, insertions and
//! reordering are named by `verify`; `export` writes one AuditEvent per record.

use crate::common::*;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The records of a trail, up to unwritten (zero) space.
fn records(audit: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(audit)
        .unwrap()
        .lines()
        .take_while(|l| !l.starts_with('\0'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The records of a trail and its rotated segments, in chain order.
fn all_records(audit: &std::path::Path) -> Vec<serde_json::Value> {
    concord::audit::files(audit)
        .unwrap()
        .iter()
        .flat_map(|f| records(f))
        .collect()
}

fn verify(audit: &std::path::Path) -> (bool, String) {
    let out = concord(&["audit", "verify", "--audit", audit.to_str().unwrap()]);
    (
        out.status.success(),
        format!("{}{}", text(&out.stdout), text(&out.stderr)),
    )
}

/// Serves with an audit trail (and `extra` flags), loads it from four clients, SIGKILLs it,
/// and checks every answered request has its record and the chain verifies.
fn sigkill_under_load(extra: &[&str]) -> (tempfile::TempDir, std::path::PathBuf, u16) {
    sigkill_under_load_until(extra, |_| true)
}

/// [`sigkill_under_load`], loading for at least 1.5 s and then until `until(trail)` holds.
fn sigkill_under_load_until(
    extra: &[&str],
    until: impl Fn(&std::path::Path) -> bool,
) -> (tempfile::TempDir, std::path::PathBuf, u16) {
    let dir = tmp();
    import_ok(
        dir.path(),
        &[fixture("icd/icd10cm-mini.xml").to_str().unwrap()],
    );
    let audit = dir.path().join("trail").join("audit.ndjson");
    let port = free_port();
    let mut args = vec!["--audit", audit.to_str().unwrap()];
    args.extend_from_slice(extra);
    let mut child = serve_process(dir.path(), port, &args);
    let answered = Arc::new(Mutex::new(Vec::<String>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let answered = answered.clone();
            let stop = stop.clone();
            std::thread::spawn(move || {
                let c = reqwest::blocking::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let id = format!("w{w}-{i}");
                    let r = c
                        .get(format!(
                            "http://127.0.0.1:{port}/CodeSystem/$validate-code?url=http://hl7.org/fhir/sid/icd-10-cm&code=E11.9"
                        ))
                        .header("X-Request-ID", &id)
                        .send();
                    // Only a complete answer counts as acknowledged.
                    if let Ok(r) = r
                        && r.status().is_success()
                        && r.bytes().is_ok()
                    {
                        answered.lock().unwrap().push(id);
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    let started = std::time::Instant::now();
    while !until(&audit) && started.elapsed() < Duration::from_secs(90) {
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    let answered = answered.lock().unwrap().clone();
    assert!(
        answered.len() > 20,
        "only {} requests answered",
        answered.len()
    );
    let (ok, said) = verify(&audit);
    assert!(ok, "{said}");
    let recorded: HashSet<String> = all_records(&audit)
        .iter()
        .map(|r| r["correlation_id"].as_str().unwrap().to_string())
        .collect();
    let missing: Vec<&String> = answered
        .iter()
        .filter(|id| !recorded.contains(*id))
        .collect();
    assert!(missing.is_empty(), "answered without a record: {missing:?}");
    (dir, audit, port)
}

#[test]
fn every_answered_request_survives_sigkill_and_the_chain_verifies() {
    let (dir, audit, port) = sigkill_under_load(&[]);
    // A validation's record says what was asked and what it answered.
    let r = &records(&audit)[0];
    assert_eq!(r["operation"], "GET /CodeSystem/$validate-code");
    assert_eq!(r["system"], "http://hl7.org/fhir/sid/icd-10-cm");
    assert_eq!(r["status"], 200);
    assert_eq!(r["result"], true);
    assert_eq!(r["params_digest"].as_str().unwrap().len(), 64);
    // The release that answered, as the handler took it.
    let release = current_release(dir.path());
    assert_eq!(
        r["release"],
        release.file_name().unwrap().to_str().unwrap(),
        "{r}"
    );

    // A restart continues the chain.
    let before = records(&audit).len();
    let mut child = serve_process(dir.path(), port, &["--audit", audit.to_str().unwrap()]);
    let r = reqwest::blocking::get(format!("http://127.0.0.1:{port}/metadata")).unwrap();
    assert!(r.status().is_success());
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(records(&audit).len(), before + 1);
    let (ok, said) = verify(&audit);
    assert!(ok, "{said}");
    assert!(said.contains(&format!("{} records", before + 1)), "{said}");

    // Tampering is found and the first bad record named.
    let lines: Vec<String> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let tampered = dir.path().join("tampered.ndjson");
    let check = |lines: &[String], line: usize| {
        std::fs::write(&tampered, lines.join("\n") + "\n").unwrap();
        let (ok, said) = verify(&tampered);
        assert!(!ok, "tampering not found");
        assert!(said.contains(&format!("record at line {line}:")), "{said}");
    };
    let mut edited = lines.clone();
    edited[4] = edited[4].replace("\"status\":200", "\"status\":403");
    check(&edited, 5);
    let mut deleted = lines.clone();
    deleted.remove(3);
    check(&deleted, 4);
    let mut swapped = lines.clone();
    swapped.swap(6, 7);
    check(&swapped, 7);
    let mut inserted = lines.clone();
    inserted.insert(2, lines[9].clone());
    check(&inserted, 3);
    let mut truncated = lines.clone();
    truncated[10].truncate(40);
    check(&truncated, 11);

    // Export: one AuditEvent per record.
    let out = concord(&["audit", "export", "--audit", audit.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let events: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), lines.len());
    assert_eq!(events[0]["resourceType"], "AuditEvent");
    assert_eq!(events[0]["outcome"], "0");
    assert_eq!(
        events[0]["entity"][0]["what"]["identifier"]["value"],
        records(&audit)[0]["correlation_id"]
    );
}

/// With syncs only every 50 ms, records are still written before their answers: a killed
/// server (the operating system survives) loses none.
#[test]
fn with_interval_syncs_a_killed_server_still_loses_no_record() {
    sigkill_under_load(&["--audit-sync-ms", "50"]);
}

/// Records are staged in a ring file beside the trail and appended in batches: a killed
/// server leaves its ring, which `verify` completes the trail from (every answered record is
/// then there, as `sigkill_under_load` checks) and removes; a server stopped with SIGTERM
/// appends everything and leaves exactly its records and no ring.
#[test]
fn a_killed_server_is_completed_from_its_ring_and_a_stopped_one_leaves_only_records() {
    let interval = ["--audit-sync-ms", "50"];
    let (dir, audit, port) = sigkill_under_load(&interval);
    let ring = std::path::PathBuf::from(format!("{}.staging", audit.display()));
    assert!(!ring.exists(), "verify left the killed server's ring");
    let n = records(&audit).len();
    let out = concord(&["audit", "export", "--audit", audit.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), n);

    let mut args = vec!["--audit", audit.to_str().unwrap()];
    args.extend_from_slice(&interval);
    let mut child = serve_process(dir.path(), port, &args);
    let r = reqwest::blocking::get(format!("http://127.0.0.1:{port}/metadata")).unwrap();
    assert!(r.status().is_success());
    assert!(ring.exists(), "a serving trail has its ring");
    let term = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    assert!(child.wait().unwrap().success());
    assert!(!ring.exists(), "a stopped server left its ring");
    let closed = std::fs::read_to_string(&audit).unwrap();
    assert!(!closed.contains('\0') && closed.ends_with('\n'));
    assert_eq!(closed.lines().count(), n + 1);
    let (ok, said) = verify(&audit);
    assert!(ok, "{said}");
    assert!(said.contains(&format!("{} records", n + 1)), "{said}");

    // Zeros followed by a record are not unwritten space: verify names the line.
    let mut edited = closed.into_bytes();
    edited.extend_from_slice(b"\0\0{}\n");
    let tampered = dir.path().join("tampered.ndjson");
    std::fs::write(&tampered, edited).unwrap();
    let (ok, said) = verify(&tampered);
    assert!(!ok);
    assert!(
        said.contains(&format!(
            "record at line {}: records follow unwritten space",
            n + 2
        )),
        "{said}"
    );
}

/// A trail rotated at 1 MB while serving under load: the closed segments and the live file
/// hold every answered request's record, `verify` and `export` read them all as one chain, a
/// restart continues it, and a missing segment is found.
#[test]
fn a_rotated_trail_is_one_chain_across_its_files() {
    let segments = |audit: &std::path::Path| concord::audit::files(audit).unwrap().len() - 1;
    let (dir, audit, port) =
        sigkill_under_load_until(&["--audit-rotate-mb", "1", "--audit-sync-ms", "50"], |a| {
            segments(a) >= 2
        });
    assert!(segments(&audit) >= 2, "the trail was not rotated twice");
    let files = concord::audit::files(&audit).unwrap();
    // A closed segment is exactly its records: at the size limit, over it by at most the
    // batch that filled it (a few milliseconds of records).
    let first = std::fs::read(&files[0]).unwrap();
    assert!(!first.contains(&0) && first.ends_with(b"\n"));
    assert!(first.len() >= 1 << 20 && first.len() < 2 << 20);
    let n = all_records(&audit).len();
    let (ok, said) = verify(&audit);
    assert!(ok, "{said}");
    assert!(
        said.contains(&format!("ok: {n} records in {} files", files.len())),
        "{said}"
    );
    let out = concord(&["audit", "export", "--audit", audit.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).lines().count(), n);

    // A restart continues the chain in the live file.
    let mut child = serve_process(
        dir.path(),
        port,
        &["--audit", audit.to_str().unwrap(), "--audit-rotate-mb", "1"],
    );
    let r = reqwest::blocking::get(format!("http://127.0.0.1:{port}/metadata")).unwrap();
    assert!(r.status().is_success());
    child.kill().unwrap();
    child.wait().unwrap();
    let (ok, said) = verify(&audit);
    assert!(ok, "{said}");
    assert!(said.contains(&format!("ok: {} records", n + 1)), "{said}");

    // Without its first segment the trail no longer starts at record 1.
    std::fs::remove_file(&files[0]).unwrap();
    let (ok, said) = verify(&audit);
    assert!(!ok, "a deleted segment went unnoticed");
    assert!(
        said.contains(&files[1].display().to_string()) && said.contains("record at line 1"),
        "{said}"
    );
}

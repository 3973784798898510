//! Releases swapped under load through the binary: `concord import` publishes a new release
//! while `concord serve` answers a steady stream of lookups; `SIGHUP` (and `POST /$reload`)
//! swap it in with no failed request, the new release answers, and the old code system
//! versions stay addressable.

use crate::common::*;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn metric_release(port: u16) -> String {
    let m = reqwest::blocking::get(format!("http://127.0.0.1:{port}/metrics"))
        .unwrap()
        .text()
        .unwrap();
    m.lines()
        .find(|l| l.starts_with("concord_release_info{"))
        .and_then(|l| l.split('"').nth(1))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_release_published_under_load_is_swapped_in_with_no_failed_request() {
    let dir = icd10cm_mini_data();
    let port = free_port();
    let mut child = serve_process(dir.path(), port, &["--no-audit"]);
    let first = metric_release(port);
    assert!(!first.is_empty());
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(Mutex::new(Vec::<String>::new()));
    let load: Vec<_> = (0..3)
        .map(|_| {
            let (stop, ok, failures) = (stop.clone(), ok.clone(), failures.clone());
            std::thread::spawn(move || {
                let c = reqwest::blocking::Client::new();
                while !stop.load(Ordering::Relaxed) {
                    let r = c
                        .get(format!(
                            "http://127.0.0.1:{port}/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=E11.9"
                        ))
                        .send();
                    match r {
                        Ok(r) if r.status().is_success() => {
                            ok.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(r) => failures.lock().unwrap().push(format!("status {}", r.status())),
                        Err(e) => failures.lock().unwrap().push(e.to_string()),
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // A new release is published while the old one serves ...
    import_ok(
        dir.path(),
        &[fixture("icd/claml-mini.xml").to_str().unwrap()],
    );
    // ... and swapped in by SIGHUP.
    let hup = Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(hup.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    while metric_release(port) == first {
        assert!(Instant::now() < deadline, "SIGHUP did not swap the release");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for t in load {
        t.join().unwrap();
    }
    let failures = failures.lock().unwrap().clone();
    assert!(failures.is_empty(), "failed during the swap: {failures:?}");
    assert!(ok.load(Ordering::Relaxed) > 20, "too little load to tell");
    // The new release answers for the new code system; the old one's versions stay.
    let r = reqwest::blocking::get(format!(
        "http://127.0.0.1:{port}/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10&code=E11"
    ))
    .unwrap();
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().unwrap());
    let r = reqwest::blocking::get(format!(
        "http://127.0.0.1:{port}/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=E11.9"
    ))
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    // POST /$reload with nothing new: says so.
    let r = reqwest::blocking::Client::new()
        .post(format!("http://127.0.0.1:{port}/$reload"))
        .send()
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body: serde_json::Value = r.json().unwrap();
    assert!(
        body.to_string()
            .contains(r#""name":"swapped","valueBoolean":false"#),
        "{body}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
}

//! The first-run path a newcomer takes: `concord serve` with no `--data` imports the embedded
//! default dataset into ./concord-data and serves it.

use crate::common::*;
use crate::server::get_from;
use std::process::{Command, Stdio};

struct Kill(std::process::Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_without_data_imports_the_embedded_dataset_and_answers() {
    let cwd = tmp();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["serve", "--addr", &addr])
        .current_dir(cwd.path())
        .env_remove("CONCORD_DATA")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _guard = Kill(child);
    let base = format!("http://{addr}");
    let started = std::time::Instant::now();
    while reqwest::blocking::get(format!("{base}/health")).is_err() {
        assert!(started.elapsed().as_secs() < 120, "server did not come up");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(cwd.path().join("concord-data/CURRENT").exists());
    let (s, _, p) = get_from(
        &base,
        "/CodeSystem/$lookup?system=http://hl7.org/fhir/sid/icd-10-cm&code=E11.9",
        &[],
    );
    assert_eq!(s, 200, "{p}");
    let (s, _, p) = get_from(
        &base,
        "/CodeSystem/$validate-code?url=http://terminology.hl7.org/CodeSystem/v3-ActCode&code=AMB",
        &[],
    );
    assert_eq!(
        (s, p["parameter"][0]["valueBoolean"].as_bool()),
        (200, Some(true)),
        "{p}"
    );
    let (s, _, p) = get_from(
        &base,
        "/ValueSet/$validate-code?url=http://hl7.org/fhir/ValueSet/administrative-gender&code=female",
        &[],
    );
    assert_eq!(
        (s, p["parameter"][0]["valueBoolean"].as_bool()),
        (200, Some(true)),
        "{p}"
    );
    // The README's curl lines: $expand (with a text filter over a code system of displays only)
    // and search; an implicit SNOMED CT value set without SNOMED CT loaded is a clear 404, not
    // an empty expansion of the THO stub.
    let (s, _, p) = get_from(
        &base,
        "/ValueSet/$expand?url=http://hl7.org/fhir/ValueSet/administrative-gender&filter=fem",
        &[],
    );
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["expansion"]["total"], 1, "{p}");
    assert_eq!(p["expansion"]["contains"][0]["code"], "female");
    let (s, _, p) = get_from(
        &base,
        "/search?q=diabtes%20kidny&system=icd10cm&limit=3",
        &[],
    );
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["hits"][0]["code"], "E10.2", "{p}");
    // Search without a system and without SNOMED CT searches the one clinical classification
    // loaded, and says so (THO's SNOMED CT stub does not make SNOMED CT the default).
    let (s, _, p) = get_from(&base, "/search?q=diab%20typ%202&limit=3", &[]);
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["system"], "http://hl7.org/fhir/sid/icd-10-cm", "{p}");
    assert!(
        p["hits"][0]["code"].as_str().unwrap().starts_with("E11"),
        "{p}"
    );
    let not_found = |path: &str, says: &str| {
        let (s, _, p) = get_from(&base, path, &[]);
        assert_eq!(s, 404, "{p}");
        let text = p["issue"][0]["details"]["text"]
            .as_str()
            .unwrap_or_default();
        assert!(text.contains(says), "{p}");
    };
    not_found(
        "/ValueSet/$expand?url=http://snomed.info/sct?fhir_vs",
        "not-present",
    );
    // $normalize lands on SNOMED CT by default; the THO stub is not a model to land on.
    not_found(
        "/$normalize?system=http://hl7.org/fhir/sid/icd-10-cm&code=E11.9",
        "canonical code system http://snomed.info/sct is not loaded",
    );
    // A SNOMED CT code is not "unknown" when SNOMED CT is not loaded: the code system is, and
    // the answer says so in the form validators know (x-caused-by-unknown-system).
    let (s, _, p) = get_from(
        &base,
        "/CodeSystem/$validate-code?url=http://snomed.info/sct&code=73211009",
        &[],
    );
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["parameter"][0]["valueBoolean"], false, "{p}");
    let text = p.to_string();
    assert!(
        text.contains("could not be found, so the code cannot be validated")
            && text.contains("x-caused-by-unknown-system")
            && !text.contains("Unknown code"),
        "{p}"
    );
    let (_, _, t) = get_from(&base, "/metadata?mode=terminology", &[]);
    let systems = t["codeSystem"].as_array().unwrap();
    assert!(systems.len() > 1000, "THO + R4 core code systems listed");
    assert!(
        !systems.iter().any(|c| c["uri"] == "http://snomed.info/sct"),
        "the SNOMED CT stub is not offered as a code system"
    );
}

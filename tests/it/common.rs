//! Helpers: run the `concord` binary as a user would, find fixtures and shared data.

#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under `tests/fixtures`.
pub fn fixture(rel: &str) -> PathBuf {
    root().join("tests/fixtures").join(rel)
}

/// A path under `../shared/data`; panics (fails the test) when it is missing, so ignored tests
/// never pass silently on a machine without the data.
pub fn shared(rel: &str) -> PathBuf {
    let p = root().join("../shared/data").join(rel);
    assert!(
        p.exists(),
        "shared test data missing: {} (these tests need ../shared/data beside the clone)",
        p.display()
    );
    p
}

/// The rf2-mini package folder.
pub fn rf2_mini() -> PathBuf {
    fixture("rf2-mini/SnomedCT_ConcordMini_INT_20250131")
}

/// Runs `concord ARGS…`.
pub fn concord(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(args)
        .env("CONCORD_LOG", "warn")
        .output()
        .expect("run concord")
}

/// Runs `concord import --data DATA -q ARGS…`.
pub fn import(data: &Path, args: &[&str]) -> Output {
    let mut a = vec!["import", "--data", data.to_str().unwrap(), "-q"];
    a.extend_from_slice(args);
    concord(&a)
}

/// Like [`import`], asserting success; returns stdout.
pub fn import_ok(data: &Path, args: &[&str]) -> String {
    let out = import(data, args);
    assert!(
        out.status.success(),
        "import {args:?} failed:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Lossy UTF-8.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

/// `concord status --json`.
pub fn status(data: &Path) -> Value {
    let out = concord(&["status", "--data", data.to_str().unwrap(), "--json"]);
    assert!(out.status.success(), "status failed: {}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("status --json is JSON")
}

/// A table count from a status document.
pub fn count(status: &Value, table: &str) -> i64 {
    status["counts"][table]
        .as_i64()
        .unwrap_or_else(|| panic!("no count for {table}"))
}

/// Code systems listed in a status document: (url, version, concepts).
pub fn code_systems(status: &Value) -> Vec<(String, String, i64)> {
    status["code_systems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["url"].as_str().unwrap().into(),
                c["version"].as_str().unwrap().into(),
                c["concepts"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// The directory of the release a data dir publishes.
pub fn current_release(data: &Path) -> PathBuf {
    let name = std::fs::read_to_string(data.join("CURRENT")).unwrap();
    data.join("releases").join(name.trim())
}

/// Opens the published store of a data dir read-only for checks beyond the CLI output.
pub fn open_db(data: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(current_release(data).join("concord.db")).unwrap()
}

/// Every row of a two-column query, collected (into a Vec of pairs, a map, …).
pub fn pairs<A, B, C>(db: &rusqlite::Connection, sql: &str) -> C
where
    A: rusqlite::types::FromSql,
    B: rusqlite::types::FromSql,
    C: FromIterator<(A, B)>,
{
    db.prepare(sql)
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Concept codes of one code system (by url) in the published store.
pub fn codes_of(data: &Path, url: &str) -> Vec<String> {
    let db = open_db(data);
    let mut st = db
        .prepare("SELECT code FROM concept WHERE cs = (SELECT id FROM code_system WHERE url = ?1 ORDER BY id DESC LIMIT 1) ORDER BY code")
        .unwrap();
    st.query_map([url], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Imports into `data` the stub the HL7 packages carry for SNOMED CT: a CodeSystem resource
/// with `content: not-present` and no version.
pub fn import_snomed_stub(data: &Path) {
    let stub = data.join("codesystem-snomed-stub.json");
    std::fs::write(
        &stub,
        r#"{"resourceType": "CodeSystem", "url": "http://snomed.info/sct", "status": "active", "content": "not-present"}"#,
    )
    .unwrap();
    import_ok(data, &[stub.to_str().unwrap()]);
}

/// A fresh temporary directory.
pub fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// The RF2 snapshot digest of the SNOMED CT version in a data directory (Full vs Snapshot checks).
pub fn snomed_digest(data: &Path) -> String {
    let store =
        concord::store::Store::open_read_only(&current_release(data).join("concord.db")).unwrap();
    let cs = store
        .code_systems()
        .unwrap()
        .into_iter()
        .find(|c| c.url == "http://snomed.info/sct")
        .unwrap();
    store.snapshot_digest(cs.id).unwrap()
}

/// A data directory holding the ICD-10-CM fixture (imported with the CLI).
pub fn icd10cm_mini_data() -> tempfile::TempDir {
    let d = tmp();
    import_ok(
        d.path(),
        &[fixture("icd/icd10cm-mini.xml").to_str().unwrap()],
    );
    d
}

/// A data directory holding the SNOMED CT rf2-mini and ICD-10-CM fixtures (imported with the CLI).
pub fn sct_icd10cm_mini_data() -> tempfile::TempDir {
    let d = tmp();
    import_ok(
        d.path(),
        &[
            rf2_mini().to_str().unwrap(),
            fixture("icd/icd10cm-mini.xml").to_str().unwrap(),
        ],
    );
    d
}

/// The JSON lines of an NDJSON file.
pub fn ndjson_file(p: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `concord serve --data DATA --addr 127.0.0.1:PORT --workers 2 EXTRA…` as a child process,
/// returned once it answers `/health` (killed and reaped if it never does).
pub fn serve_process(data: &Path, port: u16, extra: &[&str]) -> std::process::Child {
    let addr = format!("127.0.0.1:{port}");
    let mut args = vec![
        "serve",
        "--data",
        data.to_str().unwrap(),
        "--addr",
        &addr,
        "--workers",
        "2",
    ];
    args.extend_from_slice(extra);
    let mut child = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(&args)
        .env("CONCORD_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("run concord serve");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        if reqwest::blocking::get(format!("http://{addr}/health")).is_ok() {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("concord serve did not start on {addr}");
}

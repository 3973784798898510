//! A server for HTTP tests: one per test binary, started in-process on port 0 through the same
//! `http::server` the `serve` command uses, over a data directory imported with the CLI from
//! the hand-written fixtures (SNOMED CT rf2-mini, ICD-10 ClaML, ICD-10-CM, FHIR resources).

#![allow(dead_code)]

use crate::common::*;
use serde_json::Value;
use std::sync::{Arc, OnceLock};

/// A running test server.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    _data: tempfile::TempDir,
}

static SERVER: OnceLock<TestServer> = OnceLock::new();

/// The shared fixture server.
pub fn server() -> &'static TestServer {
    SERVER.get_or_init(|| {
        let data = tmp();
        import_ok(
            data.path(),
            &[
                rf2_mini().to_str().unwrap(),
                fixture("icd/claml-mini.xml").to_str().unwrap(),
                fixture("icd/icd10cm-mini.xml").to_str().unwrap(),
                fixture("fhir").to_str().unwrap(),
            ],
        );
        let base = start(data.path());
        TestServer { base, _data: data }
    })
}

/// Starts a server over a data directory and returns its base URL (the server lives until the
/// test process ends).
pub fn start(data: &std::path::Path) -> String {
    start_engine(concord::cli::open(data, "en-US").unwrap())
}

/// Starts a server over an engine the test has configured (limits, language).
pub fn start_engine(t: concord::ops::Terminology) -> String {
    start_with(t, concord::http::Options::default())
}

/// Starts a server with options (authentication, audit).
pub fn start_with(t: concord::ops::Terminology, options: concord::http::Options) -> String {
    let t = Arc::new(t);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            concord::http::server(t, listener, 2, false, options)
                .unwrap()
                .await
        })
    });
    base
}

/// A blocking client.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::new()
}

/// GET a path; returns (status, content type, JSON body).
pub fn get(path: &str) -> (u16, String, Value) {
    get_from(&server().base, path, &[])
}

/// GET with headers from any server.
pub fn get_from(base: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String, Value) {
    let mut rb = client().get(format!("{base}{path}"));
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    finish(rb.send().unwrap())
}

/// POST a JSON body with a content type.
pub fn post(path: &str, content_type: &str, body: &str) -> (u16, String, Value) {
    finish(
        client()
            .post(format!("{}{path}", server().base))
            .header("Content-Type", content_type)
            .body(body.to_string())
            .send()
            .unwrap(),
    )
}

/// POST a Parameters resource.
pub fn post_params(path: &str, params: Value) -> (u16, String, Value) {
    post(path, "application/fhir+json", &params.to_string())
}

fn finish(r: reqwest::blocking::Response) -> (u16, String, Value) {
    let status = r.status().as_u16();
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = r.text().unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, ct, body)
}

/// The first parameter with this name.
pub fn param<'a>(p: &'a Value, name: &str) -> Option<&'a Value> {
    p["parameter"]
        .as_array()?
        .iter()
        .find(|x| x["name"] == name)
}

/// All parameters with this name.
pub fn params<'a>(p: &'a Value, name: &str) -> Vec<&'a Value> {
    p["parameter"]
        .as_array()
        .map(|a| a.iter().filter(|x| x["name"] == name).collect())
        .unwrap_or_default()
}

/// One field of every issue in a Parameters' `issues` OperationOutcome (`/details/text`,
/// `/details/coding/0/code`, as a JSON pointer), empty when there are none.
pub fn issue_field(p: &Value, pointer: &str) -> Vec<String> {
    param(p, "issues")
        .and_then(|i| i["resource"]["issue"].as_array())
        .map(|list| {
            list.iter()
                .map(|x| {
                    x.pointer(pointer)
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A part of a parameter.
pub fn part<'a>(p: &'a Value, name: &str) -> Option<&'a Value> {
    p["part"].as_array()?.iter().find(|x| x["name"] == name)
}

/// The lookup properties as (code, value JSON).
pub fn properties(p: &Value) -> Vec<(String, Value)> {
    params(p, "property")
        .into_iter()
        .map(|x| {
            let code = part(x, "code").unwrap()["valueCode"]
                .as_str()
                .unwrap()
                .to_string();
            let v = part(x, "value").unwrap();
            let value = v
                .as_object()
                .unwrap()
                .iter()
                .find(|(k, _)| k.starts_with("value"))
                .unwrap()
                .1
                .clone();
            (code, value)
        })
        .collect()
}

/// Asserts an OperationOutcome error with a status and a message fragment.
pub fn assert_outcome(resp: &(u16, String, Value), status: u16, fragment: &str) {
    let (s, ct, body) = resp;
    assert_eq!(*s, status, "{body}");
    assert!(ct.starts_with("application/fhir+json"), "content type {ct}");
    assert_eq!(body["resourceType"], "OperationOutcome", "{body}");
    let text = body["issue"][0]["details"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        text.contains(fragment),
        "'{text}' should contain '{fragment}'"
    );
}

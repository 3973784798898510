//! `concord validate`: a file of codings checked one by one, one NDJSON result per row.

use super::common::*;
use crate::ops::validate::{ValidateRequest, validate as run_validate};
use crate::ops::{Coding, RequestContext, Terminology, valueset};
use anyhow::Result;
use serde_json::{Value, json};
use std::path::Path;
use std::process::ExitCode;

/// `concord validate`.
pub fn validate(data: &Path, value_set: Option<&str>, file: &Path) -> Result<ExitCode> {
    let t = open(data, "en-US")?;
    let ctx = RequestContext::default();
    each_record(file, |line, f| check_row(&t, &ctx, line, f, value_set))
}

fn check_row(
    t: &Terminology,
    ctx: &RequestContext,
    line: u64,
    f: &std::collections::BTreeMap<String, String>,
    default_vs: Option<&str>,
) -> Value {
    let system = f.get("system").cloned();
    let Some(code) = f.get("code").cloned() else {
        return json!({"line": line, "valid": false, "error": "no code"});
    };
    let vs = match f.get("valueset").map(String::as_str).or(default_vs) {
        Some(url) => match valueset::resolve_value_set(t, ctx, url, None) {
            Ok(v) => Some(v),
            Err(e) => {
                return json!({"line": line, "system": system, "code": code, "valid": false, "error": e.to_string()});
            }
        },
        None => None,
    };
    let system_url_given = system.as_deref().map(system_url);
    let (checked, note) = match &system_url_given {
        Some(s) => with_dot(t, s, None, &code),
        None => (code.clone(), None),
    };
    let coding = Coding {
        system: system_url_given,
        version: None,
        code: Some(checked.clone()),
        display: f.get("display").cloned(),
    };
    let req = ValidateRequest {
        codings: vec![coding],
        codeable_concept: false,
        plain_code: true,
        value_set: vs,
        reject_abstract: false,
        lenient_display: false,
        membership_only: false,
        codeable_concept_text: None,
        active_only: false,
    };
    match run_validate(t, ctx, &req) {
        Ok(r) => {
            let mut v = json!({"line": line, "system": r.system, "code": code, "valid": r.result});
            if let Some(n) = &note {
                v["checked"] = json!(checked);
                v["note"] = json!(n);
            }
            if let Some(d) = &r.display {
                v["display"] = json!(d);
            }
            if let Some(m) = &r.message {
                v["message"] = json!(m);
            }
            if !r.issues.is_empty() {
                v["issues"] = json!(
                    r.issues
                        .iter()
                        .map(|i| i.kind.tx_code())
                        .collect::<Vec<_>>()
                );
            }
            if r.inactive == Some(true) {
                v["inactive"] = json!(true);
            }
            v
        }
        Err(e) => {
            json!({"line": line, "system": system, "code": code, "valid": false, "error": e.to_string()})
        }
    }
}

//! `concord translate`: one code or a file of them through `$translate`, with patient context.

use super::common::*;
use crate::ops::RequestContext;
use anyhow::{Result, anyhow};
use serde_json::{Value, json};
use std::path::Path;
use std::process::ExitCode;

/// Patient context and map choice for `concord translate`.
#[derive(Debug, Clone, Default)]
pub struct TranslateArgs {
    /// Target system (URL or short name).
    pub target: Option<String>,
    /// Map canonical.
    pub url: Option<String>,
    /// male / female.
    pub sex: Option<String>,
    /// Age at onset with a UCUM unit suffix: `10a`, `6mo`, `3wk`, `20d`.
    pub age: Option<String>,
    /// Co-existing SNOMED CT conditions.
    pub conditions: Vec<String>,
    /// Reverse use.
    pub reverse: bool,
}

fn translate_request(
    system: &str,
    code: &str,
    a: &TranslateArgs,
) -> std::result::Result<crate::ops::translate::TranslateRequest, String> {
    use crate::ops::maprule::Context;
    let mut context = Context {
        conditions: a.conditions.clone(),
        ..Default::default()
    };
    context.given = a.sex.is_some() || a.age.is_some() || !a.conditions.is_empty();
    if let Some(s) = &a.sex {
        context.sex = Some(crate::ops::maprule::sex(s)?.to_string());
    }
    if let Some(age) = &a.age {
        context.age_years = Some(crate::ops::maprule::parse_age(age)?);
    }
    Ok(crate::ops::translate::TranslateRequest {
        system: system_url(system),
        code: code.to_string(),
        url: a.url.clone(),
        target_system: a.target.as_deref().map(system_url),
        context,
        reverse: a.reverse,
        ..Default::default()
    })
}

fn translate_json(
    line: Option<u64>,
    system: &str,
    code: &str,
    r: &crate::ops::translate::TranslateResult,
) -> Value {
    let matches: Vec<Value> = r
        .matches
        .iter()
        .map(|m| {
            json!({
                "equivalence": m.equivalence,
                "system": m.concept.as_ref().and_then(|c| c.system.clone()),
                "code": m.concept.as_ref().and_then(|c| c.code.clone()),
                "display": m.concept.as_ref().and_then(|c| c.display.clone()),
                "group": m.group, "priority": m.priority, "rule": m.rule, "advice": m.advice,
                "ruleOutcome": m.rule_outcome, "via": m.via,
            })
        })
        .collect();
    let mut v =
        json!({"system": system_url(system), "code": code, "valid": r.result, "matches": matches});
    if let Some(l) = line {
        v["line"] = json!(l);
    }
    if let Some(m) = &r.message {
        v["message"] = json!(m);
    }
    v
}

/// `concord translate` for one code (text) or a file of codes (NDJSON out).
pub fn translate(
    data: &Path,
    system: Option<&str>,
    code: Option<&str>,
    file: Option<&Path>,
    args: &TranslateArgs,
) -> Result<ExitCode> {
    let t = open(data, "en-US")?;
    let ctx = RequestContext::default();
    if let Some(file) = file {
        return each_record(file, |line, f| {
            let (Some(system), Some(code)) = (f.get("system"), f.get("code")) else {
                return json!({"line": line, "valid": false, "error": "a row needs system and code"});
            };
            let mut a = args.clone();
            for (key, slot) in [
                ("target", &mut a.target),
                ("sex", &mut a.sex),
                ("age", &mut a.age),
                ("url", &mut a.url),
            ] {
                if let Some(v) = f.get(key) {
                    *slot = Some(v.clone());
                }
            }
            if let Some(c) = f.get("conditions") {
                a.conditions = c
                    .split([' ', ';', ','])
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
            }
            let (code, note) = with_dot(&t, &system_url(system), None, code);
            match translate_request(system, &code, &a)
                .map_err(|e| e.to_string())
                .and_then(|req| {
                    crate::ops::translate::translate(&t, &ctx, &req).map_err(|e| e.to_string())
                }) {
                Ok(r) => {
                    let mut v = translate_json(Some(line), system, &code, &r);
                    if let Some(n) = note {
                        v["note"] = json!(n);
                    }
                    v
                }
                Err(e) => {
                    json!({"line": line, "system": system, "code": code, "valid": false, "error": e})
                }
            }
        });
    }
    let (Some(system), Some(code)) = (system, code) else {
        return Err(anyhow!("give SYSTEM CODE, or --file"));
    };
    let (code, note) = with_dot(&t, &system_url(system), None, code);
    if let Some(note) = note {
        eprintln!("note: {note}");
    }
    let req = translate_request(system, &code, args).map_err(|e| anyhow!(e))?;
    match crate::ops::translate::translate(&t, &ctx, &req) {
        Ok(r) => {
            for m in &r.matches {
                let target = m
                    .concept
                    .as_ref()
                    .map(|c| {
                        format!(
                            "{} {}",
                            c.code.clone().unwrap_or_default(),
                            c.display
                                .as_ref()
                                .map(|d| format!("|{d}|"))
                                .unwrap_or_default()
                        )
                    })
                    .unwrap_or_else(|| "(no target)".into());
                let group = m
                    .group
                    .map(|g| format!("group {g} priority {} ", m.priority.unwrap_or(0)))
                    .unwrap_or_default();
                let rule = m
                    .rule
                    .as_ref()
                    .map(|r| format!(" [{r}]"))
                    .unwrap_or_default();
                println!(
                    "{group}{} {target}{rule} {}",
                    m.equivalence,
                    m.rule_outcome.clone().unwrap_or_default()
                );
            }
            if let Some(msg) = &r.message {
                println!("note: {msg}");
            }
            Ok(if r.result {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(2))
        }
    }
}

//! The CLI verbs that run operations: `serve`, `lookup`, `validate`, `openapi`. They open the
//! published release read-only, exactly as the server does, so the offline answers are the
//! server's answers.

use crate::fhir::convert;
use crate::import;
use crate::ops::validate::{ValidateRequest, validate as run_validate};
use crate::ops::{Coding, RequestContext, Terminology, lookup::LookupRequest, valueset};
use anyhow::{Context, Result, anyhow};
use serde_json::{Value, json};
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

/// Opens the current release of a data directory.
pub fn open(data: &Path, default_language: &str) -> Result<Terminology> {
    let release = import::status(data)?.ok_or_else(|| {
        anyhow!(
            "{} holds no release; run `concord import --data {} PATH…` first",
            data.display(),
            data.display()
        )
    })?;
    Terminology::open(&release.db_path(), default_language)
        .with_context(|| format!("opening {}", release.db_path().display()))
}

/// `concord serve`.
pub fn serve(
    data: &Path,
    addr: &str,
    workers: Option<usize>,
    default_language: &str,
    limits: crate::ops::expand::Limits,
) -> Result<()> {
    let mut t = open(data, default_language)?;
    t.limits = limits;
    let t = Arc::new(t);
    t.warm_up()?;
    // Term indexes are built behind the first requests rather than before them.
    let warm = t.clone();
    std::thread::spawn(move || {
        if let Err(e) = warm.warm_up_terms() {
            tracing::warn!(error = %e, "building the search indexes failed; search will retry");
        }
    });
    let workers = workers.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2)
    });
    tracing::info!(%addr, workers, code_systems = t.catalog().len(), "serving");
    eprintln!(
        "Concord serving {} code system versions on http://{addr} (data: {})",
        t.catalog().len(),
        data.display()
    );
    crate::http::run(t, addr, workers).with_context(|| format!("serving on {addr}"))
}

/// Short names accepted on the command line.
pub fn system_url(s: &str) -> String {
    crate::model::uri::alias(s)
}

/// `concord lookup`.
pub fn lookup(
    data: &Path,
    mut req: LookupRequest,
    language: &str,
    json_out: bool,
) -> Result<ExitCode> {
    let t = open(data, language)?;
    req.system = system_url(&req.system);
    let (code, note) = with_dot(&t, &req.system, req.version.as_deref(), &req.code);
    if let Some(note) = note {
        eprintln!("note: {note}");
    }
    req.code = code;
    let printed = crate::ops::lookup::lookup(&t, &RequestContext::default(), &req, |r| {
        if json_out {
            serde_json::to_string_pretty(&convert::lookup(r).to_value())
        } else {
            Ok::<_, serde_json::Error>(lookup_text(r))
        }
    });
    match printed {
        Ok(text) => println!("{}", text?),
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The CLI reads an ICD-10 code written without its dot (`S72001A`, as claims files and CSV
/// exports have it) as the code it stands for, and says so; anything else is left as given.
fn with_dot(
    t: &Terminology,
    system: &str,
    version: Option<&str>,
    code: &str,
) -> (String, Option<String>) {
    let ctx = RequestContext::default();
    let Ok(src) = crate::ops::resolve::code_system(t, &ctx, system, version) else {
        return (code.to_string(), None);
    };
    if !matches!(src.concept(code), Ok(None)) {
        return (code.to_string(), None);
    }
    match crate::ops::resolve::dotted_icd(src.as_ref(), code) {
        Ok(Some(d)) => {
            let note = format!("'{code}' read as '{d}' (the ICD-10 code with its dot)");
            (d, Some(note))
        }
        _ => (code.to_string(), None),
    }
}

/// What `concord search` was asked.
#[derive(Debug, Clone)]
pub struct SearchArgs {
    /// Code system.
    pub system: Option<String>,
    /// Version.
    pub version: Option<String>,
    /// ECL scope.
    pub ecl: Option<String>,
    /// Value set scope.
    pub value_set: Option<String>,
    /// Dialect.
    pub language: String,
    /// Page size.
    pub limit: usize,
    /// Page start.
    pub offset: usize,
    /// Active concepts only.
    pub active_only: bool,
    /// JSON output.
    pub json: bool,
    /// The words.
    pub text: String,
}

/// `concord search`: the `/search` engine, offline.
pub fn search(data: &Path, a: SearchArgs) -> Result<ExitCode> {
    let t = open(data, &a.language)?;
    let ctx = RequestContext {
        languages: vec![a.language.clone()],
        ..Default::default()
    };
    let system = match a.system {
        Some(s) => system_url(&s),
        None if t
            .catalog()
            .iter()
            .any(|c| c.url == crate::model::uri::SNOMED) =>
        {
            crate::model::uri::SNOMED.to_string()
        }
        None => return Err(anyhow!("give --system (no SNOMED CT release is loaded)")),
    };
    let value_set = match &a.value_set {
        Some(url) => Some(valueset::resolve_value_set(&t, &ctx, url, None)?),
        None => None,
    };
    let req = crate::ops::search::SearchRequest {
        text: a.text,
        system,
        version: a.version,
        ecl: a.ecl,
        value_set,
        refset: None,
        offset: a.offset,
        limit: a.limit.max(1),
        active_only: a.active_only,
    };
    let r = match crate::ops::search::search(&t, &ctx, &req) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&r)?);
    } else {
        for h in &r.hits {
            let preferred = h
                .preferred
                .as_ref()
                .filter(|p| **p != h.term)
                .map(|p| format!("  [{p}]"))
                .unwrap_or_default();
            let category = h
                .category
                .as_ref()
                .map(|c| format!("  ({c})"))
                .unwrap_or_default();
            println!("{:<18} {}{preferred}{category}", h.code, h.term);
        }
        eprintln!(
            "{} of {} concepts in {}|{}",
            r.hits.len(),
            r.total,
            r.system,
            r.version
        );
    }
    Ok(if r.total > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A `$lookup` answer as text: display, designations, then one `code = value |description|`
/// line per property.
fn lookup_text(r: &crate::ops::lookup::LookupResult) -> String {
    use crate::ops::lookup::Value;
    let mut out = format!(
        "{} ({} {})",
        r.display.clone().unwrap_or_default(),
        r.name,
        r.version
    );
    for d in &r.designations {
        let use_ = d
            .use_
            .as_ref()
            .map(|u| u.display.unwrap_or(&u.code))
            .unwrap_or_default();
        out.push_str(&format!(
            "\n  designation [{}{}] {}",
            d.language.as_deref().unwrap_or_default(),
            if use_.is_empty() {
                String::new()
            } else {
                format!(", {use_}")
            },
            d.value
        ));
    }
    for p in &r.properties {
        let v = match &p.value {
            Value::Code(c) | Value::String(c) => c.to_string(),
            Value::Decimal(c) | Value::DateTime(c) => c.clone(),
            Value::Boolean(b) => b.to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Coding(c) => c.code.clone().unwrap_or_default(),
        };
        let d = p
            .description
            .as_ref()
            .map(|d| format!(" |{d}|"))
            .unwrap_or_default();
        out.push_str(&format!("\n  {} = {v}{d}", p.code));
    }
    for n in &r.notes {
        out.push_str(&format!("\nnote: {n}"));
    }
    out
}

/// One input record of a pipeline file: its line and its fields (keys lower-cased, empty
/// values dropped).
type Record = (u64, std::collections::BTreeMap<String, String>);

/// Reads a CSV (with a header) or NDJSON file (`-` = NDJSON on stdin) into records; a row that
/// cannot be read becomes `Err((line, reason))` and never stops the rest of the file.
fn read_records(file: &Path) -> Result<Vec<Result<Record, (u64, String)>>> {
    let name = file.to_string_lossy().to_lowercase();
    let mut out = Vec::new();
    if name.ends_with(".csv") {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_path(file)
            .with_context(|| format!("reading {}", file.display()))?;
        let headers: Vec<String> = rdr
            .headers()
            .with_context(|| format!("{}: no header row", file.display()))?
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .collect();
        if !headers.iter().any(|h| h == "code") {
            return Err(anyhow!(
                "{}:1: the header must name a 'code' column",
                file.display()
            ));
        }
        for (i, rec) in rdr.records().enumerate() {
            let line = i as u64 + 2;
            out.push(match rec {
                Ok(r) => Ok((
                    line,
                    headers
                        .iter()
                        .zip(r.iter())
                        .filter(|(_, v)| !v.trim().is_empty())
                        .map(|(k, v)| (k.clone(), v.trim().to_string()))
                        .collect(),
                )),
                Err(e) => Err((line, format!("unreadable CSV row: {e}"))),
            });
        }
        return Ok(out);
    }
    let reader: Box<dyn BufRead> = if file == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?,
        ))
    };
    for (i, line) in reader.lines().enumerate() {
        let n = i as u64 + 1;
        let line = line.with_context(|| format!("{}:{n}: cannot read", file.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(match serde_json::from_str::<Value>(&line) {
            Ok(Value::Object(o)) => Ok((
                n,
                o.into_iter()
                    .filter_map(|(k, v)| {
                        let text = match v {
                            Value::String(s) => s,
                            Value::Array(a) => a
                                .iter()
                                .filter_map(|x| x.as_str())
                                .collect::<Vec<_>>()
                                .join(" "),
                            Value::Null => return None,
                            other => other.to_string(),
                        };
                        (!text.trim().is_empty())
                            .then(|| (k.to_ascii_lowercase(), text.trim().to_string()))
                    })
                    .collect(),
            )),
            Ok(_) => Err((n, "not a JSON object".into())),
            Err(e) => Err((n, format!("malformed JSON: {e}"))),
        });
    }
    Ok(out)
}

/// Runs `check` on every record, writes one NDJSON result per record, returns the exit code.
fn each_record(
    file: &Path,
    mut check: impl FnMut(u64, &std::collections::BTreeMap<String, String>) -> Value,
) -> Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut ok, mut bad) = (0u64, 0u64);
    for rec in read_records(file)? {
        let result = match rec {
            Err((line, reason)) => json!({"line": line, "valid": false, "error": reason}),
            Ok((line, fields)) => check(line, &fields),
        };
        if result["valid"] == json!(true) {
            ok += 1;
        } else {
            bad += 1;
        }
        writeln!(out, "{result}")?;
    }
    out.flush()?;
    eprintln!("{ok} valid, {bad} invalid");
    Ok(if bad == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

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
        value_set: vs,
        reject_abstract: false,
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

/// The OpenAPI document as pretty JSON (what `concord openapi` writes).
pub fn openapi_json() -> Result<String> {
    use utoipa::OpenApi;
    Ok(crate::http::openapi::ApiDoc::openapi().to_pretty_json()? + "\n")
}

/// `concord openapi`.
pub fn write_openapi(out: &Path) -> Result<()> {
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, openapi_json()?).with_context(|| format!("writing {}", out.display()))
}

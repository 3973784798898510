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
) -> Result<()> {
    let t = Arc::new(open(data, default_language)?);
    t.warm_up()?;
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
    actix_web::rt::System::new()
        .block_on(crate::http::serve(t, addr, workers))
        .with_context(|| format!("serving on {addr}"))
}

/// Short names accepted on the command line.
pub fn system_url(s: &str) -> String {
    match s.to_ascii_lowercase().as_str() {
        "sct" | "snomed" | "snomedct" => crate::model::uri::SNOMED.into(),
        "icd10" | "icd-10" => crate::model::uri::ICD10.into(),
        "icd10cm" | "icd-10-cm" => crate::model::uri::ICD10CM.into(),
        _ => s.to_string(),
    }
}

/// `concord lookup`.
pub fn lookup(
    data: &Path,
    system: &str,
    code: &str,
    version: Option<String>,
    language: &str,
    json_out: bool,
) -> Result<ExitCode> {
    let t = open(data, language)?;
    let req = LookupRequest {
        system: system_url(system),
        version,
        code: code.to_string(),
        properties: vec![],
    };
    let r = match crate::ops::lookup::lookup(&t, &RequestContext::default(), &req) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    if json_out {
        println!(
            "{}",
            serde_json::to_string_pretty(&convert::lookup(&r).to_value())?
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} ({} {})",
        r.display.clone().unwrap_or_default(),
        r.name,
        r.version
    );
    for d in &r.designations {
        let use_ = d
            .use_
            .as_ref()
            .and_then(|u| u.display.clone().or(u.code.clone()))
            .unwrap_or_default();
        println!(
            "  designation [{}{}] {}",
            d.language.clone().unwrap_or_default(),
            if use_.is_empty() {
                String::new()
            } else {
                format!(", {use_}")
            },
            d.value
        );
    }
    for p in &r.properties {
        let v = match &p.value {
            crate::ops::lookup::Value::Code(c)
            | crate::ops::lookup::Value::String(c)
            | crate::ops::lookup::Value::Decimal(c)
            | crate::ops::lookup::Value::DateTime(c) => c.clone(),
            crate::ops::lookup::Value::Boolean(b) => b.to_string(),
            crate::ops::lookup::Value::Integer(i) => i.to_string(),
            crate::ops::lookup::Value::Coding(c) => c.code.clone().unwrap_or_default(),
        };
        let d = p
            .description
            .as_ref()
            .map(|d| format!(" |{d}|"))
            .unwrap_or_default();
        println!("  {} = {v}{d}", p.code);
    }
    Ok(ExitCode::SUCCESS)
}

/// One input row of `concord validate`.
struct Row {
    line: u64,
    system: Option<String>,
    code: Option<String>,
    display: Option<String>,
    value_set: Option<String>,
}

fn read_rows(file: &Path) -> Result<Vec<Result<Row, (u64, String)>>> {
    let name = file.to_string_lossy().to_lowercase();
    let non_empty = |s: Option<&str>| {
        s.map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
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
                "{}:1: the header must name a 'code' column (system,code[,display][,valueSet])",
                file.display()
            ));
        }
        let col = |n: &str| headers.iter().position(|h| h == n);
        let (cs, cc, cd, cv) = (col("system"), col("code"), col("display"), col("valueset"));
        let mut out = Vec::new();
        for (i, rec) in rdr.records().enumerate() {
            let line = i as u64 + 2;
            out.push(match rec {
                Ok(r) => Ok(Row {
                    line,
                    system: cs.and_then(|c| non_empty(r.get(c))),
                    code: cc.and_then(|c| non_empty(r.get(c))),
                    display: cd.and_then(|c| non_empty(r.get(c))),
                    value_set: cv.and_then(|c| non_empty(r.get(c))),
                }),
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
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let n = i as u64 + 1;
        let line = line.with_context(|| format!("{}:{n}: cannot read", file.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(match serde_json::from_str::<Value>(&line) {
            Ok(v) if v.is_object() => {
                let s = |k: &str| non_empty(v.get(k).and_then(Value::as_str));
                Ok(Row {
                    line: n,
                    system: s("system"),
                    code: s("code"),
                    display: s("display"),
                    value_set: s("valueSet"),
                })
            }
            Ok(_) => Err((n, "not a JSON object".into())),
            Err(e) => Err((n, format!("malformed JSON: {e}"))),
        });
    }
    Ok(out)
}

/// `concord validate`.
pub fn validate(data: &Path, value_set: Option<&str>, file: &Path) -> Result<ExitCode> {
    let t = open(data, "en-US")?;
    let ctx = RequestContext::default();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut ok, mut bad) = (0u64, 0u64);
    for row in read_rows(file)? {
        let result = match row {
            Err((line, reason)) => json!({"line": line, "valid": false, "error": reason}),
            Ok(row) => check_row(&t, &ctx, &row, value_set),
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

fn check_row(t: &Terminology, ctx: &RequestContext, row: &Row, default_vs: Option<&str>) -> Value {
    let Some(code) = &row.code else {
        return json!({"line": row.line, "valid": false, "error": "no code"});
    };
    let vs = match row.value_set.as_deref().or(default_vs) {
        Some(url) => match valueset::resolve_value_set(t, ctx, url, None) {
            Ok(v) => Some(v),
            Err(e) => {
                return json!({"line": row.line, "system": row.system, "code": code, "valid": false, "error": e.to_string()});
            }
        },
        None => None,
    };
    let coding = Coding {
        system: row.system.as_deref().map(system_url),
        version: None,
        code: Some(code.clone()),
        display: row.display.clone(),
    };
    let req = ValidateRequest {
        codings: vec![coding],
        codeable_concept: false,
        value_set: vs,
        reject_abstract: false,
    };
    match run_validate(t, ctx, &req) {
        Ok(r) => {
            let mut v =
                json!({"line": row.line, "system": r.system, "code": code, "valid": r.result});
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
            json!({"line": row.line, "system": row.system, "code": code, "valid": false, "error": e.to_string()})
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

//! What the verbs share: opening the published release read-only (as the server does, so
//! offline answers are the server's), short system names, ICD-10 codes without their dot, and
//! reading pipeline files (CSV or NDJSON) record by record.

use crate::import;
use crate::ops::{RequestContext, Terminology};
use anyhow::{Context, Result, anyhow};
use serde_json::{Value, json};
use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;

/// Opens the current release of a data directory.
pub fn open(data: &Path, default_language: &str) -> Result<Terminology> {
    let release = import::status(data)?.ok_or_else(|| {
        anyhow!(
            "{} holds no release; run `concord import --data {} PATH…` first",
            data.display(),
            data.display()
        )
    })?;
    Terminology::open(
        &release.db_path(),
        Some(&release.index_path()),
        default_language,
    )
    .with_context(|| format!("opening {}", release.db_path().display()))
}

/// Short names accepted on the command line.
pub fn system_url(s: &str) -> String {
    crate::model::uri::alias(s)
}

/// The CLI reads an ICD-10 code written without its dot (`S72001A`, as claims files and CSV
/// exports have it) as the code it stands for, and says so; anything else is left as given.
pub(crate) fn with_dot(
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

/// One input record of a pipeline file: its line and its fields (keys lower-cased, empty
/// values dropped).
pub(crate) type Record = (u64, std::collections::BTreeMap<String, String>);

/// Reads a CSV (with a header) or NDJSON file (`-` = NDJSON on stdin) into records; a row that
/// cannot be read becomes `Err((line, reason))` and never stops the rest of the file.
pub(crate) fn read_records(file: &Path) -> Result<Vec<Result<Record, (u64, String)>>> {
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
pub(crate) fn each_record(
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

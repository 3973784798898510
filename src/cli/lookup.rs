//! `concord lookup`: one code, as text or as the `$lookup` Parameters.

use super::common::*;
use crate::fhir::convert;
use crate::ops::{RequestContext, lookup::LookupRequest};
use anyhow::Result;
use std::path::Path;
use std::process::ExitCode;

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

/// A `$lookup` answer as text: display, designations, then one `code = value |description|`
/// line per property.
fn lookup_text(r: &crate::ops::lookup::LookupResult) -> String {
    use crate::ops::lookup::Value;
    let mut out = format!(
        "{} ({} {})",
        r.display.clone().unwrap_or_default(),
        r.title,
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

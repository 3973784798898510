//! One NDJSON line in, one answer out.
//!
//! A line is a JSON object: a Coding (`{"system","code","display","version"}`, with or
//! without `"resourceType":"Coding"`), a CodeableConcept (`{"coding":[…]}`), or, for
//! `$normalize`, `{"text": "…"}`. The answer is a FHIR `Parameters` resource on one line whose
//! first parameter is `line` (the input's 1-based line number), followed by the operation's
//! own output. A line that cannot be read answers `line` and `issues` (an OperationOutcome
//! saying what is wrong with it) and no `result`, so it is never counted as a code judged
//! invalid.

use crate::fhir::convert;
use crate::ops::normalize::{Input, NormalizeRequest};
use crate::ops::validate::ValidateRequest;
use crate::ops::{Coding, RequestContext, Terminology};
use serde_json::Value;

/// The operation applied to each line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// `$validate-code` of the coding.
    Validate,
    /// `$normalize` of the coding or text.
    Normalize,
}

/// The longest line read; a longer one is answered as an error without being held in memory.
pub const MAX_LINE: usize = 1 << 20;

/// Reads one line (without its line end): one coding, a CodeableConcept's codings, or text
/// (`$normalize` only). `Err` says why the line is not one of them.
pub fn parse(bytes: &[u8]) -> Result<Input, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 (invalid byte at offset {})", e.valid_up_to()))?;
    let v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let Some(o) = v.as_object() else {
        return Err("expected a JSON object (a Coding, a CodeableConcept or {\"text\": …})".into());
    };
    if let Some(rt) = o.get("resourceType").and_then(Value::as_str)
        && rt != "Coding"
        && rt != "CodeableConcept"
    {
        return Err(format!(
            "a {rt} resource is not a coding; send Coding objects, one per line"
        ));
    }
    if let Some(list) = o.get("coding") {
        let codings: Vec<Coding> = list
            .as_array()
            .ok_or("'coding' must be an array")?
            .iter()
            .map(crate::fhir::params::coding_from_json)
            .collect();
        if codings.is_empty() {
            return Err("the CodeableConcept has no coding".into());
        }
        return Ok(Input::Codings(codings));
    }
    if o.contains_key("code") {
        for k in ["system", "code", "display", "version"] {
            if o.get(k).is_some_and(|x| !x.is_string()) {
                return Err(format!("'{k}' must be a string"));
            }
        }
        return Ok(Input::Codings(vec![crate::fhir::params::coding_from_json(
            &v,
        )]));
    }
    if let Some(t) = o.get("text") {
        return t
            .as_str()
            .map(|t| Input::Text(t.to_string()))
            .ok_or_else(|| "'text' must be a string".into());
    }
    Err("no 'code', 'coding' or 'text' in the object".into())
}

/// The answer to a line that could not be processed: `line` and an OperationOutcome.
pub fn error_line(line: u64, code: &str, message: &str) -> Vec<u8> {
    let mut out = convert::line_error(line, code, &format!("line {line}: {message}"));
    out.push(b'\n');
    out
}

/// The answer to one line, newline-terminated; `Err` carries the reason when the line is not a
/// unit or the operation refused it (the answer then is [`error_line`]'s).
pub fn answer_line(
    t: &Terminology,
    job: Job,
    line: u64,
    bytes: &[u8],
) -> Result<Vec<u8>, (Vec<u8>, String)> {
    let fail = |code: &str, reason: String| Err((error_line(line, code, &reason), reason));
    if bytes.len() > MAX_LINE {
        return fail("too-costly", format!("line longer than {MAX_LINE} bytes"));
    }
    let unit = match parse(bytes) {
        Ok(u) => u,
        Err(reason) => return fail("structure", reason),
    };
    let ctx = RequestContext::default();
    let params = match (job, unit) {
        (Job::Validate, Input::Text(_)) => {
            return fail(
                "structure",
                "$validate-code needs a coding; text is for $normalize".into(),
            );
        }
        (Job::Validate, Input::Codings(codings)) => {
            let cc = codings.len() > 1;
            let req = ValidateRequest {
                codings,
                codeable_concept: cc,
                ..Default::default()
            };
            match crate::ops::validate::validate(t, &ctx, &req) {
                Ok(r) => convert::validate(&r).with_line(line).to_json(),
                Err(e) => return fail("processing", e.to_string()),
            }
        }
        (Job::Normalize, input) => {
            let req = NormalizeRequest::new(input, &t.canonical_system);
            match crate::ops::normalize::normalize(t, &ctx, &req) {
                Ok(r) => convert::normalize(&r).with_line(line).to_json(),
                Err(e) => return fail("processing", e.to_string()),
            }
        }
    };
    let mut out = params;
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_read_or_refused_with_a_reason() {
        assert!(matches!(
            parse(br#"{"system":"http://hl7.org/fhir/sid/icd-10-cm","code":"E11.9"}"#),
            Ok(Input::Codings(c)) if c[0].code.as_deref() == Some("E11.9")
        ));
        assert!(matches!(
            parse(br#"{"coding":[{"system":"a","code":"1"},{"system":"b","code":"2"}]}"#),
            Ok(Input::Codings(c)) if c.len() == 2
        ));
        assert_eq!(
            parse(br#"{"text":"type II diabetes"}"#),
            Ok(Input::Text("type II diabetes".into()))
        );
        assert!(parse(b"{\"code\":").unwrap_err().starts_with("not JSON"));
        assert!(parse(b"[1]").unwrap_err().contains("JSON object"));
        assert!(parse(b"\xff\xfe").unwrap_err().contains("UTF-8"));
        assert!(parse(br#"{"code":5}"#).unwrap_err().contains("'code'"));
        assert!(
            parse(br#"{"resourceType":"Patient"}"#)
                .unwrap_err()
                .contains("Patient")
        );
    }
}

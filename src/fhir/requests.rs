//! `Parameters` → operation requests, with the FHIR rules for which parameters go together.
//! Every error names the parameter.

use super::params::Params;
use crate::ops::engine::{RequestContext, Terminology};
use crate::ops::lookup::LookupRequest;
use crate::ops::validate::ValidateRequest;
use crate::ops::valueset::{self, ValueSetDef};
use crate::ops::{Coding, Error, Result};

/// `$lookup`: `code` + `system` (+ `version`), or `coding`.
pub fn lookup(p: &Params) -> Result<LookupRequest> {
    let (system, code, version) = match p.coding("coding")? {
        Some(c) => {
            if p.text("code")?.is_some() {
                return Err(Error::invalid(
                    "coding",
                    "give either coding or code + system, not both",
                ));
            }
            let code = c
                .code
                .ok_or_else(|| Error::invalid("coding", "coding has no code"))?;
            let system = c
                .system
                .ok_or_else(|| Error::invalid("coding", "coding has no system"))?;
            (system, code, c.version.or(p.text("version")?))
        }
        None => {
            let code = p.text("code")?.ok_or_else(|| {
                Error::invalid("code", "parameter 'code' is required (or give 'coding')")
            })?;
            let system = p.text("system")?.ok_or_else(|| {
                Error::invalid("system", "parameter 'system' is required with 'code'")
            })?;
            (system, code, p.text("version")?)
        }
    };
    Ok(LookupRequest {
        system,
        version,
        code,
        properties: p.texts("property"),
    })
}

/// The codings of a `$validate-code` request: `code` (+ `system`/`url`, `version`, `display`),
/// or `coding`, or `codeableConcept`. `default_system` is the CodeSystem `url` for
/// CodeSystem/$validate-code.
fn codings(p: &Params, default_system: Option<String>) -> Result<(Vec<Coding>, bool)> {
    let given = [
        p.text("code")?.is_some(),
        p.all("coding").next().is_some(),
        p.all("codeableConcept").next().is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(Error::invalid(
            "code",
            "give exactly one of code, coding or codeableConcept",
        ));
    }
    if let Some(cc) = p.codeable_concept("codeableConcept")? {
        return Ok((cc, true));
    }
    if let Some(mut c) = p.coding("coding")? {
        if c.code.is_none() {
            return Err(Error::invalid("coding", "coding has no code"));
        }
        if c.display.is_none() {
            c.display = p.text("display")?;
        }
        return Ok((vec![c], false));
    }
    let code = p.text("code")?.ok_or_else(|| {
        Error::invalid(
            "code",
            "parameter 'code' is required (or give 'coding' or 'codeableConcept')",
        )
    })?;
    let system = p.text("system")?.or(default_system);
    Ok((
        vec![Coding {
            system,
            version: p.text("version")?.or(p.text("systemVersion")?),
            code: Some(code),
            display: p.text("display")?,
        }],
        false,
    ))
}

/// CodeSystem/$validate-code.
pub fn validate_code_system(p: &Params) -> Result<ValidateRequest> {
    let url = p.text("url")?;
    let (codings, cc) = codings(p, url.clone())?;
    if !cc && codings[0].system.is_none() {
        return Err(Error::invalid(
            "url",
            "parameter 'url' (the code system) is required with 'code'",
        ));
    }
    Ok(ValidateRequest {
        codings,
        codeable_concept: cc,
        value_set: None,
        reject_abstract: p.boolean("abstract")? == Some(false),
    })
}

/// ValueSet/$validate-code: the value set from `url` (+ `valueSetVersion`) or an inline `valueSet`.
pub fn validate_value_set(
    t: &Terminology,
    ctx: &RequestContext,
    p: &Params,
) -> Result<ValidateRequest> {
    let inline = p.resources("valueSet")?.into_iter().next();
    let vs = match (inline, p.text("url")?) {
        (Some(v), _) => ValueSetDef::Resource(v),
        (None, Some(url)) => {
            valueset::resolve_value_set(t, ctx, &url, p.text("valueSetVersion")?.as_deref())?
        }
        (None, None) => {
            return Err(Error::invalid(
                "url",
                "parameter 'url' (the value set) or 'valueSet' is required",
            ));
        }
    };
    let (codings, cc) = codings(p, None)?;
    Ok(ValidateRequest {
        codings,
        codeable_concept: cc,
        value_set: Some(vs),
        reject_abstract: p.boolean("abstract")? == Some(false),
    })
}

/// `$subsumes`: (system, version, codeA, codeB) from codes or codings.
pub fn subsumes(p: &Params) -> Result<(String, Option<String>, String, String)> {
    let a = p.coding("codingA")?;
    let b = p.coding("codingB")?;
    let system = p.text("system")?;
    let pick = |coding: Option<Coding>,
                code: Option<String>,
                name: &str|
     -> Result<(Option<String>, String)> {
        match (coding, code) {
            (Some(c), None) => Ok((
                c.system,
                c.code
                    .ok_or_else(|| Error::invalid(name, format!("{name} has no code")))?,
            )),
            (None, Some(code)) => Ok((None, code)),
            (Some(_), Some(_)) => Err(Error::invalid(
                name,
                format!("give {name} as a code or a coding, not both"),
            )),
            (None, None) => Err(Error::invalid(
                name,
                format!(
                    "parameter '{}' (or '{}') is required",
                    name.replace("coding", "code"),
                    name
                ),
            )),
        }
    };
    let (sa, code_a) = pick(a, p.text("codeA")?, "codingA")?;
    let (sb, code_b) = pick(b, p.text("codeB")?, "codingB")?;
    let system = match (system, sa, sb) {
        (Some(s), _, _) => s,
        (None, Some(x), Some(y)) if x != y => {
            return Err(Error::invalid(
                "codingB",
                format!("codingA and codingB are from different systems ({x}, {y})"),
            ));
        }
        (None, Some(x), _) | (None, None, Some(x)) => x,
        (None, None, None) => {
            return Err(Error::invalid(
                "system",
                "parameter 'system' is required with codeA/codeB",
            ));
        }
    };
    Ok((system, p.text("version")?, code_a, code_b))
}

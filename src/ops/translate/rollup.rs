//! ICD-10-CM → WHO ICD-10 by rolling a code up to the category both classifications share.

use super::super::engine::{RequestContext, Terminology};
use super::super::{Coding, Error, Result, resolve};
use super::*;
use crate::model::{Family, uri};

pub(super) fn icd10cm_rollup(
    t: &Terminology,
    ctx: &RequestContext,
    req: &TranslateRequest,
) -> Result<TranslateResult> {
    let cm = resolve::code_system(t, ctx, uri::ICD10CM, req.version.as_deref())?;
    let who = resolve::code_system(t, ctx, uri::ICD10, None).map_err(|_| {
        Error::NotFound(
            "WHO ICD-10 is not loaded; import its ClaML to translate ICD-10-CM to ICD-10".into(),
        )
    })?;
    let source = cm.concept(&req.code)?.ok_or_else(|| {
        Error::NotFound(format!(
            "Unable to find code '{}' in {}",
            req.code,
            uri::ICD10CM
        ))
    })?;
    let mut code = req.code.clone();
    loop {
        if let Some(c) = who.concept(&code)? {
            let same = code == req.code;
            let equivalence = match (same, &c.display, &source.display) {
                (true, Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => "equivalent",
                (true, _, _) => "inexact",
                (false, _, _) => "wider",
            };
            let message = if same {
                format!(
                    "{code} exists in both ICD-10-CM and WHO ICD-10{}",
                    if equivalence == "inexact" {
                        " with different titles; check the meaning"
                    } else {
                        ""
                    }
                )
            } else {
                format!(
                    "ICD-10-CM {} rolls up to the WHO ICD-10 category {code}, which is broader",
                    req.code
                )
            };
            let m = Match {
                equivalence: equivalence.into(),
                concept: Some(Coding {
                    system: Some(uri::ICD10.into()),
                    code: Some(code.clone()),
                    display: c.display,
                    version: Some(who.meta().version.clone()),
                }),
                source: format!("{}?rollup={}", uri::ICD10CM, uri::ICD10),
                ..Default::default()
            };
            return Ok(TranslateResult {
                result: true,
                message: Some(message),
                matches: vec![m],
            });
        }
        match cm.parents(&code)?.into_iter().next() {
            Some(p) if cm.meta().family == Family::Icd10cm => code = p,
            _ => {
                return Ok(finish(
                    vec![],
                    vec![format!(
                        "no WHO ICD-10 code coincides with {} or its ancestors",
                        req.code
                    )],
                ));
            }
        }
    }
}

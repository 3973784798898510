//! Capabilities and resource read/search: `/metadata`, `/{type}`, `/{type}/{id}`.

use super::{Reply, base_url, fhir};
use crate::fhir::{capability, resources};
use crate::http::error::ApiError;
use crate::http::release::Current;
use crate::http::request;
use crate::ops::{self, Terminology};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use serde_json::Value;

/// `GET /metadata[?mode=terminology]`.
pub async fn metadata(t: Current, req: HttpRequest) -> Reply {
    request::check_format(&req)?;
    let pairs = request::query_pairs(&req);
    let date = crate::clock::now_rfc3339();
    match pairs
        .iter()
        .find(|(k, _)| k == "mode")
        .map(|(_, v)| v.as_str())
    {
        None | Some("full") | Some("normative") => {
            let verifier = req
                .app_data::<actix_web::web::Data<Option<std::sync::Arc<crate::auth::Verifier>>>>()
                .and_then(|v| v.as_ref().as_ref().cloned());
            let security = verifier.as_ref().map(|v| capability::Security {
                issuer: v.config().issuer.as_deref(),
                audience: v.config().audience.as_deref(),
            });
            Ok(fhir(&capability::capability_statement(
                &base_url(&req),
                &date,
                security,
            )))
        }
        Some("terminology") => Ok(fhir(&capability::terminology_capabilities(
            &base_url(&req),
            &date,
            t.catalog(),
        ))),
        Some(other) => Err(ops::Error::invalid(
            "mode",
            format!("mode '{other}' is not one of full, normative, terminology"),
        )
        .into()),
    }
}

fn resource_type(ty: &str) -> Result<&'static str, ApiError> {
    match ty {
        "CodeSystem" => Ok("CodeSystem"),
        "ValueSet" => Ok("value_set"),
        "ConceptMap" => Ok("concept_map"),
        _ => Err(ApiError::http(
            StatusCode::NOT_FOUND,
            "not-found",
            format!(
                "unknown resource type or route '/{ty}'; this server serves CodeSystem, ValueSet and ConceptMap"
            ),
        )),
    }
}

/// Search parameters a resource search understands; any other is refused by name (FHIR lets a
/// server ignore unknown ones, but answering everything for a misspelt filter is how callers
/// end up paging through all resources believing they filtered them).
const SEARCH_PARAMS: &[&str] = &["url", "version", "name", "_count", "_offset", "_format"];

/// Page size when none is asked for, and the largest page served.
const DEFAULT_PAGE: i64 = 50;
/// The largest page served (a larger `_count` gets this many, and the `next` link).
const MAX_PAGE: i64 = 500;

/// `GET /{CodeSystem|ValueSet|ConceptMap}?url=&version=&name=&_count=&_offset=`: a searchset
/// Bundle of one page, with the total and `next`/`previous` links.
pub async fn search(t: Current, req: HttpRequest, path: web::Path<String>) -> Reply {
    request::check_format(&req)?;
    let ty = path.into_inner();
    let table = resource_type(&ty)?;
    let pairs = request::query_pairs(&req);
    if let Some((k, _)) = pairs
        .iter()
        .find(|(k, _)| !SEARCH_PARAMS.contains(&k.as_str()))
    {
        return Err(ops::Error::invalid(
            k,
            format!(
                "search parameter '{k}' is not supported on {ty}; use {}",
                SEARCH_PARAMS[..5].join(", ")
            ),
        )
        .into());
    }
    let number = |name: &str, default: i64| -> Result<i64, ApiError> {
        match pairs.iter().find(|(k, _)| k == name) {
            Some((_, v)) => Ok(v.parse().ok().filter(|n: &i64| *n >= 0).ok_or_else(|| {
                ops::Error::invalid(
                    name,
                    format!("{name} must be a non-negative number, not '{v}'"),
                )
            })?),
            None => Ok(default),
        }
    };
    let count = number("_count", DEFAULT_PAGE)?.min(MAX_PAGE);
    let offset = number("_offset", 0)?;
    let p = crate::fhir::params::Params::from_query(pairs.clone());
    let (url, version, name) = (p.text("url")?, p.text("version")?, p.text("name")?);
    let (total, entries): (usize, Vec<Value>) = if table == "CodeSystem" {
        let matching: Vec<&crate::model::CodeSystemVersion> = t
            .catalog()
            .iter()
            .filter(|cs| {
                url.as_ref().is_none_or(|u| u == &cs.url)
                    && version.as_ref().is_none_or(|v| v == &cs.version)
                    && name.as_ref().is_none_or(|n| {
                        let n = n.to_lowercase();
                        [&cs.name, &cs.title]
                            .iter()
                            .any(|f| f.as_ref().is_some_and(|s| s.to_lowercase().starts_with(&n)))
                    })
            })
            .collect();
        let mut out = Vec::new();
        for cs in matching.iter().skip(offset as usize).take(count as usize) {
            out.push(code_system_resource(&t, cs)?);
        }
        (matching.len(), out)
    } else {
        let (total, rows) = t.with_store(|s| {
            Ok(s.search_resources(
                table,
                url.as_deref(),
                version.as_deref(),
                name.as_deref(),
                (count, offset),
            )?)
        })?;
        (
            total as usize,
            rows.into_iter()
                .filter_map(|s| serde_json::from_str(&s).ok())
                .collect(),
        )
    };
    let base = base_url(&req);
    let page_url = |at: i64| {
        let mut q: Vec<(String, String)> = pairs
            .iter()
            .filter(|(k, _)| k != "_count" && k != "_offset")
            .cloned()
            .collect();
        q.push(("_count".into(), count.to_string()));
        q.push(("_offset".into(), at.to_string()));
        let query = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(q)
            .finish();
        format!("{base}/{ty}?{query}")
    };
    let mut links = vec![("self", page_url(offset))];
    if offset + count < total as i64 && count > 0 {
        links.push(("next", page_url(offset + count)));
    }
    if offset > 0 {
        links.push(("previous", page_url((offset - count).max(0))));
    }
    Ok(fhir(&resources::bundle(&base, &ty, entries, total, &links)))
}

fn code_system_resource(
    t: &Terminology,
    cs: &crate::model::CodeSystemVersion,
) -> Result<Value, ApiError> {
    let stored = t
        .with_store(|s| Ok(s.code_system_resource(cs.id)?))?
        .and_then(|s| serde_json::from_str(&s).ok());
    Ok(resources::code_system(cs, stored))
}

/// `GET /{CodeSystem|ValueSet|ConceptMap}/{id}`.
pub async fn read(t: Current, req: HttpRequest, path: web::Path<(String, String)>) -> Reply {
    request::check_format(&req)?;
    let (ty, id) = path.into_inner();
    let table = resource_type(&ty)?;
    let found = if table == "CodeSystem" {
        let mut hit = None;
        for cs in t.catalog() {
            let r = code_system_resource(&t, cs)?;
            if r.get("id").and_then(Value::as_str) == Some(id.as_str()) {
                hit = Some(r);
                break;
            }
        }
        hit
    } else {
        t.with_store(|s| Ok(s.resource_by_id(table, &id)?))?
            .and_then(|s| serde_json::from_str(&s).ok())
    };
    found.map(|r| fhir(&r)).ok_or_else(|| {
        ApiError::http(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("{ty}/{id} is not known to this server"),
        )
    })
}

//! Capabilities and resource read/search: `/metadata`, `/{type}`, `/{type}/{id}`.

use super::{Reply, base_url, fhir};
use crate::fhir::{capability, resources};
use crate::http::error::ApiError;
use crate::http::request;
use crate::ops::{self, Terminology};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use serde_json::Value;

/// `GET /metadata[?mode=terminology]`.
pub async fn metadata(t: web::Data<Terminology>, req: HttpRequest) -> Reply {
    request::check_format(&req)?;
    let pairs = request::query_pairs(&req);
    let date = crate::clock::now_rfc3339();
    match pairs
        .iter()
        .find(|(k, _)| k == "mode")
        .map(|(_, v)| v.as_str())
    {
        None | Some("full") | Some("normative") => Ok(fhir(&capability::capability_statement(
            &base_url(&req),
            &date,
        ))),
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

/// `GET /{CodeSystem|ValueSet|ConceptMap}?url=&version=&name=&_count=`.
pub async fn search(t: web::Data<Terminology>, req: HttpRequest, path: web::Path<String>) -> Reply {
    request::check_format(&req)?;
    let ty = path.into_inner();
    let table = resource_type(&ty)?;
    let p = crate::fhir::params::Params::from_query(request::query_pairs(&req));
    let count: i64 = match request::query_pairs(&req)
        .into_iter()
        .find(|(k, _)| k == "_count")
    {
        Some((_, v)) => v.parse().ok().filter(|n| *n >= 0).ok_or_else(|| {
            ops::Error::invalid(
                "_count",
                format!("_count must be a non-negative number, not '{v}'"),
            )
        })?,
        None => 100,
    };
    let (url, version, name) = (p.text("url")?, p.text("version")?, p.text("name")?);
    let entries: Vec<Value> = if table == "CodeSystem" {
        let mut out = Vec::new();
        for cs in t.catalog() {
            if url.as_ref().is_some_and(|u| u != &cs.url)
                || version.as_ref().is_some_and(|v| v != &cs.version)
            {
                continue;
            }
            if let Some(n) = &name {
                let n = n.to_lowercase();
                let hit = [&cs.name, &cs.title]
                    .iter()
                    .any(|f| f.as_ref().is_some_and(|s| s.to_lowercase().starts_with(&n)));
                if !hit {
                    continue;
                }
            }
            if out.len() as i64 >= count {
                break;
            }
            out.push(code_system_resource(&t, cs)?);
        }
        out
    } else {
        t.with_store(|s| {
            Ok(s.search_resources(
                table,
                url.as_deref(),
                version.as_deref(),
                name.as_deref(),
                count,
            )?)
        })?
        .into_iter()
        .filter_map(|s| serde_json::from_str(&s).ok())
        .collect()
    };
    Ok(fhir(&resources::bundle(&base_url(&req), &ty, entries)))
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
pub async fn read(
    t: web::Data<Terminology>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Reply {
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

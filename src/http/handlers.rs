//! Route handlers: extract, call one operation, convert, respond.

use super::error::ApiError;
use super::request;
use crate::fhir::{FHIR_JSON, capability, convert, requests, resources};
use crate::ops::{self, Terminology};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

type Reply = Result<HttpResponse, ApiError>;

fn fhir(v: &impl serde::Serialize) -> HttpResponse {
    fhir_json(serde_json::to_vec(v).unwrap_or_default())
}

fn fhir_json(body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok().content_type(FHIR_JSON).body(body)
}

fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// `GET /health`: a trivial endpoint (liveness, and the baseline in load tests).
pub async fn health() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(r#"{"status":"ok"}"#)
}

/// `GET /metadata[?mode=terminology]`.
pub async fn metadata(t: web::Data<Terminology>, req: HttpRequest) -> Reply {
    request::check_format(&req)?;
    let pairs = request::query_pairs(&req);
    let date = crate::import::manifest::now_rfc3339();
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

/// `GET|POST /CodeSystem/$lookup`.
pub async fn lookup(t: web::Data<Terminology>, req: HttpRequest, body: web::Bytes) -> Reply {
    let (p, ctx) = request::operation(&req, &body)?;
    let req = requests::lookup(&p)?;
    Ok(ops::lookup::lookup(&t, &ctx, &req, |r| {
        fhir_json(convert::lookup(r).to_json())
    })?)
}

/// `GET|POST /CodeSystem/$validate-code`.
pub async fn validate_code_system(
    t: web::Data<Terminology>,
    req: HttpRequest,
    body: web::Bytes,
) -> Reply {
    let (p, ctx) = request::operation(&req, &body)?;
    let r = ops::validate::validate(&t, &ctx, &requests::validate_code_system(&p)?)?;
    Ok(fhir_json(convert::validate(&r).to_json()))
}

/// `GET|POST /ValueSet/$validate-code`.
pub async fn validate_value_set(
    t: web::Data<Terminology>,
    req: HttpRequest,
    body: web::Bytes,
) -> Reply {
    let (p, ctx) = request::operation(&req, &body)?;
    let vreq = requests::validate_value_set(&t, &ctx, &p)?;
    let r = ops::validate::validate(&t, &ctx, &vreq)?;
    Ok(fhir_json(convert::validate(&r).to_json()))
}

/// `GET|POST /CodeSystem/$subsumes`.
pub async fn subsumes(t: web::Data<Terminology>, req: HttpRequest, body: web::Bytes) -> Reply {
    let (p, ctx) = request::operation(&req, &body)?;
    let (system, version, a, b) = requests::subsumes(&p)?;
    let o = ops::subsumes::subsumes(&t, &ctx, &system, version.as_deref(), &a, &b)?;
    Ok(fhir(&convert::subsumes(o)))
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

/// Unknown routes.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    actix_web::ResponseError::error_response(&ApiError::http(
        StatusCode::NOT_FOUND,
        "not-found",
        format!(
            "no route {} {}; see /openapi.json or /swagger-ui/ for what this server offers",
            req.method(),
            req.path()
        ),
    ))
}

/// Known routes with a method they do not take.
pub async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let mut res = actix_web::ResponseError::error_response(&ApiError::http(
        StatusCode::METHOD_NOT_ALLOWED,
        "not-supported",
        format!("{} is not allowed on {}", req.method(), req.path()),
    ));
    let allow = if req.path().contains('$') {
        "GET, POST"
    } else {
        "GET"
    };
    res.headers_mut().insert(
        actix_web::http::header::ALLOW,
        actix_web::http::header::HeaderValue::from_static(allow),
    );
    res
}

/// `GET|POST /ConceptMap/$translate`.
pub async fn translate(t: web::Data<Terminology>, req: HttpRequest, body: web::Bytes) -> Reply {
    let (p, ctx) = request::operation(&req, &body)?;
    let r = ops::translate::translate(&t, &ctx, &requests::translate(&p)?)?;
    Ok(fhir_json(convert::translate(&r).to_json()))
}

//! `GET /search`: typeahead search as plain JSON for pages and scripts (the same engine as
//! `ValueSet/$expand?filter=`).

use super::Reply;
use crate::fhir::params::Params;
use crate::fhir::requests;
use crate::http::release::Current;
use crate::http::request;
use crate::ops;
use actix_web::{HttpRequest, HttpResponse};

/// `GET /search?q=&system=&version=&ecl=&valueSet=&refset=&lang=&limit=&offset=&active=`.
pub async fn search(t: Current, req: HttpRequest) -> Reply {
    let pairs = request::query_pairs(&req);
    let p = Params::from_query(pairs);
    let mut ctx = request::context(&req, &p)?;
    if let Some(lang) = p.text("lang")? {
        ctx.languages = crate::ops::language::parse_accept_language(&lang);
    }
    let sreq = requests::search(&t, &ctx, &p)?;
    let r = ops::search::search(&t, &ctx, &sreq)?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(serde_json::to_vec(&r).unwrap_or_default()))
}

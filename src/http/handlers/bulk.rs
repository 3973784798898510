//! Asynchronous Bulk Data jobs over HTTP (the FHIR Bulk Data pattern): `POST /$bulk-validate`
//! or `/$bulk-normalize` with `Prefer: respond-async` and an NDJSON body of resources → 202
//! with `Content-Location: /jobs/{id}`; `GET` there → 202 with `X-Progress` while it runs, then
//! 200 with the manifest; `DELETE` cancels; `GET /jobs/{id}/files/{name}` serves the outputs.

use super::{Reply, base_url};
use crate::bulk::jobs::{Jobs, Kind, Status};
use crate::http::error::ApiError;
use crate::http::release::Current;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;
use std::io::Write;

fn refuse(status: StatusCode, code: &'static str, text: impl Into<String>) -> ApiError {
    ApiError::http(status, code, text)
}

/// A server-side failure while `doing` something with a job's files.
fn failed(doing: &'static str) -> impl Fn(std::io::Error) -> ApiError {
    move |e| {
        refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "exception",
            format!("{doing}: {e}"),
        )
    }
}

async fn kick_off(
    t: Current,
    req: HttpRequest,
    mut payload: web::Payload,
    jobs: web::Data<Jobs>,
    kind: Kind,
) -> Reply {
    if !crate::http::request::prefers(&req, "respond-async") {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "invalid",
            "this operation runs asynchronously: send the header 'Prefer: respond-async'",
        ));
    }
    if !crate::http::stream::has_ndjson_body(req.headers()) {
        return Err(refuse(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not-supported",
            "the body must be application/fhir+ndjson (one resource per line, as a Bulk Data export writes it)",
        ));
    }
    let job = jobs.create(kind).map_err(failed("creating the job"))?;
    // The body is spooled to disk as it arrives, so its size is bounded by the disk only. A
    // body that cannot be taken whole leaves no job behind.
    let spooled: Result<(), ApiError> = async {
        let mut spool = std::fs::File::create(job.input())
            .map(std::io::BufWriter::new)
            .map_err(failed("spooling the body"))?;
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| {
                refuse(
                    StatusCode::BAD_REQUEST,
                    "incomplete",
                    format!("the body could not be read to its end: {e}"),
                )
            })?;
            spool
                .write_all(&chunk)
                .map_err(failed("spooling the body"))?;
        }
        spool.flush().map_err(failed("spooling the body"))
    }
    .await;
    if let Err(e) = spooled {
        jobs.cancel(&job.id);
        return Err(e);
    }
    let base = base_url(&req);
    let location = format!("{base}/jobs/{}", job.id);
    let secured = req
        .app_data::<web::Data<Option<std::sync::Arc<crate::auth::Verifier>>>>()
        .is_some_and(|v| v.is_some());
    jobs.start(
        t.0.clone(),
        job,
        format!("{location}/files/"),
        format!("{base}{}", req.uri()),
        secured,
    );
    Ok(HttpResponse::Accepted()
        .insert_header((header::CONTENT_LOCATION, location))
        .finish())
}

/// `POST /$bulk-validate`.
pub async fn bulk_validate(
    t: Current,
    req: HttpRequest,
    payload: web::Payload,
    jobs: web::Data<Jobs>,
) -> Reply {
    kick_off(t, req, payload, jobs, Kind::Validate).await
}

/// `POST /$bulk-normalize`.
pub async fn bulk_normalize(
    t: Current,
    req: HttpRequest,
    payload: web::Payload,
    jobs: web::Data<Jobs>,
) -> Reply {
    kick_off(t, req, payload, jobs, Kind::Normalize).await
}

fn unknown(id: &str) -> ApiError {
    refuse(
        StatusCode::NOT_FOUND,
        "not-found",
        format!("no bulk job '{id}' (finished jobs stay until deleted)"),
    )
}

/// `GET /jobs/{id}`: status, then the manifest.
pub async fn job_status(path: web::Path<String>, jobs: web::Data<Jobs>) -> Reply {
    let id = path.into_inner();
    let job = jobs.get(&id).ok_or_else(|| unknown(&id))?;
    match job.status() {
        Status::Running(lines) => Ok(HttpResponse::Accepted()
            .insert_header(("X-Progress", format!("{lines} lines checked")))
            .insert_header((header::RETRY_AFTER, "1"))
            .finish()),
        Status::Done(manifest) => Ok(HttpResponse::Ok().json(manifest)),
        Status::Failed(e) => Err(refuse(
            StatusCode::INTERNAL_SERVER_ERROR,
            "exception",
            format!("the job failed: {e}"),
        )),
    }
}

/// `DELETE /jobs/{id}`: cancels and removes it.
pub async fn job_delete(path: web::Path<String>, jobs: web::Data<Jobs>) -> Reply {
    let id = path.into_inner();
    if jobs.cancel(&id) {
        Ok(HttpResponse::Accepted().finish())
    } else {
        Err(unknown(&id))
    }
}

/// `GET /jobs/{id}/files/{name}`.
pub async fn job_file(path: web::Path<(String, String)>, jobs: web::Data<Jobs>) -> Reply {
    let (id, name) = path.into_inner();
    let p = jobs.file(&id, &name).ok_or_else(|| {
        refuse(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("bulk job '{id}' has no file '{name}'"),
        )
    })?;
    let body = web::block(move || std::fs::read(p))
        .await
        .map_err(|e| failed("reading the file")(std::io::Error::other(e)))?
        .map_err(failed("reading the file"))?;
    let ct = if name.ends_with(".json") {
        "application/json"
    } else {
        "application/fhir+ndjson"
    };
    Ok(HttpResponse::Ok().content_type(ct).body(body))
}

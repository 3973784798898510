//! HTTP: the only module that names actix-web. Thin handlers (extract → one operation →
//! convert → respond), one error type whose status table lives in [`error`], FHIR JSON content
//! negotiation, and OperationOutcome bodies for every failure including unknown routes, wrong
//! methods, malformed JSON and unsupported media types. May use: `fhir`, `ops`.

pub mod error;
pub mod handlers;
pub mod openapi;
pub mod request;

use crate::ops::Terminology;
use actix_web::{App, HttpServer, web};
use std::sync::Arc;
use utoipa::OpenApi;

/// Registers every route on an actix app.
pub fn configure(t: Arc<Terminology>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        use handlers::*;
        cfg.app_data(web::Data::from(t))
            .app_data(web::PayloadConfig::new(16 << 20))
            .service(
                web::resource("/health")
                    .route(web::get().to(health))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/$versions")
                    .route(web::get().to(versions))
                    .route(web::post().to(versions))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/search")
                    .route(web::get().to(text_search))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/metadata")
                    .route(web::get().to(metadata))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/CodeSystem/$lookup")
                    .route(web::get().to(lookup))
                    .route(web::post().to(lookup))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/CodeSystem/$validate-code")
                    .route(web::get().to(validate_code_system))
                    .route(web::post().to(validate_code_system))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/ValueSet/$validate-code")
                    .route(web::get().to(validate_value_set))
                    .route(web::post().to(validate_value_set))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/ValueSet/$batch-validate-code")
                    .route(web::post().to(batch_validate))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/ValueSet/$expand")
                    .route(web::get().to(expand))
                    .route(web::post().to(expand))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/CodeSystem/$subsumes")
                    .route(web::get().to(subsumes))
                    .route(web::post().to(subsumes))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/ConceptMap/$translate")
                    .route(web::get().to(translate))
                    .route(web::post().to(translate))
                    .default_service(web::to(method_not_allowed)),
            )
            // The spec and its UI are registered before the generic /{type} routes they would match.
            .service(
                utoipa_swagger_ui::SwaggerUi::new("/swagger-ui/{_:.*}")
                    .url("/openapi.json", openapi::ApiDoc::openapi()),
            )
            .service(
                web::resource("/{type}")
                    .route(web::get().to(search))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/{type}/{id}")
                    .route(web::get().to(read))
                    .default_service(web::to(method_not_allowed)),
            )
            .default_service(web::to(not_found));
    }
}

/// Runs the server on `addr` on its own actix runtime, blocking until it is stopped.
pub fn run(t: Arc<Terminology>, addr: &str, workers: usize) -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(serve(t, addr, workers))
}

/// Runs the server on `addr` until it is stopped.
pub async fn serve(t: Arc<Terminology>, addr: &str, workers: usize) -> std::io::Result<()> {
    let listener = std::net::TcpListener::bind(addr)?;
    server(t, listener, workers, true)?.await
}

/// The server on an already bound listener (tests bind port 0, without signal handling);
/// not yet awaited.
pub fn server(
    t: Arc<Terminology>,
    listener: std::net::TcpListener,
    workers: usize,
    signals: bool,
) -> std::io::Result<actix_web::dev::Server> {
    let mut s = HttpServer::new(move || {
        App::new()
            .wrap(actix_web::middleware::from_fn(request::correlation_id))
            .configure(configure(t.clone()))
    })
    .workers(workers);
    if !signals {
        s = s.disable_signals();
    }
    Ok(s.listen(listener)?.run())
}

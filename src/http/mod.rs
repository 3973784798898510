//! HTTP: the only module that names actix-web. Thin handlers (extract → one operation →
//! convert → respond), one error type whose status table lives in [`error`], FHIR JSON content
//! negotiation, and OperationOutcome bodies for every failure including unknown routes, wrong
//! methods, malformed JSON and unsupported media types. Around the handlers, outermost first:
//! correlation ids ([`request::correlation_id`]), metrics ([`metrics`]), the audit trail
//! ([`audit`]) and authentication ([`auth`]). May use: `fhir`, `ops`, `auth`, `audit`, `clock`.

pub mod audit;
pub mod auth;
pub mod error;
pub mod handlers;
pub mod limits;
pub mod metrics;
pub mod openapi;
pub mod release;
pub mod request;
pub mod stream;

use crate::ops::Terminology;
use actix_web::{App, HttpServer, guard, web};
use std::sync::Arc;

/// What the server runs with besides the release: who may call, where the audit goes.
#[derive(Clone, Default)]
pub struct Options {
    /// Bearer-token checks; `None`: anyone who can reach the server may use it.
    pub auth: Option<Arc<crate::auth::Verifier>>,
    /// The audit trail; `None`: no audit.
    pub audit: Option<crate::audit::AuditLog>,
    /// The name of the release served at start (metrics, audit records; a reload replaces it).
    pub release: String,
    /// Rate, concurrency and size limits.
    pub limits: limits::Limits,
    /// Opens the published release for `SIGHUP` / `POST /$reload`; `None`: no reloads.
    pub reloader: Option<release::Reloader>,
    /// Where asynchronous Bulk Data jobs keep their files (`serve` uses `DATA/jobs`); `None`:
    /// a folder in the system's temporary directory.
    pub jobs_dir: Option<std::path::PathBuf>,
}

/// Registers every route on an actix app.
pub fn configure(serving: Arc<release::Serving>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg: &mut web::ServiceConfig| {
        use handlers::*;
        cfg.app_data(web::Data::from(serving))
            .service(
                web::resource("/$reload")
                    .route(web::post().to(release::reload))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/")
                    .route(web::get().to(ui_root))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource(["/ui", "/ui/{tail:.*}"])
                    .route(web::get().to(ui))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/health")
                    .route(web::get().to(health))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/healthz")
                    .route(web::get().to(health))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/readyz")
                    .route(web::get().to(health))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/metrics")
                    .route(web::get().to(metrics::scrape))
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
                web::resource("/$normalize")
                    .route(
                        web::post()
                            .guard(guard::fn_guard(stream::is_ndjson))
                            .to(normalize_stream),
                    )
                    .route(web::get().to(normalize))
                    .route(web::post().to(normalize))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/$validate-code")
                    .route(
                        web::post()
                            .guard(guard::fn_guard(stream::is_ndjson))
                            .to(validate_stream),
                    )
                    .route(web::get().to(validate_code_system))
                    .route(web::post().to(validate_code_system))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/$bulk-validate")
                    .route(web::post().to(bulk_validate))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/$bulk-normalize")
                    .route(web::post().to(bulk_normalize))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/jobs/{id}")
                    .route(web::get().to(job_status))
                    .route(web::delete().to(job_delete))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/jobs/{id}/files/{name}")
                    .route(web::get().to(job_file))
                    .default_service(web::to(method_not_allowed)),
            )
            .service(
                web::resource("/OperationDefinition/normalize")
                    .route(web::get().to(normalize_definition))
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
                    .url("/openapi.json", openapi::document()),
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
pub fn run(
    t: Arc<Terminology>,
    addr: &str,
    workers: usize,
    options: Options,
) -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(serve(t, addr, workers, options))
}

/// Runs the server on `addr` until it is stopped.
pub async fn serve(
    t: Arc<Terminology>,
    addr: &str,
    workers: usize,
    options: Options,
) -> std::io::Result<()> {
    let listener = std::net::TcpListener::bind(addr)?;
    server(t, listener, workers, true, options)?.await
}

/// The server on an already bound listener (tests bind port 0, without signal handling);
/// not yet awaited.
pub fn server(
    t: Arc<Terminology>,
    listener: std::net::TcpListener,
    workers: usize,
    signals: bool,
    options: Options,
) -> std::io::Result<actix_web::dev::Server> {
    metrics::set_release(&options.release);
    let serving = Arc::new(release::Serving::new(
        options.release.clone(),
        t,
        options.reloader.clone(),
    ));
    if signals {
        // SIGHUP: swap in the release `concord import` published since.
        let s = serving.clone();
        actix_web::rt::spawn(async move {
            use actix_web::rt::signal::unix::{SignalKind, signal};
            let Ok(mut hup) = signal(SignalKind::hangup()) else {
                return;
            };
            while hup.recv().await.is_some() {
                let s = s.clone();
                match web::block(move || s.reload()).await {
                    Ok(Ok((from, to))) => {
                        tracing::info!(%from, %to, "SIGHUP: reload done")
                    }
                    Ok(Err(e)) => {
                        tracing::error!(error = %format!("{e:#}"), "SIGHUP: reload failed; the release in service stays")
                    }
                    Err(e) => tracing::error!(error = %e, "SIGHUP: reload failed"),
                }
            }
        });
    }
    let expensive = limits::Expensive(Arc::new(tokio::sync::Semaphore::new(
        options.limits.max_expensive.max(1),
    )));
    let rate = options.limits.rate_per_second;
    let governor = actix_governor::GovernorConfigBuilder::default()
        .key_extractor(limits::ClientKey(Arc::new(
            options.limits.trusted_proxies.clone(),
        )))
        .requests_per_second(u64::from(rate.max(1)))
        .burst_size(options.limits.burst.max(rate).max(1))
        .finish()
        .ok_or_else(|| std::io::Error::other("invalid rate limit"))?;
    let jobs = web::Data::new(crate::bulk::jobs::Jobs::new(
        &options.jobs_dir.clone().unwrap_or_else(|| {
            std::env::temp_dir().join(format!("concord-jobs-{}", std::process::id()))
        }),
    ));
    let timeout = options
        .limits
        .request_timeout
        .map(|t| web::Data::new(limits::RequestTimeout(t)));
    let mut s = HttpServer::new(move || {
        let mut app = App::new()
            .app_data(web::Data::new(options.auth.clone()))
            .app_data(web::Data::new(expensive.clone()))
            .app_data(jobs.clone())
            .app_data(web::PayloadConfig::new(options.limits.max_body));
        if let Some(log) = &options.audit {
            app = app.app_data(web::Data::new(log.clone()));
        }
        if let Some(t) = &timeout {
            app = app.app_data(t.clone());
        }
        // The last wrap is the outermost: correlation id, OperationOutcomes for every error,
        // metrics, the rate limit, the cap on expensive operations, the audit trail, then
        // authentication.
        app.wrap(actix_web::middleware::from_fn(auth::authenticate))
            .wrap(actix_web::middleware::from_fn(audit::audit))
            .wrap(actix_web::middleware::from_fn(limits::cap_expensive))
            .wrap(actix_web::middleware::from_fn(limits::deadline))
            .wrap(actix_web::middleware::Condition::new(
                rate > 0,
                actix_governor::Governor::new(&governor),
            ))
            .wrap(actix_web::middleware::from_fn(metrics::record))
            .wrap(actix_web::middleware::from_fn(limits::outcome_for_errors))
            .wrap(actix_web::middleware::from_fn(request::correlation_id))
            .wrap(actix_web::middleware::from_fn(request::fhir_base))
            .configure(configure(serving.clone()))
    })
    .workers(workers);
    if !signals {
        s = s.disable_signals();
    }
    Ok(s.listen(listener)?.run())
}

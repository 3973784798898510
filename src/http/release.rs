//! The release in service, swappable without a restart: handlers take [`Current`], an `Arc` of
//! the release's engine taken when the request starts, so a request in flight finishes on the
//! release it began with while new requests get the new one (the old engine — its mapped index
//! and SQLite file — is dropped with its last request). A swap happens on `SIGHUP` or an
//! authorised `POST /$reload`, through a [`Reloader`] the command line provides (it knows the
//! data directory; this layer does not).

use super::error::ApiError;
use crate::ops::Terminology;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use std::future::{Ready, ready};
use std::sync::{Arc, Mutex, RwLock};

/// Opens the currently published release: its name and engine, or why it could not.
pub type Reloader = Arc<dyn Fn() -> anyhow::Result<(String, Terminology)> + Send + Sync>;

/// The engine in service and its release name.
pub struct Serving {
    current: RwLock<(Arc<str>, Arc<Terminology>)>,
    reloader: Option<Reloader>,
    /// One reload at a time.
    reloading: Mutex<()>,
}

impl Serving {
    /// Serves `t` (release `name`); `reloader` opens newer ones.
    pub fn new(name: String, t: Arc<Terminology>, reloader: Option<Reloader>) -> Self {
        Serving {
            current: RwLock::new((name.into(), t)),
            reloader,
            reloading: Mutex::new(()),
        }
    }

    /// The release in service and its engine, for a request starting now.
    pub fn serving(&self) -> (Arc<str>, Arc<Terminology>) {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The release in service.
    pub fn name(&self) -> String {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .to_string()
    }

    /// Opens the published release and, when it is not the one in service, swaps it in.
    /// Returns (previous, now serving). The new engine is opened and warmed before the swap,
    /// so no request waits on it.
    pub fn reload(&self) -> anyhow::Result<(String, String)> {
        let reloader = self.reloader.as_ref().ok_or_else(|| {
            anyhow::anyhow!("this server was started without a data directory to reload from")
        })?;
        let _one = self.reloading.lock().unwrap_or_else(|e| e.into_inner());
        let before = self.name();
        let (name, t) = reloader()?;
        if name == before {
            return Ok((before, name));
        }
        t.warm_up()?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) =
            (name.as_str().into(), Arc::new(t));
        super::metrics::set_release(&name);
        tracing::info!(from = %before, to = %name, "release swapped");
        Ok((before, name))
    }
}

/// The engine of the release in service when the request started.
pub struct Current(pub Arc<Terminology>);

/// The release a request's handler took ([`Current`]), left in the request's extensions for
/// its audit record: a reload while the request ran does not change what answered it.
pub struct Answered(pub Arc<str>);

impl std::ops::Deref for Current {
    type Target = Terminology;
    fn deref(&self) -> &Terminology {
        &self.0
    }
}

impl FromRequest for Current {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.app_data::<web::Data<Serving>>()
                .map(|s| {
                    let (name, engine) = s.serving();
                    req.extensions_mut().insert(Answered(name));
                    Current(engine)
                })
                .ok_or_else(|| {
                    ApiError::http(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "transient",
                        "no release is being served",
                    )
                }),
        )
    }
}

/// `POST /$reload`: swap in the release `concord import` published last.
pub async fn reload(s: web::Data<Serving>) -> Result<HttpResponse, ApiError> {
    let s = s.into_inner();
    let (before, now) = web::block(move || s.reload())
        .await
        .map_err(|e| {
            ApiError::http(
                StatusCode::INTERNAL_SERVER_ERROR,
                "exception",
                e.to_string(),
            )
        })?
        .map_err(|e| {
            ApiError::http(
                StatusCode::CONFLICT,
                "conflict",
                format!(
                    "the published release could not be opened, the one in service stays: {e:#}"
                ),
            )
        })?;
    Ok(super::handlers::fhir(&crate::fhir::convert::reload(
        &before, &now,
    )))
}

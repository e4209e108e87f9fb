//! hyper 1: a `Service` answering `/metrics`, and `404` for other paths.
//!
//! ```no_run
//! # mod promstrict { pub use promstrict_core::*; pub mod http { pub use promstrict_serve::*; } #[cfg(feature = "exporter")] pub use promstrict_serve::exporter::Exporter; }
//! use hyper::server::conn::http1;
//! use hyper_util::rt::TokioIo;
//! use promstrict::default_registry;
//! use promstrict::http::hyper::MetricsService;
//!
//! # async fn run() -> std::io::Result<()> {
//! let metrics = MetricsService::new(default_registry());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9464").await?;
//! loop {
//!     let (stream, _) = listener.accept().await?;
//!     let service = metrics.clone();
//!     tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
//! }
//! # }
//! ```
//!
//! In a hyper app with routes of its own, call
//! [`MetricsService::respond`] (or the [`MetricsHandler`] itself) from your
//! service for the metrics path.

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::sync::Arc;

use ::http::{Request, Response, StatusCode};
use bytes::Bytes;
use http_body_util::Full;

use super::{MetricsHandler, RegistryRef};

/// A hyper [`Service`](::hyper::service::Service) serving a registry at one
/// path (`/metrics` by default) and `404` everywhere else. Cheap to clone.
#[derive(Clone, Debug)]
pub struct MetricsService {
    handler: MetricsHandler,
    path: Arc<str>,
}

impl MetricsService {
    /// Serves `registry` at `/metrics`.
    pub fn new(registry: impl Into<RegistryRef>) -> Self {
        Self::from_handler(MetricsHandler::new(registry))
    }

    /// Serves `handler` (configured with auth, say) at `/metrics`.
    pub fn from_handler(handler: MetricsHandler) -> Self {
        MetricsService {
            handler,
            path: Arc::from("/metrics"),
        }
    }

    /// Serves at `path` instead of `/metrics`.
    pub fn with_path(mut self, path: impl Into<Arc<str>>) -> Self {
        self.path = path.into();
        self
    }

    /// The handler.
    pub fn handler(&self) -> &MetricsHandler {
        &self.handler
    }

    /// The response to `request`: the handler's on the metrics path (query
    /// strings are ignored), `404` with an empty body elsewhere.
    pub fn respond<B>(&self, request: &Request<B>) -> Response<Full<Bytes>> {
        self.handler_response(request).map(Full::new)
    }

    /// Whether `path` is the metrics path.
    #[cfg(feature = "exporter")]
    pub(crate) fn serves(&self, path: &str) -> bool {
        path == &*self.path
    }

    /// [`respond`](Self::respond)'s response with its body as bytes.
    pub(crate) fn handler_response<B>(&self, request: &Request<B>) -> Response<Bytes> {
        if request.uri().path() == &*self.path {
            self.handler.handle(request)
        } else {
            let mut response = Response::new(Bytes::new());
            *response.status_mut() = StatusCode::NOT_FOUND;
            response
        }
    }
}

impl<B> ::hyper::service::Service<Request<B>> for MetricsService {
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn call(&self, request: Request<B>) -> Self::Future {
        ready(Ok(self.respond(&request)))
    }
}

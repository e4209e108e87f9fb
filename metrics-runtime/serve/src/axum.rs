//! axum: `/metrics` as a router to merge, and request metrics as a layer.
//!
//! ```
//! # mod promstrict { pub use promstrict_core::*; pub mod http { pub use promstrict_serve::*; } #[cfg(feature = "exporter")] pub use promstrict_serve::exporter::Exporter; }
//! use axum::{routing::get, Router};
//! use promstrict::http::{self, HttpMetricsLayer};
//! use promstrict::default_registry;
//!
//! let app: Router = Router::new()
//!     .route("/users/{id}", get(|| async { "user" }))
//!     .merge(http::axum::router(default_registry()))          // GET /metrics
//!     .layer(HttpMetricsLayer::new(default_registry())?);     // http_requests_total, …
//! # Ok::<(), promstrict::RegistryError>(())
//! ```
//!
//! Add the layer last (with `Router::layer`, which wraps every route and the
//! fallback) so it sees the matched route template; requests that match no
//! route count as `route="unmatched"`.

use std::future::{ready, Ready};

use ::axum::body::Body;
use ::axum::extract::Request;
use ::axum::response::Response;
use ::axum::routing::{any, MethodRouter};
use ::axum::Router;

use super::{MetricsHandler, RegistryRef};

/// A router serving `registry` at `/metrics` (all methods reach the handler,
/// so others get its `405`). Merge it into your app.
pub fn router<S>(registry: impl Into<RegistryRef>) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    router_with(MetricsHandler::new(registry))
}

/// A router serving `handler` (configured with auth, say) at `/metrics`.
pub fn router_with<S>(handler: MetricsHandler) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    Router::new().route("/metrics", method_router(handler))
}

/// `handler` as an axum method router, to mount at a path of your choice:
/// `.route("/internal/metrics", promstrict::http::axum::method_router(handler))`.
pub fn method_router<S>(handler: MetricsHandler) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    any(move |request: Request| serve(&handler, request))
}

fn serve(handler: &MetricsHandler, request: Request) -> Ready<Response> {
    ready(handler.handle(&request).map(Body::from))
}

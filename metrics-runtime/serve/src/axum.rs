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
//! Once a scrape's text has reached 256 KiB, the next ones are streamed:
//! encoded (and compressed) on a blocking thread a few chunks at a time and
//! sent chunked, so a page of any size holds little memory.
//!
//! Add the layer last (with `Router::layer`, which wraps every route and the
//! fallback) so it sees the matched route template; requests that match no
//! route count as `route="unmatched"`. Routes of routers mounted with
//! `Router::nest` carry their whole template (`/api/users/{id}`). A service
//! mounted with `Router::nest_service` is opaque to axum's routing, which
//! gives it no template: wrap it in [`nested`] and its requests count under
//! `<mount path>/{*rest}`.
//!
//! ```
//! # mod promstrict { pub use promstrict_core::*; pub mod http { pub use promstrict_serve::*; } }
//! use axum::Router;
//! use promstrict::http::{self, HttpMetricsLayer};
//! use promstrict::default_registry;
//!
//! let assets = tower::service_fn(|_: axum::extract::Request| async {
//!     Ok::<_, std::convert::Infallible>(axum::response::Response::new(axum::body::Body::empty()))
//! });
//! let app: Router = Router::new()
//!     .nest_service("/static", http::axum::nested(assets))   // route="/static/{*rest}"
//!     .layer(HttpMetricsLayer::new(default_registry())?);
//! # Ok::<(), promstrict::RegistryError>(())
//! ```

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::task::{Context, Poll};

use ::axum::body::Body;
use ::axum::extract::Request;
use ::axum::response::Response;
use ::axum::routing::{any, MethodRouter};
use ::axum::Router;

use super::{MetricsHandler, RegistryRef, RouteTemplate};
use crate::stream;

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

/// Answers a request; a page as large as the last one was worth streaming
/// (256 KiB of text) is encoded on a blocking thread into a few chunks at a
/// time, so a scrape of any size holds little memory and its first bytes
/// leave before its last series is read.
fn serve(handler: &MetricsHandler, request: Request) -> Ready<Response> {
    let planned = handler.plan(request.method(), request.headers());
    if let Some((headers, body)) = stream::start(handler, &planned, || ()) {
        let mut response = Response::new(Body::new(body));
        *response.headers_mut() = headers;
        return ready(response);
    }
    ready(handler.finish(planned).map(Body::from))
}

/// Wraps a service mounted with `Router::nest_service` so that the
/// [`HttpMetricsLayer`](super::HttpMetricsLayer) labels its requests with the
/// mount point's template, `<path>/{*rest}`, instead of `unmatched`.
pub fn nested<S>(service: S) -> Nested<S> {
    Nested { inner: service }
}

/// A service wrapped by [`nested`].
#[derive(Clone, Debug)]
pub struct Nested<S> {
    inner: S,
}

impl<S, B> tower_service::Service<::axum::http::Request<B>> for Nested<S>
where
    S: tower_service::Service<::axum::http::Request<B>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = NestedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: ::axum::http::Request<B>) -> Self::Future {
        // Inside `nest_service`, axum tells the service where it is mounted.
        let template = request
            .extensions()
            .get::<::axum::extract::NestedPath>()
            .map(|path| {
                let path = path.as_str().trim_end_matches('/');
                RouteTemplate::new(format!("{path}/{{*rest}}"))
            });
        NestedFuture {
            inner: self.inner.call(request),
            template,
        }
    }
}

pin_project_lite::pin_project! {
    /// The response future of [`Nested`].
    #[derive(Debug)]
    pub struct NestedFuture<F> {
        #[pin]
        inner: F,
        template: Option<RouteTemplate>,
    }
}

impl<F, E> Future for NestedFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.inner.poll(cx) {
            Poll::Ready(Ok(mut response)) => {
                if let Some(template) = this.template.take() {
                    response.extensions_mut().insert(template);
                }
                Poll::Ready(Ok(response))
            }
            other => other,
        }
    }
}

//! A tower layer recording [`HttpMetrics`] for every request.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use ::http::{Extensions, Request, Response};
use pin_project_lite::pin_project;

use super::recorder::{HttpMethod, HttpMetrics, RequestGuard, Route, RouteTemplate};
use promstrict_core::{Registry, RegistryError};

/// Finds a request's route template in its (or its response's) extensions.
pub type RouteFn = fn(&Extensions) -> Option<&str>;

/// The route template a request carries: a [`RouteTemplate`] extension, or
/// (with the `axum` feature) axum's `MatchedPath`. Never the raw path.
pub fn default_route(extensions: &Extensions) -> Option<&str> {
    if let Some(template) = extensions.get::<RouteTemplate>() {
        return Some(template.as_str());
    }
    #[cfg(feature = "axum")]
    if let Some(path) = extensions.get::<::axum::extract::MatchedPath>() {
        return Some(path.as_str());
    }
    None
}

/// A tower [`Layer`](tower_layer::Layer) recording [`HttpMetrics`]
/// (`http_requests_total`, `http_request_duration_seconds`,
/// `http_requests_in_flight`) for every request through the wrapped service.
///
/// The `route` label is the request's route template as [`default_route`]
/// (or the function given to [`route_from`](Self::route_from)) finds it in
/// the request's extensions, then in the response's; a request with none
/// counts as `unmatched`. With axum, add the layer with `Router::layer` so
/// that it runs after routing and sees `MatchedPath`; the fallback's requests
/// then count as `unmatched`.
///
/// The duration and the in-flight gauge are recorded even when the inner
/// service fails (counted as `5xx`) or the response future is dropped (not
/// counted in `http_requests_total`: there is no status).
///
/// See [`axum`](super::axum) for a complete example.
#[derive(Clone, Debug)]
pub struct HttpMetricsLayer {
    metrics: HttpMetrics,
    route: RouteFn,
}

impl HttpMetricsLayer {
    /// Registers [`HttpMetrics`] in `registry` (`Err` if they are already
    /// there) and returns a layer recording into them.
    pub fn new(registry: &Registry) -> Result<Self, RegistryError> {
        HttpMetrics::register(registry).map(Self::from_metrics)
    }

    /// A layer recording into already registered metrics (custom buckets,
    /// several layers sharing one set).
    pub fn from_metrics(metrics: HttpMetrics) -> Self {
        HttpMetricsLayer {
            metrics,
            route: default_route,
        }
    }

    /// Reads the route template with `route` instead of [`default_route`].
    /// Return a template, never a raw path: every distinct value is a series
    /// (at most 256 are kept, the rest count as `overflow`).
    pub fn route_from(mut self, route: RouteFn) -> Self {
        self.route = route;
        self
    }

    /// The metrics recorded into.
    pub fn metrics(&self) -> &HttpMetrics {
        &self.metrics
    }
}

impl<S> tower_layer::Layer<S> for HttpMetricsLayer {
    type Service = HttpMetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HttpMetricsService {
            inner,
            metrics: self.metrics.clone(),
            route: self.route,
        }
    }
}

/// The service [`HttpMetricsLayer`] wraps around an inner one.
#[derive(Clone, Debug)]
pub struct HttpMetricsService<S> {
    inner: S,
    metrics: HttpMetrics,
    route: RouteFn,
}

impl<S, ReqBody, ResBody> tower_service::Service<Request<ReqBody>> for HttpMetricsService<S>
where
    S: tower_service::Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let mut guard = self.metrics.start(HttpMethod::from(request.method()));
        if let Some(route) = (self.route)(request.extensions()) {
            guard.set_route(Route::new(route));
        }
        ResponseFuture {
            inner: self.inner.call(request),
            guard: Some(guard),
            route: self.route,
        }
    }
}

pin_project! {
    /// The response future of [`HttpMetricsService`]: records the request
    /// when the inner future completes, or when it is dropped.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        guard: Option<RequestGuard>,
        route: RouteFn,
    }
}

impl<F, ResBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if let Some(mut guard) = this.guard.take() {
            match &result {
                Ok(response) => {
                    if guard.route().is_none() {
                        if let Some(route) = (this.route)(response.extensions()) {
                            guard.set_route(Route::new(route));
                        }
                    }
                    guard.finish(response.status().as_u16());
                }
                // The server turns a service error into a failed response.
                Err(_) => guard.finish(500),
            }
        }
        Poll::Ready(result)
    }
}

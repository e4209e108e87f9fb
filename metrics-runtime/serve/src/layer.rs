//! A tower layer recording [`HttpMetrics`] for every request.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use ::http::{Extensions, Request, Response};
use bytes::Buf;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

use super::recorder::{
    record_body, BodyPoll, HttpMethod, HttpMetrics, RequestGuard, Route, RouteTemplate,
};
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
/// `http_response_first_byte_seconds`, `http_request_body_size_bytes`,
/// `http_response_body_size_bytes`, `http_requests_in_flight`) for every
/// request through the wrapped service.
///
/// The `route` label is the request's route template as [`default_route`]
/// (or the function given to [`route_from`](Self::route_from)) finds it in
/// the request's extensions, then in the response's; a request with none
/// counts as `unmatched`. With axum, add the layer with `Router::layer` so
/// that it runs after routing and sees `MatchedPath`; the fallback's requests
/// then count as `unmatched`.
///
/// The request is recorded when its response body ends, not when the
/// response head is ready: a streamed response (a chat completion sent token
/// by token) is timed to its last byte, and the time to its first byte is
/// recorded on its own. The request body is wrapped in a [`RequestBody`]
/// counting the bytes the service reads, the response body in a
/// [`ResponseBody`] recording the request when it ends. A response dropped
/// before its end (the client disconnected mid-stream, or the response
/// future was dropped) counts as `status="aborted"`; a service error as
/// `5xx`. Either way the duration is recorded and the request leaves the
/// in-flight gauge exactly once.
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
    S: tower_service::Service<Request<RequestBody<ReqBody>>, Response = Response<ResBody>>,
    ResBody: Body,
{
    type Response = Response<ResponseBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let method = HttpMethod::from(request.method());
        let mut guard = self.metrics.start(method);
        if let Some(route) = (self.route)(request.extensions()) {
            guard.set_route(Route::new(route));
        }
        let read = guard.request_bytes_counter();
        let request = request.map(|inner| RequestBody { inner, read });
        ResponseFuture {
            inner: self.inner.call(request),
            guard: Some(guard),
            route: self.route,
            head: method == HttpMethod::Head,
        }
    }
}

pin_project! {
    /// The response future of [`HttpMetricsService`]: hands the request's
    /// recording to the response body when the inner future completes; if it
    /// is dropped first, records the request as `aborted`.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        guard: Option<RequestGuard>,
        route: RouteFn,
        head: bool,
    }
}

impl<F, ResBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: Body,
{
    type Output = Result<Response<ResponseBody<ResBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        let Some(mut guard) = this.guard.take() else {
            // Polled again after completion: the inner future's answer,
            // recorded nowhere (it was recorded the first time).
            return Poll::Ready(result.map(|response| response.map(ResponseBody::unrecorded)));
        };
        match result {
            Ok(response) => {
                if guard.route().is_none() {
                    if let Some(route) = (this.route)(response.extensions()) {
                        guard.set_route(Route::new(route));
                    }
                }
                let status = response.status();
                guard.respond(status.as_u16());
                guard.add_response_bytes(0);
                // No body is sent for these: the server drops it unread.
                let bodiless = *this.head
                    || status.is_informational()
                    || status == ::http::StatusCode::NO_CONTENT
                    || status == ::http::StatusCode::NOT_MODIFIED;
                Poll::Ready(Ok(response.map(|body| {
                    if bodiless || body.is_end_stream() {
                        guard.complete();
                        ResponseBody::unrecorded(body)
                    } else {
                        ResponseBody::recorded(body, guard)
                    }
                })))
            }
            Err(error) => {
                // The server turns a service error into a failed response.
                guard.finish(500);
                Poll::Ready(Err(error))
            }
        }
    }
}

pin_project! {
    /// A request body counting the bytes the service reads, for
    /// `http_request_body_size_bytes`.
    #[derive(Debug)]
    pub struct RequestBody<B> {
        #[pin]
        inner: B,
        read: Arc<AtomicU64>,
    }
}

impl<B> RequestBody<B> {
    /// The wrapped body.
    pub fn into_inner(self) -> B {
        self.inner
    }
}

impl<B: Body> Body for RequestBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        if let Some(Ok(frame)) = &frame {
            if let Some(data) = frame.data_ref() {
                this.read
                    .fetch_add(data.remaining() as u64, Ordering::Relaxed);
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

pin_project! {
    /// A response body recording its request when it ends: the duration
    /// until its last frame (so a streamed response counts its whole
    /// stream), the time to its first byte when its length was not known up
    /// front (a streamed response), and its size. Dropped before its end
    /// (the client went away), it records the request as `aborted`; a body
    /// error records it as `5xx`.
    pub struct ResponseBody<B> {
        #[pin]
        inner: B,
        guard: Option<RequestGuard>,
        streamed: bool,
    }
}

impl<B: fmt::Debug> fmt::Debug for ResponseBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseBody")
            .field("inner", &self.inner)
            .field("recording", &self.guard.is_some())
            .finish()
    }
}

impl<B: Body> ResponseBody<B> {
    fn recorded(inner: B, guard: RequestGuard) -> Self {
        let streamed = inner.size_hint().exact().is_none();
        ResponseBody {
            inner,
            guard: Some(guard),
            streamed,
        }
    }

    fn unrecorded(inner: B) -> Self {
        ResponseBody {
            inner,
            guard: None,
            streamed: false,
        }
    }
}

impl<B: Body> Body for ResponseBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        let frame = ready!(this.inner.as_mut().poll_frame(cx));
        let poll = match &frame {
            Some(Ok(frame)) => BodyPoll::Data(frame.data_ref().map_or(0, |data| data.remaining())),
            Some(Err(_)) => BodyPoll::Failed,
            None => BodyPoll::Ended,
        };
        record_body(this.guard, *this.streamed, poll);
        // A server stops polling once the body says it has ended.
        if this.inner.is_end_stream() {
            if let Some(guard) = this.guard.take() {
                guard.complete();
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

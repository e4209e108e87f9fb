//! actix-web: `/metrics` as a service config, request metrics as a middleware.
//!
//! ```no_run
//! # mod promstrict { pub use promstrict_core::*; pub mod http { pub use promstrict_serve::*; } #[cfg(feature = "exporter")] pub use promstrict_serve::exporter::Exporter; }
//! use actix_web::{web, App, HttpServer};
//! use promstrict::default_registry;
//! use promstrict::http::actix::{configure, HttpMetricsMiddleware};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let http_metrics = HttpMetricsMiddleware::new(default_registry())?;  // register once
//! HttpServer::new(move || {
//!     App::new()
//!         .route("/users/{id}", web::get().to(|| async { "user" }))
//!         .configure(configure(default_registry()))                   // GET /metrics
//!         .wrap(http_metrics.clone())                                 // http_requests_total, …
//! })
//! .bind(("127.0.0.1", 8080))?
//! .run()
//! .await?;
//! # Ok(())
//! # }
//! ```
//!
//! The `route` label is the matched resource pattern (`/users/{id}`,
//! `HttpRequest::match_pattern`), `unmatched` for requests no resource
//! matches.

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use ::actix_web::body::{BodySize, MessageBody};
use ::actix_web::dev::{
    forward_ready, Payload, Service, ServiceRequest, ServiceResponse, Transform,
};
use ::actix_web::web::Bytes;
use ::actix_web::web::{self, ServiceConfig};
use ::actix_web::HttpMessage;
use ::actix_web::{HttpRequest, HttpResponse, Resource};
use ::http::header::{self, HeaderMap, HeaderValue};
use ::http::Method;

use super::recorder::{record_body, BodyPoll};
use super::{HttpMethod, HttpMetrics, MetricsHandler, RegistryRef, RequestGuard, Route};
use promstrict_core::{Registry, RegistryError};

/// Registers `GET /metrics` serving `registry`:
/// `App::new().configure(configure(default_registry()))`.
pub fn configure(registry: impl Into<RegistryRef>) -> impl FnOnce(&mut ServiceConfig) {
    configure_with(MetricsHandler::new(registry))
}

/// Registers `/metrics` serving `handler` (configured with auth, say).
pub fn configure_with(handler: MetricsHandler) -> impl FnOnce(&mut ServiceConfig) {
    move |config| {
        config.service(resource(handler));
    }
}

/// `handler` as a resource at `/metrics` answering every method (others than
/// `GET`/`HEAD` get its `405`).
pub fn resource(handler: MetricsHandler) -> Resource {
    web::resource("/metrics")
        .route(web::route().to(move |request: HttpRequest| ready(respond(&handler, &request))))
}

/// The handler's answer to an actix-web request. Once a scrape's page has
/// reached 256 KiB, the next ones are streamed: encoded (and compressed) on
/// a blocking thread a few chunks at a time and sent chunked.
pub fn respond(handler: &MetricsHandler, request: &HttpRequest) -> HttpResponse {
    // actix-web 4 is built on the `http` 0.2 types: copy the three headers the
    // handler reads. A HEAD request is answered as a GET; actix-web sends the
    // headers, Content-Length included, without the body.
    let method = match request.method().as_str() {
        "GET" | "HEAD" => Method::GET,
        // Any method token actix-web accepted is a valid one here too.
        other => Method::from_bytes(other.as_bytes()).unwrap_or(Method::POST),
    };
    let mut headers = HeaderMap::new();
    for name in [
        header::ACCEPT,
        header::ACCEPT_ENCODING,
        header::AUTHORIZATION,
    ] {
        for value in request.headers().get_all(name.as_str()) {
            if let Ok(value) = HeaderValue::from_bytes(value.as_bytes()) {
                headers.append(name.clone(), value);
            }
        }
    }
    let planned = handler.plan(&method, &headers);
    // A large page is streamed (HEAD, answered as a GET, never is).
    if request.method() != ::actix_web::http::Method::HEAD {
        if let Some((headers, body)) = crate::stream::start(handler, &planned, || ()) {
            let mut builder = HttpResponse::Ok();
            for (name, value) in &headers {
                builder.insert_header((name.as_str(), value.as_bytes()));
            }
            return builder.streaming(body);
        }
    }
    let response = handler.finish(planned);
    let status = ::actix_web::http::StatusCode::from_u16(response.status().as_u16())
        .expect("the handler only answers with valid status codes");
    let mut builder = HttpResponse::build(status);
    for (name, value) in response.headers() {
        // actix-web writes Content-Length from the body itself.
        if name != header::CONTENT_LENGTH {
            builder.insert_header((name.as_str(), value.as_bytes()));
        }
    }
    builder.body(response.into_body())
}

/// An actix-web middleware recording [`HttpMetrics`] for every request
/// (`App::wrap`). Clone it into the `HttpServer` factory: the metrics are
/// registered once, not per worker.
#[derive(Clone, Debug)]
pub struct HttpMetricsMiddleware {
    metrics: HttpMetrics,
}

impl HttpMetricsMiddleware {
    /// Registers [`HttpMetrics`] in `registry` (`Err` if already there).
    pub fn new(registry: &Registry) -> Result<Self, RegistryError> {
        HttpMetrics::register(registry).map(Self::from_metrics)
    }

    /// Records into already registered metrics.
    pub fn from_metrics(metrics: HttpMetrics) -> Self {
        HttpMetricsMiddleware { metrics }
    }

    /// The metrics recorded into.
    pub fn metrics(&self) -> &HttpMetrics {
        &self.metrics
    }
}

impl<S, B> Transform<S, ServiceRequest> for HttpMetricsMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = ::actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<MeteredBody<B>>;
    type Error = ::actix_web::Error;
    type Transform = HttpMetricsService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(HttpMetricsService {
            service,
            metrics: self.metrics.clone(),
        }))
    }
}

/// The service [`HttpMetricsMiddleware`] wraps around the app.
#[derive(Debug)]
pub struct HttpMetricsService<S> {
    service: S,
    metrics: HttpMetrics,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl<S, B> Service<ServiceRequest> for HttpMetricsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = ::actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<MeteredBody<B>>;
    type Error = ::actix_web::Error;
    type Future = BoxFuture<Result<ServiceResponse<MeteredBody<B>>, ::actix_web::Error>>;

    forward_ready!(service);

    fn call(&self, mut request: ServiceRequest) -> Self::Future {
        let head = request.method() == ::actix_web::http::Method::HEAD;
        let mut guard = self
            .metrics
            .start(HttpMethod::parse(request.method().as_str()));
        // The resource map resolves the pattern before routing has run.
        let route = request
            .match_pattern()
            .map_or_else(Route::unmatched, |pattern| Route::new(&pattern));
        guard.set_route(route);
        // Count the request body's bytes as the app reads them.
        let read = guard.request_bytes_counter();
        let payload = request.take_payload();
        let counted: BoxedPayload = Box::pin(CountedPayload {
            inner: payload,
            read,
        });
        request.set_payload(Payload::from(counted));
        let response = self.service.call(request);
        Box::pin(async move {
            match response.await {
                Ok(response) => {
                    let status = response.status();
                    guard.respond(status.as_u16());
                    guard.add_response_bytes(0);
                    Ok(response.map_body(|_, body| {
                        let bodiless = head
                            || status.is_informational()
                            || status == ::actix_web::http::StatusCode::NO_CONTENT
                            || status == ::actix_web::http::StatusCode::NOT_MODIFIED;
                        MeteredBody::new(body, guard, bodiless)
                    }))
                }
                Err(error) => {
                    guard.finish(error.as_response_error().status_code().as_u16());
                    Err(error)
                }
            }
        })
    }
}

/// actix-http's boxed payload stream.
type BoxedPayload =
    Pin<Box<dyn futures_core::Stream<Item = Result<Bytes, ::actix_web::error::PayloadError>>>>;

pin_project_lite::pin_project! {
    struct CountedPayload {
        #[pin]
        inner: Payload,
        read: Arc<AtomicU64>,
    }
}

impl futures_core::Stream for CountedPayload {
    type Item = Result<Bytes, ::actix_web::error::PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.project();
        let item = std::task::ready!(this.inner.poll_next(cx));
        if let Some(Ok(bytes)) = &item {
            this.read.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        }
        Poll::Ready(item)
    }
}

pin_project_lite::pin_project! {
    /// A response body recording its request when it ends, as the tower
    /// layer's `ResponseBody` does: the duration to
    /// its last chunk, the time to the first byte of a streamed body (one
    /// without a known size), its size, and `aborted` if it is dropped
    /// before its end.
    pub struct MeteredBody<B> {
        #[pin]
        inner: B,
        guard: Option<RequestGuard>,
        streamed: bool,
    }
}

impl<B: MessageBody> MeteredBody<B> {
    fn new(inner: B, guard: RequestGuard, bodiless: bool) -> Self {
        let size = inner.size();
        let ended = bodiless || matches!(size, BodySize::None | BodySize::Sized(0));
        if ended {
            guard.complete();
            return MeteredBody {
                inner,
                guard: None,
                streamed: false,
            };
        }
        MeteredBody {
            streamed: matches!(size, BodySize::Stream),
            inner,
            guard: Some(guard),
        }
    }
}

impl<B: std::fmt::Debug> std::fmt::Debug for MeteredBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MeteredBody")
            .field("inner", &self.inner)
            .field("recording", &self.guard.is_some())
            .finish()
    }
}

impl<B: MessageBody> MessageBody for MeteredBody<B> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        self.inner.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.project();
        let chunk = std::task::ready!(this.inner.poll_next(cx));
        let poll = match &chunk {
            Some(Ok(bytes)) => BodyPoll::Data(bytes.len()),
            Some(Err(_)) => BodyPoll::Failed,
            None => BodyPoll::Ended,
        };
        record_body(this.guard, *this.streamed, poll);
        Poll::Ready(chunk)
    }
}

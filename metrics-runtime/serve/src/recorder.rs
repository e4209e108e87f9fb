//! The HTTP request metrics every service should have, with closed-set
//! labels: the method as one of eight values, the status as its class, and the
//! route as its template (`/users/{id}`), never the raw path.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::relabel::{self, Relabelled};
use promstrict_core::{
    Buckets, Counter, Descriptor, Family, Gauge, Histogram, LabelSet, LabelValue, MetricGroup,
    Registry, RegistryError,
};

/// A request method as a label value: `get`, `post`, `put`, `delete`,
/// `patch`, `head`, `options`, or `other` for every other method (so a client
/// inventing methods cannot add series).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PUT`
    Put,
    /// `DELETE`
    Delete,
    /// `PATCH`
    Patch,
    /// `HEAD`
    Head,
    /// `OPTIONS`
    Options,
    /// Any other method.
    Other,
}

impl HttpMethod {
    /// The label value for a method token (case-sensitive, as methods are).
    pub fn parse(method: &str) -> Self {
        match method {
            "GET" => HttpMethod::Get,
            "POST" => HttpMethod::Post,
            "PUT" => HttpMethod::Put,
            "DELETE" => HttpMethod::Delete,
            "PATCH" => HttpMethod::Patch,
            "HEAD" => HttpMethod::Head,
            "OPTIONS" => HttpMethod::Options,
            _ => HttpMethod::Other,
        }
    }
}

impl From<&::http::Method> for HttpMethod {
    fn from(method: &::http::Method) -> Self {
        HttpMethod::parse(method.as_str())
    }
}

promstrict_core::__impl_label_value!(
    HttpMethod,
    ["get", "post", "put", "delete", "patch", "head", "options", "other"]
);

/// A response status as its class: `1xx` … `5xx`, or `aborted` for an
/// exchange that never completed: the client went away (or the response was
/// dropped) before the whole response was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StatusClass {
    /// `1xx`
    Informational,
    /// `2xx`
    Success,
    /// `3xx`
    Redirection,
    /// `4xx`
    ClientError,
    /// `5xx` (and anything at 600 or above, which no valid response uses)
    ServerError,
    /// `aborted`: the response (head or body) was dropped before its end,
    /// as when the client disconnects mid-stream.
    Aborted,
}

impl StatusClass {
    /// The class of a status code.
    pub fn from_code(code: u16) -> Self {
        match code {
            0..=199 => StatusClass::Informational,
            200..=299 => StatusClass::Success,
            300..=399 => StatusClass::Redirection,
            400..=499 => StatusClass::ClientError,
            _ => StatusClass::ServerError,
        }
    }
}

promstrict_core::__impl_label_value!(StatusClass, ["1xx", "2xx", "3xx", "4xx", "5xx", "aborted"]);

promstrict_core::bounded_label! {
    /// A route template (`/users/{id}`) as a label value. At most 256
    /// templates are kept per process; later ones are counted as `overflow`.
    /// Requests that matched no route are counted as [`Route::unmatched`].
    pub struct Route { max: 256, overflow: "overflow" }
}

impl Route {
    /// The value of requests that matched no route.
    pub const UNMATCHED: &'static str = "unmatched";

    /// The route of requests that matched no route (`unmatched`).
    pub fn unmatched() -> Self {
        static UNMATCHED: OnceLock<Route> = OnceLock::new();
        *UNMATCHED.get_or_init(|| Route::new(Route::UNMATCHED))
    }
}

/// The route template of a request, for frameworks whose router the
/// [layer](super::HttpMetricsLayer) cannot read: a router (or a middleware
/// that knows the route) inserts it into the request's or the response's
/// extensions.
///
/// ```
/// # mod promstrict { pub use promstrict_core::*; pub mod http { pub use promstrict_serve::*; } #[cfg(feature = "exporter")] pub use promstrict_serve::exporter::Exporter; }
/// use promstrict::http::RouteTemplate;
///
/// let mut request = http::Request::get("/users/42").body(()).unwrap();
/// request.extensions_mut().insert(RouteTemplate::new("/users/{id}"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteTemplate(Cow<'static, str>);

impl RouteTemplate {
    /// A route template.
    pub fn new(template: impl Into<Cow<'static, str>>) -> Self {
        RouteTemplate(template.into())
    }

    /// The template.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels {
    method: HttpMethod,
    route: Route,
    status: StatusClass,
}

#[derive(Clone, Copy, LabelSet)]
struct RouteLabels {
    method: HttpMethod,
    route: Route,
}

struct Families {
    requests: Family<RequestLabels, Counter>,
    duration: Family<RouteLabels, Histogram>,
    first_byte: Family<RouteLabels, Histogram>,
    request_size: Family<RouteLabels, Histogram>,
    response_size: Family<RouteLabels, Histogram>,
    in_flight: Gauge,
}

/// What one finished request records.
struct Finished {
    method: HttpMethod,
    route: Route,
    status: StatusClass,
    seconds: f64,
    request_bytes: Option<u64>,
    response_bytes: Option<u64>,
}

impl Families {
    /// Records a finished request: its count, duration and body sizes; the
    /// current trace (if an exemplar source gives one) is the exemplar of the
    /// count and the duration.
    fn finish(&self, done: Finished) {
        let exemplar = promstrict_core::current_exemplar();
        let Finished {
            method,
            route,
            status,
            seconds,
            request_bytes,
            response_bytes,
        } = done;
        let duration = self.duration.labels(RouteLabels { method, route });
        match &exemplar {
            None => duration.observe(seconds),
            Some(ex) => duration.observe_with_exemplar(seconds, ex),
        }
        if let Some(bytes) = request_bytes {
            self.request_size
                .labels(RouteLabels { method, route })
                .observe(bytes as f64);
        }
        if let Some(bytes) = response_bytes {
            self.response_size
                .labels(RouteLabels { method, route })
                .observe(bytes as f64);
        }
        let requests = self.requests.labels(RequestLabels {
            method,
            route,
            status,
        });
        match &exemplar {
            None => {
                requests.inc();
            }
            Some(ex) => {
                requests.inc_with_exemplar(ex);
            }
        }
    }
}

/// The HTTP server metrics, registered in a [`Registry`]:
///
/// - `http_requests_total{method, route, status}` (counter): requests, by
///   method, route template and status class, or `status="aborted"` when the
///   response was dropped before its end (the client disconnected
///   mid-stream, say);
/// - `http_request_duration_seconds{method, route}` (histogram): time from
///   the request reaching the middleware to the end of the response body
///   (or to its drop), so a streamed response counts its whole stream;
/// - `http_response_first_byte_seconds{method, route}` (histogram): time to
///   the first byte of the response body, for streamed responses (bodies
///   whose length is not known up front);
/// - `http_request_body_size_bytes{method, route}` and
///   `http_response_body_size_bytes{method, route}` (histograms): the bytes
///   of the request body the service read and of the response body sent;
/// - `http_requests_in_flight` (gauge): requests whose response has not
///   ended yet.
///
/// The [tower layer](super::HttpMetricsLayer) and the
/// [actix-web middleware](super::actix::HttpMetricsMiddleware) record into it;
/// for another framework, call [`HttpMetrics::start`] per request.
///
/// ```
/// # mod promstrict { pub use promstrict_core::*; pub mod http { pub use promstrict_serve::*; } #[cfg(feature = "exporter")] pub use promstrict_serve::exporter::Exporter; }
/// use promstrict::http::{HttpMethod, HttpMetrics, Route};
/// use promstrict::{Format, Registry};
///
/// let registry = Registry::new();
/// let metrics = HttpMetrics::register(&registry)?;
/// assert!(HttpMetrics::register(&registry).is_err()); // already registered
///
/// let mut request = metrics.start(HttpMethod::Get);
/// request.set_route(Route::new("/users/{id}"));
/// request.finish(200);
/// let mut streamed = metrics.start(HttpMethod::Get);
/// streamed.set_route(Route::new("/chat"));
/// streamed.respond(200); // the head is sent, the body streams …
/// drop(streamed);        // … and the client goes away before its end
/// let text = registry.encode(Format::Prometheus);
/// assert!(text.contains(r#"http_requests_total{method="get",route="/users/{id}",status="2xx"} 1"#));
/// assert!(text.contains(r#"http_requests_total{method="get",route="/chat",status="aborted"} 1"#));
/// assert!(text.contains("http_requests_in_flight 0"));
/// # Ok::<(), promstrict::RegistryError>(())
/// ```
#[derive(Clone)]
pub struct HttpMetrics {
    families: Arc<Families>,
}

impl fmt::Debug for HttpMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpMetrics")
            .field("requests", &self.families.requests)
            .field("in_flight", &self.families.in_flight.get())
            .finish()
    }
}

impl HttpMetrics {
    /// The latency buckets used by [`HttpMetrics::register`], in seconds.
    pub const DEFAULT_BUCKETS: &'static [f64] = &[0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0];

    /// The body size buckets, in bytes: 64 B to 16 MiB by factors of 4.
    pub const SIZE_BUCKETS: &'static [f64] = &[
        64.0,
        256.0,
        1024.0,
        4096.0,
        16384.0,
        65536.0,
        262_144.0,
        1_048_576.0,
        4_194_304.0,
        16_777_216.0,
    ];

    /// Registers the metrics in `registry` with [`DEFAULT_BUCKETS`](Self::DEFAULT_BUCKETS).
    /// `Err` (and nothing registered) if any of the names is taken.
    pub fn register(registry: &Registry) -> Result<Self, RegistryError> {
        Self::builder().register(registry)
    }

    /// Registers the metrics in `registry`, with `buckets` for the latency
    /// histograms (duration and time to first byte).
    pub fn register_with_buckets(
        registry: &Registry,
        buckets: Buckets,
    ) -> Result<Self, RegistryError> {
        Self::builder().buckets(buckets).register(registry)
    }

    /// Other buckets or label names than the defaults:
    ///
    /// ```
    /// # mod promstrict { pub use promstrict_core::*; pub mod http { pub use promstrict_serve::*; } }
    /// use promstrict::http::{HttpMethod, HttpMetrics, Route};
    /// use promstrict::{Format, Registry};
    ///
    /// let registry = Registry::new();
    /// let metrics = HttpMetrics::builder()
    ///     .route_label("path")
    ///     .status_label("code")
    ///     .register(&registry)?;
    /// let mut request = metrics.start(HttpMethod::Get);
    /// request.set_route(Route::new("/users/{id}"));
    /// request.finish(200);
    /// let text = registry.encode(Format::Prometheus);
    /// assert!(text.contains(r#"http_requests_total{method="get",path="/users/{id}",code="2xx"} 1"#));
    ///
    /// // Names are checked against the rule book, as at compile time.
    /// let err = HttpMetrics::builder().route_label("__path").register(&Registry::new());
    /// assert!(err.unwrap_err().to_string().contains("__path"));
    /// # Ok::<(), promstrict::RegistryError>(())
    /// ```
    pub fn builder() -> HttpMetricsBuilder {
        HttpMetricsBuilder {
            buckets: Buckets::new(Self::DEFAULT_BUCKETS).expect("valid default buckets"),
            method: Cow::Borrowed("method"),
            route: Cow::Borrowed("route"),
            status: Cow::Borrowed("status"),
        }
    }

    /// Starts recording a request: counts it in flight until the returned
    /// guard is finished or dropped.
    pub fn start(&self, method: HttpMethod) -> RequestGuard {
        self.families.in_flight.inc();
        RequestGuard {
            metrics: self.clone(),
            method,
            route: None,
            status: None,
            completed: false,
            first_byte_recorded: false,
            request_bytes: None,
            response_bytes: None,
            start: Instant::now(),
        }
    }

    /// Records a finished request in one call (for code that timed it itself).
    /// With an [exemplar source](promstrict_core::set_exemplar_source) set,
    /// the current trace becomes the exemplar of both series.
    pub fn record(&self, method: HttpMethod, route: Route, status: u16, duration: Duration) {
        self.families.finish(Finished {
            method,
            route,
            status: StatusClass::from_code(status),
            seconds: duration.as_secs_f64(),
            request_bytes: None,
            response_bytes: None,
        });
    }

    /// Requests being handled now.
    pub fn in_flight(&self) -> i64 {
        self.families.in_flight.get()
    }
}

/// How [`HttpMetrics`] are registered ([`HttpMetrics::builder`]): the
/// latency buckets and the names of the three labels.
#[derive(Clone, Debug)]
pub struct HttpMetricsBuilder {
    buckets: Buckets,
    method: Cow<'static, str>,
    route: Cow<'static, str>,
    status: Cow<'static, str>,
}

impl HttpMetricsBuilder {
    /// The buckets of the latency histograms (duration and time to first
    /// byte), in seconds; [`HttpMetrics::DEFAULT_BUCKETS`] by default.
    pub fn buckets(mut self, buckets: Buckets) -> Self {
        self.buckets = buckets;
        self
    }

    /// The name of the method label (`method` by default).
    pub fn method_label(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.method = name.into();
        self
    }

    /// The name of the route template label (`route` by default; `path`,
    /// say, to match other services' dashboards).
    pub fn route_label(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.route = name.into();
        self
    }

    /// The name of the status class label (`status` by default). The
    /// generated `HighErrorRate` alert looks for a label named `status`.
    pub fn status_label(mut self, name: impl Into<Cow<'static, str>>) -> Self {
        self.status = name.into();
        self
    }

    /// Registers the metrics in `registry`. `Err` (and nothing registered)
    /// if a name is taken, or a label name breaks the rule book (with its
    /// message) or is used twice.
    pub fn register(&self, registry: &Registry) -> Result<HttpMetrics, RegistryError> {
        let request_labels = relabel::renamed(
            <RequestLabels as LabelSet>::LABELS,
            &[&self.method, &self.route, &self.status],
        )?;
        let route_labels = relabel::renamed(
            <RouteLabels as LabelSet>::LABELS,
            &[&self.method, &self.route],
        )?;
        // Reserve the `unmatched` slot before any route can take the last one.
        Route::unmatched();
        let sizes = Buckets::new(HttpMetrics::SIZE_BUCKETS).expect("valid size buckets");
        let families = Families {
            requests: Family::default(),
            duration: Family::with_options(self.buckets.clone()),
            first_byte: Family::with_options(self.buckets.clone()),
            request_size: Family::with_options(sizes.clone()),
            response_size: Family::with_options(sizes),
            in_flight: Gauge::new(),
        };
        const OWNER: &str = "the HTTP layer (`http::HttpMetrics`)";
        // A generated dashboard's row.
        const GROUP: &str = "HttpMetrics";
        let descriptor = |name, help| Descriptor::new(name, help).owner(OWNER).group(GROUP);
        let by_route = |family: &Family<RouteLabels, Histogram>| Relabelled {
            inner: family.clone(),
            labels: route_labels,
        };
        let mut group = MetricGroup::new();
        group
            .add(
                descriptor(
                    "http_requests_total",
                    "HTTP requests, by method, route template and status class (aborted: the response was dropped before its end).",
                ),
                &Relabelled {
                    inner: families.requests.clone(),
                    labels: request_labels,
                },
            )
            .add(
                descriptor(
                    "http_request_duration_seconds",
                    "Time to answer an HTTP request, until the end of the response body, by method and route template.",
                ),
                &by_route(&families.duration),
            )
            .add(
                descriptor(
                    "http_response_first_byte_seconds",
                    "Time to the first byte of a streamed HTTP response body, by method and route template.",
                ),
                &by_route(&families.first_byte),
            )
            .add(
                descriptor(
                    "http_request_body_size_bytes",
                    "Bytes of HTTP request bodies read, by method and route template.",
                ),
                &by_route(&families.request_size),
            )
            .add(
                descriptor(
                    "http_response_body_size_bytes",
                    "Bytes of HTTP response bodies sent, by method and route template.",
                ),
                &by_route(&families.response_size),
            )
            .add(
                descriptor(
                    "http_requests_in_flight",
                    "HTTP requests whose response has not ended yet.",
                ),
                &families.in_flight,
            );
        registry.register_group(group)?;
        Ok(HttpMetrics {
            families: Arc::new(families),
        })
    }
}

/// One request being recorded, from its arrival to the end of its response.
///
/// [`respond`](Self::respond) notes the status when the response head is
/// ready; [`complete`](Self::complete) (or [`finish`](Self::finish), both in
/// one) records the request when the response body has ended: its count,
/// duration, body sizes and the end of its flight. Dropping the guard before
/// that (the response future or body was dropped, the client went away, the
/// handler panicked) records it with `status="aborted"`, its duration until
/// the drop, and ends its flight all the same. A request without a route
/// counts as [`Route::unmatched`].
#[must_use = "a request is recorded when its guard is finished or dropped"]
pub struct RequestGuard {
    metrics: HttpMetrics,
    method: HttpMethod,
    route: Option<Route>,
    status: Option<StatusClass>,
    completed: bool,
    first_byte_recorded: bool,
    request_bytes: Option<Arc<AtomicU64>>,
    response_bytes: Option<u64>,
    start: Instant,
}

impl fmt::Debug for RequestGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestGuard")
            .field("method", &self.method)
            .field("route", &self.route.map(Route::as_str))
            .field("status", &self.status)
            .field("elapsed", &self.start.elapsed())
            .finish()
    }
}

impl RequestGuard {
    /// Sets the route template.
    pub fn set_route(&mut self, route: Route) {
        self.route = Some(route);
    }

    /// The route template, if set.
    pub fn route(&self) -> Option<Route> {
        self.route
    }

    /// Notes the response's status, its head being ready; the request is
    /// recorded when [completed](Self::complete) (or dropped: aborted).
    pub fn respond(&mut self, status: u16) {
        self.status = Some(StatusClass::from_code(status));
    }

    /// Records the time to the first byte of the response body (once; later
    /// calls do nothing).
    pub fn first_byte(&mut self) {
        if !self.first_byte_recorded {
            self.first_byte_recorded = true;
            let route = self.route.unwrap_or_else(Route::unmatched);
            self.metrics
                .families
                .first_byte
                .labels(RouteLabels {
                    method: self.method,
                    route,
                })
                .observe(self.start.elapsed().as_secs_f64());
        }
    }

    /// Adds `bytes` to the response body's size (recorded when the request is).
    pub fn add_response_bytes(&mut self, bytes: u64) {
        let total = self.response_bytes.get_or_insert(0);
        *total = total.saturating_add(bytes);
    }

    /// Adds `bytes` to the request body's size (recorded when the request is).
    pub fn add_request_bytes(&mut self, bytes: u64) {
        self.request_bytes_counter()
            .fetch_add(bytes, Ordering::Relaxed);
    }

    /// The request body's byte counter, for a body wrapper that counts what
    /// the service reads while the guard waits for the response.
    pub(crate) fn request_bytes_counter(&mut self) -> Arc<AtomicU64> {
        Arc::clone(
            self.request_bytes
                .get_or_insert_with(|| Arc::new(AtomicU64::new(0))),
        )
    }

    /// Records the request as completed with the status given to
    /// [`respond`](Self::respond) (`5xx` if none was).
    pub fn complete(mut self) {
        if self.status.is_none() {
            self.status = Some(StatusClass::ServerError);
        }
        self.completed = true;
    }

    /// Records the request as answered with `status` and completed.
    pub fn finish(mut self, status: u16) {
        self.respond(status);
        self.complete();
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let status = match self.status {
            Some(status) if self.completed => status,
            _ => StatusClass::Aborted,
        };
        self.metrics.families.finish(Finished {
            method: self.method,
            route: self.route.unwrap_or_else(Route::unmatched),
            status,
            seconds: self.start.elapsed().as_secs_f64(),
            request_bytes: self
                .request_bytes
                .as_ref()
                .map(|bytes| bytes.load(Ordering::Relaxed)),
            response_bytes: self.response_bytes,
        });
        self.metrics.families.in_flight.dec();
    }
}

/// What a response body yielded, for its request's guard.
#[cfg(any(feature = "tower", feature = "actix-web"))]
pub(crate) enum BodyPoll {
    /// A chunk of this many bytes.
    Data(usize),
    /// An error: the response failed.
    Failed,
    /// The end of the body.
    Ended,
}

/// Records what a response body yielded on its request's guard: the bytes
/// (and the first byte, for a streamed body), or the request's end (a
/// failed body is a `500`), which takes the guard.
#[cfg(any(feature = "tower", feature = "actix-web"))]
pub(crate) fn record_body(guard: &mut Option<RequestGuard>, streamed: bool, poll: BodyPoll) {
    match poll {
        BodyPoll::Data(0) => {}
        BodyPoll::Data(bytes) => {
            if let Some(guard) = guard {
                if streamed {
                    guard.first_byte();
                }
                guard.add_response_bytes(bytes as u64);
            }
        }
        BodyPoll::Failed => {
            if let Some(guard) = guard.take() {
                guard.finish(500);
            }
        }
        BodyPoll::Ended => {
            if let Some(guard) = guard.take() {
                guard.complete();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use promstrict_core::Format;

    #[test]
    fn label_values() {
        assert_eq!(HttpMethod::parse("GET").as_str(), "get");
        assert_eq!(HttpMethod::parse("OPTIONS").as_str(), "options");
        assert_eq!(HttpMethod::parse("get"), HttpMethod::Other);
        assert_eq!(HttpMethod::parse("PROPFIND").as_str(), "other");
        assert_eq!(HttpMethod::from(&::http::Method::PATCH), HttpMethod::Patch);
        for (code, class) in [
            (100, "1xx"),
            (204, "2xx"),
            (301, "3xx"),
            (404, "4xx"),
            (503, "5xx"),
            (999, "5xx"),
        ] {
            assert_eq!(StatusClass::from_code(code).as_str(), class);
        }
        assert_eq!(<RequestLabels as LabelSet>::CARDINALITY, 8 * 257 * 6);
    }

    #[test]
    fn every_label_combination_decodes_back() {
        let registry = Registry::new();
        let metrics = HttpMetrics::register(&registry).unwrap();
        let route = Route::new("/orders/{id}");
        metrics.record(HttpMethod::Delete, route, 503, Duration::from_millis(20));
        let mut guard = metrics.start(HttpMethod::Options);
        guard.set_route(route);
        assert_eq!(metrics.in_flight(), 1);
        drop(guard); // unfinished: aborted
        assert_eq!(metrics.in_flight(), 0);
        let text = registry.encode(Format::Prometheus);
        assert!(
            text.contains(
                r#"http_requests_total{method="delete",route="/orders/{id}",status="5xx"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"http_requests_total{method="options",route="/orders/{id}",status="aborted"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(
                r#"http_request_duration_seconds_count{method="options",route="/orders/{id}"} 1"#
            ),
            "{text}"
        );
        assert!(text.contains(r#"http_request_duration_seconds_bucket{method="delete",route="/orders/{id}",le="0.05"} 1"#), "{text}");
    }

    #[test]
    fn a_guard_without_a_route_counts_as_unmatched() {
        let registry = Registry::new();
        let metrics = HttpMetrics::register(&registry).unwrap();
        metrics.start(HttpMethod::Get).finish(404);
        let text = registry.encode(Format::Prometheus);
        assert!(
            text.contains(r#"http_requests_total{method="get",route="unmatched",status="4xx"} 1"#),
            "{text}"
        );
    }

    #[test]
    fn sizes_and_first_byte_are_recorded_with_the_request() {
        let registry = Registry::new();
        let metrics = HttpMetrics::register(&registry).unwrap();
        let mut guard = metrics.start(HttpMethod::Post);
        guard.set_route(Route::new("/upload"));
        guard.add_request_bytes(1000);
        guard.respond(201);
        guard.first_byte();
        guard.first_byte(); // once
        guard.add_response_bytes(10);
        guard.add_response_bytes(20);
        guard.complete();
        let text = registry.encode(Format::Prometheus);
        for line in [
            r#"http_requests_total{method="post",route="/upload",status="2xx"} 1"#,
            r#"http_response_first_byte_seconds_count{method="post",route="/upload"} 1"#,
            r#"http_request_body_size_bytes_sum{method="post",route="/upload"} 1000.0"#,
            r#"http_response_body_size_bytes_sum{method="post",route="/upload"} 30.0"#,
            r#"http_response_body_size_bytes_bucket{method="post",route="/upload",le="64.0"} 1"#,
        ] {
            assert!(text.contains(line), "missing {line}\n{text}");
        }
    }

    #[test]
    fn label_names_are_chosen_within_the_rule_book() {
        let registry = Registry::new();
        let metrics = HttpMetrics::builder()
            .method_label("verb")
            .route_label("path")
            .register(&registry)
            .unwrap();
        metrics.record(HttpMethod::Get, Route::new("/a"), 200, Duration::ZERO);
        let text = registry.encode(Format::Prometheus);
        assert!(
            text.contains(r#"http_requests_total{verb="get",path="/a",status="2xx"} 1"#),
            "{text}"
        );
        assert!(
            text.contains(r#"http_request_duration_seconds_count{verb="get",path="/a"} 1"#),
            "{text}"
        );
        assert_eq!(
            registry.sample(
                "http_requests_total",
                &[("verb", "get"), ("path", "/a"), ("status", "2xx")]
            ),
            Some(1.0)
        );
        // The same renaming again shares its descriptors.
        let again = Registry::new();
        HttpMetrics::builder()
            .method_label("verb")
            .route_label("path")
            .register(&again)
            .unwrap();

        // Reserved, not a label name's characters, used twice.
        for bad in ["le", "Path-Name", "method"] {
            let registry = Registry::new();
            let err = HttpMetrics::builder()
                .route_label(bad)
                .register(&registry)
                .unwrap_err()
                .to_string();
            assert!(err.contains(bad), "{bad}: {err}");
            assert!(registry.is_empty(), "{bad}: nothing registered");
        }
    }

    #[test]
    fn registering_twice_is_an_error_not_a_panic() {
        let registry = Registry::new();
        HttpMetrics::register(&registry).unwrap();
        let err = HttpMetrics::register(&registry).unwrap_err();
        assert!(matches!(err, RegistryError::Duplicate { .. }), "{err}");
        assert_eq!(registry.len(), 6);
    }
}

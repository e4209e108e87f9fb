//! The HTTP request metrics every service should have, with closed-set
//! labels: the method as one of eight values, the status as its class, and the
//! route as its template (`/users/{id}`), never the raw path.

use std::borrow::Cow;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

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

impl LabelValue for HttpMethod {
    const CARDINALITY: usize = 8;
    const NAMES: &'static [&'static str] = &[
        "get", "post", "put", "delete", "patch", "head", "options", "other",
    ];

    #[inline]
    fn index(self) -> usize {
        self as usize
    }

    fn name_at(index: usize) -> Option<&'static str> {
        Self::NAMES.get(index).copied()
    }
}

/// A response status as its class: `1xx` … `5xx`.
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

impl LabelValue for StatusClass {
    const CARDINALITY: usize = 5;
    const NAMES: &'static [&'static str] = &["1xx", "2xx", "3xx", "4xx", "5xx"];

    #[inline]
    fn index(self) -> usize {
        self as usize
    }

    fn name_at(index: usize) -> Option<&'static str> {
        Self::NAMES.get(index).copied()
    }
}

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
    in_flight: Gauge,
}

impl Families {
    /// Records a request's duration and, with a status, its count; the
    /// current trace (if an exemplar source gives one) is both exemplars.
    fn finish(&self, method: HttpMethod, route: Route, status: Option<StatusClass>, seconds: f64) {
        let exemplar = promstrict_core::current_exemplar();
        let duration = self.duration.labels(RouteLabels { method, route });
        match &exemplar {
            None => duration.observe(seconds),
            Some(ex) => duration.observe_with_exemplar(seconds, ex),
        }
        if let Some(status) = status {
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
}

/// The HTTP server metrics, registered in a [`Registry`]:
///
/// - `http_requests_total{method, route, status}` (counter): requests
///   answered, by method, route template and status class;
/// - `http_request_duration_seconds{method, route}` (histogram): time from
///   the request reaching the middleware to the response head being ready;
/// - `http_requests_in_flight` (gauge): requests being handled.
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
/// let text = registry.encode(Format::Prometheus);
/// assert!(text.contains(r#"http_requests_total{method="get",route="/users/{id}",status="2xx"} 1"#));
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

    /// Registers the metrics in `registry` with [`DEFAULT_BUCKETS`](Self::DEFAULT_BUCKETS).
    /// `Err` (and nothing registered) if any of the names is taken.
    pub fn register(registry: &Registry) -> Result<Self, RegistryError> {
        let buckets = Buckets::new(Self::DEFAULT_BUCKETS).expect("valid default buckets");
        Self::register_with_buckets(registry, buckets)
    }

    /// Registers the metrics in `registry`, with `buckets` for the latency
    /// histogram.
    pub fn register_with_buckets(
        registry: &Registry,
        buckets: Buckets,
    ) -> Result<Self, RegistryError> {
        // Reserve the `unmatched` slot before any route can take the last one.
        Route::unmatched();
        let families = Families {
            requests: Family::default(),
            duration: Family::with_options(buckets),
            in_flight: Gauge::new(),
        };
        const OWNER: &str = "the HTTP layer (`http::HttpMetrics`)";
        // A generated dashboard's row.
        const GROUP: &str = "HttpMetrics";
        let mut group = MetricGroup::new();
        group
            .add(
                Descriptor::new(
                    "http_requests_total",
                    "HTTP requests answered, by method, route template and status class.",
                )
                .owner(OWNER)
                .group(GROUP),
                &families.requests,
            )
            .add(
                Descriptor::new(
                    "http_request_duration_seconds",
                    "Time to answer an HTTP request (until the response head), by method and route template.",
                )
                .owner(OWNER)
                .group(GROUP),
                &families.duration,
            )
            .add(
                Descriptor::new("http_requests_in_flight", "HTTP requests being handled.")
                    .owner(OWNER)
                    .group(GROUP),
                &families.in_flight,
            );
        registry.register_group(group)?;
        Ok(HttpMetrics {
            families: Arc::new(families),
        })
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
            start: Instant::now(),
        }
    }

    /// Records a finished request in one call (for code that timed it itself).
    /// With an [exemplar source](promstrict_core::set_exemplar_source) set,
    /// the current trace becomes the exemplar of both series.
    pub fn record(&self, method: HttpMethod, route: Route, status: u16, duration: Duration) {
        self.families.finish(
            method,
            route,
            Some(StatusClass::from_code(status)),
            duration.as_secs_f64(),
        );
    }

    /// Requests being handled now.
    pub fn in_flight(&self) -> i64 {
        self.families.in_flight.get()
    }
}

/// One request being recorded. Finishing it with a status records its count,
/// duration and the end of its flight; dropping it unfinished (the response
/// future was dropped, the handler panicked) still records the duration and
/// the end of the flight, but counts no request, since there is no status.
/// A request without a route counts as [`Route::unmatched`].
#[must_use = "a request is recorded when its guard is finished or dropped"]
pub struct RequestGuard {
    metrics: HttpMetrics,
    method: HttpMethod,
    route: Option<Route>,
    status: Option<StatusClass>,
    start: Instant,
}

impl fmt::Debug for RequestGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestGuard")
            .field("method", &self.method)
            .field("route", &self.route.map(Route::as_str))
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

    /// Records the request as answered with `status`.
    pub fn finish(mut self, status: u16) {
        self.status = Some(StatusClass::from_code(status));
    }
}

impl Drop for RequestGuard {
    fn drop(&mut self) {
        let route = self.route.unwrap_or_else(Route::unmatched);
        let seconds = self.start.elapsed().as_secs_f64();
        self.metrics
            .families
            .finish(self.method, route, self.status, seconds);
        self.metrics.families.in_flight.dec();
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
        assert_eq!(<RequestLabels as LabelSet>::CARDINALITY, 8 * 257 * 5);
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
        drop(guard); // unfinished: duration only
        assert_eq!(metrics.in_flight(), 0);
        let text = registry.encode(Format::Prometheus);
        assert!(
            text.contains(
                r#"http_requests_total{method="delete",route="/orders/{id}",status="5xx"} 1"#
            ),
            "{text}"
        );
        assert!(
            !text.contains(r#"http_requests_total{method="options""#),
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
    fn registering_twice_is_an_error_not_a_panic() {
        let registry = Registry::new();
        HttpMetrics::register(&registry).unwrap();
        let err = HttpMetrics::register(&registry).unwrap_err();
        assert!(matches!(err, RegistryError::Duplicate { .. }), "{err}");
        assert_eq!(registry.len(), 3);
    }
}

//! The documented examples, verbatim: labels, the metric struct, registration,
//! updates and both encodings.

use promstrict::{Counter, Family, Format, Gauge, Histogram, Metrics, Registry};
use promstrict::{LabelSet, LabelValue};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
enum Method { Get, Post, Put, Delete }          // encoded "get", "post", … (snake_case)

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelValue)]
enum StatusClass {
    #[label(name = "2xx")] Success,
    #[label(name = "4xx")] ClientError,
    #[label(name = "5xx")] ServerError,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, LabelSet)]
struct RequestLabels { method: Method, status: StatusClass }   // label names = field names

#[derive(Metrics)]
#[metrics(namespace = "http")]                 // optional: every name becomes http_<name>
pub struct HttpMetrics {
    /// Total HTTP requests.                   // doc comment = HELP text; required
    pub requests_total: Family<RequestLabels, Counter>,
    /// HTTP request latency.
    #[metric(buckets = [0.01, 0.05, 0.1, 0.5, 1.0, 2.0, 5.0])]
    pub request_duration_seconds: Family<RequestLabels, Histogram>,
    /// Open WebSocket connections.
    pub ws_connections_active: Gauge,
    /// Renamed: the field name is free, the metric name is checked.
    #[metric(name = "process_uptime_seconds")]
    pub uptime: Gauge,
}

fn main() -> Result<(), promstrict::RegistryError> {
    let labels = RequestLabels { method: Method::Get, status: StatusClass::Success };
    let accept_header = Some("application/openmetrics-text; version=1.0.0");

    let mut registry = Registry::new();
    let http = HttpMetrics::register(&mut registry)?;         // Err on a name already registered
    http.requests_total.labels(RequestLabels { method: Method::Get, status: StatusClass::Success }).inc();
    http.request_duration_seconds.labels(labels).observe(0.042);
    http.ws_connections_active.inc();

    let body: String = registry.encode(Format::Prometheus);  // text/plain; version=0.0.4
    assert!(body.contains("http_requests_total{method=\"get\",status=\"2xx\"} 1\n"));
    let body: String = registry.encode(Format::OpenMetrics); // application/openmetrics-text; version=1.0.0
    assert!(body.contains("# TYPE http_requests counter\n"));
    assert!(body.ends_with("# EOF\n"));
    let format = Format::from_accept(accept_header);          // content negotiation
    assert_eq!(format, Format::OpenMetrics);

    assert_eq!(<Method as LabelValue>::CARDINALITY, 4);
    assert_eq!(<RequestLabels as LabelSet>::CARDINALITY, 12);
    assert_eq!(StatusClass::ClientError.as_str(), "4xx");
    assert!(HttpMetrics::register(&registry).is_err());
    let _ = (Method::Post, Method::Put, Method::Delete, StatusClass::ServerError);
    Ok(())
}

//! Every objective mistake of a struct is reported in one build, one error each.

#[allow(unused_imports)]
use promstrict::{Counter, Family, Gauge, Histogram, LabelSet, LabelValue, Metrics};

#[derive(Clone, Copy, LabelValue)]
enum Status {
    #[label(name = "2xx")]
    Ok,
    #[label(name = "5xx")]
    ServerError,
}

#[derive(Clone, Copy, LabelSet)]
struct RequestLabels {
    status: Status,
}

#[derive(Metrics)]
struct ApiMetrics {
    /// Request latency.
    #[metric(buckets = [0.1, 0.5], objective(latency = 0.25, percent = 99.0))]
    request_duration_seconds: Histogram,
    /// Requests.
    #[metric(objective(errors(status = "5xx"), percent = 100))]
    requests_total: Family<RequestLabels, Counter>,
    /// Open connections.
    #[metric(objective(latency = 1.0, percent = 99.0))]
    connections: Gauge,
}

fn main() {}

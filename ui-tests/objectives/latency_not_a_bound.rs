//! A latency threshold must be one of the histogram's bucket bounds; the message names the nearest ones.

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
    #[metric(buckets = [0.1, 0.25, 0.5, 1.0], objective(latency = 0.3, percent = 99.0))]
    request_duration_seconds: Histogram,
    /// Requests.
    requests_total: Family<RequestLabels, Counter>,
    /// Open connections.
    connections: Gauge,
}

fn main() {}

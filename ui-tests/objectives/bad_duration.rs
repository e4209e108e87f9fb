//! An alert's `for` must be a Prometheus duration, and its severity not empty.

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
    #[metric(buckets = "fast", objective(latency = 0.25, percent = 99.0, page(for = "5 minutes", severity = "critical"), ticket(severity = "")))]
    request_duration_seconds: Histogram,
}

fn main() {}

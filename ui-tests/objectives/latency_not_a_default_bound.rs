//! Without `buckets`, the threshold is checked against the default buckets.

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
    #[metric(objective(latency = 0.2, percent = 99.0))]
    request_duration_seconds: Family<RequestLabels, Histogram>,
}

fn main() {}

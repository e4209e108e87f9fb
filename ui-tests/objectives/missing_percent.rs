//! An objective needs its percentage.

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
    #[metric(buckets = "fast", objective(latency = 0.25))]
    request_duration_seconds: Histogram,
}

fn main() {}

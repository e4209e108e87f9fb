//! At least one bucket.

use metrics_runtime::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = linear(0.5, 0.5, 0))]
    request_duration_seconds: Histogram,
}

fn main() {}

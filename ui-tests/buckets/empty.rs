//! At least one bound.

use metrics_runtime::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = [])]
    request_duration_seconds: Histogram,
}

fn main() {}

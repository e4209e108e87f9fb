//! Generators take three arguments.

use metrics_runtime::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = exponential(0.1, 2.0))]
    request_duration_seconds: Histogram,
}

fn main() {}

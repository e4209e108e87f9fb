//! `count` is an integer literal.

use metrics_runtime::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = exponential(0.001, 2.0, 5.0))]
    request_duration_seconds: Histogram,
}

fn main() {}

//! The presets are "fast", "medium" and "slow".

use metrics_runtime::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = "quick")]
    request_duration_seconds: Histogram,
}

fn main() {}

//! The presets are "fast", "medium" and "slow".

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = "quick")]
    request_duration_seconds: Histogram,
}

fn main() {}

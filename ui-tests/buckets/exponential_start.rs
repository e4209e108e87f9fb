//! Exponential buckets start above 0.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = exponential(0.0, 2.0, 5))]
    request_duration_seconds: Histogram,
}

fn main() {}

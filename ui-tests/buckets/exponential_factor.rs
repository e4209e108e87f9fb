//! Exponential buckets grow by a factor above 1.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = exponential(0.1, 1.0, 5))]
    request_duration_seconds: Histogram,
}

fn main() {}

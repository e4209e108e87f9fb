//! At most 20 buckets.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = exponential(0.001, 2.0, 30))]
    request_duration_seconds: Histogram,
}

fn main() {}

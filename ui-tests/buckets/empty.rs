//! At least one bound.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = [])]
    request_duration_seconds: Histogram,
}

fn main() {}

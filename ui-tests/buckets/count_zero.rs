//! At least one bucket.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = linear(0.5, 0.5, 0))]
    request_duration_seconds: Histogram,
}

fn main() {}

//! Generators take three arguments.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = exponential(0.1, 2.0))]
    request_duration_seconds: Histogram,
}

fn main() {}

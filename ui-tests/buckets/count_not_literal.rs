//! `count` is an integer literal.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = exponential(0.001, 2.0, 5.0))]
    request_duration_seconds: Histogram,
}

fn main() {}

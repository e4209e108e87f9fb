//! `+Inf` is implicit.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = [0.1, 1.0, f64::INFINITY])]
    request_duration_seconds: Histogram,
}

fn main() {}

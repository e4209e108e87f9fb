//! A literal that does not fit an `f64` is infinite.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = [0.1, 1e400])]
    request_duration_seconds: Histogram,
}

fn main() {}

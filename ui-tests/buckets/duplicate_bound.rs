//! A repeated bound is not increasing either.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = [0.1, 0.5, 0.5])]
    request_duration_seconds: Histogram,
}

fn main() {}

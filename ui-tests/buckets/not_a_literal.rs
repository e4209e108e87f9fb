//! Bounds are checked at compile time, so they are literals.

use promstrict::{Histogram, Metrics};

const LIMIT: f64 = 1.0;

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = [0.1, LIMIT])]
    request_duration_seconds: Histogram,
}

fn main() {
    let _ = LIMIT;
}

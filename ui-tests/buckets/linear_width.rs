//! Linear buckets have a positive width.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = linear(0.0, -0.5, 5))]
    request_duration_seconds: Histogram,
}

fn main() {}

//! Generated bounds must be finite.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = exponential(1e300, 1e10, 20))]
    request_duration_seconds: Histogram,
}

fn main() {}

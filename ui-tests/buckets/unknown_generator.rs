//! Only `exponential` and `linear`.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = geometric(0.1, 2.0, 5))]
    request_duration_seconds: Histogram,
}

fn main() {}

//! At least one bucket.

use promstrict::{Metrics, NativeHistogram};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(native(max_buckets = 0))]
    request_duration_seconds: NativeHistogram,
}

fn main() {}

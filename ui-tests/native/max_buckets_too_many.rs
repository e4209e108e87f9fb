//! Memory is bounded.

use promstrict::{Metrics, NativeHistogram};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(native(max_buckets = 5000))]
    request_duration_seconds: NativeHistogram,
}

fn main() {}

//! The schema is -4 to 8.

use promstrict::{Metrics, NativeHistogram};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(native(schema = -5, max_buckets = 160))]
    request_duration_seconds: NativeHistogram,
}

fn main() {}

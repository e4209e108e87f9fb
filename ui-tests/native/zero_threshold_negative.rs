//! The zero threshold is not negative.

use promstrict::{Metrics, NativeHistogram};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(native(zero_threshold = -1e-9))]
    request_duration_seconds: NativeHistogram,
}

fn main() {}

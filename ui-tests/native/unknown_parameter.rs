//! Only the three parameters.

use promstrict::{Metrics, NativeHistogram};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(native(factor = 1.1))]
    request_duration_seconds: NativeHistogram,
}

fn main() {}

//! The schema is -4 to 8.

use promstrict::{Metrics, NativeHistogram};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(native(schema = 9))]
    request_duration_seconds: NativeHistogram,
}

fn main() {}

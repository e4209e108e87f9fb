//! `native` on a classic histogram.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(native(schema = 3))]
    request_duration_seconds: Histogram,
}

fn main() {}

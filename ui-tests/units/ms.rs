//! Abbreviated units (promlint).

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    request_duration_ms: Histogram,
}

fn main() {}

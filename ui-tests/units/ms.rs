//! Abbreviated units (promlint).

use metrics_runtime::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    request_duration_ms: Histogram,
}

fn main() {}

//! A declared unit is a base unit too.

use metrics_runtime::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(unit = "milliseconds")]
    request_duration_seconds: Histogram,
}

fn main() {}

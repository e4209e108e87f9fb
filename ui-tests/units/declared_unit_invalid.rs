//! A unit is a snake_case word.

use metrics_runtime::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(unit = "Seconds")]
    request_duration_seconds: Histogram,
}

fn main() {}

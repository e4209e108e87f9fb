//! A duration histogram says `_seconds`.

use metrics_runtime::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    request_duration: Histogram,
}

fn main() {}

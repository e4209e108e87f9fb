//! `_bucket` is produced by histograms.

use metrics_runtime::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    latency_seconds_bucket: Histogram,
}

fn main() {}

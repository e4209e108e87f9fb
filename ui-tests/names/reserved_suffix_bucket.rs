//! `_bucket` is produced by histograms.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    latency_seconds_bucket: Histogram,
}

fn main() {}

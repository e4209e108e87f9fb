//! `_count` is produced by histograms and summaries.

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs waiting.
    jobs_count: Gauge,
}

fn main() {}

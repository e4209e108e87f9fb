//! `_count` is produced by histograms and summaries.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs waiting.
    jobs_count: Gauge,
}

fn main() {}

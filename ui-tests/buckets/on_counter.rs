//! `buckets` only applies to histograms.

use metrics_runtime::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(buckets = "fast")]
    jobs_total: Counter,
}

fn main() {}

//! `buckets` only applies to histograms.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(buckets = "fast")]
    jobs_total: Counter,
}

fn main() {}

//! `_sum` is produced by histograms and summaries.

use promstrict::{Metrics, Summary};

#[derive(Metrics)]
struct AppMetrics {
    /// Payloads.
    payload_bytes_sum: Summary,
}

fn main() {}

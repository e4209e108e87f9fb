//! A summary has no buckets.

use promstrict::{Metrics, Summary};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = [0.1, 1.0])]
    request_duration_seconds: Summary,
}

fn main() {}

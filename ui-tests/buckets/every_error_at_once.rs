//! Every bad bound of a list is reported in one build.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = [0.5, 0.1, x, 0.05])]
    request_duration_seconds: Histogram,
}

fn main() {}

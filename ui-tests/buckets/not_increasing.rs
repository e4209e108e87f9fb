//! Bucket bounds strictly increase: the caret is on the first bound out of order.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = [0.1, 0.5, 0.25, 1.0])]
    request_duration_seconds: Histogram,
}

fn main() {}

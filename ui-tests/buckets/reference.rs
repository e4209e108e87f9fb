//! `&[…]` is refused with a hint to drop the `&`.

use metrics_runtime::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = &[0.1, 1.0])]
    request_duration_seconds: Histogram,
}

fn main() {}

//! `&[…]` is refused with a hint to drop the `&`.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = &[0.1, 1.0])]
    request_duration_seconds: Histogram,
}

fn main() {}

//! A bucket spec that is none of the forms.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(buckets = BUCKETS)]
    request_duration_seconds: Histogram,
}

fn main() {}

//! A unit is a snake_case word.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(unit = "Seconds")]
    request_duration_seconds: Histogram,
}

fn main() {}

//! A declared unit is a base unit too.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    #[metric(unit = "milliseconds")]
    request_duration_seconds: Histogram,
}

fn main() {}

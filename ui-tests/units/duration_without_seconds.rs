//! A duration histogram says `_seconds`.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    request_duration: Histogram,
}

fn main() {}

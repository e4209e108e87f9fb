//! No metric type anywhere in the name, as a word.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    request_histogram_seconds: Histogram,
}

fn main() {}

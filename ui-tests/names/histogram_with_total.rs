//! Only counters end in `_total`, histograms neither.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    latency_seconds_total: Histogram,
}

fn main() {}

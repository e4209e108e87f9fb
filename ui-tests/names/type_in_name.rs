//! No metric type in the name (promlint).

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs waiting.
    queue_gauge: Gauge,
}

fn main() {}

//! No metric type in the name (promlint).

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs waiting.
    queue_gauge: Gauge,
}

fn main() {}

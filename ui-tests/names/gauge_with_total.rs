//! Only counters end in `_total`.

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs waiting.
    queue_total: Gauge,
}

fn main() {}

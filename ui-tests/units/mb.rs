//! `mb` names `bytes`.

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Heap size.
    heap_mb: Gauge,
}

fn main() {}

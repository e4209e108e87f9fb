//! `kilobytes` names `bytes`.

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Heap size.
    heap_kilobytes: Gauge,
}

fn main() {}

//! `unit = …` must be the name's suffix.

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Heap size.
    #[metric(unit = "bytes")]
    heap: Gauge,
}

fn main() {}

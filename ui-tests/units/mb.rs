//! `mb` names `bytes`.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Heap size.
    heap_mb: Gauge,
}

fn main() {}

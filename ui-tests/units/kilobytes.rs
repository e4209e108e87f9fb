//! `kilobytes` names `bytes`.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Heap size.
    heap_kilobytes: Gauge,
}

fn main() {}

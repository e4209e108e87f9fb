//! `unit = …` must be the name's suffix.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Heap size.
    #[metric(unit = "bytes")]
    heap: Gauge,
}

fn main() {}

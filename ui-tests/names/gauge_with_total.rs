//! Only counters end in `_total`.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs waiting.
    queue_total: Gauge,
}

fn main() {}

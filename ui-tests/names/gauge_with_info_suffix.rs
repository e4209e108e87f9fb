//! Only `Info` metrics end in `_info`.

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Build information.
    build_info: Gauge,
}

fn main() {}

//! Only `Info` metrics end in `_info`.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Build information.
    build_info: Gauge,
}

fn main() {}

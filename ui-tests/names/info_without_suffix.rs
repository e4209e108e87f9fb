//! An `Info` ends in `_info`.

use metrics_runtime::{Info, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Build information.
    build: Info,
}

fn main() {}

//! An empty name.

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(name = "")]
    jobs: Gauge,
}

fn main() {}

//! An empty name.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(name = "")]
    jobs: Gauge,
}

fn main() {}

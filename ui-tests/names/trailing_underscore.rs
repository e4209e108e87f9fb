//! A trailing `_` is refused (it makes `__` once suffixes are added).

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(name = "jobs_")]
    jobs: Gauge,
}

fn main() {}

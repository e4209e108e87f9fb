//! A trailing `_` is refused (it makes `__` once suffixes are added).

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(name = "jobs_")]
    jobs: Gauge,
}

fn main() {}

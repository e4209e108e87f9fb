//! `_total_total`.

use metrics_runtime::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(name = "jobs_total_total")]
    jobs: Counter,
}

fn main() {}

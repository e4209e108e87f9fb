//! A key given twice.

use metrics_runtime::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(name = "runs_total")]
    #[metric(name = "jobs_total")]
    jobs: Counter,
}

fn main() {}

//! A key given twice.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(name = "runs_total")]
    #[metric(name = "jobs_total")]
    jobs: Counter,
}

fn main() {}

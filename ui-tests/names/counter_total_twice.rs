//! `_total_total`.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(name = "jobs_total_total")]
    jobs: Counter,
}

fn main() {}

//! Two fields may not share a metric name: reported on the second.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    jobs_total: Counter,
    /// Jobs run, again.
    #[metric(name = "jobs_total")]
    more_jobs: Counter,
}

fn main() {}

//! Duplicates are found after the namespace is applied.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
#[metrics(namespace = "app")]
struct AppMetrics {
    /// Jobs run.
    jobs_total: Counter,
    /// Jobs run, again.
    #[metric(name = "jobs_total")]
    app_jobs_total: Counter,
}

fn main() {}

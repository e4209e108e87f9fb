//! A namespace with a unit in it.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
#[metrics(namespace = "app_seconds")]
struct AppMetrics {
    /// Jobs run.
    jobs_total: Counter,
}

fn main() {}

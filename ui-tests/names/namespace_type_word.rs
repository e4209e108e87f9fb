//! A namespace with a metric type in it.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
#[metrics(namespace = "counter")]
struct AppMetrics {
    /// Jobs run.
    jobs_total: Counter,
}

fn main() {}

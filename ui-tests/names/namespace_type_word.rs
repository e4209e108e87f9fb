//! A namespace with a metric type in it.

use metrics_runtime::{Counter, Metrics};

#[derive(Metrics)]
#[metrics(namespace = "counter")]
struct AppMetrics {
    /// Jobs run.
    jobs_total: Counter,
}

fn main() {}

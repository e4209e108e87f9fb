//! `#[metric]` belongs on fields.

use metrics_runtime::{Counter, Metrics};

#[derive(Metrics)]
#[metric(namespace = "app")]
struct AppMetrics {
    /// Jobs run.
    jobs_total: Counter,
}

fn main() {}

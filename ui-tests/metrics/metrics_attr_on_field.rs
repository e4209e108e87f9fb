//! `#[metrics]` belongs on the struct.

use metrics_runtime::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metrics(name = "runs_total")]
    jobs_total: Counter,
}

fn main() {}

//! Counters end in `_total`.

use metrics_runtime::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    jobs_run: Counter,
}

fn main() {}

//! A `_timestamp_seconds` metric is a gauge (promlint).

use metrics_runtime::{Metrics, Summary};

#[derive(Metrics)]
struct AppMetrics {
    /// Last run.
    last_run_timestamp_seconds: Summary,
}

fn main() {}

//! A `_timestamp_seconds` metric is a gauge (promlint).

use promstrict::{Metrics, Summary};

#[derive(Metrics)]
struct AppMetrics {
    /// Last run.
    last_run_timestamp_seconds: Summary,
}

fn main() {}

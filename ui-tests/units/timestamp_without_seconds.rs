//! Timestamps are seconds since the epoch.

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Last success.
    last_success_timestamp: Gauge,
}

fn main() {}

//! `_created` is produced by OpenMetrics.

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Sessions.
    sessions_created: Gauge,
}

fn main() {}

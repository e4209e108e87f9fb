//! Timestamps are seconds since the epoch.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Last success.
    last_success_timestamp: Gauge,
}

fn main() {}

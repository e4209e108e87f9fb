//! `_created` is produced by OpenMetrics.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Sessions.
    sessions_created: Gauge,
}

fn main() {}

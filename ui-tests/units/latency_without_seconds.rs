//! So does a latency summary.

use promstrict::{Metrics, Summary};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    db_latency: Summary,
}

fn main() {}

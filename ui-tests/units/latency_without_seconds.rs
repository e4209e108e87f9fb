//! So does a latency summary.

use metrics_runtime::{Metrics, Summary};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    db_latency: Summary,
}

fn main() {}

//! A counter `jobs_total` and a gauge `jobs` are both the OpenMetrics family `jobs`.

use metrics_runtime::{Counter, Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    jobs_total: Counter,
    /// Jobs waiting.
    jobs: Gauge,
}

fn main() {}

//! Fields are metrics.

use metrics_runtime::Metrics;

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    jobs_total: std::sync::atomic::AtomicU64,
}

fn main() {}

//! Fields are metrics.

use promstrict::Metrics;

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    jobs_total: std::sync::atomic::AtomicU64,
}

fn main() {}

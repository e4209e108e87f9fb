//! `__` is reserved for Prometheus.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(name = "jobs__run_total")]
    runs: Counter,
}

fn main() {}

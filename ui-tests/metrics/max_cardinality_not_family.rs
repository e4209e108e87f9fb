//! `max_cardinality` is for families.

use metrics_runtime::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(max_cardinality = 5000)]
    jobs_total: Counter,
}

fn main() {}

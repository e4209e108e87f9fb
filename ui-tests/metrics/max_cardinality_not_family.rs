//! `max_cardinality` is for families.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(max_cardinality = 5000)]
    jobs_total: Counter,
}

fn main() {}

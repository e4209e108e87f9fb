//! `max_cardinality` is an integer literal.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(max_cardinality = "lots")]
    jobs_total: Counter,
}

fn main() {}

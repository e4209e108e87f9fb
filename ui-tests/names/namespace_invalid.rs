//! The namespace follows the name rules.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
#[metrics(namespace = "MyApp")]
struct AppMetrics {
    /// Jobs run.
    jobs_total: Counter,
}

fn main() {}

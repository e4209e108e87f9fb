//! `#[metric]` belongs on fields.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
#[metric(namespace = "app")]
struct AppMetrics {
    /// Jobs run.
    jobs_total: Counter,
}

fn main() {}

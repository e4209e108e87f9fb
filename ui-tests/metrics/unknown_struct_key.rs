//! Unknown `#[metrics]` keys list the valid ones.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
#[metrics(prefix = "app")]
struct AppMetrics {
    /// Jobs run.
    jobs_total: Counter,
}

fn main() {}

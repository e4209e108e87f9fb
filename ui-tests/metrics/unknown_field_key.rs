//! Unknown `#[metric]` keys list the valid ones.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(rename = "runs_total")]
    jobs_total: Counter,
}

fn main() {}

//! `#[metrics]` belongs on the struct.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metrics(name = "runs_total")]
    jobs_total: Counter,
}

fn main() {}

//! `:` is for recording rules.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(name = "job:runs_total")]
    runs: Counter,
}

fn main() {}

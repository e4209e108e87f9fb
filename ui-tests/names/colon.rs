//! `:` is for recording rules.

use metrics_runtime::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(name = "job:runs_total")]
    runs: Counter,
}

fn main() {}

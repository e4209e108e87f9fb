//! Only `[a-z0-9_]`: a `-` is replaced in the suggestion.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(name = "jobs-run_total")]
    runs: Counter,
}

fn main() {}

//! A counter named `_count` is told to use `_total` instead.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    jobs_count: Counter,
}

fn main() {}

//! Counters end in `_total`.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    jobs_run: Counter,
}

fn main() {}

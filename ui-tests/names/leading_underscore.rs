//! A leading `_` is reserved.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    _jobs_total: Counter,
}

fn main() {}

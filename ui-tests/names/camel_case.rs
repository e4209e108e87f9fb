//! Metric names are snake_case; the error suggests the snake_case form.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    jobsRunTotal: Counter,
}

fn main() {}

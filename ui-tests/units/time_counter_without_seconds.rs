//! A counter of time: `_seconds` goes before `_total`.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// CPU time.
    cpu_time_total: Counter<f64>,
}

fn main() {}

//! A counter of time: `_seconds` goes before `_total`.

use metrics_runtime::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// CPU time.
    cpu_time_total: Counter<f64>,
}

fn main() {}

//! Percentages are ratios.

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// CPU usage.
    cpu_usage_percent: Gauge<f64>,
}

fn main() {}

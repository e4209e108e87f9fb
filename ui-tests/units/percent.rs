//! Percentages are ratios.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// CPU usage.
    cpu_usage_percent: Gauge<f64>,
}

fn main() {}

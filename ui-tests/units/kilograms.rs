//! `kilograms` names `grams`.

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Mass.
    payload_kilograms: Gauge<f64>,
}

fn main() {}

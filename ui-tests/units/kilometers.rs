//! `kilometers` names `meters`.

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Distance.
    distance_kilometers: Gauge<f64>,
}

fn main() {}

//! `kilograms` names `grams`.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Mass.
    payload_kilograms: Gauge<f64>,
}

fn main() {}

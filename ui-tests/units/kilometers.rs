//! `kilometers` names `meters`.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Distance.
    distance_kilometers: Gauge<f64>,
}

fn main() {}

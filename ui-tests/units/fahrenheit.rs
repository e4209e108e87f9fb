//! `fahrenheit` names `celsius`.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Temperature.
    room_temperature_fahrenheit: Gauge<f64>,
}

fn main() {}

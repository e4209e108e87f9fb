//! `millivolts` names `volts`.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Supply voltage.
    supply_millivolts: Gauge<f64>,
}

fn main() {}

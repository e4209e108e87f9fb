//! `calories` names `joules`.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Energy.
    energy_calories_total: Counter<f64>,
}

fn main() {}

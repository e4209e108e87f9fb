//! `calories` names `joules`.

use metrics_runtime::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Energy.
    energy_calories_total: Counter<f64>,
}

fn main() {}

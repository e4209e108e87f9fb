//! `minutes` names `seconds`.

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Cache age.
    cache_age_minutes: Gauge,
}

fn main() {}

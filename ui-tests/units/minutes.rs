//! `minutes` names `seconds`.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Cache age.
    cache_age_minutes: Gauge,
}

fn main() {}

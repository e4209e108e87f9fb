//! `days` names `seconds`.

use metrics_runtime::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Until expiry.
    cert_expiry_days: Gauge,
}

fn main() {}

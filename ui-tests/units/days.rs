//! `days` names `seconds`.

use promstrict::{Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Until expiry.
    cert_expiry_days: Gauge,
}

fn main() {}

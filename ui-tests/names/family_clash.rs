//! A counter `jobs_total` and a gauge `jobs` are both the OpenMetrics family `jobs`.

use promstrict::{Counter, Gauge, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    jobs_total: Counter,
    /// Jobs waiting.
    jobs: Gauge,
}

fn main() {}

//! Base units only: `milliseconds` names `seconds`.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    request_duration_milliseconds: Histogram,
}

fn main() {}

//! Base units only: `milliseconds` names `seconds`.

use metrics_runtime::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Latency.
    request_duration_milliseconds: Histogram,
}

fn main() {}

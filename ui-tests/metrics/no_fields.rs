//! A struct without metrics.

use metrics_runtime::Metrics;

#[derive(Metrics)]
struct AppMetrics {}

fn main() {}

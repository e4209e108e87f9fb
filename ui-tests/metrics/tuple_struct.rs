//! Metric names come from field names.

use metrics_runtime::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics(Counter);

fn main() {}

//! Metric names come from field names.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics(Counter);

fn main() {}

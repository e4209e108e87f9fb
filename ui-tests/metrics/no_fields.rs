//! A struct without metrics.

use promstrict::Metrics;

#[derive(Metrics)]
struct AppMetrics {}

fn main() {}

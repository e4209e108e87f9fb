//! `Metrics` is for structs.

use metrics_runtime::{Counter, Metrics};

#[derive(Metrics)]
enum AppMetrics {
    Jobs(Counter),
}

fn main() {}

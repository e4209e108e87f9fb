//! `Metrics` is for structs.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
enum AppMetrics {
    Jobs(Counter),
}

fn main() {}

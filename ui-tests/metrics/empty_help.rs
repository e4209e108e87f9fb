//! `help = ""` is no help.

use metrics_runtime::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    #[metric(help = "  ")]
    jobs_total: Counter,
}

fn main() {}

//! `help = ""` is no help.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    #[metric(help = "  ")]
    jobs_total: Counter,
}

fn main() {}

//! HELP text is required: on the field, saying how to add it.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    jobs_total: Counter,
}

fn main() {}

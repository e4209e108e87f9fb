//! A name starts with a letter.

use metrics_runtime::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(name = "5xx_responses_total")]
    responses: Counter,
}

fn main() {}

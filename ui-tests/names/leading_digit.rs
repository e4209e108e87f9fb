//! A name starts with a letter.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Jobs run.
    #[metric(name = "5xx_responses_total")]
    responses: Counter,
}

fn main() {}

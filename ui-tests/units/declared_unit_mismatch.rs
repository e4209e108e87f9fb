//! `unit = …` and the unit the name ends in must agree.

use promstrict::{Histogram, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Sizes.
    #[metric(unit = "seconds")]
    response_size_bytes: Histogram,
}

fn main() {}

//! For a counter the unit goes before `_total`.

use promstrict::{Counter, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Read.
    #[metric(unit = "bytes")]
    read_total: Counter,
}

fn main() {}

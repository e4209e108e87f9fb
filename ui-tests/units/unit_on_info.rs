//! Info metrics have no unit.

use promstrict::{Info, Metrics};

#[derive(Metrics)]
struct AppMetrics {
    /// Build.
    #[metric(unit = "seconds")]
    build_info: Info,
}

fn main() {}
